//! Links a component for this host: compiled once per process and file
//! (`component_cache`), with every import `wasmtime serve -Scli` gives it,
//! for either kind of handler.

use anyhow::Context as _;
use wasmtime::component::Linker;
use wasmtime_wasi_http::handler::ProxyPre;
use wasmtime_wasi_http::p2::bindings::ProxyPre as P2Pre;
use wasmtime_wasi_http::p3::bindings::ServicePre;

use crate::component_cache::{load_component, shared_engine};
use crate::config::ServerConfig;
use crate::file_stream::shadow_read_via_stream;
use crate::store_data::StoreData;

/// The component of `config`, linked and ready to instantiate: a WASI 0.3
/// `wasi:http/handler@0.3.x` or a WASI 0.2 `incoming-handler@0.2.x`, as
/// `wasmtime serve` tells them apart.
pub fn link(config: &ServerConfig) -> anyhow::Result<ProxyPre<StoreData>> {
    let engine = shared_engine()?;
    let component = load_component(&engine, &config.component)?;
    let mut linker = Linker::<StoreData>::new(&engine);
    // The full WASI 0.2 command imports (filesystem, environment, stderr),
    // then wasi:http; this is `wasmtime serve -Scli`.
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(anyhow::Error::from)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
        .map_err(anyhow::Error::from)?;
    // The same for WASI 0.3 (`wasmtime serve -Scli` with p3 enabled), with
    // this host's own file streams.
    wasmtime_wasi::p3::add_to_linker(&mut linker).map_err(anyhow::Error::from)?;
    wasmtime_wasi_http::p3::add_to_linker(&mut linker).map_err(anyhow::Error::from)?;
    shadow_read_via_stream(&mut linker, config.host_read)?;
    let instance_pre = linker
        .instantiate_pre(&component)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("linking {}", config.component.display()))?;
    if let Ok(pre) = ServicePre::new(instance_pre.clone()) {
        return Ok(ProxyPre::P3(pre));
    }
    let pre = P2Pre::new(instance_pre)
        .map_err(anyhow::Error::from)
        .with_context(|| {
            format!(
                "{} exports neither wasi:http/incoming-handler@0.2.x nor wasi:http/handler@0.3.x",
                config.component.display()
            )
        })?;
    Ok(ProxyPre::P2(pre))
}

/// Which `wasi:http` handler a component exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HandlerKind {
    /// `wasi:http/incoming-handler@0.2.x`: one request at a time per instance.
    P2,
    /// `wasi:http/handler@0.3.x`: several requests at once per instance.
    P3,
}

/// What `config.component` exports (it is compiled, once, to find out).
pub fn handler_kind(config: &ServerConfig) -> anyhow::Result<HandlerKind> {
    Ok(match link(config)? {
        ProxyPre::P2(_) => HandlerKind::P2,
        ProxyPre::P3(_) => HandlerKind::P3,
    })
}
