//! The task board's state in the browser: the rows on screen and the counts, and the ways they
//! change. Each action shows its result at once, then sends one request; a row's requests go
//! one after another (a task ticked while it is still being added is ticked once it exists),
//! and each settles to the server's answer, or puts the row back as it was and says why.
//! [`Board::apply`] takes a change from elsewhere (a task changed on another device).

use std::collections::VecDeque;

use leptodo::rules::TaskForm;
use leptos::{prelude::*, task::spawn_local};

use super::{Filter, ListView, TaskPage, TaskView};
use crate::{browser, errors::UiError};

/// What a row asks of the server.
pub enum Ask {
    /// Store this new task (the add form as typed).
    Add(TaskForm),
    Toggle,
    /// Save the editor as typed.
    Update(TaskForm),
    Delete,
}

/// One request about a row, made when the row's earlier ones have finished: what it asks, what
/// the row showed before it (to go back to) and what it shows meanwhile.
struct Job {
    ask: Ask,
    before: TaskView,
    shown: TaskView,
    /// Told why an add was refused (the add form shows it and gets what was typed back).
    refused: Option<Box<dyn FnOnce(UiError) + Send + Sync>>,
}

/// Sends `ask` about the task `id`: the server's task after it (none once deleted). One
/// non-generic function for every kind of request keeps one copy of this in the WASM.
async fn send(ask: &Ask, id: i64) -> Result<Option<TaskView>, UiError> {
    match ask {
        Ask::Add(f) => {
            let f = f.clone();
            super::add_task(
                f.title,
                f.description,
                f.priority,
                f.tags,
                f.due_date,
                f.recurrence,
            )
            .await
            .map(Some)
        }
        Ask::Toggle => super::toggle_task(id).await.map(Some),
        Ask::Update(f) => {
            let f = f.clone();
            super::update_task(
                id,
                f.title,
                f.description,
                f.priority,
                f.tags,
                f.due_date,
                f.recurrence,
            )
            .await
            .map(Some)
        }
        Ask::Delete => super::delete_task(id).await.map(|_| None),
    }
}

/// One row of the list. `key` stays the same for the row's life on screen, while a new task's
/// id is a placeholder until the server has given it one.
#[derive(Clone, Copy)]
pub struct Row {
    pub key: u32,
    /// Rendered by the server (its content is hydrated after the board: see `row::TaskRow`).
    pub from_server: bool,
    pub task: RwSignal<TaskView>,
    /// A request about this row is on its way.
    pub busy: RwSignal<bool>,
    /// Deleted here, while the server is asked.
    pub gone: RwSignal<bool>,
    /// Why the last action on this row was refused.
    pub error: RwSignal<Option<String>>,
    /// What was typed in this row's editor when the server refused it, to show again.
    pub draft: RwSignal<Option<TaskView>>,
    /// Shared (not thread-local) storage: a board rendered on the server is dropped on
    /// whichever thread finishes the response.
    queue: StoredValue<VecDeque<Job>>,
    /// What makes this row's content live while it is still the server's HTML (see
    /// `row::TaskRow`); none once it is.
    #[cfg(feature = "hydrate")]
    sleeping: StoredValue<Option<Box<dyn FnOnce()>>, LocalStorage>,
}

impl Row {
    fn new(key: u32, task: TaskView) -> Self {
        Self {
            key,
            from_server: false,
            task: RwSignal::new(task),
            busy: RwSignal::new(false),
            gone: RwSignal::new(false),
            error: RwSignal::new(None),
            draft: RwSignal::new(None),
            queue: StoredValue::new(VecDeque::new()),
            #[cfg(feature = "hydrate")]
            sleeping: StoredValue::new_local(None),
        }
    }

    /// Leaves this row's content as the server rendered it until `wake` runs (see
    /// `row::TaskRow`).
    #[cfg(feature = "hydrate")]
    pub fn sleep(&self, wake: impl FnOnce() + 'static) {
        self.sleeping.set_value(Some(Box::new(wake)));
    }

    /// Makes this row's content live now, if it is not yet: before anything on it changes.
    pub fn wake(&self) {
        #[cfg(feature = "hydrate")]
        if let Some(wake) = self.sleeping.try_update_value(Option::take).flatten() {
            wake();
        }
    }

