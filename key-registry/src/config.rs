//! The configuration file (TOML, `--config`): every setting has a flag and
//! an environment variable too; flags win over the environment, which wins
//! over the file.
//!
//! ```toml
//! public_url = "https://registry.example.org"
//! cors_origins = ["https://verify.example.org"]
//!
//! [lists]
//! validity_secs = 86400        # nextUpdate - issuedAt
//! refresh_after_secs = 21600   # sign again once a version is this old
//! delta_max_age_secs = 2592000 # older `since` gets a snapshot
//! cache_max_age_secs = 60      # Cache-Control max-age of the lists
//!
//! [server]
//! request_timeout_secs = 30
//! concurrency_limit = 1024
//! rate_limit_per_second = 50   # per token
//! rate_limit_burst = 200
//! ```

use std::time::Duration;

use serde::Deserialize;

use crate::error::Error;
use crate::http::HttpSettings;
use crate::registry::Settings;

/// The file's contents.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The base URL the registry is reached at.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Verifier origins allowed to read the lists (CORS).
    #[serde(default)]
    pub cors_origins: Vec<String>,
    /// List publishing.
    #[serde(default)]
    pub lists: ListSettings,
    /// HTTP limits.
    #[serde(default)]
    pub server: ServerSettings,
}

/// `[lists]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListSettings {
    /// `nextUpdate - issuedAt`, seconds.
    pub validity_secs: Option<u64>,
    /// Sign a list again once its version is this old, seconds.
    pub refresh_after_secs: Option<u64>,
    /// Deltas from versions at most this old, seconds.
    pub delta_max_age_secs: Option<u64>,
    /// `Cache-Control: max-age`, seconds.
    pub cache_max_age_secs: Option<u64>,
}

/// `[server]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Requests slower than this are answered 408, seconds.
    pub request_timeout_secs: Option<u64>,
    /// Requests in flight at once.
    pub concurrency_limit: Option<usize>,
    /// Sustained requests per second per token.
    pub rate_limit_per_second: Option<u32>,
    /// Burst per token.
    pub rate_limit_burst: Option<u32>,
}

impl ConfigFile {
    /// Parse a file's text.
    pub fn parse(text: &str) -> Result<Self, Error> {
        toml::from_str(text).map_err(|e| Error::Config(e.to_string()))
    }

    /// Apply the file's settings over defaults.
    pub fn apply(&self, settings: &mut Settings, http: &mut HttpSettings) -> Result<(), Error> {
        let secs = Duration::from_secs;
        if let Some(v) = self.lists.validity_secs {
            settings.list_validity = secs(v);
        }
        if let Some(v) = self.lists.refresh_after_secs {
            settings.refresh_after = secs(v);
        }
        if let Some(v) = self.lists.delta_max_age_secs {
            settings.delta_max_age = secs(v);
        }
        if let Some(v) = self.lists.cache_max_age_secs {
            http.cache_max_age = secs(v);
        }
        if let Some(v) = self.server.request_timeout_secs {
            http.request_timeout = secs(v);
        }
        if let Some(v) = self.server.concurrency_limit {
            http.concurrency_limit = v;
        }
        if let Some(v) = self.server.rate_limit_per_second {
            http.rate_limit_per_second = v;
        }
        if let Some(v) = self.server.rate_limit_burst {
            http.rate_limit_burst = v;
        }
        if settings.refresh_after >= settings.list_validity {
            return Err(Error::Config(
                "lists.refresh_after_secs must be below lists.validity_secs, or lists go stale"
                    .into(),
            ));
        }
        http.cors_origins.extend(self.cors_origins.iter().cloned());
        for origin in &http.cors_origins {
            check_origin(origin)?;
        }
        Ok(())
    }
}

/// An origin: `scheme://host[:port]`, nothing after.
pub fn check_origin(origin: &str) -> Result<(), Error> {
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| {
            Error::Config(format!("CORS origin {origin:?} must start with http(s)://"))
        })?;
    if rest.is_empty() || rest.contains('/') || rest.contains(char::is_whitespace) {
        return Err(Error::Config(format!(
            "CORS origin {origin:?} must be scheme://host[:port] (no path)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_apply_and_are_checked() {
        let file = ConfigFile::parse(
            "public_url = \"https://r.example\"\ncors_origins = [\"https://v.example\"]\n\
             [lists]\nvalidity_secs = 7200\nrefresh_after_secs = 600\n",
        )
        .unwrap();
        let (mut settings, mut http) = (Settings::new("http://x"), HttpSettings::default());
        file.apply(&mut settings, &mut http).unwrap();
        assert_eq!(settings.list_validity, Duration::from_secs(7200));
        assert_eq!(http.cors_origins, ["https://v.example"]);
        assert!(ConfigFile::parse("unknown = 1").is_err());
        let bad =
            ConfigFile::parse("[lists]\nvalidity_secs = 60\nrefresh_after_secs = 60\n").unwrap();
        assert!(
            bad.apply(&mut Settings::new("http://x"), &mut HttpSettings::default())
                .is_err()
        );
        assert!(check_origin("https://v.example:8443").is_ok());
        assert!(check_origin("https://v.example/app").is_err());
        assert!(check_origin("v.example").is_err());
    }
}
