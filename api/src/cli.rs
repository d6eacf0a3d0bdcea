//! Command line and configuration: every flag also reads a `KYKY_*` variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use kyky_domain::webhook::RetrySchedule;
use uuid::Uuid;

use crate::auth::{Auth, AuthConfigError};
use crate::telemetry::LogFormat;
use crate::trusted_issuers::TrustedIssuers;
use crate::webhook_dispatcher::WebhookSettings;

#[derive(Debug, Parser)]
#[command(
    name = "kyky",
    version,
    about = "Kyky: shared backend for Finnish work-ability support (työkyvyn tuki)"
)]
pub struct Cli {
    /// Log format.
    #[arg(
        long,
        env = "KYKY_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrates the database first).
    Serve(ServeArgs),
    /// Run pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Mint a bearer token for a professional with the configured key.
    Token(TokenArgs),
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `sqlite://path` (embedded default) or `postgres://user:pass@host/db`.
    #[arg(long, env = "KYKY_DATABASE_URL", default_value = "sqlite://kyky.db")]
    pub database_url: String,
    /// Maximum pooled database connections.
    #[arg(long, env = "KYKY_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,
}

#[derive(Debug, Clone, Args)]
pub struct JwtArgs {
    /// Shared secret for HS256 (at least 32 bytes). Required unless a public key is given or --demo.
    #[arg(long, env = "KYKY_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// HS256, or RS256 / ES256 with --jwt-public-key-file (a municipal identity provider).
    #[arg(long, env = "KYKY_JWT_ALGORITHM", default_value = "HS256")]
    pub jwt_algorithm: String,
    /// PEM public key that verifies RS256/ES256 tokens.
    #[arg(long, env = "KYKY_JWT_PUBLIC_KEY_FILE")]
    pub jwt_public_key_file: Option<PathBuf>,
    /// PEM private key for minting RS256/ES256 tokens with `kyky token` (testing only).
    #[arg(long, env = "KYKY_JWT_PRIVATE_KEY_FILE")]
    pub jwt_private_key_file: Option<PathBuf>,
    /// Required `iss` claim, if set.
    #[arg(long, env = "KYKY_JWT_ISSUER")]
    pub jwt_issuer: Option<String>,
    /// Required `aud` claim, if set.
    #[arg(long, env = "KYKY_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// The organisations' identity providers Kyky trusts (a JSON file; see
    /// README "Connecting an organisation's identity provider").
    #[arg(long, env = "KYKY_TRUSTED_ISSUERS_FILE")]
    pub trusted_issuers_file: Option<PathBuf>,
    /// Accept Kyky's own tokens (the shared secret's, the demo's) beside
    /// the trusted issuers' (development only).
    #[arg(long, env = "KYKY_ACCEPT_OWN_TOKENS", value_parser = clap::builder::BoolishValueParser::new())]
    pub accept_own_tokens: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no token key configured: set KYKY_JWT_SECRET (HS256, at least 32 bytes) or KYKY_JWT_ALGORITHM=RS256|ES256 with KYKY_JWT_PUBLIC_KEY_FILE; `kyky serve --demo` generates a key"
    )]
    MissingKey,
    #[error("cannot read {path}: {error}")]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    Auth(#[from] AuthConfigError),
    #[error(transparent)]
    Issuers(#[from] crate::trusted_issuers::IssuerConfigError),
    #[error("KYKY_WEBHOOK_RETRY_SCHEDULE: {0}")]
    Invalid(String),
}

fn read(path: &PathBuf) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|error| ConfigError::Read {
        path: path.clone(),
        error,
    })
}

impl JwtArgs {
    /// Builds the verifier; `None` when no key is configured at all.
    pub fn auth(&self) -> Result<Option<Auth>, ConfigError> {
        let Some(path) = &self.trusted_issuers_file else {
            return self.own_tokens();
        };
        let issuers = TrustedIssuers::read(path, self.accept_own_tokens)?;
        let own = match self.own_tokens()? {
            Some(own) => own,
            // Kyky's own tokens are not accepted: a key nobody holds.
            None if !self.accept_own_tokens => {
                let secret: [u8; 32] = rand::random();
                Auth::hs256(&secret)?
            }
            None => return Err(ConfigError::MissingKey),
        };
        Ok(Some(own.with_trusted_issuers(issuers)))
    }

