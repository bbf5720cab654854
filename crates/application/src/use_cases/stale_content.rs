//! What committed events make stale in the content cache, decided in this one place
//! for both callers: the writer, which applies its own events before it answers (it
//! must never read its old copy again), and the event consumer, which applies every
//! published event once more, so that an invalidation the writer could not make
//! (Redis failed at that moment, the process died after the commit) is made as soon
//! as Redis answers.

use folio_domain::{DomainEvent, Slug, UserId, Username};
use tracing::warn;

use crate::content_cache::{Articles, Profiles, SharedVersion};
use crate::ports::{ArticleRepository, CacheOf, SharedVersions};
use crate::{AppError, Folio, Ports};

/// Cached content that no longer matches what is stored.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Stale {
    pub articles: Vec<Slug>,
    pub profiles: Vec<Username>,
    /// Authors whose articles embed a profile that changed.
    pub authors: Vec<UserId>,
    pub lists: bool,
    pub tags: bool,
    pub feeds: bool,
}

impl Stale {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The shared versions to bump, each once: any change to articles ends every
    /// list and feed page.
    fn shared_versions(&self) -> Vec<SharedVersion> {
        let mut shared = Vec::new();
        if self.lists {
            shared.extend([SharedVersion::LISTS, SharedVersion::FEEDS]);
        }
        if self.feeds && !self.lists {
            shared.push(SharedVersion::FEEDS);
        }
        if self.tags {
            shared.push(SharedVersion::TAGS);
        }
        shared
    }
}

/// What `events` make stale, all together (so a batch costs one bump per kind).
pub(crate) fn stale_after(events: &[DomainEvent]) -> Stale {
    let mut stale = Stale::default();
    for event in events {
        match event {
            DomainEvent::ArticlePublished { .. } => {
                stale.lists = true;
                stale.tags = true;
            }
            DomainEvent::ArticleEdited {
                slug,
                previous_slug,
                tags_changed,
                ..
            } => {
                stale.articles.extend(previous_slug.iter().cloned());
                stale.articles.push(slug.clone());
                stale.lists = true;
                stale.tags |= tags_changed;
            }
            DomainEvent::ArticleDeleted { slug, .. } => {
                stale.articles.push(slug.clone());
                stale.lists = true;
                stale.tags = true;
            }
            DomainEvent::ArticleFavorited { slug, .. }
            | DomainEvent::ArticleUnfavorited { slug, .. } => {
                stale.articles.push(slug.clone());
                stale.lists = true;
            }
            DomainEvent::UserFollowed { .. } | DomainEvent::UserUnfollowed { .. } => {
                stale.feeds = true;
            }
            DomainEvent::ProfileUpdated {
                user,
                username,
                previous_username,
            } => {
                stale.profiles.extend(previous_username.iter().cloned());
                stale.profiles.push(username.clone());
                stale.authors.push(*user);
                stale.lists = true;
            }
            // Comments, uploads and notifications are not cached; sessions and roles
            // have a cache of their own.
            DomainEvent::CommentAdded { .. }
            | DomainEvent::CommentDeleted { .. }
            | DomainEvent::SessionsRevoked { .. }
            | DomainEvent::RoleChanged { .. }
            | DomainEvent::AccountSuspended { .. }
            | DomainEvent::AccountUnsuspended { .. }
            | DomainEvent::UploadReady { .. }
            | DomainEvent::UploadFailed { .. }
            | DomainEvent::NotificationCreated { .. } => {}
        }
    }
    distinct(&mut stale.articles);
    distinct(&mut stale.profiles);
    distinct(&mut stale.authors);
    stale
}

/// Drops repeats, keeping each value where it first came.
fn distinct<T: Ord + Clone>(values: &mut Vec<T>) {
    let mut seen = std::collections::BTreeSet::new();
    values.retain(|value| seen.insert(value.clone()));
}

