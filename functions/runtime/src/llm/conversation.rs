//! One exchange with an agent: the answer generated (continued while the output limit cuts it,
//! streamed as it goes), parsed into the agent's answer type, and repaired once when unusable.
//!
//! Why apart: this is the policy every agent shares (continuation, repair, structured output
//! only on a first round); the agent steps only choose the agent, its prompt and its type.

use super::agents::{AgentName, AgentSpec};
use super::answers::{self, Answer};
use super::client::{ChatRequest, Completion, Msg};
use super::model_agent::ModelAgent;
use super::parse::extract_json;
use super::stream::{FileMode, StreamSink, strip_opening_fence};
use appgen_core::ports::{AgentError, AgentEvent, AgentOutput};

const CONTINUE_PROMPT: &str = "Your answer was cut off by the output limit. Continue exactly where you stopped: \
     output only the rest, starting with the very next character. Do not repeat anything, do not \
     add any preamble, do not start a new JSON object or code fence.";

/// How a finished round ends the answer.
enum RoundEnd {
    /// Cut by the token limit: ask for the rest.
    Cut,
    Done,
}

impl ModelAgent {
    /// One round's request: structured output on the first only (a continuation is not a
    /// whole object, so a schema would fight it), output capped by the agent and the settings.
    fn request(&self, spec: &AgentSpec, messages: Vec<Msg>, round: u32) -> ChatRequest {
        ChatRequest {
            route: spec.route,
            messages,
            schema: (round == 0).then(|| (format!("appgen_{}", spec.agent), spec.schema.clone())),
            max_tokens: match (spec.max_tokens, self.chain.cfg.max_output_tokens) {
                (Some(a), Some(cap)) => Some(a.min(cap)),
                (a, cap) => a.or(cap),
            },
        }
    }

    /// One answer, continued while it is cut by the token limit. Streams as it goes.
    pub(super) async fn generate(
        &self,
        agent: AgentName,
        messages: &[Msg],
        out: &mut dyn AgentOutput,
        mode: &FileMode,
    ) -> Result<String, AgentError> {
        let spec = self.agents.get(agent);
        let mut sink = StreamSink::new(out, mode.clone());
        let mut text = String::new();
        let mut msgs = messages.to_vec();
        for round in 0..=self.chain.cfg.max_continuations {
            let req = self.request(spec, msgs, round);
            let result = self.chain.complete(agent, &req, &mut sink).await;
            let end = result.and_then(|c| {
                sink.out.emit(AgentEvent::Usage(
                    self.chain.cfg.prices.priced(c.usage.clone()),
                ));
                append(&mut text, round, &c);
                round_end(agent, &c)
            });
            match end {
                Ok(RoundEnd::Cut) => {
                    tracing::info!(%agent, round, chars = text.len(), "output cut by the token limit; continuing");
                    msgs = messages.to_vec();
                    msgs.push(Msg::Assistant(text.clone()));
                    msgs.push(Msg::User(CONTINUE_PROMPT.into()));
                    sink.continuing();
                }
                Ok(RoundEnd::Done) => {
                    sink.close_all();
                    return Ok(text);
                }
                Err(e) => {
                    sink.close_all();
                    return Err(e);
                }
            }
        }
        sink.close_all();
        Err(AgentError::InvalidOutput(format!(
            "the {agent} answer was still cut off by the model's output limit after {} continuations; nothing was written",
            self.chain.cfg.max_continuations
        )))
    }

    /// Asks, parses into `A` and accepts; on unusable output one repair prompt, then
    /// `InvalidOutput`. Returns the accepted value and the conversation including the answer.
    pub(super) async fn ask<A: Answer>(
        &self,
        agent: AgentName,
        messages: Vec<Msg>,
        out: &mut dyn AgentOutput,
        mode: &FileMode,
    ) -> Result<(A::Accepted, Vec<Msg>), AgentError> {
        debug_assert_eq!(
            super::shape::of::<A>(),
            agent.answer_shape(),
            "{agent} is asked for another agent's answer type"
        );
        let text = self.generate(agent, &messages, out, mode).await?;
        let mut conv = messages;
        let why = match extract_json(&text).and_then(answers::accept::<A>) {
            Ok(a) => {
                conv.push(Msg::Assistant(text));
                return Ok((a, conv));
            }
            Err(why) => why,
        };
        tracing::warn!(%agent, error = %why, "unusable model output; asking for a repair");
        conv.push(Msg::Assistant(text));
        conv.push(Msg::User(format!(
            "Your answer could not be used: {why}\nAnswer again, completely, with only the JSON \
             object that follows the schema given in the instructions: no prose, no code fences."
        )));
        let text = self.generate(agent, &conv, out, mode).await?;
        match extract_json(&text).and_then(answers::accept::<A>) {
            Ok(a) => {
                conv.push(Msg::Assistant(text));
                Ok((a, conv))
            }
            Err(why) => Err(AgentError::InvalidOutput(format!(
                "the {agent} answer was not usable even after one repair: {why}"
            ))),
        }
    }
}

/// Adds a round's text; a continuation loses an opening code fence, by the same rule as the
/// stream, so what was shown and what is parsed agree.
fn append(text: &mut String, round: u32, c: &Completion) {
    if round == 0 {
        text.push_str(&c.text);
    } else {
        text.push_str(&strip_opening_fence(&c.text).unwrap_or_else(|| c.text.clone()));
    }
}

fn round_end(agent: AgentName, c: &Completion) -> Result<RoundEnd, AgentError> {
    match c.finish_reason.as_deref() {
        Some("length") => Ok(RoundEnd::Cut),
        Some("content_filter") => Err(AgentError::InvalidOutput(format!(
            "the provider's content filter stopped the {agent} answer"
        ))),
        _ => Ok(RoundEnd::Done),
    }
}
