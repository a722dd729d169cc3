//! [`LoginFailures`]: password guessing slowed to a stop. Failed logins are counted per
//! (client address, user name) and per client address; once `limit` of one pair's
//! failures fall within `window` of each other, that pair is refused without a password
//! exchange until `window` has passed since its last failure — and once `address_limit`
//! of one address's failures do (whatever the names: password spraying), every name
//! from that address is. A successful login clears its pair, not its address (else a
//! guesser holding one working login could reset the address's count between
//! guesses). Unknown user names are counted like known ones, so the refusal tells
//! nothing of which names exist, and one client's guesses do not lock a consumer out
//! for its other clients.
//!
//! Each table is bounded: past [`MAX_TRACKED`] keys, expired ones are dropped first,
//! then the oldest, so a flood of addresses or names costs bounded memory.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most keys (address and user pairs; addresses) one table tracks at once.
pub const MAX_TRACKED: usize = 10_000;

/// Failed logins per (client address, user name) and per client address.
#[derive(Debug)]
pub struct LoginFailures {
    pairs: Counts<(IpAddr, String)>,
    addresses: Counts<IpAddr>,
}

/// Why a login is refused before its exchange, and for how long still.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// This user name from this address failed `limit` times.
    User(Duration),
    /// This address failed `address_limit` times, whatever the names.
    Address(Duration),
}

impl LoginFailures {
    /// Refuses a pair after `limit` failures and an address after `address_limit`
    /// (0: never, for either) for `window`.
    pub fn new(limit: u32, address_limit: u32, window: Duration) -> Self {
        LoginFailures {
            pairs: Counts::new(limit, window),
            addresses: Counts::new(address_limit, window),
        }
    }

    /// Whether `user` from `ip` is refused now, and for how long still.
    pub fn refused_for(&self, ip: IpAddr, user: &str) -> Option<Refused> {
        self.refused_at(ip, user, Instant::now())
    }

    fn refused_at(&self, ip: IpAddr, user: &str, now: Instant) -> Option<Refused> {
        if let Some(wait) = self.addresses.refused_at(&ip, now) {
            return Some(Refused::Address(wait));
        }
        if self.pairs.limit == 0 {
            return None;
        }
        self.pairs
            .refused_at(&(ip, user.to_owned()), now)
            .map(Refused::User)
    }

    /// Counts a failed login of `user` from `ip`.
    pub fn failed(&self, ip: IpAddr, user: &str) {
        self.failed_at(ip, user, Instant::now());
    }

    fn failed_at(&self, ip: IpAddr, user: &str, now: Instant) {
        self.addresses.failed_at(ip, now);
        if self.pairs.limit != 0 {
            self.pairs.failed_at((ip, user.to_owned()), now);
        }
    }

    /// Clears `user` from `ip` after a successful login (the address keeps its count).
    pub fn succeeded(&self, ip: IpAddr, user: &str) {
        if self.pairs.limit != 0 {
            self.pairs.clear(&(ip, user.to_owned()));
        }
    }

    /// Keys tracked now: (address, user) pairs and addresses.
    pub fn tracked(&self) -> (usize, usize) {
        (self.pairs.len(), self.addresses.len())
    }
}

/// One bounded table of failure counts.
#[derive(Debug)]
struct Counts<K> {
    limit: u32,
    window: Duration,
    keys: Mutex<HashMap<K, Failures>>,
}

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

