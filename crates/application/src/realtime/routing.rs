//! Which channels each domain event is delivered on, under which type and with
//! which data. Events nobody follows live (sign-ins, roles) go nowhere.

use folio_domain::{DomainEvent, NotificationKind, Slug, UserId};

use super::{Channel, DataValue, EventData};

/// The type of the event that closes a revoked session's sockets.
pub const SESSION_REVOKED: &str = "session.revoked";
/// The types that tell a user's sockets whom they started or stopped following.
pub const FOLLOWING_ADDED: &str = "following.added";
pub const FOLLOWING_REMOVED: &str = "following.removed";
/// The data field naming the author of a feed event, and the followed author of a
/// following event.
pub const AUTHOR_FIELD: &str = "authorId";

/// One event as one channel carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub channel: Channel,
    /// The type clients see.
    pub kind: &'static str,
    pub data: EventData,
}

fn text(name: &str, value: impl ToString) -> (String, DataValue) {
    (name.to_owned(), DataValue::Text(value.to_string()))
}

fn integer(name: &str, value: impl TryInto<i64>) -> (String, DataValue) {
    let value = value.try_into().unwrap_or(i64::MAX);
    (name.to_owned(), DataValue::Integer(value))
}

fn on_article(slug: &Slug, kind: &'static str, data: EventData) -> Delivery {
    Delivery {
        channel: Channel::of_article(slug),
        kind,
        data,
    }
}

/// An article event on the feed, naming its author for the sockets to filter by.
fn on_feed(kind: &'static str, mut data: EventData, author: UserId) -> Delivery {
    data.push(text(AUTHOR_FIELD, author));
    Delivery {
        channel: Channel::Feed,
        kind,
        data,
    }
}

fn on_account(user: UserId, kind: &'static str, author: UserId) -> Delivery {
    Delivery {
        channel: Channel::Account(user),
        kind,
        data: vec![text(AUTHOR_FIELD, author)],
    }
}

/// A favorite added or taken back, with the article's new count.
fn favorites_changed(
    slug: &Slug,
    kind: &'static str,
    favorites_count: impl TryInto<i64>,
) -> Delivery {
    on_article(
        slug,
        kind,
        vec![
            text("slug", slug.as_str()),
            integer("favoritesCount", favorites_count),
        ],
    )
}

