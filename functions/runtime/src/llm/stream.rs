//! Streaming an answer to the user while it is generated: narration (`message`) as it arrives,
//! and each file as soon as its path is known, with rollback when a call fails midway and a
//! continuation's stray code fence dropped.
//!
//! Why apart: it is the only state machine of the agent (per-file open/finished/muted slots
//! fed by the incremental JSON scanner), and the conversation code only needs its
//! [`DeltaSink`] face.

use super::client::DeltaSink;
use super::parse::{JsonScanner, ScanEvent, Seg};
use appgen_core::ports::{AgentEvent, AgentOutput};
use std::collections::BTreeMap;

/// Where file contents appear in an agent's JSON answer.
#[derive(Debug, Clone)]
pub enum FileMode {
    None,
    /// `{KEY: [{"path", "content"}, …]}`.
    Array(&'static str),
    /// `{"content"}` of a known file.
    Single(String),
}

#[derive(Debug, Clone, Default)]
struct FileSlot {
    path: String,
    path_done: bool,
    pending: String,
    content_done: bool,
    started: bool,
    finished: bool,
    /// Rolled back while open: already closed for the user, stays silent.
    muted: bool,
}

impl FileSlot {
    /// A chunk, or the end, of its `path` (`is_path`) or `content` string.
    fn take(&mut self, is_path: bool, chunk: Option<String>, end: bool) {
        let (text, done) = if is_path {
            (&mut self.path, &mut self.path_done)
        } else {
            (&mut self.pending, &mut self.content_done)
        };
        if let Some(t) = chunk {
            text.push_str(&t);
        }
        *done |= end;
    }

    /// The file events what arrived so far allows: nothing before the path is complete.
    fn ready_events(&mut self) -> Vec<AgentEvent> {
        let mut events = Vec::new();
        if !self.path_done || self.path.is_empty() || self.finished {
            return events;
        }
        if !self.started && !self.pending.is_empty() {
            self.started = true;
            events.push(AgentEvent::FileStarted {
                path: self.path.clone(),
            });
        }
        if self.started && !self.pending.is_empty() {
            events.push(AgentEvent::FileDelta {
                path: self.path.clone(),
                delta: std::mem::take(&mut self.pending),
            });
        }
        if self.started && self.content_done {
            self.finished = true;
            events.push(AgentEvent::FileFinished {
                path: self.path.clone(),
            });
        }
        events
    }
}

#[derive(Debug, Clone, Default)]
struct StreamState {
    scanner: JsonScanner,
    slots: BTreeMap<usize, FileSlot>,
    /// A continuation is starting: hold its first characters to drop a code fence it may open
    /// with (models do, despite the prompt).
    fence_check: Option<String>,
}

/// Turns streamed model text into narration and file events.
pub struct StreamSink<'a> {
    pub out: &'a mut dyn AgentOutput,
    mode: FileMode,
    state: StreamState,
    checkpoint: StreamState,
}

impl<'a> StreamSink<'a> {
    pub fn new(out: &'a mut dyn AgentOutput, mode: FileMode) -> StreamSink<'a> {
        StreamSink {
            out,
            mode,
            state: StreamState::default(),
            checkpoint: StreamState::default(),
        }
    }

    /// Closes every file still open (an aborted answer): the UI never keeps a dangling write.
    pub fn close_all(&mut self) {
        for slot in self.state.slots.values_mut() {
            if slot.started && !slot.finished {
                slot.finished = true;
                self.out.emit(AgentEvent::FileFinished {
                    path: slot.path.clone(),
                });
            }
        }
    }

    /// The next text starts a continuation: drop a code fence it may open with.
    pub fn continuing(&mut self) {
        self.state.fence_check = Some(String::new());
    }

    /// Which file slot a path belongs to, and whether it is the `path` or `content` string.
    fn slot_of(&self, path: &[Seg]) -> Option<(usize, bool)> {
        match (&self.mode, path) {
            (FileMode::Array(key), [Seg::Key(k), Seg::Index(i), Seg::Key(field)]) if k == key => {
                match field.as_str() {
                    "path" => Some((*i, true)),
                    "content" => Some((*i, false)),
                    _ => None,
                }
            }
            (FileMode::Single(_), [Seg::Key(field)]) if field == "content" => Some((0, false)),
            _ => None,
        }
    }

    fn on_event(&mut self, e: ScanEvent) {
        let (path, chunk, end) = match e {
            ScanEvent::Start(_) => return,
            ScanEvent::Chunk(p, t) => (p, Some(t), false),
            ScanEvent::End(p) => (p, None, true),
        };
        if path == [Seg::Key("message".into())] {
            if let Some(t) = chunk {
                self.out.emit(AgentEvent::Say(t));
            }
            return;
        }
        let Some((i, is_path)) = self.slot_of(&path) else {
            return;
        };
        let single = match &self.mode {
            FileMode::Single(p) => Some(p.clone()),
            _ => None,
        };
        let slot = self.state.slots.entry(i).or_insert_with(|| FileSlot {
            path: single.clone().unwrap_or_default(),
            path_done: single.is_some(),
            ..FileSlot::default()
        });
        if slot.muted {
            return;
        }
        slot.take(is_path, chunk, end);
        let events = slot.ready_events();
        for e in events {
            self.out.emit(e);
        }
    }
}

impl DeltaSink for StreamSink<'_> {
    fn checkpoint(&mut self) {
        self.checkpoint = self.state.clone();
    }

    fn delta(&mut self, text: &str) {
        let text = match &mut self.state.fence_check {
            None => text.to_owned(),
            Some(held) => {
                held.push_str(text);
                match strip_opening_fence(held) {
                    None => return,
                    Some(rest) => {
                        self.state.fence_check = None;
                        rest
                    }
                }
            }
        };
        let events = self.state.scanner.feed(&text);
        for e in events {
            self.on_event(e);
        }
    }

    fn rollback(&mut self) {
        let open: Vec<usize> = self
            .state
            .slots
            .iter()
            .filter(|(_, s)| s.started && !s.finished)
            .map(|(i, _)| *i)
            .collect();
        self.close_all();
        self.state = self.checkpoint.clone();
        for i in open {
            // Only a file already open at the checkpoint was cut in two; a later one starts over.
            if let Some(s) = self.state.slots.get_mut(&i)
                && s.started
            {
                s.muted = true;
            }
        }
    }

    fn notice(&mut self, text: &str) {
        self.out.emit(AgentEvent::Say(text.to_owned()));
    }
}

/// The text without an opening "```json" / "```" line, once enough has arrived to tell;
/// `None` while it cannot be told yet.
pub fn strip_opening_fence(held: &str) -> Option<String> {
    let t = held.trim_start();
    for fence in ["```json\n", "```JSON\n", "```\n"] {
        if let Some(rest) = t.strip_prefix(fence) {
            return Some(rest.to_owned());
        }
        if fence.starts_with(t) {
            return None;
        }
    }
    if t.is_empty() {
        return None;
    }
    Some(held.to_owned())
}
