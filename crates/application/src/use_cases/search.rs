//! Searching articles: full text, filters, facets, and a correction when a search
//! finds (almost) nothing.

use folio_domain::Actor;

use super::articles::{PageRequest, validate_page};
use super::search_cursor;
pub use super::search_request::SearchRequest;
use super::search_text::{self, MAX_TEXT_CHARS};
use crate::ports::{
    ArticleFilter, SearchFilters, SearchIndex, SearchQuery, SearchResults, SearchSort,
};
use crate::views::{ArticleListView, SearchHitView, SearchView};
use crate::{AppError, FieldErrors, Folio, Ports};

/// A search with text that finds at most this many results gets a suggestion.
pub const SUGGEST_AT_MOST: u64 = 2;

impl<P: Ports> Folio<P> {
    pub async fn search_articles(
        &self,
        viewer: Option<Actor>,
        request: &SearchRequest,
    ) -> Result<SearchView, AppError> {
        let query = request.parse().map_err(AppError::Invalid)?;
        let SearchResults {
            hits,
            more,
            total,
            facets,
        } = self.ports.search().search(&query).await?;
        let next_cursor = more
            .then(|| hits.last().map(|hit| search_cursor::encode(&hit.position)))
            .flatten();
        let suggestion = self.suggestion(&query, total).await?;
        let (articles, highlights): (Vec<_>, Vec<_>) = hits
            .into_iter()
            .map(|hit| (hit.article, hit.highlights))
            .unzip();
        let articles = self.with_viewer_facts(viewer, articles).await?;
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
        let results = self.ports.search().search(&query).await?;
        let articles = results.hits.into_iter().map(|hit| hit.article).collect();
        Ok(ArticleListView {
            articles: self.with_viewer_facts(viewer, articles).await?,
            total: results.total,
            revision: None,
        })
    }

    /// The text with its words replaced by the closest words of titles and tags,
    /// when the search found little and that changes something.
    async fn suggestion(
        &self,
        query: &SearchQuery,
        total: u64,
    ) -> Result<Option<String>, AppError> {
        let Some(text) = &query.filters.text else {
            return Ok(None);
        };
        let words = text.correctable_words();
        if total > SUGGEST_AT_MOST || words.is_empty() {
            return Ok(None);
        }
        let similar = self.ports.search().similar_words(&words).await?;
        Ok(text.corrected(&similar))
    }
}
