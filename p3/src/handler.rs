//! The exported `wasi:http/handler@0.3`: read the request, answer, then respond.

use wasi_fileserver_core::answer::answer;
use wasi_fileserver_core::request::incoming::read_request;
use wasi_fileserver_core::settings::settings;
use wasip3::exports::http::handler::Guest;
use wasip3::http::types::{ErrorCode, Method as WasiMethod, Request, Response};
use wasip3::random::random::get_random_u64;

use crate::fs::{open_root, RootDir};
use crate::respond::respond;

struct Component;

wasip3::http::service::export!(Component);

impl Guest for Component {
    async fn handle(request: Request) -> Result<Response, ErrorCode> {
        let settings = settings();
        let method = wasi_fileserver_core::method_of!(WasiMethod, request.get_method());
        let fields = request.get_headers();
        // Read and checked before the first wait: an instance that runs many
        // requests at once holds at most the limits' worth of each.
        let incoming = read_request(
            method,
            || request.get_path_with_query(),
            |name| fields.has(name),
            |name| fields.get(name),
            settings,
        );
        drop(fields);
        drop(request);
        let root = open_root(settings).map(RootDir);
        let reply = answer(method, incoming, root.as_ref(), settings, get_random_u64).await;
        respond(reply, root, settings).await
    }
}
