//! The published form of domain events: a name and a JSON object of the event's
//! fields, identifiers as strings. Written to the outbox by the unit of work and
//! read back by consumers; the names and fields are a contract, so fields are only
//! ever added.

use folio_domain::DomainEvent;
use serde_json::{Value, json};

/// An event as it is stored and published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedEvent {
    pub name: &'static str,
    pub payload: String,
}

pub fn encode(event: &DomainEvent) -> EncodedEvent {
    EncodedEvent {
        name: event.name(),
        payload: fields(event).to_string(),
    }
}

fn fields(event: &DomainEvent) -> Value {
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
        } => json!({
            "article": article.to_string(),
            "slug": slug.as_str(),
            "author": author.to_string(),
        }),
        DomainEvent::ArticleEdited {
            article,
            slug,
            previous_slug,
            author,
        } => json!({
            "article": article.to_string(),
            "slug": slug.as_str(),
            "previousSlug": previous_slug.as_ref().map(|slug| slug.as_str()),
            "author": author.to_string(),
        }),
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
        } => json!({
            "article": article.to_string(),
            "slug": slug.as_str(),
            "comment": comment.get(),
            "author": author.to_string(),
        }),
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
        } => json!({
            "article": article.to_string(),
            "slug": slug.as_str(),
            "user": user.to_string(),
            "favoritesCount": favorites_count,
        }),
        DomainEvent::UserFollowed {
            follower,
            followee,
            followee_name,
        }
        | DomainEvent::UserUnfollowed {
            follower,
            followee,
            followee_name,
        } => json!({
            "follower": follower.to_string(),
            "followee": followee.to_string(),
            "followeeName": followee_name.as_str(),
        }),
        DomainEvent::ProfileUpdated {
            user,
            username,
            previous_username,
        } => json!({
            "user": user.to_string(),
            "username": username.as_str(),
            "previousUsername": previous_username.as_ref().map(|name| name.as_str()),
        }),
        DomainEvent::SessionsRevoked { user, sessions } => json!({
            "user": user.to_string(),
            "sessions": sessions.iter().map(ToString::to_string).collect::<Vec<_>>(),
        }),
        DomainEvent::RoleChanged { user, role } => json!({
            "user": user.to_string(),
            "role": role.as_str(),
        }),
        DomainEvent::AccountSuspended { user } | DomainEvent::AccountUnsuspended { user } => {
            json!({ "user": user.to_string() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use folio_domain::{ArticleId, ArticleTitle, CommentId, Slug, UserId};

    #[test]
    fn an_event_is_its_name_and_its_fields() {
        let article = ArticleId::generate();
        let author = UserId::generate();
        let slug = Slug::from_title(&ArticleTitle::parse("Hello there").unwrap_or_else(|_| unreachable!()));
        let encoded = encode(&DomainEvent::CommentAdded {
            article,
            slug,
            comment: CommentId::new(7),
            author,
        });
        assert_eq!(encoded.name, "comment.added");
        let payload: Value = serde_json::from_str(&encoded.payload).unwrap_or_default();
        assert_eq!(
            payload,
            json!({
                "article": article.to_string(),
                "slug": "hello-there",
                "comment": 7,
                "author": author.to_string(),
            })
        );
    }
}
