//! Articles: lists, the feed, reading, publishing, editing, deleting, favorites, tags.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use folio_domain::{
    Actor, Article, ArticleBody, ArticleId, ArticleTitle, AuditEventType, Role, Slug, TagName,
    UserId,
};

use crate::ClientInfo;
use crate::error::{AppError, Resource};
use crate::ports::{
    ArticleChanges, ArticleFilter, ArticlePage, ArticleQuery, Conflict, NewArticle, PortError,
    ViewerFacts,
};
use crate::test_support::{
    MockPorts, actor_for, article_by, captured, changed_article, field_names, folio,
    invalid_fields, now, profile, stored_article, taken, unavailable,
};
use crate::use_cases::articles::{ArticleDraft, ArticleEdit, PageRequest};

const SLUG_TAKEN: &str = "produces a slug that is already taken";

fn page(limit: Option<i64>, offset: Option<i64>) -> PageRequest {
    PageRequest { limit, offset }
}

fn facts(favorited: &[ArticleId], following: &[UserId]) -> ViewerFacts {
    ViewerFacts {
        favorited: favorited.iter().copied().collect::<HashSet<_>>(),
        following: following.iter().copied().collect::<HashSet<_>>(),
    }
}

/// `list` returns `articles` (with `total`) once and records the query it got.
fn lists(
    ports: &mut MockPorts,
    articles: Vec<Article>,
    total: u64,
) -> crate::test_support::Captured<ArticleQuery> {
    let queries = captured();
    let seen = queries.clone();
    ports
        .articles
        .expect_list()
        .times(1)
        .returning(move |query| {
            seen.lock().unwrap().push(query);
            Ok(ArticlePage {
                articles: articles.clone(),
                total,
            })
        });
    queries
}

pub(super) fn draft(title: &str) -> ArticleDraft {
    ArticleDraft {
        title: title.to_owned(),
        description: "What it is about".to_owned(),
        body: "The text.".to_owned(),
        tags: vec!["rust".to_owned(), "actix".to_owned(), "rust".to_owned()],
        image: None,
    }
}

fn member(name: &str) -> Actor {
    actor_for(&profile(name))
}

fn client() -> ClientInfo {
    ClientInfo {
        ip: Some("203.0.113.7".into()),
        ..ClientInfo::default()
    }
}

// ---------------------------------------------------------------- listing

#[tokio::test]
async fn list_rejects_limit_zero_and_negative_offset_naming_both() {
    let mut ports = MockPorts::new();
    ports.articles.expect_list().never();
    let folio = folio(ports);

    let errors = invalid_fields(
        folio
            .list_articles(None, ArticleFilter::default(), page(Some(0), Some(-1)))
            .await,
    );

    assert_eq!(field_names(&errors), ["limit", "offset"]);
    assert_eq!(errors["limit"], ["must be at least 1"]);
    assert_eq!(errors["offset"], ["must be zero or more"]);
}

#[tokio::test]
async fn list_rejects_a_negative_limit_alone() {
    let mut ports = MockPorts::new();
    ports.articles.expect_list().never();
    let folio = folio(ports);

    let errors = invalid_fields(
        folio
            .list_articles(None, ArticleFilter::default(), page(Some(-5), Some(0)))
            .await,
    );

    assert_eq!(field_names(&errors), ["limit"]);
}

#[tokio::test]
async fn list_caps_the_limit_at_100_and_passes_filter_and_offset_through() {
    let mut ports = MockPorts::new();
    let queries = lists(&mut ports, Vec::new(), 0);
    let folio = folio(ports);
    let filter = ArticleFilter {
        tag: Some("rust".to_owned()),
        author: Some("jake".to_owned()),
        favorited_by: Some("ann".to_owned()),
    };

    folio
        .list_articles(None, filter.clone(), page(Some(500), Some(7)))
        .await
        .unwrap();

    let [query] = taken(&queries).try_into().unwrap();
    assert_eq!(
        query,
        ArticleQuery {
            filter,
            followed_by: None,
            limit: 100,
            offset: 7,
        }
    );
}

#[tokio::test]
async fn list_without_paging_asks_for_20_from_the_start() {
    let mut ports = MockPorts::new();
    let queries = lists(&mut ports, Vec::new(), 0);
    let folio = folio(ports);

    folio
        .list_articles(None, ArticleFilter::default(), PageRequest::default())
        .await
        .unwrap();

    let [query] = taken(&queries).try_into().unwrap();
    assert_eq!((query.limit, query.offset), (20, 0));
    assert_eq!(query.followed_by, None);
}

