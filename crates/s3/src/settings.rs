//! Where the bucket is and how to reach it.

use std::time::Duration;

/// An S3-compatible bucket (AWS S3, MinIO, Cloudflare R2, …) and its credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    pub bucket: String,
    /// The service's URL (`https://minio.internal:9000`); `None` for AWS itself,
    /// whose endpoint follows from the region.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `https://endpoint/bucket/key` (MinIO, moto, most self-hosted servers) rather
    /// than `https://bucket.endpoint/key`.
    pub path_style: bool,
    /// How long a presigned download URL works.
    pub link_lifetime: Duration,
}

impl std::fmt::Debug for S3Settings {
    /// Never prints the secret.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("path_style", &self.path_style)
            .field("link_lifetime", &self.link_lifetime)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_never_printed() {
        let settings = S3Settings {
            bucket: "uploads".into(),
            endpoint: None,
            region: "eu-west-1".into(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG".into(),
            path_style: true,
            link_lifetime: Duration::from_secs(300),
        };

        let printed = format!("{settings:?}");

        assert!(printed.contains("AKIDEXAMPLE"), "{printed}");
        assert!(!printed.contains("wJalrXUtnFEMI"), "{printed}");
    }
}