    /// The verifier of Kyky's own tokens; `None` when no key is configured.
    fn own_tokens(&self) -> Result<Option<Auth>, ConfigError> {
        let auth = if self.jwt_algorithm.eq_ignore_ascii_case("HS256") {
            match &self.jwt_secret {
                Some(secret) => Auth::hs256(secret.as_bytes())?,
                None => return Ok(None),
            }
        } else {
            let public = self
                .jwt_public_key_file
                .as_ref()
                .ok_or(AuthConfigError::MissingPublicKey("RS256/ES256"))?;
            let private = self.jwt_private_key_file.as_ref().map(read).transpose()?;
            Auth::asymmetric(
                &self.jwt_algorithm.to_ascii_uppercase(),
                &read(public)?,
                private.as_deref(),
            )?
        };
        Ok(Some(auth.with_issuer_and_audience(
            self.jwt_issuer.clone(),
            self.jwt_audience.clone(),
        )))
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "KYKY_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "KYKY_WORKERS")]
    pub workers: Option<usize>,
    /// Load demo data into an empty database and print bearer tokens for demo users.
    /// Without `KYKY_JWT_SECRET`, generates a key for this run.
    #[arg(long, env = "KYKY_DEMO", value_parser = clap::builder::BoolishValueParser::new())]
    pub demo: bool,
    /// Origins whose pages may call the API from a browser, comma-separated
    /// (`https://asiointi.espoo.fi`); none by default. `--demo` adds its own.
    #[arg(long, env = "KYKY_CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Vec<String>,
    /// Requests a minute per professional's token (0: no limit). Per process.
    #[arg(long, env = "KYKY_RATE_LIMIT_PROFESSIONAL", default_value_t = 600)]
    pub rate_limit_professional: u32,
    /// Requests a minute per integration account's token (0: no limit). Per process.
    #[arg(long, env = "KYKY_RATE_LIMIT_INTEGRATION", default_value_t = 3000)]
    pub rate_limit_integration: u32,
    /// Serve Prometheus metrics at `/metrics` on this address (e.g. an
    /// internal `10.0.0.5:9090`); off by default: never on the API's address.
    #[arg(long, env = "KYKY_METRICS_BIND")]
    pub metrics_bind: Option<std::net::SocketAddr>,
    /// Do not migrate at start (a deploy pipeline runs `kyky migrate`);
    /// refuse to start on a database with migrations pending instead.
    #[arg(long, env = "KYKY_NO_MIGRATE", value_parser = clap::builder::BoolishValueParser::new())]
    pub no_migrate: bool,
    #[command(flatten)]
    pub webhooks: WebhookArgs,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub jwt: JwtArgs,
}

/// How `serve` sends webhooks.
#[derive(Debug, Clone, Args)]
pub struct WebhookArgs {
    /// Send webhook deliveries from this process (any number of processes
    /// on one PostgreSQL may: each delivery is claimed by one).
    #[arg(long, env = "KYKY_WEBHOOK_DISPATCH", default_value_t = true, action = clap::ArgAction::Set, value_parser = clap::builder::BoolishValueParser::new())]
    pub webhook_dispatch: bool,
    /// Delays between attempts of a failing delivery, comma-separated
    /// (`5s,5m,30m,2h,5h,10h,10h`, Standard Webhooks' schedule, by default);
    /// after the last the delivery fails and its subscription is disabled.
    #[arg(long, env = "KYKY_WEBHOOK_RETRY_SCHEDULE", value_delimiter = ',', value_parser = humantime::parse_duration)]
    pub webhook_retry_schedule: Vec<std::time::Duration>,
    /// How often the dispatcher looks for deliveries to send.
    #[arg(long, env = "KYKY_WEBHOOK_TICK", default_value = "1s", value_parser = humantime::parse_duration)]
    pub webhook_tick: std::time::Duration,
    /// Let subscriptions name http URLs and loopback, private or link-local
    /// addresses: for development and tests only, never in production.
    #[arg(long, env = "KYKY_WEBHOOK_ALLOW_PRIVATE_TARGETS", value_parser = clap::builder::BoolishValueParser::new())]
    pub webhook_allow_private_targets: bool,
}

impl WebhookArgs {
    /// How this process sends webhooks.
    pub fn settings(&self) -> Result<WebhookSettings, ConfigError> {
        let schedule = if self.webhook_retry_schedule.is_empty() {
            RetrySchedule::standard()
        } else {
            let delays = self
                .webhook_retry_schedule
                .iter()
                .map(|d| chrono::Duration::from_std(*d).unwrap_or(chrono::Duration::MAX))
                .collect();
            RetrySchedule::new(delays).map_err(|e| ConfigError::Invalid(e.to_string()))?
        };
        Ok(WebhookSettings {
            dispatch: self.webhook_dispatch,
            tick: self.webhook_tick,
            schedule,
            allow_private_targets: self.webhook_allow_private_targets,
            ..WebhookSettings::default()
        })
    }
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// Professional id (the token's `sub`).
    #[arg(long)]
    pub professional: Uuid,
    /// Lifetime, e.g. `30m`, `8h`, `7d`.
    #[arg(long, default_value = "8h", value_parser = humantime::parse_duration)]
    pub ttl: std::time::Duration,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub jwt: JwtArgs,
}
