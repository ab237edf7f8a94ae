"""Legal orders from courts and government bodies (issue 6 §2).

Local law is not the measure of rights: the policy's jurisdictions table decides
the path of an order. A provision the table marks incompatible with international
human-rights law is refused at once (the case closes as ``order_refused`` with the
table's reasoning, the author is told, the refusal is published). A compatible
provision opens a case in ``order`` mode: the author is notified and heard, and a
panel checks the order. The most it can grant is a geo-restriction in the issuing
jurisdiction: :func:`check_order_ballot` refuses any ballot asking for more, and
:func:`check_order_remedy` makes any other remedy on an order case impossible.

Pure: no database, clock or network; ``now`` is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from alteram.domain import events as ev
from alteram.domain.content import Content, Party, Role
from alteram.domain.notice import fmt_time
from alteram.domain.policy import Law, Policy
from alteram.domain.remedy import Remedy
from alteram.domain.vote import Ballot
from alteram.errors import InvalidInput

if TYPE_CHECKING:
    from alteram.domain.case import Case, CitedLaw

MOST = Remedy.GEO_RESTRICTION
"""The most restrictive rung an order case can reach."""

ORDER_CHECKS: tuple[str, ...] = ("authentic", "within_power", "provision_compatible")
"""What a panel answers (in ``test``) before granting an order, besides the three-part
test of ICCPR Art. 19(3) (legality, legitimate aim, necessity, proportionality)."""


class AuthorityKind(StrEnum):
    COURT = "court"
    GOVERNMENT = "government"


class Via(StrEnum):
    AUTHORITY = "authority"  # the authority sent it with its own registered token
    PLATFORM = "platform"  # a platform forwarded an order it received


class DocumentKind(StrEnum):
    PDF = "pdf"
    IMAGE = "image"


class OrderOutcome(StrEnum):
    PENDING = "pending"
    REFUSED_INCOMPATIBLE = "refused_incompatible"
    REFUSED_BY_PANEL = "refused_by_panel"
    GRANTED = "granted"
    GRANTED_IN_PART = "granted_in_part"


REFUSED = (OrderOutcome.REFUSED_INCOMPATIBLE, OrderOutcome.REFUSED_BY_PANEL)
GRANTED = (OrderOutcome.GRANTED, OrderOutcome.GRANTED_IN_PART)


class Order(BaseModel):
    """An order as received. ``reference`` and ``notes`` are kept as sent (private);
    the public record shows them through :func:`redact`."""

    model_config = ConfigDict(frozen=True)
    id: str
    authority: str
    authority_kind: AuthorityKind
    jurisdiction: str
    provision: str
    issued_on: date
    reference: str
    notes: str | None = None
    private_persons: tuple[str, ...] = ()
    measure: Remedy
    document_sha256: str
    document_kind: DocumentKind
    via: Via
    received_at: datetime


# -- redaction ----------------------------------------------------------------------------

_FULL_HANDLE = re.compile(r"(?<![\w@])@[\w.-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
_HANDLE = re.compile(r"(?<![\w@\]])@[\w.-]+")
_NUMBER = re.compile(r"(?<!\w)\+?\d[\d ().\-/]*\d(?!\w)")
_DATE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})$")
MIN_DIGITS = 7


def _number(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    return found if digits < MIN_DIGITS or _DATE.match(found) else "[number]"


def redact(text: str | None, names: Sequence[str] = ()) -> str | None:
    """The public version of free text from an order (its reference, its notes).

    Replaced, in this order: fediverse handles with a host (``@name@host``) by
    ``[handle]``; e-mail addresses by ``[email]``; web addresses by ``[url]``; every
    name in ``names`` (the author's handle, its local part, and the private persons
    the sender listed) as a whole word, case-insensitively, with or without a leading
    ``@``, by ``[private person]``; other handles (``@name``) by ``[handle]``; and
    numbers of 7 or more digits (phone, ID and account numbers; spaces, dots, dashes,
    slashes and brackets allowed between the digits) by ``[number]``, except dates.
    Names of private persons that the sender did not list and that are not handles
    cannot be recognised: the docs say so, and the sender is asked to list them.
    """
    if text is None:
        return None
    out = _FULL_HANDLE.sub("[handle]", text)
    out = _EMAIL.sub("[email]", out)
    out = _URL.sub("[url]", out)
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        pattern = r"(?<!\w)@?" + re.escape(name) + r"(?!\w)"
        out = re.sub(pattern, "[private person]", out, flags=re.I)
    out = _HANDLE.sub("[handle]", out)
    return _NUMBER.sub(_number, out)


def private_names(author: str, listed: Sequence[str]) -> list[str]:
    """The author's handle, its local part (``@sara@host`` → ``sara``) and the listed names."""
    local = author.strip().lstrip("@").split("@")[0]
    return [author, local, *listed]


