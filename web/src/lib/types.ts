// Shapes of the backend contract (docs/api.md). Kept loose where the backend may add fields.

export type ThreadStatus = "idle" | "running" | "awaiting_answers" | "building" | "done" | "error";

export type QuestionKind = "text" | "single_choice" | "multiple_choice" | "yes_no";

export interface Question {
  id: string;
  prompt: string;
  kind: QuestionKind;
  options?: string[];
  default: unknown;
  help?: string;
}

export interface CheckResult {
  kind: string;
  passed: boolean;
  detail?: string;
}

/** The check summary in the state (counts), or the full report from the version endpoint. */
export interface CheckSummary {
  passed: boolean;
  checks?: CheckResult[];
  consoleErrors?: number | string[];
  pageErrors?: string[];
  failedRequests?: string[];
  screenshot?: boolean | string;
  durationMs?: number;
  visibleText?: number;
  /** "checked", or "built, N of M acceptance checks pass" when a scenario failed. */
  verdict?: string;
}

export interface VersionSummary {
  number: number;
  request: string;
  runId: string;
  createdAt: number;
  restoredFrom: number | null;
  files: number | Record<string, FileRef>;
  check: CheckSummary | null;
  previewUrl: string;
}

export interface FileRef {
  hash: string;
  size: number;
}

export interface VersionDetail {
  number: number;
  request: string;
  runId: string;
  createdAt: number;
  restoredFrom: number | null;
  files: Record<string, FileRef>;
  check: CheckSummary | null;
  previewUrl: string;
}

export interface TokenUsage {
  provider?: string;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}

export interface StepUsage {
  runId: string;
  step: string;
  calls: number;
  usage: TokenUsage;
}

export interface UiState {
  threadId: string;
  title: string;
  status: ThreadStatus;
  agent: string;
  run: {
    runId: string;
    kind: string;
    step: string;
    fixRound: number;
    lastBuild: { ok: boolean; error: string | null; phase: string } | null;
  } | null;
  lastRun: { runId: string; kind: string; status: string; error: string | null; version: number | null } | null;
  questions: Question[] | null;
  answers: Record<string, unknown> | null;
  requirements: { title: string; summary: string; features: string[]; spec?: unknown } | null;
  wireframe: string | null;
  files: { path: string; hash: string; size: number }[];
  versions: VersionSummary[];
  preview: { version: number; url: string } | null;
  usage: StepUsage[];
}

export interface ThreadListItem {
  threadId: string;
  title: string;
  status: ThreadStatus;
  updatedAt: number;
  versions: number;
}

export interface RunRecord {
  runId: string;
  kind: string;
  status: "running" | "interrupted" | "finished" | "failed";
  startedAt: number;
  finishedAt?: number | null;
  request?: string;
  version?: number | null;
  error?: string | null;
  errorCode?: string | null;
}

export interface ChatMessageRecord {
  id: string;
  role: string;
  content?: unknown;
}

export interface ThreadDetail {
  state: UiState;
  messages: ChatMessageRecord[];
  runs: RunRecord[];
}

/** An AG-UI event as it arrives on the wire; narrowed by `type` where used. */
export interface WireEvent {
  type: string;
  [key: string]: unknown;
}
