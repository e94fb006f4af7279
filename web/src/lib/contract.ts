// Generated from the Rust types in functions/core (view.rs and the types it uses): do not edit.
// Regenerate with `UPDATE_CONTRACT=1 cargo test -p appgen-core --lib contract`.
// AG-UI's own types come from @ag-ui/core; these are appgen's payloads (docs/api.md).

import type { Message, TokenUsage } from "@ag-ui/core";

/**
 * The state of a thread as the UI sees it: sent whole (STATE_SNAPSHOT) at run start and as
 * JSON Patch (STATE_DELTA) after each step; also `state` in `GET /api/threads/{id}`.
 */
export type UiState = { threadId: string, title: string, status: ThreadStatus, 
/**
 * Which agent makes the app ("offline" or a model id).
 */
agent: string, run: ActiveRunView | null, lastRun: LastRunView | null, 
/**
 * The questions waiting for answers.
 */
questions: Array<Question> | null, 
/**
 * The interrupt the answers resume.
 */
interruptId: string | null, answers: JsonValue | null, requirements: Requirements | null, 
/**
 * The wireframe, as an HTML document.
 */
wireframe: string | null, 
/**
 * The working tree.
 */
files: Array<FileEntry>, versions: Array<VersionSummary>, 
/**
 * The latest version's preview.
 */
preview: PreviewView | null, usage: Array<StepUsageView>, 
/**
 * The app's acceptance suite (the qa step's scenarios, kept across follow-ups).
 */
scenarios: Array<Scenario>, 
/**
 * Who wrote each scenario a person added in words, by scenario name.
 */
userChecks: { [key in string]: Person }, };

/**
 * Where a thread is, as the UI shows it.
 */
export type ThreadStatus = "idle" | "running" | "awaiting_answers" | "building" | "done" | "error";

/**
 * The run in progress.
 */
export type ActiveRunView = { runId: string, kind: RunKind, 
/**
 * The step it does now (or next).
 */
step: StepName, 
/**
 * Fix rounds done in this run (0 before the first fix).
 */
fixRound: number, lastBuild: LastBuild | null, };

/**
 * The last build of the run in progress.
 */
export type LastBuild = { ok: boolean, error: string | null, phase: BuildPhase, };

/**
 * The thread's last run, in the state.
 */
export type LastRunView = { runId: string, kind: RunKind, status: RunStatus, error: string | null, version: number | null, };

/**
 * A file of the working tree: its content is at `GET /api/threads/{id}/blobs/{hash}`.
 */
export type FileEntry = { path: string, hash: string, size: number, };

/**
 * A version in the state: counts only (the full report is [`VersionDetail`]).
 */
export type VersionSummary = { number: number, request: string, runId: string, createdAt: number, restoredFrom: number | null, 
/**
 * How many files the version has.
 */
files: number, check: CheckSummary | null, previewUrl: string, 
/**
 * Whose request (or restore) made it; older versions do not say.
 */
author: Person | null, };

/**
 * A browser check in the state: what passed, and counts.
 */
export type CheckSummary = { passed: boolean, checks: Array<CheckResult>, 
/**
 * How many console errors the page logged.
 */
consoleErrors: number, 
/**
 * Whether a screenshot was taken (`GET …/versions/{n}/screenshot`).
 */
screenshot: boolean, 
/**
 * "checked, N of M acceptance checks pass", "built, N of M …" or "checked, no acceptance
 * tests" (`CheckReport::verdict`).
 */
verdict: string, 
/**
 * Each acceptance scenario's result on this version.
 */
acceptance: Array<ScenarioResult>, };

/**
 * The latest version's preview.
 */
export type PreviewView = { version: number, url: string, };

/**
 * Model usage of one step.
 */
export type StepUsageView = { runId: string, step: StepName, calls: number, usage: TokenUsage & { costUsd?: number }, };

