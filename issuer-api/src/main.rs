//! `issuer-api`: serve the issuer, or manage its keys and tokens.
//!
//! Configuration comes from a file (`--config`, else the demo programme),
//! the environment and flags, flags winning.

#![allow(
    clippy::print_stdout,
    reason = "a command-line program prints its results"
)]

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use issuer_api::auth::Role;
use issuer_api::{ConfigFile, Options, app, open, spawn_background};
use zeroize::Zeroizing;

#[derive(Debug, Parser)]
#[command(
    name = "issuer-api",
    version,
    about = "Issue, correct, revoke and render vaccination certificates"
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Args)]
struct Global {
    /// Data directory (SQLite database, master key file, bootstrap token).
    #[arg(
        long,
        env = "ISSUER_DATA_DIR",
        default_value = "./issuer-data",
        global = true
    )]
    data_dir: PathBuf,
    /// Configuration file (TOML); the demo programme when absent.
    #[arg(long, env = "ISSUER_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// PostgreSQL URL (`postgres://…`); SQLite in the data directory when absent.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// File holding the base64 master key (default `<data-dir>/master.key`).
    #[arg(long, env = "ISSUER_MASTER_KEY_FILE", global = true)]
    master_key_file: Option<PathBuf>,
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[arg(
        long,
        env = "ISSUER_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    listen: SocketAddr,
    /// Log as JSON lines (for log shippers) instead of text.
    #[arg(long, env = "ISSUER_LOG_JSON", global = true)]
    log_json: bool,
    /// Print a new bootstrap token on stderr even when it is not a terminal
    /// (by default only a terminal sees it; logs get its file's path).
    #[arg(long, env = "ISSUER_PRINT_BOOTSTRAP_TOKEN", global = true)]
    print_bootstrap_token: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Print the public key of the key signing now, for the trust list.
    ExportPublic {
        /// Output format.
        #[arg(long, value_enum, default_value_t = KeyFormat::Jwk)]
        format: KeyFormat,
    },
    /// Schedule a new key to sign from a moment; the current one retires then.
    Rotate {
        /// When the new key starts signing (RFC 3339).
        #[arg(long)]
        at: String,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum KeyFormat {
    /// JSON Web Key.
    Jwk,
    /// SPKI PEM.
    Pem,
    /// Base58 (as `publicKeyBase58`).
    Base58,
    /// A trust-list issuer entry with every key and its validity window.
    TrustListEntry,
}

#[derive(Debug, Subcommand)]
enum TokensCommand {
    /// Create an API token and print it (once: only its hash is stored).
    Create {
        /// Role.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Facility code a certifier may act for (repeat for several).
        #[arg(long = "facility")]
        facilities: Vec<String>,
        /// Label for people.
        #[arg(long, default_value = "")]
        label: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| "role must be certifier, issuer-admin or auditor".to_owned())
}

fn options(global: &Global) -> anyhow::Result<Options> {
    let (config, source) = match &global.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            (ConfigFile::parse(&text)?, path.display().to_string())
        }
        None => (
            ConfigFile::parse(issuer_api::config::DEMO_CONFIG)?,
            "demo".to_owned(),
        ),
    };
    Ok(Options {
        data_dir: global.data_dir.clone(),
        config,
        config_source: source,
        database_url: global.database_url.clone().filter(|u| !u.is_empty()),
        postgres_schema: None,
        master_key: std::env::var("ISSUER_MASTER_KEY").ok().map(Zeroizing::new),
        master_key_file: global.master_key_file.clone(),
        clock: std::sync::Arc::new(issuer_api::SystemClock),
    })
}

fn init_tracing(json: bool) {
    service_core::telemetry::init_tracing("ISSUER_LOG", "info,sqlx=warn,tower_http=info", json);
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing(cli.global.log_json);
    let options = options(&cli.global)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(options, cli.global.listen, cli.global.print_bootstrap_token).await,
        Command::Keys(KeysCommand::ExportPublic { format }) => export_public(options, format).await,
        Command::Keys(KeysCommand::Rotate { at }) => {
            let at: jiff::Timestamp = at.parse().context("--at must be an RFC 3339 date-time")?;
            let service = open(options).await?;
            let kid = service
                .state
                .issuer
                .rotate_key(at.as_millisecond(), "cli")
                .await?;
            println!("{kid} signs from {at}; the current key retires then");
            Ok(())
        }
        Command::Tokens(TokensCommand::Create {
            role,
            facilities,
            label,
        }) => {
            let service = open(options).await?;
            let token = service
                .state
                .issuer
                .create_token_as(role, &facilities, &label, None, "cli")
                .await?;
            println!("{}", token.token);
            eprintln!(
                "token id {} ({}); store it now: only its hash is kept",
                token.info.id,
                role.as_str()
            );
            Ok(())
        }
    }
}

async fn serve(options: Options, listen: SocketAddr, print_token: bool) -> anyhow::Result<()> {
    let data_dir = options.data_dir.clone();
    let ttl = issuer_api::bootstrap_ttl_ms(&options.config);
    let service = open(options).await?;
    let state = service.state.clone();
    tracing::info!(
        backend = state.issuer.backend(),
        did = %state.issuer.programme().did,
        programme = %state.issuer.programme().programme.id,
        "issuer ready"
    );
    if let Some(token) = &service.bootstrap_token {
        let path = data_dir.join(service_core::tokens::BOOTSTRAP_TOKEN_FILE);
        service_core::tokens::announce_bootstrap_token(&path, token, print_token, ttl);
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let bound = listener.local_addr()?;
    // Scripts read this line to find the port when listening on :0.
    println!("listening on http://{bound}");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let tasks = spawn_background(&state, stop_rx);
    let router = app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, router)
        .with_graceful_shutdown(service_core::shutdown::shutdown_signal())
        .await?;
    tracing::info!("shutting down: finishing background work");
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    state.issuer.close().await;
    Ok(())
}

async fn export_public(options: Options, format: KeyFormat) -> anyhow::Result<()> {
    let service = open(options).await?;
    let issuer = &service.state.issuer;
    let now = issuer.now();
    let key = issuer.signing_key(now)?;
    match format {
        KeyFormat::Jwk => {
            let mut jwk = key.public_jwk();
            if let Some(map) = jwk.as_object_mut() {
                map.insert("kid".into(), key.verification_method.clone().into());
                map.insert("alg".into(), "EdDSA".into());
            }
            println!("{}", serde_json::to_string_pretty(&jwk)?);
        }
        KeyFormat::Pem => print!("{}", key.public_pem()?),
        KeyFormat::Base58 => println!("{}", key.public_base58()),
        KeyFormat::TrustListEntry => {
            let programme = issuer.programme();
            let keys: Vec<serde_json::Value> = issuer
                .keyring()
                .listing(now)
                .into_iter()
                .map(|k| {
                    serde_json::json!({
                        "id": k.id,
                        "algorithm": k.algorithm,
                        "publicKeyJwk": k.public_key_jwk,
                        "validFrom": k.valid_from,
                        "validUntil": k.valid_until,
                        "status": match k.status {
                            issuer_api::keys::KeyStatus::Retired => "retired",
                            _ => "active",
                        },
                    })
                })
                .collect();
            let entry = serde_json::json!({
                "id": programme.did,
                "credentialIssuer": programme.programme.issuer.credential_issuer(),
                "name": programme.programme.issuer.name,
                "country": programme.programme.issuer.country,
                "keys": keys,
            });
            println!("{}", serde_json::to_string_pretty(&entry)?);
        }
    }
    Ok(())
}
