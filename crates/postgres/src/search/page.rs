//! One page of search results in the requested order, starting after a position.
//!
//! The inner query finds the page's ids (walking the GIN index for text, or an
//! index in list order without it) and ranks them; only the page's rows are then
//! read in full and highlighted (`ts_headline` re-parses the text, so it runs for
//! `limit` rows, never for every match, and over the body's opening only).

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Float, Integer, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use folio_application::ports::{SearchPosition, SearchSort};
use folio_domain::Timestamp;
use uuid::Uuid;

use super::criteria::Criteria;

/// Marks around matched words in highlights, parsed back into segments: private-use
/// characters, removed from the text first, so no text can fake a mark.
pub(super) const MARK_START: char = '\u{E000}';
pub(super) const MARK_END: char = '\u{E001}';

/// `ArticleSummaryRow` and `ProfileRow` (as the feed reads them), then the rank and
/// the two highlights.
type PageColumns = (
    crate::feed_page::PageColumns,
    Float,
    Nullable<Text>,
    Nullable<Text>,
);

pub(super) struct SearchPage<'a> {
    pub criteria: &'a Criteria,
    pub sort: SearchSort,
    pub after: Option<After>,
    /// One more than the page, to tell whether more follow.
    pub limit: i64,
    pub offset: i64,
    pub title_options: String,
    pub body_options: String,
}

/// The position a page starts after, as the values the statement binds.
pub(super) enum After {
    Relevance(f32, Uuid),
    Recent(Timestamp, Uuid),
    Popular(i64, Timestamp, Uuid),
}

impl From<SearchPosition> for After {
    fn from(position: SearchPosition) -> Self {
        match position {
            SearchPosition::Relevance { rank, id } => Self::Relevance(rank, id.as_uuid()),
            SearchPosition::Recent { created_at, id } => Self::Recent(created_at, id.as_uuid()),
            SearchPosition::Popular {
                favorites,
                created_at,
                id,
            } => Self::Popular(favorites, created_at, id.as_uuid()),
        }
    }
}

impl SearchPage<'_> {
    pub(super) fn highlight_options(body: bool) -> String {
        let marks = format!("StartSel={MARK_START}, StopSel={MARK_END}");
        if body {
            format!("{marks}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \"")
        } else {
            format!("{marks}, HighlightAll=true")
        }
    }

    fn push_order(&self, out: &mut AstPass<'_, '_, Pg>, rank: &str, table: &str) {
        match self.sort {
            SearchSort::Relevance => {
                out.push_sql(rank);
                out.push_sql(" DESC, ");
            }
            SearchSort::Recent => {}
            SearchSort::Popular => {
                out.push_sql(table);
                out.push_sql(".favorites_count DESC, ");
            }
        }
        if self.sort != SearchSort::Relevance {
            out.push_sql(table);
            out.push_sql(".created_at DESC, ");
        }
        out.push_sql(table);
        out.push_sql(".id DESC");
    }

    fn push_after<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let Some(after) = &self.after else {
            return Ok(());
        };
        match after {
            After::Relevance(rank, id) => {
                out.push_sql(" AND (");
                self.criteria.push_rank(out)?;
                out.push_sql(", a.id) < (");
                out.push_bind_param::<Float, _>(rank)?;
                out.push_sql(", ");
                out.push_bind_param::<SqlUuid, _>(id)?;
            }
            After::Recent(created_at, id) => {
                out.push_sql(" AND (a.created_at, a.id) < (");
                out.push_bind_param::<Timestamptz, _>(created_at)?;
                out.push_sql(", ");
                out.push_bind_param::<SqlUuid, _>(id)?;
            }
            After::Popular(favorites, created_at, id) => {
                out.push_sql(" AND (a.favorites_count::bigint, a.created_at, a.id) < (");
                out.push_bind_param::<BigInt, _>(favorites)?;
                out.push_sql(", ");
                out.push_bind_param::<Timestamptz, _>(created_at)?;
                out.push_sql(", ");
                out.push_bind_param::<SqlUuid, _>(id)?;
            }
        }
        out.push_sql(")");
        Ok(())
    }

    fn push_highlight<'b>(
        &'b self,
        out: &mut AstPass<'_, 'b, Pg>,
        column: &str,
        bound: Option<&'b i32>,
        options: &'b String,
    ) -> QueryResult<()> {
        if !self.criteria.has_text() {
            out.push_sql(", NULL::text");
            return Ok(());
        }
        out.push_sql(", ts_headline(");
        self.criteria.push_language(out)?;
        out.push_sql(", translate(");
        match bound {
            Some(chars) => {
                out.push_sql("left(a.");
                out.push_sql(column);
                out.push_sql(", ");
                out.push_bind_param::<Integer, _>(chars)?;
                out.push_sql(")");
            }
            None => {
                out.push_sql("a.");
                out.push_sql(column);
            }
        }
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&MARKS)?;
        out.push_sql(", ''), ");
        self.criteria.push_tsquery(out)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(options)?;
        out.push_sql(")");
        Ok(())
    }
}

/// The characters of a body `ts_headline` reads: its cost grows with the text it
/// parses (about 0.25 ms per thousand characters), so a long article would
/// otherwise cost more to highlight than to find. A match beyond them is found and
/// ranked, but its snippet is the body's opening without marks.
pub(super) const HIGHLIGHTED_BODY_CHARS: i32 = 4_000;

/// Both marks, for `translate` to remove from the text.
const MARKS: &str = "\u{E000}\u{E001}";

impl Query for SearchPage<'_> {
    type SqlType = PageColumns;
}

impl QueryId for SearchPage<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl QueryFragment<Pg> for SearchPage<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "SELECT a.id, a.slug, a.title, a.description, a.favorites_count, \
             a.created_at, a.updated_at, a.tag_names, a.image, u.id, u.username, u.bio, u.image, \
             page.rank",
        );
        self.push_highlight(&mut out, "title", None, &self.title_options)?;
        self.push_highlight(
            &mut out,
            "body",
            Some(&HIGHLIGHTED_BODY_CHARS),
            &self.body_options,
        )?;
        out.push_sql(" FROM (SELECT a.id, ");
        self.criteria.push_rank(&mut out)?;
        out.push_sql(" AS rank FROM articles a WHERE TRUE");
        self.criteria.push_all(&mut out)?;
        self.push_after(&mut out)?;
        out.push_sql(" ORDER BY ");
        self.push_order(&mut out, "rank", "a");
        out.push_sql(" LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        if self.offset > 0 {
            out.push_sql(" OFFSET ");
            out.push_bind_param::<BigInt, _>(&self.offset)?;
        }
        out.push_sql(
            ") page JOIN articles a ON a.id = page.id JOIN users u ON u.id = a.author_id \
             ORDER BY ",
        );
        self.push_order(&mut out, "page.rank", "a");
        Ok(())
    }
}
