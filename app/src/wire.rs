//! How the islands' server functions answer: JSON, read back in the browser with
//! `serde_json::from_str`, the same reader Leptos uses for island props. server_fn's own
//! `Json` reads with `from_slice`, which compiles every answer type's decoder a second time
//! into the WASM. The bytes on the wire are the same JSON.

use leptos::serde_json;
use leptos::server_fn::{ContentType, Decodes, Encodes, Format, FormatType, codec::Post};
use serde::{Serialize, de::DeserializeOwned};

/// JSON, decoded from a `&str`.
pub struct StrJsonEncoding;

/// A `POST` whose answer is [`StrJsonEncoding`]: `#[server(output = wire::Json)]`.
pub type Json = Post<StrJsonEncoding>;

impl ContentType for StrJsonEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for StrJsonEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for StrJsonEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<leptos::server_fn::Bytes, Self::Error> {
        serde_json::to_vec(output).map(Into::into)
    }
}

impl<T: DeserializeOwned> Decodes<T> for StrJsonEncoding {
    type Error = serde_json::Error;

    fn decode(bytes: leptos::server_fn::Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| serde::de::Error::custom("the answer is not UTF-8"))?;
        serde_json::from_str(text)
    }
}
