"""The case: one per piece of content under dispute, and its lifecycle (DESIGN §4).

Every transition is a method that checks its preconditions and returns the
events it caused; a step out of order raises :class:`OutOfOrder` saying what
must happen first. Time is always passed in (``now``); the pool of jurors is
passed in where a panel may be drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from alteram.domain import compliance
from alteram.domain import dispute as dispute_mode
from alteram.domain import events as ev
from alteram.domain.content import Content, Party, Precedent, Report, Role
from alteram.domain.notice import author_notice, fmt_time, precedent_notice, reporter_notice
from alteram.domain.panel import (
    Juror,
    Panel,
    Replacement,
    draw,
    eligible_jurors,
    normalize_handle,
)
from alteram.domain.policy import Category, Policy
from alteram.domain.remedy import Remedy
from alteram.domain.ruling import Ruling, decide
from alteram.domain.vote import Ballot, Vote, check_ballot
from alteram.errors import Forbidden, InvalidInput, OutOfOrder, PanelUnavailable


class CaseState(StrEnum):
    AWAITING_REPLY = "awaiting_reply"
    VOTING = "voting"
    RULED = "ruled"
    APPEAL_VOTING = "appeal_voting"
    FINAL = "final"
    CLOSED_PRECEDENT = "closed_precedent"
    ORDER_REFUSED = "order_refused"


class CaseMode(StrEnum):
    REPORT = "report"
    DISPUTE = "dispute"
    ORDER = "order"


OPEN_STATES = frozenset(
    {CaseState.AWAITING_REPLY, CaseState.VOTING, CaseState.RULED, CaseState.APPEAL_VOTING}
)


class Reply(BaseModel):
    statement: str | None
    waived: bool
    at: datetime
    evidence: list[str] = []  # SHA-256 digests of stored images sent with the reply


class InterimMeasure(BaseModel):
    category: str
    remedy: Remedy
    applied_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    end_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.ended_at is None


class CitedLaw(BaseModel):
    jurisdiction: str
    law_id: str
    compatible: bool


class Appeal(BaseModel):
    appellant: str
    role: Role
    grounds: str
    filed_at: datetime


class Case(BaseModel):
    id: str
    mode: CaseMode = CaseMode.REPORT
    content: Content
    category: str
    categories: list[str]
    heard_categories: list[str]
    state: CaseState
    policy_version: str
    opened_at: datetime
    reply_deadline: datetime
    reply: Reply | None = None
    reply_closed_at: datetime | None = None
    pending_draw_hash: str | None = None
    shortfall_seen: int | None = None
    author: Party
    # The reporting parties r1, r2, ... The store keeps them as rows beside the case, not
    # in its document (a mass-reported case would otherwise rewrite an ever-growing
    # document per report); for filing, it may load only the reporters that matter to a
    # batch, and ``reporter_parties`` says how many there are in all.
    reporters: list[Party] = Field(default_factory=list)  # a factory: no deepcopy per load
    reporter_parties: int = 0
    respondent: Party | None = None  # the platform, in a dispute (kept in the document)
    report_count: int = 0
    cited_laws: list[CitedLaw] = []
    interim: InterimMeasure | None = None
    panels: list[Panel] = []
    votes: list[Vote] = []
    rulings: list[Ruling] = []
    voting_deadline: datetime | None = None
    appeal_deadline: datetime | None = None
    appeal: Appeal | None = None
    remedy: Remedy = Remedy.NO_ACTION
    remedy_jurisdictions: list[str] = []
    # the drawn jurors' own accounts (private): a panelist who becomes a party cannot vote
    panelist_handles: dict[str, list[str]] = {}
    precedent: Precedent | None = None
    new_grounds: list[str] = []
    dispute: dispute_mode.Dispute | None = None  # dispute mode: what the platform did

    @model_validator(mode="after")
    def _count_reporters(self) -> Case:
        self.reporter_parties = max(self.reporter_parties, len(self.reporters))
        return self

    def _new_reporter(self, handle: str) -> Party:
        self.reporter_parties += 1
        party = Party(id=f"r{self.reporter_parties}", role=Role.REPORTER, handle=handle)
        self.reporters.append(party)
        return party

    # -- reading ------------------------------------------------------------

    def opened_event(self) -> ev.CaseOpened:
        """The event that opens this case on the log, whatever its mode."""
        return ev.CaseOpened(
            case_id=self.id,
            at=self.opened_at,
            category=self.category,
            platform=self.content.platform,
            policy_version=self.policy_version,
            language=self.content.language,
        )

    @property
    def round(self) -> int:
        """The number of panels drawn so far (1 = first instance, 2 = appeal)."""
        return len(self.panels)

    @property
    def panel(self) -> Panel | None:
        return self.panels[-1] if self.panels else None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def accepts_reports(self) -> bool:
        """Open, or closed by a precedent: either way new reports on the content join it.
        A dispute or an order is its own proceeding: reports never join it."""
        if self.mode is not CaseMode.REPORT:
            return False
        return self.is_open or self.state is CaseState.CLOSED_PRECEDENT

    def party_handles(self) -> list[str]:
        respondent = [self.respondent.handle] if self.respondent else []
        return [self.author.handle, *(p.handle for p in self.reporters), *respondent]

    def party(self, party_id: str) -> Party:
        for p in (self.author, *self.reporters, *([self.respondent] if self.respondent else [])):
            if p.id == party_id:
                return p
        raise Forbidden(f"no party {party_id!r} in case {self.id}")

    def media(self) -> list[str]:
        """Every stored image of the case: the content's, then the reply's evidence."""
        out = list(self.content.media)
        for sha in self.reply.evidence if self.reply else []:
            if sha not in out:
                out.append(sha)
        return out

    def sat(self) -> list[str]:
        """Every juror who sat on a panel of the case, including those who recused."""
        return [j for p in self.panels for j in (*p.chosen, *p.recused())]

    def votes_in(self, round_: int) -> list[Vote]:
        return [v for v in self.votes if v.round == round_]

    def revealed(self, round_: int) -> bool:
        return any(r.round == round_ for r in self.rulings)

    def due_at(self) -> datetime | None:
        """When :meth:`advance` next has work to do, or ``None``."""
        times: list[datetime] = []
        if self.interim and self.interim.active:
            times.append(self.interim.expires_at)
        if self.state is CaseState.AWAITING_REPLY:
            if self.reply_closed_at is None:
                times.append(self.reply_deadline)
            else:  # a panel is still owed: retry on every tick
                times.append(self.reply_closed_at)
        elif self.state in (CaseState.VOTING, CaseState.APPEAL_VOTING) and self.voting_deadline:
            times.append(self.voting_deadline)
        elif self.state is CaseState.RULED and self.appeal_deadline:
            times.append(self.appeal_deadline)
        if (answer_by := compliance.due_at(self)) is not None:
            times.append(answer_by)
        return min(times) if times else None

    # -- filing ---------------------------------------------------------------

    @classmethod
    def open(
        cls,
        case_id: str,
        content: Content,
        report: Report,
        policy: Policy,
        now: datetime,
        precedent: Precedent | None = None,
    ) -> tuple[Case, list[ev.Event]]:
        """Open the case for a piece of content. Content that a final ruling cleared is
        not tried again: without new grounds the case closes at once on the precedent."""
        category = policy.category(report.category)
        case = cls(
            id=case_id,
            content=content,
            category=category.id,
            categories=[],
            heard_categories=[],
            state=CaseState.AWAITING_REPLY,
            policy_version=policy.version,
            opened_at=now,
            reply_deadline=now + policy.deadlines.reply,
            author=Party(id="author", role=Role.AUTHOR, handle=content.author),
        )
        events: list[ev.Event] = [case.opened_event()]
        if precedent is not None:
            case.precedent = precedent
            if not precedent.violation and not report.new_grounds:
                case.state = CaseState.CLOSED_PRECEDENT
                events.append(
                    ev.PrecedentApplied(
                        case_id=case_id,
                        at=now,
                        precedent=precedent.case_id,
                        match=precedent.match,
                        distance=precedent.distance,
                    )
                )
            else:
                events.append(
                    ev.PrecedentCited(
                        case_id=case_id,
                        at=now,
                        precedent=precedent.case_id,
                        match=precedent.match,
                        distance=precedent.distance,
                        violation=precedent.violation,
                        remedy=precedent.remedy,
                    )
                )
        return case, events + case.add_report(report, policy, now)

    def _reopen(self, report: Report, policy: Policy, now: datetime) -> list[ev.Event]:
        assert self.precedent is not None and report.new_grounds
        self.state = CaseState.AWAITING_REPLY
        self.reply_deadline = now + policy.deadlines.reply
        return [
            ev.CaseReopened(
                case_id=self.id,
                at=now,
                precedent=self.precedent.case_id,
                new_grounds=report.new_grounds,
            )
        ]

    def _report_filed(self, report: Report, category: Category, now: datetime) -> ev.ReportFiled:
        return ev.ReportFiled(
            case_id=self.id,
            at=now,
            report_id=report.id,
            category=category.id,
            reporter=report.reporter,
            jurisdiction=report.jurisdiction,
            legal_basis=report.legal_basis,
        )

    def _on_precedent(self, report: Report, category: Category, now: datetime) -> list[ev.Event]:
        """A report on content a final ruling cleared: kept, answered with the precedent."""
        assert self.precedent is not None
        self.report_count += 1
        events: list[ev.Event] = [self._report_filed(report, category, now)]
        if report.reporter not in {p.handle for p in self.reporters}:
            events.append(precedent_notice(self, self._new_reporter(report.reporter), now))
        return events

    @staticmethod
    def _check_report(report: Report, policy: Policy) -> tuple[Category, CitedLaw | None]:
        """Everything a report must get right, checked before the case changes at all."""
        category = policy.category(report.category)
        cited: CitedLaw | None = None
        if report.legal_basis and not report.jurisdiction:
            raise InvalidInput("a legal_basis needs its jurisdiction", field="jurisdiction")
        if report.jurisdiction:
            policy.jurisdiction(report.jurisdiction)
            if report.legal_basis:
                law = policy.law(report.jurisdiction, report.legal_basis)
                cited = CitedLaw(
                    jurisdiction=report.jurisdiction, law_id=law.id, compatible=law.compatible
                )
        return category, cited

    def report_mark(self) -> tuple[object, ...]:
        """All that :meth:`add_report` may change besides the counts (``report_count``,
        ``reporter_parties``) and the reporters: equal before and after a report, the
        stored document needs no rewrite (``alteram.storage.casedoc``)."""
        return (
            self.state,
            self.reply_deadline,
            len(self.categories),
            len(self.heard_categories),
            len(self.cited_laws),
            len(self.new_grounds),
            self.interim,
        )

    def add_report(self, report: Report, policy: Policy, now: datetime) -> list[ev.Event]:
        """Join a report to this case. The count is kept, and changes nothing else."""
        if not self.accepts_reports:
            raise OutOfOrder(f"case {self.id} is {self.state}; a new report opens a new case")
        category, cited = self._check_report(report, policy)
        reopened: list[ev.Event] = []
        if self.state is CaseState.CLOSED_PRECEDENT:
            if not report.new_grounds:
                return self._on_precedent(report, category, now)
            reopened = self._reopen(report, policy, now)
        if report.new_grounds:
            self.new_grounds.append(report.new_grounds)
        self.report_count += 1
        if cited and cited not in self.cited_laws:
            self.cited_laws.append(cited)
        events: list[ev.Event] = [*reopened, self._report_filed(report, category, now)]
        hearing_open = self.state is CaseState.AWAITING_REPLY and self.reply_closed_at is None
        if category.id not in self.categories:
            self.categories.append(category.id)
            if hearing_open:
                self.heard_categories.append(category.id)
                events.append(author_notice(self, category, policy, now))
        if category.emergency and hearing_open and self.interim is None:
            self.interim = InterimMeasure(
                category=category.id,
                remedy=category.interim_remedy,
                applied_at=now,
                expires_at=now + policy.deadlines.interim_review,
            )
            events.append(
                ev.InterimMeasureApplied(
                    case_id=self.id,
                    at=now,
                    category=category.id,
                    remedy=category.interim_remedy,
                    expires_at=self.interim.expires_at,
                )
            )
        if all(p.handle != report.reporter for p in self.reporters):
            party = self._new_reporter(report.reporter)
            events.append(reporter_notice(self, party, category, policy, now))
        return events

    # -- hearing --------------------------------------------------------------

    def _require_hearing_open(self, now: datetime, respondent: bool = False) -> None:
        if self.mode is CaseMode.DISPUTE and not respondent:
            raise OutOfOrder(
                "in a dispute the platform is heard; the appellant's statement is on file"
            )
        if self.state is not CaseState.AWAITING_REPLY or self.reply_closed_at is not None:
            raise OutOfOrder(f"the reply window of case {self.id} is closed (state {self.state})")
        if now >= self.reply_deadline:
            raise OutOfOrder(f"the reply window closed on {fmt_time(self.reply_deadline)}")

    def submit_reply(
        self,
        statement: str,
        now: datetime,
        policy: Policy,
        pool: Sequence[Juror],
        evidence: Sequence[str] = (),
    ) -> list[ev.Event]:
        """The author's statement, with the SHA-256 digests of stored evidence images."""
        if not statement.strip():
            raise InvalidInput("a reply needs a statement, or set waive", field="statement")
        self._require_hearing_open(now)
        self.reply = Reply(
            statement=statement, waived=False, at=now, evidence=list(dict.fromkeys(evidence))
        )
        first: ev.Event = ev.AuthorReplied(case_id=self.id, at=now, statement=statement)
        return [first, *self._close_hearing("replied", now, policy, pool)]

    def waive_reply(self, now: datetime, policy: Policy, pool: Sequence[Juror]) -> list[ev.Event]:
        self._require_hearing_open(now)
        self.reply = Reply(statement=None, waived=True, at=now)
        first: ev.Event = ev.AuthorWaived(case_id=self.id, at=now)
        return [first, *self._close_hearing("waived", now, policy, pool)]

    def _close_hearing(
        self, reason: str, now: datetime, policy: Policy, pool: Sequence[Juror]
    ) -> list[ev.Event]:
        closed = ev.ReplyWindowClosed(case_id=self.id, at=now, reason=reason)
        self.reply_closed_at = now
        self.pending_draw_hash = ev.event_hash(closed)
        return [closed, *self._draw(self.pending_draw_hash, now, policy, pool)]

    # -- panels ---------------------------------------------------------------

    def _draw(
        self, opening_hash: str, now: datetime, policy: Policy, pool: Sequence[Juror]
    ) -> list[ev.Event]:
        round_ = self.round + 1
        size = policy.panel.first if round_ == 1 else policy.panel.appeal
        eligible = eligible_jurors(
            pool,
            party_handles=self.party_handles(),
            earlier_panelists=self.sat(),
            language=self.content.language,
            content_url=self.content.url,
        )
        ids = sorted(j.id for j in eligible)
        try:
            seed, chosen = draw(self.id, round_, opening_hash, ids, size)
        except PanelUnavailable:
            if self.shortfall_seen == len(ids):
                return []
            self.shortfall_seen = len(ids)
            return [
                ev.PanelShortfall(
                    case_id=self.id, at=now, round=round_, eligible=len(ids), needed=size
                )
            ]
        deadline = now + policy.deadlines.voting
        self.panels.append(
            Panel(
                round=round_,
                size=size,
                opening_event_hash=opening_hash,
                seed=seed,
                eligible=ids,
                chosen=chosen,
                drawn_at=now,
                voting_deadline=deadline,
            )
        )
        self.pending_draw_hash = None
        self.shortfall_seen = None
        self.panelist_handles.update({j.id: list(j.handles) for j in eligible if j.id in chosen})
        self.voting_deadline = deadline
        self.state = CaseState.VOTING if round_ == 1 else CaseState.APPEAL_VOTING
        return [
            ev.PanelDrawn(
                case_id=self.id,
                at=now,
                round=round_,
                size=size,
                opening_event_hash=opening_hash,
                seed=seed,
                eligible=ids,
                chosen=chosen,
                voting_deadline=deadline,
            )
        ]

    # -- recusal ---------------------------------------------------------------

    def recuse(
        self, juror_id: str, reason: str, now: datetime, policy: Policy, pool: Sequence[Juror]
    ) -> list[ev.Event]:
        """A juror on the current panel who has not voted declares a conflict. One
        replacement is drawn from the eligible pool (without anyone who sat on a panel
        of the case), seeded by the leaf hash of the ``juror_recused`` event. Without a
        replacement the recusal is refused: a panel never sits smaller than its size."""
        if self.state not in (CaseState.VOTING, CaseState.APPEAL_VOTING):
            raise OutOfOrder(
                f"a juror recuses while the panel votes; case {self.id} is {self.state}"
            )
        panel = self.panel
        assert panel is not None and self.voting_deadline is not None
        if juror_id not in panel.chosen:
            raise Forbidden(f"juror {juror_id} is not on the current panel of case {self.id}")
        if now >= self.voting_deadline:
            raise OutOfOrder(f"voting closed on {fmt_time(self.voting_deadline)}")
        if any(v.juror_id == juror_id for v in self.votes_in(panel.round)):
            raise OutOfOrder(
                f"juror {juror_id} has already voted in round {panel.round}; "
                "a sealed vote cannot be withdrawn by recusing"
            )
        if not reason.strip():
            raise InvalidInput("say what the conflict is", field="reason")
        recused = ev.JurorRecused(
            case_id=self.id, at=now, round=panel.round, juror_id=juror_id, reason=reason
        )
        opening = ev.event_hash(recused)
        eligible = eligible_jurors(
            pool,
            party_handles=self.party_handles(),
            earlier_panelists=[*self.sat(), juror_id],
            language=self.content.language,
            content_url=self.content.url,
        )
        ids = sorted(j.id for j in eligible)
        try:
            seed, chosen = draw(self.id, panel.round, opening, ids, 1)
        except PanelUnavailable:
            raise PanelUnavailable(
                f"no eligible juror can replace {juror_id} on the panel of case {self.id}, "
                "so the recusal is not recorded: the panel may not sit with fewer than "
                f"{panel.size} jurors. Ask the administrators to grow the pool, then try again"
            ) from None
        new = chosen[0]
        panel.chosen[panel.chosen.index(juror_id)] = new
        panel.replacements.append(
            Replacement(
                recused=juror_id,
                opening_event_hash=opening,
                seed=seed,
                eligible=ids,
                chosen=new,
                at=now,
            )
        )
        self.panelist_handles[new] = next(list(j.handles) for j in eligible if j.id == new)
        return [
            recused,
            ev.JurorReplaced(
                case_id=self.id,
                at=now,
                round=panel.round,
                recused=juror_id,
                opening_event_hash=opening,
                seed=seed,
                eligible=ids,
                chosen=new,
            ),
        ]

    # -- voting ---------------------------------------------------------------

    def cast_vote(
        self, juror_id: str, ballot: Ballot, policy: Policy, now: datetime
    ) -> list[ev.Event]:
        if self.state not in (CaseState.VOTING, CaseState.APPEAL_VOTING):
            if self.state is CaseState.AWAITING_REPLY:
                raise OutOfOrder(
                    "votes open after the reply window closes on "
                    f"{fmt_time(self.reply_deadline)} (or when the author replies or waives)"
                )
            raise OutOfOrder(f"case {self.id} is {self.state}; voting is closed")
        panel = self.panel
        assert panel is not None and self.voting_deadline is not None
        if juror_id not in panel.chosen:
            raise Forbidden(f"juror {juror_id} is not on the current panel of case {self.id}")
        if now >= self.voting_deadline:
            raise OutOfOrder(f"voting closed on {fmt_time(self.voting_deadline)}")
        own = {normalize_handle(h) for h in self.panelist_handles.get(juror_id, [])}
        if own & {normalize_handle(h) for h in self.party_handles()}:
            raise Forbidden(
                f"juror {juror_id} has become a party to case {self.id} and cannot vote on it"
            )
        if any(v.juror_id == juror_id for v in self.votes_in(panel.round)):
            raise OutOfOrder(f"juror {juror_id} has already voted in round {panel.round}")
        allowed_geo = {c.jurisdiction for c in self.cited_laws if c.compatible}
        if self.mode is CaseMode.ORDER:
            from alteram.domain.order import check_order_ballot

            allowed_geo = check_order_ballot(ballot, self.cited_laws)
        heard = [policy.category(c) for c in self.heard_categories]
        if self.dispute is not None:
            heard = dispute_mode.ballot_categories(self, ballot, policy)
        check_ballot(ballot, policy, heard, allowed_geo)
        vote = Vote(juror_id=juror_id, round=panel.round, cast_at=now, ballot=ballot)
        self.votes.append(vote)
        events: list[ev.Event] = [
            ev.VoteCast(
                case_id=self.id,
                at=now,
                round=panel.round,
                juror_id=juror_id,
                commitment=vote.commitment(),
            )
        ]
        if len(self.votes_in(panel.round)) == panel.size:
            events += self._reveal_and_rule("all_cast", now, policy)
        return events

    def _reveal_and_rule(self, reason: str, now: datetime, policy: Policy) -> list[ev.Event]:
        panel = self.panel
        assert panel is not None
        votes = self.votes_in(panel.round)
        events: list[ev.Event] = [
            ev.VotesRevealed(
                case_id=self.id,
                at=now,
                round=panel.round,
                reason=reason,
                votes=[v.model_dump(mode="json") for v in votes],
            )
        ]
        final = panel.round > 1
        appeal_until = None if final else now + policy.deadlines.appeal
        if self.dispute is not None:
            ruling = dispute_mode.decide_dispute(self, votes, panel, policy, now, appeal_until)
        else:
            ruling = decide(votes, panel, policy, policy.category(self.category), now, appeal_until)
        violation, remedy, jurisdictions = ruling.violation, ruling.remedy, ruling.jurisdictions
        self.rulings.append(ruling)
        self.voting_deadline = None
        events.append(
            ev.RulingIssued(
                case_id=self.id,
                at=now,
                round=ruling.round,
                violation=violation,
                remedy=remedy,
                jurisdictions=jurisdictions,
                rules=ruling.rules,
                policy_version=policy.version,
                final=final,
                votes_for_violation=ruling.votes_for_violation,
                panel_size=panel.size,
                precedent=self.precedent.case_id if self.precedent else None,
                precedent_distance=self.precedent.distance if self.precedent else None,
            )
        )
        if self.interim and self.interim.active:
            self.interim.ended_at, self.interim.end_reason = now, "ruling"
            events.append(
                ev.InterimMeasureEnded(
                    case_id=self.id, at=now, remedy=self.interim.remedy, reason="ruling"
                )
            )
        if self.dispute is not None:
            events += dispute_mode.on_ruling(self, ruling, now)  # a recommendation only
        else:
            events += self._set_remedy(remedy, jurisdictions, now, final)
        if final:
            self.state = CaseState.FINAL
            events.append(
                ev.CaseFinal(
                    case_id=self.id,
                    at=now,
                    reason="appeal_ruled",
                    violation=violation,
                    remedy=remedy,
                )
            )
        else:
            self.state = CaseState.RULED
            self.appeal_deadline = appeal_until
        return events

    def _set_remedy(
        self, remedy: Remedy, jurisdictions: list[str], now: datetime, on_appeal: bool
    ) -> list[ev.Event]:
        events: list[ev.Event] = []
        if self.mode is CaseMode.ORDER:
            from alteram.domain.order import check_order_remedy

            check_order_remedy(remedy, jurisdictions, self.cited_laws)
        if self.remedy == remedy and self.remedy_jurisdictions == jurisdictions:
            return events
        if self.remedy is not Remedy.NO_ACTION:
            reason = "reversed on appeal" if remedy is Remedy.NO_ACTION else "changed on appeal"
            events.append(
                ev.RemedyLifted(case_id=self.id, at=now, remedy=self.remedy, reason=reason)
            )
        if remedy is not Remedy.NO_ACTION:
            events.append(
                ev.RemedyApplied(
                    case_id=self.id, at=now, remedy=remedy, jurisdictions=jurisdictions
                )
            )
        self.remedy, self.remedy_jurisdictions = remedy, jurisdictions
        return events

    # -- appeal ---------------------------------------------------------------

    def file_appeal(
        self, party_id: str, grounds: str, now: datetime, policy: Policy, pool: Sequence[Juror]
    ) -> list[ev.Event]:
        party = self.party(party_id)
        if not grounds.strip():
            raise InvalidInput("an appeal states its grounds", field="grounds")
        if self.state is not CaseState.RULED:
            if self.appeal is not None:
                raise OutOfOrder(
                    f"case {self.id} has already been appealed; a case is appealed once"
                )
            if self.state is CaseState.FINAL and self.appeal_deadline is not None:
                raise OutOfOrder(
                    f"the appeal window closed on {fmt_time(self.appeal_deadline)}; "
                    "the ruling is final"
                )
            raise OutOfOrder(f"an appeal is possible once the case is ruled; it is {self.state}")
        assert self.appeal_deadline is not None
        if now >= self.appeal_deadline:
            raise OutOfOrder(f"the appeal window closed on {fmt_time(self.appeal_deadline)}")
        first = self.rulings[-1]
        if party.role is Role.AUTHOR and not first.violation:
            raise OutOfOrder("the ruling found no violation; the author has nothing to appeal")
        filed = ev.AppealFiled(
            case_id=self.id, at=now, appellant=party.id, role=party.role.value, grounds=grounds
        )
        drawn = self._draw(ev.event_hash(filed), now, policy, pool)
        if not any(isinstance(e, ev.PanelDrawn) for e in drawn):
            self.shortfall_seen = None
            raise PanelUnavailable(
                f"an appeal panel of {policy.panel.appeal} fresh jurors cannot be drawn now; "
                "the appeal was not filed: try again when the pool has grown"
            )
        self.appeal = Appeal(appellant=party.id, role=party.role, grounds=grounds, filed_at=now)
        self.appeal_deadline = None
        return [filed, *drawn]

    # -- time -----------------------------------------------------------------

    def advance(self, now: datetime, policy: Policy, pool: Sequence[Juror]) -> list[ev.Event]:
        """Apply every deadline that has passed. Idempotent: a second call adds nothing."""
        events: list[ev.Event] = []
        if self.interim and self.interim.active and now >= self.interim.expires_at:
            self.interim.ended_at, self.interim.end_reason = self.interim.expires_at, "expired"
            events.append(
                ev.InterimMeasureEnded(
                    case_id=self.id, at=now, remedy=self.interim.remedy, reason="expired"
                )
            )
        if self.state is CaseState.AWAITING_REPLY:
            if self.reply_closed_at is None and now >= self.reply_deadline:
                events += self._close_hearing("deadline", now, policy, pool)
            elif self.pending_draw_hash is not None:
                events += self._draw(self.pending_draw_hash, now, policy, pool)
        if (
            self.state in (CaseState.VOTING, CaseState.APPEAL_VOTING)
            and self.voting_deadline is not None
            and now >= self.voting_deadline
        ):
            events += self._reveal_and_rule("deadline", now, policy)
        if (
            self.state is CaseState.RULED
            and self.appeal_deadline is not None
            and now >= self.appeal_deadline
        ):
            self.state = CaseState.FINAL
            ruling = self.rulings[-1]
            ruling.final = True
            ruling.statement.redress = (
                "No appeal was filed in time; this ruling is final within alteram. "
                "Courts and out-of-court bodies remain open."
            )
            events.append(
                ev.CaseFinal(
                    case_id=self.id,
                    at=now,
                    reason="appeal_window_closed",
                    violation=ruling.violation,
                    remedy=ruling.remedy,
                )
            )
            events += compliance.request_notice(self, now)
        return events + compliance.advance(self, now)
