//! The task list inside the board island: filter tabs with live counts, one row per task
//! (toggle, edit in place, delete), the pager. Every control is also a form or a link, so the
//! list works before the WASM has loaded and without JavaScript; once it has, each acts at once
//! through the [`Board`].

use crate::testid::testid;
use leptos::{either::Either, prelude::*, server_fn::ServerFn};

use super::{
    Ask, Board, DeleteTask, Filter, ListView, OrganizeFields, TaskView, ToggleTask, UpdateTask,
    field_id,
};
use crate::errors::UiError;

/// The filter tabs with their counts, the rows, and the pager.
#[component]
pub fn TaskList(
    view: ListView,
    has_more: bool,
    /// A plain form post's error about no one field (a refused toggle, say).
    list_error: Option<String>,
    /// A plain form post's error from the open editor.
    editing_error: Option<UiError>,
) -> impl IntoView {
    let board = expect_context::<Board>();
    let filter = view.filter;
    let page = view.page;
    let empty_text = match filter {
        _ if view.is_narrowed() => "No tasks match.",
        Filter::All => "No tasks yet. Add your first one above.",
        Filter::Active => "Nothing left to do.",
        Filter::Completed => "No completed tasks yet.",
    };
    let chosen_tags = view
        .tags
        .iter()
        .map(|tag| {
            view! {
                <a class="tag chosen" href=view.without_tag(tag).href() {..testid("chosen-tag")}>
                    <span class="visually-hidden">"Stop filtering by tag "</span>
                    {tag.clone()}
                    " ×"
                </a>
            }
        })
        .collect_view();
    let tabs = [Filter::All, Filter::Active, Filter::Completed]
        .into_iter()
        .map(|f| {
            let count = move || {
                board.counts.with(|c| match f {
                    Filter::All => c.all,
                    Filter::Active => c.active,
                    Filter::Completed => c.completed,
                })
            };
            view! {
                <a
                    href=view.with_filter(f).href()
                    aria-current=(f == filter).then_some("page")
                    {..testid(format!("filter-{}", f.as_str()))}
                >
                    {f.label()}
                    " "
                    <span class="count">{count}</span>
                </a>
            }
        })
        .collect_view();
    let row_view = view.clone();
    let editing_error = StoredValue::new(editing_error);
    view! {
        <nav class="filters" aria-label="Filter tasks">
            {tabs}
        </nav>
        <p class="chosen-tags">{chosen_tags}</p>
        <p class="form-error" role="alert">
            {list_error}
        </p>
        <p class="empty" {..testid("empty")} hidden=move || !board.is_empty()>
            {empty_text}
        </p>
        <ul class="tasks">
            <For
                each=move || board.rows.get()
                key=|row| row.key
                children=move |row| {
                    let error = editing_error
                        .with_value(|e| e.clone())
                        .filter(|_| board.editing.get_untracked() == Some(row.key));
                    view! { <TaskRow row view=row_view.clone() plain_error=error /> }
                }
            />
        </ul>
        <nav class="pager" aria-label="Pages">
            {(page > 1)
                .then(|| {
                    view! {
                        <a href=view.with_page(page - 1).href() rel="prev">
                            "← Newer"
                        </a>
                    }
                })}
            {has_more
                .then(|| {
                    view! {
                        <a href=view.with_page(page + 1).href() rel="next" {..testid("older")}>
                            "Older →"
                        </a>
                    }
                })}
        </nav>
    }
}

