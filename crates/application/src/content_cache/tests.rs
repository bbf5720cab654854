//! The generic read path, on a kind declared here and nowhere else: its
//! declaration alone makes it cached, shared, invalidated and optional.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use folio_domain::{Slug, UserId};

use super::{CachedKind, EntryVersion, LocalBudget, MIB};
use crate::ports::{ArticleRepository, CacheOf, PortError};
use crate::test_support::MockPorts;
use crate::{Folio, Ports, SessionPolicy};

/// The slugs of an author's articles: a kind no adapter and no other code knows.
struct AuthorSlugs;

impl CachedKind for AuthorSlugs {
    const NAME: &'static str = "author slugs";
    const LOCAL_COPIES: LocalBudget = LocalBudget {
        bytes: MIB,
        expected_entries: 10,
    };
    const TTL: Duration = Duration::from_secs(30);

    type Query = UserId;
    type Key = UserId;
    type Value = Vec<Slug>;

    fn key(author: &UserId) -> Option<UserId> {
        Some(*author)
    }

    fn version(_: &UserId) -> EntryVersion {
        EntryVersion::Own
    }

    async fn load<P: Ports>(ports: &P, author: &UserId) -> Result<Option<Vec<Slug>>, PortError> {
        let slugs = ports.articles().slugs_by_author(*author).await?;
        // A slow load, so that concurrent reads overlap it.
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(Some(slugs))
    }
}

fn slugs(names: &[&str]) -> Vec<Slug> {
    names
        .iter()
        .map(|name| Slug::from_trusted((*name).to_owned()))
        .collect()
}

/// The repository answers `first`, then `later` on every call after the first.
fn repository_answers(ports: &mut MockPorts, times: usize, first: &[&str], later: &[&str]) {
    let (first, later) = (slugs(first), slugs(later));
    let calls = AtomicUsize::new(0);
    ports
        .articles
        .expect_slugs_by_author()
        .times(times)
        .returning(move |_| {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            Ok(if call == 0 {
                first.clone()
            } else {
                later.clone()
            })
        });
}

fn caching(ports: MockPorts) -> Folio<MockPorts> {
    Folio::new(ports, SessionPolicy::default())
}

/// The application with the cache on, over a repository that answers as
/// [`repository_answers`] says.
fn caching_over(times: usize, first: &[&str], later: &[&str]) -> Folio<MockPorts> {
    let mut ports = MockPorts::new();
    repository_answers(&mut ports, times, first, later);
    caching(ports)
}

async fn read(folio: &Folio<MockPorts>, author: UserId) -> Option<Vec<Slug>> {
    folio
        .read_through::<AuthorSlugs>(&author)
        .await
        .unwrap()
        .value
}

#[tokio::test]
async fn a_new_kind_is_loaded_stored_served_and_invalidated_by_its_declaration_alone() {
    let author = UserId::generate();
    let folio = caching_over(2, &["before"], &["after"]);
    let cache = &folio.ports().content_cache;

    assert_eq!(read(&folio, author).await, Some(slugs(&["before"])));
    assert_eq!(read(&folio, author).await, Some(slugs(&["before"])));
    CacheOf::<AuthorSlugs>::bump_entries(cache, &[author])
        .await
        .unwrap();
    assert_eq!(read(&folio, author).await, Some(slugs(&["after"])));

    let versions: Vec<u64> = cache
        .stores::<AuthorSlugs>()
        .into_iter()
        .map(|(_, version, _)| version)
        .collect();
    assert_eq!(versions, [0, 1]);
    assert_eq!(
        cache.log(),
        [
            "get author slugs",
            "store author slugs",
            "get author slugs",
            "bump author slugs",
            "get author slugs",
            "store author slugs",
        ]
    );
}

#[tokio::test]
async fn a_failing_cache_falls_back_to_the_repository_every_time() {
    let author = UserId::generate();
    let mut ports = MockPorts::new();
    repository_answers(&mut ports, 2, &["stored"], &["stored"]);
    ports.content_cache.down = true;
    let folio = caching(ports);

    for _ in 0..2 {
        let read = folio.read_through::<AuthorSlugs>(&author).await.unwrap();
        assert_eq!(read.value, Some(slugs(&["stored"])));
        assert_eq!(read.version, None, "not read through the cache");
    }
    let cache = &folio.ports().content_cache;
    assert!(cache.stores::<AuthorSlugs>().is_empty());
    assert_eq!(cache.log(), ["get author slugs", "get author slugs"]);
}

#[tokio::test]
async fn with_the_cache_off_the_kind_is_never_looked_up() {
    let author = UserId::generate();
    let mut ports = MockPorts::new();
    repository_answers(&mut ports, 1, &["stored"], &[]);
    let folio = caching(ports).with_content_cache(crate::ContentCachePolicy { enabled: false });

    assert_eq!(read(&folio, author).await, Some(slugs(&["stored"])));
    assert!(folio.ports().content_cache.log().is_empty());
}

#[tokio::test]
async fn concurrent_misses_for_one_entry_share_one_load() {
    let author = UserId::generate();
    let folio = caching_over(1, &["once"], &[]);

    let reads = tokio::join!(
        read(&folio, author),
        read(&folio, author),
        read(&folio, author)
    );

    let once = Some(slugs(&["once"]));
    assert_eq!(reads, (once.clone(), once.clone(), once));
    assert_eq!(folio.ports().content_cache.stores::<AuthorSlugs>().len(), 1);
}

#[tokio::test]
async fn a_reader_that_saw_a_newer_version_does_not_wait_for_an_older_load() {
    let author = UserId::generate();
    let folio = caching_over(2, &["old"], &["new"]);
    let cache = &folio.ports().content_cache;

    // The first read's load is under way (at version 0) when the entry is bumped
    // and read again.
    let (first, second) = tokio::join!(read(&folio, author), async {
        CacheOf::<AuthorSlugs>::bump_entries(cache, &[author])
            .await
            .unwrap();
        read(&folio, author).await
    });

    assert_eq!(first, Some(slugs(&["old"])));
    assert_eq!(second, Some(slugs(&["new"])));
    let mut stored: Vec<(u64, Vec<Slug>)> = cache
        .stores::<AuthorSlugs>()
        .into_iter()
        .map(|(_, version, value)| (version, value))
        .collect();
    stored.sort();
    assert_eq!(stored, [(0, slugs(&["old"])), (1, slugs(&["new"]))]);
}
