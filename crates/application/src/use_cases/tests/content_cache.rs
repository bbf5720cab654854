//! Reads through the content cache and the invalidation of each write.

use folio_domain::{Actor, Role, Slug};

use crate::content_cache::{ArticlePages, Articles, ListKey, Profiles, SharedVersion};
use crate::ports::{ArticlePage, ViewerFacts};
use crate::test_support::{MockPorts, article_by, now, profile};
use crate::use_cases::articles::{ArticleEdit, PageRequest};
use crate::{ClientInfo, Folio, RateLimits, SessionPolicy};

fn no_articles() -> ArticlePage {
    ArticlePage {
        articles: vec![],
        total: 0,
    }
}

fn cached(ports: MockPorts) -> Folio<MockPorts> {
    let policy = SessionPolicy {
        cache_ttl: std::time::Duration::ZERO,
        ..SessionPolicy::default()
    };
    Folio::new(ports, policy).with_rate_limits(RateLimits {
        enabled: false,
        ..RateLimits::default()
    })
}

fn first_page(tag: Option<&str>, author: Option<&str>) -> ListKey {
    ListKey {
        tag: tag.map(str::to_owned),
        author: author.map(str::to_owned),
        feed_of: None,
        limit: 20,
    }
}

#[tokio::test]
async fn a_cached_article_is_served_without_the_repository() {
    let jake = profile("jake");
    let article = article_by(&jake, "Hello");
    let mut ports = MockPorts::new();
    ports
        .content_cache
        .holds::<Articles>(&article.slug, 3, article.clone());
    ports.articles.expect_find_by_slug().never();
    let folio = cached(ports);

    let view = folio.article(None, "hello").await.unwrap();

    assert_eq!(view.article, article);
    assert_eq!(folio.ports().content_cache.log(), ["get articles"]);
}

#[tokio::test]
async fn a_miss_loads_and_stores_under_the_version_it_read() {
    let jake = profile("jake");
    let article = article_by(&jake, "Hello");
    let loaded = article.clone();
    let mut ports = MockPorts::new();
    ports.content_cache.at_version::<Articles>(&article.slug, 7);
    ports
        .articles
        .expect_find_by_slug()
        .times(1)
        .returning(move |_| Ok(Some(loaded.clone())));
    let folio = cached(ports);

    folio.article(None, "hello").await.unwrap();

    let cache = &folio.ports().content_cache;
    assert_eq!(
        cache.stores::<Articles>(),
        [(article.slug.clone(), 7, article)]
    );
    assert_eq!(cache.log(), ["get articles", "store articles"]);
}

#[tokio::test]
async fn a_broken_cache_falls_back_to_the_repository() {
    let jake = profile("jake");
    let article = article_by(&jake, "Hello");
    let mut ports = MockPorts::new();
    ports.content_cache.down = true;
    ports
        .articles
        .expect_find_by_slug()
        .times(1)
        .returning(move |_| Ok(Some(article.clone())));
    let folio = cached(ports);

    assert!(folio.article(None, "hello").await.is_ok());
    assert!(folio.ports().content_cache.stores::<Articles>().is_empty());
}

#[tokio::test]
async fn only_first_pages_without_favorited_are_shared() {
    let mut ports = MockPorts::new();
    ports
        .articles
        .expect_list()
        .times(2)
        .returning(|_| Ok(no_articles()));
    let folio = cached(ports);

    let later = PageRequest {
        limit: None,
        offset: Some(20),
    };
    folio
        .list_articles(None, Default::default(), later)
        .await
        .unwrap();
    let favorited = crate::ports::ArticleFilter {
        favorited_by: Some("jake".to_owned()),
        ..Default::default()
    };
    folio
        .list_articles(None, favorited, PageRequest::default())
        .await
        .unwrap();

    assert!(folio.ports().content_cache.log().is_empty());
}

