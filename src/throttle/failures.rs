//! Failed passwords per account, and which clients they came from: what lets guesses at an
//! account be stopped without locking its owner out.
//!
//! Written by hand rather than with governor (which the IP limits use): the decision needs the
//! failures alone (successes do not count), per account *and* per client within the account,
//! and a look at the state without spending an allowance.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use super::Limit;

/// How many accounts' failures are remembered before the oldest are dropped.
const MAX_ACCOUNTS: usize = 100_000;

/// What may happen to a sign-in attempt on an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Few recent failures: check the password as usual.
    Open,
    /// The account is under attack (its failure budget is spent) but this client has no recent
    /// failure on it: check the password; a wrong one is answered as throttled, for this long.
    Guarded(Duration),
    /// This client has failed on this account recently: refuse without checking, for this long.
    Closed(Duration),
    /// Under attack, and so many strangers have failed on it that strangers are refused
    /// without a check for this long; a client the account knows may still be let through.
    Strangers(Duration),
}

/// One failed sign-in within the window: how long ago, and from where.
#[derive(Debug, Clone, Copy)]
pub(super) struct Failure {
    pub age: Duration,
    pub client: Option<IpAddr>,
}

/// How many of an account's failures are kept: more than enough to decide with.
pub(super) fn kept(limit: Limit) -> usize {
    4 * limit.count.get() as usize
}

/// Where an attempt from `client` stands, given the account's failures of the last
/// `limit.per` (oldest first), whichever store holds them:
///
/// - fewer than `limit.count` failures on the account: [`Gate::Open`];
/// - otherwise a client with a failure of its own in the window: [`Gate::Closed`] until
///   that failure is old;
/// - otherwise, while fewer than `2 × limit.count` strangers have failed on it:
///   [`Gate::Guarded`]; after that [`Gate::Strangers`].
pub(super) fn decide(limit: Limit, failures: &[Failure], client: Option<IpAddr>) -> Gate {
    let count = limit.count.get() as usize;
    if failures.len() < count {
        return Gate::Open;
    }
    let until_old = |failure: &Failure| {
        limit
            .per
            .saturating_sub(failure.age)
            .max(Duration::from_secs(1))
    };
    if let Some(own) = failures
        .iter()
        .find(|f| client.is_some() && f.client == client)
    {
        return Gate::Closed(until_old(own));
    }
    if failures.len() >= 3 * count {
        // The budget, then twice as many strangers' guesses: closed to strangers until the
        // oldest failure is forgotten.
        return Gate::Strangers(until_old(&failures[0]));
    }
    Gate::Guarded(until_old(&failures[0]))
}

#[derive(Debug, Clone, Copy)]
struct Stamp {
    at: Instant,
    client: Option<IpAddr>,
}

/// The failed sign-ins of the last `limit.per` per account (a normalised email), in this
/// process's memory.
pub struct Failures {
    limit: Limit,
    accounts: Mutex<HashMap<String, VecDeque<Stamp>>>,
    /// Clients that proved they own an account (a password reset from them) within the window:
    /// never refused on it, however many strangers fail.
    trusted: Mutex<HashMap<String, Vec<(IpAddr, Instant)>>>,
}

impl Failures {
    pub fn new(limit: Limit) -> Self {
        Self {
            limit,
            accounts: Mutex::default(),
            trusted: Mutex::default(),
        }
    }

    /// Where an attempt on `account` from `client` stands, without counting it: see [`decide`].
    pub fn gate(&self, account: &str, client: Option<IpAddr>) -> Gate {
        let now = Instant::now();
        if let Some(ip) = client {
            let trusted = self.trusted.lock().unwrap_or_else(|e| e.into_inner());
            let proven = trusted.get(account).is_some_and(|clients| {
                clients
                    .iter()
                    .any(|(c, at)| *c == ip && now.duration_since(*at) < self.limit.per)
            });
            if proven {
                return Gate::Open;
            }
        }
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        let Some(stamps) = accounts.get_mut(account) else {
            return Gate::Open;
        };
        self.forget_old(stamps, now);
        let failures: Vec<Failure> = stamps
            .iter()
            .map(|s| Failure {
                age: now.duration_since(s.at),
                client: s.client,
            })
            .collect();
        decide(self.limit, &failures, client)
    }

