//! What a file is, from its first bytes.

use folio_application::ports::ImageRejection;
use folio_domain::ImageType;

/// The accepted type of `bytes`, or what they were found to be instead.
pub(crate) fn detect(bytes: &[u8]) -> Result<ImageType, ImageRejection> {
    match infer::get(bytes) {
        Some(kind) => {
            ImageType::from_mime(kind.mime_type()).ok_or_else(|| ImageRejection::Unsupported {
                detected: Some(kind.mime_type().to_owned()),
            })
        }
        None => Err(ImageRejection::Unsupported {
            detected: looks_like_markup(bytes).map(str::to_owned),
        }),
    }
}

/// Markup `infer` does not name (SVG, HTML fragments): worth saying in the refusal.
fn looks_like_markup(bytes: &[u8]) -> Option<&'static str> {
    let start = bytes.get(..512).unwrap_or(bytes);
    let text = String::from_utf8_lossy(start).to_ascii_lowercase();
    if text.contains("<svg") {
        Some("image/svg+xml")
    } else if text.contains("<html") || text.contains("<script") || text.contains("<!doctype") {
        Some("text/html")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_types_come_from_magic_bytes() {
        assert_eq!(detect(b"\x89PNG\r\n\x1a\n0000"), Ok(ImageType::Png));
        assert_eq!(detect(b"\xff\xd8\xff\xe0000000"), Ok(ImageType::Jpeg));
        assert_eq!(detect(b"GIF89a000000"), Ok(ImageType::Gif));
        assert_eq!(detect(b"RIFF\0\0\0\0WEBPVP8 "), Ok(ImageType::Webp));
    }

    #[test]
    fn other_content_is_named_when_recognisable() {
        let html = detect(b"<!DOCTYPE html><html><script>alert(1)</script></html>");
        assert_eq!(
            html,
            Err(ImageRejection::Unsupported {
                detected: Some("text/html".to_owned())
            })
        );
        let svg = detect(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script/></svg>");
        assert!(
            matches!(&svg, Err(ImageRejection::Unsupported { detected: Some(d) }) if d.contains("svg") || d.contains("xml")),
            "{svg:?}"
        );
        assert_eq!(
            detect(b"just some words"),
            Err(ImageRejection::Unsupported { detected: None })
        );
        assert!(matches!(
            detect(b"%PDF-1.7 0000000"),
            Err(ImageRejection::Unsupported { detected: Some(_) })
        ));
    }
}
