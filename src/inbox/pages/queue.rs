//! `GET /inbox`: the queue. Counts that are links on top, filters as chips, search with or without diacritics (a
//! tracking code opens its ticket), rows sorted by urgency and deadline, paging.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use sea_orm::sea_query::{Expr, Func, SimpleExpr};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};

use entity::{officers, ticket_viewers, tickets};

use super::{
    PageContext, ago, deadline_chip, local, officer_or_login, scope_name, see_other,
    units_in_scope, word,
};
use crate::domain::{TicketStatus, TrackingCode, UnitCode};
use crate::inbox::session::Officer;
use crate::inbox::tickets::{ListQuery, OPEN, queue};
use crate::web::{ApiError, AppState};

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    query: web::Query<ListQuery>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    let officer = match officer_or_login(&req, &page, &state, officer) {
        Ok(officer) => officer,
        Err(response) => return *response,
    };
    let mut query = query.into_inner();
    if query.sort.as_deref().is_none_or(str::is_empty) {
        query.sort = Some("urgency".into());
    }
    match render(&req, &page, &state, &officer, query).await {
        Ok(response) => response,
        Err(err) => page.error(&state, Some(&officer), err),
    }
}

async fn render(
    req: &HttpRequest,
    page: &PageContext,
    state: &AppState,
    officer: &Officer,
    query: ListQuery,
) -> Result<HttpResponse, ApiError> {
    let lang = page.lang;
    let scope_unit = if officer.sees_all() {
        query.unit_code.as_deref().and_then(UnitCode::parse)
    } else {
        officer.unit_code.clone()
    };
    // The page and the counts strip read side by side, on two of the pool's connections.
    let (result, counts) = tokio::try_join!(
        queue(state, officer, &query),
        counts(state, officer, scope_unit.as_ref())
    )?;
    // A tracking code typed in the search box opens its ticket.
    if let Some(code) = query.q.as_deref().and_then(TrackingCode::parse)
        && let [only] = result.items.as_slice()
        && only.tracking_code == TrackingCode::display(code.as_str())
    {
        return Ok(see_other(&format!("/inbox/tickets/{}", only.id)));
    }
    let now = Utc::now();
    let soon_until = state.intake.deadlines.calendar().add_working_days(now, 2);
    let holders: Vec<i32> = result
        .items
        .iter()
        .filter_map(|t| t.assigned_officer_id)
        .collect();
    let names: HashMap<i32, String> = officers::Entity::find()
        .filter(officers::Column::Id.is_in(holders))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|o| (o.id, o.username))
        .collect();
    // Unread: something happened since this officer last opened the ticket (or never opened it).
    let seen: HashMap<i32, chrono::DateTime<Utc>> = ticket_viewers::Entity::find()
        .filter(ticket_viewers::Column::OfficerId.eq(officer.id))
        .filter(ticket_viewers::Column::TicketId.is_in(result.items.iter().map(|t| t.id)))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|v| (v.ticket_id, v.seen_at))
        .collect();
    let rows: Vec<Value> = result
        .items
        .iter()
        .map(|t| {
            let open = matches!(t.status, TicketStatus::New | TicketStatus::InProgress);
            json!({
                "id": t.id,
                "tracking_code": t.tracking_code,
                "status": t.status.as_str(),
                "status_label": word(lang, &format!("status_{}", t.status.as_str())),
                "channel": t.channel.as_str(),
                "channel_label": word(lang, &format!("channel_{}", t.channel.as_str())),
                "citizen": t.citizen_name.clone().unwrap_or_else(|| word(lang, "anonymous").to_owned()),
                "summary": t.summary,
                "unit": t.unit.as_ref().and_then(|u| u.name.clone()),
                "track": t.legal_track.as_deref().map(|track| word(lang, &format!("track_{track}"))),
                "urgent": t.urgent,
                "conduct": t.officer_conduct,
                "deadline": deadline_chip(lang, t.due_at, open, now, soon_until),
                "assignee": t.assigned_officer_id.and_then(|id| names.get(&id).cloned()),
                "not_reached": t.not_reached.as_ref().map(|n| json!({"reason": n.reason, "phone": n.phone})),
                "reopened_low_score": t.reopened_low_score,
                "unread": seen.get(&t.id).is_none_or(|at| *at < t.last_activity_at),
                "received": local(t.created_at),
                "activity_ago": ago(lang, t.last_activity_at, now),
            })
        })
        .collect();
    let pages = result.total.div_ceil(result.page_size).max(1);
    let link = |changes: &[(&str, Option<String>)]| link_with(req, changes);
    let filters = [
        ("status", query.status.as_deref()),
        ("channel", query.channel.as_deref()),
        ("legal_track", query.legal_track.as_deref()),
        ("due", query.due.as_deref()),
        ("assigned", query.assigned.as_deref()),
        ("queue", query.queue.as_deref()),
    ];
    let active = filters
        .iter()
        .any(|(_, v)| v.is_some_and(|v| !v.is_empty()))
        || query.urgent.is_some()
        || query.q.as_deref().is_some_and(|q| !q.trim().is_empty());
    let empty_key = if query.q.as_deref().is_some_and(|q| !q.trim().is_empty()) {
        "empty_search"
    } else if query.due.as_deref() == Some("overdue") {
        "empty_overdue"
    } else {
        "empty_queue"
    };
    let units: Vec<Value> = if officer.sees_all() {
        units_in_scope(state, officer)
    } else {
        Vec::new()
    };
    let chip = |key: &str, value: &str, label: &str| {
        let current = filters
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| *v)
            .unwrap_or_default();
        let on = current == value;
        json!({
            "label": label,
            "on": on,
            "href": link(&[(key, (!on).then(|| value.to_owned())), ("page", None)]),
        })
    };
    let mut chips = vec![
        chip("status", "new", word(lang, "status_new")),
        chip("status", "in_progress", word(lang, "status_in_progress")),
        chip("due", "overdue", word(lang, "overdue")),
        chip("due", "soon", word(lang, "due_soon")),
        chip("assigned", "me", word(lang, "assigned_me")),
        chip("assigned", "none", word(lang, "unassigned")),
    ];
    let urgent_on = query.urgent == Some(true);
    chips.push(json!({
        "label": word(lang, "urgent"),
        "on": urgent_on,
        "href": link(&[("urgent", (!urgent_on).then(|| "true".to_owned())), ("page", None)]),
    }));
    // Channel and legal track fold away on a phone: the rows come first.
    let mut more_chips = Vec::new();
    for channel in ["zalo", "facebook", "form"] {
        more_chips.push(chip(
            "channel",
            channel,
            word(lang, &format!("channel_{channel}")),
        ));
    }
    for track in [
        "feedback",
        "citizen_request",
        "complaint",
        "denunciation",
        "crime_report",
    ] {
        more_chips.push(chip(
            "legal_track",
            track,
            word(lang, &format!("track_{track}")),
        ));
    }
    let mut strip = vec![
        count_link(
            lang,
            "status_new",
            counts.new,
            link(&[
                ("status", Some("new".into())),
                ("due", None),
                ("assigned", None),
                ("queue", None),
                ("page", None),
            ]),
        ),
        count_link(
            lang,
            "status_in_progress",
            counts.in_progress,
            link(&[
                ("status", Some("in_progress".into())),
                ("due", None),
                ("assigned", None),
                ("queue", None),
                ("page", None),
            ]),
        ),
        count_link(
            lang,
            "overdue",
            counts.overdue,
            link(&[
                ("due", Some("overdue".into())),
                ("status", None),
                ("assigned", None),
                ("queue", None),
                ("page", None),
            ]),
        ),
        count_link(
            lang,
            "due_soon",
            counts.soon,
            link(&[
                ("due", Some("soon".into())),
                ("status", None),
                ("assigned", None),
                ("queue", None),
                ("page", None),
            ]),
        ),
        count_link(
            lang,
            "assigned_me",
            counts.mine,
            link(&[
                ("assigned", Some("me".into())),
                ("status", None),
                ("due", None),
                ("queue", None),
                ("page", None),
            ]),
        ),
    ];
    if officer.sees_all() {
        strip.push(count_link(
            lang,
            "triage",
            counts.triage,
            link(&[
                ("queue", Some("triage".into())),
                ("unit_code", None),
                ("status", None),
                ("due", None),
                ("assigned", None),
                ("page", None),
            ]),
        ));
        strip.push(count_link(
            lang,
            "conduct",
            counts.conduct,
            link(&[
                ("queue", Some("conduct".into())),
                ("status", None),
                ("due", None),
                ("assigned", None),
                ("page", None),
            ]),
        ));
    }
    let heading = match (&scope_unit, query.queue.as_deref()) {
        (_, Some("triage")) => word(lang, "triage").to_owned(),
        (_, Some("conduct")) => word(lang, "conduct").to_owned(),
        (Some(code), _) => state
            .gazetteer
            .unit(code.as_str())
            .map_or_else(|| code.as_str().to_owned(), |u| u.name.clone()),
        (None, _) => format!("{}: {}", word(lang, "province"), scope_name(state, officer)),
    };
    let values = page.values(
        Some(officer),
        state,
        json!({
            "heading": heading,
            "rows": rows,
            // A count stopped at its cap says so: "10000+".
            "total": if result.total_capped { format!("{}+", result.total) } else { result.total.to_string() },
            "page": result.page,
            "pages": pages,
            "prev": (result.page > 1).then(|| link(&[("page", Some((result.page - 1).to_string()))])),
            "next": (result.page < pages).then(|| link(&[("page", Some((result.page + 1).to_string()))])),
            "strip": strip,
            "more_on": more_chips.iter().any(|c| c["on"] == true),
            "chips": chips,
            "more_chips": more_chips,
            "clear": active.then(|| "/inbox".to_owned()),
            "q": query.q.clone().unwrap_or_default(),
            "unit_code": query.unit_code.clone().unwrap_or_default(),
            "units": units,
            "hidden": hidden_fields(&query),
            "empty": word(lang, empty_key),
        }),
    );
    Ok(page.render(state, StatusCode::OK, "inbox_queue.html", values))
}

