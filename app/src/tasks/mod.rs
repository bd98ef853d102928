//! The task dashboard: server functions over the same task rules as the REST API
//! (`leptodo::tasks`), with identity from the session cookie, and the page that uses them.
//!
//! The board is one island ([`TaskBoard`]): the server renders it from a page of tasks and the
//! URL's view (its props), and once its WASM has loaded it adds, toggles, edits and deletes at
//! once, checking a form with the domain's own rules (`leptodo::rules`) before anything is sent,
//! with one server function call per action. Every control is still an HTML form, so the board
//! works before the WASM arrives (through navigate.js) and without JavaScript.

use crate::data_attrs::testid;
use leptos::{either::Either, prelude::*, server_fn::ServerFn};
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

use crate::errors::UiError;

/// Tasks per page.
pub const PAGE_SIZE: u32 = 50;

/// A task as the app shows it: the board island's props (in the page's HTML, once per task)
/// and the board's server functions' answers. Empty fields are left out of the JSON: for a page
/// of 50 tasks that is about a third of the props the island reads when it hydrates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: i64,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub completed: bool,
    /// RFC 3339, for `<time datetime>`.
    pub created_at: String,
    /// For people, e.g. "22 Nov 2026".
    pub created_on: String,
    /// `high`, `medium` or `low`.
    pub priority: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// `YYYY-MM-DD`, for `<time datetime>` and the date input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// For people, e.g. "Thu 3 Dec".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<String>,
    /// Due before today (the server's UTC date) and not completed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub overdue: bool,
    /// `daily`, `weekly` or `monthly`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<String>,
}

fn is_false(value: &bool) -> bool {
    !*value
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

mod board;
mod fields;
mod list;
mod row;
#[cfg(feature = "ssr")]
mod server;
mod view;

pub use board::{Ask, Board, Change};
use fields::{OrganizeFields, Toolbar};
use list::TaskList;
pub use view::ListView;

/// A page of the tasks `query` (the dashboard's URL query string) selects: the list
/// parameters are the REST API's, checked by the same rules.
#[server(output = crate::wire::Json)]
pub async fn list_tasks(query: String) -> Result<TaskPage, UiError> {
    use crate::session::server::{auth, failed_read, require_user};
    let listed = async {
        let db = auth()?.database().clone();
        let user = require_user().await?;
        server::page(&db, &user.id, &query).await
    };
    listed.await.or_else(failed_read)
}

#[server(output = crate::wire::Json)]
pub async fn add_task(
    title: String,
    description: Option<String>,
    priority: Option<String>,
    tags: Option<String>,
    due_date: Option<String>,
    recurrence: Option<String>,
) -> Result<TaskView, UiError> {
    let form = leptodo::rules::TaskForm {
        title,
        description,
        priority,
        tags,
        due_date,
        recurrence,
    };
    crate::session::server::as_user("/", |tasks, user| async move {
        let task = form.check_create()?;
        Ok(server::view(tasks.create(&user.id, &task).await?))
    })
    .await
}

#[server(output = crate::wire::Json)]
pub async fn toggle_task(id: i64) -> Result<TaskView, UiError> {
    crate::session::server::as_user("/", |tasks, user| async move {
        Ok(server::view(tasks.toggle(&user.id, id).await?))
    })
    .await
}

#[server(output = crate::wire::Json)]
pub async fn delete_task(id: i64) -> Result<i64, UiError> {
    crate::session::server::as_user("/", |tasks, user| async move {
        tasks.delete(&user.id, id).await?;
        Ok(id)
    })
    .await
}

#[server(output = crate::wire::Json)]
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
    use crate::session::server::{as_user, is_plain_form_post, referring_page};
    let form = leptodo::rules::TaskForm {
        title,
        description,
        priority,
        tags,
        due_date,
        recurrence,
    };
    let task = as_user("/", |tasks, user| async move {
        let changes = form.check_update()?;
        Ok(tasks.update(&user.id, id, &changes).await?)
    })
    .await?;
    // A plain form post closes the editor by going back to the page without `edit=`; the
    // board island closes it itself.
    if is_plain_form_post() {
        leptos_axum::redirect(&referring_page("/", &["edit"]));
    }
    Ok(server::view(task))
}

/// `/`: the signed-in user's tasks; signed-out visitors go to `/sign-in`.
#[component]
pub fn Dashboard() -> impl IntoView {
    view! {
        <crate::account::Gate signed_in=true otherwise="/sign-in">
            <BoardPage />
        </crate::account::Gate>
    }
}

