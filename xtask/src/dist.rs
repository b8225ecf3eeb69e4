//! `cargo xtask dist`: the verifier PWA as static files in `dist/`, and a
//! small static server for them (`cargo xtask run`, the browser tests).
//!
//! Two wasm modules: the UI (`verifier-ui`, Leptos) and the engine
//! (`verifier-wasm`, loaded by `worker.js` in a Web Worker), each built
//! with cargo's `wasm` profile, bound by wasm-bindgen at the version in
//! Cargo.lock (a different CLI version writes glue the module does not
//! match) and shrunk by wasm-opt from npm's binaryen (Debian's binaryen 108
//! emits modules that break at run time). Asset names carry a hash of their
//! contents, so they can be cached for ever; `index.html`, `sw.js`,
//! `config.json` and the manifest keep their names and are revalidated.
//! Every text and wasm file gets `.gz` and `.br` siblings, which the server
//! sends to browsers that accept them.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

use crate::{budget, cargo, root, step, target_dir};

/// Files the app needs on its first load (all precached by the service
/// worker): the first-load size is the sum of their gzipped sizes.
const COMPRESSIBLE: &[&str] = &["html", "js", "wasm", "css", "json", "webmanifest", "svg"];

/// What `dist` built and how big it is (gzipped as served).
pub struct Dist {
    pub dir: PathBuf,
    /// The engine's module (`verifier_bg.wasm`) after wasm-opt.
    pub verifier_wasm: usize,
    pub verifier_wasm_gzip: usize,
    /// The app's module (`app_bg.wasm`) after wasm-opt.
    pub app_wasm: usize,
    pub app_wasm_gzip: usize,
    /// Every precached file and `sw.js`, gzipped.
    pub first_load_gzip: usize,
}

/// Build `dist/`; returns its path.
pub fn dist() -> Result<PathBuf> {
    build().map(|built| built.dir)
}

