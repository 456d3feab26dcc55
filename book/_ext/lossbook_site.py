"""Small fixes to the pages Jupyter Book 1 produces, so they load cleanly in a browser.

sphinx-thebe registers its configuration script once per build *and* once per
re-read, so a page can declare ``const THEBE_JS_URL`` twice — a JavaScript error on
every page (sphinx-togglebutton's inline script is doubled the same way). Keep the
first copy of each script.
"""

from __future__ import annotations


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    seen = set()
    unique = []
    for script in context.get("script_files", []):
        # An inline script is registered with filename None or "", so compare by body as well.
        key = (getattr(script, "filename", script) or None, getattr(script, "attributes", {}).get("body"))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
