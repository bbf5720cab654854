//! How each kind of cached content is named and written in Redis: one
//! implementation per kind declared in `folio_application::content_cache::kinds`.

use folio_application::content_cache::{
    ArticlePages, Articles, CachedKind, PopularTags, Profiles, SearchPages,
};
use folio_application::ports::PortError;
use folio_domain::TagName;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cached_content::{CachedArticle, CachedPage, CachedProfile};
use crate::cached_search::CachedSearchPage;
use crate::hashed_name;
use crate::near_cache::Footprint;

/// A kind the Redis cache can hold: the name of its entries and the JSON form of
/// its values (domain types stay free of serialization; see `cached_content`).
pub(crate) trait StoredKind: CachedKind<Value: Footprint> {
    type Mirror: Serialize + DeserializeOwned;

    /// The entry's name below the key prefix. A name is part of what instances
    /// share: changing it leaves the entries under the old one unread until they
    /// expire.
    fn entry(key: &Self::Key) -> String;

    fn mirror(value: &Self::Value) -> Self::Mirror;

    fn restore(mirror: Self::Mirror) -> Result<Self::Value, PortError>;
}

impl StoredKind for Articles {
    type Mirror = CachedArticle;

    fn entry(slug: &Self::Key) -> String {
        format!("content:article:{}", slug.as_str())
    }

    fn mirror(article: &Self::Value) -> CachedArticle {
        CachedArticle::from_article(article)
    }

    fn restore(mirror: CachedArticle) -> Result<Self::Value, PortError> {
        mirror.into_article()
    }
}

impl StoredKind for Profiles {
    type Mirror = CachedProfile;

    fn entry(key: &Self::Key) -> String {
        format!("content:profile:{key}")
    }

    fn mirror(profile: &Self::Value) -> CachedProfile {
        CachedProfile::from_profile(profile)
    }

    fn restore(mirror: CachedProfile) -> Result<Self::Value, PortError> {
        mirror.into_profile()
    }
}

impl StoredKind for PopularTags {
    type Mirror = Vec<String>;

    fn entry((): &()) -> String {
        "content:tags".to_owned()
    }

    fn mirror(tags: &Self::Value) -> Vec<String> {
        tags.iter().map(|tag| tag.as_str().to_owned()).collect()
    }

    fn restore(names: Vec<String>) -> Result<Self::Value, PortError> {
        Ok(names.into_iter().map(TagName::from_trusted).collect())
    }
}

impl StoredKind for ArticlePages {
    type Mirror = CachedPage;

    /// Hashed: tags and author names are what clients typed.
    fn entry(key: &Self::Key) -> String {
        let subject = format!(
            "tag={:?}|author={:?}|feed={:?}|limit={}",
            key.tag, key.author, key.feed_of, key.limit
        );
        hashed_name("content:list", &subject)
    }

    fn mirror(page: &Self::Value) -> CachedPage {
        CachedPage::from_page(page)
    }

    fn restore(mirror: CachedPage) -> Result<Self::Value, PortError> {
        mirror.into_page()
    }
}

impl StoredKind for SearchPages {
    type Mirror = CachedSearchPage;

    /// Hashed: the text and names are what clients typed.
    fn entry(key: &Self::Key) -> String {
        hashed_name("content:search", &format!("{key:?}"))
    }

    fn mirror(results: &Self::Value) -> CachedSearchPage {
        CachedSearchPage::from_answer(results)
    }

    fn restore(mirror: CachedSearchPage) -> Result<Self::Value, PortError> {
        mirror.into_answer()
    }
}

#[cfg(test)]
mod tests {
    use folio_application::content_cache::ListKey;
    use folio_domain::{Slug, Username};

    use super::*;

    /// Entry names are shared with every running instance (and the version keys
    /// derived from them are what other instances bump): they never change.
    #[test]
    fn entries_keep_the_names_instances_share() {
        let slug = Slug::from_trusted("hello-world".to_owned());
        let name = Username::from_trusted("ΑΣ".to_owned());
        assert_eq!(Articles::entry(&slug), "content:article:hello-world");
        assert_eq!(Profiles::entry(&name.key()), "content:profile:ασ");
        assert_eq!(PopularTags::entry(&()), "content:tags");
    }

    #[test]
    fn list_entries_hide_what_clients_typed() {
        let key = ListKey {
            tag: Some("a tag anyone could type".to_owned()),
            author: None,
            feed_of: None,
            limit: 20,
        };
        let entry = ArticlePages::entry(&key);
        let other = ArticlePages::entry(&ListKey { limit: 10, ..key });

        assert!(entry.starts_with("content:list:"), "{entry}");
        assert!(!entry.contains("tag"), "{entry}");
        assert_eq!(entry.len(), "content:list:".len() + 32);
        assert_ne!(entry, other);
    }

    #[test]
    fn tags_survive_the_round_trip() -> Result<(), PortError> {
        let tags = vec![
            TagName::from_trusted("rust".to_owned()),
            TagName::from_trusted("ünïcode".to_owned()),
        ];
        let back = PopularTags::restore(PopularTags::mirror(&tags))?;
        assert_eq!(back, tags);
        Ok(())
    }
}
