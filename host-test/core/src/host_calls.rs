//! Counts an instance's calls from the guest into the host, when the server
//! is set to (`ServerConfig::host_calls`): every entry into host code that
//! wasmtime's call hook sees, i.e. imported functions (WASI's and
//! wasi:http's), the canonical built-ins (stream and future operations,
//! `task.return`, waitable sets, resource drops) and libcalls such as
//! `memory.grow`. That is the work per request a host pays for beside the
//! guest's own code.
//!
//! wasmtime runs the hook only when one is set, so a server that does not
//! count pays one check per host call for the `call-hook` feature.

use wasmtime::{CallHook, Store};

/// Whether a server counts host calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HostCalls {
    /// No hook is set (the default).
    #[default]
    Uncounted,
    /// Each instance counts its calls into the host (`Report::host_calls`).
    Counted,
}

/// Sets `store`'s hook that counts into the counter `calls` finds in the
/// store's data, and starts it at 0.
pub(crate) fn count<T: 'static>(
    store: &mut Store<T>,
    calls: impl Fn(&mut T) -> &mut Option<u64> + Send + Sync + 'static,
) {
    *calls(store.data_mut()) = Some(0);
    store.call_hook(move |mut store, transition| {
        if matches!(transition, CallHook::CallingHost) {
            if let Some(count) = calls(store.data_mut()) {
                *count += 1;
            }
        }
        Ok(())
    });
}
