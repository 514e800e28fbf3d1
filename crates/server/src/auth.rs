//! Kismet-compatible authentication, with Kismet's holes closed (alerts-spec §6.4).
//!
//! This module is independent of the HTTP framework: the caller hands over the raw `Cookie` and
//! `Authorization` header values and the decoded query variables as plain strings
//! ([`Credentials`]) and gets back a [`Login`]. Route checks are done with [`allows`].
//!
//! What matches Kismet:
//!
//! * the credential resolution order (token from the `KISMET` cookie, or from the `KISMET` URI
//!   variable when there is no `Cookie` header; then HTTP Basic auth; then the `user`/`password`
//!   URI variables when there is no `Authorization` header);
//! * a successful password login creates a session token returned as the `KISMET` cookie;
//! * tokens are 16 random bytes written as 32 upper-case hex characters;
//! * the API key endpoints' rules (`web logon` is reserved, duplicate names are refused, creation
//!   can be disabled, HTTP 500 for their errors) and `/session/set_password`'s rules.
//!
//! What is deliberately different (the holes closed):
//!
//! * the admin password is stored only as an argon2id PHC hash; when none is configured a random
//!   one is generated instead of leaving the server open to whoever sets it first;
//! * session tokens and API keys are stored only as SHA-256 hashes (sessions in memory, API keys in
//!   `apikeys.json`), compared in constant time;
//! * sessions and API keys expire, and expiry is checked on every use (Kismet never checks JWT
//!   expiry, ignores the API key `duration`, and inverts the validity test of stored keys);
//! * an invalid token is never echoed back in a `Set-Cookie`;
//! * unauthenticated routes accept every caller (Kismet rejects callers logged in with a
//!   non-admin role there);
//! * changing the admin password ends every session;
//! * password guessing can be throttled per client address ([`Auth::note_failure`],
//!   [`Auth::is_blocked`], [`Auth::authenticate_client`]).
//!
//! JWT session tokens (which Kismet also accepts) are not supported: sessions are opaque tokens
//! of Kismet's API key shape, and like Kismet's default JWTs they do not survive a restart.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Name of the authentication cookie and of the URI variable that can carry a token.
pub const AUTH_COOKIE: &str = "KISMET";

/// Name Kismet gives to sessions created by a password login; reserved for API keys.
pub const WEB_LOGON: &str = "web logon";

/// Username of the generated admin login.
pub const DEFAULT_ADMIN_USER: &str = "kismet";

/// File (inside the auth directory) holding the admin login.
pub const ADMIN_FILE: &str = "admin.json";

/// File (inside the auth directory) holding the API keys.
pub const APIKEY_FILE: &str = "apikeys.json";

/// Failed password logins allowed from one client within [`FAILURE_WINDOW`] before it is blocked.
pub const FAILURE_LIMIT: u32 = 10;

/// Window over which failed password logins are counted.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(60);

/// How long a client that reached [`FAILURE_LIMIT`] is refused password logins.
pub const BLOCK_TIME: Duration = Duration::from_secs(60);

/// Length of a generated admin password.
const GENERATED_PASSWORD_LEN: usize = 20;
/// Most live sessions kept; beyond that the least recently used one is dropped.
const MAX_SESSIONS: usize = 4096;
/// Most client addresses tracked by the failed-login limiter.
const MAX_TRACKED_CLIENTS: usize = 4096;
/// Most `KISMET` cookies of one request that are tried.
const MAX_COOKIE_CANDIDATES: usize = 8;
/// Tokens longer than this are rejected without hashing.
const MAX_TOKEN_LEN: usize = 256;
/// `Authorization` headers longer than this are ignored.
const MAX_AUTHORIZATION_LEN: usize = 8192;
/// Longest accepted API key name (characters).
const MAX_NAME_LEN: usize = 128;
/// Longest accepted custom role name (bytes).
const MAX_ROLE_LEN: usize = 64;
/// Longest accepted admin username (characters).
const MAX_USERNAME_LEN: usize = 256;
/// Longest accepted password (bytes); argon2 itself accepts far more, but nothing needs it.
const MAX_PASSWORD_LEN: usize = 4096;
/// Sanity bounds for argon2 parameters read back from `admin.json`.
const MAX_M_COST_KIB: u32 = 1024 * 1024;
const MAX_T_COST: u32 = 64;
const MAX_P_COST: u32 = 16;

/// A login's role (Kismet's role strings).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    /// `admin` (Kismet's `LOGON_ROLE`): reaches every route.
    Admin,
    /// `readonly` (Kismet's `RO_ROLE`): reaches read-only routes.
    Readonly,
    /// Any other role name (for example `datasource` or `scanreport`): reaches only routes open
    /// to any login.
    Custom(String),
}

impl Role {
    /// Parses a role name: `admin` and `readonly` (case-sensitive, as in Kismet) or a custom role.
    pub fn parse(s: &str) -> Role {
        match s {
            "admin" => Role::Admin,
            "readonly" => Role::Readonly,
            other => Role::Custom(other.to_string()),
        }
    }

    /// The role's name as Kismet writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Role::Admin => "admin",
            Role::Readonly => "readonly",
            Role::Custom(name) => name,
        }
    }
}

impl FromStr for Role {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Role::parse(s))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a route requires of the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteRole {
    /// Open to everyone, logged in or not (Kismet's `register_unauth_route`).
    Unauth,
    /// Any valid login, whatever its role (Kismet's `any`).
    Any,
    /// `admin` or `readonly`.
    Readonly,
    /// `admin` only.
    Admin,
}

/// Whether a caller with the given login (`None` = not logged in) may use a route.
///
/// Unlike Kismet, unauthenticated routes also accept callers logged in with a non-admin role.
/// Custom roles reach only [`RouteRole::Unauth`] and [`RouteRole::Any`] routes.
pub fn allows(login: Option<&Role>, route: &RouteRole) -> bool {
    match route {
        RouteRole::Unauth => true,
        RouteRole::Any => login.is_some(),
        RouteRole::Readonly => matches!(login, Some(Role::Admin) | Some(Role::Readonly)),
        RouteRole::Admin => matches!(login, Some(Role::Admin)),
    }
}

/// Errors of the authentication store. [`AuthError::status`] gives the HTTP status to answer.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Reading or writing a file of the auth directory failed.
    #[error("auth storage {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file of the auth directory could not be understood.
    #[error("auth storage {path} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Hashing a password failed.
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// The operating system's random number generator failed.
    #[error("random number generator failed: {0}")]
    Random(String),
    /// API key creation and deletion are disabled by configuration.
    #[error("API key creation is disabled in the configuration")]
    CreationDisabled,
    /// An API key with that name already exists.
    #[error("an API key named {0:?} already exists")]
    DuplicateName(String),
    /// The name `web logon` is reserved for password-login sessions.
    #[error("the name \"web logon\" is reserved")]
    ReservedName,
    /// No API key has that name.
    #[error("no API key named {0:?}")]
    UnknownKey(String),
    /// An API key name or role is not acceptable.
    #[error("invalid API key: {0}")]
    InvalidKey(String),
    /// The admin login comes from the global configuration and cannot be changed here.
    #[error(
        "the login is configured in the global configuration and may not be changed via this API"
    )]
    GlobalLogin,
    /// A login exists and the caller is not logged in as admin.
    #[error("a login is already configured; the existing admin login is required to change it")]
    PasswordAlreadySet,
    /// The username or password is missing or empty.
    #[error("missing username or password")]
    MissingCredentials,
    /// The username or password is not acceptable.
    #[error("invalid username or password: {0}")]
    InvalidCredentials(String),
}

