use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

use crate::invalid::{InvalidValue, bounded_text, string_newtype};
use crate::{Role, Timestamp, UserId};

string_newtype!(
    /// A public handle: 1 to 40 letters, digits, `_`, `-` or `.`; it appears in URLs.
    /// Kept in Unicode NFC, so a name typed with a combining accent and one typed
    /// with the precomposed letter are stored alike. Two names are the same name when
    /// their [`UsernameKey`]s are equal.
    Username
);

impl Username {
    pub const MAX_CHARS: usize = 40;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let name: String = raw.trim().nfc().collect();
        if name.is_empty() {
            return Err(InvalidValue::blank());
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(InvalidValue::too_long(Self::MAX_CHARS));
        }
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
        if !name.chars().all(allowed) {
            return Err(InvalidValue::new(
                "may only contain letters, digits, '_', '-' and '.'",
            ));
        }
        Ok(Self(name))
    }

    /// What this name is compared, looked up and cached by.
    pub fn key(&self) -> UsernameKey {
        UsernameKey::of(&self.0)
    }
}

string_newtype!(
    /// The one form usernames are compared in, everywhere: uniqueness, lookups by
    /// name and cache keys. It is the canonical caseless form of Unicode (§3.13):
    /// full case folding between canonical decompositions, recomposed to NFC. So
    /// "ΑΣ", "ας" and "ασ" share one key, and "Straße" and "STRASSE" another. It
    /// depends on no locale, unlike SQL `lower()` or `str::to_lowercase` (which knows
    /// about final sigma).
    UsernameKey
);

impl UsernameKey {
    /// The key of any spelling. For a text that is not a valid username (a list
    /// filter, say) it is still well defined: it just equals no stored name's key.
    pub fn of(spelling: &str) -> Self {
        Self(spelling.nfd().default_case_fold().nfc().collect())
    }
}

string_newtype!(
    /// An email address as the user typed it (trimmed). Uniqueness and login lookups
    /// compare case-insensitively.
    Email
);

impl Email {
    pub const MAX_CHARS: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let email = raw.trim();
        if email.is_empty() {
            return Err(InvalidValue::blank());
        }
        if email.chars().count() > Self::MAX_CHARS {
            return Err(InvalidValue::too_long(Self::MAX_CHARS));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(InvalidValue::new("is invalid"));
        };
        let well_formed = !local.is_empty()
            && !domain.is_empty()
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain.contains('.')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && !domain.contains('@');
        if !well_formed {
            return Err(InvalidValue::new("is invalid"));
        }
        Ok(Self(email.to_owned()))
    }
}

