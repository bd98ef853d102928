//! The per-IP limits of the account routes beyond sign-in and sign-up (Better Auth's rules by
//! default), and the per-user quotas on tasks.

use clap::Args;
use leptodo::{tasks::TaskQuota, throttle::LimitSetting};

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Accounts and tokens")]
pub struct LimitOptions {
    /// Password checks (change-password, delete-user) allowed per client IP: COUNT/PERIOD or off.
    #[arg(
        long,
        env = "AUTH_RATE_LIMIT_PASSWORD_CHECK",
        default_value = "3/10s",
        global = true
    )]
    pub rate_limit_password_check: LimitSetting,

    /// Reset and verification mail requests allowed per client IP: COUNT/PERIOD or off.
    #[arg(
        long,
        env = "AUTH_RATE_LIMIT_MAIL",
        default_value = "3/60s",
        global = true
    )]
    pub rate_limit_mail: LimitSetting,

    /// How many leading bits of an IPv6 address are one client for the per-address limits
    /// (48–128): by default its /64, the network one subscriber is given.
    #[arg(
        long,
        env = "RATE_LIMIT_IPV6_PREFIX",
        default_value_t = leptodo::throttle::DEFAULT_IPV6_PREFIX,
        value_parser = clap::value_parser!(u8).range(48..=128),
        global = true
    )]
    pub rate_limit_ipv6_prefix: u8,

    /// The most tasks one account may keep (a create past it is refused with
    /// TASK_LIMIT_REACHED), or 0 for no limit.
    #[arg(
        long,
        env = "MAX_TASKS_PER_USER",
        default_value_t = 10_000,
        global = true
    )]
    pub max_tasks_per_user: u32,

    /// Task creates, changes and deletes allowed per account: COUNT/PERIOD (a burst of COUNT,
    /// refilled evenly over PERIOD) or off. Past it: 429 with Retry-After.
    #[arg(
        long,
        env = "TASK_WRITE_RATE_LIMIT",
        default_value = "1000/60s",
        global = true
    )]
    pub task_write_rate_limit: LimitSetting,
}

impl LimitOptions {
    pub fn task_quota(&self) -> TaskQuota {
        TaskQuota {
            max_tasks: Some(self.max_tasks_per_user).filter(|&max| max > 0),
            writes: self.task_write_rate_limit.0,
        }
    }
}
