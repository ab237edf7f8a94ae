"""Realistic sample cases for ``alteram demo``, produced by the real lifecycle.

:func:`seed_demo` fills an empty store through the service functions only:
accounts, reports, replies, votes, appeals and deadlines each go through the
use case a real caller would use, so every case carries the events, notices,
panel draws and rulings the real lifecycle produced. To place cases in the
past, the context's clock is swapped for a story clock that starts thirty
days ago and only moves forward; the real clock is restored at the end, so
every deadline still open is in the future of the real now.

All people, handles, places and posts are fictional.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from alteram import demo_modes as modes
from alteram.domain.case import Case
from alteram.domain.remedy import Remedy
from alteram.domain.vote import Ballot
from alteram.errors import NotFound
from alteram.services import accounts, proceedings, seal
from alteram.services.context import Context
from alteram.services.reports import AuthorIn, ContentIn, ReporterIn, ReportRequest, file_report

PLATFORM_NAME = "forum.example"
FORUM = "https://forum.example"


@dataclass(frozen=True)
class DemoAccounts:
    platform_id: str
    platform_token: str
    admin_token: str
    jurors: list[tuple[str, str, str]]  # (juror public id, name, token)
    cases: list[tuple[str, str, str]]  # (case id, state, one-line description)
    # (case id, author capability token) for cases awaiting the author's reply or open to appeal
    author_links: list[tuple[str, str]]
    reporter_links: list[tuple[str, str]]  # (case id, reporter token)
    disputes: list[tuple[str, str, str]]  # (case id, state, one-line description)
    orders: list[tuple[str, str, str]]  # (order id, outcome, one-line description)
    appellant_links: list[tuple[str, str]]  # (dispute case id, the user's token)
    respondent_links: list[tuple[str, str]]  # (dispute case id, the platform's notice token)


# name, languages, declared conflicts
JURORS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Maryam Rostami", ("fa", "en"), ()),
    ("Kaveh Jafari", ("fa", "en"), ()),
    ("Nasrin Ahmadi", ("fa",), ()),
    ("Dariush Karimi", ("fa",), ("shahrnews.example",)),
    ("Leila Sadeghi", ("fa", "en"), ()),
    ("Arash Moradi", ("fa", "en"), ()),
    ("Parisa Ebrahimi", ("fa",), ()),
    ("Behrouz Farahani", ("fa", "en"), ()),
    ("Soraya Nazari", ("fa",), ()),
    ("Hannah Becker", ("en",), ("@h.becker@mastodon.example",)),
    ("Tomás Ortega", ("en",), ()),
    ("Amara Okafor", ("en",), ()),
)


class _StoryClock:
    """A clock the story moves forward by hand; it never runs backwards."""

    def __init__(self, start: datetime) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def set(self, t: datetime) -> None:
        if t < self.t:
            raise ValueError(f"the demo story cannot go back in time ({t} < {self.t})")
        self.t = t


@dataclass
class _Story:
    ctx: Context
    clock: _StoryClock
    real_now: datetime
    platform_id: str

    # -- time ------------------------------------------------------------------

    def at(self, offset: timedelta) -> None:
        """Move the story clock to ``real now + offset`` (offset ≤ 0)."""
        self.clock.set(self.real_now + offset)

    # -- reading ---------------------------------------------------------------

    def case(self, case_id: str) -> Case:
        with self.ctx.store.transaction() as tx:
            case = tx.get_case(case_id)
        if case is None:
            raise NotFound(f"no case {case_id!r}")
        return case

    def token(self, case_id: str, party_id: str) -> str:
        """The capability token sent with the party's latest notice."""
        with self.ctx.store.transaction() as tx:
            notices = seal.opened(self.ctx, tx.notices_for(case_id))
        tokens = [str(n["token"]) for n in notices if n["party_id"] == party_id]
        if not tokens:
            raise NotFound(f"no notice for party {party_id!r} of case {case_id}")
        return tokens[-1]

    # -- acting ----------------------------------------------------------------

    def report(
        self,
        *,
        post: str,
        author: str,
        text: str,
        language: str,
        category: str,
        explanation: str,
        reporter: str,
        jurisdiction: str | None = None,
        legal_basis: str | None = None,
    ) -> str:
        body = ReportRequest(
            content=ContentIn(
                platform_id=post,
                url=f"{FORUM}/t/{post}",
                author=AuthorIn(handle=author),
                text=text,
                language=language,
            ),
            category=category,
            explanation=explanation,
            reporter=ReporterIn(handle=reporter),
            jurisdiction=jurisdiction,
            legal_basis=legal_basis,
        )
        return file_report(self.ctx, self.platform_id, body).case_id

    def reply(self, case_id: str, statement: str | None) -> Case:
        who = accounts.authenticate(self.ctx, self.token(case_id, "author"))
        return proceedings.reply(
            self.ctx, case_id, who, statement=statement, waive=statement is None
        )

    def appeal(self, case_id: str, party_id: str, grounds: str) -> Case:
        who = accounts.authenticate(self.ctx, self.token(case_id, party_id))
        return proceedings.appeal(self.ctx, case_id, who, grounds)

    def votes(self, case_id: str, ballots: Sequence[tuple[timedelta, Ballot]]) -> Case:
        """Cast ``ballots`` in order, by the jurors actually drawn for the current panel."""
        panel = self.case(case_id).panel
        if panel is None:
            raise NotFound(f"case {case_id} has no panel yet")
        case: Case | None = None
        for juror_id, (offset, ballot) in zip(panel.chosen, ballots, strict=False):
            self.at(offset)
            case = proceedings.cast_vote(self.ctx, case_id, juror_id, ballot)
        assert case is not None
        return case

    def advance(self, case_id: str, offset: timedelta) -> Case:
        self.at(offset)
        return proceedings.advance_case(self.ctx, case_id)


