use actix_web::{HttpResponse, web};
use folio_application::{Folio, Ports};

use crate::dto::tags::TagsResponse;
use crate::problem::ApiError;

/// Tags in use, most used first.
#[utoipa::path(
    get, path = "/api/v1/tags", tag = "tags",
    responses((status = 200, description = "Tags, most used first", body = TagsResponse))
)]
pub async fn list_tags<P: Ports>(app: web::Data<Folio<P>>) -> Result<HttpResponse, ApiError> {
    let tags = app.popular_tags().await?;
    Ok(HttpResponse::Ok().json(TagsResponse {
        tags: tags.into_iter().map(|t| t.into_inner()).collect(),
    }))
}
