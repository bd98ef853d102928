//! `data-testid`, as islands write it: `<li {..testid("task")}>`.
//!
//! Leptos writes a hyphenated attribute it does not know (`data-testid="task"`) into the DOM
//! again when it hydrates, since its name is only known at run time: one `setAttribute` per
//! attribute per row, about a fifth of the task board's hydration (measured with a CPU profile,
//! see the README's "Islands"). A key whose name is a constant lets hydration keep the server's
//! attribute, and a row built in the browser still gets it.

use leptos::tachys::html::attribute::{
    AttributeValue,
    custom::{CustomAttr, CustomAttributeKey, custom_attribute},
};

/// The `data-testid` attribute name, known when compiling.
#[derive(Clone, Copy, Debug)]
pub struct TestId;

impl AsRef<str> for TestId {
    fn as_ref(&self) -> &str {
        Self::KEY
    }
}

impl CustomAttributeKey for TestId {
    const KEY: &'static str = "data-testid";
}

/// `data-testid=value`, left as the server wrote it when hydrating.
pub fn testid<V: AttributeValue>(value: V) -> CustomAttr<TestId, V> {
    custom_attribute(TestId, value)
}
