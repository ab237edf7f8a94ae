"""Property-based tests over the pure domain ``Case``: random action sequences, fake time.

Each step mirrors a service call: optionally apply due deadlines first (as every
service does), then act; a refused step (an :class:`AlteramError`) must leave the
case exactly as it was, as the service's rolled-back transaction would.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from alteram.domain import events as ev
from alteram.domain.case import Case, CaseState
from alteram.domain.panel import Juror, verify_draw, verify_panel
from alteram.domain.policy import RABAT_FACTORS, THREE_PART_TEST
from alteram.domain.remedy import LADDER, Remedy
from alteram.domain.vote import Ballot, check_ballot
from alteram.errors import AlteramError
from factories import DAY, POLICY, T0, content, report

CATEGORIES = [c.id for c in POLICY.categories]
EMERGENCY = {c.id for c in POLICY.categories if c.emergency}
ALL_RULES = [r.id for c in POLICY.categories for r in c.rules]
REPORTERS = [f"rep-{i}" for i in range(5)] + ["@mob@troll.example"]
AUTHOR = "@sara@forum.example"
LAWS: list[tuple[str, str] | None] = [
    None,
    None,
    ("DE", "DE-STGB-130"),
    ("DE", "DE-STGB-90"),
    ("IR", "IR-PENAL-514"),
    ("FR", "FR-LOI1881-24"),
    ("US", "US-18USC-875C"),
]
GEO = ["DE", "FR", "IR", "US", "TR"]

JURORS: list[Juror] = [
    *(Juror(id=f"j{i:03d}", name=f"J{i}", languages=("en", "fa")) for i in range(10)),
    Juror(id="j010", name="also a reporter", languages=("en", "fa"), handles=("rep-0",)),
    Juror(id="j011", name="the author", languages=("en", "fa"), handles=(AUTHOR,)),
    Juror(id="j012", name="works there", languages=("en", "fa"), conflicts=("forum.example",)),
    Juror(id="j013", name="troll-adjacent", languages=("en", "fa"), conflicts=("troll.example",)),
    Juror(id="j014", name="English only", languages=("en",)),
    Juror(id="j015", name="away", languages=("en", "fa"), active=False),
]
NEVER_ELIGIBLE = {"j011", "j012", "j015"}

SIZES = {1: POLICY.panel.first, 2: POLICY.panel.appeal}
STATES = {"awaiting_reply", "voting", "ruled", "appeal_voting", "final", "closed_precedent"}

deltas = st.one_of(
    st.sampled_from([timedelta(hours=1), DAY, timedelta(hours=24), 5 * DAY, 7 * DAY, 14 * DAY]),
    st.integers(0, 20 * 24 * 60).map(lambda m: timedelta(minutes=m)),
)


@st.composite
def ballots(draw: Any, heard: list[str], *, sloppy: bool = True) -> Ballot:
    """Mostly valid ballots for a case heard on ``heard`` categories; ``sloppy`` adds
    a few that leave something out, which the domain must refuse."""
    cats = [POLICY.category(c) for c in heard]
    heard_rules = [r.id for c in cats for r in c.rules]
    slip = (lambda: draw(st.integers(0, 19)) == 0) if sloppy else (lambda: False)
    violation = draw(st.booleans())
    rules: tuple[str, ...] = ()
    if violation or draw(st.integers(0, 4)) == 0:
        pool = ALL_RULES if slip() else heard_rules
        rules = tuple(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=2, unique=True)))
    remedy = draw(st.sampled_from(LADDER)) if violation or slip() else Remedy.NO_ACTION
    test = {p: f"{p} answered" for p in THREE_PART_TEST if not slip()}
    rabat = {f: f"{f} answered" for f in RABAT_FACTORS if not slip()}
    lesser = {r.value: f"{r.value} is too weak" for r in remedy.lower_rungs() if not slip()}
    jurisdictions: tuple[str, ...] = ()
    if remedy is Remedy.GEO_RESTRICTION or slip():
        jurisdictions = tuple(draw(st.lists(st.sampled_from(GEO), min_size=1, max_size=2)))
    return Ballot(
        violation=violation,
        rules=rules,
        test=test,
        rabat=rabat,
        remedy=remedy,
        jurisdictions=jurisdictions,
        lesser_remedies_insufficient=lesser,
        reasons=" " if slip() else draw(st.sampled_from(["Protected.", "A breach.", "Context."])),
    )


class CaseLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now: datetime = T0
        self.case: Case | None = None
        self.events: list[ev.Event] = []
        self.refused: Counter[str] = Counter()
        self.seen_emergency = False

    # -- steps ----------------------------------------------------------------------

    def _step(self, name: str, action: Any, pre_advance: bool) -> None:
        case = self.case
        assert case is not None
        if pre_advance:
            self.events += case.advance(self.now, POLICY, JURORS)
        before = case.model_copy(deep=True)
        try:
            self.events += action(case)
        except AlteramError as exc:
            self.refused[type(exc).__name__] += 1
            assert case == before, f"refused {name} changed the case: {exc.message}"
            assert exc.message.strip()

    @initialize(
        category=st.sampled_from(CATEGORIES),
        reporter=st.sampled_from(REPORTERS),
        language=st.sampled_from(["en", "fa", None]),
    )
    def open_case(self, category: str, reporter: str, language: str | None) -> None:
        self.case, events = Case.open(
            "c-prop",
            content(language=language, author=AUTHOR),
            report(reporter, category, at=self.now),
            POLICY,
            self.now,
        )
        self.events += events
        self.seen_emergency = category in EMERGENCY

    @rule(
        reporter=st.sampled_from(REPORTERS),
        category=st.sampled_from(CATEGORIES),
        law=st.sampled_from(LAWS),
        pre_advance=st.booleans(),
    )
    def add_report(
        self, reporter: str, category: str, law: tuple[str, str] | None, pre_advance: bool
    ) -> None:
        jurisdiction, legal_basis = law if law else (None, None)
        r = report(reporter, category, at=self.now, jurisdiction=jurisdiction)
        r = r.model_copy(update={"legal_basis": legal_basis})
        self._step("report", lambda c: c.add_report(r, POLICY, self.now), pre_advance)
        assert self.case is not None
        self.seen_emergency |= category in self.case.categories and category in EMERGENCY

    @rule(statement=st.sampled_from(["It is a protest slogan.", "   "]), pre_advance=st.booleans())
    def reply(self, statement: str, pre_advance: bool) -> None:
        self._step(
            "reply", lambda c: c.submit_reply(statement, self.now, POLICY, JURORS), pre_advance
        )

    @rule(pre_advance=st.booleans())
    def waive(self, pre_advance: bool) -> None:
        self._step("waive", lambda c: c.waive_reply(self.now, POLICY, JURORS), pre_advance)

    @rule(
        data=st.data(),
        on_panel=st.integers(0, 9),
        index=st.integers(0, 99),
        pre_advance=st.booleans(),
    )
    def vote(self, data: Any, on_panel: int, index: int, pre_advance: bool) -> None:
        case = self.case
        assert case is not None
        if case.panel is not None and on_panel:  # mostly a panelist, sometimes anyone
            juror_id = case.panel.chosen[index % len(case.panel.chosen)]
        else:
            juror_id = JURORS[index % len(JURORS)].id
        ballot = data.draw(ballots(case.heard_categories or [case.category]))
        self._step("vote", lambda c: c.cast_vote(juror_id, ballot, POLICY, self.now), pre_advance)

    @rule(data=st.data(), pre_advance=st.booleans())
    def whole_panel_votes(self, data: Any, pre_advance: bool) -> None:
        """Every panelist who has not voted yet votes (so that rulings are reached often)."""
        case = self.case
        assert case is not None
        if pre_advance:
            self.events += case.advance(self.now, POLICY, JURORS)
        panel = case.panel
        if panel is None:
            return
        for juror_id in panel.chosen:
            ballot = data.draw(ballots(case.heard_categories, sloppy=False))
            self._step(
                "vote", lambda c, j=juror_id, b=ballot: c.cast_vote(j, b, POLICY, self.now), False
            )

    @rule(on_panel=st.booleans(), index=st.integers(0, 99), pre_advance=st.booleans())
    def recuse(self, on_panel: bool, index: int, pre_advance: bool) -> None:
        """A juror (mostly a panelist) declares a conflict; one replacement is drawn."""
        case = self.case
        assert case is not None
        if case.panel is not None and on_panel:
            juror_id = case.panel.chosen[index % len(case.panel.chosen)]
        else:
            juror_id = JURORS[index % len(JURORS)].id
        self._step(
            "recuse",
            lambda c: c.recuse(juror_id, "A conflict.", self.now, POLICY, JURORS),
            pre_advance,
        )

    @rule(party=st.sampled_from(["author", "r1", "r2", "r3", "r9"]), pre_advance=st.booleans())
    def appeal(self, party: str, pre_advance: bool) -> None:
        self._step(
            "appeal",
            lambda c: c.file_appeal(party, "The panel erred.", self.now, POLICY, JURORS),
            pre_advance,
        )

    @rule(delta=deltas)
    def tick(self, delta: timedelta) -> None:
        self.now += delta

    @rule()
    def advance(self) -> None:
        assert self.case is not None
        self.events += self.case.advance(self.now, POLICY, JURORS)
        assert self.case.advance(self.now, POLICY, JURORS) == []  # idempotent

    # -- invariants -----------------------------------------------------------------

    def _index(self, kind: type[ev.Event]) -> list[int]:
        return [i for i, e in enumerate(self.events) if isinstance(e, kind)]

    @invariant()
    def state_is_one_of_the_six(self) -> None:
        if self.case is not None:
            assert self.case.state.value in STATES

    @invariant()
    def nothing_is_decided_before_the_hearing_closes(self) -> None:
        closed = self._index(ev.ReplyWindowClosed)
        decided = (
            self._index(ev.VoteCast)
            + self._index(ev.VotesRevealed)
            + self._index(ev.RulingIssued)
            + self._index(ev.PanelDrawn)
            + self._index(ev.RemedyApplied)
        )
        if decided:
            assert closed and closed[0] < min(decided)
        assert len(closed) <= 1
        notices = [
            i
            for i, e in enumerate(self.events)
            if isinstance(e, ev.NoticeIssued) and e.role == "author"
        ]
        if closed:
            assert notices and notices[0] < closed[0]  # the author was told first
        case = self.case
        if case is not None:
            for e in self.events:
                if isinstance(e, ev.AuthorReplied | ev.AuthorWaived):
                    assert e.at < case.reply_deadline
                elif isinstance(e, ev.ReplyWindowClosed) and e.reason == "deadline":
                    assert e.at >= case.reply_deadline

    @invariant()
    def panels_have_the_policy_size_and_a_verifiable_draw(self) -> None:
        case = self.case
        if case is None:
            return
        assert len(case.panels) <= 2
        drawn = [e for e in self.events if isinstance(e, ev.PanelDrawn)]
        assert [(p.round, p.size, p.drawn()) for p in case.panels] == [
            (e.round, e.size, e.chosen) for e in drawn
        ]
        replaced = [e for e in self.events if isinstance(e, ev.JurorReplaced)]
        assert [(e.recused, e.chosen) for e in replaced] == [
            (r.recused, r.chosen) for p in case.panels for r in p.replacements
        ]
        for i, p in enumerate(case.panels, start=1):
            assert p.round == i
            assert p.size == SIZES[p.round] == len(p.chosen) == len(set(p.chosen))
            assert set(p.drawn()) <= set(p.eligible)
            assert not set(p.eligible) & NEVER_ELIGIBLE
            assert (
                verify_draw(case.id, p.round, p.opening_event_hash, p.eligible, p.drawn(), p.seed)
                == []
            )
            replacements = [r.model_dump(mode="json") for r in p.replacements]
            assert (
                verify_panel(
                    case.id,
                    p.round,
                    p.opening_event_hash,
                    p.eligible,
                    p.chosen,
                    p.seed,
                    replacements,
                )
                == []
            )
            for r in p.replacements:  # never anyone who sat on a panel before it
                assert not set(r.eligible) & NEVER_ELIGIBLE
                assert r.recused not in r.eligible and not set(r.eligible) & set(p.drawn())
                for q in case.panels[: i - 1]:
                    assert not set(r.eligible) & {*q.chosen, *q.recused()}
            if case.content.language:
                by_id = {j.id: j for j in JURORS}
                assert all(case.content.language in by_id[j].languages for j in p.eligible)

    @invariant()
    def panelists_were_not_parties_when_drawn(self) -> None:
        by_id = {j.id: j for j in JURORS}
        parties = {AUTHOR}
        for e in self.events:
            if isinstance(e, ev.ReportFiled):
                parties.add(e.reporter)
            elif isinstance(e, ev.PanelDrawn):
                for juror_id in e.eligible:
                    assert not set(by_id[juror_id].handles) & parties, juror_id
                    conflicts = set(by_id[juror_id].conflicts)
                    assert not conflicts & {p.rsplit("@", 1)[-1] for p in parties if "@" in p}

    @invariant()
    def at_most_one_appeal_to_fresh_jurors(self) -> None:
        case = self.case
        if case is None:
            return
        filed = self._index(ev.AppealFiled)
        assert len(filed) <= 1
        assert (case.appeal is not None) == bool(filed) == (len(case.panels) == 2)
        if len(case.panels) == 2:
            first, second = case.panels
            assert not set(second.chosen) & set(first.chosen)
            assert not set(second.eligible) & {*first.chosen, *first.recused()}
            assert case.appeal is not None and case.appeal.filed_at == second.drawn_at
            assert len(case.rulings) >= 1 and case.rulings[0].round == 1

    @invariant()
    def votes_stay_sealed_until_all_are_in_or_the_deadline(self) -> None:
        case = self.case
        if case is None:
            return
        assert len(case.rulings) <= len(case.panels)
        assert len(self._index(ev.RulingIssued)) == len(case.rulings)
        assert len(self._index(ev.VotesRevealed)) == len(case.rulings)
        for ruling in case.rulings:
            panel = case.panels[ruling.round - 1]
            cast = case.votes_in(ruling.round)
            assert len(cast) == panel.size or ruling.issued_at >= panel.voting_deadline
            assert ruling.votes_cast == len(cast)
        for p in case.panels:
            cast = case.votes_in(p.round)
            assert len({v.juror_id for v in cast}) == len(cast) <= p.size
            assert all(v.juror_id in p.chosen and v.cast_at < p.voting_deadline for v in cast)
            if not case.revealed(p.round):
                assert len(cast) < p.size
        vote_events = [e for e in self.events if isinstance(e, ev.VoteCast)]
        assert [(e.juror_id, e.commitment) for e in vote_events] == [
            (v.juror_id, v.commitment()) for v in case.votes
        ]

    @invariant()
    def interim_measures_only_for_emergencies(self) -> None:
        case = self.case
        if case is None:
            return
        applied = self._index(ev.InterimMeasureApplied)
        assert len(applied) <= 1
        if case.interim is not None:
            assert self.seen_emergency
            assert case.interim.category in EMERGENCY and case.interim.category in case.categories
            assert (
                case.interim.expires_at == case.interim.applied_at + POLICY.deadlines.interim_review
            )
            if case.interim.active:
                assert not case.rulings
            else:
                assert case.interim.end_reason in ("expired", "ruling")
        else:
            assert not applied

    @invariant()
    def the_remedy_in_force_is_the_last_rulings(self) -> None:
        case = self.case
        if case is None:
            return
        if case.rulings:
            last = case.rulings[-1]
            assert (case.remedy, case.remedy_jurisdictions) == (last.remedy, last.jurisdictions)
            assert last.violation or last.remedy is Remedy.NO_ACTION
        else:
            assert case.remedy is Remedy.NO_ACTION
        in_force = Remedy.NO_ACTION
        for e in self.events:
            if isinstance(e, ev.RemedyApplied):
                in_force = e.remedy
            elif isinstance(e, ev.RemedyLifted):
                assert e.remedy is in_force
                in_force = Remedy.NO_ACTION
        assert in_force is case.remedy

    @invariant()
    def states_agree_with_the_record(self) -> None:
        case = self.case
        if case is None:
            return
        state = case.state
        assert case.report_count == len(self._index(ev.ReportFiled))
        assert case.round == len(case.panels)
        if state is CaseState.AWAITING_REPLY:
            assert not case.panels and not case.rulings
        elif state is CaseState.VOTING:
            assert case.round == 1 and not case.rulings
        elif state is CaseState.RULED:
            assert case.round == 1 and len(case.rulings) == 1 and case.appeal_deadline
        elif state is CaseState.APPEAL_VOTING:
            assert case.round == 2 and len(case.rulings) == 1 and case.appeal is not None
        elif state is CaseState.FINAL:
            assert case.rulings and case.rulings[-1].final and case.due_at() is None
            assert self._index(ev.CaseFinal)
        assert Case.model_validate_json(case.model_dump_json()) == case
        event(f"reached {state.value}")  # see --hypothesis-show-statistics
        if self._index(ev.RemedyLifted):
            event("a remedy was lifted")


CaseLifecycle.TestCase.settings = settings(
    max_examples=200,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestCaseLifecycle = CaseLifecycle.TestCase


# -- volume is not evidence -----------------------------------------------------------


def _ruled(
    reporters: list[str], first: list[Ballot], second: list[Ballot], after: timedelta
) -> Case:
    """Open a case with these reporters, rule it with ``first``, and, when it can be
    appealed, have the first reporter appeal and the appeal panel vote ``second``."""
    pool = [Juror(id=f"j{i:02d}", name=f"J{i}", languages=("en",)) for i in range(9)]
    case, _ = Case.open(
        "c-volume", content(), report(reporters[0], "harassment", at=T0), POLICY, T0
    )
    for handle in reporters[1:]:
        case.add_report(report(handle, "harassment", at=T0), POLICY, T0)
    now = T0 + DAY
    case.waive_reply(now, POLICY, pool)
    for ballots_ in (first, second):
        panel = case.panel
        assert panel is not None
        for juror_id, b in zip(panel.chosen, ballots_, strict=False):
            case.cast_vote(juror_id, b, POLICY, now)
        now += after
        case.advance(now, POLICY, pool)
        if case.state is not CaseState.RULED:
            break
        case.file_appeal("r1", "More was needed.", now, POLICY, pool)
    return case


valid_ballots = st.lists(ballots(["harassment"], sloppy=False), min_size=0, max_size=5).map(
    lambda bs: [b for b in bs if _valid(b)]
)


def _valid(b: Ballot) -> bool:
    try:
        check_ballot(b, POLICY, [POLICY.category("harassment")], set())
    except AlteramError:
        return False
    return True


@settings(max_examples=200, deadline=None)
@given(
    first=valid_ballots,
    second=valid_ballots,
    extra=st.integers(1, 49),
    after=st.sampled_from([timedelta(0), 5 * DAY, 20 * DAY]),
)
def test_report_count_never_changes_the_ruling(
    first: list[Ballot], second: list[Ballot], extra: int, after: timedelta
) -> None:
    one = _ruled(["rep-0"], first, second, after)
    many = _ruled([f"@rep{i}@site{i % 7}.example" for i in range(1 + extra)], first, second, after)
    assert one.report_count == 1 and many.report_count == 1 + extra
    assert [p.size for p in many.panels] == [3, 5][: len(many.panels)]
    assert one.panels == many.panels
    assert one.votes == many.votes
    assert one.rulings == many.rulings
    assert (one.state, one.remedy, one.due_at()) == (many.state, many.remedy, many.due_at())
    if len(first[:3]) == 3 or after >= 5 * DAY:
        assert one.rulings
        event(f"rounds ruled: {len(one.rulings)}")
