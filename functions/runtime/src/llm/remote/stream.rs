//! One run of an external AG-UI agent: POST the input, read its SSE event stream, hold it to
//! the protocol's order (what `@ag-ui/client`'s verifier refuses, we refuse), relay what the
//! user should see as agent events, and collect what the step's answer is made of: the final
//! state's `output`, the RUN_FINISHED `result`, the tool calls.

use super::settings::RemoteAgent;
use crate::llm::client::SseParser;
use appgen_core::agui::{Event, RunAgentInput, TokenUsage};
use appgen_core::ports::{AgentEvent, AgentOutput};
use serde_json::Value;
use std::collections::HashMap;

/// What an external agent did wrong, as the user reads it after the agent's name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RemoteFault {
    /// Refused or timed out before answering: the run skips the agent from then on.
    #[error("could not be reached: {0}")]
    Unreachable(String),
    /// The connection failed otherwise, or broke off while the agent was answering.
    #[error("lost the connection: {0}")]
    Connection(String),
    #[error("answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("sent a malformed event: {0}")]
    Malformed(String),
    #[error("sent events out of order: {0}")]
    OutOfOrder(String),
    #[error("ended its event stream without RUN_FINISHED")]
    Truncated,
    #[error("reported an error: {0}")]
    RunError(String),
    #[error("gave an answer that is not acceptable: {0}")]
    Invalid(String),
}

/// A finished tool call: its name and parsed arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Value,
}

/// What a finished remote run left.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Collected {
    /// The run's state after its last STATE_SNAPSHOT / STATE_DELTA.
    pub state: Value,
    /// RUN_FINISHED's `result`.
    pub result: Option<Value>,
    pub calls: Vec<Call>,
    /// Everything its text messages said (a chat agent's answer is its last JSON in there).
    pub text: String,
}

impl Collected {
    /// The step's answer as JSON: the state's `output`, else the result's `output` (or the
    /// result itself when it is an object), else `None` (the answer is in the tool calls).
    pub fn output(&self) -> Option<Value> {
        if let Some(o) = self.state.get("output").filter(|o| !o.is_null()) {
            return Some(o.clone());
        }
        let result = self.result.as_ref().filter(|r| r.is_object())?;
        Some(
            result
                .get("output")
                .cloned()
                .unwrap_or_else(|| result.clone()),
        )
    }
}

/// Sends `input` and reads the whole run; `out` gets narration, file writes and usage live.
pub async fn run(
    http: &reqwest::Client,
    agent: &RemoteAgent,
    input: &RunAgentInput,
    out: &mut dyn AgentOutput,
) -> Result<Collected, RemoteFault> {
    let mut req = http
        .post(agent.url.clone())
        .header("accept", "text/event-stream")
        .json(input);
    if let Some(token) = &agent.token {
        req = req.bearer_auth(token.expose());
    }
    let mut resp = req
        .send()
        .await
        .map_err(|e| match e.is_connect() || e.is_timeout() {
            true => RemoteFault::Unreachable(without_url(&e)),
            false => RemoteFault::Connection(without_url(&e)),
        })?;
    let status = resp.status();
    if !status.is_success() {
        let body = resp.text().await.unwrap_or_default();
        let body: String = body.chars().take(300).collect();
        return Err(RemoteFault::Status {
            status: status.as_u16(),
            body,
        });
    }
    let mut sse = SseParser::default();
    let mut reader = Reader::default();
    loop {
        let chunk = match resp.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => return Err(RemoteFault::Truncated),
            Err(e) => return Err(RemoteFault::Connection(without_url(&e))),
        };
        for data in sse.push(&chunk) {
            if reader.on(&data, out)? {
                return Ok(reader.collected);
            }
        }
    }
}

/// reqwest's error text without the URL (which may carry a secret in its query).
fn without_url(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    if let Some(url) = e.url() {
        msg = msg.replace(url.as_str(), "the agent's URL");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg = format!("{msg}: {s}");
        source = s.source();
    }
    msg
}

