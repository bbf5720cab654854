//! The general request budget: one token bucket per user (per client address when
//! anonymous), with `RateLimit-*` headers on every API response and 429 with
//! `Retry-After` once it is spent.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue, SET_COOKIE};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _, ResponseError, web};
use folio_application::ports::Usage;
use folio_application::use_cases::rate_limits::RequestSubject;

use crate::auth::{DeadSessionCookie, Resolution, SessionGate, resolve};
use crate::client::client_info;
use crate::cookies::CookieSettings;
use crate::problem::ApiError;

const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

pub async fn request_budget(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(gate) = request.app_data::<web::Data<dyn SessionGate>>().cloned() else {
        return next
            .call(request)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let resolution = resolve(request.request().clone()).await;
    let subject = match &resolution {
        Ok(Some(caller)) => RequestSubject::User(caller.session.user.id),
        _ => RequestSubject::Address(client_info(request.request()).ip.unwrap_or_default()),
    };
    request.extensions_mut().insert(Resolution(resolution));
    let dead_cookie = request.extensions().contains::<DeadSessionCookie>();
    let usage = gate.admit(&subject).await;

    let mut response = match usage {
        Some(spent) if !spent.allowed => {
            let retry = spent.retry_in.unwrap_or(spent.resets_in);
            let refusal = ApiError::rate_limited(retry).error_response();
            request.into_response(refusal)
        }
        _ => next.call(request).await?.map_into_boxed_body(),
    };
    if let Some(usage) = usage {
        add_headers(response.headers_mut(), usage);
    }
    if dead_cookie {
        clear_session_cookies(&mut response);
    }
    Ok(response)
}

/// Tells the browser to drop a session cookie that no longer signs anyone in,
/// unless the handler already set cookies of its own.
fn clear_session_cookies(response: &mut ServiceResponse<BoxBody>) {
    if response.headers().contains_key(SET_COOKIE) {
        return;
    }
    let settings = response
        .request()
        .app_data::<web::Data<CookieSettings>>()
        .map(|settings| *settings.get_ref())
        .unwrap_or_default();
    for cookie in settings.cleared() {
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
}

fn add_headers(headers: &mut actix_web::http::header::HeaderMap, usage: Usage) {
    let reset = usage.resets_in.as_secs() + u64::from(usage.resets_in.subsec_nanos() > 0);
    headers.insert(LIMIT, HeaderValue::from(usage.limit));
    headers.insert(REMAINING, HeaderValue::from(usage.remaining));
    headers.insert(RESET, HeaderValue::from(reset));
}
