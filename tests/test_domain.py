"""The pure domain: tally, panel eligibility and draw, events, out-of-order steps."""

from __future__ import annotations

import json
import re
from datetime import timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alteram.domain import events as ev
from alteram.domain.case import Case, CaseState
from alteram.domain.panel import (
    Juror,
    draw,
    draw_seed,
    eligible_jurors,
    verify_draw,
)
from alteram.domain.remedy import LADDER, Remedy
from alteram.domain.ruling import majority, tally
from alteram.domain.vote import Ballot, check_ballot
from alteram.errors import Forbidden, InvalidInput, OutOfOrder, PanelUnavailable
from factories import (
    DAY,
    POLICY,
    T0,
    content,
    no_violation,
    open_case,
    pool,
    report,
    to_voting,
    violation,
    vote,
    vote_panel,
)

HASH = "ab" * 32


def votes(*ballots: Ballot) -> list:
    return [vote(f"j{i}", b) for i, b in enumerate(ballots)]


# -- tally --------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "need"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (101, 51)])
def test_majority_is_of_the_whole_panel(size, need):
    assert majority(size) == need


def test_majority_of_the_whole_panel_finds_a_violation():
    found, remedy, juris, rules = tally(
        votes(violation(remedy=Remedy.LABEL), violation(remedy=Remedy.LABEL)), 3
    )
    assert (found, remedy, juris, rules) == (True, Remedy.LABEL, [], ["HAR-1"])


@pytest.mark.parametrize(
    ("ballots", "size"),
    [
        ([violation(), no_violation()], 2),  # a tie
        ([violation(), violation(), no_violation(), no_violation()], 4),  # a tie
        ([violation()], 3),  # missing votes count for speech
        ([violation(), violation(), no_violation()], 5),  # 2 of 5 is no majority
        ([], 3),
    ],
)
def test_ties_and_missing_votes_favour_speech(ballots, size):
    assert tally(votes(*ballots), size) == (False, Remedy.NO_ACTION, [], [])


@pytest.mark.parametrize(
    ("remedies", "expected"),
    [
        # removal / label / no violation: only label has a majority of support
        ([Remedy.REMOVAL, Remedy.LABEL, None], Remedy.LABEL),
        ([Remedy.REMOVAL, Remedy.REMOVAL, Remedy.LABEL], Remedy.REMOVAL),
        ([Remedy.REMOVAL, Remedy.AGE_GATE, Remedy.CONTEXT_NOTE], Remedy.AGE_GATE),
        ([Remedy.REDUCED_DISTRIBUTION, Remedy.CONTEXT_NOTE, Remedy.LABEL], Remedy.LABEL),
        ([Remedy.NO_ACTION, Remedy.REMOVAL, None], Remedy.NO_ACTION),
        ([Remedy.NO_ACTION, Remedy.NO_ACTION, Remedy.NO_ACTION], Remedy.NO_ACTION),
    ],
)
def test_remedy_is_the_most_restrictive_rung_a_majority_supports(remedies, expected):
    ballots = [no_violation() if r is None else violation(remedy=r) for r in remedies]
    found, remedy, _, _ = tally(votes(*ballots), 3)
    assert found is True
    assert remedy is expected


def test_geo_restriction_needs_a_majority_per_jurisdiction():
    def geo(*js: str) -> Ballot:
        return violation(remedy=Remedy.GEO_RESTRICTION, jurisdictions=js)

    # Two for DE (one of them via removal, which supports every lesser rung).
    assert tally(votes(violation(), geo("DE"), no_violation()), 3)[1:3] == (
        Remedy.GEO_RESTRICTION,
        ["DE"],
    )
    assert tally(votes(geo("DE", "FR"), geo("DE"), geo("FR")), 3)[1:3] == (
        Remedy.GEO_RESTRICTION,
        ["DE", "FR"],
    )
    assert tally(votes(geo("DE", "FR"), geo("DE"), geo("TR")), 3)[1:3] == (
        Remedy.GEO_RESTRICTION,
        ["DE"],
    )
    # No jurisdiction has a majority: the next rung down that a majority supports.
    assert tally(votes(geo("DE"), geo("FR"), no_violation()), 3)[1:3] == (Remedy.AGE_GATE, [])


