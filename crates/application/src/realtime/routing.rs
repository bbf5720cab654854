//! Which channels each domain event is delivered on, under which type and with
//! which data. Events nobody follows live (sign-ins, roles) go nowhere.

use folio_domain::{DomainEvent, Slug};

use super::{Channel, DataValue, EventData};

/// The type of the event that closes a revoked session's sockets.
pub const SESSION_REVOKED: &str = "session.revoked";

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
        DomainEvent::ArticleEdited {
            slug,
            previous_slug,
            ..
        } => {
            let mut data = vec![text("slug", slug.as_str())];
            if let Some(previous) = previous_slug {
                data.push(text("previousSlug", previous.as_str()));
            }
            // Readers of the old slug learn the new one on the channel they follow.
            let mut channels = vec![slug];
            channels.extend(previous_slug.as_ref());
            channels
                .into_iter()
                .map(|slug| on_article(slug, "article.updated", data.clone()))
                .collect()
        }
        DomainEvent::ArticleDeleted { slug, .. } => vec![on_article(
            slug,
            "article.deleted",
            vec![text("slug", slug.as_str())],
        )],
        DomainEvent::ArticleFavorited {
            slug,
            favorites_count,
            ..
        } => vec![on_article(
            slug,
            "article.favorited",
            vec![
                text("slug", slug.as_str()),
                integer("favoritesCount", *favorites_count),
            ],
        )],
        DomainEvent::ArticleUnfavorited {
            slug,
            favorites_count,
            ..
        } => vec![on_article(
            slug,
            "article.unfavorited",
            vec![
                text("slug", slug.as_str()),
                integer("favoritesCount", *favorites_count),
            ],
        )],
        DomainEvent::UserFollowed {
            follower,
            followee_name,
            ..
        } => vec![Delivery {
            channel: Channel::of_user(followee_name),
            kind: "follower.added",
            data: vec![text("followerId", follower)],
        }],
        DomainEvent::UserUnfollowed {
            follower,
            followee_name,
            ..
        } => vec![Delivery {
            channel: Channel::of_user(followee_name),
            kind: "follower.removed",
            data: vec![text("followerId", follower)],
        }],
        DomainEvent::SessionsRevoked { sessions, .. } => sessions
            .iter()
            .map(|session| Delivery {
                channel: Channel::Session(*session),
                kind: SESSION_REVOKED,
                data: vec![],
            })
            .collect(),
        DomainEvent::ArticlePublished { .. }
        | DomainEvent::ProfileUpdated { .. }
        | DomainEvent::RoleChanged { .. }
        | DomainEvent::AccountSuspended { .. }
        | DomainEvent::AccountUnsuspended { .. }
        // Delivered to `user:<name>` once the events carry the owner's name.
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
                ("article:old".to_owned(), "article.updated")
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
    fn a_follow_goes_to_the_followed_user_only() {
        let event = DomainEvent::UserFollowed {
            follower: UserId::generate(),
            followee: UserId::generate(),
            followee_name: Username::parse("Ann").unwrap_or_else(|_| unreachable!()),
        };
        assert_eq!(routes(&event), [("user:ann".to_owned(), "follower.added")]);
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
}
