use std::fmt;

/// Why a raw value was refused by a value-object constructor. The message is phrased
/// the RealWorld way ("can't be blank") so clients can show it next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InvalidValue {
    message: String,
}

impl InvalidValue {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    pub fn blank() -> Self {
        Self::new("can't be blank")
    }

    pub fn too_long(max: usize) -> Self {
        Self::new(format!("is too long (maximum is {max} characters)"))
    }

    pub fn too_short(min: usize) -> Self {
        Self::new(format!("is too short (minimum is {min} characters)"))
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Trims `raw` and checks it is non-blank and at most `max` characters long.
pub(crate) fn required_text(raw: &str, max: usize) -> Result<String, InvalidValue> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(InvalidValue::blank());
    }
    bounded_text(trimmed, max)
}

/// Checks `raw` is at most `max` characters long (blank allowed).
pub(crate) fn bounded_text(raw: &str, max: usize) -> Result<String, InvalidValue> {
    if raw.chars().count() > max {
        return Err(InvalidValue::too_long(max));
    }
    Ok(raw.to_owned())
}

/// Declares a `String` newtype with `as_str`, `into_inner` and `Display`.
macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Wraps a value that was validated when it was stored.
            pub fn from_trusted(value: String) -> Self {
                Self(value)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}
pub(crate) use string_newtype;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_rejects_blank() {
        assert_eq!(required_text("  hi ", 5), Ok("hi".to_owned()));
        assert_eq!(required_text("   ", 5), Err(InvalidValue::blank()));
        assert_eq!(required_text("abcdef", 5), Err(InvalidValue::too_long(5)));
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert!(bounded_text("ééééé", 5).is_ok());
        assert!(bounded_text("éééééé", 5).is_err());
    }
}
