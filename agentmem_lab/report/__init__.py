"""The report's pieces, built from result files only, split by job:

- ``load``: loading a sweep's results and choosing what each section shows;
- ``figures``, ``stores_figures``: matplotlib figures of the runs, and of stores and load;
- ``claims_tables``, ``stores_tables``, ``runs_tables``: pandas tables and notes on the
  seed's claims, on stores, peers and servers, and on the runs themselves;
- ``conversations``: the runs on a dataset of real messages beside the generator's, and a
  trace beside its uniform twin (the other sections show the generator's runs);
- ``glance``, ``verdict_table``: the verdict table, one row per family of claims, and it
  drawn as HTML (the report) and as text (``check``);
- ``synthetic``: what the synthetic workload distorts, each store on real vectors beside
  hash vectors of the same messages and of the template corpus (the scale grid);
- ``headline``: the headline figure, each throughput claim against what was measured;
- ``claims_findings``, ``stores_findings``, ``runs_findings``: one sentence per subject,
  which the answers list and each section opens with (``page.finding_html``);
- ``page``: the page's HTML (the header, the answers first, links, tables);
- ``plotting``: the matplotlib setup that the notebooks and compare use too.

Renderers return figures, DataFrames or strings; report.ipynb displays them and the sweep
exports the executed notebook to HTML. Nothing here prints or writes files.
"""

from __future__ import annotations

from agentmem_lab.report.claims_findings import (
    claims_sentence,
    closed_loop_sentence,
    consistency_sentence,
    contradiction_sentence,
    embedding_sentence,
    stages_sentence,
    sustained_sentence,
)
from agentmem_lab.report.claims_tables import (
    improvement_note,
    improvement_table,
    seed_consistency_table,
    speedup_table,
    stages_table,
    target_table,
)
from agentmem_lab.report.conversations import (
    conversation_runs,
    conversations_sentence,
    conversations_table,
    synthetic_runs,
    trace_table,
    user_reads_table,
)
from agentmem_lab.report.figures import (
    frontier_figure,
    latency_figure,
    machines_figure,
    shards_figure,
    stage_figure,
    throughput_figure,
)
from agentmem_lab.report.glance import VerdictRow, verdict_rows
from agentmem_lab.report.headline import headline_figure, headline_points
from agentmem_lab.report.load import (
    GROWTH_SIZES,
    PEER_BATCHES,
    PEER_CLAIM_OPS_S,
    SIDE_BY_SIDE,
    SweepResults,
    load,
)
from agentmem_lab.report.page import (
    FONT_STACK,
    PAGE_CSS,
    answers_html,
    finding_html,
    header_html,
    notebook_links_html,
    table_html,
)
from agentmem_lab.report.plotting import MODE_COLORS, MODE_ORDER, pyplot
from agentmem_lab.report.runs_findings import (
    latency_sentence,
    shards_sentence,
    throughput_sentence,
    time_sentence,
)
from agentmem_lab.report.runs_tables import (
    environment_table,
    failures_table,
    machines_table,
    offered_table,
    result_row,
    results_table,
    sustained_note,
    sustained_table,
)
from agentmem_lab.report.server_limits import server_limit_sentence, server_limit_table
from agentmem_lab.report.stores_figures import (
    growth_figure,
    server_figure,
    sustained_figure,
    vector_stores_figure,
)
from agentmem_lab.report.stores_findings import (
    fastest_peer_sentence,
    growth_sentence,
    peers_sentence,
    reads_sentence,
    search_sentence,
    server_sentence,
    vector_stores_sentence,
)
from agentmem_lab.report.stores_tables import (
    growth_table,
    index_settings_note,
    index_settings_table,
    peers_note,
    peers_table,
    server_costs_table,
    server_table,
    shards_table,
    vector_stores_table,
)
from agentmem_lab.report.synthetic import synthetic_sentence, synthetic_table
from agentmem_lab.report.verdict_table import glance_html, glance_lines

__all__ = [
    "FONT_STACK",
    "GROWTH_SIZES",
    "MODE_COLORS",
    "MODE_ORDER",
    "PAGE_CSS",
    "PEER_BATCHES",
    "PEER_CLAIM_OPS_S",
    "SIDE_BY_SIDE",
    "SweepResults",
    "VerdictRow",
    "answers_html",
    "claims_sentence",
    "closed_loop_sentence",
    "consistency_sentence",
    "contradiction_sentence",
    "conversation_runs",
    "conversations_sentence",
    "conversations_table",
    "embedding_sentence",
    "environment_table",
    "failures_table",
    "fastest_peer_sentence",
    "finding_html",
    "frontier_figure",
    "glance_html",
    "glance_lines",
    "growth_figure",
    "growth_sentence",
    "growth_table",
    "header_html",
    "headline_figure",
    "headline_points",
    "improvement_note",
    "improvement_table",
    "index_settings_note",
    "index_settings_table",
    "latency_figure",
    "latency_sentence",
    "load",
    "machines_figure",
    "machines_table",
    "notebook_links_html",
    "offered_table",
    "peers_note",
    "peers_sentence",
    "peers_table",
    "pyplot",
    "reads_sentence",
    "result_row",
    "results_table",
    "search_sentence",
    "seed_consistency_table",
    "server_costs_table",
    "server_figure",
    "server_limit_sentence",
    "server_limit_table",
    "server_sentence",
    "server_table",
    "shards_figure",
    "shards_sentence",
    "shards_table",
    "speedup_table",
    "stage_figure",
    "stages_sentence",
    "stages_table",
    "sustained_figure",
    "sustained_note",
    "sustained_sentence",
    "sustained_table",
    "synthetic_runs",
    "synthetic_sentence",
    "synthetic_table",
    "table_html",
    "target_table",
    "throughput_figure",
    "throughput_sentence",
    "time_sentence",
    "trace_table",
    "user_reads_table",
    "vector_stores_figure",
    "vector_stores_sentence",
    "vector_stores_table",
    "verdict_rows",
]
