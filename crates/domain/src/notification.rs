//! Notifications: what a user is told of other people's actions on their things
//! (a follow, a favorite or a comment on their article) and of the end of their
//! uploads' processing. Which event notifies whom is decided here, once.

use std::fmt;

use crate::{ArticleId, CommentId, DomainEvent, UploadId, UserId};

/// A notification's number: it grows with each one stored, so newer ones have
/// larger numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NotificationId(i64);

impl NotificationId {
    pub const fn new(id: i64) -> Self {
        Self(id)
    }

    pub const fn get(&self) -> i64 {
        self.0
    }
}

impl fmt::Display for NotificationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// Someone followed the recipient.
    Followed,
    /// Someone favorited the recipient's article.
    Favorited,
    /// Someone commented on the recipient's article.
    Commented,
    /// The recipient's upload is ready to use.
    UploadReady,
    /// The recipient's upload could not be processed.
    UploadFailed,
}

impl NotificationKind {
    pub const ALL: [Self; 5] = [
        Self::Followed,
        Self::Favorited,
        Self::Commented,
        Self::UploadReady,
        Self::UploadFailed,
    ];

    /// The stable name clients see and the database stores.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Followed => "profile.followed",
            Self::Favorited => "article.favorited",
            Self::Commented => "article.commented",
            Self::UploadReady => "upload.ready",
            Self::UploadFailed => "upload.failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// Who is to be told: a user, or whoever wrote an article (known only by looking).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    User(UserId),
    AuthorOf(ArticleId),
}

/// A notification an event calls for, before its recipient is known for sure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    pub recipient: Recipient,
    pub kind: NotificationKind,
    /// Who did it; `None` for what the system did (an upload's processing).
    pub actor: Option<UserId>,
    pub article: Option<ArticleId>,
    pub comment: Option<CommentId>,
    pub upload: Option<UploadId>,
}

impl Notice {
    fn about(recipient: Recipient, kind: NotificationKind) -> Self {
        Self {
            recipient,
            kind,
            actor: None,
            article: None,
            comment: None,
            upload: None,
        }
    }

    /// Nobody is told of what they did themselves.
    pub fn is_worth_sending_to(&self, recipient: UserId) -> bool {
        self.actor != Some(recipient)
    }
}

/// The notification `event` calls for, if any. Unfollows, unfavorites and deletions
/// take nothing back: what was announced stays in the list.
pub fn notice_for(event: &DomainEvent) -> Option<Notice> {
    let notice = match event {
        DomainEvent::UserFollowed {
            follower, followee, ..
        } => Notice {
            actor: Some(*follower),
            ..Notice::about(Recipient::User(*followee), NotificationKind::Followed)
        },
        DomainEvent::ArticleFavorited { article, user, .. } => Notice {
            actor: Some(*user),
            article: Some(*article),
            ..Notice::about(Recipient::AuthorOf(*article), NotificationKind::Favorited)
        },
        DomainEvent::CommentAdded {
            article,
            comment,
            author,
            ..
        } => Notice {
            actor: Some(*author),
            article: Some(*article),
            comment: Some(*comment),
            ..Notice::about(Recipient::AuthorOf(*article), NotificationKind::Commented)
        },
        DomainEvent::UploadReady { upload, owner } => Notice {
            upload: Some(*upload),
            ..Notice::about(Recipient::User(*owner), NotificationKind::UploadReady)
        },
        DomainEvent::UploadFailed { upload, owner } => Notice {
            upload: Some(*upload),
            ..Notice::about(Recipient::User(*owner), NotificationKind::UploadFailed)
        },
        DomainEvent::ArticlePublished { .. }
        | DomainEvent::ArticleEdited { .. }
        | DomainEvent::ArticleDeleted { .. }
        | DomainEvent::CommentDeleted { .. }
        | DomainEvent::ArticleUnfavorited { .. }
        | DomainEvent::UserUnfollowed { .. }
        | DomainEvent::ProfileUpdated { .. }
        | DomainEvent::SessionsRevoked { .. }
        | DomainEvent::RoleChanged { .. }
        | DomainEvent::AccountSuspended { .. }
        | DomainEvent::AccountUnsuspended { .. }
        | DomainEvent::NotificationCreated { .. } => return None,
    };
    Some(notice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ArticleTitle, Slug, Username};

    fn slug() -> Slug {
        Slug::from_title(&ArticleTitle::parse("Dragons").unwrap_or_else(|_| unreachable!()))
    }

    #[test]
    fn kinds_round_trip_by_name() {
        for kind in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(NotificationKind::parse("article.exploded"), None);
    }

    #[test]
    fn a_follow_notifies_the_followed_user_of_the_follower() {
        let (follower, followee) = (UserId::generate(), UserId::generate());
        let notice = notice_for(&DomainEvent::UserFollowed {
            follower,
            followee,
            followee_name: Username::parse("ann").unwrap_or_else(|_| unreachable!()),
        });
        assert_eq!(
            notice.map(|n| (n.recipient, n.kind, n.actor)),
            Some((
                Recipient::User(followee),
                NotificationKind::Followed,
                Some(follower)
            ))
        );
    }

    #[test]
    fn favorites_and_comments_notify_the_author_of_the_article() {
        let (article, reader) = (ArticleId::generate(), UserId::generate());
        let favorited = notice_for(&DomainEvent::ArticleFavorited {
            article,
            slug: slug(),
            user: reader,
            favorites_count: 1,
        });
        let commented = notice_for(&DomainEvent::CommentAdded {
            article,
            slug: slug(),
            comment: CommentId::new(4),
            author: reader,
        });
        for notice in [favorited, commented] {
            let notice = notice.unwrap_or_else(|| unreachable!());
            assert_eq!(notice.recipient, Recipient::AuthorOf(article));
            assert_eq!(notice.actor, Some(reader));
        }
        assert_eq!(commented.and_then(|n| n.comment), Some(CommentId::new(4)));
    }

    #[test]
    fn a_processed_upload_notifies_its_owner() {
        let (upload, owner) = (UploadId::generate(), UserId::generate());
        let ready = notice_for(&DomainEvent::UploadReady { upload, owner });
        let failed = notice_for(&DomainEvent::UploadFailed { upload, owner });
        assert_eq!(
            ready.map(|n| (n.recipient, n.kind, n.upload)),
            Some((
                Recipient::User(owner),
                NotificationKind::UploadReady,
                Some(upload)
            ))
        );
        assert_eq!(failed.map(|n| n.kind), Some(NotificationKind::UploadFailed));
    }

    #[test]
    fn nobody_is_told_of_their_own_doing() {
        let author = UserId::generate();
        let notice = notice_for(&DomainEvent::ArticleFavorited {
            article: ArticleId::generate(),
            slug: slug(),
            user: author,
            favorites_count: 1,
        })
        .unwrap_or_else(|| unreachable!());
        assert!(!notice.is_worth_sending_to(author));
        assert!(notice.is_worth_sending_to(UserId::generate()));
    }

    #[test]
    fn undoing_takes_nothing_back() {
        let user = UserId::generate();
        assert_eq!(
            notice_for(&DomainEvent::UserUnfollowed {
                follower: user,
                followee: UserId::generate(),
                followee_name: Username::parse("ann").unwrap_or_else(|_| unreachable!()),
            }),
            None
        );
        assert_eq!(
            notice_for(&DomainEvent::ArticleUnfavorited {
                article: ArticleId::generate(),
                slug: slug(),
                user,
                favorites_count: 0,
            }),
            None
        );
    }
}
