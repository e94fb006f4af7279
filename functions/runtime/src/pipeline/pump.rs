//! The pump: turns a step handler's agent events into AG-UI events (text messages, tool calls
//! for streamed files) and appends them in batches while the handler works.

use crate::events::EventWriter;
use appgen_core::agui::{Event, TokenUsage};
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
    pub(super) said: String,
    tools: HashMap<String, String>,
    tool_count: usize,
    pub(super) usage: Vec<TokenUsage>,
    pending: Vec<Event>,
}

impl Pump {
    pub(super) fn new(writer: EventWriter, say_id: String) -> Pump {
        Pump {
            writer,
            say_id,
            say_open: false,
            said: String::new(),
            tools: HashMap::new(),
            tool_count: 0,
            usage: Vec::new(),
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
            self.pending.push(Event::text_start(&self.say_id));
            self.say_open = true;
        }
        self.said.push_str(text);
        self.pending.push(Event::text_content(&self.say_id, text));
    }

    fn convert(&mut self, e: AgentEvent) {
        match e {
            AgentEvent::Say(text) if !text.is_empty() => self.say(&text),
            AgentEvent::Say(_) => {}
            AgentEvent::FileStarted { path } => {
                self.tool_count += 1;
                let id = format!("{}-f{}", self.say_id, self.tool_count);
                self.pending
                    .push(Event::tool_start(&id, "write_file", None));
                let head = format!(
                    "{{\"path\":{},\"content\":\"",
                    serde_json::to_string(&path).unwrap_or_default()
                );
                self.pending.push(Event::tool_args(&id, &head));
                self.tools.insert(path, id);
            }
            AgentEvent::FileDelta { path, delta } => {
                if let Some(id) = self.tools.get(&path) {
                    let quoted = serde_json::to_string(&delta).unwrap_or_default();
                    let inner = &quoted[1..quoted.len().saturating_sub(1)];
                    if !inner.is_empty() {
                        self.pending.push(Event::tool_args(id, inner));
                    }
                }
            }
            AgentEvent::FileFinished { path } => {
                if let Some(id) = self.tools.remove(&path) {
                    self.pending.push(Event::tool_args(&id, "\"}"));
                    self.pending.push(Event::tool_end(&id));
                }
            }
            AgentEvent::Usage(u) => self.usage.push(u),
        }
    }

    /// Closes what is still open (pending events first).
    pub(super) fn close(&mut self) -> Vec<Event> {
        let mut out = std::mem::take(&mut self.pending);
        let mut open: Vec<String> = self.tools.drain().map(|(_, id)| id).collect();
        open.sort();
        for id in open {
            out.push(Event::tool_args(&id, "\"}"));
            out.push(Event::tool_end(&id));
        }
        if self.say_open {
            out.push(Event::text_end(&self.say_id));
            self.say_open = false;
        }
        out
    }
}
