//! Structural cases DIVOC's fixtures do not cover: data descriptors, STORED
//! entries, each header disagreement, each refusal. Archives are built
//! field by field so each test breaks exactly one thing.

use flate2::{Compress, Compression, FlushCompress};

use super::*;

const JSON: &[u8] =
    br#"{"@context":["https://www.w3.org/2018/credentials/v1"],"name":"Ada \u00e9"}"#;

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut c = Compress::new(Compression::default(), false);
    let mut out = Vec::with_capacity(data.len() + 1024);
    c.compress_vec(data, &mut out, FlushCompress::Finish)
        .unwrap();
    assert_eq!(c.total_in(), data.len() as u64, "test buffer too small");
    out
}

#[derive(Debug, Clone)]
struct Header {
    flags: u16,
    method: u16,
    crc: u32,
    compressed_size: u32,
    uncompressed_size: u32,
    name: Vec<u8>,
}

/// One archive, every field settable.
#[derive(Debug, Clone)]
struct Archive {
    local: Header,
    central: Header,
    data: Vec<u8>,
    /// Bytes written after the data (a data descriptor, or junk).
    after_data: Vec<u8>,
    disk_start: u16,
    local_offset: u32,
    disk: u16,
    entries_on_disk: u16,
    entries: u16,
    /// Bytes between the central directory and the end record.
    before_end: Vec<u8>,
    comment: Vec<u8>,
    trailing: Vec<u8>,
}

impl Archive {
    fn with(method: u16, json: &[u8], data: Vec<u8>) -> Self {
        let header = Header {
            flags: 0,
            method,
            crc: crc32fast::hash(json),
            compressed_size: data.len() as u32,
            uncompressed_size: json.len() as u32,
            name: b"certificate.json".to_vec(),
        };
        Self {
            local: header.clone(),
            central: header,
            data,
            after_data: Vec::new(),
            disk_start: 0,
            local_offset: 0,
            disk: 0,
            entries_on_disk: 1,
            entries: 1,
            before_end: Vec::new(),
            comment: Vec::new(),
            trailing: Vec::new(),
        }
    }

    fn deflated(json: &[u8]) -> Self {
        Self::with(8, json, raw_deflate(json))
    }

    fn stored(json: &[u8]) -> Self {
        Self::with(0, json, json.to_vec())
    }

    /// Moves CRC and sizes to a data descriptor, as streaming writers do.
    fn with_data_descriptor(mut self, signed: bool) -> Self {
        self.local.flags |= 1 << 3;
        self.central.flags |= 1 << 3;
        self.local.crc = 0;
        self.local.compressed_size = 0;
        self.local.uncompressed_size = 0;
        if signed {
            self.after_data.extend_from_slice(b"PK\x07\x08");
        }
        for v in [
            self.central.crc,
            self.central.compressed_size,
            self.central.uncompressed_size,
        ] {
            self.after_data.extend_from_slice(&v.to_le_bytes());
        }
        self
    }

    fn both(mut self, f: impl Fn(&mut Header)) -> Self {
        f(&mut self.local);
        f(&mut self.central);
        self
    }

    fn bytes(&self) -> Vec<u8> {
        fn shared(out: &mut Vec<u8>, h: &Header) {
            for v in [h.flags, h.method, 0, 0] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            for v in [h.crc, h.compressed_size, h.uncompressed_size] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&(h.name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
        }
        let mut out = b"PK\x03\x04\x14\x00".to_vec();
        shared(&mut out, &self.local);
        out.extend_from_slice(&self.local.name);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.after_data);
        let central_offset = out.len() as u32;
        out.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00");
        shared(&mut out, &self.central);
        out.extend_from_slice(&0u16.to_le_bytes()); // comment
        out.extend_from_slice(&self.disk_start.to_le_bytes());
        out.extend_from_slice(&[0; 6]); // attributes
        out.extend_from_slice(&self.local_offset.to_le_bytes());
        out.extend_from_slice(&self.central.name);
        let central_size = out.len() as u32 - central_offset;
        out.extend_from_slice(&self.before_end);
        out.extend_from_slice(b"PK\x05\x06");
        for v in [self.disk, self.disk, self.entries_on_disk, self.entries] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&central_size.to_le_bytes());
        out.extend_from_slice(&central_offset.to_le_bytes());
        out.extend_from_slice(&(self.comment.len() as u16).to_le_bytes());
        out.extend_from_slice(&self.comment);
        out.extend_from_slice(&self.trailing);
        out
    }

    fn decode(&self) -> Result<DecodedPayload, PayloadError> {
        decode(&self.bytes())
    }
}

