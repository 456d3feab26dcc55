"""Measure the built site as a reader sees it, page by page, in headless Chromium.

    make book-strict
    .venv/bin/python tools/site_report.py                         # every page at 1280 px
    .venv/bin/python tools/site_report.py notebooks/regression.html --width 390

For each page:

- every visible figure's shown width against its print width: the PNG's width in inches
  (pixels / the dpi in its pHYs chunk) at 96 CSS px per inch, so that a 10 pt label is
  10 px tall at 100 %;
- the outputs that need horizontal scrolling (an output box, or a block inside it, whose
  scrollWidth exceeds its clientWidth);
- console warnings and errors, and uncaught page errors;
- progress bars left in outputs (tqdm widgets, or tqdm's text);
- "seed" used for a source article ("seed 000", "the seed article", "the seed names …");
  a seed is a random seed everywhere in this book;
- visible code cells of 30 lines or more, and code cells that need horizontal scrolling.

Cells are named by their index in the notebook (0-based, as nbformat counts them), with
the first line of their source. tests/site/test_browser.py asserts the acceptance limits
on these numbers.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import re
import shutil
import sys
import threading
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
NOTEBOOKS = ROOT / "notebooks"
CSS_PX_PER_INCH = 96
LONG_CODE_LINES = 30

# Chromium flags that keep it from phoning home (refused on a closed network, and slow).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# "seed" naming a source article, not a random seed: a number or "article" after it, or a
# verb of speech (a random seed does not say, name or warn).
SEED_LABEL = re.compile(
    r"\bseeds?\s+(?:0\d\d|articles?)\b"
    r"|\bthe seed(?:'|’)s\s+(?:last|practice|exercises?|questions?|tables?|outline|examples?|formula|selection|sketch)"
    r"|\b(?:the|one|first|second|third|fourth|other)\s+seeds?\s+(?:says|writes|calls|names|defines|puts|speaks|regrets"
    r"|notes|warns|suggests|lists|attributes|mentions|claims|ends|recommends|explains|describes)\b"
    r"|\bfirst seed\s+(?:article|post)\b",
    re.IGNORECASE,
)
# tqdm's text bar ("45%|████▌     | 9/20 [00:01<00:01, 6.2it/s]") or its widget's plain-text fallback.
PROGRESS_TEXT = re.compile(
    r"\d{1,3}%\|[^|\n]*\|\s*\d+(?:\.\d+)?[kM]?/\d+|\d\s?(?:it/s|s/it)\b|FloatProgress\(|IntProgress\("
)

MEASURE = r"""
(progressPattern) => {
  const main = document.querySelector("main") || document.body;
  const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const cells = [...main.querySelectorAll("div.cell")];
  const cellOf = (el) => cells.indexOf(el.closest("div.cell"));
  const scrolls = (el) => {
    const overflow = getComputedStyle(el).overflowX;
    return (overflow === "auto" || overflow === "scroll") && el.scrollWidth > el.clientWidth + 1;
  };
  const progress = new RegExp(progressPattern);

  const figures = [...main.querySelectorAll("img")].filter(visible).map((img) => ({
    cell: cellOf(img), src: img.currentSrc || img.src,
    shown: img.getBoundingClientRect().width, natural: img.naturalWidth,
  }));

  const outputs = [];
  const progressBars = [];
  for (const box of main.querySelectorAll(".cell_output > *")) {
    if (!visible(box)) continue;
    const wide = [box, ...box.querySelectorAll("*")].filter((el) => visible(el) && scrolls(el));
    if (wide.length) {
      const widest = wide.reduce((a, b) => (b.scrollWidth > a.scrollWidth ? b : a));
      outputs.push({
        cell: cellOf(box), kind: box.className.split(/\s+/).filter((c) => c !== "output").slice(0, 2).join(" "),
        scrollWidth: widest.scrollWidth, clientWidth: widest.clientWidth,
        text: (box.textContent || "").trim().split("\n")[0].slice(0, 70),
      });
    }
    const bars = box.querySelectorAll("progress, .widget-progress, .progress").length;
    if (bars || progress.test(box.textContent || "")) {
      progressBars.push({ cell: cellOf(box), text: (box.textContent || "").trim().slice(0, 70) });
    }
  }

  const code = cells.map((cell, index) => {
    const pre = cell.querySelector(".cell_input pre");
    if (!pre) return { index, input: "", lines: 0, scrolls: false };
    const input = pre.textContent.replace(/\n$/, "");
    return { index, input, lines: input.split("\n").length, scrolls: visible(pre) && scrolls(pre) };
  });

  return { figures, outputs, progressBars, code, text: main.textContent };
}
"""


@dataclass
class Figure:
    cell: str
    src: str
    shown: float
    print_width: float | None

    @property
    def ratio(self) -> float | None:
        return None if not self.print_width else self.shown / self.print_width


@dataclass
class PageReport:
    page: str
    figures: list[Figure] = field(default_factory=list)
    scrolling_outputs: list[dict] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    progress_bars: list[dict] = field(default_factory=list)
    seed_labels: list[str] = field(default_factory=list)
    long_code_cells: list[str] = field(default_factory=list)
    scrolling_code_cells: list[str] = field(default_factory=list)
    code_cells: int = 0

    def figures_below(self, fraction: float) -> list[Figure]:
        return [figure for figure in self.figures if figure.ratio is not None and figure.ratio < fraction]


def find_chromium() -> str | None:
    return os.environ.get("LOSSBOOK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """A local web server over the built site; yields its base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def site_pages(html: Path = HTML) -> list[str]:
    return sorted(
        path.relative_to(html).as_posix() for path in html.rglob("*.html") if not path.relative_to(html).parts[0].startswith("_")
    )


