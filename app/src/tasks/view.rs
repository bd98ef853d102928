//! The dashboard's view as it lives in the URL: state filter, page, search, tags, priority,
//! due, sort, and the task being edited. Every link and form of the list is built from it, so
//! a view can be shared and Back works. The list parameters keep the REST API's names (`q`,
//! `tag`, `priority`, `due`, `sort`, `order`) and are checked by the same rules on the server.

use leptos_router::params::ParamsMap;
use serde::{Deserialize, Serialize};

use super::Filter;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListView {
    pub filter: Filter,
    pub page: u32,
    pub q: String,
    pub tags: Vec<String>,
    pub priority: String,
    pub due: String,
    pub sort: String,
    pub order: String,
    pub edit: Option<i64>,
}

impl ListView {
    pub fn from_query(query: &ParamsMap) -> Self {
        let one = |key: &str| query.get(key).unwrap_or_default();
        Self {
            filter: Filter::from_query(query.get("filter").as_deref()),
            page: query
                .get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(1)
                .max(1),
            q: one("q"),
            tags: query.get_all("tag").unwrap_or_default(),
            priority: one("priority"),
            due: one("due"),
            sort: one("sort"),
            order: one("order"),
            edit: query.get("edit").and_then(|id| id.parse().ok()),
        }
    }

    /// Whether anything narrows the list beyond the state filter.
    pub fn is_narrowed(&self) -> bool {
        !(self.q.trim().is_empty()
            && self.tags.is_empty()
            && self.priority.is_empty()
            && self.due.is_empty())
    }

    /// The URL of this view.
    pub fn href(&self) -> String {
        let mut parts: Vec<(String, String)> = Vec::new();
        let mut push = |key: &str, value: &str| {
            if !value.is_empty() {
                parts.push((key.into(), value.into()));
            }
        };
        if self.filter != Filter::All {
            push("filter", self.filter.as_str());
        }
        push("q", self.q.trim());
        for tag in &self.tags {
            push("tag", tag);
        }
        push("priority", &self.priority);
        push("due", &self.due);
        push("sort", &self.sort);
        push("order", &self.order);
        if self.page > 1 {
            push("page", &self.page.to_string());
        }
        if let Some(id) = self.edit {
            push("edit", &id.to_string());
        }
        if parts.is_empty() {
            return "/".into();
        }
        let query: Vec<String> = parts
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        format!("/?{}", query.join("&"))
    }

    /// This view with another state filter, from its first page.
    pub fn with_filter(&self, filter: Filter) -> Self {
        Self {
            filter,
            page: 1,
            edit: None,
            ..self.clone()
        }
    }

    pub fn with_page(&self, page: u32) -> Self {
        Self {
            page,
            edit: None,
            ..self.clone()
        }
    }

    pub fn editing(&self, edit: Option<i64>) -> Self {
        Self {
            edit,
            ..self.clone()
        }
    }

    /// Only the tasks with `tag` (as well as the tags already chosen).
    pub fn with_tag(&self, tag: &str) -> Self {
        let mut view = self.with_page(1);
        if !view.tags.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            view.tags.push(tag.to_string());
        }
        view
    }

    pub fn without_tag(&self, tag: &str) -> Self {
        let mut view = self.with_page(1);
        view.tags.retain(|t| t != tag);
        view
    }
}

/// Percent-encodes a query value (`form_urlencoded` rules: space as `+`).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_round_trip_through_their_url() {
        let view = ListView {
            filter: Filter::Active,
            page: 2,
            q: "oat milk".into(),
            tags: vec!["Home & garden".into()],
            sort: "due_date".into(),
            ..Default::default()
        };
        assert_eq!(
            view.href(),
            "/?filter=active&q=oat+milk&tag=Home+%26+garden&sort=due_date&page=2"
        );
        assert_eq!(
            view.with_filter(Filter::All).href(),
            "/?q=oat+milk&tag=Home+%26+garden&sort=due_date"
        );
        assert_eq!(ListView::default().with_tag("x").with_tag("X").tags, ["x"]);
    }
}
