//! The notifier: a consumer of the event stream that stores the notifications the
//! events call for (`folio_domain::notice_for`), each with a `notification.created`
//! event for its recipient's channel, in one transaction per batch. A batch is
//! acknowledged once committed; one that fails comes back, and a notification is
//! keyed by its source event and recipient, so handling an event again (a retry,
//! a member that died after committing) stores and announces nothing twice.

use std::future::Future;
use std::time::Duration;

use std::collections::HashMap;

use folio_domain::{ArticleId, DomainEvent, Notice, Recipient, UserId, notice_for};

use super::feed_loop::{BATCH, follow_feed};
use crate::events;
use crate::ports::{
    Clock, DeliveredEvent, EventFeed, NewNotification, NotificationRepository, UnitOfWork, Work,
};
use crate::{AppError, Folio, Ports};

impl<P: Ports> Folio<P> {
    /// One round: the notifications of the next batch, then its acknowledgement.
    /// Returns how many entries it handled.
    pub async fn notify_from_feed<F: EventFeed>(&self, feed: &F) -> Result<usize, AppError> {
        let batch = feed.next_batch(BATCH).await?;
        if batch.is_empty() {
            return Ok(0);
        }
        // Entries this version cannot read (a newer version's events) notify no one.
        let notices: Vec<(u64, Notice)> = batch
            .iter()
            .filter_map(|entry| Some((entry.sequence, notice_of(entry)?)))
            .collect();
        if !notices.is_empty() {
            self.store_notifications(&notices).await?;
        }
        let ids: Vec<String> = batch.into_iter().map(|entry| entry.id).collect();
        feed.acknowledge(&ids).await?;
        Ok(ids.len())
    }

    async fn store_notifications(&self, notices: &[(u64, Notice)]) -> Result<(), AppError> {
        let now = self.ports.clock().now();
        let mut work = self.ports.unit_of_work().begin().await?;
        let authors = authors_of(work.notifications(), notices).await?;
        for (source, notice) in notices {
            let recipient = match notice.recipient {
                Recipient::User(user) => user,
                Recipient::AuthorOf(article) => match authors.get(&article) {
                    Some(&author) => author,
                    // Deleted since: nobody to tell.
                    None => continue,
                },
            };
            if !notice.is_worth_sending_to(recipient) {
                continue;
            }
            let stored = work
                .notifications()
                .insert(NewNotification {
                    source: *source,
                    recipient,
                    kind: notice.kind,
                    actor: notice.actor,
                    article: notice.article,
                    comment: notice.comment,
                    upload: notice.upload,
                    created_at: now,
                })
                .await?;
            if let Some(created) = stored {
                work.raise(DomainEvent::NotificationCreated {
                    notification: created.id,
                    recipient,
                    recipient_name: created.recipient_name,
                    kind: notice.kind,
                    upload: notice.upload,
                });
            }
        }
        work.commit().await?;
        Ok(())
    }

    /// Follows the feed until `stop` completes (see `feed_loop`).
    pub async fn keep_notifying<F: EventFeed>(
        &self,
        feed: &F,
        poll: Duration,
        max_backoff: Duration,
        stop: impl Future<Output = ()>,
    ) {
        follow_feed(feed, "notifier", poll, max_backoff, stop, || {
            self.notify_from_feed(feed)
        })
        .await;
    }
}

fn notice_of(entry: &DeliveredEvent) -> Option<Notice> {
    notice_for(&events::decode(&entry.name, &entry.fields)?)
}

/// The authors of the articles `notices` go to the authors of, in one query
/// (none when no notice does).
async fn authors_of(
    notifications: &impl NotificationRepository,
    notices: &[(u64, Notice)],
) -> Result<HashMap<ArticleId, UserId>, AppError> {
    let mut articles: Vec<ArticleId> = notices
        .iter()
        .filter_map(|(_, notice)| match notice.recipient {
            Recipient::AuthorOf(article) => Some(article),
            Recipient::User(_) => None,
        })
        .collect();
    if articles.is_empty() {
        return Ok(HashMap::new());
    }
    articles.sort_unstable();
    articles.dedup();
    Ok(notifications.article_authors(&articles).await?)
}

#[cfg(test)]
mod tests;
