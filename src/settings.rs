//! Settings from environment variables, parsed once per instance.
//!
//! An invalid value never traps: it is reported (once) and the default is used.

use std::time::Duration;

use crate::request::path::PathSource;
use crate::request::want_digest::DigestOffer;
use crate::send::rate_limit::RateLimit;

/// How the body bytes travel from the file to the response stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transfer {
    /// The guest reads a chunk into linear memory and writes it.
    Chunked,
    /// The host moves bytes from the file stream to the body stream (`splice`):
    /// no payload byte enters linear memory.
    Splice,
}

/// Who cuts a response whose client stopped taking bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StallTimeout {
    /// The component aborts it once the client has taken nothing for this long.
    Guest(Duration),
    /// The host enforces a write timeout of its own (`host-test serve` does;
    /// `wasmtime serve` and Spin do not): the component sets no timer, and
    /// the WASI 0.3 build may hand a whole file's stream to the host.
    Host,
    /// Nobody: a stalled client keeps its response for ever (`0`).
    Off,
}

impl StallTimeout {
    /// The component's own timer, if it keeps one.
    pub fn guest_timer(self) -> Option<Duration> {
        match self {
            StallTimeout::Guest(limit) => Some(limit),
            StallTimeout::Host | StallTimeout::Off => None,
        }
    }
}

/// `DIRECTORY_DOWNLOAD`: opt-in, since an archive reads every file below a
/// directory for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirectoryDownload {
    Off,
    /// `GET /dir/?download=tar`: a POSIX tar archive, streamed.
    Tar,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Guest path of the preopened directory to serve.
    pub root: String,
    /// Largest chunk read or written at once, in bytes.
    pub chunk_size: u32,
    /// Abort a response when the client grants no write budget for this long.
    pub stall_timeout: StallTimeout,
    pub transfer: Transfer,
    /// Sent as `Cache-Control` on every file response when set.
    pub cache_control: Option<String>,
    /// The file a directory path ending in `/` serves.
    pub index_file: String,
    /// A listing (HTML or JSON) for directories without an index file.
    pub directory_listing: bool,
    /// Whether `/dir/?download=tar` streams the directory as one archive.
    pub directory_download: DirectoryDownload,
    /// Serve paths with a segment starting with `.` (`.well-known` always is).
    pub serve_hidden: bool,
    /// Served with 200 for a GET/HEAD of a missing path (single-page apps).
    pub fallback_path: Option<String>,
    /// Served with 404 for a missing path.
    pub custom_404_path: Option<String>,
    /// The `_headers` file (relative to the root), or none.
    pub headers_file: Option<String>,
    /// The `_redirects` file (relative to the root), or none.
    pub redirects_file: Option<String>,
    /// `/about` serves `about.html`; `/about.html` redirects to `/about`.
    pub clean_urls: bool,
    pub trailing_slash: TrailingSlash,
    /// The `sha256sum` manifest (relative to the root), or none.
    pub manifest: Option<String>,
    /// `LIMIT_RATE` and `LIMIT_RATE_AFTER`; none: full speed.
    pub rate_limit: Option<RateLimit>,
    /// Where the path to serve comes from (`PATH_SOURCE`).
    pub path_source: PathSource,
    /// A path (`/healthz`) answered `200 ok` before any file lookup, for
    /// probes: it says the instance runs, whatever the root holds.
    pub health_path: Option<String>,
    /// Cross-origin reads (`CORS_ALLOW_ORIGINS` and the rest); none: off.
    pub cors: Option<Cors>,
    /// How long a rule file found absent stays absent for this instance
    /// (`RULES_RECHECK`); none: looked up on every request.
    pub rules_recheck: Option<Duration>,
}

