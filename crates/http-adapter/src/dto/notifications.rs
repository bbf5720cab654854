use folio_application::ports::Notification;
use folio_application::use_cases::notifications::{
    NotificationPage, NotificationPageRequest, ReadRequest,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::time::rfc3339_millis;

/// Pagination of `GET /notifications`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationsQuery {
    /// Page size, default 20, at most 100 (larger values are capped).
    pub limit: Option<i64>,
    /// The `nextCursor` of the previous page, as it was received; absent for the
    /// first page.
    pub cursor: Option<String>,
}

impl From<NotificationsQuery> for NotificationPageRequest {
    fn from(query: NotificationsQuery) -> Self {
        Self {
            limit: query.limit,
            cursor: query.cursor,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationsResponse {
    /// Newest first.
    pub notifications: Vec<NotificationBody>,
    /// Present when more follow: pass it as `cursor` for the next page. Opaque.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl From<NotificationPage> for NotificationsResponse {
    fn from(page: NotificationPage) -> Self {
        Self {
            notifications: page
                .notifications
                .into_iter()
                .map(NotificationBody::from)
                .collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// One notification. Keys are always present; those that do not apply are null.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationBody {
    pub id: i64,
    /// `profile.followed`, `article.favorited`, `article.commented`,
    /// `upload.ready` or `upload.failed`.
    #[serde(rename = "type")]
    #[schema(example = "article.commented")]
    pub kind: &'static str,
    #[schema(example = "2026-02-18T03:22:56.637Z")]
    pub created_at: String,
    pub read: bool,
    /// Who did it; null for an upload's processing.
    pub actor: Option<NotificationActorBody>,
    /// The article it is about; null when none, or deleted since.
    pub article: Option<NotificationArticleBody>,
    pub comment_id: Option<i64>,
    pub upload_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationActorBody {
    pub username: String,
    pub image: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationArticleBody {
    pub slug: String,
    pub title: String,
}

impl From<Notification> for NotificationBody {
    fn from(notification: Notification) -> Self {
        Self {
            id: notification.id.get(),
            kind: notification.kind.as_str(),
            created_at: rfc3339_millis(&notification.created_at),
            read: notification.read,
            actor: notification.actor.map(|actor| NotificationActorBody {
                username: actor.username.as_str().to_owned(),
                image: actor.image,
            }),
            article: notification.article.map(|article| NotificationArticleBody {
                slug: article.slug.as_str().to_owned(),
                title: article.title,
            }),
            comment_id: notification.comment.map(|comment| comment.get()),
            upload_id: notification.upload.map(|upload| upload.to_string()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnreadCountResponse {
    /// The caller's unread notifications.
    pub unread_count: u64,
}

/// `{"ids": [...]}` or `{"all": true}`: exactly one of the two.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkReadRequest {
    /// Ids of the caller's notifications (at most 100); ids of others' change nothing.
    pub ids: Option<Vec<i64>>,
    /// `true` marks every notification of the caller read.
    pub all: Option<bool>,
}

impl From<MarkReadRequest> for ReadRequest {
    fn from(request: MarkReadRequest) -> Self {
        Self {
            ids: request.ids,
            all: request.all,
        }
    }
}