impl AuthError {
    /// The HTTP status code for this error, following Kismet where Kismet has one: API key
    /// errors are 500 (Kismet's endpoints throw), `/session/set_password` refusals are 403 and
    /// missing variables 400. Input that Kismet does not validate at all is 400.
    pub fn status(&self) -> u16 {
        match self {
            AuthError::Io { .. }
            | AuthError::Corrupt { .. }
            | AuthError::Hash(_)
            | AuthError::Random(_)
            | AuthError::CreationDisabled
            | AuthError::DuplicateName(_)
            | AuthError::ReservedName
            | AuthError::UnknownKey(_) => 500,
            AuthError::InvalidKey(_)
            | AuthError::MissingCredentials
            | AuthError::InvalidCredentials(_) => 400,
            AuthError::GlobalLogin | AuthError::PasswordAlreadySet => 403,
        }
    }
}

/// Options of the authentication store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthOptions {
    /// Lifetime of a session created by a password login (Kismet: 24 hours).
    pub session_lifetime: Duration,
    /// Whether API keys may be created and revoked (Kismet's `httpd_allow_auth_creation`).
    pub allow_apikey_creation: bool,
}

impl Default for AuthOptions {
    fn default() -> Self {
        AuthOptions {
            session_lifetime: Duration::from_secs(24 * 60 * 60),
            allow_apikey_creation: true,
        }
    }
}

/// The credentials carried by one request, as plain strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    /// The `Cookie` header's value, if the request has one (even an empty one).
    pub cookie_header: Option<String>,
    /// The `Authorization` header's value, if the request has one.
    pub authorization: Option<String>,
    /// The decoded URI (and form) variables, in order.
    pub query: Vec<(String, String)>,
}

/// The outcome of [`Auth::authenticate`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Login {
    /// The caller's role; `None` when not logged in.
    pub role: Option<Role>,
    /// The login's name: the API key's name, or the admin username for a password login or a
    /// session it created.
    pub name: Option<String>,
    /// A `Set-Cookie` header value to send with the response: set when a password login created a
    /// session, or when a valid token came in the `KISMET` URI variable. Never set for an invalid
    /// token.
    pub set_cookie: Option<String>,
    /// A username and password were presented and were wrong.
    pub password_failed: bool,
    /// A username and password were presented but not checked because the client is blocked
    /// after too many failures ([`Auth::authenticate_client`] only).
    pub throttled: bool,
}

impl Login {
    /// Whether the caller is logged in.
    pub fn is_valid(&self) -> bool {
        self.role.is_some()
    }
}

/// The `Set-Cookie` value carrying a token.
pub fn session_cookie(token: &str) -> String {
    format!("{AUTH_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict")
}

/// A listed API key (never the token: only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyInfo {
    /// The key's name.
    pub name: String,
    /// The role it grants.
    pub role: Role,
    /// Expiry in seconds since the Unix epoch; 0 = never.
    pub expires: u64,
}

impl ApiKeyInfo {
    /// The key as Kismet's `/auth/apikey/list` writes it.
    pub fn to_json(&self) -> Value {
        json!({
            "kismet.httpd.auth.name": self.name,
            "kismet.httpd.auth.role": self.role.as_str(),
            "kismet.httpd.auth.expiration": self.expires,
        })
    }
}

/// The body of Kismet's `/auth/apikey/list`: an array of [`ApiKeyInfo::to_json`].
pub fn apikeys_json(keys: &[ApiKeyInfo]) -> Value {
    Value::Array(keys.iter().map(ApiKeyInfo::to_json).collect())
}

/// Where the admin login comes from (the answer of `/session/check_setup_ok`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupStatus {
    /// Given by the global configuration (or [`Auth::in_memory`]); cannot be changed via the API.
    Global,
    /// Stored in the auth directory (generated or set via `/session/set_password`).
    User,
}

impl SetupStatus {
    /// Kismet's HTTP status: 406 for a global login, 200 for a user login.
    pub fn status(&self) -> u16 {
        match self {
            SetupStatus::Global => 406,
            SetupStatus::User => 200,
        }
    }

    /// Kismet's text/plain body.
    pub fn message(&self) -> &'static str {
        match self {
            SetupStatus::Global => "Login configured in global config\n",
            SetupStatus::User => "Login configured in user config\n",
        }
    }
}

struct AdminLogin {
    username: String,
    phc: String,
}

struct Session {
    hash: [u8; 32],
    name: String,
    /// Milliseconds since the Unix epoch: sessions may live less than a second.
    expires_ms: u64,
    /// Milliseconds since the Unix epoch.
    last_used_ms: u64,
}

struct ApiKey {
    name: String,
    role: Role,
    created: u64,
    expires: u64,
    hash: [u8; 32],
}

impl ApiKey {
    fn live(&self, now: u64) -> bool {
        self.expires == 0 || now < self.expires
    }
}

struct FailState {
    window_start: u64,
    count: u32,
    blocked_until: u64,
}

struct Inner {
    admin: AdminLogin,
    /// Bumped whenever the admin login changes; guards the verified-login cache.
    generation: u64,
    /// Keyed digest of the last username/password that passed argon2, so that clients sending
    /// Basic auth with every request do not pay (and cannot make the server pay) argon2 each time.
    verified: Option<[u8; 32]>,
    sessions: Vec<Session>,
    keys: Vec<ApiKey>,
    failures: HashMap<IpAddr, FailState>,
}

/// The authentication store: admin login, sessions, API keys and the failed-login limiter.
///
/// All methods take `&self`; the state is behind a mutex, so an `Auth` can be shared between
/// request handlers (for example in an `Arc`).
pub struct Auth {
    dir: Option<PathBuf>,
    options: AuthOptions,
    global: bool,
    /// Random per-process key for the verified-login cache digest.
    pepper: [u8; 32],
    inner: Mutex<Inner>,
    /// Serialises argon2 verifications so that concurrent password attempts cannot make the
    /// server allocate argon2's memory many times over, and never hold `inner` while hashing.
    verify_lock: Mutex<()>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("dir", &self.dir)
            .field("options", &self.options)
            .field("global", &self.global)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// Opens (creating it if needed) the auth directory `dir`.
    ///
    /// The admin login is read from `dir/admin.json`. When there is none, a random password is
    /// generated for the user `kismet`, its hash is stored, and the plaintext is returned once
    /// as the second element (the caller shows it to the operator; it is not kept anywhere).
    /// API keys are read from `dir/apikeys.json`.
    pub fn open(dir: &Path, options: AuthOptions) -> Result<(Auth, Option<String>), AuthError> {
        create_private_dir(dir)?;
        let keys = load_apikeys(&dir.join(APIKEY_FILE))?;
        let admin_path = dir.join(ADMIN_FILE);
        let (admin, generated) = match load_admin(&admin_path)? {
            Some(admin) => (admin, None),
            None => {
                let password = generate_password()?;
                let admin = AdminLogin {
                    username: DEFAULT_ADMIN_USER.to_string(),
                    phc: hash_password(&password)?,
                };
                store_admin(&admin_path, &admin)?;
                (admin, Some(password))
            }
        };
        let auth = Auth::build(Some(dir.to_path_buf()), options, false, admin, keys)?;
        Ok((auth, generated))
    }

    /// Opens the auth directory `dir` for API keys, with the admin login given by the global
    /// configuration (Kismet's `httpd_username`/`httpd_password`). `admin.json` is neither read
    /// nor written, and the login cannot be changed via [`Auth::set_password`].
    pub fn open_with_global_login(
        dir: &Path,
        options: AuthOptions,
        username: &str,
        password: &str,
    ) -> Result<Auth, AuthError> {
        validate_login(username, password)?;
        create_private_dir(dir)?;
        let keys = load_apikeys(&dir.join(APIKEY_FILE))?;
        let admin = AdminLogin {
            username: username.to_string(),
            phc: hash_password(password)?,
        };
        Auth::build(Some(dir.to_path_buf()), options, true, admin, keys)
    }

