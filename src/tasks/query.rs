//! Task list query parameters (checked into a `ListQuery`) and task ids from URL paths.

use crate::error::Code;
use serde::Deserialize;
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};

use super::{
    DEFAULT_PAGE, MAX_PAGE, MAX_TAGS,
    fields::{Priority, parse_date},
    input::collect,
};
use crate::error::{Error, FieldError, LocPart, Result};

/// At most this many words in one search (each is one more index lookup).
pub const MAX_SEARCH_WORDS: usize = 10;

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
    /// Words: a task matches when each one is a word, or the start of a word, of its title,
    /// description or tags (ignoring case).
    #[param(value_type = Option<String>, example = "milk")]
    pub q: Option<String>,
    /// `high`, `medium` or `low`; repeat it for either (`priority=high&priority=low`).
    #[param(value_type = Option<Vec<Priority>>, style = Form, explode)]
    #[serde(default)]
    pub priority: Vec<String>,
    /// A tag (ignoring case); repeat it for tasks that have all of them.
    #[param(value_type = Option<Vec<String>>, style = Form, explode)]
    #[serde(default)]
    pub tag: Vec<String>,
    /// `overdue` (due before today, not completed), `today`, `week` (today to today + 6) or
    /// `none` (no due date).
    #[param(value_type = Option<Due>)]
    pub due: Option<String>,
    /// The date `due` counts from (the client's own), `YYYY-MM-DD`; the server's UTC date
    /// when left out.
    #[param(value_type = Option<String>, format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub today: Option<String>,
    /// `created` (default: newest first), `due_date` (soonest first, no date last),
    /// `priority` (high first) or `title` (A–Z, ignoring case).
    #[param(value_type = Option<Sort>)]
    pub sort: Option<String>,
    /// `asc` or `desc`: the direction of `sort` (ties always go newest first; tasks without a
    /// due date always come last).
    #[param(value_type = Option<Order>)]
    pub order: Option<String>,
}

impl ListParams {
    /// Reads a URL query string: `priority` and `tag` may repeat; any other parameter given
    /// twice is refused (which value was meant?); unknown ones are ignored.
    pub fn from_query(query: &str) -> Result<Self> {
        let mut params = Self::default();
        let mut errors = Vec::new();
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let value = value.into_owned();
            let slot = match key.as_ref() {
                "priority" => {
                    params.priority.push(value);
                    continue;
                }
                "tag" => {
                    params.tag.push(value);
                    continue;
                }
                "completed" => &mut params.completed,
                "limit" => &mut params.limit,
                "offset" => &mut params.offset,
                "q" => &mut params.q,
                "due" => &mut params.due,
                "today" => &mut params.today,
                "sort" => &mut params.sort,
                "order" => &mut params.order,
                _ => continue,
            };
            if slot.replace(value).is_some() {
                errors.push(query_error(&key, "value_error", format!("give {key} once")));
            }
        }
        collect(errors, || params)
    }
}

/// When tasks are due, for `due=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Due {
    Overdue,
    Today,
    Week,
    None,
}

/// What a list is sorted by, for `sort=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Created,
    DueDate,
    Priority,
    Title,
}

/// For `order=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    Asc,
    Desc,
}

/// Parses one of `names` (ignoring case), else a 422 naming the parameter.
fn choice<T: Copy>(
    raw: Option<&str>,
    name: &str,
    options: &[(&str, T)],
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    // Given but empty is not a choice: a 422 like any other value outside the list.
    let raw = raw.map(str::trim)?;
    let found = options
        .iter()
        .find(|(text, _)| text.eq_ignore_ascii_case(raw))
        .map(|(_, value)| *value);
    if found.is_none() {
        let names: Vec<_> = options.iter().map(|(text, _)| *text).collect();
        errors.push(query_error(
            name,
            "enum",
            format!("{name} must be one of {}, not {raw:?}", names.join(", ")),
        ));
    }
    found
}

/// Which tasks to list and in what order, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub completed: Option<bool>,
    pub limit: u32,
    pub offset: u64,
    /// Search words, lower-cased ([`super::words`]); each must match.
    pub words: Vec<String>,
    /// Any of these (none: any priority).
    pub priorities: Vec<Priority>,
    /// Tag keys ([`super::tag_key`]); each must be on the task.
    pub tags: Vec<String>,
    pub due: Option<Due>,
    /// The day `due` counts from.
    pub today: Date,
    pub sort: Sort,
    pub order: Order,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            completed: None,
            limit: DEFAULT_PAGE,
            offset: 0,
            words: Vec::new(),
            priorities: Vec::new(),
            tags: Vec::new(),
            due: None,
            today: OffsetDateTime::now_utc().date(),
            sort: Sort::Created,
            order: Order::Desc,
        }
    }
}