/// The page around the board: the view from the URL, the page of tasks it selects, and the
/// error a plain form post came back with (`?error=CODE`), handed to the island as its props.
#[component]
fn BoardPage() -> impl IntoView {
    let query = use_query_map();
    let view = Memo::new(move |_| query.with(ListView::from_query));
    let notice = crate::account::posted_error();
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
    view! {
        <h1 class="page-title">"Your tasks"</h1>
        <Transition fallback=|| {
            view! { <p class="loading">"Loading tasks…"</p> }
        }>
            {move || {
                let notice = notice.clone();
                Suspend::new(async move {
                    match tasks.await {
                        Ok(page) => {
                            Either::Left(
                                view! {
                                    <TaskBoard page=page view=view.get_untracked() notice=notice>
                                        <Toolbar view=view />
                                    </TaskBoard>
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
                })
            }}
        </Transition>
    }
}

/// The fields of the add form that sit under "More options".
const MORE_FIELDS: [&str; 5] = ["description", "priority", "tags", "due_date", "recurrence"];

/// The board: the quick add form, the list with its toolbar (`children`: server HTML, a GET
/// form that needs no WASM), the rows, the counts and the pager.
#[island]
pub fn TaskBoard(
    page: TaskPage,
    view: ListView,
    /// The error a plain form post came back with.
    notice: Option<UiError>,
    children: Children,
) -> impl IntoView {
    let board = Board::new(&page, view.clone());
    provide_context(board);
    let editing_error = view.edit.and(notice.clone());
    let add_error = RwSignal::new(notice.clone().filter(|_| view.edit.is_none()));
    let list_error = notice.filter(|e| e.fields.is_empty()).map(|e| e.message);
    let title_input = NodeRef::<leptos::html::Input>::new();
    let add_form = NodeRef::new();
    crate::forms::checked_by_rules(add_form);
    let more_open = move || {
        add_error.with(|e| {
            e.as_ref()
                .is_some_and(|e| MORE_FIELDS.iter().any(|f| e.field(f).is_some()))
        })
    };
    let add = move |ev: leptos::ev::SubmitEvent| {
        let Some(form) = crate::forms::Typed::of(&ev).map(|f| f.task()) else {
            return; // not readable: let the form post as it would without WASM
        };
        ev.prevent_default();
        let task = match UiError::of_check(form.check_create()) {
            Ok(task) => task,
            Err(err) => {
                let first = err.fields.first().map(|(field, _)| field.clone());
                add_error.set(Some(err));
                if let Some(field) = first {
                    crate::browser::focus(&format!("new-{}", field_id(&field)));
                }
                return;
            }
        };
        add_error.set(None);
        // Ready for the next task, as after a page's round trip: every field back to empty.
        if let Some(form) = add_form.get_untracked() {
            form.reset();
        }
        let shown = TaskView {
            id: 0,
            title: task.title,
            description: task.description,
            completed: false,
            created_at: String::new(),
            created_on: "just now".into(),
            priority: task.priority.as_str().into(),
            tags: task.tags,
            due_on: form.due_date.clone().filter(|d| !d.is_empty()),
            due_date: form.due_date.clone().filter(|d| !d.is_empty()),
            overdue: false,
            recurrence: task.recurrence.map(|r| r.as_str().into()),
        };
        let typed = form.clone();
        board.add(shown, form, move |err| {
            // Nothing typed is lost: what was sent comes back, unless a new title is being typed.
            if let Some(input) = title_input.get_untracked()
                && input.value().is_empty()
                && let Some(form) = add_form.get_untracked()
            {
                let fields = [
                    ("title", Some(typed.title)),
                    ("description", typed.description),
                    ("priority", typed.priority),
                    ("tags", typed.tags),
                    ("due_date", typed.due_date),
                    ("recurrence", typed.recurrence),
                ];
                for (name, value) in fields {
                    crate::browser::set_field(&form, name, &value.unwrap_or_default());
                }
            }
            add_error.set(Some(err));
        });
    };
    let add_error: Signal<Option<UiError>> = add_error.into();
    view! {
        <section class="card add-card" aria-labelledby="add-title">
            <h2 id="add-title" class="visually-hidden">
                "Add a task"
            </h2>
            <form
                method="post"
                action=AddTask::url()
                class="add-task"
                on:submit=add
                node_ref=add_form
            >
                <div class="quick-add">
                    <div class="field">
                        <label for="new-title">"Title"</label>
                        <input
                            id="new-title"
                            name="title"
                            node_ref=title_input
                            required=true
                            maxlength=200
                            autocomplete="off"
                            placeholder="What needs doing?"
                            aria-invalid=move || {
                                add_error.get().and_then(|e| e.field("title")).map(|_| "true")
                            }
                            aria-describedby="new-title-error"
                        />
                    </div>
                    <button type="submit" {..testid("add-task")} data-pending="Adding…">
                        "Add task"
                    </button>
                </div>
                <p class="field-error" id="new-title-error" role="alert">
                    {move || add_error.get().and_then(|e| e.field("title"))}
                </p>
                <details class="more-fields" open=more_open>
                    <summary>"More options"</summary>
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
                </details>
                <p class="form-error" role="alert" {..testid("add-error")}>
                    {move || {
                        add_error
                            .get()
                            .filter(|e| e.fields.is_empty() && !e.is_signed_out())
                            .map(|e| e.message)
                    }}
                </p>
            </form>
        </section>

        <section class="card" aria-labelledby="tasks-title">
            <h2 id="tasks-title">"Your list"</h2>
            {children()}
            <TaskList view=view has_more=page.has_more list_error editing_error />
        </section>
    }
}

/// The id part of a task form field's element (`new-…`, `edit-…-ID`).
pub(crate) fn field_id(field: &str) -> &str {
    match field {
        "due_date" => "due",
        "recurrence" => "repeat",
        other => other,
    }
}