/// One task: its toggle, its body or its editor, its Edit and Delete controls, and why the
/// last action on it was refused.
#[component]
fn TaskRow(row: super::board::Row, view: ListView, plain_error: Option<UiError>) -> impl IntoView {
    let board = expect_context::<Board>();
    let key = row.key;
    let id = move || row.task.with(|t| t.id);
    let form_id = format!("task-{key}");
    let title = move || row.task.with(|t| t.title.clone());
    let completed = move || row.task.with(|t| t.completed);
    let is_editing = move || board.editing.get() == Some(key);
    let edit_href = {
        let view = view.clone();
        move || view.editing(Some(id())).href()
    };
    let cancel_href = view.editing(None).href();
    let toggle = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        let mut shown = row.task.get_untracked();
        shown.completed = !shown.completed;
        shown.overdue = false;
        board.change(row, shown, Ask::Toggle);
    };
    let delete = move |ev: leptos::ev::MouseEvent| {
        ev.prevent_default();
        if row.gone.get_untracked() {
            return;
        }
        board.delete(row);
    };
    let open_editor = {
        let edit_href = edit_href.clone();
        move |ev: leptos::ev::MouseEvent| {
            if ev.ctrl_key() || ev.meta_key() || ev.shift_key() {
                return; // a new tab
            }
            ev.prevent_default();
            row.draft.set(None);
            board.editing.set(Some(key));
            crate::browser::show(&edit_href());
            crate::browser::focus(&format!("edit-title-{key}"));
        }
    };
    let body_view = view.clone();
    view! {
        <li
            class="task"
            class:done=completed
            class:pending=move || row.busy.get()
            hidden=move || board.hidden(row)
            aria-busy=move || row.busy.get().then_some("true")
            {..testid("task")}
        >
            // One form per row, holding only the toggle: the Delete button borrows it (`form`,
            // `formaction`) and each button sends the task's id as its own name and value, so
            // a row of 50 costs three elements less to lay out.
            <form method="post" action=ToggleTask::url() class="toggle" id=form_id.clone()>
                <button
                    type="submit"
                    name="id"
                    value=id
                    class="check"
                    aria-label=move || {
                        if completed() {
                            format!("Mark “{}” as not done", title())
                        } else {
                            format!("Mark “{}” as done", title())
                        }
                    }
                    aria-pressed=move || if completed() { "true" } else { "false" }
                    {..testid("toggle")}
                    on:click=toggle
                >
                    {move || if completed() { "✓" } else { "" }}
                </button>
            </form>
            {move || {
                if is_editing() {
                    Either::Left(
                        view! {
                            <TaskEditor
                                row
                                cancel_href=cancel_href.clone()
                                plain_error=plain_error.clone()
                            />
                        },
                    )
                } else {
                    Either::Right(view! { <TaskBody task=row.task.get() view=body_view.clone() /> })
                }
            }}
            <p class="field-error row-error" role="alert" {..testid("row-error")}>
                {move || row.error.get()}
            </p>
            <div class="row-actions">
                <a
                    class="button secondary"
                    href=edit_href
                    aria-label=move || format!("Edit “{}”", title())
                    {..testid("edit")}
                    on:click=open_editor
                >
                    "Edit"
                </a>
                <button
                    type="submit"
                    name="id"
                    value=id
                    form=form_id
                    formaction=DeleteTask::url()
                    class="danger"
                    aria-label=move || format!("Delete “{}”", title())
                    {..testid("delete")}
                    on:click=delete
                >
                    "Delete"
                </button>
            </div>
        </li>
    }
}

/// A task as it reads: title, description, priority, due date, repetition, tags.
#[component]
fn TaskBody(task: TaskView, view: ListView) -> impl IntoView {
    let TaskView {
        title,
        description,
        created_at,
        created_on,
        priority,
        tags,
        due_date,
        due_on,
        overdue,
        recurrence,
        ..
    } = task;
    let tag_links = (!tags.is_empty()).then(|| {
        let links = tags
            .into_iter()
            .map(|tag| {
                let href = view.with_tag(&tag).href();
                view! {
                    <a class="tag" {..testid("tag")} href=href>
                        {tag}
                    </a>
                }
            })
            .collect_view();
        view! { <p class="tags">{links}</p> }
    });
    let due = due_date.map(|date| {
        view! {
            <span class="due" {..testid("due")} class:overdue=overdue>
                {if overdue { "Overdue: " } else { "Due " }}
                <time datetime=date>{due_on.unwrap_or_default()}</time>
            </span>
        }
    });
    let repeats = recurrence.map(|r| {
        view! {
            <span class="repeats" {..testid("repeats")}>
                {format!("↻ {r}")}
            </span>
        }
    });
    let priority_badge = (priority != "medium").then(|| {
        view! {
            <span class=format!("priority {priority}") {..testid("priority")}>
                {if priority == "high" { "High priority" } else { "Low priority" }}
            </span>
        }
    });
    view! {
        <div class="task-body">
            <p class="title" {..testid("task-title")}>
                {title}
            </p>
            {description.map(|d| view! { <p class="description">{d}</p> })}
            <p class="meta">
                {priority_badge} {due} {repeats} "Added "
                <time datetime=created_at>{created_on}</time>
            </p>
            {tag_links}
        </div>
    }
}

