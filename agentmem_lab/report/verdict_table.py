"""The verdict table drawn: as HTML for the report (a coloured badge per verdict, every cell
a link to its evidence) and as text lines for ``agentmem-lab check``, from ``VerdictRow``s
(``glance``)."""

from __future__ import annotations

import html
from collections.abc import Sequence

from agentmem_lab.report.glance import (
    CONTRADICTS,
    MET,
    MISSED,
    MISSING,
    NOT_APPLICABLE,
    NOT_MEASURED,
    PARTLY,
    PREDICTION,
    Cell,
    VerdictRow,
)

#: Each verdict word with a sign that reads without colour, its background and its text
#: colour: dark, light and outlined cells stay apart in greyscale too.
VERDICT_STYLE = {
    MET: ("✓", "#1a7f37", "#ffffff"),
    MISSED: ("✗", "#ffd7d5", "#82071e"),
    PARTLY: ("◐", "#fff1b8", "#5c4400"),
    CONTRADICTS: ("≠", "#4b1d6b", "#ffffff"),
    PREDICTION: ("◇", "#ffffff", "#333333"),
    NOT_MEASURED: ("–", "#eeeeee", "#555555"),
    MISSING: ("∅", "#eeeeee", "#555555"),
    NOT_APPLICABLE: ("", "#ffffff", "#777777"),
}


def verdict_badge(word: str) -> str:
    """A verdict word as a coloured badge, its sign before it (escaped)."""
    sign, background, colour = VERDICT_STYLE[word]
    border = "1px dashed #555" if word == PREDICTION else "1px solid #bbb"
    return (
        f'<span class="am-verdict" style="background:{background};color:{colour};'
        f'border:{border}">{html.escape((sign + " " + word).strip())}</span>'
    )


def _cell_html(c: Cell, section: str) -> str:
    detail = f"<br><small>{html.escape(c.detail)}</small>" if c.detail else ""
    if c.verdict == NOT_APPLICABLE:
        return f'<td class="am-wide am-na">{html.escape(c.text)}{detail}</td>'
    if c.verdict in (NOT_MEASURED, MISSING):
        return f'<td class="am-wide">{verdict_badge(c.verdict)}{detail}</td>'
    ratio = "" if c.ratio is None else f" ({c.ratio:.2f}x the claim)"
    return (
        f'<td class="am-wide"><a href="#{section}">{html.escape(c.text + ratio)}</a> '
        f"{verdict_badge(c.verdict)}{detail}</td>"
    )


def glance_html(rows: Sequence[VerdictRow]) -> str:
    """The verdict table as HTML (escaped): family and verdict first, so that the verdict
    stays in view on a phone; the seed's words and the three measured cells after."""
    head = (
        "<tr><th>claim family</th><th>verdict</th><th class=am-wide>what the seed says</th>"
        "<th class=am-wide>measured, real model (MiniLM)</th>"
        "<th class=am-wide>measured, no model (hash)</th>"
        "<th class=am-wide>measured, the seed's own design (its modes, hash)</th>"
        "<th>best ÷ claim</th></tr>"
    )
    body = []
    for r in rows:
        cells = "".join(_cell_html(c, r.section) for c in r.cells)
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}x"
        body.append(
            f'<tr id="am-row-{html.escape(r.family)}"><td><a href="#{r.section}">'
            f"{html.escape(r.title)}</a></td><td>{verdict_badge(r.verdict)}</td>"
            f"<td class=am-wide>{html.escape(r.seed_says)}</td>{cells}<td>{ratio}</td></tr>"
        )
    return (
        '<table class="am-glance"><thead>'
        + head
        + "</thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
    )


def glance_lines(rows: Sequence[VerdictRow]) -> list[str]:
    """The verdict table as text lines, as ``agentmem-lab check`` prints it."""

    def cell(c: Cell) -> str:
        if c.verdict == NOT_APPLICABLE:
            return "-"
        return f"{c.text} {c.verdict}" if c.verdict not in (NOT_MEASURED, MISSING) else c.text

    table: list[tuple[str, ...]] = [
        ("claim family", "verdict", "real model", "hash", "seed design", "best/claim")
    ]
    for r in rows:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}x"
        table.append((r.title, r.verdict, *(cell(c) for c in r.cells), ratio))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = []
    for i, row in enumerate(table):
        lines.append(
            "  ".join(
                f"{v:>{w}}" if k == len(row) - 1 else f"{v:<{w}}"
                for k, (v, w) in enumerate(zip(row, widths))
            ).rstrip()
        )
        if i:
            lines.append(f"    the seed says: {rows[i - 1].seed_says}")
    return lines


__all__ = ["VERDICT_STYLE", "glance_html", "glance_lines", "verdict_badge"]
