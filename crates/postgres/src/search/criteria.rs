//! A search's filters as the values its statements bind, and the SQL conditions
//! they make. Every value a client sent is a bound parameter; the SQL text depends
//! only on which filters are present.

use diesel::QueryResult;
use diesel::pg::Pg;
use diesel::query_builder::AstPass;
use diesel::sql_types::{Array, Integer, Text, Timestamptz};
use folio_application::ports::SearchFilters;
use folio_domain::{Timestamp, UsernameKey};

/// The facet filters, each of which its own facet is counted without.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FacetFilter {
    Tags,
    Authors,
    Published,
}

pub(super) struct Criteria {
    language: String,
    terms: Option<String>,
    prefix: Option<String>,
    tags: Vec<String>,
    author_keys: Vec<String>,
    fan_key: Option<String>,
    since: Option<Timestamp>,
    until: Option<Timestamp>,
    min_favorites: Option<i32>,
}

impl Criteria {
    pub(super) fn new(language: &str, filters: &SearchFilters) -> Self {
        let text = filters.text.as_ref();
        Self {
            language: language.to_owned(),
            terms: text
                .map(|text| text.terms.clone())
                .filter(|terms| !terms.is_empty()),
            prefix: text.and_then(|text| text.prefix.as_ref().map(|p| p.as_str().to_owned())),
            tags: filters.tags.clone(),
            author_keys: filters
                .authors
                .iter()
                .map(|name| UsernameKey::of(name).as_str().to_owned())
                .collect(),
            fan_key: filters
                .favorited_by
                .as_ref()
                .map(|name| UsernameKey::of(name).as_str().to_owned()),
            since: filters.since,
            until: filters.until,
            // Counts are i32 in the table; anything larger matches nothing either way.
            min_favorites: filters
                .min_favorites
                .map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
        }
    }

    pub(super) fn has_text(&self) -> bool {
        self.terms.is_some() || self.prefix.is_some()
    }

    pub(super) fn push_language<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_bind_param::<Text, _>(&self.language)?;
        out.push_sql("::regconfig");
        Ok(())
    }

    /// The tsquery of the text: web-search syntax for the terms, AND the last word
    /// as a prefix. `websearch_to_tsquery` accepts any input; the prefix word is
    /// letters and digits only (`PrefixWord`), so `to_tsquery` cannot fail on it.
    pub(super) fn push_tsquery<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("(");
        if let Some(terms) = &self.terms {
            out.push_sql("websearch_to_tsquery(");
            self.push_language(out)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(terms)?;
            out.push_sql(")");
        }
        if let Some(prefix) = &self.prefix {
            if self.terms.is_some() {
                out.push_sql(" && ");
            }
            out.push_sql("to_tsquery(");
            self.push_language(out)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(prefix)?;
            out.push_sql(" || ':*')");
        }
        if !self.has_text() {
            out.push_sql("NULL::tsquery");
        }
        out.push_sql(")");
        Ok(())
    }

    /// `ts_rank` with the default weights (D 0.1, C 0.2, B 0.4, A 1.0): a word in the
    /// title counts five times one in the body.
    pub(super) fn push_rank<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        if !self.has_text() {
            out.push_sql("0::real");
            return Ok(());
        }
        out.push_sql("ts_rank(a.search_document, ");
        self.push_tsquery(out)?;
        out.push_sql(")");
        Ok(())
    }

    /// ` AND ...` for every filter but the facet filters (which [`Self::push_facet`]
    /// writes), over `articles a`.
    pub(super) fn push_base<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        if self.has_text() {
            out.push_sql(" AND a.search_document @@ ");
            self.push_tsquery(out)?;
        }
        if let Some(fan) = &self.fan_key {
            out.push_sql(
                " AND a.id IN (SELECT f.article_id FROM favorites f \
                 JOIN users fan ON fan.id = f.user_id WHERE fan.username_key = ",
            );
            out.push_bind_param::<Text, _>(fan)?;
            out.push_sql(")");
        }
        if let Some(min) = &self.min_favorites {
            out.push_sql(" AND a.favorites_count >= ");
            out.push_bind_param::<Integer, _>(min)?;
        }
        Ok(())
    }

    /// Whether the facet filter is given at all.
    pub(super) fn has(&self, filter: FacetFilter) -> bool {
        match filter {
            FacetFilter::Tags => !self.tags.is_empty(),
            FacetFilter::Authors => !self.author_keys.is_empty(),
            FacetFilter::Published => self.since.is_some() || self.until.is_some(),
        }
    }

    /// The condition of one facet filter (`TRUE` when it is not given).
    pub(super) fn push_facet<'b>(
        &'b self,
        filter: FacetFilter,
        out: &mut AstPass<'_, 'b, Pg>,
    ) -> QueryResult<()> {
        if !self.has(filter) {
            out.push_sql("TRUE");
            return Ok(());
        }
        match filter {
            FacetFilter::Tags => {
                out.push_sql(
                    "a.id IN (SELECT l.article_id FROM article_tags l \
                     JOIN tags t ON t.id = l.tag_id WHERE t.name = ANY(",
                );
                out.push_bind_param::<Array<Text>, _>(&self.tags)?;
                out.push_sql("))");
            }
            FacetFilter::Authors => {
                out.push_sql(
                    "a.author_id IN (SELECT w.id FROM users w WHERE w.username_key = ANY(",
                );
                out.push_bind_param::<Array<Text>, _>(&self.author_keys)?;
                out.push_sql("))");
            }
            FacetFilter::Published => {
                out.push_sql("(TRUE");
                if let Some(since) = &self.since {
                    out.push_sql(" AND a.created_at >= ");
                    out.push_bind_param::<Timestamptz, _>(since)?;
                }
                if let Some(until) = &self.until {
                    out.push_sql(" AND a.created_at <= ");
                    out.push_bind_param::<Timestamptz, _>(until)?;
                }
                out.push_sql(")");
            }
        }
        Ok(())
    }

    /// ` AND ...` for every filter.
    pub(super) fn push_all<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.push_base(out)?;
        for filter in [
            FacetFilter::Tags,
            FacetFilter::Authors,
            FacetFilter::Published,
        ] {
            if self.has(filter) {
                out.push_sql(" AND ");
                self.push_facet(filter, out)?;
            }
        }
        Ok(())
    }
}