    /// The task's id, once the server has given it one.
    pub fn id(&self) -> Option<i64> {
        Some(self.task.with_untracked(|t| t.id)).filter(|id| *id > 0)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub all: i64,
    pub active: i64,
    pub completed: i64,
}

impl Counts {
    /// `task` added (`by = 1`) or taken away (`by = -1`).
    fn count(&mut self, task: &TaskView, by: i64) {
        self.all += by;
        if task.completed {
            self.completed += by;
        } else {
            self.active += by;
        }
    }
}

/// A change to the user's tasks made elsewhere.
#[derive(Debug, Clone)]
pub enum Change {
    /// A task created or changed: the server's row.
    Upsert(Box<TaskView>),
    /// A task deleted.
    Remove(i64),
}

/// The board's state, shared with its rows through context.
#[derive(Clone, Copy)]
pub struct Board {
    pub rows: RwSignal<Vec<Row>>,
    pub counts: RwSignal<Counts>,
    pub view: StoredValue<ListView>,
    /// The row whose editor is open.
    pub editing: RwSignal<Option<u32>>,
    next_key: StoredValue<u32>,
}

impl Board {
    pub fn new(page: &TaskPage, view: ListView) -> Self {
        let rows: Vec<Row> = page
            .tasks
            .iter()
            .zip(1..)
            .map(|(task, key)| Row {
                from_server: true,
                ..Row::new(key, task.clone())
            })
            .collect();
        let editing = view
            .edit
            .and_then(|id| rows.iter().find(|r| r.task.with_untracked(|t| t.id) == id))
            .map(|r| r.key);
        Self {
            next_key: StoredValue::new(rows.len() as u32 + 1),
            rows: RwSignal::new(rows),
            counts: RwSignal::new(Counts {
                all: page.all,
                active: page.active,
                completed: page.completed,
            }),
            editing: RwSignal::new(editing),
            view: StoredValue::new(view),
        }
    }

    /// Whether `task` belongs in this view's state filter (search, tags and the other narrowing
    /// are the server's to judge: a changed task stays until the next visit).
    pub fn shows(&self, task: &TaskView) -> bool {
        match self.view.with_value(|v| v.filter) {
            Filter::All => true,
            Filter::Active => !task.completed,
            Filter::Completed => task.completed,
        }
    }

    /// Whether `row` is off screen: deleted, or no longer in this view.
    pub fn hidden(&self, row: Row) -> bool {
        row.gone.get() || !row.task.with(|t| self.shows(t))
    }

    /// Whether no row is on screen.
    pub fn is_empty(&self) -> bool {
        self.rows
            .with(|rows| rows.iter().all(|row| self.hidden(*row)))
    }

    /// The row on screen with `key`.
    pub fn row(&self, key: u32) -> Option<Row> {
        self.rows
            .with_untracked(|rows| rows.iter().find(|r| r.key == key).copied())
    }

    fn find(&self, id: i64) -> Option<Row> {
        self.rows.with_untracked(|rows| {
            rows.iter()
                .find(|r| r.task.with_untracked(|t| t.id) == id)
                .copied()
        })
    }

    fn remove(&self, row: Row) {
        self.rows.update(|rows| rows.retain(|r| r.key != row.key));
    }

    /// Wakes the rows the server rendered (see `row::TaskRow`), in document order, a slice of
    /// about 10 ms at a time, so no task of the browser's runs long; then stops.
    #[cfg(feature = "hydrate")]
    pub fn wake_in_slices(self) {
        use leptos::web_sys::js_sys::Date;
        let start = Date::now();
        let Some(rows) = self.rows.try_get_untracked() else {
            return; // this board is gone (the page changed)
        };
        for row in rows {
            row.wake();
            if Date::now() - start > 10.0 {
                set_timeout(move || self.wake_in_slices(), std::time::Duration::ZERO);
                return;
            }
        }
    }

    /// Shows `task` in `row`, keeping the counts right.
    fn set(&self, row: Row, task: TaskView) {
        row.wake();
        if !row.gone.get_untracked() {
            let before = row.task.get_untracked();
            self.counts.update(|c| {
                c.count(&before, -1);
                c.count(&task, 1);
            });
        }
        row.task.set(task);
    }

    /// Runs `job` once the row's earlier requests have finished.
    fn enqueue(&self, row: Row, job: Job) {
        row.queue.update_value(|q| q.push_back(job));
        if !row.busy.get_untracked() {
            self.next(row);
        }
    }

    fn next(&self, row: Row) {
        let Some(job) = row.queue.try_update_value(|q| q.pop_front()).flatten() else {
            row.busy.set(false);
            return;
        };
        row.busy.set(true);
        let board = *self;
        spawn_local(async move {
            board.run(row, job).await;
            board.next(row);
        });
    }

