//! The task list: filter tabs, one row per task (toggle, edit in place, delete), the pager.
//! Every control is a form, so it works without JavaScript too.

use leptos::{either::Either, form::ActionForm, prelude::*};

use super::{DeleteTask, Filter, TaskPage, TaskView, ToggleTask, UpdateTask, href};
use crate::{account::form_error, errors::UiError};

/// A page of tasks: the filter tabs with their counts, the rows, and the pager.
#[component]
pub fn TaskList(
    listed: TaskPage,
    filter: Filter,
    page: u32,
    editing: Memo<Option<i64>>,
    toggle: ServerAction<ToggleTask>,
    delete: ServerAction<DeleteTask>,
    update: ServerAction<UpdateTask>,
    row_error: Signal<Option<UiError>>,
) -> impl IntoView {
    let filters = [
        (Filter::All, listed.all),
        (Filter::Active, listed.active),
        (Filter::Completed, listed.completed),
    ];
    let empty = listed.tasks.is_empty();
    let empty_text = match filter {
        Filter::All => "No tasks yet. Add your first one above.",
        Filter::Active => "Nothing left to do.",
        Filter::Completed => "No completed tasks yet.",
    };
    let has_more = listed.has_more;
    view! {
        <nav class="filters" aria-label="Filter tasks">
            {filters
                .into_iter()
                .map(|(f, count)| {
                    view! {
                        <a
                            href=href(f, 1, None)
                            aria-current=(f == filter).then_some("page")
                            data-testid=format!("filter-{}", f.as_str())
                        >
                            {f.label()}
                            " "
                            <span class="count">{count}</span>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        <p class="form-error" role="alert">
            {move || row_error.get().map(|e| e.message)}
        </p>
        {if empty {
            Either::Left(
                view! {
                    <p class="empty" data-testid="empty">
                        {empty_text}
                    </p>
                },
            )
        } else {
            Either::Right(
                view! {
                    <ul class="tasks">
                        {listed
                            .tasks
                            .into_iter()
                            .map(|task| {
                                view! { <TaskRow task filter page editing toggle delete update /> }
                            })
                            .collect_view()}
                    </ul>
                },
            )
        }}
        <nav class="pager" aria-label="Pages">
            {(page > 1)
                .then(|| {
                    view! {
                        <a href=href(filter, page - 1, None) rel="prev">
                            "← Newer"
                        </a>
                    }
                })}
            {has_more
                .then(|| {
                    view! {
                        <a href=href(filter, page + 1, None) rel="next" data-testid="older">
                            "Older →"
                        </a>
                    }
                })}
        </nav>
    }
}

#[component]
fn TaskRow(
    task: TaskView,
    filter: Filter,
    page: u32,
    editing: Memo<Option<i64>>,
    toggle: ServerAction<ToggleTask>,
    delete: ServerAction<DeleteTask>,
    update: ServerAction<UpdateTask>,
) -> impl IntoView {
    let id = task.id;
    let busy = move || {
        (toggle.pending().get()
            && toggle
                .input()
                .with(|i| i.as_ref().is_some_and(|i| i.id == id)))
            || (delete.pending().get()
                && delete
                    .input()
                    .with(|i| i.as_ref().is_some_and(|i| i.id == id)))
    };
    let is_editing = move || editing.get() == Some(id);
    let update_error = form_error(update.value());
    let TaskView {
        title,
        description,
        completed,
        created_at,
        created_on,
        ..
    } = task;
    let toggle_label = if completed {
        format!("Mark “{title}” as not done")
    } else {
        format!("Mark “{title}” as done")
    };
    let delete_label = format!("Delete “{title}”");
    let edit_label = format!("Edit “{title}”");
    view! {
        <li
            class="task"
            class:done=completed
            class:busy=busy
            data-testid="task"
            aria-busy=move || busy().then_some("true")
        >
            <ActionForm action=toggle attr:class="toggle">
                <input type="hidden" name="id" value=id />
                <button
                    type="submit"
                    class="check"
                    aria-label=toggle_label
                    aria-pressed=if completed { "true" } else { "false" }
                    data-testid="toggle"
                >
                    {if completed { "✓" } else { "" }}
                </button>
            </ActionForm>
            {move || {
                let (title, description) = (title.clone(), description.clone());
                if is_editing() {
                    Either::Left(
                        view! {
                            <ActionForm action=update attr:class="edit-task">
                                <input type="hidden" name="id" value=id />
                                <label class="visually-hidden" for=format!("edit-title-{id}")>
                                    "Title"
                                </label>
                                <input
                                    id=format!("edit-title-{id}")
                                    name="title"
                                    value=title
                                    required=true
                                    maxlength=200
                                    autofocus=true
                                    data-testid="edit-title"
                                />
                                <label class="visually-hidden" for=format!("edit-description-{id}")>
                                    "Description"
                                </label>
                                <textarea
                                    id=format!("edit-description-{id}")
                                    name="description"
                                    rows=2
                                    maxlength=1000
                                >
                                    {description.unwrap_or_default()}
                                </textarea>
                                <p class="field-error" role="alert">
                                    {move || update_error.get().map(|e| e.message)}
                                </p>
                                <div class="row-actions">
                                    <button type="submit" data-testid="save">
                                        {move || {
                                            if update.pending().get() { "Saving…" } else { "Save" }
                                        }}
                                    </button>
                                    <a class="button secondary" href=href(filter, page, None)>
                                        "Cancel"
                                    </a>
                                </div>
                            </ActionForm>
                        },
                    )
                } else {
                    Either::Right(
                        view! {
                            <div class="task-body">
                                <p class="title" data-testid="task-title">
                                    {title}
                                </p>
                                {description.map(|d| view! { <p class="description">{d}</p> })}
                                <p class="meta">
                                    "Added "
                                    <time datetime=created_at.clone()>{created_on.clone()}</time>
                                </p>
                            </div>
                        },
                    )
                }
            }}
            <div class="row-actions">
                <a
                    class="button secondary"
                    href=href(filter, page, Some(id))
                    aria-label=edit_label
                    data-testid="edit"
                >
                    "Edit"
                </a>
                <ActionForm action=delete attr:class="delete">
                    <input type="hidden" name="id" value=id />
                    <button
                        type="submit"
                        class="danger"
                        aria-label=delete_label
                        data-testid="delete"
                    >
                        "Delete"
                    </button>
                </ActionForm>
            </div>
        </li>
    }
}
