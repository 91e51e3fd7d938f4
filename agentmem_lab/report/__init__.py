"""The report's pieces, built from result files only, split by job:

- ``load``: loading a sweep's results and choosing what each section shows;
- ``figures``, ``stores_figures``: matplotlib figures of the runs, and of stores and load;
- ``claims_tables``, ``stores_tables``, ``runs_tables``: pandas tables and notes on the
  seed's claims, on stores, peers and servers, and on the runs themselves;
- ``page``: the page's HTML (the header, the answers first, links, tables);
- ``plotting``: the matplotlib setup that the notebooks and compare use too.

Renderers return figures, DataFrames or strings; report.ipynb displays them and the sweep
exports the executed notebook to HTML. Nothing here prints or writes files.
"""

from __future__ import annotations

from agentmem_lab.report.claims_tables import (
    improvement_note,
    improvement_table,
    seed_consistency_table,
    speedup_table,
    stages_table,
    target_table,
)
from agentmem_lab.report.figures import (
    frontier_figure,
    latency_figure,
    machines_figure,
    shards_figure,
    stage_figure,
    throughput_figure,
)
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
    claims_sentence,
    growth_sentence,
    header_html,
    notebook_links_html,
    server_sentence,
    table_html,
)
from agentmem_lab.report.plotting import MODE_COLORS, MODE_ORDER, pyplot
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
from agentmem_lab.report.stores_figures import (
    growth_figure,
    server_figure,
    sustained_figure,
    vector_stores_figure,
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
    "answers_html",
    "claims_sentence",
    "environment_table",
    "failures_table",
    "frontier_figure",
    "growth_figure",
    "growth_sentence",
    "growth_table",
    "header_html",
    "improvement_note",
    "improvement_table",
    "index_settings_note",
    "index_settings_table",
    "latency_figure",
    "load",
    "machines_figure",
    "machines_table",
    "notebook_links_html",
    "offered_table",
    "peers_note",
    "peers_table",
    "pyplot",
    "result_row",
    "results_table",
    "seed_consistency_table",
    "server_costs_table",
    "server_figure",
    "server_sentence",
    "server_table",
    "shards_figure",
    "shards_table",
    "speedup_table",
    "stage_figure",
    "stages_table",
    "sustained_figure",
    "sustained_note",
    "sustained_table",
    "table_html",
    "target_table",
    "throughput_figure",
    "vector_stores_figure",
    "vector_stores_table",
]
