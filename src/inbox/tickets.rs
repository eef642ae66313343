//! `GET /api/v1/tickets` and `GET /api/v1/tickets/{id}`: the inbox's queues and one ticket's whole story,
//! always within what the officer may see (another unit's ticket is 404, not 403: its existence is not theirs).
use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, Order,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use entity::{
    audit_log, contact_identities, contacts, outbox, routing_decisions, ticket_messages,
    ticket_notes, tickets,
};

use super::attachment_views::{self, AttachmentView};
use super::session::Officer;
use crate::domain::{
    Channel, Direction, OutboxState, Purpose, TicketStatus, TrackingCode, UnitCode, search_terms,
};
use crate::intake::tickets::automatic_decision;
use crate::outbound::reach::{self, Unreachable};
use crate::routing::LegalTrack;
use crate::web::{ApiError, AppState, ErrorBody};

const PAGE_SIZE: u64 = 50;

/// The deepest page served: a million tickets at the page size, beyond any unit's queue.
const MAX_PAGE: u64 = 1_000_000 / PAGE_SIZE;

/// `total` counts up to this many tickets (200 pages)...
const COUNT_CAP: u64 = 10_000;
/// ... and for a search matching many tickets (each one's text read to count it), this many (20 pages).
const SEARCH_COUNT_CAP: u64 = 1_000;

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    #[param(value_type = Option<TicketStatus>)]
    pub status: Option<String>,
    /// A unit's code, five digits (supervisors; an officer sees only their own unit).
    #[param(pattern = "^[0-9]{5}$")]
    pub unit_code: Option<String>,
    #[param(value_type = Option<Channel>)]
    pub channel: Option<String>,
    /// Words of the summary, or a tracking code.
    pub q: Option<String>,
    /// From 1; 50 tickets a page.
    #[param(minimum = 0, maximum = 20000)]
    pub page: Option<u64>,
    /// `triage` (no unit yet) or `conduct` (complaints about officers): the supervisors' queues.
    #[param(value_type = Option<Queue>, inline)]
    pub queue: Option<String>,
    /// `feedback`, `citizen_request`, `complaint`, `denunciation` or `crime_report`.
    pub legal_track: Option<String>,
    pub urgent: Option<bool>,
    /// Open tickets past their deadline (`overdue`) or due within 2 working days (`soon`, overdue included).
    #[param(value_type = Option<Due>, inline)]
    pub due: Option<String>,
    /// `me` (held by the officer asking) or `none` (held by no one).
    #[param(value_type = Option<Holder>, inline)]
    pub assigned: Option<String>,
    /// `newest` first (default), or by `urgency`: urgent first, then the nearest deadline.
    #[param(value_type = Option<Sort>, inline)]
    pub sort: Option<String>,
}

/// Deadline filters of the queue.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // Named for the API document; the query keeps the raw string to answer a clear 400.
pub enum Due {
    Overdue,
    Soon,
}

/// Who holds a ticket.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // As `Due`.
pub enum Holder {
    Me,
    None,
}

/// The queue's order.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // As `Due`.
pub enum Sort {
    Newest,
    Urgency,
}

/// The supervisors' queues.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)] // Named for the API document; the query keeps the raw string to answer a clear 400.
pub enum Queue {
    Triage,
    Conduct,
}

/// A unit as the API names it; `name` is null for a code the gazetteer no longer holds.
#[derive(Serialize, ToSchema)]
pub struct UnitRef {
    pub code: String,
    pub name: Option<String>,
}

pub use super::attachment_views::Point;

/// One page of a queue, newest first.
#[derive(Serialize, ToSchema)]
pub struct TicketPage {
    pub items: Vec<TicketSummary>,
    /// How many tickets the queue holds, counted up to 10,000 (1,000 for a search matching many), or through the
    /// page after the one asked if that is further: beyond it `total` is the cap and `total_capped` is true (there
    /// are more; pages past the count are still served).
    pub total: u64,
    /// `total` stopped at its cap: the queue holds more.
    pub total_capped: bool,
    pub page: u64,
    pub page_size: u64,
}

