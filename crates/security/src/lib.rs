//! Credential handling: password hashing and session tokens.

mod argon2_hasher;
mod tokens;

pub use argon2_hasher::Argon2Hasher;
pub use tokens::OpaqueTokens;
