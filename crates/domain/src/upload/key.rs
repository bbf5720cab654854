use sha2::{Digest, Sha256};

use super::ImageType;
use crate::{UploadId, UserId};

/// The SHA-256 of an upload's bytes as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentHash(pub [u8; 32]);

impl ContentHash {
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    pub fn hex(&self) -> String {
        hex(&self.0)
    }

    pub fn parse_hex(text: &str) -> Option<Self> {
        let bytes = unhex(text)?;
        Some(Self(bytes.try_into().ok()?))
    }
}

/// A resized copy made of every upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    Thumb,
    Medium,
}

impl Variant {
    pub const ALL: [Variant; 2] = [Self::Thumb, Self::Medium];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Thumb => "thumb",
            Self::Medium => "medium",
        }
    }

    /// The variant fits in a square of this many pixels a side.
    pub fn max_side(self) -> u32 {
        match self {
            Self::Thumb => 160,
            Self::Medium => 800,
        }
    }
}

/// Where an upload's bytes are stored: a name made by Folio from the upload, its
/// owner and the content's hash, never from anything the client named, so it cannot
/// point anywhere else. Every upload has its own: deleting one never removes a file
/// another upload serves, even the same content uploaded again while the delete
/// runs. (The same content uploaded twice is one upload, found by its hash.)
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StorageKey {
    stem: String,
    image_type: ImageType,
}

const STEM_LEN: usize = 64;

impl StorageKey {
    pub fn for_upload(
        upload: UploadId,
        owner: UserId,
        content: &ContentHash,
        image_type: ImageType,
    ) -> Self {
        let mut digest = Sha256::new();
        digest.update(upload.as_uuid().as_bytes());
        digest.update(owner.as_uuid().as_bytes());
        digest.update(content.0);
        Self {
            stem: hex(digest.finalize().as_slice()),
            image_type,
        }
    }

    /// The original's file name: `<64 hex digits>.<extension>`.
    pub fn original(&self) -> String {
        format!("{}.{}", self.stem, self.image_type.extension())
    }

    /// A variant's file name: `<64 hex digits>-<variant>.<extension>`.
    pub fn variant(&self, variant: Variant) -> String {
        format!(
            "{}-{}.{}",
            self.stem,
            variant.as_str(),
            self.image_type.variant_type().extension()
        )
    }

    pub fn image_type(&self) -> ImageType {
        self.image_type
    }

    /// A stored key (the original's file name).
    pub fn parse(name: &str) -> Option<Self> {
        let (stem, extension) = name.split_once('.')?;
        let image_type = ImageType::from_extension(extension)?;
        is_stem(stem).then(|| Self {
            stem: stem.to_owned(),
            image_type,
        })
    }

    /// The stem and variant of a file name in Folio's form (`<stem>.<ext>` or
    /// `<stem>-<variant>.<ext>`); `None` for any other name, which is how path
    /// tricks are refused before any lookup. Whether the file exists, with that
    /// extension, is for the caller to check against the stored key.
    pub fn parse_file(name: &str) -> Option<(String, Option<Variant>)> {
        let (base, extension) = name.split_once('.')?;
        ImageType::from_extension(extension)?;
        let (stem, variant) = match base.split_once('-') {
            None => (base, None),
            Some((stem, suffix)) => (
                stem,
                Some(
                    Variant::ALL
                        .into_iter()
                        .find(|variant| variant.as_str() == suffix)?,
                ),
            ),
        };
        is_stem(stem).then(|| (stem.to_owned(), variant))
    }

    /// The file name of the original (`None`) or of a variant.
    pub fn file(&self, variant: Option<Variant>) -> String {
        match variant {
            None => self.original(),
            Some(variant) => self.variant(variant),
        }
    }

    /// The stem, which identifies the upload whatever the file's extension.
    pub fn stem(&self) -> &str {
        &self.stem
    }
}

fn is_stem(stem: &str) -> bool {
    let lowercase_hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    stem.len() == STEM_LEN && stem.chars().all(lowercase_hex)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_upload_has_a_key_of_its_own() {
        let content = ContentHash::of(b"pixels");
        let (upload, owner) = (UploadId::generate(), UserId::generate());
        let key = StorageKey::for_upload(upload, owner, &content, ImageType::Png);
        assert_eq!(
            key,
            StorageKey::for_upload(upload, owner, &content, ImageType::Png)
        );
        assert_ne!(
            key,
            StorageKey::for_upload(UploadId::generate(), owner, &content, ImageType::Png),
            "the same content uploaded again"
        );
        assert_ne!(
            key,
            StorageKey::for_upload(upload, UserId::generate(), &content, ImageType::Png)
        );
        assert!(key.original().ends_with(".png"));
        assert_eq!(key.original().len(), 68);
    }

    #[test]
    fn file_names_parse_back_to_their_key_and_variant() {
        let key = StorageKey::for_upload(
            UploadId::generate(),
            UserId::generate(),
            &ContentHash::of(b"x"),
            ImageType::Jpeg,
        );
        assert_eq!(
            StorageKey::parse_file(&key.original()),
            Some((key.stem().to_owned(), None))
        );
        assert_eq!(
            StorageKey::parse_file(&key.variant(Variant::Thumb)),
            Some((key.stem().to_owned(), Some(Variant::Thumb)))
        );
        assert_eq!(StorageKey::parse(&key.original()), Some(key.clone()));
        assert_eq!(
            key.file(Some(Variant::Medium)),
            key.variant(Variant::Medium)
        );
    }

    #[test]
    fn names_folio_does_not_make_are_refused() {
        let stem = "a".repeat(64);
        for name in [
            "../etc/passwd".to_owned(),
            format!("{stem}.svg"),
            format!("{stem}.png.html"),
            format!("{stem}-huge.png"),
            format!("../{stem}.png"),
            format!("{}.png", "A".repeat(64)),
            format!("{}.png", "a".repeat(63)),
            String::new(),
        ] {
            assert_eq!(StorageKey::parse_file(&name), None, "{name}");
        }
    }

    #[test]
    fn hashes_round_trip_through_hex() {
        let hash = ContentHash::of(b"abc");
        assert_eq!(ContentHash::parse_hex(&hash.hex()), Some(hash));
        assert_eq!(ContentHash::parse_hex("zz"), None);
    }
}
