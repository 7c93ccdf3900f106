//! The exported `incoming-handler`: decide, then respond. Nothing else.

use std::sync::OnceLock;

use super::bindings::exports::wasi::http::incoming_handler::Guest;
use super::bindings::wasi::http::types::{IncomingRequest, Method as WasiMethod, ResponseOutparam};
use super::fs::{open_root, RootLookup};
use super::respond::respond;
use crate::config::Settings;
use crate::plan::{decide, Failure, Method, Plan, RequestFacts};
use crate::reply::render;

struct Component;

super::bindings::export!(Component with_types_in super::bindings);

/// Parsed once per instance; a host that reuses instances pays for it once.
fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let (settings, warnings) = Settings::from_lookup(|name| std::env::var(name).ok());
        for warning in warnings {
            eprintln!("{warning}");
        }
        settings
    })
}

impl Guest for Component {
    fn handle(request: IncomingRequest, outparam: ResponseOutparam) {
        let settings = settings();
        let method = match request.method() {
            WasiMethod::Get => Method::Get,
            WasiMethod::Head => Method::Head,
            _ => Method::Other,
        };
        let target = request.path_with_query().unwrap_or_default();
        // Only the request line is read: headers are copied into linear memory
        // when read, so none are touched that the decision does not need.
        drop(request);

        let root = open_root(&settings.root);
        let plan = match &root {
            Some(root) => decide(&RequestFacts { method, target: &target }, &RootLookup(root)),
            None => {
                eprintln!("wasi-fileserver: no preopened directory at ROOT={}", settings.root);
                Plan::Fail(Failure::Internal)
            }
        };
        respond(render(plan, method == Method::Head), root.as_ref(), outparam, settings);
    }
}
