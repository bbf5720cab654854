//! TLS for the HTTP client: rustls with ring. reqwest is built without a crypto
//! provider of its own (its default, aws-lc, is a long C build), so one must be
//! installed for the process before any client is made, or making one panics.

/// Installs ring as the process's rustls provider, unless one already is.
pub(crate) fn use_ring() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race with another installer is fine: a provider is installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
