//! Metrics (feature `metrics`): what a request, an outbound call and a task
//! record, read back from the SDK's in-memory exporter and, with the
//! feature `prometheus`, from the scrape endpoint.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::{any, get};
use axum::Router;
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, HistogramDataPoint, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use tower::ServiceExt;

#[qh::endpoint(method = "GET", path = "/users/{user_id}")]
async fn user(user_id: u64) -> u64 {
    user_id
}

#[qh::endpoint(task)]
async fn double(n: i64) -> i64 {
    n * 2
}

#[qh::endpoint(task)]
async fn refuse(reason: String) -> Result<u32, String> {
    Err(reason)
}

/// Calls `/stock` on the server in the `SocketAddr` state through
/// `Propagate`: an outbound call of the request.
#[qh::endpoint(method = "GET", path = "/order")]
async fn order(#[extract] axum::extract::State(b): axum::extract::State<SocketAddr>) -> u16 {
    let client = qh::propagation::Propagate::client(reqwest::Client::new());
    let res = client
        .get(format!("http://{b}/stock?x=1"))
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

/// An app under a layer recording into `metrics`; `/order` calls `b`.
fn app(metrics: &qh::otel::Metrics, b: SocketAddr) -> Router {
    qh::routes![user, double, refuse, order]
        .route("/fail", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
        .route("/dav", any(|| async { StatusCode::MULTI_STATUS }))
        .layer(qh::Tracking::new().metrics(metrics))
        .with_state(b)
}

async fn stock_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/stock", get(|| async { StatusCode::NOT_FOUND }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

async fn send(app: &Router, method: &str, uri: &str, body: Option<&str>) -> StatusCode {
    let mut req = Request::builder().method(method).uri(uri);
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_owned())))
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    status
}

/// Metrics read through the in-memory exporter.
struct Read {
    exporter: InMemoryMetricExporter,
    provider: SdkMeterProvider,
}

/// One exported metric, flattened: each data point's attributes (sorted)
/// with its count or value, and its bounds for a histogram.
#[derive(Debug)]
struct Point {
    attrs: Vec<(String, String)>,
    count: u64,
    value: f64,
    bounds: Vec<f64>,
}

fn flat(attrs: &mut dyn Iterator<Item = &KeyValue>) -> Vec<(String, String)> {
    let mut out: Vec<_> = attrs
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect();
    out.sort();
    out
}

fn histogram(dp: &HistogramDataPoint<f64>) -> Point {
    assert_eq!(dp.exemplars().count(), 0, "the SDK keeps no exemplars");
    Point {
        attrs: flat(&mut dp.attributes()),
        count: dp.count(),
        value: dp.sum(),
        bounds: dp.bounds().collect(),
    }
}

impl Read {
    fn new() -> Self {
        let exporter = InMemoryMetricExporter::default();
        let provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(exporter.clone()).build())
            .build();
        Self { exporter, provider }
    }

    /// The points of metric `name` now.
    fn points(&self, name: &str) -> Vec<Point> {
        self.exporter.reset();
        self.provider.force_flush().unwrap();
        let exported = self.exporter.get_finished_metrics().unwrap();
        let mut out = Vec::new();
        for rm in &exported {
            for sm in rm.scope_metrics() {
                assert_eq!(sm.scope().name(), "qh");
                for metric in sm.metrics().filter(|m| m.name() == name) {
                    match metric.data() {
                        AggregatedMetrics::F64(MetricData::Histogram(h)) => {
                            out.extend(h.data_points().map(histogram));
                        }
                        AggregatedMetrics::I64(MetricData::Sum(s)) => {
                            out.extend(s.data_points().map(|dp| Point {
                                attrs: flat(&mut dp.attributes()),
                                count: 0,
                                value: dp.value() as f64,
                                bounds: Vec::new(),
                            }));
                        }
                        AggregatedMetrics::U64(MetricData::Sum(s)) => {
                            out.extend(s.data_points().map(|dp| Point {
                                attrs: flat(&mut dp.attributes()),
                                count: dp.value(),
                                value: dp.value() as f64,
                                bounds: Vec::new(),
                            }));
                        }
                        other => panic!("{name}: unexpected {other:?}"),
                    }
                }
            }
        }
        out
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<_> = list
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    out.sort();
    out
}

fn find<'a>(points: &'a [Point], attrs: &[(&str, &str)]) -> &'a Point {
    let want = pairs(attrs);
    points
        .iter()
        .find(|p| p.attrs == want)
        .unwrap_or_else(|| panic!("no point {want:?} in {points:#?}"))
}

