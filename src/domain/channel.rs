use std::fmt;

/// Where a citizen wrote to us; replies go back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

    /// The stored names of the open statuses, for queries.
    pub fn open_names() -> Vec<&'static str> {
        TicketStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .map(TicketStatus::as_str)
            .collect()
    }

    pub fn label(self, lang: crate::i18n::Lang) -> &'static str {
        use crate::i18n::Lang::*;
        match (self, lang) {
            (TicketStatus::New, Vi) => "Đã tiếp nhận",
            (TicketStatus::New, En) => "Received",
            (TicketStatus::InProgress, Vi) => "Đang xử lý",
            (TicketStatus::InProgress, En) => "In progress",
            (TicketStatus::Resolved, Vi) => "Đã giải quyết",
            (TicketStatus::Resolved, En) => "Resolved",
            (TicketStatus::Closed, Vi) => "Đã đóng",
            (TicketStatus::Closed, En) => "Closed",
            (TicketStatus::Rejected, Vi) => "Không tiếp nhận",
            (TicketStatus::Rejected, En) => "Not accepted",
        }
    }
}
