//! Mail the accounts send — password-reset and verification links — and how it leaves:
//! queued in the database ([`outbox`]) in the same transaction as the token it carries, then
//! sent by a background worker over SMTP (lettre, rustls).
//!
//! Without `SMTP_URL`, development logs each message (link included) instead of sending it;
//! production has no mail at all, and the mail routes say so (`EMAIL_NOT_CONFIGURED`), so a
//! reset link never lands in a production log.

pub mod outbox;
mod templates;

use std::{sync::Arc, time::Duration};

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Notify;

use crate::db::Database;
pub use templates::Template;

/// How long one SMTP exchange may take before it counts as failed (and is retried).
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// How mail is configured (`SMTP_URL`, `EMAIL_FROM`, `BETTER_AUTH_URL`).
#[derive(Clone)]
pub struct MailSettings {
    /// `smtp://[user:pass@]host[:port]` (STARTTLS when the server offers it; `?tls=required`
    /// to insist, `?tls=none` to never), or `smtps://…` (TLS from the first byte).
    pub smtp_url: Option<SecretString>,
    /// The sender, `Name <address>` or a bare address.
    pub from: Option<String>,
    /// Where links in mail point: the public origin of the app.
    pub base_url: String,
    /// Without an SMTP server: log each message (development) rather than refuse to send.
    pub log_without_smtp: bool,
}

impl std::fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "(set)"))
            .field("from", &self.from)
            .field("base_url", &self.base_url)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error(
        "SMTP_URL cannot be used: {0} (expected smtp://[user:pass@]host[:port][?tls=required|none] or smtps://…)"
    )]
    SmtpUrl(String),
    #[error("EMAIL_FROM {0:?} is not a mail address (expected `Name <address>` or `address`)")]
    From(String),
}

/// How a queued message leaves.
#[derive(Clone)]
enum Delivery {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Development without an SMTP server: the message is written to the log.
    Log,
    /// Production without an SMTP server: nothing is queued; the routes refuse.
    Off,
}

/// The mail service: renders, queues and sends. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

struct Inner {
    delivery: Delivery,
    from: Mailbox,
    base_url: String,
    /// Wakes the worker when a message is queued.
    queued: Notify,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let delivery = match self.inner.delivery {
            Delivery::Smtp(_) => "smtp",
            Delivery::Log => "log",
            Delivery::Off => "off",
        };
        f.debug_struct("Mailer")
            .field("delivery", &delivery)
            .field("from", &self.inner.from.to_string())
            .finish()
    }
}

