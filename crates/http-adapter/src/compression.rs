//! Response compression, negotiated by `Accept-Encoding`: brotli when the client
//! takes it, else gzip, and only above a size threshold (small bodies gain nothing
//! and cost CPU). A compressed response gets its own entity tag (`"…-br"`), since it
//! is a different representation.

use std::io::Write as _;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{
    ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE, ETAG, HeaderMap, HeaderValue, IF_NONE_MATCH,
    VARY,
};
use actix_web::middleware::Next;
use actix_web::{Error, web};

#[derive(Debug, Clone, Copy)]
pub struct CompressionSettings {
    /// Bodies smaller than this are sent as they are.
    pub min_bytes: usize,
}

impl Default for CompressionSettings {
    fn default() -> Self {
        Self { min_bytes: 1024 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    fn token(self) -> &'static str {
        match self {
            Self::Brotli => "br",
            Self::Gzip => "gzip",
        }
    }

    fn encode(self, body: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Self::Brotli => {
                let mut output = Vec::with_capacity(body.len() / 4);
                // Quality 4 of 11: most of brotli's gain on JSON at a fraction of the CPU.
                let mut writer = brotli::CompressorWriter::new(&mut output, 4096, 4, 22);
                writer.write_all(body)?;
                drop(writer);
                Ok(output)
            }
            Self::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 4),
                    flate2::Compression::new(5),
                );
                encoder.write_all(body)?;
                encoder.finish()
            }
        }
    }
}

/// The encoding to use for `accept_encoding`: brotli, then gzip, among the codings
/// the client accepts with a non-zero quality.
pub fn negotiate(accept_encoding: &str) -> Option<Encoding> {
    let mut brotli = None;
    let mut gzip = None;
    let mut any = None;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|param| param.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let accepted = quality > 0.0;
        match coding.as_str() {
            "br" => brotli = Some(accepted),
            "gzip" | "x-gzip" => gzip = Some(accepted),
            "*" => any = Some(accepted),
            _ => {}
        }
    }
    if brotli.or(any) == Some(true) {
        Some(Encoding::Brotli)
    } else if gzip.or(any) == Some(true) {
        Some(Encoding::Gzip)
    } else {
        None
    }
}

/// The entity tag of the `encoding`-coded form of the response's representation.
fn coded_tag(headers: &HeaderMap, encoding: Encoding) -> Option<String> {
    let tag = headers.get(ETAG)?.to_str().ok()?;
    Some(format!(
        "{}-{}\"",
        tag.trim_end_matches('"'),
        encoding.token()
    ))
}

fn compressible(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|content_type| {
            content_type.starts_with("application/json")
                || content_type.starts_with("application/problem+json")
                || content_type.starts_with("text/")
                || content_type.starts_with("application/javascript")
        })
}

pub async fn compress(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let settings = request
        .app_data::<web::Data<CompressionSettings>>()
        .map(|data| *data.get_ref())
        .unwrap_or_default();
    let encoding = request
        .headers()
        .get(ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .and_then(negotiate);
    let if_none_match = request
        .headers()
        .get(IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let mut response = next.call(request).await?.map_into_boxed_body();
    let Some(encoding) = encoding else {
        return Ok(response);
    };
    if response.status() == StatusCode::NOT_MODIFIED {
        // The client revalidated its compressed copy: name that representation.
        let headers = response.headers_mut();
        if let Some(tag) = coded_tag(headers, encoding)
            && if_none_match.is_some_and(|asked| asked.contains(tag.as_str()))
            && let Ok(value) = HeaderValue::from_str(&tag)
        {
            headers.insert(ETAG, value);
            headers.append(VARY, HeaderValue::from_static("Accept-Encoding"));
        }
        return Ok(response);
    }
    let skip = matches!(
        response.status(),
        StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED | StatusCode::SWITCHING_PROTOCOLS
    ) || response.headers().contains_key(CONTENT_ENCODING)
        || !compressible(response.headers());
    if skip {
        return Ok(response);
    }
    let (request, response) = response.into_parts();
    let (mut head, body) = response.into_parts();
    let bytes = match body.try_into_bytes() {
        Ok(bytes) => bytes,
        // A streamed body is passed through untouched.
        Err(body) => return Ok(ServiceResponse::new(request, head.set_body(body))),
    };
    let encoded = if bytes.len() >= settings.min_bytes {
        encoding.encode(&bytes).ok()
    } else {
        None
    };
    let Some(encoded) = encoded else {
        return Ok(ServiceResponse::new(
            request,
            head.set_body(BoxBody::new(bytes)),
        ));
    };
    let headers = head.headers_mut();
    headers.insert(CONTENT_ENCODING, HeaderValue::from_static(encoding.token()));
    headers.append(VARY, HeaderValue::from_static("Accept-Encoding"));
    if let Some(value) =
        coded_tag(headers, encoding).and_then(|tag| HeaderValue::from_str(&tag).ok())
    {
        headers.insert(ETAG, value);
    }
    Ok(ServiceResponse::new(
        request,
        head.set_body(BoxBody::new(encoded)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_is_preferred_then_gzip() {
        assert_eq!(negotiate("gzip, deflate, br"), Some(Encoding::Brotli));
        assert_eq!(negotiate("gzip"), Some(Encoding::Gzip));
        assert_eq!(negotiate("br;q=0, gzip;q=0.5"), Some(Encoding::Gzip));
        assert_eq!(negotiate("*"), Some(Encoding::Brotli));
    }

    #[test]
    fn refused_or_unknown_codings_mean_no_compression() {
        assert_eq!(negotiate("identity"), None);
        assert_eq!(negotiate("deflate"), None);
        assert_eq!(negotiate("gzip;q=0, br;q=0"), None);
        assert_eq!(negotiate("*;q=0"), None);
        assert_eq!(negotiate(""), None);
    }

    #[test]
    fn both_encodings_round_trip() -> std::io::Result<()> {
        use std::io::Read as _;
        let body = br#"{"articles":[]}"#.repeat(200);
        let gzipped = Encoding::Gzip.encode(&body)?;
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(gzipped.as_slice()).read_to_end(&mut unzipped)?;
        assert_eq!(unzipped, body);
        let brotlied = Encoding::Brotli.encode(&body)?;
        let mut unbrotlied = Vec::new();
        brotli::Decompressor::new(brotlied.as_slice(), 4096).read_to_end(&mut unbrotlied)?;
        assert_eq!(unbrotlied, body);
        assert!(brotlied.len() < body.len() / 10);
        Ok(())
    }
}
