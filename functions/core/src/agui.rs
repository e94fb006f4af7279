//! AG-UI 1.0 wire types.
//!
//! Why hand-written: the community `ag-ui-core` crate predates 1.0 (float timestamps, THINKING_*
//! events). The official client rejects `null` for optional fields and float timestamps, so every
//! optional field here is skipped when `None` and timestamps are integer milliseconds.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One AG-UI event. The wire shape is `{"type":"TEXT_MESSAGE_START", ...camelCase fields}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Event {
    TextMessageStart(TextMessageStart),
    TextMessageContent(TextMessageContent),
    TextMessageEnd(MessageRef),
    TextMessageChunk(TextMessageChunk),
    ToolCallStart(ToolCallStart),
    ToolCallArgs(ToolCallArgs),
    ToolCallEnd(ToolCallRef),
    ToolCallChunk(ToolCallChunk),
    ToolCallResult(ToolCallResult),
    StateSnapshot(StateSnapshot),
    StateDelta(StateDelta),
    MessagesSnapshot(MessagesSnapshot),
    ActivitySnapshot(ActivitySnapshot),
    ActivityDelta(ActivityDelta),
    Raw(RawEvent),
    Custom(CustomEvent),
    RunStarted(RunStarted),
    RunFinished(RunFinished),
    RunError(RunError),
    StepStarted(StepEvent),
    StepFinished(StepEvent),
    ReasoningStart(MessageRef),
    ReasoningEnd(MessageRef),
    ReasoningMessageStart(ReasoningMessageStart),
    ReasoningMessageContent(TextMessageContent),
    ReasoningMessageEnd(MessageRef),
    ReasoningMessageChunk(ReasoningMessageChunk),
    ReasoningEncryptedValue(ReasoningEncryptedValue),
    SubagentStarted(SubagentStarted),
    SubagentFinished(SubagentFinished),
    SubagentError(SubagentError),
}

