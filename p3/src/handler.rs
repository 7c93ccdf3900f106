//! The exported `wasi:http/handler@0.3`: decide, then respond. Nothing else.

use std::sync::OnceLock;

use wasi_fileserver::config::Settings;
use wasi_fileserver::plan::{decide, Failure, Method, Plan, RequestFacts};
use wasi_fileserver::reply::render;
use wasi_fileserver::request::headers::RequestHeaders;
use wasi_fileserver::request::path::request_target;
use wasip3::exports::http::handler::Guest;
use wasip3::http::types::{ErrorCode, Method as WasiMethod, Request, Response};
use wasip3::random::random::get_random_u64;

use super::fs::{open_root, Lookups};
use super::respond::respond;

struct Component;

wasip3::http::service::export!(Component);

/// Parsed once per instance; a host that reuses instances pays for it once.
fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(Settings::from_environment)
}

impl Guest for Component {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let settings = settings();
        let method = match request.get_method() {
            WasiMethod::Get => Method::Get,
            WasiMethod::Head => Method::Head,
            WasiMethod::Options => Method::Options,
            _ => Method::Other,
        };
        // Headers are copied into linear memory when read: read only these.
        // `has` first: most are absent, and an empty `get` costs more.
        let fields = request.get_headers();
        let headers = RequestHeaders::read(|name| {
            if fields.has(name) {
                fields.get(name)
            } else {
                Vec::new()
            }
        });
        let target = request_target(
            &request.get_path_with_query().unwrap_or_default(),
            headers.spin_path_info.as_deref(),
        );
        drop(fields);
        drop(request);

        let root = open_root(settings);
        let plan = match root {
            Some(root) => {
                let facts = RequestFacts {
                    method,
                    target: &target,
                    preconditions: &headers.preconditions,
                    range: headers.range.as_deref(),
                    accept_encoding: headers.accept_encoding.as_deref(),
                };
                // `decide` is shared with the 0.2 build and synchronous: run it
                // until it asks about no path not yet looked up (see `Lookups`).
                let mut lookups = Lookups::default();
                loop {
                    let plan = decide(&facts, &lookups, settings);
                    if !lookups.resolve_unknown(root).await {
                        break plan;
                    }
                }
            }
            None => {
                eprintln!(
                    "wasi-fileserver: no preopened directory at ROOT={}",
                    settings.root
                );
                Plan::Fail(Failure::Internal)
            }
        };
        let reply = render(plan, method == Method::Head, settings, multipart_boundary);
        respond(reply, root, settings).await
    }
}

/// 128 random bits: content cannot be crafted to contain the delimiter.
fn multipart_boundary() -> String {
    format!("{:016x}{:016x}", get_random_u64(), get_random_u64())
}
