"""Open every built page in headless Chromium, as an offline reader would."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import HTML, ROOT, SCREENSHOTS

PAGES = sorted(
    path.relative_to(HTML).as_posix()
    for path in HTML.rglob("*.html")
    if not path.relative_to(HTML).parts[0].startswith("_")
)
NOTEBOOKS = {path.stem for path in (ROOT / "notebooks").glob("*.ipynb")}


def colab_link(page: str) -> str:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repository = config["repository"]["url"].removeprefix("https://github.com/").rstrip("/")
    branch = config["repository"]["branch"]
    return f"{config['launch_buttons']['colab_url']}/github/{repository}/blob/{branch}/{page.removesuffix('.html')}.ipynb"


def test_every_chapter_was_built():
    assert PAGES, "the site has no pages"
    built = {Path(page).stem for page in PAGES if page.startswith("notebooks/")}
    assert built == NOTEBOOKS


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_offline_with_math_figures_and_launch_links(browser, site_url, page):
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    requested: list[str] = []
    tab.on("console", lambda message: message.type == "error" and problems.append(f"console: {message.text}"))
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on("requestfailed", lambda request: problems.append(f"failed request: {request.url} ({request.failure})"))
    tab.on("response", lambda response: response.status >= 400 and problems.append(f"HTTP {response.status}: {response.url}"))
    tab.on("request", lambda request: requested.append(request.url))

    tab.goto(f"{site_url}/{page}", wait_until="networkidle")

    math = tab.locator(".math")
    if math.count():
        tab.wait_for_function(
            "() => [...document.querySelectorAll('.math')].every(el => el.querySelector('mjx-container'))",
            timeout=20_000,
        )
    tab.wait_for_load_state("networkidle")

    external = [url for url in requested if not url.startswith((site_url, "data:", "blob:"))]
    assert not external, f"{page} requests resources from outside the site: {external}"
    assert not problems, f"{page}:\n" + "\n".join(problems)

    broken_images = tab.evaluate(
        "() => [...document.images].filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)"
    )
    assert not broken_images, f"{page}: images that did not load: {broken_images}"

    if page.startswith("notebooks/"):
        links = tab.locator('a[href*="colab.research.google.com"]')
        hrefs = {links.nth(index).get_attribute("href") for index in range(links.count())}
        assert hrefs == {colab_link(page)}, f"{page}: Colab links {hrefs}"
        assert tab.locator(".cell_output img").count() > 0, f"{page}: a chapter without a single figure"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"{Path(page).stem}.png"), full_page=False)
    tab.close()