/**
 * appgen's own events, sent as AG-UI `CUSTOM {name, value}`: the name says which payload.
 */
export type AppEvent = { "name": "step", "value": StepInfo } | { "name": "step_result", "value": StepResult } | { "name": "render_url", "value": RenderUrl } | { "name": "check_result", "value": CheckOutcome };

/**
 * Who does a step.
 */
export type StepInfo = { step: StepName, 
/**
 * The agent's role ("coder", "builder", …).
 */
agent: string, 
/**
 * The model or worker that does it ("offline" for the offline generator).
 */
model: string, 
/**
 * The external AG-UI agent serving the step, if one does (docs/agents.md); `model` is then
 * the built-in agent it falls back to.
 */
external?: ExternalAgent, 
/**
 * The run's fix round (0 before the first fix).
 */
fixRound: number, 
/**
 * The thread-wide step counter.
 */
seq: number, };

/**
 * An external agent serving a step, as the user sees it: "requirements — LangGraph (planner)".
 */
export type ExternalAgent = { 
/**
 * The name its settings give it (`APPGEN_AGENT_<STEP>_NAME`, else the URL's host).
 */
name: string, 
/**
 * The framework it runs on (`APPGEN_AGENT_<STEP>_FRAMEWORK`), e.g. "LangGraph".
 */
framework: string | null, };

/**
 * How a step went.
 */
export type StepResult = { step: StepName, 
/**
 * False when the run ends with this step's failure.
 */
ok: boolean, durationMs: number, 
/**
 * The step's model usage; null when it called no model.
 */
usage: (TokenUsage & { costUsd?: number }) | null, 
/**
 * The build's acceptance scenario results (build steps that ran scenarios only).
 */
acceptance?: Array<ScenarioResult>, };

/**
 * A new version's preview.
 */
export type RenderUrl = { url: string, version: number, };

/**
 * How a check a person wrote in words did (a check run's review).
 */
export type CheckOutcome = { 
/**
 * The version the suite ran on.
 */
version: number, 
/**
 * The new scenario's result (its name is the sentence).
 */
result: ScenarioResult, 
/**
 * The whole suite on that version.
 */
tally: Tally, };

/**
 * How many of a version's scenarios passed, of how many.
 */
export type Tally = { passed: number, total: number, };

/**
 * RUN_FINISHED `result` of a run that did not stop for questions.
 */
export type RunResult = { 
/**
 * The version the run made, if any.
 */
version: number | null, previewUrl: string | null, check: CheckVerdict | null, 
/**
 * Each acceptance scenario's result on the new version.
 */
acceptance: Array<ScenarioResult> | null, 
/**
 * Why the run made no version (it gave up and kept the last good one).
 */
message: string | null, };

/**
 * What the new version's browser check found.
 */
export type CheckVerdict = { passed: boolean, checks: Array<CheckResult>, 
/**
 * "checked, N of M acceptance checks pass", "built, N of M …" or "checked, no acceptance
 * tests" (`CheckReport::verdict`).
 */
verdict: string, };

/**
 * Why a run stopped for the user (RUN_FINISHED `outcome.interrupts[].reason`).
 */
export type InterruptReason = "input_required";

/**
 * The `code` of a RUN_ERROR event and of a failed run's record.
 */
export type ErrorCode = "invalid_model_output" | "model_provider_error" | "model_timeout" | "unsupported_request" | "unreadable_check" | "run_timeout" | "step_timeout" | "edit_failed" | "builder_unavailable" | "invalid_app" | "build_failed" | "token_budget" | "step_failed" | "internal";

/**
 * `GET /api/threads`.
 */
export type ThreadList = { 
/**
 * Newest first.
 */
threads: Array<ThreadListItem>, };

export type ThreadListItem = { threadId: string, title: string, status: ThreadStatus, updatedAt: number, 
/**
 * How many versions the thread has.
 */
versions: number, 
/**
 * Model calls, tokens and their cost over all the thread's runs.
 */
spend: Spend, 
/**
 * The caller's role: `owner` for their own threads, else what they were invited as.
 */
role: ThreadRole, 
/**
 * The caller owns it (else they are a member).
 */
owned: boolean, };

