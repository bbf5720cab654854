//! Resolving the caller: `Authorization: Token <t>` (or `Bearer <t>`) for API
//! clients, the session cookie for browsers. Cookie-authenticated unsafe
//! requests must also pass the CSRF check.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use folio_application::ports::Usage;
use folio_application::use_cases::rate_limits::RequestSubject;
use folio_application::views::Authenticated;
use folio_application::{AppError, ClientInfo, Folio, Ports};
use folio_domain::Actor;

use crate::client::client_info;
use crate::cookies::CookieSettings;
use crate::csrf;
use crate::problem::ApiError;

type BoxedAuth<'a> = Pin<Box<dyn Future<Output = Result<Authenticated, AppError>> + 'a>>;
type BoxedUsage<'a> = Pin<Box<dyn Future<Output = Option<Usage>> + 'a>>;

/// Type-erased session checks, so extractors need not be generic over the ports.
pub trait SessionGate: 'static {
    fn authenticate<'a>(&'a self, token: &'a str, client: &'a ClientInfo) -> BoxedAuth<'a>;
    fn csrf_token(&self, token: &str) -> String;
    fn reject_csrf(&self, caller: &Authenticated, reason: &'static str, client: &ClientInfo);
    fn admit<'a>(&'a self, subject: &'a RequestSubject) -> BoxedUsage<'a>;
}

impl<P: Ports> SessionGate for Folio<P> {
    fn authenticate<'a>(&'a self, token: &'a str, client: &'a ClientInfo) -> BoxedAuth<'a> {
        Box::pin(Folio::authenticate(self, token, client))
    }

    fn csrf_token(&self, token: &str) -> String {
        self.csrf_token_for(token)
    }

    fn reject_csrf(&self, caller: &Authenticated, reason: &'static str, client: &ClientInfo) {
        self.record_csrf_rejection(caller, reason, client);
    }

    fn admit<'a>(&'a self, subject: &'a RequestSubject) -> BoxedUsage<'a> {
        Box::pin(self.admit_request(subject))
    }
}

/// Origins (besides the server's own) allowed to make cookie-authenticated changes.
#[derive(Debug, Clone, Default)]
pub struct CsrfOrigins(pub Vec<String>);

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialSource {
    Header,
    Cookie,
}

struct Presented {
    token: String,
    source: CredentialSource,
}

/// The Authorization header when there is one (a malformed one is a 401, never a
/// fall back to the cookie), else the session cookie.
fn presented_credential(request: &HttpRequest) -> Result<Option<Presented>, ApiError> {
    if let Some(token) = presented_token(request)? {
        return Ok(Some(Presented {
            token,
            source: CredentialSource::Header,
        }));
    }
    Ok(CookieSettings::of(request)
        .session_token(request)
        .filter(|token| !token.is_empty())
        .map(|token| Presented {
            token,
            source: CredentialSource::Cookie,
        }))
}

/// The bearer token of a request: `None` without an Authorization header,
/// `Err` when the header is there but malformed.
fn presented_token(request: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = request.headers().get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ApiError::unauthorized())?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or_else(ApiError::unauthorized)?;
    let token = token.trim();
    if !(scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer"))
        || token.is_empty()
    {
        return Err(ApiError::unauthorized());
    }
    Ok(Some(token.to_owned()))
}

/// Who a request is from, resolved once per request (by the request-budget
/// middleware, which needs to know whose budget to spend) and kept in its
/// extensions for the extractors.
#[derive(Clone)]
pub(crate) struct Resolution(pub Result<Option<Caller>, ApiError>);

/// The request's caller: from its extensions when already resolved, else now.
async fn resolved(request: HttpRequest) -> Result<Option<Caller>, ApiError> {
    let known = request.extensions().get::<Resolution>().cloned();
    match known {
        Some(Resolution(resolution)) => resolution,
        None => resolve(request).await,
    }
}

pub(crate) async fn resolve(request: HttpRequest) -> Result<Option<Caller>, ApiError> {
    let Some(presented) = presented_credential(&request)? else {
        return Ok(None);
    };
    let gate = request
        .app_data::<web::Data<dyn SessionGate>>()
        .cloned()
        .ok_or_else(ApiError::internal)?;
    let client = client_info(&request);
    let session = match gate.authenticate(&presented.token, &client).await {
        Ok(session) => session,
        // A browser cannot drop an HttpOnly cookie by itself: rather than lock it out
        // of every page, serve it anonymously and tell it to forget the cookie. A dead
        // Authorization header stays a 401, as RealWorld clients expect.
        Err(AppError::Unauthenticated | AppError::SessionExpired)
            if presented.source == CredentialSource::Cookie =>
        {
            request.extensions_mut().insert(DeadSessionCookie);
            return Ok(None);
        }
        // The address may not have its cookie looked up now; the cookie may still be
        // good, so it is kept. Public pages are served anonymously, pages that need
        // the session answer 429 (see `Caller`), and signing out still clears it.
        Err(AppError::RateLimited { retry_after })
            if presented.source == CredentialSource::Cookie =>
        {
            request
                .extensions_mut()
                .insert(UncheckedSessionCookie { retry_after });
            return Ok(None);
        }
        Err(error) => return Err(error.into()),
    };
    tracing::Span::current().record("user_id", tracing::field::display(session.user.id));
    if presented.source == CredentialSource::Cookie && !request.method().is_safe() {
        let allowed = request
            .app_data::<web::Data<CsrfOrigins>>()
            .map(|origins| origins.0.clone())
            .unwrap_or_default();
        let expected = gate.csrf_token(&presented.token);
        if let Err(failure) = csrf::check(&request, &expected, &allowed) {
            gate.reject_csrf(&session, failure.as_str(), &client);
            return Err(ApiError::csrf_failed());
        }
    }
    Ok(Some(Caller {
        session,
        token: presented.token,
        source: presented.source,
    }))
}

