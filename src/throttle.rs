//! Throttling of sign-in and sign-up: per client IP (credential stuffing, sign-up floods) and
//! per account (brute force on one email), with governor's GCRA limiters kept in memory.
//!
//! Limits are per server process: behind a load balancer each instance counts on its own.

use std::{
    fmt,
    net::IpAddr,
    num::NonZeroU32,
    str::FromStr,
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use governor::{DefaultKeyedRateLimiter, Quota, clock::Clock};

/// A quota: `count` attempts in a burst, refilled evenly over `per` (so `5/60s` allows five at
/// once, then one every twelve seconds). `off` disables it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub count: NonZeroU32,
    pub per: Duration,
}

impl Limit {
    fn quota(self) -> Quota {
        let every = (self.per / self.count.get()).max(Duration::from_nanos(1));
        Quota::with_period(every)
            .expect("a positive period")
            .allow_burst(self.count)
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.count, self.per.as_secs())
    }
}

/// A limit from configuration: `off`, or `COUNT/PERIOD` with the period in seconds (`60`,
/// `60s`), minutes (`15m`) or hours (`1h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitSetting(pub Option<Limit>);

impl FromStr for LimitSetting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("off") {
            return Ok(Self(None));
        }
        let usage =
            || format!("{s:?} is not a rate limit: use COUNT/PERIOD like 10/60s or 5/15m, or off");
        let (count, period) = s.split_once('/').ok_or_else(usage)?;
        let count: NonZeroU32 = count.trim().parse().map_err(|_| usage())?;
        let period = period.trim();
        let (number, unit) = match period.find(|c: char| !c.is_ascii_digit()) {
            Some(i) => period.split_at(i),
            None => (period, "s"),
        };
        let number: u64 = number.parse().map_err(|_| usage())?;
        let seconds = match unit {
            "s" => number,
            "m" => number * 60,
            "h" => number * 3600,
            _ => return Err(usage()),
        };
        if seconds == 0 {
            return Err(usage());
        }
        Ok(Self(Some(Limit {
            count,
            per: Duration::from_secs(seconds),
        })))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthAction {
    SignIn,
    SignUp,
}

/// How often the limiters drop the state of keys that are back to full allowance.
const PRUNE_EVERY: u32 = 4096;

struct Limiter<K: std::hash::Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    checks: AtomicU32,
}

impl<K: std::hash::Hash + Eq + Clone> Limiter<K> {
    fn new(limit: Limit) -> Self {
        Self {
            limiter: DefaultKeyedRateLimiter::keyed(limit.quota()),
            checks: AtomicU32::new(0),
        }
    }

    /// Counts one attempt for `key`; `Err(wait)` when over the limit.
    fn check(&self, key: &K) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % PRUNE_EVERY == PRUNE_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }
}

/// The limits of [`AuthThrottle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleSettings {
    /// Sign-in attempts and sign-ups per client IP (each counted separately).
    pub per_ip: Option<Limit>,
    /// Sign-in attempts per account email.
    pub per_account: Option<Limit>,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            per_ip: Some(Limit {
                count: NonZeroU32::new(10).expect("non-zero"),
                per: Duration::from_secs(60),
            }),
            per_account: Some(Limit {
                count: NonZeroU32::new(5).expect("non-zero"),
                per: Duration::from_secs(5 * 60),
            }),
        }
    }
}

/// Which limit stopped an attempt, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttled {
    Ip(Duration),
    Account(Duration),
}

impl Throttled {
    pub fn retry_after(self) -> Duration {
        match self {
            Self::Ip(wait) | Self::Account(wait) => wait,
        }
    }

    pub fn scope(self) -> &'static str {
        match self {
            Self::Ip(_) => "ip",
            Self::Account(_) => "account",
        }
    }
}

pub struct AuthThrottle {
    per_ip: Option<Limiter<(AuthAction, IpAddr)>>,
    per_account: Option<Limiter<String>>,
}

impl fmt::Debug for AuthThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthThrottle")
            .field("per_ip", &self.per_ip.is_some())
            .field("per_account", &self.per_account.is_some())
            .finish()
    }
}

impl AuthThrottle {
    pub fn new(settings: ThrottleSettings) -> Self {
        Self {
            per_ip: settings.per_ip.map(Limiter::new),
            per_account: settings.per_account.map(Limiter::new),
        }
    }

    /// Counts an attempt of `action` from `ip` and, for sign-in, against `account` (a
    /// normalised email). Both allowances are consumed before any password is hashed.
    pub fn check(
        &self,
        action: AuthAction,
        ip: Option<IpAddr>,
        account: Option<&str>,
    ) -> Result<(), Throttled> {
        if let (Some(limiter), Some(ip)) = (&self.per_ip, ip) {
            limiter.check(&(action, ip)).map_err(Throttled::Ip)?;
        }
        if let (Some(limiter), Some(account)) = (&self.per_account, account) {
            limiter
                .check(&account.to_string())
                .map_err(Throttled::Account)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(s: &str) -> Option<Limit> {
        s.parse::<LimitSetting>().unwrap().0
    }

    #[test]
    fn limits_parse_from_configuration() {
        assert_eq!(limit("off"), None);
        assert_eq!(
            limit("10/60s"),
            Some(Limit {
                count: NonZeroU32::new(10).unwrap(),
                per: Duration::from_secs(60)
            })
        );
        assert_eq!(limit("5/15m").unwrap().per, Duration::from_secs(900));
        assert_eq!(limit("5/1h").unwrap().per, Duration::from_secs(3600));
        assert_eq!(limit("3 / 10").unwrap().per, Duration::from_secs(10));
        for bad in ["", "10", "0/60s", "10/0s", "ten/60s", "10/60d", "-1/60s"] {
            assert!(bad.parse::<LimitSetting>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ip_and_account_limits_are_separate() {
        let throttle = AuthThrottle::new(ThrottleSettings {
            per_ip: limit("2/60s"),
            per_account: limit("2/60s"),
        });
        let ip = |n: u8| Some(IpAddr::from([192, 0, 2, n]));
        // Brute force on one account from many addresses: the account limit stops it.
        assert!(
            throttle
                .check(AuthAction::SignIn, ip(1), Some("x@e.com"))
                .is_ok()
        );
        assert!(
            throttle
                .check(AuthAction::SignIn, ip(2), Some("x@e.com"))
                .is_ok()
        );
        let stopped = throttle
            .check(AuthAction::SignIn, ip(3), Some("x@e.com"))
            .unwrap_err();
        assert_eq!(stopped.scope(), "account");
        assert!(stopped.retry_after() > Duration::ZERO);
        // Stuffing across accounts from one address: the IP limit stops it.
        assert!(
            throttle
                .check(AuthAction::SignIn, ip(4), Some("y@e.com"))
                .is_ok()
        );
        assert!(
            throttle
                .check(AuthAction::SignIn, ip(4), Some("z@e.com"))
                .is_ok()
        );
        let stopped = throttle
            .check(AuthAction::SignIn, ip(4), Some("w@e.com"))
            .unwrap_err();
        assert_eq!(stopped.scope(), "ip");
        // Sign-ups from the same address have their own allowance.
        assert!(throttle.check(AuthAction::SignUp, ip(4), None).is_ok());
    }

    #[test]
    fn off_means_unlimited() {
        let throttle = AuthThrottle::new(ThrottleSettings {
            per_ip: None,
            per_account: None,
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..1000 {
            assert!(
                throttle
                    .check(AuthAction::SignIn, Some(ip), Some("x@e.com"))
                    .is_ok()
            );
        }
    }
}
