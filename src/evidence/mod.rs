//! Evidence: the photos, voice messages, videos and files citizens send, kept by phananh because the platforms'
//! links expire. Intake writes a row per attachment with its message (`rows`); platform files are then fetched by
//! a durable job (`download`), form uploads are kept before their ticket is written (`keep`); both go through the
//! same checks (type by content, size, metadata removed) into a content-addressed store (`store`). Officers fetch
//! them through the inbox; `retention` deletes them when the ticket has been closed long enough.
pub mod download;
mod keep;
pub mod media;
pub mod retention;
mod rows;
pub mod store;

pub use keep::{Keeper, Kept, Refused, Rule, Source};
pub use rows::{NewEvidence, State, from_platform, row};
pub use store::{Blob, Store};
