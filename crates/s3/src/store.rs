//! The blob storage port over an S3 bucket, through `object_store`.

use std::sync::Arc;
use std::time::Duration;

use folio_application::ports::{
    BlobContent, BlobStorage, ByteRange, DirectLink, PortError, StoredBlob,
};
use folio_domain::{ImageType, StorageKey};
use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::signer::{SignedUrlOptions, Signer as _};
use object_store::{
    Attribute, Attributes, ClientOptions, GetOptions, GetRange, ObjectStore as _,
    ObjectStoreExt as _, PutOptions, PutPayload, RetryConfig,
};

use crate::S3Settings;

/// Blobs are named by their content, so what is stored under a name never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// A request that gets no answer in this long fails (and is retried, below).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Transient failures (5xx, resets) are retried this often, within this long: a
/// request waits on them, so a few seconds rather than `object_store`'s minutes.
const MAX_RETRIES: usize = 2;
const RETRY_WITHIN: Duration = Duration::from_secs(10);

/// Blobs as objects directly under the bucket's root, each with the content type
/// of its extension and a year-long, immutable `Cache-Control`, which S3 sends
/// with it when a client fetches it through a presigned URL.
#[derive(Debug, Clone)]
pub struct S3BlobStorage {
    pub(crate) store: Arc<AmazonS3>,
    link_lifetime: Duration,
}