/// Which origins may read the site, and what a preflight is told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cors {
    pub origins: CorsOrigins,
    /// `Access-Control-Allow-Headers` for preflights (`CORS_ALLOW_HEADERS`).
    pub allow_headers: Option<String>,
    /// `Access-Control-Max-Age` in seconds (`CORS_MAX_AGE`).
    pub max_age: Option<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsOrigins {
    /// `*`: any origin, without credentials.
    Any,
    /// These origins (`https://app.example`), each answered with itself.
    List(Vec<String>),
}

/// Which paths end in `/`: requests are redirected (308) to that form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrailingSlash {
    /// Directories with one (`/docs` -> `/docs/`, 301 as always), pages
    /// without (`/about/` -> `/about` when clean URLs find `about.html`).
    Auto,
    /// Clean-URL pages too: `/about` -> `/about/`, which serves `about.html`.
    Always,
    /// Nothing with one: `/docs/` -> `/docs`, which serves its index file.
    Never,
}

const MIN_CHUNK_SIZE: u32 = 1024;
/// `Descriptor::read` and input streams return at most 64 KiB per call anyway.
const MAX_CHUNK_SIZE: u32 = 65536;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            root: "/".to_string(),
            chunk_size: MAX_CHUNK_SIZE,
            stall_timeout: StallTimeout::Guest(Duration::from_secs(30)),
            // Faster than splice under wasmtime serve and host-test, whose
            // file reads for a splice are a spawn_blocking round trip per
            // chunk on the host; its cost is one more 64 KiB page. The
            // figures: docs/design.md "Transfer modes".
            transfer: Transfer::Chunked,
            cache_control: None,
            index_file: "index.html".to_string(),
            directory_listing: false,
            directory_download: DirectoryDownload::Off,
            serve_hidden: false,
            fallback_path: None,
            custom_404_path: None,
            headers_file: Some("_headers".to_string()),
            redirects_file: Some("_redirects".to_string()),
            clean_urls: false,
            trailing_slash: TrailingSlash::Auto,
            manifest: None,
            rate_limit: None,
            path_source: PathSource::RequestTarget,
            health_path: None,
            cors: None,
            rules_recheck: None,
        }
    }
}

/// A setting that could not be used, with the reason; the default was kept.
#[derive(Debug, PartialEq, Eq)]
pub struct Warning {
    pub name: &'static str,
    pub value: String,
    pub reason: &'static str,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "wasi-fileserver: ignoring {}={:?}: {}; using the default",
            self.name, self.value, self.reason
        )
    }
}

/// The instance's settings: read from the environment on first use, then
/// kept, so a host that reuses instances pays for it once.
pub fn settings() -> &'static Settings {
    static SETTINGS: std::sync::OnceLock<Settings> = std::sync::OnceLock::new();
    SETTINGS.get_or_init(Settings::from_environment)
}

impl Settings {
    /// The settings from the process environment; each unusable value is
    /// reported once on stderr.
    fn from_environment() -> Settings {
        let (settings, warnings) = Settings::from_lookup(|name| std::env::var(name).ok());
        for warning in warnings {
            eprintln!("{warning}");
        }
        settings
    }

    /// Whether responses can carry a digest: only with a manifest.
    pub(crate) fn digest_offer(&self) -> DigestOffer {
        match self.manifest {
            Some(_) => DigestOffer::Sha256,
            None => DigestOffer::None,
        }
    }

    /// The site's own files, never served: the rule files and the manifest.
    pub(crate) fn unserved_files(&self) -> impl Iterator<Item = &String> {
        [&self.headers_file, &self.redirects_file, &self.manifest]
            .into_iter()
            .flatten()
    }

    /// Whether a preopen's guest path is `root` (trailing slashes ignored).
    pub(crate) fn is_root(&self, guest_path: &str) -> bool {
        let trimmed = guest_path.trim_end_matches('/');
        (if trimmed.is_empty() { "/" } else { trimmed }) == self.root
    }

