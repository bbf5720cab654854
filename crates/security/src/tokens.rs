use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use folio_application::ports::{IssuedToken, PortError, TokenHash, TokenIssuer};
use sha2::{Digest, Sha256};

/// 256-bit random bearer tokens, base64url-encoded. Stored only as SHA-256: the
/// tokens have full entropy, so a fast hash is enough to make a leaked table useless.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpaqueTokens;

const TOKEN_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
#[error("no randomness available: {0}")]
struct RandomnessError(String);

impl TokenIssuer for OpaqueTokens {
    fn issue(&self) -> Result<IssuedToken, PortError> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes)
            .map_err(|e| PortError::other(RandomnessError(e.to_string())))?;
        let token = URL_SAFE_NO_PAD.encode(bytes);
        let hash = self.hash(&token);
        Ok(IssuedToken { token, hash })
    }

    fn hash(&self, token: &str) -> TokenHash {
        TokenHash(Sha256::digest(token.as_bytes()).to_vec())
    }

    /// A domain-separated digest of the session token: a page that can read the CSRF
    /// cookie learns nothing that opens the session.
    fn csrf_token(&self, session_token: &str) -> String {
        let mut digest = Sha256::new();
        digest.update(b"folio-csrf\0");
        digest.update(session_token.as_bytes());
        URL_SAFE_NO_PAD.encode(digest.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_unique_and_hashed_deterministically() -> Result<(), PortError> {
        let tokens = OpaqueTokens;
        let first = tokens.issue()?;
        let second = tokens.issue()?;
        assert_eq!(first.token.len(), 43, "32 bytes in unpadded base64");
        assert_ne!(first.token, second.token);
        assert_eq!(tokens.hash(&first.token), first.hash);
        assert_ne!(first.hash, second.hash);
        assert_eq!(first.hash.0.len(), 32);
        Ok(())
    }

    #[test]
    fn csrf_tokens_are_stable_per_session_and_differ_from_the_token_hash() -> Result<(), PortError>
    {
        let tokens = OpaqueTokens;
        let session = tokens.issue()?;
        let other = tokens.issue()?;
        let csrf = tokens.csrf_token(&session.token);
        assert_eq!(csrf, tokens.csrf_token(&session.token));
        assert_ne!(csrf, tokens.csrf_token(&other.token));
        assert_ne!(csrf, URL_SAFE_NO_PAD.encode(&session.hash.0));
        assert_ne!(csrf, session.token);
        Ok(())
    }
}