fn count_link(lang: crate::i18n::Lang, key: &str, count: u64, href: String) -> Value {
    json!({"label": word(lang, key), "count": count, "href": href, "key": key})
}

/// The filters to keep when the search box or the unit picker is submitted.
fn hidden_fields(query: &ListQuery) -> Vec<Value> {
    [
        ("status", query.status.clone()),
        ("channel", query.channel.clone()),
        ("legal_track", query.legal_track.clone()),
        ("due", query.due.clone()),
        ("assigned", query.assigned.clone()),
        ("queue", query.queue.clone()),
        ("urgent", query.urgent.map(|u| u.to_string())),
    ]
    .into_iter()
    .filter_map(|(name, value)| {
        Some(json!({"name": name, "value": value.filter(|v| !v.is_empty())?}))
    })
    .collect()
}

/// This page's address with some parameters changed (`None` removes one).
fn link_with(req: &HttpRequest, changes: &[(&str, Option<String>)]) -> String {
    let mut pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(req.query_string().as_bytes())
            .into_owned()
            .filter(|(k, v)| k != "lang" && !v.is_empty() && !changes.iter().any(|(c, _)| c == k))
            .collect();
    for (key, value) in changes {
        if let Some(value) = value {
            pairs.push(((*key).to_owned(), value.clone()));
        }
    }
    if pairs.is_empty() {
        return "/inbox".into();
    }
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("/inbox?{query}")
}