/// Fields every event may carry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BaseFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw_event: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Map<String, Value>>,
    /// The sub-agent run this event belongs to (AG-UI 1.0; never on RUN_* and
    /// MESSAGES_SNAPSHOT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subagent_run_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Developer,
    System,
    Assistant,
    User,
    Tool,
    Activity,
    Reasoning,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextMessageStart {
    pub message_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextMessageContent {
    pub message_id: String,
    pub delta: String,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRef {
    pub message_id: String,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextMessageChunk {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallStart {
    pub tool_call_id: String,
    pub tool_call_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_message_id: Option<String>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallArgs {
    pub tool_call_id: String,
    pub delta: String,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallRef {
    pub tool_call_id: String,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallChunk {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<String>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallResult {
    pub message_id: String,
    pub tool_call_id: String,
    pub content: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateSnapshot {
    pub snapshot: Value,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateDelta {
    /// RFC 6902 operations.
    pub delta: Vec<Value>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessagesSnapshot {
    pub messages: Vec<Message>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivitySnapshot {
    pub message_id: String,
    pub activity_type: String,
    pub content: serde_json::Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace: Option<bool>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityDelta {
    pub message_id: String,
    pub activity_type: String,
    pub patch: Vec<Value>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawEvent {
    pub event: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomEvent {
    pub name: String,
    pub value: Value,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStarted {
    pub thread_id: String,
    pub run_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_run_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Box<RunAgentInput>>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunFinished {
    pub thread_id: String,
    pub run_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Vec<TokenUsage>>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunError {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Vec<TokenUsage>>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepEvent {
    pub step_name: String,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasoningMessageStart {
    pub message_id: String,
    pub role: Role,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasoningMessageChunk {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<String>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasoningEncryptedValue {
    pub subtype: String,
    pub entity_id: String,
    pub encrypted_value: String,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubagentStarted {
    pub subagent_run_id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_subagent_run_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_tool_call_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_message_id: Option<String>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubagentFinished {
    pub subagent_run_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Value>,
    #[serde(flatten)]
    pub base: BaseFields,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubagentError {
    pub subagent_run_id: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(flatten)]
    pub base: BaseFields,
}

/// How a run ended. Interrupts (clarifying questions) live here in 1.0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Outcome {
    #[serde(rename_all = "camelCase")]
    Success {
        #[serde(skip_serializing_if = "Option::is_none")]
        pending_tool_call_ids: Option<Vec<String>>,
    },
    Interrupt {
        interrupts: Vec<Interrupt>,
    },
    Cancelled {},
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interrupt {
    pub id: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_schema: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Map<String, Value>>,
}

/// Token usage of one model (AG-UI 1.0 `TokenUsage`, whose schema lets other fields through:
/// ours is `costUsd`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenUsage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cached_input_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_input_tokens: Option<u64>,
    /// What the tokens cost in US dollars (`cost.rs`); absent when the price is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
}

impl TokenUsage {
    /// The total, or input + output when the provider gave no total.
    pub fn tokens(&self) -> u64 {
        self.total_tokens
            .unwrap_or(self.input_tokens.unwrap_or(0) + self.output_tokens.unwrap_or(0))
    }
}

/// The body of `POST /api/agent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunAgentInput {
    pub thread_id: String,
    pub run_id: String,
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_run_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Value>,
    #[serde(default)]
    pub tools: Vec<Tool>,
    #[serde(default)]
    pub context: Vec<Context>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_props: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Vec<ResumeEntry>>,
}

impl RunAgentInput {
    /// A request with these messages and nothing else (no state, tools, context or resume).
    pub fn new(thread_id: &str, run_id: &str, messages: Vec<Message>) -> RunAgentInput {
        RunAgentInput {
            thread_id: thread_id.to_owned(),
            run_id: run_id.to_owned(),
            messages,
            protocol_version: None,
            parent_run_id: None,
            state: None,
            tools: vec![],
            context: vec![],
            forwarded_props: None,
            resume: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    pub name: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Context {
    pub description: String,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResumeStatus {
    Resolved,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResumeEntry {
    pub interrupt_id: String,
    pub status: ResumeStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// A chat message, discriminated by `role`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum Message {
    Developer(TextMessage),
    System(TextMessage),
    Assistant(AssistantMessage),
    User(UserMessage),
    Tool(ToolMessage),
    Activity(ActivityMessage),
    Reasoning(TextMessage),
}

impl Message {
    pub fn id(&self) -> &str {
        match self {
            Message::Developer(m) | Message::System(m) | Message::Reasoning(m) => &m.id,
            Message::Assistant(m) => &m.id,
            Message::User(m) => &m.id,
            Message::Tool(m) => &m.id,
            Message::Activity(m) => &m.id,
        }
    }

    /// The plain text of a user message (text parts joined), if this is one.
    pub fn user_text(&self) -> Option<String> {
        match self {
            Message::User(m) => Some(m.content.text()),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextMessage {
    pub id: String,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssistantMessage {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub function: FunctionCall,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    pub name: String,
    pub arguments: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserMessage {
    pub id: String,
    pub content: UserContent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UserContent {
    Text(String),
    Parts(Vec<Value>),
}

impl UserContent {
    pub fn text(&self) -> String {
        match self {
            UserContent::Text(s) => s.clone(),
            UserContent::Parts(parts) => parts
                .iter()
                .filter_map(|p| p.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolMessage {
    pub id: String,
    pub content: Value,
    pub tool_call_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityMessage {
    pub id: String,
    pub activity_type: String,
    pub content: serde_json::Map<String, Value>,
}

/// Small constructors so steps read as what they say.
impl Event {
    pub fn text_start(message_id: &str) -> Event {
        Event::TextMessageStart(TextMessageStart {
            message_id: message_id.to_owned(),
            role: Some(Role::Assistant),
            name: None,
            base: BaseFields::default(),
        })
    }
    pub fn text_content(message_id: &str, delta: &str) -> Event {
        Event::TextMessageContent(TextMessageContent {
            message_id: message_id.to_owned(),
            delta: delta.to_owned(),
            base: BaseFields::default(),
        })
    }
    pub fn text_end(message_id: &str) -> Event {
        Event::TextMessageEnd(MessageRef {
            message_id: message_id.to_owned(),
            base: BaseFields::default(),
        })
    }
    pub fn step_started(name: &str) -> Event {
        Event::StepStarted(StepEvent {
            step_name: name.to_owned(),
            base: BaseFields::default(),
        })
    }
    pub fn step_finished(name: &str) -> Event {
        Event::StepFinished(StepEvent {
            step_name: name.to_owned(),
            base: BaseFields::default(),
        })
    }
    pub fn tool_start(tool_call_id: &str, name: &str, parent_message_id: Option<&str>) -> Event {
        Event::ToolCallStart(ToolCallStart {
            tool_call_id: tool_call_id.to_owned(),
            tool_call_name: name.to_owned(),
            parent_message_id: parent_message_id.map(str::to_owned),
            base: BaseFields::default(),
        })
    }
    pub fn tool_args(tool_call_id: &str, delta: &str) -> Event {
        Event::ToolCallArgs(ToolCallArgs {
            tool_call_id: tool_call_id.to_owned(),
            delta: delta.to_owned(),
            base: BaseFields::default(),
        })
    }
    pub fn tool_end(tool_call_id: &str) -> Event {
        Event::ToolCallEnd(ToolCallRef {
            tool_call_id: tool_call_id.to_owned(),
            base: BaseFields::default(),
        })
    }
    pub fn state_delta(delta: Vec<Value>) -> Event {
        Event::StateDelta(StateDelta {
            delta,
            base: BaseFields::default(),
        })
    }
    pub fn state_snapshot(snapshot: Value) -> Event {
        Event::StateSnapshot(StateSnapshot {
            snapshot,
            base: BaseFields::default(),
        })
    }
    /// RUN_ERROR with one of appgen's codes (`run_error::ErrorCode`).
    pub fn run_error(message: impl Into<String>, code: crate::run_error::ErrorCode) -> Event {
        Event::RunError(RunError {
            message: message.into(),
            code: Some(code.as_str().to_owned()),
            usage: None,
            base: BaseFields::default(),
        })
    }

    /// The wire name of this event's type, e.g. `RUN_STARTED`.
    pub fn type_name(&self) -> String {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            _ => String::new(),
        }
    }

    /// Whether this event ends a run (RUN_FINISHED or RUN_ERROR).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Event::RunFinished(_) | Event::RunError(_))
    }

    /// Stamp with an integer millisecond timestamp.
    pub fn at(mut self, millis: i64) -> Event {
        if let Some(base) = self.base_mut() {
            base.timestamp = Some(millis);
        }
        self
    }

    /// Stamp with `millis` unless the event already carries a timestamp.
    pub fn at_if_unstamped(mut self, millis: i64) -> Event {
        if let Some(base) = self.base_mut()
            && base.timestamp.is_none()
        {
            base.timestamp = Some(millis);
        }
        self
    }

    /// Nests this event under a sub-agent run (`subagentRunId`); RUN_* and MESSAGES_SNAPSHOT
    /// may not carry one and are returned as they are.
    pub fn in_subagent(mut self, subagent_run_id: &str) -> Event {
        let nestable = !matches!(
            self,
            Event::RunStarted(_)
                | Event::RunFinished(_)
                | Event::RunError(_)
                | Event::MessagesSnapshot(_)
        );
        if nestable && let Some(base) = self.base_mut() {
            base.subagent_run_id = Some(subagent_run_id.to_owned());
        }
        self
    }

    fn base_mut(&mut self) -> Option<&mut BaseFields> {
        Some(match self {
            Event::TextMessageStart(e) => &mut e.base,
            Event::TextMessageContent(e) => &mut e.base,
            Event::TextMessageEnd(e) => &mut e.base,
            Event::TextMessageChunk(e) => &mut e.base,
            Event::ToolCallStart(e) => &mut e.base,
            Event::ToolCallArgs(e) => &mut e.base,
            Event::ToolCallEnd(e) => &mut e.base,
            Event::ToolCallChunk(e) => &mut e.base,
            Event::ToolCallResult(e) => &mut e.base,
            Event::StateSnapshot(e) => &mut e.base,
            Event::StateDelta(e) => &mut e.base,
            Event::MessagesSnapshot(e) => &mut e.base,
            Event::ActivitySnapshot(e) => &mut e.base,
            Event::ActivityDelta(e) => &mut e.base,
            Event::Raw(e) => &mut e.base,
            Event::Custom(e) => &mut e.base,
            Event::RunStarted(e) => &mut e.base,
            Event::RunFinished(e) => &mut e.base,
            Event::RunError(e) => &mut e.base,
            Event::StepStarted(e) | Event::StepFinished(e) => &mut e.base,
            Event::ReasoningStart(e) | Event::ReasoningEnd(e) | Event::ReasoningMessageEnd(e) => {
                &mut e.base
            }
            Event::ReasoningMessageStart(e) => &mut e.base,
            Event::ReasoningMessageContent(e) => &mut e.base,
            Event::ReasoningMessageChunk(e) => &mut e.base,
            Event::ReasoningEncryptedValue(e) => &mut e.base,
            Event::SubagentStarted(e) => &mut e.base,
            Event::SubagentFinished(e) => &mut e.base,
            Event::SubagentError(e) => &mut e.base,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nesting_under_a_subagent_skips_run_events() {
        let text = serde_json::to_value(Event::text_start("m").in_subagent("s1")).expect("json");
        assert_eq!(text["subagentRunId"], "s1");
        let err = Event::run_error("x", crate::run_error::ErrorCode::Internal).in_subagent("s1");
        let err = serde_json::to_value(err).expect("json");
        assert!(err.get("subagentRunId").is_none());
    }

    #[test]
    fn stamping_keeps_an_existing_timestamp() {
        let fresh = Event::step_started("a").at_if_unstamped(5);
        let kept = Event::step_started("a").at(3).at_if_unstamped(5);
        assert_eq!(fresh, Event::step_started("a").at(5));
        assert_eq!(kept, Event::step_started("a").at(3));
    }

    #[test]
    fn optional_fields_are_omitted_not_null() {
        let e = Event::RunFinished(RunFinished {
            thread_id: "t".into(),
            run_id: "r".into(),
            result: None,
            outcome: None,
            usage: None,
            base: BaseFields::default(),
        });
        let v = serde_json::to_value(&e).expect("serialize");
        assert_eq!(v, json!({"type":"RUN_FINISHED","threadId":"t","runId":"r"}));
    }

    #[test]
    fn interrupt_outcome_has_the_1_0_shape() {
        let e = Event::RunFinished(RunFinished {
            thread_id: "t".into(),
            run_id: "r".into(),
            result: None,
            outcome: Some(Outcome::Interrupt {
                interrupts: vec![Interrupt {
                    id: "q".into(),
                    reason: "input_required".into(),
                    message: None,
                    tool_call_id: None,
                    response_schema: Some(json!({"type":"object"})),
                    expires_at: None,
                    metadata: None,
                }],
            }),
            usage: None,
            base: BaseFields::default(),
        })
        .at(1_700_000_000_000);
        let v = serde_json::to_value(&e).expect("serialize");
        assert_eq!(
            v,
            json!({"type":"RUN_FINISHED","threadId":"t","runId":"r","timestamp":1_700_000_000_000_i64,
                   "outcome":{"type":"interrupt","interrupts":[{"id":"q","reason":"input_required","responseSchema":{"type":"object"}}]}})
        );
    }

    #[test]
    fn success_outcome_serializes_without_nulls() {
        let v = serde_json::to_value(Outcome::Success {
            pending_tool_call_ids: None,
        })
        .expect("serialize");
        assert_eq!(v, json!({"type":"success"}));
    }

    #[test]
    fn run_agent_input_from_http_agent_parses() {
        let body = r#"{"threadId":"t1","runId":"r1","protocolVersion":"1.0","state":{},
            "messages":[{"id":"u1","role":"user","content":"Build a todo app"}],
            "tools":[],"context":[],"forwardedProps":{},
            "resume":[{"interruptId":"i1","status":"resolved","payload":{"a":1}}]}"#;
        let input: RunAgentInput = serde_json::from_str(body).expect("parse");
        assert_eq!(input.thread_id, "t1");
        assert_eq!(
            input.messages[0].user_text().as_deref(),
            Some("Build a todo app")
        );
        let resume = input.resume.expect("resume");
        assert_eq!(resume[0].status, ResumeStatus::Resolved);
    }

    #[test]
    fn missing_required_ids_are_rejected() {
        let body = r#"{"runId":"r1","messages":[]}"#;
        assert!(serde_json::from_str::<RunAgentInput>(body).is_err());
    }

    #[test]
    fn every_event_round_trips_with_its_wire_type() {
        let events = vec![
            Event::text_start("m"),
            Event::text_content("m", "hi"),
            Event::text_end("m"),
            Event::step_started("code"),
            Event::step_finished("code"),
            Event::tool_start("c", "write_file", None),
            Event::tool_args("c", "{}"),
            Event::tool_end("c"),
            crate::view::AppEvent::RenderUrl(crate::view::RenderUrl {
                url: "x".into(),
                version: 1,
            })
            .into_event(),
            Event::state_delta(vec![json!({"op":"add","path":"/a","value":1})]),
            Event::state_snapshot(json!({})),
            Event::run_error("boom", crate::run_error::ErrorCode::Internal),
        ];
        let names = [
            "TEXT_MESSAGE_START",
            "TEXT_MESSAGE_CONTENT",
            "TEXT_MESSAGE_END",
            "STEP_STARTED",
            "STEP_FINISHED",
            "TOOL_CALL_START",
            "TOOL_CALL_ARGS",
            "TOOL_CALL_END",
            "CUSTOM",
            "STATE_DELTA",
            "STATE_SNAPSHOT",
            "RUN_ERROR",
        ];
        for (e, name) in events.into_iter().zip(names) {
            assert_eq!(e.type_name(), name);
            let text = serde_json::to_string(&e).expect("serialize");
            assert!(!text.contains("null"), "{text}");
            let back: Event = serde_json::from_str(&text).expect("parse");
            assert_eq!(back, e);
        }
    }
}
