//! Browser sessions (cookies and CSRF), listing and revoking sessions, security
//! headers, and which client address is believed.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Response, TestApp, spawn_app, spawn_app_with};

const PASSWORD: &str = "correct-horse-42";
/// The cookie names with `FOLIO_COOKIE_SECURE=true`, the default.
const SESSION_COOKIE: &str = "__Host-folio_session";
const CSRF_COOKIE: &str = "__Host-folio_csrf";

/// A browser's view of one signed-in session.
struct Browser {
    session: String,
    csrf: String,
}

impl Browser {
    fn cookie_header(&self) -> String {
        format!(
            "{SESSION_COOKIE}={}; {CSRF_COOKIE}={}",
            self.session, self.csrf
        )
    }
}

fn set_cookies(response: &Response) -> Vec<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .map(str::to_owned)
        .collect()
}

/// The `Set-Cookie` line for `name`.
#[track_caller]
fn set_cookie<'a>(cookies: &'a [String], name: &str) -> &'a str {
    cookies
        .iter()
        .find(|line| line.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {cookies:?}"))
}

fn cookie_value(line: &str) -> String {
    line.split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value.to_owned())
        .unwrap_or_default()
}

fn attributes(line: &str) -> Vec<String> {
    line.split(';')
        .skip(1)
        .map(|attribute| attribute.trim().to_ascii_lowercase())
        .collect()
}

