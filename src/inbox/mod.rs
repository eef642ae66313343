//! The officers' side: accounts and sessions, the inbox's queues and tickets, corrections of routing and
//! classification, reports, and the web pages over them. Every route here takes a `session::Officer` and sees only what that officer may.
pub mod admin;
pub mod alerts;
pub mod assign;
pub mod attachment_views;
pub mod attachments;
pub mod audit;
pub mod canned;
pub mod corrections;
pub mod deadline;
pub mod deadlines_report;
pub mod login;
pub mod merge;
pub mod notes;
pub mod officers;
pub mod pages;
pub mod presence;
pub mod public_reply;
pub mod replies;
pub mod reports;
pub mod satisfaction_report;
pub mod session;
pub mod status;
pub mod survey;
pub mod tickets;
