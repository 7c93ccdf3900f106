//! The case format of conformance.toml, site_rules.toml and
//! example_site.toml: a file of `[[case]]` entries, each one request and what
//! its answer must be; the top of conformance.toml says what each key means.
//! An entry that does not parse (an unknown key, a missing or mistyped field)
//! panics while the file is read: the test fails, no case is skipped.

use host_test::Server;
use http::{HeaderMap, Method};
use toml::{Table, Value};

use super::{contains, fetch, header, Build, Site, BUILDS};

/// The keys an entry may have.
const KEYS: &[&str] = &[
    "rule",
    "env",
    "method",
    "target",
    "headers",
    "status",
    "expect",
    "absent",
    "body",
    "body_contains",
    "no_body",
];

/// One request and what its answer must be.
pub struct Case {
    pub rule: String,
    pub env: Vec<(String, String)>,
    pub method: Method,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub status: u16,
    /// `None`: the header must be absent.
    pub expect: Vec<(String, Option<String>)>,
    pub body: Body,
}

pub enum Body {
    /// `body = "..."`
    Exact(Vec<u8>),
    /// `body_contains = "..."`
    Contains(String),
    /// `no_body = true`: no body at all (what the build sends for a
    /// bodiless response), not merely an empty one.
    NoBody,
}

/// Every `[[case]]` of the file `name` (whose text is `text`), in order; a
/// top-level `env` applies to every case, and a case's own `env` keys override
/// it. Panics, naming the entry, on an unknown key, a missing `rule`,
/// `target`, `status` or body, a value of the wrong type, two entries with
/// one rule, or anything at the top level but the cases and `env`.
pub fn read_cases(name: &str, text: &str) -> Vec<Case> {
    let mut top: Table = text.parse().unwrap_or_else(|e| panic!("{name}: {e}"));
    let entries = match top.remove("case") {
        Some(Value::Array(entries)) if !entries.is_empty() => entries,
        other => panic!("{name}: no [[case]] entries: {other:?}"),
    };
    let shared = match top.remove("env") {
        None => Table::new(),
        Some(Value::Table(env)) => env,
        Some(other) => panic!("{name}: env must be a table, not {other}"),
    };
    let extra: Vec<_> = top.keys().collect();
    assert!(extra.is_empty(), "{name}: unknown keys {extra:?}");
    let cases: Vec<Case> = entries
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let Value::Table(mut table) = entry else {
                panic!("{name}: [[case]] #{} is not a table", i + 1)
            };
            if !shared.is_empty() {
                let mut env = shared.clone();
                match table.remove("env") {
                    Some(Value::Table(own)) => env.extend(own),
                    Some(other) => panic!("{name}: [[case]] #{}: env {other}", i + 1),
                    None => {}
                }
                table.insert("env".to_string(), Value::Table(env));
            }
            let rule = table.get("rule").and_then(Value::as_str).unwrap_or("?");
            let at = format!("{name}: [[case]] #{} ({rule:?})", i + 1);
            for key in table.keys() {
                assert!(KEYS.contains(&key.as_str()), "{at}: unknown key {key:?}");
            }
            Entry { at, table }.case()
        })
        .collect();
    for (i, case) in cases.iter().enumerate() {
        let again = cases[..i].iter().any(|c| c.rule == case.rule);
        assert!(!again, "{name}: two entries say {:?}", case.rule);
    }
    cases
}

