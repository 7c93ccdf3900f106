//! What the core asks of a glue's body mover: one segment at a time, only as
//! fast as the client takes it.

use super::segment::{BodyEnd, Segment};

// Components run on one thread: no future here needs `Send`.
#[allow(async_fn_in_trait)]
pub trait Pump {
    /// An open file, as the glue's root gives it.
    type File;

    /// Writes one segment; file ranges come from `file`.
    async fn send(&mut self, file: Option<&Self::File>, segment: Segment) -> Result<(), BodyEnd>;
}