/// The settings do not make a usable client (an endpoint that is not a URL, …).
#[derive(Debug, thiserror::Error)]
#[error("invalid S3 settings: {0}")]
pub struct InvalidS3Settings(#[source] object_store::Error);

/// Why the bucket cannot be used, in a few words: the error code S3 answered with
/// (`NoSuchBucket`, `AccessDenied`, `InvalidAccessKeyId`, …), or the innermost
/// cause when there was no answer (`Connection refused`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BucketUnusable(String);

impl BucketUnusable {
    fn from_error(error: &object_store::Error) -> Self {
        let text = error.to_string();
        let code = text
            .split_once("<Code>")
            .and_then(|(_, rest)| rest.split_once("</Code>"))
            .map(|(code, _)| code.to_owned());
        let reason = code.map_or_else(
            || {
                let mut innermost: &dyn std::error::Error = error;
                while let Some(cause) = innermost.source() {
                    innermost = cause;
                }
                innermost.to_string()
            },
            |code| format!("S3 answered {code}"),
        );
        Self(reason.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// A name that is not one Folio makes: refused rather than trusted.
#[derive(Debug, thiserror::Error)]
#[error("refused blob name {0:?}")]
pub struct RefusedName(String);

impl S3BlobStorage {
    /// A client for the bucket; nothing is sent until it is used (see
    /// [`S3BlobStorage::check_access`]).
    pub fn new(settings: &S3Settings) -> Result<Self, InvalidS3Settings> {
        crate::tls::use_ring();
        let plain_http = settings
            .endpoint
            .as_deref()
            .is_some_and(|endpoint| endpoint.starts_with("http://"));
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(&settings.secret_access_key)
            .with_virtual_hosted_style_request(!settings.path_style)
            .with_client_options(
                ClientOptions::new()
                    .with_timeout(REQUEST_TIMEOUT)
                    .with_connect_timeout(CONNECT_TIMEOUT)
                    .with_allow_http(plain_http),
            )
            .with_retry(RetryConfig {
                max_retries: MAX_RETRIES,
                retry_timeout: RETRY_WITHIN,
                ..RetryConfig::default()
            });
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        Ok(Self {
            store: Arc::new(builder.build().map_err(InvalidS3Settings)?),
            link_lifetime: settings.link_lifetime,
        })
    }

    /// Lists the bucket (an empty prefix of it): fails unless the bucket exists and
    /// these credentials may read it, so a wrong setting stops the start-up rather
    /// than the first upload.
    pub async fn check_access(&self) -> Result<(), BucketUnusable> {
        self.store
            .list_with_delimiter(Some(&Path::from("folio-access-check")))
            .await
            .map(|_| ())
            .map_err(|error| BucketUnusable::from_error(&error))
    }
}

/// The object of a name Folio makes, and its content type.
fn object(name: &str) -> Result<(Path, ImageType), PortError> {
    let refused = || PortError::other(RefusedName(name.to_owned()));
    StorageKey::parse_file(name).ok_or_else(refused)?;
    let extension = name.rsplit_once('.').map(|(_, extension)| extension);
    let image_type = extension
        .and_then(ImageType::from_extension)
        .ok_or_else(refused)?;
    Ok((Path::from(name), image_type))
}

fn port_error(error: object_store::Error) -> PortError {
    match error {
        // Configuration, not availability: a retry will not help.
        object_store::Error::PermissionDenied { .. }
        | object_store::Error::Unauthenticated { .. }
        | object_store::Error::NotSupported { .. }
        | object_store::Error::NotImplemented { .. } => PortError::other(error),
        other => PortError::unavailable(other),
    }
}

/// `Content-Disposition: inline` with the name the client is offered.
fn inline_disposition(download_name: &str) -> String {
    let quoted: String = download_name
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .collect();
    format!("inline; filename=\"{quoted}\"")
}

/// `Ok(None)` for a missing object.
fn missing_is_none<T>(result: object_store::Result<T>) -> Result<Option<T>, PortError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(error) => Err(port_error(error)),
    }
}

impl BlobStorage for S3BlobStorage {
    async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), PortError> {
        let (path, image_type) = object(name)?;
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, image_type.mime().into());
        attributes.insert(Attribute::CacheControl, IMMUTABLE.into());
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        // One PUT: S3 makes the object visible whole or not at all.
        self.store
            .put_opts(&path, PutPayload::from(bytes), options)
            .await
            .map_err(port_error)?;
        Ok(())
    }

    async fn read(&self, name: &str) -> Result<Option<Vec<u8>>, PortError> {
        let (path, _) = object(name)?;
        let Some(found) = missing_is_none(self.store.get(&path).await)? else {
            return Ok(None);
        };
        let bytes = found.bytes().await.map_err(port_error)?;
        Ok(Some(bytes.to_vec()))
    }

    async fn size(&self, name: &str) -> Result<Option<u64>, PortError> {
        let (path, _) = object(name)?;
        let meta = missing_is_none(self.store.head(&path).await)?;
        Ok(meta.map(|meta| meta.size))
    }

    async fn open(&self, name: &str, range: ByteRange) -> Result<Option<BlobContent>, PortError> {
        let (path, _) = object(name)?;
        if range.len == 0 {
            // S3 has no empty range: the object's existence is all there is to say.
            let meta = missing_is_none(self.store.head(&path).await)?;
            return Ok(meta.map(|_| -> BlobContent { Box::pin(tokio::io::empty()) }));
        }
        let options = GetOptions {
            range: Some(GetRange::Bounded(range.start..range.start + range.len)),
            ..GetOptions::default()
        };
        let Some(found) = missing_is_none(self.store.get_opts(&path, options).await)? else {
            return Ok(None);
        };
        let chunks = found.into_stream().map_err(std::io::Error::other);
        Ok(Some(Box::pin(tokio_util::io::StreamReader::new(chunks))))
    }

    async fn delete(&self, name: &str) -> Result<(), PortError> {
        let (path, _) = object(name)?;
        missing_is_none(self.store.delete(&path).await)?;
        Ok(())
    }

    async fn list(&self, after: Option<&str>, limit: usize) -> Result<Vec<StoredBlob>, PortError> {
        // S3 lists keys in byte order; `start-after` makes each page independent.
        let listing = match after {
            Some(after) => self.store.list_with_offset(None, &Path::from(after)),
            None => self.store.list(None),
        };
        listing
            .take(limit)
            .map_ok(|meta| StoredBlob {
                name: meta.location.to_string(),
                modified: meta.last_modified,
            })
            .try_collect()
            .await
            .map_err(port_error)
    }

    async fn direct_link(
        &self,
        name: &str,
        download_name: &str,
    ) -> Result<Option<DirectLink>, PortError> {
        let (path, _) = object(name)?;
        // Signed with the URL, so the bucket answers with it and no one can change it.
        let disposition = SignedUrlOptions::new().with_query([(
            "response-content-disposition",
            inline_disposition(download_name),
        )]);
        let url = self
            .store
            .signed_url_opts(http::Method::GET, &path, self.link_lifetime, &disposition)
            .await
            .map_err(port_error)?;
        Ok(Some(DirectLink {
            url: url.to_string(),
            valid_for: self.link_lifetime,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_for_aws_itself_is_made_over_https() {
        let settings = S3Settings {
            bucket: "folio-uploads".to_owned(),
            endpoint: None,
            region: "eu-west-1".to_owned(),
            access_key_id: "key".to_owned(),
            secret_access_key: "secret".to_owned(),
            path_style: false,
            link_lifetime: Duration::from_secs(60),
        };

        assert!(S3BlobStorage::new(&settings).is_ok());
    }

    #[tokio::test]
    async fn a_presigned_url_names_the_object_and_its_expiry() {
        let settings = S3Settings {
            bucket: "folio-uploads".to_owned(),
            endpoint: None,
            region: "eu-west-1".to_owned(),
            access_key_id: "AKIDEXAMPLE".to_owned(),
            secret_access_key: "secret".to_owned(),
            path_style: false,
            link_lifetime: Duration::from_secs(90),
        };
        let storage = S3BlobStorage::new(&settings).unwrap();
        let name = format!("{}.png", "ab".repeat(32));

        let link = storage
            .direct_link(&name, "holiday.png")
            .await
            .unwrap()
            .unwrap();

        assert!(
            link.url.starts_with(&format!(
                "https://folio-uploads.s3.eu-west-1.amazonaws.com/{name}?"
            )),
            "{}",
            link.url
        );
        assert!(link.url.contains("X-Amz-Expires=90"), "{}", link.url);
        assert!(
            link.url.contains("X-Amz-Credential=AKIDEXAMPLE"),
            "{}",
            link.url
        );
        assert!(!link.url.contains("secret"), "{}", link.url);
        assert!(
            link.url.contains("response-content-disposition=inline"),
            "{}",
            link.url
        );
        assert_eq!(link.valid_for, Duration::from_secs(90));
    }

    #[test]
    fn only_names_folio_makes_become_objects_with_their_type() {
        let stem = "ab".repeat(32);
        let (path, image_type) = object(&format!("{stem}.jpg")).unwrap();
        assert_eq!(path.as_ref(), format!("{stem}.jpg"));
        assert_eq!(image_type, ImageType::Jpeg);
        let (_, variant_type) = object(&format!("{stem}-thumb.webp")).unwrap();
        assert_eq!(variant_type, ImageType::Webp);

        for name in ["../x.png", "a/b.png", "", ".png", &format!("{stem}.svg")] {
            assert!(object(name).is_err(), "{name}");
        }
    }
}
