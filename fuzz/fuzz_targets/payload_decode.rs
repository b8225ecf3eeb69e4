//! QR payload bytes, as a camera or a file hands them over: any input must
//! decode or fail with an error, never panic, hang or allocate past the limits.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(decoded) = credential::decode_payload(data) {
        // What decode promises: bounded, and always a JSON object.
        assert!(decoded.json.len() <= credential::Limits::DEFAULT.max_json);
        assert!(decoded.document.is_object());
    }
});
