//! Blob storage in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, …):
//! Folio's blob port over `object_store`, and presigned URLs so that clients
//! download files from the bucket rather than through Folio.

mod settings;
mod store;
#[cfg(any(test, feature = "test-bucket"))]
pub mod test_bucket;
mod tls;

#[cfg(test)]
mod contract_tests;

pub use settings::S3Settings;
pub use store::{BucketUnusable, InvalidS3Settings, RefusedName, S3BlobStorage};
