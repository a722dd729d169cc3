//! Per-consumer limits: requests per second and records per hour, as token buckets
//! that live across policy reloads (the limits themselves are read from the current
//! policy on every request). A breach is answered 429 and recorded.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use crate::policy::Access;

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn take(&mut self, amount: f64, capacity: f64, per_second: f64, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_second).min(capacity);
        self.at = now;
        if self.tokens >= amount {
            self.tokens -= amount;
            true
        } else {
            false
        }
    }
}

/// The buckets of every consumer.
#[derive(Default)]
pub struct Limits {
    requests: Mutex<HashMap<String, Bucket>>,
    records: Mutex<HashMap<String, Bucket>>,
}

impl Limits {
    /// Takes one request; `Err` says which limit was reached.
    pub fn request(&self, consumer: &str, access: &Access) -> Result<(), String> {
        let Some(rps) = access.requests_per_second else {
            return Ok(());
        };
        let rate = f64::from(rps);
        if take(&self.requests, consumer, 1.0, rate, rate) {
            Ok(())
        } else {
            Err(format!("more than {rps} requests per second"))
        }
    }

    /// Takes `records` returned records; `Err` when the hour's volume would be exceeded.
    pub fn records(&self, consumer: &str, access: &Access, records: u64) -> Result<(), String> {
        let Some(per_hour) = access.records_per_hour else {
            return Ok(());
        };
        let capacity = per_hour as f64;
        if take(
            &self.records,
            consumer,
            records as f64,
            capacity,
            capacity / 3600.0,
        ) {
            Ok(())
        } else {
            Err(format!("more than {per_hour} records per hour"))
        }
    }
}

fn take(
    buckets: &Mutex<HashMap<String, Bucket>>,
    consumer: &str,
    amount: f64,
    capacity: f64,
    per_second: f64,
) -> bool {
    let now = Instant::now();
    let mut map = match buckets.lock() {
        Ok(map) => map,
        Err(poisoned) => poisoned.into_inner(),
    };
    let bucket = map.entry(consumer.to_owned()).or_insert(Bucket {
        tokens: capacity,
        at: now,
    });
    bucket.take(amount, capacity, per_second, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_beyond_the_burst_are_refused() {
        let limits = Limits::default();
        let access = Access {
            requests_per_second: Some(3),
            ..Access::default()
        };
        let ok = (0..10)
            .filter(|_| limits.request("v", &access).is_ok())
            .count();
        assert!((3..=4).contains(&ok), "{ok}");
    }

    #[test]
    fn a_response_larger_than_the_hours_volume_is_refused() {
        let limits = Limits::default();
        let access = Access {
            records_per_hour: Some(10),
            ..Access::default()
        };
        assert!(limits.records("v", &access, 8).is_ok());
        assert!(limits.records("v", &access, 8).is_err());
        assert!(limits.records("other", &access, 8).is_ok());
    }
}
