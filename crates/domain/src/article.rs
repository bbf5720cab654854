use crate::invalid::{InvalidValue, bounded_text, required_text, string_newtype};
use crate::{ArticleId, ImageUrl, Profile, TagList, Timestamp};

string_newtype!(
    /// An article's headline; its slug is derived from it.
    ArticleTitle
);

impl ArticleTitle {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        required_text(raw, Self::MAX_CHARS).map(Self)
    }
}

string_newtype!(
    /// A one-line summary shown in article lists; required, like the title.
    ArticleDescription
);

impl ArticleDescription {
    pub const MAX_CHARS: usize = 1000;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        required_text(raw, Self::MAX_CHARS).map(Self)
    }
}

string_newtype!(
    /// The article's text (Markdown, rendered by clients).
    ArticleBody
);

impl ArticleBody {
    pub const MAX_CHARS: usize = 200_000;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.trim().is_empty() {
            return Err(InvalidValue::blank());
        }
        bounded_text(raw, Self::MAX_CHARS).map(Self)
    }
}

string_newtype!(
    /// The URL-safe public handle of an article, derived from its title.
    Slug
);

impl Slug {
    /// Slugs stay readable in a URL; long titles are cut at a word boundary.
    pub const MAX_CHARS: usize = 80;
    const FALLBACK: &'static str = "article";
    /// Path segments that routes under `/articles/` already claim.
    const RESERVED: [&'static str; 1] = ["feed"];

    /// `"Hello, World!"` becomes `hello-world`; a title with nothing sluggable
    /// (only punctuation, say) becomes `article`.
    pub fn from_title(title: &ArticleTitle) -> Self {
        let mut slug = slug::slugify(title.as_str());
        if slug.len() > Self::MAX_CHARS {
            let cut = slug[..Self::MAX_CHARS]
                .rfind('-')
                .unwrap_or(Self::MAX_CHARS);
            slug.truncate(cut);
        }
        if slug.is_empty() {
            slug = Self::FALLBACK.to_owned();
        }
        if Self::RESERVED.contains(&slug.as_str()) {
            slug.push('-');
            slug.push_str(Self::FALLBACK);
        }
        Self(slug)
    }

    /// The same slug made distinct by a suffix, used when the plain one is taken.
    pub fn with_suffix(&self, suffix: &str) -> Self {
        Self(format!("{}-{}", self.0, slug::slugify(suffix)))
    }
}

/// A published article with its author's public profile. Viewer-specific facts
/// (favorited, following) are added by the application layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub id: ArticleId,
    pub slug: Slug,
    pub title: ArticleTitle,
    pub description: ArticleDescription,
    pub body: ArticleBody,
    pub tags: TagList,
    /// The article's picture (a cover, a card image), when it has one.
    pub image: Option<ImageUrl>,
    pub author: Profile,
    pub favorites_count: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn title(raw: &str) -> ArticleTitle {
        ArticleTitle::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
    }

    #[test]
    fn slug_is_url_safe_and_readable() {
        assert_eq!(
            Slug::from_title(&title("How to train your Dragon!")).as_str(),
            "how-to-train-your-dragon"
        );
        assert_eq!(
            Slug::from_title(&title("Ça va? Über-cool")).as_str(),
            "ca-va-uber-cool"
        );
        assert_eq!(Slug::from_title(&title("?!")).as_str(), "article");
    }

    #[test]
    fn long_titles_are_cut_at_a_word_boundary() {
        let slug = Slug::from_title(&title(&"word ".repeat(40)));
        assert!(slug.as_str().len() <= Slug::MAX_CHARS);
        assert!(slug.as_str().ends_with("word"));
    }

    #[test]
    fn a_slug_never_collides_with_a_route() {
        assert_eq!(Slug::from_title(&title("Feed")).as_str(), "feed-article");
        assert_eq!(Slug::from_title(&title("Feed me")).as_str(), "feed-me");
    }

    #[test]
    fn suffix_keeps_the_slug_url_safe() {
        let slug = Slug::from_title(&title("Same title")).with_suffix("x9Z");
        assert_eq!(slug.as_str(), "same-title-x9z");
    }

    #[test]
    fn title_and_body_must_not_be_blank() {
        assert!(ArticleTitle::parse("  ").is_err());
        assert!(ArticleBody::parse("").is_err());
        assert!(ArticleDescription::parse(" ").is_err());
        assert!(ArticleTitle::parse(&"t".repeat(201)).is_err());
    }
}
