//! The exported `wasi:http/handler@0.3`: read the request, decide, then respond.

use std::time::SystemTime;

use wasi_fileserver_core::config::settings;
use wasi_fileserver_core::multipart::boundary;
use wasi_fileserver_core::plan::{decide, RequestFacts};
use wasi_fileserver_core::reply::{no_root_reply, oversize_reply, render};
use wasi_fileserver_core::request::incoming::read_request;
use wasi_fileserver_core::request::method::Method;
use wasip3::exports::http::handler::Guest;
use wasip3::http::types::{ErrorCode, Method as WasiMethod, Request, Response};
use wasip3::random::random::get_random_u64;

use super::fs::{open_root, read_site_rules, Lookups};
use super::respond::respond;

struct Component;

wasip3::http::service::export!(Component);

impl Guest for Component {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let settings = settings();
        let method = match request.get_method() {
            WasiMethod::Get => Method::Get,
            WasiMethod::Head => Method::Head,
            WasiMethod::Options => Method::Options,
            _ => Method::Other,
        };
        let fields = request.get_headers();
        // Read and checked before the first wait: an instance that runs many
        // requests at once holds at most the limits' worth of each.
        let incoming = read_request(
            method,
            request.get_path_with_query(),
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
                let rules = read_site_rules(root, &incoming.target, settings).await;
                let facts = RequestFacts::of(&incoming, SystemTime::now(), rules.redirect.as_ref());
                // `decide` is shared with the 0.2 build and synchronous: run it
                // until it asks about no path not yet looked up (see `Lookups`).
                let mut lookups = Lookups::default();
                let plan = loop {
                    let plan = decide(&facts, &lookups, settings);
                    if !lookups
                        .resolve_unknown(root, settings.manifest.as_deref())
                        .await
                    {
                        break plan;
                    }
                };
                render(plan, method, settings, &rules.headers, || {
                    boundary(get_random_u64)
                })
            }
            (Ok(_), None) => no_root_reply(method, settings),
        };
        respond(reply, root, settings).await
    }
}
