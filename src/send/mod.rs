//! What the glues' body movers share: a body as segments, how it ended, the
//! contract of the body mover (`Pump`), the pacing of `LIMIT_RATE` and the
//! stall timer of an async write.

pub mod deadline;
pub mod pump;
pub mod rate_limit;
pub mod segment;
