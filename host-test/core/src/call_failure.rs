//! How a call into an instance can fail, and the one timer around it.

use std::future::Future;
use std::time::Duration;

/// Why the handler call did not return normally.
#[derive(Debug, Clone)]
pub(crate) enum CallFailure {
    Trap(String),
    Deadline,
}

/// `call`, bounded by `limit` as `wasmtime serve -W timeout` bounds a request:
/// dropping the call's future tears the guest down wherever it waits (a
/// guest blocked in `poll` has no other way out).
pub(crate) async fn within<T>(
    limit: Option<Duration>,
    call: impl Future<Output = wasmtime::Result<T>>,
) -> Result<T, CallFailure> {
    let result = match limit {
        Some(limit) => tokio::time::timeout(limit, call)
            .await
            .map_err(|_| CallFailure::Deadline)?,
        None => call.await,
    };
    result.map_err(|error| CallFailure::Trap(describe_trap(error)))
}

/// The root cause first (e.g. "wasm trap: wasm `unreachable` instruction
/// executed"), then the whole chain with the wasm backtrace.
pub(crate) fn describe_trap(error: wasmtime::Error) -> String {
    let error = anyhow::Error::from(error);
    format!("{}\n{error:#}", error.root_cause())
}
