"""Each section's finding: one sentence from this run's figures, escaped."""

from __future__ import annotations

from agentmem_lab import claims
from agentmem_lab import report as findings
from helpers import known_result


def test_sentences_follow_the_figures():
    fast = [known_result(mode="sequential", batch_size=1, throughput=500.0), known_result()]
    text = findings.throughput_sentence(fast)
    assert text is not None and "bulk-b1000-c1-hash wrote fastest at 1,000 ops/s, 2.0x" in text
    assert findings.throughput_sentence([]) is None
    goal = findings.closed_loop_sentence(claims.load(), [known_result(throughput=12_000.0)])
    assert goal is not None and "met: 12,000 ops/s" in goal
    missed = findings.closed_loop_sentence(claims.load(), [known_result(throughput=9_000.0)])
    assert missed is not None and "missed: 9,000 ops/s" in missed
    assert "1 of the seed's" in (findings.consistency_sentence(claims.load()) or "")
    stages = {"embed": {"minilm": {"100": {"speedup": 1.5}}}, "writes": {"speedup": 0.9}}
    assert "x1.50 single embeds (minilm)" in (findings.stages_sentence(stages) or "")
    assert findings.stages_sentence(None) is None


def test_a_finding_is_one_escaped_paragraph():
    assert findings.finding_html(None) == ""
    assert findings.finding_html("a <b> & c") == (
        '<p class="am-finding"><b>Finding:</b> a &lt;b&gt; &amp; c</p>'
    )
