//! `cargo xtask run`: the whole system on this machine (see the `stack`
//! crate): build what is needed, start the key registry and the issuer API
//! on embedded SQLite, register the issuer and its keys, issue the demo
//! certificates, serve the PWA configured for that registry, print where
//! everything is and write it to `.data/stack.json`; stop everything on
//! Ctrl-C, SIGTERM or SIGHUP (the servers also get SIGTERM from the kernel
//! if this process is killed outright).
//!
//! ```text
//! cargo xtask run [--data-dir DIR] [--no-build] [--bin-dir DIR]
//! ```
//!
//! `--no-build` starts what was built last (`--bin-dir`, default
//! `target/release`; `dist/` as it is). Addresses: `ISSUER_LISTEN`
//! (127.0.0.1:8080), `REGISTRY_LISTEN` (127.0.0.1:8081), `PWA_LISTEN`
//! (127.0.0.1:8090); `:0` picks a free port.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail};
use stack::{Demo, Stack};

use crate::{cargo, dist, pwa_listen, root, step, target_dir};

/// The hidden subcommand the servers are started through (parent-death
/// signal, then exec: see `stack::process`).
pub const CHILD: &str = "__child";

struct Args {
    data_dir: PathBuf,
    build: bool,
    bin_dir: PathBuf,
}

fn parse(args: &[String]) -> Result<Args> {
    let mut parsed = Args {
        data_dir: root().join(".data"),
        build: true,
        bin_dir: target_dir().join("release"),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-build" => parsed.build = false,
            "--data-dir" => parsed.data_dir = args.next().context("--data-dir DIR")?.into(),
            "--bin-dir" => parsed.bin_dir = args.next().context("--bin-dir DIR")?.into(),
            other => bail!(
                "unknown argument {other:?}: cargo xtask run [--data-dir DIR] [--no-build] [--bin-dir DIR]"
            ),
        }
    }
    Ok(parsed)
}

/// The wasm32 target, added with rustup when missing (a toolchain that
/// rust-toolchain.toml did not install itself).
fn ensure_wasm_target() -> Result<()> {
    let Ok(output) = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(root())
        .output()
    else {
        eprintln!("rustup not found: assuming the wasm32-unknown-unknown target is installed");
        return Ok(());
    };
    if String::from_utf8_lossy(&output.stdout)
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    eprintln!("the wasm32-unknown-unknown target (for the PWA) is not installed: adding it");
    let mut cmd = Command::new("rustup");
    cmd.args(["target", "add", "wasm32-unknown-unknown"])
        .current_dir(root());
    step("rustup target add wasm32-unknown-unknown", cmd)
}

