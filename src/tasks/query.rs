//! Task list query parameters (checked into a `ListQuery`) and task ids from URL paths.

use crate::error::Code;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{DEFAULT_PAGE, MAX_PAGE, input::collect};
use crate::error::{Error, FieldError, LocPart, Result};

/// `GET /api/{user_id}/tasks` query, as sent (checked by [`ListQuery::parse`]).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `true` for completed tasks only, `false` for open ones; all when left out.
    #[param(value_type = Option<bool>)]
    pub completed: Option<String>,
    /// 1–100, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// 0 or more, default 0.
    #[param(value_type = Option<u64>, minimum = 0)]
    pub offset: Option<String>,
}

/// Which tasks to list: newest first, optionally by completion, a page at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListQuery {
    pub completed: Option<bool>,
    pub limit: u32,
    pub offset: u64,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            completed: None,
            limit: DEFAULT_PAGE,
            offset: 0,
        }
    }
}

fn query_error(name: &str, kind: &'static str, msg: String) -> FieldError {
    FieldError {
        loc: vec![LocPart::Key("query".into()), LocPart::Key(name.into())],
        msg,
        kind,
        code: Code::ValidationError,
    }
}

impl ListQuery {
    pub fn parse(params: &ListParams) -> Result<Self> {
        let mut errors = Vec::new();
        let completed = match params.completed.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Some(true),
                "false" | "0" | "no" | "off" => Some(false),
                _ => {
                    errors.push(query_error(
                        "completed",
                        "bool_parsing",
                        format!("completed must be true or false, not {v:?}"),
                    ));
                    None
                }
            },
        };
        let limit = match params.limit.as_deref().map(str::trim) {
            None => DEFAULT_PAGE,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
                _ => {
                    errors.push(query_error(
                        "limit",
                        "int_parsing",
                        format!("limit must be a whole number from 1 to {MAX_PAGE}"),
                    ));
                    DEFAULT_PAGE
                }
            },
        };
        let offset = match params.offset.as_deref().map(str::trim) {
            None => 0,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n <= i64::MAX as u64 => n,
                _ => {
                    errors.push(query_error(
                        "offset",
                        "int_parsing",
                        "offset must be a whole number, 0 or more".into(),
                    ));
                    0
                }
            },
        };
        collect(errors, || Self {
            completed,
            limit,
            offset,
        })
    }
}

/// A task id from a URL path: a positive integer, else a 422 at `["path", "id"]`.
pub fn parse_id(raw: &str) -> Result<i64> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            Error::invalid(FieldError {
                loc: vec![LocPart::Key("path".into()), LocPart::Key("id".into())],
                msg: "the task id must be a positive whole number".into(),
                kind: "int_parsing",
                code: Code::ValidationError,
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_queries_are_checked() {
        let parse = |completed: Option<&str>, limit: Option<&str>, offset: Option<&str>| {
            ListQuery::parse(&ListParams {
                completed: completed.map(Into::into),
                limit: limit.map(Into::into),
                offset: offset.map(Into::into),
            })
        };
        assert_eq!(parse(None, None, None).unwrap(), ListQuery::default());
        assert_eq!(
            parse(Some("true"), Some("100"), Some("5")).unwrap(),
            ListQuery {
                completed: Some(true),
                limit: 100,
                offset: 5
            }
        );
        for (c, l, o) in [
            (Some("maybe"), None, None),
            (None, Some("0"), None),
            (None, Some("101"), None),
            (None, Some("ten"), None),
            (None, None, Some("-1")),
        ] {
            assert!(parse(c, l, o).is_err(), "{c:?} {l:?} {o:?}");
        }
        let Err(Error::Invalid(errors)) = parse(Some("x"), Some("0"), Some("-1")) else {
            panic!()
        };
        assert_eq!(errors.len(), 3, "every bad parameter is reported");
        assert!(parse_id("0").is_err() && parse_id("abc").is_err() && parse_id("7").is_ok());
    }
}