fn mismatch(field: &'static str) -> Result<DecodedPayload, PayloadError> {
    Err(PayloadError::HeaderMismatch { field })
}

#[test]
fn builder_makes_valid_archives() {
    let decoded = Archive::deflated(JSON).decode().unwrap();
    assert_eq!(decoded.json, JSON);
    assert_eq!(decoded.format, PayloadFormat::Zip);
    // And `unzip`-style readers agree this is a ZIP: encode() emits the
    // same layout.
    assert_eq!(decode(&encode(JSON).unwrap()).unwrap().json, JSON);
}

#[test]
fn stored_entries_decode() {
    assert_eq!(Archive::stored(JSON).decode().unwrap().json, JSON);
    let sizes_differ = Archive::stored(JSON).both(|h| h.compressed_size -= 1);
    let mut sizes_differ = sizes_differ;
    sizes_differ.data.pop();
    assert_eq!(
        sizes_differ.decode(),
        Err(PayloadError::Malformed {
            what: "stored entry's compressed and uncompressed sizes differ"
        })
    );
}

#[test]
fn data_descriptors_with_and_without_signature_decode() {
    for signed in [false, true] {
        let archive = Archive::deflated(JSON).with_data_descriptor(signed);
        assert_eq!(archive.decode().unwrap().json, JSON, "signed: {signed}");
        // Some writers fill the local header as well: equal values are fine.
        let mut filled = archive.clone();
        filled.local = filled.central.clone();
        assert_eq!(filled.decode().unwrap().json, JSON);
        // Different values are not.
        let mut wrong = archive.clone();
        wrong.local.uncompressed_size = 7;
        assert_eq!(wrong.decode(), mismatch("uncompressed size"));
    }
    let mut wrong_descriptor = Archive::deflated(JSON).with_data_descriptor(true);
    let crc_at = 4;
    wrong_descriptor.after_data[crc_at] ^= 1;
    assert_eq!(
        wrong_descriptor.decode(),
        mismatch("data descriptor's CRC-32")
    );

    let mut unsigned_16 = Archive::deflated(JSON).with_data_descriptor(false);
    unsigned_16.after_data.extend_from_slice(b"junk");
    assert_eq!(
        unsigned_16.decode(),
        Err(PayloadError::Malformed {
            what: "data descriptor has no signature"
        })
    );
    let mut missing = Archive::deflated(JSON).with_data_descriptor(false);
    missing.after_data.clear();
    assert_eq!(
        missing.decode(),
        Err(PayloadError::Malformed {
            what: "data descriptor has the wrong length"
        })
    );
}

#[test]
fn local_header_must_agree_with_central_directory() {
    let base = Archive::deflated(JSON);
    let mut a = base.clone();
    a.local.name = b"certificate.jsoN".to_vec();
    assert_eq!(a.decode(), mismatch("file name"));
    let mut a = base.clone();
    a.local.method = 0;
    assert_eq!(a.decode(), mismatch("compression method"));
    let mut a = base.clone();
    a.local.crc ^= 1;
    assert_eq!(a.decode(), mismatch("CRC-32"));
    let mut a = base.clone();
    a.local.compressed_size += 1;
    assert_eq!(a.decode(), mismatch("compressed size"));
    let mut a = base.clone();
    a.central.uncompressed_size += 1;
    assert_eq!(a.decode(), mismatch("uncompressed size"));
    let mut a = base.clone();
    a.local.flags |= 1 << 3;
    assert_eq!(a.decode(), mismatch("flags"));
    // Flags that change nothing for reading (UTF-8 names, compression level) may differ.
    let mut a = base;
    a.local.flags |= 1 << 11;
    a.central.flags |= 1 << 1;
    assert_eq!(a.decode().unwrap().json, JSON);
}

