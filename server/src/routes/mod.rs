//! HTTP routes that are not Leptos pages or server functions.

pub mod health;
