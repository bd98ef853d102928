//! The task list: filter tabs, one row per task (toggle, edit in place, delete), the pager.
//! Every control is a form, so it works without JavaScript too.

use leptos::{either::Either, form::ActionForm, prelude::*, server_fn::ServerFn};

use super::{
    DeleteTask, Filter, ListView, OrganizeFields, TaskPage, TaskView, ToggleTask, UpdateTask,
};
use crate::{account::form_error, errors::UiError};

/// A page of tasks: the filter tabs with their counts, the rows, and the pager.
#[component]
pub fn TaskList(
    listed: TaskPage,
    view: ListView,
    editing: Memo<Option<i64>>,
    toggle: ServerAction<ToggleTask>,
    update: ServerAction<UpdateTask>,
    row_error: Signal<Option<UiError>>,
) -> impl IntoView {
    let filters = [
        (Filter::All, listed.all),
        (Filter::Active, listed.active),
        (Filter::Completed, listed.completed),
    ];
    let filter = view.filter;
    let page = view.page;
    let empty = listed.tasks.is_empty();
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
                <a class="tag chosen" href=view.without_tag(tag).href() data-testid="chosen-tag">
                    <span class="visually-hidden">"Stop filtering by tag "</span>
                    {tag.clone()}
                    " ×"
                </a>
            }
        })
        .collect_view();
    let has_more = listed.has_more;
    view! {
        <nav class="filters" aria-label="Filter tasks">
            {filters
                .into_iter()
                .map(|(f, count)| {
                    view! {
                        <a
                            href=view.with_filter(f).href()
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
        <p class="chosen-tags">{chosen_tags}</p>
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
                                let view = view.clone();
                                view! { <TaskRow task view editing toggle update /> }
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
                        <a href=view.with_page(page - 1).href() rel="prev">
                            "← Newer"
                        </a>
                    }
                })}
            {has_more
                .then(|| {
                    view! {
                        <a href=view.with_page(page + 1).href() rel="next" data-testid="older">
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
    view: ListView,
    editing: Memo<Option<i64>>,
    toggle: ServerAction<ToggleTask>,
    update: ServerAction<UpdateTask>,
) -> impl IntoView {
    let id = task.id;
    let is_editing = move || editing.get() == Some(id);
    let update_error = form_error(update.value());
    let editable = task.clone();
    let TaskView {
        title,
        description,
        completed,
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
    let has_tags = !tags.is_empty();
    let tag_links = tags
        .into_iter()
        .map(|tag| {
            let href = view.with_tag(&tag).href();
            view! {
                <a class="tag" href=href data-testid="tag">
                    {tag}
                </a>
            }
        })
        .collect_view();
    let due = due_date.map(|date| {
        view! {
            <span class="due" class:overdue=overdue data-testid="due">
                {if overdue { "Overdue: " } else { "Due " }}
                <time datetime=date>{due_on.unwrap_or_default()}</time>
            </span>
        }
    });
    let repeats = recurrence.map(|r| {
        view! {
            <span class="repeats" data-testid="repeats">
                {format!("↻ {r}")}
            </span>
        }
    });
    let priority_badge = (priority != "medium").then(|| {
        view! {
            <span class=format!("priority {priority}") data-testid="priority">
                {if priority == "high" { "High priority" } else { "Low priority" }}
            </span>
        }
    });
    let cancel_href = view.editing(None).href();
    let edit_href = view.editing(Some(id)).href();
    let toggle_label = if completed {
        format!("Mark “{title}” as not done")
    } else {
        format!("Mark “{title}” as done")
    };
    let delete_label = format!("Delete “{title}”");
    let form_id = format!("task-{id}");
    let edit_label = format!("Edit “{title}”");
    view! {
        <li class="task" class:done=completed data-testid="task">
            // One form per row, holding only the toggle: the Delete button borrows it (`form`,
            // `formaction`) and each button sends the task's id as its own name and value, so
            // a row of 50 costs three elements less to lay out.
            <ActionForm action=toggle attr:class="toggle" attr:id=form_id.clone()>
                <button
                    type="submit"
                    name="id"
                    value=id
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
                let (editable, cancel_href) = (editable.clone(), cancel_href.clone());
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
                                <OrganizeFields
                                    prefix="edit"
                                    task=Some(editable)
                                    error=update_error
                                />
                                <p class="field-error" role="alert">
                                    {move || update_error.get().map(|e| e.message)}
                                </p>
                                <div class="row-actions">
                                    <button
                                        type="submit"
                                        data-testid="save"
                                        data-pending="Saving…"
                                    >
                                        "Save"
                                    </button>
                                    <a class="button secondary" href=cancel_href>
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
                                    {priority_badge.clone()} {due.clone()} {repeats.clone()}
                                    "Added "
                                    <time datetime=created_at.clone()>{created_on.clone()}</time>
                                </p>
                                {has_tags
                                    .then(|| view! { <p class="tags">{tag_links.clone()}</p> })}
                            </div>
                        },
                    )
                }
            }}
            <div class="row-actions">
                <a class="button secondary" href=edit_href aria-label=edit_label data-testid="edit">
                    "Edit"
                </a>
                <button
                    type="submit"
                    name="id"
                    value=id
                    form=form_id
                    formaction=DeleteTask::url()
                    class="danger"
                    aria-label=delete_label
                    data-testid="delete"
                >
                    "Delete"
                </button>
            </div>
        </li>
    }
}