    /// Sends `job` and settles the row to the answer: the server's task, or what it was before
    /// with the reason beside it.
    async fn run(self, row: Row, job: Job) {
        let Job {
            ask,
            before,
            shown,
            refused,
        } = job;
        let id = row.task.with_untracked(|t| t.id);
        if id <= 0 && !matches!(ask, Ask::Add(_)) {
            return; // its add was refused: nothing to change
        }
        let answer = send(&ask, id).await;
        let last = row.queue.with_value(VecDeque::is_empty);
        match (ask, answer) {
            (Ask::Delete, Ok(_)) => self.remove(row),
            (Ask::Add(_), Ok(Some(saved))) => {
                // Changes made to the row meanwhile are sent after this; show them until
                // their answer.
                let shown = row.task.get_untracked();
                self.set(
                    row,
                    TaskView {
                        id: saved.id,
                        ..shown
                    },
                );
                if last {
                    self.set(row, saved);
                }
            }
            (ask, Ok(Some(saved))) => {
                let repeats = matches!(ask, Ask::Toggle)
                    && saved.completed
                    && saved.recurrence.is_some()
                    && saved.due_date.is_some();
                if last {
                    // Out of this view for good (ticked under "Active", say).
                    let leaves = !self.shows(&saved);
                    self.set(row, saved);
                    if leaves {
                        self.remove(row);
                    }
                }
                if repeats {
                    // Completing a repeating task made its next occurrence: fetch it.
                    self.refresh();
                }
            }
            (_, Ok(None)) => {}
            (Ask::Add(_), Err(err)) => {
                row.queue.update_value(VecDeque::clear);
                if !row.gone.get_untracked() {
                    self.counts
                        .update(|c| c.count(&row.task.get_untracked(), -1));
                }
                self.remove(row);
                if !signed_out(&err)
                    && let Some(refused) = refused
                {
                    refused(err);
                }
            }
            (Ask::Delete, Err(err)) => {
                row.gone.set(false);
                self.counts
                    .update(|c| c.count(&row.task.get_untracked(), 1));
                if !signed_out(&err) {
                    row.error.set(Some(err.message));
                }
            }
            (ask, Err(err)) => {
                self.set(row, TaskView { id, ..before });
                if signed_out(&err) {
                    return;
                }
                row.error.set(Some(err.message));
                if matches!(ask, Ask::Update(_)) {
                    row.draft.set(Some(shown));
                    self.editing.set(Some(row.key));
                }
            }
        }
    }

    /// Applies a change made elsewhere. A row with a request of its own on the way keeps what
    /// it shows: its own answer settles it.
    pub fn apply(&self, change: Change) {
        match change {
            Change::Upsert(task) => match self.find(task.id) {
                Some(row) if !row.busy.get_untracked() => self.set(row, *task),
                Some(_) => {}
                None => {
                    let key = self.take_key();
                    self.counts.update(|c| c.count(&task, 1));
                    self.rows
                        .update(|rows| rows.insert(0, Row::new(key, *task)));
                }
            },
            Change::Remove(id) => {
                if let Some(row) = self.find(id) {
                    if !row.gone.get_untracked() {
                        self.counts
                            .update(|c| c.count(&row.task.get_untracked(), -1));
                    }
                    self.remove(row);
                }
            }
        }
    }

    /// Fetches this view again and adds the tasks it lacks (a repeating task's next occurrence,
    /// made by the server when the last one was completed), with the server's counts.
    pub fn refresh(&self) {
        let board = *self;
        let href = self.view.with_value(|v| v.editing(None).href());
        let query = href
            .split_once('?')
            .map(|(_, q)| q.to_string())
            .unwrap_or_default();
        spawn_local(async move {
            let Ok(page) = super::list_tasks(query).await else {
                return;
            };
            for task in page.tasks.into_iter().rev() {
                if board.find(task.id).is_none() {
                    board.apply(Change::Upsert(Box::new(task)));
                }
            }
            board.counts.set(Counts {
                all: page.all,
                active: page.active,
                completed: page.completed,
            });
        });
    }

    fn take_key(&self) -> u32 {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        key
    }

    /// Adds `task` (what the add form holds) at the top at once, then sends `form`; the row
    /// becomes the server's task, or goes again with `refused` told why.
    pub fn add(
        &self,
        task: TaskView,
        form: TaskForm,
        refused: impl FnOnce(UiError) + Send + Sync + 'static,
    ) {
        let key = self.take_key();
        // A placeholder id below zero: no request names it.
        let task = TaskView {
            id: -i64::from(key),
            ..task
        };
        let row = Row::new(key, task.clone());
        self.counts.update(|c| c.count(&task, 1));
        self.rows.update(|rows| rows.insert(0, row));
        self.enqueue(
            row,
            Job {
                ask: Ask::Add(form),
                before: task.clone(),
                shown: task,
                refused: Some(Box::new(refused)),
            },
        );
    }

    /// Shows `shown` in `row` at once, then asks the server (`Ask::Toggle` or `Ask::Update`);
    /// the row settles to the server's answer, or goes back to what it showed before and says
    /// why (and, for an edit, reopens the editor with what was typed).
    pub fn change(&self, row: Row, shown: TaskView, ask: Ask) {
        row.wake();
        let before = row.task.get_untracked();
        row.error.set(None);
        self.set(row, shown.clone());
        self.enqueue(
            row,
            Job {
                ask,
                before,
                shown,
                refused: None,
            },
        );
    }

    /// Deletes a row: gone at once, for good when the server agrees, back with the reason if
    /// not.
    pub fn delete(&self, row: Row) {
        row.wake();
        row.error.set(None);
        row.gone.set(true);
        let task = row.task.get_untracked();
        self.counts.update(|c| c.count(&task, -1));
        self.enqueue(
            row,
            Job {
                ask: Ask::Delete,
                before: task.clone(),
                shown: task,
                refused: None,
            },
        );
    }
}

/// A session that ended is no row's problem: go and sign in again.
fn signed_out(err: &UiError) -> bool {
    if err.is_signed_out() {
        browser::visit("/sign-in?error=SIGNED_OUT");
    }
    err.is_signed_out()
}
