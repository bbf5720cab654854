//! The caller's notifications: a page at a time, newest first; how many are unread;
//! marking them read. Everyone sees and changes only their own.

use folio_domain::NotificationId;

use super::notification_cursor;
use crate::ports::{Clock, Notification, NotificationRepository, ReadSelection};
use crate::views::Authenticated;
use crate::{AppError, FieldErrors, Folio, Ports};

pub const DEFAULT_NOTIFICATION_PAGE: u32 = 20;
/// Larger requested pages are cut to this size.
pub const MAX_NOTIFICATION_PAGE: u32 = 100;
/// Ids one request may mark read.
pub const MAX_IDS_PER_READ: usize = 100;

/// Page size and cursor as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct NotificationPageRequest {
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page; `None` for the first page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationPage {
    pub notifications: Vec<Notification>,
    /// Present when more follow.
    pub next_cursor: Option<String>,
}

/// What to mark read, as the client sent it: exactly one of the two.
#[derive(Debug, Clone, Default)]
pub struct ReadRequest {
    pub ids: Option<Vec<i64>>,
    pub all: Option<bool>,
}

impl<P: Ports> Folio<P> {
    pub async fn notifications(
        &self,
        caller: &Authenticated,
        page: NotificationPageRequest,
    ) -> Result<NotificationPage, AppError> {
        let (limit, before) = validate_page(&page)?;
        // One more than the page tells whether another page follows.
        let mut notifications = self
            .ports
            .notifications()
            .list(caller.user.id, before, limit + 1)
            .await?;
        let page_len = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_cursor = if notifications.len() > page_len {
            notifications.truncate(page_len);
            notifications
                .last()
                .map(|last| notification_cursor::encode(last.id))
        } else {
            None
        };
        Ok(NotificationPage {
            notifications,
            next_cursor,
        })
    }

    pub async fn unread_notifications(&self, caller: &Authenticated) -> Result<u64, AppError> {
        Ok(self
            .ports
            .notifications()
            .unread_count(caller.user.id)
            .await?)
    }

    /// Marks the caller's selected notifications read (ids of others' change
    /// nothing); returns how many unread remain.
    pub async fn mark_notifications_read(
        &self,
        caller: &Authenticated,
        request: ReadRequest,
    ) -> Result<u64, AppError> {
        let selection = validate_read(request)?;
        let notifications = self.ports.notifications();
        let now = self.ports.clock().now();
        notifications
            .mark_read(caller.user.id, selection, now)
            .await?;
        Ok(notifications.unread_count(caller.user.id).await?)
    }
}

fn validate_page(
    page: &NotificationPageRequest,
) -> Result<(u32, Option<NotificationId>), AppError> {
    let mut errors = FieldErrors::new();
    let limit = match page.limit {
        None => DEFAULT_NOTIFICATION_PAGE,
        Some(limit) if limit < 1 => {
            errors.add("limit", "must be at least 1");
            DEFAULT_NOTIFICATION_PAGE
        }
        Some(limit) => u32::try_from(limit.min(i64::from(MAX_NOTIFICATION_PAGE)))
            .unwrap_or(MAX_NOTIFICATION_PAGE),
    };
    let before = match &page.cursor {
        None => None,
        Some(cursor) => {
            let last = notification_cursor::decode(cursor);
            if last.is_none() {
                errors.add("cursor", "is not a cursor from a previous page");
            }
            last
        }
    };
    errors.into_result()?;
    Ok((limit, before))
}

fn validate_read(request: ReadRequest) -> Result<ReadSelection, AppError> {
    let invalid =
        |field: &str, message: &str| AppError::Invalid(FieldErrors::single(field, message));
    match (request.ids, request.all) {
        (Some(_), Some(_)) => Err(invalid("body", "give either ids or all, not both")),
        (None, Some(true)) => Ok(ReadSelection::All),
        (None, Some(false)) => Err(invalid("all", "must be true")),
        (None, None) => Err(invalid("body", "give ids or all")),
        (Some(ids), None) if ids.is_empty() => Err(invalid("ids", "can't be empty")),
        (Some(ids), None) if ids.len() > MAX_IDS_PER_READ => Err(invalid(
            "ids",
            &format!("at most {MAX_IDS_PER_READ} per request"),
        )),
        (Some(ids), None) if ids.iter().any(|id| *id < 1) => {
            Err(invalid("ids", "must be notification ids"))
        }
        (Some(ids), None) => Ok(ReadSelection::Ids(
            ids.into_iter().map(NotificationId::new).collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(ids: Option<Vec<i64>>, all: Option<bool>) -> Result<ReadSelection, AppError> {
        validate_read(ReadRequest { ids, all })
    }

    #[test]
    fn read_takes_ids_or_all() {
        assert_eq!(read(None, Some(true)).ok(), Some(ReadSelection::All));
        assert_eq!(
            read(Some(vec![3, 1]), None).ok(),
            Some(ReadSelection::Ids(vec![
                NotificationId::new(3),
                NotificationId::new(1)
            ]))
        );
    }

    #[test]
    fn read_refuses_anything_else() {
        for (ids, all) in [
            (None, None),
            (None, Some(false)),
            (Some(vec![1]), Some(true)),
            (Some(vec![]), None),
            (Some(vec![0]), None),
            (Some(vec![-4]), None),
            (Some(vec![1; MAX_IDS_PER_READ + 1]), None),
        ] {
            assert!(
                matches!(read(ids.clone(), all), Err(AppError::Invalid(_))),
                "{ids:?} {all:?}"
            );
        }
    }

    #[test]
    fn pages_are_capped_and_cursors_checked() {
        let page = |limit, cursor: Option<&str>| {
            validate_page(&NotificationPageRequest {
                limit,
                cursor: cursor.map(str::to_owned),
            })
        };
        assert_eq!(
            page(None, None).ok(),
            Some((DEFAULT_NOTIFICATION_PAGE, None))
        );
        assert_eq!(
            page(Some(1000), None).ok(),
            Some((MAX_NOTIFICATION_PAGE, None))
        );
        assert!(page(Some(0), None).is_err());
        assert!(page(None, Some("garbage")).is_err());
        let cursor = notification_cursor::encode(NotificationId::new(9));
        assert_eq!(
            page(Some(5), Some(&cursor)).ok(),
            Some((5, Some(NotificationId::new(9))))
        );
    }
}
