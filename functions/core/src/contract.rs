//! Keeps `web/src/lib/contract.ts` in step with the Rust types the browser reads (`view.rs`,
//! `ErrorCode`, the vocabulary they use). The file is generated; this test fails when it
//! differs from what the types say. Regenerate with
//! `UPDATE_CONTRACT=1 cargo test -p appgen-core --lib contract`.

use crate::app::{BuildPhase, CheckResult, Question, QuestionKind, Requirements};
use crate::check::CheckKind;
use crate::run_error::ErrorCode;
use crate::snapshot::{RunKind, RunStatus};
use crate::step::StepName;
use crate::view::*;
use std::collections::BTreeSet;
use ts_rs::{Config, TS};

const HEADER: &str = "\
// Generated from the Rust types in functions/core (view.rs and the types it uses): do not edit.
// Regenerate with `UPDATE_CONTRACT=1 cargo test -p appgen-core --lib contract`.
// AG-UI's own types come from @ag-ui/core; these are appgen's payloads (docs/api.md).

import type { Message, TokenUsage } from \"@ag-ui/core\";
";

/// Types from @ag-ui/core the generated file refers to (imported by the header).
const AG_UI: [&str; 2] = ["Message", "TokenUsage"];

struct Contract {
    cfg: Config,
    out: String,
    declared: BTreeSet<String>,
    used: BTreeSet<String>,
}

impl Contract {
    fn add<T: TS + 'static + ?Sized>(&mut self) -> &mut Self {
        if let Some(docs) = T::docs() {
            self.out.push('\n');
            self.out.push_str(&docs);
        } else {
            self.out.push('\n');
        }
        self.out.push_str("export ");
        self.out.push_str(&T::decl(&self.cfg));
        self.out.push('\n');
        self.declared.insert(T::ident(&self.cfg));
        for dep in T::dependencies(&self.cfg) {
            self.used.insert(dep.ts_name);
        }
        self
    }
}

fn generate() -> (String, BTreeSet<String>) {
    let cfg = Config::new().with_large_int("number");
    let mut c = Contract {
        cfg,
        out: HEADER.to_owned(),
        declared: BTreeSet::new(),
        used: BTreeSet::new(),
    };
    c.add::<UiState>()
        .add::<ThreadStatus>()
        .add::<ActiveRunView>()
        .add::<LastBuild>()
        .add::<LastRunView>()
        .add::<FileEntry>()
        .add::<VersionSummary>()
        .add::<CheckSummary>()
        .add::<PreviewView>()
        .add::<StepUsageView>()
        .add::<AppEvent>()
        .add::<StepInfo>()
        .add::<ExternalAgent>()
        .add::<StepResult>()
        .add::<RenderUrl>()
        .add::<CheckOutcome>()
        .add::<crate::scenario::Tally>()
        .add::<RunResult>()
        .add::<CheckVerdict>()
        .add::<InterruptReason>()
        .add::<ErrorCode>()
        .add::<ThreadList>()
        .add::<ThreadListItem>()
        .add::<crate::cost::Spend>()
        .add::<ThreadDetail>()
        .add::<RunView>()
        .add::<VersionDetail>()
        .add::<FileInfo>()
        .add::<crate::app::CheckReport>()
        .add::<PublishedView>()
        .add::<PublishRequest>()
        .add::<DeployRequest>()
        .add::<crate::deploy::DeployView>()
        .add::<crate::deploy::DeployStage>()
        .add::<crate::deploy::DeployList>()
        .add::<Restored>()
        .add::<PreviewDataReset>()
        .add::<CheckRequest>()
        .add::<CheckStarted>()
        .add::<crate::access::Role>()
        .add::<InviteRequest>()
        .add::<InviteCreated>()
        .add::<InviteView>()
        .add::<MemberView>()
        .add::<MemberList>()
        .add::<RoleChange>()
        .add::<InviteAccepted>()
        .add::<crate::live::Person>()
        .add::<crate::live::QueuedMessage>()
        .add::<crate::live::QueuedKind>()
        .add::<crate::live::CheckRemoved>()
        .add::<crate::live::QueueRequest>()
        .add::<crate::live::ThreadEvent>()
        .add::<crate::live::RunStartedInfo>()
        .add::<crate::live::RunEndedInfo>()
        .add::<crate::live::MessagePosted>()
        .add::<crate::live::QuestionsAsked>()
        .add::<crate::live::QuestionsAnswered>()
        .add::<crate::live::VersionMade>()
        .add::<crate::live::RestoredInfo>()
        .add::<crate::live::MemberChange>()
        .add::<crate::live::Withdrawn>()
        .add::<crate::live::Presence>()
        .add::<crate::live::AccessEnded>()
        .add::<Health>()
        .add::<Me>()
        .add::<ApiErrorBody>()
        .add::<ApiErrorInfo>()
        .add::<ApiErrorCode>()
        .add::<StepName>()
        .add::<RunKind>()
        .add::<RunStatus>()
        .add::<BuildPhase>()
        .add::<Question>()
        .add::<QuestionKind>()
        .add::<Requirements>()
        .add::<CheckResult>()
        .add::<CheckKind>()
        .add::<crate::scenario::Scenario>()
        .add::<crate::scenario::ScenarioStep>()
        .add::<crate::scenario::Role>()
        .add::<crate::scenario::Window>()
        .add::<crate::scenario::Expectation>()
        .add::<crate::scenario::ScenarioResult>()
        .add::<crate::check::ColorTarget>()
        .add::<crate::colors::ColorName>()
        .add::<serde_json::Value>();
    let missing = c.used.difference(&c.declared).cloned().collect();
    (c.out, missing)
}

#[test]
fn contract_ts_is_generated_from_the_rust_types() {
    let (text, missing) = generate();
    assert!(
        missing.is_empty(),
        "contract.ts refers to types it does not declare: {missing:?} (add them to generate())"
    );
    for name in AG_UI {
        assert!(text.contains(name), "the header imports {name}, unused");
    }
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/src/lib/contract.ts");
    if std::env::var_os("UPDATE_CONTRACT").is_some() {
        std::fs::write(&path, &text).expect("write contract.ts");
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == text,
        "{} is not what the Rust types say; regenerate it with \
         `UPDATE_CONTRACT=1 cargo test -p appgen-core --lib contract` and update the web UI",
        path.display()
    );
}
