//! Account administration: roles and suspension. Admins only, decided by the
//! domain policy; changes apply to the very next request of the affected user
//! because every request reads the user's current role and status.

use folio_domain::{AuditEventType, DomainEvent, Permission, Role, User, Username};

use super::sessions::raise_revoked;
use crate::ports::{
    AuditRecord, Clock, PortError, SessionRepository, UnitOfWork, UserRepository, Work,
};
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
        let event = self
            .role_change(&target, role, client)
            .actor(caller.user.id)
            .session(caller.session_id);
        self.store_role(&target, role, event).await
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
        let event = self
            .role_change(&target, role, &ClientInfo::default())
            .detail("by", "operator");
        self.store_role(&target, role, event).await
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
        let mut work = self.ports.unit_of_work().begin().await?;
        let user = work
            .users()
            .set_suspended(target.id, Some(since))
            .await
            .map_err(missing_account)?;
        let revoked = work.sessions().revoke_all(user.id, None, now).await?;
        let event = self
            .event(AuditEventType::UserSuspended, client)
            .actor(caller.user.id)
            .subject(user.id)
            .session(caller.session_id)
            .detail("sessions_revoked", revoked.len().to_string());
        self.record_in(&work, event).await?;
        work.raise(DomainEvent::AccountSuspended { user: user.id });
        raise_revoked(&mut work, user.id, &revoked);
        work.commit().await?;
        self.forget_revoked(&revoked).await;
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
        let mut work = self.ports.unit_of_work().begin().await?;
        let user = work
            .users()
            .set_suspended(target.id, None)
            .await
            .map_err(missing_account)?;
        let event = self
            .event(AuditEventType::UserUnsuspended, client)
            .actor(caller.user.id)
            .subject(user.id)
            .session(caller.session_id);
        self.record_in(&work, event).await?;
        work.raise(DomainEvent::AccountUnsuspended { user: user.id });
        work.commit().await?;
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

    /// The audit row of giving `target` the role `role`.
    fn role_change(&self, target: &User, role: Role, client: &ClientInfo) -> AuditRecord {
        self.event(AuditEventType::RoleChanged, client)
            .subject(target.id)
            .detail("from", target.role.as_str())
            .detail("to", role.as_str())
    }

    /// Gives `target` the role `role`, committed with its audit row `event`.
    async fn store_role(
        &self,
        target: &User,
        role: Role,
        event: AuditRecord,
    ) -> Result<User, AppError> {
        let mut work = self.ports.unit_of_work().begin().await?;
        let user = work
            .users()
            .set_role(target.id, role)
            .await
            .map_err(missing_account)?;
        self.record_in(&work, event).await?;
        work.raise(DomainEvent::RoleChanged {
            user: user.id,
            role: user.role,
        });
        work.commit().await?;
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
