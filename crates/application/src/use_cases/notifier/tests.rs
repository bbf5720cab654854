use std::sync::Mutex;

use folio_domain::{ArticleId, CommentId, NotificationId, NotificationKind, UserId, Username};

use super::*;
use crate::ports::{CreatedNotification, PortError};
use crate::test_support::{MockPorts, captured, folio, now, taken, unavailable};

/// A feed that hands out its entries once and records what was acknowledged.
#[derive(Default)]
struct ScriptedFeed {
    entries: Mutex<Vec<DeliveredEvent>>,
    acknowledged: Mutex<Vec<String>>,
}

impl ScriptedFeed {
    fn of(events: &[(u64, DomainEvent)]) -> Self {
        let entries = events
            .iter()
            .map(|(sequence, event)| {
                let encoded = events::encode(event);
                DeliveredEvent {
                    id: format!("{sequence}-0"),
                    sequence: *sequence,
                    name: encoded.name.to_owned(),
                    fields: encoded
                        .fields
                        .into_iter()
                        .map(|(name, value)| (name.to_owned(), value))
                        .collect(),
                }
            })
            .collect();
        Self {
            entries: Mutex::new(entries),
            acknowledged: Mutex::default(),
        }
    }

    fn acknowledged(&self) -> Vec<String> {
        self.acknowledged.lock().unwrap().clone()
    }
}

impl EventFeed for ScriptedFeed {
    async fn next_batch(&self, _: u32) -> Result<Vec<DeliveredEvent>, PortError> {
        Ok(std::mem::take(&mut *self.entries.lock().unwrap()))
    }

    async fn acknowledge(&self, ids: &[String]) -> Result<(), PortError> {
        self.acknowledged.lock().unwrap().extend_from_slice(ids);
        Ok(())
    }

    async fn forget_departed(&self, _: Duration) -> Result<usize, PortError> {
        Ok(0)
    }
}

fn ann() -> Username {
    Username::parse("ann").unwrap()
}

fn favorited(article: ArticleId, by: UserId) -> DomainEvent {
    let slug = folio_domain::Slug::from_trusted("dragons".to_owned());
    DomainEvent::ArticleFavorited {
        article,
        slug,
        user: by,
        favorites_count: 1,
    }
}

#[tokio::test]
async fn a_favorite_notifies_the_author_and_announces_it() {
    let (article, author, reader) = (
        ArticleId::generate(),
        UserId::generate(),
        UserId::generate(),
    );
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .notifications
        .expect_article_authors()
        .times(1)
        .returning(move |articles| Ok(articles.iter().map(|&article| (article, author)).collect()));
    let inserted = captured();
    let seen = inserted.clone();
    ports.notifications.expect_insert().returning(move |new| {
        seen.lock().unwrap().push(new);
        Ok(Some(CreatedNotification {
            id: NotificationId::new(5),
            recipient_name: ann(),
        }))
    });
    let folio = folio(ports);
    let feed = ScriptedFeed::of(&[(7, favorited(article, reader))]);

    assert_eq!(folio.notify_from_feed(&feed).await.ok(), Some(1));

    assert_eq!(
        taken(&inserted),
        [NewNotification {
            source: 7,
            recipient: author,
            kind: NotificationKind::Favorited,
            actor: Some(reader),
            article: Some(article),
            comment: None,
            upload: None,
            created_at: now(),
        }]
    );
    assert_eq!(
        folio.ports().transactions.events(),
        [DomainEvent::NotificationCreated {
            notification: NotificationId::new(5),
            recipient: author,
            recipient_name: ann(),
            kind: NotificationKind::Favorited,
            upload: None,
        }]
    );
    assert_eq!(feed.acknowledged(), ["7-0"]);
}