def test_the_ruling_rests_on_rules_most_violation_votes_cite_counted_once_per_vote():
    ballots = [
        violation(["THR-2", "THR-1", "THR-2"]),
        violation(["THR-2"]),
        violation(["THR-1", "PRV-1"]),
        violation(["THR-2"]),
        no_violation(),
    ]
    # THR-2: 3 of 4 violation votes; THR-1: 2 of 4 and PRV-1: 1 of 4 are minorities.
    assert tally(votes(*ballots), 5)[3] == ["THR-2"]
    # Two of three cite both THR-1 and THR-2 (ordered by support, then id); PRV-1 is one.
    assert tally(votes(*ballots[:3]), 3)[3] == ["THR-1", "THR-2"]
    # No rule has a majority of the violation votes: every cited rule, by support then id.
    split = [violation(["THR-1"]), violation(["THR-2"]), violation(["PRV-1"])]
    assert tally(votes(*split), 3)[3] == ["PRV-1", "THR-1", "THR-2"]
    # Rules cited by jurors who found no violation are not the ruling's.
    other = no_violation().model_copy(update={"rules": ("SPM-1",)})
    assert "SPM-1" not in tally(votes(*ballots[:3], other), 5)[3]


# -- ballots --------------------------------------------------------------------------------


def test_check_ballot_names_the_first_missing_field():
    harassment = [POLICY.category("harassment")]
    incitement = [POLICY.category("incitement")]
    check_ballot(violation(["HAR-1"]), POLICY, harassment, set())
    # A non-incitement case needs no Rabat factors.
    no_rabat = violation(["HAR-1"]).model_copy(update={"rabat": {}})
    check_ballot(no_rabat, POLICY, harassment, set())
    with pytest.raises(InvalidInput) as info:
        check_ballot(
            violation(["INC-1"]).model_copy(update={"rabat": {}}), POLICY, incitement, set()
        )
    assert info.value.field == "rabat.context"
    with pytest.raises(InvalidInput) as info:
        check_ballot(violation([]), POLICY, harassment, set())
    assert info.value.field == "rules"
    with pytest.raises(InvalidInput) as info:
        check_ballot(violation(["NOPE-1"]), POLICY, harassment, set())
    assert info.value.field == "rules" and "NOPE-1" in info.value.message
    with pytest.raises(InvalidInput) as info:
        check_ballot(no_violation("  "), POLICY, harassment, set())
    assert info.value.field == "reasons"
    with pytest.raises(InvalidInput) as info:
        check_ballot(
            violation(["HAR-1"], Remedy.LABEL, jurisdictions=["DE"]), POLICY, harassment, {"DE"}
        )
    assert info.value.field == "jurisdictions"
    geo = violation(["HAR-1"], Remedy.GEO_RESTRICTION, jurisdictions=["DE"])
    check_ballot(geo, POLICY, harassment, {"DE"})
    with pytest.raises(InvalidInput) as info:
        check_ballot(geo.model_copy(update={"jurisdictions": ()}), POLICY, harassment, {"DE"})
    assert info.value.field == "jurisdictions"


def test_violation_without_action_needs_no_lesser_rungs():
    b = Ballot(
        violation=True,
        rules=("HAR-1",),
        test={"legality": "a", "legitimate_aim": "b", "necessity": "c", "proportionality": "d"},
        remedy=Remedy.NO_ACTION,
        reasons="A breach, but too minor to act on.",
    )
    check_ballot(b, POLICY, [POLICY.category("harassment")], set())


# -- panel eligibility --------------------------------------------------------------------


def _eligible(jurors, parties=("@sara@forum.example", "reporter-1"), **kw):
    kw.setdefault("earlier_panelists", [])
    kw.setdefault("language", "en")
    kw.setdefault("content_url", "https://forum.example/p/1")
    return [j.id for j in eligible_jurors(jurors, party_handles=parties, **kw)]


def J(juror_id: str, **kw) -> Juror:
    kw.setdefault("languages", ("en",))
    return Juror(id=juror_id, name=juror_id, **kw)


def test_parties_are_excluded_by_their_handles():
    jurors = [
        J("author", handles=("@Sara@Forum.Example",)),  # case and leading @ do not matter
        J("reporter", handles=("reporter-1",)),
        J("namesake", handles=("@sara@other.example",)),
        J("plain"),
    ]
    assert _eligible(jurors) == ["namesake", "plain"]


def test_earlier_panelists_are_excluded():
    jurors = [J("a"), J("b"), J("c")]
    assert _eligible(jurors, earlier_panelists=["b"]) == ["a", "c"]


