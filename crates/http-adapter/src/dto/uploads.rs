use folio_domain::{Upload, Variant, file_url};
use serde::Serialize;
use utoipa::ToSchema;

use crate::time::rfc3339_millis;

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadResponse {
    pub upload: UploadBody,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadBody {
    pub id: String,
    /// Where the image is served (metadata stripped), relative to the API's host.
    pub url: String,
    /// Detected from the content, whatever the name or declared type said.
    #[schema(example = "image/png")]
    pub content_type: String,
    /// Bytes served.
    pub size: u64,
    pub width: u32,
    pub height: u32,
    /// SHA-256 of the bytes received, in hex.
    pub sha256: String,
    /// `processing` until the variants exist (`ready`) or could not be made (`failed`).
    #[schema(example = "processing")]
    pub status: String,
    pub variants: VariantsBody,
    /// `avatar` or `article_image`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// The name it was uploaded under, sanitized.
    pub original_name: String,
    pub created_at: String,
}

/// URLs of the resized copies; null until the upload is ready.
#[derive(Debug, Serialize, ToSchema)]
pub struct VariantsBody {
    /// At most 160 px a side.
    pub thumb: Option<String>,
    /// At most 800 px a side.
    pub medium: Option<String>,
}

impl From<Upload> for UploadBody {
    fn from(upload: Upload) -> Self {
        let variant = |wanted: Variant| {
            upload
                .variant_keys()
                .into_iter()
                .find(|(variant, _)| *variant == wanted)
                .map(|(_, name)| file_url(&name))
        };
        Self {
            id: upload.id.to_string(),
            url: file_url(&upload.key.original()),
            content_type: upload.image_type.mime().to_owned(),
            size: upload.size,
            width: upload.width,
            height: upload.height,
            sha256: upload.sha256.hex(),
            status: upload.status.as_str().to_owned(),
            variants: VariantsBody {
                thumb: variant(Variant::Thumb),
                medium: variant(Variant::Medium),
            },
            purpose: upload.purpose.map(|purpose| purpose.as_str().to_owned()),
            original_name: upload.original_name.as_str().to_owned(),
            created_at: rfc3339_millis(&upload.created_at),
        }
    }
}
