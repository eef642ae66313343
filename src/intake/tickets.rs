//! Opening tickets: contact and identity, tracking code, routing decision, first message, audit, in one transaction.
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{DatabaseTransaction, DbErr, Set};
use sha2::Sha256;

use entity::{contact_identities, routing_decisions, ticket_messages, tickets};

use super::Intake;
use crate::db::{insert_all, reserve_ids};
use crate::domain::{
    Channel, Direction, Email, FeedbackText, PersonName, PhoneNumber, TicketStatus, TrackingCode,
    UnitCode, fold_for_search,
};
use crate::evidence::{self, NewEvidence};
use crate::intake::language::Detection;
use crate::routing::{
    Classification, Decision, Gazetteer, HintSource, LatLon, RouteInput, UnitHint, classify, fold,
};

/// A submission from the public form or its JSON twin, already parsed.
pub struct NewFeedback {
    pub text: FeedbackText,
    pub name: Option<PersonName>,
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
    /// Checked against the gazetteer by the caller.
    pub unit_code: Option<UnitCode>,
    pub location: Option<LatLon>,
    /// What tells a resubmission from the same sender: the form's browser cookie, or a JSON client's
    /// `Idempotency-Key`. Only its keyed hash with the text is stored. None: every submission is new (typed
    /// details and the client address prove nothing: a phone can be anyone's, an address a whole NAT's).
    pub resubmission_key: Option<String>,
    /// Files uploaded with it, already kept.
    pub attachments: Vec<NewEvidence>,
}

pub struct Opened {
    pub ticket: tickets::Model,
    /// An identical text from the same sender was already open: this is that ticket.
    pub joined_existing: bool,
}

/// A form submission with everything decided that needs no database: the writer batches the rest.
pub struct PreparedFeedback {
    pub(super) feedback: NewFeedback,
    pub(super) decision: Decision,
    pub(super) classification: Classification,
    pub(super) detection: Detection,
    pub(super) dedupe_hash: Option<String>,
}

impl PreparedFeedback {
    /// The ticket this submission opens for `identity`.
    pub(super) fn ticket_draft(
        &self,
        identity: &contact_identities::Model,
        at: DateTime<Utc>,
    ) -> TicketDraft<'_> {
        TicketDraft {
            channel: Channel::Form,
            channel_account_id: None,
            contact_id: identity.contact_id,
            contact_identity_id: identity.id,
            thread_key: None,
            summary: self.feedback.text.summary(),
            search_text: fold_for_search(self.feedback.text.as_str()),
            language: Some(self.detection.language.code().to_owned()),
            location: self.feedback.location,
            submitted_unit_code: self.feedback.unit_code.clone().map(String::from),
            dedupe_hash: self.dedupe_hash.clone(),
            decision: &self.decision,
            classification: &self.classification,
            at,
        }
    }

    /// Its text as the ticket's first message.
    pub(super) fn message(&self, ticket_id: i32, at: DateTime<Utc>) -> MessageDraft {
        MessageDraft {
            ticket_id,
            channel: Channel::Form,
            provider_message_id: None,
            body: self.feedback.text.as_str().to_owned(),
            attachments: None,
            evidence: self.feedback.attachments.clone(),
            location: self.feedback.location,
            detection: Some(self.detection),
            at,
        }
    }
}

/// Routing, classification and language detection are pure: done on the request's worker, not in the writer.
pub fn prepare(intake: &Intake, feedback: NewFeedback) -> PreparedFeedback {
    let decision = intake.router.decide(&RouteInput {
        text: feedback.text.as_str(),
        location: feedback.location,
        unit_hint: feedback.unit_code.as_ref().map(|code| UnitHint {
            code: code.as_str(),
            source: HintSource::Form,
        }),
        previous_units: &[],
    });
    let classification = classify(feedback.text.as_str());
    let detection = intake.language.detect(feedback.text.as_str());
    let dedupe_hash = feedback
        .resubmission_key
        .as_deref()
        .map(|key| dedupe_hash(&intake.dedupe_key, key, feedback.text.as_str()));
    PreparedFeedback {
        feedback,
        decision,
        classification,
        detection,
        dedupe_hash,
    }
}

/// Opens a ticket from the form (or joins the identical one just sent), through the batching writer.
pub async fn open_form_ticket(intake: &Intake, feedback: NewFeedback) -> anyhow::Result<Opened> {
    let prepared = prepare(intake, feedback);
    intake.form_writer.submit(prepared).await
}

