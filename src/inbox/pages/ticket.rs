//! `GET /inbox/tickets/{id}` and its forms: reply, internal note, assign or take, status, move to another unit.
//! Each form posts to `/inbox/tickets/{id}/{action}`, runs the API's own function and comes back to the page
//! with what happened (POST, then 303 to a GET: a reload never acts twice).
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use serde_json::{Value, json};

use entity::{contact_identities, officers, tickets};

use super::{
    PageContext, ago, deadline_chip, explain, local, officer_or_login, see_other, units_in_scope,
    word,
};
use crate::deadlines::{resolution_clock, settings_of};
use crate::domain::{Channel, Direction, OutboxState, TicketStatus, TrackingCode};
use crate::i18n::Lang;
use crate::inbox::assign::{AssignRequest, give};
use crate::inbox::attachment_views::AttachmentView;
use crate::inbox::canned;
use crate::inbox::corrections::{RouteRequest, reroute};
use crate::inbox::deadline::{self, DeadlineRequest};
use crate::inbox::merge::{self, MergeRequest};
use crate::inbox::notes::{NoteRequest, write};
use crate::inbox::presence;
use crate::inbox::public_reply::{self, PublicReplyRequest};
use crate::inbox::replies::{DeliveryPlan, ReplyOutcome, ReplyRequest, send};
use crate::inbox::session::Officer;
use crate::inbox::status::{StatusRequest, set};
use crate::inbox::tickets::{DeliveryView, TicketDetail, detail_of, visible_ticket};
use crate::routing::{LegalTrack, Reason};
use crate::web::{ApiError, AppState};

#[derive(Deserialize)]
pub struct ShowQuery {
    done: Option<String>,
    /// A canned reply to put in the reply box (the menu works without JavaScript).
    canned: Option<i32>,
}

/// What a form left to show on the page it comes back to.
#[derive(Default)]
struct Outcome {
    status: Option<StatusCode>,
    done: Option<String>,
    error: Option<String>,
    /// The reply the officer wrote, kept when it was not sent.
    draft: Option<String>,
    draft_note: Option<String>,
    /// Messages that arrived after the officer's view, to read before sending again.
    new_ids: Vec<i32>,
    /// A canned reply picked from the menu.
    canned: Option<i32>,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    id: web::Path<i32>,
    query: web::Query<ShowQuery>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    let officer = match officer_or_login(&req, &page, &state, officer) {
        Ok(officer) => officer,
        Err(response) => return *response,
    };
    let query = query.into_inner();
    let canned = query.canned;
    let done = query
        .done
        .filter(|d| DONE.contains(&d.as_str()))
        .map(|d| word(page.lang, &format!("done_{d}")).to_owned());
    let outcome = Outcome {
        done,
        canned,
        ..Outcome::default()
    };
    render(&page, &state, &officer, id.into_inner(), outcome).await
}

/// What `?done=` may say.
const DONE: &[&str] = &[
    "taken_on",
    "extended",
    "merged",
    "reply_queued",
    "reply_tracking_page",
    "reply_email",
    "public_reply",
    "reply_undeliverable",
    "note",
    "assigned",
    "status",
    "moved",
];

async fn render(
    page: &PageContext,
    state: &AppState,
    officer: &Officer,
    id: i32,
    outcome: Outcome,
) -> HttpResponse {
    match values(page, state, officer, id, outcome).await {
        Ok((status, values)) => page.render(state, status, "inbox_ticket.html", values),
        Err(err) => page.error(state, Some(officer), err),
    }
}

