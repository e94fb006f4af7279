//! Runs per principal per minute: a token bucket per caller, in memory (per process; in Azure
//! each instance enforces its share, which bounds abuse without a shared store).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
}