#[tokio::test]
async fn list_for_anonymous_viewer_never_loads_viewer_facts() {
    let alice = profile("alice");
    let articles = vec![
        article_by(&alice, "First"),
        article_by(&alice, "Second"),
        article_by(&alice, "Third"),
    ];
    let mut ports = MockPorts::new();
    lists(&mut ports, articles.clone(), 42);
    ports.articles.expect_viewer_facts().never();
    let folio = folio(ports);

    let list = folio
        .list_articles(None, ArticleFilter::default(), PageRequest::default())
        .await
        .unwrap();

    // The total counts every match, not the page.
    assert_eq!(list.total, 42);
    let shown: Vec<&Article> = list.articles.iter().map(|view| &view.article).collect();
    assert_eq!(shown, articles.iter().collect::<Vec<_>>());
    assert!(
        list.articles
            .iter()
            .all(|view| !view.favorited && !view.following_author)
    );
}

#[tokio::test]
async fn list_loads_viewer_facts_once_for_the_whole_page() {
    let alice = profile("alice");
    let bob = profile("bob");
    let carol = member("carol");
    let a1 = article_by(&alice, "One");
    let a2 = article_by(&bob, "Two");
    let a3 = article_by(&alice, "Three");
    let ids = [a1.id, a2.id, a3.id];
    let mut authors = vec![alice.user_id, bob.user_id];
    authors.sort();

    let mut ports = MockPorts::new();
    lists(&mut ports, vec![a1.clone(), a2.clone(), a3.clone()], 3);
    let (favorited, followed) = (a2.id, alice.user_id);
    ports
        .articles
        .expect_viewer_facts()
        .withf(move |viewer, articles, asked_authors| {
            *viewer == carol.user_id && articles == ids && asked_authors == authors.as_slice()
        })
        .times(1)
        .returning(move |_, _, _| Ok(facts(&[favorited], &[followed])));
    let folio = folio(ports);

    let list = folio
        .list_articles(
            Some(carol),
            ArticleFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap();

    let flags: Vec<(ArticleId, bool, bool)> = list
        .articles
        .iter()
        .map(|v| (v.article.id, v.favorited, v.following_author))
        .collect();
    assert_eq!(
        flags,
        [
            (a1.id, false, true),
            (a2.id, true, false),
            (a3.id, false, true)
        ]
    );
}

#[tokio::test]
async fn list_of_an_empty_page_needs_no_viewer_facts() {
    let mut ports = MockPorts::new();
    lists(&mut ports, Vec::new(), 0);
    ports.articles.expect_viewer_facts().never();
    let folio = folio(ports);

    let list = folio
        .list_articles(
            Some(member("carol")),
            ArticleFilter::default(),
            PageRequest::default(),
        )
        .await
        .unwrap();

    assert!(list.articles.is_empty());
    assert_eq!(list.total, 0);
}

#[tokio::test]
async fn list_outage_is_unavailable() {
    let mut ports = MockPorts::new();
    ports
        .articles
        .expect_list()
        .returning(|_| Err(unavailable()));
    let folio = folio(ports);

    let result = folio
        .list_articles(None, ArticleFilter::default(), PageRequest::default())
        .await;

    assert!(
        matches!(result, Err(AppError::Unavailable(_))),
        "{result:?}"
    );
}

// -------------------------------------------------------------------- feed

#[tokio::test]
async fn feed_lists_followed_authors_for_the_caller() {
    let alice = profile("alice");
    let carol = member("carol");
    let article = article_by(&alice, "Followed");
    let mut ports = MockPorts::new();
    let queries = lists(&mut ports, vec![article.clone()], 11);
    ports
        .articles
        .expect_viewer_facts()
        .withf(move |viewer, _, _| *viewer == carol.user_id)
        .times(1)
        .returning(move |_, _, _| Ok(facts(&[], &[alice.user_id])));
    let folio = folio(ports);

    let feed = folio.feed(carol, page(Some(5), Some(10))).await.unwrap();

    let [query] = taken(&queries).try_into().unwrap();
    assert_eq!(
        query,
        ArticleQuery {
            filter: ArticleFilter::default(),
            followed_by: Some(carol.user_id),
            limit: 5,
            offset: 10,
        }
    );
    assert_eq!(feed.total, 11);
    assert!(feed.articles[0].following_author);
}

#[tokio::test]
async fn feed_validates_paging_before_listing() {
    let mut ports = MockPorts::new();
    ports.articles.expect_list().never();
    let folio = folio(ports);

    let errors = invalid_fields(folio.feed(member("carol"), page(Some(0), None)).await);

    assert_eq!(field_names(&errors), ["limit"]);
}

// ------------------------------------------------------------ one article

#[tokio::test]
async fn article_with_unknown_slug_is_not_found() {
    let mut ports = MockPorts::new();
    ports.finds_no_article();
    ports.articles.expect_viewer_facts().never();
    let folio = folio(ports);

    let result = folio
        .article(Some(member("carol")), "no-such-article")
        .await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Article))),
        "{result:?}"
    );
}

