// The ipywidgets embed manager finds its own files (icon fonts) relative to the page
// unless told where they are; point it, and require.js, at the copy in _static.
(function () {
  const base = new URL("html-manager", document.currentScript.src).href;
  window.__jupyter_widgets_assets_path__ = base + "/";
  if (window.require && window.require.config) {
    window.require.config({ paths: { "@jupyter-widgets/html-manager/dist": base } });
  }
})();