async fn sign_in_browser(app: &TestApp, username: &str) -> (Response, Browser) {
    let response = app
        .post(
            "/sessions",
            None,
            json!({"user": {"email": format!("{username}@example.com"), "password": PASSWORD}}),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let cookies = set_cookies(&response);
    let browser = Browser {
        session: cookie_value(set_cookie(&cookies, SESSION_COOKIE)),
        csrf: cookie_value(set_cookie(&cookies, CSRF_COOKIE)),
    };
    (response, browser)
}

/// A request as a browser page sends it: cookies, plus whatever headers are given.
async fn browser_request(
    app: &TestApp,
    method: Method,
    path: &str,
    browser: &Browser,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Response {
    let mut request = app
        .client
        .request(method, app.url(&format!("/api/v1{path}")))
        .header("Cookie", browser.cookie_header())
        .header("Content-Type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    TestApp::read(request.send().await.expect("request reaches the server")).await
}

fn own_origin(app: &TestApp) -> String {
    format!("http://{}", app.address)
}

async fn update_bio(app: &TestApp, browser: &Browser, headers: &[(&str, &str)]) -> Response {
    browser_request(
        app,
        Method::PUT,
        "/user",
        browser,
        headers,
        Some(json!({"user": {"bio": "from the browser"}})),
    )
    .await
}

async fn login(app: &TestApp, username: &str, user_agent: &str) -> String {
    let response = app
        .client
        .post(app.url("/api/v1/users/login"))
        .header("User-Agent", user_agent)
        .json(&json!({"user": {"email": format!("{username}@example.com"), "password": PASSWORD}}))
        .send()
        .await
        .expect("login");
    let response = TestApp::read(response).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body["user"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

async fn sessions_of(app: &TestApp, token: &str) -> Vec<Value> {
    let response = app.get("/sessions", Some(token)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    response.body["sessions"]
        .as_array()
        .expect("sessions")
        .clone()
}

/// Refused CSRF checks in the audit log (tallied rows count what they sum up).
async fn csrf_rejections(app: &TestApp) -> i64 {
    app.flush_audit_tally().await;
    app.database()
        .await
        .query_one(
            "SELECT coalesce(sum((details->>'count')::bigint), 0)::bigint \
             FROM audit_events WHERE event_type = 'csrf_rejected'",
            &[],
        )
        .await
        .expect("count audit events")
        .get(0)
}

// ------------------------------------------------------------------ cookies

#[tokio::test]
async fn a_browser_sign_in_sets_an_http_only_session_cookie_and_a_readable_csrf_cookie() {
    let app = spawn_app().await;
    app.register("jake").await;

    let (response, browser) = sign_in_browser(&app, "jake").await;

    let user = response.body["user"].as_object().expect("user");
    assert!(!user.contains_key("token"), "{}", response.text);
    assert_eq!(user["username"], "jake");
    let cookies = set_cookies(&response);
    let session = attributes(set_cookie(&cookies, SESSION_COOKIE));
    let csrf = attributes(set_cookie(&cookies, CSRF_COOKIE));
    for expected in ["httponly", "samesite=lax", "path=/", "secure"] {
        assert!(session.contains(&expected.to_owned()), "{session:?}");
    }
    assert!(
        session
            .iter()
            .any(|a| a == &format!("max-age={}", 90 * 24 * 3600)),
        "{session:?}"
    );
    assert!(!csrf.contains(&"httponly".to_owned()), "{csrf:?}");
    assert!(csrf.contains(&"samesite=lax".to_owned()), "{csrf:?}");
    assert_eq!(browser.session.len(), 43);
    assert!(!browser.csrf.is_empty() && browser.csrf != browser.session);
}

async fn sign_in_from(app: &TestApp, origin: &str) -> Response {
    let response = app
        .client
        .post(app.url("/api/v1/sessions"))
        .header("Origin", origin)
        .json(&json!({"user": {"email": "jake@example.com", "password": PASSWORD}}))
        .send()
        .await
        .expect("request reaches the server");
    TestApp::read(response).await
}

#[tokio::test]
async fn a_foreign_page_cannot_sign_a_browser_in() {
    let app = spawn_app().await;
    app.register("jake").await;

    let foreign = sign_in_from(&app, "https://evil.example").await;
    let own = sign_in_from(&app, &own_origin(&app)).await;

    foreign.assert_problem(403, "csrf_failed");
    assert!(set_cookies(&foreign).is_empty());
    assert_eq!(own.status, StatusCode::CREATED, "{}", own.text);
}

#[tokio::test]
async fn secure_cookies_carry_the_host_prefix_and_follow_its_rules() {
    let app = spawn_app().await;
    app.register("jake").await;

    let (response, _) = sign_in_browser(&app, "jake").await;

    let cookies = set_cookies(&response);
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        let attributes = attributes(set_cookie(&cookies, name));
        assert!(attributes.contains(&"secure".to_owned()), "{attributes:?}");
        assert!(attributes.contains(&"path=/".to_owned()), "{attributes:?}");
        assert!(
            !attributes.iter().any(|a| a.starts_with("domain")),
            "{attributes:?}"
        );
    }
}

/// `GET /user` with exactly this Cookie header.
async fn current_user_with_cookie(app: &TestApp, cookie: &str) -> Response {
    let response = app
        .client
        .get(app.url("/api/v1/user"))
        .header("Cookie", cookie)
        .send()
        .await
        .expect("request reaches the server");
    TestApp::read(response).await
}

#[tokio::test]
async fn a_session_cookie_without_the_host_prefix_is_ignored_when_cookies_are_secure() {
    let app = spawn_app().await;
    app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;

    let bare = current_user_with_cookie(&app, &format!("folio_session={}", browser.session)).await;
    let prefixed =
        current_user_with_cookie(&app, &format!("{SESSION_COOKIE}={}", browser.session)).await;

    bare.assert_problem(401, "unauthorized");
    assert_eq!(prefixed.status, StatusCode::OK, "{}", prefixed.text);
    assert_eq!(prefixed.body["user"]["username"], "jake");
}

#[tokio::test]
async fn plain_http_development_can_drop_the_secure_attribute() {
    let app = spawn_app_with(&[("FOLIO_COOKIE_SECURE", "false")]).await;
    app.register("jake").await;

    let response = app
        .post(
            "/sessions",
            None,
            json!({"user": {"email": "jake@example.com", "password": PASSWORD}}),
        )
        .await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text);
    let cookies = set_cookies(&response);
    for line in &cookies {
        assert!(!attributes(line).contains(&"secure".to_owned()), "{line}");
    }
    // The prefix's rules cannot be met without Secure: the bare names are used.
    let session = cookie_value(set_cookie(&cookies, "folio_session"));
    set_cookie(&cookies, "folio_csrf");
    let bare = current_user_with_cookie(&app, &format!("folio_session={session}")).await;
    assert_eq!(bare.status, StatusCode::OK, "{}", bare.text);
    let prefixed = current_user_with_cookie(&app, &format!("{SESSION_COOKIE}={session}")).await;
    prefixed.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn a_browser_sign_in_with_a_wrong_password_sets_no_cookie() {
    let app = spawn_app().await;
    app.register("jake").await;

    let response = app
        .post(
            "/sessions",
            None,
            json!({"user": {"email": "jake@example.com", "password": "not the password"}}),
        )
        .await;

    response.assert_problem(401, "invalid_credentials");
    assert!(set_cookies(&response).is_empty());
}

#[tokio::test]
async fn a_cookie_session_reads_without_csrf_and_never_sees_its_token() {
    let app = spawn_app().await;
    app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;

    let response = browser_request(&app, Method::GET, "/user", &browser, &[], None).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["user"]["username"], "jake");
    assert!(
        response.body["user"].get("token").is_none(),
        "{}",
        response.text
    );
    assert!(!response.text.contains(&browser.session));
}

// --------------------------------------------------------------------- CSRF

#[tokio::test]
async fn an_unsafe_cookie_request_without_the_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;
    let origin = own_origin(&app);

    let response = update_bio(&app, &browser, &[("Origin", &origin)]).await;

    response.assert_problem(403, "csrf_failed");
    let user = browser_request(&app, Method::GET, "/user", &browser, &[], None).await;
    assert_eq!(user.body["user"]["bio"], Value::Null, "nothing changed");
}

#[tokio::test]
async fn a_wrong_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;
    let origin = own_origin(&app);
    let (_, other) = sign_in_browser(&app, "jake").await;

    // Another session's CSRF token does not fit this session.
    let response = update_bio(
        &app,
        &browser,
        &[("Origin", &origin), ("X-CSRF-Token", &other.csrf)],
    )
    .await;

    response.assert_problem(403, "csrf_failed");
}

#[tokio::test]
async fn a_foreign_or_missing_origin_is_refused_even_with_the_right_token() {
    let app = spawn_app().await;
    app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;

    let foreign = update_bio(
        &app,
        &browser,
        &[
            ("Origin", "https://evil.example"),
            ("X-CSRF-Token", &browser.csrf),
        ],
    )
    .await;
    let missing = update_bio(&app, &browser, &[("X-CSRF-Token", &browser.csrf)]).await;

    foreign.assert_problem(403, "csrf_failed");
    missing.assert_problem(403, "csrf_failed");
}

#[tokio::test]
async fn the_right_token_from_the_own_origin_or_its_referer_passes() {
    let app = spawn_app().await;
    app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;
    let origin = own_origin(&app);
    let referer = format!("{origin}/settings");

    let by_origin = update_bio(
        &app,
        &browser,
        &[("Origin", &origin), ("X-CSRF-Token", &browser.csrf)],
    )
    .await;
    let by_referer = update_bio(
        &app,
        &browser,
        &[("Referer", &referer), ("X-CSRF-Token", &browser.csrf)],
    )
    .await;

    assert_eq!(by_origin.status, StatusCode::OK, "{}", by_origin.text);
    assert_eq!(by_origin.body["user"]["bio"], "from the browser");
    assert_eq!(by_referer.status, StatusCode::OK, "{}", by_referer.text);
}

#[tokio::test]
async fn a_configured_front_end_origin_passes() {
    let app = spawn_app_with(&[("FOLIO_CORS_ORIGINS", "https://app.example")]).await;
    app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;

    let response = update_bio(
        &app,
        &browser,
        &[
            ("Origin", "https://app.example"),
            ("X-CSRF-Token", &browser.csrf),
        ],
    )
    .await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
}

#[tokio::test]
async fn requests_with_the_authorization_header_need_no_csrf_token() {
    let app = spawn_app().await;
    let token = app.register("jake").await;

    let response = app
        .put(
            "/user",
            Some(&token),
            json!({"user": {"bio": "api client"}}),
        )
        .await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body["user"]["bio"], "api client");
}

#[tokio::test]
async fn csrf_rejections_are_audited() {
    let app = spawn_app().await;
    app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;

    update_bio(&app, &browser, &[])
        .await
        .assert_problem(403, "csrf_failed");
    update_bio(&app, &browser, &[("X-CSRF-Token", "forged")])
        .await
        .assert_problem(403, "csrf_failed");

    assert_eq!(csrf_rejections(&app).await, 2);
    // Both refusals of the window are one row, counted by reason.
    let details: Vec<serde_json::Value> = app
        .database()
        .await
        .query(
            "SELECT details::text FROM audit_events WHERE event_type = 'csrf_rejected' ORDER BY id",
            &[],
        )
        .await
        .expect("read audit events")
        .iter()
        .map(|row| serde_json::from_str(row.get(0)).expect("details are JSON"))
        .collect();
    assert_eq!(details.len(), 1, "{details:?}");
    assert_eq!(details[0]["reason.missing_token"], "1");
    assert_eq!(details[0]["reason.wrong_token"], "1");
    assert_eq!(details[0]["count"], "2");
}

// ---------------------------------------------------------- signing out

#[tokio::test]
async fn browser_logout_revokes_the_session_and_clears_both_cookies() {
    let app = spawn_app().await;
    app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;
    let origin = own_origin(&app);

    let response = browser_request(
        &app,
        Method::DELETE,
        "/sessions/current",
        &browser,
        &[("Origin", &origin), ("X-CSRF-Token", &browser.csrf)],
        None,
    )
    .await;

    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    let cookies = set_cookies(&response);
    for name in [SESSION_COOKIE, CSRF_COOKIE] {
        let line = set_cookie(&cookies, name);
        assert_eq!(cookie_value(line), "", "{line}");
        assert!(attributes(line).contains(&"max-age=0".to_owned()), "{line}");
    }
    let after = browser_request(&app, Method::GET, "/user", &browser, &[], None).await;
    after.assert_problem(401, "unauthorized");
}

#[tokio::test]
async fn browser_logout_is_protected_against_csrf() {
    let app = spawn_app().await;
    app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;

    let forged = browser_request(
        &app,
        Method::DELETE,
        "/sessions/current",
        &browser,
        &[("Origin", "https://evil.example")],
        None,
    )
    .await;

    forged.assert_problem(403, "csrf_failed");
    let still = browser_request(&app, Method::GET, "/user", &browser, &[], None).await;
    assert_eq!(still.status, StatusCode::OK, "{}", still.text);
}

#[tokio::test]
async fn token_logout_ends_only_that_token() {
    let app = spawn_app().await;
    let first = app.register("jake").await;
    let second = login(&app, "jake", "phone").await;

    let response = app.delete("/sessions/current", Some(&first)).await;

    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    app.get("/user", Some(&first))
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(app.get("/user", Some(&second)).await.status, StatusCode::OK);
}

// ------------------------------------------------------- the session list

#[tokio::test]
async fn the_session_list_shows_every_sign_in_and_marks_the_current_one() {
    let app = spawn_app().await;
    app.register("jake").await;
    login(&app, "jake", "laptop").await;
    let phone = login(&app, "jake", "phone").await;

    let sessions = sessions_of(&app, &phone).await;

    assert_eq!(sessions.len(), 3);
    let current: Vec<&Value> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["userAgent"], "phone");
    assert_eq!(sessions[0]["userAgent"], "phone", "newest first");
    for session in &sessions {
        let mut keys: Vec<&str> = session
            .as_object()
            .expect("session")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "createdAt",
                "current",
                "expiresAt",
                "id",
                "ip",
                "lastSeenAt",
                "userAgent"
            ]
        );
        assert_eq!(session["ip"], "127.0.0.1");
        for key in ["createdAt", "lastSeenAt", "expiresAt"] {
            let stamp = session[key].as_str().expect("timestamp");
            assert!(stamp.ends_with('Z') && stamp.contains('.'), "{stamp}");
        }
    }
}