/// Runs every case against both builds; the panic names each failing case's
/// build and rule, and what was wrong.
pub async fn check_every_case(site: &Site, cases: &[Case]) {
    let mut failures = Vec::new();
    for build in BUILDS {
        for case in cases {
            let problems = case.check(site, build).await;
            if !problems.is_empty() {
                failures.push(format!("{build:?} {}: {}", case.rule, problems.join("; ")));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

impl Case {
    async fn check(&self, site: &Site, build: Build) -> Vec<String> {
        let env: Vec<(&str, &str)> = pairs(&self.env);
        let server: Server = site.server_of(build, &env);
        let headers = pairs(&self.headers);
        let f = fetch(&server, self.method.clone(), &self.target, &headers).await;
        let mut problems = self.problems(f.status, &f.headers, &f.body);
        if matches!(self.body, Body::NoBody) && f.outcome != build.bodiless() {
            problems.push(format!("a body: {:?}", f.outcome));
        }
        if !f.summary.is_clean() || f.outcome.is_trapped() {
            problems.push(format!("ended {:?} / {:?}", f.summary, f.outcome));
        }
        problems
    }

    /// What is wrong with an answer of `status`, `headers` and `body`. Of
    /// `no_body` this checks only that the body is empty; that there is no
    /// body at all is what `check_every_case` adds, from the host's report.
    pub fn problems(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> Vec<String> {
        let mut problems = Vec::new();
        if status != self.status {
            problems.push(format!("status {status}, want {}", self.status));
        }
        for (name, want) in &self.expect {
            let got = header(headers, name);
            if got != want.as_deref() {
                problems.push(format!("{name}: {got:?}, want {want:?}"));
            }
        }
        let shown = || String::from_utf8_lossy(body);
        match &self.body {
            Body::Exact(want) if body != want.as_slice() => {
                problems.push(format!("body {:?}", shown()))
            }
            Body::Contains(want) if !contains(body, want.as_bytes()) => {
                problems.push(format!("body lacks {want:?}: {:?}", shown()))
            }
            Body::NoBody if !body.is_empty() => problems.push(format!("a body: {:?}", shown())),
            _ => {}
        }
        problems
    }

    /// The settings as the servers take them.
    pub fn env(&self) -> Vec<(&str, &str)> {
        pairs(&self.env)
    }

    /// The request headers as the clients take them.
    pub fn headers(&self) -> Vec<(&str, &str)> {
        pairs(&self.headers)
    }
}

fn pairs(owned: &[(String, String)]) -> Vec<(&str, &str)> {
    owned
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// One entry being read; `at` names it in every panic.
struct Entry {
    at: String,
    table: Table,
}

impl Entry {
    fn case(mut self) -> Case {
        let rule = self.required_string("rule");
        let env = match self.table.remove("env") {
            None => Vec::new(),
            Some(Value::Table(env)) => env
                .into_iter()
                .map(|(name, value)| {
                    let value = self.string_of(&format!("env.{name}"), value);
                    (name, value)
                })
                .collect(),
            Some(other) => panic!("{}: env must be a table, not {other}", self.at),
        };
        let method = match self.string("method").as_deref() {
            None | Some("GET") => Method::GET,
            Some("HEAD") => Method::HEAD,
            Some("OPTIONS") => Method::OPTIONS,
            Some("DELETE") => Method::DELETE,
            Some("POST") => Method::POST,
            Some("PUT") => Method::PUT,
            Some("PATCH") => Method::PATCH,
            Some(other) => panic!("{}: unknown method {other:?}", self.at),
        };
        let target = self.required_string("target");
        let headers = self.header_lines("headers");
        let status = match self.table.remove("status") {
            Some(Value::Integer(n)) if (100..=599).contains(&n) => n as u16,
            None => panic!("{}: status is missing", self.at),
            Some(other) => panic!("{}: status must be 100 to 599, not {other:?}", self.at),
        };
        let mut expect: Vec<_> = self
            .header_lines("expect")
            .into_iter()
            .map(|(name, value)| (name, Some(value)))
            .collect();
        expect.extend(self.strings("absent").into_iter().map(|name| (name, None)));
        let body = match (
            self.string("body"),
            self.string("body_contains"),
            self.table.remove("no_body"),
        ) {
            (Some(exact), None, None) => Body::Exact(exact.into_bytes()),
            (None, Some(part), None) => Body::Contains(part),
            (None, None, Some(Value::Boolean(true))) => Body::NoBody,
            _ => panic!(
                "{}: needs one of body, body_contains, no_body = true",
                self.at
            ),
        };
        assert!(
            self.table.is_empty(),
            "{}: unread {:?}",
            self.at,
            self.table
        );
        Case {
            rule,
            env,
            method,
            target,
            headers,
            status,
            expect,
            body,
        }
    }

    fn string_of(&self, key: &str, value: Value) -> String {
        match value {
            Value::String(s) => s,
            other => panic!("{}: {key} must be a string, not {other}", self.at),
        }
    }

    fn string(&mut self, key: &str) -> Option<String> {
        let value = self.table.remove(key)?;
        Some(self.string_of(key, value))
    }

    fn required_string(&mut self, key: &str) -> String {
        self.string(key)
            .unwrap_or_else(|| panic!("{}: {key} is missing", self.at))
    }

    fn strings(&mut self, key: &str) -> Vec<String> {
        match self.table.remove(key) {
            None => Vec::new(),
            Some(Value::Array(values)) => {
                values.into_iter().map(|v| self.string_of(key, v)).collect()
            }
            Some(other) => panic!("{}: {key} must be an array, not {other}", self.at),
        }
    }

    /// `["name: value", ...]`, in order; `"name:"` is an empty value.
    fn header_lines(&mut self, key: &str) -> Vec<(String, String)> {
        self.strings(key)
            .into_iter()
            .map(|line| match line.split_once(':') {
                Some((name, value)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    (name.to_string(), value.to_string())
                }
                _ => panic!("{}: {key}: {line:?} is not \"name: value\"", self.at),
            })
            .collect()
    }
}
