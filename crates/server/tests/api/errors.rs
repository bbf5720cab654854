//! The error contract (API.md "Errors"): every failure is an RFC 9457 problem with a
//! stable code, a request id that matches `X-Request-Id`, and no internals.

use reqwest::Method;
use serde_json::{Value, json};

use crate::startup::TempDatabase;
use crate::support::{Response, TestApp, spawn_app, spawn_app_with};

/// The keys a problem body may have; `errors` only on validation failures.
const PROBLEM_KEYS: [&str; 7] = [
    "type",
    "title",
    "status",
    "code",
    "detail",
    "request_id",
    "errors",
];

/// Asserts the full problem+json shape (on top of [`Response::assert_problem`]).
#[track_caller]
pub(crate) fn assert_problem_shape(response: &Response, status: u16, code: &str) -> Value {
    let body = response.assert_problem(status, code).clone();
    let object = body
        .as_object()
        .unwrap_or_else(|| panic!("problem is an object: {}", response.text));
    assert_eq!(
        body["type"],
        format!("/problems/{}", code.replace('_', "-")),
        "{}",
        response.text
    );
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "title: {}",
        response.text
    );
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "detail: {}",
        response.text
    );
    for key in object.keys() {
        assert!(
            PROBLEM_KEYS.contains(&key.as_str()),
            "unexpected key {key} in {}",
            response.text
        );
    }
    if let Some(errors) = object.get("errors") {
        assert_errors_map(errors, &response.text);
    }
    body
}

/// `errors` is the RealWorld shape: a non-empty `{field: [message, ...]}`.
#[track_caller]
fn assert_errors_map(errors: &Value, text: &str) {
    let fields = errors
        .as_object()
        .unwrap_or_else(|| panic!("errors is an object: {text}"));
    assert!(
        !fields.is_empty(),
        "errors names at least one field: {text}"
    );
    for (field, messages) in fields {
        let messages = messages
            .as_array()
            .unwrap_or_else(|| panic!("errors.{field} is a list: {text}"));
        assert!(!messages.is_empty(), "errors.{field} has a message: {text}");
        assert!(
            messages
                .iter()
                .all(|m| m.as_str().is_some_and(|m| !m.is_empty())),
            "errors.{field} holds strings: {text}"
        );
    }
}

/// A request with exactly these headers and body (no JSON content type unless given).
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Response {
    let mut request = app.client.request(method, app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    TestApp::read(request.send().await.expect("request reaches the server")).await
}

const JSON: (&str, &str) = ("Content-Type", "application/json");

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    for body in [
        "{\"user\": {",
        "not json at all",
        "{\"user\": {\"username\": \"a\",}}",
    ] {
        let response = raw(
            &app,
            Method::POST,
            "/api/v1/users",
            &[JSON],
            Some(body.to_owned()),
        )
        .await;
        let problem = assert_problem_shape(&response, 400, "malformed_json");
        assert!(problem.get("errors").is_none(), "{}", response.text);
    }
}

#[tokio::test]
async fn wrong_json_types_are_a_422_with_field_errors() {
    let app = spawn_app().await;
    for body in [
        json!({"user": {"username": 5, "email": "a@example.com", "password": "correct-horse-42"}}),
        json!({"user": "jake"}),
        json!([1, 2, 3]),
    ] {
        let response = app.post("/users", None, body.clone()).await;
        let problem = assert_problem_shape(&response, 422, "validation_failed");
        assert!(problem["errors"].is_object(), "{body}: {}", response.text);
    }
    // The type error is about the body's shape, never echoed with parser positions.
    let response = app
        .post("/users", None, json!({"user": {"username": 5}}))
        .await;
    assert_problem_shape(&response, 422, "validation_failed");
    assert!(!response.text.contains("at line"), "{}", response.text);
}

