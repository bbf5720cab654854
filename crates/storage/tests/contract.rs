//! The local filesystem adapter against the blob storage contract.

#![expect(
    clippy::unwrap_used,
    reason = "a panic is how a test fails, in the fixture outside #[test] functions too"
)]

use folio_application::ports::BlobStorage as _;
use folio_storage::LocalBlobStorage;

#[expect(
    clippy::unused_async,
    reason = "the contract takes async fixtures: other stores need a network round trip"
)]
async fn fresh_store() -> Option<(tempfile::TempDir, LocalBlobStorage)> {
    let directory = tempfile::tempdir().unwrap();
    let storage = LocalBlobStorage::new(directory.path());
    Some((directory, storage))
}

folio_blob_contract::blob_storage_contract!(fresh_store);

#[tokio::test]
async fn files_are_served_through_folio() {
    let (_directory, storage) = fresh_store().await.unwrap();
    let name = folio_blob_contract::original('a');
    storage.put(&name, b"bytes".to_vec()).await.unwrap();

    assert_eq!(storage.direct_link(&name, "a.png").await.unwrap(), None);
}