#[tokio::test]
async fn the_session_list_leaves_out_revoked_sessions_and_other_users() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let old = login(&app, "jake", "old").await;
    app.register("anna").await;
    app.delete("/sessions/current", Some(&old)).await;

    let sessions = sessions_of(&app, &jake).await;

    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["current"], true);
}

#[tokio::test]
async fn revoking_one_of_your_sessions_ends_it_at_once() {
    let app = spawn_app().await;
    let laptop = app.register("jake").await;
    let phone = login(&app, "jake", "phone").await;
    let sessions = sessions_of(&app, &laptop).await;
    let phone_id = sessions
        .iter()
        .find(|s| s["userAgent"] == "phone")
        .and_then(|s| s["id"].as_str())
        .expect("the phone's session")
        .to_owned();

    let response = app
        .delete(&format!("/sessions/{phone_id}"), Some(&laptop))
        .await;

    assert_eq!(response.status, StatusCode::NO_CONTENT, "{}", response.text);
    app.get("/user", Some(&phone))
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(sessions_of(&app, &laptop).await.len(), 1);
    // Revoking it again: it is no longer there to revoke.
    app.delete(&format!("/sessions/{phone_id}"), Some(&laptop))
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn another_users_session_cannot_be_revoked_or_even_confirmed() {
    let app = spawn_app().await;
    let jake = app.register("jake").await;
    let anna = app.register("anna").await;
    let anna_session = sessions_of(&app, &anna).await[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let theirs = app
        .delete(&format!("/sessions/{anna_session}"), Some(&jake))
        .await;
    let unknown = app
        .delete(&format!("/sessions/{}", uuid::Uuid::new_v4()), Some(&jake))
        .await;
    let malformed = app.delete("/sessions/not-a-session-id", Some(&jake)).await;

    theirs.assert_problem(404, "not_found");
    unknown.assert_problem(404, "not_found");
    malformed.assert_problem(404, "not_found");
    assert_eq!(theirs.body["detail"], unknown.body["detail"]);
    assert_eq!(app.get("/user", Some(&anna)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn signing_out_everywhere_else_keeps_only_the_current_session() {
    let app = spawn_app().await;
    let first = app.register("jake").await;
    let second = login(&app, "jake", "two").await;
    let current = login(&app, "jake", "three").await;

    let response = app.delete("/sessions", Some(&current)).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    assert_eq!(response.body, json!({"revoked": 2}));
    for token in [&first, &second] {
        app.get("/user", Some(token))
            .await
            .assert_problem(401, "unauthorized");
    }
    assert_eq!(
        app.get("/user", Some(&current)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn changing_the_password_signs_out_every_other_session() {
    let app = spawn_app().await;
    let current = app.register("jake").await;
    let other = login(&app, "jake", "other").await;

    let response = app
        .put(
            "/user",
            Some(&current),
            json!({"user": {"password": "a brand new passphrase"}}),
        )
        .await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.text);
    app.get("/user", Some(&other))
        .await
        .assert_problem(401, "unauthorized");
    assert_eq!(
        app.get("/user", Some(&current)).await.status,
        StatusCode::OK
    );
    let relogin = app
        .post(
            "/users/login",
            None,
            json!({"user": {"email": "jake@example.com", "password": "a brand new passphrase"}}),
        )
        .await;
    assert_eq!(relogin.status, StatusCode::OK, "{}", relogin.text);
}

#[tokio::test]
async fn a_common_password_is_refused_at_registration_and_on_change() {
    let app = spawn_app().await;
    let token = app.register("jake").await;

    let register = app
        .post(
            "/users",
            None,
            json!({"user": {"username": "anna", "email": "anna@example.com", "password": "Password123"}}),
        )
        .await;
    let change = app
        .put(
            "/user",
            Some(&token),
            json!({"user": {"password": "qwertyuiop"}}),
        )
        .await;

    for response in [&register, &change] {
        let body = response.assert_problem(422, "validation_failed");
        let message = body["errors"]["password"][0].as_str().expect("message");
        assert!(message.contains("too common"), "{message}");
    }
}

#[tokio::test]
async fn the_session_endpoints_need_a_session() {
    let app = spawn_app().await;

    for (method, path) in [(Method::GET, "/sessions"), (Method::DELETE, "/sessions")] {
        app.send(method, path, None, None)
            .await
            .assert_problem(401, "unauthorized");
    }
    // Signing out needs none: there is nothing to revoke, and the cookies are cleared.
    let out = app
        .send(Method::DELETE, "/sessions/current", None, None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
    app.send(
        Method::DELETE,
        "/sessions/current",
        Some("dead-token"),
        None,
    )
    .await
    .assert_problem(401, "unauthorized");
}

// --------------------------------------------------- headers and addresses

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;

    for path in ["/api/v1/tags", "/api/v1/no-such-route", "/health/live"] {
        let response =
            TestApp::read(app.client.get(app.url(path)).send().await.expect("request")).await;
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(response.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(
            response.header("referrer-policy"),
            Some("no-referrer"),
            "{path}"
        );
        assert_eq!(
            response.header("content-security-policy"),
            Some("frame-ancestors 'none'"),
            "{path}"
        );
    }
}

async fn login_ip(app: &TestApp, forwarded_for: &str) -> Value {
    app.register("jake").await;
    let response = app
        .client
        .post(app.url("/api/v1/users/login"))
        .header("X-Forwarded-For", forwarded_for)
        .json(&json!({"user": {"email": "jake@example.com", "password": PASSWORD}}))
        .send()
        .await
        .expect("login");
    let response = TestApp::read(response).await;
    let token = response.body["user"]["token"].as_str().expect("token");
    let sessions = sessions_of(app, token).await;
    sessions
        .iter()
        .find(|s| s["current"] == true)
        .map(|s| s["ip"].clone())
        .expect("the current session")
}

#[tokio::test]
async fn a_forwarded_address_from_an_untrusted_peer_is_ignored() {
    let app = spawn_app().await;

    assert_eq!(login_ip(&app, "203.0.113.9").await, "127.0.0.1");
}

#[tokio::test]
async fn a_trusted_proxy_passes_on_the_client_address() {
    let app = spawn_app_with(&[("FOLIO_TRUSTED_PROXIES", "127.0.0.1/32")]).await;

    // The client forged the first entry; the proxy appended the real one.
    assert_eq!(login_ip(&app, "1.2.3.4, 203.0.113.9").await, "203.0.113.9");
}

// ------------------------------------------------------- a dead session cookie

/// Whether `response` tells the browser to drop both session cookies.
#[track_caller]
fn clears_both_cookies(response: &Response) -> bool {
    let cookies = set_cookies(response);
    [SESSION_COOKIE, CSRF_COOKIE].iter().all(|name| {
        cookies.iter().any(|line| {
            line.starts_with(&format!("{name}="))
                && cookie_value(line).is_empty()
                && attributes(line).contains(&"max-age=0".to_owned())
        })
    })
}

#[tokio::test]
async fn a_dead_session_cookie_is_served_anonymously_and_cleared() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;
    // Signing out everywhere else from another device kills the browser's session.
    let others = app.delete("/sessions", Some(&token)).await;
    assert_eq!(others.status, StatusCode::OK, "{}", others.text);

    let page = browser_request(&app, Method::GET, "/articles", &browser, &[], None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(clears_both_cookies(&page), "{:?}", set_cookies(&page));
    let profile = browser_request(&app, Method::GET, "/profiles/jake", &browser, &[], None).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.text);
    assert_eq!(profile.body["profile"]["following"], false);

    // Where a session is required it is still a 401, and the cookies still go.
    let me = browser_request(&app, Method::GET, "/user", &browser, &[], None).await;
    me.assert_problem(401, "unauthorized");
    assert!(clears_both_cookies(&me), "{:?}", set_cookies(&me));

    // Signing out with it works and clears them too.
    let out = browser_request(
        &app,
        Method::DELETE,
        "/sessions/current",
        &browser,
        &[],
        None,
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
    assert!(clears_both_cookies(&out), "{:?}", set_cookies(&out));
}

#[tokio::test]
async fn a_cookie_the_address_may_not_have_checked_is_kept_and_public_pages_still_load() {
    let app = spawn_app_with(&[
        ("FOLIO_RATE_LIMITS", "on"),
        ("FOLIO_TOKEN_REJECTIONS_PER_ADDRESS", "3"),
    ])
    .await;
    app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;
    for n in 0..3 {
        app.get("/user", Some(&format!("guess-{n}")))
            .await
            .assert_problem(401, "unauthorized");
    }
    // The next lookup of the cookie would be the address's fourth.
    app.forget_cached_sessions().await;

    let page = browser_request(&app, Method::GET, "/articles", &browser, &[], None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(set_cookies(&page).is_empty(), "{:?}", set_cookies(&page));
    let me = browser_request(&app, Method::GET, "/user", &browser, &[], None).await;
    me.assert_problem(429, "rate_limited");
    assert!(me.headers.contains_key("retry-after"));
    assert!(set_cookies(&me).is_empty(), "{:?}", set_cookies(&me));

    let out = browser_request(
        &app,
        Method::DELETE,
        "/sessions/current",
        &browser,
        &[],
        None,
    )
    .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
    assert!(clears_both_cookies(&out), "{:?}", set_cookies(&out));
}

#[tokio::test]
async fn a_live_cookie_is_left_alone_and_a_dead_header_stays_a_401() {
    let app = spawn_app().await;
    let token = app.register("jake").await;
    let (_, browser) = sign_in_browser(&app, "jake").await;

    let page = browser_request(&app, Method::GET, "/articles", &browser, &[], None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(set_cookies(&page).is_empty(), "{:?}", set_cookies(&page));

    let out = app.delete("/sessions/current", Some(&token)).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
    let dead = app.get("/articles", Some(&token)).await;
    dead.assert_problem(401, "unauthorized");
    assert!(set_cookies(&dead).is_empty(), "{:?}", set_cookies(&dead));
}

// ------------------------------------------- a login racing a password change

#[tokio::test]
async fn a_login_that_checked_the_old_password_opens_no_session_after_it_changed() {
    let app = spawn_app().await;
    app.register("jake").await;
    // A password change is under way: its UPDATE holds the row, not yet committed.
    let (mut changer, connection) =
        tokio_postgres::connect(app.database_url(), tokio_postgres::NoTls)
            .await
            .expect("connect");
    tokio::spawn(connection);
    let change = changer.transaction().await.expect("begin");
    change
        .execute(
            "UPDATE users SET password_hash = 'changed-meanwhile' WHERE username = 'jake'",
            &[],
        )
        .await
        .expect("update the hash");

    // The login reads the committed (old) hash, and its password matches it.
    let login = {
        let client = app.client.clone();
        let url = app.url("/api/v1/users/login");
        tokio::spawn(async move {
            let response = client
                .post(url)
                .json(&json!({"user": {"email": "jake@example.com", "password": PASSWORD}}))
                .send()
                .await
                .expect("login");
            TestApp::read(response).await
        })
    };
    let observer = app.database().await;
    for _ in 0..100 {
        let waiting: i64 = observer
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
                &[],
            )
            .await
            .expect("read activity")
            .get(0);
        if waiting > 0 || login.is_finished() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    change.commit().await.expect("commit the change");

    let response = login.await.expect("the login finishes");
    response.assert_problem(401, "invalid_credentials");
    let sessions: i64 = observer
        .query_one("SELECT count(*) FROM sessions", &[])
        .await
        .expect("count sessions")
        .get(0);
    assert_eq!(sessions, 1, "only the registration's session");
}