#[tokio::test]
async fn a_first_page_is_keyed_by_tag_author_in_lower_case_and_limit() {
    let mut ports = MockPorts::new();
    let page = ArticlePage {
        articles: vec![],
        total: 9,
    };
    let key = first_page(Some("rust"), Some("jake"));
    ports.content_cache.holds::<ArticlePages>(&key, 1, page);
    ports.articles.expect_list().never();
    let folio = cached(ports);

    let filter = crate::ports::ArticleFilter {
        tag: Some("rust".to_owned()),
        author: Some("JAKE".to_owned()),
        favorited_by: None,
    };
    let list = folio
        .list_articles(None, filter, PageRequest::default())
        .await
        .unwrap();

    assert_eq!(list.total, 9);
    assert_eq!(folio.ports().content_cache.gets::<ArticlePages>(), [key]);
}

/// Spellings of one name share a page: the author is keyed by `Username::key`, not
/// by a lower-casing that keeps a final sigma.
#[tokio::test]
async fn a_first_page_is_keyed_by_the_authors_username_key() {
    let mut ports = MockPorts::new();
    let key = first_page(None, Some("ασ"));
    ports
        .content_cache
        .holds::<ArticlePages>(&key, 1, no_articles());
    ports.articles.expect_list().never();
    let folio = cached(ports);

    for author in ["ΑΣ", "ας", "Ας"] {
        let filter = crate::ports::ArticleFilter {
            author: Some(author.to_owned()),
            ..Default::default()
        };
        folio
            .list_articles(None, filter, PageRequest::default())
            .await
            .unwrap();
    }

    let asked = folio.ports().content_cache.gets::<ArticlePages>();
    assert_eq!(asked, [key.clone(), key.clone(), key]);
}

#[tokio::test]
async fn a_retitling_edit_invalidates_both_slugs_the_lists_and_the_tags() {
    let jake = profile("jake");
    let actor = Actor::new(jake.user_id, Role::Member);
    let article = article_by(&jake, "Old title");
    let stored = article.clone();
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .articles
        .expect_find_by_slug()
        .returning(move |_| Ok(Some(stored.clone())));
    let renamed = {
        let mut renamed = article.clone();
        renamed.slug = Slug::from_trusted("new-title".to_owned());
        renamed
    };
    ports
        .articles
        .expect_update()
        .returning(move |_, _| Ok(renamed.clone()));
    ports
        .articles
        .expect_viewer_facts()
        .returning(|_, _, _| Ok(ViewerFacts::default()));
    let folio = cached(ports);

    let edit = ArticleEdit {
        title: Some("New title".to_owned()),
        tags: Some(vec!["x".to_owned()]),
        ..ArticleEdit::default()
    };
    folio.edit_article(actor, "old-title", edit).await.unwrap();

    let cache = &folio.ports().content_cache;
    let bumps = cache.bumps::<Articles>();
    let slugs: Vec<Vec<&str>> = bumps
        .iter()
        .map(|slugs| slugs.iter().map(Slug::as_str).collect())
        .collect();
    assert_eq!(slugs, [["old-title", "new-title"]]);
    assert_eq!(
        cache.shared_bumps(),
        [[
            SharedVersion::LISTS,
            SharedVersion::FEEDS,
            SharedVersion::TAGS
        ]]
    );
    assert_eq!(
        cache.log(),
        ["bump articles", "bump shared lists feeds tags"]
    );
}

#[tokio::test]
async fn a_failed_invalidation_does_not_fail_the_write() {
    let jake = profile("jake");
    let actor = Actor::new(jake.user_id, Role::Member);
    let article = article_by(&jake, "Gone soon");
    let mut ports = MockPorts::new();
    ports
        .articles
        .expect_find_by_slug()
        .returning(move |_| Ok(Some(article.clone())));
    ports
        .articles
        .expect_delete()
        .times(1)
        .returning(|_| Ok(()));
    ports.content_cache.down = true;
    let folio = cached(ports);

    assert!(
        folio
            .delete_article(actor, "gone-soon", &ClientInfo::default())
            .await
            .is_ok()
    );
    assert_eq!(folio.ports().content_cache.log(), ["bump articles"]);
}

