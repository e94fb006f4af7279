// How a version's acceptance scenarios read at a glance.

import type { CheckSummary, Scenario, ScenarioResult, VersionSummary } from "./contract";

/// Green only when the check passed and every acceptance scenario did; neutral when the
/// version had none to run (it loads, but nothing checked that it does what was asked);
/// red otherwise.
export function verdictOk(check: Pick<CheckSummary, "passed" | "acceptance">): boolean | null {
  if (!check.passed) return false;
  if (check.acceptance.length === 0) return null;
  return check.acceptance.every((a) => a.passed);
}

export type ScenarioRow = { name: string; requirement: string; results: Record<number, ScenarioResult> };

/// One row per scenario — the current suite first, then ones only earlier versions ran (since
/// retired) — with its result on each version that ran it.
export function resultsByScenario(suite: Pick<Scenario, "name" | "requirement">[], versions: Pick<VersionSummary, "number" | "check">[]): ScenarioRow[] {
  const rows = new Map<string, ScenarioRow>();
  for (const s of suite) rows.set(s.name, { name: s.name, requirement: s.requirement, results: {} });
  for (const v of versions) {
    for (const r of v.check?.acceptance ?? []) {
      const row = rows.get(r.name) ?? { name: r.name, requirement: r.requirement, results: {} };
      row.results[v.number] = r;
      rows.set(r.name, row);
    }
  }
  return [...rows.values()];
}
