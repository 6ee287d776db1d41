//! Randomness for `States.UUID`, `States.MathRandom` and JSONata's `$random`, `$uuid` and
//! `$shuffle`, behind a trait so that an execution can draw them all from its one seeded
//! random source, and tests and replays can be deterministic.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of random bits for the intrinsics that need them.
pub trait Entropy {
    /// 64 fresh random bits.
    fn next_u64(&mut self) -> u64;
}

/// Any `FnMut() -> u64` is a source: a closure over a caller's own generator (the
/// runtime's per-execution one).
impl<F: FnMut() -> u64> Entropy for F {
    fn next_u64(&mut self) -> u64 {
        self()
    }
}

/// A deterministic generator (SplitMix64): the same seed gives the same sequence.
///
/// `States.MathRandom` with a seed argument uses one of these, so a seeded call always
/// returns the same number. The numbers differ from the ones AWS returns for that seed.
#[derive(Debug, Clone)]
pub struct SeededEntropy {
    state: u64,
}

impl SeededEntropy {
    /// A generator that starts from `seed`.
    pub fn new(seed: u64) -> Self {
        SeededEntropy { state: seed }
    }
}

impl Entropy for SeededEntropy {
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Unpredictable randomness for real executions: a [`SeededEntropy`] seeded from the
/// process's random hasher keys and the clock. Not for cryptography.
#[derive(Debug, Clone)]
pub struct SystemEntropy(SeededEntropy);

impl SystemEntropy {
    /// A generator with a fresh random seed.
    pub fn new() -> Self {
        // `RandomState` is seeded from the operating system once per process and varies
        // per instance; the clock separates processes that happen to share keys.
        let mut hasher = RandomState::new().build_hasher();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        hasher.write_u128(nanos);
        SystemEntropy(SeededEntropy::new(hasher.finish()))
    }
}

impl Default for SystemEntropy {
    fn default() -> Self {
        SystemEntropy::new()
    }
}

impl Entropy for SystemEntropy {
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}

/// A uniform integer in `0..bound` (`bound > 0`), without modulo bias (Lemire's method).
pub(crate) fn below(entropy: &mut dyn Entropy, bound: u64) -> u64 {
    let threshold = bound.wrapping_neg() % bound;
    loop {
        let product = u128::from(entropy.next_u64()) * u128::from(bound);
        if (product as u64) >= threshold {
            return (product >> 64) as u64;
        }
    }
}

/// A number in `[0, 1)` from 64 random bits.
pub(crate) fn unit_interval(bits: u64) -> f64 {
    // The top 53 bits, so that every result is exact and below 1.
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_repeatable_and_system_is_not() {
        let a: Vec<u64> = (0..4)
            .map({
                let mut e = SeededEntropy::new(7);
                move |_| e.next_u64()
            })
            .collect();
        let mut e = SeededEntropy::new(7);
        assert_eq!(a, (0..4).map(|_| e.next_u64()).collect::<Vec<_>>());
        assert_ne!(
            SystemEntropy::new().next_u64(),
            SystemEntropy::new().next_u64()
        );
    }

    #[test]
    fn below_stays_in_bounds() {
        let mut e = SeededEntropy::new(1);
        for bound in [1, 2, 3, 10, u64::MAX] {
            for _ in 0..100 {
                assert!(below(&mut e, bound) < bound);
            }
        }
    }
}