/// A new ticket as intake found it, with the routing decision and classification already made.
pub struct TicketDraft<'a> {
    pub channel: Channel,
    pub channel_account_id: Option<i32>,
    pub contact_id: i32,
    pub contact_identity_id: i32,
    pub thread_key: Option<String>,
    pub summary: String,
    /// The citizen's words as search reads them (`domain::fold_for_search`).
    pub search_text: String,
    pub language: Option<String>,
    pub location: Option<LatLon>,
    pub submitted_unit_code: Option<String>,
    pub dedupe_hash: Option<String>,
    pub decision: &'a Decision,
    pub classification: &'a Classification,
    pub at: DateTime<Utc>,
}

/// New tickets' messages, written with one multi-row insert at the end of the transaction: on SQLite every
/// statement costs a round trip to its thread.
///
/// A new ticket's automatic routing decision and its creation are not rows of their own: the ticket's row holds
/// them (routing fields, channel, created_at), the inbox shows them from it, and the first correction writes the
/// automatic decision down before the officer's (`automatic_decision`). Two rows and two index entries less per
/// ticket on the intake's hottest path.
///
/// A message with attachments gets a reserved id, so that its attachment rows can point at it.
#[derive(Default)]
pub struct Companions {
    messages: Vec<ticket_messages::ActiveModel>,
    with_evidence: Vec<(ticket_messages::ActiveModel, i32, Vec<NewEvidence>)>,
}

impl Companions {
    pub fn add_message(&mut self, mut draft: MessageDraft) {
        let evidence = std::mem::take(&mut draft.evidence);
        let ticket_id = draft.ticket_id;
        let row = message_row(draft);
        if evidence.is_empty() {
            self.messages.push(row);
        } else {
            self.with_evidence.push((row, ticket_id, evidence));
        }
    }

    pub async fn write(self, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        if !self.with_evidence.is_empty() {
            // Before the others: on SQLite the reserved ids follow the highest, which the others then pass.
            let ids = reserve_ids(txn, "ticket_messages", self.with_evidence.len()).await?;
            let now = Utc::now();
            let mut messages = Vec::with_capacity(ids.len());
            let mut attachments = Vec::new();
            for ((mut message, ticket_id, evidence), id) in self.with_evidence.into_iter().zip(ids)
            {
                message.id = Set(id);
                for (position, item) in evidence.into_iter().enumerate() {
                    let position = i16::try_from(position).unwrap_or(i16::MAX);
                    attachments.push(evidence::row(item, ticket_id, id, position, now));
                }
                messages.push(message);
            }
            insert_all(txn, &messages).await?;
            insert_all(txn, &attachments).await?;
        }
        insert_all(txn, &self.messages).await
    }
}

/// A new ticket's row, built without the database (`id` is the caller's: reserved, or replaced on insert).
pub fn new_ticket(
    intake: &Intake,
    draft: &TicketDraft<'_>,
    id: i32,
    code: TrackingCode,
) -> Result<tickets::Model, DbErr> {
    let reasons =
        serde_json::to_string(&draft.decision.reasons).map_err(|e| DbErr::Custom(e.to_string()))?;
    Ok(tickets::Model {
        id,
        tracking_code: code.as_str().to_owned(),
        channel: draft.channel,
        channel_account_id: draft.channel_account_id,
        contact_id: draft.contact_id,
        contact_identity_id: draft.contact_identity_id,
        thread_key: draft.thread_key.clone(),
        unit_code: draft.decision.unit_code.clone(),
        status: TicketStatus::New,
        summary: draft.summary.clone(),
        language: draft.language.clone(),
        topic: Some(draft.classification.topic.as_str().into()),
        legal_track: Some(draft.classification.track.as_str().into()),
        classification: Some(classification_json(draft.classification)),
        urgent: draft.classification.urgent,
        officer_conduct: draft.classification.officer_conduct,
        search_text: Some(draft.search_text.clone()),
        due_stage: None,
        due_set_at: None,
        extensions: 0,
        merged_into_id: None,
        reopened_low_score: false,
        first_reply_at: None,
        province_code: province_of(&intake.gazetteer, draft.decision),
        routing_confidence: Some(draft.decision.confidence),
        routing_reasons: Some(reasons),
        suggested_unit_code: draft.decision.suggested_unit.clone(),
        submitted_unit_code: draft.submitted_unit_code.clone(),
        assigned_officer_id: None,
        lat: draft.location.map(|l| l.lat),
        lon: draft.location.map(|l| l.lon),
        dedupe_hash: draft.dedupe_hash.clone(),
        due_at: Some(
            intake
                .deadlines
                .due_at(draft.classification.track, draft.at),
        ),
        created_at: draft.at,
        updated_at: draft.at,
        last_activity_at: draft.at,
        resolved_at: None,
    })
}