#[tokio::test]
async fn article_for_a_viewer_carries_their_facts() {
    let alice = profile("alice");
    let carol = member("carol");
    let article = article_by(&alice, "Hello World");
    let (id, author) = (article.id, alice.user_id);
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    ports
        .articles
        .expect_viewer_facts()
        .withf(move |viewer, articles, authors| {
            *viewer == carol.user_id && articles == [id] && authors == [author]
        })
        .times(1)
        .returning(move |_, _, _| Ok(facts(&[id], &[author])));
    let folio = folio(ports);

    let view = folio.article(Some(carol), "hello-world").await.unwrap();

    assert_eq!(view.article, article);
    assert!(view.favorited && view.following_author);
}

#[tokio::test]
async fn article_for_anonymous_needs_no_viewer_facts() {
    let article = article_by(&profile("alice"), "Hello World");
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    ports.articles.expect_viewer_facts().never();
    let folio = folio(ports);

    let view = folio.article(None, "hello-world").await.unwrap();

    assert_eq!(view.article, article);
    assert!(!view.favorited && !view.following_author);
}

// ----------------------------------------------------------------- publish

#[tokio::test]
async fn publish_lists_every_invalid_field_and_calls_no_port() {
    // No expectations at all: not even the clock may be read.
    let folio = folio(MockPorts::new());

    let errors = invalid_fields(
        folio
            .publish_article(
                member("alice"),
                ArticleDraft {
                    title: "   ".to_owned(),
                    description: "d".repeat(1001),
                    body: String::new(),
                    tags: vec!["fine".to_owned(), " ".to_owned()],
                    image: Some("http://cdn.example/a.png".to_owned()),
                },
            )
            .await,
    );

    assert_eq!(
        field_names(&errors),
        ["body", "description", "image", "tagList", "title"]
    );
    assert_eq!(errors["title"], ["can't be blank"]);
    assert_eq!(errors["body"], ["can't be blank"]);
}

/// Sets up `insert` to fail with a slug conflict `conflicts` times and then store the
/// article (if `conflicts < 3`); returns what it was asked to insert.
pub(super) fn inserts_after_conflicts(
    ports: &mut MockPorts,
    author: &folio_domain::Profile,
    conflicts: usize,
) -> crate::test_support::Captured<NewArticle> {
    let attempts = captured::<NewArticle>();
    let seen = attempts.clone();
    let author = author.clone();
    let calls = Arc::new(AtomicUsize::new(0));
    let expected_calls = conflicts.saturating_add(1).min(3);
    ports
        .articles
        .expect_insert()
        .times(expected_calls)
        .returning(move |new| {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            let stored = stored_article(&new, &author);
            seen.lock().unwrap().push(new);
            if call < conflicts {
                Err(PortError::Conflict(Conflict::Slug))
            } else {
                Ok(stored)
            }
        });
    attempts
}

#[tokio::test]
async fn publish_stores_the_article_under_its_title_slug() {
    let alice = profile("alice");
    let actor = actor_for(&alice);
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    let attempts = inserts_after_conflicts(&mut ports, &alice, 0);
    ports.no_viewer_facts(1);
    let folio = folio(ports);

    let view = folio
        .publish_article(actor, draft("Hello, World!"))
        .await
        .unwrap();

    let [new] = taken(&attempts).try_into().unwrap();
    assert_eq!(new.slug.as_str(), "hello-world");
    assert_eq!(new.author_id, alice.user_id);
    assert_eq!(new.title.as_str(), "Hello, World!");
    assert_eq!(new.description.as_str(), "What it is about");
    assert_eq!(new.body.as_str(), "The text.");
    let tags: Vec<&str> = new.tags.iter().map(TagName::as_str).collect();
    assert_eq!(tags, ["actix", "rust"]);
    assert_eq!(new.created_at, now());
    assert_eq!(view.article.slug.as_str(), "hello-world");
    assert_eq!(view.article.id, new.id);
    assert!(!view.favorited);
}

