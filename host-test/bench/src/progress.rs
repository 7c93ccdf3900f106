//! The progress lines on stderr: one when a task starts, notes while long ones
//! run, each with the time since the bench started.

use std::time::Instant;

pub struct Progress {
    started: Instant,
    total: usize,
    begun: usize,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        Self {
            started: Instant::now(),
            total,
            begun: 0,
        }
    }

    /// A task starts.
    pub fn begin(&mut self, what: &str) {
        self.begun += 1;
        eprintln!(
            "[{:>6.1}s] {:>2}/{} {what}",
            self.started.elapsed().as_secs_f64(),
            self.begun,
            self.total
        );
    }

    /// Something worth saying while a task runs.
    pub fn note(&self, what: &str) {
        eprintln!(
            "[{:>6.1}s]       {what}",
            self.started.elapsed().as_secs_f64()
        );
    }
}
