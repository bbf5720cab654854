use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct TagsResponse {
    /// Tags in use, most used first.
    pub tags: Vec<String>,
}