async fn values(
    page: &PageContext,
    state: &AppState,
    officer: &Officer,
    id: i32,
    outcome: Outcome,
) -> Result<(StatusCode, Value), ApiError> {
    let lang = page.lang;
    // The row too: the page reads some of its columns the API's detail leaves out.
    let row = visible_ticket(state, officer, id).await?;
    let ticket = detail_of(state, row.clone()).await?;
    presence::opened(&state.db, ticket.id, officer.id).await?;
    let others = presence::others(&state.db, ticket.id, officer.id).await?;
    let names: HashMap<i32, String> = officers::Entity::find()
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|o| (o.id, o.username))
        .collect();
    let name_of = |id: Option<i32>| match id {
        Some(id) if id == officer.id => format!("{} ({})", officer.username, word(lang, "you")),
        Some(id) => names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
        None => word(lang, "system").to_owned(),
    };
    let now = Utc::now();
    let soon_until = state.intake.deadlines.calendar().add_working_days(now, 2);
    let open = matches!(ticket.status, TicketStatus::New | TicketStatus::InProgress);
    let track = ticket.legal_track.as_deref().and_then(LegalTrack::parse);
    let conversation: Vec<Value> = ticket
        .conversation
        .iter()
        .map(|m| {
            let ours = m.direction == Direction::Out;
            json!({
                "id": m.id,
                "ours": ours,
                "text": m.text,
                "original_text": m.original_text,
                "removed": m.removed,
                "edited": m.edited_at.is_some(),
                "at": local(m.at),
                "ago": ago(lang, m.at, now),
                "officer": ours.then(|| name_of(m.officer_id)),
                "delivery": ours.then(|| delivery(lang, ticket.channel, m.delivery.as_ref())),
                "attachments": attachments(lang, &m.attachments),
                "map": m.location.as_ref().map(|p| map_link(p.lat, p.lon)),
                "new": outcome.new_ids.contains(&m.id),
            })
        })
        .collect();
    let after_message_id = ticket.conversation.iter().map(|m| m.id).max();
    let contact = ticket.contact.as_ref();
    let phone = match contact {
        Some(c) if c.verified_phone.is_none() => contact_identities::Entity::find()
            .filter(contact_identities::Column::ContactId.eq(c.id))
            .filter(contact_identities::Column::Phone.is_not_null())
            .order_by_desc(contact_identities::Column::Id)
            .one(&state.db.read)
            .await?
            .and_then(|i| i.phone),
        _ => None,
    };
    let earlier = earlier_tickets(state, officer, &ticket).await?;
    let unit_officers: Vec<Value> = match ticket.unit.as_ref() {
        Some(unit) => officers::Entity::find()
            .filter(officers::Column::UnitCode.eq(unit.code.clone()))
            .filter(officers::Column::Active.eq(true))
            .order_by_asc(officers::Column::Username)
            .all(&state.db.read)
            .await?
            .into_iter()
            .map(|o| json!({"id": o.id, "username": o.username, "holder": Some(o.id) == ticket.assigned_officer_id}))
            .collect(),
        None => Vec::new(),
    };
    let statuses: Vec<Value> = next_statuses(ticket.status)
        .iter()
        .map(|s| json!({"value": s.as_str(), "label": word(lang, &status_action(ticket.status, *s))}))
        .collect();
    // Where it may go: a supervisor with a province keeps it there.
    let units: Vec<Value> = units_in_scope(state, officer)
        .into_iter()
        .filter(|u| {
            ticket
                .unit
                .as_ref()
                .is_none_or(|t| u["code"] != t.code.as_str())
        })
        .collect();
    let unit_name = ticket.unit.as_ref().and_then(|u| u.name.clone());
    let canned: Vec<Value> = canned::for_topic(&state.db, ticket.topic.as_deref())
        .await?
        .into_iter()
        .map(|c| {
            let text = canned::fill(&c.body, &ticket.tracking_code, unit_name.as_deref());
            json!({"id": c.id, "title": c.title, "text": text})
        })
        .collect();
    let draft = outcome.draft.clone().or_else(|| {
        let picked = outcome.canned?;
        canned
            .iter()
            .find(|c| c["id"] == picked)
            .and_then(|c| c["text"].as_str().map(str::to_owned))
    });
    // For the script that refreshes replies still on their way.
    let delivery_labels: serde_json::Map<String, Value> = [
        "pending",
        "sending",
        "sent",
        "delivered",
        "read",
        "undeliverable",
        "unknown",
    ]
    .iter()
    .map(|s| ((*s).to_owned(), json!(word(lang, &format!("delivery_{s}")))))
    .collect();
    // A form ticket's reply also goes by e-mail when the citizen left an address and e-mail is set up.
    let by_email = ticket.channel == Channel::Form
        && state.settings.email.enabled()
        && contact_identities::Entity::find_by_id(row.contact_identity_id)
            .one(&state.db.read)
            .await?
            .and_then(|i| i.email)
            .is_some_and(|e| !e.trim().is_empty());
    // A Page comment's ticket can also be answered under the comment, in public.
    let comment = ticket.channel == Channel::Facebook && row.thread_key.is_some();
    let window = &ticket.reply_window;
    let window = json!({
        "open": window.open,
        "form": ticket.channel == Channel::Form,
        "email": by_email,
        "until": window.until.map(local),
        "reason": window.reason,
        "channel": word(lang, &format!("channel_{}", ticket.channel.as_str())),
    });
    let history: Vec<Value> = ticket
        .history
        .iter()
        .rev()
        .map(|h| {
            json!({
                "action": h.action,
                "officer": name_of(h.officer_id),
                "at": local(h.at),
                "detail": h.detail.as_ref().map(Value::to_string),
            })
        })
        .collect();
    let notes: Vec<Value> = ticket
        .notes
        .iter()
        .map(|n| json!({"officer": name_of(Some(n.officer_id)), "text": n.text, "at": local(n.at)}))
        .collect();
    let notifications: Vec<Value> = ticket
        .notifications
        .iter()
        .map(|d| {
            json!({
                "delivery": delivery(lang, ticket.channel, Some(d)),
                "kind": d.kind,
                "what": word(lang, &format!("purpose_{}", d.purpose.as_str())),
            })
        })
        .collect();
    let surveys: Vec<Value> = ticket
        .surveys
        .iter()
        .map(|s| {
            json!({
                "round": s.round,
                "sent": local(s.sent_at),
                "via": word(lang, &format!("via_{}", s.asked_via.as_deref().unwrap_or("link"))),
                "reminded": s.reminder.as_deref() == Some("sent"),
                "score": s.score,
                "score_label": s.score.map(|v| word(lang, &format!("score_{v}"))),
                "low": crate::satisfaction::is_low(s.score, s.solved),
                "solved": s.solved.map(|v| word(lang, if v { "solved_yes" } else { "solved_no" })),
                "comment": s.comment,
                "answered": s.answered_at.map(local),
            })
        })
        .collect();
    let can_survey = matches!(ticket.status, TicketStatus::Resolved | TicketStatus::Closed);
    let deadlines = &state.settings.deadlines;
    let basis = track.map(|t| settings_of(deadlines, t).basis.clone());
    let clock = track.and_then(|t| resolution_clock(deadlines, t));
    let deadline_actions = json!({
        "take_on": open && clock.is_some() && ticket.due_stage.is_none(),
        "extend": open && ticket.due_stage.as_deref() == Some(deadline::RESOLUTION)
            && clock.is_some_and(|c| ticket.extensions < i32::try_from(c.max_extensions).unwrap_or(i32::MAX)),
        "extend_days": clock.and_then(|c| c.extend_days),
        "resolve_days": clock.and_then(|c| c.resolve_days),
    });
    let merged_into = match ticket.merged_into_id {
        Some(into) => tickets::Entity::find_by_id(into)
            .one(&state.db.read)
            .await?
            .filter(|t| officer.can_see_ticket(t))
            .map(|t| json!({"id": t.id, "tracking_code": TrackingCode::display(&t.tracking_code)})),
        None => None,
    };
    let merged_from: Vec<Value> = tickets::Entity::find()
        .filter(tickets::Column::Id.is_in(ticket.merged_from.clone()))
        .all(&state.db.read)
        .await?
        .into_iter()
        .filter(|t| officer.can_see_ticket(t))
        .map(|t| json!({"id": t.id, "tracking_code": TrackingCode::display(&t.tracking_code), "summary": t.summary}))
        .collect();
    let routing = json!({
        "confidence": ticket.routing.confidence.map(|c| format!("{:.0}%", c * 100.0)),
        "reasons": reasons(lang, ticket.routing.reasons.as_ref()),
        "suggested": ticket.suggested_unit.as_ref().and_then(|u| u.name.clone()),
        // One click accepts the router's suggestion for a ticket it left in triage.
        "accept": ticket.unit.is_none().then(|| ticket.suggested_unit.as_ref().map(|u| u.code.clone())).flatten(),
        "submitted": ticket.submitted_unit.as_ref().and_then(|u| u.name.clone()),
        "corrections": ticket.routing.decisions.iter().filter(|d| d.decided_by == "officer").map(|d| json!({
            "unit": d.unit.as_ref().and_then(|u| u.name.clone()).unwrap_or_else(|| word(lang, "triage").to_owned()),
            "officer": name_of(d.officer_id),
            "at": local(d.at),
            "reasons": reasons(lang, d.reasons.as_ref()),
        })).collect::<Vec<_>>(),
    });
    let values = page.values(
        Some(officer),
        state,
        json!({
            "ticket": {
                "id": ticket.id,
                "tracking_code": ticket.tracking_code,
                "status": ticket.status.as_str(),
                "status_label": word(lang, &format!("status_{}", ticket.status.as_str())),
                "channel": ticket.channel.as_str(),
                "channel_label": word(lang, &format!("channel_{}", ticket.channel.as_str())),
                "unit": ticket.unit.as_ref().map(|u| u.name.clone().unwrap_or_else(|| u.code.clone())),
                "summary": ticket.summary,
                "track": track.map(|t| word(lang, &format!("track_{}", t.as_str()))),
                "basis": basis,
                "deadline": deadline_chip(lang, ticket.due_at, open, now, soon_until),
                "due_set_at": ticket.due_set_at.map(local),
                "in_resolution": ticket.due_stage.is_some(),
                "extensions": ticket.extensions,
                "open": open,
                "received": local(ticket.created_at),
                "resolved": ticket.resolved_at.map(local),
                "urgent": ticket.urgent,
                "conduct": ticket.officer_conduct,
                "map": ticket.location.as_ref().map(|p| map_link(p.lat, p.lon)),
                "assignee": ticket.assigned_officer_id.map(|id| name_of(Some(id))),
                "mine": ticket.assigned_officer_id == Some(officer.id),
                "citizen": contact.and_then(|c| c.name.clone()).unwrap_or_else(|| word(lang, "anonymous").to_owned()),
                "verified_phone": contact.and_then(|c| c.verified_phone.clone()),
                "phone": phone,
            },
            "conversation": conversation,
            "deadline_actions": deadline_actions,
            "merged_into": merged_into,
            "merged_from": merged_from,
            "after_message_id": after_message_id,
            "notes": notes,
            "notifications": notifications,
            "surveys": surveys,
            "can_survey": can_survey,
            "reopened_low_score": ticket.reopened_low_score,
            "history": history,
            "routing": routing,
            "others": others,
            "earlier": earlier,
            "unit_officers": unit_officers,
            "statuses": statuses,
            "units": units,
            "window": window,
            "done": outcome.done,
            "error": outcome.error,
            "stale": !outcome.new_ids.is_empty(),
            "draft": draft,
            "delivery_labels": delivery_labels,
            "comment": comment,
            "canned": canned,
            "draft_note": outcome.draft_note,
        }),
    );
    Ok((outcome.status.unwrap_or(StatusCode::OK), values))
}