def _d(days: float = 0, hours: float = 0, minutes: float = 0) -> timedelta:
    """An offset into the past: ``_d(3, 2)`` is 3 days and 2 hours before now."""
    return -timedelta(days=days, hours=hours, minutes=minutes)


# -- the texts -------------------------------------------------------------------------

PROTEST_CAPTION = (
    "«زن، زندگی، آزادی»\n"
    "این عکس را دیشب در تجمع آرام جلوی دانشگاه گرفتم. این جمعه ساعت پنج عصر دوباره "
    "در میدان شهر جمع می‌شویم؛ با گل و شمع، بی‌هیچ خشونتی، به یاد همهٔ کسانی که دیگر در "
    "میان ما نیستند. لطفاً آرام بیایید، مراقب هم باشید و این پیام را پخش کنید."
)
PROTEST_REPORT_TEXTS = (
    "این پست مردم را به آشوب و خشونت تحریک می‌کند.",
    "دعوت به اغتشاش و به هم زدن نظم عمومی است. لطفاً حذف شود.",
    "This post incites violence and riots. Remove it.",
)
PROTEST_REPLY = (
    "این عکس از یک تجمع مسالمت‌آمیز است و متن آن دعوت به حضوری آرام با گل و شمع است، "
    "نه خشونت. من هیچ‌کس را به آسیب زدن به کسی یا به هیچ گروهی فرا نخوانده‌ام. همهٔ "
    "گزارش‌هایی که علیه این پست رسیده، در کمتر از دو ساعت و از حساب‌هایی آمده که همین "
    "هفته ساخته شده‌اند."
)
PROTEST_RABAT = {
    "context": (
        "A peaceful protest movement; «زن، زندگی، آزادی» (Woman, Life, Freedom) is its "
        "best-known slogan and is not a call to violence."
    ),
    "speaker": "A private forum member with a small following and no authority over others.",
    "intent": "To invite people to a peaceful gathering with flowers and candles.",
    "content_and_form": (
        "A photo caption with a slogan and a time and place; it targets no group and "
        "explicitly asks people to stay non-violent."
    ),
    "extent": "An ordinary post in a community forum thread.",
    "likelihood_and_imminence": (
        "No likelihood that discrimination, hostility or violence against any group "
        "follows; the call is to a peaceful assembly protected by ICCPR Art. 21."
    ),
}

ADDRESS_POST = (
    "This is the woman who reported my shop to the council. She lives at 17 Example Road, "
    "Flat 4, Northbridge. Blue door, leaves at 8 every morning. Go and tell her what you think."
)