/// An open tool call: name, arguments so far, whether chunks opened it (ended by the run).
#[derive(Debug)]
struct OpenCall {
    name: String,
    args: String,
    chunked: bool,
}

/// The stream's state: what is open, what was collected.
#[derive(Debug, Default)]
pub struct Reader {
    started: bool,
    texts: std::collections::HashSet<String>,
    calls: HashMap<String, OpenCall>,
    progress: Option<String>,
    pub collected: Collected,
}

impl Reader {
    /// Takes one `data:` payload; `Ok(true)` when the run finished.
    pub fn on(&mut self, data: &str, out: &mut dyn AgentOutput) -> Result<bool, RemoteFault> {
        let value: Value =
            serde_json::from_str(data).map_err(|e| RemoteFault::Malformed(format!("{e}")))?;
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind.is_empty() {
            return Err(RemoteFault::Malformed("an event without a `type`".into()));
        }
        let event = match serde_json::from_value::<Event>(value.clone()) {
            Ok(e) => e,
            // What a newer or older protocol adds is skipped, as the official client does.
            Err(e) if e.to_string().contains("unknown variant") => return Ok(false),
            Err(e) => return Err(RemoteFault::Malformed(format!("{kind}: {e}"))),
        };
        if !self.started {
            return match event {
                Event::RunStarted(_) => {
                    self.started = true;
                    Ok(false)
                }
                Event::RunError(e) => Err(RemoteFault::RunError(e.message)),
                _ => Err(order(format!("{kind} before RUN_STARTED"))),
            };
        }
        self.event(kind, event, out)
    }

    fn event(
        &mut self,
        kind: &str,
        event: Event,
        out: &mut dyn AgentOutput,
    ) -> Result<bool, RemoteFault> {
        match event {
            Event::RunStarted(_) => return Err(order("a second RUN_STARTED".into())),
            Event::RunError(e) => return Err(RemoteFault::RunError(e.message)),
            Event::RunFinished(f) => {
                self.finish(f.usage.unwrap_or_default(), f.result, out)?;
                return Ok(true);
            }
            Event::TextMessageStart(e) if !self.texts.insert(e.message_id.clone()) => {
                return Err(order(format!("message {} started twice", e.message_id)));
            }
            Event::TextMessageContent(e) => {
                self.open_text(kind, &e.message_id)?;
                self.collected.text.push_str(&e.delta);
                say(out, e.delta);
            }
            Event::TextMessageEnd(e) => {
                self.open_text(kind, &e.message_id)?;
                self.texts.remove(&e.message_id);
            }
            Event::TextMessageChunk(e) => {
                let delta = e.delta.unwrap_or_default();
                self.collected.text.push_str(&delta);
                say(out, delta);
            }
            Event::ToolCallStart(e) => {
                self.start_call(e.tool_call_id, e.tool_call_name, false)?;
            }
            Event::ToolCallArgs(e) => self.open_call(kind, &e.tool_call_id)?.args += &e.delta,
            Event::ToolCallEnd(e) => {
                self.open_call(kind, &e.tool_call_id)?;
                self.end_call(&e.tool_call_id, out)?;
            }
            Event::ToolCallChunk(e) => self.chunk(e)?,
            Event::StateSnapshot(s) => self.set_state(s.snapshot, out),
            Event::StateDelta(d) => self.patch_state(d.delta, out)?,
            _ => {} // reasoning, activity, steps, custom, raw: nothing the step uses
        }
        Ok(false)
    }

    fn open_text(&self, kind: &str, id: &str) -> Result<(), RemoteFault> {
        match self.texts.contains(id) {
            true => Ok(()),
            false => Err(order(format!("{kind} for message {id}, which is not open"))),
        }
    }

    fn open_call(&mut self, kind: &str, id: &str) -> Result<&mut OpenCall, RemoteFault> {
        self.calls
            .get_mut(id)
            .ok_or_else(|| order(format!("{kind} for tool call {id}, which is not open")))
    }

