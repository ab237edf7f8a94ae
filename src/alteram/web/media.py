"""The case's images for the people of the case: the content's media and the evidence
sent with the author's reply, re-encoded without metadata. One access rule for the API
(``GET /api/v1/cases/{id}/media/{sha256}``) and the pages (the parties' and jurors')."""

from __future__ import annotations

from fastapi.responses import Response

from alteram.domain.case import Case
from alteram.errors import Forbidden, NotFound
from alteram.services.accounts import Principal
from alteram.services.context import Context
from alteram.storage.evidence import sanitized_media
from alteram.web.views import viewer_role


def may_see_media(case: Case, who: Principal | None) -> None:
    """Raise unless ``who`` may see the case's evidence: the filing platform, a party,
    or a juror of one of its panels. The public and administrators may not."""
    if viewer_role(case, who) in ("public", "admin"):
        raise Forbidden("evidence is shown to the filing platform, the parties and the jurors")


def image_response(ctx: Context, case: Case, who: Principal | None, sha256: str) -> Response:
    may_see_media(case, who)
    if sha256 not in case.media():
        raise NotFound(f"case {case.id} has no media {sha256!r}", field="sha256")
    with ctx.store.read() as tx:
        found = sanitized_media(tx.conn, sha256)
    if found is None:
        raise NotFound(f"media {sha256!r} is not stored", field="sha256")
    return Response(
        found[0],
        media_type="image/jpeg",
        headers={"Cache-Control": "private, no-store", "Content-Disposition": "inline"},
    )
