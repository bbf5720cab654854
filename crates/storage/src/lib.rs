//! Blob storage on the local filesystem (`FOLIO_STORAGE_DIR`). Every write goes to a
//! temporary file in the same directory, is flushed to disk, then renamed into
//! place, so a reader sees a whole blob or none, even after a crash.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use folio_application::ports::{BlobContent, BlobStorage, ByteRange, PortError, StoredBlob};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _, AsyncWriteExt as _};

/// Blobs as files directly under `root`; temporary files under `root/tmp`.
#[derive(Debug, Clone)]
pub struct LocalBlobStorage {
    root: PathBuf,
}

/// A name that is not one Folio makes: refused rather than trusted, so no name can
/// reach outside the directory.
#[derive(Debug, thiserror::Error)]
#[error("refused blob name {0:?}")]
pub struct RefusedName(String);

impl LocalBlobStorage {
    /// Blobs under `root`, which is created with the first blob.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, name: &str) -> Result<PathBuf, PortError> {
        let allowed =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
        if name.is_empty() || name.starts_with('.') || !name.chars().all(allowed) {
            return Err(PortError::other(RefusedName(name.to_owned())));
        }
        Ok(self.root.join(name))
    }

    /// A fresh temporary file's path, its directory made when missing.
    async fn temporary_path(&self) -> Result<PathBuf, PortError> {
        let directory = self.root.join("tmp");
        tokio::fs::create_dir_all(&directory)
            .await
            .map_err(io_error)?;
        let mut random = [0_u8; 16];
        getrandom::fill(&mut random)
            .map_err(|error| PortError::other(std::io::Error::other(error.to_string())))?;
        let name: String = random.iter().map(|byte| format!("{byte:02x}")).collect();
        Ok(directory.join(name))
    }
}

fn io_error(error: std::io::Error) -> PortError {
    PortError::other(error)
}

/// `Ok(None)` for a missing file.
fn missing_is_none<T>(result: std::io::Result<T>) -> Result<Option<T>, PortError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io_error(error)),
    }
}

async fn write_durably(temporary: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = tokio::fs::File::create(temporary).await?;
    file.write_all(bytes).await?;
    file.sync_all().await
}

/// The files directly in `root` named after `after`, the first `limit` by name;
/// directories (`tmp/`) are not blobs. The whole directory is read for each page,
/// but only the page's files are looked at (their modification time): the names
/// and types come with the directory's entries.
fn list_files(root: &Path, after: Option<&str>, limit: usize) -> std::io::Result<Vec<StoredBlob>> {
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry?;
        if !entry.file_type()?.is_file() {
            continue;
        }
        let Ok(name) = entry.file_name().into_string() else {
            continue; // not a name Folio makes
        };
        if after.is_none_or(|after| name.as_str() > after) {
            names.push(name);
        }
    }
    if names.len() > limit {
        names.select_nth_unstable(limit);
        names.truncate(limit);
    }
    names.sort_unstable();
    let mut blobs = Vec::with_capacity(names.len());
    for name in names {
        let metadata = match std::fs::metadata(root.join(&name)) {
            Ok(metadata) => metadata,
            // Removed since the directory was read: not a blob any more.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error),
        };
        blobs.push(StoredBlob {
            name,
            modified: metadata.modified()?.into(),
        });
    }
    Ok(blobs)
}

/// Makes a rename in `directory` survive a crash.
async fn sync_directory(directory: PathBuf) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || std::fs::File::open(directory)?.sync_all())
        .await
        .map_err(std::io::Error::other)?
}

impl BlobStorage for LocalBlobStorage {
    async fn put(&self, name: &str, bytes: Vec<u8>) -> Result<(), PortError> {
        let target = self.path(name)?;
        let temporary = self.temporary_path().await?;
        if let Err(error) = write_durably(&temporary, &bytes).await {
            let _ = tokio::fs::remove_file(&temporary).await;
            return Err(io_error(error));
        }
        if let Err(error) = tokio::fs::rename(&temporary, &target).await {
            let _ = tokio::fs::remove_file(&temporary).await;
            return Err(io_error(error));
        }
        sync_directory(self.root.clone()).await.map_err(io_error)
    }

    async fn read(&self, name: &str) -> Result<Option<Vec<u8>>, PortError> {
        missing_is_none(tokio::fs::read(self.path(name)?).await)
    }

