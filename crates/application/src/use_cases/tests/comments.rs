//! Comments on articles.

use std::collections::HashSet;

use folio_domain::{Actor, AuditEventType, CommentId, DomainEvent, Role, UserId};

use crate::ClientInfo;
use crate::error::{AppError, Resource};
use crate::ports::{CommentPosition, NewComment, PortError, ViewerFacts};
use crate::test_support::{
    MockPorts, actor_for, article_by, captured, comment_on, field_names, folio, invalid_fields,
    now, profile, taken, unavailable,
};
use crate::use_cases::comment_cursor;
use crate::use_cases::comments::CommentPageRequest;

// ------------------------------------------------------------------- add

#[tokio::test]
async fn blank_comment_is_invalid_without_any_repository_call() {
    // No expectations: neither the article lookup nor the insert may happen.
    let folio = folio(MockPorts::new());

    let errors = invalid_fields(
        folio
            .add_comment(actor_for(&profile("carol")), "hello-world", " \n\t ")
            .await,
    );

    assert_eq!(field_names(&errors), ["body"]);
    assert_eq!(errors["body"], ["can't be blank"]);
}

#[tokio::test]
async fn overlong_comment_is_invalid_without_any_repository_call() {
    let folio = folio(MockPorts::new());

    let errors = invalid_fields(
        folio
            .add_comment(
                actor_for(&profile("carol")),
                "hello-world",
                &"x".repeat(10_001),
            )
            .await,
    );

    assert_eq!(
        errors["body"],
        ["is too long (maximum is 10000 characters)"]
    );
}

#[tokio::test]
async fn comment_on_an_unknown_or_deleted_article_is_not_found_and_raises_nothing() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    // The insert finds the article by its slug; none has it (any more).
    ports
        .comments
        .expect_insert()
        .times(1)
        .returning(|_| Err(PortError::NotFound));
    let folio = folio(ports);

    let result = folio
        .add_comment(actor_for(&profile("carol")), "no-such-article", "Nice!")
        .await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Article))),
        "{result:?}"
    );
    assert!(folio.ports().transactions.events().is_empty());
}

#[tokio::test]
async fn comment_is_stored_on_the_article_by_the_caller() {
    let alice = profile("alice");
    let carol = profile("carol");
    let article = article_by(&alice, "Hello World");
    let stored = comment_on(&article, &carol, 7, "Nice!");
    let returned = stored.clone();
    let inserted = captured::<NewComment>();
    let seen = inserted.clone();

    // No lookup of the article first: the insert finds it by its slug.
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .comments
        .expect_insert()
        .times(1)
        .returning(move |new| {
            seen.lock().unwrap().push(new);
            Ok(returned.clone())
        });
    let folio = folio(ports);

    let view = folio
        .add_comment(actor_for(&carol), "hello-world", "  Nice!  ")
        .await
        .unwrap();

    let [new] = taken(&inserted).try_into().unwrap();
    assert_eq!(new.article, article.slug);
    assert_eq!(new.author_id, carol.user_id);
    assert_eq!(new.body.as_str(), "Nice!");
    assert_eq!(new.created_at, now());
    assert_eq!(view.comment, stored);
    assert!(!view.following_author);
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::CommentAdded {
            article: article.id,
            slug: article.slug.clone(),
            comment: CommentId::new(7),
            author: carol.user_id,
        }]
    );
}

// ------------------------------------------------------------------ list

#[tokio::test]
async fn comments_of_unknown_article_are_not_found() {
    let mut ports = MockPorts::new();
    ports.finds_no_article();
    ports.comments.expect_list_for_article().never();
    let folio = folio(ports);

    let result = folio
        .comments(None, "no-such-article", CommentPageRequest::default())
        .await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Article))),
        "{result:?}"
    );
}

