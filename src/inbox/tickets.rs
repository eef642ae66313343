//! `GET /api/v1/tickets` and `GET /api/v1/tickets/{id}`: the inbox's queues and one ticket's whole story,
//! always within what the officer may see (another unit's ticket is 404, not 403: its existence is not theirs).
use actix_web::{HttpResponse, web};
use sea_orm::sea_query::LikeExpr;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;
use serde_json::{Value, json};

use entity::{audit_log, contacts, outbox, routing_decisions, ticket_messages, tickets};

use super::session::Officer;
use crate::domain::{Channel, TicketStatus, TrackingCode};
use crate::intake::tickets::automatic_decision;
use crate::web::{ApiError, AppState};

const PAGE_SIZE: u64 = 50;

/// The deepest page served: a million tickets at the page size, beyond any unit's queue.
const MAX_PAGE: u64 = 1_000_000 / PAGE_SIZE;

#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    unit_code: Option<String>,
    channel: Option<String>,
    q: Option<String>,
    page: Option<u64>,
    /// `triage` (no unit yet) or `conduct` (complaints about officers): the supervisors' queues.
    queue: Option<String>,
}

pub async fn list(
    officer: Officer,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut filter = Condition::all();
    if !officer.sees_all() {
        filter =
            filter.add(tickets::Column::UnitCode.eq(officer.unit_code.clone().map(String::from)));
    }
    match query.queue.as_deref().filter(|q| !q.is_empty()) {
        None => {}
        Some("triage") if officer.sees_all() => {
            filter = filter.add(tickets::Column::UnitCode.is_null())
        }
        Some("conduct") if officer.sees_all() => {
            filter = filter.add(tickets::Column::OfficerConduct.eq(true))
        }
        Some("triage" | "conduct") => {
            return Err(ApiError::Forbidden(
                "the triage and conduct queues are for supervisors",
            ));
        }
        Some(_) => {
            return Err(ApiError::BadRequest(
                "queue must be 'triage' or 'conduct'".into(),
            ));
        }
    }
    if let Some(status) = non_empty(&query.status) {
        let status = TicketStatus::parse(status).ok_or_else(|| {
            ApiError::BadRequest(
                "status must be one of new, in_progress, resolved, closed, rejected".into(),
            )
        })?;
        filter = filter.add(tickets::Column::Status.eq(status));
    }
    if let Some(unit) = non_empty(&query.unit_code) {
        filter = filter.add(tickets::Column::UnitCode.eq(unit));
    }
    if let Some(channel) = non_empty(&query.channel) {
        let channel = Channel::parse(channel).ok_or_else(|| {
            ApiError::BadRequest("channel must be one of form, zalo, facebook".into())
        })?;
        filter = filter.add(tickets::Column::Channel.eq(channel));
    }
    if let Some(q) = non_empty(&query.q) {
        // A tracking code as the citizen reads it out, or words of the summary.
        // `%` and `_` typed in the box are the characters themselves, not LIKE's wildcards.
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = LikeExpr::new(format!("%{escaped}%")).escape('\\');
        let mut any = Condition::any().add(tickets::Column::Summary.like(pattern));
        if let Some(code) = TrackingCode::parse(q) {
            any = any.add(tickets::Column::TrackingCode.eq(code.as_str()));
        }
        filter = filter.add(any);
    }
    let page = query.page.unwrap_or(1).max(1);
    if page > MAX_PAGE {
        return Err(ApiError::BadRequest(format!("page is at most {MAX_PAGE}")));
    }
    let select = tickets::Entity::find().filter(filter);
    let total = select.clone().count(&state.db.read).await?;
    let rows = select
        .order_by_desc(tickets::Column::CreatedAt)
        .order_by_desc(tickets::Column::Id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(&state.db.read)
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "tracking_code": TrackingCode::display(&t.tracking_code),
                "status": t.status,
                "channel": t.channel,
                "unit": unit_json(&state, t.unit_code.as_deref()),
                "summary": t.summary,
                "topic": t.topic,
                "legal_track": t.legal_track,
                "urgent": t.urgent,
                "officer_conduct": t.officer_conduct,
                "created_at": t.created_at,
                "due_at": t.due_at,
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "items": items,
        "total": total,
        "page": page,
        "page_size": PAGE_SIZE,
    })))
}

/// The ticket if this officer may see it; otherwise 404.
pub async fn visible_ticket(
    state: &AppState,
    officer: &Officer,
    id: i32,
) -> Result<tickets::Model, ApiError> {
    tickets::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .filter(|t| officer.can_see(t.unit_code.as_deref()))
        .ok_or(ApiError::NotFound)
}