#[tokio::test]
async fn publish_retries_a_taken_slug_with_a_suffix() {
    let alice = profile("alice");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    let attempts = inserts_after_conflicts(&mut ports, &alice, 1);
    ports.no_viewer_facts(1);
    let folio = folio(ports);

    let view = folio
        .publish_article(actor_for(&alice), draft("Hello World"))
        .await
        .unwrap();

    let [first, second] = taken(&attempts).try_into().unwrap();
    assert_eq!(first.slug.as_str(), "hello-world");
    assert!(
        second.slug.as_str().starts_with("hello-world-"),
        "{}",
        second.slug
    );
    // The suffix comes from the article's id, which stays the same across attempts.
    assert_eq!(first.id, second.id);
    let suffix = &second.slug.as_str()["hello-world-".len()..];
    assert!(
        second.id.as_uuid().simple().to_string().ends_with(suffix),
        "suffix {suffix} is not from the id"
    );
    assert_eq!(view.article.slug, second.slug);
}

#[tokio::test]
async fn publish_gives_up_with_invalid_after_three_slug_conflicts() {
    let alice = profile("alice");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    let attempts = inserts_after_conflicts(&mut ports, &alice, usize::MAX);
    ports.articles.expect_viewer_facts().never();
    let folio = folio(ports);

    let result = folio
        .publish_article(actor_for(&alice), draft("Hello World"))
        .await;

    let errors = invalid_fields(result);
    assert_eq!(field_names(&errors), ["title"]);
    assert_eq!(errors["title"], [SLUG_TAKEN]);
    let slugs: HashSet<Slug> = taken(&attempts).into_iter().map(|a| a.slug).collect();
    assert_eq!(slugs.len(), 3, "three distinct candidates: {slugs:?}");
    assert!(slugs.iter().all(|s| s.as_str().starts_with("hello-world")));
}

#[tokio::test]
async fn publish_does_not_retry_failures_other_than_slug_conflicts() {
    let alice = profile("alice");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .articles
        .expect_insert()
        .times(1)
        .returning(|_| Err(unavailable()));
    let folio = folio(ports);

    let result = folio
        .publish_article(actor_for(&alice), draft("Hello World"))
        .await;

    assert!(
        matches!(result, Err(AppError::Unavailable(_))),
        "{result:?}"
    );
}

// -------------------------------------------------------------------- edit

/// Sets up `update` to fail with a slug conflict `conflicts` times and then apply the
/// changes to `article`; returns the changes it was given.
fn updates_after_conflicts(
    ports: &mut MockPorts,
    article: &Article,
    conflicts: usize,
    expected_calls: usize,
) -> crate::test_support::Captured<ArticleChanges> {
    let attempts = captured::<ArticleChanges>();
    let seen = attempts.clone();
    let original = article.clone();
    let id = article.id;
    let calls = Arc::new(AtomicUsize::new(0));
    ports
        .articles
        .expect_update()
        .withf(move |asked, _| *asked == id)
        .times(expected_calls)
        .returning(move |_, changes| {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            let updated = changed_article(&original, &changes);
            seen.lock().unwrap().push(changes);
            if call < conflicts {
                Err(PortError::Conflict(Conflict::Slug))
            } else {
                Ok(updated)
            }
        });
    attempts
}

#[tokio::test]
async fn edit_by_another_member_is_forbidden_and_changes_nothing() {
    let article = article_by(&profile("alice"), "Hello World");
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    ports.articles.expect_update().never();
    let folio = folio(ports);

    let result = folio
        .edit_article(
            member("mallory"),
            "hello-world",
            ArticleEdit {
                body: Some("defaced".to_owned()),
                ..ArticleEdit::default()
            },
        )
        .await;

    assert!(matches!(result, Err(AppError::Forbidden)), "{result:?}");
}