def print_width(image: Path) -> float | None:
    """The width a PNG has in print, in CSS px: its pixels over its dpi, at 96 px per inch."""
    from PIL import Image

    if image.suffix.lower() != ".png" or not image.is_file():
        return None
    with Image.open(image) as png:
        dpi = png.info.get("dpi")
        if not dpi or not dpi[0]:
            return None
        return png.width / dpi[0] * CSS_PX_PER_INCH


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def cell_names(page: str, rendered_inputs: list[str]) -> list[str]:
    """Names ("cell 23: first line") of the rendered code cells of a chapter page, in order.

    myst-nb renders every code cell not tagged remove-cell. Where the counts agree the
    cells pair up in order; otherwise a rendered cell is matched by its source."""
    notebook_path = NOTEBOOKS / (Path(page).stem + ".ipynb")
    if not page.startswith("notebooks/") or not notebook_path.is_file():
        return [f"block {index}" for index in range(len(rendered_inputs))]
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    candidates = [
        (index, cell.source)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and "remove-cell" not in cell.metadata.get("tags", [])
    ]

    def name(index: int, source: str) -> str:
        first = next((line.strip() for line in source.splitlines() if line.strip()), "")
        return f"cell {index}: {first[:60]}"

    if len(candidates) == len(rendered_inputs):
        return [name(index, source) for index, source in candidates]
    names, position = [], 0
    for rendered in rendered_inputs:
        match = None
        if rendered:
            match = next(
                (k for k in range(position, len(candidates)) if squeeze(candidates[k][1]) == squeeze(rendered)), None
            )
        elif position < len(candidates):
            match = position
        if match is None:
            names.append("cell ?")
        else:
            names.append(name(*candidates[match]))
            position = match + 1
    return names


def local_file(url: str, site_url: str, html: Path) -> Path | None:
    if not url.startswith(site_url):
        return None
    return html / unquote(urlparse(url).path).lstrip("/")


def measure_page(browser, site_url: str, page: str, width: int = 1280, html: Path = HTML) -> PageReport:
    tab = browser.new_page(viewport={"width": width, "height": 900})
    report = PageReport(page)
    tab.on(
        "console",
        lambda message: message.type in ("warning", "error") and report.console.append(f"{message.type}: {message.text}"),
    )
    tab.on("pageerror", lambda error: report.console.append(f"page error: {error}"))
    try:
        tab.goto(f"{site_url}/{page}", wait_until="networkidle")
        if tab.locator(".math").count():
            tab.wait_for_function(
                "() => [...document.querySelectorAll('.math')].every(el => el.querySelector('mjx-container'))",
                timeout=20_000,
            )
        tab.wait_for_load_state("networkidle")
        measured = tab.evaluate(MEASURE, PROGRESS_TEXT.pattern)
    finally:
        tab.close()

    names = cell_names(page, [cell["input"] for cell in measured["code"]])

    def cell(index: int) -> str:
        return names[index] if 0 <= index < len(names) else "outside a code cell"

    for figure in measured["figures"]:
        path = local_file(figure["src"], site_url, html)
        report.figures.append(
            Figure(cell(figure["cell"]), Path(urlparse(figure["src"]).path).name, figure["shown"], path and print_width(path))
        )
    report.scrolling_outputs = [{**output, "cell": cell(output["cell"])} for output in measured["outputs"]]
    report.progress_bars = [{**bar, "cell": cell(bar["cell"])} for bar in measured["progressBars"]]
    text = re.sub(r"\s+", " ", measured["text"])
    report.seed_labels = [text[max(0, m.start() - 40) : m.end() + 40] for m in SEED_LABEL.finditer(text)]
    code = [entry for entry in measured["code"] if entry["input"]]
    report.code_cells = len(code)
    report.long_code_cells = [cell(entry["index"]) for entry in code if entry["lines"] >= LONG_CODE_LINES]
    report.scrolling_code_cells = [cell(entry["index"]) for entry in code if entry["scrolls"]]
    return report


