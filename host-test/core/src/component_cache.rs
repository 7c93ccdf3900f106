//! One wasmtime `Engine` per process, and each component compiled once.
//!
//! Test binaries create many `Server`s for the same component; compiling it
//! with Cranelift each time would dominate their run time. A component is
//! recompiled when its file changes (size or modification time).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use anyhow::Context as _;
use wasmtime::component::Component;
use wasmtime::{Config, Engine};

pub fn shared_engine() -> anyhow::Result<Engine> {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    if let Some(engine) = ENGINE.get() {
        return Ok(engine.clone());
    }
    let mut config = Config::new();
    config.wasm_component_model(true);
    // WASIp3 components (`wasi:http/handler@0.3`) use the async ABI.
    config.wasm_component_model_async(true);
    // On-demand allocation (the default): a fresh instance per request is the
    // point of the measurements, and the pooling allocator's large virtual
    // reservations buy nothing here. Async support is always on in wasmtime 48.
    let engine = Engine::new(&config).map_err(anyhow::Error::from)?;
    Ok(ENGINE.get_or_init(|| engine).clone())
}

#[derive(Clone, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
}

/// Compiles `path` or returns the copy compiled earlier from the same file.
pub fn load_component(engine: &Engine, path: &Path) -> anyhow::Result<Component> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, (FileStamp, Component)>>> = OnceLock::new();
    let meta =
        std::fs::metadata(path).with_context(|| format!("reading component {}", path.display()))?;
    let stamp = FileStamp {
        len: meta.len(),
        modified: meta.modified().ok(),
    };
    let cache = CACHE.get_or_init(Default::default);
    if let Some((cached_stamp, component)) = cache.lock().unwrap().get(path) {
        if *cached_stamp == stamp {
            return Ok(component.clone());
        }
    }
    // Compiled outside the lock: two servers racing merely compile twice.
    let component = Component::from_file(engine, path)
        .map_err(anyhow::Error::from)
        .with_context(|| format!("compiling component {}", path.display()))?;
    cache
        .lock()
        .unwrap()
        .insert(path.to_path_buf(), (stamp, component.clone()));
    Ok(component)
}
