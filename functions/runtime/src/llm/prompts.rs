//! What each step tells its agent: the placeholder values taken from the step's context, and
//! the opening messages (system prompt with the answer's schema, user message).
//!
//! Why here: one owner for how the app's state is written into a prompt (how files are
//! fenced, what stands in for "nothing yet", how long a build log may be), apart from the
//! conversation mechanics and the registry of templates.

use super::agents::AgentSpec;
use super::client::Msg;
use super::template::{Placeholder as P, Vars};
use appgen_core::app::FileChange;
use appgen_core::ports::{AgentContext, AgentError, Failure};
use serde_json::Value;

/// The longest build log tail a fix prompt carries.
const LOG_TAIL: usize = 6000;

/// The system and user messages that start a conversation with `spec`'s agent.
pub fn opening(spec: &AgentSpec, vars: &Vars) -> Result<Vec<Msg>, AgentError> {
    let unfilled = |e: super::template::MissingValue| {
        AgentError::Unsupported(format!("the {} prompt: {e}", spec.agent))
    };
    // The schema goes into the prompt too: providers without structured output (and the
    // repair prompt) need to see the shape, not only be held to it.
    let mut system = spec.system(vars).map_err(unfilled)?;
    system.push_str(&format!(
        "\n\nJSON Schema of your answer:\n```json\n{}\n```",
        serde_json::to_string(&spec.schema).unwrap_or_default()
    ));
    Ok(vec![
        Msg::System(system),
        Msg::User(spec.user(vars).map_err(unfilled)?),
    ])
}

/// What every step that sees the app offers: description, options, answers, requirements,
/// wireframe and files.
pub fn context(ctx: &AgentContext) -> Vars {
    let or = |s: String, none: &str| if s.is_empty() { none.to_owned() } else { s };
    let options: Vec<String> = ctx
        .options
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let answers = if ctx.answers.is_null() {
        "{}".into()
    } else {
        pretty(&ctx.answers)
    };
    let requirements = ctx
        .requirements
        .as_ref()
        .and_then(|r| serde_json::to_string_pretty(r).ok())
        .unwrap_or_else(|| "(none yet)".into());
    Vars::default()
        .with(P::Description, ctx.description.clone())
        .with(P::Options, or(options.join(", "), "(none)"))
        .with(P::Answers, answers)
        .with(P::Requirements, requirements)
        .with(
            P::Wireframe,
            ctx.wireframe.clone().unwrap_or_else(|| "(none)".into()),
        )
        .with(P::Files, or(fenced_files(ctx), "(no files yet)"))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn fenced_files(ctx: &AgentContext) -> String {
    let mut files = String::new();
    for (path, content) in &ctx.files {
        // The lockfile is large and no agent may change it.
        if path == "package-lock.json" {
            continue;
        }
        files.push_str(&format!("### {path}\n```\n{content}\n```\n\n"));
    }
    files
}

/// modify: the context and the user's request.
pub fn modify(ctx: &AgentContext, request: &str) -> Vars {
    context(ctx).with(P::Request, request)
}

/// qa asked for one check a person wrote in words: what follows the qa agent's user message.
pub fn check_in_words(sentence: &str) -> String {
    format!(
        "\n\nThis time write no suite: a person wrote one check of the app in words, and it runs \
         on the current version. Write it as exactly one scenario in `scenarios` (labels and button \
         names from the requirements, concrete values). If it does not say something a browser can \
         check on this app, answer with an empty `scenarios` and say in `message`, in one sentence, \
         how to put it.\n\nThe check: {sentence}"
    )
}

/// fix: the context and the failure.
pub fn fix(ctx: &AgentContext, failure: &Failure) -> Vars {
    let console_errors = if failure.console_errors.is_empty() {
        "(none)".into()
    } else {
        let lines: Vec<String> = failure
            .console_errors
            .iter()
            .map(|e| format!("- {e}"))
            .collect();
        lines.join("\n")
    };
    context(ctx)
        .with(P::Error, failure.error.clone())
        .with(P::Log, tail(&failure.log, LOG_TAIL))
        .with(P::Round, failure.round.to_string())
        .with(P::ConsoleErrors, console_errors)
}

/// rewrite: one file, the changes meant for it, and why.
pub fn rewrite(path: &str, current: &str, intended: &[&FileChange], instruction: &str) -> Vars {
    Vars::default()
        .with(P::Path, path)
        .with(P::FileContent, current)
        .with(
            P::Intended,
            serde_json::to_string_pretty(intended).unwrap_or_default(),
        )
        .with(P::Instruction, instruction)
}

/// The last `max` bytes of `s` (on a character boundary), marked as cut.
fn tail(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &s[start..])
}

#[cfg(test)]
mod tests {
    use super::super::agents::{AgentName, Agents};
    use super::*;

    fn sample() -> (AgentContext, Failure) {
        let ctx = AgentContext {
            description: "a todo app".into(),
            ..AgentContext::default()
        };
        let failure = Failure {
            error: "tsc failed".into(),
            log: "x".repeat(LOG_TAIL + 10),
            round: 2,
            console_errors: vec!["boom".into()],
        };
        (ctx, failure)
    }

    /// What each agent's prompt may ask for, its step provides: no template can meet a hole.
    #[test]
    fn every_step_provides_every_placeholder_its_agent_offers() {
        let (ctx, failure) = sample();
        let change = FileChange::Delete { path: "a".into() };
        for agent in AgentName::ALL {
            let vars = match agent {
                AgentName::Fix => fix(&ctx, &failure),
                AgentName::Modify => modify(&ctx, "dark mode"),
                AgentName::Rewrite => rewrite("a", "", &[&change], "why"),
                _ => context(&ctx),
            };
            for p in agent.placeholders() {
                assert!(
                    vars.provides(*p),
                    "{agent} offers {p} but its step does not fill it"
                );
            }
        }
    }

    #[test]
    fn the_opening_fills_the_template_and_shows_the_schema() {
        let (ctx, failure) = sample();
        let agents = Agents::load(None).expect("agents");
        let msgs = opening(agents.get(AgentName::Fix), &fix(&ctx, &failure)).expect("opening");
        let [Msg::System(system), Msg::User(user)] = msgs.as_slice() else {
            panic!("system and user: {msgs:?}");
        };
        assert!(system.contains("# appgen agent: fix"), "{system}");
        assert!(system.contains("JSON Schema of your answer"), "{system}");
        assert!(
            user.contains("tsc failed") && user.contains("- boom"),
            "{user}"
        );
        assert!(
            user.contains(&format!("…{}", "x".repeat(LOG_TAIL))),
            "log tail"
        );
        assert!(!user.contains("{{"), "{user}");
    }
}