def public_url(url: str) -> str:
    """Only the site of the targeted content: a path often names its author."""
    match = re.match(r"^(https?://[^/?#\s]+)", url, re.I)
    return (match.group(1) + "/…") if match else "[url]"


# -- the panel's limits -----------------------------------------------------------------


def issuing_jurisdiction(cited: Sequence[CitedLaw]) -> str:
    codes = {c.jurisdiction for c in cited if c.compatible}
    if len(codes) != 1:  # an order case cites exactly its order's provision
        raise AssertionError(f"an order case cites one compatible provision, not {codes}")
    return codes.pop()


def check_order_ballot(ballot: Ballot, cited: Sequence[CitedLaw]) -> set[str]:
    """Refuse a ballot that would grant more than a geo-restriction in the issuing
    jurisdiction, or grant without answering the order checks. Returns the
    jurisdictions a geo-restriction may name (the issuing one only)."""
    code = issuing_jurisdiction(cited)
    if ballot.remedy.rank > MOST.rank:
        raise InvalidInput(
            f"an order can be granted at most as a geo_restriction in {code}, the issuing "
            f"jurisdiction: it cannot reach readers elsewhere, so {ballot.remedy.value} is "
            f"not possible. Vote geo_restriction with jurisdictions [{code}], a lesser rung, "
            "or refuse the order (violation false)",
            field="remedy",
        )
    if ballot.remedy is MOST and set(ballot.jurisdictions) - {code}:
        raise InvalidInput(
            f"an order from {code} can restrict the content only for readers in {code}",
            field="jurisdictions",
        )
    if ballot.violation:
        for check in ORDER_CHECKS:
            answer = ballot.test.get(check)
            if not answer or not answer.strip():
                raise InvalidInput(
                    "granting an order must answer whether it is authentic, within the "
                    f"authority's power and under a compatible provision: {check} is missing",
                    field=f"test.{check}",
                )
    return {code}


def check_order_remedy(
    remedy: Remedy, jurisdictions: Sequence[str], cited: Sequence[CitedLaw]
) -> None:
    """The last guard: no remedy beyond a geo-restriction in the issuing jurisdiction is
    ever set on an order case, whatever the votes."""
    code = issuing_jurisdiction(cited)
    if remedy.rank > MOST.rank or (remedy is MOST and list(jurisdictions) != [code]):
        raise AssertionError(
            f"an order case cannot apply {remedy.value} {list(jurisdictions)}; at most "
            f"geo_restriction [{code}]"
        )


# -- opening ------------------------------------------------------------------------------


def _notice_text(case: Case, order: Order, law: Law, policy: Policy) -> str:
    head = (
        f"A legal order concerns your content {case.content.url}: {order.authority} "
        f"({order.authority_kind.value}, {order.jurisdiction}) cites {law.id} ({law.title}) "
        f"and asks for {order.measure.value} (order dated {order.issued_on.isoformat()}). "
    )
    if not law.compatible:
        return head + (
            "alteram refuses this order without a panel: the published policy "
            f"{policy.version} marks this provision incompatible with international "
            f"human-rights law. Its reasoning: {law.reasoning} Nothing is restricted. "
            "The refusal is published."
        )
    category = policy.category(case.category)
    rules = " ".join(f"[{r.id}] {r.text}" for r in category.rules)
    return head + (
        f"A panel drawn at random will check the order: is it authentic, within the "
        f"authority's power, under a provision compatible with human-rights law, and is "
        f"the measure necessary and proportionate under '{category.title}' "
        f"({category.standard}) of policy {policy.version}? The rules at stake: {rules} "
        f"The most it can grant is a geo-restriction for readers in {order.jurisdiction}; "
        "the order cannot reach readers elsewhere. You may reply with a statement and "
        f"evidence, or waive your reply, until {fmt_time(case.reply_deadline)}. No ruling "
        "will be made before your reply or that time."
    )


