//! One WASIp3 request inside its instance's event loop: calls the handler,
//! hands the response head to the caller and the body to the tap. The body
//! goes on flowing from tasks that run only while the store's event loop
//! does; the caller keeps it running until `BodyTap::finished`.

use std::sync::OnceLock;

use bytes::Bytes;
use http::Request;
use hyper::body::Body;
use tokio::sync::oneshot;
use wasmtime::component::Accessor;
use wasmtime_wasi_http::p3::bindings::Service;
use wasmtime_wasi_http::WasiHttpView;

use crate::report::ResponseSet;
use crate::response_body::BodyTap;
use crate::store_data::StoreData;

pub(crate) type HeadSender = oneshot::Sender<Option<http::response::Parts>>;

/// Calls the handler with `request`; returns once the response head is with
/// the caller (or the guest answered with an error code).
pub(crate) async fn start_p3_request<B>(
    accessor: &Accessor<StoreData>,
    service: &Service,
    request: Request<B>,
    tap: &BodyTap,
    response_set: &OnceLock<ResponseSet>,
    head_tx: HeadSender,
) -> wasmtime::Result<()>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    // `Request::from_http`, with the header map built first: its future
    // would otherwise borrow the store's hooks.
    let (parts, body) = request.into_parts();
    let headers = accessor.with(|mut store| {
        wasmtime_wasi_http::FieldMap::new_immutable(store.get().http().hooks, parts.headers)
    });
    let uri = parts.uri.into_parts();
    let (request, request_io) = wasmtime_wasi_http::p3::Request::new(
        parts.method,
        uri.scheme,
        uri.authority,
        uri.path_and_query,
        headers,
        None,
        body,
    );
    let response = match service.handle(accessor, request).await? {
        Ok(response) => response,
        Err(code) => {
            let _ = response_set.set(ResponseSet::ErrorCode(format!("{code:?}")));
            let _ = head_tx.send(None);
            return Ok(());
        }
    };
    let response = accessor.with(|mut store| response.into_http(&mut store, request_io))?;
    let head = tap.install(response);
    let _ = response_set.set(ResponseSet::Response(head.status.as_u16()));
    let _ = head_tx.send(Some(head));
    Ok(())
}
