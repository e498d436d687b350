"""The funnel as an inline SVG bar chart, drawn on the server (no scripts, no CDN): one
horizontal bar per step, its width proportional to the step's count."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from .funnel import Step

LABEL_WIDTH = 200
BAR_WIDTH = 400
ROW_HEIGHT = 28
BAR_HEIGHT = 20


def funnel_svg(steps: list[Step]) -> SafeString:
    """Escaped SVG markup of `steps`; an empty funnel draws zero-width bars."""
    largest = max((step.count for step in steps), default=0)
    rows = format_html_join(
        "",
        '<g class="funnel-bar">'
        '<text x="0" y="{}" dominant-baseline="middle">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#79aec8"></rect>'
        '<text x="{}" y="{}" dominant-baseline="middle">{}</text>'
        "</g>",
        (_bar(index, step, largest) for index, step in enumerate(steps)),
    )
    height = ROW_HEIGHT * len(steps)
    width = LABEL_WIDTH + BAR_WIDTH + 60
    return format_html(
        '<svg class="funnel-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        'width="{}" height="{}" viewBox="0 0 {} {}">{}</svg>',
        width,
        height,
        width,
        height,
        rows,
    )


def _bar(index: int, step: Step, largest: int) -> tuple:
    top = index * ROW_HEIGHT
    middle = top + ROW_HEIGHT // 2
    width = round(BAR_WIDTH * step.count / largest) if largest else 0
    return (
        middle,
        step.label,
        LABEL_WIDTH,
        top + (ROW_HEIGHT - BAR_HEIGHT) // 2,
        width,
        BAR_HEIGHT,
        LABEL_WIDTH + width + 6,
        middle,
        step.count,
    )