    fn start_call(&mut self, id: String, name: String, chunked: bool) -> Result<(), RemoteFault> {
        if self.calls.contains_key(&id) {
            return Err(order(format!("tool call {id} started twice")));
        }
        let call = OpenCall {
            name,
            args: String::new(),
            chunked,
        };
        self.calls.insert(id, call);
        Ok(())
    }

    fn chunk(&mut self, e: appgen_core::agui::ToolCallChunk) -> Result<(), RemoteFault> {
        let id = e
            .tool_call_id
            .ok_or_else(|| RemoteFault::Malformed("TOOL_CALL_CHUNK without toolCallId".into()))?;
        if !self.calls.contains_key(&id) {
            let name = e.tool_call_name.ok_or_else(|| {
                RemoteFault::Malformed(format!("the first chunk of tool call {id} has no name"))
            })?;
            self.start_call(id.clone(), name, true)?;
        }
        if let (Some(call), Some(delta)) = (self.calls.get_mut(&id), e.delta) {
            call.args += &delta;
        }
        Ok(())
    }

    /// Parses a finished call's arguments and shows a file it writes.
    fn end_call(&mut self, id: &str, out: &mut dyn AgentOutput) -> Result<(), RemoteFault> {
        let Some(call) = self.calls.remove(id) else {
            return Ok(());
        };
        let args: Value = serde_json::from_str(if call.args.is_empty() {
            "{}"
        } else {
            &call.args
        })
        .map_err(|e| RemoteFault::Malformed(format!("the arguments of {}: {e}", call.name)))?;
        let path = args.get("path").and_then(Value::as_str).map(str::to_owned);
        match (call.name.as_str(), path) {
            ("write_file", Some(path)) => {
                let content = args.get("content").and_then(Value::as_str).unwrap_or("");
                out.emit(AgentEvent::FileStarted { path: path.clone() });
                out.emit(AgentEvent::FileDelta {
                    path: path.clone(),
                    delta: content.to_owned(),
                });
                out.emit(AgentEvent::FileFinished { path });
            }
            ("edit_file", Some(path)) => say(out, format!("\nEditing {path}.\n")),
            _ => {}
        }
        self.collected.calls.push(Call {
            name: call.name,
            args,
        });
        Ok(())
    }

    fn finish(
        &mut self,
        usage: Vec<TokenUsage>,
        result: Option<Value>,
        out: &mut dyn AgentOutput,
    ) -> Result<(), RemoteFault> {
        let mut chunked: Vec<String> = Vec::new();
        for (id, call) in &self.calls {
            if !call.chunked {
                return Err(order(format!("RUN_FINISHED while tool call {id} is open")));
            }
            chunked.push(id.clone());
        }
        if let Some(id) = self.texts.iter().next() {
            return Err(order(format!("RUN_FINISHED while message {id} is open")));
        }
        chunked.sort();
        for id in chunked {
            self.end_call(&id, out)?;
        }
        for u in usage {
            out.emit(AgentEvent::Usage(u));
        }
        self.collected.result = result;
        Ok(())
    }

    fn set_state(&mut self, state: Value, out: &mut dyn AgentOutput) {
        self.collected.state = state;
        self.report_progress(out);
    }

    fn patch_state(
        &mut self,
        ops: Vec<Value>,
        out: &mut dyn AgentOutput,
    ) -> Result<(), RemoteFault> {
        let patch: json_patch::Patch = serde_json::from_value(Value::Array(ops))
            .map_err(|e| RemoteFault::Malformed(format!("STATE_DELTA: {e}")))?;
        json_patch::patch(&mut self.collected.state, &patch)
            .map_err(|e| order(format!("STATE_DELTA does not apply to the state: {e}")))?;
        self.report_progress(out);
        Ok(())
    }

    /// A state's `progress` string is the step's progress: said when it changes.
    fn report_progress(&mut self, out: &mut dyn AgentOutput) {
        let now = self.collected.state.get("progress").and_then(Value::as_str);
        if let Some(p) = now.filter(|p| Some(*p) != self.progress.as_deref()) {
            say(out, format!("\n{p}\n"));
            self.progress = Some(p.to_owned());
        }
    }
}