#[derive(Serialize, ToSchema)]
pub struct TicketSummary {
    pub id: i32,
    /// As citizens read it out: `XXXX-XXXX-XXXX`.
    pub tracking_code: String,
    pub status: TicketStatus,
    pub channel: Channel,
    /// Null: in the triage queue.
    pub unit: Option<UnitRef>,
    pub summary: String,
    pub topic: Option<String>,
    pub legal_track: Option<String>,
    pub urgent: bool,
    pub officer_conduct: bool,
    pub assigned_officer_id: Option<i32>,
    /// The name the citizen gave or their platform shows; null: anonymous.
    pub citizen_name: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The latest message either way.
    pub last_activity_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// Set when the latest reply could not reach the citizen: call them, if they gave a phone number.
    pub not_reached: Option<NotReached>,
    /// Reopened after a low satisfaction score (1-2) or "not solved"; cleared when resolved again.
    pub reopened_low_score: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NotReached {
    pub reason: Option<String>,
    pub phone: Option<String>,
}

/// A queue: the officer's unit, or for supervisors any unit, the triage queue or the conduct queue.
#[utoipa::path(
    get,
    path = "/api/v1/tickets",
    tag = "inbox",
    params(ListQuery),
    security(("session" = [])),
    responses(
        (status = 200, description = "One page of the queue", body = TicketPage),
        (status = 400, description = "A filter or the page is not valid", body = ErrorBody),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 403, description = "The triage and conduct queues are for supervisors", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn list(
    officer: Officer,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(queue(&state, &officer, &query).await?))
}

/// One page of the queue asked (the API and the inbox page).
pub async fn queue(
    state: &AppState,
    officer: &Officer,
    query: &ListQuery,
) -> Result<TicketPage, ApiError> {
    let mut filter = Condition::all();
    let mut count_cap = COUNT_CAP;
    let mut searched_many = false;
    if let Some(scope) = officer.ticket_scope() {
        filter = filter.add(scope);
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
        let unit = UnitCode::parse(unit)
            .ok_or_else(|| ApiError::BadRequest("unit_code is five digits, like 18073".into()))?;
        filter = filter.add(tickets::Column::UnitCode.eq(unit.as_str()));
    }
    if let Some(channel) = non_empty(&query.channel) {
        let channel = Channel::parse(channel).ok_or_else(|| {
            ApiError::BadRequest("channel must be one of form, zalo, facebook".into())
        })?;
        filter = filter.add(tickets::Column::Channel.eq(channel));
    }
    if let Some(q) = non_empty(&query.q) {
        // PostgreSQL refuses a NUL in text; no search needs control characters.
        if q.chars().any(char::is_control) {
            return Err(ApiError::BadRequest(
                "q has control characters; search with words or a tracking code".into(),
            ));
        }
        // A tracking code as the citizen reads it out, or words of the citizen's text, with or without
        // diacritics, through the full-text index.
        let code = TrackingCode::parse(q);
        let words = search_terms(q);
        if code.is_none() && words.is_empty() {
            return Err(ApiError::BadRequest(
                "q has no letters or digits; search with words or a tracking code".into(),
            ));
        }
        let (matches, many) = search(state, code.as_ref(), &words).await?;
        if many {
            count_cap = SEARCH_COUNT_CAP;
            searched_many = true;
        }
        filter = filter.add(matches);
    }
    if let Some(track) = non_empty(&query.legal_track) {
        let track = LegalTrack::parse(track).ok_or_else(|| {
            ApiError::BadRequest(
                "legal_track must be one of feedback, citizen_request, complaint, denunciation, crime_report"
                    .into(),
            )
        })?;
        filter = filter.add(tickets::Column::LegalTrack.eq(track.as_str()));
    }
    if let Some(urgent) = query.urgent {
        filter = filter.add(tickets::Column::Urgent.eq(urgent));
    }
    if let Some(due) = non_empty(&query.due) {
        let now = Utc::now();
        let before = match due {
            "overdue" => now,
            "soon" => state.intake.deadlines.calendar().add_working_days(now, 2),
            _ => {
                return Err(ApiError::BadRequest(
                    "due must be 'overdue' or 'soon'".into(),
                ));
            }
        };
        // Only what is still waiting on us has a deadline to miss.
        filter = filter
            .add(tickets::Column::Status.is_in([TicketStatus::New, TicketStatus::InProgress]))
            .add(tickets::Column::DueAt.lte(before));
    }
    match non_empty(&query.assigned) {
        None => {}
        Some("me") => filter = filter.add(tickets::Column::AssignedOfficerId.eq(officer.id)),
        Some("none") => filter = filter.add(tickets::Column::AssignedOfficerId.is_null()),
        Some(_) => {
            return Err(ApiError::BadRequest(
                "assigned must be 'me' or 'none'".into(),
            ));
        }
    }
    let by_urgency = match non_empty(&query.sort) {
        None | Some("newest") => false,
        Some("urgency") => true,
        Some(_) => {
            return Err(ApiError::BadRequest(
                "sort must be 'newest' or 'urgency'".into(),
            ));
        }
    };
    let page = query.page.unwrap_or(1).max(1);
    if page > MAX_PAGE {
        return Err(ApiError::BadRequest(format!("page is at most {MAX_PAGE}")));
    }
    let select = tickets::Entity::find().filter(filter);
    let select = if by_urgency {
        // Open work first (finished tickets keep their old deadlines), then urgent, then the nearest deadline
        // (none last). Written as the index on these expressions has them (migration 12), so that a page is
        // read in order from it instead of sorting the whole queue.
        select
            .order_by(Expr::cust(OPEN), Order::Desc)
            .order_by_desc(tickets::Column::Urgent)
            .order_by_asc(tickets::Column::DueAt.is_null())
            .order_by_asc(tickets::Column::DueAt)
    } else {
        select
    };
    let select = select
        .order_by_desc(tickets::Column::CreatedAt)
        .order_by_desc(tickets::Column::Id);
    // Counted at least through the next page, so that a page past the cap still links to the one after it.
    let count_cap = count_cap.max((page + 1) * PAGE_SIZE);
    let offset = (page - 1) * PAGE_SIZE;
    let (rows, total, total_capped) = if searched_many {
        // Each match is found by reading its text: one pass finds the page and counts, the ids of the matches
        // through the cap in the queue's order.
        let ids = select
            .select_only()
            .column(tickets::Column::Id)
            .limit(count_cap + 1)
            .into_tuple::<i32>();
        let ids: Vec<i32> = if state.db.backend() == DbBackend::Postgres {
            // PostgreSQL takes `LIKE '% ...%'` for rare and would read the whole table to sort what it finds;
            // the text index said the matches are many, so the queue's order is read from its index.
            let txn = sea_orm::TransactionTrait::begin(&state.db.read).await?;
            txn.execute_unprepared(
                "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off; \
                 SET LOCAL max_parallel_workers_per_gather = 0",
            )
            .await?;
            let ids = ids.all(&txn).await?;
            txn.commit().await?;
            ids
        } else {
            ids.all(&state.db.read).await?
        };
        let found = ids.len() as u64;
        let on_page: Vec<i32> = ids
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(PAGE_SIZE as usize)
            .collect();
        let mut rows = tickets::Entity::find()
            .filter(tickets::Column::Id.is_in(on_page.clone()))
            .all(&state.db.read)
            .await?;
        rows.sort_by_key(|t| on_page.iter().position(|id| *id == t.id));
        (rows, found.min(count_cap), found > count_cap)
    } else {
        let (total, capped) = capped_count(state, &select, count_cap).await?;
        let rows = select
            .offset(offset)
            .limit(PAGE_SIZE)
            .all(&state.db.read)
            .await?;
        (rows, total, capped)
    };
    let mut not_reached = not_reached(state, &rows).await?;
    let names: HashMap<i32, String> = contacts::Entity::find()
        .filter(contacts::Column::Id.is_in(rows.iter().map(|t| t.contact_id)))
        .all(&state.db.read)
        .await?
        .into_iter()
        .filter_map(|c| Some((c.id, c.display_name?)))
        .collect();
    let items = rows
        .into_iter()
        .map(|t| TicketSummary {
            not_reached: not_reached.remove(&t.id),
            reopened_low_score: t.reopened_low_score,
            id: t.id,
            tracking_code: TrackingCode::display(&t.tracking_code),
            status: t.status,
            channel: t.channel,
            unit: unit_ref(state, t.unit_code.as_deref()),
            summary: t.summary,
            topic: t.topic,
            legal_track: t.legal_track,
            urgent: t.urgent,
            officer_conduct: t.officer_conduct,
            assigned_officer_id: t.assigned_officer_id,
            citizen_name: names.get(&t.contact_id).cloned(),
            created_at: t.created_at,
            last_activity_at: t.last_activity_at,
            due_at: t.due_at,
        })
        .collect();
    Ok(TicketPage {
        items,
        total,
        total_capped,
        page,
        page_size: PAGE_SIZE,
    })
}

/// A ticket is open (waiting on us): as the indexes of migration 12 spell it, literally, since an index on an
/// expression or with a condition serves only a query that says the same.
pub const OPEN: &str = "\"tickets\".\"status\" IN ('new', 'in_progress')";

/// How many tickets `select` finds, counted up to `cap` (and whether it stopped there): counting a whole
/// province's million reads a million index entries for a number nobody pages through.
async fn capped_count(
    state: &AppState,
    select: &sea_orm::Select<tickets::Entity>,
    cap: u64,
) -> Result<(u64, bool), ApiError> {
    let found = select
        .clone()
        .select_only()
        .expr(Expr::val(1))
        .limit(cap + 1)
        .into_query();
    let count = sea_orm::sea_query::Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from_subquery(found, "found")
        .to_owned();
    let n = match state.db.read.query_one(&count).await? {
        Some(row) => u64::try_from(row.try_get::<i64>("", "n")?).unwrap_or_default(),
        None => 0,
    };
    Ok((n.min(cap), n > cap))
}

/// The ticket with tracking code `code`, or whose folded text holds `words` in this order, the last one possibly
/// cut short ("dang ky tam tr"); and whether they are many. The words are letters and digits only
/// (`domain::search_terms`), so they cannot change the query's syntax.
///
/// Two ways, chosen by how many tickets the full-text index finds (it is asked for at most `FEW` + 1):
/// - a few (a name, a rare word, a tracking code): their ids, which the queue's query then filters and orders;
/// - many (a third of a province writes "dang ky"): the queue read in its order from its index, each ticket's
///   folded text checked as it comes (`LIKE '% dang ky%'` on " " + the words: the same match), stopping at the
///   page. Listing and sorting a province's hundreds of thousands of matches would take seconds.
async fn search(
    state: &AppState,
    code: Option<&TrackingCode>,
    words: &[String],
) -> Result<(SimpleExpr, bool), ApiError> {
    const FEW: usize = 2_000;
    let db = &state.db.read;
    let backend = state.db.backend();
    let mut ids: Vec<i32> = match code {
        Some(code) => {
            tickets::Entity::find()
                .select_only()
                .column(tickets::Column::Id)
                .filter(tickets::Column::TrackingCode.eq(code.as_str()))
                .into_tuple()
                .all(db)
                .await?
        }
        None => Vec::new(),
    };
    // PostgreSQL's GIN index lists every match before it returns one (a third of a province: 70 ms); its
    // statistics say how many there are without reading them.
    let many_estimated = backend == DbBackend::Postgres
        && !words.is_empty()
        && estimated_matches(state, words).await? > FEW as f64;
    if !words.is_empty() {
        let limit = (FEW as i64 + 1).into();
        let found = match backend {
            DbBackend::Postgres => sea_orm::Statement::from_sql_and_values(
                backend,
                "SELECT id FROM tickets \
                 WHERE to_tsvector('simple', coalesce(search_text, '')) @@ to_tsquery('simple', $1) LIMIT $2",
                [format!("{}:*", words.join(" <-> ")).into(), limit],
            ),
            _ => sea_orm::Statement::from_sql_and_values(
                backend,
                "SELECT rowid AS id FROM tickets_fts WHERE tickets_fts MATCH ? LIMIT ?",
                [format!("\"{}\"*", words.join(" ")).into(), limit],
            ),
        };
        let found = if many_estimated {
            Vec::new()
        } else {
            db.query_all_raw(found).await?
        };
        if many_estimated || found.len() > FEW {
            // `search_text` is the folded words joined by single spaces.
            let pattern = format!("% {}%", words.join(" "));
            let placeholder = if backend == DbBackend::Postgres {
                "$1"
            } else {
                "?"
            };
            let scanned = Expr::cust_with_values(
                format!("(' ' || \"tickets\".\"search_text\") LIKE {placeholder}"),
                [pattern],
            );
            let by_code = tickets::Column::Id.is_in(ids);
            return Ok((Condition::any().add(by_code).add(scanned).into(), true));
        }
        for row in found {
            ids.push(row.try_get::<i32>("", "id")?);
        }
    }
    Ok((tickets::Column::Id.is_in(ids), false))
}

/// How many tickets PostgreSQL's planner expects to match `words` (`search`), from the text index's statistics.
async fn estimated_matches(state: &AppState, words: &[String]) -> Result<f64, ApiError> {
    let plan = state
        .db
        .read
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM tickets \
             WHERE to_tsvector('simple', coalesce(search_text, '')) @@ to_tsquery('simple', $1)",
            [format!("{}:*", words.join(" <-> ")).into()],
        ))
        .await?;
    let plan: Option<Value> = match plan {
        Some(row) => row.try_get("", "QUERY PLAN")?,
        None => None,
    };
    Ok(plan
        .and_then(|p| p[0]["Plan"]["Plan Rows"].as_f64())
        .unwrap_or_default())
}

