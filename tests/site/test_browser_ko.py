"""The Korean edition in headless Chromium: both editions served side by side, as built."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import HTML, ROOT, SCREENSHOTS, colab_link, serve_built, site_report

BUILD = HTML.parent
# Where the committed Korean notebooks are (tools/i18n.py's LOSSBOOK_KO_ROOT, for a trial translation).
KO_ROOT = Path(os.environ.get("LOSSBOOK_KO_ROOT", ROOT))
KO_HTML = BUILD / "ko" / "html"
# index.html is Jupyter Book's redirect to the first page, not a page of its own.
REDIRECT = "index.html"
KO_PAGES = [page for page in site_report.site_pages(KO_HTML) if page != REDIRECT] if KO_HTML.is_dir() else []
HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN = re.compile(r"[A-Za-z]")
# The reader's prose: paragraphs, list items, headings, table cells, captions; not code,
# outputs or math (which stay as they are in the English).
PROSE = r"""
() => {
  const article = document.querySelector("article.bd-article") || document.body;
  const skip = "pre, code, .cell_output, .output, mjx-container, .math, script, style, .headerlink";
  const parts = [];
  for (const el of article.querySelectorAll("p, li, h1, h2, h3, h4, td, th, figcaption, dt, dd, .admonition-title")) {
    if (el.closest(skip)) continue;
    const clone = el.cloneNode(true);
    clone.querySelectorAll(skip).forEach((inner) => inner.remove());
    clone.querySelectorAll("p, li, td, th, dt, dd").forEach((inner) => inner.remove());
    parts.push(clone.textContent);
  }
  return parts.join(" ");
}
"""
# The share of Hangul among the letters of a chapter's prose: English stays in code
# identifiers, library names, acronyms and the English term beside a Korean one.
MIN_HANGUL_SHARE = 0.55


@pytest.fixture(scope="module")
def both_editions():
    with serve_built(KO_HTML, BUILD, "book-ko") as url:
        yield url


def test_korean_edition_has_every_english_page():
    assert KO_PAGES == [page for page in site_report.site_pages(HTML) if page != REDIRECT]
    assert (KO_HTML / REDIRECT).read_text() == (HTML / REDIRECT).read_text()


def platform_fonts(tab, selector: str) -> list[dict]:
    session = tab.context.new_cdp_session(tab)
    session.send("DOM.enable")
    session.send("CSS.enable")
    document = session.send("DOM.getDocument", {"depth": -1})
    node = session.send("DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector})
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    session.detach()
    return fonts


@pytest.mark.parametrize("page", KO_PAGES)
def test_korean_page_loads_offline_with_math_font_switch_and_launch_links(browser, both_editions, page):
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    requested: list[str] = []
    tab.on("console", lambda message: message.type in ("error", "warning") and problems.append(f"console {message.type}: {message.text}"))
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on("requestfailed", lambda request: problems.append(f"failed request: {request.url} ({request.failure})"))
    tab.on("response", lambda response: response.status >= 400 and problems.append(f"HTTP {response.status}: {response.url}"))
    tab.on("request", lambda request: requested.append(request.url))

    tab.goto(f"{both_editions}/ko/html/{page}", wait_until="networkidle")
    assert tab.evaluate("() => document.documentElement.lang") == "ko"
    if tab.locator(".math").count():
        tab.wait_for_function(
            "() => [...document.querySelectorAll('.math')].every(el => el.querySelector('mjx-container'))", timeout=20_000
        )
    tab.evaluate("() => document.fonts.ready.then(() => true)")
    tab.wait_for_load_state("networkidle")

    external = [url for url in requested if not url.startswith((both_editions, "data:", "blob:"))]
    assert not external, f"{page} requests resources from outside the site: {external}"
    assert not problems, f"{page}:\n" + "\n".join(problems)
    broken_images = tab.evaluate("() => [...document.images].filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src)")
    assert not broken_images, f"{page}: images that did not load: {broken_images}"

    # Hangul is drawn with the site's own Noto Sans KR, not a fallback or missing glyphs.
    hangul_paragraph = tab.evaluate(
        """() => { const all = [...document.querySelectorAll('article p, article h1, article li, .bd-sidenav a')];
                   const i = all.findIndex(el => /[\\uac00-\\ud7a3]/.test(el.textContent) && !el.querySelector('mjx-container'));
                   if (i < 0) return null; all[i].setAttribute('data-hangul-probe', ''); return all[i].textContent.slice(0, 40); }"""
    )
    assert hangul_paragraph, f"{page}: no Korean paragraph"
    fonts = platform_fonts(tab, "[data-hangul-probe]")
    # The woff2 slices name themselves after the variable font's first instance ("… Thin").
    korean = [font for font in fonts if font["familyName"].startswith("Noto Sans KR")]
    assert korean and korean[0]["isCustomFont"] and korean[0]["glyphCount"] > 0, f"{page}: {hangul_paragraph!r} drawn with {fonts}"

    # The switch leads to the same page in English, whose switch leads back here.
    switch = tab.locator("a.lossbook-language-switch")
    assert switch.count() == 1, f"{page}: {switch.count()} language switches"
    assert switch.get_attribute("hreflang") == "en"
    switch.click()
    tab.wait_for_load_state("domcontentloaded")
    assert tab.url == f"{both_editions}/html/{page}", f"{page}: the switch led to {tab.url}"
    assert tab.evaluate("() => document.documentElement.lang") == "en"
    back = tab.locator("a.lossbook-language-switch")
    assert back.count() == 1 and back.get_attribute("hreflang") == "ko"
    back.click()
    tab.wait_for_load_state("domcontentloaded")
    assert tab.url == f"{both_editions}/ko/html/{page}", f"{page}: the English switch led to {tab.url}"

    if page.startswith("notebooks/"):
        links = tab.locator('a[href*="colab.research.google.com"]')
        hrefs = {links.nth(index).get_attribute("href") for index in range(links.count())}
        assert hrefs == {colab_link(page, "ko")}, f"{page}: Colab links {hrefs}"
        assert (KO_ROOT / "ko" / page.replace(".html", ".ipynb")).is_file(), "the Korean notebook the button opens is not committed"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / f"ko-{Path(page).stem}.png"), full_page=False)
    tab.close()


@pytest.fixture(scope="module")
def hangul_shares(browser, both_editions):
    shares = {}
    for page in KO_PAGES:
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.goto(f"{both_editions}/ko/html/{page}", wait_until="domcontentloaded")
        text = tab.evaluate(PROSE)
        tab.close()
        hangul, latin = len(HANGUL.findall(text)), len(LATIN.findall(text))
        shares[page] = (hangul / max(hangul + latin, 1), hangul, latin)
    report = BUILD / "ko" / "hangul-share.txt"
    report.write_text(
        "page\tHangul share of prose letters\tHangul\tLatin\n"
        + "".join(f"{page}\t{share:.1%}\t{hangul}\t{latin}\n" for page, (share, hangul, latin) in shares.items())
    )
    return shares


def test_korean_chapters_are_in_korean(hangul_shares):
    low = {page: f"{share:.0%}" for page, (share, _, _) in hangul_shares.items() if page.startswith("notebooks/") and share < MIN_HANGUL_SHARE}
    assert not low, f"chapters whose prose is less than {MIN_HANGUL_SHARE:.0%} Hangul: {low}"


def test_every_english_page_links_to_its_korean_page():
    for page in KO_PAGES:
        html = (HTML / page).read_text()
        links = re.findall(r'<a class="btn btn-sm lossbook-language-switch" href="([^"]+)"', html)
        assert len(links) == 1, f"{page}: {len(links)} switches"
        target = (HTML / page).parent / links[0]
        assert target.resolve() == (KO_HTML / page).resolve(), f"{page}: the switch leads to {links[0]}"