fn query_error(name: &str, kind: &'static str, msg: String) -> FieldError {
    FieldError {
        loc: query_loc(name)(),
        msg,
        kind,
        code: Code::ValidationError,
    }
}

fn query_loc(name: &str) -> impl Fn() -> Vec<LocPart> + '_ {
    move || vec![LocPart::Key("query".into()), LocPart::Key(name.into())]
}

impl ListQuery {
    pub fn parse(params: &ListParams) -> Result<Self> {
        let mut errors = Vec::new();
        let completed = match params.completed.as_deref().map(str::trim) {
            None => None,
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
        let q = params.q.as_deref().unwrap_or_default();
        let mut words: Vec<String> = super::words(q).collect();
        words.sort_unstable();
        words.dedup();
        if words.len() > MAX_SEARCH_WORDS {
            errors.push(query_error(
                "q",
                "too_long",
                format!("search for at most {MAX_SEARCH_WORDS} words"),
            ));
        }
        let mut priorities = Vec::new();
        for raw in &params.priority {
            match Priority::parse(raw, query_loc("priority")) {
                Ok(p) if !priorities.contains(&p) => priorities.push(p),
                Ok(_) => {}
                Err(mut e) => {
                    e.code = Code::ValidationError;
                    errors.push(e)
                }
            }
        }
        let mut tags: Vec<String> = params
            .tag
            .iter()
            .map(|t| super::tag_key(t))
            .filter(|t| !t.is_empty())
            .collect();
        tags.sort_unstable();
        tags.dedup();
        if tags.iter().any(|t| t.contains('\0')) {
            errors.push(query_error(
                "tag",
                "string_pattern_mismatch",
                "a tag cannot contain NUL (\\0) characters".into(),
            ));
        }
        if tags.len() > MAX_TAGS {
            errors.push(query_error(
                "tag",
                "too_long",
                format!("filter by at most {MAX_TAGS} tags"),
            ));
        }
        let due = choice(
            params.due.as_deref(),
            "due",
            &[
                ("overdue", Due::Overdue),
                ("today", Due::Today),
                ("week", Due::Week),
                ("none", Due::None),
            ],
            &mut errors,
        );
        let today = match params.today.as_deref().map(str::trim) {
            None => OffsetDateTime::now_utc().date(),
            Some(raw) => parse_date(raw, "today", Code::ValidationError, query_loc("today"))
                .map_err(|e| errors.push(e))
                .unwrap_or(Date::MIN),
        };
        let sort = choice(
            params.sort.as_deref(),
            "sort",
            &[
                ("created", Sort::Created),
                ("due_date", Sort::DueDate),
                ("priority", Sort::Priority),
                ("title", Sort::Title),
            ],
            &mut errors,
        )
        .unwrap_or_default();
        let order = choice(
            params.order.as_deref(),
            "order",
            &[("asc", Order::Asc), ("desc", Order::Desc)],
            &mut errors,
        )
        .unwrap_or(match sort {
            Sort::Created => Order::Desc,
            _ => Order::Asc,
        });
        collect(errors, || Self {
            completed,
            limit,
            offset,
            words,
            priorities,
            tags,
            due,
            today,
            sort,
            order,
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
                ..Default::default()
            })
        };
        assert_eq!(parse(None, None, None).unwrap(), ListQuery::default());
        assert_eq!(
            parse(Some("true"), Some("100"), Some("5")).unwrap(),
            ListQuery {
                completed: Some(true),
                limit: 100,
                offset: 5,
                ..Default::default()
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

    #[test]
    fn organizing_parameters_are_checked_and_named() {
        let parsed = |q: &str| ListParams::from_query(q).and_then(|p| ListQuery::parse(&p));
        let ok = parsed("q=Éclair+milk&priority=high&priority=LOW&tag=Home&due=week&today=2026-12-01&sort=due_date").unwrap();
        assert_eq!(ok.words, ["milk", "éclair"]);
        assert_eq!(ok.priorities, [Priority::High, Priority::Low]);
        assert_eq!(ok.tags, ["home"]);
        assert_eq!(
            (ok.due, ok.sort, ok.order),
            (Some(Due::Week), Sort::DueDate, Order::Asc)
        );
        assert_eq!(parsed("").unwrap().order, Order::Desc);
        for (query, name) in [
            ("sort=random", "sort"),
            ("order=sideways", "order"),
            ("due=someday", "due"),
            ("priority=urgent", "priority"),
            ("today=2026-02-30", "today"),
            ("today=", "today"),
            ("sort=", "sort"),
            ("completed=", "completed"),
            ("priority=", "priority"),
            ("limit=1&limit=2", "limit"),
        ] {
            let Err(Error::Invalid(errors)) = parsed(query) else {
                panic!("{query} was taken")
            };
            assert_eq!(errors[0].loc, query_loc(name)(), "{query}");
        }
    }
}
