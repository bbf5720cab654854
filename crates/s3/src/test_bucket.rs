//! A bucket of its own for each test, on the local S3 server that
//! `scripts/ensure-s3.sh` starts (moto: in memory, any credentials, buckets made
//! with an unsigned request). Dropped with everything in it when the test ends.
//!
//! `FOLIO_TEST_S3_ENDPOINT` names another server (`http://127.0.0.1:4566` by
//! default). Without a server the tests fail, saying how to start one, unless
//! `FOLIO_TEST_S3=skip` opts out: then they pass after saying they skipped.

use std::time::Duration;

use futures_util::TryStreamExt as _;
use object_store::{ObjectStore as _, ObjectStoreExt as _};

use crate::{S3BlobStorage, S3Settings};

const DEFAULT_ENDPOINT: &str = "http://127.0.0.1:4566";

pub struct TestBucket {
    settings: S3Settings,
}

impl TestBucket {
    /// A new, empty bucket; `None` when `FOLIO_TEST_S3=skip` and no server answers.
    pub async fn create() -> Option<Self> {
        crate::tls::use_ring();
        let endpoint =
            std::env::var("FOLIO_TEST_S3_ENDPOINT").unwrap_or_else(|_| DEFAULT_ENDPOINT.to_owned());
        let mut random = [0_u8; 10];
        getrandom::fill(&mut random).unwrap_or_else(|error| panic!("no randomness: {error}"));
        let suffix: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
        let settings = S3Settings {
            bucket: format!("folio-test-{suffix}"),
            endpoint: Some(endpoint.clone()),
            region: "us-east-1".to_owned(),
            access_key_id: "folio-test".to_owned(),
            secret_access_key: "folio-test-secret".to_owned(),
            path_style: true,
            link_lifetime: Duration::from_secs(60),
        };
        let created = reqwest::Client::new()
            .put(format!("{endpoint}/{}", settings.bucket))
            .send()
            .await;
        match created {
            Ok(response) if response.status().is_success() => Some(Self { settings }),
            Ok(response) => panic!(
                "the S3 server at {endpoint} refused to create a bucket: {} {}",
                response.status(),
                response.text().await.unwrap_or_default()
            ),
            Err(_) if std::env::var("FOLIO_TEST_S3").as_deref() == Ok("skip") => {
                eprintln!("skipped: no S3 server at {endpoint} and FOLIO_TEST_S3=skip");
                None
            }
            Err(error) => panic!(
                "no S3 server at {endpoint} ({error}): run scripts/ensure-s3.sh (`make test` \
                 does), or set FOLIO_TEST_S3=skip to skip the S3 tests"
            ),
        }
    }

    /// Settings that reach this bucket.
    pub fn settings(&self) -> &S3Settings {
        &self.settings
    }

    /// The adapter over this bucket.
    pub fn storage(&self) -> S3BlobStorage {
        S3BlobStorage::new(&self.settings)
            .unwrap_or_else(|error| panic!("the test bucket's settings: {error}"))
    }

    /// Names of the objects in the bucket, sorted.
    pub async fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .storage()
            .store
            .list(None)
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .unwrap_or_else(|error| panic!("listing the test bucket: {error}"));
        names.sort();
        names
    }
}

impl Drop for TestBucket {
    /// Removes the bucket on a runtime of its own: a drop cannot wait on the test's.
    fn drop(&mut self) {
        let settings = self.settings.clone();
        let removed = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(Into::into)
                .and_then(|runtime| runtime.block_on(remove(&settings)))
        })
        .join();
        if !matches!(removed, Ok(Ok(()))) {
            eprintln!("could not remove the test bucket {}", self.settings.bucket);
        }
    }
}

/// Deletes the bucket's objects, then the bucket.
async fn remove(settings: &S3Settings) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let store = S3BlobStorage::new(settings)?.store;
    let names: Vec<_> = store
        .list(None)
        .map_ok(|meta| meta.location)
        .try_collect()
        .await?;
    for name in names {
        store.delete(&name).await?;
    }
    let endpoint = settings.endpoint.as_deref().unwrap_or(DEFAULT_ENDPOINT);
    reqwest::Client::new()
        .delete(format!("{endpoint}/{}", settings.bucket))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}