/// A task's editor: every field, checked in the browser before it is saved; shown at once on
/// Save, and back with what was typed if the server refuses it.
#[component]
fn TaskEditor(
    row: super::board::Row,
    cancel_href: String,
    plain_error: Option<UiError>,
) -> impl IntoView {
    let board = expect_context::<Board>();
    let key = row.key;
    let id = row.task.with_untracked(|t| t.id);
    let form = NodeRef::new();
    crate::forms::checked_by_rules(form);
    // A refusal of the last save is said here, not twice.
    let refused = row.error.get_untracked();
    if refused.is_some() {
        row.error.set(None);
    }
    let error = RwSignal::new(plain_error.or_else(|| refused.map(|m| UiError::new("REFUSED", m))));
    let values = row
        .draft
        .get_untracked()
        .unwrap_or_else(|| row.task.get_untracked());
    let close = {
        let cancel_href = cancel_href.clone();
        move || {
            board.editing.set(None);
            crate::browser::show(&cancel_href);
        }
    };
    let save = {
        let close = close.clone();
        move |ev: leptos::ev::SubmitEvent| {
            let Some(form) = crate::forms::Typed::of(&ev).map(|f| f.task()) else {
                return;
            };
            ev.prevent_default();
            let changes = match UiError::of_check(form.check_update()) {
                Ok(changes) => changes,
                Err(err) => {
                    if let Some((field, _)) = err.fields.first() {
                        let element = match field.as_str() {
                            "title" | "description" => format!("edit-{field}-{key}"),
                            other => format!("edit-{}", field_id(other)),
                        };
                        crate::browser::focus(&element);
                    }
                    error.set(Some(err));
                    return;
                }
            };
            let before = row.task.get_untracked();
            let shown = TaskView {
                title: changes.title.clone().unwrap_or(before.title.clone()),
                description: form.description.clone().filter(|d| !d.trim().is_empty()),
                priority: form
                    .priority
                    .clone()
                    .filter(|p| !p.is_empty())
                    .unwrap_or_else(|| "medium".into()),
                tags: form.tag_list(),
                due_on: form.due_date.clone().filter(|d| !d.is_empty()),
                due_date: form.due_date.clone().filter(|d| !d.is_empty()),
                overdue: false,
                recurrence: form.recurrence.clone().filter(|r| !r.is_empty()),
                ..before
            };
            row.draft.set(None);
            close();
            board.change(row, shown, Ask::Update(form));
        }
    };
    let cancel = move |ev: leptos::ev::MouseEvent| {
        if ev.ctrl_key() || ev.meta_key() || ev.shift_key() {
            return;
        }
        ev.prevent_default();
        row.draft.set(None);
        close();
    };
    let error: Signal<Option<UiError>> = error.into();
    view! {
        <form method="post" action=UpdateTask::url() class="edit-task" on:submit=save node_ref=form>
            <input type="hidden" name="id" value=id />
            <label class="visually-hidden" for=format!("edit-title-{key}")>
                "Title"
            </label>
            <input
                id=format!("edit-title-{key}")
                name="title"
                value=values.title.clone()
                required=true
                maxlength=200
                autofocus=true
                {..testid("edit-title")}
                aria-invalid=move || error.get().and_then(|e| e.field("title")).map(|_| "true")
            />
            <label class="visually-hidden" for=format!("edit-description-{key}")>
                "Description"
            </label>
            <textarea id=format!("edit-description-{key}") name="description" rows=2 maxlength=1000>
                {values.description.clone().unwrap_or_default()}
            </textarea>
            <OrganizeFields prefix="edit" task=Some(values) error=error />
            <p class="field-error" role="alert">
                {move || error.get().map(|e| e.message)}
            </p>
            <div class="row-actions">
                <button type="submit" {..testid("save")} data-pending="Saving…">
                    "Save"
                </button>
                <a class="button secondary" href=cancel_href on:click=cancel>
                    "Cancel"
                </a>
            </div>
        </form>
    }
}
