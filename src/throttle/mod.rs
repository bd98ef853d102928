//! Throttling of the account routes: per client IP (credential stuffing, sign-up floods, mail
//! floods), with governor's GCRA limiters, and per account, by its failed passwords
//! ([`failures`]): guesses at one account are stopped wherever they come from, while its owner,
//! from a client with no recent failure, still gets in with the right password.
//!
//! On SQLite (one instance) the counts live in this process's memory; on Postgres in the
//! database ([`shared`]), so instances behind a load balancer share one allowance.

mod failures;
mod limiter;
mod shared;
use failures::Failures;
pub use failures::Gate;
pub use limiter::RateLimiter;

use std::{collections::HashMap, fmt, net::IpAddr, num::NonZeroU32, str::FromStr, time::Duration};

use crate::db::{Database, DatabaseError};

/// A quota: `count` attempts in a burst, refilled evenly over `per` (so `5/60s` allows five at
/// once, then one every twelve seconds). `off` disables it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub count: NonZeroU32,
    pub per: Duration,
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
    /// How many leading bits of an IPv6 address name one client (`RATE_LIMIT_IPV6_PREFIX`,
    /// 48–128): a /64 is what one subscriber or host is given, so its 2^64 addresses are one
    /// client to every per-address limit.
    pub ipv6_prefix: u8,
}

/// The default of [`ThrottleSettings::ipv6_prefix`].
pub const DEFAULT_IPV6_PREFIX: u8 = 64;
/// The range `RATE_LIMIT_IPV6_PREFIX` may take.
pub const IPV6_PREFIXES: std::ops::RangeInclusive<u8> = 48..=128;

/// The client an address stands for in per-address limits: an IPv4 address (an IPv4-mapped
/// IPv6 one too) as it is, an IPv6 address cut to its first `prefix` bits.
pub fn client_key(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => {
            let prefix = u32::from(prefix.clamp(*IPV6_PREFIXES.start(), 128));
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            IpAddr::V6((u128::from(v6) & mask).into())
        }
    }
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
            ipv6_prefix: DEFAULT_IPV6_PREFIX,
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
    ipv6_prefix: u8,
    per_ip: HashMap<AuthAction, RateLimiter>,
    per_account: Option<AccountFailures>,
    mails_per_address: Option<RateLimiter>,
}

/// Where the failed sign-ins per account are kept.
enum AccountFailures {
    Memory(Failures),
    Shared { pool: sqlx::PgPool, limit: Limit },
}

impl fmt::Debug for AuthThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthThrottle")
            .field("per_ip", &!self.per_ip.is_empty())
            .field("per_account", &self.per_account.is_some())
            .finish()
    }
}

impl AuthAction {
    /// The name of the action's limit, in metrics and in the shared store's keys.
    fn scope(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignUp => "sign_up",
            Self::PasswordCheck => "password_check",
            Self::PasswordReset => "password_reset",
            Self::VerificationMail => "verification_mail",
        }
    }
}

impl AuthThrottle {
    /// The limits of `settings`, kept where `db` calls for (see [`RateLimiter::new`]).
    pub fn new(settings: ThrottleSettings, db: &Database) -> Self {
        let per_ip = AuthAction::ALL
            .into_iter()
            .filter_map(|action| {
                let limit = action.limit(&settings)?;
                Some((action, RateLimiter::new(action.scope(), limit, db)))
            })
            .collect();
        let per_account = settings.per_account.map(|limit| match db {
            Database::Postgres(pool) => AccountFailures::Shared {
                pool: pool.clone(),
                limit,
            },
            Database::Sqlite(_) => AccountFailures::Memory(Failures::new(limit)),
        });
        Self {
            ipv6_prefix: settings.ipv6_prefix,
            per_ip,
            per_account,
            mails_per_address: settings.mail.map(|_| {
                RateLimiter::new(
                    "mails_per_address",
                    limit(MAILS_PER_ADDRESS_PER_HOUR, 3600),
                    db,
                )
            }),
        }
    }

    /// The client `ip` counts as (see [`client_key`]).
    fn client(&self, ip: Option<IpAddr>) -> Option<IpAddr> {
        ip.map(|ip| client_key(ip, self.ipv6_prefix))
    }

