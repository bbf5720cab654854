//! The JSON form of a cached search page (see `cached_content` for the articles):
//! positions keep their exact values (the rank as the bits of its f32, times in
//! microseconds), since the next page's cursor is made from them.

use chrono::DateTime;
use folio_application::content_cache::SearchAnswer;
use folio_application::ports::{
    FacetCount, Facets, HighlightSegment, Highlighted, PortError, SearchHit, SearchPosition,
    SearchResults,
};
use folio_domain::{ArticleId, Timestamp};
use serde::{Deserialize, Serialize};

use crate::cached_content::{CachedArticle, unreadable, uuid};

#[derive(Serialize, Deserialize)]
pub(crate) struct CachedSearchPage {
    suggestion: Option<String>,
    hits: Vec<CachedHit>,
    more: bool,
    total: u64,
    facets: [Vec<(String, u64)>; 3],
}

#[derive(Serialize, Deserialize)]
struct CachedHit {
    article: CachedArticle,
    /// Title then body, as (text, matched) segments.
    highlights: Option<[Vec<(String, bool)>; 2]>,
    /// `r` rank bits, `t` or `p` (favorites): with the creation time in µs and id.
    position: (char, u64, i64, String),
}

fn micros(at: i64) -> Result<Timestamp, PortError> {
    DateTime::from_timestamp_micros(at).ok_or_else(|| unreadable(format!("time {at}")))
}

impl CachedSearchPage {
    pub fn from_answer(answer: &SearchAnswer) -> Self {
        let results = &answer.results;
        let facet = |counts: &[FacetCount]| {
            counts
                .iter()
                .map(|count| (count.value.clone(), count.count))
                .collect()
        };
        Self {
            suggestion: answer.suggestion.clone(),
            hits: results.hits.iter().map(CachedHit::from_hit).collect(),
            more: results.more,
            total: results.total,
            facets: [
                facet(&results.facets.tags),
                facet(&results.facets.authors),
                facet(&results.facets.published),
            ],
        }
    }

    pub fn into_answer(self) -> Result<SearchAnswer, PortError> {
        let facet = |counts: Vec<(String, u64)>| {
            counts
                .into_iter()
                .map(|(value, count)| FacetCount { value, count })
                .collect()
        };
        let [tags, authors, published] = self.facets;
        let results = SearchResults {
            hits: self
                .hits
                .into_iter()
                .map(CachedHit::into_hit)
                .collect::<Result<_, _>>()?,
            more: self.more,
            total: self.total,
            facets: Facets {
                tags: facet(tags),
                authors: facet(authors),
                published: facet(published),
            },
        };
        Ok(SearchAnswer {
            results,
            suggestion: self.suggestion,
        })
    }
}

impl CachedHit {
    fn from_hit(hit: &SearchHit) -> Self {
        let segments = |text: &Highlighted| {
            text.0
                .iter()
                .map(|segment| (segment.text.clone(), segment.matched))
                .collect()
        };
        let position = match hit.position {
            SearchPosition::Relevance { rank, id } => {
                ('r', u64::from(rank.to_bits()), 0, id.to_string())
            }
            SearchPosition::Recent { created_at, id } => {
                ('t', 0, created_at.timestamp_micros(), id.to_string())
            }
            SearchPosition::Popular {
                favorites,
                created_at,
                id,
            } => (
                'p',
                u64::try_from(favorites).unwrap_or(0),
                created_at.timestamp_micros(),
                id.to_string(),
            ),
        };
        Self {
            article: CachedArticle::from_article(&hit.article),
            highlights: hit
                .highlights
                .as_ref()
                .map(|(title, body)| [segments(title), segments(body)]),
            position,
        }
    }

    fn into_hit(self) -> Result<SearchHit, PortError> {
        let segments = |segments: Vec<(String, bool)>| {
            Highlighted(
                segments
                    .into_iter()
                    .map(|(text, matched)| HighlightSegment { text, matched })
                    .collect(),
            )
        };
        let (sort, number, at, id) = self.position;
        let id = ArticleId::from_uuid(uuid(&id)?);
        let position = match sort {
            'r' => SearchPosition::Relevance {
                rank: f32::from_bits(u32::try_from(number).map_err(|_| unreadable("rank bits"))?),
                id,
            },
            't' => SearchPosition::Recent {
                created_at: micros(at)?,
                id,
            },
            'p' => SearchPosition::Popular {
                favorites: i64::try_from(number).map_err(|_| unreadable("favorites"))?,
                created_at: micros(at)?,
                id,
            },
            other => return Err(unreadable(format!("position {other:?}"))),
        };
        Ok(SearchHit {
            article: self.article.into_article()?,
            highlights: self
                .highlights
                .map(|[title, body]| (segments(title), segments(body))),
            position,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use folio_domain::{
        Article, ArticleBody, ArticleDescription, ArticleTitle, Profile, Slug, TagList, UserId,
        Username,
    };

    use super::*;

    fn article() -> Article {
        Article {
            id: ArticleId::generate(),
            slug: Slug::from_trusted("dragons".into()),
            title: ArticleTitle::from_trusted("Dragons".into()),
            description: ArticleDescription::from_trusted("d".into()),
            body: ArticleBody::from_trusted(String::new()),
            tags: TagList::from_trusted(Vec::new()),
            image: None,
            author: Profile {
                user_id: UserId::generate(),
                username: Username::from_trusted("alice".into()),
                bio: None,
                image: None,
            },
            favorites_count: 3,
            created_at: DateTime::from_timestamp_millis(Utc::now().timestamp_millis())
                .unwrap_or_default(),
            updated_at: DateTime::from_timestamp_millis(0).unwrap_or_default(),
        }
    }

    #[test]
    fn a_page_survives_the_round_trip_with_exact_positions() -> Result<(), PortError> {
        let at = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap_or_default();
        let hit = |position: fn(ArticleId, Timestamp) -> SearchPosition, marked: bool| {
            let article = article();
            SearchHit {
                position: position(article.id, at),
                highlights: marked.then(|| {
                    let text = Highlighted(vec![HighlightSegment {
                        text: "Dragons".into(),
                        matched: true,
                    }]);
                    (text.clone(), text)
                }),
                article,
            }
        };
        let results = SearchResults {
            hits: vec![
                hit(
                    |id, _| SearchPosition::Relevance {
                        rank: 0.060_792_71,
                        id,
                    },
                    true,
                ),
                hit(
                    |id, created_at| SearchPosition::Recent { created_at, id },
                    false,
                ),
                hit(
                    |id, created_at| SearchPosition::Popular {
                        favorites: 7,
                        created_at,
                        id,
                    },
                    false,
                ),
            ],
            more: true,
            total: 41,
            facets: Facets {
                tags: vec![FacetCount {
                    value: "rust".into(),
                    count: 2,
                }],
                authors: Vec::new(),
                published: vec![FacetCount {
                    value: "2026-11".into(),
                    count: 9,
                }],
            },
        };
        let answer = SearchAnswer {
            results,
            suggestion: Some("dragons".into()),
        };
        let json = crate::cached_content::encode(&CachedSearchPage::from_answer(&answer))?;
        let back = crate::cached_content::decode::<CachedSearchPage>(&json)?.into_answer()?;
        assert_eq!(back, answer);
        Ok(())
    }
}