THREAT_POST = (
    "@d.harlow you think you can get away with what you wrote about my brother? I know you "
    "leave the Northgate office at 6. Friday you won't be walking home. Bringing friends "
    "won't help you."
)

LEADER_POST = (
    "کاریکاتور امروز: «رهبر معظم» با یک قیچی بزرگ کابل اینترنت را می‌برد و زیرش نوشته: "
    "«فیلترینگ برای حفظ آرامش روانی شماست.» اگر حرف ما این‌قدر خطرناک است، "
    "پس حتماً حرف درستی است."
)
LEADER_REPORT_TEXT = (
    "توهین آشکار به مقام معظم رهبری. طبق مادهٔ ۵۱۴ بخش تعزیرات قانون مجازات اسلامی جرم "
    "است و باید حذف شود."
)

HARASSMENT_POST = (
    "باز هم «لاله میم» سر و کله‌اش پیدا شد. هر جا چیزی نوشت همه بریزید زیر پستش و بگویید "
    "چقدر بی‌سواد و مسخره است. تا از این انجمن نرود ول نمی‌کنیم."
)
HARASSMENT_REPLY = (
    "من فقط نظرهای او را در بحث‌های انجمن نقد کردم. این یک بحث عمومی است و حق دارم "
    "مخالفتم را بگویم. هیچ‌وقت کسی را تهدید نکرده‌ام."
)
HARASSMENT_APPEAL = (
    "هیئت نقد تند را با آزار یکی دانسته است. من هیچ پیام خصوصی نفرستاده‌ام و هیچ اطلاعات "
    "شخصی‌ای منتشر نکرده‌ام؛ برچسب و کاهش دیده‌شدن برای یک نظر مخالف زیاده‌روی است."
)

SPAM_POST = (
    "DOUBLE YOUR MONEY IN 7 DAYS!!! Join my private BTC signal group, only 20 seats left. "
    "DM me now, payment in advance, guaranteed returns."
)


def _protest_ballot(reasons: str) -> Ballot:
    return Ballot(violation=False, rabat=PROTEST_RABAT, remedy=Remedy.NO_ACTION, reasons=reasons)


def _removal_ballot(reasons: str) -> Ballot:
    return Ballot(
        violation=True,
        rules=("THR-1",),
        test={
            "legality": "THR-1 of the published policy forbids threatening to injure a person.",
            "legitimate_aim": "Protecting the life and security of the person threatened.",
            "necessity": (
                "The post names the target, the place and the time; a reasonable reader "
                "takes it as a real threat."
            ),
            "proportionality": "Only this post is affected; the account is not sanctioned.",
        },
        remedy=Remedy.REMOVAL,
        lesser_remedies_insufficient={
            "no_action": "The threat would stay visible to the person threatened.",
            "context_note": "A note does not stop a threat from reaching its target.",
            "label": "A label leaves the threat readable and still intimidating.",
            "reduced_distribution": "The target and their attackers can still find it.",
            "age_gate": "Age is irrelevant: the harm is to the person threatened.",
            "geo_restriction": "The threat works wherever it is read, not in one country.",
        },
        reasons=reasons,
    )


def _harassment_ballot(reasons: str) -> Ballot:
    return Ballot(
        violation=True,
        rules=("HAR-2",),
        test={
            "legality": "HAR-2 forbids urging others to flood a private person with abuse.",
            "legitimate_aim": "Protecting a private forum member from organised abuse (Art. 17).",
            "necessity": (
                "The post calls on others to follow her everywhere until she leaves; "
                "criticism of her views would not need that."
            ),
            "proportionality": "The post stays up; only its reach is reduced.",
        },
        remedy=Remedy.REDUCED_DISTRIBUTION,
        lesser_remedies_insufficient={
            "no_action": "The call to pile on would keep spreading.",
            "context_note": "A note does not stop readers from answering the call.",
            "label": "A label warns readers but still carries the call to everyone's feed.",
        },
        reasons=reasons,
    )