#[tokio::test]
async fn a_first_feed_page_is_cached_per_reader() {
    let jake = profile("jake");
    let reader = Actor::new(profile("reader").user_id, Role::Member);
    let cached_page = ArticlePage {
        articles: vec![article_by(&jake, "Followed")],
        total: 4,
    };
    let key = ListKey {
        tag: None,
        author: None,
        feed_of: Some(reader.user_id),
        limit: 20,
    };
    let mut ports = MockPorts::new();
    ports
        .content_cache
        .holds::<ArticlePages>(&key, 2, cached_page);
    ports.articles.expect_list().never();
    ports.no_viewer_facts(1);
    let folio = cached(ports);

    let feed = folio.feed(reader, PageRequest::default()).await.unwrap();

    assert_eq!(feed.total, 4);
    assert_eq!(feed.articles[0].article.title.as_str(), "Followed");
    assert_eq!(folio.ports().content_cache.gets::<ArticlePages>(), [key]);
}

#[tokio::test]
async fn later_feed_pages_are_not_cached() {
    let jake = profile("jake");
    let mut ports = MockPorts::new();
    ports
        .articles
        .expect_list()
        .times(1)
        .returning(|_| Ok(no_articles()));
    let folio = cached(ports);

    let later = PageRequest {
        limit: None,
        offset: Some(20),
    };
    let reader = Actor::new(jake.user_id, Role::Member);
    folio.feed(reader, later).await.unwrap();

    assert!(folio.ports().content_cache.log().is_empty());
}

#[tokio::test]
async fn following_and_unfollowing_invalidate_the_feeds_but_not_the_lists() {
    let fan = profile("fan");
    let celeb = profile("celeb");
    let mut ports = MockPorts::new();
    ports
        .content_cache
        .holds::<Profiles>(&celeb.username.key(), 1, celeb.clone());
    ports
        .profiles
        .expect_follow()
        .times(1)
        .returning(|_, _| Ok(true));
    ports
        .profiles
        .expect_unfollow()
        .times(1)
        .returning(|_, _| Ok(true));
    let folio = cached(ports);
    let actor = Actor::new(fan.user_id, Role::Member);

    folio.follow(actor, "celeb").await.unwrap();
    folio.unfollow(actor, "celeb").await.unwrap();

    let cache = &folio.ports().content_cache;
    assert_eq!(
        cache.shared_bumps(),
        [[SharedVersion::FEEDS], [SharedVersion::FEEDS]]
    );
    assert_eq!(
        cache.log(),
        [
            "get profiles",
            "bump shared feeds",
            "get profiles",
            "bump shared feeds"
        ]
    );
}

#[tokio::test]
async fn the_revision_of_a_public_first_page_comes_from_the_cache_alone() {
    let mut ports = MockPorts::new();
    let key = first_page(Some("rust"), None);
    ports.content_cache.at_version::<ArticlePages>(&key, 12);
    ports.articles.expect_list().never();
    let folio = cached(ports);

    let filter = crate::ports::ArticleFilter {
        tag: Some("rust".to_owned()),
        ..Default::default()
    };
    let later = PageRequest {
        limit: None,
        offset: Some(20),
    };
    let invalid = PageRequest {
        limit: Some(0),
        offset: None,
    };
    let favorited = crate::ports::ArticleFilter {
        favorited_by: Some("jake".to_owned()),
        ..Default::default()
    };

    assert_eq!(
        folio
            .public_list_revision(filter.clone(), PageRequest::default())
            .await,
        Some(12)
    );
    assert_eq!(
        folio.public_list_revision(filter.clone(), later).await,
        None
    );
    assert_eq!(folio.public_list_revision(filter, invalid).await, None);
    assert_eq!(
        folio
            .public_list_revision(favorited, PageRequest::default())
            .await,
        None
    );
    let cache = &folio.ports().content_cache;
    assert_eq!(cache.versions_asked::<ArticlePages>(), [key]);
    assert_eq!(cache.log(), ["version lists"]);
}

#[tokio::test]
async fn an_unknown_revision_is_no_revision() {
    let mut ports = MockPorts::new();
    ports.content_cache.down = true;
    let folio = cached(ports);

    let revision = folio
        .public_list_revision(Default::default(), PageRequest::default())
        .await;

    assert_eq!(revision, None);
}