/// The tickets of a page whose latest reply from an officer could not be delivered, with the reason and the
/// phone number the citizen gave (if any): someone should call.
async fn not_reached(
    state: &AppState,
    rows: &[tickets::Model],
) -> Result<HashMap<i32, NotReached>, ApiError> {
    let ids: Vec<i32> = rows.iter().map(|t| t.id).collect();
    let mut latest: HashMap<i32, outbox::Model> = HashMap::new();
    for reply in outbox::Entity::find()
        .filter(outbox::Column::TicketId.is_in(ids))
        .filter(outbox::Column::Purpose.eq(Purpose::OfficerReply))
        .order_by_asc(outbox::Column::Id)
        .all(&state.db.read)
        .await?
    {
        latest.insert(reply.ticket_id, reply);
    }
    let unreached: Vec<(&tickets::Model, outbox::Model)> = rows
        .iter()
        .filter_map(|t| Some((t, latest.remove(&t.id)?)))
        .filter(|(_, reply)| reply.state == OutboxState::Undeliverable)
        .collect();
    if unreached.is_empty() {
        return Ok(HashMap::new());
    }
    let phones: HashMap<i32, String> = contact_identities::Entity::find()
        .filter(
            contact_identities::Column::Id
                .is_in(unreached.iter().map(|(t, _)| t.contact_identity_id)),
        )
        .all(&state.db.read)
        .await?
        .into_iter()
        .filter_map(|identity| Some((identity.id, identity.phone?)))
        .collect();
    Ok(unreached
        .into_iter()
        .map(|(ticket, reply)| {
            (
                ticket.id,
                NotReached {
                    reason: reply.last_error,
                    phone: phones.get(&ticket.contact_identity_id).cloned(),
                },
            )
        })
        .collect())
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
        .filter(|t| officer.can_see_ticket(t))
        .ok_or(ApiError::NotFound)
}