#[derive(Default)]
struct Counts {
    new: u64,
    in_progress: u64,
    overdue: u64,
    soon: u64,
    mine: u64,
    triage: u64,
    conduct: u64,
}

/// What waits, in the officer's scope: their unit, the unit a supervisor picked, or the province (theirs, or every
/// one served). One pass over the scope's open tickets (and one over the unrouted), each read from an index of open
/// tickets alone (migrations 12 and 19), never from the table: a province's hundred thousand open tickets cost a
/// few milliseconds.
async fn counts(
    state: &AppState,
    officer: &Officer,
    unit: Option<&UnitCode>,
) -> Result<Counts, ApiError> {
    let db = &state.db.read;
    let now = Utc::now();
    let soon = state.intake.deadlines.calendar().add_working_days(now, 2);
    // COUNT(CASE WHEN ... THEN 1 END): the rows for which it holds.
    let tally = |condition: SimpleExpr| Func::count(Expr::case(condition, 1));
    let mut select = tickets::Entity::find()
        .select_only()
        .expr(tally(tickets::Column::Status.eq(TicketStatus::New)))
        .expr(tally(tickets::Column::Status.eq(TicketStatus::InProgress)))
        .expr(tally(tickets::Column::DueAt.lte(now)))
        .expr(tally(tickets::Column::DueAt.lte(soon)))
        .expr(tally(tickets::Column::AssignedOfficerId.eq(officer.id)))
        .expr(tally(tickets::Column::OfficerConduct.eq(true)))
        .filter(Expr::cust(OPEN));
    if let Some(code) = unit {
        select = select.filter(tickets::Column::UnitCode.eq(code.as_str()));
    }
    let province = officer.province();
    if let Some(province) = province {
        select = select.filter(tickets::Column::ProvinceCode.eq(province));
    }
    let (new, in_progress, overdue, soon, mine, conduct): (i64, i64, i64, i64, i64, i64) =
        select.into_tuple().one(db).await?.unwrap_or_default();
    let n = |count: i64| u64::try_from(count).unwrap_or_default();
    let mut counts = Counts {
        new: n(new),
        in_progress: n(in_progress),
        overdue: n(overdue),
        soon: n(soon),
        mine: n(mine),
        ..Counts::default()
    };
    if officer.sees_all() {
        let mut triage = tickets::Entity::find()
            .filter(Expr::cust(OPEN))
            .filter(tickets::Column::UnitCode.is_null());
        if let Some(province) = province {
            triage = triage.filter(tickets::Column::ProvinceCode.eq(province));
        }
        counts.triage = triage.count(db).await?;
        counts.conduct = n(conduct);
    }
    Ok(counts)
}