#[test]
fn encrypted_and_unknown_methods_are_refused() {
    let encrypted = Archive::deflated(JSON).both(|h| h.flags |= 1);
    assert_eq!(encrypted.decode(), Err(PayloadError::Encrypted));
    let aes = Archive::deflated(JSON).both(|h| h.method = 99);
    assert_eq!(aes.decode(), Err(PayloadError::Encrypted));
    let bzip2 = Archive::deflated(JSON).both(|h| h.method = 12);
    assert_eq!(
        bzip2.decode(),
        Err(PayloadError::UnsupportedCompression { method: 12 })
    );
    assert_eq!(
        bzip2.decode().unwrap_err().to_string(),
        "zip: compression method 12 is not supported (only stored and deflate)"
    );
}

#[test]
fn only_certificate_json_is_accepted() {
    let other = Archive::deflated(JSON).both(|h| h.name = b"cert.json".to_vec());
    assert_eq!(
        other.decode(),
        Err(PayloadError::UnexpectedEntryName {
            name: "cert.json".to_owned()
        })
    );
    let long = Archive::deflated(JSON).both(|h| h.name = vec![b'a'; 1000]);
    let Err(PayloadError::UnexpectedEntryName { name }) = long.decode() else {
        panic!("expected UnexpectedEntryName");
    };
    assert_eq!(name, format!("{}...", "a".repeat(64)));
}

#[test]
fn entry_count_zip64_and_multi_disk_are_refused_precisely() {
    let mut two = Archive::deflated(JSON);
    two.entries = 2;
    two.entries_on_disk = 2;
    assert_eq!(two.decode(), Err(PayloadError::EntryCount { found: 2 }));
    // What `zip` writes for an empty archive: a lone end record.
    let empty = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
    assert_eq!(decode(empty), Err(PayloadError::EntryCount { found: 0 }));
    let mut none = Archive::deflated(JSON);
    none.entries = 0;
    none.entries_on_disk = 0;
    assert_eq!(none.decode(), Err(PayloadError::EntryCount { found: 0 }));

    let mut zip64 = Archive::deflated(JSON);
    zip64.entries = u16::MAX;
    zip64.entries_on_disk = u16::MAX;
    assert_eq!(zip64.decode(), Err(PayloadError::Zip64));
    let zip64_sizes = Archive::deflated(JSON).both(|h| h.uncompressed_size = u32::MAX);
    assert_eq!(zip64_sizes.decode(), Err(PayloadError::Zip64));
    let mut locator = Archive::deflated(JSON);
    locator.before_end = b"PK\x06\x07".to_vec();
    locator.before_end.resize(20, 0);
    assert_eq!(locator.decode(), Err(PayloadError::Zip64));

    let mut multi = Archive::deflated(JSON);
    multi.disk = 1;
    assert_eq!(multi.decode(), Err(PayloadError::MultiDisk));
    let mut multi = Archive::deflated(JSON);
    multi.disk_start = 1;
    assert_eq!(multi.decode(), Err(PayloadError::MultiDisk));
}

#[test]
fn bytes_no_header_accounts_for_are_refused() {
    let mut trailing = Archive::deflated(JSON);
    trailing.trailing = b"\n\0\0".to_vec();
    assert_eq!(
        trailing.decode(),
        Err(PayloadError::TrailingBytes { count: 3 })
    );
    // A comment is part of the archive.
    let mut comment = Archive::deflated(JSON);
    comment.comment = b"issued by test".to_vec();
    assert_eq!(comment.decode().unwrap().json, JSON);
    // A comment longer than what follows is a cut archive.
    let mut cut = comment.bytes();
    cut.pop();
    assert_eq!(decode(&cut), Err(PayloadError::NoEndOfCentralDirectory));

    let mut gap = Archive::deflated(JSON);
    gap.after_data = b"hidden".to_vec();
    assert_eq!(
        gap.decode(),
        Err(PayloadError::Malformed {
            what: "bytes between the entry data and the central directory"
        })
    );
    let mut gap = Archive::deflated(JSON);
    gap.before_end = b"hidden".to_vec();
    assert_eq!(
        gap.decode(),
        Err(PayloadError::Malformed {
            what: "central directory does not end where the end record begins"
        })
    );
    let mut offset = Archive::deflated(JSON);
    offset.local_offset = 4;
    assert_eq!(
        offset.decode(),
        Err(PayloadError::Malformed {
            what: "bytes before the local header"
        })
    );
}

