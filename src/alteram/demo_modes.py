"""The dispute and the legal orders of ``alteram demo``, through the real services.

A user disputes a big platform's removal of her protest photos (in Persian, with
an image); the platform responds, a panel finds the restriction not justified,
the ruling becomes final and the platform answers that it restored the photos.
A prosecutor's order under Iran's "insulting the Leader" article is refused at
once and published; a German court's order under a compatible provision
(incitement to hatred) is in its hearing. :mod:`alteram.demo` calls these steps
at their place in its story, whose clock only moves forward.

All people, places, platforms and posts are fictional.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Protocol

import numpy as np
from PIL import Image

from alteram.domain.dispute import Compliance, PlatformAction
from alteram.domain.remedy import Remedy
from alteram.services import accounts, disputes, orders
from alteram.services.context import Context
from alteram.services.disputes import DisputeContentIn, DisputeRequest
from alteram.services.orders import AuthorityIn, DocumentIn, OrderRequest
from alteram.services.reports import AuthorIn, ContentIn, MediaIn

BIG_PLATFORM = "Photogram"


class Story(Protocol):
    ctx: Context

    def token(self, case_id: str, party_id: str) -> str: ...


@dataclass
class Filed:
    case_id: str
    appellant_token: str


# -- the dispute ---------------------------------------------------------------------------

DISPUTE_TEXT = (
    "عکس‌های تجمع آرام شب گذشته جلوی دانشگاه: دانشجویان با شمع و گل ایستاده‌اند و "
    "شعار «زن، زندگی، آزادی» را روی پارچه نوشته‌اند."
)
DISPUTE_REASON = "Your post violates our Community Guidelines on violence and incitement."
DISPUTE_STATEMENT = (
    "فتوگرام سه عکس من از یک تجمع کاملاً مسالمت‌آمیز را حذف کرد و فقط نوشت که «قوانین "
    "جامعه» را نقض کرده‌ام. در این عکس‌ها هیچ خشونتی نیست: مردم با شمع ایستاده‌اند. "
    "درخواست بازبینی داخلی‌ام بی‌پاسخ ماند. این عکس‌ها گزارش یک رویداد خبری است و حق "
    "دارم آن‌ها را منتشر کنم."
)
PLATFORM_RESPONSE = (
    "Our automated systems flagged the images during a period of unrest, when posts "
    "calling people to gatherings were removed under our violence and incitement policy. "
    "We have no record of a human review of this post."
)
NOT_JUSTIFIED = (
    "The photos show a peaceful gathering with candles; they call no one to violence and "
    "target no group. The platform named no rule beyond its guidelines and no human "
    "reviewed the post. Removing news photos of a peaceful assembly is not necessary for "
    "any legitimate aim (ICCPR Arts. 19 and 21)."
)
NOT_JUSTIFIED_FA = (
    "این عکس‌ها گزارش تجمعی مسالمت‌آمیز است و هیچ دعوتی به خشونت یا دشمنی در آن نیست؛ "
    "حذف آن‌ها ضروری و متناسب نبود و باید بازگردانده شوند."
)
COMPLIANCE_NOTE = "The three photos were restored and the strike on the account was removed."


def protest_photo(seed: int = 1403, size: int = 320) -> bytes:
    """A photo-like JPEG (smooth light, candle-like spots, grain), made on the spot."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    night = np.stack([40 + 60 * y, 30 + 40 * y, 60 + 50 * np.sin(3 * x)], axis=-1)
    for _ in range(30):
        cx, cy = rng.uniform(0.05, 0.95), rng.uniform(0.45, 0.95)
        r = rng.uniform(0.01, 0.04)
        night[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = (255, 200, 90)
    night += rng.normal(0, 6, night.shape)
    out = io.BytesIO()
    Image.fromarray(np.clip(night, 0, 255).astype(np.uint8), "RGB").save(out, "JPEG")
    return out.getvalue()


def register_big_platform(ctx: Context) -> str:
    platform_id, _ = accounts.create_platform(ctx, BIG_PLATFORM)
    return platform_id


def file_dispute(ctx: Context) -> Filed:
    body = DisputeRequest(
        platform=BIG_PLATFORM,
        action=PlatformAction.REMOVED,
        action_at=ctx.now() - timedelta(days=2, hours=3),
        platform_reason=DISPUTE_REASON,
        platform_reference="PG-2026-448812",
        category="incitement",
        content=DisputeContentIn(
            url="https://photogram.example/p/Cx81kQ",
            author="@sahar.n",
            text=DISPUTE_TEXT,
            media=[MediaIn(data=base64.b64encode(protest_photo()).decode())],
        ),
        statement=DISPUTE_STATEMENT,
        jurisdiction="IR",
        contact_email="sahar.n@mail.example",
        language="fa",
    )
    filed = disputes.file_dispute(ctx, body, "192.0.2.40")
    return Filed(filed.case_id, filed.token)


def platform_responds(s: Story, case_id: str) -> None:
    who = accounts.authenticate(s.ctx, s.token(case_id, "platform"))
    disputes.respond(s.ctx, case_id, who, PLATFORM_RESPONSE)


def platform_complies(s: Story, case_id: str) -> None:
    who = accounts.authenticate(s.ctx, s.token(case_id, "platform"))
    disputes.answer(s.ctx, case_id, who, Compliance.IMPLEMENTED, COMPLIANCE_NOTE)


# -- the legal orders ----------------------------------------------------------------------

ORDER_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
POEM_POST = (
    "شعر امروز: «آن که بر تخت نشسته، از خنده‌های ما می‌ترسد؛ هر شب دیوار تازه‌ای می‌سازد "
    "تا صدای ما به او نرسد.» — تقدیم به رهبری که از یک شعر هم می‌ترسد."
)
HATE_POST = (
    "The council is putting 200 more refugees into the Neustadt sports hall. They are "
    "vermin, not people. Saturday night we go there and clean the place out. Bring "
    "whatever you have."
)


def _order(
    ctx: Context,
    token: str,
    *,
    jurisdiction: str,
    provision: str,
    category: str,
    reference: str,
    notes: str,
    persons: list[str],
    post: str,
    author: str,
    text: str,
    language: str,
) -> orders.Submitted:
    body = OrderRequest(
        authority=AuthorityIn(kind="court" if jurisdiction == "DE" else "government"),
        jurisdiction=jurisdiction,
        provision=provision,
        category=category,
        issued_on=ctx.now().astimezone(UTC).date(),
        reference=reference,
        notes=notes,
        private_persons=persons,
        measure=Remedy.REMOVAL,
        platform="forum.example",
        content=ContentIn(
            platform_id=post,
            url=f"https://forum.example/t/{post}",
            author=AuthorIn(handle=author),
            text=text,
            language=language,
        ),
        document=DocumentIn(data=base64.b64encode(ORDER_PDF).decode()),
    )
    return orders.submit(ctx, accounts.authenticate(ctx, token), body)


def refused_order(ctx: Context) -> orders.Submitted:
    """Tehran's prosecutor orders a poem removed for "insulting the Leader"."""
    _, token = accounts.create_authority(ctx, "Tehran Prosecutor's Office", "IR")
    return _order(
        ctx,
        token,
        jurisdiction="IR",
        provision="IR-PENAL-514",
        category="defamation",
        reference="Case 1405/2291, complaint of Hamid Rezaei",
        notes="دستور حذف فوری به دلیل توهین به مقام معظم رهبری.",
        persons=["Hamid Rezaei"],
        post="9188",
        author="@shaer.azad@forum.example",
        text=POEM_POST,
        language="fa",
    )


def heard_order(ctx: Context) -> orders.Submitted:
    """A German court orders a call to attack a refugee shelter removed (§130 StGB)."""
    _, token = accounts.create_authority(ctx, "Landgericht Neustadt", "DE")
    return _order(
        ctx,
        token,
        jurisdiction="DE",
        provision="DE-STGB-130",
        category="incitement",
        reference="LG Neustadt 4 O 118/26, application of Jana Vogel",
        notes="The post calls readers to attack the refugee shelter in Neustadt.",
        persons=["Jana Vogel"],
        post="9655",
        author="@volkswut@forum.example",
        text=HATE_POST,
        language="en",
    )
