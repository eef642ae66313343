//! The officers' side: accounts now; the triage inbox, replies and notes build on it.
pub mod officers;