#[tokio::test]
async fn comments_for_anonymous_viewer_need_no_viewer_facts() {
    let alice = profile("alice");
    let article = article_by(&alice, "Hello World");
    let comments = vec![
        comment_on(&article, &alice, 2, "Second"),
        comment_on(&article, &profile("bob"), 1, "First"),
    ];
    let listed = comments.clone();
    let id = article.id;
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    ports
        .comments
        .expect_list_for_article()
        .withf(move |asked, after, limit| *asked == id && after.is_none() && *limit == 101)
        .times(1)
        .returning(move |_, _, _| Ok(listed.clone()));
    ports.articles.expect_viewer_facts().never();
    let folio = folio(ports);

    let page = folio
        .comments(None, "hello-world", CommentPageRequest::default())
        .await
        .unwrap();
    let views = page.comments;

    let shown: Vec<_> = views.iter().map(|v| v.comment.clone()).collect();
    assert_eq!(shown, comments);
    assert!(views.iter().all(|v| !v.following_author));
}

#[tokio::test]
async fn comments_load_follows_once_for_all_distinct_authors() {
    let alice = profile("alice");
    let bob = profile("bob");
    let carol = actor_for(&profile("carol"));
    let article = article_by(&alice, "Hello World");
    let comments = vec![
        comment_on(&article, &alice, 3, "Third"),
        comment_on(&article, &bob, 2, "Second"),
        comment_on(&article, &alice, 1, "First"),
    ];
    let listed = comments.clone();
    let mut authors = vec![alice.user_id, bob.user_id];
    authors.sort();
    let followed = bob.user_id;

    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    ports
        .comments
        .expect_list_for_article()
        .times(1)
        .returning(move |_, _, _| Ok(listed.clone()));
    ports
        .articles
        .expect_viewer_facts()
        .withf(move |viewer, articles, asked| {
            *viewer == carol.user_id && articles.is_empty() && asked == authors.as_slice()
        })
        .times(1)
        .returning(move |_, _, _| {
            Ok(ViewerFacts {
                favorited: HashSet::new(),
                following: HashSet::from([followed]),
            })
        });
    let folio = folio(ports);

    let views = folio
        .comments(Some(carol), "hello-world", CommentPageRequest::default())
        .await
        .unwrap()
        .comments;

    let flags: Vec<(i64, bool)> = views
        .iter()
        .map(|v| (v.comment.id.get(), v.following_author))
        .collect();
    assert_eq!(flags, [(3, false), (2, true), (1, false)]);
}

#[tokio::test]
async fn no_comments_need_no_viewer_facts() {
    let article = article_by(&profile("alice"), "Hello World");
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    ports
        .comments
        .expect_list_for_article()
        .returning(|_, _, _| Ok(Vec::new()));
    ports.articles.expect_viewer_facts().never();
    let folio = folio(ports);

    let page = folio
        .comments(
            Some(actor_for(&profile("carol"))),
            "hello-world",
            CommentPageRequest::default(),
        )
        .await
        .unwrap();

    assert!(page.comments.is_empty());
    assert_eq!(page.next_cursor, None);
}

#[tokio::test]
async fn an_invalid_page_size_or_cursor_is_refused_without_any_repository_call() {
    let folio = folio(MockPorts::new());

    let errors = invalid_fields(
        folio
            .comments(
                None,
                "hello-world",
                CommentPageRequest {
                    limit: Some(0),
                    cursor: Some("not-a-cursor".into()),
                },
            )
            .await,
    );

    assert_eq!(field_names(&errors), ["cursor", "limit"]);
    assert_eq!(errors["limit"], ["must be at least 1"]);
    assert_eq!(errors["cursor"], ["is not a cursor from a previous page"]);
}

