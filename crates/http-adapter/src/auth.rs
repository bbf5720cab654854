//! Resolving the caller from `Authorization: Token <t>` (or `Bearer <t>`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, web};
use folio_application::views::Authenticated;
use folio_application::{AppError, Folio, Ports};
use folio_domain::Actor;

use crate::problem::ApiError;

type BoxedAuth<'a> = Pin<Box<dyn Future<Output = Result<Authenticated, AppError>> + 'a>>;

/// Type-erased token check, so extractors need not be generic over the ports.
pub trait TokenAuthenticator: 'static {
    fn authenticate<'a>(&'a self, token: &'a str) -> BoxedAuth<'a>;
}

impl<P: Ports> TokenAuthenticator for Folio<P> {
    fn authenticate<'a>(&'a self, token: &'a str) -> BoxedAuth<'a> {
        Box::pin(Folio::authenticate(self, token))
    }
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

async fn resolve(request: HttpRequest) -> Result<Option<(Authenticated, String)>, ApiError> {
    let Some(token) = presented_token(&request)? else {
        return Ok(None);
    };
    let authenticator = request
        .app_data::<web::Data<dyn TokenAuthenticator>>()
        .cloned()
        .ok_or_else(ApiError::internal)?;
    let caller = authenticator.authenticate(&token).await?;
    tracing::Span::current().record("user_id", tracing::field::display(caller.user.id));
    Ok(Some((caller, token)))
}

/// A handler argument that requires a valid session (401 otherwise).
pub struct Caller {
    pub session: Authenticated,
    /// The token as presented; RealWorld responses echo it in `user.token`.
    pub token: String,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        self.session.actor()
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            match resolve(request).await? {
                Some((session, token)) => Ok(Caller { session, token }),
                None => Err(ApiError::unauthorized()),
            }
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
            let caller = resolve(request).await?;
            Ok(Viewer(caller.map(|(session, _)| session.actor())))
        })
    }
}

/// Shares one `Folio` as the authenticator used by the extractors.
pub fn authenticator_data<P: Ports>(folio: Arc<Folio<P>>) -> web::Data<dyn TokenAuthenticator> {
    let erased: Arc<dyn TokenAuthenticator> = folio;
    web::Data::from(erased)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

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
}