#[tokio::test]
async fn moderators_and_admins_cannot_edit_other_peoples_articles() {
    for role in [Role::Moderator, Role::Admin] {
        let article = article_by(&profile("alice"), "Hello World");
        let mut ports = MockPorts::new();
        ports.finds_article(&article);
        ports.articles.expect_update().never();
        let folio = folio(ports);

        let result = folio
            .edit_article(
                Actor::new(UserId::generate(), role),
                "hello-world",
                ArticleEdit {
                    title: Some("Rewritten".to_owned()),
                    ..ArticleEdit::default()
                },
            )
            .await;

        assert!(
            matches!(result, Err(AppError::Forbidden)),
            "{role}: {result:?}"
        );
    }
}

#[tokio::test]
async fn edit_checks_permission_before_validating() {
    // A stranger learns nothing about which fields would have been accepted.
    let article = article_by(&profile("alice"), "Hello World");
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    let folio = folio(ports);

    let result = folio
        .edit_article(
            member("mallory"),
            "hello-world",
            ArticleEdit {
                title: Some(String::new()),
                ..ArticleEdit::default()
            },
        )
        .await;

    assert!(matches!(result, Err(AppError::Forbidden)), "{result:?}");
}

#[tokio::test]
async fn edit_with_the_same_title_keeps_the_slug() {
    let alice = profile("alice");
    let article = article_by(&alice, "Hello World");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports.finds_article(&article);
    let attempts = updates_after_conflicts(&mut ports, &article, 0, 1);
    ports.no_viewer_facts(1);
    let folio = folio(ports);

    let view = folio
        .edit_article(
            actor_for(&alice),
            "hello-world",
            ArticleEdit {
                title: Some(" Hello World ".to_owned()),
                body: Some("New body".to_owned()),
                ..ArticleEdit::default()
            },
        )
        .await
        .unwrap();

    let [changes] = taken(&attempts).try_into().unwrap();
    assert_eq!(changes.slug, None);
    assert_eq!(changes.body, Some(ArticleBody::parse("New body").unwrap()));
    assert_eq!(changes.updated_at, Some(now()));
    assert_eq!(view.article.slug.as_str(), "hello-world");
    assert_eq!(view.article.body.as_str(), "New body");
}

#[tokio::test]
async fn edit_with_a_new_title_moves_the_slug() {
    let alice = profile("alice");
    let article = article_by(&alice, "Hello World");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports.finds_article(&article);
    let attempts = updates_after_conflicts(&mut ports, &article, 0, 1);
    ports.no_viewer_facts(1);
    let folio = folio(ports);

    let view = folio
        .edit_article(
            actor_for(&alice),
            "hello-world",
            ArticleEdit {
                title: Some("A New Title".to_owned()),
                ..ArticleEdit::default()
            },
        )
        .await
        .unwrap();

    let [changes] = taken(&attempts).try_into().unwrap();
    assert_eq!(changes.slug.as_ref().map(Slug::as_str), Some("a-new-title"));
    assert_eq!(
        changes.title,
        Some(ArticleTitle::parse("A New Title").unwrap())
    );
    assert!(changes.body.is_none() && changes.description.is_none() && changes.tags.is_none());
    assert_eq!(view.article.slug.as_str(), "a-new-title");
    assert_eq!(view.article.title.as_str(), "A New Title");
}

#[tokio::test]
async fn edit_retries_a_taken_slug_with_a_suffix_from_the_article_id() {
    let alice = profile("alice");
    let article = article_by(&alice, "Hello World");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports.finds_article(&article);
    let attempts = updates_after_conflicts(&mut ports, &article, 1, 2);
    ports.no_viewer_facts(1);
    let folio = folio(ports);

    let view = folio
        .edit_article(
            actor_for(&alice),
            "hello-world",
            ArticleEdit {
                title: Some("Popular Title".to_owned()),
                ..ArticleEdit::default()
            },
        )
        .await
        .unwrap();

    let [first, second] = taken(&attempts).try_into().unwrap();
    let first = first.slug.unwrap();
    let second = second.slug.unwrap();
    assert_eq!(first.as_str(), "popular-title");
    let suffix = second
        .as_str()
        .strip_prefix("popular-title-")
        .unwrap_or_else(|| panic!("{second} is not a suffixed slug"));
    assert!(article.id.as_uuid().simple().to_string().ends_with(suffix));
    assert_eq!(view.article.slug, second);
}

