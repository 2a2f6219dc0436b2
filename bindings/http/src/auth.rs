//! Who may do what: bearer tokens read from a TOML file, each naming a caller and its roles.
//!
//! ```toml
//! [[tokens]]
//! token = "a-long-random-secret-for-the-shop"   # or sha256 = "<hex digest of the token>"
//! caller = "shop-frontend"
//! roles = ["evaluator"]
//!
//! [[tokens]]
//! token = "ana-s-own-long-random-secret"
//! caller = "ana"
//! roles = ["operator"]
//! person = { id = "ana", roles = ["sales", "sales_manager"] }
//! ```
//!
//! Roles: `admin` (everything), `author` (publishes versions), `evaluator` (evaluates),
//! `auditor` (reads the audit log and the instances), `operator` (starts, updates and moves
//! workflow instances, decides approval steps, reads instances and the inbox), `dispatcher`
//! (reads the outbox). A token's `person` is who acts on instances: the id the history and
//! the approvals record, and the workflow roles the rules check (`by sales`). Without one the
//! caller acts under its own name with no workflow role. Every known caller may read the list of rulesets and their
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
    /// Reads the audit log, and instances with their history.
    Auditor,
    /// Runs workflow instances: start, update, apply, grant, reject, read, inbox.
    Operator,
    /// Reads the outbox of actions.
    Dispatcher,
}

impl Role {
    fn bit(self) -> u8 {
        match self {
            Role::Admin => 1,
            Role::Author => 2,
            Role::Evaluator => 4,
            Role::Auditor => 8,
            Role::Operator => 16,
            Role::Dispatcher => 32,
        }
    }

    /// The role as written in the tokens file.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Author => "author",
            Role::Evaluator => "evaluator",
            Role::Auditor => "auditor",
            Role::Operator => "operator",
            Role::Dispatcher => "dispatcher",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who acts on workflow instances: a person's id and their workflow roles.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// The id the history and the approvals record (`ana`).
    pub id: String,
    /// The roles the ruleset's workflows and approval steps name (`sales`, `finance`).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// An authenticated caller: its name (recorded in the audit log), roles, and the person it
/// acts as on instances.
#[derive(Debug, Clone)]
pub struct Caller {
    name: Arc<str>,
    roles: u8,
    person: Option<Arc<Person>>,
    /// An open server's caller names the person it acts as in the request.
    names_its_actor: bool,
    /// The rulesets the token is limited to; none: every ruleset.
    rulesets: Option<Arc<[String]>>,
}

impl Caller {
    /// The caller of an open server (no tokens file): every role.
    pub fn anonymous() -> Caller {
        Caller {
            name: Arc::from("anonymous"),
            roles: Role::Admin.bit(),
            person: None,
            names_its_actor: true,
            rulesets: None,
        }
    }

    /// Whether the caller may work with ruleset `name` (its token's `rulesets`, when it has
    /// them, name it).
    pub fn may_use(&self, name: &str) -> bool {
        self.rulesets
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == name))
    }

    /// Whether the caller's token is limited to some rulesets (lists hold only theirs).
    pub fn is_limited(&self) -> bool {
        self.rulesets.is_some()
    }

    /// The rulesets the caller's token is limited to; `None`: every ruleset.
    pub fn rulesets(&self) -> Option<&[String]> {
        self.rulesets.as_deref()
    }

    /// The person the token names, if it names one (an open server's caller and a token
    /// without `person` name none).
    pub fn bound_person(&self) -> Option<&Person> {
        if self.names_its_actor {
            None
        } else {
            self.person.as_deref()
        }
    }

    /// `Ok` when the caller may work with ruleset `name`, else a `forbidden` error.
    pub fn require_ruleset(&self, name: &str) -> Result<(), ApiError> {
        if self.may_use(name) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "the token of `{}` is limited to other rulesets than `{name}`",
                self.name
            )))
        }
    }

    /// Refuses (`403`) a person a request names that is not the one its token acts as: another
    /// `id`, or a role the token's person does not have. On an open server every caller names
    /// its own person.
    pub fn check_actor(&self, id: &str, roles: &[String]) -> Result<(), ApiError> {
        if self.names_its_actor {
            return Ok(());
        }
        let person = self.person();
        if person.id != id {
            return Err(ApiError::forbidden(format!(
                "the token of `{}` acts as `{}`; the request names `{id}`",
                self.name, person.id
            )));
        }
        if let Some(role) = roles.iter().find(|role| !person.roles.contains(role)) {
            return Err(ApiError::forbidden(format!(
                "`{}` does not have the role `{role}` the request names",
                person.id
            )));
        }
        Ok(())
    }

    /// The person the caller acts as: its token's `person`, else its own name without
    /// workflow roles.
    pub fn person(&self) -> Person {
        self.person.as_deref().cloned().unwrap_or_else(|| Person {
            id: self.name.to_string(),
            roles: Vec::new(),
        })
    }

    /// Whether the caller may name the person it acts as in a request (only on an open
    /// server, whose callers are all trusted local programs).
    pub fn names_its_actor(&self) -> bool {
        self.names_its_actor
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
    person: Option<Person>,
    /// The rulesets the token may publish, evaluate, read and run instances of.
    rulesets: Option<Vec<String>>,
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

    /// How many tokens are known (0 for an open server).
    pub fn token_count(&self) -> usize {
        self.tokens.as_ref().map_or(0, HashMap::len)
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
            if let Some(person) = &entry.person
                && person.id.trim().is_empty()
            {
                return Err(TokensError::Invalid(format!(
                    "the `person` of `{caller}` has an empty `id`"
                )));
            }
            let known = Caller {
                name: Arc::from(caller),
                roles,
                person: entry.person.map(Arc::new),
                names_its_actor: false,
                rulesets: entry.rulesets.map(Arc::from),
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
        assert_eq!(audit.person().id, "audit");
        assert!(audit.person().roles.is_empty());
        assert!(!audit.names_its_actor());
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
    fn a_token_acts_as_its_person() {
        let access = Access::parse(
            r#"
            [[tokens]]
            token = "ana-secret-0123456789abcdef"
            caller = "ana-laptop"
            roles = ["operator"]
            person = { id = "ana", roles = ["sales", "sales_manager"] }
            "#,
        )
        .unwrap();
        let ana = access
            .authenticate(&headers("Bearer ana-secret-0123456789abcdef"))
            .unwrap();
        assert!(ana.has(Role::Operator) && !ana.has(Role::Dispatcher));
        assert_eq!(
            ana.person(),
            Person {
                id: "ana".into(),
                roles: vec!["sales".into(), "sales_manager".into()]
            }
        );
        let empty = "[[tokens]]\ntoken = \"0123456789abcdefgh\"\ncaller = \"x\"\nroles = [\"operator\"]\nperson = { id = \" \" }\n";
        assert!(Access::parse(empty).is_err());
        assert!(Caller::anonymous().names_its_actor());
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
