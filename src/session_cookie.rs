//! The browser session cookie: its name, its flags, reading it and writing it. One definition
//! for the REST API and the server functions alike.
//!
//! The name is Better Auth's (`better-auth.session_token`, `__Secure-` prefixed over https), so
//! middleware written for that stack (e.g. a "has a session cookie" check) keeps working. The
//! value is the raw session token; only its hash is stored. Better Auth's own cookies, carried
//! by browsers signed in before `import better-auth --sessions`, hold `{token}.{signature}`:
//! they read as their token (the signature adds nothing here: the token is the secret, looked
//! up by its hash), and the next cookie Leptodo sets is its own.

use std::time::Duration;

use cookie::{Cookie, SameSite};
use http::{HeaderMap, HeaderValue, header};

pub const COOKIE_NAME: &str = "better-auth.session_token";
pub const SECURE_COOKIE_NAME: &str = "__Secure-better-auth.session_token";

/// The session cookies a request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carried {
    None,
    One(String),
    /// More than one: treated as signed out, and told to clear them.
    Several,
}

impl Carried {
    pub fn token(self) -> Option<String> {
        match self {
            Self::One(token) => Some(token),
            _ => None,
        }
    }
}

/// What tells a browser to drop every cookie of this site, a planted one of a parent domain
/// too (a `Set-Cookie` can only clear the one it names, and the planted one's `Domain` is
/// unknown): `Clear-Site-Data: "cookies"`.
pub const CLEAR_SITE_COOKIES: (&str, &str) = ("clear-site-data", "\"cookies\"");

/// The token of a Better Auth signed value (`{token}.{base64 HMAC}`, the HMAC's `=` written
/// `%3D`); our own tokens (URL-safe base64) hold no `.` and are returned as they are.
fn unsigned(value: &str) -> &str {
    value.rsplit_once('.').map_or(value, |(token, _)| token)
}

/// How the session cookie is written: `HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure`
/// (with the `__Secure-` name) when the app is served over https.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCookie {
    pub secure: bool,
}

impl SessionCookie {
    pub fn name(self) -> &'static str {
        if self.secure {
            SECURE_COOKIE_NAME
        } else {
            COOKIE_NAME
        }
    }

    /// The session token the request carries: [`Carried::One`] only when exactly one cookie
    /// of our name is there. Two mean someone planted one (cookie tossing: a sibling
    /// subdomain can set a cookie of this name for the whole domain, and the browser sends
    /// both); neither is taken, since which is the real one cannot be told.
    pub fn read(self, headers: &HeaderMap) -> Carried {
        let mut tokens = self.tokens(headers).into_iter();
        match (tokens.next(), tokens.next()) {
            (None, _) => Carried::None,
            (Some(token), None) => Carried::One(token),
            (Some(_), Some(_)) => Carried::Several,
        }
    }

    /// Every session token the request carries under our name (sign-out ends them all).
    pub fn tokens(self, headers: &HeaderMap) -> Vec<String> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .filter(|cookie| cookie.name() == self.name() && !cookie.value().is_empty())
            .map(|cookie| unsigned(cookie.value()).to_string())
            .collect()
    }

    /// A `Set-Cookie` value that stores `token` for `max_age`.
    pub fn set(self, token: &str, max_age: Duration) -> HeaderValue {
        let max_age = cookie::time::Duration::seconds(max_age.as_secs() as i64);
        self.header(Cookie::build((self.name(), token.to_string())).max_age(max_age))
    }

    /// A `Set-Cookie` value that removes the cookie.
    pub fn clear(self) -> HeaderValue {
        self.header(
            Cookie::build((self.name(), ""))
                .max_age(cookie::time::Duration::ZERO)
                .expires(cookie::time::OffsetDateTime::UNIX_EPOCH),
        )
    }

    fn header(self, cookie: cookie::CookieBuilder<'static>) -> HeaderValue {
        let cookie = cookie
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .build();
        HeaderValue::from_str(&cookie.to_string())
            .expect("a cookie of URL-safe characters is a valid header value")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_follow_the_scheme() {
        let plain = SessionCookie { secure: false }
            .set("abc", Duration::from_secs(604_800))
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            plain.starts_with("better-auth.session_token=abc"),
            "{plain}"
        );
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"] {
            assert!(plain.contains(flag), "{plain} lacks {flag}");
        }
        assert!(!plain.contains("Secure"));

        let secure = SessionCookie { secure: true }
            .set("abc", Duration::from_secs(60))
            .to_str()
            .unwrap()
            .to_string();
        assert!(secure.starts_with("__Secure-better-auth.session_token=abc"));
        assert!(secure.contains("Secure"));
    }

    #[test]
    fn reads_its_own_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            "theme=dark; better-auth.session_token=tok".parse().unwrap(),
        );
        headers.append(header::COOKIE, "other=1".parse().unwrap());
        let plain = SessionCookie { secure: false };
        assert_eq!(plain.read(&headers), Carried::One("tok".into()));
        // Over https only the __Secure- cookie counts.
        assert_eq!(SessionCookie { secure: true }.read(&headers), Carried::None);
        let cleared = plain.clear().to_str().unwrap().to_string();
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
    }

    #[test]
    fn better_auths_signed_cookie_reads_as_its_token() {
        // As Better Auth 1.7.25 set it (tests/interop/better-auth/seed.mjs).
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            "better-auth.session_token=pejkYJhT5rmStladBor6JL5rNBOMoDWY.DrMRIpefwZuzddOM6Lv0gvNf8L5BtDKAbYBaufArO1w%3D"
                .parse()
                .unwrap(),
        );
        let plain = SessionCookie { secure: false };
        assert_eq!(
            plain.read(&headers),
            Carried::One("pejkYJhT5rmStladBor6JL5rNBOMoDWY".into())
        );
        let ours = crate::random::random_token();
        assert_eq!(unsigned(&ours), ours);
    }

    #[test]
    fn a_second_cookie_of_the_name_is_taken_for_neither() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            "better-auth.session_token=planted; better-auth.session_token=real"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            SessionCookie { secure: false }.read(&headers),
            Carried::Several
        );
        // The same across two Cookie headers.
        let mut split = HeaderMap::new();
        split.append(
            header::COOKIE,
            "better-auth.session_token=a".parse().unwrap(),
        );
        split.append(
            header::COOKIE,
            "better-auth.session_token=b".parse().unwrap(),
        );
        assert_eq!(
            SessionCookie { secure: false }.read(&split),
            Carried::Several
        );
    }
}