#[tokio::test]
async fn validation_errors_count_the_invalid_fields() {
    let app = spawn_app().await;
    let response = app.post("/users", None, json!({"user": {}})).await;
    let problem = assert_problem_shape(&response, 422, "validation_failed");
    let fields = problem["errors"].as_object().expect("errors");
    for field in ["username", "email", "password"] {
        assert!(fields.contains_key(field), "{field} in {}", response.text);
    }
    assert_eq!(
        problem["detail"],
        format!("{} fields are invalid", fields.len())
    );

    let response = app
        .post(
            "/users",
            None,
            json!({"user": {"username": "", "email": "jake@example.com", "password": "short"}}),
        )
        .await;
    let problem = assert_problem_shape(&response, 422, "validation_failed");
    let count = problem["errors"].as_object().expect("errors").len();
    assert!(
        count >= 2,
        "username and password are both invalid: {}",
        response.text
    );
    assert_eq!(problem["detail"], format!("{count} fields are invalid"));

    // One invalid field reads naturally.
    let token = app.register("jake").await;
    let response = app
        .post(
            "/articles",
            Some(&token),
            json!({"article": {"title": "T", "description": "d", "body": ""}}),
        )
        .await;
    let problem = assert_problem_shape(&response, 422, "validation_failed");
    assert_eq!(
        problem["errors"].as_object().expect("errors").len(),
        1,
        "{}",
        response.text
    );
    assert_eq!(problem["detail"], "1 field is invalid");
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_refused_with_413() {
    let app = spawn_app().await;
    let limit = 1024 * 1024;
    let envelope =
        |filler: usize| format!("{{\"user\": {{\"username\": \"{}\"}}}}", "a".repeat(filler));
    let overhead = envelope(0).len();

    let too_big = envelope(limit + 1 - overhead);
    assert_eq!(too_big.len(), limit + 1);
    let response = raw(&app, Method::POST, "/api/v1/users", &[JSON], Some(too_big)).await;
    assert_problem_shape(&response, 413, "payload_too_large");

    // Exactly the limit is still read (and then judged on its content).
    let at_limit = envelope(limit - overhead);
    assert_eq!(at_limit.len(), limit);
    let response = raw(&app, Method::POST, "/api/v1/users", &[JSON], Some(at_limit)).await;
    assert_problem_shape(&response, 422, "validation_failed");
}

#[tokio::test]
async fn non_json_content_types_are_a_415() {
    let app = spawn_app().await;
    let body = json!({"user": {"username": "jake", "email": "jake@example.com", "password": "correct-horse-42"}});
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let response = raw(
            &app,
            Method::POST,
            "/api/v1/users",
            &[("Content-Type", content_type)],
            Some(body.to_string()),
        )
        .await;
        assert_problem_shape(&response, 415, "unsupported_media_type");
    }
    // No content type at all is refused the same way.
    let response = raw(
        &app,
        Method::POST,
        "/api/v1/users",
        &[],
        Some(body.to_string()),
    )
    .await;
    assert_problem_shape(&response, 415, "unsupported_media_type");
    // Nobody was registered by the refused requests, so the same user still can; a
    // charset parameter is still JSON.
    let response = raw(
        &app,
        Method::POST,
        "/api/v1/users",
        &[("Content-Type", "application/json; charset=utf-8")],
        Some(body.to_string()),
    )
    .await;
    assert_eq!(
        response.status, 201,
        "a charset parameter is fine: {}",
        response.text
    );
}

#[tokio::test]
async fn unknown_paths_are_a_404_problem() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/nope",
        "/api/nope",
        "/nope",
        "/api/v1/articles/a/b/c/d",
        "/api/v2/tags",
    ] {
        let response = raw(&app, Method::GET, path, &[], None).await;
        assert_problem_shape(&response, 404, "not_found");
    }
    let response = raw(
        &app,
        Method::POST,
        "/api/v1/nope",
        &[JSON],
        Some("{}".to_owned()),
    )
    .await;
    assert_problem_shape(&response, 404, "not_found");
}

