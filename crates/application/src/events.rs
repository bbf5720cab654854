//! The published form of domain events: the event's name and its fields as
//! name/value text pairs (identifiers as their usual text, counts in decimal,
//! lists comma-separated; a field without a value is left out). The outbox stores
//! them and the event stream carries them as they are; the names and fields are a
//! contract, so fields are only ever added.

use folio_domain::{
    ArticleId, CommentId, DomainEvent, NotificationId, NotificationKind, Role, SessionId, Slug,
    UploadId, UserId, Username,
};
use uuid::Uuid;

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
            tags_changed,
            author,
        } => vec![
            ("article", text(article)),
            ("slug", text(&slug.as_str())),
            (
                "previousSlug",
                previous_slug.as_ref().map(|slug| slug.as_str().to_owned()),
            ),
            ("tagsChanged", text(tags_changed)),
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
        DomainEvent::UploadReady { upload, owner }
        | DomainEvent::UploadFailed { upload, owner } => {
            vec![("upload", text(upload)), ("owner", text(owner))]
        }
        DomainEvent::NotificationCreated {
            notification,
            recipient,
            recipient_name,
            kind,
            upload,
        } => vec![
            ("notification", text(notification)),
            ("recipient", text(recipient)),
            ("recipientName", text(&recipient_name.as_str())),
            ("kind", text(&kind.as_str())),
            ("upload", upload.map(|upload| upload.to_string())),
        ],
    }
}

