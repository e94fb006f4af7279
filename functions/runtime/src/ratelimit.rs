//! Runs per principal per minute: a token bucket per caller, in memory (per process; in Azure
//! each instance enforces its share, which bounds abuse without a shared store). A caller whose
//! bucket has refilled is forgotten once many are held, so callers named by their input (an
//! app user's email) cannot grow the map without bound.

use appgen_core::appdata::accounts::Failures;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets held before the full ones are dropped (a full bucket is the same as none).
const PRUNE_AT: usize = 10_000;

pub struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute: f64::from(per_minute.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// From `APPGEN_RUNS_PER_MINUTE` (default 20).
    pub fn from_env() -> RateLimiter {
        let n = std::env::var("APPGEN_RUNS_PER_MINUTE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20);
        RateLimiter::new(n)
    }

    /// Takes one token for `who`, or says how long until one is free.
    pub fn take(&self, who: &str) -> Result<(), Duration> {
        self.take_at(who, Instant::now())
    }

    fn take_at(&self, who: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(p) => p.into_inner(),
        };
        let rate = self.per_minute / 60.0;
        if buckets.len() >= PRUNE_AT {
            let full = self.per_minute;
            buckets.retain(|_, (tokens, last)| {
                *tokens + now.saturating_duration_since(*last).as_secs_f64() * rate < full
            });
        }
        let (tokens, last) = buckets
            .entry(who.to_owned())
            .or_insert((self.per_minute, now));
        *tokens = (*tokens + now.saturating_duration_since(*last).as_secs_f64() * rate)
            .min(self.per_minute);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / rate))
        }
    }
}

/// Failed attempts per key ([`Failures`]: counted when an attempt starts, forgiven when it
/// succeeds, a key locked once `max` failed in a window until the window ends), in memory.
pub struct FailureLimiter {
    max: u32,
    keys: Mutex<HashMap<String, Failures>>,
}

impl FailureLimiter {
    pub fn new(max: u32) -> FailureLimiter {
        FailureLimiter {
            max,
            keys: Mutex::new(HashMap::new()),
        }
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        match self.keys.lock() {
            Ok(k) => k,
            Err(p) => p.into_inner(),
        }
    }

    /// Counts an attempt by `who` that may fail, or says how long until one may start.
    pub fn start(&self, who: &str, now_ms: u64) -> Result<(), Duration> {
        let mut keys = self.keys();
        if keys.len() >= PRUNE_AT {
            keys.retain(|_, f| !f.expired(now_ms));
        }
        let next = Failures::start(keys.get(who).copied(), self.max, now_ms)
            .map_err(Duration::from_millis)?;
        keys.insert(who.to_owned(), next);
        Ok(())
    }

    /// The attempt [`FailureLimiter::start`] counted did not fail.
    pub fn forgive(&self, who: &str) {
        if let Some(f) = self.keys().get_mut(who) {
            *f = f.forgive();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_capped_and_refills_over_time() {
        let r = RateLimiter::new(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(r.take_at("a", t0).is_ok());
        }
        let wait = r.take_at("a", t0).expect_err("limited");
        assert!((19..=20).contains(&wait.as_secs()), "{wait:?}");
        assert!(r.take_at("b", t0).is_ok(), "per principal");
        assert!(
            r.take_at("a", t0 + Duration::from_secs(21)).is_ok(),
            "refilled"
        );
    }

    #[test]
    fn failures_are_counted_per_key_and_clear_after_their_window() {
        use appgen_core::appdata::accounts::FAILURE_WINDOW_MS;
        let f = FailureLimiter::new(2);
        f.start("ann", 0).expect("one");
        f.start("ann", 1).expect("two");
        let wait = f.start("ann", 2).expect_err("locked");
        assert_eq!(wait.as_millis() as u64, FAILURE_WINDOW_MS - 2);
        f.start("bob", 2).expect("another key is unaffected");
        f.forgive("bob");
        f.start("ann", FAILURE_WINDOW_MS)
            .expect("clear after the window");
    }

    #[test]
    fn refilled_callers_are_forgotten_and_limited_ones_kept() {
        let r = RateLimiter::new(60);
        let t0 = Instant::now();
        for _ in 0..60 {
            r.take_at("hot", t0).expect("within the burst");
        }
        for i in 0..PRUNE_AT {
            r.take_at(&format!("cold-{i}"), t0).expect("one each");
        }
        // Two seconds on, each cold caller has its one token back; the hot one has two of 60.
        let later = t0 + Duration::from_secs(2);
        r.take_at("new", later).expect("new");
        let buckets = r.buckets.lock().expect("lock");
        assert_eq!(buckets.len(), 2, "only the hot and the new caller are held");
        assert!(
            buckets.contains_key("hot"),
            "a caller still refilling is kept"
        );
    }
}
