//! The S3 adapter against the blob storage contract, each case in a bucket of its
//! own on the local S3 server.

use folio_application::ports::BlobStorage as _;

use crate::S3BlobStorage;
use crate::test_bucket::TestBucket;

async fn fresh_store() -> Option<(TestBucket, S3BlobStorage)> {
    let bucket = TestBucket::create().await?;
    let storage = bucket.storage();
    Some((bucket, storage))
}

folio_blob_contract::blob_storage_contract!(fresh_store);

#[tokio::test]
async fn objects_carry_the_type_and_caching_a_client_is_sent_with() {
    let Some((bucket, storage)) = fresh_store().await else {
        return;
    };
    let name = folio_blob_contract::original('a');
    storage
        .put(&name, b"not really a png".to_vec())
        .await
        .unwrap();

    let link = storage
        .direct_link(&name, "my \"holiday\".png")
        .await
        .unwrap()
        .unwrap();
    let response = reqwest::get(&link.url).await.unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    // The name offered is signed into the URL, for the bucket to answer with (moto
    // ignores it; AWS, MinIO and R2 do not).
    let url = reqwest::Url::parse(&link.url).unwrap();
    let disposition = url
        .query_pairs()
        .find(|(name, _)| name == "response-content-disposition")
        .map(|(_, value)| value.into_owned());
    assert_eq!(
        disposition.as_deref(),
        Some("inline; filename=\"my holiday.png\"")
    );
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        b"not really a png"
    );
    assert_eq!(link.valid_for, bucket.settings().link_lifetime);
    assert_eq!(bucket.names().await, vec![name]);
}

#[tokio::test]
async fn a_missing_bucket_fails_the_access_check() {
    let Some(bucket) = TestBucket::create().await else {
        return;
    };
    let mut settings = bucket.settings().clone();
    settings.bucket.push_str("-missing");

    let missing = S3BlobStorage::new(&settings).unwrap();

    let error = missing.check_access().await.unwrap_err();
    assert_eq!(error.to_string(), "S3 answered NoSuchBucket");
    assert!(bucket.storage().check_access().await.is_ok());
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_not_missing() {
    let settings = crate::S3Settings {
        endpoint: Some("http://127.0.0.1:9".to_owned()),
        ..test_settings()
    };
    let storage = S3BlobStorage::new(&settings).unwrap();
    let name = folio_blob_contract::original('d');

    let error = storage.size(&name).await.unwrap_err();

    assert!(
        matches!(error, folio_application::ports::PortError::Unavailable(_)),
        "{error:?}"
    );
    let error = storage.check_access().await.unwrap_err().to_string();
    assert!(error.contains("Connection refused"), "{error}");
}

fn test_settings() -> crate::S3Settings {
    crate::S3Settings {
        bucket: "folio-test".to_owned(),
        endpoint: None,
        region: "us-east-1".to_owned(),
        access_key_id: "key".to_owned(),
        secret_access_key: "secret".to_owned(),
        path_style: true,
        link_lifetime: std::time::Duration::from_secs(60),
    }
}
