//! The messages themselves: a plain-text part and an HTML part, the app's name, the link, and
//! nothing else — no images, no remote resources, no tracking.

/// A message the accounts send.
#[derive(Debug, Clone, Copy)]
pub enum Template<'a> {
    ResetPassword { name: &'a str, link: &'a str },
    VerifyEmail { name: &'a str, link: &'a str },
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

const APP: &str = "Leptodo";

/// Text safe inside HTML elements and double-quoted attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Template<'_> {
    pub fn render(self) -> Rendered {
        let (name, link, subject, lead, action, after) = match self {
            Self::ResetPassword { name, link } => (
                name,
                link,
                format!("Reset your {APP} password"),
                format!(
                    "Someone — hopefully you — asked to reset the password of your {APP} account."
                ),
                "Choose a new password",
                "The link works once, for one hour. Setting a new password signs you out on every \
                 device. If you did not ask for this, ignore this mail: your password stays as it is.",
            ),
            Self::VerifyEmail { name, link } => (
                name,
                link,
                format!("Confirm your email address for {APP}"),
                format!("Please confirm that this is the email address of your {APP} account."),
                "Confirm my email address",
                "The link works for one hour. If you did not create an account, ignore this mail.",
            ),
        };
        let text = format!("Hello {name},\n\n{lead}\n\n{action}:\n{link}\n\n{after}\n\n— {APP}\n");
        let html = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{subject}</title></head>\n\
             <body style=\"font-family: system-ui, sans-serif; line-height: 1.5; color: #1f2933\">\n\
             <p>Hello {name},</p>\n<p>{lead}</p>\n\
             <p><a href=\"{link}\" style=\"display: inline-block; padding: 0.6em 1.2em; background: #1d4ed8; \
             color: #ffffff; border-radius: 6px; text-decoration: none\">{action}</a></p>\n\
             <p>Or copy this address into your browser:<br>{link}</p>\n<p>{after}</p>\n<p>— {APP}</p>\n\
             </body></html>\n",
            subject = escape(&subject),
            name = escape(name),
            lead = escape(&lead),
            link = escape(link),
            action = escape(action),
            after = escape(after),
        );
        Rendered {
            subject,
            text,
            html,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parts_carry_the_link_and_the_html_is_escaped() {
        let link = "https://todo.example.com/api/auth/reset-password/abc?callbackURL=%2Freset&x=1";
        let mail = Template::ResetPassword {
            name: "<Ada & \"Bob\">",
            link,
        }
        .render();
        assert_eq!(mail.subject, "Reset your Leptodo password");
        assert!(mail.text.contains(link));
        assert!(mail.text.contains("<Ada & \"Bob\">"));
        assert!(mail.html.contains("&lt;Ada &amp; &quot;Bob&quot;&gt;"));
        assert!(mail.html.contains(&link.replace('&', "&amp;")));
        assert!(!mail.html.contains("<img"), "no images, no tracking");
    }
}
