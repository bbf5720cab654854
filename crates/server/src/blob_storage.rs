//! The blob store the configuration chose: the local filesystem or an S3 bucket,
//! behind the one port. Each port method forwards to the chosen adapter.

use folio_application::ports::{
    BlobContent, BlobStorage, ByteRange, DirectLink, PortError, StoredBlob,
};
use folio_s3::S3BlobStorage;
use folio_storage::LocalBlobStorage;

use crate::config::UploadsConfig;
use crate::startup::StartupError;

#[derive(Debug, Clone)]
pub enum ConfiguredBlobStorage {
    Local(LocalBlobStorage),
    S3(S3BlobStorage),
}

impl ConfiguredBlobStorage {
    /// The store `config` names. A bucket is checked first (it exists, the
    /// credentials may read it), so a wrong setting stops the start-up.
    pub async fn connect(config: &UploadsConfig) -> Result<Self, StartupError> {
        let Some(settings) = &config.s3 else {
            return Ok(Self::Local(LocalBlobStorage::new(
                config.storage_dir.clone(),
            )));
        };
        let unusable = |reason: String| {
            StartupError::Other(format!(
                "the S3 bucket {:?} at {} is not usable: {reason}",
                settings.bucket,
                settings.endpoint.as_deref().unwrap_or("AWS")
            ))
        };
        let storage = S3BlobStorage::new(settings).map_err(|error| unusable(error.to_string()))?;
        storage
            .check_access()
            .await
            .map_err(|error| unusable(error.to_string()))?;
        Ok(Self::S3(storage))
    }
}

impl BlobStorage for ConfiguredBlobStorage {
    async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), PortError> {
        match self {
            Self::Local(local) => local.put(name, bytes).await,
            Self::S3(s3) => s3.put(name, bytes).await,
        }
    }

    async fn read(&self, name: &str) -> Result<Option<Vec<u8>>, PortError> {
        match self {
            Self::Local(local) => local.read(name).await,
            Self::S3(s3) => s3.read(name).await,
        }
    }

    async fn size(&self, name: &str) -> Result<Option<u64>, PortError> {
        match self {
            Self::Local(local) => local.size(name).await,
            Self::S3(s3) => s3.size(name).await,
        }
    }

    async fn open(&self, name: &str, range: ByteRange) -> Result<Option<BlobContent>, PortError> {
        match self {
            Self::Local(local) => local.open(name, range).await,
            Self::S3(s3) => s3.open(name, range).await,
        }
    }

    async fn delete(&self, name: &str) -> Result<(), PortError> {
        match self {
            Self::Local(local) => local.delete(name).await,
            Self::S3(s3) => s3.delete(name).await,
        }
    }

    async fn list(&self, after: Option<&str>, limit: usize) -> Result<Vec<StoredBlob>, PortError> {
        match self {
            Self::Local(local) => local.list(after, limit).await,
            Self::S3(s3) => s3.list(after, limit).await,
        }
    }

    async fn direct_link(
        &self,
        name: &str,
        download_name: &str,
    ) -> Result<Option<DirectLink>, PortError> {
        match self {
            Self::Local(local) => local.direct_link(name, download_name).await,
            Self::S3(s3) => s3.direct_link(name, download_name).await,
        }
    }
}
