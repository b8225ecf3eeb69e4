//! A server as a child process: started on an address (`:0` picks a port,
//! read back from the server's `listening on http://…` line), its output
//! in a log file, stopped with SIGTERM (then SIGKILL if it hangs), killed
//! with SIGKILL, restarted on the same address.
//!
//! Children never outlive the process that started them:
//!
//! - each runs in its own process group, so a Ctrl-C in the terminal
//!   reaches only the parent, which stops them in order and waits;
//! - dropped, a child is killed (`kill_on_drop`);
//! - started through a [`Launcher`] (`cargo xtask run` re-runs itself as
//!   one), the child asks the kernel for SIGTERM when its parent dies
//!   (`PR_SET_PDEATHSIG`) before it `exec`s the server, which covers a
//!   parent killed with SIGKILL. Setting it in the launcher, on itself,
//!   needs no `unsafe` `pre_exec` hook.

use std::ffi::OsString;
use std::io::Write as _;
use std::net::SocketAddr;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use tokio::io::AsyncBufReadExt as _;
use tokio::process::{Child, Command};

/// How long a server may take to print its `listening on` line (a first
/// start creates its database and keys).
const START_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a server may take to stop after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// A program that starts a child for us: it runs as
/// `<program> <args…> <parent pid> <server> <server args…>`, arranges to
/// receive SIGTERM when the parent dies, and `exec`s the server
/// (see [`exec_child`]).
#[derive(Debug, Clone)]
pub struct Launcher {
    /// The launcher executable (`cargo xtask run`: xtask itself).
    pub program: PathBuf,
    /// Its leading arguments (xtask: a hidden subcommand).
    pub args: Vec<OsString>,
}

/// The launcher's side: `args` = `<parent pid> <server> <server args…>`.
/// Sets the parent-death signal to SIGTERM, gives up if the parent is
/// already gone, and replaces this process with the server. Returns only
/// on failure.
pub fn exec_child(args: &[OsString]) -> anyhow::Error {
    use std::os::unix::process::CommandExt as _;
    let [parent, program, rest @ ..] = args else {
        return anyhow!("usage: <parent pid> <program> [args…]");
    };
    let Some(parent) = parent.to_str().and_then(|p| p.parse::<u32>().ok()) else {
        return anyhow!("not a process id: {parent:?}");
    };
    #[cfg(target_os = "linux")]
    if let Err(e) =
        rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::TERM))
    {
        return anyhow!("PR_SET_PDEATHSIG: {e}");
    }
    // The parent may have died between fork and prctl: then no signal
    // would ever come.
    if std::os::unix::process::parent_id() != parent {
        return anyhow!("the parent process {parent} is gone");
    }
    let error = std::process::Command::new(program).args(rest).exec();
    anyhow!("exec {}: {error}", Path::new(program).display())
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Spec {
    /// For messages (`key-registry`, `issuer-api`).
    pub name: String,
    /// The server executable.
    pub program: PathBuf,
    /// Its arguments but `--listen`.
    pub args: Vec<OsString>,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Its log file (stdout and stderr, appended).
    pub log: PathBuf,
}

/// A running (or stopped) server.
#[derive(Debug)]
pub struct Service {
    spec: Spec,
    launcher: Option<Launcher>,
    child: Option<Child>,
    /// The address it listens on (the port chosen on first start).
    pub addr: SocketAddr,
    /// `http://<addr>`.
    pub url: String,
}

impl Service {
    /// Start `spec` listening on `listen` and wait for its `listening on`
    /// line.
    pub async fn start(spec: Spec, listen: &str, launcher: Option<Launcher>) -> Result<Self> {
        let (child, addr) = spawn(&spec, listen, launcher.as_ref()).await?;
        Ok(Self {
            url: format!("http://{addr}"),
            spec,
            launcher,
            child: Some(child),
            addr,
        })
    }

    /// Its process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    /// Its log file.
    pub fn log(&self) -> &Path {
        &self.spec.log
    }

