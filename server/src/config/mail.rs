//! The mail settings: where reset and verification mail goes out.

use clap::Args;
use secrecy::SecretString;

use super::secret;

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Mail")]
pub struct MailOptions {
    /// The SMTP server for reset and verification mail: smtp://[user:pass@]host[:port]
    /// (STARTTLS when offered; ?tls=required to insist, ?tls=none never) or smtps://… (TLS).
    /// Without it, development logs each mail and production has none.
    #[arg(long, env = "SMTP_URL", value_parser = secret, hide_env_values = true, global = true)]
    pub smtp_url: Option<SecretString>,

    /// The sender of that mail: `Name <address>` or an address (default: Leptodo
    /// <no-reply@HOST> with the host of BETTER_AUTH_URL).
    #[arg(long, env = "EMAIL_FROM", global = true)]
    pub email_from: Option<String>,

    /// Send a verification mail at sign-up (as Better Auth's emailVerification.sendOnSignUp).
    #[arg(
        long,
        env = "EMAIL_VERIFICATION_ON_SIGN_UP",
        default_value_t = false,
        global = true
    )]
    pub email_verification_on_sign_up: bool,
}
