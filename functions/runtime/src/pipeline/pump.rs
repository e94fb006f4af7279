//! The pump: turns a step handler's agent events into AG-UI events (text messages, tool calls
//! for streamed files) and appends them in batches while the handler works.

use crate::events::EventWriter;
use appgen_core::agui::{
    BaseFields, Event, SubagentError, SubagentFinished, SubagentStarted, TokenUsage,
};
use appgen_core::ports::{AgentEvent, AgentOutput, StoreError};
use std::collections::HashMap;
use tokio::sync::mpsc;

/// The agent's sink: a channel drained by the [`Pump`].
pub(super) struct ChannelOutput {
    pub(super) tx: mpsc::UnboundedSender<AgentEvent>,
}

impl AgentOutput for ChannelOutput {
    fn emit(&mut self, event: AgentEvent) {
        let _ = self.tx.send(event);
    }
}

/// Turns agent events into AG-UI events and appends them in batches while the agent works.
pub(super) struct Pump {
    pub(super) writer: EventWriter,
    say_id: String,
    say_open: bool,
    /// The id of the text message now streaming: `say_id` first; a new one after each
    /// sub-agent opens or closes (a closed message is never reopened).
    segment_id: String,
    segments: usize,
    /// The external agent run that events are nested under now.
    subagent: Option<String>,
    pub(super) said: String,
    tools: HashMap<String, String>,
    tool_count: usize,
    pub(super) usage: Vec<TokenUsage>,
    /// External agents' URLs found unreachable, for the run to remember.
    pub(super) unreachable: Vec<String>,
    pending: Vec<Event>,
}

impl Pump {
    pub(super) fn new(writer: EventWriter, say_id: String) -> Pump {
        Pump {
            writer,
            segment_id: say_id.clone(),
            say_id,
            say_open: false,
            segments: 0,
            subagent: None,
            said: String::new(),
            tools: HashMap::new(),
            tool_count: 0,
            usage: Vec::new(),
            unreachable: Vec::new(),
            pending: Vec::new(),
        }
    }

    pub(super) async fn run(
        mut self,
        mut rx: mpsc::UnboundedReceiver<AgentEvent>,
    ) -> Result<Pump, StoreError> {
        while let Some(first) = rx.recv().await {
            self.convert(first);
            while let Ok(more) = rx.try_recv() {
                self.convert(more);
                if self.pending.len() > 256 {
                    break;
                }
            }
            let batch = std::mem::take(&mut self.pending);
            self.writer.append(batch).await?;
        }
        Ok(self)
    }

    /// The id of the step's text message (also the assistant message's id).
    pub(super) fn say_id(&self) -> &str {
        &self.say_id
    }

    pub(super) fn say(&mut self, text: &str) {
        if !self.say_open {
            self.push(Event::text_start(&self.segment_id.clone()));
            self.say_open = true;
        }
        self.said.push_str(text);
        self.push(Event::text_content(&self.segment_id.clone(), text));
    }

    /// Queues `e`, nested under the open sub-agent run if there is one.
    fn push(&mut self, e: Event) {
        match &self.subagent {
            Some(id) => self.pending.push(e.in_subagent(id)),
            None => self.pending.push(e),
        }
    }

    /// Ends the open text message and file writes, so the next ones start under a new owner.
    fn end_segment(&mut self) {
        let mut open: Vec<String> = self.tools.drain().map(|(_, id)| id).collect();
        open.sort();
        for id in open {
            self.push(Event::tool_args(&id, "\"}"));
            self.push(Event::tool_end(&id));
        }
        if self.say_open {
            self.push(Event::text_end(&self.segment_id.clone()));
            self.say_open = false;
        }
        self.segments += 1;
        self.segment_id = format!("{}-s{}", self.say_id, self.segments);
    }

    fn subagent_started(&mut self, run_id: String, name: String) {
        self.end_segment();
        self.pending.push(Event::SubagentStarted(SubagentStarted {
            subagent_run_id: run_id.clone(),
            name,
            description: None,
            parent_subagent_run_id: None,
            parent_tool_call_id: None,
            parent_message_id: None,
            base: BaseFields::default(),
        }));
        self.subagent = Some(run_id);
    }

    fn subagent_ended(&mut self, run_id: String, error: Option<String>) {
        if self.subagent.as_deref() != Some(run_id.as_str()) {
            return;
        }
        self.end_segment();
        self.subagent = None;
        let base = BaseFields::default();
        self.pending.push(match error {
            None => Event::SubagentFinished(SubagentFinished {
                subagent_run_id: run_id,
                result: None,
                outcome: None,
                base,
            }),
            Some(message) => Event::SubagentError(SubagentError {
                subagent_run_id: run_id,
                message,
                code: None,
                base,
            }),
        });
    }

    fn convert(&mut self, e: AgentEvent) {
        match e {
            AgentEvent::Say(text) if !text.is_empty() => self.say(&text),
            AgentEvent::Say(_) => {}
            AgentEvent::FileStarted { path } => {
                self.tool_count += 1;
                let id = format!("{}-f{}", self.say_id, self.tool_count);
                self.push(Event::tool_start(&id, "write_file", None));
                let head = format!(
                    "{{\"path\":{},\"content\":\"",
                    serde_json::to_string(&path).unwrap_or_default()
                );
                self.push(Event::tool_args(&id, &head));
                self.tools.insert(path, id);
            }
            AgentEvent::FileDelta { path, delta } => {
                if let Some(id) = self.tools.get(&path).cloned() {
                    let quoted = serde_json::to_string(&delta).unwrap_or_default();
                    let inner = &quoted[1..quoted.len().saturating_sub(1)];
                    if !inner.is_empty() {
                        self.push(Event::tool_args(&id, inner));
                    }
                }
            }
            AgentEvent::FileFinished { path } => {
                if let Some(id) = self.tools.remove(&path) {
                    self.push(Event::tool_args(&id, "\"}"));
                    self.push(Event::tool_end(&id));
                }
            }
            AgentEvent::Usage(u) => self.usage.push(u),
            AgentEvent::SubagentStarted { run_id, name } => self.subagent_started(run_id, name),
            AgentEvent::SubagentEnded { run_id, error } => self.subagent_ended(run_id, error),
            AgentEvent::Unreachable { url } => self.unreachable.push(url),
        }
    }

    /// Closes what is still open (pending events first), a sub-agent left open included.
    pub(super) fn close(&mut self) -> Vec<Event> {
        match self.subagent.clone() {
            Some(id) => self.subagent_ended(id, Some("the agent's step ended first".into())),
            None => self.end_segment(),
        }
        std::mem::take(&mut self.pending)
    }
}
