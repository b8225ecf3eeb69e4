//! The machine a run measured on, and the code it measured.

use std::process::Command;

use crate::root;

#[derive(Debug)]
pub struct Machine {
    /// UTC, when the run started.
    pub date: String,
    /// `git rev-parse HEAD`, and whether the work tree had changes.
    pub commit: String,
    pub dirty: bool,
    pub cpu: String,
    pub cores: usize,
    pub ram: String,
    pub os: String,
    pub rustc: String,
    pub node: String,
    pub chromium: String,
    /// The load averages when the run started (other work on the machine).
    pub load_before: String,
}

impl Machine {
    pub fn collect() -> Self {
        let git = |args: &[&str]| output(Command::new("git").args(args).current_dir(root()));
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let ram = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|l| l.split_whitespace().next()?.parse::<u64>().ok())
            .map(|kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0))
            .unwrap_or_else(|| "unknown".into());
        let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        let distro = release
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|l| l.trim_matches('"').to_owned())
            .unwrap_or_else(|| "unknown".into());
        let kernel = output(Command::new("uname").args(["-sr"]));
        Self {
            date: output(Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"])),
            commit: git(&["rev-parse", "HEAD"]),
            dirty: !git(&["status", "--porcelain", "--untracked-files=no"]).is_empty(),
            cpu,
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            ram,
            os: format!("{distro}, {kernel}"),
            rustc: output(Command::new("rustc").arg("--version").current_dir(root())),
            node: output(Command::new("node").arg("--version")),
            chromium: output(Command::new(chromium()).arg("--version")),
            load_before: load_average(),
        }
    }
}

/// Chromium as the browser benchmarks start it.
fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// The 1, 5 and 15 minute load averages (Linux).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".into())
}

/// A command's first line of output, or why there is none.
fn output(cmd: &mut Command) -> String {
    match cmd.output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned(),
        Ok(out) => format!("unknown ({})", out.status),
        Err(e) => format!("unknown ({e})"),
    }
}
