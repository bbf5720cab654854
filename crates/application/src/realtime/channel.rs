//! Channel names and who may follow them.

use folio_domain::{SessionId, Slug, Username, UsernameKey};

/// A channel: `article:<slug>` (public) or `user:<name>` (only that user). User
/// channels are named by the case-folded name ([`UsernameKey`]), the form names
/// are compared in, so every spelling of a name reaches the same channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Channel {
    Article(String),
    User(UsernameKey),
    /// A session's own channel, which only the server follows: it hears there
    /// that the session was revoked, to close the session's sockets.
    Session(SessionId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel: expected article:<slug> or user:<username>")]
pub struct InvalidChannel;

/// Why a subscription is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeRefusal {
    /// The channel is another user's (or the caller is anonymous).
    Forbidden,
}

/// Longest channel name accepted; longer than any slug or username makes.
const MAX_NAME_BYTES: usize = 512;

impl Channel {
    pub fn of_article(slug: &Slug) -> Self {
        Self::Article(slug.as_str().to_owned())
    }

    pub fn of_user(name: &Username) -> Self {
        Self::User(name.key())
    }

    pub fn parse(name: &str) -> Result<Self, InvalidChannel> {
        if name.len() > MAX_NAME_BYTES {
            return Err(InvalidChannel);
        }
        let (kind, rest) = name.split_once(':').ok_or(InvalidChannel)?;
        let plain = !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        match kind {
            "article" if plain => Ok(Self::Article(rest.to_owned())),
            "user" if plain => Ok(Self::User(UsernameKey::of(rest))),
            _ => Err(InvalidChannel),
        }
    }

    /// The canonical name, as events carry it.
    pub fn name(&self) -> String {
        match self {
            Self::Article(slug) => format!("article:{slug}"),
            Self::User(key) => format!("user:{}", key.as_str()),
            Self::Session(session) => format!("session:{session}"),
        }
    }

    /// Article channels are public; a user channel only for that user.
    pub fn may_subscribe(&self, viewer: Option<&Username>) -> Result<(), SubscribeRefusal> {
        match self {
            Self::Article(_) => Ok(()),
            Self::User(owner) if viewer.is_some_and(|name| name.key() == *owner) => Ok(()),
            Self::User(_) | Self::Session(_) => Err(SubscribeRefusal::Forbidden),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Username {
        Username::parse(text).unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn names_round_trip_and_user_names_are_folded() {
        let article = Channel::parse("article:how-to-train-your-dragon");
        assert_eq!(
            article.map(|c| c.name()).as_deref(),
            Ok("article:how-to-train-your-dragon")
        );
        assert_eq!(Channel::parse("user:Jake"), Channel::parse("user:jake"));
        assert_eq!(
            Channel::parse("user:Jake").map(|c| c.name()).as_deref(),
            Ok("user:jake")
        );
    }

    #[test]
    fn unknown_kinds_and_odd_names_are_refused() {
        for bad in [
            "",
            "article",
            "article:",
            "feed",
            "room:1",
            "article:a b",
            "user:a/b",
            "article:x:y",
        ] {
            assert_eq!(Channel::parse(bad), Err(InvalidChannel), "{bad:?}");
        }
        let long = format!("article:{}", "a".repeat(MAX_NAME_BYTES));
        assert_eq!(Channel::parse(&long), Err(InvalidChannel));
    }

    #[test]
    fn article_channels_are_open_to_everyone() {
        let channel = Channel::parse("article:hello").unwrap_or_else(|_| unreachable!());
        assert_eq!(channel.may_subscribe(None), Ok(()));
        assert_eq!(channel.may_subscribe(Some(&name("bob"))), Ok(()));
    }

    #[test]
    fn a_user_channel_is_only_for_that_user() {
        let channel = Channel::parse("user:Jake").unwrap_or_else(|_| unreachable!());
        assert_eq!(channel.may_subscribe(Some(&name("jake"))), Ok(()));
        assert_eq!(
            channel.may_subscribe(Some(&name("bob"))),
            Err(SubscribeRefusal::Forbidden)
        );
        assert_eq!(
            channel.may_subscribe(None),
            Err(SubscribeRefusal::Forbidden)
        );
    }

    #[test]
    fn session_channels_are_the_servers_own() {
        let session = SessionId::generate();
        assert_eq!(
            Channel::parse(&Channel::Session(session).name()),
            Err(InvalidChannel)
        );
        assert_eq!(
            Channel::Session(session).may_subscribe(Some(&name("jake"))),
            Err(SubscribeRefusal::Forbidden)
        );
    }
}
