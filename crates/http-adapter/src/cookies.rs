//! The browser session: an HttpOnly session cookie plus a readable CSRF cookie.
//!
//! Secure cookies carry the `__Host-` prefix: browsers then only accept them when
//! set over HTTPS by this very host with `Path=/` and no `Domain`, so a sibling
//! subdomain cannot plant or shadow them (cookie tossing). Plain-http development
//! cannot meet those rules and keeps the bare names.

use actix_web::HttpRequest;
use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::web;

const SESSION_COOKIE: &str = "folio_session";
const CSRF_COOKIE: &str = "folio_csrf";
const HOST_SESSION_COOKIE: &str = "__Host-folio_session";
const HOST_CSRF_COOKIE: &str = "__Host-folio_csrf";

#[derive(Debug, Clone, Copy)]
pub struct CookieSettings {
    /// `Secure` on both cookies; off only for plain-http development.
    pub secure: bool,
}

impl Default for CookieSettings {
    fn default() -> Self {
        Self { secure: true }
    }
}

impl CookieSettings {
    /// The settings the app was built with (the secure default without any).
    pub fn of(request: &HttpRequest) -> Self {
        request
            .app_data::<web::Data<Self>>()
            .map(|settings| *settings.get_ref())
            .unwrap_or_default()
    }

    pub fn session_name(&self) -> &'static str {
        if self.secure {
            HOST_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        }
    }

    pub fn csrf_name(&self) -> &'static str {
        if self.secure {
            HOST_CSRF_COOKIE
        } else {
            CSRF_COOKIE
        }
    }

    /// The session token a browser sent under this deployment's cookie name.
    pub fn session_token(&self, request: &HttpRequest) -> Option<String> {
        request
            .cookie(self.session_name())
            .map(|cookie| cookie.value().to_owned())
    }

    /// The cookies that carry a new session for `max_age_seconds`.
    pub fn session(&self, token: &str, csrf: &str, max_age_seconds: i64) -> [Cookie<'static>; 2] {
        let age = Duration::seconds(max_age_seconds);
        [
            self.cookie(self.session_name(), token.to_owned(), true, age),
            self.cookie(self.csrf_name(), csrf.to_owned(), false, age),
        ]
    }

    /// Cookies that make the browser forget the session.
    pub fn cleared(&self) -> [Cookie<'static>; 2] {
        [
            self.cookie(self.session_name(), String::new(), true, Duration::ZERO),
            self.cookie(self.csrf_name(), String::new(), false, Duration::ZERO),
        ]
    }

    fn cookie(
        &self,
        name: &'static str,
        value: String,
        http_only: bool,
        max_age: Duration,
    ) -> Cookie<'static> {
        Cookie::build(name, value)
            .path("/")
            .http_only(http_only)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .max_age(max_age)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secure_cookies_carry_the_host_prefix_and_meet_its_rules() {
        let settings = CookieSettings { secure: true };
        let [session, csrf] = settings.session("token", "csrf", 60);
        assert_eq!(session.name(), "__Host-folio_session");
        assert_eq!(csrf.name(), "__Host-folio_csrf");
        for cookie in settings
            .session("token", "csrf", 60)
            .iter()
            .chain(&settings.cleared())
        {
            assert!(cookie.name().starts_with("__Host-"), "{cookie}");
            assert_eq!(cookie.secure(), Some(true), "{cookie}");
            assert_eq!(cookie.path(), Some("/"), "{cookie}");
            assert_eq!(cookie.domain(), None, "{cookie}");
        }
    }

    #[test]
    fn plain_http_cookies_keep_the_bare_names() {
        let settings = CookieSettings { secure: false };
        let [session, csrf] = settings.session("token", "csrf", 60);
        assert_eq!(session.name(), "folio_session");
        assert_eq!(csrf.name(), "folio_csrf");
        assert_eq!(session.secure(), Some(false));
        let [session, csrf] = settings.cleared();
        assert_eq!(
            (session.name(), csrf.name()),
            ("folio_session", "folio_csrf")
        );
    }
}
