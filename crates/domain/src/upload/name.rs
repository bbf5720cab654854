/// The name a client gave its file, kept only to show and to suggest on download:
/// reduced to its last path segment and to characters that are harmless in a file
/// name and in a `Content-Disposition` header. Never used to find or store a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalName(String);

impl OriginalName {
    pub const MAX_CHARS: usize = 100;
    const FALLBACK: &'static str = "upload";

    pub fn sanitize(raw: &str) -> Self {
        let last_segment = raw.rsplit(['/', '\\']).next().unwrap_or_default();
        let mut cleaned = String::new();
        let mut replaced = false;
        for character in last_segment.chars() {
            if character.is_ascii_alphanumeric() || matches!(character, '.' | '-' | '_' | ' ') {
                cleaned.push(character);
                replaced = false;
            } else if !replaced {
                cleaned.push('_');
                replaced = true;
            }
        }
        let trimmed = cleaned.trim().trim_start_matches('.');
        let limited: String = trimmed.chars().take(Self::MAX_CHARS).collect();
        let limited = limited.trim_end();
        if limited
            .chars()
            .all(|character| character == '_' || character == '.')
        {
            Self(Self::FALLBACK.to_owned())
        } else {
            Self(limited.to_owned())
        }
    }

    /// A name as stored, already sanitized.
    pub fn from_trusted(name: String) -> Self {
        Self(name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cut_to_their_last_segment() {
        assert_eq!(
            OriginalName::sanitize("../../etc/passwd").as_str(),
            "passwd"
        );
        assert_eq!(
            OriginalName::sanitize("..\\..\\windows\\win.ini").as_str(),
            "win.ini"
        );
    }

    #[test]
    fn header_breaking_and_hidden_file_characters_go() {
        assert_eq!(
            OriginalName::sanitize("a\"b;\r\nc.png").as_str(),
            "a_b_c.png"
        );
        assert_eq!(OriginalName::sanitize(".htaccess").as_str(), "htaccess");
        assert_eq!(OriginalName::sanitize("..").as_str(), "upload");
        assert_eq!(OriginalName::sanitize("").as_str(), "upload");
        assert_eq!(OriginalName::sanitize("ünï.png").as_str(), "_n_.png");
    }

    #[test]
    fn long_names_are_cut() {
        let name = OriginalName::sanitize(&"a".repeat(1000));
        assert_eq!(name.as_str().len(), OriginalName::MAX_CHARS);
    }
}
