//! [`Sleep`]: a wait of any length on the browser's timers.
//!
//! `setTimeout` holds its delay in 32 bits: past 2^31 − 1 ms (about 24.8 days) it fires at
//! once, and gloo-timers refuses (panics) past `u32::MAX` ms. A longer wait is made of
//! timers of at most [`LONGEST`] one after the other, so a 30-day stall timeout or a server's
//! `retry:` of 10^13 ms waits that long instead of firing at once or trapping.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use gloo_timers::future::TimeoutFuture;

/// The longest single timer the browser keeps: 2^31 − 1 ms.
const LONGEST: Duration = Duration::from_millis(i32::MAX as u64);

/// Waits a duration (at least one timer turn, even for zero), however long it is; dropping
/// it clears its timer.
#[derive(Debug)]
pub(crate) struct Sleep {
    /// What is left to wait once the current timer fires.
    left: Duration,
    timer: TimeoutFuture,
}

impl Sleep {
    pub(crate) fn new(duration: Duration) -> Self {
        let step = duration.min(LONGEST);
        Sleep {
            left: duration - step,
            timer: timer(step),
        }
    }
}

/// One browser timer of at most [`LONGEST`].
fn timer(step: Duration) -> TimeoutFuture {
    // `step` is at most 2^31 − 1 ms: it fits.
    TimeoutFuture::new(step.as_millis() as u32)
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            if Pin::new(&mut this.timer).poll(cx).is_pending() {
                return Poll::Pending;
            }
            if this.left.is_zero() {
                return Poll::Ready(());
            }
            let step = this.left.min(LONGEST);
            this.left -= step;
            this.timer = timer(step);
        }
    }
}