def _spam_ballot(reasons: str) -> Ballot:
    return Ballot(
        violation=True,
        rules=("SPM-1",),
        test={
            "legality": "SPM-1 forbids posting the same commercial message in bulk.",
            "legitimate_aim": "Protecting other members' ability to find and read discussions.",
            "necessity": "The same advert was posted in dozens of unrelated threads.",
            "proportionality": "Reduced reach, not removal; the author may still post.",
        },
        remedy=Remedy.REDUCED_DISTRIBUTION,
        lesser_remedies_insufficient={
            "no_action": "The flood of copies would keep drowning out discussions.",
            "context_note": "A note on each copy still leaves the threads flooded.",
            "label": "A label does not stop the copies from filling every thread.",
        },
        reasons=reasons,
    )


def _no_violation(reasons: str) -> Ballot:
    return Ballot(violation=False, remedy=Remedy.NO_ACTION, reasons=reasons)


def seed_demo(ctx: Context) -> DemoAccounts:
    """Fill an empty, migrated store with realistic sample cases; return the credentials."""
    real_clock = ctx.clock
    real_now = real_clock()
    clock = _StoryClock(real_now - timedelta(days=31))
    ctx.clock = clock
    try:
        return _seed(ctx, clock, real_now)
    finally:
        ctx.clock = real_clock


