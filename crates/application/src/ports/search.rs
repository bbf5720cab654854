//! Article search: what a search engine must answer, whatever the engine.

use folio_domain::{Article, ArticleId, Timestamp};

use super::PortError;

/// The text a reader typed, normalized (see `use_cases::search_text`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchText {
    /// Web-search syntax (`"phrase"`, `-word`, `or`) matched as typed; may be empty
    /// when the whole text is the word being typed.
    pub terms: String,
    /// The last word, when it is a plain word: matched as a prefix, so results appear
    /// while it is being typed.
    pub prefix: Option<PrefixWord>,
}

/// A word of letters and digits only, so an engine can match it as a prefix
/// without any of its characters meaning an operator.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrefixWord(String);

impl PrefixWord {
    /// `None` unless `word` is non-empty and only letters and digits.
    pub fn parse(word: &str) -> Option<Self> {
        (!word.is_empty() && word.chars().all(char::is_alphanumeric)).then(|| Self(word.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What qualifies. Every field narrows (AND); the values of a list are alternatives
/// (OR). Names are matched as the article lists match them (tag names exactly,
/// usernames by their canonical form).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchFilters {
    pub text: Option<SearchText>,
    pub tags: Vec<String>,
    pub authors: Vec<String>,
    pub favorited_by: Option<String>,
    /// Created at or after.
    pub since: Option<Timestamp>,
    /// Created at or before.
    pub until: Option<Timestamp>,
    pub min_favorites: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchSort {
    /// Best match first, then newest; only with text.
    Relevance,
    /// Newest first.
    Recent,
    /// Most favorited first, then newest.
    Popular,
}

impl SearchSort {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Relevance => "relevance",
            Self::Recent => "recent",
            Self::Popular => "popular",
        }
    }
}

/// A result's place in its sort order; a page that starts after it lists what comes
/// next, whatever was added meanwhile. Ties are broken by id (highest first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SearchPosition {
    /// `rank` as the engine computed it: compared exactly, never rounded.
    Relevance { rank: f32, id: ArticleId },
    Recent {
        created_at: Timestamp,
        id: ArticleId,
    },
    Popular {
        favorites: i64,
        created_at: Timestamp,
        id: ArticleId,
    },
}

impl SearchPosition {
    pub fn sort(&self) -> SearchSort {
        match self {
            Self::Relevance { .. } => SearchSort::Relevance,
            Self::Recent { .. } => SearchSort::Recent,
            Self::Popular { .. } => SearchSort::Popular,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    pub filters: SearchFilters,
    pub sort: SearchSort,
    pub limit: u32,
    pub after: Option<SearchPosition>,
    /// Results skipped after `after` (the RealWorld list's `offset`; 0 for cursors).
    pub offset: u64,
    /// Whether the facets are wanted (an engine may skip counting them).
    pub with_facets: bool,
}

/// Text with the parts that matched the query marked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highlighted(pub Vec<HighlightSegment>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HighlightSegment {
    pub text: String,
    pub matched: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// Without its body, like every listed article.
    pub article: Article,
    /// With text: the title and a snippet of the body with the matches marked.
    pub highlights: Option<(Highlighted, Highlighted)>,
    pub position: SearchPosition,
}

/// One value of a facet and how many results it would give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Counts per value, each facet counted with every filter but its own (so the
/// counts of values not selected say what selecting them would add).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub tags: Vec<FacetCount>,
    pub authors: Vec<FacetCount>,
    /// Per month of creation (UTC), `YYYY-MM`.
    pub published: Vec<FacetCount>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Whether more results follow the last hit.
    pub more: bool,
    /// Every match, ignoring the page.
    pub total: u64,
    pub facets: Facets,
}

/// Facets list at most this many values each: count descending, then value.
pub const FACET_VALUES: u32 = 20;

#[cfg_attr(test, mockall::automock)]
pub trait SearchIndex: Send + Sync + 'static {
    /// One page (at most `limit` hits, after `after`), the total and the facets
    /// (at most [`FACET_VALUES`] each), in a constant number of queries whatever the
    /// page size. Never fails because of what the text contains.
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, PortError>;

    /// For each of `words`: the most similar word of titles and tag names (itself
    /// when it is one), or `None` when nothing is close enough.
    async fn similar_words(&self, words: &[String]) -> Result<Vec<Option<String>>, PortError>;
}