    /// A store with nothing on disk (API keys live in memory only), default options and the
    /// given admin login, treated as a global-configuration login. Meant for tests.
    pub fn in_memory(username: &str, password: &str) -> Result<Auth, AuthError> {
        validate_login(username, password)?;
        let admin = AdminLogin {
            username: username.to_string(),
            phc: hash_password(password)?,
        };
        Auth::build(None, AuthOptions::default(), true, admin, Vec::new())
    }

    fn build(
        dir: Option<PathBuf>,
        options: AuthOptions,
        global: bool,
        admin: AdminLogin,
        keys: Vec<ApiKey>,
    ) -> Result<Auth, AuthError> {
        let mut pepper = [0u8; 32];
        fill_random(&mut pepper)?;
        Ok(Auth {
            dir,
            options,
            global,
            pepper,
            inner: Mutex::new(Inner {
                admin,
                generation: 0,
                verified: None,
                sessions: Vec::new(),
                keys,
                failures: HashMap::new(),
            }),
            verify_lock: Mutex::new(()),
        })
    }

    fn state(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The options this store was opened with.
    pub fn options(&self) -> &AuthOptions {
        &self.options
    }

    /// The admin username.
    pub fn admin_username(&self) -> String {
        self.state().admin.username.clone()
    }

    /// Resolves the credentials of one request (see [`Auth::authenticate_client`]; this variant
    /// does no per-client throttling).
    pub fn authenticate(&self, req: &Credentials, now: SystemTime) -> Login {
        self.authenticate_client(req, None, now)
    }

    /// Resolves the credentials of one request, in Kismet's order:
    ///
    /// 1. a token: from the `KISMET` cookie when there is a `Cookie` header, otherwise from the
    ///    `KISMET` URI variable; it must be a live session or a live API key;
    /// 2. otherwise, an `Authorization: Basic` header with the admin username and password;
    /// 3. otherwise, only when there is no `Authorization` header, the URI variables `user` and
    ///    `password`.
    ///
    /// A password login creates a session and returns it in [`Login::set_cookie`]. When `client`
    /// is given, failed password logins are counted for it ([`Auth::note_failure`]), a blocked
    /// client's passwords are not checked ([`Login::throttled`]; tokens still work), and a
    /// successful password login clears its count.
    pub fn authenticate_client(
        &self,
        req: &Credentials,
        client: Option<IpAddr>,
        now: SystemTime,
    ) -> Login {
        let now_s = unix_secs(now);
        let now_ms = unix_millis(now);

        let (candidates, from_uri) = token_candidates(req);
        for token in candidates {
            if token.is_empty() || token.len() > MAX_TOKEN_LEN {
                continue;
            }
            let hash = sha256(token.as_bytes());
            if let Some((role, name)) = self.state().check_token(&hash, now_s, now_ms) {
                return Login {
                    role: Some(role),
                    name: Some(name),
                    set_cookie: from_uri.then(|| session_cookie(token)),
                    ..Login::default()
                };
            }
        }

        let attempt = match &req.authorization {
            Some(header) => parse_basic(header),
            None => {
                let user = query_var(&req.query, "user");
                let pass = query_var(&req.query, "password");
                match (user, pass) {
                    (Some(u), Some(p)) => Some((u.to_string(), p.to_string())),
                    _ => None,
                }
            }
        };
        let Some((user, pass)) = attempt else {
            return Login::default();
        };

        if let Some(addr) = client {
            if self.is_blocked(addr, now) {
                return Login {
                    throttled: true,
                    ..Login::default()
                };
            }
        }

        if !self.check_admin_login(&user, &pass) {
            if let Some(addr) = client {
                self.note_failure(addr, now);
            }
            return Login {
                password_failed: true,
                ..Login::default()
            };
        }

        if let Some(addr) = client {
            self.clear_failures(addr);
        }
        let set_cookie = self
            .create_session(&user, now_ms)
            .ok()
            .map(|t| session_cookie(&t));
        Login {
            role: Some(Role::Admin),
            name: Some(user),
            set_cookie,
            ..Login::default()
        }
    }

    /// Whether `username`/`password` is the admin login. The username is compared in constant
    /// time and the password with argon2; both are always checked.
    pub fn check_admin_login(&self, username: &str, password: &str) -> bool {
        if username.len() > MAX_USERNAME_LEN * 4 || password.len() > MAX_PASSWORD_LEN {
            return false;
        }
        let (admin_user, phc, generation, cached) = {
            let st = self.state();
            (
                st.admin.username.clone(),
                st.admin.phc.clone(),
                st.generation,
                st.verified,
            )
        };
        let digest = self.login_digest(generation, username, password);
        if let Some(cached) = cached {
            if bool::from(cached.ct_eq(&digest)) {
                return true;
            }
        }

        let user_ok = sha256(username.as_bytes()).ct_eq(&sha256(admin_user.as_bytes()));
        let pass_ok = {
            let _guard = self.verify_lock.lock().unwrap_or_else(|e| e.into_inner());
            verify_password(&phc, password)
        };
        let ok = bool::from(user_ok) && pass_ok;
        if ok {
            let mut st = self.state();
            if st.generation == generation {
                st.verified = Some(digest);
            }
        }
        ok
    }

    fn login_digest(&self, generation: u64, username: &str, password: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.pepper);
        h.update(generation.to_le_bytes());
        h.update((username.len() as u64).to_le_bytes());
        h.update(username.as_bytes());
        h.update(password.as_bytes());
        h.finalize().into()
    }

    /// Creates a session for a password login named `name` at `now_ms` (milliseconds since
    /// the Unix epoch) and returns its token. The session lives for
    /// [`AuthOptions::session_lifetime`] (at least a millisecond), to the millisecond.
    fn create_session(&self, name: &str, now_ms: u64) -> Result<String, AuthError> {
        let token = new_token()?;
        let lifetime = u64::try_from(self.options.session_lifetime.as_millis()).unwrap_or(u64::MAX);
        let expires_ms = now_ms.saturating_add(lifetime.max(1));
        let mut st = self.state();
        st.sessions.retain(|s| now_ms < s.expires_ms);
        if st.sessions.len() >= MAX_SESSIONS {
            if let Some(oldest) = st
                .sessions
                .iter()
                .enumerate()
                .min_by_key(|(_, s)| s.last_used_ms)
                .map(|(i, _)| i)
            {
                st.sessions.swap_remove(oldest);
            }
        }
        st.sessions.push(Session {
            hash: sha256(token.as_bytes()),
            name: name.to_string(),
            expires_ms,
            last_used_ms: now_ms,
        });
        Ok(token)
    }

    /// Ends every session (password logins must log in again). API keys are not affected.
    pub fn revoke_all_sessions(&self) {
        self.state().sessions.clear();
    }

    /// Number of live sessions at `now`.
    pub fn session_count(&self, now: SystemTime) -> usize {
        let now = unix_millis(now);
        self.state()
            .sessions
            .iter()
            .filter(|s| now < s.expires_ms)
            .count()
    }

    /// Creates an API key and returns its token (shown once; only its hash is stored).
    /// `duration_secs` = 0 means the key never expires. Kismet's `/auth/apikey/generate.cmd`.
    pub fn generate_apikey(
        &self,
        name: &str,
        role: &Role,
        duration_secs: u64,
    ) -> Result<String, AuthError> {
        self.generate_apikey_at(name, role, duration_secs, SystemTime::now())
    }

