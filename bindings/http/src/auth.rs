//! Who may do what: bearer tokens read from a TOML file, each naming a caller and its roles.
//!
//! ```toml
//! [[tokens]]
//! token = "a-long-random-secret-for-the-shop"   # or sha256 = "<hex digest of the token>"
//! caller = "shop-frontend"
//! roles = ["evaluator"]
//! ```
//!
//! Roles: `admin` (everything), `author` (publishes versions), `evaluator` (evaluates),
//! `auditor` (reads the audit log). Every known caller may read the list of rulesets and their
//! versions. Without a tokens file the server is open (every request is the caller
//! `anonymous` with every role) and refuses to listen on anything but a loopback address.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use axum::http::{HeaderMap, header};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The shortest plain token accepted: shorter ones are guessable.
const MIN_TOKEN_LEN: usize = 16;

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything.
    Admin,
    /// Publishes ruleset versions.
    Author,
    /// Evaluates (evaluate, configure, transitions, apply, fire_timer).
    Evaluator,
    /// Reads the audit log.
    Auditor,
}

impl Role {
    fn bit(self) -> u8 {
        match self {
            Role::Admin => 1,
            Role::Author => 2,
            Role::Evaluator => 4,
            Role::Auditor => 8,
        }
    }

    /// The role as written in the tokens file.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Author => "author",
            Role::Evaluator => "evaluator",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated caller: its name (recorded in the audit log) and roles.
#[derive(Debug, Clone)]
pub struct Caller {
    name: Arc<str>,
    roles: u8,
}

impl Caller {
    /// The caller of an open server (no tokens file): every role.
    pub fn anonymous() -> Caller {
        Caller {
            name: Arc::from("anonymous"),
            roles: Role::Admin.bit(),
        }
    }

    /// The caller's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the caller has `role` (`admin` has every role).
    pub fn has(&self, role: Role) -> bool {
        self.roles & (role.bit() | Role::Admin.bit()) != 0
    }

    /// `Ok` when the caller has `role`, else a `forbidden` error naming it.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.has(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "`{}` does not have the `{role}` role this request needs",
                self.name
            )))
        }
    }
}

/// A problem with the tokens file; the server does not start.
#[derive(Debug, thiserror::Error)]
pub enum TokensError {
    /// The file could not be read.
    #[error("cannot read the tokens file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// The file is not TOML of the expected shape.
    #[error("the tokens file is not valid: {0}")]
    Parse(#[from] toml::de::Error),
    /// An entry is not acceptable (empty or short token, duplicate, no role...).
    #[error("the tokens file is not valid: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    #[serde(default)]
    tokens: Vec<TokenEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenEntry {
    token: Option<String>,
    sha256: Option<String>,
    caller: String,
    roles: Vec<Role>,
}

/// The access policy: open, or a table of known tokens.
#[derive(Debug, Clone)]
pub struct Access {
    /// By SHA-256 digest of the token, so a lookup never compares secrets byte by byte.
    tokens: Option<HashMap<[u8; 32], Caller>>,
}

impl Access {
    /// No tokens: every request is `anonymous` with every role.
    pub fn open() -> Access {
        Access { tokens: None }
    }

    /// Whether the server runs without tokens.
    pub fn is_open(&self) -> bool {
        self.tokens.is_none()
    }

    /// Reads a tokens file.
    pub fn from_file(path: &Path) -> Result<Access, TokensError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokensError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Access::parse(&text)
    }

    /// Reads the text of a tokens file.
    pub fn parse(text: &str) -> Result<Access, TokensError> {
        let file: TokensFile = toml::from_str(text)?;
        if file.tokens.is_empty() {
            return Err(TokensError::Invalid(
                "it declares no `[[tokens]]`; nobody could call the server".into(),
            ));
        }
        let mut tokens = HashMap::new();
        for entry in file.tokens {
            let caller = entry.caller.trim();
            if caller.is_empty() {
                return Err(TokensError::Invalid("a token has an empty `caller`".into()));
            }
            if entry.roles.is_empty() {
                return Err(TokensError::Invalid(format!(
                    "the token of `{caller}` has no roles"
                )));
            }
            let digest = match (&entry.token, &entry.sha256) {
                (Some(token), None) => {
                    if token.len() < MIN_TOKEN_LEN {
                        return Err(TokensError::Invalid(format!(
                            "the token of `{caller}` is shorter than {MIN_TOKEN_LEN} characters"
                        )));
                    }
                    digest_of(token)
                }
                (None, Some(hex)) => parse_digest(hex).ok_or_else(|| {
                    TokensError::Invalid(format!(
                        "the `sha256` of `{caller}` is not 64 hexadecimal digits"
                    ))
                })?,
                _ => {
                    return Err(TokensError::Invalid(format!(
                        "the entry of `{caller}` needs exactly one of `token` and `sha256`"
                    )));
                }
            };
            let roles = entry.roles.iter().fold(0, |bits, role| bits | role.bit());
            let known = Caller {
                name: Arc::from(caller),
                roles,
            };
            if tokens.insert(digest, known).is_some() {
                return Err(TokensError::Invalid(format!(
                    "the token of `{caller}` is listed twice"
                )));
            }
        }
        Ok(Access {
            tokens: Some(tokens),
        })
    }

    /// The caller a request's `Authorization: Bearer` header names.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let Some(tokens) = &self.tokens else {
            return Ok(Caller::anonymous());
        };
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthorized(
                "this request needs an `Authorization: Bearer <token>` header",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::unauthorized("the `Authorization` header must be `Bearer <token>`")
            })?;
        tokens
            .get(&digest_of(token))
            .cloned()
            .ok_or_else(|| ApiError::unauthorized("the token is not known"))
    }
}