/// Marks a request that came with a session cookie no session answers to; its
/// response clears the cookies (see `limits::request_budget`).
#[derive(Clone, Copy)]
pub(crate) struct DeadSessionCookie;

/// Marks a request whose session cookie could not be checked because its address is
/// out of credential lookups.
#[derive(Clone, Copy)]
struct UncheckedSessionCookie {
    retry_after: std::time::Duration,
}

/// A handler argument that requires a valid session (401 otherwise, 429 when the
/// session cookie could not be checked).
#[derive(Clone)]
pub struct Caller {
    pub session: Authenticated,
    /// The token as presented.
    pub token: String,
    pub source: CredentialSource,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        self.session.actor()
    }

    /// The token RealWorld responses echo in `user.token`; never for cookie
    /// sessions, whose token stays out of reach of page scripts.
    pub fn echoed_token(&self) -> Option<String> {
        (self.source == CredentialSource::Header).then(|| self.token.clone())
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let caller = resolved(request.clone()).await?;
            let unchecked = request
                .extensions()
                .get::<UncheckedSessionCookie>()
                .copied();
            caller.ok_or_else(|| match unchecked {
                Some(cookie) => ApiError::rate_limited(cookie.retry_after),
                None => ApiError::unauthorized(),
            })
        })
    }
}

/// A handler argument for endpoints open to everyone: `None` when anonymous.
/// A token that is presented but invalid is still a 401, never silently ignored.
pub struct Viewer(pub Option<Actor>);

impl FromRequest for Viewer {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let caller = resolved(request).await?;
            Ok(Viewer(caller.map(|caller| caller.actor())))
        })
    }
}

/// A handler argument for endpoints that act on a session when there is one (sign
/// out): `None` when anonymous or when the session cookie is dead; a dead or
/// malformed Authorization header is still a 401.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { resolved(request).await.map(MaybeCaller) })
    }
}

/// Shares one `Folio` as the session gate used by the extractors.
pub fn session_gate_data<P: Ports>(folio: Arc<Folio<P>>) -> web::Data<dyn SessionGate> {
    let erased: Arc<dyn SessionGate> = folio;
    web::Data::from(erased)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::cookie::Cookie;
    use actix_web::test::TestRequest;

    const SESSION_COOKIE: &str = "__Host-folio_session";

    fn token_of(header: &str) -> Result<Option<String>, ApiError> {
        presented_token(
            &TestRequest::default()
                .insert_header((AUTHORIZATION, header))
                .to_http_request(),
        )
    }

    #[test]
    fn accepts_token_and_bearer_schemes() {
        assert_eq!(token_of("Token abc").ok().flatten().as_deref(), Some("abc"));
        assert_eq!(
            token_of("Bearer abc").ok().flatten().as_deref(),
            Some("abc")
        );
        assert_eq!(
            token_of("bearer  abc ").ok().flatten().as_deref(),
            Some("abc")
        );
    }

    #[test]
    fn rejects_other_schemes_and_empty_tokens() {
        assert!(token_of("Basic dXNlcjpwYXNz").is_err());
        assert!(token_of("Token").is_err());
        assert!(token_of("Token ").is_err());
        assert!(
            presented_token(&TestRequest::default().to_http_request()).is_ok_and(|t| t.is_none())
        );
    }

    #[test]
    fn the_header_wins_over_the_cookie() {
        let request = TestRequest::default()
            .insert_header((AUTHORIZATION, "Token from-header"))
            .cookie(Cookie::new(SESSION_COOKIE, "from-cookie"))
            .to_http_request();
        let presented = presented_credential(&request).ok().flatten();
        assert!(
            presented
                .is_some_and(|p| p.token == "from-header" && p.source == CredentialSource::Header)
        );
    }

    #[test]
    fn the_cookie_is_used_without_a_header() {
        let request = TestRequest::default()
            .cookie(Cookie::new(SESSION_COOKIE, "from-cookie"))
            .to_http_request();
        let presented = presented_credential(&request).ok().flatten();
        assert!(
            presented
                .is_some_and(|p| p.token == "from-cookie" && p.source == CredentialSource::Cookie)
        );
        let empty = TestRequest::default()
            .cookie(Cookie::new(SESSION_COOKIE, ""))
            .to_http_request();
        assert!(presented_credential(&empty).is_ok_and(|p| p.is_none()));
    }

    #[test]
    fn only_the_configured_cookie_name_is_read() {
        let settings = |secure| web::Data::new(CookieSettings { secure });
        let bare = Cookie::new("folio_session", "bare");
        let prefixed = Cookie::new(SESSION_COOKIE, "prefixed");
        let token = |request: HttpRequest| {
            presented_credential(&request)
                .ok()
                .flatten()
                .map(|presented| presented.token)
        };

        let secure_with_bare = TestRequest::default()
            .app_data(settings(true))
            .cookie(bare.clone())
            .to_http_request();
        let secure_with_both = TestRequest::default()
            .app_data(settings(true))
            .cookie(bare.clone())
            .cookie(prefixed.clone())
            .to_http_request();
        let plain_with_prefixed = TestRequest::default()
            .app_data(settings(false))
            .cookie(prefixed)
            .to_http_request();
        let plain_with_bare = TestRequest::default()
            .app_data(settings(false))
            .cookie(bare)
            .to_http_request();

        assert_eq!(token(secure_with_bare), None);
        assert_eq!(token(secure_with_both).as_deref(), Some("prefixed"));
        assert_eq!(token(plain_with_prefixed), None);
        assert_eq!(token(plain_with_bare).as_deref(), Some("bare"));
    }
}