pub fn deliveries(event: &DomainEvent) -> Vec<Delivery> {
    match event {
        DomainEvent::CommentAdded {
            slug,
            comment,
            author,
            ..
        } => vec![on_article(
            slug,
            "comment.created",
            vec![
                text("slug", slug.as_str()),
                integer("commentId", comment.get()),
                text("authorId", author),
            ],
        )],
        DomainEvent::CommentDeleted { slug, comment, .. } => vec![on_article(
            slug,
            "comment.deleted",
            vec![
                text("slug", slug.as_str()),
                integer("commentId", comment.get()),
            ],
        )],
        DomainEvent::ArticlePublished { slug, author, .. } => vec![on_feed(
            "article.created",
            vec![text("slug", slug.as_str())],
            *author,
        )],
        DomainEvent::ArticleEdited {
            slug,
            previous_slug,
            author,
            ..
        } => {
            let mut data = vec![text("slug", slug.as_str())];
            if let Some(previous) = previous_slug {
                data.push(text("previousSlug", previous.as_str()));
            }
            // Readers of the old slug learn the new one on the channel they follow.
            let mut channels = vec![slug];
            channels.extend(previous_slug.as_ref());
            let mut delivered: Vec<Delivery> = channels
                .into_iter()
                .map(|slug| on_article(slug, "article.updated", data.clone()))
                .collect();
            delivered.push(on_feed("article.updated", data, *author));
            delivered
        }
        DomainEvent::ArticleDeleted { slug, author, .. } => {
            let data = vec![text("slug", slug.as_str())];
            vec![
                on_article(slug, "article.deleted", data.clone()),
                on_feed("article.deleted", data, *author),
            ]
        }
        DomainEvent::ArticleFavorited {
            slug,
            favorites_count,
            ..
        } => vec![favorites_changed(slug, "article.favorited", *favorites_count)],
        DomainEvent::ArticleUnfavorited {
            slug,
            favorites_count,
            ..
        } => vec![favorites_changed(slug, "article.unfavorited", *favorites_count)],
        DomainEvent::UserFollowed {
            follower,
            followee,
            followee_name,
        } => vec![
            Delivery {
                channel: Channel::of_user(followee_name),
                kind: "follower.added",
                data: vec![text("followerId", follower)],
            },
            on_account(*follower, FOLLOWING_ADDED, *followee),
        ],
        DomainEvent::UserUnfollowed {
            follower,
            followee,
            followee_name,
        } => vec![
            Delivery {
                channel: Channel::of_user(followee_name),
                kind: "follower.removed",
                data: vec![text("followerId", follower)],
            },
            on_account(*follower, FOLLOWING_REMOVED, *followee),
        ],
        DomainEvent::SessionsRevoked { sessions, .. } => sessions
            .iter()
            .map(|session| Delivery {
                channel: Channel::Session(*session),
                kind: SESSION_REVOKED,
                data: vec![],
            })
            .collect(),
        DomainEvent::NotificationCreated {
            notification,
            recipient_name,
            kind,
            upload,
            ..
        } => {
            let channel = Channel::of_user(recipient_name);
            let mut delivered = Vec::with_capacity(2);
            // Upload events name the owner by id only; the notifier, which finds the
            // name for the notification, announces the upload's end with it.
            let upload_kind = match kind {
                NotificationKind::UploadReady => Some("upload.ready"),
                NotificationKind::UploadFailed => Some("upload.failed"),
                _ => None,
            };
            if let (Some(upload_kind), Some(upload)) = (upload_kind, upload) {
                delivered.push(Delivery {
                    channel: channel.clone(),
                    kind: upload_kind,
                    data: vec![text("uploadId", upload)],
                });
            }
            delivered.push(Delivery {
                channel,
                kind: "notification.created",
                data: vec![
                    integer("notificationId", notification.get()),
                    text("notificationType", kind.as_str()),
                ],
            });
            delivered
        }
        DomainEvent::ProfileUpdated { .. }
        | DomainEvent::RoleChanged { .. }
        | DomainEvent::AccountSuspended { .. }
        | DomainEvent::AccountUnsuspended { .. }
        // Announced with the owner's notification (above).
        | DomainEvent::UploadReady { .. }
        | DomainEvent::UploadFailed { .. } => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use folio_domain::{ArticleId, ArticleTitle, CommentId, UserId, Username};

    fn slug(title: &str) -> Slug {
        Slug::from_title(&ArticleTitle::parse(title).unwrap_or_else(|_| unreachable!()))
    }

    fn routes(event: &DomainEvent) -> Vec<(String, &'static str)> {
        deliveries(event)
            .into_iter()
            .map(|delivery| (delivery.channel.name(), delivery.kind))
            .collect()
    }

    #[test]
    fn a_comment_goes_to_its_article_with_its_id() {
        let author = UserId::generate();
        let delivered = deliveries(&DomainEvent::CommentAdded {
            article: ArticleId::generate(),
            slug: slug("Hello"),
            comment: CommentId::new(7),
            author,
        });
        assert_eq!(
            delivered,
            [Delivery {
                channel: Channel::Article("hello".into()),
                kind: "comment.created",
                data: vec![
                    text("slug", "hello"),
                    ("commentId".into(), DataValue::Integer(7)),
                    text("authorId", author),
                ],
            }]
        );
    }

    #[test]
    fn a_renamed_article_is_announced_under_both_slugs() {
        let event = DomainEvent::ArticleEdited {
            article: ArticleId::generate(),
            slug: slug("New"),
            previous_slug: Some(slug("Old")),
            tags_changed: false,
            author: UserId::generate(),
        };
        assert_eq!(
            routes(&event),
            [
                ("article:new".to_owned(), "article.updated"),
                ("article:old".to_owned(), "article.updated"),
                ("feed".to_owned(), "article.updated")
            ]
        );
    }

    #[test]
    fn favorites_carry_the_new_count() {
        let delivered = deliveries(&DomainEvent::ArticleFavorited {
            article: ArticleId::generate(),
            slug: slug("Liked"),
            user: UserId::generate(),
            favorites_count: 3,
        });
        let data = delivered
            .first()
            .map(|d| d.data.clone())
            .unwrap_or_default();
        assert!(data.contains(&("favoritesCount".into(), DataValue::Integer(3))));
    }

    #[test]
    fn a_follow_goes_to_the_followed_user_and_the_followers_own_sockets() {
        let (follower, followee) = (UserId::generate(), UserId::generate());
        let event = DomainEvent::UserFollowed {
            follower,
            followee,
            followee_name: Username::parse("Ann").unwrap_or_else(|_| unreachable!()),
        };
        assert_eq!(
            routes(&event),
            [
                ("user:ann".to_owned(), "follower.added"),
                (format!("account:{follower}"), FOLLOWING_ADDED)
            ]
        );
        let told = deliveries(&event);
        assert_eq!(told[1].data, vec![text(AUTHOR_FIELD, followee)]);
    }

    #[test]
    fn articles_go_to_the_feed_with_their_author() {
        let author = UserId::generate();
        let published = DomainEvent::ArticlePublished {
            article: ArticleId::generate(),
            slug: slug("Fresh"),
            author,
        };
        assert_eq!(
            deliveries(&published),
            [Delivery {
                channel: Channel::Feed,
                kind: "article.created",
                data: vec![text("slug", "fresh"), text(AUTHOR_FIELD, author)],
            }]
        );
        let deleted = DomainEvent::ArticleDeleted {
            article: ArticleId::generate(),
            slug: slug("Fresh"),
            author,
        };
        assert_eq!(
            routes(&deleted),
            [
                ("article:fresh".to_owned(), "article.deleted"),
                ("feed".to_owned(), "article.deleted")
            ]
        );
    }

    #[test]
    fn account_events_are_not_delivered() {
        let user = UserId::generate();
        assert!(deliveries(&DomainEvent::AccountSuspended { user }).is_empty());
        assert!(
            deliveries(&DomainEvent::SessionsRevoked {
                user,
                sessions: vec![]
            })
            .is_empty()
        );
    }

    #[test]
    fn each_revoked_session_hears_of_it_on_its_own_channel() {
        let sessions = vec![
            folio_domain::SessionId::generate(),
            folio_domain::SessionId::generate(),
        ];
        let event = DomainEvent::SessionsRevoked {
            user: UserId::generate(),
            sessions: sessions.clone(),
        };
        let expected: Vec<_> = sessions
            .iter()
            .map(|session| (format!("session:{session}"), SESSION_REVOKED))
            .collect();
        assert_eq!(routes(&event), expected);
    }

    #[test]
    fn a_notification_is_announced_to_its_recipient() {
        let event = DomainEvent::NotificationCreated {
            notification: folio_domain::NotificationId::new(4),
            recipient: UserId::generate(),
            recipient_name: Username::parse("Ann").unwrap_or_else(|_| unreachable!()),
            kind: folio_domain::NotificationKind::Commented,
            upload: None,
        };
        let delivered = deliveries(&event);
        assert_eq!(
            delivered,
            [Delivery {
                channel: Channel::User(folio_domain::UsernameKey::of("ann")),
                kind: "notification.created",
                data: vec![
                    ("notificationId".into(), DataValue::Integer(4)),
                    text("notificationType", "article.commented"),
                ],
            }]
        );
    }

    #[test]
    fn an_uploads_end_is_announced_with_its_owners_notification() {
        let upload = folio_domain::UploadId::generate();
        let event = |kind| DomainEvent::NotificationCreated {
            notification: folio_domain::NotificationId::new(9),
            recipient: UserId::generate(),
            recipient_name: Username::parse("ann").unwrap_or_else(|_| unreachable!()),
            kind,
            upload: Some(upload),
        };
        for (kind, announced) in [
            (NotificationKind::UploadReady, "upload.ready"),
            (NotificationKind::UploadFailed, "upload.failed"),
        ] {
            let delivered = deliveries(&event(kind));
            assert_eq!(
                delivered.iter().map(|d| d.kind).collect::<Vec<_>>(),
                [announced, "notification.created"]
            );
            assert_eq!(delivered[0].channel.name(), "user:ann");
            assert_eq!(delivered[0].data, vec![text("uploadId", upload)]);
        }
    }
}