#[tokio::test]
async fn edit_gives_up_with_invalid_after_three_slug_conflicts() {
    let alice = profile("alice");
    let article = article_by(&alice, "Hello World");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports.finds_article(&article);
    let attempts = updates_after_conflicts(&mut ports, &article, usize::MAX, 3);
    ports.articles.expect_viewer_facts().never();
    let folio = folio(ports);

    let errors = invalid_fields(
        folio
            .edit_article(
                actor_for(&alice),
                "hello-world",
                ArticleEdit {
                    title: Some("Popular Title".to_owned()),
                    ..ArticleEdit::default()
                },
            )
            .await,
    );

    assert_eq!(errors["title"], [SLUG_TAKEN]);
    let slugs: HashSet<Option<Slug>> = taken(&attempts).into_iter().map(|c| c.slug).collect();
    assert_eq!(slugs.len(), 3);
}

#[tokio::test]
async fn edit_of_only_the_body_leaves_every_other_field_alone() {
    let alice = profile("alice");
    let article = article_by(&alice, "Hello World");
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports.finds_article(&article);
    let attempts = updates_after_conflicts(&mut ports, &article, 0, 1);
    ports.no_viewer_facts(1);
    let folio = folio(ports);

    folio
        .edit_article(
            actor_for(&alice),
            "hello-world",
            ArticleEdit {
                body: Some("Only this".to_owned()),
                ..ArticleEdit::default()
            },
        )
        .await
        .unwrap();

    let [changes] = taken(&attempts).try_into().unwrap();
    assert!(changes.body.is_some());
    assert!(changes.slug.is_none());
    assert!(changes.title.is_none());
    assert!(changes.description.is_none());
    assert!(changes.tags.is_none());
}

#[tokio::test]
async fn edit_with_invalid_fields_lists_them_and_writes_nothing() {
    let alice = profile("alice");
    let article = article_by(&alice, "Hello World");
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    ports.articles.expect_update().never();
    let folio = folio(ports);

    let errors = invalid_fields(
        folio
            .edit_article(
                actor_for(&alice),
                "hello-world",
                ArticleEdit {
                    title: Some(String::new()),
                    description: Some("fine".to_owned()),
                    body: Some("  ".to_owned()),
                    tags: Some(vec!["a\u{0}b".to_owned()]),
                    image: Some("javascript:alert(1)".to_owned()),
                },
            )
            .await,
    );

    assert_eq!(field_names(&errors), ["body", "image", "tagList", "title"]);
}

#[tokio::test]
async fn edit_of_unknown_article_is_not_found() {
    let mut ports = MockPorts::new();
    ports.finds_no_article();
    ports.articles.expect_update().never();
    let folio = folio(ports);

    let result = folio
        .edit_article(member("alice"), "nope", ArticleEdit::default())
        .await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Article))),
        "{result:?}"
    );
}

#[tokio::test]
async fn edit_of_an_article_deleted_meanwhile_is_not_found() {
    // Both paths: without a slug change and with one.
    for title in [None, Some("Another Title".to_owned())] {
        let alice = profile("alice");
        let article = article_by(&alice, "Hello World");
        let mut ports = MockPorts::new();
        ports.clock_at(now());
        ports.finds_article(&article);
        ports
            .articles
            .expect_update()
            .times(1)
            .returning(|_, _| Err(PortError::NotFound));
        let folio = folio(ports);

        let result = folio
            .edit_article(
                actor_for(&alice),
                "hello-world",
                ArticleEdit {
                    title: title.clone(),
                    body: Some("x".to_owned()),
                    ..ArticleEdit::default()
                },
            )
            .await;

        assert!(
            matches!(result, Err(AppError::NotFound(Resource::Article))),
            "{title:?}: {result:?}"
        );
    }
}

// ------------------------------------------------------------------ delete

#[tokio::test]
async fn delete_by_a_member_who_is_not_the_author_is_forbidden() {
    let article = article_by(&profile("alice"), "Hello World");
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    ports.articles.expect_delete().never();
    let folio = folio(ports);

    let result = folio
        .delete_article(member("mallory"), "hello-world", &client())
        .await;

    assert!(matches!(result, Err(AppError::Forbidden)), "{result:?}");
}

#[tokio::test]
async fn delete_by_the_author_or_a_moderator_removes_the_article() {
    let alice = profile("alice");
    for actor in [
        actor_for(&alice),
        Actor::new(UserId::generate(), Role::Moderator),
        Actor::new(UserId::generate(), Role::Admin),
    ] {
        let article = article_by(&alice, "Hello World");
        let id = article.id;
        let mut ports = MockPorts::new();
        ports.clock_at(now());
        ports.finds_article(&article);
        ports
            .articles
            .expect_delete()
            .withf(move |asked| *asked == id)
            .times(1)
            .returning(|_| Ok(()));
        let folio = folio(ports);

        let result = folio.delete_article(actor, "hello-world", &client()).await;

        assert!(result.is_ok(), "{actor:?}: {result:?}");
    }
}