def test_declared_conflicts_by_handle_and_by_domain():
    jurors = [
        J("by-handle", conflicts=("@SARA@forum.example",)),
        J("by-reporter", conflicts=("reporter-1",)),
        J("by-author-domain", conflicts=("forum.example",)),
        J("by-parent-domain", conflicts=("example",)),
        J("suffix-not-domain", conflicts=("um.example",)),
        J("other-domain", conflicts=("mastodon.social", "@bob")),
        J("clear"),
    ]
    assert _eligible(jurors) == ["suffix-not-domain", "other-domain", "clear"]


def test_conflicts_match_subdomains_of_the_content_host_and_party_domains():
    jurors = [
        J("host-parent", conflicts=("example.net",)),
        J("party-parent", conflicts=("social.example",)),
        J("clear", conflicts=("example.org",)),
    ]
    got = _eligible(
        jurors,
        parties=("@ali@m.social.example",),
        content_url="https://cdn.Media.Example.NET/x.jpg",
    )
    assert got == ["clear"]


def test_language_filter_and_inactive_jurors():
    jurors = [
        J("en", languages=("en",)),
        J("fa", languages=("FA",)),
        J("both", languages=("en", "fa")),
        J("away", languages=("fa",), active=False),
    ]
    assert _eligible(jurors, language="fa") == ["fa", "both"]
    assert _eligible(jurors, language="FA") == ["fa", "both"]
    assert _eligible(jurors, language=None) == ["en", "fa", "both"]


# -- the draw ----------------------------------------------------------------------------


IDS = [f"j{i:02d}" for i in range(20)]


def test_draw_is_deterministic_and_order_independent():
    seed, chosen = draw("c-1", 1, HASH, IDS, 3)
    assert draw("c-1", 1, HASH, list(reversed(IDS)), 3) == (seed, chosen)
    assert len(chosen) == 3 and len(set(chosen)) == 3 and set(chosen) <= set(IDS)
    assert seed == draw_seed("c-1", 1, HASH).hex()
    # The published algorithm, recomputed independently.
    import hashlib

    raw = hashlib.sha256(b"c-1\n1\n" + bytes.fromhex(HASH)).digest()
    assert raw.hex() == seed
    ranked = sorted(IDS, key=lambda j: hashlib.sha256(raw + j.encode()).digest())
    assert chosen == ranked[:3]
    # A larger panel extends the smaller one.
    assert draw("c-1", 1, HASH, IDS, 5)[1][:3] == chosen


@pytest.mark.parametrize(
    "change",
    [
        {"case_id": "c-2"},
        {"round_": 2},
        {"opening_event_hash": "cd" * 32},
    ],
)
def test_changing_any_input_changes_the_seed(change):
    base = {"case_id": "c-1", "round_": 1, "opening_event_hash": HASH}
    changed = {**base, **change}
    assert draw_seed(**base) != draw_seed(**changed)
    args = (changed["case_id"], changed["round_"], changed["opening_event_hash"])
    assert draw(*args, IDS, 3)[0] != draw("c-1", 1, HASH, IDS, 3)[0]
    assert verify_draw(*args, IDS, draw("c-1", 1, HASH, IDS, 3)[1], draw_seed(**base).hex())


def test_changing_the_pool_changes_the_draw_only_through_eligibility():
    _, chosen = draw("c-1", 1, HASH, IDS, 3)
    without = [j for j in IDS if j != chosen[0]]
    _, again = draw("c-1", 1, HASH, without, 3)
    assert again[:2] == chosen[1:]  # the others keep their ranks


def test_verify_draw_detects_tampering():
    seed, chosen = draw("c-1", 1, HASH, IDS, 3)
    assert verify_draw("c-1", 1, HASH, IDS, chosen, seed) == []
    outsider = next(j for j in IDS if j not in chosen)
    swapped = [chosen[0], chosen[1], outsider]
    problems = verify_draw("c-1", 1, HASH, IDS, swapped, seed)
    assert problems and outsider in problems[0]
    assert verify_draw("c-1", 1, HASH, IDS, list(reversed(chosen)), seed)
    assert verify_draw("c-1", 1, HASH, IDS, chosen, "00" * 32)
    assert verify_draw("c-1", 2, HASH, IDS, chosen, None)
    assert verify_draw("c-1", 1, HASH, chosen[:2], chosen, None)  # too few eligible


def test_draw_refuses_a_short_pool():
    with pytest.raises(PanelUnavailable, match="only 2 are eligible"):
        draw("c-1", 1, HASH, ["a", "b", "b"], 3)


