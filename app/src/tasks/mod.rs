//! The task dashboard: server functions over the same task rules as the REST API
//! (`leptodo::tasks`), with identity from the session cookie, and the page that uses them.
//! Adding, toggling, deleting and editing are forms, so they work without JavaScript too.

use leptos::{either::Either, form::ActionForm, prelude::*};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::{account::form_error, errors::UiError};

/// Tasks per page.
pub const PAGE_SIZE: u32 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: i64,
    pub title: String,
    pub description: Option<String>,
    pub completed: bool,
    /// RFC 3339, for `<time datetime>`.
    pub created_at: String,
    /// For people, e.g. "22 Nov 2026".
    pub created_on: String,
    /// `high`, `medium` or `low`.
    pub priority: String,
    pub tags: Vec<String>,
    /// `YYYY-MM-DD`, for `<time datetime>` and the date input.
    pub due_date: Option<String>,
    /// For people, e.g. "Thu 3 Dec".
    pub due_on: Option<String>,
    /// Due before today (the server's UTC date) and not completed.
    pub overdue: bool,
    /// `daily`, `weekly` or `monthly`.
    pub recurrence: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Filter {
    #[default]
    All,
    Active,
    Completed,
}

impl Filter {
    pub fn from_query(value: Option<&str>) -> Self {
        match value {
            Some("active") => Self::Active,
            Some("completed") => Self::Completed,
            _ => Self::All,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Active => "active",
            Self::Completed => "completed",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::All => "All",
            Self::Active => "Active",
            Self::Completed => "Completed",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskPage {
    pub tasks: Vec<TaskView>,
    pub all: i64,
    pub active: i64,
    pub completed: i64,
    /// Whether an older page exists for this filter.
    pub has_more: bool,
}

mod fields;
mod list;
#[cfg(feature = "ssr")]
mod server;
mod view;

use fields::{OrganizeFields, Toolbar};
use list::TaskList;
pub use view::ListView;

/// A page of the tasks `query` (the dashboard's URL query string) selects: the list
/// parameters are the REST API's, checked by the same rules.
#[server]
pub async fn list_tasks(query: String) -> Result<TaskPage, UiError> {
    use crate::session::server::{auth, failed_read, require_user};
    let listed = async {
        let db = auth()?.database().clone();
        let user = require_user().await?;
        server::page(&db, &user.id, &query).await
    };
    listed.await.or_else(failed_read)
}

#[server]
pub async fn add_task(
    title: String,
    description: Option<String>,
    priority: Option<String>,
    tags: Option<String>,
    due_date: Option<String>,
    recurrence: Option<String>,
) -> Result<TaskView, UiError> {
    use leptodo::tasks::{CreateTask, NewTask};
    crate::session::server::as_user("/", |tasks, user| async move {
        let task = NewTask::parse(&CreateTask {
            title,
            description,
            priority: server::chosen(priority),
            tags: Some(server::tag_list(tags.as_deref())),
            due_date: server::chosen(due_date),
            recurrence: server::chosen(recurrence),
        })?;
        Ok(server::view(tasks.create(&user.id, &task).await?))
    })
    .await
}

#[server]
pub async fn toggle_task(id: i64) -> Result<TaskView, UiError> {
    crate::session::server::as_user("/", |tasks, user| async move {
        Ok(server::view(tasks.toggle(&user.id, id).await?))
    })
    .await
}

#[server]
pub async fn delete_task(id: i64) -> Result<i64, UiError> {
    crate::session::server::as_user("/", |tasks, user| async move {
        tasks.delete(&user.id, id).await?;
        Ok(id)
    })
    .await
}

#[server]
#[allow(clippy::too_many_arguments)]
pub async fn update_task(
    id: i64,
    title: String,
    description: Option<String>,
    priority: Option<String>,
    tags: Option<String>,
    due_date: Option<String>,
    recurrence: Option<String>,
) -> Result<TaskView, UiError> {
    use crate::session::server::{as_user, referring_page};
    use leptodo::tasks::{TaskChanges, UpdateTask};
    let task = as_user("/", |tasks, user| async move {
        // The form shows every field, so every field is set (an empty one clears it).
        let changes = TaskChanges::parse(&UpdateTask {
            title: Some(Some(title)),
            description: Some(description),
            completed: None,
            priority: Some(server::chosen(priority)),
            tags: Some(Some(server::tag_list(tags.as_deref()))),
            due_date: Some(server::chosen(due_date)),
            recurrence: Some(server::chosen(recurrence)),
        })?;
        Ok(tasks.update(&user.id, id, &changes).await?)
    })
    .await?;
    // Close the editor: back to the page without `edit=`.
    leptos_axum::redirect(&referring_page("/", &["edit"]));
    Ok(server::view(task))
}

/// `/`: the signed-in user's tasks; signed-out visitors go to `/sign-in`.
#[component]
pub fn Dashboard() -> impl IntoView {
    view! {
        <crate::account::Gate signed_in=true otherwise="/sign-in">
            <TaskBoard />
        </crate::account::Gate>
    }
}

/// The board, rendered on the server for every view: after a form post, the server sends
/// the page again (`navigate.js` swaps it in place) — so the list, the counts and any error
/// always come from one place, with JavaScript or without.
#[component]
fn TaskBoard() -> impl IntoView {
    let query = use_query_map();
    let view = Memo::new(move |_| query.with(ListView::from_query));
    let editing = Memo::new(move |_| view.with(|v| v.edit));

    let add = ServerAction::<AddTask>::new();
    let toggle = ServerAction::<ToggleTask>::new();
    let update = ServerAction::<UpdateTask>::new();
    // Editing a task does not change the list.
    let tasks = Resource::new(
        move || view.with(|v| v.editing(None).href()),
        |href| {
            list_tasks(
                href.split_once('?')
                    .map(|(_, q)| q.to_string())
                    .unwrap_or_default(),
            )
        },
    );

    let add_error = form_error(add.value());
    let row_error = Signal::derive(move || {
        query
            .with(|q| q.get("error"))
            .and_then(|c| UiError::from_code(&c))
            .filter(|e| e.fields.is_empty())
    });

    view! {
        <h1 class="page-title">"Your tasks"</h1>
        <section class="card" aria-labelledby="add-title">
            <h2 id="add-title">"Add a task"</h2>
            <ActionForm action=add attr:class="add-task">
                <div class="field">
                    <label for="new-title">"Title"</label>
                    <input
                        id="new-title"
                        name="title"
                        required=true
                        maxlength=200
                        autocomplete="off"
                        placeholder="What needs doing?"
                        aria-invalid=move || {
                            add_error.get().and_then(|e| e.field("title")).map(|_| "true")
                        }
                        aria-describedby="new-title-error"
                    />
                    <p class="field-error" id="new-title-error" role="alert">
                        {move || add_error.get().and_then(|e| e.field("title"))}
                    </p>
                </div>
                <div class="field">
                    <label for="new-description">
                        "Description " <span class="optional">"(optional)"</span>
                    </label>
                    <textarea
                        id="new-description"
                        name="description"
                        rows=2
                        maxlength=1000
                        aria-describedby="new-description-error"
                    ></textarea>
                    <p class="field-error" id="new-description-error" role="alert">
                        {move || add_error.get().and_then(|e| e.field("description"))}
                    </p>
                </div>
                <OrganizeFields prefix="new" task=None error=add_error />
                <p class="form-error" role="alert">
                    {move || {
                        add_error
                            .get()
                            .filter(|e| e.fields.is_empty() && !e.is_signed_out())
                            .map(|e| e.message)
                    }}
                </p>
                <button type="submit" data-testid="add-task" data-pending="Adding…">
                    "Add task"
                </button>
            </ActionForm>
        </section>

        <section class="card" aria-labelledby="tasks-title">
            <h2 id="tasks-title">"Your list"</h2>
            <Toolbar view=view />
            <Transition fallback=|| {
                view! { <p class="loading">"Loading tasks…"</p> }
            }>
                {move || Suspend::new(async move {
                    match tasks.await {
                        Ok(listed) => {
                            Either::Left(
                                view! {
                                    <TaskList
                                        listed=listed
                                        view=view.get_untracked()
                                        editing=editing
                                        toggle=toggle
                                        update=update
                                        row_error=row_error
                                    />
                                },
                            )
                        }
                        Err(err) => {
                            Either::Right(
                                view! {
                                    <p class="form-error" role="alert">
                                        {err.message}
                                    </p>
                                },
                            )
                        }
                    }
                })}
            </Transition>
        </section>
    }
}
