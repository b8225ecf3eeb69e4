//! Conditional GETs of published bytes: strong ETags, `If-None-Match` ->
//! 304, `Cache-Control`, and gzip when the client asks for it.
//!
//! Each published document is gzipped once when it is built, never per
//! request. The gzip representation has its own strong ETag (the
//! identity's with `-gzip` appended, as a strong validator must change with
//! the content coding); `If-None-Match` with either answers 304.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::registry::Published;

/// Whether `If-None-Match` names `etag` (or its gzip form, or `*`). Weak
/// comparison, as RFC 9110 prescribes for `If-None-Match`.
fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    let Some(value) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let bare = etag.trim_matches('"');
    value.split(',').map(str::trim).any(|tag| {
        let tag = tag.strip_prefix("W/").unwrap_or(tag).trim_matches('"');
        tag == "*" || tag == bare || tag.strip_suffix("-gzip") == Some(bare)
    })
}

/// Whether `Accept-Encoding` accepts gzip (`gzip` or `*`, q above 0).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let zero = parts.any(|p| {
                p.strip_prefix("q=")
                    .is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0))
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !zero
        })
}

/// The response for a published document.
pub fn serve(
    headers: &HeaderMap,
    published: &Published,
    content_type: &'static str,
    cache_control: &HeaderValue,
) -> Response {
    let gzip = accepts_gzip(headers) && !published.gzip.is_empty();
    let etag = if gzip {
        &published.etag_gzip
    } else {
        &published.etag
    };
    let etag = HeaderValue::from_str(etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    let vary = HeaderValue::from_static("accept-encoding");
    if not_modified(headers, &published.etag) {
        return (
            StatusCode::NOT_MODIFIED,
            [
                (header::ETAG, etag),
                (header::CACHE_CONTROL, cache_control.clone()),
                (header::VARY, vary),
            ],
        )
            .into_response();
    }
    let body: Bytes = if gzip {
        published.gzip.clone()
    } else {
        published.bytes.clone()
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache_control.clone()),
            (header::VARY, vary),
        ],
        body,
    )
        .into_response();
    if gzip {
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn if_none_match_forms() {
        let etag = "\"abc\"";
        assert!(not_modified(
            &headers(&[(header::IF_NONE_MATCH, "\"abc\"")]),
            etag
        ));
        assert!(not_modified(
            &headers(&[(header::IF_NONE_MATCH, "W/\"abc\"")]),
            etag
        ));
        assert!(not_modified(
            &headers(&[(header::IF_NONE_MATCH, "\"x\", \"abc-gzip\"")]),
            etag
        ));
        assert!(not_modified(
            &headers(&[(header::IF_NONE_MATCH, "*")]),
            etag
        ));
        assert!(!not_modified(
            &headers(&[(header::IF_NONE_MATCH, "\"abd\"")]),
            etag
        ));
        assert!(!not_modified(&HeaderMap::new(), etag));
    }

    #[test]
    fn accept_encoding_forms() {
        assert!(accepts_gzip(&headers(&[(
            header::ACCEPT_ENCODING,
            "gzip, deflate, br"
        )])));
        assert!(accepts_gzip(&headers(&[(
            header::ACCEPT_ENCODING,
            "br;q=1.0, GZIP;q=0.5"
        )])));
        assert!(!accepts_gzip(&headers(&[(
            header::ACCEPT_ENCODING,
            "gzip;q=0"
        )])));
        assert!(!accepts_gzip(&headers(&[(
            header::ACCEPT_ENCODING,
            "identity"
        )])));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
