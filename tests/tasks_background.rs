//! Background work keeps the request's context: `qh::spawn_blocking`,
//! `fut.in_current_request()`, the `BackgroundTasks` extractor (after the
//! response, failures logged with the ID); a `Shutdown`'s drain is in
//! `tasks_shutdown.rs`.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::routing::get;
use axum::{Extension, Router};
use common::capture::Capture;
use common::wait::{until_true, within};
use common::{get_with, send};
use qh::background::InCurrentRequest;
use qh::BackgroundTasks;
use tokio::sync::mpsc;
use tower::ServiceExt;

/// All log lines of this test binary, as JSON (a global subscriber: jobs
/// run on other worker threads). Tests pick their lines by request ID.
fn logs() -> &'static Capture {
    static LOGS: OnceLock<Capture> = OnceLock::new();
    LOGS.get_or_init(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let buf = Capture::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_writer(move || writer.clone()),
            )
            .with(FollowsFrom);
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buf
    })
}

/// Records `follows_from` links as (span name, its request_id field, the
/// followed span's name), which the JSON formatter does not show.
struct FollowsFrom;

#[derive(Clone, Debug)]
struct RequestIdField(String);

fn links() -> &'static Mutex<Vec<(String, String, String)>> {
    static LINKS: OnceLock<Mutex<Vec<(String, String, String)>>> = OnceLock::new();
    LINKS.get_or_init(Mutex::default)
}

impl<S> tracing_subscriber::Layer<S> for FollowsFrom
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Visit(Option<String>);
        impl tracing::field::Visit for Visit {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                if f.name() == "request_id" {
                    self.0 = Some(format!("{v:?}").trim_matches('"').to_owned());
                }
            }
            fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
                if f.name() == "request_id" {
                    self.0 = Some(v.to_owned());
                }
            }
        }
        let mut visit = Visit(None);
        attrs.record(&mut visit);
        if let (Some(found), Some(span)) = (visit.0, ctx.span(id)) {
            span.extensions_mut().insert(RequestIdField(found));
        }
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Visit(Option<String>);
        impl tracing::field::Visit for Visit {
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
            fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
                if f.name() == "request_id" {
                    self.0 = Some(v.to_owned());
                }
            }
        }
        let mut visit = Visit(None);
        values.record(&mut visit);
        if let (Some(found), Some(span)) = (visit.0, ctx.span(id)) {
            span.extensions_mut().insert(RequestIdField(found));
        }
    }

    fn on_follows_from(
        &self,
        id: &tracing::span::Id,
        follows: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let (Some(span), Some(cause)) = (ctx.span(id), ctx.span(follows)) else {
            return;
        };
        let rid = span
            .extensions()
            .get::<RequestIdField>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        links()
            .lock()
            .unwrap()
            .push((span.name().to_owned(), rid, cause.name().to_owned()));
    }
}

fn lines_with(message: &str) -> Vec<serde_json::Value> {
    logs()
        .lines()
        .into_iter()
        .filter(|l| l["fields"]["message"] == message)
        .collect()
}

