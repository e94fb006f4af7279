// axe-core (the open-source WCAG checker) run inside a page: WCAG 2.0 and 2.1, levels A and AA.
// The e2e calls `expectNoViolations` on every screen and state it visits.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/**
 * The page's violations, one line each with the failing nodes. Previews and wireframes are the
 * generated app's own documents in sandboxed iframes, not this UI, so frames are not entered.
 */
export async function axeViolations(page) {
  // Evaluated through the DevTools protocol, so the UI's Content-Security-Policy does not block it.
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(`${AXE_SOURCE}\n;0`);
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"], iframes: false });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${(n.failureSummary ?? "").replace(/\s+/g, " ")}`),
    }));
  }, WCAG_TAGS);
}

export function describeViolations(violations) {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 5).join("\n    ")}`).join("\n");
}

/** Throws naming every violation on the page as it is now. */
export async function expectNoViolations(page, where) {
  const v = await axeViolations(page);
  if (v.length > 0) throw new Error(`axe on ${where}: ${v.length} violation(s)\n${describeViolations(v)}`);
}
