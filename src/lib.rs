//! wasi-fileserver's core: what a static file server answers over `wasi:http`,
//! as plain Rust that unit-tests natively. The WASI glues (`p2/`, `p3/`) read
//! a request through their bindings and hand it to `answer`, which takes it
//! along the stages below, asking the glue's filesystem (`answer::Root`) for
//! what it must know; the glue then sends the reply, moving the body's bytes.
//!
//! - `request`: read the request: path, ranges, conditionals, negotiation.
//! - `rules`, `manifest`: the site's rule files and content manifest.
//! - `decide`: request + file facts -> `Plan`.
//! - `render`: `Plan` -> status, headers and a body described as segments.
//! - `send`: what the glues' body movers share (segments, pacing).
//! - `settings`: the component's environment variables.

pub mod answer;
pub mod decide;
pub mod manifest;
pub mod render;
pub mod request;
pub mod rules;
mod same_cases;
pub mod send;
pub mod settings;