# -- events -------------------------------------------------------------------------------


def _types(events):
    return [type(e) for e in events]


def test_each_transition_returns_its_named_events():
    jurors = pool(10)
    case, events = Case.open("c-ev", content(), report("rep-a", "privacy"), POLICY, T0)
    assert _types(events) == [
        ev.CaseOpened,
        ev.ReportFiled,
        ev.NoticeIssued,
        ev.InterimMeasureApplied,
        ev.NoticeIssued,
    ]
    assert [e.role for e in events if isinstance(e, ev.NoticeIssued)] == ["author", "reporter"]
    assert all(e.case_id == "c-ev" and e.at == T0 for e in events)
    # A second report by the same reporter, same category: just the report.
    assert _types(case.add_report(report("rep-a", "privacy"), POLICY, T0)) == [ev.ReportFiled]
    assert _types(case.add_report(report("rep-b", "privacy"), POLICY, T0)) == [
        ev.ReportFiled,
        ev.NoticeIssued,
    ]
    replied = case.submit_reply("That is a public office address.", T0 + DAY, POLICY, jurors)
    assert _types(replied) == [ev.AuthorReplied, ev.ReplyWindowClosed, ev.PanelDrawn]
    closed, drawn = replied[1], replied[2]
    assert closed.reason == "replied"
    assert drawn.opening_event_hash == ev.event_hash(closed)
    assert drawn.seed == draw_seed("c-ev", 1, drawn.opening_event_hash).hex()
    assert drawn.size == 3 and drawn.voting_deadline == T0 + 6 * DAY
    first, second, third = case.panel.chosen
    cast = case.cast_vote(first, violation(["PRV-1"], Remedy.REMOVAL), POLICY, T0 + DAY)
    assert _types(cast) == [ev.VoteCast]
    assert cast[0].commitment == case.votes[0].commitment()
    assert len(cast[0].commitment) == 64 and "PRV" not in repr(cast[0])
    case.cast_vote(second, violation(["PRV-1"], Remedy.REMOVAL), POLICY, T0 + DAY)
    last = case.cast_vote(third, no_violation(), POLICY, T0 + DAY)
    assert _types(last) == [
        ev.VoteCast,
        ev.VotesRevealed,
        ev.RulingIssued,
        ev.InterimMeasureEnded,
        ev.RemedyApplied,
    ]
    assert last[1].reason == "all_cast" and len(last[1].votes) == 3
    assert last[3].reason == "ruling"
    assert last[4].remedy is Remedy.REMOVAL
    appealed = case.file_appeal("author", "It is my office.", T0 + 2 * DAY, POLICY, jurors)
    assert _types(appealed) == [ev.AppealFiled, ev.PanelDrawn]
    assert appealed[1].opening_event_hash == ev.event_hash(appealed[0])
    assert appealed[1].round == 2 and appealed[1].size == 5
    final = vote_panel(case, [no_violation()] * 5, T0 + 2 * DAY)
    assert _types(final)[-3:] == [ev.RulingIssued, ev.RemedyLifted, ev.CaseFinal]
    assert final[-1].reason == "appeal_ruled"
    assert case.state is CaseState.FINAL


def test_deadline_events():
    jurors = pool(5)
    case, _ = open_case("c-dl", "privacy")
    assert case.advance(T0, POLICY, jurors) == []
    expired = case.advance(T0 + DAY, POLICY, jurors)
    assert _types(expired) == [ev.InterimMeasureEnded] and expired[0].reason == "expired"
    assert case.advance(T0 + DAY, POLICY, jurors) == []
    closed = case.advance(T0 + 7 * DAY, POLICY, jurors)
    assert _types(closed) == [ev.ReplyWindowClosed, ev.PanelDrawn]
    assert closed[0].reason == "deadline"
    ruled = case.advance(T0 + 12 * DAY, POLICY, jurors)
    assert _types(ruled) == [ev.VotesRevealed, ev.RulingIssued]
    assert ruled[0].reason == "deadline" and ruled[1].violation is False
    final = case.advance(T0 + 26 * DAY, POLICY, jurors)
    assert _types(final) == [ev.CaseFinal] and final[0].reason == "appeal_window_closed"
    assert case.rulings[0].final is True
    assert case.advance(T0 + 100 * DAY, POLICY, jurors) == []
    assert case.due_at() is None


