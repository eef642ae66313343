//! The closed sets of values stored as short strings. Each variant's stored string is written once, below: the
//! column value, `as_str` (metric labels and JSON) and the serde name all come from it, so they cannot drift; the
//! strings are exactly what the columns held before these enums.
use sea_orm::entity::prelude::*;
use std::fmt;

/// A string-stored enum: `sea_orm` active enum and serde over the same strings, with `ALL`, `as_str`, `parse`
/// and `Display`.
macro_rules! stored_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $db_type:literal {
            $($(#[$variant_meta:meta])* $variant:ident = $value:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, serde::Serialize,
            serde::Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = $db_type)]
        pub enum $name {
            $(
                $(#[$variant_meta])*
                #[sea_orm(string_value = $value)]
                #[serde(rename = $value)]
                $variant,
            )+
        }

        impl $name {
            pub const ALL: [$name; [$($value),+].len()] = [$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value,)+
                }
            }

            pub fn parse(value: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|v| v.as_str() == value)
            }
        }

        // By hand: a derive would not see the renames through the macro's literals and would name the variants.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($value),+]))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_enum! {
    /// Where a citizen wrote to us; replies go back the same way.
    Channel, "String(StringLen::N(16))" {
        Form = "form",
        Zalo = "zalo",
        Facebook = "facebook",
    }
}

stored_enum! {
    /// The contract's ticket statuses.
    TicketStatus, "String(StringLen::N(16))" {
        New = "new",
        InProgress = "in_progress",
        Resolved = "resolved",
        Closed = "closed",
        Rejected = "rejected",
    }
}

impl TicketStatus {
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

stored_enum! {
    /// Which way a ticket message went: from the citizen (`in`) or to them (`out`).
    Direction, "String(StringLen::N(8))" {
        In = "in",
        Out = "out",
    }
}

stored_enum! {
    /// Where an outbox row is in its delivery.
    OutboxState, "String(StringLen::N(16))" {
        Pending = "pending",
        /// Marked before the platform is called; a row left here by a crash becomes `unknown`, never retried
        /// blindly.
        Sending = "sending",
        Sent = "sent",
        Delivered = "delivered",
        Read = "read",
        Undeliverable = "undeliverable",
        Unknown = "unknown",
    }
}

stored_enum! {
    /// Why an outbox row is sent: what the platforms' windows allow depends on it (Messenger's HUMAN_AGENT tag
    /// covers a person's answer, never an automatic message).
    Purpose, "String(StringLen::N(24))" {
        Acknowledgement = "acknowledgement",
        OfficerReply = "officer_reply",
        Survey = "survey",
    }
}

impl Purpose {
    /// Written by a person.
    pub fn human(self) -> bool {
        self == Purpose::OfficerReply
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
        for p in Purpose::iter() {
            assert_eq!(p.to_value(), p.as_str());
        }
        assert_eq!(TicketStatus::ALL.len(), TicketStatus::iter().count());
        assert_eq!(Channel::ALL.len(), Channel::iter().count());
    }
}
