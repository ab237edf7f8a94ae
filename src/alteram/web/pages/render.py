"""Rendering pages: one Jinja2 environment per language, links, and the response.

Templates autoescape everything; user content goes through the ``user`` and
``user_block`` filters, which also isolate its direction (``dir="auto"``), so
a right-to-left override in a post cannot reorder the page around it.
"""

from __future__ import annotations

import functools
import posixpath
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from alteram.domain.policy_file import iso_duration
from alteram.services.context import Context
from alteram.web.pages import i18n, labels
from alteram.web.pages.i18n import LANGUAGES, direction, translations
from alteram.web.pages.security import csrf_seed, csrf_token, set_csrf_cookie, web_key

LANG_COOKIE = "alteram_lang"

# Live paths of the public pages, and their files in the static mirror.
LIVE = {
    "home": "/",
    "decisions": "/decisions",
    "decision": "/decisions/{case_id}",
    "stats": "/stats",
    "log": "/log",
    "policy": "/policy",
    "orders": "/orders",
    "order": "/orders/{order_id}",
    "order_new": "/orders/new",
}
FILES = {
    "home": "index.html",
    "decisions": "decisions.html",
    "decision": "decisions/{case_id}.html",
    "stats": "stats.html",
    "log": "log.html",
    "policy": "policy.html",
    "orders": "orders.html",
    "order": "orders/{order_id}.html",
}


@dataclass
class Links:
    """Where each page is: server paths, or relative files in the static mirror."""

    lang: str
    current: str = ""
    params: dict[str, str] = field(default_factory=dict)
    static: bool = False
    query: dict[str, str] = field(default_factory=dict)  # live: the request's query
    path: str = "/"  # live: the path of this page (for the language switcher)

    def _file(self, name: str, lang: str, params: dict[str, str]) -> str:
        path = FILES[name].format(**params)
        if name in ("decisions", "orders") and params.get("page", "1") != "1":
            path = f"{name}-{params['page']}.html"
        return ("" if lang == "en" else f"{lang}/") + path

    def _relative(self, target: str) -> str:
        here = posixpath.dirname(self._file(self.current, self.lang, self.params))
        return posixpath.relpath(target, here or ".")

    def page(self, name: str, **params: str) -> str:
        if self.static:
            return self._relative(self._file(name, self.lang, params))
        path = LIVE[name]
        fixed = {k: v for k, v in params.items() if "{" + k + "}" in path}
        rest = {k: v for k, v in params.items() if k not in fixed and v not in ("", None)}
        url = path.format(**fixed)
        return f"{url}?{urlencode(rest)}" if rest else url

    def asset(self, name: str) -> str:
        return self._relative(f"static/{name}") if self.static else f"/static/{name}"

    def switch(self, lang: str) -> str:
        """This page in another language."""
        if self.static:
            return self._relative(self._file(self.current, lang, self.params))
        query = {k: v for k, v in self.query.items() if k != "lang"}
        query["lang"] = lang
        return f"{self.path}?{urlencode(query)}"

    def is_current(self, name: str) -> bool:
        return self.current == name


def _when(lang: str) -> Any:
    def when(value: datetime | None) -> Markup:
        if value is None:
            return Markup("")
        return Markup('<time datetime="%s">%s</time>') % (
            i18n.iso(value),
            i18n.time_text(value, lang),
        )

    return when


def _day(lang: str) -> Any:
    def day(value: datetime | None) -> Markup:
        if value is None:
            return Markup("")
        return Markup('<time datetime="%s">%s</time>') % (
            i18n.to_utc(value).date().isoformat(),
            i18n.day_text(value, lang),
        )

    return day


def user(text: object) -> Markup:
    """Inline user content: escaped, its direction isolated."""
    return Markup('<bdi dir="auto">%s</bdi>') % ("" if text is None else str(text))


def user_block(text: object) -> Markup:
    """A block of user content (line breaks kept by CSS): escaped, direction isolated."""
    return Markup('<div class="user" dir="auto">%s</div>') % ("" if text is None else str(text))


def make_env(lang: str) -> Environment:
    env = Environment(
        loader=PackageLoader("alteram.web", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    t = translations(lang)

    def span(delta: timedelta) -> str:
        days, hours, minutes = i18n.span_parts(delta)
        parts = []
        if days:
            parts.append(t.ngettext("%(num)s day", "%(num)s days", days) % {"num": days})
        if hours:
            parts.append(t.ngettext("%(num)s hour", "%(num)s hours", hours) % {"num": hours})
        if not days:
            parts.append(
                t.ngettext("%(num)s minute", "%(num)s minutes", minutes) % {"num": minutes}
            )
        return i18n.digits(" ".join(parts), lang)

    env.filters.update(
        when=_when(lang),
        day=_day(lang),
        num=lambda n: i18n.number(n, lang),
        digits=lambda s: i18n.digits(str(s), lang),
        month=lambda m: i18n.month_text(m, lang),
        span=span,
        user=user,
        user_block=user_block,
        duration=iso_duration,
    )
    env.globals.update(
        lang=lang,
        dir=direction(lang),
        languages=LANGUAGES,
        language_names=i18n.NAMES,
        labels=labels,
    )
    return env


@functools.cache
def environment(lang: str) -> Environment:
    return make_env(lang)


def render(template: str, lang: str, **values: Any) -> str:
    return environment(lang).get_template(template).render(**values)


# -- live responses ------------------------------------------------------------------------


def get_ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def language(request: Request) -> str:
    return i18n.negotiate(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def page(
    request: Request,
    template: str,
    *,
    current: str = "",
    params: dict[str, str] | None = None,
    path: str | None = None,
    status: int = 200,
    private: bool = False,
    headers: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """Render a page for this request: its language, its CSRF token, its links."""
    ctx = get_ctx(request)
    lang = language(request)
    seed, new_seed = csrf_seed(request)
    links = Links(
        lang=lang,
        current=current,
        params=params or {},
        query=dict(request.query_params) if path is None else {},
        path=request.url.path if path is None else path,
    )
    html = render(
        template,
        lang,
        links=links,
        csrf=csrf_token(web_key(ctx), seed),
        now=ctx.now(),
        base_url=ctx.base_url.rstrip("/"),
        static=False,
        **values,
    )
    response = HTMLResponse(html, status_code=status, headers=headers)
    response.headers["Cache-Control"] = "no-store" if private else "no-cache"
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Content-Language"] = lang
    if new_seed:
        set_csrf_cookie(response, ctx, seed)
    chosen = i18n.supported(request.query_params.get("lang"))
    if chosen and chosen != request.cookies.get(LANG_COOKIE):
        response.set_cookie(
            LANG_COOKIE,
            chosen,
            max_age=365 * 86400,
            path="/",
            httponly=True,
            samesite="lax",
            secure=ctx.base_url.lower().startswith("https://"),
        )
    return response
