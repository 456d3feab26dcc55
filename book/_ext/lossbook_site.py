"""Small fixes to the pages Jupyter Book 1 produces, so they load cleanly and read well.

- sphinx-thebe registers its configuration script once per build *and* once per
  re-read, so a page can declare ``const THEBE_JS_URL`` twice — a JavaScript error on
  every page (sphinx-togglebutton's inline script is doubled the same way). Keep the
  first copy of each script.
- myst-nb adds the ipywidgets embed manager to every notebook whose metadata holds
  widget state, even when no output shows a widget (the chapters' explorers are
  tagged ``remove-output``; the page shows small multiples instead). The manager
  compiles its JSON schema with Ajv in strict mode as soon as it loads and logs two
  warnings. Load it, and the state, only on pages that show a widget.
- pydata-sphinx-theme 0.17 turns on a persistent search field in a header bar that
  sphinx-book-theme (written for an older pydata theme) leaves otherwise empty, so
  every page had two search fields and the search page three. Keep the sidebar's,
  and on the search page only the page's own form.
- Exercises are numbered per chapter (Sphinx counts them across the whole book when
  the chapters are not section-numbered).
- Outputs that are warnings wrap instead of running off as one long line, and the
  search page shows math in its snippets as text rather than raw TeX (``static/``).
- The book has two editions, English (``_build/html``) and Korean (``_build/ko/html``,
  ``lossbook_edition = "ko"``, made by ``tools/i18n.py``). Every page's header links to the
  same page in the other edition, by a relative path, so the switch works offline from the
  file system and on any server that keeps the two builds side by side. The Korean edition
  sets its text in Noto Sans KR, served from the site like MathJax, so Hangul renders the
  same on a machine without a Korean font.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes

STATIC = Path(__file__).parent / "static"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# A Python warning as `warnings.showwarning` or a `print(f"{type(w).__name__}: …")` writes it.
WARNING_LINE = re.compile(r"^(?:.*:\d+: )?\w*Warning: ", re.MULTILINE)


def script_key(script) -> tuple:
    # An inline script is registered with filename None or "", so compare by body as well.
    return (getattr(script, "filename", script) or None, getattr(script, "attributes", {}).get("body"))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    seen = set()
    unique = []
    for script in context.get("script_files", []):
        key = script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def load_widget_manager_only_where_shown(app, pagename, templatename, context, doctree):
    if WIDGET_VIEW in context.get("body", ""):
        return
    # Sphinx stores a local script under the name it has in the built site.
    widget_scripts = {name if "://" in name else f"_static/{name}" for name in app.config.nb_ipywidgets_js}

    def is_widget_script(script) -> bool:
        filename = getattr(script, "filename", None) or ""
        attributes = getattr(script, "attributes", {})
        return filename in widget_scripts or attributes.get("type") == WIDGET_STATE

    context["script_files"] = [script for script in context.get("script_files", []) if not is_widget_script(script)]


def one_search_field(app, pagename, templatename, context, doctree):
    if pagename == "search" and "sidebars" in context:
        context["sidebars"] = [item for item in context["sidebars"] if "search" not in item]
    if pagename == "search":
        app.add_js_file("lossbook-search-math.js")


def no_header_search(app, config):
    # pydata-sphinx-theme adds ["search-button-field"] only when the option is not set.
    options = dict(config.html_theme_options or {})
    options.setdefault("navbar_persistent", [])
    config.html_theme_options = options


def add_static_path(app, config):
    config.html_static_path = [*config.html_static_path, str(STATIC)]


def mark_warning_outputs(app, doctree):
    for block in doctree.findall(nodes.literal_block):
        classes = block.get("classes", [])
        if "output" not in classes:
            continue
        if "stderr" in classes or WARNING_LINE.search(block.astext()):
            classes.append("output-wraps")


def number_exercises_per_chapter(app, env):
    # Runs after Sphinx's TocTreeCollector has numbered every enumerable node across the
    # book; restart the exercise count in each document, keeping any section prefix.
    for fignumbers in env.toc_fignumbers.values():
        exercises = fignumbers.get("exercise")
        if not exercises:
            continue
        counters: dict[tuple[int, ...], int] = {}
        for label, number in sorted(exercises.items(), key=lambda item: item[1]):
            prefix = number[:-1]
            counters[prefix] = counters.get(prefix, 0) + 1
            exercises[label] = (*prefix, counters[prefix])
    return []


# Where each edition's pages are, relative to the other edition's root (see the Makefile).
EDITIONS = {
    "en": {"lang": "en", "label": "English", "title": "Read this page in English", "root": "../../html/"},
    "ko": {"lang": "ko", "label": "한국어", "title": "이 페이지를 한국어로 읽기", "root": "../ko/html/"},
}
OTHER_EDITION = {"en": "ko", "ko": "en"}
SWITCH_TEMPLATE = "lossbook-language-switch.html"
KOREAN_FONT_CSS = ("fonts/noto-sans-kr/400.css", "fonts/noto-sans-kr/700.css", "lossbook-ko.css")


def check_edition(app, config):
    if config.lossbook_edition not in EDITIONS:
        raise ValueError(f"lossbook_edition must be one of {sorted(EDITIONS)}, got {config.lossbook_edition!r}")


def header_with_language_switch(app, config):
    options = dict(config.html_theme_options or {})
    end = options.get("article_header_end", ["article-header-buttons.html"])
    end = [end] if isinstance(end, str) else list(end)
    if SWITCH_TEMPLATE not in end:
        options["article_header_end"] = [SWITCH_TEMPLATE, *end]
    config.html_theme_options = options
    config.templates_path = [*config.templates_path, str(Path(__file__).parent / "templates")]


def language_switch(app, pagename, templatename, context, doctree):
    if not app.config.lossbook_language_switch:
        return
    other = EDITIONS[OTHER_EDITION[app.config.lossbook_edition]]
    href = "../" * pagename.count("/") + other["root"] + pagename + ".html"
    context["lossbook_language_switch"] = {**other, "href": href}
    context["metatags"] = context.get("metatags", "") + f'\n<link rel="alternate" hreflang="{other["lang"]}" href="{href}" />'


def korean_fonts(app):
    if app.config.lossbook_edition == "ko":
        for css in KOREAN_FONT_CSS:
            app.add_css_file(css)


def setup(app):
    app.add_config_value("lossbook_edition", "en", "html")
    app.add_config_value("lossbook_language_switch", True, "html")
    app.connect("config-inited", check_edition)
    app.connect("config-inited", header_with_language_switch)
    app.connect("builder-inited", korean_fonts)
    app.connect("html-page-context", language_switch)
    app.connect("config-inited", no_header_search)
    app.connect("config-inited", add_static_path)
    app.connect("doctree-read", mark_warning_outputs)
    app.connect("env-get-updated", number_exercises_per_chapter, priority=900)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", load_widget_manager_only_where_shown, priority=910)
    app.connect("html-page-context", one_search_field, priority=500)
    app.add_css_file("lossbook.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