    /// [`Auth::generate_apikey`] at a given time.
    pub fn generate_apikey_at(
        &self,
        name: &str,
        role: &Role,
        duration_secs: u64,
        now: SystemTime,
    ) -> Result<String, AuthError> {
        if !self.options.allow_apikey_creation {
            return Err(AuthError::CreationDisabled);
        }
        if name == WEB_LOGON {
            return Err(AuthError::ReservedName);
        }
        validate_key_name(name)?;
        validate_role(role)?;
        let now = unix_secs(now);
        let expires = if duration_secs == 0 {
            0
        } else {
            now.saturating_add(duration_secs)
        };
        let token = new_token()?;

        let mut st = self.state();
        // An expired key no longer holds its name.
        st.keys.retain(|k| k.live(now) || k.name != name);
        if st.keys.iter().any(|k| k.name == name) {
            return Err(AuthError::DuplicateName(name.to_string()));
        }
        let mut keys: Vec<ApiKey> = st.keys.drain(..).collect();
        keys.push(ApiKey {
            name: name.to_string(),
            role: role.clone(),
            created: now,
            expires,
            hash: sha256(token.as_bytes()),
        });
        let saved = self.save_keys(&keys);
        if saved.is_err() {
            keys.pop();
        }
        st.keys = keys;
        saved.map(|()| token)
    }

    /// Deletes the API key `name`. Kismet's `/auth/apikey/revoke.cmd`.
    pub fn revoke_apikey(&self, name: &str) -> Result<(), AuthError> {
        if !self.options.allow_apikey_creation {
            return Err(AuthError::CreationDisabled);
        }
        if name == WEB_LOGON {
            return Err(AuthError::ReservedName);
        }
        let mut st = self.state();
        let Some(pos) = st.keys.iter().position(|k| k.name == name) else {
            return Err(AuthError::UnknownKey(name.to_string()));
        };
        let removed = st.keys.remove(pos);
        if let Err(e) = self.save_keys(&st.keys) {
            st.keys.insert(pos, removed);
            return Err(e);
        }
        Ok(())
    }

    /// The API keys, in creation order (expired ones included until their name is reused or
    /// they are revoked). Kismet's `/auth/apikey/list`; see [`apikeys_json`].
    pub fn list_apikeys(&self) -> Vec<ApiKeyInfo> {
        self.state()
            .keys
            .iter()
            .map(|k| ApiKeyInfo {
                name: k.name.clone(),
                role: k.role.clone(),
                expires: k.expires,
            })
            .collect()
    }

    /// Where the admin login comes from (`/session/check_setup_ok`).
    pub fn check_setup_ok(&self) -> SetupStatus {
        if self.global {
            SetupStatus::Global
        } else {
            SetupStatus::User
        }
    }

    /// Sets the admin login (`/session/set_password`). Pass empty strings for missing
    /// variables.
    ///
    /// Refused (403) when the login comes from the global configuration, or when the caller is
    /// not logged in as admin (a login always exists, since [`Auth::open`] generates one). An
    /// empty username or password is 400, as is a username containing `:` or control
    /// characters (it could never log in with Basic auth). On success every session ends.
    pub fn set_password(
        &self,
        username: &str,
        password: &str,
        caller_is_admin: bool,
    ) -> Result<(), AuthError> {
        if self.global {
            return Err(AuthError::GlobalLogin);
        }
        if !caller_is_admin {
            return Err(AuthError::PasswordAlreadySet);
        }
        validate_login(username, password)?;
        let admin = AdminLogin {
            username: username.to_string(),
            phc: {
                let _guard = self.verify_lock.lock().unwrap_or_else(|e| e.into_inner());
                hash_password(password)?
            },
        };
        if let Some(dir) = &self.dir {
            store_admin(&dir.join(ADMIN_FILE), &admin)?;
        }
        let mut st = self.state();
        st.admin = admin;
        st.generation = st.generation.wrapping_add(1);
        st.verified = None;
        st.sessions.clear();
        Ok(())
    }

    /// Records a failed password login from `addr`. After [`FAILURE_LIMIT`] failures within
    /// [`FAILURE_WINDOW`] the client is blocked for [`BLOCK_TIME`]. IPv6 clients are counted
    /// per /64.
    pub fn note_failure(&self, addr: IpAddr, now: SystemTime) {
        let key = client_key(addr);
        let now = unix_secs(now);
        let window = FAILURE_WINDOW.as_secs();
        let mut st = self.state();
        if !st.failures.contains_key(&key) && st.failures.len() >= MAX_TRACKED_CLIENTS {
            st.failures.retain(|_, f| {
                now < f.blocked_until || now < f.window_start.saturating_add(window)
            });
            if st.failures.len() >= MAX_TRACKED_CLIENTS {
                let oldest = st
                    .failures
                    .iter()
                    .filter(|(_, f)| now >= f.blocked_until)
                    .min_by_key(|(_, f)| f.window_start)
                    .map(|(k, _)| *k);
                match oldest {
                    Some(k) => {
                        st.failures.remove(&k);
                    }
                    None => return,
                }
            }
        }
        let entry = st.failures.entry(key).or_insert(FailState {
            window_start: now,
            count: 0,
            blocked_until: 0,
        });
        if now >= entry.window_start.saturating_add(window) || now < entry.window_start {
            entry.window_start = now;
            entry.count = 0;
        }
        entry.count = entry.count.saturating_add(1);
        if entry.count >= FAILURE_LIMIT {
            entry.blocked_until = now.saturating_add(BLOCK_TIME.as_secs());
            entry.window_start = now;
            entry.count = 0;
        }
    }

    /// Whether password logins from `addr` are currently refused.
    pub fn is_blocked(&self, addr: IpAddr, now: SystemTime) -> bool {
        let now = unix_secs(now);
        self.state()
            .failures
            .get(&client_key(addr))
            .is_some_and(|f| now < f.blocked_until)
    }

    /// Forgets the failed logins of `addr` (called after a successful password login).
    pub fn clear_failures(&self, addr: IpAddr) {
        self.state().failures.remove(&client_key(addr));
    }

    fn save_keys(&self, keys: &[ApiKey]) -> Result<(), AuthError> {
        let Some(dir) = &self.dir else {
            return Ok(());
        };
        let value = Value::Array(
            keys.iter()
                .map(|k| {
                    json!({
                        "name": k.name,
                        "role": k.role.as_str(),
                        "created": k.created,
                        "expires": k.expires,
                        "token_sha256": hex_lower(&k.hash),
                    })
                })
                .collect(),
        );
        write_private_json(&dir.join(APIKEY_FILE), &value)
    }
}

impl Inner {
    /// Finds a live session or API key whose token hashes to `hash` at `now` (seconds, for API
    /// keys) and `now_ms` (milliseconds, for sessions). Every entry is compared in constant
    /// time, and the whole table is walked whatever matches.
    fn check_token(&mut self, hash: &[u8; 32], now: u64, now_ms: u64) -> Option<(Role, String)> {
        let mut session = None;
        for (i, s) in self.sessions.iter().enumerate() {
            if bool::from(s.hash.ct_eq(hash)) && session.is_none() {
                session = Some(i);
            }
        }
        if let Some(i) = session {
            if now_ms < self.sessions[i].expires_ms {
                let s = &mut self.sessions[i];
                s.last_used_ms = now_ms;
                return Some((Role::Admin, s.name.clone()));
            }
            self.sessions.swap_remove(i);
            return None;
        }
        let mut key = None;
        for (i, k) in self.keys.iter().enumerate() {
            if bool::from(k.hash.ct_eq(hash)) && key.is_none() {
                key = Some(i);
            }
        }
        let k = &self.keys[key?];
        k.live(now).then(|| (k.role.clone(), k.name.clone()))
    }
}

