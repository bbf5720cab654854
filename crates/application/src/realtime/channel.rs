//! Channel names and who may follow them.

use folio_domain::{SessionId, Slug, UserId, Username, UsernameKey};

/// A channel: `article:<slug>` (public), `user:<name>` (only that user) or `feed`
/// (signed-in users: the articles of the authors each follows). User channels are
/// named by the case-folded name ([`UsernameKey`]), the form names are compared
/// in, so every spelling of a name reaches the same channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Channel {
    Article(String),
    User(UsernameKey),
    /// Every article published or edited, in one stream; each socket passes on
    /// those of the authors its user follows (see `FeedFilter`).
    Feed,
    /// A session's own channel, which only the server follows: it hears there
    /// that the session was revoked, to close the session's sockets.
    Session(SessionId),
    /// A user's own channel, which only the server follows: it hears there whom
    /// the user started or stopped following, to keep their feed filter true.
    Account(UserId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel: expected article:<slug>, user:<username> or feed")]
pub struct InvalidChannel;

/// Why a subscription is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscribeRefusal {
    /// The channel is another user's (or the caller is anonymous).
    Forbidden,
    /// The channel is for signed-in users, and the caller is anonymous.
    SignInRequired,
}

/// The name of the feed channel.
pub const FEED: &str = "feed";

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
        if name == FEED {
            return Ok(Self::Feed);
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
            Self::Feed => FEED.to_owned(),
            Self::Session(session) => format!("session:{session}"),
            Self::Account(user) => format!("account:{user}"),
        }
    }

    /// Article channels are public; a user channel only for that user; the feed
    /// for any signed-in user.
    pub fn may_subscribe(&self, viewer: Option<&Username>) -> Result<(), SubscribeRefusal> {
        match self {
            Self::Article(_) => Ok(()),
            Self::User(owner) if viewer.is_some_and(|name| name.key() == *owner) => Ok(()),
            Self::Feed if viewer.is_some() => Ok(()),
            Self::Feed => Err(SubscribeRefusal::SignInRequired),
            Self::User(_) | Self::Session(_) | Self::Account(_) => Err(SubscribeRefusal::Forbidden),
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
            "feed:jake",
            "Feed",
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
    fn the_feed_is_for_signed_in_users() {
        assert_eq!(Channel::parse("feed"), Ok(Channel::Feed));
        assert_eq!(Channel::Feed.name(), "feed");
        assert_eq!(Channel::Feed.may_subscribe(Some(&name("jake"))), Ok(()));
        assert_eq!(
            Channel::Feed.may_subscribe(None),
            Err(SubscribeRefusal::SignInRequired)
        );
    }

    #[test]
    fn account_channels_are_the_servers_own() {
        let account = Channel::Account(UserId::generate());
        assert_eq!(Channel::parse(&account.name()), Err(InvalidChannel));
        assert_eq!(
            account.may_subscribe(Some(&name("jake"))),
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