#[tokio::test]
async fn unsupported_methods_are_a_405_problem() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    for (method, path) in [
        (Method::PATCH, "/api/v1/tags"),
        (Method::POST, "/api/v1/tags"),
        (Method::DELETE, "/api/v1/users"),
        (Method::PATCH, "/api/v1/user"),
        (Method::PUT, "/api/tags"),
        (Method::POST, "/health/live"),
    ] {
        let response = raw(
            &app,
            method.clone(),
            path,
            &[JSON, ("Authorization", &format!("Token {token}"))],
            Some("{}".to_owned()),
        )
        .await;
        let problem = assert_problem_shape(&response, 405, "method_not_allowed");
        assert!(
            problem.get("errors").is_none(),
            "{method} {path}: {}",
            response.text
        );
    }
}

#[tokio::test]
async fn client_request_ids_are_echoed_when_sane() {
    let app = spawn_app().await;
    for id in ["abc-123", "trace_01.J:9", &"x".repeat(128)] {
        let response = raw(
            &app,
            Method::GET,
            "/api/v1/nope",
            &[("X-Request-Id", id)],
            None,
        )
        .await;
        let problem = assert_problem_shape(&response, 404, "not_found");
        assert_eq!(response.header("x-request-id"), Some(id));
        assert_eq!(problem["request_id"], id);
    }
    // Success responses carry it too.
    let response = raw(
        &app,
        Method::GET,
        "/api/v1/tags",
        &[("X-Request-Id", "abc-123")],
        None,
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.header("x-request-id"), Some("abc-123"));
}

#[tokio::test]
async fn insane_request_ids_are_replaced() {
    let app = spawn_app().await;
    let too_long = "a".repeat(200);
    for id in [
        too_long.as_str(),
        "abc 123",
        "a/b",
        "<script>",
        "x".repeat(129).as_str(),
    ] {
        let response = raw(
            &app,
            Method::GET,
            "/api/v1/nope",
            &[("X-Request-Id", id)],
            None,
        )
        .await;
        let problem = assert_problem_shape(&response, 404, "not_found");
        let replaced = response.header("x-request-id").expect("a request id");
        assert_ne!(replaced, id);
        assert!(!replaced.is_empty() && replaced.len() <= 128, "{replaced}");
        assert!(
            replaced
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b)),
            "{replaced}"
        );
        assert_eq!(problem["request_id"], replaced);
    }
    // An empty one is replaced as well.
    let response = raw(
        &app,
        Method::GET,
        "/api/v1/tags",
        &[("X-Request-Id", "")],
        None,
    )
    .await;
    assert!(
        response
            .header("x-request-id")
            .is_some_and(|id| !id.is_empty())
    );
}

#[tokio::test]
async fn every_response_gets_a_distinct_request_id() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let mut seen = Vec::new();
    let responses = [
        app.get("/tags", None).await,
        app.get("/user", Some(&token)).await,
        app.get("/articles", None).await,
        app.get("/articles/missing", None).await,
        raw(&app, Method::GET, "/health/live", &[], None).await,
    ];
    for response in responses {
        let id = response
            .header("x-request-id")
            .expect("X-Request-Id")
            .to_owned();
        assert!(!id.is_empty());
        assert!(!seen.contains(&id), "{id} reused");
        seen.push(id);
    }
}

/// Drops what legitimately differs between two equivalent requests.
fn without_request_id(mut body: Value) -> Value {
    if let Some(object) = body.as_object_mut() {
        object.remove("request_id");
    }
    body
}

