use std::sync::{Arc, OnceLock};

use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use folio_application::ports::{PasswordHasher, PortError};
use folio_domain::{Password, PasswordHash};
use tokio::sync::Semaphore;
use tracing::Instrument;

/// argon2id with the OWASP-recommended defaults (19 MiB, 2 passes, 1 lane) and a
/// fresh random salt per password. Runs on tokio's blocking pool: one hash costs
/// tens of milliseconds of CPU, which must not stall the request workers.
#[derive(Clone)]
pub struct Argon2Hasher {
    /// A real hash of a random password, verified against when an account does not
    /// exist so that the response takes as long as for a wrong password.
    decoy: Arc<OnceLock<String>>,
    /// At most one hash per core at a time. More would not finish sooner, and each
    /// holds 19 MiB: a burst of logins must queue, not exhaust memory.
    permits: Arc<Semaphore>,
}

impl Default for Argon2Hasher {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self {
            decoy: Arc::default(),
            permits: Arc::new(Semaphore::new(cores)),
        }
    }
}

impl Argon2Hasher {
    pub fn new() -> Self {
        Self::default()
    }

    async fn off_the_workers<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, PortError> + Send + 'static,
    ) -> Result<T, PortError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|error| PortError::other(HashingError(error.to_string())))?;
        off_the_workers(work).await
    }

    /// Computes the decoy hash now, so that the first login attempt for an unknown
    /// account costs one hash like every other, not two.
    pub async fn warm_up(&self) -> Result<(), PortError> {
        let decoy = Arc::clone(&self.decoy);
        self.off_the_workers(move || {
            if decoy.get().is_none() {
                let _ = decoy.set(hash_now(DECOY_PASSWORD)?);
            }
            Ok(())
        })
        .await
    }
}

const DECOY_PASSWORD: &[u8] = b"decoy password, never matches";

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
struct HashingError(String);

async fn off_the_workers<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, PortError> + Send + 'static,
) -> Result<T, PortError> {
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(work))
        .in_current_span()
        .await
        .map_err(|error| PortError::other(HashingError(error.to_string())))?
}

fn hash_now(password: &[u8]) -> Result<String, PortError> {
    Argon2::default()
        .hash_password(password)
        .map(|hash| hash.to_string())
        .map_err(|error| PortError::other(HashingError(error.to_string())))
}

impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, PortError> {
        let password = password.expose().as_bytes().to_vec();
        let encoded = self.off_the_workers(move || hash_now(&password)).await?;
        Ok(PasswordHash::from_encoded(encoded))
    }

    async fn verify(
        &self,
        password: &Password,
        hash: Option<&PasswordHash>,
    ) -> Result<bool, PortError> {
        let password = password.expose().as_bytes().to_vec();
        let stored = hash.map(|h| h.as_str().to_owned());
        let decoy = Arc::clone(&self.decoy);
        self.off_the_workers(move || {
            let (encoded, real) = match &stored {
                Some(encoded) => (encoded.as_str(), true),
                None => {
                    if decoy.get().is_none() {
                        let _ = decoy.set(hash_now(DECOY_PASSWORD)?);
                    }
                    (decoy.get().map_or("", String::as_str), false)
                }
            };
            let matches = Argon2::default()
                .verify_password(&password, encoded)
                .is_ok();
            Ok(real && matches)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(raw: &str) -> Password {
        Password::presented(raw)
    }

    #[tokio::test]
    async fn hashes_verify_and_are_salted() -> Result<(), PortError> {
        let hasher = Argon2Hasher::new();
        let first = hasher.hash(&password("correct horse")).await?;
        let second = hasher.hash(&password("correct horse")).await?;
        assert!(first.as_str().starts_with("$argon2id$"));
        assert_ne!(
            first.as_str(),
            second.as_str(),
            "each hash has its own salt"
        );
        assert!(
            hasher
                .verify(&password("correct horse"), Some(&first))
                .await?
        );
        assert!(
            !hasher
                .verify(&password("wrong horse"), Some(&first))
                .await?
        );
        Ok(())
    }

    #[tokio::test]
    async fn verifying_without_a_hash_never_matches() -> Result<(), PortError> {
        let hasher = Argon2Hasher::new();
        assert!(
            !hasher
                .verify(&password("decoy password, never matches"), None)
                .await?
        );
        assert!(!hasher.verify(&password("anything"), None).await?);
        Ok(())
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_does_not_match() -> Result<(), PortError> {
        let hasher = Argon2Hasher::new();
        let corrupt = PasswordHash::from_encoded("not a phc string".into());
        assert!(!hasher.verify(&password("anything"), Some(&corrupt)).await?);
        Ok(())
    }
}
