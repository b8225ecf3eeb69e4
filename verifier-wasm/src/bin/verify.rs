//! `verify`: check health certificates from the command line — photos and
//! scans of QR codes, ZIP payloads, `certificate.json` files, QR text, or
//! whole directories of them — the way a border post batch-checks.
//!
//! ```text
//! verify [--trust-list FILE --anchor KEYFILE] [--key KEYFILE --kid ID]...
//!        [--revocations FILE] [--rules FILE] [--now RFC3339] [--json] [-j N] INPUT...
//! verify --decode-only INPUT...
//! ```
//!
//! Exit status: 0 when every input is valid, 1 when any is not, 2 on a
//! usage error (bad flags, unreadable keys or lists).

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::io::{IsTerminal, Read, Write};
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;

    use clap::Parser;
    use credential::PublicKey;
    use jiff::Timestamp;
    use rayon::prelude::*;
    use serde_json::json;
    use verifier_wasm::qr::{self, QrError};
    use verifier_wasm::rules::RulesStatus;
    use verifier_wasm::{PinnedKey, ReasonCode, Status, Verdict, Verifier};

    /// The most bytes read from one input file: an image from a flatbed
    /// scanner fits; a stray video file does not get read into memory.
    const MAX_INPUT_BYTES: u64 = 64 << 20;

    #[derive(Parser, Debug)]
    #[command(
        name = "verify",
        version,
        about = "Verify health certificates (DIVOC-compatible) offline."
    )]
    struct Args {
        /// Signed trust list (JSON) from the key registry.
        #[arg(long, value_name = "FILE", requires = "anchor")]
        trust_list: Option<PathBuf>,
        /// Trust-anchor public key (PEM, JWK or base58) that signs the trust
        /// list and revocation lists. Repeatable.
        #[arg(long, value_name = "KEYFILE")]
        anchor: Vec<PathBuf>,
        /// Pin an issuer key directly (PEM, JWK or base58), as DIVOC's
        /// verifier does. Pair each with --kid. Repeatable.
        #[arg(long, value_name = "KEYFILE", conflicts_with = "trust_list")]
        key: Vec<PathBuf>,
        /// Key id the pinned key signs as (the credential's
        /// proof.verificationMethod), e.g. did:india.
        #[arg(long, value_name = "ID")]
        kid: Vec<String>,
        /// Signed revocation list (snapshot), checked against --anchor.
        #[arg(long, value_name = "FILE", requires = "anchor")]
        revocations: Option<PathBuf>,
        /// Signed verification rules of a verifier profile (the registry's
        /// `/v1/rules/{profile}`), checked against --anchor: valid
        /// certificates are reported with the rules passed or not met.
        #[arg(long, value_name = "FILE", requires = "anchor")]
        rules: Option<PathBuf>,
        /// Verify as of this moment instead of now (RFC 3339).
        #[arg(long, value_name = "RFC3339")]
        now: Option<Timestamp>,
        /// One JSON object per input instead of text.
        #[arg(long)]
        json: bool,
        /// Inputs checked at once (default: one per core). Results are
        /// printed in input order either way.
        #[arg(long, short = 'j', value_name = "N")]
        jobs: Option<std::num::NonZeroUsize>,
        /// Only print each input's decoded QR payload (text as is, binary as
        /// hex:...), one line per input.
        #[arg(long)]
        decode_only: bool,
        /// Photos or scans (PNG, JPEG), .zip payloads, certificate.json,
        /// text files holding QR text, directories, or - for stdin.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<String>,
    }

    pub fn main() -> ExitCode {
        let args = match Args::try_parse() {
            Ok(args) => args,
            Err(e) => {
                let code = if e.use_stderr() { 2 } else { 0 };
                let _ = e.print();
                return ExitCode::from(code);
            }
        };
        match run(args) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::from(1),
            // Output piped into `head` and closed: stop quietly.
            Err(message) if message.contains("Broken pipe") => ExitCode::from(1),
            Err(message) => {
                eprintln!("verify: {message}");
                ExitCode::from(2)
            }
        }
    }

    fn read_text(path: &Path) -> Result<String, String> {
        std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn load_key(path: &Path) -> Result<PublicKey, String> {
        PublicKey::parse_any(read_text(path)?.trim())
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    fn build_verifier(args: &Args) -> Result<Verifier, String> {
        let anchors = args
            .anchor
            .iter()
            .map(|p| load_key(p))
            .collect::<Result<Vec<_>, _>>()?;
        let mut verifier = match &args.trust_list {
            Some(path) => {
                let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
                Verifier::with_trust_list(&bytes, anchors)
                    .map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => {
                if args.key.is_empty() {
                    return Err("give --trust-list with --anchor, or --key with --kid".into());
                }
                if args.key.len() != args.kid.len() {
                    return Err(format!(
                        "{} --key but {} --kid: give one --kid per --key",
                        args.key.len(),
                        args.kid.len()
                    ));
                }
                let keys = args
                    .key
                    .iter()
                    .zip(&args.kid)
                    .map(|(path, kid)| {
                        Ok(PinnedKey {
                            kid: kid.clone(),
                            key: load_key(path)?,
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                Verifier::with_pinned_keys(keys, anchors)
            }
        };
        if let Some(path) = &args.revocations {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            verifier
                .load_revocations(&bytes)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        if let Some(path) = &args.rules {
            let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
            verifier
                .set_rules(&bytes)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
        Ok(verifier)
    }

    /// Expand directories (sorted, recursively) into their files.
    fn expand(inputs: &[String]) -> Result<Vec<String>, String> {
        let mut out = Vec::new();
        for input in inputs {
            let path = Path::new(input);
            if input != "-" && path.is_dir() {
                let mut stack = vec![path.to_path_buf()];
                let mut files = Vec::new();
                while let Some(dir) = stack.pop() {
                    let entries =
                        std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
                    for entry in entries {
                        let p = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
                        if p.is_dir() {
                            stack.push(p)
                        } else {
                            files.push(p)
                        }
                    }
                }
                files.sort();
                out.extend(files.into_iter().map(|p| p.display().to_string()));
            } else {
                out.push(input.clone());
            }
        }
        Ok(out)
    }

    fn read_input(input: &str) -> std::io::Result<Vec<u8>> {
        let mut bytes = Vec::new();
        if input == "-" {
            std::io::stdin()
                .lock()
                .take(MAX_INPUT_BYTES)
                .read_to_end(&mut bytes)?;
        } else {
            std::fs::File::open(input)?
                .take(MAX_INPUT_BYTES)
                .read_to_end(&mut bytes)?;
        }
        Ok(bytes)
    }

    fn is_image(bytes: &[u8]) -> bool {
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
    }

    /// What an input holds: payload bytes, or why there are none.
    enum Payloads {
        Found(Vec<Vec<u8>>),
        NoQr(String),
    }

    fn payloads(bytes: Vec<u8>) -> Payloads {
        if !is_image(&bytes) {
            // QR text saved with a trailing newline is still QR text.
            let trimmed = match std::str::from_utf8(&bytes) {
                Ok(text)
                    if text.starts_with("B64:")
                        || text.starts_with("HC1:")
                        || text.starts_with("shc:/") =>
                {
                    text.trim_end().as_bytes().to_vec()
                }
                _ => bytes,
            };
            return Payloads::Found(vec![trimmed]);
        }
        match qr::decode_image(&bytes) {
            Ok(codes) => Payloads::Found(codes.into_iter().map(qr::QrCode::into_payload).collect()),
            Err(QrError::NotFound) => Payloads::NoQr("no QR code found in the image".into()),
            Err(e) => Payloads::NoQr(e.to_string()),
        }
    }

    fn verify_input(verifier: &Verifier, input: &str, now: Timestamp) -> Verdict {
        let bytes = match read_input(input) {
            Ok(bytes) => bytes,
            Err(e) => {
                return not_a_certificate(
                    ReasonCode::PayloadUnrecognized,
                    format!("cannot read input: {e}"),
                );
            }
        };
        match payloads(bytes) {
            Payloads::NoQr(message) => not_a_certificate(ReasonCode::PayloadUnrecognized, message),
            Payloads::Found(list) => {
                // Several codes in one photo: the first that is a certificate decides.
                let mut verdicts = list.iter().map(|p| verifier.verify_payload(p, now));
                let first = verdicts.next();
                let mut rest = verdicts;
                match first {
                    Some(v) if v.status != Status::NotACertificate => v,
                    Some(v) => rest
                        .find(|v| v.status != Status::NotACertificate)
                        .unwrap_or(v),
                    None => not_a_certificate(
                        ReasonCode::PayloadUnrecognized,
                        "no QR code found".into(),
                    ),
                }
            }
        }
    }

    fn not_a_certificate(code: ReasonCode, message: String) -> Verdict {
        Verdict::not_a_certificate(code, message)
    }

    /// Inputs handed to the thread pool at a time: results stream out in
    /// input order, a chunk at a time, without holding every verdict of a
    /// large directory in memory.
    const CHUNK: usize = 512;

    fn run(args: Args) -> Result<bool, String> {
        let inputs = expand(&args.inputs)?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(args.jobs.map_or(0, std::num::NonZeroUsize::get))
            .build()
            .map_err(|e| format!("thread pool: {e}"))?;
        let mut out = std::io::stdout().lock();
        if args.decode_only {
            for chunk in inputs.chunks(CHUNK) {
                let lines: Vec<String> =
                    pool.install(|| chunk.par_iter().map(|input| decode_line(input)).collect());
                for (input, line) in chunk.iter().zip(lines) {
                    writeln!(out, "{input}\t{line}").map_err(|e| e.to_string())?;
                }
            }
            return Ok(true);
        }
        let verifier = build_verifier(&args)?;
        let now = args.now.unwrap_or_else(Timestamp::now);
        let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let progress = (inputs.len() > 1 && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(inputs.len() as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} eta {eta}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        let mut all_valid = true;
        for chunk in inputs.chunks(CHUNK) {
            let results: Vec<(bool, String)> = pool.install(|| {
                chunk
                    .par_iter()
                    .map(|input| {
                        let verdict = verify_input(&verifier, input, now);
                        let text = if args.json {
                            json_line(input, &verdict)
                        } else {
                            human(input, &verdict, colour)
                        };
                        (verdict.is_valid(), text)
                    })
                    .collect()
            });
            for (valid, text) in results {
                all_valid &= valid;
                match &progress {
                    Some(bar) => bar.suspend(|| writeln!(out, "{text}")),
                    None => writeln!(out, "{text}"),
                }
                .map_err(|e| e.to_string())?;
                if let Some(bar) = &progress {
                    bar.inc(1);
                }
            }
        }
        if let Some(bar) = progress {
            bar.finish_and_clear();
        }
        Ok(all_valid)
    }

    fn decode_line(input: &str) -> String {
        match read_input(input).map(payloads) {
            Err(e) => format!("error: {e}"),
            Ok(Payloads::NoQr(message)) if message.starts_with("no QR") => "no QR found".to_owned(),
            Ok(Payloads::NoQr(message)) => format!("error: {message}"),
            Ok(Payloads::Found(list)) => list
                .iter()
                .map(|p| render_payload(p))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    fn render_payload(payload: &[u8]) -> String {
        match std::str::from_utf8(payload) {
            Ok(text) if !text.chars().any(|c| c.is_control() && c != '\n') => {
                text.replace('\n', "\\n")
            }
            _ => format!(
                "hex:{}",
                payload
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            ),
        }
    }

    fn json_line(input: &str, v: &Verdict) -> String {
        let value = json!({
            "input": input,
            "status": v.status.as_str(),
            "revocation_unknown": v.revocation_unknown,
            "trust_list_stale": v.trust_list_stale,
            "reasons": v.reasons,
            "format": v.format,
            "suite": v.suite,
            "issuer": v.issuer.as_ref().map(|i| &i.name),
            "issuer_id": v.issuer.as_ref().map(|i| &i.id),
            "fields": v.fields,
            "rules": v.rules,
        });
        value.to_string()
    }

    fn human(input: &str, v: &Verdict, colour: bool) -> String {
        let (label, ansi) = match v.status {
            Status::Valid if v.revocation_unknown || v.trust_list_stale => ("VALID*", "33"),
            Status::Valid => ("VALID", "32"),
            Status::NotACertificate => ("NOT A CERTIFICATE", "35"),
            _ => (v.status.as_str(), "31"),
        };
        let label = label.to_uppercase();
        let label = if colour {
            format!("\x1b[1;{ansi}m{label}\x1b[0m")
        } else {
            label
        };
        let mut text = format!("{input}: {label}");
        if let Some(f) = &v.fields {
            let dose = if f.dose.is_empty() {
                String::new()
            } else {
                format!(", dose {} of {}", f.dose, f.total_doses)
            };
            text.push_str(&format!("\n  {} — {}{dose}, {}", f.name, f.vaccine, f.date));
        }
        if let Some(issuer) = &v.issuer {
            text.push_str(&format!("\n  issuer: {}", issuer.name));
        }
        if let Some(suite) = &v.suite {
            text.push_str(&format!("\n  proof: {suite}"));
        }
        if let Some(rules) = &v.rules {
            match rules.status {
                RulesStatus::Passed => text.push_str("\n  rules: passed"),
                RulesStatus::NotMet => {
                    text.push_str("\n  rules: NOT MET");
                    for failed in &rules.failed {
                        text.push_str(&format!("\n  - {}: {}", failed.id, failed.text));
                    }
                }
            }
        }
        for r in &v.reasons {
            text.push_str(&format!(
                "\n  - {}: {}",
                serde_json::to_value(r.code)
                    .ok()
                    .and_then(|c| c.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                r.message
            ));
        }
        text
    }
}