#[tokio::test]
async fn the_api_prefix_is_an_alias_of_api_v1() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Hello world", &["rust", "actix"]).await;
    let auth = format!("Token {token}");
    for path in [
        "/tags".to_owned(),
        "/articles".to_owned(),
        format!("/articles/{slug}"),
        format!("/articles/{slug}/comments"),
        "/profiles/jake".to_owned(),
        "/user".to_owned(),
        "/articles/feed".to_owned(),
        "/articles/missing".to_owned(),
        "/profiles/nobody".to_owned(),
        "/nope".to_owned(),
    ] {
        let headers = [JSON, ("Authorization", auth.as_str())];
        let v1 = raw(&app, Method::GET, &format!("/api/v1{path}"), &headers, None).await;
        let alias = raw(&app, Method::GET, &format!("/api{path}"), &headers, None).await;
        assert_eq!(
            v1.status, alias.status,
            "{path}: {} vs {}",
            v1.text, alias.text
        );
        assert_eq!(
            v1.header("content-type"),
            alias.header("content-type"),
            "{path}"
        );
        assert_eq!(
            without_request_id(v1.body),
            without_request_id(alias.body),
            "{path}"
        );
    }

    // Writes work under the alias too, and are visible under /api/v1.
    let response = raw(
        &app,
        Method::POST,
        &format!("/api/articles/{slug}/comments"),
        &[JSON, ("Authorization", auth.as_str())],
        Some(json!({"comment": {"body": "via the alias"}}).to_string()),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    let comments = app.get(&format!("/articles/{slug}/comments"), None).await;
    assert_eq!(comments.body["comments"][0]["body"], "via the alias");

    // And errors are the same problems.
    let v1 = raw(
        &app,
        Method::POST,
        "/api/v1/users",
        &[JSON],
        Some("{".to_owned()),
    )
    .await;
    let alias = raw(
        &app,
        Method::POST,
        "/api/users",
        &[JSON],
        Some("{".to_owned()),
    )
    .await;
    assert_problem_shape(&v1, 400, "malformed_json");
    assert_problem_shape(&alias, 400, "malformed_json");
    assert_eq!(without_request_id(v1.body), without_request_id(alias.body));
}

#[tokio::test]
async fn endpoints_without_a_body_ignore_whatever_is_sent() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    app.register("anna").await;
    let slug = app.publish(&jake, "Hello world", &[]).await;
    let stray = json!({"user": {"email": "x@example.com", "password": "whatever"}});

    for path in [
        "/tags".to_owned(),
        "/articles".to_owned(),
        format!("/articles/{slug}"),
        "/user".to_owned(),
    ] {
        let response = app
            .send(Method::GET, &path, Some(&jake), Some(stray.clone()))
            .await;
        assert_eq!(response.status, 200, "GET {path}: {}", response.text);
        // Not even unparseable bodies matter.
        let response = raw(
            &app,
            Method::GET,
            &format!("/api/v1{path}"),
            &[JSON, ("Authorization", &format!("Token {jake}"))],
            Some("{not json".to_owned()),
        )
        .await;
        assert_eq!(
            response.status, 200,
            "GET {path} with garbage: {}",
            response.text
        );
    }

    // RealWorld clients send a stray body to follow and favorite.
    let response = app
        .send(
            Method::POST,
            "/profiles/anna/follow",
            Some(&jake),
            Some(stray.clone()),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["profile"]["following"], true);
    let response = app
        .send(
            Method::DELETE,
            "/profiles/anna/follow",
            Some(&jake),
            Some(stray.clone()),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["profile"]["following"], false);
    let response = app
        .send(
            Method::POST,
            &format!("/articles/{slug}/favorite"),
            Some(&jake),
            Some(stray.clone()),
        )
        .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["article"]["favorited"], true);
    let response = raw(
        &app,
        Method::DELETE,
        &format!("/api/v1/articles/{slug}/favorite"),
        &[JSON, ("Authorization", &format!("Token {jake}"))],
        Some("garbage".to_owned()),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.text);
    assert_eq!(response.body["article"]["favorited"], false);
    let response = app
        .send(
            Method::DELETE,
            &format!("/articles/{slug}"),
            Some(&jake),
            Some(stray),
        )
        .await;
    assert_eq!(response.status, 204, "{}", response.text);
    assert_eq!(
        app.get(&format!("/articles/{slug}"), None).await.status,
        404
    );
}

