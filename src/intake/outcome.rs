//! What applying one inbound item or platform event did: counted in metrics, read by tests.

/// What applying an item (or another platform event) did, for metrics and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    NewTicket,
    JoinedTicket,
    Duplicate,
    ContactUpdated,
    Receipt,
    Moderated,
    Ignored,
    Unknown,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::NewTicket => "new_ticket",
            Outcome::JoinedTicket => "joined_ticket",
            Outcome::Duplicate => "duplicate",
            Outcome::ContactUpdated => "contact_updated",
            Outcome::Receipt => "receipt",
            Outcome::Moderated => "moderated",
            Outcome::Ignored => "ignored",
            Outcome::Unknown => "unknown",
        }
    }
}
