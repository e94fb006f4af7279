// AI calls, answered by the model appgen is configured with (docs/appdata.md, "AI"). The
// app's system prompt is fixed when it is built; each app has a daily token budget per data
// space. Every failure is an `AiError` whose `message` is meant to be shown where the answer
// would have been: "AI is not configured on this server" (no model: nothing pretends to be
// one), the budget spent for today, a provider that failed or timed out.

import { BackendError, backend, call } from "./backend";

export interface AiMessage {
  role: "user" | "assistant";
  content: string;
}

export interface AiUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens: number;
  budget: { used: number; limit: number; renewsInSeconds: number };
}

export interface AiAnswer {
  text: string;
  usage: AiUsage;
}

export type AiErrorCode =
  | "ai_not_configured"
  | "ai_budget_spent"
  | "ai_provider_failed"
  | "ai_timeout"
  | "rate_limited"
  | "bad_request"
  | "message_too_long"
  | "body_too_large"
  | "not_found"
  | "unavailable"
  | "error";

const KNOWN: readonly string[] = [
  "ai_not_configured",
  "ai_budget_spent",
  "ai_provider_failed",
  "ai_timeout",
  "rate_limited",
  "bad_request",
  "message_too_long",
  "body_too_large",
  "not_found",
  "unavailable",
];

export class AiError extends Error {
  constructor(
    readonly status: number,
    readonly code: AiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AiError";
  }
}

function asAiError(e: unknown): AiError {
  if (e instanceof BackendError) {
    const code = (KNOWN.includes(e.code) ? e.code : "error") as AiErrorCode;
    return new AiError(e.status, code, e.message);
  }
  return new AiError(0, "unavailable", "The AI service could not be reached. Check your connection and try again.");
}

export const ai = {
  /** False where the app has no backend (a file server, a test harness): calls fail with `unavailable`. */
  available: backend.available,
  /** One answer to a prompt, or to a conversation (user and assistant turns; no system turn). */
  async complete(input: string | AiMessage[]): Promise<AiAnswer> {
    if (!backend.available) {
      throw new AiError(0, "unavailable", "AI needs the app's backend: open the app from its preview or published address.");
    }
    const body = typeof input === "string" ? { prompt: input } : { messages: input };
    try {
      return (await call<AiAnswer>("POST", "_ai/complete", body)).value;
    } catch (e) {
      throw asAiError(e);
    }
  },
};
