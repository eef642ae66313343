//! End-to-end tests: the real app on port 0 with a fresh database, SQLite and PostgreSQL alike.
mod helpers;

mod actions;
mod browser;
mod channels;
mod cli;
mod deadlines;
mod email;
mod faults;
mod feedback_api;
mod feedback_form;
mod hostile;
mod inbox;
mod inbox_pages;
mod intake;
mod merge_deadline;
mod openapi;
mod outbound;
mod pg_nodelay;
mod properties;
mod service;
mod settings;
mod signatures;
mod storage;
mod tracking;
mod webhooks_facebook;
mod webhooks_zalo;
