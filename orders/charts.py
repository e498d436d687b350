"""Horizontal bar charts as inline SVG, drawn on the server.

No script and no chart library: the customer's office may have no internet, and a page that
refreshes itself (the overdue dashboard) simply gets a new picture with its HTML. Every label and
value goes through `format_html`, so a reason or a manager's name is always escaped.

A chart is rows of `(label, value, value, …)`, one value per series; all bars share one scale
(the largest value is the full bar). With more than one series each row draws its bars one
under the other and a legend names them. The SVG has `role="img"`, the chart's title as its
`aria-label` and the figures in words as its `<desc>`, since a screen reader does not read the
parts of an image.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

Number = int | float | Decimal
Formatter = Callable[[Number], str]

#: The admin's colours: its light header blue (the funnel's bars), its error red and the amber
#: of the «скоро просрочка» badges (orders_office/static/orders_office/admin.css).
BLUE = "#79aec8"
RED = "#ba2121"
AMBER = "#d98b1e"

# Narrow enough to stand beside a dashboard table on a laptop screen.
LABEL_WIDTH = 210
BAR_WIDTH = 320
VALUE_WIDTH = 110
BAR_HEIGHT = 18
ROW_GAP = 8
LEGEND_HEIGHT = 24
FONT_SIZE = 13
#: About what fits in LABEL_WIDTH at FONT_SIZE; longer labels end with «…» and keep the full
#: text as a tooltip.
LABEL_CHARS = 24


@dataclass(frozen=True)
class Series:
    name: str
    colour: str = BLUE


def count(value: Number) -> str:
    """«1 234»: thousands grouped as the language groups them."""
    return number_format(value, force_grouping=True)


def rubles(value: Number) -> str:
    """«1 241 280,50 ₽», with kopecks as in the reports' tables."""
    amount = Decimal(value).quantize(Decimal("0.01"))
    return number_format(amount, decimal_pos=2, force_grouping=True) + "\xa0₽"


def hours(value: Number) -> str:
    """«12 ч», «1,5 ч»: to a tenth of an hour, no «,0»."""
    rounded = round(float(value), 1)
    shown = int(rounded) if rounded.is_integer() else rounded
    return _("%(hours)s h") % {"hours": number_format(shown, force_grouping=True)}


def bar_chart(
    rows: Sequence[Sequence],
    *,
    title: str,
    series: Sequence[Series] = (Series(""),),
    formatter: Formatter = count,
    css_class: str = "",
) -> SafeString:
    """Escaped SVG markup of `rows`, each `(label, value per series…)`, with the value printed
    at the end of each bar. No rows draw a «Нет данных» note; zero values draw no bar but
    their «0». Raises ValueError if a row has not one value per series."""
    for row in rows:
        if len(row) != len(series) + 1:
            raise ValueError(f"{row!r} needs a label and {len(series)} value(s)")
    row_height = BAR_HEIGHT * len(series) + ROW_GAP
    if not rows:
        description = _("No data")
        return _svg(
            title,
            description,
            format_html(
                '<text class="chart-empty" x="0" y="{}" dominant-baseline="middle" '
                'fill="currentColor">{}</text>',
                row_height // 2,
                description,
            ),
            height=row_height,
            css_class=css_class,
        )
    legend_height = LEGEND_HEIGHT if len(series) > 1 else 0
    largest = max(value for row in rows for value in row[1:])
    body = format_html_join(
        "",
        "{}",
        (
            (_row(row, series, formatter, largest, top=legend_height + i * row_height),)
            for i, row in enumerate(rows)
        ),
    )
    return _svg(
        title,
        _describe(rows, series, formatter),
        format_html("{}{}", _legend(series) if legend_height else "", body),
        height=legend_height + row_height * len(rows),
        css_class=css_class,
    )


def _svg(
    title: str, description: str, body: SafeString, *, height: int, css_class: str
) -> SafeString:
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    return format_html(
        '<svg class="{}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{}" '
        'width="{}" height="{}" viewBox="0 0 {} {}" font-size="{}"><desc>{}</desc>{}</svg>',
        " ".join(filter(None, ["chart", css_class])),
        title,
        width,
        height,
        width,
        height,
        FONT_SIZE,
        description,
        body,
    )


def bar_width(value: Number, largest: Number) -> int:
    """The bar of `value` on a scale where `largest` fills BAR_WIDTH; a value above zero gets
    at least one pixel, so it never looks like a zero."""
    if value <= 0 or largest <= 0:
        return 0
    return max(1, round(BAR_WIDTH * float(value) / float(largest)))


def _row(row: Sequence, series: Sequence[Series], formatter: Formatter, largest, *, top: int):
    label, values = str(row[0]), row[1:]
    short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
    middle = top + BAR_HEIGHT * len(series) // 2
    bars = []
    for i, (one, value) in enumerate(zip(series, values, strict=True)):
        width, bar_top = bar_width(value, largest), top + i * BAR_HEIGHT
        # Beside another series a zero says nothing the other bar does not (the tooltip and
        # the <desc> still carry it); alone, «0» is the answer.
        text = formatter(value) if value or len(series) == 1 else ""
        bars.append(
            format_html(
                '<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}">'
                '<title>{}</title></rect><text class="value" x="{}" y="{}" '
                'dominant-baseline="middle" fill="currentColor">{}</text>',
                LABEL_WIDTH,
                bar_top + 1,
                width,
                BAR_HEIGHT - 2,
                one.colour,
                _bar_tooltip(label, one, formatter(value)),
                LABEL_WIDTH + width + 6,
                bar_top + BAR_HEIGHT // 2,
                text,
            )
        )
    # The full label as a tooltip only when it was cut: a browser shows <title> on hover.
    tooltip = format_html("<title>{}</title>", label) if short != label else ""
    return format_html(
        '<g class="chart-row"><text class="label" x="0" y="{}" dominant-baseline="middle" '
        'fill="currentColor">{}{}</text>{}</g>',
        middle,
        tooltip,
        short,
        format_html_join("", "{}", ((bar,) for bar in bars)),
    )


def _bar_tooltip(label: str, series: Series, value: str) -> str:
    if series.name:
        return f"{label} — {series.name}: {value}"
    return f"{label}: {value}"


def _legend(series: Sequence[Series]) -> SafeString:
    keys = []
    x = LABEL_WIDTH
    for one in series:
        keys.append((x, one.colour, x + 18, one.name))
        # Room for the name at about 8 px a character, then a gap.
        x += 18 + 8 * len(one.name) + 24
    return format_html(
        '<g class="legend">{}</g>',
        format_html_join(
            "",
            '<rect class="legend-key" x="{}" y="5" width="12" height="12" fill="{}"></rect>'
            '<text x="{}" y="11" dominant-baseline="middle" fill="currentColor">{}</text>',
            keys,
        ),
    )


def _describe(rows: Sequence[Sequence], series: Sequence[Series], formatter: Formatter) -> str:
    """The figures in words: «Сделка: Новая — Просрочено: 2, Скоро просрочка: 0; …»."""
    lines = []
    for label, *values in rows:
        figures = ", ".join(
            f"{one.name}: {formatter(value)}" if one.name else formatter(value)
            for one, value in zip(series, values, strict=True)
        )
        lines.append(f"{label} — {figures}")
    return "; ".join(lines)
