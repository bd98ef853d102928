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

/// The most memory the failure and trust maps may hold, together: keys, entries and the
/// hash table's own slots, as [`entry_bytes`] counts them. An email is at most 254 characters
/// (checked before any state is kept: see `Auth::sign_in`), so an account costs at most about
/// 1.9 KB at the default limit (5 per 5 minutes, 20 stamps); 16 MiB holds ~8,000 accounts under
/// attack at once, and past it the accounts whose last failure is oldest go first.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

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

/// What one key of `T` entries costs in memory: the key's bytes and the slot and the `T`s,
/// plus a hash table's control byte and spare room (a load factor of 7/8, rounded up).
fn entry_bytes<T>(key: &str, capacity: usize) -> usize {
    key.len() + 2 * (size_of::<String>() + size_of::<Vec<T>>() + 1) + capacity * size_of::<T>()
}

/// A map from account to what is kept about it, with the bytes it holds counted.
struct Budgeted<V> {
    map: HashMap<String, V>,
    bytes: usize,
}

impl<V> Default for Budgeted<V> {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            bytes: 0,
        }
    }
}

/// The failed sign-ins of the last `limit.per` per account (a normalised email), in this
/// process's memory, within [`MAX_BYTES`].
pub struct Failures {
    limit: Limit,
    accounts: Mutex<Budgeted<VecDeque<Stamp>>>,
    /// Clients that proved they own an account (a password reset from them) within the window:
    /// never refused on it, however many strangers fail.
    trusted: Mutex<Budgeted<Vec<(IpAddr, Instant)>>>,
    /// The bytes each map may hold: [`MAX_BYTES`] shared, failures first.
    budget: [usize; 2],
}

/// At most this many proven clients are remembered per account.
const MAX_TRUSTED_PER_ACCOUNT: usize = 8;

impl Failures {
    pub fn new(limit: Limit) -> Self {
        Self::with_budget(limit, MAX_BYTES)
    }

    fn with_budget(limit: Limit, bytes: usize) -> Self {
        Self {
            limit,
            accounts: Mutex::default(),
            trusted: Mutex::default(),
            budget: [bytes / 8 * 7, bytes / 8],
        }
    }

    /// What one account's failures cost, counted at the most that is kept of them.
    fn failure_bytes(&self, account: &str) -> usize {
        entry_bytes::<Stamp>(account, kept(self.limit))
    }

    fn trust_bytes(account: &str) -> usize {
        entry_bytes::<(IpAddr, Instant)>(account, MAX_TRUSTED_PER_ACCOUNT)
    }

    /// Bytes held by both maps, as counted against [`MAX_BYTES`].
    pub fn bytes(&self) -> usize {
        let accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        let trusted = self.trusted.lock().unwrap_or_else(|e| e.into_inner());
        accounts.bytes + trusted.bytes
    }

    /// Drops every account whose failures and proofs have all aged out of the window.
    pub fn sweep(&self) -> usize {
        let now = Instant::now();
        let per = self.limit.per;
        let mut dropped = 0;
        {
            let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
            let before = accounts.map.len();
            accounts.map.retain(|_, stamps| {
                stamps
                    .back()
                    .is_some_and(|last| now.duration_since(last.at) < per)
            });
            dropped += before - accounts.map.len();
            accounts.bytes = accounts.map.keys().map(|k| self.failure_bytes(k)).sum();
            accounts.map.shrink_to_fit();
        }
        let mut trusted = self.trusted.lock().unwrap_or_else(|e| e.into_inner());
        let before = trusted.map.len();
        trusted.map.retain(|_, clients| {
            clients.retain(|(_, at)| now.duration_since(*at) < per);
            !clients.is_empty()
        });
        dropped += before - trusted.map.len();
        trusted.bytes = trusted.map.keys().map(|k| Self::trust_bytes(k)).sum();
        trusted.map.shrink_to_fit();
        dropped
    }