#[test]
fn contents_are_checked_against_crc_and_size() {
    let crc = Archive::deflated(JSON).both(|h| h.crc ^= 0x8000_0000);
    let expected = crc32fast::hash(JSON);
    assert_eq!(
        crc.decode(),
        Err(PayloadError::CrcMismatch {
            expected: expected ^ 0x8000_0000,
            actual: expected
        })
    );
    let size = Archive::deflated(JSON).both(|h| h.uncompressed_size = 10);
    assert_eq!(
        size.decode(),
        Err(PayloadError::SizeMismatch {
            name: "certificate.json",
            declared: 10,
            actual: JSON.len() as u64
        })
    );
}

#[test]
fn corrupt_deflate_is_reported() {
    let mut garbage = Archive::deflated(JSON);
    garbage.data = vec![0xff; garbage.data.len()];
    assert_eq!(
        garbage.decode(),
        Err(PayloadError::Deflate {
            reason: "invalid DEFLATE data"
        })
    );

    let mut cut = Archive::deflated(JSON);
    cut.data.truncate(cut.data.len() / 2);
    let len = cut.data.len() as u32;
    let cut = cut.both(|h| h.compressed_size = len);
    assert_eq!(
        cut.decode(),
        Err(PayloadError::Deflate {
            reason: "DEFLATE data ends before its final block"
        })
    );

    let mut padded = Archive::deflated(JSON);
    padded.data.push(0);
    let len = padded.data.len() as u32;
    let padded = padded.both(|h| h.compressed_size = len);
    assert_eq!(
        padded.decode(),
        Err(PayloadError::Deflate {
            reason: "bytes after the end of the DEFLATE stream"
        })
    );
}

