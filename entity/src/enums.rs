//! The closed sets of values stored as short strings; the stored strings are the
//! `snake_case` variant names, exactly what the columns held before these enums.
use sea_orm::entity::prelude::*;
use std::fmt;

/// Where a citizen wrote to us; replies go back the same way.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Form,
    Zalo,
    Facebook,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Form, Channel::Zalo, Channel::Facebook];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Form => "form",
            Channel::Zalo => "zalo",
            Channel::Facebook => "facebook",
        }
    }

    pub fn parse(value: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The contract's ticket statuses.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    New,
    InProgress,
    Resolved,
    Closed,
    Rejected,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 5] = [
        TicketStatus::New,
        TicketStatus::InProgress,
        TicketStatus::Resolved,
        TicketStatus::Closed,
        TicketStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::New => "new",
            TicketStatus::InProgress => "in_progress",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Closed => "closed",
            TicketStatus::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Open tickets take a citizen's next message; closed and rejected ones do not.
    pub fn is_open(self) -> bool {
        !matches!(self, TicketStatus::Closed | TicketStatus::Rejected)
    }

    /// The open statuses, for queries.
    pub fn open() -> Vec<TicketStatus> {
        TicketStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect()
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which way a ticket message went: from the citizen (`in`) or to them (`out`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(8))",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an outbox row is in its delivery.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(
    rs_type = "String",
    db_type = "String(StringLen::N(16))",
    rename_all = "snake_case"
)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Pending,
    /// Marked before the platform is called; a row left here by a crash becomes `unknown`, never retried blindly.
    Sending,
    Sent,
    Delivered,
    Read,
    Undeliverable,
    Unknown,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Pending => "pending",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Delivered => "delivered",
            OutboxState::Read => "read",
            OutboxState::Undeliverable => "undeliverable",
            OutboxState::Unknown => "unknown",
        }
    }
}

impl fmt::Display for OutboxState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveEnum, Iterable};

    /// The stored strings must not move: rows written before these enums existed read back.
    #[test]
    fn stored_strings_are_the_names() {
        for c in Channel::iter() {
            assert_eq!(c.to_value(), c.as_str());
        }
        for s in TicketStatus::iter() {
            assert_eq!(s.to_value(), s.as_str());
        }
        for d in Direction::iter() {
            assert_eq!(d.to_value(), d.as_str());
        }
        for s in OutboxState::iter() {
            assert_eq!(s.to_value(), s.as_str());
        }
        assert_eq!(TicketStatus::ALL.len(), TicketStatus::iter().count());
        assert_eq!(Channel::ALL.len(), Channel::iter().count());
    }
}
