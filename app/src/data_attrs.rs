//! `data-*` attributes as islands write them: `<li {..testid("task")}>`.
//!
//! Leptos writes a hyphenated attribute it does not know (`data-testid="task"`) into the DOM
//! again when it hydrates, since its name is only known at run time: one `setAttribute` per
//! attribute per row, about a fifth of the task board's hydration (measured with a CPU profile,
//! see the README's "Islands"). A key whose name is a constant lets hydration keep the server's
//! attribute, and an element built in the browser still gets it.

use leptos::tachys::html::attribute::{
    AttributeValue,
    custom::{CustomAttr, CustomAttributeKey, custom_attribute},
};

macro_rules! data_attr {
    ($(#[$doc:meta])* $key:ident, $function:ident, $name:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $key;

        impl AsRef<str> for $key {
            fn as_ref(&self) -> &str {
                Self::KEY
            }
        }

        impl CustomAttributeKey for $key {
            const KEY: &'static str = $name;
        }

        #[doc = concat!("`", $name, "=value`, left as the server wrote it when hydrating.")]
        pub fn $function<V: AttributeValue>(value: V) -> CustomAttr<$key, V> {
            custom_attribute($key, value)
        }
    };
}

data_attr!(
    /// What tests find an element by.
    TestId,
    testid,
    "data-testid"
);
data_attr!(
    /// What a click on a row's control asks (`toggle`, `edit`, `delete`): the task list holds one
    /// click listener for all its rows and reads this.
    Action,
    action,
    "data-action"
);
