//! The dashboard's server side: a page of tasks with its counts, and a task as the UI shows it.

use leptodo::{
    Database,
    tasks::{self, ListQuery, Task},
};

use super::{Filter, PAGE_SIZE, TaskPage, TaskView};
use crate::errors::UiError;

/// Page `page` (from 1) of `owner`'s tasks in `filter`, with the counts for the tabs.
pub async fn page(
    db: &Database,
    owner: &str,
    filter: Filter,
    page: u32,
) -> Result<TaskPage, UiError> {
    let page = page.max(1);
    let query = ListQuery {
        completed: match filter {
            Filter::All => None,
            Filter::Active => Some(false),
            Filter::Completed => Some(true),
        },
        limit: PAGE_SIZE,
        offset: u64::from(page - 1) * u64::from(PAGE_SIZE),
    };
    let listed = tasks::list(db, owner, &query).await?;
    let counts = tasks::counts(db, owner).await?;
    let in_filter = match filter {
        Filter::All => counts.all,
        Filter::Active => counts.active,
        Filter::Completed => counts.completed,
    };
    Ok(TaskPage {
        has_more: (query.offset + listed.len() as u64) < in_filter as u64,
        tasks: listed.into_iter().map(view).collect(),
        all: counts.all,
        active: counts.active,
        completed: counts.completed,
    })
}

pub fn view(task: Task) -> TaskView {
    let format = time::macros::format_description!("[day padding:none] [month repr:short] [year]");
    TaskView {
        id: task.id,
        created_on: task.created_at.format(&format).unwrap_or_default(),
        created_at: task
            .created_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        title: task.title,
        description: task.description,
        completed: task.completed,
    }
}