#[tokio::test]
async fn requests_record_the_semantic_conventions_durations() {
    let read = Read::new();
    let metrics = qh::otel::Metrics::new(&read.provider);
    let app = app(&metrics, stock_server().await);
    assert_eq!(send(&app, "GET", "/users/7", None).await, 200);
    assert_eq!(send(&app, "GET", "/users/8", None).await, 200);
    assert_eq!(send(&app, "GET", "/fail", None).await, 503);
    assert_eq!(send(&app, "GET", "/nowhere", None).await, 404);
    assert_eq!(send(&app, "PROPFIND", "/dav", None).await, 207);

    let points = read.points("http.server.request.duration");
    let common = [
        ("network.protocol.name", "http"),
        ("network.protocol.version", "1.1"),
        ("url.scheme", "http"),
    ];
    let with = |more: &[(&'static str, &'static str)]| {
        let mut all = common.to_vec();
        all.extend_from_slice(more);
        all
    };
    let users = find(
        &points,
        &with(&[
            ("http.request.method", "GET"),
            ("http.route", "/users/{user_id}"),
            ("http.response.status_code", "200"),
        ]),
    );
    assert_eq!(users.count, 2, "one series for both paths: the template");
    assert_eq!(users.bounds, qh::otel::DURATION_BOUNDARIES.to_vec());
    assert!(
        users.value > 0.0 && users.value < 10.0,
        "seconds: {}",
        users.value
    );
    let fail = find(
        &points,
        &with(&[
            ("http.request.method", "GET"),
            ("http.route", "/fail"),
            ("http.response.status_code", "503"),
            ("error.type", "503"),
        ]),
    );
    assert_eq!(fail.count, 1);
    // No route matched: no `http.route` (never the raw path).
    let unrouted = find(
        &points,
        &with(&[
            ("http.request.method", "GET"),
            ("http.response.status_code", "404"),
        ]),
    );
    assert_eq!(unrouted.count, 1);
    let other = find(
        &points,
        &with(&[
            ("http.request.method", "_OTHER"),
            ("http.route", "/dav"),
            ("http.response.status_code", "207"),
        ]),
    );
    assert_eq!(other.count, 1);
    assert_eq!(points.len(), 4, "{points:#?}");
    assert!(points
        .iter()
        .all(|p| p.attrs.iter().all(|(_, v)| !v.contains("/users/7"))));

    // Every request ended: none active.
    let active = read.points("http.server.active_requests");
    let get = find(
        &active,
        &[("http.request.method", "GET"), ("url.scheme", "http")],
    );
    assert_eq!(get.value, 0.0);
}

#[tokio::test]
async fn outbound_calls_record_the_client_duration() {
    let read = Read::new();
    let metrics = qh::otel::Metrics::new(&read.provider);
    let b = stock_server().await;
    let app = app(&metrics, b);
    assert_eq!(send(&app, "GET", "/order", None).await, 200);
    let points = read.points("http.client.request.duration");
    let port = b.port().to_string();
    let call = find(
        &points,
        &[
            ("http.request.method", "GET"),
            ("server.address", "127.0.0.1"),
            ("server.port", &port),
            ("http.response.status_code", "404"),
            ("error.type", "404"),
        ],
    );
    assert_eq!(call.count, 1);
    assert_eq!(call.bounds, qh::otel::DURATION_BOUNDARIES.to_vec());
}