/// The tokens to try, and whether they came from the URI.
pub(crate) fn token_candidates(req: &Credentials) -> (Vec<&str>, bool) {
    match &req.cookie_header {
        Some(header) => (
            header
                .split(';')
                .filter_map(|c| {
                    let (name, value) = c.split_once('=')?;
                    (name.trim() == AUTH_COOKIE).then(|| {
                        let v = value.trim();
                        v.strip_prefix('"')
                            .and_then(|v| v.strip_suffix('"'))
                            .unwrap_or(v)
                    })
                })
                .take(MAX_COOKIE_CANDIDATES)
                .collect(),
            false,
        ),
        None => (
            query_var(&req.query, AUTH_COOKIE).into_iter().collect(),
            true,
        ),
    }
}

fn query_var<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Decodes `Basic <base64(user:pass)>`. The scheme is matched case-insensitively and padding is
/// optional; anything else yields `None`.
pub(crate) fn parse_basic(header: &str) -> Option<(String, String)> {
    if header.len() > MAX_AUTHORIZATION_LEN {
        return None;
    }
    let (scheme, data) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("Basic") {
        return None;
    }
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let decoded = LENIENT.decode(data.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

/// The limiter's key: IPv4 addresses (including IPv4-mapped IPv6) as they are, IPv6 by /64.
/// The HTTP layer counts connections per client with the same key.
pub(crate) fn client_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut seg = v6.segments();
                seg[4..].fill(0);
                IpAddr::V6(seg.into())
            }
        },
    }
}

fn validate_key_name(name: &str) -> Result<(), AuthError> {
    if name.trim().is_empty() {
        return Err(AuthError::InvalidKey("the name is empty".into()));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(AuthError::InvalidKey(format!(
            "the name is longer than {MAX_NAME_LEN} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(AuthError::InvalidKey(
            "the name contains control characters".into(),
        ));
    }
    Ok(())
}

fn validate_role(role: &Role) -> Result<(), AuthError> {
    let s = role.as_str();
    if s.is_empty() || s.len() > MAX_ROLE_LEN {
        return Err(AuthError::InvalidKey(format!(
            "a role name must be 1 to {MAX_ROLE_LEN} characters"
        )));
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    {
        return Err(AuthError::InvalidKey(format!(
            "invalid role name {s:?} (letters, digits, '_', '-' and '.' only)"
        )));
    }
    Ok(())
}

fn validate_login(username: &str, password: &str) -> Result<(), AuthError> {
    if username.is_empty() || password.is_empty() {
        return Err(AuthError::MissingCredentials);
    }
    if username.chars().count() > MAX_USERNAME_LEN {
        return Err(AuthError::InvalidCredentials(format!(
            "the username is longer than {MAX_USERNAME_LEN} characters"
        )));
    }
    if username.contains(':') || username.chars().any(char::is_control) {
        return Err(AuthError::InvalidCredentials(
            "the username may not contain ':' or control characters".into(),
        ));
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(AuthError::InvalidCredentials(format!(
            "the password is longer than {MAX_PASSWORD_LEN} bytes"
        )));
    }
    Ok(())
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn unix_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

fn fill_random(buf: &mut [u8]) -> Result<(), AuthError> {
    OsRng
        .try_fill_bytes(buf)
        .map_err(|e| AuthError::Random(e.to_string()))
}

/// A token: 16 random bytes as 32 upper-case hex characters.
fn new_token() -> Result<String, AuthError> {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes)?;
    Ok(hex_upper(&bytes))
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hash_hex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// A random alphanumeric password (about 119 bits for 20 characters).
fn generate_password() -> Result<String, AuthError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    // Rejection sampling keeps the distribution uniform: 248 = 4 * 62.
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let mut out = String::with_capacity(GENERATED_PASSWORD_LEN);
    let mut buf = [0u8; 64];
    while out.len() < GENERATED_PASSWORD_LEN {
        fill_random(&mut buf)?;
        for &b in &buf {
            if b < limit && out.len() < GENERATED_PASSWORD_LEN {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}

/// argon2id with the crate's (OWASP-recommended) defaults: 19 MiB, 2 passes, 1 lane. Unit tests
/// use cheap parameters so that they run quickly in debug builds; verification always uses the
/// parameters recorded in the stored hash.
fn argon2_hasher() -> Argon2<'static> {
    #[cfg(not(test))]
    let params = Params::DEFAULT;
    #[cfg(test)]
    let params = Params::new(1024, 1, 1, None).unwrap_or(Params::DEFAULT);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password as an argon2id PHC string with a random 16-byte salt.
fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    fill_random(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    argon2_hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Verifies a password against a PHC string (parameters come from the string).
fn verify_password(phc: &str, password: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2_hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Checks that a stored PHC string is an argon2id hash with sane parameters.
fn validate_phc(phc: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(phc).map_err(|e| e.to_string())?;
    if parsed.algorithm != argon2::ARGON2ID_IDENT {
        return Err(format!("{} is not argon2id", parsed.algorithm));
    }
    if parsed.hash.is_none() || parsed.salt.is_none() {
        return Err("the hash has no salt or output".into());
    }
    let params = Params::try_from(&parsed).map_err(|e| e.to_string())?;
    if params.m_cost() > MAX_M_COST_KIB
        || params.t_cost() > MAX_T_COST
        || params.p_cost() > MAX_P_COST
    {
        return Err("argon2 parameters out of range".into());
    }
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<(), AuthError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|source| AuthError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// Writes JSON to `path` through a temporary file renamed into place, readable by the owner only.
fn write_private_json(path: &Path, value: &Value) -> Result<(), AuthError> {
    let io_err = |source| AuthError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp_name = path.as_os_str().to_os_string();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let body = serde_json::to_vec_pretty(value).map_err(|e| AuthError::Corrupt {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let write = || -> std::io::Result<()> {
        let mut f = opts.open(&tmp)?;
        f.write_all(&body)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        io_err(e)
    })
}

/// Reads a JSON file; `None` when it does not exist.
fn read_json(path: &Path) -> Result<Option<Value>, AuthError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(AuthError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| AuthError::Corrupt {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

fn load_admin(path: &Path) -> Result<Option<AdminLogin>, AuthError> {
    let Some(value) = read_json(path)? else {
        return Ok(None);
    };
    let corrupt = |reason: String| AuthError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let username = value
        .get("username")
        .and_then(Value::as_str)
        .ok_or_else(|| corrupt("missing string \"username\"".into()))?;
    let phc = value
        .get("password_hash")
        .and_then(Value::as_str)
        .ok_or_else(|| corrupt("missing string \"password_hash\"".into()))?;
    if username.is_empty() || username.contains(':') {
        return Err(corrupt("invalid username".into()));
    }
    validate_phc(phc).map_err(|e| corrupt(format!("password_hash: {e}")))?;
    Ok(Some(AdminLogin {
        username: username.to_string(),
        phc: phc.to_string(),
    }))
}

fn store_admin(path: &Path, admin: &AdminLogin) -> Result<(), AuthError> {
    write_private_json(
        path,
        &json!({ "username": admin.username, "password_hash": admin.phc }),
    )
}

fn load_apikeys(path: &Path) -> Result<Vec<ApiKey>, AuthError> {
    let Some(value) = read_json(path)? else {
        return Ok(Vec::new());
    };
    let corrupt = |reason: String| AuthError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let Value::Array(entries) = value else {
        return Err(corrupt("expected a JSON array".into()));
    };
    let mut keys: Vec<ApiKey> = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let field = |name: &str| {
            e.get(name)
                .ok_or_else(|| corrupt(format!("entry {i}: missing {name:?}")))
        };
        let name = field("name")?
            .as_str()
            .ok_or_else(|| corrupt(format!("entry {i}: \"name\" is not a string")))?;
        let role = field("role")?
            .as_str()
            .ok_or_else(|| corrupt(format!("entry {i}: \"role\" is not a string")))?;
        let created = field("created")?
            .as_u64()
            .ok_or_else(|| corrupt(format!("entry {i}: \"created\" is not an integer")))?;
        let expires = field("expires")?
            .as_u64()
            .ok_or_else(|| corrupt(format!("entry {i}: \"expires\" is not an integer")))?;
        let hash = field("token_sha256")?
            .as_str()
            .and_then(parse_hash_hex)
            .ok_or_else(|| corrupt(format!("entry {i}: \"token_sha256\" is not 64 hex digits")))?;
        if keys.iter().any(|k| k.name == name) {
            return Err(corrupt(format!("entry {i}: duplicate name {name:?}")));
        }
        keys.push(ApiKey {
            name: name.to_string(),
            role: Role::parse(role),
            created,
            expires,
            hash,
        });
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    const T0: u64 = 1_700_000_000;

    fn basic(user: &str, pass: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
        )
    }

    fn cookie_creds(token: &str) -> Credentials {
        Credentials {
            cookie_header: Some(format!("other=1; {AUTH_COOKIE}={token}; x=y")),
            ..Credentials::default()
        }
    }

    fn uri_token(token: &str) -> Credentials {
        Credentials {
            query: vec![(AUTH_COOKIE.to_string(), token.to_string())],
            ..Credentials::default()
        }
    }

    fn token_of(login: &Login) -> String {
        let c = login.set_cookie.as_deref().expect("a cookie");
        let rest = c.strip_prefix("KISMET=").expect("KISMET cookie");
        rest.split(';').next().unwrap().to_string()
    }

    fn auth() -> Auth {
        Auth::in_memory("admin", "hunter2-correct").unwrap()
    }

    #[test]
    fn role_parse_and_display() {
        assert_eq!(Role::parse("admin"), Role::Admin);
        assert_eq!(Role::parse("readonly"), Role::Readonly);
        assert_eq!(Role::parse("Admin"), Role::Custom("Admin".into()));
        assert_eq!(
            "scanreport".parse::<Role>().unwrap(),
            Role::Custom("scanreport".into())
        );
        assert_eq!(Role::Admin.to_string(), "admin");
        assert_eq!(Role::Readonly.to_string(), "readonly");
        assert_eq!(Role::Custom("datasource".into()).to_string(), "datasource");
    }

    #[test]
    fn allows_table() {
        let admin = Role::Admin;
        let ro = Role::Readonly;
        let custom = Role::Custom("scanreport".into());
        let cases: [(Option<&Role>, [bool; 4]); 4] = [
            // Unauth, Any, Readonly, Admin
            (None, [true, false, false, false]),
            (Some(&admin), [true, true, true, true]),
            (Some(&ro), [true, true, true, false]),
            (Some(&custom), [true, true, false, false]),
        ];
        let routes = [
            RouteRole::Unauth,
            RouteRole::Any,
            RouteRole::Readonly,
            RouteRole::Admin,
        ];
        for (login, expected) in cases {
            for (route, want) in routes.iter().zip(expected) {
                assert_eq!(allows(login, route), want, "{login:?} on {route:?}");
            }
        }
    }

    #[test]
    fn basic_login_creates_session_cookie() {
        let a = auth();
        let login = a.authenticate(
            &Credentials {
                authorization: Some(basic("admin", "hunter2-correct")),
                ..Credentials::default()
            },
            t(T0),
        );
        assert_eq!(login.role, Some(Role::Admin));
        assert_eq!(login.name.as_deref(), Some("admin"));
        let cookie = login.set_cookie.clone().unwrap();
        assert!(cookie.ends_with("; Path=/; HttpOnly; SameSite=Strict"));
        let token = token_of(&login);
        assert_eq!(token.len(), 32);
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)));

        // The session works as a cookie, with no cookie echoed back.
        let again = a.authenticate(&cookie_creds(&token), t(T0 + 10));
        assert_eq!(again.role, Some(Role::Admin));
        assert_eq!(again.set_cookie, None);
        assert_eq!(a.session_count(t(T0 + 10)), 1);
    }

    #[test]
    fn basic_scheme_variants() {
        let a = auth();
        let lower = format!(
            "basic {}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode("admin:hunter2-correct")
        );
        let login = a.authenticate(
            &Credentials {
                authorization: Some(lower),
                ..Credentials::default()
            },
            t(T0),
        );
        assert!(login.is_valid());
        for bad in [
            "Bearer abc",
            "Basic",
            "Basic !!!!",
            "Basic YWRtaW4=", // "admin", no colon
            "",
        ] {
            let login = a.authenticate(
                &Credentials {
                    authorization: Some(bad.to_string()),
                    ..Credentials::default()
                },
                t(T0),
            );
            assert!(!login.is_valid(), "{bad}");
            assert!(!login.password_failed, "{bad}");
        }
    }

    #[test]
    fn wrong_password_and_wrong_user() {
        let a = auth();
        for (u, p) in [
            ("admin", "wrong"),
            ("admin", ""),
            ("root", "hunter2-correct"),
            ("", ""),
        ] {
            let login = a.authenticate(
                &Credentials {
                    authorization: Some(basic(u, p)),
                    ..Credentials::default()
                },
                t(T0),
            );
            assert_eq!(login.role, None, "{u}:{p}");
            assert_eq!(login.set_cookie, None);
            assert!(login.password_failed);
        }
        assert_eq!(a.session_count(t(T0)), 0);
    }

    #[test]
    fn uri_login_only_without_authorization_header() {
        let a = auth();
        let query = vec![
            ("user".to_string(), "admin".to_string()),
            ("password".to_string(), "hunter2-correct".to_string()),
        ];
        let login = a.authenticate(
            &Credentials {
                query: query.clone(),
                ..Credentials::default()
            },
            t(T0),
        );
        assert_eq!(login.role, Some(Role::Admin));
        assert!(login.set_cookie.is_some());

        // Any Authorization header (even a non-Basic one) disables the URI login.
        for header in ["Bearer xyz".to_string(), basic("admin", "wrong")] {
            let login = a.authenticate(
                &Credentials {
                    authorization: Some(header),
                    query: query.clone(),
                    ..Credentials::default()
                },
                t(T0),
            );
            assert_eq!(login.role, None);
        }
        // Only one of the two variables: nothing.
        let login = a.authenticate(
            &Credentials {
                query: vec![("user".into(), "admin".into())],
                ..Credentials::default()
            },
            t(T0),
        );
        assert_eq!(login, Login::default());
    }

    #[test]
    fn uri_token_used_only_without_cookie_header() {
        let a = auth();
        let key = a.generate_apikey("script", &Role::Readonly, 0).unwrap();

        let login = a.authenticate(&uri_token(&key), t(T0));
        assert_eq!(login.role, Some(Role::Readonly));
        assert_eq!(login.name.as_deref(), Some("script"));
        // A valid URI token is handed back as a cookie.
        assert_eq!(login.set_cookie, Some(session_cookie(&key)));

        // Any Cookie header, even one without KISMET, disables the URI token.
        for header in ["", "theme=dark", "KISMET=FORGED"] {
            let mut creds = uri_token(&key);
            creds.cookie_header = Some(header.to_string());
            let login = a.authenticate(&creds, t(T0));
            assert_eq!(login.role, None, "{header:?}");
            assert_eq!(login.set_cookie, None);
        }
    }

    #[test]
    fn forged_or_unknown_cookie_is_refused_and_not_echoed() {
        let a = auth();
        for token in [
            "00000000000000000000000000000000",
            "not-a-token",
            "",
            &"A".repeat(10_000),
        ] {
            let login = a.authenticate(&cookie_creds(token), t(T0));
            assert_eq!(login, Login::default(), "{token:.40}");
            let login = a.authenticate(&uri_token(token), t(T0));
            assert_eq!(login, Login::default(), "{token:.40}");
        }
        // A forged cookie does not stop a valid Basic login, and the cookie set is the new one.
        let creds = Credentials {
            cookie_header: Some("KISMET=DEADBEEF".into()),
            authorization: Some(basic("admin", "hunter2-correct")),
            ..Credentials::default()
        };
        let login = a.authenticate(&creds, t(T0));
        assert_eq!(login.role, Some(Role::Admin));
        assert_ne!(token_of(&login), "DEADBEEF");
    }

    #[test]
    fn cookie_parsing_variants() {
        let a = auth();
        let key = a.generate_apikey("k", &Role::Admin, 0).unwrap();
        for header in [
            format!("KISMET={key}"),
            format!("  KISMET = {key} ;"),
            format!("KISMET=\"{key}\""),
            format!("KISMET=STALE; KISMET={key}"),
        ] {
            let creds = Credentials {
                cookie_header: Some(header.clone()),
                ..Credentials::default()
            };
            assert_eq!(
                a.authenticate(&creds, t(T0)).role,
                Some(Role::Admin),
                "{header}"
            );
        }
        for header in [
            format!("kismet={key}"),
            format!("XKISMET={key}"),
            key.clone(),
        ] {
            let creds = Credentials {
                cookie_header: Some(header.clone()),
                ..Credentials::default()
            };
            assert_eq!(a.authenticate(&creds, t(T0)).role, None, "{header}");
        }
    }

    #[test]
    fn session_expires() {
        let a = auth();
        let lifetime = a.options().session_lifetime.as_secs();
        let login = a.authenticate(
            &Credentials {
                authorization: Some(basic("admin", "hunter2-correct")),
                ..Credentials::default()
            },
            t(T0),
        );
        let token = token_of(&login);
        assert!(a
            .authenticate(&cookie_creds(&token), t(T0 + lifetime - 1))
            .is_valid());
        assert!(!a
            .authenticate(&cookie_creds(&token), t(T0 + lifetime))
            .is_valid());
        // Gone for good, even if the clock goes back.
        assert!(!a.authenticate(&cookie_creds(&token), t(T0)).is_valid());
    }

    #[test]
    fn session_lifetime_is_kept_to_the_millisecond() {
        let mut a = auth();
        a.options.session_lifetime = Duration::from_millis(1500);
        let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(T0 * 1000 + ms);
        // Created just before a second boundary: still valid 1.4 s later, gone at 1.5 s.
        let login = a.authenticate(
            &Credentials {
                authorization: Some(basic("admin", "hunter2-correct")),
                ..Credentials::default()
            },
            at(900),
        );
        let token = token_of(&login);
        assert!(a.authenticate(&cookie_creds(&token), at(2399)).is_valid());
        assert_eq!(a.session_count(at(2399)), 1);
        assert!(!a.authenticate(&cookie_creds(&token), at(2400)).is_valid());
        assert_eq!(a.session_count(at(2400)), 0);
    }

    #[test]
    fn apikey_expires() {
        let a = auth();
        let key = a
            .generate_apikey_at("short", &Role::Readonly, 100, t(T0))
            .unwrap();
        let never = a
            .generate_apikey_at("long", &Role::Readonly, 0, t(T0))
            .unwrap();
        assert!(a.authenticate(&cookie_creds(&key), t(T0 + 99)).is_valid());
        assert!(!a.authenticate(&cookie_creds(&key), t(T0 + 100)).is_valid());
        assert!(a
            .authenticate(&cookie_creds(&never), t(T0 + 100 * 365 * 86400))
            .is_valid());
        let list = a.list_apikeys();
        assert_eq!(list[0].expires, T0 + 100);
        assert_eq!(list[1].expires, 0);
        // An expired key's name can be reused.
        a.generate_apikey_at("short", &Role::Admin, 0, t(T0 + 200))
            .unwrap();
        assert!(!a.authenticate(&cookie_creds(&key), t(T0 + 50)).is_valid());
    }

    #[test]
    fn revoked_key_is_refused() {
        let a = auth();
        let key = a.generate_apikey("gone", &Role::Admin, 0).unwrap();
        assert!(a.authenticate(&cookie_creds(&key), t(T0)).is_valid());
        a.revoke_apikey("gone").unwrap();
        assert!(!a.authenticate(&cookie_creds(&key), t(T0)).is_valid());
        let err = a.revoke_apikey("gone").unwrap_err();
        assert!(matches!(err, AuthError::UnknownKey(_)));
        assert_eq!(err.status(), 500);
    }

    #[test]
    fn readonly_key_refused_by_admin_routes() {
        let a = auth();
        let ro = a.generate_apikey("viewer", &Role::Readonly, 0).unwrap();
        let custom = a
            .generate_apikey("scanner", &Role::Custom("scanreport".into()), 0)
            .unwrap();
        let login = a.authenticate(&cookie_creds(&ro), t(T0));
        assert!(allows(login.role.as_ref(), &RouteRole::Readonly));
        assert!(!allows(login.role.as_ref(), &RouteRole::Admin));
        let login = a.authenticate(&cookie_creds(&custom), t(T0));
        assert_eq!(login.role, Some(Role::Custom("scanreport".into())));
        assert!(allows(login.role.as_ref(), &RouteRole::Any));
        assert!(!allows(login.role.as_ref(), &RouteRole::Readonly));
    }

    #[test]
    fn apikey_management_rules() {
        let a = auth();
        a.generate_apikey("one", &Role::Readonly, 0).unwrap();
        let err = a.generate_apikey("one", &Role::Admin, 0).unwrap_err();
        assert!(matches!(err, AuthError::DuplicateName(_)));
        assert_eq!(err.status(), 500);
        assert!(matches!(
            a.generate_apikey(WEB_LOGON, &Role::Admin, 0),
            Err(AuthError::ReservedName)
        ));
        assert!(matches!(
            a.revoke_apikey(WEB_LOGON),
            Err(AuthError::ReservedName)
        ));
        for (name, role) in [
            ("", Role::Admin),
            ("x\n", Role::Admin),
            ("ok", Role::Custom(String::new())),
            ("ok", Role::Custom("bad role".into())),
        ] {
            let err = a.generate_apikey(name, &role, 0).unwrap_err();
            assert_eq!(err.status(), 400, "{name:?} {role:?}");
        }
        // A huge duration saturates instead of overflowing.
        a.generate_apikey_at("far", &Role::Readonly, u64::MAX, t(T0))
            .unwrap();

        let json = apikeys_json(&a.list_apikeys());
        assert_eq!(
            json[0],
            json!({
                "kismet.httpd.auth.name": "one",
                "kismet.httpd.auth.role": "readonly",
                "kismet.httpd.auth.expiration": 0,
            })
        );
        assert_eq!(json[1]["kismet.httpd.auth.expiration"], u64::MAX);
        assert_eq!(json.as_array().unwrap().len(), 2);
    }

    #[test]
    fn apikey_creation_can_be_disabled() {
        let dir = tempfile::tempdir().unwrap();
        let options = AuthOptions {
            allow_apikey_creation: false,
            ..AuthOptions::default()
        };
        let (a, _) = Auth::open(dir.path(), options).unwrap();
        let err = a.generate_apikey("k", &Role::Admin, 0).unwrap_err();
        assert!(matches!(err, AuthError::CreationDisabled));
        assert_eq!(err.status(), 500);
        assert!(matches!(
            a.revoke_apikey("k"),
            Err(AuthError::CreationDisabled)
        ));
    }

    #[test]
    fn generated_password_is_returned_once_and_works() {
        let dir = tempfile::tempdir().unwrap();
        let (a, password) = Auth::open(dir.path(), AuthOptions::default()).unwrap();
        let password = password.expect("a generated password");
        assert!(password.len() >= 16);
        assert!(password.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(a.admin_username(), DEFAULT_ADMIN_USER);
        assert_eq!(a.check_setup_ok(), SetupStatus::User);
        assert_eq!(a.check_setup_ok().status(), 200);
        assert!(a.check_admin_login("kismet", &password));
        drop(a);

        // Reopening keeps the login and does not reveal the password again.
        let (b, again) = Auth::open(dir.path(), AuthOptions::default()).unwrap();
        assert_eq!(again, None);
        let login = b.authenticate(
            &Credentials {
                authorization: Some(basic("kismet", &password)),
                ..Credentials::default()
            },
            t(T0),
        );
        assert_eq!(login.role, Some(Role::Admin));

        let admin_file = fs::read_to_string(dir.path().join(ADMIN_FILE)).unwrap();
        assert!(!admin_file.contains(&password));
        assert!(admin_file.contains("$argon2id$"));
    }

    #[test]
    fn storage_holds_no_plaintext() {
        let dir = tempfile::tempdir().unwrap();
        let (a, _) = Auth::open(dir.path(), AuthOptions::default()).unwrap();
        a.set_password("operator", "correct horse battery", true)
            .unwrap();
        let key = a
            .generate_apikey_at("ci", &Role::Readonly, 3600, t(T0))
            .unwrap();
        let session = a.authenticate(
            &Credentials {
                authorization: Some(basic("operator", "correct horse battery")),
                ..Credentials::default()
            },
            t(T0),
        );
        let session = token_of(&session);

        for entry in fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            let text = fs::read_to_string(&path).unwrap();
            for secret in [
                key.clone(),
                key.to_lowercase(),
                session.clone(),
                session.to_lowercase(),
                "correct horse battery".to_string(),
            ] {
                assert!(!text.contains(&secret), "{} holds a secret", path.display());
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = fs::metadata(&path).unwrap().permissions().mode();
                assert_eq!(mode & 0o077, 0, "{} is not private", path.display());
            }
        }
        let keys: Value =
            serde_json::from_str(&fs::read_to_string(dir.path().join(APIKEY_FILE)).unwrap())
                .unwrap();
        assert_eq!(keys[0]["name"], "ci");
        assert_eq!(keys[0]["role"], "readonly");
        assert_eq!(keys[0]["created"], T0);
        assert_eq!(keys[0]["expires"], T0 + 3600);
        assert_eq!(keys[0]["token_sha256"], hex_lower(&sha256(key.as_bytes())));

        // Keys survive a restart; sessions do not.
        drop(a);
        let (b, generated) = Auth::open(dir.path(), AuthOptions::default()).unwrap();
        assert_eq!(generated, None);
        assert_eq!(b.admin_username(), "operator");
        assert_eq!(
            b.authenticate(&cookie_creds(&key), t(T0 + 1)).role,
            Some(Role::Readonly)
        );
        assert!(!b.authenticate(&cookie_creds(&key), t(T0 + 3600)).is_valid());
        assert!(!b
            .authenticate(&cookie_creds(&session), t(T0 + 1))
            .is_valid());
    }

    #[test]
    fn set_password_rules() {
        let dir = tempfile::tempdir().unwrap();
        let (a, generated) = Auth::open(dir.path(), AuthOptions::default()).unwrap();
        let generated = generated.unwrap();
        let err = a.set_password("me", "secret", false).unwrap_err();
        assert!(matches!(err, AuthError::PasswordAlreadySet));
        assert_eq!(err.status(), 403);
        assert_eq!(a.set_password("", "x", true).unwrap_err().status(), 400);
        assert_eq!(a.set_password("me", "", true).unwrap_err().status(), 400);
        assert_eq!(a.set_password("a:b", "x", true).unwrap_err().status(), 400);

        // A session from the old login ends when the password changes.
        let old = a.authenticate(
            &Credentials {
                authorization: Some(basic("kismet", &generated)),
                ..Credentials::default()
            },
            t(T0),
        );
        let old = token_of(&old);
        a.set_password("me", "new secret", true).unwrap();
        assert!(!a.authenticate(&cookie_creds(&old), t(T0 + 1)).is_valid());
        assert!(!a.check_admin_login("kismet", &generated));
        assert!(a.check_admin_login("me", "new secret"));

        let g = auth();
        assert_eq!(g.check_setup_ok(), SetupStatus::Global);
        assert_eq!(g.check_setup_ok().status(), 406);
        let err = g.set_password("x", "y", true).unwrap_err();
        assert!(matches!(err, AuthError::GlobalLogin));
        assert_eq!(err.status(), 403);
    }

    #[test]
    fn corrupt_storage_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(ADMIN_FILE), "{not json").unwrap();
        let err = Auth::open(dir.path(), AuthOptions::default()).unwrap_err();
        assert!(matches!(err, AuthError::Corrupt { .. }), "{err}");

        fs::write(
            dir.path().join(ADMIN_FILE),
            r#"{"username":"u","password_hash":"$argon2id$v=19$m=999999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"}"#,
        )
        .unwrap();
        assert!(Auth::open(dir.path(), AuthOptions::default()).is_err());

        fs::remove_file(dir.path().join(ADMIN_FILE)).unwrap();
        fs::write(dir.path().join(APIKEY_FILE), r#"[{"name":"k"}]"#).unwrap();
        let err = Auth::open(dir.path(), AuthOptions::default()).unwrap_err();
        assert!(err.to_string().contains("role"), "{err}");
    }

    #[test]
    fn failed_login_limiter() {
        let a = auth();
        let client: IpAddr = "192.0.2.7".parse().unwrap();
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        let bad = Credentials {
            authorization: Some(basic("admin", "nope")),
            ..Credentials::default()
        };
        let good = Credentials {
            authorization: Some(basic("admin", "hunter2-correct")),
            ..Credentials::default()
        };
        for i in 0..FAILURE_LIMIT {
            assert!(!a.is_blocked(client, t(T0)), "after {i}");
            let login = a.authenticate_client(&bad, Some(client), t(T0));
            assert!(login.password_failed);
        }
        assert!(a.is_blocked(client, t(T0)));
        assert!(!a.is_blocked(other, t(T0)));
        // Even the right password is not checked while blocked.
        let login = a.authenticate_client(&good, Some(client), t(T0 + 1));
        assert!(login.throttled);
        assert!(!login.is_valid());
        // Tokens still work.
        let key = a.generate_apikey("k", &Role::Readonly, 0).unwrap();
        assert!(a
            .authenticate_client(&cookie_creds(&key), Some(client), t(T0 + 1))
            .is_valid());
        // The block lifts.
        let later = T0 + BLOCK_TIME.as_secs();
        assert!(!a.is_blocked(client, t(later)));
        assert!(a
            .authenticate_client(&good, Some(client), t(later))
            .is_valid());

        // Failures spread over more than the window do not block.
        for i in 0..(2 * FAILURE_LIMIT) {
            a.note_failure(other, t(T0 + u64::from(i) * 7));
        }
        assert!(!a.is_blocked(other, t(T0 + 140)));

        // IPv6 clients are counted per /64.
        let v6a: IpAddr = "2001:db8::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8::ffff:1234".parse().unwrap();
        for _ in 0..FAILURE_LIMIT {
            a.note_failure(v6a, t(T0));
        }
        assert!(a.is_blocked(v6b, t(T0)));
        assert!(!a.is_blocked("2001:db8:0:1::1".parse().unwrap(), t(T0)));
    }

    #[test]
    fn auth_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Auth>();
    }
}
