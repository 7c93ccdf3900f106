//! What the glues' body movers share: a body as segments, how it ended, the
//! contract of the body mover (`Pump`) and the pacing of `LIMIT_RATE`.

pub mod pump;
pub mod rate_limit;
pub mod segment;
