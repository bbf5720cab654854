//! Registration, login, token authentication and account settings.

use folio_domain::{
    AuditEventType, Bio, DomainEvent, Email, ImageReference, InvalidValue, Password, PasswordHash,
    SessionId, User, Username, is_common_password,
};

use super::sessions::raise_revoked;
use super::upload_attachments::attach_image;
use crate::ports::{
    Clock, Conflict, NewSession, NewUser, PasswordHasher, PortError, SessionRepository,
    TokenIssuer, UnitOfWork, UserChanges, UserRepository, Work,
};
use crate::views::{Authenticated, SignedIn};
use crate::{AppError, ClientInfo, FieldErrors, Folio, Ports};

#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub username: String,
    pub email: String,
    pub password: String,
}

/// Shown for a password on the common-passwords list.
const TOO_COMMON: &str = "is too common; choose one that is harder to guess";

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
    /// The registration's fields as domain values, or the problems of every invalid
    /// field at once.
    pub fn validate_registration(
        &self,
        registration: &Registration,
    ) -> Result<(Username, Email, Password), FieldErrors> {
        let mut errors = FieldErrors::new();
        let username = errors.check("username", Username::parse(&registration.username));
        let email = errors.check("email", Email::parse(&registration.email));
        let password = errors.check("password", self.new_password(&registration.password));
        match (username, email, password) {
            (Some(username), Some(email), Some(password)) => Ok((username, email, password)),
            _ => Err(errors),
        }
    }

    /// A password someone chooses now: the domain's length rule plus our list of
    /// common passwords.
    fn new_password(&self, raw: &str) -> Result<Password, InvalidValue> {
        let password = Password::parse(raw)?;
        if self.passwords.reject_common && is_common_password(raw) {
            return Err(InvalidValue::new(TOO_COMMON));
        }
        Ok(password)
    }

    pub async fn register(
        &self,
        registration: Registration,
        client: ClientInfo,
    ) -> Result<SignedIn, AppError> {
        self.limit_registrations(&client).await?;
        let (username, email, password) = self
            .validate_registration(&registration)
            .map_err(AppError::Invalid)?;

        let password_hash = self.ports.hasher().hash(&password).await?;
        let new_user = NewUser {
            id: folio_domain::UserId::generate(),
            username,
            email,
            password_hash,
        };
        let (session, token) = self.new_session(new_user.id, &client)?;
        let session_id = session.id;
        let user = self
            .ports
            .users()
            .insert(new_user, session)
            .await
            .map_err(conflict_as_taken)?;
        Ok(SignedIn {
            user,
            token,
            session_id,
        })
    }

    /// One answer for "no such email" and "wrong password", and the same work for
    /// both: an unknown email still pays for a password verification. A suspended
    /// account is only told so after a correct password, so that the answer reveals
    /// nothing to someone who does not know it.
    pub async fn login(
        &self,
        credentials: Credentials,
        client: ClientInfo,
    ) -> Result<SignedIn, AppError> {
        let mut errors = FieldErrors::new();
        if credentials.email.trim().is_empty() {
            errors.add("email", "can't be blank");
        } else if credentials.email.trim().chars().count() > Email::MAX_CHARS {
            // Cannot be an account's; refused before it costs anything or is stored.
            errors.add("email", InvalidValue::too_long(Email::MAX_CHARS).message());
        }
        if credentials.password.is_empty() {
            errors.add("password", "can't be blank");
        } else if credentials.password.chars().count() > Password::MAX_CHARS {
            errors.add(
                "password",
                InvalidValue::too_long(Password::MAX_CHARS).message(),
            );
        }
        errors.into_result()?;
        let attempted = credentials.email.trim().to_lowercase();
        let keys = self.login_keys(&attempted, &client);
        self.admit_login_attempt(&keys, &attempted, &client).await?;

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
        let failure = |reason: &str| {
            self.event(AuditEventType::LoginFailed, &client)
                .detail("email", attempted.clone())
                .detail("reason", reason)
        };
        match account {
            Some((user, _)) if matches && user.is_suspended() => {
                self.record(failure("suspended").subject(user.id)).await;
                Err(AppError::AccountSuspended)
            }
            Some((user, verified)) if matches => {
                let user_id = user.id;
                let Some(signed_in) = self.open_session(user, &verified, &client).await? else {
                    // The password changed while this one was being checked.
                    self.record(failure("password_changed").subject(user_id))
                        .await;
                    return Err(AppError::InvalidCredentials);
                };
                self.login_succeeded(&keys).await;
                let event = self
                    .event(AuditEventType::LoginSucceeded, &client)
                    .actor(signed_in.user.id)
                    .subject(signed_in.user.id)
                    .session(signed_in.session_id);
                self.record(event).await;
                Ok(signed_in)
            }
            Some((user, _)) => {
                self.record(failure("wrong_password").subject(user.id))
                    .await;
                Err(AppError::InvalidCredentials)
            }
            None => {
                self.record(failure("unknown_email")).await;
                Err(AppError::InvalidCredentials)
            }
        }
    }

    /// Changing the password signs out every other session of the account.
    pub async fn update_settings(
        &self,
        caller: &Authenticated,
        update: SettingsUpdate,
        client: ClientInfo,
    ) -> Result<User, AppError> {
        let changing_email = update
            .email
            .as_deref()
            .is_some_and(|raw| !raw.trim().eq_ignore_ascii_case(caller.user.email.as_str()));
        if changing_email {
            // "Has already been taken" tells whether an address has an account: it
            // costs what a registration costs.
            self.limit_registrations(&client).await?;
        }
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
        // An upload named here is attached in the transaction of the change.
        let mut image = None;
        if let Some(raw) = &update.image {
            image = errors.check("image", ImageReference::parse_optional(raw));
        }
        let password = match &update.password {
            Some(raw) => errors.check("password", self.new_password(raw)),
            None => None,
        };
        errors.into_result()?;

        let password_changed = password.is_some();
        let profile_changed =
            changes.username.is_some() || changes.bio.is_some() || image.is_some();
        if let Some(password) = password {
            changes.password_hash = Some(self.ports.hasher().hash(&password).await?);
        }
        let mut work = self.ports.unit_of_work().begin().await?;
        if let Some(reference) = image {
            changes.image = Some(match reference {
                None => None,
                Some(reference) => {
                    let now = self.ports.clock().now();
                    Some(attach_image(&work, caller.actor(), "image", reference, now).await?)
                }
            });
        }
        let user =
            work.users()
                .update(caller.user.id, changes)
                .await
                .map_err(|error| match error {
                    PortError::NotFound => AppError::Unauthenticated,
                    other => conflict_as_taken(other),
                })?;
        let renamed = user.username != caller.user.username;
        if profile_changed {
            work.raise(DomainEvent::ProfileUpdated {
                user: user.id,
                username: user.username.clone(),
                previous_username: renamed.then(|| caller.user.username.clone()),
            });
        }
        let mut revoked = Vec::new();
        if password_changed {
            let now = self.ports.clock().now();
            revoked = work
                .sessions()
                .revoke_all(user.id, Some(caller.session_id), now)
                .await?;
            let event = self
                .event(AuditEventType::PasswordChanged, &client)
                .actor(user.id)
                .subject(user.id)
                .session(caller.session_id)
                .detail("other_sessions_revoked", revoked.len().to_string());
            self.record_in(&work, event).await?;
            raise_revoked(&mut work, user.id, &revoked);
        }
        let events = work.commit().await?;
        self.forget_revoked(&revoked).await;
        // The cached sessions, profile and articles still hold the user as it was.
        self.forget_sessions_of(user.id).await?;
        self.settle(&events).await;
        Ok(user)
    }

    /// A new session for `user`, unless the password hash is no longer `verified`.
    async fn open_session(
        &self,
        user: User,
        verified: &PasswordHash,
        client: &ClientInfo,
    ) -> Result<Option<SignedIn>, AppError> {
        let (session, token) = self.new_session(user.id, client)?;
        let session_id = session.id;
        if !self.ports.sessions().create(session, verified).await? {
            return Ok(None);
        }
        Ok(Some(SignedIn {
            user,
            token,
            session_id,
        }))
    }

    /// A session for `user_id` with a fresh token; only the token's hash is stored.
    fn new_session(
        &self,
        user_id: folio_domain::UserId,
        client: &ClientInfo,
    ) -> Result<(NewSession, String), AppError> {
        let issued = self.ports.tokens().issue()?;
        let now = self.ports.clock().now();
        let session = NewSession {
            id: SessionId::generate(),
            user_id,
            token_hash: issued.hash,
            created_at: now,
            expires_at: now + self.sessions.absolute_lifetime,
            user_agent: client.user_agent.clone(),
            ip: client.ip.clone(),
        };
        Ok((session, issued.token))
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
