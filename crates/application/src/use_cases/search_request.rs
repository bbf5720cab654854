//! The parameters of a search as the client sent them, checked into a
//! [`SearchQuery`]: every invalid parameter is named at once (422), and what was
//! understood is echoed back in its normalized form.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use folio_domain::Timestamp;

use super::search_cursor;
use super::search_text::{self, MAX_TEXT_CHARS};
use crate::FieldErrors;
use crate::ports::{SearchFilters, SearchQuery, SearchSort};

/// Results per page when the client does not ask for a size.
pub const DEFAULT_SEARCH_PAGE: u32 = 20;
/// Larger pages are refused (not cut): a search client asks for what it shows.
pub const MAX_SEARCH_PAGE: u32 = 100;
/// Values of one repeatable parameter (`tag`, `author`) at most.
pub const MAX_VALUES_PER_FILTER: usize = 20;

/// Every parameter as sent; repeatable ones in the order given.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: Option<String>,
    pub tags: Vec<String>,
    pub authors: Vec<String>,
    pub favorited_by: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub min_favorites: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

impl SearchRequest {
    /// The query this request asks for, or every problem with it.
    pub fn parse(&self) -> Result<SearchQuery, FieldErrors> {
        let mut errors = FieldErrors::new();
        let text = match &self.q {
            Some(q) if q.chars().count() > MAX_TEXT_CHARS => {
                errors.add(
                    "q",
                    format!("is too long (maximum is {MAX_TEXT_CHARS} characters)"),
                );
                None
            }
            // PostgreSQL text cannot hold NUL; other control characters separate words.
            Some(q) => search_text::normalize(&q.replace(char::is_control, " ")),
            None => None,
        };
        let tags = names(&mut errors, "tag", &self.tags);
        let authors = names(&mut errors, "author", &self.authors);
        let favorited_by = self
            .favorited_by
            .as_ref()
            .and_then(|name| names(&mut errors, "favoritedBy", std::slice::from_ref(name)).pop());
        let since = self
            .since
            .as_deref()
            .and_then(|raw| instant(&mut errors, "since", raw, DayEdge::Start));
        let until = self
            .until
            .as_deref()
            .and_then(|raw| instant(&mut errors, "until", raw, DayEdge::End));
        if let (Some(since), Some(until)) = (since, until)
            && until < since
        {
            errors.add("until", "must not be before since");
        }
        let min_favorites = self.min_favorites.as_deref().and_then(|raw| {
            let parsed = raw.parse::<u32>().ok();
            if parsed.is_none() {
                errors.add("minFavorites", "must be a whole number, zero or more");
            }
            parsed
        });
        let sort = match self.sort.as_deref() {
            None if text.is_some() => SearchSort::Relevance,
            None => SearchSort::Recent,
            Some("relevance") if text.is_none() => {
                errors.add("sort", "relevance needs a search text (q)");
                SearchSort::Recent
            }
            Some("relevance") => SearchSort::Relevance,
            Some("recent") => SearchSort::Recent,
            Some("popular") => SearchSort::Popular,
            Some(_) => {
                errors.add("sort", "must be one of relevance, recent, popular");
                SearchSort::Recent
            }
        };
        let limit = match self.limit.as_deref().map(str::parse::<u32>) {
            None => DEFAULT_SEARCH_PAGE,
            Some(Ok(limit)) if (1..=MAX_SEARCH_PAGE).contains(&limit) => limit,
            Some(_) => {
                errors.add(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_SEARCH_PAGE}"),
                );
                DEFAULT_SEARCH_PAGE
            }
        };
        let after = match self.cursor.as_deref() {
            None => None,
            Some(cursor) => match search_cursor::decode(cursor) {
                Some(position) if position.sort() == sort => Some(position),
                _ => {
                    errors.add("cursor", "is not a cursor of this search");
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SearchQuery {
            filters: SearchFilters {
                text,
                tags,
                authors,
                favorited_by,
                since,
                until,
                min_favorites,
            },
            sort,
            limit,
            after,
            offset: 0,
            with_facets: true,
        })
    }
}

/// Distinct, non-blank names in a stable order (so equal searches are equal), at
/// most [`MAX_VALUES_PER_FILTER`].
fn names(errors: &mut FieldErrors, field: &str, raw: &[String]) -> Vec<String> {
    let mut names: Vec<String> = raw.iter().map(|name| name.trim().to_owned()).collect();
    if names.iter().any(|name| name.is_empty()) {
        errors.add(field, "can't be blank");
    }
    if names.iter().any(|name| name.contains(char::is_control)) {
        errors.add(field, "must not contain control characters");
    }
    names.sort();
    names.dedup();
    if names.len() > MAX_VALUES_PER_FILTER {
        errors.add(
            field,
            format!("may be given at most {MAX_VALUES_PER_FILTER} times"),
        );
    }
    names
}

/// Which end of a day a bare date stands for.
#[derive(Clone, Copy)]
pub(crate) enum DayEdge {
    Start,
    End,
}

/// An RFC 3339 date-time, or a full date (`2026-11-05`): `since` from the start of
/// that day (UTC), `until` to its end.
pub(crate) fn instant(
    errors: &mut FieldErrors,
    field: &str,
    raw: &str,
    edge: DayEdge,
) -> Option<Timestamp> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Some(at.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok();
    let at = day.and_then(|day| match edge {
        DayEdge::Start => Some(day.and_time(NaiveTime::MIN).and_utc()),
        DayEdge::End => day.checked_add_days(Days::new(1)).map(|next| {
            next.and_time(NaiveTime::MIN).and_utc() - chrono::Duration::microseconds(1)
        }),
    });
    if at.is_none() {
        errors.add(
            field,
            "must be an RFC 3339 date-time (2026-11-05T10:00:00Z) or date (2026-11-05)",
        );
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(request: SearchRequest) -> Vec<String> {
        match request.parse() {
            Ok(_) => Vec::new(),
            Err(errors) => errors.fields().keys().cloned().collect(),
        }
    }

    #[test]
    fn defaults_depend_on_the_text() {
        let plain = SearchRequest::default().parse().unwrap();
        assert_eq!(
            (plain.sort, plain.limit),
            (SearchSort::Recent, DEFAULT_SEARCH_PAGE)
        );
        let texted = SearchRequest {
            q: Some("dragons".into()),
            ..Default::default()
        };
        assert_eq!(texted.parse().unwrap().sort, SearchSort::Relevance);
        let blank = SearchRequest {
            q: Some("   ".into()),
            ..Default::default()
        };
        assert_eq!(blank.parse().unwrap().filters.text, None);
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let request = SearchRequest {
            q: Some("x".repeat(MAX_TEXT_CHARS + 1)),
            tags: vec![" ".into()],
            authors: (0..=MAX_VALUES_PER_FILTER)
                .map(|n| format!("a{n}"))
                .collect(),
            favorited_by: Some("bad\u{0}name".into()),
            since: Some("yesterday".into()),
            until: Some("2026-13-01".into()),
            min_favorites: Some("-1".into()),
            sort: Some("best".into()),
            limit: Some("500".into()),
            cursor: Some("garbage".into()),
        };
        assert_eq!(
            problems(request),
            [
                "author",
                "cursor",
                "favoritedBy",
                "limit",
                "minFavorites",
                "q",
                "since",
                "sort",
                "tag",
                "until"
            ]
        );
        for limit in ["0", "101", "ten", "-1"] {
            let request = SearchRequest {
                limit: Some(limit.into()),
                ..Default::default()
            };
            assert_eq!(problems(request), ["limit"], "{limit}");
        }
    }

    #[test]
    fn relevance_needs_text_and_a_cursor_its_sort() {
        let request = SearchRequest {
            sort: Some("relevance".into()),
            ..Default::default()
        };
        assert_eq!(problems(request), ["sort"]);
        let recent = search_cursor::encode(&crate::ports::SearchPosition::Recent {
            created_at: Utc::now(),
            id: folio_domain::ArticleId::generate(),
        });
        let request = SearchRequest {
            sort: Some("popular".into()),
            cursor: Some(recent.clone()),
            ..Default::default()
        };
        assert_eq!(problems(request), ["cursor"]);
        let request = SearchRequest {
            cursor: Some(recent),
            ..Default::default()
        };
        assert_eq!(problems(request), Vec::<String>::new());
    }

    #[test]
    fn dates_cover_whole_days_and_must_be_in_order() {
        let request = SearchRequest {
            since: Some("2026-11-05".into()),
            until: Some("2026-11-05".into()),
            ..Default::default()
        };
        let query = request.parse().unwrap();
        let (since, until) = (query.filters.since.unwrap(), query.filters.until.unwrap());
        assert_eq!(since.to_rfc3339(), "2026-11-05T00:00:00+00:00");
        assert_eq!(until.to_rfc3339(), "2026-11-05T23:59:59.999999+00:00");
        let request = SearchRequest {
            since: Some("2026-11-05T10:00:00+02:00".into()),
            until: Some("2026-11-05T07:59:59Z".into()),
            ..Default::default()
        };
        assert_eq!(problems(request), ["until"]);
    }

    #[test]
    fn names_are_trimmed_deduplicated_and_sorted() {
        let request = SearchRequest {
            tags: vec!["rust".into(), " go".into(), "rust".into()],
            ..Default::default()
        };
        assert_eq!(request.parse().unwrap().filters.tags, ["go", "rust"]);
    }
}
