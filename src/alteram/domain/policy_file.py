"""Reading a policy from YAML text, with a line number for every problem.

:func:`parse_policy` is pure: text in, :class:`~alteram.domain.policy.Policy`
out, or :class:`~alteram.errors.PolicyInvalid` listing each problem as
``"{source}:{line}: {dotted.path}: {message}"``. The line is that of the YAML
node the problem is about (or of its nearest existing parent, when a field is
missing). Only :func:`load_policy_file` and :func:`load_default_policy` read
files.

YAML scalars are kept as text and typed by the model, not by YAML 1.1's
implicit rules: ``code: NO`` stays the string ``"NO"`` (not ``false``) and
``version: 2026.11`` stays ``"2026.11"`` (not a float). Merge keys (``<<``)
and explicit tags of the safe schema still work.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from alteram.domain.policy import Policy
from alteram.domain.remedy import LADDER, Remedy
from alteram.errors import PolicyInvalid

__all__ = [
    "iso_duration",
    "load_default_policy",
    "load_policy_file",
    "parse_policy",
    "policy_to_public_dict",
]

Loc = tuple[int | str, ...]

_ROOT = "(top level)"
_SYNTAX = "(syntax)"
_DURATION_HINT = "must be a positive ISO-8601 duration such as P7D or PT24H"
_DEADLINE_FIELDS = ("reply", "voting", "appeal", "interim_review")
_CATEGORY_ID_PATTERN = r"^[a-z][a-z0-9_]*$"


# -- YAML --------------------------------------------------------------------


class _PolicyLoader(yaml.SafeLoader):
    """The safe loader, with every plain scalar read as a string.

    Only the merge key ``<<`` keeps its implicit meaning; pydantic turns the
    strings into booleans, numbers and durations where the model asks for them.
    """

    yaml_implicit_resolvers: dict[Any, Any] = {}


_PolicyLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])


def _line(node: yaml.Node) -> int:
    mark = node.start_mark
    return mark.line + 1 if mark is not None else 1


def _read_yaml(
    text: str, source: str
) -> tuple[yaml.Node | None, object, list[tuple[int, Loc, str]]]:
    """The node tree, the data, and any repeated keys (found before merge keys are expanded)."""
    loader = _PolicyLoader(text)
    loader.name = source
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None, []
        duplicates = list(_duplicate_keys(node))
        return node, loader.construct_document(node), duplicates
    finally:
        loader.dispose()


def _yaml_problem(exc: Exception, text: str, source: str) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "cannot parse"
        message = f"invalid YAML: {what}"
        if mark is not None:
            message += f" (column {mark.column + 1})"
        if exc.problem and exc.context:
            message += f", {exc.context}"
            if exc.context_mark is not None and exc.context_mark.line + 1 != line:
                message += f" on line {exc.context_mark.line + 1}"
        return f"{source}:{line}: {_SYNTAX}: {message}"
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = f" (character U+{exc.character:04X})" if isinstance(exc.character, int) else ""
        return f"{source}:{line}: {_SYNTAX}: invalid YAML: {exc.reason}{char}"
    return f"{source}:1: {_SYNTAX}: invalid YAML: {exc}"


def _line_at(root: yaml.Node, loc: Loc) -> int:
    """The line of the node at ``loc``, or of the nearest node that exists."""
    node = root
    line = _line(root)
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            # Later keys win when a key is repeated, as they do in the data.
            found = None
            for key, value in reversed(node.value):
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    found = key, value
                    break
            if found is None:
                break
            line, node = _line(found[0]), found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            line = _line(node)
        else:
            break
    return line


def _duplicate_keys(root: yaml.Node) -> Iterator[tuple[int, Loc, str]]:
    """Keys repeated in one mapping (YAML would silently keep the last)."""
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, Loc]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first_line: dict[str, int] = {}
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                name = str(key.value)
                if name in first_line:
                    yield (
                        _line(key),
                        (*loc, name),
                        f"duplicate key {name!r} (first on line {first_line[name]}); keep only one",
                    )
                else:
                    first_line[name] = _line(key)
                stack.append((value, (*loc, name)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((item, (*loc, index)))


# -- checks the model cannot place on a line --------------------------------


def _items(data: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, Mapping)]


def _located_checks(data: Mapping[str, Any]) -> Iterator[tuple[Loc, str]]:
    """Cross-field rules of :class:`Policy`, each pinned to the node at fault.

    The model raises these from a whole-policy validator (with no location),
    and only once the fields themselves are valid; checking here finds them
    all, at once, on the right line.
    """
    seen_categories: dict[str, Loc] = {}
    seen_rules: dict[str, Loc] = {}
    for i, category in _items(data, "categories"):
        cid = category.get("id")
        if isinstance(cid, str):
            if cid in seen_categories:
                first = ".".join(map(str, seen_categories[cid]))
                yield (
                    ("categories", i, "id"),
                    f"duplicate category id {cid!r}, already used by {first}",
                )
            else:
                seen_categories[cid] = ("categories", i)
        for j, rule in _items(category, "rules"):
            rid = rule.get("id")
            if not isinstance(rid, str):
                continue
            if rid in seen_rules:
                first = ".".join(map(str, seen_rules[rid]))
                yield (
                    ("categories", i, "rules", j, "id"),
                    f"duplicate rule id {rid!r}, already used by {first}; "
                    "rule ids must be unique across all categories",
                )
            else:
                seen_rules[rid] = ("categories", i, "rules", j)

    seen_codes: dict[str, Loc] = {}
    for i, jurisdiction in _items(data, "jurisdictions"):
        code = jurisdiction.get("code")
        if not isinstance(code, str):
            continue
        if code in seen_codes:
            first = ".".join(map(str, seen_codes[code]))
            yield (
                ("jurisdictions", i, "code"),
                f"duplicate jurisdiction {code!r}, already used by {first}",
            )
        else:
            seen_codes[code] = ("jurisdictions", i)

    remedies = data.get("remedies")
    valid = {r.value for r in Remedy}
    if (
        isinstance(remedies, list)
        and all(isinstance(r, str) and r in valid for r in remedies)
        and tuple(remedies) != tuple(r.value for r in LADDER)
    ):
        missing = [r.value for r in LADDER if r.value not in remedies]
        if missing:
            detail = "missing " + ", ".join(missing)
        elif len(remedies) != len(set(remedies)):
            detail = "a rung is listed twice"
        else:
            detail = "out of order"
        yield (
            ("remedies",),
            (
                f"must list the whole remedy ladder, least restrictive first: "
                f"{', '.join(LADDER)} ({detail})"
            ),
        )

    deadlines = data.get("deadlines")
    if isinstance(deadlines, Mapping):
        for name in _DEADLINE_FIELDS:
            value = deadlines.get(name)
            if name in deadlines and not (
                isinstance(value, str) and re.match(r"^[-+]?P", value.strip())
            ):
                yield ("deadlines", name), f"{_DURATION_HINT} (got {_show(value)})"

    standing = data.get("standing")
    if isinstance(standing, Mapping):
        for name in ("window", "suspension", "appeal_deadline"):
            value = standing.get(name)
            if name in standing and not (
                isinstance(value, str) and re.match(r"^[-+]?P", value.strip())
            ):
                yield ("standing", name), f"{_DURATION_HINT} (got {_show(value)})"


# -- pydantic errors in words that say what to fix ---------------------------


def _show(value: object) -> str:
    if isinstance(value, str | int | float | bool) or value is None:
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, Sequence):
        return "a list"
    return type(value).__name__


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class that validates the value at ``loc`` (for field names)."""
    current: Any = Policy
    for part in loc:
        if isinstance(part, int) and get_origin(current) is tuple:
            current = get_args(current)[0]
        elif (
            isinstance(part, str)
            and isinstance(current, type)
            and issubclass(current, BaseModel)
            and part in current.model_fields
        ):
            current = current.model_fields[part].annotation
        else:
            return None
    if isinstance(current, type) and issubclass(current, BaseModel):
        return current
    return None


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    got = _show(error.get("input"))
    loc: Loc = tuple(error["loc"])
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = f"; allowed here: {', '.join(model.model_fields)}" if model else ""
        return f"unknown field {str(loc[-1])!r}{allowed}"
    if kind == "enum":
        return f"must be one of {ctx.get('expected', '')} (got {got})"
    if kind in {"string_type", "str_type"}:
        return f"must be text (got {got})"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters (got {got})"
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == _CATEGORY_ID_PATTERN:
            return (
                "must start with a lowercase letter and contain only lowercase letters, "
                f"digits and _ (got {got})"
            )
        return f"must match the pattern {ctx.get('pattern')} (got {got})"
    if kind in {"bool_type", "bool_parsing"}:
        return f"must be true or false (got {got})"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"must be a whole number (got {got})"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')} (got {got})"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')} (got {got})"
    if kind == "too_short":
        count = ctx.get("min_length", 1)
        return f"must list at least {count} {'entry' if count == 1 else 'entries'}"
    if kind in {"tuple_type", "list_type"}:
        return f"must be a list of '- ' items (got {got})"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"must be a mapping of 'key: value' fields (got {got})"
    if kind.startswith("time_delta"):
        return f"{_DURATION_HINT} (got {got})"
    if kind == "value_error":
        message = str(ctx.get("error") or error["msg"]).strip()
        scalar = isinstance(error.get("input"), str | int | float | bool)
        return f"{message} (got {got})" if scalar else message
    msg = error["msg"]
    return msg[:1].lower() + msg[1:]


