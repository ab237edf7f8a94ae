"""External known answers for the Merkle core: nobody on the team wrote these.

* transparency-dev/merkle's 196 JSON verification probes (tests/fixtures/merkle,
  see SOURCE there): our verifiers fail exactly where ``wantErr`` is true;
* the 8-leaf reference tree of Certificate Transparency's C++/Go tests;
* the hasher known answers of transparency-dev/merkle's rfc6962 package.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from alteram.errors import VerificationFailed
from alteram.tlog import (
    EMPTY_ROOT,
    CompactRange,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

TESTDATA = Path(__file__).parent / "fixtures" / "merkle" / "testdata"
INCLUSION = sorted((TESTDATA / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((TESTDATA / "consistency").rglob("*.json"))

# The 8-leaf reference tree: leaves (hex of raw data) and the roots of sizes 0..8.
REFERENCE_LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
REFERENCE_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(probe: dict[str, Any]) -> list[bytes]:
    return [_b64(h) for h in probe["proof"] or []]


def _id(path: Path) -> str:
    return str(path.relative_to(TESTDATA))


def test_probe_count() -> None:
    total = len(INCLUSION) + len(CONSISTENCY)
    print(
        f"transparency-dev probes: {len(INCLUSION)} inclusion + {len(CONSISTENCY)} "
        f"consistency = {total}"
    )
    assert total == 196
    assert INCLUSION and CONSISTENCY


@pytest.mark.parametrize("path", INCLUSION, ids=_id)
def test_inclusion_probe(path: Path) -> None:
    probe = json.loads(path.read_text())
    args = (
        _b64(probe["leafHash"]),
        probe["leafIdx"],
        probe["treeSize"],
        _proof(probe),
        _b64(probe["root"]),
    )
    if probe["wantErr"]:
        with pytest.raises(VerificationFailed) as info:
            verify_inclusion(*args)
        assert info.value.message
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY, ids=_id)
def test_consistency_probe(path: Path) -> None:
    probe = json.loads(path.read_text())
    args = (
        probe["size1"],
        probe["size2"],
        _proof(probe),
        _b64(probe["root1"]),
        _b64(probe["root2"]),
    )
    if probe["wantErr"]:
        with pytest.raises(VerificationFailed) as info:
            verify_consistency(*args)
        assert info.value.message
    else:
        verify_consistency(*args)


def test_probes_cover_both_outcomes() -> None:
    wanted = [json.loads(p.read_text())["wantErr"] for p in INCLUSION + CONSISTENCY]
    assert any(wanted) and not all(wanted)


@pytest.mark.parametrize("size", range(9))
def test_reference_roots(size: int) -> None:
    hashes = [leaf_hash(bytes.fromhex(x)) for x in REFERENCE_LEAVES[:size]]
    assert root(hashes).hex() == REFERENCE_ROOTS[size]
    cr = CompactRange()
    cr.extend(hashes)
    assert cr.root().hex() == REFERENCE_ROOTS[size]


def test_hasher_known_answers() -> None:
    assert EMPTY_ROOT.hex() == REFERENCE_ROOTS[0]
    assert (
        leaf_hash(b"L123456").hex()
        == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert (
        node_hash(b"N123", b"N456").hex()
        == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )
