//! [`LoginFailures`]: password guessing slowed to a stop. Failed logins are counted per
//! (client address, user name); once `limit` of them fall within `window` of each
//! other, that pair is refused without a password exchange until `window` has passed
//! since its last failure. A successful login clears its pair. Unknown user names are
//! counted like known ones, so the refusal tells nothing of which names exist, and one
//! client's guesses do not lock a consumer out for its other clients.
//!
//! The table is bounded: past [`MAX_TRACKED`] pairs, expired ones are dropped first,
//! then the oldest, so a flood of addresses or names costs bounded memory.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most (address, user) pairs tracked at once.
pub const MAX_TRACKED: usize = 10_000;

/// Failed logins per (client address, user name).
#[derive(Debug)]
pub struct LoginFailures {
    limit: u32,
    window: Duration,
    pairs: Mutex<HashMap<(IpAddr, String), Failures>>,
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

impl LoginFailures {
    /// Refuses a pair after `limit` failures (0: never) for `window`.
    pub fn new(limit: u32, window: Duration) -> Self {
        LoginFailures {
            limit,
            window,
            pairs: Mutex::new(HashMap::new()),
        }
    }

    fn pairs(&self) -> std::sync::MutexGuard<'_, HashMap<(IpAddr, String), Failures>> {
        match self.pairs.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// How long `user` from `ip` is still refused, if it is.
    pub fn refused_for(&self, ip: IpAddr, user: &str) -> Option<Duration> {
        self.refused_at(ip, user, Instant::now())
    }

    fn refused_at(&self, ip: IpAddr, user: &str, now: Instant) -> Option<Duration> {
        if self.limit == 0 {
            return None;
        }
        let pairs = self.pairs();
        let f = pairs.get(&(ip, user.to_owned()))?;
        let since = now.saturating_duration_since(f.last);
        (f.count >= self.limit && since < self.window).then(|| self.window - since)
    }

    /// Counts a failed login of `user` from `ip`.
    pub fn failed(&self, ip: IpAddr, user: &str) {
        self.failed_at(ip, user, Instant::now());
    }

    fn failed_at(&self, ip: IpAddr, user: &str, now: Instant) {
        if self.limit == 0 {
            return;
        }
        let mut pairs = self.pairs();
        if pairs.len() >= MAX_TRACKED && !pairs.contains_key(&(ip, user.to_owned())) {
            let window = self.window;
            pairs.retain(|_, f| now.saturating_duration_since(f.last) < window);
            if pairs.len() >= MAX_TRACKED
                && let Some(oldest) = pairs
                    .iter()
                    .min_by_key(|(_, f)| f.last)
                    .map(|(k, _)| k.clone())
            {
                pairs.remove(&oldest);
            }
        }
        let f = pairs.entry((ip, user.to_owned())).or_insert(Failures {
            count: 0,
            last: now,
        });
        // Failures further apart than the window start a new count.
        if now.saturating_duration_since(f.last) >= self.window {
            f.count = 0;
        }
        f.count = f.count.saturating_add(1);
        f.last = now;
    }

    /// Clears `user` from `ip` after a successful login.
    pub fn succeeded(&self, ip: IpAddr, user: &str) {
        if self.limit == 0 {
            return;
        }
        let mut pairs = self.pairs();
        if !pairs.is_empty() {
            pairs.remove(&(ip, user.to_owned()));
        }
    }

    /// Pairs tracked now.
    pub fn tracked(&self) -> usize {
        self.pairs().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn a_pair_is_refused_after_the_limit_and_only_that_pair() {
        let f = LoginFailures::new(3, Duration::from_secs(60));
        for _ in 0..2 {
            f.failed(A, "qa");
        }
        assert_eq!(f.refused_for(A, "qa"), None, "below the limit");
        f.failed(A, "qa");
        let left = f.refused_for(A, "qa").expect("refused at the limit");
        assert!(left <= Duration::from_secs(60));
        assert_eq!(f.refused_for(B, "qa"), None, "another address");
        assert_eq!(f.refused_for(A, "analyst"), None, "another user");
        f.succeeded(A, "qa");
        assert_eq!(f.refused_for(A, "qa"), None, "cleared by a success");
    }

    #[test]
    fn the_refusal_ends_with_the_window_and_old_failures_do_not_count() {
        let f = LoginFailures::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        f.failed_at(A, "qa", at(0));
        f.failed_at(A, "qa", at(61));
        assert_eq!(f.refused_at(A, "qa", at(61)), None, "the first had expired");
        f.failed_at(A, "qa", at(70));
        assert_eq!(
            f.refused_at(A, "qa", at(80)),
            Some(Duration::from_secs(50)),
            "refused until 60 s after the last failure"
        );
        assert_eq!(f.refused_at(A, "qa", at(130)), None, "the window passed");
    }

    #[test]
    fn zero_disables_it_and_the_table_stays_bounded() {
        let off = LoginFailures::new(0, Duration::from_secs(60));
        for _ in 0..10 {
            off.failed(A, "qa");
        }
        assert_eq!(off.refused_for(A, "qa"), None);
        assert_eq!(off.tracked(), 0);
        let f = LoginFailures::new(1, Duration::from_secs(60));
        for n in 0..(MAX_TRACKED + 50) {
            f.failed(A, &format!("user{n}"));
        }
        assert_eq!(f.tracked(), MAX_TRACKED);
        let last = format!("user{}", MAX_TRACKED + 49);
        assert!(f.refused_for(A, &last).is_some(), "the newest is kept");
    }
}
