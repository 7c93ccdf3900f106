//! A request's way through the core, for the glues: `answer` takes what the
//! glue read of a request (`request::incoming::read_request`) through the
//! rule files, `decide` and `render` to the `Reply` the glue then sends. The
//! glue supplies the served root (`Root`), found once per instance
//! (`root_preopen`).

mod archive;
pub mod body;
mod lookups;
mod manifest_digest;
pub mod root;
pub mod root_preopen;
mod site_rules;

use std::time::SystemTime;

use crate::decide::decide;
use crate::decide::request_facts::RequestFacts;
use crate::render::multipart::boundary;
use crate::render::reply::{
    health_reply, no_root_reply, preflight_reply, render, unreadable_reply, Reply,
};
use crate::request::incoming::{IncomingRequest, Unreadable};
use crate::request::method::Method;
use crate::settings::Settings;
use lookups::Lookups;
use root::Root;
use site_rules::read_site_rules;

/// The reply to a request the glue has read; `random` draws a multipart
/// boundary's bits.
pub async fn answer(
    method: Method,
    incoming: Result<IncomingRequest, Unreadable>,
    root: Option<&impl Root>,
    settings: &Settings,
    random: impl FnMut() -> u64,
) -> Reply {
    let incoming = match incoming {
        Ok(incoming) => incoming,
        Err(unreadable) => return unreadable_reply(unreadable, method),
    };
    if is_health_check(&incoming.target, settings) {
        return health_reply(method);
    }
    let cors = settings.cors.as_ref();
    if let Some(reply) = preflight_reply(method, &incoming.headers, cors) {
        return reply;
    }
    let Some(root) = root else {
        return no_root_reply(method, settings);
    };
    let rules = read_site_rules(root, &incoming.target, settings).await;
    let facts = RequestFacts::of(&incoming, SystemTime::now(), rules.redirect.as_ref());
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
    let origin = incoming.headers.origin.as_deref();
    render(plan, method, settings, origin, &rules.headers, || {
        boundary(random)
    })
}

/// Whether `target` (path and query) asks for `HEALTH_PATH`.
fn is_health_check(target: &str, settings: &Settings) -> bool {
    let path = target.split('?').next().unwrap_or(target);
    settings.health_path.as_deref() == Some(path)
}