/**
 * Model calls, tokens and what they cost, over some steps.
 */
export type Spend = { calls: number, tokens: number, 
/**
 * US dollars; `None` (JSON `null`) when a model's price is unknown.
 */
costUsd: number | null, };

/**
 * `GET /api/threads/{threadId}`.
 */
export type ThreadDetail = { state: UiState, 
/**
 * The conversation, as AG-UI messages.
 */
messages: Array<Message>, runs: Array<RunView>, 
/**
 * What is published, and where (`POST /api/threads/{threadId}/publish`).
 */
published: PublishedView | null, 
/**
 * "Deploy to Vercel" is offered: the server has a token (`APPGEN_VERCEL_TOKEN`).
 */
vercelDeploy: boolean, 
/**
 * Who posted each user message, by message id.
 */
authors: { [key in string]: Person }, 
/**
 * Messages waiting for the active run to end, in the order they will run.
 */
queued: Array<QueuedMessage>, 
/**
 * The caller, and their role here (a viewer cannot send).
 */
you: Person, role: ThreadRole, };

/**
 * A run of the thread.
 */
export type RunView = { runId: string, kind: RunKind, status: RunStatus, startedAt: number, finishedAt: number | null, 
/**
 * The user's request that started the run.
 */
request: string, 
/**
 * The version it made.
 */
version: number | null, error: string | null, 
/**
 * RUN_ERROR's `code` when it failed.
 */
errorCode: ErrorCode | null, 
/**
 * Who started it.
 */
by: Person | null, };

/**
 * `GET /api/threads/{threadId}/versions/{n}`: the version with its full check report.
 */
export type VersionDetail = { number: number, request: string, runId: string, createdAt: number, restoredFrom: number | null, author: Person | null, 
/**
 * Path → file (content at `GET /api/threads/{id}/blobs/{hash}`).
 */
files: { [key in string]: FileInfo }, check: CheckReport | null, previewUrl: string, };

/**
 * A file of a version, by path in [`VersionDetail::files`].
 */
export type FileInfo = { hash: string, size: number, };

/**
 * What the headless-Chromium check saw.
 */
export type CheckReport = { passed: boolean, consoleErrors: Array<string>, pageErrors: Array<string>, failedRequests: Array<string>, 
/**
 * Characters of visible text on the page after load.
 */
visibleText: number, checks: Array<CheckResult>, 
/**
 * Why the check as a whole did not finish (timeout, crash); its checks are then not judged.
 */
error?: string | null, 
/**
 * Artifact key of the screenshot (PNG), if one was taken.
 */
screenshot?: string | null, durationMs: number, 
/**
 * The app's acceptance scenarios, run after the checks (`passed` is the checks' verdict:
 * a version may be built with some scenarios failing, and says so).
 */
acceptance?: Array<ScenarioResult>, };

/**
 * A published app: the answer of `POST /api/threads/{threadId}/publish` and
 * `ThreadDetail.published`.
 */
export type PublishedView = { 
/**
 * The app's address on its own origin.
 */
url: string, slug: string, version: number, publishedAt: number, };

/**
 * The body of `POST /api/threads/{threadId}/publish`; no version means the latest checked.
 */
export type PublishRequest = { version: number | null, };

/**
 * The body of `POST /api/threads/{threadId}/deploy/vercel`: the version (default: the latest
 * checked) and a token when the server has none (or another account is meant).
 */
export type DeployRequest = { version: number | null, token: string | null, };

/**
 * A deploy as clients see it: the answer of `POST …/deploy/vercel` (202), of `GET
 * …/deploy/vercel/{id}`, and the thread stream's `deploy` event at each stage.
 */
