//! One file per area; each public method of `Folio` is one user intent.

pub mod accounts;
pub mod articles;
pub mod comments;
pub mod profiles;

#[cfg(test)]
mod tests;
