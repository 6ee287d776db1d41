//! Time. Every timestamp in the history and in `$$` comes from a [`Clock`], and every wait
//! (Wait states, retry delays, timeouts) sleeps on it.
//!
//! A state transition takes time too. On AWS it takes real time (tens of milliseconds), so
//! a loop of Pass and Choice states with no Wait and no Task still reaches the execution's
//! `TimeoutSeconds`. [`Clock::transition_time`] says how much time one transition takes
//! by a clock: none on the [`SystemClock`], where a transition takes the real time it
//! takes, and [`VirtualClock::TRANSITION_TIME`] on the [`VirtualClock`], where nothing else
//! would move time on.

use std::sync::Arc;
use std::time::Duration;

use workflow_core::timestamp::Timestamp;

/// The source of time for executions.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;
    /// Sleeps for `duration`.
    fn sleep(&self, duration: Duration) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;
    /// How long one state transition takes: the executor sleeps this long (on this clock)
    /// before it enters each state. Zero, the default, for a clock that moves on its own
    /// while states run; the executor then only yields to the scheduler now and then.
    fn transition_time(&self) -> Duration {
        Duration::ZERO
    }
}

/// Wall-clock time: waits take as long as they say.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        // To the millisecond, as history timestamps are; without the 128-bit arithmetic of
        // `as_millis` (every event reads the clock).
        Timestamp {
            seconds: since_epoch.as_secs() as i64,
            nanos: since_epoch.subsec_millis() * 1_000_000,
        }
    }

    fn sleep(&self, duration: Duration) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Virtual time: starts at a fixed instant and advances only as executions wait, so a run
/// with a 3-second Wait and 16 retries takes no wall time while every timestamp and `$$`
/// value moves exactly as it would in real time.
///
/// Each state transition takes [`VirtualClock::TRANSITION_TIME`] of it, so that a loop
/// with no wait still reaches its execution's `TimeoutSeconds` and ends `TIMED_OUT`, as on
/// AWS, instead of running on at one instant until the history is full.
///
/// It rides on tokio's paused clock: use it in a current-thread runtime whose time is paused
/// (`#[tokio::test(start_paused = true)]`, or `tokio::time::pause()` before the first
/// execution). Tokio then jumps to the next timer whenever every task is waiting, which is
/// what makes a task timeout race a slow handler correctly. Pausing needs tokio's
/// `test-util`, which the `virtual-clock` feature (on by default) enables.
#[derive(Debug, Clone)]
pub struct VirtualClock {
    start: Timestamp,
    origin: tokio::time::Instant,
    transition: Duration,
}

impl VirtualClock {
    /// The virtual time one state transition takes: one millisecond, the smallest step a
    /// history timestamp shows, so that every state is entered at its own instant, in
    /// order, while a run's timestamps stay close to round numbers. With it, a loop of
    /// Pass states reaches a `TimeoutSeconds` of up to 12 seconds before it fills the
    /// 25,000-event history (two events a state); AWS, whose transitions take longer,
    /// times out such loops later ones too.
    pub const TRANSITION_TIME: Duration = Duration::from_millis(1);

    /// A clock reading `start` now.
    pub fn new(start: Timestamp) -> Arc<Self> {
        Self::with_transition_time(start, Self::TRANSITION_TIME)
    }

    /// A clock reading `start` now, on which a state transition takes `transition` instead
    /// of [`VirtualClock::TRANSITION_TIME`]. With zero, states that never wait (Pass,
    /// Choice, ...) leave time where it is, as on the [`SystemClock`]'s fast path, and a
    /// loop of them with no wait only ends at the history limit, not at its
    /// `TimeoutSeconds`.
    pub fn with_transition_time(start: Timestamp, transition: Duration) -> Arc<Self> {
        Arc::new(VirtualClock {
            start,
            origin: tokio::time::Instant::now(),
            transition,
        })
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Timestamp {
        let elapsed = tokio::time::Instant::now().duration_since(self.origin);
        Timestamp::from_unix_millis(self.start.unix_millis() + elapsed.as_millis() as i64)
    }

    fn sleep(&self, duration: Duration) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(tokio::time::sleep(duration))
    }

    fn transition_time(&self) -> Duration {
        self.transition
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn virtual_time_advances_only_by_sleeping() {
        let start = Timestamp::parse("2024-01-01T00:00:00Z").unwrap();
        let clock = VirtualClock::new(start);
        assert_eq!(clock.now(), start);
        let wall = std::time::Instant::now();
        clock.sleep(Duration::from_secs(3600)).await;
        assert_eq!(clock.now().unix_millis() - start.unix_millis(), 3_600_000);
        assert!(wall.elapsed() < Duration::from_secs(5));
    }
}
