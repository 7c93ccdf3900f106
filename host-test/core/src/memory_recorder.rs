//! Records how much linear memory an instance asks for, and caps it.
//!
//! wasmtime calls the store's `ResourceLimiter` when a memory is created
//! (`current == 0`) and before every `memory.grow`, with sizes in bytes. Linear
//! memory never shrinks, so the largest approved size is the instance's peak:
//! the number the project's "bounded memory" claim is about.

use wasmtime::ResourceLimiter;

/// Table growth beyond this many elements is refused (a guard, not a measure:
/// a fileserver's function table holds a few hundred entries).
const MAX_TABLE_ELEMENTS: usize = 100_000;

#[derive(Debug, Clone, Default)]
pub struct MemoryRecorder {
    /// Growth to more bytes than this is refused (the guest's `memory.grow`
    /// returns -1, which Rust's allocator turns into an abort, i.e. a trap).
    limit: Option<usize>,
    peak: u64,
    growths: u32,
    refused: u32,
}

/// What a `MemoryRecorder` saw over an instance's life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryUsage {
    /// Largest approved linear-memory size, in bytes.
    pub peak: u64,
    /// Approved creations and growths.
    pub growths: u32,
    /// Growths refused because they exceeded the limit.
    pub refused: u32,
}

impl MemoryRecorder {
    pub fn new(limit: Option<usize>) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    pub fn usage(&self) -> MemoryUsage {
        MemoryUsage {
            peak: self.peak,
            growths: self.growths,
            refused: self.refused,
        }
    }
}

impl ResourceLimiter for MemoryRecorder {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let over_limit = self.limit.is_some_and(|limit| desired > limit);
        let over_declared_max = maximum.is_some_and(|max| desired > max);
        if over_limit || over_declared_max {
            self.refused += 1;
            return Ok(false);
        }
        self.growths += 1;
        self.peak = self.peak.max(desired as u64);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= maximum.unwrap_or(usize::MAX).min(MAX_TABLE_ELEMENTS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: usize = 64 * 1024;

    #[test]
    fn records_peak_and_count_and_refuses_above_limit() {
        let mut recorder = MemoryRecorder::new(Some(2 * PAGE));
        assert!(recorder.memory_growing(0, PAGE, None).unwrap());
        assert!(recorder.memory_growing(PAGE, 2 * PAGE, None).unwrap());
        assert!(!recorder.memory_growing(2 * PAGE, 3 * PAGE, None).unwrap());
        assert_eq!(
            recorder.usage(),
            MemoryUsage {
                peak: 2 * PAGE as u64,
                growths: 2,
                refused: 1
            }
        );
    }

    #[test]
    fn without_limit_everything_up_to_the_declared_maximum_is_approved() {
        let mut recorder = MemoryRecorder::new(None);
        assert!(recorder.memory_growing(0, 100 * PAGE, None).unwrap());
        assert!(!recorder
            .memory_growing(100 * PAGE, 200 * PAGE, Some(150 * PAGE))
            .unwrap());
        assert_eq!(recorder.usage().peak, 100 * PAGE as u64);
    }
}
