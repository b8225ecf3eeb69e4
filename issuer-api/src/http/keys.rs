//! The issuer's public keys: the listing and the `did:web` document.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::keys::PublicKeyInfo;

/// The issuer's public keys with their status and validity windows.
#[utoipa::path(get, path = "/v1/keys", tag = "keys", responses((status = 200, body = Vec<PublicKeyInfo>)))]
pub async fn keys(State(state): State<AppState>) -> Json<Vec<PublicKeyInfo>> {
    Json(state.issuer.keyring().listing(state.issuer.now()))
}

/// The issuer's `did:web` document.
#[utoipa::path(get, path = "/.well-known/did.json", tag = "keys", responses((status = 200, content_type = "application/did+json", body = Object)))]
pub async fn did_json(State(state): State<AppState>) -> Response {
    let doc = state
        .issuer
        .keyring()
        .did_document(&state.issuer.programme().did);
    (
        [
            (header::CONTENT_TYPE, "application/did+json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        Json(doc),
    )
        .into_response()
}
