//! The PostgreSQL search engine: a weighted, generated `tsvector` per article with a
//! GIN index, `websearch_to_tsquery`, `ts_rank`, `ts_headline`, and pg_trgm for
//! corrections (see docs/search.md).

mod criteria;
mod facets;
mod highlights;
mod language;
mod page;
mod similar_words;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use folio_application::ports::{
    FacetCount, Facets, PortError, SearchHit, SearchIndex, SearchPosition, SearchQuery,
    SearchResults, SearchSort,
};
use folio_domain::ArticleId;

pub use language::use_search_language;

use super::Database;
use super::errors::query_error;
use super::pool::plan_for_these_values;
use super::rows::{ArticleRow, ArticleSummaryRow, ProfileRow};
use criteria::Criteria;
use facets::SearchFacets;
use page::{After, SearchPage};
use similar_words::SimilarWords;

type DieselResult<T> = Result<T, diesel::result::Error>;

type PageRow = (
    (ArticleSummaryRow, ProfileRow),
    f32,
    Option<String>,
    Option<String>,
);

#[derive(Clone)]
pub struct PgSearchIndex {
    db: Database,
    /// The text search configuration the documents are built with.
    language: String,
}

impl PgSearchIndex {
    /// `language`: what [`use_search_language`] answered.
    pub fn new(db: Database, language: String) -> Self {
        Self { db, language }
    }
}

impl SearchIndex for PgSearchIndex {
    async fn search(&self, query: &SearchQuery) -> Result<SearchResults, PortError> {
        let criteria = Criteria::new(&self.language, &query.filters);
        let page = SearchPage {
            criteria: &criteria,
            sort: query.sort,
            after: query.after.map(After::from),
            limit: i64::from(query.limit) + 1,
            offset: i64::try_from(query.offset).unwrap_or(i64::MAX),
            title_options: SearchPage::highlight_options(false),
            body_options: SearchPage::highlight_options(true),
        };
        let facets = SearchFacets::new(&criteria, query.with_facets);
        // The page and the counts are independent reads: on a second connection when
        // one is idle, they run side by side and the search takes the longer of the
        // two rather than both. Only an idle one is taken: waiting for a second while
        // holding the first could starve the pool.
        let mut first = self.db.connection().await?;
        let (rows, counts) = match self.db.idle_connection().await {
            Some(mut second) => {
                futures_util::future::join(
                    read_page(&mut first, page),
                    read_counts(&mut second, facets),
                )
                .await
            }
            None => {
                let rows = read_page(&mut first, page).await;
                (rows, read_counts(&mut first, facets).await)
            }
        };
        let (rows, counts) = (rows.map_err(query_error)?, counts.map_err(query_error)?);
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        let hits = rows
            .into_iter()
            .take(limit)
            .map(|row| hit(row, query.sort))
            .collect();
        let (total, facets) = tally(counts);
        Ok(SearchResults {
            hits,
            more,
            total,
            facets,
        })
    }

    async fn similar_words(&self, words: &[String]) -> Result<Vec<Option<String>>, PortError> {
        let mut pooled = self.db.connection().await?;
        let conn: &mut AsyncPgConnection = &mut pooled;
        let rows: Vec<(String, Option<String>)> = conn
            .transaction(async |conn| -> DieselResult<_> {
                use diesel_async::SimpleAsyncConnection;
                conn.batch_execute(similar_words::THRESHOLDS).await?;
                SimilarWords { words }.load(conn).await
            })
            .await
            .map_err(query_error)?;
        Ok(rows.into_iter().map(|(_, similar)| similar).collect())
    }
}

// How many rows a text or a filter matches decides the plan (the GIN index, or a
// walk in list order), so each statement is planned for its values.
async fn read_page(
    conn: &mut AsyncPgConnection,
    page: SearchPage<'_>,
) -> DieselResult<Vec<PageRow>> {
    conn.transaction(async |conn| -> DieselResult<_> {
        plan_for_these_values(conn).await?;
        page.load(conn).await
    })
    .await
}

async fn read_counts(
    conn: &mut AsyncPgConnection,
    facets: SearchFacets<'_>,
) -> DieselResult<Vec<(i32, String, i64)>> {
    conn.transaction(async |conn| -> DieselResult<_> {
        plan_for_these_values(conn).await?;
        facets.load(conn).await
    })
    .await
}

fn hit(((article, author), rank, title, body): PageRow, sort: SearchSort) -> SearchHit {
    let id = ArticleId::from_uuid(article.id);
    let (created_at, favorites) = (article.created_at, i64::from(article.favorites_count));
    let position = match sort {
        SearchSort::Relevance => SearchPosition::Relevance { rank, id },
        SearchSort::Recent => SearchPosition::Recent { created_at, id },
        SearchSort::Popular => SearchPosition::Popular {
            favorites,
            created_at,
            id,
        },
    };
    SearchHit {
        article: ArticleRow::from(article).into_domain(author),
        highlights: title
            .zip(body)
            .map(|(title, body)| (highlights::parse(&title), highlights::parse(&body))),
        position,
    }
}

fn tally(counts: Vec<(i32, String, i64)>) -> (u64, Facets) {
    let mut total = 0;
    let mut facets = Facets::default();
    for (which, value, count) in counts {
        let count = u64::try_from(count).unwrap_or(0);
        let list = match which {
            facets::TOTAL => {
                total = count;
                continue;
            }
            facets::TAGS => &mut facets.tags,
            facets::AUTHORS => &mut facets.authors,
            facets::PUBLISHED => &mut facets.published,
            _ => continue,
        };
        list.push(FacetCount { value, count });
    }
    (total, facets)
}
