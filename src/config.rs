//! Typed settings: a settings file (`--config FILE`, else `config/default.toml` in the working directory when present,
//! else the same file built into the binary), an optional `local.toml` beside it, then `PHANANH__SECTION__KEY`.
//! Every section denies unknown fields so a misspelt key stops start-up with its name.
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use chrono::NaiveTime;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub log: LogSettings,
    pub metrics: MetricsSettings,
    pub email: EmailSettings,
    pub database: DatabaseSettings,
    pub routing: RoutingSettings,
    pub intake: IntakeSettings,
    pub form: FormSettings,
    pub auth: AuthSettings,
    pub zalo: ZaloSettings,
    pub facebook: FacebookSettings,
    pub outbound: OutboundSettings,
    pub deadlines: DeadlinesSettings,
    pub satisfaction: SatisfactionSettings,
    pub attachments: AttachmentsSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: String,
    pub public_url: String,
    pub max_body_bytes: usize,
    #[serde(deserialize_with = "addresses")]
    pub trusted_proxies: Vec<IpAddr>,
    pub workers: usize,
}

/// Who may read `/metrics`: with a token, whoever sends `Authorization: Bearer TOKEN`; without, loopback clients.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    pub token: String,
}

/// Officers' replies by e-mail to form tickets whose citizen gave an address: off while `smtp_url` is empty.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// `smtp://host:port` (plain, for a relay on the machine or the local network), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://host:465`; user and password as `smtp://user:pass@host`.
    pub smtp_url: String,
    /// The sender, e.g. `Công an xã Thạch Sen <phananh@example.gov.vn>`.
    pub from: String,
}