    /// Reads every setting through `lookup` (the environment in the component).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> (Settings, Vec<Warning>) {
        let mut settings = Settings::default();
        let mut warnings = Vec::new();
        let s = &mut settings;
        let mut read =
            |name: &'static str, apply: &mut dyn FnMut(&str) -> Result<(), &'static str>| {
                if let Some(value) = lookup(name) {
                    if let Err(reason) = apply(&value) {
                        warnings.push(Warning {
                            name,
                            value,
                            reason,
                        });
                    }
                }
            };
        read("ROOT", &mut |v| parse_root(v).map(|x| s.root = x));
        read("CHUNK_SIZE", &mut |v| {
            parse_chunk_size(v).map(|x| s.chunk_size = x)
        });
        read("STALL_TIMEOUT", &mut |v| {
            parse_stall_timeout(v).map(|x| s.stall_timeout = x)
        });
        read("TRANSFER", &mut |v| {
            parse_transfer(v).map(|x| s.transfer = x)
        });
        read("CACHE_CONTROL", &mut |v| {
            parse_header_value(v).map(|x| s.cache_control = x)
        });
        read("INDEX_FILE", &mut |v| {
            parse_file_name(v).map(|x| s.index_file = x)
        });
        read("DIRECTORY_LISTING", &mut |v| {
            parse_bool(v).map(|x| s.directory_listing = x)
        });
        read("DIRECTORY_DOWNLOAD", &mut |v| {
            parse_directory_download(v).map(|x| s.directory_download = x)
        });
        read("SERVE_HIDDEN", &mut |v| {
            parse_bool(v).map(|x| s.serve_hidden = x)
        });
        read("FALLBACK_PATH", &mut |v| {
            parse_site_path(v).map(|x| s.fallback_path = x)
        });
        read("CUSTOM_404_PATH", &mut |v| {
            parse_site_path(v).map(|x| s.custom_404_path = x)
        });
        read("HEADERS_FILE", &mut |v| {
            parse_rules_file(v).map(|x| s.headers_file = x)
        });
        read("REDIRECTS_FILE", &mut |v| {
            parse_rules_file(v).map(|x| s.redirects_file = x)
        });
        read("CLEAN_URLS", &mut |v| {
            parse_bool(v).map(|x| s.clean_urls = x)
        });
        read("TRAILING_SLASH", &mut |v| {
            parse_trailing_slash(v).map(|x| s.trailing_slash = x)
        });
        read("MANIFEST", &mut |v| {
            parse_site_path(v).map(|x| s.manifest = x)
        });
        read("HEALTH_PATH", &mut |v| {
            parse_health_path(v).map(|x| s.health_path = x)
        });
        let mut origins = None;
        let mut allow_headers = None;
        let mut max_age = None;
        read("CORS_ALLOW_ORIGINS", &mut |v| {
            parse_cors_origins(v).map(|x| origins = x)
        });
        read("CORS_ALLOW_HEADERS", &mut |v| {
            parse_header_value(v).map(|x| allow_headers = x)
        });
        read("CORS_MAX_AGE", &mut |v| {
            v.trim()
                .parse::<u32>()
                .map(|x| max_age = Some(x))
                .map_err(|_| "must be a number of seconds such as 600")
        });
        s.cors = origins.map(|origins| Cors {
            origins,
            allow_headers,
            max_age,
        });
        read("RULES_RECHECK", &mut |v| {
            parse_duration(v).map(|x| s.rules_recheck = x)
        });
        read("PATH_SOURCE", &mut |v| {
            parse_path_source(v).map(|x| s.path_source = x)
        });
        let mut rate = 0;
        let mut after = 0;
        read("LIMIT_RATE", &mut |v| parse_bytes(v).map(|x| rate = x));
        read("LIMIT_RATE_AFTER", &mut |v| {
            parse_bytes(v).map(|x| after = x)
        });
        s.rate_limit = (rate > 0).then_some(RateLimit {
            bytes_per_second: rate,
            after,
        });
        (settings, warnings)
    }
}

