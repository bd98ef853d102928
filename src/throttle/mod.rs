//! Throttling of the account routes: per client IP (credential stuffing, sign-up floods, mail
//! floods), with governor's GCRA limiters, and per account, by its failed passwords
//! ([`failures`]): guesses at one account are stopped wherever they come from, while its owner,
//! from a client with no recent failure, still gets in with the right password.
//!
//! Limits are per server process: behind a load balancer each instance counts on its own.

mod failures;
use failures::Failures;
pub use failures::Gate;

use std::{
    collections::HashMap,
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

/// What a throttled request is doing. Each action has its own per-IP allowance: sign-in and
/// sign-up `AUTH_RATE_LIMIT_IP`; the account routes Better Auth's rules (its `rateLimit`
/// "special rules") by default, `AUTH_RATE_LIMIT_PASSWORD_CHECK` and `AUTH_RATE_LIMIT_MAIL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthAction {
    SignIn,
    SignUp,
    /// `change-password` and `delete-user`: a password check behind a session.
    PasswordCheck,
    /// `request-password-reset`.
    PasswordReset,
    /// `send-verification-email`.
    VerificationMail,
}

impl AuthAction {
    const ALL: [AuthAction; 5] = [
        Self::SignIn,
        Self::SignUp,
        Self::PasswordCheck,
        Self::PasswordReset,
        Self::VerificationMail,
    ];

    fn limit(self, settings: &ThrottleSettings) -> Option<Limit> {
        match self {
            Self::SignIn | Self::SignUp => settings.per_ip,
            Self::PasswordCheck => settings.password_check,
            Self::PasswordReset | Self::VerificationMail => settings.mail,
        }
    }
}

/// A limit of `count` per `secs` seconds.
pub fn limit(count: u32, secs: u64) -> Limit {
    Limit {
        count: NonZeroU32::new(count).expect("a non-zero count"),
        per: Duration::from_secs(secs),
    }
}

/// How many mails one address may be sent per hour by the reset and verification routes,
/// whoever asks (no mail-bombing an address from many IPs). Requests past it get the same
/// answer and no mail.
const MAILS_PER_ADDRESS_PER_HOUR: u32 = 5;

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
    /// Failed sign-ins per account email before the account is guarded (see [`failures`]).
    pub per_account: Option<Limit>,
    /// Password checks behind a session (change-password, delete-user) per client IP:
    /// Better Auth's 3 per 10 s.
    pub password_check: Option<Limit>,
    /// Reset and verification mail requests per client IP (Better Auth's 3 per 60 s); with it
    /// on, an address also gets at most a few mails an hour.
    pub mail: Option<Limit>,
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
            password_check: Some(limit(3, 10)),
            mail: Some(limit(3, 60)),
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
    per_ip: HashMap<AuthAction, Limiter<IpAddr>>,
    per_account: Option<Failures>,
    mails_per_address: Option<Limiter<String>>,
}

impl fmt::Debug for AuthThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthThrottle")
            .field("per_ip", &!self.per_ip.is_empty())
            .field("per_account", &self.per_account.is_some())
            .finish()
    }
}

impl AuthThrottle {
    pub fn new(settings: ThrottleSettings) -> Self {
        let per_ip = AuthAction::ALL
            .into_iter()
            .filter_map(|action| Some((action, Limiter::new(action.limit(&settings)?))))
            .collect();
        Self {
            per_ip,
            per_account: settings.per_account.map(Failures::new),
            mails_per_address: settings.mail.map(|_| {
                Limiter::new(Limit {
                    count: NonZeroU32::new(MAILS_PER_ADDRESS_PER_HOUR).expect("non-zero"),
                    per: Duration::from_secs(3600),
                })
            }),
        }
    }

    /// Counts an attempt of `action` from `ip`, before any password is hashed or mail queued.
    pub fn check(&self, action: AuthAction, ip: Option<IpAddr>) -> Result<(), Throttled> {
        if let (Some(limiter), Some(ip)) = (self.per_ip.get(&action), ip) {
            limiter.check(&ip).map_err(Throttled::Ip)?;
        }
        Ok(())
    }

    /// Where a sign-in on `account` (a normalised email) from `ip` stands; see [`Gate`].
    pub fn gate(&self, account: &str, ip: Option<IpAddr>) -> Gate {
        self.per_account
            .as_ref()
            .map_or(Gate::Open, |failures| failures.gate(account, ip))
    }

    /// Records a wrong password on `account` from `ip`.
    pub fn fail(&self, account: &str, ip: Option<IpAddr>) {
        if let Some(failures) = &self.per_account {
            failures.fail(account, ip);
        }
    }

    /// Records a correct password on `account` from `ip`.
    pub fn succeed(&self, account: &str, ip: Option<IpAddr>) {
        if let Some(failures) = &self.per_account {
            failures.succeed(account, ip);
        }
    }

    /// `ip` proved it owns `account` (a password reset): see [`Failures::trust`].
    pub fn trust(&self, account: &str, ip: Option<IpAddr>) {
        if let Some(failures) = &self.per_account {
            failures.trust(account, ip);
        }
    }

    /// Whether another mail may go to `address` this hour.
    pub fn may_mail(&self, address: &str) -> bool {
        self.mails_per_address
            .as_ref()
            .is_none_or(|limiter| limiter.check(&address.to_string()).is_ok())
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
    fn ip_limits_are_per_action() {
        let throttle = AuthThrottle::new(ThrottleSettings {
            per_ip: limit("2/60s"),
            per_account: None,
            ..ThrottleSettings::default()
        });
        let ip = Some(IpAddr::from([192, 0, 2, 4]));
        assert!(throttle.check(AuthAction::SignIn, ip).is_ok());
        assert!(throttle.check(AuthAction::SignIn, ip).is_ok());
        let stopped = throttle.check(AuthAction::SignIn, ip).unwrap_err();
        assert_eq!(stopped.scope(), "ip");
        assert!(stopped.retry_after() > Duration::ZERO);
        // Sign-ups from the same address have their own allowance; the account routes have
        // Better Auth's fixed rule (3 per 10 s for a password check).
        assert!(throttle.check(AuthAction::SignUp, ip).is_ok());
        for _ in 0..3 {
            assert!(throttle.check(AuthAction::PasswordCheck, ip).is_ok());
        }
        assert!(throttle.check(AuthAction::PasswordCheck, ip).is_err());
    }

    #[test]
    fn one_address_gets_a_few_mails_an_hour() {
        let throttle = AuthThrottle::new(ThrottleSettings::default());
        for _ in 0..MAILS_PER_ADDRESS_PER_HOUR {
            assert!(throttle.may_mail("ada@example.com"));
        }
        assert!(!throttle.may_mail("ada@example.com"));
        assert!(throttle.may_mail("bob@example.com"));
    }

    #[test]
    fn off_means_unlimited() {
        let throttle = AuthThrottle::new(ThrottleSettings {
            per_ip: None,
            per_account: None,
            password_check: None,
            mail: None,
        });
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..1000 {
            assert!(throttle.check(AuthAction::SignIn, Some(ip)).is_ok());
            throttle.fail("x@e.com", Some(ip));
            assert_eq!(throttle.gate("x@e.com", Some(ip)), Gate::Open);
            assert!(throttle.may_mail("x@e.com"));
        }
    }
}