#[tokio::test]
async fn cors_preflight_is_answered() {
    let app = spawn_app().await;
    let response = app
        .client
        .request(Method::OPTIONS, app.url("/api/v1/articles"))
        .header("Origin", "http://localhost:4200")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,authorization,x-requested-with",
        )
        .send()
        .await
        .expect("preflight reaches the server");
    let response = TestApp::read(response).await;
    assert_eq!(response.status, 200, "{}", response.text);
    let origin = response
        .header("access-control-allow-origin")
        .expect("allow-origin");
    assert!(
        origin == "*" || origin == "http://localhost:4200",
        "{origin}"
    );
    let methods = response
        .header("access-control-allow-methods")
        .expect("allow-methods")
        .to_ascii_uppercase();
    assert!(methods.contains("POST"), "{methods}");
    let headers = response
        .header("access-control-allow-headers")
        .expect("allow-headers")
        .to_ascii_lowercase();
    for header in ["content-type", "authorization", "x-requested-with"] {
        assert!(headers.contains(header), "{header} in {headers}");
    }

    // The contract's other request headers are allowed as well.
    let response = app
        .client
        .request(Method::OPTIONS, app.url("/api/articles/some-slug"))
        .header("Origin", "https://front.example")
        .header("Access-Control-Request-Method", "PUT")
        .header(
            "Access-Control-Request-Headers",
            "if-match,if-none-match,idempotency-key",
        )
        .send()
        .await
        .expect("preflight reaches the server");
    assert_eq!(response.status(), 200);

    // An actual cross-origin request gets the header too.
    let response = app
        .client
        .get(app.url("/api/v1/tags"))
        .header("Origin", "http://localhost:4200")
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(response.status(), 200);
    assert!(
        response
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn cors_refuses_origins_outside_the_configured_list() {
    let app = spawn_app_with(&[("FOLIO_CORS_ORIGINS", "https://front.example")]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(Method::OPTIONS, app.url("/api/v1/articles"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "content-type,authorization",
            )
            .send()
    };
    let allowed = preflight("https://front.example").await.expect("preflight");
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("https://front.example")
    );
    let refused = preflight("https://evil.example").await.expect("preflight");
    assert!(refused.status().is_client_error(), "{}", refused.status());
    assert!(
        !refused
            .headers()
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn a_5xx_says_only_internal_error() {
    // Our own database, so the test can break it underneath the running server.
    let database = TempDatabase::new("errors").await;
    let app = spawn_app_with(&[("DATABASE_URL", &database.url)]).await;
    let token = app.register("jake").await;
    let slug = app.publish(&token, "Hello world", &[]).await;
    let path = format!("/articles/{slug}/comments");
    assert_eq!(app.get(&path, None).await.status, 200);

    database.execute("DROP TABLE comments").await;

    let response = app.get(&path, None).await;
    let problem = assert_problem_shape(&response, 500, "internal_error");
    assert_eq!(problem["detail"], "internal error");
    assert!(problem.get("errors").is_none());
    let text = response.text.to_ascii_lowercase();
    for leak in [
        "comments\"",
        "relation",
        "does not exist",
        "postgres",
        "diesel",
        "sql",
        &database.name,
    ] {
        assert!(!text.contains(leak), "{leak} leaked: {}", response.text);
    }
    // The rest of the API is unaffected.
    assert_eq!(
        app.get(&format!("/articles/{slug}"), None).await.status,
        200
    );
}

#[tokio::test]
async fn a_refused_cors_preflight_is_a_problem_too() {
    let app = spawn_app_with(&[("FOLIO_CORS_ORIGINS", "https://front.example")]).await;
    let response = app
        .client
        .request(Method::OPTIONS, app.url("/api/v1/articles"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("preflight reaches the server");
    let response = TestApp::read(response).await;
    assert!(response.status.is_client_error(), "{}", response.status);
    assert!(response.header("access-control-allow-origin").is_none());
    assert_eq!(
        response.header("content-type"),
        Some("application/problem+json"),
        "{}",
        response.text
    );
    let status = response.status.as_u16();
    let code = response.body["code"].as_str().expect("a code").to_owned();
    assert_problem_shape(&response, status, &code);
}

#[tokio::test]
async fn head_is_answered_wherever_get_is() {
    let app = spawn_app().await;
    for path in ["/health/live", "/api/v1/tags", "/api/v1/articles"] {
        let response = app
            .client
            .head(app.url(path))
            .send()
            .await
            .expect("request reaches the server");
        assert_eq!(response.status(), 200, "HEAD {path}");
        assert!(response.headers().contains_key("x-request-id"));
    }
}
