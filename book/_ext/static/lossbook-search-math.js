// Search snippets are cut from the pages' HTML, where math is still TeX between \( \) or
// \[ \] (MathJax renders it only on the page itself). Show it as readable text instead.
(function () {
  const SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
    eta: "η", theta: "θ", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν", xi: "ξ", pi: "π",
    rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω",
    Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Sigma: "Σ", Phi: "Φ", Omega: "Ω",
    cdot: "·", times: "×", le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠", neq: "≠",
    approx: "≈", sim: "~", infty: "∞", to: "→", rightarrow: "→", leftarrow: "←", in: "∈",
    sum: "Σ", prod: "∏", partial: "∂", nabla: "∇", pm: "±", mid: "|", lVert: "‖", rVert: "‖",
    Vert: "‖", lvert: "|", rvert: "|", ldots: "…", dots: "…", cdots: "⋯", log: "log",
    exp: "exp", max: "max", min: "min", arg: "arg", sqrt: "√", hat: "", bar: "", tilde: "",
  };

  // A fraction's part keeps parentheses only where it is more than one symbol.
  const grouped = (part) => (/^\s*[\w.\\]+\s*$/.test(part) ? part.trim() : `(${part.trim()})`);

  function texToText(tex) {
    return tex
      .replace(/\\(?:frac|tfrac|dfrac)\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, (whole, top, bottom) =>
        `${grouped(top)}/${grouped(bottom)}`)
      .replace(/\\(?:mathrm|mathbf|mathit|mathcal|text|textbf|operatorname|boldsymbol)\s*\{([^{}]*)\}/g, "$1")
      .replace(/\\(?:left|right|big|Big|bigg|Bigg)\s*/g, "")
      .replace(/\\[,;:! ]/g, " ")
      .replace(/\\([A-Za-z]+)/g, (whole, name) => (name in SYMBOLS ? SYMBOLS[name] : name))
      .replace(/\\([{}_%$#&|])/g, "$1")
      .replace(/[{}]/g, "")
      .replace(/\s+/g, " ")
      .trim();
  }

  function mathAsText(text) {
    return text
      .replace(/\\\(([\s\S]*?)\\\)/g, (whole, tex) => texToText(tex))
      .replace(/\\\[([\s\S]*?)\\\]/g, (whole, tex) => texToText(tex))
      // The excerpt is cut at a fixed length, so it can begin or end inside a formula.
      .replace(/^([\s\S]*?)\\[)\]]/, (whole, tex) => texToText(tex) + " ")
      .replace(/\\[(\[]([\s\S]*)$/, (whole, tex) => texToText(tex));
  }

  // Convert the excerpt, not the page text: the excerpt is placed around the search words,
  // and those may be TeX names ("delta") that the page text only holds in raw TeX.
  document.addEventListener("DOMContentLoaded", () => {
    if (typeof Search === "undefined" || typeof Search.makeSearchSummary !== "function") return;
    const makeSearchSummary = Search.makeSearchSummary;
    Search.makeSearchSummary = (...args) => {
      const summary = makeSearchSummary(...args);
      if (summary) summary.textContent = mathAsText(summary.textContent);
      return summary;
    };
  });
})();
