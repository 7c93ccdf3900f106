//! What the glues' body movers share: a body as segments, how it ended, and
//! the pacing of `LIMIT_RATE`.

pub mod rate_limit;
pub mod segment;