impl EmailSettings {
    pub fn enabled(&self) -> bool {
        !self.smtp_url.trim().is_empty() && !self.from.trim().is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    Full,
    Normal,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub sqlite_synchronous: SqliteSynchronous,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingSettings {
    /// The provinces served: a 2025 province code ("42"), a list ("40,42") or "*" for the whole country.
    pub province_code: String,
    /// A folder of the gazetteer's files; empty: the gazetteer built into the binary.
    pub gazetteer_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeSettings {
    pub thread_window_days: u32,
    /// Key of the form's duplicate detection (hex, 32+ bytes); empty: generated once and kept in the database.
    pub dedupe_key: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSettings {
    pub rate_limit_per_minute: u32,
    pub duplicate_window_minutes: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// Failed logins allowed a minute per (username, client) pair and per client.
    pub login_rate_limit_per_minute: u32,
    /// Failures for one username from all clients in an hour beyond which each attempt for it is slowed.
    pub login_failures_per_username_per_hour: u32,
    pub session_key: String,
    /// A session ends after this long without a request.
    pub session_idle_minutes: u32,
    /// And after this long whatever happens.
    pub session_max_hours: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZaloSettings {
    pub app_id: String,
    pub app_secret: String,
    pub oa_secret_key: String,
    pub oa_id: String,
    pub access_token: String,
    pub refresh_token: String,
    pub unit_code: String,
    pub api_base: String,
    pub oauth_base: String,
    pub verification_path: String,
    pub verification_body: String,
    pub oa: Vec<ZaloOa>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZaloOa {
    pub oa_id: String,
    #[serde(default)]
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: String,
    #[serde(default)]
    pub unit_code: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacebookSettings {
    pub app_secret: String,
    pub verify_token: String,
    pub page_id: String,
    pub page_access_token: String,
    pub unit_code: String,
    pub graph_base: String,
    pub graph_version: String,
    pub human_agent_tag: bool,
    pub page: Vec<FacebookPage>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundSettings {
    pub max_attempts: u32,
    pub backoff_base_ms: u64,
    pub backoff_max_secs: u64,
    pub poll_interval_ms: u64,
    pub http_timeout_secs: u64,
    /// Rows another instance left in `sending` this long (it died mid-send) become `unknown`; longer than any
    /// send can take (a send, a token refresh and the retried send: 3 x http_timeout_secs) plus clock skew.
    pub recover_after_secs: u64,
    /// Sends in flight at once per instance (`outbound::worker`).
    pub concurrency: usize,
}

/// Evidence kept by phananh (`crate::evidence`): where, how large, how long.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentsSettings {
    /// A folder (relative to the working directory), or `s3://bucket` with `s3_endpoint`.
    pub store: String,
    /// An S3-compatible endpoint (`https://s3.example.vn`; `http://` only on a trusted network); empty: AWS.
    pub s3_endpoint: String,
    /// Empty: from `AWS_REGION`, `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    pub s3_region: String,
    pub s3_access_key_id: String,
    pub s3_secret_access_key: String,
    pub max_bytes: u64,
    /// Files per form submission.
    pub max_files: usize,
    /// 0: keep; else files of tickets closed longer ago are deleted.
    pub retention_days: u32,
    /// A platform download that keeps failing is given up after this many tries.
    pub max_attempts: u32,
    /// The first retry's wait; it doubles each time, up to an hour.
    pub retry_base_ms: u64,
    pub download_timeout_secs: u64,
}

/// Asking citizens how their ticket was handled (`crate::satisfaction`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SatisfactionSettings {
    pub scale: Scale,
    /// How long a survey link answers.
    pub link_expiry_days: u32,
    /// One reminder this long after the question, if unanswered and the channel's window is still open.
    pub reminder_hours: u32,
    /// Legal tracks never surveyed (`crime_report`: a crime report is not a service to rate).
    pub exclude_tracks: Vec<String>,
    /// `GET /transparency`: per-unit satisfaction and on-time rates, no personal data.
    pub public_page: bool,
}

/// The scale a survey asks on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    Five,
    /// Rất hài lòng / Hài lòng / Chưa hài lòng, stored as 5 / 4 / 2 so the same CSAT and reopen rules hold.
    Three,
}

impl Scale {
    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Five => "five",
            Scale::Three => "three",
        }
    }

    pub fn parse(value: &str) -> Option<Scale> {
        match value {
            "five" => Some(Scale::Five),
            "three" => Some(Scale::Three),
            _ => None,
        }
    }
}

/// The legal tracks' clocks and the working-day calendar they count on (`crate::deadlines`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlinesSettings {
    /// The days-off file; empty: the calendar built into the binary.
    pub calendar_file: PathBuf,
    /// "HH:MM" local time (UTC+7): a working-day deadline ends then on its last day.
    #[serde(deserialize_with = "clock_time")]
    pub office_close: NaiveTime,
    pub feedback: TrackSettings,
    pub citizen_request: TrackSettings,
    pub complaint: TrackSettings,
    pub denunciation: TrackSettings,
    pub crime_report: TrackSettings,
}

/// One track's clock, read once: `days` with `working_days`, or `hours`. A track that does not describe exactly
/// one clock, or does not name its legal basis, stops start-up naming the track.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "TrackFields")]
pub struct TrackSettings {
    pub clock: Clock,
    /// A later clock on the same track, in calendar days from the day the unit takes the case on (thụ lý):
    /// complaints and denunciations are resolved within it. The first `due_at` is the first clock's.
    pub resolve_days: Option<u32>,
    /// Calendar days a complex case's resolution may be prolonged by, each time (complaints 30 -> 45: 15;
    /// denunciations: 30).
    pub extend_days: Option<u32>,
    /// How many times the law lets a resolution be prolonged (0: never).
    pub max_extensions: u32,
    /// The law that sets the clock.
    pub basis: String,
}

/// How long a track gives the unit, counted from receipt (what it means on the calendar: `crate::deadlines`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Ends at 23:59:59 local on the nth day after the day of receipt.
    CalendarDays(u32),
    /// Ends at office close on the nth working day after the day of receipt.
    WorkingDays(u32),
    /// Ends exactly this many hours after receipt, nights and days off included (urgent tracks).
    Hours(u32),
}

/// `[deadlines.<track>]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackFields {
    #[serde(default)]
    days: Option<u32>,
    #[serde(default)]
    working_days: Option<bool>,
    #[serde(default)]
    hours: Option<u32>,
    #[serde(default)]
    resolve_days: Option<u32>,
    #[serde(default)]
    extend_days: Option<u32>,
    #[serde(default)]
    max_extensions: Option<u32>,
    basis: String,
}