def _path(loc: Loc) -> str:
    return ".".join(str(p) for p in loc) or _ROOT


def _place(
    error: ErrorDetails, data: Mapping[str, Any], reported: set[Loc], whole_policy_checked: bool
) -> tuple[Loc, str] | None:
    """Where a pydantic error belongs and what it says, or None to drop it."""
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    if loc in reported:
        return None
    if not loc and kind == "value_error" and whole_policy_checked:
        return None  # the whole-policy check, already pinned to its node
    value = error.get("input")
    if kind == "too_short" and isinstance(value, list) and value:
        return None  # "too short after validation": its invalid items are reported
    message = _message(error)
    if loc == ("panel",) and kind == "value_error":
        panel = data["panel"]
        message += f" (first is {panel.get('first', 3)}, appeal is {panel.get('appeal', 5)})"
        if "appeal" in panel:
            loc = ("panel", "appeal")
    return loc, message


# -- public API -----------------------------------------------------------------


def parse_policy(text: str, *, source: str = "policy") -> Policy:
    """Parse and validate a policy; raise :class:`PolicyInvalid` listing every problem."""
    try:
        root, data, duplicates = _read_yaml(text, source)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise PolicyInvalid([_yaml_problem(exc, text, source)]) from None

    if root is None or not isinstance(data, dict):
        line = _line(root) if root is not None else 1
        got = "an empty document" if root is None else _show(data)
        raise PolicyInvalid(
            [
                f"{source}:{line}: {_ROOT}: the policy must be a mapping with the fields "
                f"version, title, categories (got {got})"
            ]
        )

    found = duplicates
    whole_policy_checked = False
    for loc, message in _located_checks(data):
        found.append((_line_at(root, loc), loc, message))
        whole_policy_checked = whole_policy_checked or loc[0] not in ("deadlines", "standing")
    reported = {loc for _, loc, _ in found}

    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            placed = _place(error, data, reported, whole_policy_checked)
            if placed is not None:
                found.append((_line_at(root, placed[0]), *placed))
    else:
        if not found:
            return policy

    found.sort(key=lambda item: item[0])
    raise PolicyInvalid([f"{source}:{line}: {_path(loc)}: {msg}" for line, loc, msg in found])


