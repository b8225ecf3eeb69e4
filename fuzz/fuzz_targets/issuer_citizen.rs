//! `POST /v1/citizen/retrieve` through the issuer API's real Router, with
//! the README's example batch certified (so that matching details reach
//! the JSON, QR and PDF answers): any body must be answered below 500, a
//! refusal in the error shape with a typed code.

#![no_main]

use std::sync::LazyLock;

use axum::http::Method;
use libfuzzer_sys::fuzz_target;

mod service;

use service::issuer::{Issuer, open};
use service::{call, check};

static ISSUER: LazyLock<Issuer> = LazyLock::new(|| open("issuer_citizen", true));

fuzz_target!(|data: &[u8]| {
    let s = &*ISSUER;
    let answer = s.rt.block_on(call(
        &s.router,
        Method::POST,
        "/v1/citizen/retrieve",
        None,
        &[],
        data.to_vec(),
    ));
    check("POST /v1/citizen/retrieve", &answer);
});