/// Starts the write transaction of a change to ticket `id`: the ticket read again and locked (PostgreSQL; SQLite's
/// write transactions already take turns), and 404 if the officer may no longer see it (moved meanwhile). What an
/// action checks is then what holds when it commits: two officers acting at once take turns.
pub async fn change_ticket(
    state: &AppState,
    officer: &Officer,
    id: i32,
) -> Result<(DatabaseTransaction, tickets::Model), ApiError> {
    let txn = state.db.begin_write().await?;
    let ticket = tickets::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&txn)
        .await?
        .filter(|t| officer.can_see_ticket(t))
        .ok_or(ApiError::NotFound)?;
    Ok((txn, ticket))
}

/// One ticket's whole story: the conversation across channels with each reply's delivery, the routing with its
/// reasons and corrections, the notifications (acknowledgements) and the history.
#[derive(Serialize, ToSchema)]
pub struct TicketDetail {
    pub id: i32,
    pub tracking_code: String,
    pub status: TicketStatus,
    pub channel: Channel,
    pub unit: Option<UnitRef>,
    /// What routing proposed when it was not sure enough to decide.
    pub suggested_unit: Option<UnitRef>,
    /// The unit the citizen chose on the form.
    pub submitted_unit: Option<UnitRef>,
    pub summary: String,
    pub language: Option<String>,
    pub topic: Option<String>,
    pub legal_track: Option<String>,
    /// The classifier's output as stored.
    pub classification: Option<Value>,
    pub urgent: bool,
    pub officer_conduct: bool,
    pub location: Option<Point>,
    pub contact: Option<ContactView>,
    pub created_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// Null: the track's first clock; `resolution`: complaints and denunciations once taken on.
    pub due_stage: Option<String>,
    /// When an officer last set the deadline (taking the case on, prolonging it); null: set at receipt.
    pub due_set_at: Option<DateTime<Utc>>,
    /// How many times the resolution's deadline was prolonged.
    pub extensions: i32,
    pub resolved_at: Option<DateTime<Utc>>,
    /// This ticket was a duplicate, merged into that one.
    pub merged_into_id: Option<i32>,
    /// Duplicates merged into this ticket.
    pub merged_from: Vec<i32>,
    pub routing: RoutingView,
    pub assigned_officer_id: Option<i32>,
    /// Whether an officer's reply can reach the citizen on their channel now, and until when.
    pub reply_window: ReplyWindow,
    pub conversation: Vec<MessageView>,
    /// Officers' internal notes: never sent to the citizen.
    pub notes: Vec<NoteView>,
    /// Messages sent that are not conversation entries (acknowledgements), with their delivery.
    pub notifications: Vec<DeliveryView>,
    pub history: Vec<HistoryEntry>,
    /// Reopened after a low satisfaction score (1-2) or "not solved"; cleared when resolved again.
    pub reopened_low_score: bool,
    /// The first reply an officer wrote (automatic messages do not count).
    pub first_reply_at: Option<DateTime<Utc>>,
    /// The satisfaction surveys asked, oldest first (at most two).
    pub surveys: Vec<SurveyView>,
}