#[tokio::test]
async fn removing_someone_elses_article_is_audited_with_its_author_and_slug() {
    let alice = profile("alice");
    for role in [Role::Moderator, Role::Admin] {
        let remover = Actor::new(UserId::generate(), role);
        let article = article_by(&alice, "Hello World");
        let mut ports = MockPorts::new();
        ports.clock_at(now());
        ports.finds_article(&article);
        ports
            .articles
            .expect_delete()
            .times(1)
            .returning(|_| Ok(()));
        let folio = folio(ports);

        let result = folio
            .delete_article(remover, "hello-world", &client())
            .await;

        assert!(result.is_ok(), "{role:?}: {result:?}");
        let [event] = folio.ports().audit.recorded().try_into().unwrap();
        assert_eq!(event.event_type, AuditEventType::ArticleRemoved);
        assert_eq!(event.actor, Some(remover.user_id));
        assert_eq!(event.subject, Some(alice.user_id));
        assert_eq!(event.details["slug"], "hello-world");
        assert_eq!(event.client.ip.as_deref(), Some("203.0.113.7"));
    }
}

#[tokio::test]
async fn authors_deleting_their_own_article_leave_no_audit_event() {
    for role in [Role::Member, Role::Moderator, Role::Admin] {
        let author = profile("alice");
        let article = article_by(&author, "Hello World");
        let mut ports = MockPorts::new();
        ports.finds_article(&article);
        ports
            .articles
            .expect_delete()
            .times(1)
            .returning(|_| Ok(()));
        let folio = folio(ports);

        let result = folio
            .delete_article(Actor::new(author.user_id, role), "hello-world", &client())
            .await;

        assert!(result.is_ok(), "{role:?}: {result:?}");
        assert!(folio.ports().audit.recorded().is_empty(), "{role:?}");
    }
}

#[tokio::test]
async fn refused_and_failed_removals_are_not_audited() {
    let article = article_by(&profile("alice"), "Hello World");
    let mut refused = MockPorts::new();
    refused.finds_article(&article);
    refused.articles.expect_delete().never();
    let refused = folio(refused);
    let mut gone = MockPorts::new();
    gone.finds_article(&article);
    gone.articles
        .expect_delete()
        .returning(|_| Err(PortError::NotFound));
    let gone = folio(gone);
    let moderator = Actor::new(UserId::generate(), Role::Moderator);

    let forbidden = refused
        .delete_article(member("mallory"), "hello-world", &client())
        .await;
    let missing = gone
        .delete_article(moderator, "hello-world", &client())
        .await;

    assert!(
        matches!(forbidden, Err(AppError::Forbidden)),
        "{forbidden:?}"
    );
    assert!(
        matches!(missing, Err(AppError::NotFound(Resource::Article))),
        "{missing:?}"
    );
    assert!(refused.ports().audit.recorded().is_empty());
    assert!(gone.ports().audit.recorded().is_empty());
}

#[tokio::test]
async fn delete_of_unknown_article_is_not_found() {
    let mut ports = MockPorts::new();
    ports.finds_no_article();
    ports.articles.expect_delete().never();
    let folio = folio(ports);

    let result = folio
        .delete_article(member("alice"), "nope", &client())
        .await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Article))),
        "{result:?}"
    );
}

#[tokio::test]
async fn delete_of_an_article_deleted_meanwhile_is_not_found() {
    let alice = profile("alice");
    let article = article_by(&alice, "Hello World");
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    ports
        .articles
        .expect_delete()
        .returning(|_| Err(PortError::NotFound));
    let folio = folio(ports);

    let result = folio
        .delete_article(actor_for(&alice), "hello-world", &client())
        .await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Article))),
        "{result:?}"
    );
}

// --------------------------------------------------------------- favorites