/// The statuses an officer can move a ticket to from `from`.
fn next_statuses(from: TicketStatus) -> &'static [TicketStatus] {
    match from {
        TicketStatus::New => &[
            TicketStatus::InProgress,
            TicketStatus::Resolved,
            TicketStatus::Closed,
            TicketStatus::Rejected,
        ],
        TicketStatus::InProgress => &[
            TicketStatus::Resolved,
            TicketStatus::Closed,
            TicketStatus::Rejected,
        ],
        _ => &[TicketStatus::InProgress],
    }
}

fn status_action(from: TicketStatus, to: TicketStatus) -> String {
    match (from, to) {
        (TicketStatus::Resolved | TicketStatus::Closed | TicketStatus::Rejected, _) => {
            "reopen".into()
        }
        (_, to) => format!("set_{}", to.as_str()),
    }
}

/// The citizen's other tickets this officer may see, newest first.
async fn earlier_tickets(
    state: &AppState,
    officer: &Officer,
    ticket: &TicketDetail,
) -> Result<Vec<Value>, ApiError> {
    let Some(contact) = ticket.contact.as_ref() else {
        return Ok(Vec::new());
    };
    Ok(tickets::Entity::find()
        .filter(tickets::Column::ContactId.eq(contact.id))
        .filter(tickets::Column::Id.ne(ticket.id))
        .order_by_desc(tickets::Column::Id)
        .limit(20)
        .all(&state.db.read)
        .await?
        .into_iter()
        .filter(|t| officer.can_see_ticket(t))
        .take(10)
        .map(|t| {
            json!({
                "id": t.id,
                "tracking_code": TrackingCode::display(&t.tracking_code),
                "summary": t.summary,
                "received": local(t.created_at),
            })
        })
        .collect())
}

