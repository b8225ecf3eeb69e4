//! `key-registry`: serve the registry, print its anchor key, or manage
//! API tokens.
//!
//! Settings come from a file (`--config`), the environment and flags,
//! flags winning.

#![allow(
    clippy::print_stdout,
    reason = "a command-line program prints its results"
)]

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand, ValueEnum};
use key_registry::config::ConfigFile;
use key_registry::{Options, app, open, spawn_background};
use zeroize::Zeroizing;

#[derive(Debug, Parser)]
#[command(
    name = "key-registry",
    version,
    about = "Publish signed trust lists, revocation lists and verification rules"
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
        env = "REGISTRY_DATA_DIR",
        default_value = "./registry-data",
        global = true
    )]
    data_dir: PathBuf,
    /// Configuration file (TOML).
    #[arg(long, env = "REGISTRY_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// PostgreSQL URL (`postgres://…`); SQLite in the data directory when absent.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// File holding the base64 master key (default `<data-dir>/master.key`).
    #[arg(long, env = "REGISTRY_MASTER_KEY_FILE", global = true)]
    master_key_file: Option<PathBuf>,
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[arg(
        long,
        env = "REGISTRY_LISTEN",
        default_value = "127.0.0.1:8081",
        global = true
    )]
    listen: SocketAddr,
    /// The URL verifiers and issuers reach the registry at (status-list
    /// URLs are built on it); `http://<listen address>` when absent.
    #[arg(long, env = "REGISTRY_PUBLIC_URL", global = true)]
    public_url: Option<String>,
    /// A verifier origin allowed to read the lists (CORS), e.g.
    /// `https://verify.example.org`. Repeatable; the environment variable
    /// takes a comma-separated list.
    #[arg(
        long = "cors-origin",
        env = "REGISTRY_CORS_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    cors_origins: Vec<String>,
    /// Log as JSON lines (for log shippers) instead of text.
    #[arg(long, env = "REGISTRY_LOG_JSON", global = true)]
    log_json: bool,
    /// Print a new bootstrap token on stderr even when it is not a terminal
    /// (by default only a terminal sees it; logs get its file's path).
    #[arg(long, env = "REGISTRY_PRINT_BOOTSTRAP_TOKEN", global = true)]
    print_bootstrap_token: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the registry (the default).
    Serve,
    /// Print the active anchor's public key, for building a verifier.
    Anchor {
        /// Output format.
        #[arg(long, value_enum, default_value_t = AnchorFormat::Pem)]
        format: AnchorFormat,
    },
    /// Manage API tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum AnchorFormat {
    /// SPKI PEM (what `GET /v1/anchor` serves and `verify --anchor` reads).
    Pem,
    /// JSON Web Key.
    Jwk,
    /// Base58 of the raw key.
    Base58,
}

#[derive(Debug, Subcommand)]
enum TokensCommand {
    /// Make a token and print it (once: only its hash is stored).
    Create {
        /// `registry-admin`, or `issuer` with --issuer.
        #[arg(long, value_parser = ["registry-admin", "issuer"])]
        role: String,
        /// For issuer tokens: the issuer's slug.
        #[arg(long)]
        issuer: Option<String>,
        /// A label for people.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by id.
    Revoke {
        /// The token's id.
        id: String,
    },
}

fn options(global: &Global, public_url: String) -> anyhow::Result<Options> {
    let file = match &global.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            ConfigFile::parse(&text)?
        }
        None => ConfigFile::default(),
    };
    let public_url = global
        .public_url
        .clone()
        .or_else(|| file.public_url.clone())
        .unwrap_or(public_url);
    let mut options = Options::new(global.data_dir.clone(), &public_url);
    options.http.cors_origins = global.cors_origins.clone();
    file.apply(&mut options.settings, &mut options.http)?;
    options.database_url = global.database_url.clone().filter(|u| !u.is_empty());
    options.master_key = std::env::var("REGISTRY_MASTER_KEY")
        .ok()
        .map(Zeroizing::new);
    options.master_key_file = global.master_key_file.clone();
    Ok(options)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    service_core::telemetry::init_tracing(
        "REGISTRY_LOG",
        "info,sqlx=warn,tower_http=info",
        cli.global.log_json,
    );
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.global).await,
        Command::Anchor { format } => {
            let options = options(&cli.global, format!("http://{}", cli.global.listen))?;
            let service = open(options).await?;
            let key = service.state.registry.active_anchor().await?;
            match format {
                AnchorFormat::Pem => print!("{}", key.to_pem()?),
                AnchorFormat::Jwk => println!("{}", serde_json::to_string_pretty(&key.to_jwk())?),
                AnchorFormat::Base58 => println!("{}", key.to_base58()?),
            }
            Ok(())
        }
        Command::Tokens(command) => {
            let options = options(&cli.global, format!("http://{}", cli.global.listen))?;
            let service = open(options).await?;
            let registry = &service.state.registry;
            match command {
                TokensCommand::Create {
                    role,
                    issuer,
                    label,
                } => {
                    let issuer = match (role.as_str(), issuer) {
                        ("issuer", Some(slug)) => Some(slug),
                        ("issuer", None) => anyhow::bail!("an issuer token needs --issuer SLUG"),
                        (_, Some(_)) => anyhow::bail!("--issuer is for issuer tokens"),
                        (_, None) => None,
                    };
                    let token = registry
                        .create_token(issuer.as_deref(), &label, None, "cli")
                        .await?;
                    println!("{}", token.token);
                    eprintln!(
                        "token id {} ({}); store it now: only its hash is kept",
                        token.info.id, token.info.role
                    );
                }
                TokensCommand::List => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&registry.tokens().await?)?
                    );
                }
                TokensCommand::Revoke { id } => {
                    registry.revoke_token(&id, "cli").await?;
                    eprintln!("token {id} revoked");
                }
            }
            Ok(())
        }
    }
}

async fn serve(global: &Global) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(global.listen)
        .await
        .with_context(|| format!("binding {}", global.listen))?;
    let bound = listener.local_addr()?;
    let service = open(options(global, format!("http://{bound}"))?).await?;
    let registry = service.state.registry.clone();
    tracing::info!(
        backend = registry.store.backend(),
        public_url = %registry.settings.public_url,
        "registry ready"
    );
    if let Some(token) = &service.bootstrap_token {
        service_core::tokens::announce_bootstrap_token(
            &global
                .data_dir
                .join(service_core::tokens::BOOTSTRAP_TOKEN_FILE),
            token,
            global.print_bootstrap_token,
            service_core::tokens::BOOTSTRAP_TOKEN_TTL_MS,
        );
    }
    // Scripts read this line to find the port when listening on :0.
    println!("listening on http://{bound}");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let tasks = spawn_background(&service, stop_rx);
    let router = app(service.state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, router)
        .with_graceful_shutdown(service_core::shutdown::shutdown_signal())
        .await?;
    tracing::info!("shutting down");
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    registry.store.close().await;
    Ok(())
}
