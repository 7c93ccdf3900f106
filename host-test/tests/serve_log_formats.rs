//! `host-test serve --log-format combined|json`: each request's line parses
//! as the format says, with the request's method, target, status and body
//! bytes, quotes in header values escaped; health probes stay out of it.

use std::time::Duration;

use crate::common::http::{eventually, request, Answer};
use crate::common::serve_process;
use host_test::server_process::Lines;

const REFERER: &str = "https://ref.test/\"q\"";
const USER_AGENT: &str = "agent \"x\"/1";

/// What the test asked for, and what it got.
struct Asked {
    method: &'static str,
    target: &'static str,
    answer: Answer,
    /// Sent with the referer and user agent above.
    with_headers: bool,
}

/// Serves a small site with `--log-format FORMAT`, asks for a file, a
/// missing file, a file's head and a health probe, and returns what it
/// asked with the log's lines once one per logged request has come.
async fn requests_and_log(format: &str) -> (Vec<Asked>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "hello").unwrap();
    let (server, log) = serve_process(
        dir.path(),
        &["--log-format", format, "--env", "HEALTH_PATH=/healthz"],
    );
    // First, so that its line, were it logged, would come before the rest.
    let probe = request(server.addr, "GET", "/healthz", &[]).await;
    assert_eq!(probe.status, 200, "{}", probe.head);
    let referer = format!("referer: {REFERER}");
    let user_agent = format!("user-agent: {USER_AGENT}");
    let mut asked = Vec::new();
    for (method, target, with_headers) in [
        ("GET", "/a.txt", true),
        ("GET", "/missing.txt", false),
        ("HEAD", "/a.txt", false),
    ] {
        let headers: &[&str] = if with_headers {
            &[&referer, &user_agent]
        } else {
            &[]
        };
        let answer = request(server.addr, method, target, headers).await;
        asked.push(Asked {
            method,
            target,
            answer,
            with_headers,
        });
    }
    assert_eq!(asked[0].answer.status, 200);
    assert_eq!(asked[0].answer.body, b"hello");
    assert_eq!(asked[1].answer.status, 404);
    assert_eq!(asked[2].answer.status, 200);
    wait_for_lines(&log, asked.len()).await;
    // A batch later: any line beyond one per request would be here too.
    tokio::time::sleep(Duration::from_millis(300)).await;
    (asked, log.all())
}

async fn wait_for_lines(log: &Lines, count: usize) {
    let found = eventually(Duration::from_secs(10), async || {
        (log.all().len() >= count).then_some(())
    })
    .await;
    assert!(
        found.is_some(),
        "{count} log lines expected: {:#?}",
        log.all()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn combined_log_lines_parse_with_each_requests_fields() {
    let (asked, lines) = requests_and_log("combined").await;
    // Quoted values: no bare `"` or `\`, only `\xHH` escapes.
    let line_format = regex_lite::Regex::new(
        r#"^(\S+) - - \[(\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000)\] "(\S+) (\S+) (HTTP/1\.[01])" (\d{3}) (\d+|-) "((?:[^"\\]|\\x[0-9A-F]{2})*)" "((?:[^"\\]|\\x[0-9A-F]{2})*)"$"#,
    )
    .unwrap();
    assert_eq!(lines.len(), asked.len(), "{lines:#?}");
    for line in &lines {
        let fields = line_format
            .captures(line)
            .unwrap_or_else(|| panic!("not the combined format: {line}"));
        assert_eq!(&fields[1], "127.0.0.1", "{line}");
        let method = &fields[3];
        let target = &fields[4];
        let request = asked
            .iter()
            .find(|a| a.method == method && a.target == target)
            .unwrap_or_else(|| panic!("{line}: no such request was made"));
        assert_eq!(&fields[5], "HTTP/1.1", "{line}");
        assert_eq!(fields[6].parse::<u16>().unwrap(), request.answer.status);
        let bytes = match &fields[7] {
            "-" => 0,
            n => n.parse().unwrap(),
        };
        assert_eq!(bytes, request.answer.body.len(), "{line}");
        let (referer, user_agent) = if request.with_headers {
            (
                REFERER.replace('"', "\\x22"),
                USER_AGENT.replace('"', "\\x22"),
            )
        } else {
            ("-".into(), "-".into())
        };
        assert_eq!(&fields[8], referer, "{line}");
        assert_eq!(&fields[9], user_agent, "{line}");
    }
    let head = lines.iter().find(|l| l.contains("\"HEAD /a.txt ")).unwrap();
    assert!(head.contains("\" 200 - \""), "a HEAD sends no body: {head}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_log_lines_parse_with_each_requests_fields() {
    let (asked, lines) = requests_and_log("json").await;
    assert_eq!(lines.len(), asked.len(), "{lines:#?}");
    for line in &lines {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let text = |name: &str| entry[name].as_str().map(str::to_string);
        let method = text("method").unwrap();
        let target = text("target").unwrap();
        let request = asked
            .iter()
            .find(|a| a.method == method && a.target == target)
            .unwrap_or_else(|| panic!("{line}: no such request was made"));
        assert_eq!(text("remote").as_deref(), Some("127.0.0.1"), "{line}");
        assert_eq!(text("protocol").as_deref(), Some("HTTP/1.1"), "{line}");
        assert_eq!(
            entry["status"].as_u64(),
            Some(u64::from(request.answer.status)),
            "{line}"
        );
        assert_eq!(
            entry["bytes"].as_u64(),
            Some(request.answer.body.len() as u64),
            "{line}"
        );
        let (referer, user_agent) = if request.with_headers {
            (Some(REFERER.to_string()), Some(USER_AGENT.to_string()))
        } else {
            (None, None)
        };
        assert_eq!(text("referer"), referer, "{line}");
        assert_eq!(text("user_agent"), user_agent, "{line}");
        let time = text("time").unwrap();
        assert!(
            time.len() == 24 && time.ends_with('Z') && time.as_bytes()[10] == b'T',
            "{line}"
        );
        assert!(entry["duration_ms"].as_f64().unwrap() >= 0.0, "{line}");
        assert_eq!(text("outcome").as_deref(), Some("finished"), "{line}");
        assert!(entry["peak_memory"].as_u64().unwrap() >= 65536, "{line}");
        // `serve`'s defaults reuse instances: each line names one.
        assert!(text("instance").is_some(), "{line}");
        assert!(entry["instance_request"].as_u64().unwrap() >= 1, "{line}");
    }
}
