//! What one request's `Store` holds: the WASI and wasi:http contexts, their
//! shared resource table, the body-channel hooks and the memory recorder.

use anyhow::Context as _;
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store};
use wasmtime_wasi::filesystem::WasiFilesystemCtx;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::config::ServerConfig;
use crate::guest_stderr::GuestStderr;
use crate::host_calls::{self, HostCalls};
use crate::http_hooks::BodyChannelHooks;
use crate::memory_recorder::MemoryRecorder;
use crate::metrics::Metrics;

pub struct StoreData {
    table: ResourceTable,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: BodyChannelHooks,
    pub memory: MemoryRecorder,
    /// Calls into the host so far, when they are counted (`host_calls.rs`).
    pub host_calls: Option<u64>,
    /// Told when the instance ends, with its peak memory (a store holds one
    /// instance, and ends with it).
    metrics: Option<Metrics>,
}

/// What every store of one `Server` starts from: the preopened directory is
/// opened once and shared (its handle is reference-counted), so a new
/// instance costs no `open` and no path resolution.
pub struct StoreTemplate {
    config: ServerConfig,
    filesystem: WasiFilesystemCtx,
    stderr: GuestStderr,
    metrics: Option<Metrics>,
}

impl StoreTemplate {
    pub fn new(
        config: &ServerConfig,
        stderr: GuestStderr,
        metrics: Option<Metrics>,
    ) -> anyhow::Result<StoreTemplate> {
        let mut wasi = WasiCtx::builder();
        // As `wasmtime serve` does (without -W timeout): file reads run on the
        // calling thread instead of a spawn_blocking round trip per chunk.
        // Set before the preopen, which takes it over.
        wasi.allow_blocking_current_thread(true);
        // Read-only, as Spin preopens static files: the server must never
        // need to write, and a bug that tries to is caught here.
        wasi.preopened_dir(&config.dir, &config.guest_path, FsPerms::ReadOnly)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("preopening {}", config.dir.display()))?;
        let filesystem = wasi.build().filesystem().clone();
        Ok(StoreTemplate {
            config: config.clone(),
            filesystem,
            stderr,
            metrics,
        })
    }

    /// A new store for one instance, with its memory recorder as the limiter.
    pub fn new_store(&self, engine: &Engine) -> Store<StoreData> {
        let config = &self.config;
        let mut wasi = WasiCtx::builder();
        // The component's warnings show, each distinct line once per server.
        wasi.stderr(self.stderr.clone());
        wasi.allow_blocking_current_thread(true);
        for (key, value) in &config.env {
            wasi.env(key, value);
        }
        let mut wasi = wasi.build();
        *wasi.filesystem() = self.filesystem.clone();
        let data = StoreData {
            table: ResourceTable::new(),
            wasi,
            http: WasiHttpCtx::new(),
            hooks: BodyChannelHooks {
                buffer_chunks: config.body_buffer_chunks,
                chunk_size: config.body_chunk_size,
            },
            memory: MemoryRecorder::new(config.max_memory),
            host_calls: None,
            metrics: self.metrics.clone(),
        };
        if let Some(metrics) = &self.metrics {
            metrics.instance_started();
        }
        let mut store = Store::new(engine, data);
        store.limiter(|data| &mut data.memory);
        match config.host_calls {
            HostCalls::Uncounted => {}
            HostCalls::Counted => {
                host_calls::count(&mut store, |data: &mut StoreData| &mut data.host_calls)
            }
        }
        store
    }
}

impl StoreData {
    /// Host resources (streams, descriptors, fields, pollables...) the guest
    /// still holds. Between requests only what lives as long as the instance
    /// remains (e.g. the stderr stream wasi-libc keeps), so with instance
    /// reuse a count that grows from request to request is a leak.
    pub fn open_resources(&mut self) -> usize {
        self.table.iter_mut().count()
    }
}

impl Drop for StoreData {
    fn drop(&mut self) {
        if let Some(metrics) = &self.metrics {
            metrics.instance_ended(self.memory.usage().peak);
        }
    }
}

impl WasiView for StoreData {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for StoreData {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}
