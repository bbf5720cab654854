//! Searching articles: full text, filters, facets, and a correction when a search
//! finds (almost) nothing.

use folio_domain::{Actor, Permission};

use crate::content_cache::{SearchAnswer, SearchPages};

use super::articles::{PageRequest, validate_page};
use super::search_cursor;
pub use super::search_request::SearchRequest;
use super::search_request::{DayEdge, instant};
use super::search_text::{self, MAX_TEXT_CHARS};
use crate::ports::{
    ArticleFilter, Clock, PortError, SearchFilters, SearchIndex, SearchInsights,
    SearchInsightsSource, SearchQuery, SearchRecord, SearchResults, SearchSort,
};
use crate::views::{ArticleListView, SearchHitView, SearchView};
use crate::{AppError, FieldErrors, Folio, Ports};

/// A search with text that finds at most this many results gets a suggestion.
pub const SUGGEST_AT_MOST: u64 = 2;

/// Insights cover this many days when the caller names no start.
pub const DEFAULT_INSIGHT_DAYS: i64 = 7;
/// Texts per list of the insights.
pub const INSIGHT_TOP: u32 = 20;

impl<P: Ports> Folio<P> {
    pub async fn search_articles(
        &self,
        viewer: Option<Actor>,
        request: &SearchRequest,
    ) -> Result<SearchView, AppError> {
        let started = std::time::Instant::now();
        let query = request.parse().map_err(AppError::Invalid)?;
        let SearchAnswer {
            results:
                SearchResults {
                    hits,
                    more,
                    total,
                    facets,
                },
            suggestion,
        } = self.search_answer(&query).await?;
        let next_cursor = more
            .then(|| hits.last().map(|hit| search_cursor::encode(&hit.position)))
            .flatten();
        let (articles, highlights): (Vec<_>, Vec<_>) = hits
            .into_iter()
            .map(|hit| (hit.article, hit.highlights))
            .unzip();
        let articles = self.with_viewer_facts(viewer, articles).await?;
        self.record_search(viewer, &query, total, started.elapsed());
        Ok(SearchView {
            hits: articles
                .into_iter()
                .zip(highlights)
                .map(|(article, highlights)| SearchHitView {
                    article,
                    highlights,
                })
                .collect(),
            total,
            next_cursor,
            facets,
            query,
            suggestion,
        })
    }

    /// The RealWorld list with a search text: the same filters, offset pages, best
    /// match first. A blank text is the plain list, answered as without it.
    pub async fn list_articles_matching(
        &self,
        viewer: Option<Actor>,
        filter: ArticleFilter,
        q: &str,
        page: PageRequest,
    ) -> Result<ArticleListView, AppError> {
        if q.chars().count() > MAX_TEXT_CHARS {
            return Err(AppError::Invalid(FieldErrors::single(
                "q",
                format!("is too long (maximum is {MAX_TEXT_CHARS} characters)"),
            )));
        }
        let Some(text) = search_text::normalize(&q.replace(char::is_control, " ")) else {
            return self.list_articles(viewer, filter, page).await;
        };
        let (limit, offset) = validate_page(page)?;
        let query = SearchQuery {
            filters: SearchFilters {
                text: Some(text),
                tags: filter.tag.into_iter().collect(),
                authors: filter.author.into_iter().collect(),
                favorited_by: filter.favorited_by,
                ..SearchFilters::default()
            },
            sort: SearchSort::Relevance,
            limit,
            after: None,
            offset,
            with_facets: false,
        };
        let results = self.search_answer(&query).await?.results;
        let articles = results.hits.into_iter().map(|hit| hit.article).collect();
        Ok(ArticleListView {
            articles: self.with_viewer_facts(viewer, articles).await?,
            total: results.total,
            revision: None,
        })
    }

    /// What readers searched since `since` (an RFC 3339 date-time or a date;
    /// a week ago when absent): admins and moderators only.
    pub async fn search_insights(
        &self,
        actor: Actor,
        since: Option<&str>,
    ) -> Result<SearchInsights, AppError> {
        if !actor.may(Permission::ReadSearchInsights) {
            return Err(AppError::Forbidden);
        }
        let since = match since {
            None => self.ports.clock().now() - chrono::Duration::days(DEFAULT_INSIGHT_DAYS),
            Some(raw) => {
                let mut errors = FieldErrors::new();
                let since = instant(&mut errors, "since", raw, DayEdge::Start);
                errors.into_result()?;
                since
                    .ok_or_else(|| AppError::Invalid(FieldErrors::single("since", "is invalid")))?
            }
        };
        Ok(self
            .ports
            .search_insights()
            .insights(since, INSIGHT_TOP)
            .await?)
    }

    /// What a search finds, first pages through the content cache.
    async fn search_answer(&self, query: &SearchQuery) -> Result<SearchAnswer, AppError> {
        match self.read_through::<SearchPages>(query).await?.value {
            Some(answer) => Ok(answer),
            None => Ok(answer(&self.ports, query).await?),
        }
    }

    /// Queues the record of a first page (later pages would count one search many
    /// times), when searches are recorded.
    fn record_search(
        &self,
        viewer: Option<Actor>,
        query: &SearchQuery,
        total: u64,
        latency: std::time::Duration,
    ) {
        let Some(recorder) = &self.search_recorder else {
            return;
        };
        if query.after.is_some() {
            return;
        }
        recorder.record(SearchRecord {
            searched_at: self.ports.clock().now(),
            query: query.filters.text.as_ref().map(|text| text.full()),
            filters: recorded_filters(query),
            results: total,
            latency,
            user: viewer.map(|viewer| viewer.user_id),
        });
    }
}

/// What the engine finds for `query`, with a suggestion when a text found little:
/// its words replaced by the closest words of titles and tags, when that changes
/// something.
pub(crate) async fn answer<P: Ports>(
    ports: &P,
    query: &SearchQuery,
) -> Result<SearchAnswer, PortError> {
    let results = ports.search().search(query).await?;
    let words = match &query.filters.text {
        // The RealWorld list (which counts no facets) has no place for a suggestion.
        Some(text) if results.total <= SUGGEST_AT_MOST && query.with_facets => {
            Some((text, text.correctable_words()))
        }
        _ => None,
    };
    let suggestion = match words {
        Some((text, words)) if !words.is_empty() => {
            let similar = ports.search().similar_words(&words).await?;
            text.corrected(&similar)
        }
        _ => None,
    };
    Ok(SearchAnswer {
        results,
        suggestion,
    })
}

/// The parameters of a search but its text, normalized, as the record keeps them.
fn recorded_filters(query: &SearchQuery) -> Vec<(String, String)> {
    let filters = &query.filters;
    let mut recorded = vec![
        ("sort".to_owned(), query.sort.as_str().to_owned()),
        ("limit".to_owned(), query.limit.to_string()),
    ];
    let mut add = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            recorded.push((name.to_owned(), value));
        }
    };
    add(
        "tag",
        (!filters.tags.is_empty()).then(|| filters.tags.join(",")),
    );
    add(
        "author",
        (!filters.authors.is_empty()).then(|| filters.authors.join(",")),
    );
    add("favoritedBy", filters.favorited_by.clone());
    add("since", filters.since.map(|at| at.to_rfc3339()));
    add("until", filters.until.map(|at| at.to_rfc3339()));
    add("minFavorites", filters.min_favorites.map(|n| n.to_string()));
    recorded
}