fn parse_root(v: &str) -> Result<String, &'static str> {
    if !v.starts_with('/') {
        return Err("must be an absolute guest path such as / or /public");
    }
    let trimmed = v.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    })
}

fn parse_chunk_size(v: &str) -> Result<u32, &'static str> {
    match v.trim().parse::<u32>() {
        Ok(n) if (MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&n) => Ok(n),
        _ => Err("must be a whole number of bytes from 1024 to 65536"),
    }
}

/// `30s`, `500ms` or bare seconds; `0` disables.
fn parse_duration(v: &str) -> Result<Option<Duration>, &'static str> {
    const ERR: &str = "must look like 30s, 500ms or 30 (seconds); 0 disables";
    let v = v.trim();
    let (digits, unit_ms) = if let Some(d) = v.strip_suffix("ms") {
        (d, 1)
    } else if let Some(d) = v.strip_suffix('s') {
        (d, 1000)
    } else {
        (v, 1000)
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ERR);
    }
    let n: u64 = digits.parse().map_err(|_| ERR)?;
    let ms = n.checked_mul(unit_ms).ok_or(ERR)?;
    Ok((ms > 0).then(|| Duration::from_millis(ms)))
}

/// A duration, `0` (off) or `host`.
fn parse_stall_timeout(v: &str) -> Result<StallTimeout, &'static str> {
    if v.trim().eq_ignore_ascii_case("host") {
        return Ok(StallTimeout::Host);
    }
    match parse_duration(v) {
        Ok(Some(limit)) => Ok(StallTimeout::Guest(limit)),
        Ok(None) => Ok(StallTimeout::Off),
        Err(_) => {
            Err("must look like 30s, 500ms or 30 (seconds); 0 disables; host leaves it to the host")
        }
    }
}

/// Bytes as nginx writes sizes: `512`, `512k`, `1m`, `1g` (powers of 1024).
fn parse_bytes(v: &str) -> Result<u64, &'static str> {
    const ERR: &str = "must be a number of bytes, with an optional k, m or g (1024-based)";
    let v = v.trim().to_ascii_lowercase();
    let (digits, unit) = match v.char_indices().last() {
        Some((at, 'k')) => (v.get(..at), 1u64 << 10),
        Some((at, 'm')) => (v.get(..at), 1 << 20),
        Some((at, 'g')) => (v.get(..at), 1 << 30),
        _ => (Some(v.as_str()), 1),
    };
    let digits = digits.filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
    let n: u64 = digits.and_then(|d| d.parse().ok()).ok_or(ERR)?;
    n.checked_mul(unit).ok_or(ERR)
}

fn parse_bool(v: &str) -> Result<bool, &'static str> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err("must be true, false, 1 or 0"),
    }
}

/// Empty means unset; otherwise it must be a valid header value.
fn parse_header_value(v: &str) -> Result<Option<String>, &'static str> {
    let v = v.trim();
    if v.bytes().any(|b| b < 0x20 && b != b'\t' || b == 0x7f) {
        return Err("must not contain control characters");
    }
    Ok((!v.is_empty()).then(|| v.to_string()))
}

fn parse_file_name(v: &str) -> Result<String, &'static str> {
    let v = v.trim();
    if v.is_empty() || v == "." || v == ".." || v.contains(['/', '\\', '\0']) {
        return Err("must be a plain file name such as index.html");
    }
    Ok(v.to_string())
}

/// `*`, or origins separated by commas (`https://a.example, http://b:8080`):
/// a scheme, `://` and a host, without a path; empty: none.
fn parse_cors_origins(v: &str) -> Result<Option<CorsOrigins>, &'static str> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if v == "*" {
        return Ok(Some(CorsOrigins::Any));
    }
    let mut list = Vec::new();
    for origin in v.split(',').map(str::trim) {
        let host = origin
            .strip_prefix("https://")
            .or_else(|| origin.strip_prefix("http://"));
        match host {
            Some(host) if !host.is_empty() && !host.contains(['/', ' ', '*']) => {
                list.push(origin.to_string())
            }
            _ => {
                return Err("must be * or origins such as https://app.example, separated by commas")
            }
        }
    }
    Ok(Some(CorsOrigins::List(list)))
}

