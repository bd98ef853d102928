//! The per-IP limits of the account routes beyond sign-in and sign-up (Better Auth's rules by
//! default).

use clap::Args;
use leptodo::throttle::LimitSetting;

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
}
