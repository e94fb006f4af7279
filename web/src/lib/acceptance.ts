// How a version's acceptance scenarios read at a glance.

import type { CheckSummary } from "./contract";

/// Green only when the check passed and every acceptance scenario did; neutral when the
/// version had none to run (it loads, but nothing checked that it does what was asked);
/// red otherwise.
export function verdictOk(check: Pick<CheckSummary, "passed" | "acceptance">): boolean | null {
  if (!check.passed) return false;
  if (check.acceptance.length === 0) return null;
  return check.acceptance.every((a) => a.passed);
}
