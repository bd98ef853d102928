//! The task forms' organizing fields (priority, due date, repeat, tags) and the list's
//! toolbar (search, priority, due, sort): plain form controls, so they work without JavaScript.

use crate::data_attrs::testid;
use leptos::prelude::*;
use leptos_router::components::Form;

use super::{ListView, TaskView};
use crate::errors::UiError;

const PRIORITIES: [(&str, &str); 3] = [("high", "High"), ("medium", "Medium"), ("low", "Low")];
const REPEATS: [(&str, &str); 4] = [
    ("", "Does not repeat"),
    ("daily", "Daily"),
    ("weekly", "Weekly"),
    ("monthly", "Monthly"),
];

/// A `<select>`'s options, with `selected` marked.
fn options(choices: &[(&'static str, &'static str)], selected: &str) -> impl IntoView + use<> {
    let selected = selected.to_string();
    choices
        .iter()
        .map(|(value, label)| {
            view! {
                <option value=*value selected=*value == selected>
                    {*label}
                </option>
            }
        })
        .collect_view()
}

/// Priority, due date, repeat and tags for the add form (`task: None`) or a task's editor.
#[component]
pub fn OrganizeFields(
    prefix: &'static str,
    task: Option<TaskView>,
    error: Signal<Option<UiError>>,
) -> impl IntoView {
    let id = |field: &str| format!("{prefix}-{field}");
    let priority = task
        .as_ref()
        .map_or("medium".into(), |t| t.priority.clone());
    let due = task
        .as_ref()
        .and_then(|t| t.due_date.clone())
        .unwrap_or_default();
    let repeat = task
        .as_ref()
        .and_then(|t| t.recurrence.clone())
        .unwrap_or_default();
    let tags = task.as_ref().map(|t| t.tags.join(", ")).unwrap_or_default();
    let field_error = move |field: &'static str| move || error.get().and_then(|e| e.field(field));
    let invalid =
        move |field: &'static str| move || error.get().and_then(|e| e.field(field)).map(|_| "true");
    view! {
        <div class="organize">
            <div class="field">
                <label for=id("priority")>"Priority"</label>
                <select id=id("priority") name="priority" {..testid("priority-input")}>
                    {options(&PRIORITIES, &priority)}
                </select>
            </div>
            <div class="field">
                <label for=id("due")>"Due date"</label>
                <input
                    type="date"
                    id=id("due")
                    name="due_date"
                    {..testid("due-input")}
                    value=due
                    aria-invalid=invalid("due_date")
                    aria-describedby=id("due-error")
                />
                <p class="field-error" id=id("due-error") role="alert">
                    {field_error("due_date")}
                </p>
            </div>
            <div class="field">
                <label for=id("repeat")>"Repeats"</label>
                <select
                    id=id("repeat")
                    name="recurrence"
                    {..testid("repeat-input")}
                    aria-invalid=invalid("recurrence")
                    aria-describedby=id("repeat-error")
                >
                    {options(&REPEATS, &repeat)}
                </select>
                <p class="field-error" id=id("repeat-error") role="alert">
                    {field_error("recurrence")}
                </p>
            </div>
            <div class="field tags-field">
                <label for=id(
                    "tags",
                )>"Tags " <span class="optional">"(comma-separated)"</span></label>
                <input
                    id=id("tags")
                    name="tags"
                    value=tags
                    autocomplete="off"
                    placeholder="home, errands"
                    {..testid("tags-input")}
                    aria-invalid=invalid("tags")
                    aria-describedby=id("tags-error")
                />
                <p class="field-error" id=id("tags-error") role="alert">
                    {field_error("tags")}
                </p>
            </div>
        </div>
    }
}

/// Search, narrow and sort the list: a GET form, so the view lands in the URL (navigate.js
/// follows it without a reload, and submits at once when a `data-autosubmit` choice changes;
/// without JavaScript, "Apply" does). Rendered on the server only: it is the board island's
/// children, which the WASM never hydrates. The state filter and the chosen tags ride along as
/// hidden fields.
#[component]
pub fn Toolbar(view: Memo<ListView>) -> impl IntoView {
    move || {
        let current = view.get();
        let filter = current.filter;
        view! {
            <Form method="GET" action="/" attr:class="toolbar" attr:role="search">
                {(filter != super::Filter::All)
                    .then(|| view! { <input type="hidden" name="filter" value=filter.as_str() /> })}
                {current
                    .tags
                    .iter()
                    .map(|tag| view! { <input type="hidden" name="tag" value=tag.clone() /> })
                    .collect_view()}
                <div class="field search">
                    <label for="search">"Search"</label>
                    <input
                        type="search"
                        id="search"
                        name="q"
                        value=current.q.clone()
                        placeholder="Words in a title, description or tag"
                        {..testid("search")}
                    />
                </div>
                <div class="field">
                    <label for="show-priority">"Show"</label>
                    <select
                        id="show-priority"
                        name="priority"
                        {..testid("show-priority")}
                        data-autosubmit=""
                    >
                        {options(
                            &[
                                ("", "Any priority"),
                                ("high", "High priority"),
                                ("medium", "Medium priority"),
                                ("low", "Low priority"),
                            ],
                            &current.priority,
                        )}
                    </select>
                </div>
                <div class="field">
                    <label for="show-due">"When"</label>
                    <select id="show-due" name="due" {..testid("show-due")} data-autosubmit="">
                        {options(
                            &[
                                ("", "Any time"),
                                ("overdue", "Overdue"),
                                ("today", "Today"),
                                ("week", "Next 7 days"),
                                ("none", "No due date"),
                            ],
                            &current.due,
                        )}
                    </select>
                </div>
                <div class="field">
                    <label for="sort">"Sort by"</label>
                    <select id="sort" name="sort" {..testid("sort")} data-autosubmit="">
                        {options(
                            &[
                                ("", "Newest"),
                                ("due_date", "Due date"),
                                ("priority", "Priority"),
                                ("title", "Title (A–Z)"),
                            ],
                            &current.sort,
                        )}
                    </select>
                </div>
                // The choices apply themselves (navigate.js); without JavaScript, this does.
                <noscript>
                    <button type="submit" class="secondary" {..testid("apply")}>
                        "Apply"
                    </button>
                </noscript>
            </Form>
        }
    }
}
