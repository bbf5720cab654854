use folio_domain::{Profile, UserId, Username};

use super::PortError;

#[cfg_attr(test, mockall::automock)]
pub trait ProfileRepository: Send + Sync + 'static {
    /// The profile whose username has the same `Username::key`.
    async fn find_by_username(&self, username: &Username) -> Result<Option<Profile>, PortError>;

    /// Idempotent: following twice leaves one follow. `true` when this call made
    /// the follow, `false` when it was there already.
    async fn follow(&self, follower: UserId, followee: UserId) -> Result<bool, PortError>;

    /// Idempotent: unfollowing someone not followed is not an error. `true` when
    /// this call removed the follow, `false` when there was none.
    async fn unfollow(&self, follower: UserId, followee: UserId) -> Result<bool, PortError>;

    async fn is_following(&self, follower: UserId, followee: UserId) -> Result<bool, PortError>;

    /// Everyone `follower` follows.
    async fn followees(&self, follower: UserId) -> Result<Vec<UserId>, PortError>;
}
