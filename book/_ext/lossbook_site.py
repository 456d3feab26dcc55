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


def setup(app):
    app.connect("config-inited", no_header_search)
    app.connect("config-inited", add_static_path)
    app.connect("doctree-read", mark_warning_outputs)
    app.connect("env-get-updated", number_exercises_per_chapter, priority=900)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", load_widget_manager_only_where_shown, priority=910)
    app.connect("html-page-context", one_search_field, priority=500)
    app.add_css_file("lossbook.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
