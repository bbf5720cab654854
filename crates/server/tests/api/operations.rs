//! Operations endpoints: health probes, the OpenAPI document and the docs page.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::errors::assert_problem_shape;
use crate::support::{Response, TestApp, spawn_app, spawn_app_with};

async fn get_raw(app: &TestApp, path: &str) -> Response {
    TestApp::read(
        app.client
            .get(app.url(path))
            .send()
            .await
            .expect("request reaches the server"),
    )
    .await
}

#[tokio::test]
async fn liveness_is_up() {
    let app = spawn_app().await;
    let response = get_raw(&app, "/health/live").await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body, json!({"status": "up"}));
    assert!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
    );
    assert!(response.header("x-request-id").is_some());
}

#[tokio::test]
async fn readiness_is_ready_when_postgres_and_redis_answer() {
    let app = spawn_app().await;
    let response = get_raw(&app, "/health/ready").await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body, json!({"status": "ready"}));
    assert!(response.header("x-request-id").is_some());
}

#[tokio::test]
async fn readiness_names_an_unreachable_redis_while_the_api_still_serves() {
    let app = spawn_app_with(&[
        ("REDIS_URL", "redis://127.0.0.1:1"),
        ("FOLIO_REDIS_TIMEOUT_MS", "200"),
    ])
    .await;
    let response = get_raw(&app, "/health/ready").await;
    let problem = assert_problem_shape(&response, 503, "service_unavailable");
    let detail = problem["detail"].as_str().expect("detail").to_lowercase();
    assert!(detail.contains("redis"), "{detail}");
    assert!(!detail.contains("postgres"), "postgres is fine: {detail}");
    assert!(
        !response.text.contains("127.0.0.1:1"),
        "no connection details: {}",
        response.text
    );

    // Liveness does not depend on Redis.
    let live = get_raw(&app, "/health/live").await;
    assert_eq!(live.status, 200, "{}", live.text);

    // Redis is a cache: the API keeps working without it.
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Without Redis", &["cache"]).await;
    let me = app.get("/user", Some(&token)).await;
    assert_eq!(me.status, 200, "{}", me.text);
    let list = app.get("/articles", None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["articlesCount"], 1);
    let article = app.get(&format!("/articles/{slug}"), Some(&token)).await;
    assert_eq!(article.status, 200, "{}", article.text);
}