#[tokio::test]
async fn a_page_asks_one_more_than_its_size_and_cuts_sizes_above_100() {
    let article = article_by(&profile("alice"), "Hello World");
    for (asked, expected) in [
        (Some(1), 2),
        (Some(100), 101),
        (Some(101), 101),
        (Some(i64::MAX), 101),
    ] {
        let mut ports = MockPorts::new();
        ports.finds_article(&article);
        ports
            .comments
            .expect_list_for_article()
            .withf(move |_, _, limit| *limit == expected)
            .times(1)
            .returning(|_, _, _| Ok(Vec::new()));
        let page = folio(ports)
            .comments(
                None,
                "hello-world",
                CommentPageRequest {
                    limit: asked,
                    cursor: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(page.next_cursor, None, "{asked:?}");
    }
}

#[tokio::test]
async fn a_full_page_carries_the_cursor_of_its_last_comment_and_the_next_starts_there() {
    let alice = profile("alice");
    let article = article_by(&alice, "Hello World");
    let rows = vec![
        comment_on(&article, &alice, 9, "Ninth"),
        comment_on(&article, &alice, 8, "Eighth"),
        comment_on(&article, &alice, 7, "Seventh"),
    ];
    let boundary = CommentPosition {
        created_at: now(),
        id: CommentId::new(8),
    };
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    ports
        .comments
        .expect_list_for_article()
        .withf(|_, after, limit| after.is_none() && *limit == 3)
        .times(1)
        .returning(move |_, _, _| Ok(rows.clone()));
    ports
        .comments
        .expect_list_for_article()
        .withf(move |_, after, limit| *after == Some(boundary) && *limit == 3)
        .times(1)
        .returning(|_, _, _| Ok(Vec::new()));
    let folio = folio(ports);

    let first = folio
        .comments(
            None,
            "hello-world",
            CommentPageRequest {
                limit: Some(2),
                cursor: None,
            },
        )
        .await
        .unwrap();
    let ids: Vec<i64> = first.comments.iter().map(|v| v.comment.id.get()).collect();
    assert_eq!(ids, [9, 8]);
    let cursor = first
        .next_cursor
        .expect("a cursor when more comments follow");
    assert_eq!(comment_cursor::decode(&cursor), Some(boundary));

    let second = folio
        .comments(
            None,
            "hello-world",
            CommentPageRequest {
                limit: Some(2),
                cursor: Some(cursor),
            },
        )
        .await
        .unwrap();
    assert!(second.comments.is_empty());
    assert_eq!(second.next_cursor, None);
}

// ---------------------------------------------------------------- delete

fn client() -> ClientInfo {
    ClientInfo {
        ip: Some("203.0.113.7".into()),
        ..ClientInfo::default()
    }
}

/// The comment lookup, scoped to the comment's article, finds `comment` once.
fn finds_comment(ports: &mut MockPorts, comment: &folio_domain::Comment) {
    let found = comment.clone();
    let (article_id, comment_id) = (comment.article_id, comment.id);
    ports
        .comments
        .expect_find()
        .withf(move |article, id| *article == article_id && *id == comment_id)
        .times(1)
        .returning(move |_, _| Ok(Some(found.clone())));
}

#[tokio::test]
async fn deleting_someone_elses_comment_as_a_member_is_forbidden() {
    let article = article_by(&profile("alice"), "Hello World");
    let comment = comment_on(&article, &profile("bob"), 7, "Mine");
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    finds_comment(&mut ports, &comment);
    ports.comments.expect_delete().never();
    let folio = folio(ports);

    let result = folio
        .delete_comment(actor_for(&profile("mallory")), "hello-world", 7, &client())
        .await;

    assert!(matches!(result, Err(AppError::Forbidden)), "{result:?}");
}

#[tokio::test]
async fn the_article_author_cannot_delete_comments_of_others() {
    let alice = profile("alice");
    let article = article_by(&alice, "Hello World");
    let comment = comment_on(&article, &profile("bob"), 7, "Mine");
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    finds_comment(&mut ports, &comment);
    ports.comments.expect_delete().never();
    let folio = folio(ports);

    let result = folio
        .delete_comment(actor_for(&alice), "hello-world", 7, &client())
        .await;

    assert!(matches!(result, Err(AppError::Forbidden)), "{result:?}");
}

#[tokio::test]
async fn moderators_and_the_comment_author_may_delete_a_comment() {
    let bob = profile("bob");
    for actor in [
        actor_for(&bob),
        Actor::new(UserId::generate(), Role::Moderator),
        Actor::new(UserId::generate(), Role::Admin),
    ] {
        let article = article_by(&profile("alice"), "Hello World");
        let comment = comment_on(&article, &bob, 7, "Mine");
        let mut ports = MockPorts::new();
        ports.clock_at(now());
        ports.finds_article(&article);
        finds_comment(&mut ports, &comment);
        ports
            .comments
            .expect_delete()
            .withf(|id| *id == CommentId::new(7))
            .times(1)
            .returning(|_| Ok(()));
        let folio = folio(ports);

        let result = folio
            .delete_comment(actor, "hello-world", 7, &client())
            .await;

        assert!(result.is_ok(), "{actor:?}: {result:?}");
    }
}

#[tokio::test]
async fn removing_someone_elses_comment_is_audited_with_its_author_slug_and_id() {
    let bob = profile("bob");
    for role in [Role::Moderator, Role::Admin] {
        let remover = Actor::new(UserId::generate(), role);
        let article = article_by(&profile("alice"), "Hello World");
        let comment = comment_on(&article, &bob, 7, "Mine");
        let mut ports = MockPorts::new();
        ports.clock_at(now());
        ports.finds_article(&article);
        finds_comment(&mut ports, &comment);
        ports
            .comments
            .expect_delete()
            .times(1)
            .returning(|_| Ok(()));
        let folio = folio(ports);

        let result = folio
            .delete_comment(remover, "hello-world", 7, &client())
            .await;

        assert!(result.is_ok(), "{role:?}: {result:?}");
        let [event] = folio.ports().audit.recorded().try_into().unwrap();
        assert_eq!(event.event_type, AuditEventType::CommentRemoved);
        assert_eq!(event.actor, Some(remover.user_id));
        assert_eq!(event.subject, Some(bob.user_id));
        assert_eq!(event.details["slug"], "hello-world");
        assert_eq!(event.details["comment_id"], "7");
        assert_eq!(event.client.ip.as_deref(), Some("203.0.113.7"));
    }
}

#[tokio::test]
async fn a_removal_commits_with_its_audit_row_and_event_or_not_at_all() {
    let bob = profile("bob");
    let remover = Actor::new(UserId::generate(), Role::Moderator);
    let article = article_by(&profile("alice"), "Hello World");
    let comment = comment_on(&article, &bob, 7, "Mine");
    for audit_fails in [false, true] {
        let mut ports = MockPorts::new();
        ports.clock_at(now());
        ports.finds_article(&article);
        finds_comment(&mut ports, &comment);
        ports
            .comments
            .expect_delete()
            .times(1)
            .returning(|_| Ok(()));
        ports.audit.failing = audit_fails;
        let folio = folio(ports);

        let result = folio
            .delete_comment(remover, "hello-world", 7, &client())
            .await;

        let committed = folio.ports().transactions.events();
        if audit_fails {
            assert!(
                matches!(result, Err(AppError::Unavailable(_))),
                "{result:?}"
            );
            assert!(committed.is_empty(), "nothing commits: {committed:?}");
        } else {
            assert!(result.is_ok(), "{result:?}");
            assert_eq!(
                committed,
                [DomainEvent::CommentDeleted {
                    article: article.id,
                    slug: article.slug.clone(),
                    comment: CommentId::new(7),
                    author: bob.user_id,
                }]
            );
        }
    }
}

#[tokio::test]
async fn authors_deleting_their_own_comment_leave_no_audit_event() {
    for role in [Role::Member, Role::Moderator, Role::Admin] {
        let author = profile("bob");
        let article = article_by(&profile("alice"), "Hello World");
        let comment = comment_on(&article, &author, 7, "Mine");
        let mut ports = MockPorts::new();
        ports.finds_article(&article);
        finds_comment(&mut ports, &comment);
        ports
            .comments
            .expect_delete()
            .times(1)
            .returning(|_| Ok(()));
        let folio = folio(ports);

        let result = folio
            .delete_comment(
                Actor::new(author.user_id, role),
                "hello-world",
                7,
                &client(),
            )
            .await;

        assert!(result.is_ok(), "{role:?}: {result:?}");
        assert!(folio.ports().audit.recorded().is_empty(), "{role:?}");
    }
}

#[tokio::test]
async fn refused_and_vanished_comment_removals_are_not_audited() {
    let article = article_by(&profile("alice"), "Hello World");
    let comment = comment_on(&article, &profile("bob"), 7, "Mine");
    let mut refused = MockPorts::new();
    refused.finds_article(&article);
    finds_comment(&mut refused, &comment);
    refused.comments.expect_delete().never();
    let refused = folio(refused);
    let mut vanished = MockPorts::new();
    vanished.finds_article(&article);
    finds_comment(&mut vanished, &comment);
    vanished
        .comments
        .expect_delete()
        .returning(|_| Err(PortError::NotFound));
    let vanished = folio(vanished);
    let moderator = Actor::new(UserId::generate(), Role::Moderator);

    let forbidden = refused
        .delete_comment(actor_for(&profile("mallory")), "hello-world", 7, &client())
        .await;
    let already_gone = vanished
        .delete_comment(moderator, "hello-world", 7, &client())
        .await;

    assert!(
        matches!(forbidden, Err(AppError::Forbidden)),
        "{forbidden:?}"
    );
    assert!(already_gone.is_ok(), "{already_gone:?}");
    assert!(refused.ports().audit.recorded().is_empty());
    assert!(vanished.ports().audit.recorded().is_empty());
}

#[tokio::test]
async fn a_comment_of_another_article_is_not_found() {
    // The lookup is scoped to the article named in the URL; the repository finds no
    // comment 7 under it (comment 7 belongs to a different article).
    let article = article_by(&profile("alice"), "Hello World");
    let article_id = article.id;
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    ports
        .comments
        .expect_find()
        .withf(move |asked, id| *asked == article_id && *id == CommentId::new(7))
        .times(1)
        .returning(|_, _| Ok(None));
    ports.comments.expect_delete().never();
    let folio = folio(ports);

    let result = folio
        .delete_comment(
            Actor::new(UserId::generate(), Role::Admin),
            "hello-world",
            7,
            &client(),
        )
        .await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Comment))),
        "{result:?}"
    );
}

