//! Logging set-up: text on a terminal (with colours), plain text or JSON
//! lines otherwise, filtered by the service's own environment variable.

use tracing_subscriber::EnvFilter;

/// Install the global subscriber. `filter_var` names the environment
/// variable holding an `EnvFilter` (e.g. `ISSUER_LOG=debug`); `default` is
/// used when it is unset or invalid. Logs go to stderr.
pub fn init_tracing(filter_var: &str, default: &str, json: bool) {
    let filter = EnvFilter::try_from_env(filter_var).unwrap_or_else(|_| EnvFilter::new(default));
    // Colours only on a terminal: log files and collectors get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
