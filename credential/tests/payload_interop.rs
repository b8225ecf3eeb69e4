//! The payload codec against other ZIP implementations: what `encode` writes
//! must be read by Info-ZIP `unzip` and Python's `zipfile` (JSZip, DIVOC's
//! reader, is stricter than neither), and what they write must decode.
//! Each test skips (with a note on stderr) when its tool is not installed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers: a failing tool should fail the test loudly"
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use credential::{PayloadError, PayloadFormat, decode_payload, encode_payload};

const JSON: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/divoc/stack-signed/ed25519-v2/cert-002/certificate.json"
));

/// A scratch directory unique to this test, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("payload-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs a tool; `None` if it is not installed.
fn run(program: &str, args: &[&str], dir: &Path, stdin: Option<&[u8]>) -> Option<Output> {
    let mut child = match Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // CI (and `cargo xtask test`) set HEALTHCERTS_REQUIRE_TOOLS: there
            // a missing tool fails the test instead of skipping it.
            assert!(
                std::env::var_os("HEALTHCERTS_REQUIRE_TOOLS").is_none(),
                "{program} is not installed, and HEALTHCERTS_REQUIRE_TOOLS is set"
            );
            eprintln!("skipped: {program} is not installed");
            return None;
        }
        Err(e) => panic!("{program}: {e}"),
    };
    let mut pipe = child.stdin.take().unwrap();
    pipe.write_all(stdin.unwrap_or_default()).unwrap();
    drop(pipe);
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(output)
}

#[test]
fn unzip_reads_what_encode_writes() {
    let scratch = Scratch::new("unzip");
    std::fs::write(scratch.path("payload.zip"), encode_payload(JSON).unwrap()).unwrap();
    let Some(test) = run("unzip", &["-t", "payload.zip"], &scratch.0, None) else {
        return;
    };
    assert!(String::from_utf8_lossy(&test.stdout).contains("No errors detected"));
    let out = run(
        "unzip",
        &["-p", "payload.zip", "certificate.json"],
        &scratch.0,
        None,
    )
    .unwrap();
    assert_eq!(out.stdout, JSON);
}

#[test]
fn python_zipfile_reads_what_encode_writes() {
    let scratch = Scratch::new("pyread");
    std::fs::write(scratch.path("payload.zip"), encode_payload(JSON).unwrap()).unwrap();
    let script = "import sys, zipfile\n\
        z = zipfile.ZipFile('payload.zip')\n\
        assert z.testzip() is None\n\
        assert z.namelist() == ['certificate.json'], z.namelist()\n\
        assert z.getinfo('certificate.json').date_time == (1980, 1, 1, 0, 0, 0)\n\
        sys.stdout.buffer.write(z.read('certificate.json'))\n";
    let Some(out) = run("python3", &["-c", script], &scratch.0, None) else {
        return;
    };
    assert_eq!(out.stdout, JSON);
}

#[test]
fn decodes_what_python_zipfile_writes() {
    let scratch = Scratch::new("pywrite");
    // Written to a pipe, zipfile cannot seek back: it streams with a data
    // descriptor (flag bit 3). To a file, it writes sizes up front.
    let script = "import sys, zipfile, io\n\
        data = sys.stdin.buffer.read()\n\
        method = {'stored': zipfile.ZIP_STORED, 'deflated': zipfile.ZIP_DEFLATED}[sys.argv[1]]\n\
        if sys.argv[2] == 'pipe':\n\
        \x20   out = sys.stdout.buffer\n\
        else:\n\
        \x20   out = open('out.zip', 'wb')\n\
        with zipfile.ZipFile(out, 'w', compression=method) as z:\n\
        \x20   with z.open('certificate.json', 'w') as f:\n\
        \x20       f.write(data)\n\
        if sys.argv[2] != 'pipe':\n\
        \x20   out.close(); sys.stdout.buffer.write(open('out.zip', 'rb').read())\n";
    for method in ["stored", "deflated"] {
        for sink in ["pipe", "file"] {
            let Some(out) = run(
                "python3",
                &["-c", script, method, sink],
                &scratch.0,
                Some(JSON),
            ) else {
                return;
            };
            let flags = u16::from_le_bytes([out.stdout[6], out.stdout[7]]);
            assert_eq!(
                flags & (1 << 3) != 0,
                sink == "pipe",
                "{method} {sink}: flags {flags:#x}"
            );
            let decoded = decode_payload(&out.stdout)
                .unwrap_or_else(|e| panic!("python {method} to {sink}: {e}"));
            assert_eq!(decoded.format, PayloadFormat::Zip);
            assert_eq!(decoded.json, JSON, "python {method} to {sink}");
        }
    }
}

#[test]
fn decodes_what_info_zip_writes() {
    let scratch = Scratch::new("infozip");
    std::fs::write(scratch.path("certificate.json"), JSON).unwrap();
    // Info-ZIP adds extra fields (timestamps, uid/gid) that differ between
    // the local header and the central directory; writing to a pipe (`-`)
    // it streams with a data descriptor; `-0` stores.
    for (args, descriptor) in [
        (&["-q", "-9", "a.zip", "certificate.json"][..], false),
        (&["-q", "-0", "a.zip", "certificate.json"][..], false),
        (&["-q", "-9", "-", "certificate.json"][..], true),
    ] {
        let _ = std::fs::remove_file(scratch.path("a.zip"));
        let Some(out) = run("zip", args, &scratch.0, None) else {
            return;
        };
        let bytes = if descriptor {
            out.stdout
        } else {
            std::fs::read(scratch.path("a.zip")).unwrap()
        };
        let flags = u16::from_le_bytes([bytes[6], bytes[7]]);
        assert_eq!(
            flags & (1 << 3) != 0,
            descriptor,
            "zip {args:?}: flags {flags:#x}"
        );
        let decoded = decode_payload(&bytes).unwrap_or_else(|e| panic!("zip {args:?}: {e}"));
        assert_eq!(decoded.json, JSON, "zip {args:?}");
    }
}

#[test]
fn refuses_info_zip_zip64_precisely() {
    let scratch = Scratch::new("infozip64");
    std::fs::write(scratch.path("certificate.json"), JSON).unwrap();
    let Some(_) = run(
        "zip",
        &["-q", "-fz", "a.zip", "certificate.json"],
        &scratch.0,
        None,
    ) else {
        return;
    };
    let bytes = std::fs::read(scratch.path("a.zip")).unwrap();
    assert_eq!(decode_payload(&bytes).unwrap_err(), PayloadError::Zip64);
}