#[tokio::test]
async fn deleting_a_comment_of_an_unknown_article_is_not_found() {
    let mut ports = MockPorts::new();
    ports.finds_no_article();
    ports.comments.expect_find().never();
    ports.comments.expect_delete().never();
    let folio = folio(ports);

    let result = folio
        .delete_comment(actor_for(&profile("bob")), "no-such-article", 7, &client())
        .await;

    assert!(
        matches!(result, Err(AppError::NotFound(Resource::Article))),
        "{result:?}"
    );
}

#[tokio::test]
async fn deleting_a_comment_that_vanished_meanwhile_succeeds() {
    let bob = profile("bob");
    let article = article_by(&profile("alice"), "Hello World");
    let comment = comment_on(&article, &bob, 7, "Mine");
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    finds_comment(&mut ports, &comment);
    ports
        .comments
        .expect_delete()
        .times(1)
        .returning(|_| Err(PortError::NotFound));
    let folio = folio(ports);

    let result = folio
        .delete_comment(actor_for(&bob), "hello-world", 7, &client())
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn comment_delete_outage_is_unavailable() {
    let bob = profile("bob");
    let article = article_by(&profile("alice"), "Hello World");
    let comment = comment_on(&article, &bob, 7, "Mine");
    let mut ports = MockPorts::new();
    ports.finds_article(&article);
    finds_comment(&mut ports, &comment);
    ports
        .comments
        .expect_delete()
        .returning(|_| Err(unavailable()));
    let folio = folio(ports);

    let result = folio
        .delete_comment(actor_for(&bob), "hello-world", 7, &client())
        .await;

    assert!(
        matches!(result, Err(AppError::Unavailable(_))),
        "{result:?}"
    );
}
