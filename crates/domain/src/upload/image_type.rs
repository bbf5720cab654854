/// The image formats Folio accepts, always as detected from the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageType {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl ImageType {
    pub const ALL: [ImageType; 4] = [Self::Jpeg, Self::Png, Self::Webp, Self::Gif];

    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
            Self::Gif => "image/gif",
        }
    }

    /// The extension of stored files of this type.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
            Self::Gif => "gif",
        }
    }

    /// The accepted type of a MIME type; `None` for anything else.
    pub fn from_mime(mime: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.mime() == mime)
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.extension() == extension)
    }

    /// The type resized variants are written in: a GIF's variants are one still
    /// frame, so PNG.
    pub fn variant_type(self) -> Self {
        match self {
            Self::Gif => Self::Png,
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_four_image_types_are_known() {
        for kind in ImageType::ALL {
            assert_eq!(ImageType::from_mime(kind.mime()), Some(kind));
            assert_eq!(ImageType::from_extension(kind.extension()), Some(kind));
        }
        assert_eq!(ImageType::from_mime("image/svg+xml"), None);
        assert_eq!(ImageType::from_mime("text/html"), None);
    }
}
