//! Modify and fix: search/replace edits validated against the current files, one repair round
//! for those that do not apply, then a whole-file rewrite of each file still failing.
//!
//! Why apart: this is the one multi-turn flow, with its own rules (no file left half-edited,
//! refused changes reported but not retried, a dead provider ends it but unusable repair output
//! does not), and it is the only user of the `rewrite` agent.

use super::agents::AgentName;
use super::answers::{ChangesAnswer, RewriteAnswer};
use super::client::Msg;
use super::model_agent::ModelAgent;
use super::prompts;
use super::stream::FileMode;
use super::template::Vars;
use appgen_core::app::{ChangeSet, FileChange, FileMap};
use appgen_core::edits::{EditError, apply_changes};
use appgen_core::ports::{AgentContext, AgentError, AgentEvent, AgentOutput};
use std::collections::BTreeSet;

const CHANGES: FileMode = FileMode::Array("changes");

impl ModelAgent {
    /// One edit step by `agent` (fix or modify); `instruction` says why, for a rewrite.
    pub(super) async fn edit_round(
        &self,
        agent: AgentName,
        ctx: &AgentContext,
        vars: Vars,
        instruction: &str,
        out: &mut dyn AgentOutput,
    ) -> Result<ChangeSet, AgentError> {
        let messages = prompts::opening(self.agents.get(agent), &vars)?;
        let ((message, proposed), conv) = self
            .ask::<ChangesAnswer>(agent, messages, out, &CHANGES)
            .await?;
        let first = sort_changes(&ctx.files, proposed.clone());
        let mut refused = first.refused;
        let mut ok = first.ok;
        if !first.failed.is_empty() {
            let base = apply_changes(&ctx.files, &ok).map_err(|e| {
                AgentError::InvalidOutput(format!("the valid edits do not apply together: {e}"))
            })?;
            let repair = self
                .repair(agent, ctx, &base, conv, &first.failed, out)
                .await?;
            refused.extend(repair.refused);
            ok.extend(repair.ok);
            for path in repair.still_bad {
                let intended: Vec<&FileChange> =
                    proposed.iter().filter(|c| c.path() == path).collect();
                let current = ctx.files.get(&path).map(String::as_str).unwrap_or("");
                let content = self
                    .rewrite(&path, current, &intended, instruction, out)
                    .await?;
                ok.push(FileChange::Write { path, content });
            }
        }
        for r in &refused {
            out.emit(AgentEvent::Say(format!("\nNot changed: {r}.\n")));
        }
        if ok.is_empty() && !refused.is_empty() {
            return Err(AgentError::InvalidOutput(format!(
                "every proposed change was refused: {}",
                refused.join("; ")
            )));
        }
        apply_changes(&ctx.files, &ok).map_err(|e| {
            AgentError::InvalidOutput(format!("the changes do not apply together: {e}"))
        })?;
        Ok(ChangeSet {
            summary: message,
            changes: ok,
            requirements: None,
            suite: Default::default(),
        })
    }