export type DeployView = { id: string, version: number, 
/**
 * Who asked for it.
 */
by: Person, startedAt: number, 
/**
 * When its stage last changed.
 */
updatedAt: number, state: DeployStage, };

/**
 * Where a deploy is. `pending` → `uploading` → `building` → `ready` / `failed`; the last two
 * are final.
 */
export type DeployStage = { "stage": "pending" } | { "stage": "uploading" } | { "stage": "building", deployment: string, } | { "stage": "ready", url: string, deployment: string, } | { "stage": "failed", code: ApiErrorCode, message: string, };

/**
 * The answer of `GET /api/threads/{threadId}/deploy/vercel`: the newest first.
 */
export type DeployList = { deploys: Array<DeployView>, };

/**
 * `POST /api/threads/{threadId}/versions/{n}/restore` (201): the new version's number.
 */
export type Restored = { version: number, };

/**
 * `POST /api/threads/{id}/preview/reset`: how many records the preview data space lost.
 */
export type PreviewDataReset = { deleted: number, };

/**
 * `POST /api/threads/{threadId}/checks`: a check written in words.
 */
export type CheckRequest = { 
/**
 * "when I add a task with priority high it is listed first".
 */
sentence: string, };

/**
 * The 202 answer to a [`CheckRequest`]: the run that reads the check, adds it to the suite and
 * runs the suite on the current version; follow it at `…/runs/{runId}/events`.
 */
export type CheckStarted = { threadId: string, runId: string, 
/**
 * Set when a run was active: the check waits in the queue (withdrawable by its author)
 * and `runId` is the run it becomes.
 */
queued: QueuedMessage | null, };

/**
 * A principal's role on a thread. Ordered: each role may do what the ones below it may.
 * (`ThreadRole` in TypeScript: `Role` there is a scenario's accessible role.)
 */
export type ThreadRole = "viewer" | "editor" | "owner";

/**
 * `POST /api/threads/{threadId}/invites`.
 */
export type InviteRequest = { role: ThreadRole, multiUse: boolean, };

/**
 * The answer to an invite request: the only time the secret token is shown.
 */
export type InviteCreated = { id: string, 
/**
 * `/invite/{token}` on this server; the web UI accepts it when opened.
 */
url: string, token: string, role: ThreadRole, multiUse: boolean, expiresAt: number, };

/**
 * An invite as the owner sees it in the members list (never its token).
 */
export type InviteView = { id: string, role: ThreadRole, multiUse: boolean, expiresAt: number, revoked: boolean, 
/**
 * How many principals accepted it.
 */
accepted: number, };

export type MemberView = { principal: string, role: ThreadRole, 
/**
 * When they joined (the thread's creation for the owner).
 */
addedAt: number, };

/**
 * `GET /api/threads/{threadId}/members`: the owner first, then members, then the invites.
 */
export type MemberList = { members: Array<MemberView>, invites: Array<InviteView>, };

/**
 * `PATCH /api/threads/{threadId}/members/{principal}`.
 */
export type RoleChange = { role: ThreadRole, };

/**
 * `POST /api/invites/{token}/accept`: the thread the caller now belongs to, and as what.
 */
export type InviteAccepted = { threadId: string, role: ThreadRole, };

/**
 * A principal as other members see them: its id, a display name and initials.
 */
export type Person = { principal: string, name: string, initials: string, };

/**
 * A message (or a check in words) sent while a run was active: it runs when the runs before
 * it have ended, as its author, unless the author withdraws it first
 * (`DELETE /api/threads/{threadId}/queue/{id}`).
 */
export type QueuedMessage = { id: string, text: string, author: Person, queuedAt: number, 
/**
 * What it starts: a chat message's run, or a check run (`text` is the sentence).
 */
kind: QueuedKind, };

/**
 * What a queued entry starts when its turn comes.
 */
export type QueuedKind = "message" | "check";

