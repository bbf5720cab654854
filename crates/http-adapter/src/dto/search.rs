//! `GET /search/articles`: its parameters (some repeatable, so read from the raw
//! pairs) and its answer.

use folio_application::ports::{FacetCount, Highlighted, SearchQuery};
use folio_application::use_cases::search::SearchRequest;
use folio_application::views::SearchView;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::articles::ArticleBody;
use crate::time::rfc3339_millis;

/// The parameters of a search; all optional, combined with AND (the values of a
/// repeated one with OR). Documentation only: the handler reads the raw pairs.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[expect(
    dead_code,
    reason = "describes the parameters to OpenAPI; never constructed"
)]
pub struct SearchParams {
    /// Web-search syntax: `"exact phrase"`, `-excluded`, `or`; the last plain word
    /// also matches as a prefix. At most 256 characters; blank means no text.
    q: Option<String>,
    /// Only articles with one of these tags (repeatable).
    tag: Option<Vec<String>>,
    /// Only articles by one of these usernames (repeatable).
    author: Option<Vec<String>>,
    /// Only articles this username favorited.
    #[param(rename = "favoritedBy")]
    favorited_by: Option<String>,
    /// Created at or after: RFC 3339 date-time, or a date (from its start, UTC).
    since: Option<String>,
    /// Created at or before: RFC 3339 date-time, or a date (to its end, UTC).
    until: Option<String>,
    /// Only articles favorited at least this many times.
    #[param(rename = "minFavorites")]
    min_favorites: Option<u32>,
    /// `relevance` (default with `q`; needs `q`), `recent` (default without), or
    /// `popular` (favorites, then recency).
    sort: Option<String>,
    /// Page size, 1 to 100, default 20.
    limit: Option<u32>,
    /// The previous page's `nextCursor`.
    cursor: Option<String>,
}

impl SearchParams {
    /// The request the pairs of a query string make; unknown names are ignored, a
    /// repeated single-valued parameter counts once (its last value).
    pub fn request(pairs: Vec<(String, String)>) -> SearchRequest {
        let mut request = SearchRequest::default();
        for (name, value) in pairs {
            match name.as_str() {
                "q" => request.q = Some(value),
                "tag" => request.tags.push(value),
                "author" => request.authors.push(value),
                "favoritedBy" => request.favorited_by = Some(value),
                "since" => request.since = Some(value),
                "until" => request.until = Some(value),
                "minFavorites" => request.min_favorites = Some(value),
                "sort" => request.sort = Some(value),
                "limit" => request.limit = Some(value),
                "cursor" => request.cursor = Some(value),
                _ => {}
            }
        }
        request
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchResponse {
    pub articles: Vec<SearchArticleBody>,
    /// Every match, ignoring the page.
    pub articles_count: u64,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    pub facets: FacetsBody,
    pub query: QueryEcho,
    /// "Did you mean": the text with likely typos corrected, when the search found
    /// little.
    pub suggestion: Option<String>,
}

/// An article as lists show it, with its highlights.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchArticleBody {
    #[serde(flatten)]
    pub article: ArticleBody,
    /// With `q`: the title and a snippet of the body, HTML-escaped, matches in
    /// `<mark>`; null without `q`.
    pub highlights: Option<HighlightsBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HighlightsBody {
    #[schema(example = "How to train your <mark>dragon</mark>")]
    pub title: String,
    #[schema(example = "… you have to believe in <mark>dragons</mark> …")]
    pub body: String,
}

/// Counts per value, each facet counted with every filter but its own; at most 20
/// values each, most results first (ties by value).
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetsBody {
    pub tags: Vec<FacetBody>,
    pub authors: Vec<FacetBody>,
    /// Per month of creation (UTC), `YYYY-MM`.
    pub published: Vec<FacetBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FacetBody {
    pub value: String,
    pub count: u64,
}

/// The search as understood: the text normalized, names deduplicated and sorted,
/// dates as instants, defaults filled in.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QueryEcho {
    pub q: Option<String>,
    pub tag: Vec<String>,
    pub author: Vec<String>,
    pub favorited_by: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub min_favorites: Option<u32>,
    pub sort: String,
    pub limit: u32,
}

impl From<SearchView> for SearchResponse {
    fn from(view: SearchView) -> Self {
        Self {
            articles: view
                .hits
                .into_iter()
                .map(|hit| SearchArticleBody {
                    article: ArticleBody::new(hit.article, false),
                    highlights: hit.highlights.map(|(title, body)| HighlightsBody {
                        title: marked_html(&title),
                        body: marked_html(&body),
                    }),
                })
                .collect(),
            articles_count: view.total,
            next_cursor: view.next_cursor,
            facets: FacetsBody {
                tags: facet(view.facets.tags),
                authors: facet(view.facets.authors),
                published: facet(view.facets.published),
            },
            query: QueryEcho::from(&view.query),
            suggestion: view.suggestion,
        }
    }
}

impl From<&SearchQuery> for QueryEcho {
    fn from(query: &SearchQuery) -> Self {
        let filters = &query.filters;
        Self {
            q: filters.text.as_ref().map(|text| text.full()),
            tag: filters.tags.clone(),
            author: filters.authors.clone(),
            favorited_by: filters.favorited_by.clone(),
            since: filters.since.as_ref().map(rfc3339_millis),
            until: filters.until.as_ref().map(rfc3339_millis),
            min_favorites: filters.min_favorites,
            sort: query.sort.as_str().to_owned(),
            limit: query.limit,
        }
    }
}

fn facet(counts: Vec<FacetCount>) -> Vec<FacetBody> {
    counts
        .into_iter()
        .map(|FacetCount { value, count }| FacetBody { value, count })
        .collect()
}

/// The text HTML-escaped, with the matched parts in `<mark>`: safe to insert as HTML
/// whatever the article contains.
fn marked_html(text: &Highlighted) -> String {
    let mut html = String::new();
    for segment in &text.0 {
        if segment.matched {
            html.push_str("<mark>");
        }
        for c in segment.text.chars() {
            match c {
                '&' => html.push_str("&amp;"),
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                '"' => html.push_str("&quot;"),
                '\'' => html.push_str("&#39;"),
                other => html.push(other),
            }
        }
        if segment.matched {
            html.push_str("</mark>");
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use folio_application::ports::HighlightSegment;

    use super::*;

    #[test]
    fn highlights_escape_the_text_and_mark_the_matches() {
        let text = Highlighted(vec![
            HighlightSegment {
                text: "<b>Tom & \"Jerry's\"</b> ".into(),
                matched: false,
            },
            HighlightSegment {
                text: "dragons".into(),
                matched: true,
            },
        ]);
        assert_eq!(
            marked_html(&text),
            "&lt;b&gt;Tom &amp; &quot;Jerry&#39;s&quot;&lt;/b&gt; <mark>dragons</mark>"
        );
    }

    #[test]
    fn repeatable_parameters_collect_and_unknown_ones_are_ignored() {
        let pair = |n: &str, v: &str| (n.to_owned(), v.to_owned());
        let request = SearchParams::request(vec![
            pair("tag", "rust"),
            pair("tag", "go"),
            pair("author", "alice"),
            pair("sort", "recent"),
            pair("sort", "popular"),
            pair("offset", "3"),
        ]);
        assert_eq!(request.tags, ["rust", "go"]);
        assert_eq!(request.authors, ["alice"]);
        assert_eq!(request.sort.as_deref(), Some("popular"));
    }
}
