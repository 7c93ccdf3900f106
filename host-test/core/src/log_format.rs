//! How `serve` writes one request's access-log line: `plain`, the host's own
//! line (with the instance's memory and how the body ended); `combined`, the
//! Apache/nginx combined log format that log analysers and fail2ban read; or
//! `json`, one object per line for log pipelines.
//!
//! Quoted fields of `combined` escape `"`, `\`, control and non-ASCII bytes
//! as `\xHH`, as nginx does, so that no value can close a quote or start a
//! line of its own; JSON strings are escaped as JSON.

use std::fmt::{self, Write as _};
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use http::{header, HeaderValue, Method, Request, Version};

use crate::report::Report;
use crate::utc_time::UtcTime;

/// `serve --log-format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `METHOD TARGET STATUS bytes=N peak_mem=BYTES outcome=OUTCOME TIME
    /// (total TIME)`, with the instance under reuse.
    #[default]
    Plain,
    /// The combined log format: `REMOTE - - [TIME] "REQUEST" STATUS BYTES
    /// "REFERER" "USER-AGENT"`, `-` for a missing value.
    Combined,
    /// One JSON object per line: time, remote, method, target, protocol,
    /// status, bytes, referer, user_agent, duration_ms, outcome, peak_memory,
    /// instance, instance_request, instance_in_flight (`null` when missing).
    Json,
}

/// What the log says of a request, taken when it arrives, before the
/// request goes to an instance.
pub(crate) struct LoggedRequest {
    method: Method,
    target: String,
    version: Version,
    remote: IpAddr,
    /// The rest only for the formats that write them: `plain` pays nothing
    /// for them.
    received: Option<SystemTime>,
    referer: Option<HeaderValue>,
    user_agent: Option<HeaderValue>,
}

/// How a request ended.
pub(crate) enum Ending<'a> {
    /// The host answered it itself, for this reason; no instance ran.
    Refused { status: u16, why: &'a str },
    /// An instance ran it.
    Served {
        report: &'a Report,
        instance: InstanceNaming,
    },
}

/// What names an instance in the log: with reuse, the serving thread (when
/// there are several), the instance and its how-manieth request; with
/// concurrent reuse, also the requests running in it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InstanceNaming {
    pub thread: Option<usize>,
    pub reuse: bool,
    pub concurrent: bool,
}

impl LoggedRequest {
    pub fn of<B>(request: &Request<B>, remote: IpAddr, format: LogFormat) -> LoggedRequest {
        let detailed = format != LogFormat::Plain;
        let header = |name| {
            detailed
                .then(|| request.headers().get(name).cloned())
                .flatten()
        };
        LoggedRequest {
            method: request.method().clone(),
            target: request.uri().to_string(),
            version: request.version(),
            remote: remote.to_canonical(),
            received: detailed.then(SystemTime::now),
            referer: header(header::REFERER),
            user_agent: header(header::USER_AGENT),
        }
    }

    /// Appends the line (without its newline); `total` is the time since
    /// the request arrived.
    pub fn write(
        &self,
        format: LogFormat,
        ending: &Ending<'_>,
        total: Duration,
        out: &mut String,
    ) -> fmt::Result {
        match format {
            LogFormat::Plain => self.write_plain(ending, total, out),
            LogFormat::Combined => self.write_combined(ending, out),
            LogFormat::Json => self.write_json(ending, total, out),
        }
    }

    fn write_plain(&self, ending: &Ending<'_>, total: Duration, out: &mut String) -> fmt::Result {
        let (method, target) = (&self.method, &self.target);
        let (report, naming) = match ending {
            Ending::Refused { status, why } => {
                return write!(out, "{method} {target} {status} {why}");
            }
            Ending::Served { report, instance } => (report, instance),
        };
        write!(
            out,
            "{method} {target} {} bytes={} peak_mem={} outcome={} {:.1?} (total {:.1?})",
            report.status,
            report.body_bytes,
            report.peak_memory,
            report.outcome,
            report.duration,
            total,
        )?;
        if naming.reuse {
            out.push_str(" instance=");
            write_instance(naming, report, out)?;
            write!(out, "#{}", report.instance_requests)?;
        }
        if naming.concurrent {
            write!(out, " in_flight={}", report.instance_in_flight)?;
        }
        // When counted: the instance's calls into the host so far.
        if let Some(calls) = report.host_calls {
            write!(out, " host_calls={calls}")?;
        }
        Ok(())
    }