impl<P: Ports> Folio<P> {
    /// Drops what `events` made stale. Fails on the first invalidation that could
    /// not be made, so the caller can try again.
    pub async fn invalidate_after(&self, events: &[DomainEvent]) -> Result<(), AppError> {
        if !self.content_caching() {
            return Ok(());
        }
        let stale = stale_after(events);
        if stale.is_empty() {
            return Ok(());
        }
        let cache = self.ports.content_cache();
        let shared = stale.shared_versions();
        let mut articles = stale.articles;
        for author in stale.authors {
            articles.extend(self.ports.articles().slugs_by_author(author).await?);
        }
        if !stale.profiles.is_empty() {
            let keys: Vec<_> = stale.profiles.iter().map(Username::key).collect();
            CacheOf::<Profiles>::bump_entries(cache, &keys).await?;
        }
        if !articles.is_empty() {
            CacheOf::<Articles>::bump_entries(cache, &articles).await?;
        }
        if !shared.is_empty() {
            cache.bump_shared(&shared).await?;
        }
        Ok(())
    }

    /// The writer's own invalidation, right after its commit. A failure is logged:
    /// the event consumer makes the invalidation again once Redis answers.
    pub(crate) async fn settle(&self, events: &[DomainEvent]) {
        if let Err(error) = self.invalidate_after(events).await {
            warn!(%error, "could not invalidate the content cache; the event consumer will");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use folio_domain::{ArticleId, ArticleTitle, CommentId};

    fn slug(title: &str) -> Slug {
        Slug::from_title(&ArticleTitle::parse(title).unwrap_or_else(|_| unreachable!()))
    }

    #[test]
    fn a_batch_is_summed_and_deduplicated() {
        let (article, author) = (ArticleId::generate(), UserId::generate());
        let events = [
            DomainEvent::ArticleFavorited {
                article,
                slug: slug("A"),
                user: author,
                favorites_count: 1,
            },
            DomainEvent::ArticleEdited {
                article,
                slug: slug("B"),
                previous_slug: Some(slug("A")),
                tags_changed: true,
                author,
            },
            DomainEvent::CommentAdded {
                article,
                slug: slug("B"),
                comment: CommentId::new(1),
                author,
            },
        ];
        assert_eq!(
            stale_after(&events),
            Stale {
                articles: vec![slug("A"), slug("B")],
                lists: true,
                tags: true,
                ..Stale::default()
            }
        );
    }

    #[test]
    fn follows_touch_feeds_and_profiles_touch_their_authors_articles() {
        let (user, other) = (UserId::generate(), UserId::generate());
        let jake = Username::parse("jake").unwrap_or_else(|_| unreachable!());
        let renamed = Username::parse("jacob").unwrap_or_else(|_| unreachable!());
        let stale = stale_after(&[
            DomainEvent::UserFollowed {
                follower: user,
                followee: other,
                followee_name: jake.clone(),
            },
            DomainEvent::ProfileUpdated {
                user,
                username: renamed.clone(),
                previous_username: Some(jake.clone()),
            },
        ]);
        assert!(stale.feeds && stale.lists && !stale.tags);
        assert_eq!(stale.profiles, [jake, renamed]);
        assert_eq!(stale.authors, [user]);
        assert!(
            stale_after(&[DomainEvent::RoleChanged {
                user,
                role: folio_domain::Role::Admin
            }])
            .is_empty()
        );
    }

    #[test]
    fn shared_versions_are_bumped_once_each() {
        let lists_and_feeds = Stale {
            lists: true,
            feeds: true,
            tags: true,
            ..Stale::default()
        };
        assert_eq!(
            lists_and_feeds.shared_versions(),
            [
                SharedVersion::LISTS,
                SharedVersion::FEEDS,
                SharedVersion::TAGS
            ]
        );
        let follows = Stale {
            feeds: true,
            ..Stale::default()
        };
        assert_eq!(follows.shared_versions(), [SharedVersion::FEEDS]);
        assert!(Stale::default().shared_versions().is_empty());
    }
}