/// The event `encode` gave `name` and `fields`, or `None` when they do not make one
/// (an unknown name from a newer version, a missing or malformed field).
pub fn decode(name: &str, fields: &[(String, String)]) -> Option<DomainEvent> {
    let field = |wanted: &str| {
        fields
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value.as_str())
    };
    let uuid = |wanted: &str| field(wanted).and_then(|text| Uuid::parse_str(text).ok());
    let article = || uuid("article").map(ArticleId::from_uuid);
    let user = |wanted: &str| uuid(wanted).map(UserId::from_uuid);
    let slug = |wanted: &str| field(wanted).map(|text| Slug::from_trusted(text.to_owned()));
    let name_of = |wanted: &str| field(wanted).map(|text| Username::from_trusted(text.to_owned()));
    let comment = || field("comment")?.parse().ok().map(CommentId::new);
    let count = || field("favoritesCount")?.parse::<u64>().ok();
    Some(match name {
        "article.published" => DomainEvent::ArticlePublished {
            article: article()?,
            slug: slug("slug")?,
            author: user("author")?,
        },
        "article.edited" => DomainEvent::ArticleEdited {
            article: article()?,
            slug: slug("slug")?,
            previous_slug: slug("previousSlug"),
            tags_changed: field("tagsChanged")?.parse().ok()?,
            author: user("author")?,
        },
        "article.deleted" => DomainEvent::ArticleDeleted {
            article: article()?,
            slug: slug("slug")?,
            author: user("author")?,
        },
        "comment.added" => DomainEvent::CommentAdded {
            article: article()?,
            slug: slug("slug")?,
            comment: comment()?,
            author: user("author")?,
        },
        "comment.deleted" => DomainEvent::CommentDeleted {
            article: article()?,
            slug: slug("slug")?,
            comment: comment()?,
            author: user("author")?,
        },
        "article.favorited" => DomainEvent::ArticleFavorited {
            article: article()?,
            slug: slug("slug")?,
            user: user("user")?,
            favorites_count: count()?,
        },
        "article.unfavorited" => DomainEvent::ArticleUnfavorited {
            article: article()?,
            slug: slug("slug")?,
            user: user("user")?,
            favorites_count: count()?,
        },
        "user.followed" => DomainEvent::UserFollowed {
            follower: user("follower")?,
            followee: user("followee")?,
            followee_name: name_of("followeeName")?,
        },
        "user.unfollowed" => DomainEvent::UserUnfollowed {
            follower: user("follower")?,
            followee: user("followee")?,
            followee_name: name_of("followeeName")?,
        },
        "profile.updated" => DomainEvent::ProfileUpdated {
            user: user("user")?,
            username: name_of("username")?,
            previous_username: name_of("previousUsername"),
        },
        "sessions.revoked" => DomainEvent::SessionsRevoked {
            user: user("user")?,
            sessions: field("sessions")?
                .split(',')
                .filter(|id| !id.is_empty())
                .map(|id| Uuid::parse_str(id).ok().map(SessionId::from_uuid))
                .collect::<Option<Vec<_>>>()?,
        },
        "role.changed" => DomainEvent::RoleChanged {
            user: user("user")?,
            role: Role::parse(field("role")?).ok()?,
        },
        "account.suspended" => DomainEvent::AccountSuspended {
            user: user("user")?,
        },
        "account.unsuspended" => DomainEvent::AccountUnsuspended {
            user: user("user")?,
        },
        "upload.ready" => DomainEvent::UploadReady {
            upload: UploadId::from_uuid(uuid("upload")?),
            owner: user("owner")?,
        },
        "upload.failed" => DomainEvent::UploadFailed {
            upload: UploadId::from_uuid(uuid("upload")?),
            owner: user("owner")?,
        },
        "notification.created" => DomainEvent::NotificationCreated {
            notification: NotificationId::new(field("notification")?.parse().ok()?),
            recipient: user("recipient")?,
            recipient_name: name_of("recipientName")?,
            kind: NotificationKind::parse(field("kind")?)?,
            upload: uuid("upload").map(UploadId::from_uuid),
        },
        _ => return None,
    })
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
            tags_changed: false,
            author,
        });
        let renamed = encode(&DomainEvent::ArticleEdited {
            article,
            slug: slug("New"),
            previous_slug: Some(slug("Old")),
            tags_changed: true,
            author,
        });
        let names = |event: &EncodedEvent| {
            event
                .fields
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&unchanged),
            ["article", "slug", "tagsChanged", "author"]
        );
        assert_eq!(
            names(&renamed),
            ["article", "slug", "previousSlug", "tagsChanged", "author"]
        );
    }

    fn decoded(event: &DomainEvent) -> Option<DomainEvent> {
        let encoded = encode(event);
        let fields: Vec<(String, String)> = encoded
            .fields
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value))
            .collect();
        decode(encoded.name, &fields)
    }

    #[test]
    fn every_event_decodes_to_itself() {
        let (article, user, other) = (
            ArticleId::generate(),
            UserId::generate(),
            UserId::generate(),
        );
        let name = |text: &str| Username::parse(text).unwrap_or_else(|_| unreachable!());
        let events = [
            DomainEvent::ArticlePublished {
                article,
                slug: slug("A"),
                author: user,
            },
            DomainEvent::ArticleEdited {
                article,
                slug: slug("B"),
                previous_slug: Some(slug("A")),
                tags_changed: true,
                author: user,
            },
            DomainEvent::ArticleEdited {
                article,
                slug: slug("B"),
                previous_slug: None,
                tags_changed: false,
                author: user,
            },
            DomainEvent::ArticleDeleted {
                article,
                slug: slug("B"),
                author: user,
            },
            DomainEvent::CommentAdded {
                article,
                slug: slug("B"),
                comment: CommentId::new(9),
                author: other,
            },
            DomainEvent::CommentDeleted {
                article,
                slug: slug("B"),
                comment: CommentId::new(9),
                author: other,
            },
            DomainEvent::ArticleFavorited {
                article,
                slug: slug("B"),
                user: other,
                favorites_count: 3,
            },
            DomainEvent::ArticleUnfavorited {
                article,
                slug: slug("B"),
                user: other,
                favorites_count: 2,
            },
            DomainEvent::UserFollowed {
                follower: user,
                followee: other,
                followee_name: name("Ann"),
            },
            DomainEvent::UserUnfollowed {
                follower: user,
                followee: other,
                followee_name: name("Ann"),
            },
            DomainEvent::ProfileUpdated {
                user,
                username: name("Jake"),
                previous_username: Some(name("jake")),
            },
            DomainEvent::ProfileUpdated {
                user,
                username: name("Jake"),
                previous_username: None,
            },
            DomainEvent::SessionsRevoked {
                user,
                sessions: vec![SessionId::generate(), SessionId::generate()],
            },
            DomainEvent::SessionsRevoked {
                user,
                sessions: vec![],
            },
            DomainEvent::RoleChanged {
                user,
                role: Role::Moderator,
            },
            DomainEvent::AccountSuspended { user },
            DomainEvent::AccountUnsuspended { user },
            DomainEvent::UploadReady {
                upload: folio_domain::UploadId::generate(),
                owner: user,
            },
            DomainEvent::UploadFailed {
                upload: folio_domain::UploadId::generate(),
                owner: user,
            },
            DomainEvent::NotificationCreated {
                notification: NotificationId::new(12),
                recipient: other,
                recipient_name: name("Ann"),
                kind: NotificationKind::UploadReady,
                upload: Some(folio_domain::UploadId::generate()),
            },
            DomainEvent::NotificationCreated {
                notification: NotificationId::new(13),
                recipient: other,
                recipient_name: name("Ann"),
                kind: NotificationKind::Commented,
                upload: None,
            },
        ];
        for event in events {
            assert_eq!(decoded(&event), Some(event.clone()), "{event:?}");
        }
    }

    #[test]
    fn unknown_names_and_broken_fields_decode_to_nothing() {
        let fields = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect::<Vec<_>>()
        };
        assert_eq!(decode("article.exploded", &[]), None);
        assert_eq!(
            decode("account.suspended", &fields(&[("user", "not-a-uuid")])),
            None
        );
        assert_eq!(decode("account.suspended", &[]), None);
        let user = UserId::generate().to_string();
        assert_eq!(
            decode(
                "role.changed",
                &fields(&[("user", &user), ("role", "emperor")])
            ),
            None
        );
    }
}