    /// Asks again for the files whose edits failed, showing their current content; `base` is
    /// the files with the changes that did apply.
    async fn repair(
        &self,
        agent: AgentName,
        ctx: &AgentContext,
        base: &FileMap,
        mut conv: Vec<Msg>,
        failed: &[(FileChange, EditError)],
        out: &mut dyn AgentOutput,
    ) -> Result<Repaired, AgentError> {
        let bad: BTreeSet<String> = failed.iter().map(|(c, _)| c.path().to_owned()).collect();
        conv.push(Msg::User(repair_prompt(&ctx.files, failed, &bad)));
        tracing::info!(%agent, files = ?bad, "edit repair round");
        let retry = self
            .ask::<ChangesAnswer>(agent, conv, out, &CHANGES)
            .await
            .map(|((_, c), _)| c);
        match retry {
            Ok(changes) => Ok(Repaired::from_retry(base, &bad, changes)),
            // Unusable repair output still leaves the rewrite; a dead provider does not.
            Err(e @ AgentError::InvalidOutput(_)) => {
                tracing::warn!(%agent, error = %e, "edit repair round failed; rewriting files");
                Ok(Repaired {
                    ok: Vec::new(),
                    refused: Vec::new(),
                    still_bad: bad,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// The full-file fallback for one file.
    async fn rewrite(
        &self,
        path: &str,
        current: &str,
        intended: &[&FileChange],
        instruction: &str,
        out: &mut dyn AgentOutput,
    ) -> Result<String, AgentError> {
        tracing::info!(path, "rewriting the whole file");
        let vars = prompts::rewrite(path, current, intended, instruction);
        let messages = prompts::opening(self.agents.get(AgentName::Rewrite), &vars)?;
        let mode = FileMode::Single(path.to_owned());
        let (content, _) = self
            .ask::<RewriteAnswer>(AgentName::Rewrite, messages, out, &mode)
            .await?;
        Ok(content)
    }
}

fn repair_prompt(
    files: &FileMap,
    failed: &[(FileChange, EditError)],
    bad: &BTreeSet<String>,
) -> String {
    let mut prompt = String::from(
        "Some of your changes could not be applied; none of the changes to these files were made:\n",
    );
    for (c, e) in failed {
        prompt.push_str(&format!("- {}: {e}\n", c.path()));
    }
    prompt.push_str(
        "\nThe other changes were applied. Answer again with the JSON object, with `changes` \
         only for the files listed, complete (all changes you want in those files). Copy \
         each `search` exactly from the current content below, or use `write` with the whole file.\n",
    );
    for p in bad {
        prompt.push_str(&format!(
            "\nCurrent content of {p}:\n```\n{}\n```\n",
            files
                .get(p)
                .map(String::as_str)
                .unwrap_or("(the file does not exist)")
        ));
    }
    prompt
}

/// What the repair round achieved.
struct Repaired {
    /// Changes to the failed files that now apply, every one of a file or none.
    ok: Vec<FileChange>,
    refused: Vec<String>,
    /// Files to rewrite whole.
    still_bad: BTreeSet<String>,
}

impl Repaired {
    fn from_retry(base: &FileMap, bad: &BTreeSet<String>, changes: Vec<FileChange>) -> Repaired {
        let for_bad: Vec<FileChange> = changes
            .into_iter()
            .filter(|c| bad.contains(c.path()))
            .collect();
        let s = sort_changes(base, for_bad);
        let failed: BTreeSet<String> = s.failed.iter().map(|(c, _)| c.path().to_owned()).collect();
        // A file repaired only in part is rewritten whole, not left half-edited.
        let ok: Vec<FileChange> =
            s.ok.into_iter()
                .filter(|c| !failed.contains(c.path()))
                .collect();
        let missing = bad
            .iter()
            .filter(|p| !ok.iter().any(|c| c.path() == p.as_str()) && !failed.contains(*p))
            .cloned();
        let mut still_bad = failed.clone();
        still_bad.extend(missing);
        Repaired {
            ok,
            refused: s.refused,
            still_bad,
        }
    }
}

struct Sorted {
    ok: Vec<FileChange>,
    failed: Vec<(FileChange, EditError)>,
    refused: Vec<String>,
}

/// Splits changes into those that apply (in order), those whose search text does not match
/// (repairable), and those refused outright (protected files, bad paths, deleting nothing).
/// Every change to a file with a failed edit is held back so no file is left half-edited.
fn sort_changes(files: &FileMap, changes: Vec<FileChange>) -> Sorted {
    let mut work = files.clone();
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    let mut refused = Vec::new();
    for ch in changes {
        match apply_changes(&work, std::slice::from_ref(&ch)) {
            Ok(next) => {
                work = next;
                ok.push(ch);
            }
            Err(e @ (EditError::Protected(_) | EditError::Path(_))) => refused.push(e.to_string()),
            Err(e @ EditError::MissingFile(_)) if matches!(ch, FileChange::Delete { .. }) => {
                refused.push(e.to_string())
            }
            Err(e) => failed.push((ch, e)),
        }
    }
    let bad: BTreeSet<&str> = failed.iter().map(|(c, _)| c.path()).collect();
    ok.retain(|c| !bad.contains(c.path()));
    Sorted {
        ok,
        failed,
        refused,
    }
}