    /// Records a wrong password for `account` from `client`.
    pub fn fail(&self, account: &str, client: Option<IpAddr>) {
        let now = Instant::now();
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        if accounts.len() >= MAX_ACCOUNTS && !accounts.contains_key(account) {
            accounts.retain(|_, stamps| {
                stamps
                    .back()
                    .is_some_and(|last| now.duration_since(last.at) < self.limit.per)
            });
            if accounts.len() >= MAX_ACCOUNTS {
                accounts.clear();
            }
        }
        let stamps = accounts.entry(account.to_string()).or_default();
        self.forget_old(stamps, now);
        stamps.push_back(Stamp { at: now, client });
        while stamps.len() > kept(self.limit) {
            stamps.pop_front();
        }
    }

    /// A correct password from `client`: its own failures on `account` are forgotten.
    pub fn succeed(&self, account: &str, client: Option<IpAddr>) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(stamps) = accounts.get_mut(account) {
            stamps.retain(|f| client.is_none() || f.client != client);
            if stamps.is_empty() {
                accounts.remove(account);
            }
        }
    }

    /// `client` just proved it owns `account` (it reset the password with the mailed link): it
    /// is let through for the next window, whatever strangers do, and its failures are gone.
    pub fn trust(&self, account: &str, client: Option<IpAddr>) {
        self.succeed(account, client);
        let Some(ip) = client else {
            return;
        };
        let now = Instant::now();
        let mut trusted = self.trusted.lock().unwrap_or_else(|e| e.into_inner());
        if trusted.len() >= MAX_ACCOUNTS {
            trusted.clear();
        }
        let clients = trusted.entry(account.to_string()).or_default();
        clients.retain(|(_, at)| now.duration_since(*at) < self.limit.per);
        clients.push((ip, now));
    }

    fn forget_old(&self, stamps: &mut VecDeque<Stamp>, now: Instant) {
        while stamps
            .front()
            .is_some_and(|f| now.duration_since(f.at) >= self.limit.per)
        {
            stamps.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;

    use super::*;

    fn failures(count: u32, per: Duration) -> Failures {
        Failures::new(Limit {
            count: NonZeroU32::new(count).unwrap(),
            per,
        })
    }

    fn ip(n: u8) -> Option<IpAddr> {
        Some(IpAddr::from([198, 51, 100, n]))
    }

    #[test]
    fn guesses_from_many_addresses_guard_the_account_but_not_against_a_fresh_client() {
        let log = failures(5, Duration::from_secs(300));
        for n in 1..=5 {
            assert_eq!(log.gate("ada@example.com", ip(n)), Gate::Open);
            log.fail("ada@example.com", ip(n));
        }
        // Budget spent: a client that failed is shut out, a fresh one is only guarded.
        assert!(matches!(
            log.gate("ada@example.com", ip(1)),
            Gate::Closed(_)
        ));
        assert!(matches!(
            log.gate("ada@example.com", ip(200)),
            Gate::Guarded(_)
        ));
        // Other accounts are untouched.
        assert_eq!(log.gate("bob@example.com", ip(1)), Gate::Open);
        // Ten more strangers' guesses: closed to strangers as well.
        for n in 6..=15 {
            log.fail("ada@example.com", ip(n));
        }
        assert!(matches!(
            log.gate("ada@example.com", ip(200)),
            Gate::Strangers(_)
        ));
    }

    #[test]
    fn failures_age_out_and_success_forgets_the_clients_own() {
        let log = failures(2, Duration::from_millis(50));
        log.fail("a@example.com", ip(1));
        log.fail("a@example.com", ip(1));
        assert!(matches!(log.gate("a@example.com", ip(1)), Gate::Closed(_)));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(log.gate("a@example.com", ip(1)), Gate::Open);

        log.fail("a@example.com", ip(1));
        log.fail("a@example.com", ip(2));
        log.succeed("a@example.com", ip(1));
        assert_eq!(
            log.gate("a@example.com", ip(1)),
            Gate::Open,
            "one failure left"
        );
    }
}