#[tokio::test]
async fn readiness_fails_when_postgres_goes_away() {
    let database = crate::startup::TempDatabase::new("operations").await;
    let app = spawn_app_with(&[("DATABASE_URL", &database.url)]).await;
    assert_eq!(get_raw(&app, "/health/ready").await.status, 200);
    drop(database); // DROP DATABASE ... WITH (FORCE) kills the pool's connections.
    let dropped = Instant::now();
    // The last report is reused for up to a second, so the failure shows within it.
    let response = loop {
        let response = get_raw(&app, "/health/ready").await;
        if response.status != 200 || dropped.elapsed() > Duration::from_secs(5) {
            break response;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        dropped.elapsed() < Duration::from_millis(2000),
        "reported after {:?}",
        dropped.elapsed()
    );
    let problem = assert_problem_shape(&response, 503, "service_unavailable");
    let detail = problem["detail"].as_str().expect("detail").to_lowercase();
    assert!(detail.contains("postgres"), "{detail}");
    assert!(!detail.contains("redis"), "redis is fine: {detail}");
    assert_eq!(get_raw(&app, "/health/live").await.status, 200);
}

/// The SQL statements behind readiness probes sent within `elapsed`: at most one
/// check per second, however many probes.
#[track_caller]
fn assert_one_check_per_second(queries: u32, elapsed: Duration) {
    let seconds = u32::try_from(elapsed.as_secs()).expect("a short test");
    assert!(
        (1..=seconds + 1).contains(&queries),
        "{queries} checks in {elapsed:?}"
    );
}

#[tokio::test]
async fn rapid_readiness_probes_check_postgres_at_most_once_a_second() {
    let app = spawn_app().await;
    let started = Instant::now();

    let mut queries = 0;
    for _ in 0..10 {
        let response = get_raw(&app, "/health/ready").await;
        assert_eq!(response.status, 200, "{}", response.text);
        queries += response.query_count();
    }

    assert_one_check_per_second(queries, started.elapsed());
}

#[tokio::test]
async fn concurrent_readiness_probes_share_one_check() {
    let app = spawn_app().await;
    let started = Instant::now();

    let responses =
        futures_util::future::join_all((0..10).map(|_| get_raw(&app, "/health/ready"))).await;

    assert!(responses.iter().all(|response| response.status == 200));
    let queries = responses.iter().map(Response::query_count).sum();
    assert_one_check_per_second(queries, started.elapsed());
}

/// Every RealWorld route (method, path under /api/v1) and whether it needs a token.
const API_ROUTES: [(&str, &str, Auth); 37] = [
    ("post", "/users/login", Auth::None),
    ("post", "/users", Auth::None),
    ("get", "/user", Auth::Required),
    ("put", "/user", Auth::Required),
    ("get", "/profiles/{username}", Auth::Optional),
    ("post", "/profiles/{username}/follow", Auth::Required),
    ("delete", "/profiles/{username}/follow", Auth::Required),
    ("get", "/articles", Auth::Optional),
    ("get", "/articles/feed", Auth::Required),
    ("get", "/articles/{slug}", Auth::Optional),
    ("post", "/articles", Auth::Required),
    ("put", "/articles/{slug}", Auth::Required),
    ("delete", "/articles/{slug}", Auth::Required),
    ("post", "/articles/{slug}/comments", Auth::Required),
    ("get", "/articles/{slug}/comments", Auth::Optional),
    ("delete", "/articles/{slug}/comments/{id}", Auth::Required),
    ("post", "/articles/{slug}/favorite", Auth::Required),
    ("delete", "/articles/{slug}/favorite", Auth::Required),
    ("get", "/tags", Auth::None),
    ("get", "/search/articles", Auth::Optional),
    ("get", "/admin/search/insights", Auth::Required),
    ("post", "/sessions", Auth::None),
    ("get", "/sessions", Auth::Required),
    ("delete", "/sessions", Auth::Required),
    ("delete", "/sessions/current", Auth::Required),
    ("delete", "/sessions/{id}", Auth::Required),
    ("put", "/admin/users/{username}/role", Auth::Required),
    ("post", "/admin/users/{username}/suspension", Auth::Required),
    (
        "delete",
        "/admin/users/{username}/suspension",
        Auth::Required,
    ),
    ("get", "/admin/audit-events", Auth::Required),
    ("post", "/uploads", Auth::Required),
    ("get", "/uploads/{id}", Auth::Optional),
    ("delete", "/uploads/{id}", Auth::Required),
    ("get", "/files/{name}", Auth::None),
    ("get", "/notifications", Auth::Required),
    ("get", "/notifications/unread-count", Auth::Required),
    ("post", "/notifications/read", Auth::Required),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Auth {
    None,
    Optional,
    Required,
}

async fn openapi(app: &TestApp) -> Value {
    let response = get_raw(app, "/api/v1/openapi.json").await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{:?}",
        response.header("content-type")
    );
    assert!(response.body.is_object(), "the document is JSON");
    response.body
}

fn operation<'a>(document: &'a Value, path: &str, method: &str) -> &'a Value {
    let operation = &document["paths"][path][method];
    assert!(
        operation.is_object(),
        "{} {path} is documented",
        method.to_uppercase()
    );
    operation
}