#[test]
fn expansion_ratio_is_bounded_declared_or_not() {
    let mut json = br#"{"a":""#.to_vec();
    json.resize(200_000, b'x');
    json.extend_from_slice(br#""}"#);
    let honest = Archive::deflated(&json);
    let compressed = honest.data.len() as u64;
    assert!(
        compressed * 100 < 200_000,
        "test JSON must compress over 100:1"
    );
    assert_eq!(
        honest.decode(),
        Err(PayloadError::RatioExceeded {
            name: "certificate.json",
            compressed,
            uncompressed: json.len() as u64,
            max_ratio: 100
        })
    );
    // Lying about the size moves the refusal into the inflater.
    let lying = honest.both(|h| h.uncompressed_size = 1000);
    let Err(PayloadError::RatioExceeded { uncompressed, .. }) = lying.decode() else {
        panic!("expected RatioExceeded");
    };
    assert!(uncompressed > RATIO_GRACE && uncompressed <= json.len() as u64);
    // Under the grace size, ratio is not held against small documents.
    let mut small = br#"{"a":""#.to_vec();
    small.resize(60_000, b' ');
    small.extend_from_slice(br#""}"#);
    assert_eq!(Archive::deflated(&small).decode().unwrap().json, small);
    // And a looser ratio lets the big one through.
    let loose = Limits::DEFAULT.with_max_ratio(10_000);
    assert_eq!(
        decode_with(&Archive::deflated(&json).bytes(), &loose)
            .unwrap()
            .json,
        json
    );
}

#[test]
fn zip_contents_must_be_a_json_object() {
    let not_json = Archive::deflated(b"hello");
    assert!(matches!(
        not_json.decode(),
        Err(PayloadError::NotJson { line: 1, .. })
    ));
    let array = Archive::deflated(b"[1,2]");
    assert_eq!(
        array.decode(),
        Err(PayloadError::NotAnObject { found: "an array" })
    );
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(JSON);
    assert_eq!(Archive::deflated(&with_bom).decode().unwrap().json, JSON);
}

#[test]
fn raw_zip_that_happens_to_be_latin1_utf8_is_read_as_raw() {
    // A STORED archive of ASCII JSON is ASCII except its CRC; find one
    // whose CRC bytes form valid UTF-8 chars in U+0080..U+00FF.
    let (json, bytes) = (0..100_000u32)
        .map(|i| format!(r#"{{"n":{i}}}"#).into_bytes())
        .map(|json| {
            let bytes = Archive::stored(&json).bytes();
            (json, bytes)
        })
        .find(|(_, bytes)| text::latin1_to_bytes(bytes).is_some())
        .expect("some CRC is latin-1-looking UTF-8");
    let decoded = decode(&bytes).unwrap();
    assert_eq!(decoded.format, PayloadFormat::Zip);
    assert_eq!(decoded.json, json);
}

#[test]
fn front_door_refusals() {
    assert_eq!(decode(b""), Err(PayloadError::Empty));
    assert_eq!(decode(b" \r\n\t"), Err(PayloadError::Empty));
    assert_eq!(
        decode_with(&[b' '; 11], &Limits::DEFAULT.with_max_input(10)),
        Err(PayloadError::TooLarge { len: 11, limit: 10 })
    );
    assert_eq!(
        decode_with(br#"{"a": 1}  "#, &Limits::DEFAULT.with_max_json(8)),
        Err(PayloadError::TooLarge { len: 10, limit: 8 })
    );
    let err = decode(b"\x89PNG\r\n\x1a\n\0\0").unwrap_err();
    assert_eq!(
        err,
        PayloadError::NotZipOrJson {
            head: "89 50 4e 47 0d 0a 1a 0a ...".to_owned()
        }
    );
    assert_eq!(
        err.to_string(),
        "payload is neither a ZIP archive nor JSON (it starts with 89 50 4e 47 0d 0a 1a 0a ...)"
    );
    assert_eq!(decode(b"B64:aGVsbG8="), Err(PayloadError::Base64NotZip));
    assert!(matches!(
        decode(b"B64:***"),
        Err(PayloadError::Base64 { .. })
    ));
    assert_eq!(
        decode(b"[]"),
        Err(PayloadError::NotAnObject { found: "an array" })
    );
    assert!(matches!(
        decode(b"{\"a\":"),
        Err(PayloadError::NotJson { .. })
    ));
    // A latin-1 string that is not an archive reports the text reading.
    let text = "PK\u{3}\u{4}é".as_bytes();
    assert_eq!(decode(text), Err(PayloadError::NoEndOfCentralDirectory));
}

#[test]
fn encode_is_deterministic_and_only_takes_what_decodes() {
    let a = encode(JSON).unwrap();
    assert_eq!(a, encode(JSON).unwrap());
    // Fixed DOS timestamp: 1980-01-01 00:00:00.
    assert_eq!(a.get(10..14), Some(&[0, 0, 0x21, 0][..]));
    // No data descriptor flag; maximum-compression flag.
    assert_eq!(a.get(6..8), Some(&[2, 0][..]));
    assert!(a.starts_with(b"PK\x03\x04"));

    assert!(matches!(
        encode(b"not json"),
        Err(PayloadError::NotJson { .. })
    ));
    assert_eq!(
        encode(b"\"str\""),
        Err(PayloadError::NotAnObject { found: "a string" })
    );
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(JSON);
    assert!(matches!(encode(&bom), Err(PayloadError::NotJson { .. })));
    let mut big = br#"{"a":""#.to_vec();
    big.resize(Limits::DEFAULT.max_json, b'x');
    big.extend_from_slice(br#""}"#);
    assert_eq!(
        encode(&big),
        Err(PayloadError::TooLarge {
            len: Limits::DEFAULT.max_json + 2,
            limit: Limits::DEFAULT.max_json
        })
    );
}

#[test]
fn format_names_are_stable() {
    let names: Vec<_> = [
        PayloadFormat::Zip,
        PayloadFormat::ZipLatin1,
        PayloadFormat::Base64Zip,
        PayloadFormat::Json,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(names, ["zip", "zip-latin1", "base64-zip", "json"]);
}
