//! Retriers: which one handles an error, and how long to wait before the next attempt.

use std::time::Duration;

use workflow_core::model::{JitterStrategy, Retrier};

use crate::error::{Failure, names};

/// The first retrier whose `ErrorEquals` matches, in order. `States.Runtime` is never retried.
pub fn matching_retrier(retriers: &[Retrier], failure: &Failure) -> Option<usize> {
    if failure.name() == names::RUNTIME {
        return None;
    }
    retriers
        .iter()
        .position(|r| failure.matches(&r.error_equals))
}

/// The delay before retry number `retry` (0 for the first retry) of a retrier:
/// `IntervalSeconds * BackoffRate^retry`, capped by `MaxDelaySeconds`, and with `FULL`
/// jitter drawn uniformly from zero to that ("Retry behavior", AWS docs). `random` is a
/// number in `[0, 1)`.
pub fn delay(retrier: &Retrier, retry: u32, random: f64) -> Duration {
    let interval = retrier
        .interval_seconds
        .unwrap_or(Retrier::DEFAULT_INTERVAL_SECONDS) as f64;
    let rate = retrier
        .backoff_rate
        .unwrap_or(Retrier::DEFAULT_BACKOFF_RATE);
    let mut seconds = interval * rate.powi(retry as i32);
    if let Some(max) = retrier.max_delay_seconds {
        seconds = seconds.min(max as f64);
    }
    if retrier.jitter_strategy == Some(JitterStrategy::Full) {
        seconds *= random;
    }
    Duration::from_secs_f64(seconds.clamp(0.0, 1e9))
}

/// How many retries a retrier allows.
pub fn max_attempts(retrier: &Retrier) -> u64 {
    retrier
        .max_attempts
        .unwrap_or(Retrier::DEFAULT_MAX_ATTEMPTS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retrier(
        interval: u64,
        rate: f64,
        max_delay: Option<u64>,
        jitter: Option<JitterStrategy>,
    ) -> Retrier {
        Retrier {
            comment: None,
            error_equals: vec!["States.ALL".into()],
            interval_seconds: Some(interval),
            max_attempts: Some(16),
            backoff_rate: Some(rate),
            max_delay_seconds: max_delay,
            jitter_strategy: jitter,
        }
    }

    #[test]
    fn delays_grow_by_the_backoff_rate() {
        let r = retrier(2, 2.0, None, None);
        let secs: Vec<u64> = (0..5).map(|n| delay(&r, n, 0.5).as_secs()).collect();
        assert_eq!(secs, [2, 4, 8, 16, 32]);
    }

    #[test]
    fn max_delay_caps_and_full_jitter_scales() {
        let r = retrier(2, 2.0, Some(10), None);
        assert_eq!(delay(&r, 10, 0.5).as_secs(), 10);
        let j = retrier(2, 2.0, Some(10), Some(JitterStrategy::Full));
        assert_eq!(delay(&j, 1, 0.5).as_secs_f64(), 2.0);
        assert_eq!(delay(&j, 10, 0.25).as_secs_f64(), 2.5);
        assert_eq!(delay(&j, 0, 0.0).as_secs_f64(), 0.0);
    }

    #[test]
    fn defaults_are_awss() {
        let r = Retrier {
            comment: None,
            error_equals: vec!["States.ALL".into()],
            interval_seconds: None,
            max_attempts: None,
            backoff_rate: None,
            max_delay_seconds: None,
            jitter_strategy: None,
        };
        assert_eq!(delay(&r, 0, 0.0).as_secs(), 1);
        assert_eq!(delay(&r, 2, 0.0).as_secs(), 4);
        assert_eq!(max_attempts(&r), 3);
    }

    #[test]
    fn runtime_errors_are_never_retried_and_order_matters() {
        let retriers = vec![
            Retrier {
                error_equals: vec!["Custom".into()],
                ..retrier(1, 1.0, None, None)
            },
            retrier(1, 1.0, None, None),
        ];
        assert_eq!(
            matching_retrier(&retriers, &Failure::new("Custom", "")),
            Some(0)
        );
        assert_eq!(
            matching_retrier(&retriers, &Failure::new("Other", "")),
            Some(1)
        );
        assert_eq!(
            matching_retrier(&retriers, &Failure::new(names::RUNTIME, "")),
            None
        );
    }
}