/// An absolute request path without a query; empty: none.
fn parse_health_path(v: &str) -> Result<Option<String>, &'static str> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let visible = v.bytes().all(|b| b.is_ascii_graphic());
    if !v.starts_with('/') || !visible || v.contains(['?', '#']) {
        return Err("must be an absolute path without a query, such as /healthz");
    }
    Ok(Some(v.to_string()))
}

/// A path below the root such as `/index.html` (a leading `/` is optional);
/// stored relative to the root. Empty means unset.
fn parse_site_path(v: &str) -> Result<Option<String>, &'static str> {
    const ERR: &str = "must be a path below the root such as /index.html";
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let relative = v.trim_start_matches('/');
    let segments_ok = relative
        .split('/')
        .all(|s| !s.is_empty() && s != "." && s != "..");
    if !segments_ok || relative.contains(['\\', '\0']) {
        return Err(ERR);
    }
    Ok(Some(relative.to_string()))
}

/// A path below the root, or `off`.
fn parse_rules_file(v: &str) -> Result<Option<String>, &'static str> {
    if v.trim().eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    match parse_site_path(v) {
        Ok(Some(path)) => Ok(Some(path)),
        _ => Err("must be a path below the root such as /_headers, or off"),
    }
}

fn parse_trailing_slash(v: &str) -> Result<TrailingSlash, &'static str> {
    let choices = [
        ("auto", TrailingSlash::Auto),
        ("always", TrailingSlash::Always),
        ("never", TrailingSlash::Never),
    ];
    one_of(v, &choices, "must be auto, always or never")
}

fn parse_path_source(v: &str) -> Result<PathSource, &'static str> {
    let choices = [
        ("request-target", PathSource::RequestTarget),
        ("spin-path-info", PathSource::SpinPathInfo),
    ];
    one_of(v, &choices, "must be request-target or spin-path-info")
}

fn parse_directory_download(v: &str) -> Result<DirectoryDownload, &'static str> {
    let choices = [
        ("off", DirectoryDownload::Off),
        ("tar", DirectoryDownload::Tar),
    ];
    one_of(v, &choices, "must be off or tar")
}

fn parse_transfer(v: &str) -> Result<Transfer, &'static str> {
    let choices = [("chunked", Transfer::Chunked), ("splice", Transfer::Splice)];
    one_of(v, &choices, "must be chunked or splice")
}