def test_event_types_are_unique_and_complete():
    classes = [c for c in vars(ev).values() if isinstance(c, type) and issubclass(c, ev.Event)]
    concrete = {c for c in classes if c is not ev.Event}
    assert set(ev.EVENT_TYPES.values()) == concrete
    assert all(name == cls.type for name, cls in ev.EVENT_TYPES.items())
    assert all(re.fullmatch(r"[a-z_]+", name) for name in ev.EVENT_TYPES)


def test_event_hash_depends_on_every_field():
    base = ev.ReplyWindowClosed(case_id="c", at=T0, reason="replied")
    assert ev.event_hash(base) == ev.event_hash(base.model_copy())
    assert ev.event_hash(base) != ev.event_hash(base.model_copy(update={"reason": "waived"}))
    assert ev.event_hash(base) != ev.event_hash(base.model_copy(update={"at": T0 + DAY}))
    assert ev.event_hash(base) != ev.event_hash(ev.AuthorWaived(case_id="c", at=T0))


# -- out of order ---------------------------------------------------------------------------


def test_votes_wait_for_the_hearing():
    case, _ = open_case("c-o1")
    with pytest.raises(OutOfOrder) as info:
        case.cast_vote("j000", no_violation(), POLICY, T0)
    assert "votes open after the reply window closes on 2026-11-09T09:30Z" in info.value.message
    assert info.value.status == 409


def test_hearing_steps_out_of_order():
    jurors = pool(5)
    case, _ = open_case("c-o2")
    with pytest.raises(OutOfOrder, match="reply window closed on 2026-11-09T09:30Z"):
        case.submit_reply("late", T0 + 7 * DAY, POLICY, jurors)
    with pytest.raises(InvalidInput) as info:
        case.submit_reply("  ", T0, POLICY, jurors)
    assert info.value.field == "statement"
    with pytest.raises(OutOfOrder, match="once the case is ruled; it is awaiting_reply"):
        case.file_appeal("author", "why", T0, POLICY, jurors)
    to_voting(case, jurors)
    with pytest.raises(OutOfOrder, match="reply window of case c-o2 is closed"):
        case.waive_reply(T0, POLICY, jurors)
    with pytest.raises(OutOfOrder, match="once the case is ruled; it is voting"):
        case.file_appeal("author", "why", T0, POLICY, jurors)


def test_voting_steps_out_of_order():
    jurors = pool(8)
    case, _ = open_case("c-o3")
    to_voting(case, jurors)
    chosen = case.panel.chosen
    outsider = next(j.id for j in jurors if j.id not in chosen)
    with pytest.raises(Forbidden, match=f"juror {outsider} is not on the current panel"):
        case.cast_vote(outsider, no_violation(), POLICY, T0)
    case.cast_vote(chosen[0], no_violation(), POLICY, T0)
    with pytest.raises(OutOfOrder, match="already voted in round 1"):
        case.cast_vote(chosen[0], no_violation(), POLICY, T0)
    with pytest.raises(OutOfOrder, match="voting closed on 2026-11-07T09:30Z"):
        case.cast_vote(chosen[1], no_violation(), POLICY, T0 + 5 * DAY)


def test_appeal_steps_out_of_order():
    jurors = pool(8)
    case, _ = open_case("c-o4", reporters=["rep-a", "rep-b"])
    to_voting(case, jurors)
    vote_panel(case, [no_violation()] * 3)
    with pytest.raises(OutOfOrder, match="author has nothing to appeal"):
        case.file_appeal("author", "why", T0, POLICY, jurors)
    with pytest.raises(Forbidden, match="no party 'r9'"):
        case.file_appeal("r9", "why", T0, POLICY, jurors)
    with pytest.raises(InvalidInput):
        case.file_appeal("r1", " ", T0, POLICY, jurors)
    with pytest.raises(OutOfOrder, match="appeal window closed on 2026-11-16T09:30Z"):
        case.file_appeal("r1", "why", T0 + 14 * DAY, POLICY, jurors)
    case.file_appeal("r1", "It is abuse.", T0, POLICY, jurors)
    with pytest.raises(OutOfOrder, match="already been appealed; a case is appealed once"):
        case.file_appeal("r2", "Me too.", T0, POLICY, jurors)
    vote_panel(case, [no_violation()] * 5)
    with pytest.raises(OutOfOrder, match="already been appealed"):
        case.file_appeal("r2", "Again.", T0, POLICY, jurors)
    with pytest.raises(OutOfOrder, match="a new report opens a new case"):
        case.add_report(report("rep-c"), POLICY, T0)


