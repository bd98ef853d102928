//! The task list inside the board island: filter tabs with live counts, one row per task
//! (toggle, edit in place, delete), the pager. Every control is also a form or a link, so the
//! list works before the WASM has loaded and without JavaScript; once it has, each acts at once
//! through the [`Board`].

use crate::data_attrs::testid;
use leptos::prelude::*;

use super::{Board, Filter, ListView, row::TaskRow, row::act_on_row};
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
    let act_view = view.clone();
    let editing_error = StoredValue::new(editing_error);
    // The rows the server rendered come alive once the board has hydrated (see `TaskRow`).
    #[cfg(feature = "hydrate")]
    set_timeout(move || board.wake_in_slices(), std::time::Duration::ZERO);
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
        <ul class="tasks" on:click=move |ev| act_on_row(board, &act_view, ev)>
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
