//! `POST /v1/revocations`: the issuer API's outbox delivers status events
//! here (see `registry::ingest` for what is checked).

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use service_core::http::ErrorBody;

use super::{AppError, AppState};
use crate::error::{Error, ErrorCode};
use crate::registry::ingest::{IngestOutcome, StatusEvent};
use crate::registry::tokens::Principal;

/// Take an issuer's signed status event (revoked, suspended, lifted). The
/// body is the event's JCS bytes; `X-JWS-Signature` the issuer's detached
/// JWS over them (EdDSA, `b64: false`, `kid` = the signing key's id). A
/// bearer token is optional; if sent it must be an `issuer` token of the
/// event's issuer. At-least-once delivery is fine: events are deduplicated
/// by `event_id`.
#[utoipa::path(post, path = "/v1/revocations", tag = "ingest", request_body = StatusEvent,
    params(("X-JWS-Signature" = String, Header, description = "detached JWS over the body")),
    responses((status = 200, body = IngestOutcome), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)),
    security((), ("bearer" = [])))]
pub async fn post_event(
    State(state): State<AppState>,
    caller: Option<Principal>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<IngestOutcome>, AppError> {
    let jws = headers
        .get("x-jws-signature")
        .map(|v| {
            v.to_str().map_err(|_| {
                Error::client(ErrorCode::SignatureMissing, "X-JWS-Signature is not ASCII")
            })
        })
        .transpose()?;
    let outcome = state.registry.ingest(&body, jws, caller.as_ref()).await?;
    Ok(Json(outcome))
}
