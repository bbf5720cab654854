//! Searching articles: validation before any port call, cursors, suggestions, and
//! the RealWorld list with a text.

use crate::ports::{
    ArticleFilter, SearchHit, SearchPosition, SearchQuery, SearchResults, SearchSort,
};
use crate::test_support::{MockPorts, article_by, field_names, folio, invalid_fields, profile};
use crate::use_cases::articles::PageRequest;
use crate::use_cases::search::SearchRequest;
use crate::use_cases::search_cursor;

fn results(hits: Vec<SearchHit>, more: bool, total: u64) -> SearchResults {
    SearchResults {
        hits,
        more,
        total,
        facets: Default::default(),
    }
}

fn hit(title: &str) -> SearchHit {
    let article = article_by(&profile("alice"), title);
    let position = SearchPosition::Relevance {
        rank: 0.5,
        id: article.id,
    };
    SearchHit {
        article,
        highlights: None,
        position,
    }
}

fn text(q: &str) -> SearchRequest {
    SearchRequest {
        q: Some(q.to_owned()),
        ..SearchRequest::default()
    }
}

#[tokio::test]
async fn invalid_parameters_are_refused_before_any_search() {
    // No expectations: the search port must not be called.
    let folio = folio(MockPorts::new());
    let request = SearchRequest {
        sort: Some("best".into()),
        limit: Some("0".into()),
        ..SearchRequest::default()
    };
    let errors = invalid_fields(folio.search_articles(None, &request).await);
    assert_eq!(field_names(&errors), ["limit", "sort"]);
}

#[tokio::test]
async fn a_full_page_carries_the_cursor_of_its_last_hit() {
    let mut ports = MockPorts::new();
    let (first, last) = (hit("First"), hit("Last"));
    let last_position = last.position;
    let page = vec![first, last];
    ports
        .search
        .expect_search()
        .withf(|query: &SearchQuery| {
            query.sort == SearchSort::Relevance && query.limit == 2 && query.with_facets
        })
        .return_once(move |_| Ok(results(page, true, 40)));
    let folio = folio(ports);
    let request = SearchRequest {
        limit: Some("2".into()),
        ..text("dragons")
    };

    let view = folio.search_articles(None, &request).await.unwrap();

    assert_eq!(view.total, 40);
    assert_eq!(view.hits.len(), 2);
    assert_eq!(view.suggestion, None, "enough results need no suggestion");
    let cursor = view.next_cursor.expect("a next page");
    assert_eq!(search_cursor::decode(&cursor), Some(last_position));
}

#[tokio::test]
async fn few_results_get_a_suggestion_from_the_closest_words() {
    let mut ports = MockPorts::new();
    ports
        .search
        .expect_search()
        .return_once(|_| Ok(results(Vec::new(), false, 0)));
    ports
        .search
        .expect_similar_words()
        .withf(|words: &[String]| words == ["train", "dragns"])
        .return_once(|_| Ok(vec![Some("train".into()), Some("dragons".into())]));
    let folio = folio(ports);

    let view = folio
        .search_articles(None, &text("Train  DRAGNS -x"))
        .await
        .unwrap();

    assert_eq!(view.next_cursor, None);
    assert_eq!(view.suggestion.as_deref(), Some("train dragons -x"));
    assert_eq!(view.query.filters.text.unwrap().full(), "train dragns -x");
}

#[tokio::test]
async fn the_list_with_a_blank_text_is_the_plain_list() {
    let mut ports = MockPorts::new();
    ports.articles.expect_list().return_once(|_| {
        Ok(crate::ports::ArticlePage {
            articles: Vec::new(),
            total: 0,
        })
    });
    // The search port must not be called.
    let folio = folio(ports);
    let list = folio
        .list_articles_matching(None, ArticleFilter::default(), "  ", PageRequest::default())
        .await
        .unwrap();
    assert_eq!(list.total, 0);
}

#[tokio::test]
async fn the_list_with_a_text_searches_by_relevance_with_its_filters_and_offset() {
    let mut ports = MockPorts::new();
    ports
        .search
        .expect_search()
        .withf(|query: &SearchQuery| {
            query.sort == SearchSort::Relevance
                && query.offset == 20
                && query.limit == 10
                && !query.with_facets
                && query.filters.tags == ["myth"]
                && query.filters.authors.is_empty()
                && query.after.is_none()
        })
        .return_once(|_| Ok(results(vec![hit("Dragons")], false, 21)));
    let folio = folio(ports);
    let filter = ArticleFilter {
        tag: Some("myth".into()),
        ..ArticleFilter::default()
    };
    let page = PageRequest {
        limit: Some(10),
        offset: Some(20),
    };
    let list = folio
        .list_articles_matching(None, filter, "dragons", page)
        .await
        .unwrap();
    assert_eq!(list.total, 21);
    assert_eq!(list.articles.len(), 1);
    assert_eq!(list.revision, None);
    assert_eq!(list.articles[0].article.title.as_str(), "Dragons");
}

#[tokio::test]
async fn insights_are_for_moderators_and_admins_only() {
    use folio_domain::Role;

    use crate::error::AppError;
    use crate::ports::SearchInsights;
    use crate::test_support::{actor_for, now};

    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .search_insights
        .expect_insights()
        .withf(|since, top| *since == now() - chrono::Duration::days(7) && *top == 20)
        .times(1)
        .return_once(|_, _| Ok(SearchInsights::default()));
    let folio = folio(ports);
    let member = actor_for(&profile("member"));
    let moderator = folio_domain::Actor::new(member.user_id, Role::Moderator);

    assert!(matches!(
        folio.search_insights(member, None).await,
        Err(AppError::Forbidden)
    ));
    let errors = invalid_fields(folio.search_insights(moderator, Some("soon")).await);
    assert_eq!(field_names(&errors), ["since"]);
    assert!(folio.search_insights(moderator, None).await.is_ok());
}
