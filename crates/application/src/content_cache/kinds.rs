//! The kinds of content the cache holds, one declaration each. Which events make
//! each stale is decided in `use_cases::stale_content`.

use std::time::Duration;

use folio_domain::{Article, Profile, Slug, TagName, UserId, Username, UsernameKey};

use super::kind::{CachedKind, EntryVersion, LocalBudget, MIB, SharedVersion};
use crate::Ports;
use crate::ports::{
    ArticlePage, ArticleQuery, ArticleRepository, PortError, ProfileRepository, SearchFilters,
    SearchQuery, SearchResults, SearchSort,
};
use crate::use_cases::articles::MAX_TAGS_LISTED;
use crate::use_cases::search;

/// Entries live a minute; the version bumps of writes end them sooner.
const A_MINUTE: Duration = Duration::from_secs(60);

impl SharedVersion {
    /// Every first page of the public list.
    pub const LISTS: Self = Self::named("lists");
    /// Every reader's first feed page: any change to articles bumps it with
    /// [`Self::LISTS`], a change of follows bumps only it.
    pub const FEEDS: Self = Self::named("feeds");
    /// The tag list, alone under a version that never restarts.
    pub const TAGS: Self = Self::named("tags");
}

/// Single articles by slug.
pub struct Articles;

impl CachedKind for Articles {
    const NAME: &'static str = "articles";
    const LOCAL_COPIES: LocalBudget = LocalBudget {
        bytes: 32 * MIB,
        expected_entries: 2_000,
    };
    const TTL: Duration = A_MINUTE;

    type Query = Slug;
    type Key = Slug;
    type Value = Article;

    fn key(slug: &Slug) -> Option<Slug> {
        Some(slug.clone())
    }

    fn version(_: &Slug) -> EntryVersion {
        EntryVersion::Own
    }

    async fn load<P: Ports>(ports: &P, slug: &Slug) -> Result<Option<Article>, PortError> {
        ports.articles().find_by_slug(slug).await
    }
}

/// Profiles by username, every spelling of a name under its one key.
pub struct Profiles;

impl CachedKind for Profiles {
    const NAME: &'static str = "profiles";
    const LOCAL_COPIES: LocalBudget = LocalBudget {
        bytes: 4 * MIB,
        expected_entries: 5_000,
    };
    const TTL: Duration = A_MINUTE;

    type Query = Username;
    type Key = UsernameKey;
    type Value = Profile;

    fn key(username: &Username) -> Option<UsernameKey> {
        Some(username.key())
    }

    fn version(_: &UsernameKey) -> EntryVersion {
        EntryVersion::Own
    }

    async fn load<P: Ports>(ports: &P, username: &Username) -> Result<Option<Profile>, PortError> {
        ports.profiles().find_by_username(username).await
    }
}

/// The most used tags (`GET /tags`): one entry.
pub struct PopularTags;

impl CachedKind for PopularTags {
    const NAME: &'static str = "tags";
    const LOCAL_COPIES: LocalBudget = LocalBudget {
        bytes: MIB,
        expected_entries: 1,
    };
    const TTL: Duration = A_MINUTE;

    type Query = ();
    type Key = ();
    type Value = Vec<TagName>;

    fn key((): &()) -> Option<()> {
        Some(())
    }

    fn version((): &()) -> EntryVersion {
        EntryVersion::Shared(SharedVersion::TAGS)
    }

    async fn load<P: Ports>(ports: &P, (): &()) -> Result<Option<Vec<TagName>>, PortError> {
        ports
            .articles()
            .popular_tags(MAX_TAGS_LISTED)
            .await
            .map(Some)
    }
}

/// First pages of the public list and of each reader's feed.
pub struct ArticlePages;

/// The shareable part of a first page of the public article list, or of one
/// reader's feed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListKey {
    pub tag: Option<String>,
    /// The author's `UsernameKey`: spellings of one name share a page.
    pub author: Option<String>,
    /// The reader whose feed this is; `None` for the public list.
    pub feed_of: Option<UserId>,
    pub limit: u32,
}

impl CachedKind for ArticlePages {
    const NAME: &'static str = "lists";
    const LOCAL_COPIES: LocalBudget = LocalBudget {
        bytes: 16 * MIB,
        expected_entries: 1_000,
    };
    const TTL: Duration = A_MINUTE;

    type Query = ArticleQuery;
    type Key = ListKey;
    type Value = ArticlePage;

    /// First pages without a `favorited` filter: they are the ones readers ask for
    /// again and again.
    fn key(query: &ArticleQuery) -> Option<ListKey> {
        let shareable = query.offset == 0 && query.filter.favorited_by.is_none();
        shareable.then(|| ListKey {
            tag: query.filter.tag.clone(),
            author: query
                .filter
                .author
                .as_deref()
                .map(|author| UsernameKey::of(author).into_inner()),
            feed_of: query.followed_by,
            limit: query.limit,
        })
    }

    /// Feeds and public lists are versioned apart: follows change only feeds.
    fn version(key: &ListKey) -> EntryVersion {
        match key.feed_of {
            Some(_) => EntryVersion::Shared(SharedVersion::FEEDS),
            None => EntryVersion::Shared(SharedVersion::LISTS),
        }
    }

    async fn load<P: Ports>(
        ports: &P,
        query: &ArticleQuery,
    ) -> Result<Option<ArticlePage>, PortError> {
        ports.articles().list(query.clone()).await.map(Some)
    }
}

/// First pages of searches, keyed by the normalized search: the searches readers
/// repeat (popular texts, facet clicks) are answered from the cache. Read at the
/// lists' version, which every change to articles, favorites or profiles bumps, so
/// a page never outlives what it shows.
pub struct SearchPages;

/// What a search finds, and the correction offered when it finds little.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchAnswer {
    pub results: SearchResults,
    pub suggestion: Option<String>,
}

/// A first page of a search: everything but the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchKey {
    pub filters: SearchFilters,
    pub sort: SearchSort,
    pub limit: u32,
    pub with_facets: bool,
}

impl CachedKind for SearchPages {
    const NAME: &'static str = "searches";
    const LOCAL_COPIES: LocalBudget = LocalBudget {
        bytes: 16 * MIB,
        expected_entries: 2_000,
    };
    const TTL: Duration = A_MINUTE;

    type Query = SearchQuery;
    type Key = SearchKey;
    type Value = SearchAnswer;

    /// Later pages (a cursor or an offset) are read from the engine.
    fn key(query: &SearchQuery) -> Option<SearchKey> {
        (query.after.is_none() && query.offset == 0).then(|| SearchKey {
            filters: query.filters.clone(),
            sort: query.sort,
            limit: query.limit,
            with_facets: query.with_facets,
        })
    }

    fn version(_: &SearchKey) -> EntryVersion {
        EntryVersion::Shared(SharedVersion::LISTS)
    }

    async fn load<P: Ports>(
        ports: &P,
        query: &SearchQuery,
    ) -> Result<Option<SearchAnswer>, PortError> {
        search::answer(ports, query).await.map(Some)
    }
}
