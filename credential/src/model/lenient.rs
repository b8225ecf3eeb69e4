//! A value that real certificates carry as either a JSON string or a number.

use serde::{Deserialize, Serialize};

/// A field DIVOC certificates carry sometimes as a string, sometimes as a
/// number (`postalCode`, `age`, `dose`, `totalDoses`). The original form is
/// kept, because it is part of what was signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Lenient {
    /// A JSON number, e.g. `2` or `400050`.
    Number(serde_json::Number),
    /// A JSON string, e.g. `"2"`, `"400050"` or `""`.
    Text(String),
}

impl Lenient {
    /// The value as text, as a person would read it (`2`, `400050`, or empty).
    pub fn as_text(&self) -> String {
        match self {
            Self::Number(n) => n.to_string(),
            Self::Text(s) => s.clone(),
        }
    }

    /// The value as a non-negative integer, if it is one (`2` or `"2"`).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Self::Number(n) => n.as_u64(),
            Self::Text(s) => s.trim().parse().ok(),
        }
    }

    /// True for `""` (DIVOC writes empty strings for absent values).
    pub fn is_empty(&self) -> bool {
        matches!(self, Self::Text(s) if s.is_empty())
    }
}

impl Default for Lenient {
    fn default() -> Self {
        Self::Text(String::new())
    }
}

impl From<u32> for Lenient {
    fn from(n: u32) -> Self {
        Self::Number(n.into())
    }
}

impl From<String> for Lenient {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<&str> for Lenient {
    fn from(s: &str) -> Self {
        Self::Text(s.to_owned())
    }
}
