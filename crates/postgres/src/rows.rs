//! Row types as diesel loads them, and their conversion into domain values.
//! Stored values were validated on the way in, so they are wrapped, not re-parsed.

use chrono::{DateTime, Utc};
use diesel::{Queryable, Selectable};
use folio_application::ports::PortError;
use folio_domain::{
    Article, ArticleBody, ArticleDescription, ArticleId, ArticleTitle, Bio, Comment, CommentBody,
    CommentId, Email, ImageUrl, Profile, Role, Slug, TagList, TagName, User, UserId, Username,
};
use uuid::Uuid;

use super::schema::{articles, comments, users};

diesel::define_sql_function! {
    /// SQL `lower(text)`: emails compare case-insensitively.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub(crate) struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub suspended_at: Option<DateTime<Utc>>,
}

impl UserRow {
    pub fn into_domain(self) -> Result<User, PortError> {
        let role = Role::parse(&self.role).map_err(|_| {
            PortError::Other(
                format!("unknown role {:?} stored for user {}", self.role, self.id).into(),
            )
        })?;
        Ok(User {
            id: UserId::from_uuid(self.id),
            username: Username::from_trusted(self.username),
            email: Email::from_trusted(self.email),
            bio: self.bio.map(Bio::from_trusted),
            image: self.image.map(ImageUrl::from_trusted),
            role,
            suspended_at: self.suspended_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ProfileRow {
    pub id: Uuid,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

impl ProfileRow {
    pub fn into_domain(self) -> Profile {
        Profile {
            user_id: UserId::from_uuid(self.id),
            username: Username::from_trusted(self.username),
            bio: self.bio.map(Bio::from_trusted),
            image: self.image.map(ImageUrl::from_trusted),
        }
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ArticleRow {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub body: String,
    pub favorites_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub tag_names: Vec<String>,
    pub image: Option<String>,
}

impl ArticleRow {
    pub fn into_domain(self, author: ProfileRow) -> Article {
        Article {
            id: ArticleId::from_uuid(self.id),
            slug: Slug::from_trusted(self.slug),
            title: ArticleTitle::from_trusted(self.title),
            description: ArticleDescription::from_trusted(self.description),
            body: ArticleBody::from_trusted(self.body),
            tags: TagList::from_trusted(
                self.tag_names
                    .into_iter()
                    .map(TagName::from_trusted)
                    .collect(),
            ),
            image: self.image.map(ImageUrl::from_trusted),
            author: author.into_domain(),
            favorites_count: i64::from(self.favorites_count),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// An article as list pages load it: without the body, which is most of a row's bytes
/// and which list responses never carry.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = articles, check_for_backend(diesel::pg::Pg))]
pub(crate) struct ArticleSummaryRow {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub favorites_count: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub tag_names: Vec<String>,
    pub image: Option<String>,
}

impl From<ArticleSummaryRow> for ArticleRow {
    fn from(summary: ArticleSummaryRow) -> Self {
        ArticleRow {
            id: summary.id,
            slug: summary.slug,
            title: summary.title,
            description: summary.description,
            body: String::new(),
            favorites_count: summary.favorites_count,
            created_at: summary.created_at,
            updated_at: summary.updated_at,
            tag_names: summary.tag_names,
            image: summary.image,
        }
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = comments, check_for_backend(diesel::pg::Pg))]
pub(crate) struct CommentRow {
    pub id: i64,
    pub article_id: Uuid,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CommentRow {
    pub fn into_domain(self, author: ProfileRow) -> Comment {
        Comment {
            id: CommentId::new(self.id),
            article_id: ArticleId::from_uuid(self.article_id),
            body: CommentBody::from_trusted(self.body),
            author: author.into_domain(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}