def _seed(ctx: Context, clock: _StoryClock, real_now: datetime) -> DemoAccounts:
    platform_id, platform_token = accounts.create_platform(ctx, PLATFORM_NAME)
    admin_token = accounts.create_admin_token(ctx)
    jurors: list[tuple[str, str, str]] = []
    for name, languages, conflicts in JURORS:
        juror, token = accounts.add_juror(ctx, name, list(languages), list(conflicts))
        jurors.append((juror.id, juror.name, token))
    modes.register_big_platform(ctx)
    s = _Story(ctx, clock, real_now, platform_id)
    described: dict[str, str] = {}
    author_cases: list[str] = []

    # 1. A protest caption, mass-reported as incitement by fresh accounts; cleared.
    protest_reporters = [f"@user{40213 + 97 * i}@forum.example" for i in range(25)]
    protest = ""
    for i, reporter in enumerate(protest_reporters):
        s.at(_d(30) + timedelta(minutes=10 + 4 * i))
        protest = s.report(
            post="8812",
            author="@sahar.n@forum.example",
            text=PROTEST_CAPTION,
            language="fa",
            category="incitement",
            explanation=PROTEST_REPORT_TEXTS[i % len(PROTEST_REPORT_TEXTS)],
            reporter=reporter,
        )
    described[protest] = (
        "Protest photo caption «زن، زندگی، آزادی» mass-reported as incitement; cleared"
    )
    s.at(_d(29, 3))
    s.reply(protest, PROTEST_REPLY)
    s.votes(
        protest,
        [
            (
                _d(28, 20),
                _protest_ballot(
                    "Rabat: the context is a peaceful protest movement, the speaker a private "
                    "member, the intent to invite a peaceful gathering, the form a slogan that "
                    "names no group, the extent one forum post, and nothing makes violence "
                    "likely or imminent. 25 reports in under two hours from new accounts are "
                    "volume, not evidence."
                ),
            ),
            (
                _d(28, 9),
                _protest_ballot(
                    "این دعوت به تجمعی مسالمت‌آمیز است، نه تحریک به خشونت یا دشمنی با گروهی. "
                    "هیچ‌یک از شش عامل برنامهٔ رباط به آستانهٔ تحریک نمی‌رسد."
                ),
            ),
            (
                _d(28, 1),
                _protest_ballot(
                    "Peaceful assembly and political expression (ICCPR Arts. 19 and 21). On the "
                    "six Rabat factors no intent, no target group and no likelihood of harm."
                ),
            ),
        ],
    )

    # 4. Satire of a head of state, reported under a law the policy marks incompatible.
    s.at(_d(27))
    leader = s.report(
        post="9034",
        author="@karikator@forum.example",
        text=LEADER_POST,
        language="fa",
        category="defamation",
        explanation=LEADER_REPORT_TEXT,
        reporter="@defa_arzesh@forum.example",
        jurisdiction="IR",
        legal_basis="IR-PENAL-514",
    )
    s.at(_d(26, 18))
    s.report(
        post="9034",
        author="@karikator@forum.example",
        text=LEADER_POST,
        language="fa",
        category="defamation",
        explanation="اهانت به رهبری؛ مادهٔ ۵۱۴.",
        reporter="@basij.online@forum.example",
        jurisdiction="IR",
        legal_basis="IR-PENAL-514",
    )
    described[leader] = (
        "Cartoon mocking the Leader, reported under Iran's insult law (incompatible); cleared"
    )

    # 7. A dispute: Photogram removed protest photos; it responds; not justified.
    s.at(_d(26, 12))
    dispute = modes.file_dispute(ctx)
    s.at(_d(25))
    modes.platform_responds(s, dispute.case_id)
    s.votes(
        dispute.case_id,
        [
            (_d(24, 20), _no_violation(modes.NOT_JUSTIFIED)),
            (_d(24, 10), _no_violation(modes.NOT_JUSTIFIED_FA)),
            (_d(24, 2), _no_violation("News photos of a peaceful assembly; restore them.")),
        ],
    )
    # The author never replies: the reply window closes by its deadline.
    s.advance(leader, _d(19, 23))
    incompatible = (
        "The only law cited, IR-PENAL-514 (insulting the Supreme Leader), is marked "
        "incompatible with international human-rights law: heads of state are legitimately "
        "subject to criticism and satire (HRC General Comment 34 §38). DEF-1 protects private "
        "persons from false statements of fact; this is political satire of a public official."
    )
    s.votes(
        leader,
        [
            (_d(19, 4), _no_violation(incompatible)),
            (
                _d(18, 22),
                _no_violation(
                    "طنز سیاسی دربارهٔ بالاترین مقام کشور در حمایت مادهٔ ۱۹ میثاق است. قانونی که "
                    "توهین به رهبر را جرم می‌داند با حقوق بشر بین‌المللی سازگار نیست "
                    "(تفسیر عمومی ۳۴، بند ۳۸)."
                ),
            ),
            (_d(18, 6), _no_violation("Satire of a public official; GC34 §38. " + incompatible)),
        ],
    )

    # The protest case's appeal window closes: the ruling becomes final.
    s.advance(protest, _d(13, 23))

    # 5. Harassment of a forum member: reduced distribution, appealed by the author.
    s.at(_d(12))
    harassment = s.report(
        post="9311",
        author="@omid.r@forum.example",
        text=HARASSMENT_POST,
        language="fa",
        category="harassment",
        explanation=(
            "این سومین پست از این دست است. من را در هر بحثی دنبال می‌کنند و پیام‌های توهین‌آمیز "
            "می‌فرستند."
        ),
        reporter="@laleh.m@forum.example",
    )
    described[harassment] = (
        "Call to pile on a forum member: reduced distribution, on appeal by the author"
    )
    s.at(_d(11, 6))
    s.reply(harassment, HARASSMENT_REPLY)
    s.votes(
        harassment,
        [
            (
                _d(10, 20),
                _harassment_ballot(
                    "Criticism of her views is protected; urging everyone to follow a private "
                    "member until she leaves the forum is organised harassment (HAR-2)."
                ),
            ),
            (
                _d(10, 12),
                _no_violation(
                    "Harsh and rude, but one post in a public debate; not sustained abuse."
                ),
            ),
            (
                _d(10, 3),
                _harassment_ballot(
                    "پست دیگران را به هجوم به یک عضو عادی انجمن فرا می‌خواند تا او را بیرون کنند؛ "
                    "این آزار سازمان‌یافته است، نه نقد."
                ),
            ),
        ],
    )

    # 7 (continued): the dispute's appeal window closes; Photogram restored the photos.
    s.advance(dispute.case_id, _d(9, 20))
    s.at(_d(9, 2))
    modes.platform_complies(s, dispute.case_id)

    # 8. An order under Iran's "insulting the Leader" article: refused and published.
    s.at(_d(8))
    refused = modes.refused_order(ctx)

    # 3. A credible threat in English: the author waives; removal; appeal window open.
    s.at(_d(5))
    threat = s.report(
        post="9507",
        author="@grimjack@forum.example",
        text=THREAT_POST,
        language="en",
        category="threat",
        explanation=(
            "This is aimed at me. He knows where I work and when I leave. I am scared to go home."
        ),
        reporter="@d.harlow@forum.example",
    )
    s.at(_d(4, 23))
    s.report(
        post="9507",
        author="@grimjack@forum.example",
        text=THREAT_POST,
        language="en",
        category="threat",
        explanation="Direct threat against a member, with time and place.",
        reporter="@moderator.kim@forum.example",
    )
    described[threat] = "Credible threat against a forum member: removal; appeal window open"
    author_cases.append(threat)
    s.at(_d(4, 21))
    s.reply(threat, None)
    s.votes(
        threat,
        [
            (
                _d(4, 17),
                _removal_ballot(
                    "A specific threat to injure a named person, with place and time (THR-1)."
                ),
            ),
            (
                _d(4, 12),
                _removal_ballot(
                    "The author waived his reply; nothing suggests a joke or hyperbole."
                ),
            ),
            (
                _d(4, 6),
                _removal_ballot("Credible threat; only removal protects the person named."),
            ),
        ],
    )

    # The satire case's appeal window closes: final.
    s.advance(leader, _d(3, 23))

    # 5 (continued): the author appeals to a fresh, larger panel.
    s.at(_d(3, 4))
    s.appeal(harassment, "author", HARASSMENT_APPEAL)

    # 6. Commercial spam: voting, one vote of three cast.
    s.at(_d(3))
    spam = s.report(
        post="9622",
        author="@quickprofit88@forum.example",
        text=SPAM_POST,
        language="en",
        category="spam",
        explanation="The same advert was posted in more than 40 threads today.",
        reporter="@tea.and.books@forum.example",
    )
    described[spam] = "Crypto 'signal group' advert posted in 40 threads; voting, 1 of 3 cast"
    # 9. A German court's order under §130 StGB (compatible): the author is being heard.
    s.at(_d(2, 20))
    heard = modes.heard_order(ctx)
    author_cases.append(heard.case_id)

    s.at(_d(2, 8))
    s.reply(spam, "I am only sharing an opportunity with people who might be interested.")

    s.votes(
        harassment,
        [
            (
                _d(2, 1),
                _harassment_ballot(
                    "The post recruits others against a private member; reduced reach is the "
                    "least that stops the pile-on."
                ),
            ),
            (
                _d(1, 14),
                _no_violation("نقد تند اما در یک بحث عمومی است؛ یک پست به تنهایی آزار مستمر نیست."),
            ),
        ],
    )
    s.votes(
        spam,
        [(_d(1, 2), _spam_ballot("The same paid advert in 40 threads is bulk posting (SPM-1)."))],
    )

    # 2. A private person's home address, filed two hours ago: interim removal.
    s.at(_d(hours=2))
    address = s.report(
        post="9740",
        author="@northbridge_dad@forum.example",
        text=ADDRESS_POST,
        language="en",
        category="privacy",
        explanation="That is my home address. I never shared it and I am afraid to go outside.",
        reporter="@rosa.k@forum.example",
    )
    s.at(_d(hours=1, minutes=35))
    s.report(
        post="9740",
        author="@northbridge_dad@forum.example",
        text=ADDRESS_POST,
        language="en",
        category="privacy",
        explanation="Doxxing of a neighbour, with a call to go to her house.",
        reporter="@tea.and.books@forum.example",
    )
    described[address] = "Post exposing a private person's home address: interim removal"
    author_cases.append(address)

    order = [protest, address, threat, leader, harassment, spam]
    return DemoAccounts(
        platform_id=platform_id,
        platform_token=platform_token,
        admin_token=admin_token,
        jurors=jurors,
        cases=[(c, s.case(c).state.value, described[c]) for c in order],
        author_links=[
            (c, s.token(c, "author")) for c in [*order, heard.case_id] if c in author_cases
        ],
        reporter_links=[(c, s.token(c, "r1")) for c in order],
        disputes=[
            (
                dispute.case_id,
                s.case(dispute.case_id).state.value,
                "Photogram removed protest photos; restriction not justified; it restored them",
            )
        ],
        orders=[
            (
                refused.order_id,
                refused.outcome.value,
                "Tehran prosecutor: a poem 'insulting the Leader' (IR-PENAL-514); refused",
            ),
            (
                heard.order_id,
                heard.outcome.value,
                "Landgericht Neustadt: a call to attack a shelter (§130 StGB); author heard",
            ),
        ],
        appellant_links=[(dispute.case_id, dispute.appellant_token)],
        respondent_links=[(dispute.case_id, s.token(dispute.case_id, "platform"))],
    )