#[tokio::test]
async fn tasks_record_submissions_outcomes_and_durations() {
    let read = Read::new();
    let metrics = qh::otel::Metrics::new(&read.provider);
    let app = app(&metrics, stock_server().await);
    assert_eq!(send(&app, "POST", "/double", Some(r#"{"n":2}"#)).await, 202);
    assert_eq!(
        send(&app, "POST", "/refuse", Some(r#"{"reason":"no"}"#)).await,
        202
    );
    let endpoint = |name| [("qh.task.endpoint", name)];
    // The tasks run in the background: wait for both outcomes.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let done = read.points("qh.tasks.completed").len() + read.points("qh.tasks.failed").len();
        if done == 2 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "tasks did not end");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let submitted = read.points("qh.tasks.submitted");
    assert_eq!(find(&submitted, &endpoint("double")).count, 1);
    assert_eq!(find(&submitted, &endpoint("refuse")).count, 1);
    assert_eq!(
        find(&read.points("qh.tasks.completed"), &endpoint("double")).count,
        1
    );
    assert_eq!(
        find(&read.points("qh.tasks.failed"), &endpoint("refuse")).count,
        1
    );
    let durations = read.points("qh.tasks.duration");
    let ok = find(
        &durations,
        &[
            ("qh.task.endpoint", "double"),
            ("qh.task.outcome", "completed"),
        ],
    );
    assert_eq!(ok.count, 1);
    let running = read.points("qh.tasks.running");
    assert_eq!(find(&running, &endpoint("double")).value, 0.0);
    assert_eq!(find(&running, &endpoint("refuse")).value, 0.0);
}

/// The scrape endpoint: the same histogram in the Prometheus text format,
/// with the conventions' buckets and the route's labels.
#[cfg(feature = "prometheus")]
#[tokio::test]
async fn the_prometheus_endpoint_serves_the_histogram() {
    let prometheus = qh::otel::Prometheus::new().unwrap();
    let app =
        app(&prometheus.metrics(), stock_server().await).route("/metrics", prometheus.scrape());
    assert_eq!(send(&app, "GET", "/users/7", None).await, 200);
    assert_eq!(send(&app, "GET", "/users/8", None).await, 200);
    let res = app
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = String::from_utf8(
        axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    let line = |prefix: &str| {
        text.lines()
            .find(|l| l.starts_with(prefix) && l.contains(r#"http_route="/users/{user_id}""#))
            .unwrap_or_else(|| panic!("no {prefix} line in\n{text}"))
            .to_owned()
    };
    let count = line("http_server_request_duration_seconds_count");
    assert!(count.ends_with(" 2"), "{count}");
    for label in [
        r#"http_request_method="GET""#,
        r#"http_response_status_code="200""#,
        r#"url_scheme="http""#,
    ] {
        assert!(count.contains(label), "{label} in {count}");
    }
    // The conventions' boundaries, and +Inf, as `le` labels.
    let les: Vec<String> = text
        .lines()
        .filter(|l| {
            l.starts_with("http_server_request_duration_seconds_bucket")
                && l.contains(r#"http_route="/users/{user_id}""#)
        })
        .map(|l| {
            let at = l.find("le=\"").unwrap() + 4;
            l[at..at + l[at..].find('"').unwrap()].to_owned()
        })
        .collect();
    let mut want: Vec<String> = qh::otel::DURATION_BOUNDARIES
        .iter()
        .map(ToString::to_string)
        .collect();
    want.push("+Inf".to_owned());
    assert_eq!(les, want);
    // The scrape itself is outside the layer: not a request of the app.
    assert!(!text.contains(r#"http_route="/metrics""#));
}

#[tokio::test]
async fn every_route_of_a_large_app_records_under_its_own_template() {
    // More routes than qh finds without a lock, two routers serving the
    // same templates, and a layer inside a nested router (whose template
    // axum makes afresh for each request): each request lands in its
    // route's series.
    let read = Read::new();
    let metrics = qh::otel::Metrics::new(&read.provider);
    let build = || {
        let mut app = Router::new();
        for i in 0..150 {
            app = app.route(&format!("/r{i}/{{id}}"), get(|| async { "ok" }));
        }
        app.nest_service("/files", get(|| async { "file" }))
            .layer(qh::Tracking::new().metrics(&metrics))
    };
    let nested = Router::new().nest_service(
        "/api",
        Router::new()
            .route("/items/{id}", get(|| async { "item" }))
            .layer(qh::Tracking::new().metrics(&metrics)),
    );
    let (first, second) = (build(), build());
    for round in 0..3 {
        for i in 0..150 {
            let app = if (i + round) % 2 == 0 {
                &first
            } else {
                &second
            };
            assert_eq!(
                send(app, "GET", &format!("/r{i}/{round}"), None).await,
                StatusCode::OK
            );
        }
        assert_eq!(send(&first, "GET", "/files/a", None).await, StatusCode::OK);
        for n in 0..5 {
            let uri = format!("/api/items/{n}");
            assert_eq!(send(&nested, "GET", &uri, None).await, StatusCode::OK);
        }
    }
    let points = read.points("http.server.request.duration");
    for i in 0..150 {
        let route = format!("/r{i}/{{id}}");
        let p = find(
            &points,
            &[
                ("http.request.method", "GET"),
                ("url.scheme", "http"),
                ("network.protocol.name", "http"),
                ("network.protocol.version", "1.1"),
                ("http.route", &route),
                ("http.response.status_code", "200"),
            ],
        );
        assert_eq!(p.count, 3, "{route}");
    }
    // axum names no template for a nested service: its requests are
    // recorded without `http.route`.
    let unrouted: Vec<_> = points
        .iter()
        .filter(|p| !p.attrs.iter().any(|(k, _)| k == "http.route"))
        .collect();
    assert_eq!(unrouted.len(), 1, "{unrouted:#?}");
    assert_eq!(unrouted[0].count, 3);
    let items: Vec<_> = points
        .iter()
        .filter(|p| {
            p.attrs
                .iter()
                .any(|(k, v)| k == "http.route" && v.ends_with("/items/{id}"))
        })
        .collect();
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0].count, 15);
    assert_eq!(points.iter().map(|p| p.count).sum::<u64>(), 468);
    let active = read.points("http.server.active_requests");
    assert!(active.iter().all(|p| p.value == 0.0), "{active:#?}");
}
