//! The Azure Functions custom-handler contract.
//!
//! One table, [`FUNCTIONS`], defines every function: the router answers `POST /{name}` for each
//! queue-triggered step, and `appgen package` writes each `function.json` from the same table,
//! so bindings and routes cannot drift. HTTP functions are proxied by the host
//! (`enableProxyingHttpRequest`), so they reach the ordinary `/api/...` routes and can stream.

use crate::api::ApiError;
use appgen_core::retry::{Action, RetryPolicy, decide, give_up_reason};
use appgen_core::step::{StepMessage, StepName};
use appgen_core::view::ApiErrorCode;
use appgen_runtime::pipeline::Pipeline;
use appgen_runtime::worker::delivered;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// How a function is triggered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A queue trigger on the step's queue.
    Queue(StepName),
    /// A timer trigger (NCRONTAB with seconds): the sweeper.
    Timer { schedule: &'static str },
    /// An HTTP trigger: route and methods. host.json's routePrefix is empty, so routes are
    /// the paths the handler serves (`api/...` for the API, `p/...` for previews on the
    /// Function App's own host).
    Http {
        route: &'static str,
        methods: &'static [&'static str],
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    pub name: &'static str,
    pub trigger: Trigger,
}

/// The queue trigger's binding name: `Data.message` in invocation payloads.
pub const QUEUE_BINDING: &str = "message";

/// Every function of the app. Queue names come from [`StepName::queue`].
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "agent",
        trigger: Trigger::Http {
            route: "api/agent",
            methods: &["post"],
        },
    },
    Function {
        name: "threads",
        trigger: Trigger::Http {
            route: "api/threads/{*path}",
            methods: &["get", "post", "delete"],
        },
    },
    Function {
        name: "threadlist",
        trigger: Trigger::Http {
            route: "api/threads",
            methods: &["get"],
        },
    },
    Function {
        name: "health",
        trigger: Trigger::Http {
            route: "api/health",
            methods: &["get"],
        },
    },
    Function {
        name: "preview",
        trigger: Trigger::Http {
            route: "p/{*path}",
            methods: &["get"],
        },
    },
    Function {
        name: "appdata",
        trigger: Trigger::Http {
            route: "data/{*path}",
            methods: &["get", "post", "patch", "delete", "options"],
        },
    },
    Function {
        // Published apps on the wildcard apps domain (`published::by_host`): the catch-all
        // ranks below every literal route above.
        name: "apps",
        trigger: Trigger::Http {
            route: "{*path}",
            methods: &["get", "head"],
        },
    },
    Function {
        name: "clarify",
        trigger: Trigger::Queue(StepName::Clarify),
    },
    Function {
        name: "requirements",
        trigger: Trigger::Queue(StepName::Requirements),
    },
    Function {
        name: "qa",
        trigger: Trigger::Queue(StepName::Qa),
    },
    Function {
        name: "wireframe",
        trigger: Trigger::Queue(StepName::Wireframe),
    },
    Function {
        name: "code",
        trigger: Trigger::Queue(StepName::Code),
    },
    Function {
        name: "build",
        trigger: Trigger::Queue(StepName::Build),
    },
    Function {
        name: "review",
        trigger: Trigger::Queue(StepName::Review),
    },
    Function {
        name: "fix",
        trigger: Trigger::Queue(StepName::Fix),
    },
    Function {
        name: "modify",
        trigger: Trigger::Queue(StepName::Modify),
    },
    Function {
        name: SWEEP_FUNCTION,
        trigger: Trigger::Timer {
            schedule: SWEEP_SCHEDULE,
        },
    },
];

/// The sweeper's function: re-sends stalled runs' steps, appends missing terminal events.
pub const SWEEP_FUNCTION: &str = "sweep";
/// Every 30 seconds.
pub const SWEEP_SCHEDULE: &str = "*/30 * * * * *";

