//! The exported `incoming-handler`: read the request, decide, then respond.

use std::time::SystemTime;

use super::bindings::exports::wasi::http::incoming_handler::Guest;
use super::bindings::wasi::http::types::{IncomingRequest, Method as WasiMethod, ResponseOutparam};
use super::bindings::wasi::random::random::get_random_u64;
use super::fs::{open_root, read_site_rules, RootLookup};
use super::respond::respond;
use crate::config::settings;
use crate::multipart::boundary;
use crate::plan::{decide, RequestFacts};
use crate::reply::{no_root_reply, oversize_reply, render};
use crate::request::incoming::read_request;
use crate::request::method::Method;

struct Component;

super::bindings::export!(Component with_types_in super::bindings);

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
