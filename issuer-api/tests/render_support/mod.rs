//! Shared by the render tests: fixtures and the external tools that check
//! the renderings independently of this crate (zbarimg from zbar-tools,
//! pdftotext and pdftoppm from poppler-utils, rsvg-convert from
//! librsvg2-bin). A test whose tool is missing prints why and passes; CI
//! installs them all.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: helpers outside #[test] functions too; a failed unwrap is a failed test"
)]
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The DIVOC stack-signed fixtures: (certificate.json, certificate.zip).
pub fn divoc_fixtures() -> Vec<(serde_json::Value, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/divoc/stack-signed");
    let mut out = Vec::new();
    for set in ["ed25519-v2", "rsa-v1"] {
        for n in 1..=4 {
            let dir = root.join(set).join(format!("cert-{n:03}"));
            let json = std::fs::read(dir.join("certificate.json")).unwrap();
            let zip = std::fs::read(dir.join("certificate.zip")).unwrap();
            out.push((serde_json::from_slice(&json).unwrap(), zip));
        }
    }
    out
}

/// Whether `tool` can be run; if not, say which test is skipped.
pub fn have(tool: &str, test: &str) -> bool {
    let ok = Command::new(tool)
        .arg(if tool == "zbarimg" { "--version" } else { "-v" })
        .output()
        .is_ok();
    if !ok {
        // CI (and `cargo xtask test`) set HEALTHCERTS_REQUIRE_TOOLS: there a
        // missing tool fails the test instead of skipping it.
        assert!(
            std::env::var_os("HEALTHCERTS_REQUIRE_TOOLS").is_none(),
            "{test}: {tool} is not installed, and HEALTHCERTS_REQUIRE_TOOLS is set"
        );
        eprintln!("SKIP {test}: {tool} is not installed");
    }
    ok
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("render-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Decode every QR code in an image with zbarimg, as raw bytes.
pub fn zbar_decode(image: &Path) -> Vec<u8> {
    let out = Command::new("zbarimg")
        .args(["--raw", "--oneshot", "-q", "-Sbinary"])
        .arg(image)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zbarimg found no QR code in {}",
        image.display()
    );
    let mut bytes = out.stdout;
    // zbarimg ends each symbol's data with a newline of its own.
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    bytes
}

/// The text layer of a PDF, as pdftotext reads it.
pub fn pdf_text(pdf: &[u8], name: &str) -> String {
    let dir = temp_dir(name);
    let file = dir.join("certificate.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Render the first page at `dpi` to PNG with pdftoppm; returns its path.
pub fn pdf_page_png(pdf: &[u8], dpi: u32, name: &str) -> PathBuf {
    let dir = temp_dir(name);
    let file = dir.join("certificate.pdf");
    std::fs::write(&file, pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-png", "-singlefile", "-r", &dpi.to_string()])
        .arg(&file)
        .arg(dir.join("page"))
        .status()
        .unwrap();
    assert!(status.success());
    dir.join("page.png")
}