/// A reply's delivery as the officer reads it: a state word, a class for its colour, the reason when it failed.
fn delivery(lang: Lang, channel: Channel, d: Option<&DeliveryView>) -> Value {
    match d {
        None if channel == Channel::Form => {
            json!({"class": "sent", "label": word(lang, "delivery_tracking_page"), "reason": Value::Null})
        }
        None => Value::Null,
        Some(d) => {
            let class = match d.state {
                OutboxState::Pending | OutboxState::Sending => "pending",
                OutboxState::Sent => "sent",
                OutboxState::Delivered | OutboxState::Read => "delivered",
                OutboxState::Undeliverable => "failed",
                OutboxState::Unknown => "unknown",
            };
            json!({
                "class": class,
                "label": word(lang, &format!("delivery_{}", d.state.as_str())),
                "reason": matches!(d.state, OutboxState::Undeliverable | OutboxState::Unknown).then(|| d.last_error.clone()).flatten(),
            })
        }
    }
}

/// Attachments as officers meet them: a kept file links to phananh's copy (with its thumbnail), anything else
/// says why there is no copy; a photo's own position links to the map as a hint.
fn attachments(lang: Lang, views: &[AttachmentView]) -> Vec<Value> {
    views
        .iter()
        .map(|a| {
            let label = a
                .name
                .clone()
                .unwrap_or_else(|| format!("{} ({})", word(lang, "attachment"), a.kind));
            let status = match a.state.as_str() {
                "kept" => None,
                "pending" => Some(word(lang, "attachment_pending").to_owned()),
                "reference" => Some(word(lang, "attachment_reference").to_owned()),
                "purged" => Some(word(lang, "attachment_purged").to_owned()),
                _ => Some(format!(
                    "{}: {}",
                    word(lang, "attachment_not_kept"),
                    a.reason.as_deref().unwrap_or_default()
                )),
            };
            json!({
                "kind": a.kind,
                "url": a.url,
                "thumbnail_url": a.thumbnail_url,
                "label": label,
                "status": status,
                "map": a.taken_at_position.as_ref().map(|p| map_link(p.lat, p.lon)),
            })
        })
        .collect()
}

