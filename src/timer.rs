//! [`sleep`]: a wait of any length on the browser's timers.
//!
//! `setTimeout` holds its delay in 32 bits: past 2^31 − 1 ms (about 24.8 days) it fires at
//! once, and gloo-timers refuses (panics) past `u32::MAX` ms. A longer wait is made of
//! timers of at most [`LONGEST`] one after the other, so a 30-day stall timeout or a server's
//! `retry:` of 10^13 ms waits that long instead of firing at once or trapping.

use std::time::Duration;

/// The longest single timer the browser keeps: 2^31 − 1 ms.
const LONGEST: Duration = Duration::from_millis(i32::MAX as u64);

/// Waits `duration` (at least one timer turn, even for zero), however long it is.
pub(crate) async fn sleep(duration: Duration) {
    let mut left = duration;
    loop {
        let step = left.min(LONGEST);
        gloo_timers::future::sleep(step).await;
        left -= step;
        if left.is_zero() {
            return;
        }
    }
}
