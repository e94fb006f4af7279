// Tokens and what they cost, as the backend reports them: each usage entry may carry `costUsd`
// (functions/core/src/cost.rs); an entry without it has a model with no known price.

import type { TokenUsage } from "@ag-ui/core";
import type { StepUsageView } from "./contract";

/** A usage entry with its cost; the backend leaves `costUsd` out when the price is unknown. */
export type Costed = TokenUsage & { costUsd?: number };

/** Tokens and cost of some model calls: `calls === 0` means no model was used. */
export interface Spend {
  calls: number;
  tokens: number;
  /** US dollars, or null when a model's price is unknown. */
  usd: number | null;
}

const tokensOf = (u: Costed) => u.totalTokens ?? (u.inputTokens ?? 0) + (u.outputTokens ?? 0);

/** Adds up usage entries (one per step or per model); unknown as soon as one cost is. */
export function spend(usages: Costed[]): Spend {
  let usd: number | null = 0;
  for (const u of usages) usd = usd !== null && typeof u.costUsd === "number" ? usd + u.costUsd : null;
  return { calls: usages.length, tokens: usages.reduce((n, u) => n + tokensOf(u), 0), usd };
}

/** The spend of one run from the thread's per-step usage (`state.usage`). */
export function runSpend(usage: StepUsageView[] | undefined, runId: string): Spend {
  return spend((usage ?? []).filter((u) => u.runId === runId).map((u) => u.usage));
}

export function formatUsd(usd: number): string {
  if (usd === 0) return "$0";
  if (usd < 0.0001) return "<$0.0001";
  // Cents are too coarse for one step: two significant digits below a dollar.
  return usd < 1 ? `$${usd.toPrecision(2).replace(/0+$/, "")}` : `$${usd.toFixed(2)}`;
}

/** "1.2k tokens · $0.0034", "1.2k tokens · cost unknown", or "no model used, no cost". */
export function formatSpend(s: Spend): string {
  if (s.calls === 0) return "no model used, no cost";
  const tokens = s.tokens >= 1000 ? `${(s.tokens / 1000).toFixed(1)}k` : String(s.tokens);
  return `${tokens} tokens · ${s.usd === null ? "cost unknown" : formatUsd(s.usd)}`;
}
