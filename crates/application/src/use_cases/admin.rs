//! Account administration: roles and suspension. Admins only, decided by the
//! domain policy; changes apply to the very next request of the affected user
//! because every request reads the user's current role and status.

use folio_domain::{AuditEventType, Permission, Role, User, Username};

use crate::ports::{Clock, PortError, SessionRepository, UserRepository};
use crate::views::Authenticated;
use crate::{AppError, ClientInfo, FieldErrors, Folio, Ports, Resource};

impl<P: Ports> Folio<P> {
    pub async fn change_role(
        &self,
        caller: &Authenticated,
        username: &str,
        role: &str,
        client: &ClientInfo,
    ) -> Result<User, AppError> {
        self.require(caller, Permission::ManageRoles)?;
        let role = Role::parse(role)
            .map_err(|invalid| AppError::Invalid(FieldErrors::single("role", invalid.message())))?;
        let target = self.administered_account(caller, username).await?;
        let previous = target.role;
        let user = self.store_role(&target, role).await?;
        let event = self
            .event(AuditEventType::RoleChanged, client)
            .actor(caller.user.id)
            .subject(user.id)
            .session(caller.session_id)
            .detail("from", previous.as_str())
            .detail("to", role.as_str());
        self.record(event).await;
        Ok(user)
    }

    /// Grants `role` from the command line, with no signed-in admin: how the first
    /// admin of a deployment is made.
    pub async fn grant_role_as_operator(
        &self,
        username: &str,
        role: &str,
    ) -> Result<User, AppError> {
        let role = Role::parse(role)
            .map_err(|invalid| AppError::Invalid(FieldErrors::single("role", invalid.message())))?;
        let target = self.account_named(username).await?;
        let previous = target.role;
        let user = self.store_role(&target, role).await?;
        let event = self
            .event(AuditEventType::RoleChanged, &ClientInfo::default())
            .subject(user.id)
            .detail("from", previous.as_str())
            .detail("to", role.as_str())
            .detail("by", "operator");
        self.record(event).await;
        Ok(user)
    }

    /// Suspends an account: its sessions are revoked at once and it cannot sign in
    /// until the suspension is lifted.
    pub async fn suspend(
        &self,
        caller: &Authenticated,
        username: &str,
        client: &ClientInfo,
    ) -> Result<User, AppError> {
        self.require(caller, Permission::SuspendUsers)?;
        let target = self.administered_account(caller, username).await?;
        let now = self.ports.clock().now();
        let since = target.suspended_at.unwrap_or(now);
        let user = self
            .ports
            .users()
            .set_suspended(target.id, Some(since))
            .await
            .map_err(missing_account)?;
        let revoked = self.ports.sessions().revoke_all(user.id, None, now).await?;
        self.forget_sessions(&revoked).await;
        let event = self
            .event(AuditEventType::UserSuspended, client)
            .actor(caller.user.id)
            .subject(user.id)
            .session(caller.session_id)
            .detail("sessions_revoked", revoked.len().to_string());
        self.record(event).await;
        Ok(user)
    }

    pub async fn unsuspend(
        &self,
        caller: &Authenticated,
        username: &str,
        client: &ClientInfo,
    ) -> Result<User, AppError> {
        self.require(caller, Permission::SuspendUsers)?;
        let target = self.administered_account(caller, username).await?;
        let user = self
            .ports
            .users()
            .set_suspended(target.id, None)
            .await
            .map_err(missing_account)?;
        let event = self
            .event(AuditEventType::UserUnsuspended, client)
            .actor(caller.user.id)
            .subject(user.id)
            .session(caller.session_id);
        self.record(event).await;
        Ok(user)
    }

    fn require(&self, caller: &Authenticated, permission: Permission) -> Result<(), AppError> {
        if caller.actor().may(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The account an admin acts on. Admins cannot demote or suspend themselves, so a
    /// deployment cannot lose its last admin by a slip.
    async fn administered_account(
        &self,
        caller: &Authenticated,
        username: &str,
    ) -> Result<User, AppError> {
        let target = self.account_named(username).await?;
        if target.id == caller.user.id {
            return Err(AppError::Invalid(FieldErrors::single(
                "username",
                "cannot be your own account",
            )));
        }
        Ok(target)
    }

    async fn account_named(&self, username: &str) -> Result<User, AppError> {
        let username = Username::parse(username).map_err(|_| AppError::NotFound(Resource::User))?;
        self.ports
            .users()
            .find_by_username(&username)
            .await?
            .ok_or(AppError::NotFound(Resource::User))
    }

    async fn store_role(&self, target: &User, role: Role) -> Result<User, AppError> {
        let user = self
            .ports
            .users()
            .set_role(target.id, role)
            .await
            .map_err(missing_account)?;
        self.forget_sessions_of(user.id).await?;
        Ok(user)
    }
}

fn missing_account(error: PortError) -> AppError {
    match error {
        PortError::NotFound => AppError::NotFound(Resource::User),
        other => other.into(),
    }
}
