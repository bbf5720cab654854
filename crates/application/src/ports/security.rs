use folio_domain::{Password, PasswordHash, Timestamp};

use super::PortError;

/// Slow, salted password hashing. Implementations must keep the work off the async
/// executor threads.
#[cfg_attr(test, mockall::automock)]
pub trait PasswordHasher: Send + Sync + 'static {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, PortError>;

    /// Whether `password` matches `hash`. With `hash = None` it spends the same time
    /// as a real verification and returns `false`, so that an unknown account cannot
    /// be told apart from a wrong password by timing.
    #[expect(
        clippy::needless_lifetimes,
        reason = "mockall needs the lifetime named"
    )]
    async fn verify<'a>(
        &self,
        password: &Password,
        hash: Option<&'a PasswordHash>,
    ) -> Result<bool, PortError>;
}

/// The digest under which a session token is stored and looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(pub Vec<u8>);

/// A new opaque bearer token and the hash to store for it.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub hash: TokenHash,
}

/// Creates unguessable session tokens and hashes presented ones.
#[cfg_attr(test, mockall::automock)]
pub trait TokenIssuer: Send + Sync + 'static {
    fn issue(&self) -> Result<IssuedToken, PortError>;
    fn hash(&self, token: &str) -> TokenHash;
    /// The anti-CSRF value that goes with a session token (double-submit cookie).
    fn csrf_token(&self, session_token: &str) -> String;
}

#[cfg_attr(test, mockall::automock)]
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
}