fn map_link(lat: f64, lon: f64) -> String {
    format!("https://www.openstreetmap.org/?mlat={lat:.6}&mlon={lon:.6}#map=17/{lat:.6}/{lon:.6}")
}

/// Routing reasons in the page's language.
fn reasons(lang: Lang, raw: Option<&Value>) -> Vec<String> {
    raw.cloned()
        .and_then(|v| serde_json::from_value::<Vec<Reason>>(v).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|r| if lang == Lang::Vi { r.vi } else { r.en })
        .collect()
}

#[derive(Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    after_message_id: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct AssignForm {
    /// An officer's id, or empty to unassign.
    #[serde(default)]
    officer_id: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct RouteForm {
    /// A unit's code, or empty for the triage queue.
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf_token: String,
}

/// The common start of every form: the officer (or the login page) and the CSRF check.
async fn begin(
    req: &HttpRequest,
    state: &AppState,
    officer: Result<Officer, ApiError>,
    token: &str,
) -> Result<(PageContext, Officer), Box<HttpResponse>> {
    let page = PageContext::of(req);
    let officer = officer_or_login(req, &page, state, officer)?;
    if !PageContext::form_is_ours(req, token) {
        let values = page.values(
            Some(&officer),
            state,
            json!({"message": word(page.lang, "form_expired")}),
        );
        return Err(Box::new(page.render(
            state,
            StatusCode::FORBIDDEN,
            "inbox_message.html",
            values,
        )));
    }
    Ok((page, officer))
}

