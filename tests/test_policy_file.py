"""The policy file: the packaged default, line-numbered problems, the public view."""

from __future__ import annotations

import json
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from alteram.domain.policy import Policy
from alteram.domain.policy_file import (
    iso_duration,
    load_default_policy,
    load_policy_file,
    parse_policy,
    policy_to_public_dict,
)
from alteram.domain.remedy import LADDER, Remedy
from alteram.errors import PolicyInvalid

_TIMEDELTA = TypeAdapter(timedelta)

# A small valid policy; each broken variant below changes one thing in it.
GOOD = """\
version: "1"
title: Test policy
categories:
  - id: threat
    title: Threat
    standard: ICCPR Art. 19(3)(a)
    emergency: true
    interim_remedy: reduced_distribution
    rules:
      - id: THR-1
        text: No threats.
  - id: spam
    title: Spam
    standard: Platform rule
    rules:
      - id: SPM-1
        text: No spam.
deadlines:
  reply: P7D
  interim_review: PT24H
panel:
  first: 3
  appeal: 5
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(PolicyInvalid) as info:
        parse_policy(textwrap.dedent(text), source="p.yaml")
    assert info.value.problems, "PolicyInvalid without problems"
    return info.value.problems


def test_small_policy_parses() -> None:
    policy = parse_policy(GOOD)
    assert [c.id for c in policy.categories] == ["threat", "spam"]
    assert policy.deadlines.reply == timedelta(days=7)
    assert policy.deadlines.voting == timedelta(days=5)  # the model's default
    assert policy.remedies == LADDER


# -- the packaged default -------------------------------------------------------


def test_default_policy_loads_with_the_documented_categories() -> None:
    policy = load_default_policy()
    assert isinstance(policy, Policy)
    assert policy.version == "2026.11-1"
    assert policy.title
    ids = [c.id for c in policy.categories]
    assert ids == [
        "incitement",
        "threat",
        "privacy",
        "child_sexual_abuse",
        "harassment",
        "defamation",
        "spam",
    ]
    assert "disinformation" not in ids
    for category in policy.categories:
        assert 1 <= len(category.rules) <= 4
        assert category.standard


def test_default_policy_flags() -> None:
    policy = load_default_policy()
    assert policy.category("incitement").incitement
    assert not policy.category("incitement").emergency
    emergency = {c.id: c.interim_remedy for c in policy.categories if c.emergency}
    assert emergency == {
        "threat": Remedy.REDUCED_DISTRIBUTION,
        "privacy": Remedy.REMOVAL,
        "child_sexual_abuse": Remedy.REMOVAL,
    }
    assert [c.id for c in policy.categories if c.incitement] == ["incitement"]
    assert policy.rule("INC-1") is not None


def test_default_policy_deadlines_panel_and_remedies() -> None:
    policy = load_default_policy()
    assert policy.deadlines.reply == timedelta(days=7)
    assert policy.deadlines.voting == timedelta(days=5)
    assert policy.deadlines.appeal == timedelta(days=14)
    assert policy.deadlines.interim_review == timedelta(hours=24)
    assert (policy.panel.first, policy.panel.appeal) == (3, 5)
    assert policy.remedies == LADDER


@pytest.mark.parametrize(
    ("code", "law_id", "compatible"),
    [
        ("IR", "IR-PENAL-514", False),
        ("IR", "IR-PENAL-513", False),
        ("IR", "IR-PENAL-500", False),
        ("DE", "DE-STGB-130", True),
        ("DE", "DE-STGB-90", False),
        ("TR", "TR-TCK-299", False),
        ("TR", "TR-TCK-216-1", True),
        ("TH", "TH-CC-112", False),
        ("FR", "FR-LOI1881-24", True),
        ("US", "US-18USC-875C", True),
    ],
)
def test_default_policy_jurisdictions(code: str, law_id: str, compatible: bool) -> None:
    law = load_default_policy().law(code, law_id)
    assert law.compatible is compatible
    assert law.reasoning


def test_default_policy_is_cached() -> None:
    assert load_default_policy() is load_default_policy()


def test_default_policy_file_matches_packaged_resource() -> None:
    path = Path(__file__).parents[1] / "src/alteram/domain/default_policy.yaml"
    assert load_policy_file(path) == load_default_policy()


# -- iso_duration --------------------------------------------------------------


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(days=7), "P7D"),
        (timedelta(days=14), "P14D"),
        (timedelta(hours=24), "PT24H"),
        (timedelta(hours=12), "PT12H"),
        (timedelta(days=1, hours=2, minutes=30), "P1DT2H30M"),
        (timedelta(hours=36), "P1DT12H"),
        (timedelta(minutes=90), "PT1H30M"),
        (timedelta(seconds=45), "PT45S"),
        (timedelta(seconds=1, microseconds=500_000), "PT1.5S"),
        (timedelta(microseconds=1), "PT0.000001S"),
        (timedelta(0), "PT0S"),
        (timedelta(hours=-1), "-PT1H"),
        (timedelta(days=-3), "-P3D"),
    ],
)
def test_iso_duration(td: timedelta, text: str) -> None:
    assert iso_duration(td) == text
    assert _TIMEDELTA.validate_python(text) == td


@given(
    st.timedeltas(
        min_value=timedelta(days=-100_000),
        max_value=timedelta(days=100_000),
    )
)
def test_iso_duration_round_trips_through_pydantic(td: timedelta) -> None:
    assert _TIMEDELTA.validate_python(iso_duration(td)) == td


# -- problems, each on its line ----------------------------------------------


def test_missing_category_id() -> None:
    problems = problems_of(
        """\
        version: "1"
        title: T
        categories:
          - id: a
            title: A
            standard: S
            rules: [{id: R-1, text: x}]
          - title: B
            standard: S
            rules: [{id: R-2, text: y}]
        """
    )
    assert problems == ["p.yaml:8: categories.1.id: field required"]


@pytest.mark.parametrize("value", ["PT0S", "-P1D", "P0D"])
def test_zero_or_negative_duration(value: str) -> None:
    problems = problems_of(GOOD.replace("reply: P7D", f"reply: {value}"))
    assert problems == [
        "p.yaml:19: deadlines.reply: must be a positive ISO-8601 duration "
        f"such as P7D or PT24H (got {value!r})"
    ]


@pytest.mark.parametrize("value", ["7", "1:30", "soon", "[P7D]"])
def test_duration_that_is_not_iso_8601(value: str) -> None:
    problems = problems_of(GOOD.replace("interim_review: PT24H", f"interim_review: {value}"))
    assert len(problems) == 1
    assert problems[0].startswith(
        "p.yaml:20: deadlines.interim_review: must be a positive ISO-8601 duration"
    )


def test_unknown_remedy_in_ladder() -> None:
    problems = problems_of(
        GOOD
        + textwrap.dedent(
            """\
            remedies:
              - no_action
              - context_note
              - label
              - shadow_ban
              - reduced_distribution
              - age_gate
              - geo_restriction
              - removal
            """
        )
    )
    assert len(problems) == 1
    assert problems[0].startswith("p.yaml:28: remedies.3: must be one of 'no_action',")
    assert problems[0].endswith("(got 'shadow_ban')")


def test_unknown_interim_remedy() -> None:
    problems = problems_of(
        GOOD.replace("interim_remedy: reduced_distribution", "interim_remedy: ban")
    )
    assert len(problems) == 1
    assert problems[0].startswith("p.yaml:8: categories.0.interim_remedy: must be one of")


def test_incomplete_or_reordered_ladder() -> None:
    problems = problems_of(GOOD + "remedies: [no_action, removal]\n")
    assert len(problems) == 1
    assert problems[0].startswith(
        "p.yaml:24: remedies: must list the whole remedy ladder, least restrictive first:"
    )
    assert "missing context_note" in problems[0]
    reordered = ", ".join(reversed(LADDER))
    assert "out of order" in problems_of(GOOD + f"remedies: [{reordered}]\n")[0]


@pytest.mark.parametrize("appeal", [3, 2])
def test_appeal_panel_not_larger_than_first(appeal: int) -> None:
    problems = problems_of(GOOD.replace("appeal: 5", f"appeal: {appeal}"))
    assert problems == [
        "p.yaml:23: panel.appeal: the appeal panel must be larger than the first panel "
        f"(first is 3, appeal is {appeal})"
    ]


def test_duplicate_category() -> None:
    problems = problems_of(GOOD.replace("  - id: spam", "  - id: threat"))
    assert problems == [
        "p.yaml:12: categories.1.id: duplicate category id 'threat', already used by categories.0"
    ]


def test_duplicate_rule_id_across_categories() -> None:
    problems = problems_of(GOOD.replace("id: SPM-1", "id: THR-1"))
    assert len(problems) == 1
    assert problems[0].startswith(
        "p.yaml:16: categories.1.rules.0.id: duplicate rule id 'THR-1', "
        "already used by categories.0.rules.0"
    )


def test_duplicate_jurisdiction_and_unknown_field() -> None:
    problems = problems_of(
        GOOD
        + textwrap.dedent(
            """\
            jurisdictions:
              - code: "NO"
                name: Norway
                lawz: []
              - code: NO
                name: Norway again
            """
        )
    )
    assert problems == [
        "p.yaml:27: jurisdictions.0.lawz: unknown field 'lawz'; allowed here: code, name, laws",
        "p.yaml:28: jurisdictions.1.code: duplicate jurisdiction 'NO', already used by "
        "jurisdictions.0",
    ]


def test_duplicate_yaml_key() -> None:
    problems = problems_of(GOOD + "title: Another title\n")
    assert problems == ["p.yaml:24: title: duplicate key 'title' (first on line 2); keep only one"]


def test_yaml_syntax_error() -> None:
    problems = problems_of(
        """\
        version: "1"
        title: T
        categories:
          - id: a
           title: A
        """
    )
    assert len(problems) == 1
    assert problems[0].startswith("p.yaml:5: (syntax): invalid YAML:")


def test_unclosed_flow_sequence() -> None:
    problems = problems_of('version: "1"\nremedies: [no_action, label\n')
    assert len(problems) == 1
    assert problems[0].startswith("p.yaml:3: (syntax): invalid YAML:")


@pytest.mark.parametrize(
    ("text", "line", "got"),
    [
        ("- version: '1'\n- title: T\n", 1, "a list"),
        ("# only a comment\n", 1, "an empty document"),
        ("\n\njust a string\n", 3, "'just a string'"),
    ],
)
def test_top_level_must_be_a_mapping(text: str, line: int, got: str) -> None:
    assert problems_of(text) == [
        f"p.yaml:{line}: (top level): the policy must be a mapping with the fields "
        f"version, title, categories (got {got})"
    ]


def test_several_problems_are_reported_together_in_line_order() -> None:
    problems = problems_of(
        """\
        title: T
        categories:
          - id: Bad-Id
            title: A
            standard: S
            emergency: perhaps
            rules: []
        panel:
          first: three
        """
    )
    assert problems == [
        "p.yaml:1: version: field required",
        "p.yaml:3: categories.0.id: must start with a lowercase letter and contain only "
        "lowercase letters, digits and _ (got 'Bad-Id')",
        "p.yaml:6: categories.0.emergency: must be true or false (got 'perhaps')",
        "p.yaml:7: categories.0.rules: must list at least 1 entry",
        "p.yaml:9: panel.first: must be a whole number (got 'three')",
    ]


def test_scalars_are_typed_by_the_model_not_by_yaml() -> None:
    # YAML 1.1 would read 2026.11 as a float and NO (Norway) as false.
    policy = parse_policy(
        GOOD.replace('version: "1"', "version: 2026.11")
        + "jurisdictions:\n  - code: NO\n    name: Norway\n"
    )
    assert policy.version == "2026.11"
    assert policy.jurisdictions[0].code == "NO"


def test_policy_invalid_message_joins_problems() -> None:
    with pytest.raises(PolicyInvalid) as info:
        parse_policy("[]", source="x.yaml")
    assert info.value.message == info.value.problems[0]
    assert info.value.code == "policy_invalid"
    assert info.value.exit_code == 2


# -- files ---------------------------------------------------------------------


def test_load_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_policy_file(path).title == "Test policy"
    path.write_text(GOOD.replace("first: 3", "first: 0"), encoding="utf-8")
    with pytest.raises(PolicyInvalid) as info:
        load_policy_file(str(path))
    assert info.value.problems == [f"{path}:22: panel.first: must be at least 1 (got '0')"]


def test_unreadable_policy_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(PolicyInvalid) as info:
        load_policy_file(missing)
    assert info.value.problems == [
        f"{missing}: cannot read the policy file: No such file or directory"
    ]
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"version: '1'\ntitle: \xff\n")
    with pytest.raises(PolicyInvalid) as info:
        load_policy_file(binary)
    assert info.value.problems[0].startswith(f"{binary}:2: (syntax): the file is not UTF-8")


# -- the public view -----------------------------------------------------------


def test_policy_to_public_dict() -> None:
    policy = load_default_policy()
    public = policy_to_public_dict(policy)
    assert json.loads(json.dumps(public)) == public
    assert public["version"] == "2026.11-1"
    assert public["deadlines"] == {
        "reply": "P7D",
        "voting": "P5D",
        "appeal": "P14D",
        "interim_review": "PT24H",
    }
    assert public["panel"] == {"first": 3, "appeal": 5}
    assert public["remedies"] == [r.value for r in LADDER]
    threat = next(c for c in public["categories"] if c["id"] == "threat")
    assert threat["emergency"] is True
    assert threat["interim_remedy"] == "reduced_distribution"
    assert threat["rules"][0]["id"] == "THR-1"
    spam = next(c for c in public["categories"] if c["id"] == "spam")
    assert spam["interim_remedy"] is None
    iran = next(j for j in public["jurisdictions"] if j["code"] == "IR")
    leader = next(law for law in iran["laws"] if law["id"] == "IR-PENAL-514")
    assert leader["compatible"] is False
    assert "§38" in leader["reasoning"]


def test_public_deadlines_round_trip_into_a_policy() -> None:
    public = policy_to_public_dict(load_default_policy())
    deadlines = {name: _TIMEDELTA.validate_python(v) for name, v in public["deadlines"].items()}
    assert deadlines == load_default_policy().deadlines.model_dump()


def test_merge_keys_work_and_overrides_are_not_duplicates() -> None:
    policy = parse_policy(
        textwrap.dedent(
            """\
            version: "1"
            title: T
            categories:
              - &base
                id: a
                title: A
                standard: S
                emergency: true
                rules: [{id: R-1, text: x}]
              - <<: *base
                id: b
                title: B
                rules: [{id: R-2, text: y}]
            """
        )
    )
    b = policy.category("b")
    assert (b.title, b.standard, b.emergency) == ("B", "S", True)


def test_recursive_alias_is_a_problem_not_a_hang() -> None:
    problems = problems_of("version: &v [*v]\ntitle: T\n")
    assert problems[0].startswith("p.yaml:1: version: must be text")
