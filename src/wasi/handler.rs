//! The exported `incoming-handler`: decide, then respond. Nothing else.

use std::sync::OnceLock;

use super::bindings::exports::wasi::http::incoming_handler::Guest;
use super::bindings::wasi::http::types::{IncomingRequest, Method as WasiMethod, ResponseOutparam};
use super::bindings::wasi::random::random::get_random_u64;
use super::fs::{open_root, RootLookup};
use super::respond::respond;
use crate::config::Settings;
use crate::plan::{decide, Failure, Method, Plan, RequestFacts};
use crate::reply::render;
use crate::request::headers::RequestHeaders;
use crate::request::path::request_target;

struct Component;

super::bindings::export!(Component with_types_in super::bindings);

/// Parsed once per instance; a host that reuses instances pays for it once.
fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(Settings::from_environment)
}

impl Guest for Component {
    fn handle(request: IncomingRequest, outparam: ResponseOutparam) {
        let settings = settings();
        let method = match request.method() {
            WasiMethod::Get => Method::Get,
            WasiMethod::Head => Method::Head,
            WasiMethod::Options => Method::Options,
            _ => Method::Other,
        };
        // Headers are copied into linear memory when read: read only these.
        // `has` first: most are absent, and an empty `get` costs more.
        let fields = request.headers();
        let headers = RequestHeaders::read(|name| {
            if fields.has(name) {
                fields.get(name)
            } else {
                Vec::new()
            }
        });
        let target = request_target(
            &request.path_with_query().unwrap_or_default(),
            headers.spin_path_info.as_deref(),
        );
        drop(fields);
        drop(request);

        let root = open_root(settings);
        let plan = match &root {
            Some(root) => {
                let facts = RequestFacts {
                    method,
                    target: &target,
                    preconditions: &headers.preconditions,
                    range: headers.range.as_deref(),
                    accept_encoding: headers.accept_encoding.as_deref(),
                };
                decide(&facts, &RootLookup(root), settings)
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
        respond(reply, root.as_ref(), outparam, settings);
    }
}

/// 128 random bits: content cannot be crafted to contain the delimiter.
fn multipart_boundary() -> String {
    format!("{:016x}{:016x}", get_random_u64(), get_random_u64())
}