/// Back on the ticket with what happened, or the page again with the error and what the officer wrote.
async fn finish(
    page: &PageContext,
    state: &AppState,
    officer: &Officer,
    id: i32,
    result: Result<&str, ApiError>,
    keep: Outcome,
) -> HttpResponse {
    match result {
        Ok(done) => see_other(&format!("/inbox/tickets/{id}?done={done}")),
        Err(ApiError::NotFound) => page.error(state, Some(officer), ApiError::NotFound),
        Err(err @ (ApiError::Unavailable(_) | ApiError::Internal(_))) => {
            page.error(state, Some(officer), err)
        }
        Err(err) => {
            use actix_web::ResponseError;
            let outcome = Outcome {
                status: Some(err.status_code()),
                error: Some(explain(page.lang, &err)),
                ..keep
            };
            render(page, state, officer, id, outcome).await
        }
    }
}

pub async fn reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    id: web::Path<i32>,
    form: web::Form<ReplyForm>,
) -> HttpResponse {
    let (page, officer) = match begin(&req, &state, officer, &form.csrf_token).await {
        Ok(begun) => begun,
        Err(response) => return *response,
    };
    let id = id.into_inner();
    let ReplyForm {
        text,
        after_message_id,
        ..
    } = form.into_inner();
    let request = ReplyRequest {
        text: text.clone(),
        after_message_id: after_message_id.trim().parse().ok(),
    };
    let keep = Outcome {
        draft: Some(text),
        ..Outcome::default()
    };
    match send(&state, &officer, id, request).await {
        Ok(ReplyOutcome::Accepted(accepted)) => {
            let done = match accepted.delivery {
                DeliveryPlan::Queued => "reply_queued",
                DeliveryPlan::TrackingPage => "reply_tracking_page",
                DeliveryPlan::Email => "reply_email",
                DeliveryPlan::Undeliverable => "reply_undeliverable",
            };
            finish(&page, &state, &officer, id, Ok(done), keep).await
        }
        // Not sent: the page shows the new messages marked, with the reply kept for the officer to send again.
        Ok(ReplyOutcome::Stale(stale)) => {
            let outcome = Outcome {
                status: Some(StatusCode::CONFLICT),
                error: Some(word(page.lang, "stale").to_owned()),
                new_ids: stale.new_messages.iter().map(|m| m.id).collect(),
                ..keep
            };
            render(&page, &state, &officer, id, outcome).await
        }
        Err(err) => finish(&page, &state, &officer, id, Err(err), keep).await,
    }
}

pub async fn note(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    id: web::Path<i32>,
    form: web::Form<NoteForm>,
) -> HttpResponse {
    let (page, officer) = match begin(&req, &state, officer, &form.csrf_token).await {
        Ok(begun) => begun,
        Err(response) => return *response,
    };
    let id = id.into_inner();
    let text = form.into_inner().text;
    let keep = Outcome {
        draft_note: Some(text.clone()),
        ..Outcome::default()
    };
    let result = write(&state, &officer, id, NoteRequest { text })
        .await
        .map(|_| "note");
    finish(&page, &state, &officer, id, result, keep).await
}

pub async fn assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    id: web::Path<i32>,
    form: web::Form<AssignForm>,
) -> HttpResponse {
    let (page, officer) = match begin(&req, &state, officer, &form.csrf_token).await {
        Ok(begun) => begun,
        Err(response) => return *response,
    };
    let id = id.into_inner();
    let raw = form.into_inner().officer_id;
    let result = match raw.trim() {
        "" => Ok(None),
        "me" => Ok(Some(officer.id)),
        other => other
            .parse::<i32>()
            .map(Some)
            .map_err(|_| ApiError::BadRequest("choose an officer from the list".into())),
    };
    let result = match result {
        Ok(to) => give(&state, &officer, id, AssignRequest { officer_id: to })
            .await
            .map(|_| "assigned"),
        Err(err) => Err(err),
    };
    finish(&page, &state, &officer, id, result, Outcome::default()).await
}

pub async fn status(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    id: web::Path<i32>,
    form: web::Form<StatusForm>,
) -> HttpResponse {
    let (page, officer) = match begin(&req, &state, officer, &form.csrf_token).await {
        Ok(begun) => begun,
        Err(response) => return *response,
    };
    let id = id.into_inner();
    let StatusForm { status, reason, .. } = form.into_inner();
    let request = StatusRequest {
        status,
        reason: Some(reason),
    };
    let result = set(&state, &officer, id, request).await.map(|_| "status");
    finish(&page, &state, &officer, id, result, Outcome::default()).await
}