export type CheckRemoved = { 
/**
 * The check's name (its sentence).
 */
name: string, by: Person, };

/**
 * The body of `POST /api/threads/{threadId}/queue`: a message for after the active run.
 */
export type QueueRequest = { text: string, };

/**
 * One event of a thread's stream. Stored in the thread's log (all but `presence`, which is
 * computed from heartbeats) and sent as SSE `data:` with the log's seq as `id:`.
 */
export type ThreadEvent = { "type": "run_started", "data": RunStartedInfo } | { "type": "run_ended", "data": RunEndedInfo } | { "type": "message_posted", "data": MessagePosted } | { "type": "questions_asked", "data": QuestionsAsked } | { "type": "questions_answered", "data": QuestionsAnswered } | { "type": "version_made", "data": VersionMade } | { "type": "restored", "data": RestoredInfo } | { "type": "member_joined", "data": MemberChange } | { "type": "member_left", "data": MemberChange } | { "type": "role_changed", "data": MemberChange } | { "type": "queued", "data": QueuedMessage } | { "type": "withdrawn", "data": Withdrawn } | { "type": "presence", "data": Presence } | { "type": "check_removed", "data": CheckRemoved } | { "type": "deploy", "data": DeployView } | { "type": "access_ended", "data": AccessEnded };

export type RunStartedInfo = { runId: string, kind: RunKind, by: Person | null, };

export type RunEndedInfo = { runId: string, status: RunStatus, version: number | null, };

export type MessagePosted = { messageId: string, text: string, author: Person | null, };

export type QuestionsAsked = { runId: string, interruptId: string, };

export type QuestionsAnswered = { runId: string, by: Person | null, };

export type VersionMade = { number: number, author: Person | null, };

export type RestoredInfo = { 
/**
 * The new version.
 */
number: number, from: number, by: Person, };

export type MemberChange = { principal: string, 
/**
 * The role they have now (`None` once they left).
 */
role: ThreadRole | null, };

export type Withdrawn = { id: string, };

/**
 * Who has the thread open now.
 */
export type Presence = { people: Array<Person>, };

/**
 * Why an open thread stream ended for this follower. (A run's stream needs no such end:
 * membership changes wait for the active run to end, and a run's stream ends with its run.)
 */
export type AccessEnded = { message: string, };

/**
 * `GET /api/health`.
 */
export type Health = { ok: boolean, };

/**
 * `GET /api/me`: who the caller is (`None`: nobody signed in), and whether this server takes
 * API keys, so the web UI offers to sign in with one. The keys never leave the server.
 */
export type Me = { you: Person | null, keys: boolean, 
/**
 * `you` is the local single user (`--local`): nobody said who they are.
 */
local: boolean, };

/**
 * Every error answer of the HTTP API: `{"error":{"code","message"}}`.
 */
export type ApiErrorBody = { error: ApiErrorInfo, };

export type ApiErrorInfo = { code: ApiErrorCode, 
/**
 * A sentence for people.
 */
message: string, };

/**
 * The `code` of an HTTP error answer; each has one status ([`ApiErrorCode::http_status`]).
 */
export type ApiErrorCode = "bad_request" | "unauthorized" | "forbidden" | "not_found" | "busy" | "duplicate_run" | "body_too_large" | "message_too_long" | "limit" | "rate_limited" | "not_checked" | "not_published" | "zip_failed" | "invite_used" | "invite_expired" | "invite_revoked" | "storage_unavailable" | "unavailable" | "invalid_record" | "record_too_large" | "precondition_failed" | "changes_gone" | "bad_credentials" | "signup_refused" | "sign_in_required" | "ai_not_configured" | "ai_budget_spent" | "ai_provider_failed" | "ai_timeout" | "deploy_not_configured" | "deploy_token_rejected" | "deploy_failed";

/**
 * One stateless step function. Each has its own queue (named by [`StepName::queue`]).
 */
