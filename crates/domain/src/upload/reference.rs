//! What a client may send where an image is expected (a user's `image`, an
//! article's `image`, pictures in an article's body): one of Folio's uploads, by id
//! or by the URL Folio gave it, or a picture elsewhere on the web.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::{StorageKey, Variant};
use crate::{ImageUrl, InvalidValue, UploadId};

/// Where files are served; a file's URL is this plus its name.
pub const FILES_PATH: &str = "/api/v1/files/";

/// The paths files are served under (the API answers under `/api` too).
const FILES_PATHS: [&str; 2] = [FILES_PATH, "/api/files/"];

/// Distinct uploads an article body may attach; more are ignored.
pub const MAX_REFERENCED_FILES: usize = 100;

/// The URL of one of Folio's files, relative to the API's host.
pub fn file_url(name: &str) -> String {
    format!("{FILES_PATH}{name}")
}

/// One of Folio's files, named the way Folio names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReference {
    /// The file's name (`<stem>.<ext>` or `<stem>-<variant>.<ext>`).
    pub name: String,
    pub stem: String,
    pub variant: Option<Variant>,
}

/// An image as a client referred to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageReference {
    /// An upload, by its id.
    Upload(UploadId),
    /// An upload's file, by the URL Folio serves it at (on whatever host: the name is
    /// made from the owner and the content, so it cannot mean anything else).
    File(FileReference),
    /// A picture elsewhere: stored as given, never fetched.
    External(ImageUrl),
}

impl ImageReference {
    /// `None` for an empty or blank value ("no image").
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, InvalidValue> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        if let Ok(id) = Uuid::parse_str(raw) {
            return Ok(Some(Self::Upload(UploadId::from_uuid(id))));
        }
        if let Some(file) = file_of_url(raw) {
            return Ok(Some(Self::File(file)));
        }
        ImageUrl::parse_external(raw).map(|url| Some(Self::External(url)))
    }
}

/// The file a URL of Folio's form names: `/api/v1/files/<name>`, as a path or on
/// an http(s) host, without a query or fragment.
fn file_of_url(raw: &str) -> Option<FileReference> {
    let path = match raw.split_once("://") {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http") =>
        {
            rest.get(rest.find('/')?..)?
        }
        Some(_) => return None,
        None => raw,
    };
    let name = FILES_PATHS
        .iter()
        .find_map(|prefix| path.strip_prefix(prefix))?;
    file_named(name)
}

fn file_named(name: &str) -> Option<FileReference> {
    let (stem, variant) = StorageKey::parse_file(name)?;
    Some(FileReference {
        name: name.to_owned(),
        stem,
        variant,
    })
}

/// Characters of a file name Folio makes.
fn in_file_name(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'
}

/// The stems of Folio's files a text (an article's Markdown) links to, distinct and
/// at most [`MAX_REFERENCED_FILES`] of them.
pub fn referenced_stems(text: &str) -> BTreeSet<String> {
    let mut stems = BTreeSet::new();
    for prefix in FILES_PATHS {
        for (at, _) in text.match_indices(prefix) {
            let rest = text.get(at + prefix.len()..).unwrap_or_default();
            let end = rest.find(|c| !in_file_name(c)).unwrap_or(rest.len());
            // A sentence may end right after a link: `![](…/x.png).`
            let name = rest.get(..end).unwrap_or_default().trim_end_matches('.');
            if let Some(file) = file_named(name) {
                stems.insert(file.stem);
                if stems.len() == MAX_REFERENCED_FILES {
                    return stems;
                }
            }
        }
    }
    stems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stem(c: char) -> String {
        c.to_string().repeat(64)
    }

    #[test]
    fn an_upload_is_referred_to_by_id() {
        let id = UploadId::generate();
        assert_eq!(
            ImageReference::parse_optional(&format!(" {id} ")),
            Ok(Some(ImageReference::Upload(id)))
        );
    }

    #[test]
    fn an_upload_is_referred_to_by_its_url_on_any_host() {
        let name = format!("{}-thumb.png", stem('a'));
        for url in [
            format!("/api/v1/files/{name}"),
            format!("/api/files/{name}"),
            format!("https://folio.example/api/v1/files/{name}"),
            format!("http://127.0.0.1:8080/api/v1/files/{name}"),
        ] {
            assert_eq!(
                ImageReference::parse_optional(&url),
                Ok(Some(ImageReference::File(FileReference {
                    name: name.clone(),
                    stem: stem('a'),
                    variant: Some(Variant::Thumb),
                }))),
                "{url}"
            );
        }
    }

    #[test]
    fn other_urls_must_be_https() {
        let external = ImageReference::parse_optional("https://cdn.example/me.png");
        assert!(matches!(external, Ok(Some(ImageReference::External(_)))));
        for refused in [
            "http://cdn.example/me.png",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
            "/api/v1/files/../../etc/passwd",
            "/relative.png",
            "ftp://cdn.example/me.png",
        ] {
            assert!(
                ImageReference::parse_optional(refused).is_err(),
                "{refused}"
            );
        }
        assert_eq!(ImageReference::parse_optional("  "), Ok(None));
    }

    #[test]
    fn a_body_links_to_the_stems_of_our_files() {
        let body = format!(
            "![a](/api/v1/files/{a}.png) and ![b](https://x.example/api/files/{b}-medium.webp).\n\
             [again](/api/v1/files/{a}-thumb.png) ![not ours](https://cdn.example/{c}.png) \
             ![bad](/api/v1/files/{c}.svg) ![end](/api/v1/files/{d}.jpg).",
            a = stem('a'),
            b = stem('b'),
            c = stem('c'),
            d = stem('d'),
        );
        let stems: Vec<String> = referenced_stems(&body).into_iter().collect();
        assert_eq!(stems, [stem('a'), stem('b'), stem('d')]);
    }

    #[test]
    fn a_body_attaches_a_bounded_number_of_files() {
        let body: String = (0..150)
            .map(|n| format!("/api/v1/files/{:064x}.png ", n))
            .collect();
        assert_eq!(referenced_stems(&body).len(), MAX_REFERENCED_FILES);
    }
}
