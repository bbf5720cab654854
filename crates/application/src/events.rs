//! The published form of domain events: the event's name and its fields as
//! name/value text pairs (identifiers as their usual text, counts in decimal,
//! lists comma-separated; a field without a value is left out). The outbox stores
//! them and the event stream carries them as they are; the names and fields are a
//! contract, so fields are only ever added.

use folio_domain::DomainEvent;

/// An event as it is stored and published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedEvent {
    pub name: &'static str,
    pub fields: Vec<(&'static str, String)>,
}

pub fn encode(event: &DomainEvent) -> EncodedEvent {
    EncodedEvent {
        name: event.name(),
        fields: fields(event)
            .into_iter()
            .filter_map(|(name, value)| Some((name, value?)))
            .collect(),
    }
}

fn fields(event: &DomainEvent) -> Vec<(&'static str, Option<String>)> {
    let text = |value: &dyn ToString| Some(value.to_string());
    match event {
        DomainEvent::ArticlePublished {
            article,
            slug,
            author,
        }
        | DomainEvent::ArticleDeleted {
            article,
            slug,
            author,
        } => vec![
            ("article", text(article)),
            ("slug", text(&slug.as_str())),
            ("author", text(author)),
        ],
        DomainEvent::ArticleEdited {
            article,
            slug,
            previous_slug,
            author,
        } => vec![
            ("article", text(article)),
            ("slug", text(&slug.as_str())),
            (
                "previousSlug",
                previous_slug.as_ref().map(|slug| slug.as_str().to_owned()),
            ),
            ("author", text(author)),
        ],
        DomainEvent::CommentAdded {
            article,
            slug,
            comment,
            author,
        }
        | DomainEvent::CommentDeleted {
            article,
            slug,
            comment,
            author,
        } => vec![
            ("article", text(article)),
            ("slug", text(&slug.as_str())),
            ("comment", text(&comment.get())),
            ("author", text(author)),
        ],
        DomainEvent::ArticleFavorited {
            article,
            slug,
            user,
            favorites_count,
        }
        | DomainEvent::ArticleUnfavorited {
            article,
            slug,
            user,
            favorites_count,
        } => vec![
            ("article", text(article)),
            ("slug", text(&slug.as_str())),
            ("user", text(user)),
            ("favoritesCount", text(favorites_count)),
        ],
        DomainEvent::UserFollowed {
            follower,
            followee,
            followee_name,
        }
        | DomainEvent::UserUnfollowed {
            follower,
            followee,
            followee_name,
        } => vec![
            ("follower", text(follower)),
            ("followee", text(followee)),
            ("followeeName", text(&followee_name.as_str())),
        ],
        DomainEvent::ProfileUpdated {
            user,
            username,
            previous_username,
        } => vec![
            ("user", text(user)),
            ("username", text(&username.as_str())),
            (
                "previousUsername",
                previous_username
                    .as_ref()
                    .map(|name| name.as_str().to_owned()),
            ),
        ],
        DomainEvent::SessionsRevoked { user, sessions } => vec![
            ("user", text(user)),
            (
                "sessions",
                Some(
                    sessions
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                ),
            ),
        ],
        DomainEvent::RoleChanged { user, role } => {
            vec![("user", text(user)), ("role", text(&role.as_str()))]
        }
        DomainEvent::AccountSuspended { user } | DomainEvent::AccountUnsuspended { user } => {
            vec![("user", text(user))]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use folio_domain::{ArticleId, ArticleTitle, CommentId, Slug, UserId};

    fn slug(title: &str) -> Slug {
        Slug::from_title(&ArticleTitle::parse(title).unwrap_or_else(|_| unreachable!()))
    }

    #[test]
    fn an_event_is_its_name_and_its_fields() {
        let article = ArticleId::generate();
        let author = UserId::generate();
        let encoded = encode(&DomainEvent::CommentAdded {
            article,
            slug: slug("Hello there"),
            comment: CommentId::new(7),
            author,
        });
        assert_eq!(encoded.name, "comment.added");
        assert_eq!(
            encoded.fields,
            [
                ("article", article.to_string()),
                ("slug", "hello-there".to_owned()),
                ("comment", "7".to_owned()),
                ("author", author.to_string()),
            ]
        );
    }

    #[test]
    fn a_field_without_a_value_is_left_out() {
        let article = ArticleId::generate();
        let author = UserId::generate();
        let unchanged = encode(&DomainEvent::ArticleEdited {
            article,
            slug: slug("Same"),
            previous_slug: None,
            author,
        });
        let renamed = encode(&DomainEvent::ArticleEdited {
            article,
            slug: slug("New"),
            previous_slug: Some(slug("Old")),
            author,
        });
        let names = |event: &EncodedEvent| {
            event
                .fields
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&unchanged), ["article", "slug", "author"]);
        assert_eq!(
            names(&renamed),
            ["article", "slug", "previousSlug", "author"]
        );
    }
}
