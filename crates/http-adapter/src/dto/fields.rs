//! Sparse fieldsets: `?fields=slug,title,author.username` trims article payloads to
//! what a client shows, for lists on slow networks.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::problem::ApiError;

const ARTICLE_FIELDS: [&str; 11] = [
    "slug",
    "title",
    "description",
    "body",
    "tagList",
    "image",
    "createdAt",
    "updatedAt",
    "favorited",
    "favoritesCount",
    "author",
];
const AUTHOR_FIELDS: [&str; 4] = ["username", "bio", "image", "following"];

/// The fields of an article to send; `None` for `author` means all of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSet {
    article: Vec<&'static str>,
    author: Option<Vec<&'static str>>,
}

impl FieldSet {
    /// Parses the `fields` query parameter; unknown names are a 422 that lists the
    /// valid ones.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut article = Vec::new();
        let mut author: Option<Vec<&'static str>> = None;
        let mut whole_author = false;
        let mut unknown = Vec::new();
        for name in raw
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
        {
            if let Some(sub) = name.strip_prefix("author.") {
                match AUTHOR_FIELDS.iter().find(|field| **field == sub) {
                    Some(field) => author.get_or_insert_with(Vec::new).push(field),
                    None => unknown.push(name.to_owned()),
                }
            } else if let Some(field) = ARTICLE_FIELDS.iter().find(|field| **field == name) {
                whole_author |= *field == "author";
                article.push(*field);
            } else {
                unknown.push(name.to_owned());
            }
        }
        if !unknown.is_empty() || (article.is_empty() && author.is_none()) {
            return Err(invalid(&unknown));
        }
        if author.is_some() && !article.contains(&"author") {
            article.push("author");
        }
        Ok(Self {
            article,
            author: if whole_author { None } else { author },
        })
    }

    /// The article's JSON with only the selected fields.
    pub fn select(&self, article: &impl Serialize) -> Value {
        let Ok(Value::Object(mut full)) = serde_json::to_value(article) else {
            return Value::Null;
        };
        let mut kept = Map::new();
        for field in &self.article {
            if let Some(value) = full.remove(*field) {
                kept.insert((*field).to_owned(), value);
            }
        }
        if let (Some(subfields), Some(Value::Object(author))) =
            (&self.author, kept.get_mut("author"))
        {
            author.retain(|name, _| subfields.iter().any(|field| field == name));
        }
        Value::Object(kept)
    }
}

fn invalid(unknown: &[String]) -> ApiError {
    let valid: Vec<String> = ARTICLE_FIELDS
        .iter()
        .map(|field| (*field).to_owned())
        .chain(AUTHOR_FIELDS.iter().map(|field| format!("author.{field}")))
        .collect();
    let message = if unknown.is_empty() {
        format!("can't be blank; valid fields: {}", valid.join(", "))
    } else {
        format!(
            "unknown field(s) {}; valid fields: {}",
            unknown.join(", "),
            valid.join(", ")
        )
    };
    let mut errors = BTreeMap::new();
    errors.insert("fields".to_owned(), vec![message]);
    ApiError::validation_map(errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn article() -> Value {
        json!({
            "slug": "s", "title": "t", "description": "d", "tagList": [],
            "createdAt": "c", "updatedAt": "u", "favorited": false, "favoritesCount": 0,
            "author": {"username": "jake", "bio": null, "image": null, "following": false}
        })
    }

    #[test]
    fn selected_fields_and_author_subfields_are_kept() -> Result<(), ApiError> {
        let fields = FieldSet::parse("slug, title,author.username")?;
        assert_eq!(
            fields.select(&article()),
            json!({"slug": "s", "title": "t", "author": {"username": "jake"}})
        );
        Ok(())
    }

    #[test]
    fn the_whole_author_wins_over_its_subfields() -> Result<(), ApiError> {
        let fields = FieldSet::parse("author.bio,author")?;
        assert_eq!(
            fields.select(&article())["author"],
            json!({"username": "jake", "bio": null, "image": null, "following": false})
        );
        Ok(())
    }

    #[test]
    fn unknown_or_no_fields_are_refused() {
        assert!(FieldSet::parse("slug,password").is_err());
        assert!(FieldSet::parse("author.email").is_err());
        assert!(FieldSet::parse(" , ").is_err());
    }
}
