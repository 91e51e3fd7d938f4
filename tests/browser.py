"""A generated page opened in a real browser: headless Chromium (Debian's chromium package,
which .ci/run installs when missing), driven by Playwright through its executable path."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


#: Two characters of a seed quote: drawn in the element's own font, a CJK font gives them
#: different shapes; without one, both are the same empty box.
_GLYPHS_DIFFER = """(args) => {
  const [needle, a, b] = args;
  const el = Array.from(document.querySelectorAll('td, th, p, li, span'))
    .find(e => e.textContent.includes(needle));
  if (!el) return null;
  const font = getComputedStyle(el).font;
  const draw = (ch) => {
    const c = document.createElement('canvas'); c.width = 64; c.height = 64;
    const g = c.getContext('2d'); g.font = font.replace(/\\d+(\\.\\d+)?px/, '40px');
    g.fillStyle = '#000'; g.fillText(ch, 4, 48);
    return Array.from(g.getImageData(0, 0, 64, 64).data).join(',');
  };
  return {width: el.getBoundingClientRect().width, font: getComputedStyle(el).fontFamily,
          differ: draw(a) !== draw(b), inked: draw(a) !== draw(' ')};
}"""


def has_cjk_font() -> bool:
    """A CJK font is installed (fontconfig; Debian's fonts-noto-cjk, which .ci/run installs)."""
    try:
        out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True)
    except OSError:
        return False
    return bool(out.stdout.strip())


def check_page(path: Path, min_images: int, cjk: str | None = None) -> None:
    """The page renders with every image loaded, no console error, and no request that
    leaves the file. ``cjk``: a quoted text the page holds, which must render in real
    glyphs (two of its characters drawn differently) and take up width. Skips (at the end
    of the calling test) where Chromium is missing; a missing CJK font skips the glyph check
    here and fails it in CI, where .ci/run installs one."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.resolve().as_uri())
            page.wait_for_load_state("load")
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.complete, i.naturalWidth])"
            )
            text = page.inner_text("body")
            glyphs = None
            if cjk is not None and (has_cjk_font() or os.environ.get("CI")):
                glyphs = page.evaluate(_GLYPHS_DIFFER, [cjk, cjk[0], cjk[1]])
        finally:
            browser.close()
    assert len(images) >= min_images, images
    assert all(done and width > 0 for done, width in images), images
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert text.strip()
    if cjk is not None:
        if glyphs is None and not has_cjk_font() and not os.environ.get("CI"):
            pytest.skip("no CJK font installed (Debian's fonts-noto-cjk); the rest was checked")
        assert glyphs is not None, f"no element holds {cjk!r}"
        assert glyphs["width"] > 0 and glyphs["inked"], glyphs
        assert glyphs["differ"], f"{cjk[:2]!r} render as the same box: {glyphs}"


#: Whether elements are in view without scrolling sideways: inside the viewport's width and
#: inside every box around them that clips (a table that scrolls within its section).
_IN_VIEW = """(width) => {
  const inView = (el) => {
    const r = el.getBoundingClientRect();
    if (!(r.width > 0) || r.left < -0.5 || r.right > window.innerWidth + 0.5) return false;
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX === 'visible') continue;
      const b = p.getBoundingClientRect();
      if (r.left < b.left - 0.5 || r.right > b.right + 0.5) return false;
    }
    return true;
  };
  const cells = (table, pick) => {
    const heads = Array.from(table.querySelectorAll('thead th')).map(th => th.textContent.trim());
    const cols = heads.map((h, i) => [h, i]).filter(([h]) => pick(h)).map(([, i]) => i + 1);
    return cols.flatMap(i => Array.from(table.querySelectorAll(`tbody td:nth-child(${i})`)));
  };
  const glance = document.querySelector('table.am-glance');
  const anchor = document.getElementById('am-claims');
  const claims = Array.from(document.querySelectorAll('table.am-table')).find(
    t => anchor.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);
  const check = (els) => ({
    n: els.length, out: els.filter(e => !inView(e)).map(e => e.textContent.slice(0, 40))});
  return {
    pageScrolls: document.documentElement.scrollWidth > window.innerWidth + 1,
    verdicts: check(cells(glance, h => h === 'verdict')),
    measured: check(width > 700 ? cells(glance, h => h.startsWith('measured')) : []),
    claims: check(width > 700 ? cells(claims, h => h.startsWith('measured ')) : []),
  };
}"""


def check_in_view(path: Path, width: int) -> dict[str, object]:
    """At ``width`` px: the verdict table's verdicts in view; above 700 px also its measured
    cells and every measured (verdict) cell of the claims table; the page never scrolls
    sideways. Skips where Chromium is missing."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.goto(path.resolve().as_uri())
            page.wait_for_load_state("load")
            found: dict[str, object] = page.evaluate(_IN_VIEW, width)
        finally:
            browser.close()
    assert found["pageScrolls"] is False, found
    for key in ("verdicts", "measured", "claims"):
        part = found[key]
        assert isinstance(part, dict) and part["out"] == [], (width, key, part)
    return found