    fn write_combined(&self, ending: &Ending<'_>, out: &mut String) -> fmt::Result {
        write!(out, "{} - - [", self.remote)?;
        UtcTime::from_system(self.received.unwrap_or_else(SystemTime::now))
            .write_common_log(out)?;
        out.push_str("] \"");
        escape_quoted(self.method.as_str().as_bytes(), out);
        out.push(' ');
        escape_quoted(self.target.as_bytes(), out);
        out.push(' ');
        out.push_str(protocol(self.version));
        let (status, bytes) = status_and_bytes(ending);
        write!(out, "\" {status} ")?;
        // As Apache's `%b`: `-` for no body bytes.
        if bytes == 0 {
            out.push('-');
        } else {
            write!(out, "{bytes}")?;
        }
        for value in [&self.referer, &self.user_agent] {
            out.push_str(" \"");
            match value {
                Some(value) => escape_quoted(value.as_bytes(), out),
                None => out.push('-'),
            }
            out.push('"');
        }
        Ok(())
    }

    fn write_json(&self, ending: &Ending<'_>, total: Duration, out: &mut String) -> fmt::Result {
        out.push_str("{\"time\":\"");
        UtcTime::from_system(self.received.unwrap_or_else(SystemTime::now)).write_rfc3339(out)?;
        write!(out, "\",\"remote\":\"{}\",\"method\":", self.remote)?;
        json_string(self.method.as_str().as_bytes(), out);
        out.push_str(",\"target\":");
        json_string(self.target.as_bytes(), out);
        let (status, bytes) = status_and_bytes(ending);
        write!(
            out,
            ",\"protocol\":\"{}\",\"status\":{status},\"bytes\":{bytes},\"referer\":",
            protocol(self.version)
        )?;
        json_optional(self.referer.as_ref(), out);
        out.push_str(",\"user_agent\":");
        json_optional(self.user_agent.as_ref(), out);
        write!(
            out,
            ",\"duration_ms\":{:.3},\"outcome\":",
            total.as_secs_f64() * 1000.0
        )?;
        match ending {
            Ending::Refused { why, .. } => {
                json_string(why.as_bytes(), out);
                out.push_str(
                    ",\"peak_memory\":null,\"instance\":null,\"instance_request\":null,\
                     \"instance_in_flight\":null}",
                );
            }
            Ending::Served { report, instance } => {
                json_string(report.outcome.to_string().as_bytes(), out);
                write!(out, ",\"peak_memory\":{},\"instance\":", report.peak_memory)?;
                if instance.reuse {
                    out.push('"');
                    write_instance(instance, report, out)?;
                    write!(out, "\",\"instance_request\":{}", report.instance_requests)?;
                } else {
                    out.push_str("null,\"instance_request\":null");
                }
                if instance.concurrent {
                    write!(
                        out,
                        ",\"instance_in_flight\":{}}}",
                        report.instance_in_flight
                    )?;
                } else {
                    out.push_str(",\"instance_in_flight\":null}");
                }
            }
        }
        Ok(())
    }
}

/// `T.ID` (the serving thread, when there are several) or `ID`.
fn write_instance(naming: &InstanceNaming, report: &Report, out: &mut String) -> fmt::Result {
    if let Some(thread) = naming.thread {
        write!(out, "{thread}.")?;
    }
    write!(out, "{}", report.instance_id)
}

fn status_and_bytes(ending: &Ending<'_>) -> (u16, u64) {
    match ending {
        Ending::Refused { status, .. } => (*status, 0),
        Ending::Served { report, .. } => (report.status, report.body_bytes),
    }
}

fn protocol(version: Version) -> &'static str {
    match version {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// A value inside a combined-format quote: printable ASCII but `"` and `\`
/// as is, every other byte as `\xHH`.
fn escape_quoted(bytes: &[u8], out: &mut String) {
    for &byte in bytes {
        if (0x20..0x7f).contains(&byte) && byte != b'"' && byte != b'\\' {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "\\x{byte:02X}");
        }
    }
}