/// Build `dist/`, checking the size budgets; returns the sizes.
pub fn build() -> Result<Dist> {
    let root = root();
    let out = root.join("dist");
    let wasm_bindgen = wasm_bindgen()?;
    let wasm_opt = wasm_opt()?;

    let mut cmd = cargo();
    cmd.args([
        "build",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm",
        "-p",
        "verifier-ui",
        "--bin",
        "verifier-ui",
    ]);
    step("build the PWA's app module (profile wasm)", cmd)?;
    // The engine is an rlib for native builds; its browser module is a
    // cdylib made here (see verifier-wasm/Cargo.toml).
    let mut cmd = cargo();
    cmd.args([
        "rustc",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm",
        "-p",
        "verifier-wasm",
        "--lib",
        "--crate-type",
        "cdylib",
    ]);
    step("build the verifier's wasm module (profile wasm)", cmd)?;

    let stage = target_dir().join("pwa-stage");
    if stage.exists() {
        std::fs::remove_dir_all(&stage).with_context(|| format!("clear {}", stage.display()))?;
    }
    let built = target_dir().join("wasm32-unknown-unknown/wasm");
    for (wasm, name) in [
        ("verifier-ui.wasm", "app"),
        ("verifier_wasm.wasm", "verifier"),
    ] {
        let mut cmd = Command::new(&wasm_bindgen);
        cmd.arg("--target")
            .arg("web")
            .arg("--no-typescript")
            .arg("--out-name")
            .arg(name)
            .arg("--out-dir")
            .arg(&stage)
            .arg(built.join(wasm));
        step(&format!("wasm-bindgen {wasm}"), cmd)?;
        let module = stage.join(format!("{name}_bg.wasm"));
        let mut cmd = Command::new(&wasm_opt);
        cmd.args([
            "-Oz",
            "--converge",
            "--enable-bulk-memory",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-reference-types",
            "-o",
        ])
        .arg(&module)
        .arg(&module);
        step(&format!("wasm-opt -Oz {name}_bg.wasm"), cmd)?;
    }

    if out.exists() {
        std::fs::remove_dir_all(&out).with_context(|| format!("clear {}", out.display()))?;
    }
    copy_dir(&root.join("public"), &out)?;
    let mut names = Names::default();
    // Leaves first, then the files that name them.
    names.hash_from(&stage.join("app_bg.wasm"), &out, "app.wasm", "app", "wasm")?;
    names.hash_from(
        &stage.join("verifier_bg.wasm"),
        &out,
        "verifier.wasm",
        "verifier",
        "wasm",
    )?;
    names.hash_from(&stage.join("app.js"), &out, "app.js", "app", "js")?;
    names.hash_from(
        &stage.join("verifier.js"),
        &out,
        "verifier.js",
        "verifier",
        "js",
    )?;
    names.hash_in_place(&out, "styles.css", "styles", "css")?;
    names.hash_in_place(&out, "worker.js", "worker", "js")?;
    names.hash_in_place(&out, "boot.js", "boot", "js")?;
    names.fill(&out.join("index.html"))?;

    let mut precache: Vec<String> = vec!["./".into(), "index.html".into()];
    precache.extend(names.files.iter().map(|(_, file)| file.clone()));
    precache.extend(
        [
            "manifest.webmanifest",
            "config.json",
            "icons/icon.svg",
            "icons/icon-192.png",
            "icons/icon-512.png",
            "icons/maskable-512.png",
            "icons/apple-touch-icon.png",
        ]
        .map(String::from),
    );
    let version = {
        let mut hash = Sha256::new();
        for (_, file) in &names.files {
            hash.update(file.as_bytes());
        }
        hash.update(std::fs::read(out.join("index.html"))?);
        hex(&hash.finalize()).chars().take(12).collect::<String>()
    };
    let list = format!(
        "[{}]",
        precache
            .iter()
            .map(|p| format!("'{p}'"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    names.files.push(("version".into(), version));
    names.files.push(("precache".into(), list));
    names.fill(&out.join("sw.js"))?;

    let (report, first_load) = compress_all(&out, &precache)?;
    eprintln!("{report}");
    let module = |placeholder: &str| -> Result<Vec<u8>> {
        let file = names
            .files
            .iter()
            .find(|(p, _)| p == placeholder)
            .map(|(_, file)| out.join(file))
            .with_context(|| format!("no {placeholder} in dist"))?;
        Ok(std::fs::read(file)?)
    };
    let (verifier, app) = (module("verifier.wasm")?, module("app.wasm")?);
    let verifier_wasm_gzip = gzip(&verifier)?.len();
    budget::check(
        "verifier wasm (engine + QR decoder)",
        verifier_wasm_gzip,
        budget::VERIFIER_WASM_GZIP,
    )?;
    budget::check("PWA first load", first_load, budget::FIRST_LOAD_GZIP)?;
    budget::check_encoding_rs_patch(&root)?;
    Ok(Dist {
        dir: out,
        verifier_wasm: verifier.len(),
        verifier_wasm_gzip,
        app_wasm: app.len(),
        app_wasm_gzip: gzip(&app)?.len(),
        first_load_gzip: first_load,
    })
}

/// `{{placeholder}}` -> hashed file name.
#[derive(Default)]
struct Names {
    files: Vec<(String, String)>,
}

impl Names {
    fn hash_from(
        &mut self,
        from: &Path,
        dir: &Path,
        key: &str,
        stem: &str,
        ext: &str,
    ) -> Result<()> {
        let mut bytes = std::fs::read(from).with_context(|| format!("read {}", from.display()))?;
        bytes = self.substitute(bytes)?;
        let name = format!("{stem}-{}.{ext}", &hex(&Sha256::digest(&bytes))[..10]);
        std::fs::write(dir.join(&name), &bytes)?;
        self.files.push((key.to_owned(), name));
        Ok(())
    }

    fn hash_in_place(&mut self, dir: &Path, file: &str, stem: &str, ext: &str) -> Result<()> {
        let path = dir.join(file);
        self.hash_from(&path, dir, file, stem, ext)?;
        std::fs::remove_file(&path)?;
        Ok(())
    }

    fn substitute(&self, bytes: Vec<u8>) -> Result<Vec<u8>> {
        let Ok(mut text) = String::from_utf8(bytes.clone()) else {
            return Ok(bytes);
        };
        for (key, value) in &self.files {
            text = text.replace(&format!("{{{{{key}}}}}"), value);
        }
        Ok(text.into_bytes())
    }

    fn fill(&self, path: &Path) -> Result<()> {
        let bytes = self.substitute(std::fs::read(path)?)?;
        if let Some(at) = bytes.windows(2).position(|w| w == b"{{") {
            let line = bytes.iter().take(at).filter(|&&b| b == b'\n').count() + 1;
            bail!("{}:{line}: unfilled placeholder", path.display());
        }
        std::fs::write(path, bytes)?;
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("read {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Write `.gz` and `.br` beside each compressible file; a table of sizes
/// and the first load (the precached files, gzipped).
fn compress_all(dir: &Path, precache: &[String]) -> Result<(String, usize)> {
    let mut all = Vec::new();
    files(dir, &mut all)?;
    all.sort();
    let mut report =
        String::from("\nfile                                   bytes       gzip     brotli\n");
    let mut first_load = 0usize;
    for path in all {
        let rel = path.strip_prefix(dir)?.to_string_lossy().replace('\\', "/");
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        let raw = std::fs::read(&path)?;
        let (gz, br) = if COMPRESSIBLE.contains(&ext) {
            let gz = gzip(&raw)?;
            let br = brotli(&raw)?;
            std::fs::write(
                path.with_file_name(format!("{rel_name}.gz", rel_name = file_name(&path))),
                &gz,
            )?;
            std::fs::write(
                path.with_file_name(format!("{rel_name}.br", rel_name = file_name(&path))),
                &br,
            )?;
            (gz.len(), br.len())
        } else {
            (raw.len(), raw.len())
        };
        if precache.contains(&rel) || rel == "sw.js" {
            first_load += gz;
        }
        let _ = writeln!(report, "{rel:<36} {:>8} {gz:>10} {br:>10}", raw.len());
    }
    let _ = writeln!(
        report,
        "first load (every precached file and sw.js, gzipped): {first_load} bytes ({:.0} KB)",
        first_load as f64 / 1024.0
    );
    Ok((report, first_load))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 1 << 16, 11, 22);
        writer.write_all(bytes)?;
        writer.flush()?;
    }
    Ok(out)
}

/// The wasm-bindgen version Cargo.lock pins.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|l| l.strip_prefix("version = \""))
                .and_then(|l| l.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    bail!("Cargo.lock has no wasm-bindgen")
}

/// wasm-bindgen at the lockfile's version, installed with cargo if absent.
pub(crate) fn wasm_bindgen() -> Result<PathBuf> {
    let version = locked_wasm_bindgen()?;
    let wanted = format!("wasm-bindgen {version}");
    let installed = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    if installed.as_deref() != Some(wanted.as_str()) {
        eprintln!(
            "wasm-bindgen {version} (Cargo.lock's) is not installed (found {}): installing it",
            installed.as_deref().unwrap_or("none")
        );
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--no-default-features",
            "--force",
        ]);
        step("cargo install wasm-bindgen-cli", cmd)?;
    }
    Ok(PathBuf::from("wasm-bindgen"))
}

/// wasm-opt: `$WASM_OPT`, or npm's binaryen installed in `xtask/tools/`
/// from its committed lock file.
pub(crate) fn wasm_opt() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("WASM_OPT") {
        return Ok(PathBuf::from(path));
    }
    let tools = root().join("xtask/tools");
    let bin = tools.join("node_modules/.bin/wasm-opt");
    if !bin.exists() {
        eprintln!(
            "wasm-opt (npm binaryen) is not installed: npm ci in {}",
            tools.display()
        );
        let mut cmd = Command::new("npm");
        cmd.args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&tools);
        step("npm ci (binaryen)", cmd)?;
    }
    Ok(bin)
}

/// Serve `dir` on `listen` until the process ends: precompressed variants
/// to browsers that accept them (`Content-Encoding`, `Vary`), the right
/// types (`application/wasm` for streaming compilation), hashed assets
/// cached for a year, everything else revalidated.
pub fn serve(dir: &Path, listen: &str) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("listen on {listen}"))?;
        axum::serve(listener, stack::pwa::router(dir, None)).await?;
        Ok(())
    })
}
