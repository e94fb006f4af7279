//! The Azure Functions custom-handler contract.
//!
//! One table, [`FUNCTIONS`], defines every function: the router answers `POST /{name}` for each
//! queue-triggered step, and `appgen package` writes each `function.json` from the same table,
//! so bindings and routes cannot drift. HTTP functions are proxied by the host
//! (`enableProxyingHttpRequest`), so they reach the ordinary `/api/...` routes and can stream.

use crate::api::ApiError;
use appgen_core::retry::{Action, RetryPolicy, decide};
use appgen_core::step::{StepName, WorkQueue};
use appgen_core::view::ApiErrorCode;
use appgen_runtime::pipeline::{Pipeline, Work};
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
    /// A queue trigger on the deploys' queue (`core::deploy::DEPLOY_QUEUE`).
    DeployQueue,
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

impl Trigger {
    /// The queue a queue trigger takes its messages from.
    pub fn queue(self) -> Option<WorkQueue> {
        match self {
            Trigger::Queue(step) => Some(WorkQueue::Step(step)),
            Trigger::DeployQueue => Some(WorkQueue::Deploy),
            Trigger::Timer { .. } | Trigger::Http { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    pub name: &'static str,
    pub trigger: Trigger,
}

/// The queue trigger's binding name: `Data.message` in invocation payloads.
pub const QUEUE_BINDING: &str = "message";

/// Every function of the app. Queue names come from [`WorkQueue::name`].
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
        name: DEPLOY_FUNCTION,
        trigger: Trigger::DeployQueue,
    },
    Function {
        name: SWEEP_FUNCTION,
        trigger: Trigger::Timer {
            schedule: SWEEP_SCHEDULE,
        },
    },
];

/// The deploys' function: works on one deploy to Vercel per message, as `serve`'s worker does.
pub const DEPLOY_FUNCTION: &str = "deploy";

/// The sweeper's function: re-sends stalled runs' steps, appends missing terminal events.
pub const SWEEP_FUNCTION: &str = "sweep";
/// Every 30 seconds.
pub const SWEEP_SCHEDULE: &str = "*/30 * * * * *";

/// The `function.json` of a function.
pub fn function_json(f: &Function) -> Value {
    match f.trigger {
        Trigger::Queue(_) | Trigger::DeployQueue => json!({"bindings": [{
            "name": QUEUE_BINDING, "type": "queueTrigger", "direction": "in",
            "queueName": f.trigger.queue().map(WorkQueue::name), "connection": "AzureWebJobsStorage"
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
    #[error("Data.{QUEUE_BINDING} is not a message of this queue: {0}")]
    BadMessage(String),
}

/// The message of a queue invocation, read for `queue`.
pub fn queued_work(inv: &Invocation, queue: WorkQueue) -> Result<Work, InvocationError> {
    let text = message_value(inv)?.to_string();
    Work::parse(queue, &text).map_err(InvocationError::BadMessage)
}

/// The message value inside an invocation. Non-object values reach the handler JSON-encoded
/// (sometimes twice), so strings are parsed until an object comes out.
fn message_value(inv: &Invocation) -> Result<Value, InvocationError> {
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
    Ok(value)
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
    match (f.trigger, f.trigger.queue()) {
        (_, Some(queue)) => invoke_queue(&p, f.name, queue, &body).await,
        (Trigger::Timer { .. }, None) => invoke_sweep(&p).await,
        _ => ApiError::bad_request("HTTP functions are proxied, not invoked").into_response(),
    }
}

/// A queue trigger: run the step or the deploy, then answer as the one retry policy decides.
/// The host retries a failed invocation and, after `maxDequeueCount` (= `retry::MAX_TRIES`,
/// tested) failed ones, moves the message to `<queue>-poison`; on that last try the run (or
/// the deploy) is ended first.
async fn invoke_queue(p: &Pipeline, function: &str, queue: WorkQueue, body: &[u8]) -> Response {
    let inv: Invocation = match serde_json::from_slice(body) {
        Ok(i) => i,
        Err(e) => {
            return invocation_response(
                StatusCode::BAD_REQUEST,
                vec![format!("unreadable invocation: {e}")],
            );
        }
    };
    // A message of another queue, or none, can never succeed: ack it so it is not retried.
    let work = match queued_work(&inv, queue) {
        Ok(w) => w,
        Err(e) => return invocation_response(StatusCode::OK, vec![format!("ignored: {e}")]),
    };
    let tries = inv.metadata.dequeue_count();
    log_invocation(function, &work, &inv.metadata, tries);
    let result = p.run_work(&work).await;
    let what = work.describe();
    match decide(delivered(&result), tries, &RetryPolicy::default()) {
        Action::Ack => invocation_response(StatusCode::OK, vec![format!("{what} done")]),
        Action::Retry(_) if result.is_ok() => invocation_response(
            StatusCode::SERVICE_UNAVAILABLE,
            vec![format!("{what} is held by another attempt; retry")],
        ),
        Action::Retry(_) => {
            let fault = result.err().map(|e| e.to_string()).unwrap_or_default();
            invocation_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                vec![format!("{what} failed: {fault}")],
            )
        }
        Action::GiveUp => {
            let fault = result.err().map(|e| e.to_string()).unwrap_or_default();
            let reason = match p.give_up(&work, tries, &fault).await {
                Ok(reason) => reason,
                Err(err) => {
                    tracing::error!(error = %err, "could not end what was given up");
                    format!("{what} given up: {fault}")
                }
            };
            invocation_response(StatusCode::INTERNAL_SERVER_ERROR, vec![reason])
        }
    }
}

fn log_invocation(function: &str, work: &Work, md: &InvocationMetadata, tries: u32) {
    tracing::info!(
        function, thread_id = %work.thread_id(), work = %work.describe(), dequeue = tries,
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
                "swept {} threads: {} steps re-sent, {} terminal events appended, {} deploys re-sent",
                r.threads, r.resent, r.terminals, r.deploys_resent
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
    fn every_queue_has_exactly_one_function_and_names_are_unique() {
        for queue in WorkQueue::all() {
            let serving = FUNCTIONS
                .iter()
                .filter(|f| f.trigger.queue() == Some(queue));
            assert_eq!(serving.count(), 1, "{queue}");
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
                Trigger::Queue(_) | Trigger::DeployQueue => {
                    let queue = f.trigger.queue().map(WorkQueue::name);
                    assert_eq!(b["type"], "queueTrigger");
                    assert_eq!(b["queueName"], json!(queue));
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
        let step = |inv: &Invocation, s: StepName| match queued_work(inv, WorkQueue::Step(s)) {
            Ok(Work::Step(m)) => m,
            other => panic!("not a {s} message: {other:?}"),
        };
        let inv = fixture("queue-invocation.json");
        let m = step(&inv, StepName::Code);
        assert_eq!((m.seq, m.thread_id.as_str()), (4, "t1"));
        assert_eq!(inv.metadata.dequeue_count(), 1);
        assert_eq!(
            inv.metadata.pop_receipt.as_deref(),
            Some("AgAAAAMAAAAAAAAAAgtnj8x+1QE=")
        );
        let inv = fixture("queue-invocation-double-encoded.json");
        assert_eq!(step(&inv, StepName::Build).seq, 5);
        assert_eq!(inv.metadata.dequeue_count(), 3);
        let inv = fixture("queue-invocation-object.json");
        assert_eq!(step(&inv, StepName::Review).thread_id, "t1");
        // A deploy's message, as the host passes a JSON string; on a step's queue it is refused.
        let deploy = r#"{"threadId":"t1","deployId":"d-1"}"#;
        let inv: Invocation = serde_json::from_value(
            json!({"Data": {"message": deploy}, "Metadata": {"DequeueCount": 2}}),
        )
        .expect("inv");
        match queued_work(&inv, WorkQueue::Deploy) {
            Ok(Work::Deploy(m)) => {
                assert_eq!((m.thread_id.as_str(), m.deploy_id.as_str()), ("t1", "d-1"))
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            queued_work(&inv, WorkQueue::Step(StepName::Code)),
            Err(InvocationError::BadMessage(_))
        ));
        assert!(matches!(
            queued_work(&fixture("queue-invocation.json"), WorkQueue::Step(StepName::Build)),
            Err(InvocationError::BadMessage(m)) if m.contains("a code message on the build queue")
        ));
    }

    #[test]
    fn bad_invocations_are_named() {
        let inv: Invocation =
            serde_json::from_value(json!({"Data": {}, "Metadata": {}})).expect("inv");
        let code = WorkQueue::Step(StepName::Code);
        assert_eq!(
            queued_work(&inv, code),
            Err(InvocationError::MissingBinding)
        );
        let inv: Invocation =
            serde_json::from_value(json!({"Data": {"message": "{not json"}})).expect("inv");
        assert!(matches!(
            queued_work(&inv, code),
            Err(InvocationError::BadMessage(_))
        ));
    }
}
