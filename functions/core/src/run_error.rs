//! Why a run ended with RUN_ERROR: one typed code per cause, documented in `docs/api.md`.
//!
//! A run error is the run's own failure (bad model output, an app that cannot be used, a
//! budget spent): the run ends and the step message is not retried. A fault of the platform
//! (storage, queue) is something else: the step is retried under the one retry policy.

use serde::{Deserialize, Serialize};

/// The `code` of a RUN_ERROR event and of a failed run's record.
#[cfg_attr(test, derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The model's answer did not parse or did not match its schema.
    InvalidModelOutput,
    /// The model provider refused or failed (after fallback and retries).
    ModelProviderError,
    /// The model did not answer in time.
    ModelTimeout,
    /// The agent cannot do what was asked.
    UnsupportedRequest,
    /// A check written in words could not be read into a scenario. No longer given (such a
    /// run now finishes with the reader's message, `RunResult.message`: nothing is broken);
    /// kept so that runs recorded with it still load.
    UnreadableCheck,
    /// The whole run took longer than its limit.
    RunTimeout,
    /// One step took longer than its limit.
    StepTimeout,
    /// Proposed edits could not be applied to the files.
    EditFailed,
    /// The builder could not be reached.
    BuilderUnavailable,
    /// The generated files are not an acceptable app (unsafe path, missing entry point…).
    InvalidApp,
    /// The app still failed its build or check after the fix rounds.
    BuildFailed,
    /// The run spent its model-token budget.
    TokenBudget,
    /// A step failed on every try the retry policy allows.
    StepFailed,
    /// Something that should not happen did; the message says what.
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 14] = [
        ErrorCode::InvalidModelOutput,
        ErrorCode::ModelProviderError,
        ErrorCode::ModelTimeout,
        ErrorCode::UnsupportedRequest,
        ErrorCode::UnreadableCheck,
        ErrorCode::RunTimeout,
        ErrorCode::StepTimeout,
        ErrorCode::EditFailed,
        ErrorCode::BuilderUnavailable,
        ErrorCode::InvalidApp,
        ErrorCode::BuildFailed,
        ErrorCode::TokenBudget,
        ErrorCode::StepFailed,
        ErrorCode::Internal,
    ];

    /// The wire name (`snake_case`, as serialised).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidModelOutput => "invalid_model_output",
            ErrorCode::ModelProviderError => "model_provider_error",
            ErrorCode::ModelTimeout => "model_timeout",
            ErrorCode::UnsupportedRequest => "unsupported_request",
            ErrorCode::UnreadableCheck => "unreadable_check",
            ErrorCode::RunTimeout => "run_timeout",
            ErrorCode::StepTimeout => "step_timeout",
            ErrorCode::EditFailed => "edit_failed",
            ErrorCode::BuilderUnavailable => "builder_unavailable",
            ErrorCode::InvalidApp => "invalid_app",
            ErrorCode::BuildFailed => "build_failed",
            ErrorCode::TokenBudget => "token_budget",
            ErrorCode::StepFailed => "step_failed",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure of the run itself: it ends with RUN_ERROR `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RunError {
    pub code: ErrorCode,
    pub message: String,
}

impl RunError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> RunError {
        RunError {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_the_serialised_names() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).expect("serialise");
            assert_eq!(json, serde_json::json!(code.as_str()));
            let back: ErrorCode = serde_json::from_value(json).expect("parse");
            assert_eq!(back, code);
        }
    }
}