def open_order(
    case_id: str,
    content: Content,
    order: Order,
    category_id: str,
    policy: Policy,
    now: datetime,
    *,
    platform: str,
) -> tuple[Case, list[ev.Event]]:
    """The case of an order: refused at once under an incompatible provision, otherwise
    awaiting the author's reply. ``platform`` is the recipient's public name."""
    from alteram.domain.case import Case, CaseMode, CaseState, CitedLaw

    law = policy.law(order.jurisdiction, order.provision, field="provision")
    category = policy.category(category_id)
    if order.measure is Remedy.NO_ACTION:
        raise InvalidInput("an order requests a measure other than no_action", field="measure")
    case = Case(
        id=case_id,
        mode=CaseMode.ORDER,
        content=content,
        category=category.id,
        categories=[category.id],
        heard_categories=[category.id] if law.compatible else [],
        state=CaseState.AWAITING_REPLY if law.compatible else CaseState.ORDER_REFUSED,
        policy_version=policy.version,
        opened_at=now,
        reply_deadline=now + policy.deadlines.reply if law.compatible else now,
        author=Party(id="author", role=Role.AUTHOR, handle=content.author),
        cited_laws=[CitedLaw(jurisdiction=order.jurisdiction, law_id=law.id, compatible=True)]
        if law.compatible
        else [],
    )
    names = private_names(content.author, order.private_persons)
    events: list[ev.Event] = [
        case.opened_event(),
        ev.OrderReceived(
            case_id=case_id,
            at=now,
            order_id=order.id,
            authority=order.authority,
            authority_kind=order.authority_kind.value,
            jurisdiction=order.jurisdiction,
            provision=law.id,
            compatible=law.compatible,
            issued_on=order.issued_on.isoformat(),
            reference=redact(order.reference, names) or "",
            measure=order.measure,
            document_sha256=order.document_sha256,
            via=order.via.value,
            platform=platform,
        ),
        ev.NoticeIssued(
            case_id=case_id,
            at=now,
            party_id=case.author.id,
            role=Role.AUTHOR.value,
            handle=case.author.handle,
            text=_notice_text(case, order, law, policy),
            reply_by=case.reply_deadline if law.compatible else None,
        ),
    ]
    if not law.compatible:
        events.append(
            ev.OrderRefused(
                case_id=case_id,
                at=now,
                order_id=order.id,
                jurisdiction=order.jurisdiction,
                provision=law.id,
                reasoning=law.reasoning,
            )
        )
    return case, events


# -- the outcome ------------------------------------------------------------------------


class Granted(BaseModel):
    remedy: Remedy
    jurisdictions: list[str]


def outcome(case: Case, order: Order) -> tuple[OrderOutcome, Granted | None, bool]:
    """``(outcome, measure granted or None, final)`` of an order, from its case."""
    from alteram.domain.case import CaseState

    if case.state is CaseState.ORDER_REFUSED:
        return OrderOutcome.REFUSED_INCOMPATIBLE, None, True
    if not case.rulings:
        return OrderOutcome.PENDING, None, False
    ruling = case.rulings[-1]
    if not ruling.violation or ruling.remedy is Remedy.NO_ACTION:
        return OrderOutcome.REFUSED_BY_PANEL, None, ruling.final
    granted = Granted(remedy=ruling.remedy, jurisdictions=list(ruling.jurisdictions))
    full = ruling.remedy is order.measure  # less than asked (e.g. geo for removal): in part
    return (OrderOutcome.GRANTED if full else OrderOutcome.GRANTED_IN_PART), granted, ruling.final