    /// Counts an attempt of `action` from `ip`, before any password is hashed or mail queued.
    pub async fn check(
        &self,
        action: AuthAction,
        ip: Option<IpAddr>,
    ) -> Result<Result<(), Throttled>, DatabaseError> {
        let ip = self.client(ip);
        if let (Some(limiter), Some(ip)) = (self.per_ip.get(&action), ip)
            && let Some(wait) = limiter.check(&ip.to_string()).await?
        {
            return Ok(Err(Throttled::Ip(wait)));
        }
        Ok(Ok(()))
    }

    /// Where a sign-in on `account` (a normalised email) from `ip` stands; see [`Gate`].
    pub async fn gate(&self, account: &str, ip: Option<IpAddr>) -> Result<Gate, DatabaseError> {
        let ip = self.client(ip);
        Ok(match &self.per_account {
            None => Gate::Open,
            Some(AccountFailures::Memory(failures)) => failures.gate(account, ip),
            Some(AccountFailures::Shared { pool, limit }) => {
                let (failures, proven) =
                    shared::failures(pool, account, ip, *limit, failures::kept(*limit)).await?;
                if proven {
                    Gate::Open
                } else {
                    failures::decide(*limit, &failures, ip)
                }
            }
        })
    }

    /// Records a wrong password on `account` from `ip`.
    pub async fn fail(&self, account: &str, ip: Option<IpAddr>) -> Result<(), DatabaseError> {
        let ip = self.client(ip);
        match &self.per_account {
            None => {}
            Some(AccountFailures::Memory(failures)) => failures.fail(account, ip),
            Some(AccountFailures::Shared { pool, .. }) => {
                shared::record(pool, account, ip, false).await?
            }
        }
        Ok(())
    }

    /// Records a correct password on `account` from `ip`.
    pub async fn succeed(&self, account: &str, ip: Option<IpAddr>) -> Result<(), DatabaseError> {
        let ip = self.client(ip);
        match (&self.per_account, ip) {
            (Some(AccountFailures::Memory(failures)), _) => failures.succeed(account, ip),
            (Some(AccountFailures::Shared { pool, .. }), Some(ip)) => {
                shared::forget(pool, account, ip).await?
            }
            _ => {}
        }
        Ok(())
    }

