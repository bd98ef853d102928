//! One row of the task list: a task's toggle, body or editor, Edit and Delete, what a click on
//! them does, and how a row the server rendered comes alive after the board hydrates.

use crate::data_attrs::{action, testid};
use leptos::{either::Either, prelude::*, server_fn::ServerFn};

use super::{
    Ask, Board, DeleteTask, ListView, OrganizeFields, TaskView, ToggleTask, UpdateTask, board::Row,
    field_id,
};
use crate::errors::UiError;

/// A click on a row's control (`data-action`), acted on at once. The list holds this one
/// listener for all its rows rather than three per row: attaching them was a third of the
/// board's hydration (see the README's "Islands").
pub(super) fn act_on_row(board: Board, view: &ListView, ev: leptos::ev::MouseEvent) {
    use leptos::wasm_bindgen::JsCast;
    let Some(control) = ev
        .target()
        .and_then(|t| t.dyn_into::<leptos::web_sys::Element>().ok())
        .and_then(|e| e.closest("[data-action]").ok().flatten())
    else {
        return;
    };
    let row = control
        .closest("li.task")
        .ok()
        .flatten()
        .and_then(|li| li.id().strip_prefix("row-")?.parse().ok())
        .and_then(|key| board.row(key));
    let (Some(action), Some(row)) = (control.get_attribute("data-action"), row) else {
        return;
    };
    row.wake();
    match action.as_str() {
        "toggle" => {
            ev.prevent_default();
            let mut shown = row.task.get_untracked();
            shown.completed = !shown.completed;
            shown.overdue = false;
            board.change(row, shown, Ask::Toggle);
        }
        "delete" => {
            ev.prevent_default();
            if !row.gone.get_untracked() {
                board.delete(row);
            }
        }
        // With a modifier the link opens the editor in a new tab, as links do.
        "edit" if !(ev.ctrl_key() || ev.meta_key() || ev.shift_key()) => {
            ev.prevent_default();
            row.draft.set(None);
            board.editing.set(Some(row.key));
            let id = row.task.with_untracked(|t| t.id);
            crate::browser::show(&view.editing(Some(id)).href());
            crate::browser::focus(&format!("edit-title-{}", row.key));
        }
        _ => {}
    }
}

/// One task: its toggle, its body or its editor, its Edit and Delete controls, and why the
/// last action on it was refused. The controls act through [`act_on_row`].
///
/// Hydrating, a row the server rendered leaves its content as the server's HTML (the `<li>`
/// alone is hydrated: whether it shows, is done or is busy) and makes it live later, a slice of
/// rows at a time ([`Board::wake_in_slices`]), or at once when it is acted on. Hydrating all 50
/// rows of a page in one go was one task of 80–140 ms at 4× CPU slowdown.
#[component]
pub(super) fn TaskRow(row: Row, view: ListView, plain_error: Option<UiError>) -> impl IntoView {
    let board = expect_context::<Board>();
    let content = move || view! { <RowContent row view plain_error /> };
    #[cfg(feature = "hydrate")]
    if row.from_server {
        sleep(row, move || row_item(board, row, content()));
        // Nothing but the element: hydration skips its attributes and what is inside.
        return Either::Right(view! { <li /> });
    }
    #[cfg(feature = "hydrate")]
    return Either::Left(row_item(board, row, content()));
    #[cfg(not(feature = "hydrate"))]
    row_item(board, row, content())
}

/// The `<li>` of a row around `content`.
fn row_item(board: Board, row: Row, content: impl IntoView + 'static) -> impl IntoView {
    view! {
        <li
            id=format!("row-{}", row.key)
            class="task"
            class:done=move || row.task.with(|t| t.completed)
            class:pending=move || row.busy.get()
            hidden=move || board.hidden(row)
            aria-busy=move || row.busy.get().then_some("true")
            {..testid("task")}
        >
            {content}
        </li>
    }
}

/// Leaves `row` as the server rendered it, to be hydrated (`item`) by [`Row::wake`], under the
/// row's owner (so it goes when the row goes).
#[cfg(feature = "hydrate")]
fn sleep<V: IntoView + 'static>(row: Row, item: impl FnOnce() -> V + 'static) {
    use leptos::tachys::{
        hydration::Cursor,
        view::{Position, PositionState},
    };
    let Some(owner) = Owner::current() else {
        return;
    };
    row.sleep(move || {
        let Some(li) = document()
            .get_element_by_id(&format!("row-{}", row.key))
            .filter(|li| li.is_connected())
        else {
            return;
        };
        owner.with(|| {
            let state =
                item().hydrate::<true>(&Cursor::new(li), &PositionState::new(Position::Current));
            // Kept as long as the row: its render effects live in it.
            StoredValue::new_local(state);
        });
    });
}

/// What a row holds: see [`TaskRow`].
#[component]
fn RowContent(row: Row, view: ListView, plain_error: Option<UiError>) -> impl IntoView {
    let board = expect_context::<Board>();
    let key = row.key;
    let id = move || row.task.with(|t| t.id);
    let form_id = format!("task-{key}");
    // What the buttons post without the WASM. A row built in the browser acts through
    // `act_on_row` instead, so a new task's placeholder id here is never sent.
    let posted_id = row.task.with_untracked(|t| t.id);
    let title = move || row.task.with(|t| t.title.clone());
    let completed = move || row.task.with(|t| t.completed);
    let is_editing = move || board.editing.get() == Some(key);
    let edit_href = {
        let view = view.clone();
        move || view.editing(Some(id())).href()
    };
    let cancel_href = view.editing(None).href();
    let body_view = view.clone();
    view! {
        // One form per row, holding only the toggle: the Delete button borrows it (`form`,
        // `formaction`) and each button sends the task's id as its own name and value, so
        // a row of 50 costs three elements less to lay out.
        <form method="post" action=ToggleTask::url() class="toggle" id=form_id.clone()>
            <button
                type="submit"
                name="id"
                value=posted_id
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
                {..action("toggle")}
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
                {..action("edit")}
            >
                "Edit"
            </a>
            <button
                type="submit"
                name="id"
                value=posted_id
                form=form_id
                formaction=DeleteTask::url()
                class="danger"
                aria-label=move || format!("Delete “{}”", title())
                {..testid("delete")}
                {..action("delete")}
            >
                "Delete"
            </button>
        </div>
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
