//! Satisfaction, the loop's last stage: when a ticket is resolved its citizen is asked on their own channel how it
//! was handled (`ask`), answers come back as ordinary inbound messages, quick replies or the survey page and are
//! read in the forms people write them (`answer`, `record`), a low one reopens the ticket and alerts the
//! province's supervisors (`record`; the inbox lists them), and reports show each commune where it stands (`report`).
pub mod answer;
pub mod ask;
pub mod chart;
pub mod record;
pub mod reminders;
pub mod report;
pub mod rollup;
pub mod texts;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use entity::{survey_ratings, tickets};

use crate::config::{Scale, Settings};
use crate::domain::TrackingCode;
use crate::routing::Gazetteer;

/// What asking and recording need: the settings and the units' names.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    pub settings: &'a Settings,
    pub gazetteer: &'a Gazetteer,
}

impl<'a> Context<'a> {
    pub fn new(settings: &'a Settings, gazetteer: &'a Gazetteer) -> Context<'a> {
        Context {
            settings,
            gazetteer,
        }
    }

    fn unit_name(&self, ticket: &tickets::Model) -> Option<String> {
        ticket
            .unit_code
            .as_deref()
            .and_then(|code| self.gazetteer.unit(code))
            .map(|unit| unit.name.clone())
    }

    /// The survey's link, in the citizen's language.
    fn link(&self, token: &str, english: bool) -> String {
        format!(
            "{}/survey/{token}{}",
            self.settings.public_base(),
            if english { "?lang=en" } else { "" }
        )
    }
}

/// Whether the ticket's citizen reads English (else Vietnamese).
fn english(ticket: &tickets::Model) -> bool {
    ticket.language.as_deref() == Some("en")
}

fn code_of(ticket: &tickets::Model) -> String {
    TrackingCode::display(&ticket.tracking_code)
}

/// A survey's scale as stored (an unknown value reads as the default five levels).
pub fn scale_of(survey: &survey_ratings::Model) -> Scale {
    Scale::parse(&survey.scale).unwrap_or(Scale::Five)
}

/// A low answer: a score of 1-2, or "not solved". It reopens the ticket.
pub fn is_low(score: Option<i16>, solved: Option<bool>) -> bool {
    score.is_some_and(|s| s <= 2) || solved == Some(false)
}

/// Whether the survey link still answers.
pub fn open(survey: &survey_ratings::Model, now: DateTime<Utc>) -> bool {
    survey.expires_at.is_none_or(|at| at > now)
}

/// The ticket's surveys, oldest first.
pub async fn surveys_of(
    conn: &impl ConnectionTrait,
    ticket_id: i32,
) -> Result<Vec<survey_ratings::Model>, DbErr> {
    survey_ratings::Entity::find()
        .filter(survey_ratings::Column::TicketId.eq(ticket_id))
        .order_by_asc(survey_ratings::Column::Id)
        .all(conn)
        .await
}

/// Whether `token` could be a survey token (hex, at most the column's 64 characters).
pub fn token_shaped(token: &str) -> bool {
    !token.is_empty() && token.len() <= 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The survey behind a link, while it answers.
pub async fn by_token(
    conn: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<survey_ratings::Model>, DbErr> {
    if !token_shaped(token) {
        return Ok(None);
    }
    Ok(survey_ratings::Entity::find()
        .filter(survey_ratings::Column::Token.eq(token))
        .one(conn)
        .await?
        .filter(|survey| open(survey, now)))
}

/// Each identity's latest survey asked since `since` whose link still answers, with its ticket: where that
/// citizen's next chat message may be an answer (`intake`).
pub async fn recent_by_identity(
    conn: &impl ConnectionTrait,
    identity_ids: Vec<i32>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<std::collections::HashMap<i32, (survey_ratings::Model, tickets::Model)>, DbErr> {
    let mut found = std::collections::HashMap::new();
    if identity_ids.is_empty() {
        return Ok(found);
    }
    let of_identities = sea_orm::sea_query::Query::select()
        .column(tickets::Column::Id)
        .from(tickets::Entity)
        .and_where(tickets::Column::ContactIdentityId.is_in(identity_ids))
        .to_owned();
    let surveys = survey_ratings::Entity::find()
        .filter(survey_ratings::Column::TicketId.in_subquery(of_identities))
        .filter(survey_ratings::Column::SentAt.gte(since))
        .order_by_desc(survey_ratings::Column::Id)
        .all(conn)
        .await?;
    if surveys.is_empty() {
        return Ok(found);
    }
    let tickets: std::collections::HashMap<i32, tickets::Model> = tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(surveys.iter().map(|s| s.ticket_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    for survey in surveys {
        if !open(&survey, now) {
            continue;
        }
        if let Some(ticket) = tickets.get(&survey.ticket_id) {
            found
                .entry(ticket.contact_identity_id)
                .or_insert_with(|| (survey, ticket.clone()));
        }
    }
    Ok(found)
}