#[tokio::test]
async fn nobody_is_notified_of_their_own_doing_nor_of_what_is_gone() {
    let (own, gone, author) = (
        ArticleId::generate(),
        ArticleId::generate(),
        UserId::generate(),
    );
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    // `gone` was deleted: the repository finds no author for it.
    ports
        .notifications
        .expect_article_authors()
        .times(1)
        .returning(move |articles| {
            Ok(articles
                .iter()
                .filter(|&&article| article == own)
                .map(|&article| (article, author))
                .collect())
        });
    ports.notifications.expect_insert().never();
    let folio = folio(ports);
    let comment = DomainEvent::CommentAdded {
        article: gone,
        slug: folio_domain::Slug::from_trusted("gone".to_owned()),
        comment: CommentId::new(1),
        author: UserId::generate(),
    };
    let feed = ScriptedFeed::of(&[(1, favorited(own, author)), (2, comment)]);

    assert_eq!(folio.notify_from_feed(&feed).await.ok(), Some(2));

    assert!(folio.ports().transactions.events().is_empty());
    assert_eq!(feed.acknowledged(), ["1-0", "2-0"]);
}

#[tokio::test]
async fn an_event_handled_again_announces_nothing_again() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports.notifications.expect_insert().returning(|_| Ok(None));
    let folio = folio(ports);
    let follow = DomainEvent::UserFollowed {
        follower: UserId::generate(),
        followee: UserId::generate(),
        followee_name: ann(),
    };
    let feed = ScriptedFeed::of(&[(3, follow)]);

    assert_eq!(folio.notify_from_feed(&feed).await.ok(), Some(1));

    assert!(folio.ports().transactions.events().is_empty());
    assert_eq!(feed.acknowledged(), ["3-0"]);
}

#[tokio::test]
async fn a_batch_that_fails_is_not_acknowledged() {
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    ports
        .notifications
        .expect_insert()
        .returning(|_| Err(unavailable()));
    let folio = folio(ports);
    let upload = DomainEvent::UploadReady {
        upload: folio_domain::UploadId::generate(),
        owner: UserId::generate(),
    };
    let feed = ScriptedFeed::of(&[(4, upload)]);

    assert!(folio.notify_from_feed(&feed).await.is_err());
    assert!(feed.acknowledged().is_empty());
}

#[tokio::test]
async fn events_that_notify_nobody_need_no_transaction() {
    let folio = folio(MockPorts::new());
    let unfollow = DomainEvent::UserUnfollowed {
        follower: UserId::generate(),
        followee: UserId::generate(),
        followee_name: ann(),
    };
    let feed = ScriptedFeed::of(&[(9, unfollow)]);

    assert_eq!(folio.notify_from_feed(&feed).await.ok(), Some(1));
    assert_eq!(
        folio
            .ports()
            .transactions
            .begun
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[tokio::test]
async fn a_batch_asks_for_the_authors_of_its_articles_once() {
    let (first, second) = (ArticleId::generate(), ArticleId::generate());
    let (first_author, second_author) = (UserId::generate(), UserId::generate());
    let mut ports = MockPorts::new();
    ports.clock_at(now());
    let asked = captured();
    let seen = asked.clone();
    ports
        .notifications
        .expect_article_authors()
        .times(1)
        .returning(move |articles| {
            seen.lock().unwrap().push(articles.to_vec());
            Ok(HashMap::from([
                (first, first_author),
                (second, second_author),
            ]))
        });
    let inserted = captured();
    let stored = inserted.clone();
    ports.notifications.expect_insert().returning(move |new| {
        stored.lock().unwrap().push(new.recipient);
        Ok(None)
    });
    let folio = folio(ports);
    let comment = DomainEvent::CommentAdded {
        article: second,
        slug: folio_domain::Slug::from_trusted("second".to_owned()),
        comment: CommentId::new(1),
        author: UserId::generate(),
    };
    let feed = ScriptedFeed::of(&[
        (1, favorited(first, UserId::generate())),
        (2, comment),
        (3, favorited(first, UserId::generate())),
    ]);

    assert_eq!(folio.notify_from_feed(&feed).await.ok(), Some(3));

    let mut expected = vec![first, second];
    expected.sort_unstable();
    assert_eq!(taken(&asked), [expected]);
    assert_eq!(
        taken(&inserted),
        [first_author, second_author, first_author]
    );
}