pub async fn route(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    id: web::Path<i32>,
    form: web::Form<RouteForm>,
) -> HttpResponse {
    let (page, officer) = match begin(&req, &state, officer, &form.csrf_token).await {
        Ok(begun) => begun,
        Err(response) => return *response,
    };
    let id = id.into_inner();
    let RouteForm {
        unit_code, reason, ..
    } = form.into_inner();
    let request = RouteRequest {
        unit_code: Some(unit_code),
        reason,
    };
    match reroute(&state, &officer, id, request).await {
        // Moved out of the officer's sight: back to the queue, saying so.
        Ok(moved) if !moved.visible_to_you => {
            let values = page.values(
                Some(&officer),
                &state,
                json!({"message": word(page.lang, "moved_away"), "back": "/inbox"}),
            );
            page.render(&state, StatusCode::OK, "inbox_message.html", values)
        }
        result => {
            let result = result.map(|_| "moved");
            finish(&page, &state, &officer, id, result, Outcome::default()).await
        }
    }
}

#[derive(Deserialize)]
pub struct DeadlineForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    into: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf_token: String,
}

pub async fn deadline(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    id: web::Path<i32>,
    form: web::Form<DeadlineForm>,
) -> HttpResponse {
    let (page, officer) = match begin(&req, &state, officer, &form.csrf_token).await {
        Ok(begun) => begun,
        Err(response) => return *response,
    };
    let id = id.into_inner();
    let DeadlineForm { action, reason, .. } = form.into_inner();
    let done = if action == "extend" {
        "extended"
    } else {
        "taken_on"
    };
    let request = DeadlineRequest {
        action,
        reason: Some(reason),
    };
    let result = deadline::set(&state, &officer, id, request)
        .await
        .map(|_| done);
    finish(&page, &state, &officer, id, result, Outcome::default()).await
}

pub async fn merge(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    id: web::Path<i32>,
    form: web::Form<MergeForm>,
) -> HttpResponse {
    let (page, officer) = match begin(&req, &state, officer, &form.csrf_token).await {
        Ok(begun) => begun,
        Err(response) => return *response,
    };
    let id = id.into_inner();
    let MergeForm { into, reason, .. } = form.into_inner();
    let request = MergeRequest {
        into,
        reason: Some(reason),
    };
    let result = merge::into(&state, &officer, id, request)
        .await
        .map(|_| "merged");
    finish(&page, &state, &officer, id, result, Outcome::default()).await
}

#[derive(Deserialize)]
pub struct PublicReplyForm {
    #[serde(default)]
    text: String,
    /// The checkbox: present ("on") when ticked.
    #[serde(default)]
    confirm_public: Option<String>,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(rename = "csrf_token")]
    csrf_token: String,
}

pub async fn survey(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    id: web::Path<i32>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let (page, officer) = match begin(&req, &state, officer, &form.csrf_token).await {
        Ok(begun) => begun,
        Err(response) => return *response,
    };
    let id = id.into_inner();
    let result = crate::inbox::survey::send_by_hand(&state, &officer, id)
        .await
        .map(|sent| {
            if sent.via == "link" {
                "survey_link"
            } else {
                "survey_sent"
            }
        });
    finish(&page, &state, &officer, id, result, Outcome::default()).await
}

pub async fn public_reply(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    id: web::Path<i32>,
    form: web::Form<PublicReplyForm>,
) -> HttpResponse {
    let (page, officer) = match begin(&req, &state, officer, &form.csrf_token).await {
        Ok(begun) => begun,
        Err(response) => return *response,
    };
    let id = id.into_inner();
    let PublicReplyForm {
        text,
        confirm_public,
        ..
    } = form.into_inner();
    let request = PublicReplyRequest {
        text,
        confirm_public: confirm_public.is_some(),
    };
    let result = public_reply::post(&state, &officer, id, request)
        .await
        .map(|_| "public_reply");
    finish(&page, &state, &officer, id, result, Outcome::default()).await
}