def measure_site(browser, site_url: str, pages: list[str], width: int = 1280, html: Path = HTML) -> list[PageReport]:
    return [measure_page(browser, site_url, page, width, html) for page in pages]


COLUMNS = [
    ("figures", lambda r: len([f for f in r.figures if f.ratio is not None])),
    ("< 60 %", lambda r: len(r.figures_below(0.60))),
    ("< 75 %", lambda r: len(r.figures_below(0.75))),
    ("outputs scrolling", lambda r: len(r.scrolling_outputs)),
    ("console", lambda r: len(r.console)),
    ("progress bars", lambda r: len(r.progress_bars)),
    ("seed labels", lambda r: len(r.seed_labels)),
    (f"code ≥ {LONG_CODE_LINES} lines", lambda r: len(r.long_code_cells)),
    ("code scrolling", lambda r: f"{len(r.scrolling_code_cells)}/{r.code_cells}"),
]


def table(reports: list[PageReport]) -> str:
    header = ["page", *(name for name, _ in COLUMNS)]
    rows = [[report.page.removesuffix(".html"), *(str(value(report)) for _, value in COLUMNS)] for report in reports]
    totals = ["total"]
    for _, value in COLUMNS:
        values = [value(report) for report in reports]
        if all(isinstance(v, int) for v in values):
            totals.append(str(sum(values)))
        else:
            scrolled, total = zip(*(map(int, v.split("/")) for v in values))
            totals.append(f"{sum(scrolled)}/{sum(total)}")
    rows.append(totals)
    widths = [max(len(row[k]) for row in [header, *rows]) for k in range(len(header))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def details(reports: list[PageReport]) -> str:
    out = []
    for report in reports:
        lines = []
        for figure in sorted(report.figures_below(0.75), key=lambda f: f.ratio):
            lines.append(
                f"  figure {figure.ratio:4.0%} of print ({figure.shown:.0f} of {figure.print_width:.0f} px)  {figure.cell}  [{figure.src[:12]}]"
            )
        for output in report.scrolling_outputs:
            lines.append(
                f"  output scrolls ({output['scrollWidth']} of {output['clientWidth']} px, {output['kind']})  {output['cell']}  «{output['text']}»"
            )
        lines += [f"  console  {message[:160]}" for message in report.console]
        lines += [f"  progress bar  {bar['cell']}  «{bar['text']}»" for bar in report.progress_bars]
        lines += [f"  seed label  «{label}»" for label in report.seed_labels]
        lines += [f"  code ≥ {LONG_CODE_LINES} lines  {name}" for name in report.long_code_cells]
        if lines:
            out.append(report.page.removesuffix(".html") + ":")
            out += lines
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pages", nargs="*", help="pages relative to the site root (default: every page)")
    parser.add_argument("--width", type=int, default=1280, help="viewport width in CSS px (default 1280)")
    parser.add_argument("--site", type=Path, default=HTML, help="the built site (default _build/html)")
    args = parser.parse_args()
    if not (args.site / "index.html").is_file():
        print(f"no built site at {args.site}: run `make book` first", file=sys.stderr)
        return 2
    executable = find_chromium()
    if executable is None:
        print("no Chromium found: install Debian's `chromium` or set LOSSBOOK_CHROMIUM", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    pages = args.pages or site_pages(args.site)
    with serve(args.site) as site_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            reports = measure_site(browser, site_url, pages, args.width, args.site)
        finally:
            browser.close()
    print(f"At {args.width} px; figure sizes are shown width / print width (PNG inches at 96 px per inch).\n")
    print(table(reports))
    print()
    print(details(reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