def load_policy_file(path: str | os.PathLike[str]) -> Policy:
    """Read and parse a policy file; unreadable files are a :class:`PolicyInvalid` too."""
    name = os.fspath(path)
    try:
        raw = Path(name).read_bytes()
    except OSError as exc:
        raise PolicyInvalid(
            [f"{name}: cannot read the policy file: {exc.strerror or exc}"]
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise PolicyInvalid(
            [f"{name}:{line}: {_SYNTAX}: the file is not UTF-8 text (byte {exc.start})"]
        ) from exc
    return parse_policy(text, source=name)


@functools.cache
def load_default_policy() -> Policy:
    """The policy shipped in the package (``alteram/domain/default_policy.yaml``)."""
    resource = importlib.resources.files("alteram.domain").joinpath("default_policy.yaml")
    return parse_policy(resource.read_text(encoding="utf-8"), source="default_policy.yaml")


def iso_duration(td: timedelta) -> str:
    """An ISO-8601 duration: ``P7D``, ``PT24H``, ``P1DT2H30M``, ``PT0.5S``.

    Durations of one day or less are written in hours (``PT24H``, not
    ``P1D``), longer ones with whole days first. Negative durations get a
    leading ``-``. Pydantic parses every output back to the same timedelta.
    """
    if td < timedelta(0):
        return "-" + iso_duration(-td)
    micros = (td.days * 86_400 + td.seconds) * 1_000_000 + td.microseconds
    if micros == 0:
        return "PT0S"
    day = 86_400 * 1_000_000
    days, rest = divmod(micros, day) if micros > day else (0, micros)
    hours, rest = divmod(rest, 3_600 * 1_000_000)
    minutes, rest = divmod(rest, 60 * 1_000_000)
    seconds, fraction = divmod(rest, 1_000_000)
    out = "P" + (f"{days}D" if days else "")
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if seconds or fraction:
        clock += (f"{seconds}.{fraction:06d}".rstrip("0") if fraction else str(seconds)) + "S"
    return out + ("T" + clock if clock else "")


def policy_to_public_dict(policy: Policy) -> dict[str, Any]:
    """The standard in force, JSON-ready, for ``GET /api/v1/policy``."""
    return {
        "version": policy.version,
        "title": policy.title,
        "categories": [
            {
                "id": c.id,
                "title": c.title,
                "standard": c.standard,
                "description": c.description,
                "emergency": c.emergency,
                "incitement": c.incitement,
                "interim_remedy": c.interim_remedy.value if c.emergency else None,
                "rules": [{"id": r.id, "text": r.text} for r in c.rules],
            }
            for c in policy.categories
        ],
        "remedies": [r.value for r in policy.remedies],
        "deadlines": {
            name: iso_duration(getattr(policy.deadlines, name)) for name in _DEADLINE_FIELDS
        },
        "panel": {"first": policy.panel.first, "appeal": policy.panel.appeal},
        "standing": {
            "window": iso_duration(policy.standing.window),
            "warn_after": policy.standing.warn_after,
            "suspend_after": policy.standing.suspend_after,
            "suspension": iso_duration(policy.standing.suspension),
            "min_share": policy.standing.min_share,
            "appeal_panel": policy.standing.appeal_panel,
            "appeal_deadline": iso_duration(policy.standing.appeal_deadline),
        },
        "jurisdictions": [
            {
                "code": j.code,
                "name": j.name,
                "laws": [
                    {
                        "id": law.id,
                        "title": law.title,
                        "compatible": law.compatible,
                        "reasoning": law.reasoning,
                    }
                    for law in j.laws
                ],
            }
            for j in policy.jurisdictions
        ],
    }