fn say(out: &mut dyn AgentOutput, text: String) {
    if !text.is_empty() {
        out.emit(AgentEvent::Say(text));
    }
}

fn order(why: String) -> RemoteFault {
    RemoteFault::OutOfOrder(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Seen(Vec<AgentEvent>);
    impl AgentOutput for Seen {
        fn emit(&mut self, e: AgentEvent) {
            self.0.push(e);
        }
    }

    fn read(frames: &[&str]) -> (Result<bool, RemoteFault>, Reader, Seen) {
        let (mut r, mut seen) = (Reader::default(), Seen::default());
        let mut last = Ok(false);
        for f in frames {
            last = r.on(f, &mut seen);
            if last.is_err() {
                break;
            }
        }
        (last, r, seen)
    }

    const START: &str = r#"{"type":"RUN_STARTED","threadId":"t","runId":"r"}"#;

    #[test]
    fn a_run_relays_text_files_usage_and_collects_the_output() {
        let (done, r, seen) = read(&[
            START,
            r#"{"type":"TEXT_MESSAGE_START","messageId":"m","role":"assistant"}"#,
            r#"{"type":"TEXT_MESSAGE_CONTENT","messageId":"m","delta":"Planning"}"#,
            r#"{"type":"TEXT_MESSAGE_END","messageId":"m"}"#,
            r#"{"type":"TOOL_CALL_START","toolCallId":"c","toolCallName":"write_file"}"#,
            r#"{"type":"TOOL_CALL_ARGS","toolCallId":"c","delta":"{\"path\":\"src/a.ts\","}"#,
            r#"{"type":"TOOL_CALL_ARGS","toolCallId":"c","delta":"\"content\":\"x\"}"}"#,
            r#"{"type":"TOOL_CALL_END","toolCallId":"c"}"#,
            r#"{"type":"STATE_SNAPSHOT","snapshot":{"progress":"half way"}}"#,
            r#"{"type":"STATE_DELTA","delta":[{"op":"add","path":"/output","value":{"a":1}}]}"#,
            r#"{"type":"SOMETHING_NEW","x":1}"#,
            r#"{"type":"RUN_FINISHED","threadId":"t","runId":"r","usage":[{"inputTokens":3}]}"#,
        ]);
        assert_eq!(done, Ok(true));
        assert_eq!(r.collected.output(), Some(serde_json::json!({"a": 1})));
        assert_eq!(r.collected.calls[0].args["path"], "src/a.ts");
        assert_eq!(seen.0[0], AgentEvent::Say("Planning".into()));
        assert!(seen.0.contains(&AgentEvent::FileDelta {
            path: "src/a.ts".into(),
            delta: "x".into()
        }));
        assert!(seen.0.contains(&AgentEvent::Say("\nhalf way\n".into())));
        assert!(matches!(seen.0.last(), Some(AgentEvent::Usage(u)) if u.input_tokens == Some(3)));
    }

    #[test]
    fn protocol_violations_are_named() {
        let content = r#"{"type":"TEXT_MESSAGE_CONTENT","messageId":"m","delta":"x"}"#;
        let fin = r#"{"type":"RUN_FINISHED","threadId":"t","runId":"r"}"#;
        let open_tool = r#"{"type":"TOOL_CALL_START","toolCallId":"c","toolCallName":"w"}"#;
        let cases: [(&[&str], &str); 6] = [
            (&[content], "before RUN_STARTED"),
            (&[START, content], "not open"),
            (&[START, START], "second RUN_STARTED"),
            (&[START, open_tool, fin], "tool call c is open"),
            (&[START, "{not json"], "malformed"),
            (
                &[START, r#"{"type":"RUN_ERROR","message":"quota"}"#],
                "quota",
            ),
        ];
        for (frames, want) in cases {
            let (got, _, _) = read(frames);
            let msg = got.expect_err(want).to_string();
            assert!(msg.contains(want), "{msg} should say {want}");
        }
    }
}
