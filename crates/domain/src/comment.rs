use crate::invalid::{InvalidValue, required_text, string_newtype};
use crate::{ArticleId, CommentId, Profile, Timestamp};

string_newtype!(
    /// The text of a comment: non-blank, at most 10,000 characters.
    CommentBody
);

impl CommentBody {
    pub const MAX_CHARS: usize = 10_000;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        required_text(raw, Self::MAX_CHARS).map(Self)
    }
}

/// A comment on an article, with its author's public profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: CommentId,
    pub article_id: ArticleId,
    pub body: CommentBody,
    pub author: Profile,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_body_must_have_text() {
        assert!(CommentBody::parse(" \n ").is_err());
        assert_eq!(
            CommentBody::parse(" nice ").map(CommentBody::into_inner),
            Ok("nice".into())
        );
    }
}