/// The `function.json` of a function.
pub fn function_json(f: &Function) -> Value {
    match f.trigger {
        Trigger::Queue(step) => json!({"bindings": [{
            "name": QUEUE_BINDING, "type": "queueTrigger", "direction": "in",
            "queueName": step.queue(), "connection": "AzureWebJobsStorage"
        }]}),
        Trigger::Timer { schedule } => json!({"bindings": [{
            "name": "timer", "type": "timerTrigger", "direction": "in", "schedule": schedule
        }]}),
        Trigger::Http { route, methods } => json!({"bindings": [
            {"name": "req", "type": "httpTrigger", "direction": "in", "authLevel": "anonymous", "route": route, "methods": methods},
            {"name": "res", "type": "http", "direction": "out"}
        ]}),
    }
}

/// The host's invocation request for a queue trigger.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Invocation {
    pub data: serde_json::Map<String, Value>,
    #[serde(default)]
    pub metadata: InvocationMetadata,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InvocationMetadata {
    #[serde(default)]
    pub dequeue_count: Option<Value>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub pop_receipt: Option<String>,
    #[serde(default)]
    pub insertion_time: Option<String>,
    #[serde(default)]
    pub next_visible_time: Option<String>,
}

impl InvocationMetadata {
    /// The host sends DequeueCount as a number (sometimes as a string).
    pub fn dequeue_count(&self) -> u32 {
        match &self.dequeue_count {
            Some(Value::Number(n)) => n.as_u64().unwrap_or(1) as u32,
            Some(Value::String(s)) => s.trim_matches('"').parse().unwrap_or(1),
            _ => 1,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvocationError {
    #[error("the invocation has no Data.{QUEUE_BINDING}")]
    MissingBinding,
    #[error("Data.{QUEUE_BINDING} is not a step message: {0}")]
    BadMessage(String),
}

/// The step message inside an invocation. Non-object values reach the handler JSON-encoded
/// (sometimes twice), so strings are parsed until an object comes out.
pub fn step_message(inv: &Invocation) -> Result<StepMessage, InvocationError> {
    let mut value = inv
        .data
        .get(QUEUE_BINDING)
        .cloned()
        .ok_or(InvocationError::MissingBinding)?;
    for _ in 0..3 {
        match value {
            Value::String(s) => {
                value = serde_json::from_str(&s)
                    .map_err(|e| InvocationError::BadMessage(e.to_string()))?;
            }
            _ => break,
        }
    }
    serde_json::from_value(value).map_err(|e| InvocationError::BadMessage(e.to_string()))
}

/// `{Outputs, Logs, ReturnValue}`; outputs are objects, never bare strings (the host would try
/// to base64-decode them).
fn invocation_response(status: StatusCode, logs: Vec<String>) -> Response {
    (
        status,
        Json(json!({"Outputs": {}, "Logs": logs, "ReturnValue": null})),
    )
        .into_response()
}

/// Routes of the custom handler: the readiness ping and one POST per queue function.
pub fn router(pipeline: Arc<Pipeline>) -> Router {
    Router::new()
        .route("/", get(|| async { "appgen custom handler" }))
        .route("/{function}", post(invoke))
        .with_state(pipeline)
}

async fn invoke(
    State(p): State<Arc<Pipeline>>,
    Path(function): Path<String>,
    body: Bytes,
) -> Response {
    let Some(f) = FUNCTIONS.iter().find(|f| f.name == function) else {
        return ApiError::new(ApiErrorCode::NotFound, format!("no function {function}"))
            .into_response();
    };
    match f.trigger {
        Trigger::Queue(step) => invoke_step(&p, f.name, step, &body).await,
        Trigger::Timer { .. } => invoke_sweep(&p).await,
        Trigger::Http { .. } => {
            ApiError::bad_request("HTTP functions are proxied, not invoked").into_response()
        }
    }
}

/// A queue trigger: run the step, then answer as the one retry policy decides. The host
/// retries a failed invocation and, after `maxDequeueCount` (= `retry::MAX_TRIES`, tested)
/// failed ones, moves the message to `<queue>-poison`; on that last try the run is ended first.
async fn invoke_step(p: &Pipeline, function: &str, step: StepName, body: &[u8]) -> Response {
    let inv: Invocation = match serde_json::from_slice(body) {
        Ok(i) => i,
        Err(e) => {
            return invocation_response(
                StatusCode::BAD_REQUEST,
                vec![format!("unreadable invocation: {e}")],
            );
        }
    };
    let msg = match step_message(&inv) {
        Ok(m) if m.step == step => m,
        // A message on the wrong queue, or none, can never succeed: ack it so it is not retried.
        Ok(m) => {
            let why = format!("ignored: a {} message on the {step} queue", m.step);
            return invocation_response(StatusCode::OK, vec![why]);
        }
        Err(e) => return invocation_response(StatusCode::OK, vec![format!("ignored: {e}")]),
    };
    let tries = inv.metadata.dequeue_count();
    log_invocation(function, &msg, &inv.metadata, tries);
    let result = p.run_step(&msg).await;
    match decide(delivered(&result), tries, &RetryPolicy::default()) {
        Action::Ack => {
            invocation_response(StatusCode::OK, vec![format!("{step} seq {} done", msg.seq)])
        }
        Action::Retry(_) if result.is_ok() => invocation_response(
            StatusCode::SERVICE_UNAVAILABLE,
            vec![format!(
                "{step} seq {} is held by another attempt; retry",
                msg.seq
            )],
        ),
        Action::Retry(_) => {
            let fault = result.err().map(|e| e.to_string()).unwrap_or_default();
            invocation_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                vec![format!("{step} failed: {fault}")],
            )
        }
        Action::GiveUp => {
            let fault = result.err().map(|e| e.to_string()).unwrap_or_default();
            let reason = give_up_reason(step.as_str(), tries, &fault);
            if let Err(err) = p.fail_run(&msg, &reason).await {
                tracing::error!(error = %err, "could not end the failing run");
            }
            invocation_response(StatusCode::INTERNAL_SERVER_ERROR, vec![reason])
        }
    }
}

fn log_invocation(function: &str, msg: &StepMessage, md: &InvocationMetadata, tries: u32) {
    tracing::info!(
        function, thread_id = %msg.thread_id, run_id = %msg.run_id, seq = msg.seq, dequeue = tries,
        message_id = md.id.as_deref().unwrap_or(""), inserted = md.insertion_time.as_deref().unwrap_or(""),
        next_visible = md.next_visible_time.as_deref().unwrap_or(""), receipt = md.pop_receipt.is_some(),
        "queue invocation"
    );
}

/// The timer trigger: one pass of the sweeper.
async fn invoke_sweep(p: &Pipeline) -> Response {
    match p.sweep(p.config().lease).await {
        Ok(r) => invocation_response(
            StatusCode::OK,
            vec![format!(
                "swept {} threads: {} steps re-sent, {} terminal events appended",
                r.threads, r.resent, r.terminals
            )],
        ),
        Err(e) => invocation_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            vec![format!("sweep: {e}")],
        ),
    }
}

/// Writes a deployable Function App: host.json, one folder per function with its function.json,
/// and the binary.
pub fn package(out: &std::path::Path, binary: &std::path::Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out)?;
    std::fs::write(out.join("host.json"), HOST_JSON)?;
    for f in FUNCTIONS {
        let dir = out.join(f.name);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(
            dir.join("function.json"),
            serde_json::to_vec_pretty(&function_json(f))?,
        )?;
    }
    let target = out.join("appgen");
    std::fs::copy(binary, &target)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// The repository's host.json, shipped in the binary so a package is self-contained.
pub const HOST_JSON: &str = include_str!("../../../host.json");

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Invocation {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn every_step_has_exactly_one_queue_function_and_names_are_unique() {
        for step in StepName::ALL {
            assert_eq!(
                FUNCTIONS
                    .iter()
                    .filter(|f| f.trigger == Trigger::Queue(step))
                    .count(),
                1,
                "{step}"
            );
        }
        let mut names: Vec<_> = FUNCTIONS.iter().map(|f| f.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FUNCTIONS.len());
    }

    #[test]
    fn function_json_binds_the_queue_the_router_serves() {
        for f in FUNCTIONS {
            let j = function_json(f);
            let b = &j["bindings"][0];
            match f.trigger {
                Trigger::Queue(step) => {
                    assert_eq!(b["type"], "queueTrigger");
                    assert_eq!(b["queueName"], step.queue());
                    assert_eq!(b["name"], QUEUE_BINDING);
                }
                Trigger::Http { route, .. } => {
                    assert_eq!(b["type"], "httpTrigger");
                    assert_eq!(b["route"], route);
                    assert_eq!(j["bindings"][1]["type"], "http");
                }
                Trigger::Timer { schedule } => {
                    assert_eq!(b["type"], "timerTrigger");
                    // NCRONTAB with seconds: six fields.
                    assert_eq!(schedule.split_whitespace().count(), 6, "{schedule}");
                }
            }
        }
    }

    #[test]
    fn http_function_routes_cover_the_api_router() {
        // Every /api route of the axum router must be reachable through some HTTP function.
        let routes: Vec<&str> = FUNCTIONS
            .iter()
            .filter_map(|f| {
                if let Trigger::Http { route, .. } = f.trigger {
                    Some(route)
                } else {
                    None
                }
            })
            .collect();
        for api in [
            "api/agent",
            "api/health",
            "api/threads",
            "api/threads/{thread}",
            "api/threads/{thread}/runs/{run}/events",
            "api/threads/{thread}/events",
            "api/threads/{thread}/queue",
            "api/threads/{thread}/queue/{id}",
            "api/threads/{thread}/versions/{n}/restore",
            "p/{thread}/{n}/{token}/index.html",
            "data/{thread}/{space}/{collection}",
            "data/{thread}/{space}/_changes",
        ] {
            let covered = routes.iter().any(|r| {
                *r == api
                    || r.strip_suffix("{*path}")
                        .is_some_and(|p| api.starts_with(p) && api.len() > p.len())
            });
            assert!(covered, "no HTTP function serves /{api}");
        }
    }

    #[test]
    fn host_json_and_the_code_agree() {
        let host: Value = serde_json::from_str(HOST_JSON).expect("host.json");
        assert_eq!(
            host["extensions"]["queues"]["maxDequeueCount"],
            json!(appgen_core::retry::MAX_TRIES)
        );
        assert_eq!(host["extensions"]["queues"]["messageEncoding"], "base64");
        assert_eq!(host["customHandler"]["enableProxyingHttpRequest"], true);
        assert_eq!(
            host["customHandler"]["description"]["arguments"],
            json!(["functions-host"])
        );
        assert_eq!(host["extensions"]["http"]["routePrefix"], "");
    }

    #[test]
    fn recorded_queue_invocations_parse() {
        // Shapes from the custom-handler docs: the message as a JSON string, as a doubly encoded
        // string, and as an object; DequeueCount as number or string.
        let inv = fixture("queue-invocation.json");
        let m = step_message(&inv).expect("message");
        assert_eq!(
            (m.step, m.seq, m.thread_id.as_str()),
            (StepName::Code, 4, "t1")
        );
        assert_eq!(inv.metadata.dequeue_count(), 1);
        assert_eq!(
            inv.metadata.pop_receipt.as_deref(),
            Some("AgAAAAMAAAAAAAAAAgtnj8x+1QE=")
        );
        let inv = fixture("queue-invocation-double-encoded.json");
        assert_eq!(step_message(&inv).expect("message").step, StepName::Build);
        assert_eq!(inv.metadata.dequeue_count(), 3);
        let inv = fixture("queue-invocation-object.json");
        assert_eq!(step_message(&inv).expect("message").step, StepName::Review);
    }

    #[test]
    fn bad_invocations_are_named() {
        let inv: Invocation =
            serde_json::from_value(json!({"Data": {}, "Metadata": {}})).expect("inv");
        assert_eq!(step_message(&inv), Err(InvocationError::MissingBinding));
        let inv: Invocation =
            serde_json::from_value(json!({"Data": {"message": "{not json"}})).expect("inv");
        assert!(matches!(
            step_message(&inv),
            Err(InvocationError::BadMessage(_))
        ));
    }
}
