//! SQL text built at run time (a list's filters, a task's search rows) with its arguments, so
//! one function writes a statement and both backends bind it the same way.

use time::Date;

/// One bound value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Arg {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    Bool(bool),
    OptBool(Option<bool>),
    Date(Date),
    OptDate(Option<Date>),
    Time(time::OffsetDateTime),
}

/// A statement with `$n` placeholders and the values for them, in order.
#[derive(Debug, Clone, Default)]
pub(super) struct Statement {
    pub sql: String,
    pub args: Vec<Arg>,
}

impl Statement {
    /// Adds `value` and returns its placeholder (`$n`).
    pub fn arg(&mut self, value: Arg) -> String {
        self.args.push(value);
        format!("${}", self.args.len())
    }
}

/// Binds `$args` (a `Vec<Arg>`) onto a sqlx query, query_as or query_scalar, in order. A macro
/// rather than a function: each backend's query type is different, and the bodies of
/// `with_pool!` / `with_write_tx!` are compiled once per backend.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                $crate::tasks::statement::Arg::Text(v) => query.bind(v),
                $crate::tasks::statement::Arg::OptText(v) => query.bind(v),
                $crate::tasks::statement::Arg::Int(v) => query.bind(v),
                $crate::tasks::statement::Arg::Bool(v) => query.bind(v),
                $crate::tasks::statement::Arg::OptBool(v) => query.bind(v),
                $crate::tasks::statement::Arg::OptInt(v) => query.bind(v),
                $crate::tasks::statement::Arg::Date(v) => query.bind(v),
                $crate::tasks::statement::Arg::OptDate(v) => query.bind(v),
                $crate::tasks::statement::Arg::Time(v) => query.bind(v),
            };
        }
        query
    }};
}
pub(super) use bind_args;