/// The value `v` names among `choices`, ignoring case and surrounding space.
fn one_of<T: Copy>(v: &str, choices: &[(&str, T)], error: &'static str) -> Result<T, &'static str> {
    let v = v.trim();
    choices
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(v))
        .map(|(_, value)| *value)
        .ok_or(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings that must all be valid.
    fn valid(pairs: &[(&str, &str)]) -> Settings {
        let (settings, warnings) = from(pairs);
        assert!(warnings.is_empty(), "{warnings:?}");
        settings
    }

    fn from(pairs: &[(&str, &str)]) -> (Settings, Vec<Warning>) {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_when_unset() {
        let (s, w) = from(&[]);
        assert_eq!(s, Settings::default());
        assert!(w.is_empty());
        assert_eq!(s.chunk_size, 65536);
        assert_eq!(
            s.stall_timeout,
            StallTimeout::Guest(Duration::from_secs(30))
        );
    }

    #[test]
    fn valid_values_are_used() {
        let s = valid(&[
            ("ROOT", "/public/"),
            ("CHUNK_SIZE", "1024"),
            ("STALL_TIMEOUT", "500ms"),
            ("TRANSFER", "SPLICE"),
        ]);
        assert_eq!(s.root, "/public");
        assert_eq!(s.chunk_size, 1024);
        assert_eq!(
            s.stall_timeout,
            StallTimeout::Guest(Duration::from_millis(500))
        );
        assert_eq!(
            from(&[("STALL_TIMEOUT", "Host")]).0.stall_timeout,
            StallTimeout::Host
        );
        assert_eq!(
            from(&[("STALL_TIMEOUT", "0")]).0.stall_timeout,
            StallTimeout::Off
        );
        assert_eq!(s.transfer, Transfer::Splice);
    }

    #[test]
    fn root_preopen_matching() {
        let s = Settings::default();
        assert!(s.is_root("/") && s.is_root("//") && !s.is_root("/srv"));
        let srv = from(&[("ROOT", "/srv/")]).0;
        assert!(
            srv.is_root("/srv")
                && srv.is_root("/srv/")
                && !srv.is_root("/")
                && !srv.is_root("/srv/www")
        );
    }

    #[test]
    fn site_settings() {
        let s = valid(&[
            ("CACHE_CONTROL", "public, max-age=60"),
            ("INDEX_FILE", "home.htm"),
            ("DIRECTORY_LISTING", "1"),
            ("DIRECTORY_DOWNLOAD", "Tar"),
            ("SERVE_HIDDEN", "TRUE"),
            ("FALLBACK_PATH", "/app/index.html"),
            ("CUSTOM_404_PATH", "404.html"),
        ]);
        assert_eq!(s.cache_control.as_deref(), Some("public, max-age=60"));
        assert_eq!(s.index_file, "home.htm");
        assert!(s.directory_listing && s.serve_hidden);
        assert_eq!(s.directory_download, DirectoryDownload::Tar);
        assert_eq!(s.fallback_path.as_deref(), Some("app/index.html"));
        assert_eq!(s.custom_404_path.as_deref(), Some("404.html"));
        let (s, w) = from(&[
            ("CACHE_CONTROL", "a\nb"),
            ("INDEX_FILE", "../x"),
            ("DIRECTORY_LISTING", "yes"),
            ("DIRECTORY_DOWNLOAD", "zip"),
            ("FALLBACK_PATH", "/../etc/passwd"),
            ("CUSTOM_404_PATH", "/a//b"),
        ]);
        assert_eq!(w.len(), 6, "{w:?}");
        assert_eq!(s.directory_download, DirectoryDownload::Off);
        assert_eq!(s, Settings::default());
        assert_eq!(from(&[("CACHE_CONTROL", "")]).0.cache_control, None);
    }

    #[test]
    fn download_settings() {
        let s = valid(&[
            ("MANIFEST", "/SHA256SUMS"),
            ("LIMIT_RATE", "512k"),
            ("LIMIT_RATE_AFTER", "1M"),
        ]);
        assert_eq!(s.manifest.as_deref(), Some("SHA256SUMS"));
        assert_eq!(
            s.rate_limit,
            Some(RateLimit {
                bytes_per_second: 512 * 1024,
                after: 1024 * 1024
            })
        );
        assert_eq!(from(&[("LIMIT_RATE", "0")]).0.rate_limit, None);
        assert_eq!(from(&[("LIMIT_RATE_AFTER", "1m")]).0.rate_limit, None);
        let (s, w) = from(&[
            ("MANIFEST", "../x"),
            ("LIMIT_RATE", "fast"),
            ("LIMIT_RATE_AFTER", "99999999999999999999g"),
        ]);
        assert_eq!(w.len(), 3, "{w:?}");
        assert_eq!(s, Settings::default());
        assert_eq!(from(&[("LIMIT_RATE", "k")]).1.len(), 1);
    }

    #[test]
    fn rule_settings() {
        let s = valid(&[
            ("HEADERS_FILE", "/config/_headers"),
            ("REDIRECTS_FILE", "off"),
            ("CLEAN_URLS", "true"),
            ("TRAILING_SLASH", "Always"),
        ]);
        assert_eq!(s.headers_file.as_deref(), Some("config/_headers"));
        assert_eq!(s.redirects_file, None);
        assert!(s.clean_urls);
        assert_eq!(s.trailing_slash, TrailingSlash::Always);
        let (s, w) = from(&[("HEADERS_FILE", "../x"), ("TRAILING_SLASH", "sometimes")]);
        assert_eq!(w.len(), 2);
        assert_eq!(s.headers_file.as_deref(), Some("_headers"));
    }

    #[test]
    fn the_path_source_is_the_request_target_unless_set() {
        assert_eq!(Settings::default().path_source, PathSource::RequestTarget);
        let s = valid(&[("PATH_SOURCE", "Spin-Path-Info")]);
        assert_eq!(s.path_source, PathSource::SpinPathInfo);
        let (s, w) = from(&[("PATH_SOURCE", "x-original-uri")]);
        assert_eq!((s.path_source, w.len()), (PathSource::RequestTarget, 1));
    }

    #[test]
    fn cors_settings() {
        assert_eq!(Settings::default().cors, None);
        let s = valid(&[
            (
                "CORS_ALLOW_ORIGINS",
                "https://a.example, http://b.example:8080",
            ),
            ("CORS_ALLOW_HEADERS", "content-type, range"),
            ("CORS_MAX_AGE", "600"),
        ]);
        assert_eq!(
            s.cors,
            Some(Cors {
                origins: CorsOrigins::List(vec![
                    "https://a.example".into(),
                    "http://b.example:8080".into()
                ]),
                allow_headers: Some("content-type, range".into()),
                max_age: Some(600),
            })
        );
        assert_eq!(
            valid(&[("CORS_ALLOW_ORIGINS", "*")])
                .cors
                .map(|c| c.origins),
            Some(CorsOrigins::Any)
        );
        // The other settings alone turn nothing on.
        assert_eq!(valid(&[("CORS_MAX_AGE", "600")]).cors, None);
        for bad in [
            "a.example",
            "https://a.example/path",
            "https://*.example",
            "ftp://a",
        ] {
            let (s, w) = from(&[("CORS_ALLOW_ORIGINS", bad)]);
            assert_eq!((s.cors, w.len()), (None, 1), "{bad}");
        }
    }

    #[test]
    fn health_path() {
        assert_eq!(Settings::default().health_path, None);
        let s = valid(&[("HEALTH_PATH", " /healthz ")]);
        assert_eq!(s.health_path.as_deref(), Some("/healthz"));
        for bad in ["healthz", "/health?x=1", "/a b", "/#x"] {
            let (s, w) = from(&[("HEALTH_PATH", bad)]);
            assert_eq!((s.health_path, w.len()), (None, 1), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Some(Duration::from_secs(30))));
        assert_eq!(parse_duration("7"), Ok(Some(Duration::from_secs(7))));
        assert_eq!(parse_duration("0"), Ok(None));
        assert_eq!(parse_duration("0ms"), Ok(None));
        for bad in [
            "",
            "s",
            "-1",
            "1.5s",
            "10m",
            "99999999999999999999",
            "18446744073709551615s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn invalid_values_warn_and_keep_defaults() {
        let (s, w) = from(&[
            ("ROOT", "public"),
            ("CHUNK_SIZE", "65537"),
            ("STALL_TIMEOUT", "soon"),
            ("TRANSFER", "mmap"),
        ]);
        assert_eq!(s, Settings::default());
        let names: Vec<_> = w.iter().map(|w| w.name).collect();
        assert_eq!(names, ["ROOT", "CHUNK_SIZE", "STALL_TIMEOUT", "TRANSFER"]);
        assert!(w[1].to_string().contains("CHUNK_SIZE=\"65537\""));
        assert_eq!(from(&[("CHUNK_SIZE", "1023")]).1.len(), 1);
        assert_eq!(from(&[("ROOT", "/")]).0.root, "/");
    }
}
