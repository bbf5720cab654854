//! The blob storage contract: what [`BlobStorage`] promises, checked the same way
//! against every adapter. An adapter's test file runs all of it with
//! [`blob_storage_contract!`], given an async function that makes a fresh, empty
//! store (and anything that must live as long as it, such as a directory).
//!
//! Names are in the form Folio makes (`<64 hex digits>[-variant].<ext>`); an
//! adapter may refuse any other.

use folio_application::ports::{BlobContent, BlobStorage, ByteRange};
use tokio::io::AsyncReadExt as _;

/// An original's name, distinct for each `seed`.
pub fn original(seed: char) -> String {
    format!("{}.png", seed.to_string().repeat(64))
}

/// A variant's name of the same upload as `original(seed)`.
pub fn variant(seed: char) -> String {
    format!("{}-thumb.png", seed.to_string().repeat(64))
}

/// `len` bytes that differ from one position to the next (so an off-by-one range
/// shows), and from one `seed` to another.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|index| {
            let low = u8::try_from(index % 251).unwrap_or_default();
            low.wrapping_mul(7).wrapping_add(seed)
        })
        .collect()
}

async fn read_all(content: BlobContent) -> Vec<u8> {
    let mut content = content;
    let mut bytes = Vec::new();
    content
        .read_to_end(&mut bytes)
        .await
        .unwrap_or_else(|error| panic!("reading a blob failed: {error}"));
    bytes
}

async fn range(storage: &impl BlobStorage, name: &str, start: u64, len: u64) -> Vec<u8> {
    let content = storage
        .open(name, ByteRange { start, len })
        .await
        .unwrap_or_else(|error| panic!("open {name} {start}+{len}: {error}"))
        .unwrap_or_else(|| panic!("{name} exists"));
    read_all(content).await
}

fn slice(bytes: &[u8], start: usize, len: usize) -> Vec<u8> {
    bytes.get(start..start + len).unwrap_or_default().to_vec()
}

/// The cases, one function each; [`blob_storage_contract!`] makes a test of each.
pub mod cases {
    use super::*;

    /// What was put is read back whole, with its size.
    pub async fn a_stored_blob_reads_back_whole(storage: &impl BlobStorage) {
        let name = original('a');
        let bytes = pattern(1000, 1);
        storage.put(&name, bytes.clone()).await.unwrap_or_else(fail);

        assert_eq!(storage.size(&name).await.unwrap_or_else(fail), Some(1000));
        assert_eq!(storage.read(&name).await.unwrap_or_else(fail), Some(bytes));
    }

    /// `open` streams exactly the bytes of the range asked for: at the start, in
    /// the middle, the last byte, the whole blob.
    pub async fn ranges_stream_exactly_their_bytes(storage: &impl BlobStorage) {
        let name = original('b');
        let bytes = pattern(1000, 2);
        storage.put(&name, bytes.clone()).await.unwrap_or_else(fail);

        assert_eq!(range(storage, &name, 0, 10).await, slice(&bytes, 0, 10));
        assert_eq!(range(storage, &name, 10, 10).await, slice(&bytes, 10, 10));
        assert_eq!(range(storage, &name, 999, 1).await, slice(&bytes, 999, 1));
        assert_eq!(range(storage, &name, 0, 1000).await, bytes);
    }

    /// A blob of several megabytes goes in and out intact, and a range across it
    /// is exact (adapters that move bytes in chunks must join them right).
    pub async fn a_large_blob_is_kept_intact(storage: &impl BlobStorage) {
        let name = original('c');
        let len = 6 * 1024 * 1024 + 7;
        let bytes = pattern(len, 3);
        storage.put(&name, bytes.clone()).await.unwrap_or_else(fail);

        let whole = range(storage, &name, 0, u64::try_from(len).unwrap_or(u64::MAX)).await;
        assert!(
            whole == bytes,
            "the streamed blob differs from what was put"
        );
        let start = 1024 * 1024 - 3;
        let part = range(storage, &name, 1024 * 1024 - 3, 3 * 1024 * 1024).await;
        assert!(
            part == slice(&bytes, usize::try_from(start).unwrap_or(0), 3 * 1024 * 1024),
            "the streamed range differs from the bytes put there"
        );
        assert_eq!(storage.read(&name).await.unwrap_or_else(fail), Some(bytes));
    }

    /// A blob that was never put is absent to every reader, and deleting it is
    /// not an error.
    pub async fn a_missing_blob_is_none_everywhere(storage: &impl BlobStorage) {
        let name = original('d');
        let whole = ByteRange { start: 0, len: 1 };

        assert_eq!(storage.read(&name).await.unwrap_or_else(fail), None);
        assert_eq!(storage.size(&name).await.unwrap_or_else(fail), None);
        assert!(
            storage
                .open(&name, whole)
                .await
                .unwrap_or_else(fail)
                .is_none()
        );
        storage.delete(&name).await.unwrap_or_else(fail);
    }

    /// Putting a name again replaces its bytes, whether they differ or not.
    pub async fn putting_again_replaces(storage: &impl BlobStorage) {
        let name = original('e');
        storage
            .put(&name, pattern(500, 4))
            .await
            .unwrap_or_else(fail);
        storage
            .put(&name, pattern(300, 5))
            .await
            .unwrap_or_else(fail);

        assert_eq!(storage.size(&name).await.unwrap_or_else(fail), Some(300));
        assert_eq!(
            storage.read(&name).await.unwrap_or_else(fail),
            Some(pattern(300, 5))
        );

        storage
            .put(&name, pattern(300, 5))
            .await
            .unwrap_or_else(fail);
        assert_eq!(
            storage.read(&name).await.unwrap_or_else(fail),
            Some(pattern(300, 5))
        );
    }

