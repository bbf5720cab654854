use crate::invalid::{InvalidValue, string_newtype};

string_newtype!(
    /// A topic label, 1 to 40 characters, no control characters.
    TagName
);

impl TagName {
    pub const MAX_CHARS: usize = 40;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(InvalidValue::blank());
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(InvalidValue::too_long(Self::MAX_CHARS));
        }
        if name.chars().any(char::is_control) {
            return Err(InvalidValue::new("is invalid"));
        }
        Ok(Self(name.to_owned()))
    }
}

/// The tags of one article: distinct and sorted alphabetically, as every
/// article response must show them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagList(Vec<TagName>);

impl TagList {
    pub const MAX_TAGS: usize = 20;

    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, InvalidValue> {
        let mut tags = raw
            .iter()
            .map(|tag| TagName::parse(tag.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        tags.sort();
        tags.dedup();
        if tags.len() > Self::MAX_TAGS {
            return Err(InvalidValue::new(format!(
                "has too many tags (maximum is {})",
                Self::MAX_TAGS
            )));
        }
        Ok(Self(tags))
    }

    /// Builds a list from names already validated (e.g. loaded from storage).
    pub fn from_trusted(mut tags: Vec<TagName>) -> Self {
        tags.sort();
        tags.dedup();
        Self(tags)
    }

    pub fn as_slice(&self) -> &[TagName] {
        &self.0
    }

    pub fn iter(&self) -> impl Iterator<Item = &TagName> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_lists_are_sorted_and_distinct() {
        let tags = TagList::parse(&["rust", "actix", " rust ", "diesel"]);
        let names: Vec<String> = tags
            .map(|t| t.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        assert_eq!(names, ["actix", "diesel", "rust"]);
    }

    #[test]
    fn invalid_tags_are_refused() {
        assert!(TagList::parse(&[""]).is_err());
        assert!(TagList::parse(&["a\u{0}b"]).is_err());
        let too_many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(TagList::parse(&too_many).is_err());
        assert!(TagList::parse::<&str>(&[]).is_ok_and(|t| t.is_empty()));
    }
}
