//! A body write that may wait too long: the write raced against a stall
//! timer, which is started only when the write does not complete at once.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

/// `operation`'s output, or None when the timer that `start_timer` makes
/// ends first (the operation is then dropped, which cancels it). The timer
/// is started only if the operation is not done when first polled: a host
/// timer and its cancellation per write would be a large share of the work
/// for a client that keeps up. Without a timer, the operation alone.
pub async fn unless_late<F, T>(
    operation: F,
    start_timer: Option<impl FnOnce() -> T>,
) -> Option<F::Output>
where
    F: Future,
    T: Future<Output = ()>,
{
    let Some(start_timer) = start_timer else {
        return Some(operation.await);
    };
    let mut start_timer = Some(start_timer);
    let mut operation = pin!(operation);
    let mut timer = pin!(None);
    poll_fn(|cx| {
        if let Poll::Ready(output) = operation.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if let Some(start) = start_timer.take() {
            timer.set(Some(start()));
        }
        match timer.as_mut().as_pin_mut().map(|timer| timer.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(None),
            _ => Poll::Pending,
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;
    use std::future::{pending, ready};
    use std::task::{Context, Waker};

    /// The future's output if it is done at its first poll.
    fn first_poll<F: Future>(future: F) -> Poll<F::Output> {
        pin!(future).poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn a_write_done_at_once_starts_no_timer() {
        let started = Cell::new(false);
        let timer = || {
            started.set(true);
            ready(())
        };
        assert_eq!(
            first_poll(unless_late(ready(7), Some(timer))),
            Poll::Ready(Some(7))
        );
        assert!(!started.get());
    }

    #[test]
    fn a_waiting_write_loses_to_its_timer() {
        let late = unless_late(pending::<u8>(), Some(|| ready(())));
        assert_eq!(first_poll(late), Poll::Ready(None));
        let waiting = unless_late(pending::<u8>(), Some(pending::<()>));
        assert_eq!(first_poll(waiting), Poll::Pending);
    }

    #[test]
    fn without_a_timer_a_write_waits_as_long_as_it_takes() {
        let no_timer: Option<fn() -> std::future::Ready<()>> = None;
        assert_eq!(
            first_poll(unless_late(pending::<u8>(), no_timer)),
            Poll::Pending
        );
        assert_eq!(
            first_poll(unless_late(ready(1), no_timer)),
            Poll::Ready(Some(1))
        );
    }
}
