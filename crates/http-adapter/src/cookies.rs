//! The browser session: an HttpOnly session cookie plus a readable CSRF cookie.

use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};

pub const SESSION_COOKIE: &str = "folio_session";
pub const CSRF_COOKIE: &str = "folio_csrf";

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
    /// The cookies that carry a new session for `max_age_seconds`.
    pub fn session(&self, token: &str, csrf: &str, max_age_seconds: i64) -> [Cookie<'static>; 2] {
        let age = Duration::seconds(max_age_seconds);
        [
            self.cookie(SESSION_COOKIE, token.to_owned(), true, age),
            self.cookie(CSRF_COOKIE, csrf.to_owned(), false, age),
        ]
    }

    /// Cookies that make the browser forget the session.
    pub fn cleared(&self) -> [Cookie<'static>; 2] {
        [
            self.cookie(SESSION_COOKIE, String::new(), true, Duration::ZERO),
            self.cookie(CSRF_COOKIE, String::new(), false, Duration::ZERO),
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