    /// `ip` proved it owns `account` (a password reset): see [`Failures::trust`].
    pub async fn trust(&self, account: &str, ip: Option<IpAddr>) -> Result<(), DatabaseError> {
        let ip = self.client(ip);
        match (&self.per_account, ip) {
            (Some(AccountFailures::Memory(failures)), _) => failures.trust(account, ip),
            (Some(AccountFailures::Shared { pool, .. }), Some(ip)) => {
                shared::forget(pool, account, ip).await?;
                shared::record(pool, account, Some(ip), true).await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether another mail may go to `address` this hour.
    pub async fn may_mail(&self, address: &str) -> Result<bool, DatabaseError> {
        Ok(match &self.mails_per_address {
            None => true,
            Some(limiter) => limiter.check(address).await?.is_none(),
        })
    }

    /// Drops throttling state no decision needs any more: old rows on Postgres; on SQLite
    /// the in-memory failures that aged out and the limiters' keys back at full allowance.
    pub async fn sweep(&self, db: &Database) -> Result<u64, DatabaseError> {
        let window = match &self.per_account {
            Some(AccountFailures::Shared { limit, .. }) => limit.per,
            _ => Duration::ZERO,
        };
        for limiter in self.per_ip.values().chain(&self.mails_per_address) {
            limiter.sweep();
        }
        match (&self.per_account, db) {
            (_, Database::Postgres(pool)) => shared::sweep(pool, window).await,
            (Some(AccountFailures::Memory(failures)), _) => Ok(failures.sweep() as u64),
            _ => Ok(0),
        }
    }

    /// Bytes the in-memory failure maps hold (0 on Postgres), for tests and metrics.
    pub fn memory_bytes(&self) -> usize {
        match &self.per_account {
            Some(AccountFailures::Memory(failures)) => failures.bytes(),
            _ => 0,
        }
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

    async fn memory() -> Database {
        // SQLite: every limit is kept in this process's memory.
        Database::connect("sqlite::memory:", 1).await.unwrap()
    }

    #[tokio::test]
    async fn ip_limits_are_per_action() {
        let throttle = AuthThrottle::new(
            ThrottleSettings {
                per_ip: limit("2/60s"),
                per_account: None,
                ..ThrottleSettings::default()
            },
            &memory().await,
        );
        let ip = Some(IpAddr::from([192, 0, 2, 4]));
        let check = |action| throttle.check(action, ip);
        assert!(check(AuthAction::SignIn).await.unwrap().is_ok());
        assert!(check(AuthAction::SignIn).await.unwrap().is_ok());
        let stopped = check(AuthAction::SignIn).await.unwrap().unwrap_err();
        assert_eq!(stopped.scope(), "ip");
        assert!(stopped.retry_after() > Duration::ZERO);
        // Sign-ups from the same address have their own allowance; the account routes have
        // Better Auth's fixed rule (3 per 10 s for a password check).
        assert!(check(AuthAction::SignUp).await.unwrap().is_ok());
        for _ in 0..3 {
            assert!(check(AuthAction::PasswordCheck).await.unwrap().is_ok());
        }
        assert!(check(AuthAction::PasswordCheck).await.unwrap().is_err());
    }

    #[tokio::test]
    async fn one_address_gets_a_few_mails_an_hour() {
        let throttle = AuthThrottle::new(ThrottleSettings::default(), &memory().await);
        for _ in 0..MAILS_PER_ADDRESS_PER_HOUR {
            assert!(throttle.may_mail("ada@example.com").await.unwrap());
        }
        assert!(!throttle.may_mail("ada@example.com").await.unwrap());
        assert!(throttle.may_mail("bob@example.com").await.unwrap());
    }

    #[test]
    fn an_ipv6_client_is_its_prefix_and_mapped_ipv4_is_ipv4() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            client_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 64),
            ip("2001:db8:1:2::")
        );
        assert_eq!(
            client_key(ip("2001:db8:1:2:aaaa::1"), 48),
            ip("2001:db8:1::")
        );
        assert_eq!(client_key(ip("2001:db8::1"), 128), ip("2001:db8::1"));
        assert_eq!(client_key(ip("::ffff:192.0.2.7"), 64), ip("192.0.2.7"));
        assert_eq!(client_key(ip("192.0.2.7"), 64), ip("192.0.2.7"));
    }

    #[tokio::test]
    async fn one_ipv6_network_is_one_client() {
        let throttle = AuthThrottle::new(
            ThrottleSettings {
                per_ip: limit("3/60s"),
                ..ThrottleSettings::default()
            },
            &memory().await,
        );
        let from = |n: u16| Some(IpAddr::from([0x2001, 0xdb8, 7, 7, n, n, n, n]));
        for n in 0..3 {
            assert!(
                throttle
                    .check(AuthAction::SignUp, from(n))
                    .await
                    .unwrap()
                    .is_ok()
            );
        }
        assert!(
            throttle
                .check(AuthAction::SignUp, from(99))
                .await
                .unwrap()
                .is_err()
        );
        let other = Some(IpAddr::from([0x2001, 0xdb8, 7, 8, 0, 0, 0, 1]));
        assert!(
            throttle
                .check(AuthAction::SignUp, other)
                .await
                .unwrap()
                .is_ok()
        );
    }

    #[tokio::test]
    async fn off_means_unlimited() {
        let throttle = AuthThrottle::new(
            ThrottleSettings {
                per_ip: None,
                per_account: None,
                password_check: None,
                mail: None,
                ipv6_prefix: DEFAULT_IPV6_PREFIX,
            },
            &memory().await,
        );
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..1000 {
            assert!(
                throttle
                    .check(AuthAction::SignIn, Some(ip))
                    .await
                    .unwrap()
                    .is_ok()
            );
            throttle.fail("x@e.com", Some(ip)).await.unwrap();
            assert_eq!(
                throttle.gate("x@e.com", Some(ip)).await.unwrap(),
                Gate::Open
            );
            assert!(throttle.may_mail("x@e.com").await.unwrap());
        }
    }
}