export type StepName = "clarify" | "requirements" | "qa" | "wireframe" | "code" | "build" | "review" | "fix" | "modify";

export type RunKind = "initial" | "answers" | "follow_up" | "publish" | "check";

export type RunStatus = "running" | "interrupted" | "finished" | "failed";

/**
 * Where a build stopped.
 */
export type BuildPhase = "materialize" | "build" | "check" | "publish" | "done";

/**
 * A clarifying question with a default the pipeline can proceed on.
 */
export type Question = { 
/**
 * Stable key, also the property name in the answers object (e.g. `fields`, `colors`).
 */
id: string, prompt: string, kind: QuestionKind, options?: Array<string>, 
/**
 * The proposed answer: a string, a bool or an array of strings, by kind.
 */
default: JsonValue, help?: string | null, };

/**
 * How a clarifying question is answered.
 */
export type QuestionKind = "text" | "single_choice" | "multiple_choice" | "yes_no";

/**
 * What the requirements step settled on. `spec` is the agent's own structured form (the
 * offline generator's app spec, or a model's JSON); the rest is for people.
 */
export type Requirements = { title: string, summary: string, features: Array<string>, spec: JsonValue, };

/**
 * Result of one check of a built app in the browser, in the order the checks were asked.
 */
export type CheckResult = { kind: CheckKind, passed: boolean, detail?: string, };

/**
 * The kinds of check, as written in `kind`.
 */
export type CheckKind = "builds" | "loads" | "text" | "field" | "submit_roundtrip" | "persists" | "clicks" | "color";

/**
 * One acceptance test of an app.
 */
export type Scenario = { 
/**
 * Short and unique within the app: "adding a book lists it".
 */
name: string, 
/**
 * The requirement it covers, in the requirements' words.
 */
requirement: string, steps: Array<ScenarioStep>, };

/**
 * One thing the user does, or one thing they should see.
 */
export type ScenarioStep = { "do": "fill", label: string, value: string, } | { "do": "select", label: string, option: string, } | { "do": "check", label: string, checked: boolean, } | { "do": "click", role: Role, name: string, } | { "do": "press", key: string, label?: string | null, } | { "do": "reload" } | { "do": "fresh_context" } | { "do": "open_second" } | { "do": "switch_to", window: Window, } | { "do": "wait", ms: number, } | { "do": "expect", expect: Expectation, } | { "do": "expect_live", expect: Expectation, within_ms: number, };

/**
 * Roles a click may target (ARIA roles of things people click).
 */
export type Role = "button" | "link" | "tab" | "checkbox" | "radio" | "option" | "menuitem" | "switch" | "gridcell";

/**
 * The windows a scenario can have open at once: the one it starts in and a second.
 */
export type Window = "first" | "second";

/**
 * What the page should show.
 */
export type Expectation = { "kind": "text_visible", text: string, within?: string | null, } | { "kind": "text_hidden", text: string, within?: string | null, } | { "kind": "value", label: string, value: string, } | { "kind": "count", list?: string | null, count: number, } | { "kind": "order", texts: Array<string>, } | { "kind": "number", label: string, value: number, tolerance: number, } | { "kind": "color", target: ColorTarget, name: ColorName, };

/**
 * What running one scenario in the browser came to. A failure says which step failed, what
 * it expected and what the page showed, with a screenshot of the page at that moment.
 */
export type ScenarioResult = { name: string, requirement: string, passed: boolean, 
/**
 * 1-based index of the step that failed.
 */
failedStep?: number | null, expected?: string | null, seen?: string | null, 
/**
 * The failure screenshot: a file name in the check directory, then its artifact key.
 */
screenshot?: string | null, };

export type ColorTarget = "background" | "accent";

/**
 * A colour a check names: a CSS named colour or `#rrggbb`, kept in its canonical spelling
 * (`"Forest Green"` → `forestgreen`, `#2E8B57` → `#2e8b57`).
 */
export type ColorName = string;

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;
