//! Answers any route can give, whatever its handler does, added to every operation
//! of the OpenAPI document so clients see them without each route repeating them.

use utoipa::Modify;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, ResponseBuilder};

/// Status, description, and whether only routes that take a body can answer it.
const SHARED: &[(&str, &str, bool)] = &[
    ("413", "The body is larger than this route accepts", true),
    ("415", "The body is not `application/json`", true),
    (
        "429",
        "Over the caller's request budget; `Retry-After` says when to come back",
        false,
    ),
    (
        "500",
        "An unexpected failure; the log has the detail",
        false,
    ),
    (
        "503",
        "A dependency (PostgreSQL) is unavailable; retry later",
        false,
    ),
];

pub(crate) struct SharedResponses;

impl Modify for SharedResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/api/") {
                continue;
            }
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                add_shared(operation);
            }
        }
    }
}

fn add_shared(operation: &mut Operation) {
    let takes_body = operation.request_body.is_some();
    for (status, description, needs_body) in SHARED {
        if *needs_body && !takes_body {
            continue;
        }
        let response = ResponseBuilder::new()
            .description(*description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        operation
            .responses
            .responses
            .entry((*status).to_owned())
            .or_insert_with(|| response.into());
    }
}
