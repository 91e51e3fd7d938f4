"""The report page's HTML pieces: the header, the answers first, links and tables."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from agentmem_lab import claims
from agentmem_lab.report import claims_findings as cf
from agentmem_lab.report import conversations, glance, headline, runs_findings, verdict_table
from agentmem_lab.report import stores_findings as sf
from agentmem_lab.report.load import SweepResults
from agentmem_lab.schema.result import Result, baseline

#: Tables scroll inside their section instead of running off the page; every figure scales
#: to the page width.
#: The page's fonts, with CJK fallbacks named: the report quotes the seed's own lines, in
#: Chinese, and a stack without them leaves the choice (and empty boxes) to the browser.
FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", '
    '"Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif'
)

PAGE_CSS = (
    """<style>
body, .jp-RenderedHTMLCommon, table.am-table { font-family: """
    + FONT_STACK
    + """; }
.jp-RenderedHTMLCommon table.am-table, table.am-table { display: block; max-width: 100%;
  overflow-x: auto; font-size: 12px; border-collapse: collapse; }
table.am-table td, table.am-table th { white-space: normal; padding: 2px 6px; max-width: 22em;
  vertical-align: top; overflow-wrap: break-word; }
table.am-table th { max-width: 9em; }
.am-finding { font-size: 15px; border-left: 3px solid #1a7f37; padding-left: 8px; }
.am-headline svg { max-width: 100%; height: auto; }
table.am-glance { border-collapse: collapse; font-size: 13px; width: 100%; max-width: 100%; }
.jp-RenderedHTMLCommon table.am-glance td, .jp-RenderedHTMLCommon table.am-glance th,
table.am-glance td, table.am-glance th { padding: 4px 6px; vertical-align: top;
  border-bottom: 1px solid #ddd; text-align: left; overflow-wrap: anywhere; }
table.am-glance th:nth-child(1) { width: 15%; } table.am-glance th:nth-child(2) { width: 10%; }
table.am-glance th:nth-child(3) { width: 21%; } table.am-glance th:nth-child(7) { width: 6%; }
table.am-glance tbody tr:nth-child(odd) { background: #fafbfd; }
table.am-glance a { color: inherit; } table.am-glance .am-na { color: #777; }
.am-verdict { display: inline-block; padding: 0 5px; border-radius: 3px; white-space: nowrap;
  font-size: 12px; }
@media (max-width: 700px) { table.am-glance .am-wide { display: none; } }
.jp-RenderedImage img, .jp-OutputArea-output img { max-width: 100%; height: auto; }
.am-answers { border-left: 4px solid #1f77b4; padding: 4px 12px; background: #f5f8fc; }
</style>"""
)


def finding_html(text: str | None) -> str:
    """A section's finding as its first paragraph (escaped); nothing when there is none."""
    if not text:
        return ""
    return f'<p class="am-finding"><b>Finding:</b> {html.escape(text)}</p>'


def header_html(sweep: SweepResults) -> str:
    """What the report shows and where it comes from, escaped."""
    from datetime import datetime

    configs = len(sweep.results)
    source = (
        "a small sample measured just now (no sweep folder was given and reports/latest "
        "does not exist): run `make report` for the full sweep"
        if sweep.sample
        else f"the results in {sweep.directory}"
    )
    failed = len(sweep.failures) + len(sweep.bad_files)
    status = (
        f'<p style="color:#b00"><b>{failed} configuration(s) failed</b>: see the '
        "section Failed configurations below.</p>"
        if failed
        else "<p>Every configuration completed.</p>"
    )
    return (
        f"<p>Report generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from "
        f"{html.escape(source)}: {configs} configuration(s).</p>{status}"
        f"{PAGE_CSS}<p>Every figure below is <b>measured</b> by agentmem-lab in the runs "
        f"shown. The "
        'seed\'s figures are <b>predictions</b> ("theoretical performance analysis") and are '
        "labelled so. The <i>simulated</i> profile measures the seed's own latency model "
        "(sleeps of its assumed latencies); the <i>real</i> profile measures real stores.</p>"
    )


def answers_html(
    catalogue: claims.Catalogue,
    results: Sequence[Result],
    stages: dict[str, Any] | None = None,
    capacities: Sequence[dict[str, Any]] = (),
) -> str:
    """The answers first: the verdict table (one row per claim family), the headline figure
    (claimed against measured), then one sentence per subject for those who read on; every
    figure from this run (escaped)."""
    rows = glance.verdict_rows(catalogue, results, stages, capacities)
    everything, results = results, conversations.synthetic_runs(results)
    figure = headline.headline_figure(headline.headline_points(catalogue, results, capacities))
    base = [r for r in baseline(results) if r.profile == "real"]
    sentences = [
        cf.sustained_sentence(catalogue, results, capacities) if (capacities or base) else None,
        cf.closed_loop_sentence(catalogue, results),
        cf.contradiction_sentence(catalogue, results, stages, capacities),
        cf.embedding_sentence(stages),
        sf.vector_stores_sentence(results),
        sf.server_sentence(results, stages),
        sf.reads_sentence(results),
        sf.growth_sentence(results),
        sf.peers_sentence(results),
        runs_findings.shards_sentence(results),
        conversations.conversations_sentence(everything)
        if conversations.conversation_runs(everything)
        else None,
    ]
    out = [t for t in sentences if t]
    return (
        '<div class="am-answers"><h2 id="am-answers">The answers</h2>'
        "<p>Each row is a family of the seed's claims; its verdict comes from this run's "
        "measurements, and each cell links to the section with the evidence.</p>"
        + verdict_table.glance_html(rows)
        + '<div class="am-headline">'
        + figure.text
        + "</div><h3>In sentences</h3><ul>"
        + "".join(f"<li>{html.escape(t)}</li>" for t in out)
        + "</ul></div>"
    )


def notebook_links_html(sweep: SweepResults) -> str:
    """Links to each configuration's executed notebook (HTML export), relative to index.html."""
    items = []
    for p in sorted(sweep.directory.glob("configs/*/benchmark.html")):
        rel = p.relative_to(sweep.directory).as_posix()
        items.append(
            f'<li><a href="{html.escape(rel, quote=True)}">{html.escape(p.parent.name)}</a></li>'
        )
    if not items:
        return "<p>No executed configuration notebooks found.</p>"
    return "<ul>" + "".join(items) + "</ul>"


def table_html(df: Any) -> str:
    """A DataFrame as an HTML table, every cell escaped."""
    out: str = df.to_html(index=False, escape=True, na_rep="", border=0, classes="am-table")
    return out
