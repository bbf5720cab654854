//! The JSON forms of cached content. Domain types stay free of serialization; these
//! mirror them field for field, with timestamps as milliseconds since the epoch.

use chrono::DateTime;
use folio_application::ports::{ArticlePage, PortError};
use folio_domain::{
    Article, ArticleBody, ArticleDescription, ArticleId, ArticleTitle, Bio, ImageUrl, Profile,
    Slug, TagList, TagName, Timestamp, UserId, Username,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
#[error("unreadable cached content: {0}")]
pub(crate) struct Unreadable(pub String);

pub(crate) fn unreadable(what: impl Into<String>) -> PortError {
    PortError::other(Unreadable(what.into()))
}

pub(crate) fn uuid(raw: &str) -> Result<Uuid, PortError> {
    Uuid::parse_str(raw).map_err(|_| unreadable(format!("id {raw:?}")))
}

fn at(millis: i64) -> Result<Timestamp, PortError> {
    DateTime::from_timestamp_millis(millis).ok_or_else(|| unreadable(format!("time {millis}")))
}

pub(crate) fn encode<T: Serialize>(value: &T) -> Result<String, PortError> {
    serde_json::to_string(value).map_err(|error| unreadable(error.to_string()))
}

pub(crate) fn decode<'a, T: Deserialize<'a>>(json: &'a str) -> Result<T, PortError> {
    serde_json::from_str(json).map_err(|error| unreadable(error.to_string()))
}

#[derive(Serialize, Deserialize)]
pub(crate) struct CachedProfile {
    id: String,
    username: String,
    bio: Option<String>,
    image: Option<String>,
}

impl CachedProfile {
    pub fn from_profile(profile: &Profile) -> Self {
        Self {
            id: profile.user_id.to_string(),
            username: profile.username.as_str().to_owned(),
            bio: profile.bio.as_ref().map(|bio| bio.as_str().to_owned()),
            image: profile
                .image
                .as_ref()
                .map(|image| image.as_str().to_owned()),
        }
    }

    pub fn into_profile(self) -> Result<Profile, PortError> {
        Ok(Profile {
            user_id: UserId::from_uuid(uuid(&self.id)?),
            username: Username::from_trusted(self.username),
            bio: self.bio.map(Bio::from_trusted),
            image: self.image.map(ImageUrl::from_trusted),
        })
    }
}

#[derive(Serialize, Deserialize)]
pub(crate) struct CachedArticle {
    id: String,
    slug: String,
    title: String,
    description: String,
    body: String,
    tags: Vec<String>,
    /// Absent from entries stored before articles had images.
    #[serde(default)]
    image: Option<String>,
    author: CachedProfile,
    favorites_count: i64,
    created_at: i64,
    updated_at: i64,
}

impl CachedArticle {
    pub fn from_article(article: &Article) -> Self {
        Self {
            id: article.id.to_string(),
            slug: article.slug.as_str().to_owned(),
            title: article.title.as_str().to_owned(),
            description: article.description.as_str().to_owned(),
            body: article.body.as_str().to_owned(),
            tags: article
                .tags
                .iter()
                .map(|tag| tag.as_str().to_owned())
                .collect(),
            image: article
                .image
                .as_ref()
                .map(|image| image.as_str().to_owned()),
            author: CachedProfile::from_profile(&article.author),
            favorites_count: article.favorites_count,
            created_at: article.created_at.timestamp_millis(),
            updated_at: article.updated_at.timestamp_millis(),
        }
    }

    pub fn into_article(self) -> Result<Article, PortError> {
        Ok(Article {
            id: ArticleId::from_uuid(uuid(&self.id)?),
            slug: Slug::from_trusted(self.slug),
            title: ArticleTitle::from_trusted(self.title),
            description: ArticleDescription::from_trusted(self.description),
            body: ArticleBody::from_trusted(self.body),
            tags: TagList::from_trusted(self.tags.into_iter().map(TagName::from_trusted).collect()),
            image: self.image.map(ImageUrl::from_trusted),
            author: self.author.into_profile()?,
            favorites_count: self.favorites_count,
            created_at: at(self.created_at)?,
            updated_at: at(self.updated_at)?,
        })
    }
}

#[derive(Serialize, Deserialize)]
pub(crate) struct CachedPage {
    articles: Vec<CachedArticle>,
    total: u64,
}

impl CachedPage {
    pub fn from_page(page: &ArticlePage) -> Self {
        Self {
            articles: page
                .articles
                .iter()
                .map(CachedArticle::from_article)
                .collect(),
            total: page.total,
        }
    }

    pub fn into_page(self) -> Result<ArticlePage, PortError> {
        Ok(ArticlePage {
            articles: self
                .articles
                .into_iter()
                .map(CachedArticle::into_article)
                .collect::<Result<_, _>>()?,
            total: self.total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article() -> Article {
        let now = DateTime::from_timestamp_millis(1_714_564_800_123).unwrap_or_default();
        Article {
            id: ArticleId::generate(),
            slug: Slug::from_trusted("hello".to_owned()),
            title: ArticleTitle::from_trusted("Hello".to_owned()),
            description: ArticleDescription::from_trusted("d".to_owned()),
            body: ArticleBody::from_trusted("b".to_owned()),
            tags: TagList::from_trusted(vec![TagName::from_trusted("rust".to_owned())]),
            image: Some(ImageUrl::from_trusted(format!(
                "/api/v1/files/{}.png",
                "a".repeat(64)
            ))),
            author: Profile {
                user_id: UserId::generate(),
                username: Username::from_trusted("jake".to_owned()),
                bio: None,
                image: Some(ImageUrl::from_trusted("https://x.example/j.png".to_owned())),
            },
            favorites_count: 3,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_page_survives_the_round_trip() -> Result<(), PortError> {
        let page = ArticlePage {
            articles: vec![article(), article()],
            total: 42,
        };
        let json = encode(&CachedPage::from_page(&page))?;
        let back = decode::<CachedPage>(&json)?.into_page()?;
        assert_eq!(back, page);
        Ok(())
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode::<CachedPage>("{not json").is_err());
        let bad_id = r#"{"id":"x","username":"a","bio":null,"image":null}"#;
        assert!(
            decode::<CachedProfile>(bad_id)
                .and_then(CachedProfile::into_profile)
                .is_err()
        );
    }
}
