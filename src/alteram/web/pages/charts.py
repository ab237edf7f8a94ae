"""Charts of the statistics as inline SVG, drawn on the server (no script, no library).

Each chart is a bar chart over the statistics' months (calendar months in
UTC), stacked or grouped by series. Colours come from classes in the
stylesheet (``s0`` … ``s7``); every chart also has a data table beside it, so
nothing is told by colour or by the picture alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from alteram.web.pages.i18n import N_, month_text, number

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 36
MAX_MONTHS = 24
MAX_SERIES = 8


@dataclass(frozen=True)
class Series:
    key: str
    label: str  # a message id (translated in the template) or a policy title
    translate: bool
    values: list[float]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str  # a message id
    unit: str  # a message id
    months: list[str]
    series: list[Series]
    stacked: bool
    svg: Markup


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 < value:
        step *= 10
    for m in (1, 2, 5, 10):
        if m * step >= value:
            return m * step
    return value


def draw(
    chart_id: str, months: list[str], series: list[Series], stacked: bool, lang: str
) -> Markup:
    """The SVG of a bar chart; ``role="img"``, labelled by the chart's caption."""
    n = max(len(months), 1)
    totals = [
        sum(s.values[i] for s in series)
        if stacked
        else max((s.values[i] for s in series), default=0)
        for i in range(len(months))
    ]
    top = _nice_max(max(totals, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / n
    bar_w = slot * 0.7
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-caption" direction="ltr" '
        f'preserveAspectRatio="xMidYMid meet">'
    ]
    for frac in (0, 0.5, 1):
        y = TOP + plot_h * (1 - frac)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(number(top * frac, lang))}</text>"
        )
    for i, month in enumerate(months):
        x0 = LEFT + slot * i + (slot - bar_w) / 2
        base = float(TOP + plot_h)
        width = bar_w if stacked else bar_w / max(len(series), 1)
        for k, s in enumerate(series):
            value = s.values[i]
            h = plot_h * value / top
            x = x0 if stacked else x0 + width * k
            y = base - h if stacked else TOP + plot_h - h
            if value > 0:
                parts.append(
                    f'<rect class="s{k % MAX_SERIES}" x="{x:.1f}" y="{y:.1f}" '
                    f'width="{max(width - 1, 1):.1f}" height="{h:.1f}"/>'
                )
            if stacked:
                base -= h
        if n <= 12 or i % 2 == 0:
            parts.append(
                f'<text class="axis" x="{LEFT + slot * i + slot / 2:.1f}" y="{HEIGHT - 14}" '
                f'text-anchor="middle">{escape(month_text(month, lang))}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - numbers, and text passed through escape()


def _months(figures: dict[str, Any]) -> list[str]:
    return list(figures["months"])[-MAX_MONTHS:]


def all_charts(figures: dict[str, Any], lang: str) -> list[Chart]:
    """The statistics page's charts, from :func:`alteram.services.stats.compute`."""
    months = _months(figures)
    per = [figures["months"][m] for m in months]
    charts: list[Chart] = []

    def add(
        chart_id: str, title: str, unit: str, series: list[Series], stacked: bool = True
    ) -> None:
        charts.append(
            Chart(
                id=chart_id,
                title=title,
                unit=unit,
                months=months,
                series=series,
                stacked=stacked,
                svg=draw(chart_id, months, series, stacked, lang),
            )
        )

    outcomes = [
        Series(
            o,
            label,
            True,
            [float(p["decisions"]["by_outcome"][o]) for p in per],
        )
        for o, label in (("violation", N_("Violation found")), ("no_violation", N_("No violation")))
    ]
    add("decisions", N_("Decisions per month, by outcome"), N_("decisions"), outcomes)

    categories = sorted({c for p in per for c in p["cases_opened"]["by_category"]})
    opened = [
        Series(c, c, False, [float(p["cases_opened"]["by_category"].get(c, 0)) for p in per])
        for c in categories[:MAX_SERIES]
    ]
    add("opened", N_("Cases opened per month, by category"), N_("cases"), opened)

    hours = [
        Series(
            "median",
            N_("Median hours to the first ruling"),
            True,
            [float(p["time_to_first_ruling"]["median_hours"] or 0) for p in per],
        )
    ]
    add("time", N_("Time from the first report to the first ruling"), N_("hours"), hours)

    appeals = [
        Series(
            "appealed",
            N_("First rulings appealed"),
            True,
            [float(p["appeals"]["appealed"]) for p in per],
        ),
        Series(
            "appeal_rulings",
            N_("Appeal rulings"),
            True,
            [float(p["appeals"]["appeal_rulings"]) for p in per],
        ),
        Series(
            "reversed",
            N_("Reversed on appeal"),
            True,
            [float(p["appeals"]["reversed"]) for p in per],
        ),
    ]
    add("appeals", N_("Appeals and reversals per month"), N_("rulings"), appeals, stacked=False)

    campaign_key = (
        next(k for k in per[0]["reports_per_case"] if k.startswith("over_")) if per else "over_10"
    )
    flagged = [
        Series(
            "flagged",
            N_("Cases with more than 10 reports"),
            True,
            [float(p["reports_per_case"].get(campaign_key, 0)) for p in per],
        )
    ]
    add("campaigns", N_("Mass-reported cases per month"), N_("cases"), flagged)
    return charts
