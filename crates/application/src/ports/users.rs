use folio_domain::{Bio, Email, ImageUrl, PasswordHash, Role, Timestamp, User, UserId, Username};

use super::{NewSession, PortError};

/// A validated registration, ready to store.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: UserId,
    pub username: Username,
    pub email: Email,
    pub password_hash: PasswordHash,
}

/// The fields a profile update changes; `None` leaves a field as it is. For bio and
/// image, `Some(None)` clears the value.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub username: Option<Username>,
    pub email: Option<Email>,
    pub password_hash: Option<PasswordHash>,
    pub bio: Option<Option<Bio>>,
    pub image: Option<Option<ImageUrl>>,
}

#[cfg_attr(test, mockall::automock)]
pub trait UserRepository: Send + Sync + 'static {
    /// Stores the account and its first session in one transaction: a registration
    /// either signs in or leaves nothing behind. Fails with
    /// `Conflict(Username | Email)` when either is taken (usernames compare by
    /// `Username::key`, emails case-insensitively).
    async fn insert(&self, user: NewUser, first_session: NewSession) -> Result<User, PortError>;

    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, PortError>;

    /// The account whose username has the same `Username::key`.
    async fn find_by_username(&self, username: &Username) -> Result<Option<User>, PortError>;

    /// The account registered with `email` (case-insensitive) and its password hash.
    async fn find_with_password_by_email(
        &self,
        email: &Email,
    ) -> Result<Option<(User, PasswordHash)>, PortError>;

    /// Applies `changes` and bumps `updated_at`. Fails with `NotFound` or `Conflict`.
    async fn update(&self, id: UserId, changes: UserChanges) -> Result<User, PortError>;

    async fn set_role(&self, id: UserId, role: Role) -> Result<User, PortError>;

    /// Suspends the account (`Some(since)`) or lifts the suspension (`None`).
    async fn set_suspended(&self, id: UserId, since: Option<Timestamp>) -> Result<User, PortError>;
}