/// `find_by_slug` returns `before` on the first lookup and `after` on later ones.
fn finds_article_then(ports: &mut MockPorts, before: &Article, after: &Article) {
    let (before, after) = (before.clone(), after.clone());
    let slug = before.slug.clone();
    let calls = Arc::new(AtomicUsize::new(0));
    ports
        .articles
        .expect_find_by_slug()
        .withf(move |asked| *asked == slug)
        .times(2)
        .returning(move |_| {
            let first = calls.fetch_add(1, Ordering::SeqCst) == 0;
            Ok(Some(if first { before.clone() } else { after.clone() }))
        });
}

#[tokio::test]
async fn favorite_records_it_and_returns_the_fresh_article() {
    let article = article_by(&profile("alice"), "Hello World");
    let mut counted = article.clone();
    counted.favorites_count = 1;
    let carol = member("carol");
    let id = article.id;
    let mut ports = MockPorts::new();
    finds_article_then(&mut ports, &article, &counted);
    ports
        .articles
        .expect_favorite()
        .withf(move |user, asked| *user == carol.user_id && *asked == id)
        .times(1)
        .returning(|_, _| Ok(Some(1)));
    ports.articles.expect_unfavorite().never();
    ports
        .articles
        .expect_viewer_facts()
        .times(1)
        .returning(move |_, _, _| Ok(facts(&[id], &[])));
    let folio = folio(ports);

    let view = folio.favorite(carol, "hello-world").await.unwrap();

    assert!(view.favorited);
    assert_eq!(view.article.favorites_count, 1);
}

#[tokio::test]
async fn unfavorite_removes_it_and_returns_the_fresh_article() {
    let mut article = article_by(&profile("alice"), "Hello World");
    article.favorites_count = 1;
    let mut uncounted = article.clone();
    uncounted.favorites_count = 0;
    let carol = member("carol");
    let id = article.id;
    let mut ports = MockPorts::new();
    finds_article_then(&mut ports, &article, &uncounted);
    ports
        .articles
        .expect_unfavorite()
        .withf(move |user, asked| *user == carol.user_id && *asked == id)
        .times(1)
        .returning(|_, _| Ok(Some(1)));
    ports.articles.expect_favorite().never();
    ports.no_viewer_facts(1);
    let folio = folio(ports);

    let view = folio.unfavorite(carol, "hello-world").await.unwrap();

    assert!(!view.favorited);
    assert_eq!(view.article.favorites_count, 0);
}

#[tokio::test]
async fn favorite_of_unknown_slug_is_not_found() {
    let mut ports = MockPorts::new();
    ports.finds_no_article();
    ports.articles.expect_favorite().never();
    let folio = folio(ports);

    let result = folio.favorite(member("carol"), "no-such-article").await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Article))),
        "{result:?}"
    );
}

#[tokio::test]
async fn unfavorite_of_unknown_slug_is_not_found() {
    let mut ports = MockPorts::new();
    ports.finds_no_article();
    ports.articles.expect_unfavorite().never();
    let folio = folio(ports);

    let result = folio.unfavorite(member("carol"), "no-such-article").await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Article))),
        "{result:?}"
    );
}

#[tokio::test]
async fn favorite_of_an_article_deleted_meanwhile_is_not_found() {
    let article = article_by(&profile("alice"), "Hello World");
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    ports
        .articles
        .expect_favorite()
        .times(1)
        .returning(|_, _| Err(PortError::NotFound));
    ports.articles.expect_viewer_facts().never();
    let folio = folio(ports);

    let result = folio.favorite(member("carol"), "hello-world").await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Article))),
        "{result:?}"
    );
}

// -------------------------------------------------------------------- tags

#[tokio::test]
async fn popular_tags_asks_for_at_most_1000_and_keeps_the_order() {
    let tags: Vec<TagName> = ["rust", "actix", "diesel"]
        .into_iter()
        .map(|t| TagName::parse(t).unwrap())
        .collect();
    let returned = tags.clone();
    let mut ports = MockPorts::new();
    ports
        .articles
        .expect_popular_tags()
        .withf(|limit| *limit == 1000)
        .times(1)
        .returning(move |_| Ok(returned.clone()));
    let folio = folio(ports);

    assert_eq!(folio.popular_tags().await.unwrap(), tags);
}

#[tokio::test]
async fn popular_tags_outage_is_unavailable() {
    let mut ports = MockPorts::new();
    ports
        .articles
        .expect_popular_tags()
        .returning(|_| Err(unavailable()));
    let folio = folio(ports);

    let result = folio.popular_tags().await;

    assert!(
        matches!(result, Err(AppError::Unavailable(_))),
        "{result:?}"
    );
}
