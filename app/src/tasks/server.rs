//! The dashboard's server side: a page of tasks with its counts, and a task as the UI shows it.

use leptodo::{
    Database,
    tasks::{self, ListParams, ListQuery, Task},
};

use super::{Filter, PAGE_SIZE, TaskPage, TaskView};
use crate::errors::UiError;

/// A page of `owner`'s tasks for the dashboard URL's `query`: its `filter` and `page`, and the
/// REST list parameters (`q`, `tag`, `priority`, `due`, `sort`, `order`) read by the same rules.
pub async fn page(db: &Database, owner: &str, query: &str) -> Result<TaskPage, UiError> {
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let one = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let filter = Filter::from_query(one("filter"));
    let page = one("page")
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    let mut params = ListParams::from_query(query)?;
    params.completed = match filter {
        Filter::All => None,
        Filter::Active => Some("false".into()),
        Filter::Completed => Some("true".into()),
    };
    // One more than a page tells whether an older page exists.
    params.limit = Some((PAGE_SIZE + 1).to_string());
    params.offset = Some((u64::from(page - 1) * u64::from(PAGE_SIZE)).to_string());
    let query = ListQuery::parse(&params)?;
    let mut listed = tasks::list(db, owner, &query).await?;
    let has_more = listed.len() > PAGE_SIZE as usize;
    listed.truncate(PAGE_SIZE as usize);
    let counts = tasks::counts(db, owner).await?;
    Ok(TaskPage {
        has_more,
        tasks: listed.into_iter().map(view).collect(),
        all: counts.all,
        active: counts.active,
        completed: counts.completed,
    })
}

pub fn view(task: Task) -> TaskView {
    let format = time::macros::format_description!("[day padding:none] [month repr:short] [year]");
    let due_format = time::macros::format_description!(
        "[weekday repr:short] [day padding:none] [month repr:short] [year]"
    );
    let today = time::OffsetDateTime::now_utc().date();
    TaskView {
        id: task.id,
        created_on: task.created_at.format(&format).unwrap_or_default(),
        created_at: task
            .created_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        overdue: task.due_date.is_some_and(|due| due < today) && !task.completed,
        due_on: task.due_date.and_then(|d| d.format(&due_format).ok()),
        due_date: task.due_date.map(|d| d.to_string()),
        priority: task.priority.as_str().to_string(),
        recurrence: task.recurrence.map(|r| r.as_str().to_string()),
        tags: task.tags,
        title: task.title,
        description: task.description,
        completed: task.completed,
    }
}
