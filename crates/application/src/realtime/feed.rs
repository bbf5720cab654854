//! The feed's filter: the feed channel carries every author's articles, and each
//! socket passes on those of the authors its user follows. The filter starts from
//! the follows stored when the socket subscribes and follows the user's own
//! channel, where every follow and unfollow is announced in commit order with the
//! articles, so that it changes exactly where the user's follows did.

use std::collections::HashSet;

use folio_domain::UserId;

use super::routing::{AUTHOR_FIELD, FOLLOWING_ADDED, FOLLOWING_REMOVED};
use super::{ChannelEvent, DataValue};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedFilter {
    authors: HashSet<String>,
}

fn author_of(event: &ChannelEvent) -> Option<&str> {
    event.data.iter().find_map(|(name, value)| match value {
        DataValue::Text(text) if name == AUTHOR_FIELD => Some(text.as_str()),
        _ => None,
    })
}

impl FeedFilter {
    pub fn new(followed: impl IntoIterator<Item = UserId>) -> Self {
        Self {
            authors: followed.into_iter().map(|id| id.to_string()).collect(),
        }
    }

    /// Whether a feed event is by an author the user follows.
    pub fn admits(&self, event: &ChannelEvent) -> bool {
        author_of(event).is_some_and(|author| self.authors.contains(author))
    }

    /// Takes in a follow or unfollow announced on the user's own channel; other
    /// events change nothing.
    pub fn observe(&mut self, event: &ChannelEvent) {
        let Some(author) = author_of(event) else {
            return;
        };
        match event.kind.as_str() {
            FOLLOWING_ADDED => {
                self.authors.insert(author.to_owned());
            }
            FOLLOWING_REMOVED => {
                self.authors.remove(author);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::EventId;

    fn event(kind: &str, author: UserId) -> ChannelEvent {
        ChannelEvent {
            channel: "feed".into(),
            id: EventId::new(1, 0),
            kind: kind.into(),
            occurred_at: chrono::DateTime::UNIX_EPOCH,
            data: vec![
                ("slug".into(), DataValue::Text("a".into())),
                (AUTHOR_FIELD.into(), DataValue::Text(author.to_string())),
            ],
        }
    }

    #[test]
    fn only_followed_authors_pass() {
        let (followed, other) = (UserId::generate(), UserId::generate());
        let filter = FeedFilter::new([followed]);
        assert!(filter.admits(&event("article.created", followed)));
        assert!(!filter.admits(&event("article.created", other)));
        let mut anonymous = event("article.created", followed);
        anonymous.data.truncate(1);
        assert!(!filter.admits(&anonymous));
    }

    #[test]
    fn follows_and_unfollows_change_what_passes() {
        let author = UserId::generate();
        let mut filter = FeedFilter::default();
        filter.observe(&event(FOLLOWING_ADDED, author));
        assert!(filter.admits(&event("article.updated", author)));
        filter.observe(&event("article.created", UserId::generate()));
        filter.observe(&event(FOLLOWING_REMOVED, author));
        assert!(!filter.admits(&event("article.updated", author)));
    }
}
