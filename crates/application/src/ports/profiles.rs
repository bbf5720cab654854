use folio_domain::{Profile, UserId, Username};

use super::PortError;

#[cfg_attr(test, mockall::automock)]
pub trait ProfileRepository: Send + Sync + 'static {
    /// The profile whose username has the same `Username::key`.
    async fn find_by_username(&self, username: &Username) -> Result<Option<Profile>, PortError>;

    /// Idempotent: following twice leaves one follow.
    async fn follow(&self, follower: UserId, followee: UserId) -> Result<(), PortError>;

    /// Idempotent: unfollowing someone not followed is not an error.
    async fn unfollow(&self, follower: UserId, followee: UserId) -> Result<(), PortError>;

    async fn is_following(&self, follower: UserId, followee: UserId) -> Result<bool, PortError>;
}
