"""The README is a front page, and every link of it and of docs/ resolves."""

from __future__ import annotations

import re

from conftest import ROOT

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _links(path):
    text = path.read_text(encoding="utf-8")
    return [m.group(1) for m in LINK.finditer(text)]


def test_every_relative_link_resolves():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    checked = 0
    for page in pages:
        for target in _links(page):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            assert (page.parent / target.split("#")[0]).exists(), f"{page.name}: {target}"
            checked += 1
    assert checked >= 10


def test_the_readme_is_a_front_page_linking_every_doc():
    readme = ROOT / "README.md"
    assert len(readme.read_text(encoding="utf-8").splitlines()) < 120
    linked = {t for t in _links(readme) if t.startswith("docs/")}
    assert linked == {f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")}