/// A satisfaction survey as officers see it: never its link, which is the citizen's to answer.
#[derive(Serialize, ToSchema)]
pub struct SurveyView {
    pub round: i16,
    /// `five` or `three`.
    pub scale: String,
    pub sent_at: DateTime<Utc>,
    /// How the question went: `zalo_cs`, `messenger`, `email`, or `link` (the tracking page only).
    pub asked_via: Option<String>,
    /// Null, `sent`, `skipped` (the window had closed) or `not_needed`.
    pub reminder: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// 1-5 (the three-level scale as 5 / 4 / 2).
    pub score: Option<i16>,
    pub solved: Option<bool>,
    pub comment: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct NoteView {
    pub id: i32,
    pub officer_id: i32,
    pub text: String,
    pub at: DateTime<Utc>,
}

impl From<ticket_notes::Model> for NoteView {
    fn from(note: ticket_notes::Model) -> NoteView {
        NoteView {
            id: note.id,
            officer_id: note.officer_id,
            text: note.body,
            at: note.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReplyWindow {
    /// A reply would go out on the citizen's channel (or, for the web form, onto the tracking page).
    pub open: bool,
    /// When the channel's window closes, if it is open and has one.
    pub until: Option<DateTime<Utc>>,
    /// Why it is closed.
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ContactView {
    pub id: i32,
    pub name: Option<String>,
    pub verified_phone: Option<String>,
    /// An earlier contact who typed the same phone number on the form: maybe the same person, not verified.
    pub possibly_same_as: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct RoutingView {
    pub confidence: Option<f64>,
    /// The router's reasons as stored.
    pub reasons: Option<Value>,
    /// The automatic decision, then each officer's correction.
    pub decisions: Vec<DecisionView>,
}

#[derive(Serialize, ToSchema)]
pub struct DecisionView {
    pub unit: Option<UnitRef>,
    pub confidence: f64,
    pub reasons: Option<Value>,
    /// `auto` or `officer`.
    pub decided_by: String,
    pub officer_id: Option<i32>,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageView {
    pub id: i32,
    pub direction: Direction,
    pub channel: Channel,
    pub text: String,
    /// The text as sent, where it was edited or cleaned.
    pub original_text: Option<String>,
    /// Its photos, voice messages, videos and files, and whether phananh keeps each.
    pub attachments: Vec<AttachmentView>,
    /// The platform's attachment list as received (locations, quick replies, postbacks, links included).
    pub platform_attachments: Option<Value>,
    pub location: Option<Point>,
    pub language: Option<String>,
    /// Shown on the citizen's tracking page.
    pub public: bool,
    pub removed: bool,
    pub hidden: bool,
    pub edited_at: Option<DateTime<Utc>>,
    pub officer_id: Option<i32>,
    /// Ours only: how far the reply got.
    pub delivery: Option<DeliveryView>,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    pub kind: String,
    /// Why it was sent: `acknowledgement`, `officer_reply` or `survey`.
    #[schema(value_type = String)]
    pub purpose: crate::domain::Purpose,
    pub state: OutboxState,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryEntry {
    /// `ticket_created`, `ticket_routed`, `ticket_classified`, ...
    pub action: String,
    pub officer_id: Option<i32>,
    pub detail: Option<Value>,
    pub at: DateTime<Utc>,
}

#[utoipa::path(
    get,
    path = "/api/v1/tickets/{id}",
    tag = "inbox",
    params(("id" = i32, Path, description = "The ticket's id")),
    security(("session" = [])),
    responses(
        (status = 200, description = "The ticket", body = TicketDetail),
        (status = 401, description = "Not logged in", body = ErrorBody),
        (status = 404, description = "No such ticket, or another unit's", body = ErrorBody),
        (status = 503, description = "The database is unavailable for a moment", body = ErrorBody),
    )
)]
pub async fn detail(
    officer: Officer,
    state: web::Data<AppState>,
    id: web::Path<i32>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(load(&state, &officer, id.into_inner()).await?))
}

/// Ticket `id` as the officer may see it, whole (the API and the inbox page).
pub async fn load(state: &AppState, officer: &Officer, id: i32) -> Result<TicketDetail, ApiError> {
    detail_of(state, visible_ticket(state, officer, id).await?).await
}

/// The whole story of a ticket the caller has already found visible.
pub async fn detail_of(state: &AppState, ticket: tickets::Model) -> Result<TicketDetail, ApiError> {
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
    let reply_window = {
        let facts = reach::facts_of(db, &ticket).await?;
        let now = Utc::now();
        let human_agent_tag = state.settings.facebook.human_agent_tag;
        match reach::route(&facts, Purpose::OfficerReply, human_agent_tag, now) {
            Ok(_) | Err(Unreachable::WebForm) => ReplyWindow {
                open: true,
                until: reach::open_until(&facts, Purpose::OfficerReply, human_agent_tag, now),
                reason: None,
            },
            Err(Unreachable::WindowClosed(reason)) => ReplyWindow {
                open: false,
                until: None,
                reason: Some(reason),
            },
        }
    };
    let merged_from: Vec<i32> = tickets::Entity::find()
        .select_only()
        .column(tickets::Column::Id)
        .filter(tickets::Column::MergedIntoId.eq(ticket.id))
        .into_tuple()
        .all(db)
        .await?;
    let notes = ticket_notes::Entity::find()
        .filter(ticket_notes::Column::TicketId.eq(ticket.id))
        .order_by_asc(ticket_notes::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(NoteView::from)
        .collect();

    let mut attachments = attachment_views::of_ticket(db, ticket.id).await?;
    let conversation = messages
        .into_iter()
        .map(|m| {
            let delivery = deliveries.iter().find(|d| d.message_id == Some(m.id));
            let files = attachments.remove(&m.id).unwrap_or_default();
            message_view(m, delivery, files)
        })
        .collect();
    let decisions = decisions
        .into_iter()
        .map(|d| DecisionView {
            unit: unit_ref(state, d.unit_code.as_deref()),
            confidence: d.confidence,
            reasons: parse_json(Some(&d.reasons)),
            decided_by: d.decided_by,
            officer_id: d.officer_id,
            at: d.created_at,
        })
        .collect();
    // The ticket's creation is its row (tickets opened before this was so also have an audit entry for it).
    let created = (!history.iter().any(|a| a.action == "ticket_created")).then(|| HistoryEntry {
        action: "ticket_created".into(),
        officer_id: None,
        detail: Some(json!({"channel": ticket.channel})),
        at: ticket.created_at,
    });
    let history = created
        .into_iter()
        .chain(history.into_iter().map(|a| HistoryEntry {
            detail: parse_json(a.detail.as_deref()),
            action: a.action,
            officer_id: a.officer_id,
            at: a.created_at,
        }))
        .collect();
    let surveys = crate::satisfaction::surveys_of(db, ticket.id)
        .await?
        .into_iter()
        .map(|s| SurveyView {
            round: s.round,
            scale: s.scale,
            sent_at: s.sent_at,
            asked_via: s.asked_via,
            reminder: s.reminder,
            expires_at: s.expires_at,
            score: s.score,
            solved: s.solved,
            comment: s.comment,
            answered_at: s.answered_at,
        })
        .collect();
    // Messages not tied to a conversation entry (acknowledgements) still show their delivery state.
    let notifications = deliveries
        .iter()
        .filter(|d| d.message_id.is_none())
        .map(delivery_view)
        .collect();

    Ok(TicketDetail {
        id: ticket.id,
        tracking_code: TrackingCode::display(&ticket.tracking_code),
        status: ticket.status,
        channel: ticket.channel,
        unit: unit_ref(state, ticket.unit_code.as_deref()),
        suggested_unit: unit_ref(state, ticket.suggested_unit_code.as_deref()),
        submitted_unit: unit_ref(state, ticket.submitted_unit_code.as_deref()),
        summary: ticket.summary,
        language: ticket.language,
        topic: ticket.topic,
        legal_track: ticket.legal_track,
        classification: parse_json(ticket.classification.as_deref()),
        urgent: ticket.urgent,
        officer_conduct: ticket.officer_conduct,
        location: Point::of(ticket.lat, ticket.lon),
        contact: contact.map(|c| ContactView {
            id: c.id,
            name: c.display_name,
            verified_phone: c.verified_phone,
            possibly_same_as: c.possibly_same_as,
        }),
        created_at: ticket.created_at,
        due_at: ticket.due_at,
        due_stage: ticket.due_stage,
        due_set_at: ticket.due_set_at,
        extensions: ticket.extensions,
        resolved_at: ticket.resolved_at,
        merged_into_id: ticket.merged_into_id,
        merged_from,
        routing: RoutingView {
            confidence: ticket.routing_confidence,
            reasons: parse_json(ticket.routing_reasons.as_deref()),
            decisions,
        },
        assigned_officer_id: ticket.assigned_officer_id,
        reply_window,
        conversation,
        notes,
        notifications,
        history,
        reopened_low_score: ticket.reopened_low_score,
        first_reply_at: ticket.first_reply_at,
        surveys,
    })
}

pub fn message_view(
    m: ticket_messages::Model,
    delivery: Option<&outbox::Model>,
    attachments: Vec<AttachmentView>,
) -> MessageView {
    MessageView {
        id: m.id,
        direction: m.direction,
        channel: m.channel,
        attachments,
        platform_attachments: parse_json(m.attachments.as_deref()),
        location: Point::of(m.lat, m.lon),
        text: m.body,
        original_text: m.original_body,
        language: m.language,
        public: m.public,
        removed: m.removed,
        hidden: m.hidden,
        edited_at: m.edited_at,
        officer_id: m.officer_id,
        delivery: delivery.map(delivery_view),
        at: m.created_at,
    }
}

pub fn unit_ref(state: &AppState, code: Option<&str>) -> Option<UnitRef> {
    code.map(|code| UnitRef {
        code: code.to_owned(),
        name: state.gazetteer.unit(code).map(|unit| unit.name.clone()),
    })
}

fn delivery_view(d: &outbox::Model) -> DeliveryView {
    DeliveryView {
        kind: d.kind.clone(),
        purpose: d.purpose,
        state: d.state,
        attempts: d.attempts,
        last_error: d.last_error.clone(),
        sent_at: d.sent_at,
        delivered_at: d.delivered_at,
        read_at: d.read_at,
    }
}

fn parse_json(text: Option<&str>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}
