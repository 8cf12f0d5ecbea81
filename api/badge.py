"""The employer badge for careers pages: a small shields-style SVG, "HeardBack | 72 Responsive".

Self-contained on purpose: no script, no style sheet, no font or image from elsewhere, no link
(an <img> can't follow one anyway), and every piece of text escaped. A <title> and aria-label
give it a text alternative.
"""

from __future__ import annotations

from markupsafe import escape

from scoring.engine import Band, Verdict

LABEL = "HeardBack"
HEIGHT = 20
FONT_SIZE = 11
# Width of an average character at FONT_SIZE in Verdana/DejaVu Sans, and the padding either side:
# an estimate (the SVG can't measure text), generous so wide letters still fit.
CHAR_WIDTH = 7.0
PADDING = 6
LABEL_COLOUR = "#454545"
# White text on each of these has a contrast ratio of at least 4.5 (WCAG 2.1 AA).
BAND_COLOURS = {
    Band.responsive: "#2a7030",
    Band.mixed: "#80620b",
    Band.often_silent: "#a3470d",
    Band.ghosts: "#b0221c",
}
NOT_SHOWN_COLOUR = "#5c5c5c"
NOT_SHOWN_TEXT = "not enough reviews"


def message(verdict: Verdict) -> str:
    if not verdict.shown:
        return NOT_SHOWN_TEXT
    if verdict.band is None:
        return f"{verdict.score}% hear back"
    return f"{verdict.score}% hear back · {verdict.band.value}"


def description(employer_name: str, verdict: Verdict) -> str:
    if not verdict.shown:
        return f"HeardBack: not enough reviews of {employer_name} yet to show an estimate"
    if verdict.band is None:
        return (
            f"HeardBack: an estimated {verdict.score}% of candidates hear back from {employer_name}"
        )
    return (
        f"HeardBack: an estimated {verdict.score}% of candidates hear back from "
        f"{employer_name}, {verdict.band.value}"
    )


def _width(text: str) -> int:
    return round(len(text) * CHAR_WIDTH) + 2 * PADDING


def svg(employer_name: str, verdict: Verdict) -> str:
    value = message(verdict)
    colour = BAND_COLOURS.get(verdict.band, NOT_SHOWN_COLOUR) if verdict.shown else NOT_SHOWN_COLOUR
    left, right = _width(LABEL), _width(value)
    total = left + right
    text = escape(description(employer_name, verdict))
    baseline = HEIGHT - 6
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{HEIGHT}" '
        f'viewBox="0 0 {total} {HEIGHT}" role="img" aria-label="{text}">'
        f"<title>{text}</title>"
        f'<rect width="{left}" height="{HEIGHT}" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{left}" width="{right}" height="{HEIGHT}" fill="{colour}"/>'
        f'<g fill="#ffffff" font-family="Verdana,DejaVu Sans,sans-serif" '
        f'font-size="{FONT_SIZE}" text-anchor="middle">'
        f'<text x="{left / 2:g}" y="{baseline}">{escape(LABEL)}</text>'
        f'<text x="{left + right / 2:g}" y="{baseline}">{escape(value)}</text>'
        "</g></svg>\n"
    )
