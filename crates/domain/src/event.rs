//! What happened, in the domain's words: raised by use cases when a change commits,
//! consumed after the commit by whatever follows from it (cache invalidation, live
//! updates, notifications, jobs). Each event names what changed by identity and by
//! the public handles (slugs, usernames) consumers need without a lookup.

use crate::{
    ArticleId, CommentId, NotificationId, NotificationKind, Role, SessionId, Slug, UploadId,
    UserId, Username,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    ArticlePublished {
        article: ArticleId,
        slug: Slug,
        author: UserId,
    },
    /// `previous_slug` is set when the title, and so the slug, changed.
    ArticleEdited {
        article: ArticleId,
        slug: Slug,
        previous_slug: Option<Slug>,
        tags_changed: bool,
        author: UserId,
    },
    ArticleDeleted {
        article: ArticleId,
        slug: Slug,
        author: UserId,
    },
    CommentAdded {
        article: ArticleId,
        slug: Slug,
        comment: CommentId,
        author: UserId,
    },
    CommentDeleted {
        article: ArticleId,
        slug: Slug,
        comment: CommentId,
        author: UserId,
    },
    ArticleFavorited {
        article: ArticleId,
        slug: Slug,
        user: UserId,
        favorites_count: u64,
    },
    ArticleUnfavorited {
        article: ArticleId,
        slug: Slug,
        user: UserId,
        favorites_count: u64,
    },
    UserFollowed {
        follower: UserId,
        followee: UserId,
        followee_name: Username,
    },
    UserUnfollowed {
        follower: UserId,
        followee: UserId,
        followee_name: Username,
    },
    /// `previous_username` is set when the name changed.
    ProfileUpdated {
        user: UserId,
        username: Username,
        previous_username: Option<Username>,
    },
    SessionsRevoked {
        user: UserId,
        sessions: Vec<SessionId>,
    },
    RoleChanged {
        user: UserId,
        role: Role,
    },
    AccountSuspended {
        user: UserId,
    },
    AccountUnsuspended {
        user: UserId,
    },
    /// The upload's variants exist.
    UploadReady {
        upload: UploadId,
        owner: UserId,
    },
    /// The upload's variants could not be made.
    UploadFailed {
        upload: UploadId,
        owner: UserId,
    },
    /// A notification was stored for `recipient`, named as they were named then.
    /// `upload` is the upload it is about, if any.
    NotificationCreated {
        notification: NotificationId,
        recipient: UserId,
        recipient_name: Username,
        kind: NotificationKind,
        upload: Option<UploadId>,
    },
}

impl DomainEvent {
    /// The stable name consumers and clients see (`article.published`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::ArticlePublished { .. } => "article.published",
            Self::ArticleEdited { .. } => "article.edited",
            Self::ArticleDeleted { .. } => "article.deleted",
            Self::CommentAdded { .. } => "comment.added",
            Self::CommentDeleted { .. } => "comment.deleted",
            Self::ArticleFavorited { .. } => "article.favorited",
            Self::ArticleUnfavorited { .. } => "article.unfavorited",
            Self::UserFollowed { .. } => "user.followed",
            Self::UserUnfollowed { .. } => "user.unfollowed",
            Self::ProfileUpdated { .. } => "profile.updated",
            Self::SessionsRevoked { .. } => "sessions.revoked",
            Self::RoleChanged { .. } => "role.changed",
            Self::AccountSuspended { .. } => "account.suspended",
            Self::AccountUnsuspended { .. } => "account.unsuspended",
            Self::UploadReady { .. } => "upload.ready",
            Self::UploadFailed { .. } => "upload.failed",
            Self::NotificationCreated { .. } => "notification.created",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dotted_and_distinct() {
        let user = UserId::generate();
        let article = ArticleId::generate();
        let slug = Slug::from_title(
            &crate::ArticleTitle::parse("A title").unwrap_or_else(|_| unreachable!()),
        );
        let name = Username::parse("jake").unwrap_or_else(|_| unreachable!());
        let events = [
            DomainEvent::ArticlePublished {
                article,
                slug: slug.clone(),
                author: user,
            },
            DomainEvent::ArticleEdited {
                article,
                slug: slug.clone(),
                previous_slug: None,
                tags_changed: false,
                author: user,
            },
            DomainEvent::ArticleDeleted {
                article,
                slug: slug.clone(),
                author: user,
            },
            DomainEvent::CommentAdded {
                article,
                slug: slug.clone(),
                comment: CommentId::new(1),
                author: user,
            },
            DomainEvent::CommentDeleted {
                article,
                slug: slug.clone(),
                comment: CommentId::new(1),
                author: user,
            },
            DomainEvent::ArticleFavorited {
                article,
                slug: slug.clone(),
                user,
                favorites_count: 1,
            },
            DomainEvent::ArticleUnfavorited {
                article,
                slug,
                user,
                favorites_count: 0,
            },
            DomainEvent::UserFollowed {
                follower: user,
                followee: user,
                followee_name: name.clone(),
            },
            DomainEvent::UserUnfollowed {
                follower: user,
                followee: user,
                followee_name: name.clone(),
            },
            DomainEvent::ProfileUpdated {
                user,
                username: name,
                previous_username: None,
            },
            DomainEvent::SessionsRevoked {
                user,
                sessions: vec![],
            },
            DomainEvent::RoleChanged {
                user,
                role: Role::Admin,
            },
            DomainEvent::AccountSuspended { user },
            DomainEvent::AccountUnsuspended { user },
            DomainEvent::UploadReady {
                upload: UploadId::generate(),
                owner: user,
            },
            DomainEvent::UploadFailed {
                upload: UploadId::generate(),
                owner: user,
            },
            DomainEvent::NotificationCreated {
                notification: NotificationId::new(1),
                recipient: user,
                recipient_name: Username::parse("ann").unwrap_or_else(|_| unreachable!()),
                kind: NotificationKind::Followed,
                upload: None,
            },
        ];
        let mut names: Vec<&str> = events.iter().map(DomainEvent::name).collect();
        assert!(
            names.iter().all(|name| name.split('.').count() == 2),
            "{names:?}"
        );
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), events.len());
    }
}
