//! Reads through the content cache and the invalidation of each write.

use folio_domain::{Actor, Role, Slug};

use crate::ports::{ArticlePage, ListKey, Lookup, PortError, ViewerFacts};
use crate::test_support::{MockPorts, article_by, now, profile, unavailable};
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

#[tokio::test]
async fn a_cached_article_is_served_without_the_repository() {
    let jake = profile("jake");
    let article = article_by(&jake, "Hello");
    let hit = article.clone();
    let mut ports = MockPorts::new();
    ports.content_cache.expect_article().returning(move |_| {
        Ok(Lookup {
            version: 3,
            value: Some(hit.clone()),
        })
    });
    ports.articles.expect_find_by_slug().never();
    let folio = cached(ports);

    let view = folio.article(None, "hello").await.unwrap();

    assert_eq!(view.article, article);
}

#[tokio::test]
async fn a_miss_loads_and_stores_under_the_version_it_read() {
    let jake = profile("jake");
    let article = article_by(&jake, "Hello");
    let loaded = article.clone();
    let mut ports = MockPorts::new();
    ports.content_cache.expect_article().returning(|_| {
        Ok(Lookup {
            version: 7,
            value: None,
        })
    });
    ports
        .articles
        .expect_find_by_slug()
        .times(1)
        .returning(move |_| Ok(Some(loaded.clone())));
    let expected = article.clone();
    ports
        .content_cache
        .expect_store_article()
        .withf(move |version, stored| *version == 7 && *stored == expected)
        .times(1)
        .returning(|_, _| Ok(()));
    let folio = cached(ports);

    folio.article(None, "hello").await.unwrap();
}

#[tokio::test]
async fn a_broken_cache_falls_back_to_the_repository() {
    let jake = profile("jake");
    let article = article_by(&jake, "Hello");
    let mut ports = MockPorts::new();
    ports
        .content_cache
        .expect_article()
        .returning(|_| Err(unavailable()));
    ports
        .articles
        .expect_find_by_slug()
        .times(1)
        .returning(move |_| Ok(Some(article.clone())));
    ports.content_cache.expect_store_article().never();
    let folio = cached(ports);

    assert!(folio.article(None, "hello").await.is_ok());
}

#[tokio::test]
async fn only_first_pages_without_favorited_are_shared() {
    let mut ports = MockPorts::new();
    ports.content_cache.expect_list_page().never();
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
}

#[tokio::test]
async fn a_first_page_is_keyed_by_tag_author_in_lower_case_and_limit() {
    let mut ports = MockPorts::new();
    let page = ArticlePage {
        articles: vec![],
        total: 9,
    };
    let cached_page = page.clone();
    ports
        .content_cache
        .expect_list_page()
        .withf(|key| {
            *key == ListKey {
                tag: Some("rust".to_owned()),
                author: Some("jake".to_owned()),
                feed_of: None,
                limit: 20,
            }
        })
        .returning(move |_| {
            Ok(Lookup {
                version: 1,
                value: Some(cached_page.clone()),
            })
        });
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
}

/// Spellings of one name share a page: the author is keyed by `Username::key`, not
/// by a lower-casing that keeps a final sigma.
#[tokio::test]
async fn a_first_page_is_keyed_by_the_authors_username_key() {
    let mut ports = MockPorts::new();
    ports
        .content_cache
        .expect_list_page()
        .withf(|key| key.author.as_deref() == Some("ασ"))
        .times(3)
        .returning(|_| {
            Ok(Lookup {
                version: 1,
                value: Some(no_articles()),
            })
        });
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
    ports
        .content_cache
        .expect_invalidate_articles()
        .withf(|slugs| {
            slugs.iter().map(Slug::as_str).collect::<Vec<_>>() == ["old-title", "new-title"]
        })
        .times(1)
        .returning(|_| Ok(()));
    ports
        .content_cache
        .expect_invalidate_lists()
        .times(1)
        .returning(|| Ok(()));
    ports
        .content_cache
        .expect_invalidate_tags()
        .times(1)
        .returning(|| Ok(()));
    let folio = cached(ports);

    let edit = ArticleEdit {
        title: Some("New title".to_owned()),
        tags: Some(vec!["x".to_owned()]),
        ..ArticleEdit::default()
    };
    folio.edit_article(actor, "old-title", edit).await.unwrap();
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
    ports
        .content_cache
        .expect_invalidate_articles()
        .returning(|_| Err(unavailable()));
    ports
        .content_cache
        .expect_invalidate_lists()
        .returning(|| Err(PortError::other(std::io::Error::other("down"))));
    ports
        .content_cache
        .expect_invalidate_tags()
        .returning(|| Err(unavailable()));
    let folio = cached(ports);

    assert!(
        folio
            .delete_article(actor, "gone-soon", &ClientInfo::default())
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_first_feed_page_is_cached_per_reader() {
    let jake = profile("jake");
    let reader = Actor::new(profile("reader").user_id, Role::Member);
    let cached_page = ArticlePage {
        articles: vec![article_by(&jake, "Followed")],
        total: 4,
    };
    let mut ports = MockPorts::new();
    ports
        .content_cache
        .expect_list_page()
        .withf(move |key| {
            *key == ListKey {
                tag: None,
                author: None,
                feed_of: Some(reader.user_id),
                limit: 20,
            }
        })
        .times(1)
        .returning(move |_| {
            Ok(Lookup {
                version: 2,
                value: Some(cached_page.clone()),
            })
        });
    ports.articles.expect_list().never();
    ports.no_viewer_facts(1);
    let folio = cached(ports);

    let feed = folio.feed(reader, PageRequest::default()).await.unwrap();

    assert_eq!(feed.total, 4);
    assert_eq!(feed.articles[0].article.title.as_str(), "Followed");
}

#[tokio::test]
async fn later_feed_pages_are_not_cached() {
    let jake = profile("jake");
    let mut ports = MockPorts::new();
    ports.content_cache.expect_list_page().never();
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
}

#[tokio::test]
async fn following_and_unfollowing_invalidate_the_feeds_but_not_the_lists() {
    let fan = profile("fan");
    let celeb = profile("celeb");
    let found = celeb.clone();
    let mut ports = MockPorts::new();
    ports.content_cache.expect_profile().returning(move |_| {
        Ok(Lookup {
            version: 1,
            value: Some(found.clone()),
        })
    });
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
    ports
        .content_cache
        .expect_invalidate_feeds()
        .times(2)
        .returning(|| Ok(()));
    ports.content_cache.expect_invalidate_lists().never();
    let folio = cached(ports);
    let actor = Actor::new(fan.user_id, Role::Member);

    folio.follow(actor, "celeb").await.unwrap();
    folio.unfollow(actor, "celeb").await.unwrap();
}

#[tokio::test]
async fn the_revision_of_a_public_first_page_comes_from_the_cache_alone() {
    let mut ports = MockPorts::new();
    ports
        .content_cache
        .expect_list_version()
        .withf(|key| key.tag.as_deref() == Some("rust") && key.feed_of.is_none())
        .times(1)
        .returning(|_| Ok(12));
    ports.content_cache.expect_list_page().never();
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
}

#[tokio::test]
async fn an_unknown_revision_is_no_revision() {
    let mut ports = MockPorts::new();
    ports
        .content_cache
        .expect_list_version()
        .returning(|_| Err(unavailable()));
    let folio = cached(ports);

    let revision = folio
        .public_list_revision(Default::default(), PageRequest::default())
        .await;

    assert_eq!(revision, None);
}
