"""axe-core in the browser tests: every page a test visits is checked, and a serious or critical violation fails it.

axe.min.js comes from the PyPI package axe-playwright-python (a test dependency; see README), which bundles
it: no npm and no download at test time. Only its script is used; running it and reading the results is here.
"""

from __future__ import annotations

from axe_playwright_python.base import AXE_SCRIPT

FAILING_IMPACTS = ("serious", "critical")

# Runs axe on the document as it stands; only the violations come back, each reduced to what a report needs.
# Runs on one document are chained: axe refuses a second run while one is going (a load check and a test's own).
RUN_AXE = """
async () => {
  const run = () => axe.run(document, {resultTypes: ['violations']});
  window.__axeChain = (window.__axeChain || Promise.resolve()).then(run, run);
  // A run that never settles must not hold the test (evaluate has no timeout of its own): give up after 20 s.
  const late = new Promise((_, reject) => setTimeout(() => reject(new Error('axe-core timed out')), 20000));
  const results = await Promise.race([window.__axeChain, late]);
  return results.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160), summary: n.failureSummary || ''}))}));
}
"""


def axe_violations(page, impacts: tuple[str, ...] = FAILING_IMPACTS) -> list[dict]:
    """The axe-core violations of `impacts` on the page's current document."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in impacts]


def describe(violations: list[dict], where: str = "") -> list[str]:
    """One line per violating element: `where` rule (impact): target — html."""
    return [f"{where} {v['id']} ({v['impact']}): {node['target']} — {node['html']}"
            for v in violations for node in v["nodes"]]