fn documented_statuses(operation: &Value) -> Vec<u16> {
    operation["responses"]
        .as_object()
        .map(|responses| {
            responses
                .keys()
                .filter_map(|status| status.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The security requirements of an operation: `[]` or absent means public; a `{}`
/// entry means the token is optional.
fn security(document: &Value, operation: &Value) -> Vec<Value> {
    operation
        .get("security")
        .or_else(|| document.get("security"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = spawn_app().await;
    let document = openapi(&app).await;
    let version = document["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1"), "{version}");
    assert!(
        document["info"]["title"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );

    for (method, path, _) in API_ROUTES {
        let operation = operation(&document, &format!("/api/v1{path}"), method);
        let statuses = documented_statuses(operation);
        assert!(
            statuses.iter().any(|s| (200..300).contains(s)),
            "{method} {path} documents its success: {statuses:?}"
        );
        if path != "/tags" {
            assert!(
                statuses.iter().any(|s| (400..500).contains(s)),
                "{method} {path} documents a client error: {statuses:?}"
            );
        }
    }
    for path in ["/health/live", "/health/ready", "/metrics"] {
        let operation = operation(&document, path, "get");
        assert!(documented_statuses(operation).contains(&200), "{path}");
    }
    assert!(
        documented_statuses(operation(&document, "/health/ready", "get")).contains(&503),
        "readiness documents 503"
    );

    // Nothing documented that the server does not serve: every documented operation
    // is one of the routes above.
    let paths = document["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for method in item.as_object().expect("path item").keys() {
            if !["get", "put", "post", "delete", "patch", "options", "head"]
                .contains(&method.as_str())
            {
                continue;
            }
            let known = path.starts_with("/health/")
                || path == "/metrics"
                || API_ROUTES
                    .iter()
                    .any(|(m, p, _)| m == method && path == &format!("/api/v1{p}"));
            assert!(known, "{method} {path} is documented but not a known route");
        }
    }
}

#[tokio::test]
async fn every_operation_lists_the_answers_any_route_can_give() {
    let app = spawn_app().await;
    let document = openapi(&app).await;
    for (method, path, _) in API_ROUTES {
        let operation = operation(&document, &format!("/api/v1{path}"), method);
        let responses = operation["responses"].as_object().expect("responses");
        for status in ["429", "500", "503"] {
            assert!(
                responses.contains_key(status),
                "{method} {path} lists {status}"
            );
        }
        let takes_body = operation.get("requestBody").is_some();
        for status in ["413", "415"] {
            assert_eq!(
                responses.contains_key(status),
                takes_body,
                "{method} {path} lists {status} exactly when it takes a body"
            );
        }
    }
}

#[tokio::test]
async fn the_openapi_document_marks_authenticated_operations() {
    let app = spawn_app().await;
    let document = openapi(&app).await;
    let schemes = document["components"]["securitySchemes"]
        .as_object()
        .expect("security schemes");
    assert!(!schemes.is_empty());

    for (method, path, auth) in API_ROUTES {
        let operation = operation(&document, &format!("/api/v1{path}"), method);
        let security = security(&document, operation);
        let anonymous_allowed = security.is_empty()
            || security
                .iter()
                .any(|s| s.as_object().is_some_and(|o| o.is_empty()));
        let names_a_scheme = security.iter().any(|requirement| {
            requirement
                .as_object()
                .is_some_and(|o| o.keys().any(|name| schemes.contains_key(name)))
        });
        match auth {
            Auth::None => assert!(
                !names_a_scheme,
                "{method} {path} needs no token: {security:?}"
            ),
            Auth::Optional => assert!(
                names_a_scheme && anonymous_allowed,
                "{method} {path}: {security:?}"
            ),
            Auth::Required => {
                assert!(
                    names_a_scheme && !anonymous_allowed,
                    "{method} {path}: {security:?}"
                );
                assert!(
                    documented_statuses(operation).contains(&401),
                    "{method} {path} requires a token but does not document 401"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_operation_with_security_documents_401() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let slug = app.publish(&jake, "Hello", &[]).await;
    // The server does answer 401 to a bad token on the optional-auth endpoints...
    for path in [
        "/articles".to_owned(),
        format!("/articles/{slug}"),
        format!("/articles/{slug}/comments"),
        "/profiles/jake".to_owned(),
    ] {
        app.get(&path, Some("not-a-token"))
            .await
            .assert_problem(401, "unauthorized");
    }
    // ...so every operation that accepts a token must document it.
    let document = openapi(&app).await;
    let mut undocumented = Vec::new();
    for (method, path, _) in API_ROUTES {
        let operation = operation(&document, &format!("/api/v1{path}"), method);
        let has_scheme = security(&document, operation)
            .iter()
            .any(|requirement| requirement.as_object().is_some_and(|o| !o.is_empty()));
        if has_scheme && !documented_statuses(operation).contains(&401) {
            undocumented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    assert!(
        undocumented.is_empty(),
        "no 401 documented for {undocumented:?}"
    );
}

#[tokio::test]
async fn problem_responses_are_documented_as_problem_json() {
    let app = spawn_app().await;
    let document = openapi(&app).await;
    for (method, path, _) in API_ROUTES {
        let operation = operation(&document, &format!("/api/v1{path}"), method);
        for (status, response) in operation["responses"].as_object().expect("responses") {
            if status.starts_with('4') || status.starts_with('5') {
                assert!(
                    response["content"]["application/problem+json"].is_object(),
                    "{method} {path} {status} is problem+json: {response}"
                );
            }
        }
    }
    assert!(document["components"]["schemas"]["Problem"].is_object());
}

#[tokio::test]
async fn the_docs_page_serves_swagger_ui() {
    let app = spawn_app().await;
    let response = get_raw(&app, "/docs/").await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{:?}",
        response.headers
    );
    assert!(
        response.text.to_lowercase().contains("swagger"),
        "{}",
        response.text
    );

    // The page's assets are served, and it points at the document.
    let initializer = get_raw(&app, "/docs/swagger-initializer.js").await;
    assert_eq!(initializer.status, 200, "{}", initializer.text);
    assert!(
        initializer.text.contains("/api/v1/openapi.json"),
        "{}",
        initializer.text
    );
}

#[tokio::test]
async fn docs_without_a_slash_redirects() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let response = client
        .request(Method::GET, app.url("/docs"))
        .send()
        .await
        .expect("request");
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/docs/")
    );
    // Following it lands on the page.
    let followed = app
        .client
        .get(app.url("/docs"))
        .send()
        .await
        .expect("request");
    assert_eq!(followed.status(), 200);
    assert!(followed.url().path().ends_with("/docs/"));
}

#[tokio::test]
async fn background_tasks_report_that_they_run() {
    let app = spawn_app().await;
    let text = app.metrics_text().await;
    for task in [
        "outbox relay",
        "outbox upkeep",
        "cache invalidation",
        "realtime feeder",
        "realtime notices",
        "job worker",
        "job upkeep",
    ] {
        let series = format!(r#"background_task_up{{task="{task}"}}"#);
        assert_eq!(
            crate::support::metric(&text, &series),
            Some(1.0),
            "{series}"
        );
    }
}