pub async fn detail(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    let ticket = visible_ticket(&state, &officer, id.into_inner()).await?;
    let db = &state.db.read;
    let messages = ticket_messages::Entity::find()
        .filter(ticket_messages::Column::TicketId.eq(ticket.id))
        .order_by_asc(ticket_messages::Column::CreatedAt)
        .order_by_asc(ticket_messages::Column::Id)
        .all(db)
        .await?;
    let deliveries = outbox::Entity::find()
        .filter(outbox::Column::TicketId.eq(ticket.id))
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await?;
    let mut decisions = routing_decisions::Entity::find()
        .filter(routing_decisions::Column::TicketId.eq(ticket.id))
        .order_by_asc(routing_decisions::Column::Id)
        .all(db)
        .await?;
    if decisions.is_empty() {
        // Never corrected: the automatic decision is the ticket's own routing.
        decisions.push(automatic_decision(&ticket));
    }
    let history = audit_log::Entity::find()
        .filter(audit_log::Column::TicketId.eq(ticket.id))
        .order_by_asc(audit_log::Column::Id)
        .all(db)
        .await?;
    let contact = contacts::Entity::find_by_id(ticket.contact_id)
        .one(db)
        .await?;

    let conversation: Vec<Value> = messages
        .iter()
        .map(|m| {
            let delivery = deliveries.iter().find(|d| d.message_id == Some(m.id));
            json!({
                "id": m.id,
                "direction": m.direction,
                "channel": m.channel,
                "text": m.body,
                "original_text": m.original_body,
                "attachments": parse_json(m.attachments.as_deref()),
                "location": m.lat.zip(m.lon).map(|(lat, lon)| json!({"lat": lat, "lon": lon})),
                "language": m.language,
                "public": m.public,
                "removed": m.removed,
                "hidden": m.hidden,
                "edited_at": m.edited_at,
                "officer_id": m.officer_id,
                "delivery": delivery.map(delivery_json),
                "at": m.created_at,
            })
        })
        .collect();
    let routing: Vec<Value> = decisions
        .iter()
        .map(|d| {
            json!({
                "unit": unit_json(&state, d.unit_code.as_deref()),
                "confidence": d.confidence,
                "reasons": parse_json(Some(&d.reasons)),
                "decided_by": d.decided_by,
                "officer_id": d.officer_id,
                "at": d.created_at,
            })
        })
        .collect();
    // The ticket's creation is its row (tickets opened before this was so also have an audit entry for it).
    let created = (!history.iter().any(|a| a.action == "ticket_created")).then(|| {
        json!({
            "action": "ticket_created",
            "officer_id": null,
            "detail": {"channel": ticket.channel},
            "at": ticket.created_at,
        })
    });
    let history: Vec<Value> = created
        .into_iter()
        .chain(history.iter().map(|a| {
            json!({
                "action": a.action,
                "officer_id": a.officer_id,
                "detail": parse_json(a.detail.as_deref()),
                "at": a.created_at,
            })
        }))
        .collect();
    // Messages not tied to a conversation entry (acknowledgements) still show their delivery state.
    let other_deliveries: Vec<Value> = deliveries
        .iter()
        .filter(|d| d.message_id.is_none())
        .map(delivery_json)
        .collect();

    Ok(HttpResponse::Ok().json(json!({
        "id": ticket.id,
        "tracking_code": TrackingCode::display(&ticket.tracking_code),
        "status": ticket.status,
        "channel": ticket.channel,
        "unit": unit_json(&state, ticket.unit_code.as_deref()),
        "suggested_unit": unit_json(&state, ticket.suggested_unit_code.as_deref()),
        "submitted_unit": unit_json(&state, ticket.submitted_unit_code.as_deref()),
        "summary": ticket.summary,
        "language": ticket.language,
        "topic": ticket.topic,
        "legal_track": ticket.legal_track,
        "classification": parse_json(ticket.classification.as_deref()),
        "urgent": ticket.urgent,
        "officer_conduct": ticket.officer_conduct,
        "location": ticket.lat.zip(ticket.lon).map(|(lat, lon)| json!({"lat": lat, "lon": lon})),
        "contact": contact.map(|c| json!({
            "id": c.id,
            "name": c.display_name,
            "verified_phone": c.verified_phone,
            "possibly_same_as": c.possibly_same_as,
        })),
        "created_at": ticket.created_at,
        "due_at": ticket.due_at,
        "resolved_at": ticket.resolved_at,
        "routing": {
            "confidence": ticket.routing_confidence,
            "reasons": parse_json(ticket.routing_reasons.as_deref()),
            "decisions": routing,
        },
        "conversation": conversation,
        "notifications": other_deliveries,
        "history": history,
    })))
}

pub fn unit_json(state: &AppState, code: Option<&str>) -> Value {
    code.map_or(Value::Null, |code| match state.gazetteer.unit(code) {
        Some(unit) => json!({"code": unit.code, "name": unit.name}),
        None => json!({"code": code, "name": null}),
    })
}

fn delivery_json(d: &outbox::Model) -> Value {
    json!({
        "kind": d.kind,
        "state": d.state,
        "attempts": d.attempts,
        "last_error": d.last_error,
        "sent_at": d.sent_at,
        "delivered_at": d.delivered_at,
        "read_at": d.read_at,
    })
}

fn parse_json(text: Option<&str>) -> Value {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or(Value::Null)
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