fn digest_of(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn parse_digest(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = hex.get(i * 2..i * 2 + 2)?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

/// Lower-case hex of a SHA-256 digest of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for byte in digest {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn tokens_and_digests_name_callers() {
        let digest = sha256_hex(b"auditor-secret-0123456789");
        let access = Access::parse(&format!(
            r#"
            [[tokens]]
            token = "publisher-secret-0123456789"
            caller = "ci"
            roles = ["author"]

            [[tokens]]
            sha256 = "{digest}"
            caller = "audit"
            roles = ["auditor", "evaluator"]
            "#
        ))
        .unwrap();
        let ci = access
            .authenticate(&headers("Bearer publisher-secret-0123456789"))
            .unwrap();
        assert_eq!(ci.name(), "ci");
        assert!(ci.has(Role::Author));
        assert!(!ci.has(Role::Evaluator));
        let audit = access
            .authenticate(&headers("Bearer auditor-secret-0123456789"))
            .unwrap();
        assert!(audit.has(Role::Auditor) && audit.has(Role::Evaluator));
        assert!(!audit.has(Role::Admin));
        let refused = access.authenticate(&headers("Bearer nope")).unwrap_err();
        assert_eq!(refused.kind(), "unauthorized");
        let missing = access.authenticate(&HeaderMap::new()).unwrap_err();
        assert_eq!(missing.status().as_u16(), 401);
        assert_eq!(
            ci.require(Role::Auditor).unwrap_err().status().as_u16(),
            403
        );
    }

    #[test]
    fn bad_files_are_refused() {
        let short = "[[tokens]]\ntoken = \"short\"\ncaller = \"x\"\nroles = [\"admin\"]\n";
        assert!(Access::parse(short).is_err());
        let unknown_role =
            "[[tokens]]\ntoken = \"0123456789abcdefgh\"\ncaller = \"x\"\nroles = [\"root\"]\n";
        assert!(Access::parse(unknown_role).is_err());
        let both = format!(
            "[[tokens]]\ntoken = \"0123456789abcdefgh\"\nsha256 = \"{}\"\ncaller = \"x\"\nroles = [\"admin\"]\n",
            "0".repeat(64)
        );
        assert!(Access::parse(&both).is_err());
        let twice = "[[tokens]]\ntoken = \"0123456789abcdefgh\"\ncaller = \"x\"\nroles = [\"admin\"]\n\
                     [[tokens]]\ntoken = \"0123456789abcdefgh\"\ncaller = \"y\"\nroles = [\"admin\"]\n";
        assert!(Access::parse(twice).is_err());
        assert!(Access::parse("").is_err());
        assert!(Access::parse("[[tokens]]\ncaller = \"x\"\nroles = [\"admin\"]\n").is_err());
    }
}
