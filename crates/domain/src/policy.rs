//! Who may do what. Use cases ask these questions before they change anything;
//! handlers never decide on their own.

use crate::{Role, UserId};

/// The authenticated user a request acts for, with the role they hold right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub role: Role,
}

/// An action on content owned by someone (its author).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    EditArticle {
        author: UserId,
    },
    DeleteArticle {
        author: UserId,
    },
    DeleteComment {
        author: UserId,
    },
    ManageRoles,
    SuspendUsers,
    ReadAuditLog,
    /// What readers search for, how often it finds nothing, how fast it answers.
    ReadSearchInsights,
    /// An upload's metadata: its owner's until something uses it, then public.
    ViewUpload {
        owner: UserId,
        attached: bool,
    },
    DeleteUpload {
        owner: UserId,
    },
    /// Using an upload as a profile's or an article's picture.
    AttachUpload {
        owner: UserId,
    },
}

impl Actor {
    pub fn new(user_id: UserId, role: Role) -> Self {
        Self { user_id, role }
    }

    /// Authors edit and delete their own content; moderators may also delete anyone's
    /// article or comment (but not rewrite it); only admins manage accounts.
    pub fn may(&self, permission: Permission) -> bool {
        match permission {
            Permission::EditArticle { author } => self.user_id == author,
            Permission::DeleteArticle { author } | Permission::DeleteComment { author } => {
                self.user_id == author || self.role >= Role::Moderator
            }
            Permission::ManageRoles | Permission::SuspendUsers | Permission::ReadAuditLog => {
                self.role == Role::Admin
            }
            Permission::ReadSearchInsights => self.role >= Role::Moderator,
            Permission::ViewUpload { owner, attached } => attached || self.user_id == owner,
            Permission::DeleteUpload { owner } => {
                self.user_id == owner || self.role >= Role::Moderator
            }
            Permission::AttachUpload { owner } => self.user_id == owner,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor::new(UserId::generate(), role)
    }

    #[test]
    fn authors_manage_their_own_content() {
        let author = actor(Role::Member);
        let own = author.user_id;
        assert!(author.may(Permission::EditArticle { author: own }));
        assert!(author.may(Permission::DeleteArticle { author: own }));
        assert!(author.may(Permission::DeleteComment { author: own }));
    }

    #[test]
    fn members_cannot_touch_other_peoples_content() {
        let other = UserId::generate();
        let member = actor(Role::Member);
        assert!(!member.may(Permission::EditArticle { author: other }));
        assert!(!member.may(Permission::DeleteArticle { author: other }));
        assert!(!member.may(Permission::DeleteComment { author: other }));
        assert!(!member.may(Permission::ManageRoles));
    }

    #[test]
    fn moderators_delete_but_do_not_edit_others_content() {
        let other = UserId::generate();
        let moderator = actor(Role::Moderator);
        assert!(moderator.may(Permission::DeleteComment { author: other }));
        assert!(moderator.may(Permission::DeleteArticle { author: other }));
        assert!(!moderator.may(Permission::EditArticle { author: other }));
        assert!(!moderator.may(Permission::SuspendUsers));
    }

    #[test]
    fn only_admins_manage_accounts() {
        assert!(actor(Role::Admin).may(Permission::ManageRoles));
        assert!(actor(Role::Admin).may(Permission::SuspendUsers));
        assert!(actor(Role::Admin).may(Permission::ReadAuditLog));
        assert!(!actor(Role::Moderator).may(Permission::ReadAuditLog));
        assert!(!actor(Role::Moderator).may(Permission::ManageRoles));
    }

    #[test]
    fn owners_and_moderators_delete_uploads_and_attached_ones_are_public() {
        let owner = actor(Role::Member);
        let other = actor(Role::Member);
        let mine = owner.user_id;
        assert!(owner.may(Permission::DeleteUpload { owner: mine }));
        assert!(!other.may(Permission::DeleteUpload { owner: mine }));
        assert!(actor(Role::Moderator).may(Permission::DeleteUpload { owner: mine }));
        assert!(owner.may(Permission::ViewUpload {
            owner: mine,
            attached: false
        }));
        assert!(!other.may(Permission::ViewUpload {
            owner: mine,
            attached: false
        }));
        assert!(other.may(Permission::ViewUpload {
            owner: mine,
            attached: true
        }));
    }

    #[test]
    fn only_owners_attach_their_uploads() {
        let owner = actor(Role::Member);
        let mine = owner.user_id;
        assert!(owner.may(Permission::AttachUpload { owner: mine }));
        assert!(!actor(Role::Member).may(Permission::AttachUpload { owner: mine }));
        assert!(!actor(Role::Admin).may(Permission::AttachUpload { owner: mine }));
    }

    #[test]
    fn moderators_and_admins_read_search_insights() {
        assert!(actor(Role::Admin).may(Permission::ReadSearchInsights));
        assert!(actor(Role::Moderator).may(Permission::ReadSearchInsights));
        assert!(!actor(Role::Member).may(Permission::ReadSearchInsights));
    }
}
