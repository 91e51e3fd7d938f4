"""A generated page opened in a real browser: headless Chromium (Debian's chromium package,
which .ci/run installs when missing), driven by Playwright through its executable path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def check_page(path: Path, min_images: int) -> None:
    """The page renders with every image loaded, no console error, and no request that
    leaves the file. Skips (at the end of the calling test) where Chromium is missing."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium package)")
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True,
                                    args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.resolve().as_uri())
            page.wait_for_load_state("load")
            images = page.evaluate(
                "Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
            text = page.inner_text("body")
        finally:
            browser.close()
    assert len(images) >= min_images, images
    assert all(done and width > 0 for done, width in images), images
    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
    assert text.strip()
