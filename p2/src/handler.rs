//! The exported `incoming-handler`: read the request, answer, then respond.

use crate::bindings::exports::wasi::http::incoming_handler::Guest;
use crate::bindings::wasi::http::types::{IncomingRequest, Method as WasiMethod, ResponseOutparam};
use crate::bindings::wasi::random::random::get_random_u64;
use crate::fs::{open_root, RootDir};
use crate::ready;
use crate::respond::respond;
use wasi_fileserver_core::answer::answer;
use wasi_fileserver_core::decide::plan::Failure;
use wasi_fileserver_core::render::reply::failure_reply;
use wasi_fileserver_core::request::incoming::read_request;
use wasi_fileserver_core::settings::settings;

struct Component;

crate::bindings::export!(Component with_types_in crate::bindings);

impl Guest for Component {
    fn handle(request: IncomingRequest, outparam: ResponseOutparam) {
        let settings = settings();
        let method = wasi_fileserver_core::method_of!(WasiMethod, request.method());
        let fields = request.headers();
        let incoming = read_request(
            method,
            || request.path_with_query(),
            |name| fields.has(name),
            |name| fields.get(name),
            settings,
        );
        drop(fields);
        drop(request);
        let root = open_root(settings).map(RootDir);
        let answered = answer(method, incoming, root.as_ref(), settings, get_random_u64);
        let reply = ready(answered).unwrap_or_else(|| failure_reply(Failure::Internal));
        respond(reply, root, outparam, settings);
    }
}
