//! The exported `incoming-handler`: read the request, decide, then respond.

use std::time::SystemTime;

use crate::bindings::exports::wasi::http::incoming_handler::Guest;
use crate::bindings::wasi::http::types::{IncomingRequest, Method as WasiMethod, ResponseOutparam};
use crate::bindings::wasi::random::random::get_random_u64;
use crate::fs::{open_root, read_site_rules, RootLookup};
use crate::respond::respond;
use wasi_fileserver_core::config::settings;
use wasi_fileserver_core::multipart::boundary;
use wasi_fileserver_core::plan::{decide, RequestFacts};
use wasi_fileserver_core::reply::{no_root_reply, oversize_reply, render};
use wasi_fileserver_core::request::incoming::read_request;
use wasi_fileserver_core::request::method::Method;

struct Component;

crate::bindings::export!(Component with_types_in crate::bindings);

impl Guest for Component {
    fn handle(request: IncomingRequest, outparam: ResponseOutparam) {
        let settings = settings();
        let method = match request.method() {
            WasiMethod::Get => Method::Get,
            WasiMethod::Head => Method::Head,
            WasiMethod::Options => Method::Options,
            _ => Method::Other,
        };
        let fields = request.headers();
        let incoming = read_request(
            method,
            request.path_with_query(),
            |name| fields.has(name),
            |name| fields.get(name),
            settings,
        );
        drop(fields);
        drop(request);
        let root = open_root(settings);
        let reply = match (incoming, root) {
            (Err(oversize), _) => oversize_reply(oversize, method),
            (Ok(incoming), Some(root)) => {
                let rules = read_site_rules(root, &incoming.target, settings);
                let facts = RequestFacts::of(&incoming, SystemTime::now(), rules.redirect.as_ref());
                let lookup = RootLookup {
                    root,
                    manifest: settings.manifest.as_deref(),
                };
                let plan = decide(&facts, &lookup, settings);
                render(plan, method, settings, &rules.headers, || {
                    boundary(get_random_u64)
                })
            }
            (Ok(_), None) => no_root_reply(method, settings),
        };
        respond(reply, root, outparam, settings);
    }
}
