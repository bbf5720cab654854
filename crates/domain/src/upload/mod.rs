//! Uploaded images: what is stored about them, and the rules that keep the bytes a
//! client sends from deciding anything (type, name, storage location).

mod image_type;
mod key;
mod limits;
mod name;
mod reference;

pub use image_type::ImageType;
pub use key::{ContentHash, StorageKey, Variant};
pub use limits::UploadLimits;
pub use name::OriginalName;
pub use reference::{
    FILES_PATH, FileReference, ImageReference, MAX_REFERENCED_FILES, file_url, referenced_stems,
};

use crate::{InvalidValue, Timestamp, UploadId, UserId};

/// What an upload is for; it changes nothing yet but is kept for the owner's views
/// and for the cleanup of what is never used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadPurpose {
    Avatar,
    ArticleImage,
}

impl UploadPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Avatar => "avatar",
            Self::ArticleImage => "article_image",
        }
    }

    pub fn parse(text: &str) -> Result<Self, InvalidValue> {
        match text.trim() {
            "avatar" => Ok(Self::Avatar),
            "article_image" => Ok(Self::ArticleImage),
            _ => Err(InvalidValue::new("must be avatar or article_image")),
        }
    }
}

/// Where the background processing of an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadStatus {
    /// Stored; its variants are being made.
    Processing,
    /// Its variants exist.
    Ready,
    /// Its variants could not be made; the original is still served.
    Failed,
}

impl UploadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "processing",
            Self::Ready => "ready",
            Self::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Processing, Self::Ready, Self::Failed]
            .into_iter()
            .find(|status| status.as_str() == text)
    }
}

/// An uploaded image as stored. `size`, `image_type`, `width` and `height` describe
/// the bytes served (metadata stripped), `sha256` the bytes received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub id: UploadId,
    pub owner: UserId,
    pub purpose: Option<UploadPurpose>,
    pub sha256: ContentHash,
    pub size: u64,
    pub image_type: ImageType,
    pub width: u32,
    pub height: u32,
    pub status: UploadStatus,
    pub key: StorageKey,
    pub original_name: OriginalName,
    pub created_at: Timestamp,
    pub attached_at: Option<Timestamp>,
}

impl Upload {
    /// The names of the variants that exist (none until the upload is ready).
    pub fn variant_keys(&self) -> Vec<(Variant, String)> {
        match self.status {
            UploadStatus::Ready => Variant::ALL
                .into_iter()
                .map(|variant| (variant, self.key.variant(variant)))
                .collect(),
            UploadStatus::Processing | UploadStatus::Failed => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_and_statuses_round_trip_through_their_names() {
        for purpose in [UploadPurpose::Avatar, UploadPurpose::ArticleImage] {
            assert_eq!(UploadPurpose::parse(purpose.as_str()), Ok(purpose));
        }
        assert!(UploadPurpose::parse("banner").is_err());
        for status in [
            UploadStatus::Processing,
            UploadStatus::Ready,
            UploadStatus::Failed,
        ] {
            assert_eq!(UploadStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(UploadStatus::parse("done"), None);
    }
}
