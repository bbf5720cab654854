//! Sending clients to the blob store for a file's bytes, when the store can serve
//! them itself (S3 presigned URLs), so that they do not pass through Folio.

use crate::Folio;
use crate::error::AppError;
use crate::ports::{BlobStorage, DirectLink, Ports};
use crate::use_cases::uploads::StoredFile;

impl<P: Ports> Folio<P> {
    /// Where the client may fetch a file found by [`Folio::file`] straight from the
    /// blob store; `None` when the store serves no one but Folio.
    pub async fn file_link(&self, file: &StoredFile) -> Result<Option<DirectLink>, AppError> {
        Ok(self
            .ports
            .blobs()
            .direct_link(&file.name, &file.download_name)
            .await?)
    }
}