/// The `smtp://` URL lettre is given: STARTTLS when offered unless the URL says otherwise.
fn lettre_url(raw: &str) -> Result<String, MailSetupError> {
    let mut url =
        url::Url::parse(raw.trim()).map_err(|e| MailSetupError::SmtpUrl(e.to_string()))?;
    match url.scheme() {
        "smtps" => {}
        "smtp" => {
            let tls = url
                .query_pairs()
                .find(|(k, _)| k == "tls")
                .map(|(_, v)| v.to_string());
            let keep: Vec<(String, String)> = url
                .query_pairs()
                .filter(|(k, _)| k != "tls")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let tls = match tls.as_deref() {
                None | Some("opportunistic") => Some("opportunistic"),
                Some("required") => Some("required"),
                Some("none") => None,
                Some(other) => {
                    return Err(MailSetupError::SmtpUrl(format!(
                        "tls={other} is not one of required, opportunistic, none"
                    )));
                }
            };
            url.set_query(None);
            if !keep.is_empty() || tls.is_some() {
                let mut pairs = url.query_pairs_mut();
                for (k, v) in &keep {
                    pairs.append_pair(k, v);
                }
                if let Some(tls) = tls {
                    pairs.append_pair("tls", tls);
                }
            }
        }
        other => {
            return Err(MailSetupError::SmtpUrl(format!(
                "the scheme {other}: is neither smtp: nor smtps:"
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(MailSetupError::SmtpUrl("it names no host".into()));
    }
    Ok(url.to_string())
}

impl Mailer {
    pub fn new(settings: MailSettings) -> Result<Self, MailSetupError> {
        let delivery = match &settings.smtp_url {
            Some(url) if !url.expose_secret().trim().is_empty() => {
                let url = lettre_url(url.expose_secret())?;
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                    .map_err(|e| MailSetupError::SmtpUrl(e.to_string()))?
                    .timeout(Some(SMTP_TIMEOUT))
                    .build();
                Delivery::Smtp(transport)
            }
            _ if settings.log_without_smtp => Delivery::Log,
            _ => Delivery::Off,
        };
        let base_url = settings.base_url.trim_end_matches('/').to_string();
        let from = match settings.from.as_deref().map(str::trim) {
            Some(from) if !from.is_empty() => from
                .parse::<Mailbox>()
                .map_err(|_| MailSetupError::From(from.to_string()))?,
            _ => {
                let host = url::Url::parse(&base_url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_string))
                    .filter(|h| h.contains('.'))
                    .unwrap_or_else(|| "localhost.localdomain".into());
                format!("Leptodo <no-reply@{host}>")
                    .parse::<Mailbox>()
                    .map_err(|_| MailSetupError::From(format!("no-reply@{host}")))?
            }
        };
        Ok(Self {
            inner: Arc::new(Inner {
                delivery,
                from,
                base_url,
                queued: Notify::new(),
            }),
        })
    }

    /// Whether mail can be sent (or, in development, logged).
    pub fn enabled(&self) -> bool {
        !matches!(self.inner.delivery, Delivery::Off)
    }

    /// Whether mail really leaves over SMTP.
    pub fn sends(&self) -> bool {
        matches!(self.inner.delivery, Delivery::Smtp(_))
    }

    /// The public origin links are built on.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// An absolute URL for `path_and_query` (which starts with `/`).
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.inner.base_url)
    }

    /// Tells the worker a message was queued.
    pub fn wake(&self) {
        self.inner.queued.notify_one();
    }

    async fn deliver(&self, mail: &outbox::Queued) -> Result<(), String> {
        match &self.inner.delivery {
            Delivery::Smtp(transport) => {
                let to: Mailbox = mail
                    .recipient
                    .parse()
                    .map_err(|e| format!("bad recipient: {e}"))?;
                let message = Message::builder()
                    .from(self.inner.from.clone())
                    .to(to)
                    .subject(&mail.subject)
                    .header(AutoSubmitted)
                    .multipart(MultiPart::alternative_plain_html(
                        mail.text_body.clone(),
                        mail.html_body.clone(),
                    ))
                    .map_err(|e| format!("cannot build the message: {e}"))?;
                transport
                    .send(message)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            Delivery::Log => {
                tracing::info!(
                    to = %mail.recipient,
                    subject = %mail.subject,
                    "no SMTP_URL (development): this mail is logged, not sent\n{}",
                    mail.text_body
                );
                Ok(())
            }
            Delivery::Off => Err("mail is not configured".into()),
        }
    }

    /// Sends queued mail until the process ends: see [`outbox::run`].
    pub async fn run(self, db: Database) {
        outbox::run(self, db).await
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): no out-of-office replies to our mail.
#[derive(Clone)]
struct AutoSubmitted;

impl lettre::message::header::Header for AutoSubmitted {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), "auto-generated".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_get_opportunistic_starttls_unless_they_say_otherwise() {
        assert_eq!(
            lettre_url("smtp://mail.example.com:2525").unwrap(),
            "smtp://mail.example.com:2525?tls=opportunistic"
        );
        assert_eq!(
            lettre_url("smtp://u:p%40ss@mail.example.com?tls=required").unwrap(),
            "smtp://u:p%40ss@mail.example.com?tls=required"
        );
        assert_eq!(
            lettre_url("smtp://127.0.0.1:1025?tls=none").unwrap(),
            "smtp://127.0.0.1:1025"
        );
        assert_eq!(
            lettre_url("smtps://mail.example.com").unwrap(),
            "smtps://mail.example.com"
        );
        for bad in [
            "http://mail.example.com",
            "smtp://",
            "smtp://h?tls=maybe",
            "not a url",
        ] {
            assert!(lettre_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_sender_defaults_to_no_reply_at_the_apps_host() {
        let settings = |from: Option<&str>| MailSettings {
            smtp_url: None,
            from: from.map(str::to_string),
            base_url: "https://todo.example.com/".into(),
            log_without_smtp: true,
        };
        let mailer = Mailer::new(settings(None)).unwrap();
        assert_eq!(
            mailer.inner.from.to_string(),
            "Leptodo <no-reply@todo.example.com>"
        );
        assert_eq!(mailer.link("/x"), "https://todo.example.com/x");
        assert!(mailer.enabled() && !mailer.sends());
        let named = Mailer::new(settings(Some("Todo Team <team@example.org>"))).unwrap();
        assert_eq!(named.inner.from.email.to_string(), "team@example.org");
        assert!(Mailer::new(settings(Some("not an address"))).is_err());
        let off = Mailer::new(MailSettings {
            log_without_smtp: false,
            ..settings(None)
        })
        .unwrap();
        assert!(!off.enabled());
    }
}