    /// Start it again on the same address (after [`Self::stop`] or
    /// [`Self::kill`]).
    pub async fn restart(&mut self) -> Result<()> {
        if self.child.is_some() {
            bail!("{} is still running", self.spec.name);
        }
        let (child, addr) =
            spawn(&self.spec, &self.addr.to_string(), self.launcher.as_ref()).await?;
        self.child = Some(child);
        self.addr = addr;
        Ok(())
    }

    /// SIGTERM, and wait for it to exit (SIGKILL after 20 s).
    pub async fn stop(&mut self) -> Result<Option<ExitStatus>> {
        let Some(mut child) = self.child.take() else {
            return Ok(None);
        };
        if let Some(pid) = child
            .id()
            .and_then(|p| rustix::process::Pid::from_raw(p as i32))
        {
            // Already gone (ESRCH) is fine: wait() collects it.
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        match tokio::time::timeout(STOP_TIMEOUT, child.wait()).await {
            Ok(status) => Ok(Some(status?)),
            Err(_) => {
                child.kill().await?;
                bail!(
                    "{} did not stop within {STOP_TIMEOUT:?} of SIGTERM: killed",
                    self.spec.name
                )
            }
        }
    }

    /// SIGKILL (as a crash or an OOM killer would), and collect it.
    pub async fn kill(&mut self) -> Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill().await?;
        }
        Ok(())
    }

    /// Wait until it exits by itself; pending for ever when not running.
    pub async fn exited(&mut self) -> Result<ExitStatus> {
        match &mut self.child {
            Some(child) => Ok(child.wait().await?),
            None => std::future::pending().await,
        }
    }
}

async fn spawn(
    spec: &Spec,
    listen: &str,
    launcher: Option<&Launcher>,
) -> Result<(Child, SocketAddr)> {
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&spec.log)
        .with_context(|| format!("open {}", spec.log.display()))?;
    let _ = writeln!(
        log,
        "--- {} starting at {} on {listen}",
        spec.name,
        jiff::Timestamp::now()
    );
    let mut args: Vec<OsString> = spec.args.clone();
    args.push("--listen".into());
    args.push(listen.into());
    let mut cmd = match launcher {
        Some(l) => {
            let mut cmd = Command::new(&l.program);
            cmd.args(&l.args)
                .arg(std::process::id().to_string())
                .arg(&spec.program)
                .args(&args);
            cmd
        }
        None => {
            let mut cmd = Command::new(&spec.program);
            cmd.args(&args);
            cmd
        }
    };
    cmd.envs(spec.env.iter().map(|(k, v)| (k, v)))
        .process_group(0)
        .kill_on_drop(true)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log.try_clone()?));
    let mut child = cmd
        .spawn()
        .with_context(|| format!("start {}", spec.program.display()))?;
    let stdout = child.stdout.take().context("no stdout pipe")?;
    let (found, mut address) = tokio::sync::oneshot::channel::<String>();
    // Copy stdout to the log, handing the `listening on` line over.
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let mut found = Some(found);
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = writeln!(log, "{line}");
            if let Some(url) = line.strip_prefix("listening on ")
                && let Some(tx) = found.take()
            {
                let _ = tx.send(url.trim().to_owned());
            }
        }
    });
    let url = tokio::select! {
        url = &mut address => url.ok(),
        status = child.wait() => {
            bail!("{} exited on start ({}); its log: {}\n{}",
                spec.name, status?, spec.log.display(), tail(&spec.log));
        }
        () = tokio::time::sleep(START_TIMEOUT) => None,
    };
    let Some(url) = url else {
        let _ = child.kill().await;
        bail!(
            "{} did not say where it listens within {START_TIMEOUT:?}; its log: {}\n{}",
            spec.name,
            spec.log.display(),
            tail(&spec.log)
        );
    };
    let addr: SocketAddr = url
        .strip_prefix("http://")
        .unwrap_or(&url)
        .parse()
        .with_context(|| format!("{}: listening on {url:?}", spec.name))?;
    Ok((child, addr))
}

/// The last lines of a log, for an error message.
fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines
        .get(lines.len().saturating_sub(15)..)
        .unwrap_or_default()
        .join("\n")
}
