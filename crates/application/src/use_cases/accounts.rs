//! Registration, login, token authentication and account settings.

use folio_domain::{Bio, Email, ImageUrl, Password, SessionId, User, Username};
use tracing::warn;

use crate::ports::{
    Clock, Conflict, NewSession, NewUser, PasswordHasher, PortError, SessionRepository,
    TokenIssuer, UserChanges, UserRepository,
};
use crate::views::{Authenticated, SignedIn};
use crate::{AppError, FieldErrors, Folio, Ports};

/// Where a request came from; stored with the session it opens.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
}

impl Registration {
    /// The fields as domain values, or the problems of every invalid field at once.
    pub fn parse(&self) -> Result<(Username, Email, Password), FieldErrors> {
        let mut errors = FieldErrors::new();
        let username = errors.check("username", Username::parse(&self.username));
        let email = errors.check("email", Email::parse(&self.email));
        let password = errors.check("password", Password::parse(&self.password));
        match (username, email, password) {
            (Some(username), Some(email), Some(password)) => Ok((username, email, password)),
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

/// Account settings to change; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct SettingsUpdate {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    pub bio: Option<String>,
    pub image: Option<String>,
}

/// The RealWorld-mandated message for a taken username or email.
const TAKEN: &str = "has already been taken";

impl<P: Ports> Folio<P> {
    pub async fn register(
        &self,
        registration: Registration,
        client: ClientInfo,
    ) -> Result<SignedIn, AppError> {
        let (username, email, password) = registration.parse().map_err(AppError::Invalid)?;

        let password_hash = self.ports.hasher().hash(&password).await?;
        let new_user = NewUser {
            id: folio_domain::UserId::generate(),
            username,
            email,
            password_hash,
        };
        let user = self
            .ports
            .users()
            .insert(new_user)
            .await
            .map_err(conflict_as_taken)?;
        self.open_session(user, client).await
    }

    /// One answer for "no such email" and "wrong password", and the same work for
    /// both: an unknown email still pays for a password verification.
    pub async fn login(
        &self,
        credentials: Credentials,
        client: ClientInfo,
    ) -> Result<SignedIn, AppError> {
        let mut errors = FieldErrors::new();
        if credentials.email.trim().is_empty() {
            errors.add("email", "can't be blank");
        }
        if credentials.password.is_empty() {
            errors.add("password", "can't be blank");
        }
        errors.into_result()?;

        // A malformed email cannot match an account, but it gets the same treatment.
        let email = Email::parse(&credentials.email).ok();
        let password = Password::presented(&credentials.password);
        let account = match &email {
            Some(email) => {
                self.ports
                    .users()
                    .find_with_password_by_email(email)
                    .await?
            }
            None => None,
        };
        let matches = self
            .ports
            .hasher()
            .verify(&password, account.as_ref().map(|(_, hash)| hash))
            .await?;
        match account {
            Some((user, _)) if matches => self.open_session(user, client).await,
            _ => Err(AppError::InvalidCredentials),
        }
    }

    /// Resolves a presented bearer token to its user, sliding the idle expiry.
    pub async fn authenticate(&self, token: &str) -> Result<Authenticated, AppError> {
        let now = self.ports.clock().now();
        let hash = self.ports.tokens().hash(token);
        let idle_since = now - self.sessions.idle_timeout;
        let session = self
            .ports
            .sessions()
            .find_active(&hash, now, idle_since)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if now - session.last_seen_at >= self.sessions.touch_interval {
            // Losing one activity mark is harmless; failing the request for it is not.
            if let Err(error) = self.ports.sessions().touch(session.id, now).await {
                warn!(error = %error, "could not record session activity");
            }
        }
        Ok(Authenticated {
            user: session.user,
            session_id: session.id,
        })
    }

    pub async fn update_settings(
        &self,
        caller: &Authenticated,
        update: SettingsUpdate,
    ) -> Result<User, AppError> {
        let mut errors = FieldErrors::new();
        let mut changes = UserChanges::default();
        if let Some(raw) = &update.username {
            changes.username = errors.check("username", Username::parse(raw));
        }
        if let Some(raw) = &update.email {
            changes.email = errors.check("email", Email::parse(raw));
        }
        if let Some(raw) = &update.bio {
            changes.bio = errors.check("bio", Bio::parse_optional(raw));
        }
        if let Some(raw) = &update.image {
            changes.image = errors.check("image", ImageUrl::parse_optional(raw));
        }
        let password = match &update.password {
            Some(raw) => errors.check("password", Password::parse(raw)),
            None => None,
        };
        errors.into_result()?;

        if let Some(password) = password {
            changes.password_hash = Some(self.ports.hasher().hash(&password).await?);
        }
        self.ports
            .users()
            .update(caller.user.id, changes)
            .await
            .map_err(|error| match error {
                PortError::NotFound => AppError::Unauthenticated,
                other => conflict_as_taken(other),
            })
    }

    async fn open_session(&self, user: User, client: ClientInfo) -> Result<SignedIn, AppError> {
        let issued = self.ports.tokens().issue()?;
        let now = self.ports.clock().now();
        let session_id = SessionId::generate();
        self.ports
            .sessions()
            .create(NewSession {
                id: session_id,
                user_id: user.id,
                token_hash: issued.hash,
                created_at: now,
                expires_at: now + self.sessions.absolute_lifetime,
                user_agent: client.user_agent,
                ip: client.ip,
            })
            .await?;
        Ok(SignedIn {
            user,
            token: issued.token,
            session_id,
        })
    }
}

fn conflict_as_taken(error: PortError) -> AppError {
    match error {
        PortError::Conflict(Conflict::Username) => {
            AppError::Invalid(FieldErrors::single("username", TAKEN))
        }
        PortError::Conflict(Conflict::Email) => {
            AppError::Invalid(FieldErrors::single("email", TAKEN))
        }
        other => other.into(),
    }
}