fn tracked(router: Router) -> Router {
    router.layer(qh::Tracking::new())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_blocking_sees_the_id() {
    async fn handler() -> String {
        let id = qh::spawn_blocking(|| {
            std::thread::sleep(Duration::from_millis(5));
            qh::request_id()
        });
        id.await
            .unwrap()
            .map(|id| id.to_string())
            .unwrap_or_default()
    }
    let app = tracked(Router::new().route("/", get(handler)));
    let res = send(&app, get_with("/", &[("x-request-id", "blk-1")])).await;
    assert_eq!(res.text(), "blk-1");
    assert_eq!(res.echoed(), "blk-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_current_request_carries_the_context_into_plain_tokio_spawn() {
    #[derive(Clone)]
    struct Tenant(&'static str);
    async fn handler() -> String {
        qh::context::insert(Tenant("acme"));
        let bound = async { (qh::request_id(), qh::context::get::<Tenant>()) };
        let (id, tenant) = tokio::spawn(bound.in_current_request()).await.unwrap();
        let unbound = tokio::spawn(async { qh::request_id() }).await.unwrap();
        format!("{} {} {:?}", id.unwrap(), tenant.unwrap().0, unbound)
    }
    let app = tracked(Router::new().route("/", get(handler)));
    let res = send(&app, get_with("/", &[("x-request-id", "fut-1")])).await;
    assert_eq!(res.text(), "fut-1 acme None");
}

type Seen = mpsc::UnboundedSender<(String, bool)>;

/// Set by a test once it has read the whole response body.
#[derive(Clone, Default)]
struct BodyRead(Arc<AtomicBool>);

/// A handler whose job reports the ID it sees and whether the test had read
/// the response body by then.
async fn report(
    jobs: BackgroundTasks,
    Extension(seen): Extension<Seen>,
    Extension(read): Extension<BodyRead>,
) -> &'static str {
    jobs.add(async move {
        let id = qh::request_id()
            .map(|id| id.to_string())
            .unwrap_or_default();
        let _ = seen.send((id, read.0.load(Ordering::SeqCst)));
    });
    "answered"
}

// One thread: a job spawned too early (when the handler returned) would run
// at the test's next `.await`, and so before the body was read; a job
// spawned when the body is dropped runs only after the flag is set.
#[tokio::test(flavor = "current_thread")]
async fn under_tracking_jobs_run_after_the_body_was_sent() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let read = BodyRead::default();
    let app = Router::new()
        .route("/", get(report))
        .layer(Extension::<Seen>(tx))
        .layer(Extension(read.clone()))
        .layer(qh::Tracking::new());
    let res = app
        .oneshot(get_with("/", &[("x-request-id", "after-1")]))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-request-id"], "after-1");
    // The response is here, its body not read yet: let anything that is
    // ready run (a job queued already would, and report `false`).
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
    assert_eq!(&body[..], b"answered");
    read.0.store(true, Ordering::SeqCst);
    let (id, after_the_body) = within("the job", rx.recv()).await.unwrap();
    assert_eq!(id, "after-1");
    assert!(after_the_body, "the job ran before the body was read");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_any_scope_jobs_run_once_the_handler_returned() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    // A plain handler, no `Tracking` layer: no request scope to end.
    let app = Router::new()
        .route("/", get(report))
        .layer(Extension::<Seen>(tx))
        .layer(Extension(BodyRead::default()));
    let res = send(&app, get_with("/", &[("x-request-id", "nolayer-1")])).await;
    assert_eq!(res.text(), "answered");
    // Without a scope nothing orders the job after the body: only that
    // it ran, in the request's context, is promised.
    let (id, _) = within("the job", rx.recv()).await.unwrap();
    assert_eq!(id, "nolayer-1");
}

#[qh::endpoint(method = "GET", path = "/endpoint-jobs")]
fn queue_from_endpoint(#[extract] jobs: BackgroundTasks, #[extract] seen: Extension<Seen>) -> u8 {
    let Extension(seen) = seen;
    jobs.add(async move {
        let id = qh::request_id()
            .map(|id| id.to_string())
            .unwrap_or_default();
        // The endpoint's own scope starts the job after the body; this
        // test only reads the ID it sees.
        let _ = seen.send((id, false));
    });
    1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_qh_endpoint_takes_background_tasks_without_any_layer() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let app = qh::routes![queue_from_endpoint].layer(Extension::<Seen>(tx));
    let res = send(
        &app,
        get_with("/endpoint-jobs", &[("x-request-id", "ep-1")]),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let (id, _) = within("the job", rx.recv()).await.unwrap();
    assert_eq!(id, "ep-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_and_panicking_jobs_are_logged_with_the_id_and_never_change_the_response() {
    logs();
    let last_ran = Arc::new(AtomicBool::new(false));
    let flag = last_ran.clone();
    let app = Router::new()
        .route(
            "/",
            get(move |jobs: BackgroundTasks| {
                let flag = flag.clone();
                async move {
                    jobs.add(async { Err::<(), _>("mail server down") });
                    jobs.add(async {
                        if qh::request_id().is_some() {
                            panic!("job exploded");
                        }
                    });
                    jobs.add(async move { flag.store(true, Ordering::SeqCst) });
                    "still fine"
                }
            }),
        )
        .layer(qh::Tracking::new());
    let res = send(&app, get_with("/", &[("x-request-id", "boom-1")])).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.text(), "still fine");
    assert_eq!(res.echoed(), "boom-1");
    // The jobs run one after another once the body was read; the last one
    // running means the others (and their log lines) are done.
    until_true("the job after the panicking one to run", || {
        last_ran.load(Ordering::SeqCst)
    })
    .await;
    let panicked: Vec<_> = lines_with("background job panicked")
        .into_iter()
        .filter(|l| l["fields"]["request_id"] == "boom-1")
        .collect();
    assert_eq!(panicked.len(), 1, "{panicked:?}");
    assert_eq!(panicked[0]["level"], "ERROR");
    assert_eq!(panicked[0]["fields"]["panic"], "job exploded");
    assert_eq!(panicked[0]["span"]["request_id"], "boom-1");
    let failed: Vec<_> = lines_with("background job failed")
        .into_iter()
        .filter(|l| l["fields"]["request_id"] == "boom-1")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["fields"]["error"], "mail server down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_logs_with_the_request_id_in_a_span_that_follows_from_the_request() {
    logs();
    let tasks = qh::tasks::Runner::default();
    let app = Router::new()
        .route(
            "/",
            get(|tasks: qh::tasks::CallerTasks| async move {
                let s = tasks
                    .submit("logs_work", async {
                        tokio::task::yield_now().await;
                        tracing::info!("task working");
                        Ok::<_, String>(())
                    })
                    .await
                    .unwrap();
                s.task_id
            }),
        )
        .layer(Extension(tasks.clone()))
        .layer(qh::Tracking::new());
    let res = send(&app, get_with("/", &[("x-request-id", "tlog-1")])).await;
    let task_id = res.text().to_owned();
    common::task_app::finished(&**tasks.store(), &task_id).await;
    let lines: Vec<_> = lines_with("task working")
        .into_iter()
        .filter(|l| l["span"]["task_id"] == task_id.as_str())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["span"]["name"], "task");
    assert_eq!(lines[0]["span"]["request_id"], "tlog-1");
    assert_eq!(lines[0]["span"]["endpoint"], "logs_work");
    let links = links().lock().unwrap().clone();
    assert!(
        links.contains(&("task".into(), "tlog-1".into(), "request".into())),
        "{links:?}"
    );
}
