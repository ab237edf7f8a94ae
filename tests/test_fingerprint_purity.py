"""``alteram.fingerprint`` is pure: stdlib, NumPy, Pillow, pdqhash and ``alteram.errors`` only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import alteram.fingerprint

PACKAGE = Path(alteram.fingerprint.__file__).parent
ALLOWED_THIRD_PARTY = {"numpy", "PIL", "pdqhash"}
ALLOWED_PROJECT = {"alteram.errors"}
# Not I/O-free: a pure core has no business with these even though they are stdlib.
FORBIDDEN_STDLIB = {
    "socket",
    "sqlite3",
    "time",
    "datetime",
    "urllib",
    "http",
    "os",
    "subprocess",
    "random",
    "pathlib",
}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_fingerprint_imports_only_what_it_may() -> None:
    files = sorted(PACKAGE.glob("*.py"))
    assert {p.name for p in files} >= {"__init__.py", "media.py", "pdq.py", "text.py", "index.py"}
    for path in files:
        for module in _imports(path):
            top = module.split(".")[0]
            if module.startswith("alteram."):
                assert module.startswith("alteram.fingerprint") or module in ALLOWED_PROJECT, (
                    f"{path.name} imports {module}"
                )
            elif top in ALLOWED_THIRD_PARTY or top == "__future__":
                continue
            else:
                assert top in sys.stdlib_module_names, f"{path.name} imports {module}"
                assert top not in FORBIDDEN_STDLIB, f"{path.name} imports {module}"