/// What is wrong with a track's clock; start-up stops with `invalid setting deadlines.<track>: <this>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TrackError {
    #[error("`basis` must name the legal basis")]
    NoBasis,
    #[error("`max_extensions` needs `resolve_days` and `extend_days` above 0")]
    ExtensionWithoutClock,
    #[error("set `days` or `hours`, not both")]
    DaysAndHours,
    #[error("a clock of 0 leaves no time")]
    Zero,
    #[error("`days` needs `working_days` (true: working days, false: calendar days)")]
    DaysWithoutWorkingDays,
    #[error("`working_days` applies to `days`, not `hours`")]
    WorkingDaysWithHours,
    #[error("no clock: set `days` (with `working_days`) or `hours`")]
    NoClock,
}

impl TrackError {
    const ALL: [TrackError; 6] = [
        TrackError::NoBasis,
        TrackError::DaysAndHours,
        TrackError::Zero,
        TrackError::DaysWithoutWorkingDays,
        TrackError::WorkingDaysWithHours,
        TrackError::NoClock,
    ];
}

/// The tracks' keys, as a wrong clock is reported at.
const TRACKS: [&str; 5] = [
    "deadlines.feedback",
    "deadlines.citizen_request",
    "deadlines.complaint",
    "deadlines.denunciation",
    "deadlines.crime_report",
];

impl TryFrom<TrackFields> for TrackSettings {
    type Error = TrackError;

