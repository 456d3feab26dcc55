"""A local web server over the built site and one headless Chromium for all page checks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"

sys.path.insert(0, str(ROOT / "tools"))
import site_report  # noqa: E402  (the measuring code lives with the report tool)

CHROMIUM_ARGS = site_report.CHROMIUM_ARGS


def colab_link(page: str, path_to_book: str = "") -> str:
    """The Colab launch link of a chapter page; the Korean edition's notebooks are under ko/."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repository = config["repository"]["url"].removeprefix("https://github.com/").rstrip("/")
    branch = config["repository"]["branch"]
    prefix = f"{path_to_book}/" if path_to_book else ""
    return f"{config['launch_buttons']['colab_url']}/github/{repository}/blob/{branch}/{prefix}{page.removesuffix('.html')}.ipynb"


def serve_built(html: Path, served: Path, make_target: str):
    """A local server over ``served`` once the site in ``html`` is built (else the test fails, naming the target)."""
    if not (html / "index.html").is_file():
        pytest.fail(f"no built site at {html.relative_to(ROOT)}: run `make {make_target}` first")
    return site_report.serve(served)


@pytest.fixture(scope="session")
def site_url():
    with serve_built(HTML, HTML, "book") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = site_report.find_chromium()
    if executable is None:
        pytest.fail("no Chromium found: install Debian's `chromium` (see .ci/run) or set LOSSBOOK_CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