/// The province a ticket routed by `decision` is filed under: its unit's; in triage, the province its text names
/// when this deployment serves it, else its suggested unit's, else none (then only officers without a province see
/// it). An officer's move keeps it with the unit (`inbox::corrections`).
pub fn province_of(gazetteer: &Gazetteer, decision: &Decision) -> Option<String> {
    let unit_province = |code: &str| gazetteer.unit(code).map(|u| u.province_code.clone());
    match decision.unit_code.as_deref() {
        Some(code) => unit_province(code),
        None => decision
            .province_code
            .clone()
            .filter(|code| gazetteer.scope().contains(code))
            .or_else(|| decision.suggested_unit.as_deref().and_then(unit_province)),
    }
}

/// Counts a ticket just opened on `channel`.
pub fn count_created(channel: Channel) {
    metrics::counter!("tickets_created_total", "channel" => channel.as_str()).increment(1);
}

/// The automatic routing decision of `ticket`, as its row holds it until an officer first corrects the routing.
pub fn automatic_decision(ticket: &tickets::Model) -> routing_decisions::Model {
    routing_decisions::Model {
        id: 0,
        ticket_id: ticket.id,
        unit_code: ticket.unit_code.clone(),
        confidence: ticket.routing_confidence.unwrap_or_default(),
        reasons: ticket
            .routing_reasons
            .clone()
            .unwrap_or_else(|| "[]".into()),
        decided_by: "auto".into(),
        officer_id: None,
        created_at: ticket.created_at,
    }
}

/// A citizen's message on a ticket.
pub struct MessageDraft {
    pub ticket_id: i32,
    pub channel: Channel,
    pub provider_message_id: Option<String>,
    pub body: String,
    pub attachments: Option<String>,
    /// Its photos, voice messages and files, written as `attachments` rows beside it.
    pub evidence: Vec<NewEvidence>,
    pub location: Option<LatLon>,
    pub detection: Option<Detection>,
    pub at: DateTime<Utc>,
}

fn message_row(draft: MessageDraft) -> ticket_messages::ActiveModel {
    ticket_messages::ActiveModel {
        ticket_id: Set(draft.ticket_id),
        direction: Set(Direction::In),
        channel: Set(draft.channel),
        provider_message_id: Set(draft.provider_message_id),
        body: Set(draft.body),
        original_body: Set(None),
        attachments: Set(draft.attachments),
        lat: Set(draft.location.map(|l| l.lat)),
        lon: Set(draft.location.map(|l| l.lon)),
        language: Set(draft.detection.map(|d| d.language.code().to_owned())),
        language_confidence: Set(draft.detection.map(|d| d.confidence)),
        language_method: Set(draft.detection.map(|d| d.method.as_str().to_owned())),
        officer_id: Set(None),
        public: Set(false),
        removed: Set(false),
        hidden: Set(false),
        edited_at: Set(None),
        created_at: Set(draft.at),
        ..Default::default()
    }
}

/// A keyed hash (HMAC-SHA256 under `intake.dedupe_key`) of the resubmission key and the folded,
/// whitespace-collapsed text: only equality matters, and without the key nothing can be recovered from it.
fn dedupe_hash(key: &[u8], resubmission_key: &str, text: &str) -> String {
    let folded = fold(text);
    let normalised = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(resubmission_key.as_bytes());
    mac.update(&[0]);
    mac.update(normalised.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn classification_json(c: &Classification) -> String {
    serde_json::json!({
        "topic": c.topic.as_str(),
        "topic_words": c.topic_words,
        "track": c.track.as_str(),
        "track_words": c.track_words,
        "urgent": c.urgent,
        "urgent_words": c.urgent_words,
        "officer_conduct": c.officer_conduct,
    })
    .to_string()
}