/// A plain-text password on its way to the hasher. Deliberately not `Display` and
/// redacted in `Debug`, so it cannot end up in a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    /// Any characters are allowed; only the length is checked (no trimming either).
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let chars = raw.chars().count();
        if chars == 0 {
            return Err(InvalidValue::blank());
        }
        if chars < Self::MIN_CHARS {
            return Err(InvalidValue::too_short(Self::MIN_CHARS));
        }
        if chars > Self::MAX_CHARS {
            return Err(InvalidValue::too_long(Self::MAX_CHARS));
        }
        Ok(Self(raw.to_owned()))
    }

    /// A password presented at login. Not checked against today's rules: an account
    /// created under older rules must still be able to sign in.
    pub fn presented(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// An encoded password hash (PHC string). Opaque to everything but the hasher.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_encoded(encoded: String) -> Self {
        Self(encoded)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

string_newtype!(
    /// A short self-description shown on the profile.
    Bio
);

impl Bio {
    pub const MAX_CHARS: usize = 1000;

    /// An empty or blank bio means "no bio".
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, InvalidValue> {
        if raw.trim().is_empty() {
            return Ok(None);
        }
        bounded_text(raw, Self::MAX_CHARS).map(|bio| Some(Self(bio)))
    }
}

string_newtype!(
    /// A picture's URL as stored: an https URL elsewhere on the web (never fetched by
    /// Folio), or the path of one of Folio's own files (`/api/v1/files/...`).
    ImageUrl
);

impl ImageUrl {
    pub const MAX_CHARS: usize = 2048;
    pub const NOT_HTTPS: &'static str =
        "must be an https URL or the id or URL of one of your uploads";

    /// An empty or blank image means "no image".
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, InvalidValue> {
        let url = raw.trim();
        if url.is_empty() {
            return Ok(None);
        }
        Self::parse_external(url).map(Some)
    }

    /// A URL outside Folio: only https (a page served over https shows no mixed
    /// content, and no `javascript:` or `data:` URL reaches a client).
    pub fn parse_external(raw: &str) -> Result<Self, InvalidValue> {
        let url = raw.trim();
        if url.chars().count() > Self::MAX_CHARS {
            return Err(InvalidValue::too_long(Self::MAX_CHARS));
        }
        let host_start = url
            .get(..8)
            .filter(|scheme| scheme.eq_ignore_ascii_case("https://"))
            .and_then(|_| url.get(8..));
        match host_start {
            Some(rest)
                if !rest.is_empty()
                    && !rest.starts_with('/')
                    && !url.chars().any(|c| c.is_whitespace() || c.is_control()) =>
            {
                Ok(Self(url.to_owned()))
            }
            _ => Err(InvalidValue::new(Self::NOT_HTTPS)),
        }
    }
}

/// A registered account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub email: Email,
    pub bio: Option<Bio>,
    pub image: Option<ImageUrl>,
    pub role: Role,
    /// Set while an admin has suspended the account: it cannot sign in.
    pub suspended_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl User {
    pub fn is_suspended(&self) -> bool {
        self.suspended_at.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_accepts_underscores_and_rejects_spaces() {
        assert_eq!(
            Username::parse(" jake_doe ").map(Username::into_inner),
            Ok("jake_doe".into())
        );
        assert!(Username::parse("jake doe").is_err());
        assert!(Username::parse("jake/doe").is_err());
        assert_eq!(Username::parse(""), Err(InvalidValue::blank()));
        assert!(Username::parse(&"a".repeat(41)).is_err());
        assert!(Username::parse(&"a".repeat(40)).is_ok());
    }

    fn key(name: &str) -> Option<UsernameKey> {
        Username::parse(name).ok().map(|name| name.key())
    }

    #[test]
    fn greek_capitals_small_sigma_and_final_sigma_share_one_key() {
        let keys = ["ΑΣ", "ας", "ασ", "Ας"].map(key);
        assert!(keys[0].is_some());
        assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
        assert_eq!(
            keys[0].clone().map(UsernameKey::into_inner),
            Some("ασ".into())
        );
    }

    #[test]
    fn keys_fold_case_fully_and_keep_punctuation_apart() {
        assert_eq!(key("Straße"), key("STRASSE"));
        assert_eq!(key("Jake_Doe"), key("jake_doe"));
        assert_ne!(key("jake_doe"), key("jake-doe"));
        assert_ne!(key("ασ"), key("αι"));
    }

    #[test]
    fn decomposed_and_precomposed_spellings_are_one_name_stored_in_nfc() {
        let decomposed = Username::parse("Rene\u{301}e");
        let precomposed = Username::parse("Ren\u{e9}e");
        assert_eq!(decomposed, precomposed);
        assert_eq!(
            decomposed.map(Username::into_inner),
            Ok("Ren\u{e9}e".into())
        );
        assert_eq!(key("RENE\u{301}E"), key("ren\u{e9}e"));
    }

    #[test]
    fn the_length_limit_counts_the_stored_nfc_form() {
        let decomposed = "e\u{301}".repeat(Username::MAX_CHARS);
        assert!(Username::parse(&decomposed).is_ok());
    }

    #[test]
    fn a_key_is_its_own_key_whatever_form_it_was_computed_from() {
        // U+01F0 folds to "j" + combining caron; U+1FBC folds through U+0345.
        for name in [
            "\u{1f0}",
            "J\u{30c}",
            "\u{1fbc}",
            "\u{1fb3}",
            "İstanbul",
            "ꭰᏸ",
        ] {
            let first = UsernameKey::of(name);
            assert_eq!(UsernameKey::of(first.as_str()), first, "{name}");
            let nfc: String = first.as_str().nfc().collect();
            assert_eq!(nfc, first.as_str(), "{name} keys to NFC");
        }
        assert_eq!(
            UsernameKey::of("\u{1fbc}"),
            UsernameKey::of("\u{3b1}\u{3b9}")
        );
    }

    #[test]
    fn email_requires_local_part_and_dotted_domain() {
        assert!(Email::parse("first_last@example.co.uk").is_ok());
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@localhost",
            "a b@x.io",
            "a@.io",
            "a@x.io.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn password_length_is_counted_in_characters() {
        assert!(Password::parse("12345678").is_ok());
        assert_eq!(Password::parse("1234567"), Err(InvalidValue::too_short(8)));
        assert_eq!(Password::parse(""), Err(InvalidValue::blank()));
        assert!(Password::parse(&"é".repeat(128)).is_ok());
        assert!(Password::parse(&"é".repeat(129)).is_err());
        assert!(
            Password::parse("        ").is_ok(),
            "spaces are characters too"
        );
    }

    #[test]
    fn password_never_prints_its_value() {
        let password = Password::parse("hunter2hunter2").map(|p| format!("{p:?}"));
        assert_eq!(password, Ok("Password(<redacted>)".to_owned()));
    }

    #[test]
    fn blank_bio_and_image_mean_none() {
        assert_eq!(Bio::parse_optional("  "), Ok(None));
        assert_eq!(ImageUrl::parse_optional(""), Ok(None));
        assert!(ImageUrl::parse_optional("https://cdn.example/a.png").is_ok_and(|i| i.is_some()));
        assert!(ImageUrl::parse_optional("javascript:alert(1)").is_err());
        assert!(ImageUrl::parse_optional("https://").is_err());
        assert!(ImageUrl::parse_optional("http://cdn.example/a.png").is_err());
        assert!(ImageUrl::parse_optional("https:///etc/passwd").is_err());
        assert!(ImageUrl::parse_optional("HTTPS://cdn.example/a.png").is_ok());
    }
}