    /// The same bytes put under one name by two writers at once (two instances
    /// storing the same upload) leave that blob whole.
    pub async fn concurrent_puts_of_the_same_blob_leave_it_whole(storage: &impl BlobStorage) {
        let name = original('f');
        let bytes = pattern(256 * 1024, 6);
        let (first, second) = tokio::join!(
            storage.put(&name, bytes.clone()),
            storage.put(&name, bytes.clone())
        );
        first.unwrap_or_else(fail);
        second.unwrap_or_else(fail);

        assert_eq!(storage.read(&name).await.unwrap_or_else(fail), Some(bytes));
    }

    /// Deleting removes the blob and only it; deleting again is not an error.
    pub async fn delete_removes_only_that_blob(storage: &impl BlobStorage) {
        let (kept, gone) = (original('7'), variant('7'));
        storage
            .put(&kept, pattern(10, 7))
            .await
            .unwrap_or_else(fail);
        storage
            .put(&gone, pattern(20, 8))
            .await
            .unwrap_or_else(fail);

        storage.delete(&gone).await.unwrap_or_else(fail);
        storage.delete(&gone).await.unwrap_or_else(fail);

        assert_eq!(storage.size(&gone).await.unwrap_or_else(fail), None);
        assert_eq!(storage.read(&gone).await.unwrap_or_else(fail), None);
        assert_eq!(
            storage.read(&kept).await.unwrap_or_else(fail),
            Some(pattern(10, 7))
        );
    }

    /// Names that could reach outside the store, or that Folio never makes, are
    /// refused by every method rather than trusted.
    pub async fn names_folio_does_not_make_are_refused(storage: &impl BlobStorage) {
        let whole = ByteRange { start: 0, len: 1 };
        for name in ["../x.png", "/etc/passwd", ".hidden", "a/b.png", "", "A.png"] {
            assert!(
                storage.put(name, b"x".to_vec()).await.is_err(),
                "put {name:?}"
            );
            assert!(storage.read(name).await.is_err(), "read {name:?}");
            assert!(storage.size(name).await.is_err(), "size {name:?}");
            assert!(storage.open(name, whole).await.is_err(), "open {name:?}");
            assert!(storage.delete(name).await.is_err(), "delete {name:?}");
        }
    }

    /// Listing pages through every blob once, in byte order of the names, each
    /// page starting after the last name of the one before; an empty store lists
    /// nothing, and a removed blob is no longer listed.
    pub async fn listing_pages_through_every_blob_in_name_order(storage: &impl BlobStorage) {
        assert_eq!(storage.list(None, 10).await.unwrap_or_else(fail), vec![]);
        let mut names = vec![
            original('c'),
            variant('a'),
            original('a'),
            original('f'),
            variant('e'),
        ];
        for (seed, name) in (0u8..).zip(&names) {
            storage
                .put(name, pattern(5, seed))
                .await
                .unwrap_or_else(fail);
        }
        names.sort();

        let mut listed = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = storage.list(after.as_deref(), 2).await.unwrap_or_else(fail);
            assert!(page.len() <= 2, "a page holds at most its limit");
            let Some(last) = page.last() else { break };
            after = Some(last.name.clone());
            listed.extend(page.into_iter().map(|blob| blob.name));
        }
        assert_eq!(listed, names);

        storage.delete(&original('c')).await.unwrap_or_else(fail);
        let rest: Vec<String> = storage
            .list(Some(&original('a')), 10)
            .await
            .unwrap_or_else(fail)
            .into_iter()
            .map(|blob| blob.name)
            .collect();
        assert_eq!(rest, vec![variant('e'), original('f')]);
    }

    fn fail<T>(error: folio_application::ports::PortError) -> T {
        panic!("the blob store failed: {error:?}")
    }
}

/// One `#[tokio::test]` per case of [`cases`], each on a fresh store made by
/// `$make().await`, which returns `Some((guard, store))`: the guard (a temporary
/// directory, a bucket) lives until the test ends. `None` skips the case: the
/// store is not available here and the run opted out of it (the fixture says so).
/// The calling crate needs `tokio` (with `macros` and `rt`) among its
/// dev-dependencies.
#[macro_export]
macro_rules! blob_storage_contract {
    ($make:path) => {
        $crate::blob_storage_contract!(@cases $make;
            a_stored_blob_reads_back_whole,
            ranges_stream_exactly_their_bytes,
            a_large_blob_is_kept_intact,
            a_missing_blob_is_none_everywhere,
            putting_again_replaces,
            concurrent_puts_of_the_same_blob_leave_it_whole,
            delete_removes_only_that_blob,
            names_folio_does_not_make_are_refused,
            listing_pages_through_every_blob_in_name_order,
        );
    };
    (@cases $make:path; $($case:ident,)*) => {
        $(
            #[tokio::test]
            async fn $case() {
                if let Some((_guard, storage)) = $make().await {
                    $crate::cases::$case(&storage).await;
                }
            }
        )*
    };
}