    async fn size(&self, name: &str) -> Result<Option<u64>, PortError> {
        let metadata = missing_is_none(tokio::fs::metadata(self.path(name)?).await)?;
        Ok(metadata.map(|metadata| metadata.len()))
    }

    async fn open(&self, name: &str, range: ByteRange) -> Result<Option<BlobContent>, PortError> {
        let Some(mut file) = missing_is_none(tokio::fs::File::open(self.path(name)?).await)? else {
            return Ok(None);
        };
        file.seek(SeekFrom::Start(range.start))
            .await
            .map_err(io_error)?;
        Ok(Some(Box::pin(file.take(range.len))))
    }

    async fn delete(&self, name: &str) -> Result<(), PortError> {
        missing_is_none(tokio::fs::remove_file(self.path(name)?).await)?;
        Ok(())
    }

    async fn list(&self, after: Option<&str>, limit: usize) -> Result<Vec<StoredBlob>, PortError> {
        let root = self.root.clone();
        let after = after.map(str::to_owned);
        tokio::task::spawn_blocking(move || list_files(&root, after.as_deref(), limit))
            .await
            .map_err(|error| PortError::other(std::io::Error::other(error.to_string())))?
            .map_err(io_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn storage() -> (tempfile::TempDir, LocalBlobStorage) {
        let directory = tempfile::tempdir().unwrap();
        let storage = LocalBlobStorage::new(directory.path());
        (directory, storage)
    }

    async fn read_all(content: BlobContent) -> Vec<u8> {
        let mut bytes = Vec::new();
        let mut content = content;
        content.read_to_end(&mut bytes).await.unwrap();
        bytes
    }

    #[tokio::test]
    async fn a_blob_is_stored_read_ranged_and_deleted() {
        let (_directory, storage) = storage();

        storage
            .put("abc.png", b"0123456789".to_vec())
            .await
            .unwrap();

        assert_eq!(storage.size("abc.png").await.unwrap(), Some(10));
        assert_eq!(
            storage.read("abc.png").await.unwrap().as_deref(),
            Some(b"0123456789".as_slice())
        );
        let part = storage
            .open("abc.png", ByteRange { start: 2, len: 3 })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read_all(part).await, b"234");
        storage.delete("abc.png").await.unwrap();
        storage.delete("abc.png").await.unwrap();
        assert_eq!(storage.size("abc.png").await.unwrap(), None);
        assert!(
            storage
                .open("abc.png", ByteRange { start: 0, len: 1 })
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_put_replaces_and_leaves_no_temporary_file() {
        let (directory, storage) = storage();

        storage.put("a.png", b"first".to_vec()).await.unwrap();
        storage.put("a.png", b"second".to_vec()).await.unwrap();

        assert_eq!(storage.read("a.png").await.unwrap().unwrap(), b"second");
        let leftovers = std::fs::read_dir(directory.path().join("tmp"))
            .unwrap()
            .count();
        assert_eq!(leftovers, 0);
    }

    #[tokio::test]
    async fn blobs_are_listed_by_name_in_pages_without_temporary_files() {
        let (directory, storage) = storage();
        assert!(
            storage.list(None, 10).await.unwrap().is_empty(),
            "no directory yet"
        );
        for name in ["c.png", "a.png", "b-thumb.png"] {
            storage.put(name, b"x".to_vec()).await.unwrap();
        }
        std::fs::write(directory.path().join("tmp").join("partial"), b"x").unwrap();

        let names = |blobs: Vec<StoredBlob>| -> Vec<String> {
            blobs.into_iter().map(|blob| blob.name).collect()
        };
        let first = storage.list(None, 2).await.unwrap();
        let rest = storage.list(Some("b-thumb.png"), 2).await.unwrap();

        assert!(
            first[0].modified.timestamp() > 1_700_000_000,
            "written just now"
        );
        assert_eq!(names(first), ["a.png", "b-thumb.png"]);
        assert_eq!(names(rest), ["c.png"]);
        assert!(storage.list(Some("c.png"), 2).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn names_that_could_leave_the_directory_are_refused() {
        let (_directory, storage) = storage();
        for name in ["../x.png", "/etc/passwd", ".hidden", "a/b.png", "", "A.png"] {
            assert!(storage.put(name, b"x".to_vec()).await.is_err(), "{name}");
            assert!(storage.read(name).await.is_err(), "{name}");
        }
    }
}