    /// Where an attempt on `account` from `client` stands, without counting it: see [`decide`].
    pub fn gate(&self, account: &str, client: Option<IpAddr>) -> Gate {
        let now = Instant::now();
        if let Some(ip) = client {
            let trusted = self.trusted.lock().unwrap_or_else(|e| e.into_inner());
            let proven = trusted.map.get(account).is_some_and(|clients| {
                clients
                    .iter()
                    .any(|(c, at)| *c == ip && now.duration_since(*at) < self.limit.per)
            });
            if proven {
                return Gate::Open;
            }
        }
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        let Some(stamps) = accounts.map.get_mut(account) else {
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
        let cost = self.failure_bytes(account);
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        if !accounts.map.contains_key(account) {
            if accounts.bytes + cost > self.budget[0] {
                self.make_room(&mut accounts, now, cost);
            }
            accounts.bytes += cost;
        }
        let limit = kept(self.limit);
        let stamps = accounts
            .map
            .entry(account.to_string())
            .or_insert_with(|| VecDeque::with_capacity(limit));
        self.forget_old(stamps, now);
        if stamps.len() == limit {
            stamps.pop_front();
        }
        stamps.push_back(Stamp { at: now, client });
    }

    /// Frees `cost` bytes of the failure map: accounts with no failure in the window go first,
    /// then those whose last failure is oldest (half of them at a time, so that a flood pays
    /// for the sort rarely).
    fn make_room(&self, accounts: &mut Budgeted<VecDeque<Stamp>>, now: Instant, cost: usize) {
        let per = self.limit.per;
        accounts.map.retain(|_, stamps| {
            stamps
                .back()
                .is_some_and(|last| now.duration_since(last.at) < per)
        });
        if accounts
            .map
            .keys()
            .map(|k| self.failure_bytes(k))
            .sum::<usize>()
            + cost
            > self.budget[0]
        {
            let mut last: Vec<(Instant, String)> = accounts
                .map
                .iter()
                .filter_map(|(k, stamps)| Some((stamps.back()?.at, k.clone())))
                .collect();
            last.sort_unstable();
            for (_, key) in last.iter().take(last.len().div_ceil(2)) {
                accounts.map.remove(key);
            }
            metrics::counter!("leptodo_throttle_evictions_total")
                .increment(last.len().div_ceil(2) as u64);
        }
        accounts.bytes = accounts.map.keys().map(|k| self.failure_bytes(k)).sum();
        accounts.map.shrink_to_fit();
    }

    /// A correct password from `client`: its own failures on `account` are forgotten.
    pub fn succeed(&self, account: &str, client: Option<IpAddr>) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(stamps) = accounts.map.get_mut(account) {
            stamps.retain(|f| client.is_none() || f.client != client);
            if stamps.is_empty() {
                accounts.map.remove(account);
                accounts.bytes -= self.failure_bytes(account);
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
        let cost = Self::trust_bytes(account);
        let mut trusted = self.trusted.lock().unwrap_or_else(|e| e.into_inner());
        if !trusted.map.contains_key(account) {
            if trusted.bytes + cost > self.budget[1] {
                // Only a mailed link adds here, so this is rare: the aged-out go, else all.
                let per = self.limit.per;
                trusted.map.retain(|_, clients| {
                    clients.retain(|(_, at)| now.duration_since(*at) < per);
                    !clients.is_empty()
                });
                if trusted.map.len() * cost >= self.budget[1] / 2 {
                    trusted.map.clear();
                }
                trusted.bytes = trusted.map.keys().map(|k| Self::trust_bytes(k)).sum();
            }
            trusted.bytes += cost;
        }
        let clients = trusted
            .map
            .entry(account.to_string())
            .or_insert_with(|| Vec::with_capacity(MAX_TRUSTED_PER_ACCOUNT));
        clients.retain(|(_, at)| now.duration_since(*at) < self.limit.per);
        if clients.len() == MAX_TRUSTED_PER_ACCOUNT {
            clients.remove(0);
        }
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
    fn memory_stays_within_its_budget_and_ages_out() {
        let budget = 64 * 1024;
        let log = Failures::with_budget(
            Limit {
                count: NonZeroU32::new(5).unwrap(),
                per: Duration::from_millis(200),
            },
            budget,
        );
        // Thousands of distinct accounts, each with the longest email there is.
        for n in 0..5_000u32 {
            let email = format!("{n:0>242}@example.com");
            assert_eq!(email.len(), 254);
            log.fail(&email, ip((n % 250) as u8));
            assert!(log.bytes() <= budget, "{} bytes after {n}", log.bytes());
        }
        // The newest accounts are kept (the oldest went first): four more failures from the
        // same client close the newest account to it.
        let newest = format!("{:0>242}@example.com", 4_999);
        for _ in 0..4 {
            log.fail(&newest, ip(249));
        }
        assert!(matches!(log.gate(&newest, ip(249)), Gate::Closed(_)));
        assert!(log.bytes() > budget / 4, "the budget is used, not emptied");
        std::thread::sleep(Duration::from_millis(250));
        assert!(log.sweep() > 0);
        assert_eq!(log.bytes(), 0, "everything aged out");
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