pub fn run(args: &[String]) -> Result<()> {
    let args = parse(args)?;
    if args.build {
        ensure_wasm_target()?;
        let mut cmd = cargo();
        cmd.args([
            "build",
            "--release",
            "-p",
            "issuer-api",
            "-p",
            "key-registry",
            "-p",
            "verifier-wasm",
            "--bin",
            "issuer-api",
            "--bin",
            "key-registry",
            "--bin",
            "verify",
        ]);
        step("build issuer-api, key-registry and verify (release)", cmd)?;
        dist::dist()?;
    }
    let dist_dir = root().join("dist");
    let pwa = if dist_dir.join("index.html").is_file() {
        let listen = pwa_listen();
        Some(
            std::net::TcpListener::bind(&listen)
                .with_context(|| format!("PWA: listen on {listen} (PWA_LISTEN)"))?,
        )
    } else {
        eprintln!("dist/ has no built PWA (cargo xtask dist): the PWA is not served");
        None
    };
    let mut options = stack::Options::new(root(), args.data_dir.clone(), args.bin_dir.clone());
    options.issuer_listen = env_or("ISSUER_LISTEN", &options.issuer_listen);
    options.registry_listen = env_or("REGISTRY_LISTEN", &options.registry_listen);
    if let Some(listener) = &pwa {
        let port = listener.local_addr()?.port();
        options.cors_origins = vec![
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
        ];
    }
    options.launcher = Some(stack::Launcher {
        program: std::env::current_exe().context("this program's path")?,
        args: vec![CHILD.into()],
    });

    // One thread: the servers' parent-death signal follows the thread that
    // started them, which must live as long as they do.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(options, pwa, &dist_dir, &args.data_dir))
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

async fn serve(
    options: stack::Options,
    pwa: Option<std::net::TcpListener>,
    dist_dir: &Path,
    data_dir: &Path,
) -> Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;

    eprintln!("\n==> starting the key registry and the issuer API");
    let started = async {
        let stack = Stack::up(options).await?;
        eprintln!("==> demo certificates");
        let demo = stack.demo().await?;
        anyhow::Ok((stack, demo))
    };
    // A signal while starting: the half-started servers are killed as
    // their handles drop.
    let (mut stack, demo) = tokio::select! {
        started = started => started?,
        _ = term.recv() => bail!("stopped while starting (SIGTERM)"),
        _ = int.recv() => bail!("stopped while starting (SIGINT)"),
        _ = hup.recv() => bail!("stopped while starting (SIGHUP)"),
    };

    let server = match pwa {
        Some(listener) => {
            let config = serde_json::to_vec_pretty(&stack::pwa::config(
                &stack.registry.url,
                &stack.anchor_pem,
            ))?;
            Some(stack::pwa::Server::start(dist_dir, Some(config), listener)?)
        }
        None => None,
    };
    let pwa_url = server.as_ref().map(stack::pwa::Server::url);
    let json_path = Stack::json_path(data_dir);
    stack.write_json(&json_path, pwa_url.as_deref(), &demo)?;
    eprintln!("{}", summary(&stack, pwa_url.as_deref(), &demo, &json_path));

    let why = tokio::select! {
        _ = term.recv() => "SIGTERM".to_owned(),
        _ = int.recv() => "Ctrl-C".to_owned(),
        _ = hup.recv() => "SIGHUP".to_owned(),
        status = stack.issuer.exited() => format!("the issuer API exited ({})", status?),
        status = stack.registry.exited() => format!("the key registry exited ({})", status?),
    };
    eprintln!("\n{why}: stopping the issuer API, the key registry and the PWA server");
    let _ = std::fs::remove_file(&json_path);
    drop(server);
    stack.down().await?;
    eprintln!("stopped");
    Ok(())
}

fn shown(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn summary(stack: &Stack, pwa_url: Option<&str>, demo: &[Demo], json_path: &Path) -> String {
    use std::fmt::Write as _;
    let issuer = &stack.issuer.url;
    let registry = &stack.registry.url;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\nThe stack is up (Ctrl-C stops it). The admin tokens below are the\n\
         development tokens of this local stack, printed on purpose; never\n\
         print a production token.\n"
    );
    match pwa_url {
        Some(url) => {
            let _ = writeln!(
                s,
                "Verifier PWA    {url}  (syncs from the key registry below)"
            );
        }
        None => {
            let _ = writeln!(s, "Verifier PWA    not served (no dist/)");
        }
    }
    let _ = writeln!(
        s,
        "Issuer API      {issuer}/  admin token {}\n\
         \x20               OpenAPI {issuer}/openapi.json, keys {issuer}/.well-known/did.json\n\
         Key registry    {registry}/  admin token {}\n\
         \x20               trust list {registry}/v1/trust-list, revocations {registry}/v1/revocations\n\
         \x20               anchor public key {}\n\
         Logs            {}, {}\n\
         For scripts     {}  (removed when the stack stops)\n",
        stack.issuer_token,
        stack.registry_token,
        shown(&stack.anchor_path),
        shown(stack.issuer.log()),
        shown(stack.registry.log()),
        shown(json_path),
    );
    let _ = writeln!(s, "Demo certificates (status once the PWA has synced):");
    for d in demo {
        let _ = writeln!(
            s,
            "  {:<10} {:<14} {}\n             QR {}\n             PDF {}",
            d.expected_status,
            d.name,
            d.certificate_id,
            shown(&d.qr_png),
            shown(&d.pdf),
        );
    }
    let verify = target_dir().join("release/verify");
    let _ = write!(
        s,
        "\nVerify offline: curl -s {registry}/v1/trust-list -o trust-list.json; \
         curl -s {registry}/v1/revocations -o revocations.json\n  {} --trust-list trust-list.json \
         --anchor {} --revocations revocations.json {}\n",
        shown(&verify),
        shown(&stack.anchor_path),
        demo.iter()
            .map(|d| shown(&d.qr_png))
            .collect::<Vec<_>>()
            .join(" "),
    );
    s
}