/// A JSON string; bytes that are not UTF-8 become U+FFFD.
fn json_string(bytes: &[u8], out: &mut String) {
    out.push('"');
    for c in String::from_utf8_lossy(bytes).chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_optional(value: Option<&HeaderValue>, out: &mut String) {
    match value {
        Some(value) => json_string(value.as_bytes(), out),
        None => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Outcome;
    use std::time::UNIX_EPOCH;

    fn facts(headers: &[(&str, &[u8])]) -> LoggedRequest {
        let mut builder = Request::builder()
            .method("GET")
            .uri("/a%20b.txt?q=1")
            .version(Version::HTTP_11);
        for (name, value) in headers {
            builder = builder.header(*name, HeaderValue::from_bytes(value).unwrap());
        }
        let request = builder.body(()).unwrap();
        let mut facts = LoggedRequest::of(
            &request,
            "::ffff:192.0.2.7".parse().unwrap(),
            LogFormat::Json,
        );
        facts.received = Some(UNIX_EPOCH + Duration::from_secs(1_796_558_400));
        facts
    }

    fn report() -> Report {
        let mut report = Report::without_instance(200, Outcome::Finished);
        report.body_bytes = 1024;
        report.peak_memory = 65536;
        report.instance_id = 3;
        report.instance_requests = 12;
        report.instance_in_flight = 2;
        report.duration = Duration::from_micros(250);
        report
    }

    fn line(facts: &LoggedRequest, format: LogFormat, ending: &Ending<'_>) -> String {
        let mut out = String::new();
        facts
            .write(format, ending, Duration::from_micros(1500), &mut out)
            .unwrap();
        out
    }

    /// The line of `report()` served by an instance shared in every way.
    fn served_line(facts: &LoggedRequest, format: LogFormat) -> String {
        let report = report();
        let served = Ending::Served {
            report: &report,
            instance: SHARED,
        };
        line(facts, format, &served)
    }

    const SHARED: InstanceNaming = InstanceNaming {
        thread: Some(1),
        reuse: true,
        concurrent: true,
    };

    #[test]
    fn combined_quotes_escape_what_could_end_them() {
        let facts = facts(&[
            ("referer", b"https://example.test/\"x\""),
            ("user-agent", b"curl/8 \\ \xff"),
        ]);
        assert_eq!(
            served_line(&facts, LogFormat::Combined),
            "192.0.2.7 - - [06/Dec/2026:12:00:00 +0000] \"GET /a%20b.txt?q=1 HTTP/1.1\" 200 1024 \
             \"https://example.test/\\x22x\\x22\" \"curl/8 \\x5C \\xFF\""
        );
        let refused = Ending::Refused {
            status: 503,
            why: "max concurrent requests reached",
        };
        assert_eq!(
            line(&self::facts(&[]), LogFormat::Combined, &refused),
            "192.0.2.7 - - [06/Dec/2026:12:00:00 +0000] \"GET /a%20b.txt?q=1 HTTP/1.1\" 503 - \
             \"-\" \"-\""
        );
    }

    #[test]
    fn json_names_every_field_and_nulls_what_is_missing() {
        let facts = facts(&[("user-agent", b"a \"b\"\t")]);
        assert_eq!(
            served_line(&facts, LogFormat::Json),
            "{\"time\":\"2026-12-06T12:00:00.000Z\",\"remote\":\"192.0.2.7\",\"method\":\"GET\",\
             \"target\":\"/a%20b.txt?q=1\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"bytes\":1024,\
             \"referer\":null,\"user_agent\":\"a \\\"b\\\"\\t\",\"duration_ms\":1.500,\
             \"outcome\":\"finished\",\"peak_memory\":65536,\"instance\":\"1.3\",\
             \"instance_request\":12,\"instance_in_flight\":2}"
        );
        let report = report();
        let fresh = Ending::Served {
            report: &report,
            instance: InstanceNaming {
                thread: None,
                reuse: false,
                concurrent: false,
            },
        };
        assert!(line(&facts, LogFormat::Json, &fresh).ends_with(
            "\"peak_memory\":65536,\"instance\":null,\"instance_request\":null,\
             \"instance_in_flight\":null}"
        ));
    }

    #[test]
    fn plain_is_the_hosts_own_line() {
        let facts = facts(&[]);
        assert_eq!(
            served_line(&facts, LogFormat::Plain),
            "GET /a%20b.txt?q=1 200 bytes=1024 peak_mem=65536 outcome=finished 250.0µs \
             (total 1.5ms) instance=1.3#12 in_flight=2"
        );
        let refused = Ending::Refused {
            status: 400,
            why: "bad host",
        };
        assert_eq!(
            line(&facts, LogFormat::Plain, &refused),
            "GET /a%20b.txt?q=1 400 bad host"
        );
    }
}