    fn try_from(fields: TrackFields) -> Result<TrackSettings, TrackError> {
        if fields.basis.trim().is_empty() {
            // Laws change: a clock nobody can trace to its article cannot be reviewed.
            return Err(TrackError::NoBasis);
        }
        let clock = match (fields.days, fields.working_days, fields.hours) {
            (Some(_), _, Some(_)) => return Err(TrackError::DaysAndHours),
            (Some(0), _, _) | (_, _, Some(0)) => return Err(TrackError::Zero),
            (Some(days), Some(true), None) => Clock::WorkingDays(days),
            (Some(days), Some(false), None) => Clock::CalendarDays(days),
            (Some(_), None, None) => return Err(TrackError::DaysWithoutWorkingDays),
            (None, Some(_), Some(_)) => return Err(TrackError::WorkingDaysWithHours),
            (None, _, Some(hours)) => Clock::Hours(hours),
            (None, _, None) => return Err(TrackError::NoClock),
        };
        let max_extensions = fields.max_extensions.unwrap_or(0);
        if max_extensions > 0
            && (fields.extend_days.unwrap_or(0) == 0 || fields.resolve_days.is_none())
        {
            // Prolonging is of the resolution clock, by some days.
            return Err(TrackError::ExtensionWithoutClock);
        }
        Ok(TrackSettings {
            clock,
            resolve_days: fields.resolve_days,
            extend_days: fields.extend_days,
            max_extensions,
            basis: fields.basis,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacebookPage {
    pub page_id: String,
    #[serde(default)]
    pub page_access_token: String,
    #[serde(default)]
    pub unit_code: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("settings file {path} not found")]
    Missing { path: String },
    #[error("cannot read settings from {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: config::ConfigError,
    },
    #[error("invalid settings ({}): {source}", .files)]
    Invalid {
        files: String,
        #[source]
        source: config::ConfigError,
    },
    #[error("invalid setting {key}: {message}")]
    Value { key: &'static str, message: String },
}

impl SettingsError {
    /// A track's wrong clock, which serde reports at the track's key, read as a wrong value like the checks'.
    fn of_track(error: &config::ConfigError) -> Option<SettingsError> {
        let config::ConfigError::At {
            error,
            key: Some(key),
            ..
        } = error
        else {
            return None;
        };
        let config::ConfigError::Message(message) = error.as_ref() else {
            return None;
        };
        let key = TRACKS.into_iter().find(|track| track == key)?;
        TrackError::ALL
            .iter()
            .any(|wrong| wrong.to_string() == *message)
            .then(|| SettingsError::Value {
                key,
                message: message.clone(),
            })
    }
}

impl Settings {
    /// Loads `file`, then `local.toml` in the same folder if present, then the environment. Environment variables
    /// are read from `env` so tests need not touch the process environment.
    pub fn load_from(
        file: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, SettingsError> {
        Settings::load_source(&Source::File(file.to_owned()), env)
    }

    /// Loads `source`, then its `local.toml` if present, then the environment (read from `env`).
    pub fn load_source(
        source: &Source,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, SettingsError> {
        let local = source.local();
        let builder = config::Config::builder();
        let builder = match source {
            Source::File(file) => {
                if !file.is_file() {
                    return Err(SettingsError::Missing {
                        path: file.display().to_string(),
                    });
                }
                builder
                    .add_source(config::File::from(file.as_path()).format(config::FileFormat::Toml))
            }
            Source::BuiltIn { .. } => {
                builder.add_source(config::File::from_str(BUILT_IN, config::FileFormat::Toml))
            }
        };
        let env_source = config::Environment::with_prefix("PHANANH")
            .prefix_separator("__")
            .separator("__")
            .source(Some(
                env.into_iter()
                    .filter(|(k, _)| k.starts_with("PHANANH__"))
                    .collect(),
            ));
        let built = builder
            .add_source(
                config::File::from(local.as_path())
                    .format(config::FileFormat::Toml)
                    .required(false),
            )
            .add_source(env_source)
            .build()
            .map_err(|err| SettingsError::Read {
                path: source.to_string(),
                source: err,
            })?;
        let settings: Settings = built.try_deserialize().map_err(|err| {
            SettingsError::of_track(&err).unwrap_or_else(|| SettingsError::Invalid {
                files: format!(
                    "{source}, {} and PHANANH__* environment variables",
                    local.display()
                ),
                source: err,
            })
        })?;
        settings.check()?;
        Ok(settings)
    }

    /// Loads from `--config FILE` when given, else as [`Source::find`] says from the working directory, with the
    /// process environment.
    pub fn load(given: Option<&Path>) -> Result<Settings, SettingsError> {
        Settings::load_source(&Source::find(given, Path::new("")), std::env::vars())
    }

    fn check(&self) -> Result<(), SettingsError> {
        if self.server.max_body_bytes < 1024 {
            return Err(SettingsError::Value {
                key: "server.max_body_bytes",
                message: "must be at least 1024".into(),
            });
        }
        if self.form.rate_limit_per_minute == 0 {
            return Err(SettingsError::Value {
                key: "form.rate_limit_per_minute",
                message: "must be at least 1".into(),
            });
        }
        if self.auth.login_rate_limit_per_minute == 0 {
            return Err(SettingsError::Value {
                key: "auth.login_rate_limit_per_minute",
                message: "must be at least 1".into(),
            });
        }
        for (key, value) in [
            (
                "auth.login_failures_per_username_per_hour",
                self.auth.login_failures_per_username_per_hour,
            ),
            ("auth.session_idle_minutes", self.auth.session_idle_minutes),
            ("auth.session_max_hours", self.auth.session_max_hours),
            (
                "outbound.concurrency",
                u32::try_from(self.outbound.concurrency).unwrap_or(u32::MAX),
            ),
        ] {
            if value == 0 {
                return Err(SettingsError::Value {
                    key,
                    message: "must be at least 1".into(),
                });
            }
        }
        let longest_send = self.outbound.http_timeout_secs.saturating_mul(3);
        if self.outbound.recover_after_secs <= longest_send {
            return Err(SettingsError::Value {
                key: "outbound.recover_after_secs",
                message: format!(
                    "must exceed the longest send, 3 x outbound.http_timeout_secs = {longest_send} s \
                     (a send still running would be called unknown)"
                ),
            });
        }
        let dedupe_key = self.intake.dedupe_key.trim();
        if !dedupe_key.is_empty() && hex::decode(dedupe_key).map_or(true, |k| k.len() < 32) {
            return Err(SettingsError::Value {
                key: "intake.dedupe_key",
                message: "must be at least 32 bytes written in hex (64 hex digits), e.g. from `openssl rand -hex 32`, or empty".into(),
            });
        }
        let session_key = self.auth.session_key.trim();
        if !session_key.is_empty() && hex::decode(session_key).map_or(true, |k| k.len() < 64) {
            return Err(SettingsError::Value {
                key: "auth.session_key",
                message: "must be at least 64 bytes written in hex (128 hex digits), e.g. from `openssl rand -hex 64`".into(),
            });
        }
        url::Url::parse(&self.server.public_url).map_err(|e| SettingsError::Value {
            key: "server.public_url",
            message: e.to_string(),
        })?;
        // The routing crate's own parser; whether each code is a province is the gazetteer's to say when it loads.
        phananh_routing::Scope::parse(&self.routing.province_code).map_err(|_| {
            SettingsError::Value {
                key: "routing.province_code",
                message: format!(
                    "{:?}: give a 2025 province code (\"42\"), a list (\"40,42\") or \"*\" for the whole country",
                    self.routing.province_code
                ),
            }
        })?;
        Ok(())
    }

    /// The public base URL without a trailing slash, for links sent to citizens.
    pub fn public_base(&self) -> &str {
        self.server.public_url.trim_end_matches('/')
    }
}

/// The repository's `config/default.toml`, built into the binary: the defaults when no settings file is found.
pub const BUILT_IN: &str = include_str!("../config/default.toml");

/// The settings file looked for in the working directory when `--config` is not given.
pub fn default_path() -> PathBuf {
    PathBuf::from("config/default.toml")
}

/// Where the settings come from; each has a `local.toml` that applies on top when present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A settings file: `--config FILE`, or `config/default.toml` in the working directory. Its `local.toml` is
    /// beside it.
    File(PathBuf),
    /// [`BUILT_IN`], with `config/local.toml` under the working directory.
    BuiltIn { dir: PathBuf },
}

impl Source {
    /// `given` (`--config FILE`) when there is one, which must then exist; else `config/default.toml` under `dir`
    /// (the working directory: `""`) when present; else the defaults built into the binary.
    pub fn find(given: Option<&Path>, dir: &Path) -> Source {
        if let Some(file) = given {
            return Source::File(file.to_owned());
        }
        let file = dir.join(default_path());
        if file.is_file() {
            Source::File(file)
        } else {
            Source::BuiltIn {
                dir: dir.to_owned(),
            }
        }
    }

    /// The optional `local.toml` applied on top.
    pub fn local(&self) -> PathBuf {
        match self {
            Source::File(file) => file.with_file_name("local.toml"),
            Source::BuiltIn { dir } => dir.join("config/local.toml"),
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::File(file) => write!(f, "{}", file.display()),
            Source::BuiltIn { .. } => f.write_str("the built-in defaults"),
        }
    }
}

/// A local time of day written "HH:MM".
fn clock_time<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<NaiveTime, D::Error> {
    let text = String::deserialize(deserializer)?;
    NaiveTime::parse_from_str(&text, "%H:%M")
        .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a time of day \"HH:MM\"")))
}

/// A list of addresses from TOML (`["10.0.0.1"]`) or from one environment variable (`10.0.0.1,10.0.0.2`).
fn addresses<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<IpAddr>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        Many(Vec<String>),
        One(String),
    }
    let items = match OneOrMany::deserialize(deserializer)? {
        OneOrMany::Many(items) => items,
        OneOrMany::One(joined) => joined
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    items
        .iter()
        .map(|item| {
            item.parse::<IpAddr>()
                .map_err(|_| serde::de::Error::custom(format!("{item:?} is not an IP address")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(
        days: Option<u32>,
        working_days: Option<bool>,
        hours: Option<u32>,
    ) -> Result<Clock, TrackError> {
        TrackSettings::try_from(TrackFields {
            days,
            working_days,
            hours,
            resolve_days: None,
            extend_days: None,
            max_extensions: None,
            basis: "a law".into(),
        })
        .map(|track| track.clock)
    }

    #[test]
    fn a_track_has_exactly_one_clock() {
        assert_eq!(
            track(Some(10), Some(true), None),
            Ok(Clock::WorkingDays(10))
        );
        assert_eq!(
            track(Some(20), Some(false), None),
            Ok(Clock::CalendarDays(20))
        );
        assert_eq!(track(None, None, Some(24)), Ok(Clock::Hours(24)));
        for (days, working_days, hours, wrong) in [
            (None, None, None, TrackError::NoClock),
            (None, Some(true), None, TrackError::NoClock),
            (Some(10), None, None, TrackError::DaysWithoutWorkingDays),
            (Some(10), Some(true), Some(24), TrackError::DaysAndHours),
            (
                None,
                Some(false),
                Some(24),
                TrackError::WorkingDaysWithHours,
            ),
            (Some(0), Some(true), None, TrackError::Zero),
            (None, None, Some(0), TrackError::Zero),
        ] {
            assert_eq!(
                track(days, working_days, hours),
                Err(wrong),
                "{days:?} {working_days:?} {hours:?}"
            );
        }
    }

    /// A folder holding `config/<name>` for each of `files`.
    fn folder_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("config")).unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join("config").join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn settings_come_from_the_given_file_else_the_working_directory_else_the_binary() {
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(
            Source::find(None, empty.path()),
            Source::BuiltIn {
                dir: empty.path().to_owned()
            }
        );
        let checkout = folder_with(&[("default.toml", BUILT_IN)]);
        let found = checkout.path().join("config/default.toml");
        assert_eq!(Source::find(None, checkout.path()), Source::File(found));
        let given = empty.path().join("elsewhere.toml");
        assert_eq!(
            Source::find(Some(&given), checkout.path()),
            Source::File(given.clone()),
            "--config wins over the working directory's file, and is taken even if missing"
        );
        let err = Settings::load_source(&Source::File(given.clone()), Vec::new())
            .unwrap_err()
            .to_string();
        assert!(err.contains(&given.display().to_string()), "{err}");
    }

    #[test]
    fn each_source_takes_its_own_local_toml() {
        let local = "[form]\nrate_limit_per_minute = 42\n";
        // The built-in defaults: config/local.toml under the working directory.
        let dir = folder_with(&[("local.toml", local)]);
        let source = Source::find(None, dir.path());
        assert!(matches!(source, Source::BuiltIn { .. }), "{source:?}");
        let settings = Settings::load_source(&source, Vec::new()).unwrap();
        assert_eq!(settings.form.rate_limit_per_minute, 42);
        // A file: local.toml beside it, not the working directory's.
        let other = tempfile::tempdir().unwrap();
        let file = other.path().join("phananh.toml");
        std::fs::write(
            &file,
            BUILT_IN.replace("province_code = \"42\"", "province_code = \"*\""),
        )
        .unwrap();
        let settings =
            Settings::load_source(&Source::find(Some(&file), dir.path()), Vec::new()).unwrap();
        assert_eq!(settings.routing.province_code, "*");
        assert_eq!(settings.form.rate_limit_per_minute, 10);
        std::fs::write(other.path().join("local.toml"), local).unwrap();
        let settings = Settings::load_source(&Source::File(file), Vec::new()).unwrap();
        assert_eq!(settings.form.rate_limit_per_minute, 42);
        // The environment over both.
        let env = vec![(
            "PHANANH__FORM__RATE_LIMIT_PER_MINUTE".to_owned(),
            "7".to_owned(),
        )];
        let settings = Settings::load_source(&source, env).unwrap();
        assert_eq!(settings.form.rate_limit_per_minute, 7);
    }

    #[test]
    fn the_built_in_defaults_name_the_built_in_gazetteer_and_calendar() {
        let settings = Settings::load_source(
            &Source::BuiltIn {
                dir: PathBuf::from("/nonexistent"),
            },
            Vec::new(),
        )
        .unwrap();
        assert_eq!(settings.routing.province_code, "42");
        assert_eq!(settings.routing.gazetteer_dir, PathBuf::new());
        assert_eq!(settings.deadlines.calendar_file, PathBuf::new());
    }

    fn with_province_code(value: &str) -> Result<Settings, String> {
        let env = vec![(
            "PHANANH__ROUTING__PROVINCE_CODE".to_owned(),
            value.to_owned(),
        )];
        let builtin = Source::BuiltIn {
            dir: PathBuf::from("/nonexistent"),
        };
        Settings::load_source(&builtin, env).map_err(|e| e.to_string())
    }

    const SCOPES: [&str; 6] = ["42", "01", "40,42", " 40 , 42 ", "*", "40,42,40"];
    const NOT_SCOPES: [&str; 9] = [
        "4x",
        "",
        "42,",
        "420",
        "4",
        "*,42",
        "**",
        "42;40",
        "hà tĩnh",
    ];

    #[test]
    fn a_province_code_a_list_or_the_whole_country_is_taken_and_anything_else_named() {
        for value in SCOPES {
            assert!(with_province_code(value).is_ok(), "{value:?}");
        }
        for value in NOT_SCOPES {
            let err = with_province_code(value).unwrap_err();
            assert!(err.contains("routing.province_code"), "{value:?}: {err}");
        }
    }

    #[test]
    fn a_track_names_its_legal_basis() {
        let err = TrackSettings::try_from(TrackFields {
            days: Some(10),
            working_days: Some(true),
            hours: None,
            resolve_days: None,
            extend_days: None,
            max_extensions: None,
            basis: " ".into(),
        })
        .unwrap_err();
        assert_eq!(err, TrackError::NoBasis);
    }
}
