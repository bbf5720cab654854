//! "Did you mean": for each word, the most similar word of a title or a tag name by
//! trigram similarity (pg_trgm), found through the trigram indexes on
//! `articles.title` and `tags.name`.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Array, Nullable, Text};

/// Candidates less similar than this are no correction: 0.4 keeps one-letter
/// typos of words of five letters or more, and little else.
const MIN_SIMILARITY: f32 = 0.4;

/// What the trigram operators (`%`, `<%`), and so the index scans, let through:
/// the same bound (pg_trgm's defaults, 0.3 and 0.6, would miss `dragns` in a title
/// with `dragons`, whose word similarity is 0.57).
pub(super) const THRESHOLDS: &str = "SET LOCAL pg_trgm.similarity_threshold = 0.4; \
     SET LOCAL pg_trgm.word_similarity_threshold = 0.4";

/// Titles read per word to collect candidate words from.
const TITLES_PER_WORD: i64 = 50;

pub(super) struct SimilarWords<'a> {
    pub words: &'a [String],
}

impl QueryId for SimilarWords<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for SimilarWords<'_> {
    type SqlType = (Text, Nullable<Text>);
}

impl QueryFragment<Pg> for SimilarWords<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT w.word, best.word FROM unnest(");
        out.push_bind_param::<Array<Text>, _>(self.words)?;
        out.push_sql(
            ") WITH ORDINALITY AS w(word, n) LEFT JOIN LATERAL (\
             SELECT c.word FROM (\
             SELECT lower(t.name) AS word FROM tags t WHERE t.name % w.word \
             UNION \
             SELECT x.word FROM (SELECT title FROM articles WHERE w.word <% title LIMIT ",
        );
        out.push_bind_param::<diesel::sql_types::BigInt, _>(&TITLES_PER_WORD)?;
        out.push_sql(
            ") titled CROSS JOIN LATERAL \
             regexp_split_to_table(lower(titled.title), '[^[:alnum:]]+') AS x(word)\
             ) c WHERE similarity(c.word, w.word) >= ",
        );
        out.push_bind_param::<diesel::sql_types::Float, _>(&MIN_SIMILARITY)?;
        out.push_sql(
            " ORDER BY similarity(c.word, w.word) DESC, c.word COLLATE \"C\" LIMIT 1\
             ) best ON TRUE ORDER BY w.n",
        );
        Ok(())
    }
}