impl<K: Hash + Eq + Clone> Counts<K> {
    fn new(limit: u32, window: Duration) -> Self {
        Counts {
            limit,
            window,
            keys: Mutex::new(HashMap::new()),
        }
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<K, Failures>> {
        match self.keys.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn refused_at(&self, key: &K, now: Instant) -> Option<Duration> {
        if self.limit == 0 {
            return None;
        }
        let keys = self.keys();
        let f = keys.get(key)?;
        let since = now.saturating_duration_since(f.last);
        (f.count >= self.limit && since < self.window).then(|| self.window - since)
    }

    fn failed_at(&self, key: K, now: Instant) {
        if self.limit == 0 {
            return;
        }
        let mut keys = self.keys();
        if keys.len() >= MAX_TRACKED && !keys.contains_key(&key) {
            let window = self.window;
            keys.retain(|_, f| now.saturating_duration_since(f.last) < window);
            if keys.len() >= MAX_TRACKED
                && let Some(oldest) = keys
                    .iter()
                    .min_by_key(|(_, f)| f.last)
                    .map(|(k, _)| k.clone())
            {
                keys.remove(&oldest);
            }
        }
        let f = keys.entry(key).or_insert(Failures {
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

    fn clear(&self, key: &K) {
        let mut keys = self.keys();
        if !keys.is_empty() {
            keys.remove(key);
        }
    }

    fn len(&self) -> usize {
        self.keys().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    fn wait(r: Option<Refused>) -> Option<Duration> {
        r.map(|(Refused::User(d) | Refused::Address(d))| d)
    }

    #[test]
    fn a_pair_is_refused_after_the_limit_and_only_that_pair() {
        let f = LoginFailures::new(3, 0, Duration::from_secs(60));
        for _ in 0..2 {
            f.failed(A, "qa");
        }
        assert_eq!(f.refused_for(A, "qa"), None, "below the limit");
        f.failed(A, "qa");
        let Some(Refused::User(left)) = f.refused_for(A, "qa") else {
            panic!("refused at the limit, for the user");
        };
        assert!(left <= Duration::from_secs(60));
        assert_eq!(f.refused_for(B, "qa"), None, "another address");
        assert_eq!(f.refused_for(A, "analyst"), None, "another user");
        f.succeeded(A, "qa");
        assert_eq!(f.refused_for(A, "qa"), None, "cleared by a success");
    }

    #[test]
    fn the_refusal_ends_with_the_window_and_old_failures_do_not_count() {
        let f = LoginFailures::new(2, 0, Duration::from_secs(60));
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        f.failed_at(A, "qa", at(0));
        f.failed_at(A, "qa", at(61));
        assert_eq!(f.refused_at(A, "qa", at(61)), None, "the first had expired");
        f.failed_at(A, "qa", at(70));
        assert_eq!(
            wait(f.refused_at(A, "qa", at(80))),
            Some(Duration::from_secs(50)),
            "refused until 60 s after the last failure"
        );
        assert_eq!(f.refused_at(A, "qa", at(130)), None, "the window passed");
    }

    #[test]
    fn an_address_spraying_names_is_refused_for_every_name_and_a_success_does_not_clear_it() {
        let f = LoginFailures::new(3, 4, Duration::from_secs(60));
        for name in ["a", "b", "c"] {
            f.failed(A, name);
        }
        f.succeeded(A, "qa");
        assert_eq!(f.refused_for(A, "qa"), None, "below the address limit");
        f.failed(A, "d");
        assert!(
            matches!(f.refused_for(A, "qa"), Some(Refused::Address(_))),
            "a name that never failed is refused from that address"
        );
        f.succeeded(A, "qa");
        assert!(matches!(f.refused_for(A, "e"), Some(Refused::Address(_))));
        assert_eq!(f.refused_for(B, "qa"), None, "another address");
        // Off: names are still counted per pair.
        let pairs_only = LoginFailures::new(2, 0, Duration::from_secs(60));
        for name in ["a", "b", "c", "d", "e"] {
            pairs_only.failed(A, name);
        }
        assert_eq!(pairs_only.refused_for(A, "f"), None);
        assert_eq!(pairs_only.tracked(), (5, 0));
    }

    #[test]
    fn zero_disables_it_and_the_tables_stay_bounded() {
        let off = LoginFailures::new(0, 0, Duration::from_secs(60));
        for _ in 0..10 {
            off.failed(A, "qa");
        }
        assert_eq!(off.refused_for(A, "qa"), None);
        assert_eq!(off.tracked(), (0, 0));
        let f = LoginFailures::new(1, 0, Duration::from_secs(60));
        for n in 0..(MAX_TRACKED + 50) {
            f.failed(A, &format!("user{n}"));
        }
        assert_eq!(f.tracked(), (MAX_TRACKED, 0));
        let last = format!("user{}", MAX_TRACKED + 49);
        assert!(f.refused_for(A, &last).is_some(), "the newest is kept");
        let by_address = LoginFailures::new(0, 1, Duration::from_secs(60));
        for n in 0..(MAX_TRACKED as u32 + 50) {
            by_address.failed(IpAddr::V4(std::net::Ipv4Addr::from(n)), "qa");
        }
        assert_eq!(by_address.tracked(), (0, MAX_TRACKED));
    }
}