def test_an_appeal_without_enough_fresh_jurors_is_refused_and_changes_nothing():
    jurors = pool(6)  # 3 sit on the first panel; 3 fresh are fewer than 5
    case, _ = open_case("c-o5")
    to_voting(case, jurors)
    vote_panel(case, [violation()] * 3)
    before = case.model_copy(deep=True)
    with pytest.raises(PanelUnavailable, match="5 fresh jurors"):
        case.file_appeal("author", "why", T0, POLICY, jurors)
    assert case == before
    assert case.appeal is None and case.state is CaseState.RULED


def test_a_short_pool_records_one_shortfall_and_draws_later():
    case, _ = open_case("c-o6", what=content(language="ku"))
    events = to_voting(case, pool(5))
    assert _types(events) == [ev.AuthorWaived, ev.ReplyWindowClosed, ev.PanelShortfall]
    assert case.state is CaseState.AWAITING_REPLY and case.due_at() == T0
    assert case.advance(T0 + DAY, POLICY, pool(5)) == []  # no repeat while nothing changed
    kurdish = pool(3, languages=("ku",), prefix="k")
    later = case.advance(T0 + DAY, POLICY, kurdish)
    assert _types(later) == [ev.PanelDrawn]
    assert later[0].opening_event_hash == ev.event_hash(events[1])
    assert case.state is CaseState.VOTING and case.panel.chosen


def test_report_with_a_law_needs_its_jurisdiction():
    with pytest.raises(InvalidInput) as info:
        Case.open("c-o7", content(), report("x", legal_basis="DE-STGB-130"), POLICY, T0)
    assert info.value.field == "jurisdiction"
    with pytest.raises(InvalidInput) as info:
        Case.open("c-o7", content(), report("x", jurisdiction="ZZ"), POLICY, T0)
    assert info.value.field == "jurisdiction" and "DE" in info.value.message
    with pytest.raises(InvalidInput) as info:
        Case.open("c-o7", content(), report("x", "nope"), POLICY, T0)
    assert info.value.field == "category" and "privacy" in info.value.message


def test_remedy_ladder_order():
    assert [r.value for r in LADDER] == [
        "no_action",
        "context_note",
        "label",
        "reduced_distribution",
        "age_gate",
        "geo_restriction",
        "removal",
    ]
    assert Remedy.REMOVAL.lower_rungs() == LADDER[:-1]
    assert Remedy.NO_ACTION.lower_rungs() == ()
    assert [r.rank for r in LADDER] == list(range(7))


def test_a_panelist_who_reports_the_case_cannot_vote_on_it():
    jurors = [J(f"j{i}", handles=(f"@j{i}@forum.example",)) for i in range(3)]
    case, _ = open_case("c-party")
    to_voting(case, jurors)
    case.add_report(report("@j0@forum.example"), POLICY, T0)
    with pytest.raises(Forbidden, match="has become a party"):
        case.cast_vote("j0", no_violation(), POLICY, T0)
    case.cast_vote("j1", no_violation(), POLICY, T0)  # the others still vote


def test_times_in_messages_are_utc_whatever_zone_the_clock_uses():
    tehran = T0.astimezone(timezone(timedelta(hours=3, minutes=30)))
    case, events = Case.open("c-tz", content(), report("x"), POLICY, tehran)
    author_notice = next(e for e in events if isinstance(e, ev.NoticeIssued))
    assert "until 2026-11-09T09:30Z" in author_notice.text
    with pytest.raises(OutOfOrder, match="closes on 2026-11-09T09:30Z"):
        case.cast_vote("j000", no_violation(), POLICY, tehran)


@pytest.mark.parametrize("size", [0, 1, 32, 64, 65, 200])
def test_commitments_are_standard_hmac_sha256_for_every_key_length(size: int) -> None:
    import hmac

    key = bytes(range(size % 256)) * (size // 256 + 1)
    key = key[:size]
    commit = ev.commitment(key)
    for value in ("", "@sara@forum.example", "نام‌کاربری", "x" * 1000):
        assert commit(value) == hmac.new(key, value.encode(), "sha256").hexdigest()


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(blacklist_categories=["Cs"])),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_json_values)
@settings(max_examples=300, deadline=None)
def test_canonical_json_is_the_standard_encoder_with_sorted_keys(value: object) -> None:
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert ev.canonical_json(value) == expected.encode()


def test_canonical_json_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        ev.canonical_json({"at": T0})
