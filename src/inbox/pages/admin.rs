//! The admins' pages: officers (add, disable, enable, new password, move to another unit, limit to a province),
//! canned replies, and the audit log. Each form carries a CSRF token, acts through the same functions as
//! `phananh officer ...`, and is in the audit log with the admin who did it. Anyone else gets 403. An admin with a
//! province sees and manages that province's officers, and its part of the audit log.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;
use serde_json::{Value, json};

use entity::{audit_log, officers, tickets};

use super::{PageContext, explain, local, officer_or_login, see_other, units_in_scope, word};
use crate::inbox::admin::{list, reset_password, set_active, set_province, set_unit};
use crate::inbox::canned::{self, Draft};
use crate::inbox::officers::{NewOfficer, OfficerError, Role, add_officer_as};
use crate::inbox::session::Officer;
use crate::routing::Topic;
use crate::web::{ApiError, AppState};

const AUDIT_PAGE: u64 = 100;

/// The admin of the session, or the page to answer instead (login, 403).
fn admin_or(
    req: &HttpRequest,
    page: &PageContext,
    state: &AppState,
    officer: Result<Officer, ApiError>,
) -> Result<Officer, Box<HttpResponse>> {
    let officer = officer_or_login(req, page, state, officer)?;
    if officer.role != Role::Admin {
        let values = page.values(
            Some(&officer),
            state,
            json!({"message": word(page.lang, "admins_only")}),
        );
        return Err(Box::new(page.render(
            state,
            StatusCode::FORBIDDEN,
            "inbox_message.html",
            values,
        )));
    }
    Ok(officer)
}

#[derive(Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn officers_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    query: web::Query<DoneQuery>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    let admin = match admin_or(&req, &page, &state, officer) {
        Ok(admin) => admin,
        Err(response) => return *response,
    };
    let done = query
        .done
        .as_deref()
        .filter(|d| *d == "officers")
        .map(|_| word(page.lang, "done_saved"));
    render_officers(
        &page,
        &state,
        &admin,
        StatusCode::OK,
        done.map(str::to_owned),
        None,
    )
    .await
}

async fn render_officers(
    page: &PageContext,
    state: &AppState,
    admin: &Officer,
    status: StatusCode,
    done: Option<String>,
    error: Option<String>,
) -> HttpResponse {
    let officers = match list(&state.db, Some(admin)).await {
        Ok(officers) => officers,
        Err(err) => return page.error(state, Some(admin), officer_error(err)),
    };
    let served = state.gazetteer.served_provinces();
    let rows: Vec<Value> = officers
        .into_iter()
        .map(|o| {
            json!({
                "username": o.username,
                "role": word(page.lang, &format!("role_{}", o.role)),
                // Only a supervisor's or admin's province is theirs to change; an officer's is their unit's.
                "scoped_role": o.role != Role::Officer.as_str(),
                "unit_code": o.unit_code,
                "unit": o.unit_code.as_deref().and_then(|c| state.gazetteer.unit(c)).map(|u| u.name.clone()),
                "province_code": o.province_code,
                "province": o.province_code.as_deref().map(|c| {
                    state.gazetteer.province_name_of(c).map_or_else(|| c.to_owned(), str::to_owned)
                }),
                "active": o.active,
                "me": o.id == admin.id,
            })
        })
        .collect();
    let provinces: Vec<Value> = served
        .iter()
        .filter(|(code, _)| admin.province().is_none_or(|mine| mine == code))
        .map(|(code, name)| json!({"code": code, "name": name}))
        .collect();
    let values = page.values(
        Some(admin),
        state,
        json!({
            "officers": rows,
            "units": units_in_scope(state, admin),
            "provinces": provinces,
            // One province served: nothing to choose (an admin without a province sees it all, as before).
            "several_provinces": served.len() > 1,
            "me_province": admin.province(),
            "done": done,
            "error": error,
        }),
    );
    page.render(state, status, "inbox_officers.html", values)
}

fn officer_error(err: OfficerError) -> ApiError {
    match err {
        OfficerError::Db(db) => db.into(),
        OfficerError::NotFound(_) => ApiError::NotFound,
        other => ApiError::BadRequest(other.to_string()),
    }
}

#[derive(Deserialize)]
pub struct OfficerForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit_code: String,
    #[serde(default)]
    province_code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf_token: String,
}

/// `POST /inbox/officers`: `action` is `add`, `disable`, `enable`, `password`, `unit` or `province`.
pub async fn officers_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    form: web::Form<OfficerForm>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    let admin = match admin_or(&req, &page, &state, officer) {
        Ok(admin) => admin,
        Err(response) => return *response,
    };
    if !PageContext::form_is_ours(&req, &form.csrf_token) {
        return render_officers(
            &page,
            &state,
            &admin,
            StatusCode::FORBIDDEN,
            None,
            Some(word(page.lang, "form_expired").to_owned()),
        )
        .await;
    }
    let form = form.into_inner();
    let unit = Some(form.unit_code.trim()).filter(|u| !u.is_empty());
    let province = Some(form.province_code.trim()).filter(|p| !p.is_empty());
    let username = form.username.trim().to_lowercase();
    if form.action != "add" && username == admin.username && form.action == "disable" {
        // An admin cannot lock themselves out from the page (the command line can).
        return render_officers(
            &page,
            &state,
            &admin,
            StatusCode::CONFLICT,
            None,
            Some(word(page.lang, "not_yourself").to_owned()),
        )
        .await;
    }
    let result = match form.action.as_str() {
        "add" => match Role::parse(form.role.trim()) {
            Some(role) => {
                let new = NewOfficer {
                    username: &username,
                    password: &form.password,
                    role,
                    unit,
                    province,
                };
                add(&state, &admin, new).await
            }
            None => Err(OfficerError::BadUsername),
        },
        "disable" => set_active(&state.db, &username, false, Some(&admin))
            .await
            .map(|_| ()),
        "enable" => set_active(&state.db, &username, true, Some(&admin))
            .await
            .map(|_| ()),
        "password" => reset_password(&state.db, &username, &form.password, Some(&admin))
            .await
            .map(|_| ()),
        "unit" => set_unit(&state.db, &state.gazetteer, &username, unit, Some(&admin))
            .await
            .map(|_| ()),
        "province" => set_province(
            &state.db,
            &state.gazetteer,
            &username,
            province,
            Some(&admin),
        )
        .await
        .map(|_| ()),
        _ => Err(OfficerError::NotFound(username.clone())),
    };
    match result {
        Ok(()) => see_other("/inbox/officers?done=officers"),
        Err(OfficerError::Db(err)) => page.error(&state, Some(&admin), err.into()),
        Err(err) => {
            let message = explain(page.lang, &officer_error(err));
            render_officers(
                &page,
                &state,
                &admin,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some(message),
            )
            .await
        }
    }
}

/// An officer added from the page, in the audit log with the admin who added them. The form's one unit picker
/// is an officer's unit; the province picker is a supervisor's or admin's.
async fn add(state: &AppState, admin: &Officer, new: NewOfficer<'_>) -> Result<(), OfficerError> {
    let officer = new.role == Role::Officer;
    let new = NewOfficer {
        unit: new.unit.filter(|_| officer),
        province: new.province.filter(|_| !officer),
        ..new
    };
    let added = add_officer_as(&state.db, &state.gazetteer, &new, admin.province()).await?;
    let txn = state.db.begin_write().await?;
    crate::inbox::admin::audit(
        &txn,
        Some(admin),
        added.id,
        "officer.add",
        json!({"username": added.username, "role": added.role, "unit_code": added.unit_code,
            "province_code": added.province_code}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Deserialize)]
pub struct AuditQuery {
    page: Option<u64>,
}

/// `GET /inbox/audit`: every action, newest first, who and what (before/after in the detail).
pub async fn audit_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    query: web::Query<AuditQuery>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    let admin = match admin_or(&req, &page, &state, officer) {
        Ok(admin) => admin,
        Err(response) => return *response,
    };
    let n = query.page.unwrap_or(1).clamp(1, 100_000);
    let entries = async {
        let total = audit_in_scope(&admin).count(&state.db.read).await?;
        let rows = audit_in_scope(&admin)
            .order_by_desc(audit_log::Column::Id)
            .offset((n - 1) * AUDIT_PAGE)
            .limit(AUDIT_PAGE)
            .all(&state.db.read)
            .await?;
        let names: std::collections::HashMap<i32, String> = officers::Entity::find()
            .all(&state.db.read)
            .await?
            .into_iter()
            .map(|o| (o.id, o.username))
            .collect();
        Ok::<_, sea_orm::DbErr>((total, rows, names))
    }
    .await;
    let (total, rows, names) = match entries {
        Ok(found) => found,
        Err(err) => return page.error(&state, Some(&admin), err.into()),
    };
    let rows: Vec<Value> = rows
        .into_iter()
        .map(|a| {
            json!({
                "at": local(a.created_at),
                "who": a.officer_id.map_or_else(|| word(page.lang, "system").to_owned(), |id| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))),
                "action": a.action,
                "ticket_id": a.ticket_id,
                "detail": a.detail,
            })
        })
        .collect();
    let pages = total.div_ceil(AUDIT_PAGE).max(1);
    let values = page.values(
        Some(&admin),
        &state,
        json!({
            "entries": rows,
            "page": n,
            "pages": pages,
            "prev": (n > 1).then(|| format!("/inbox/audit?page={}", n - 1)),
            "next": (n < pages).then(|| format!("/inbox/audit?page={}", n + 1)),
        }),
    );
    page.render(&state, StatusCode::OK, "inbox_audit.html", values)
}

/// The audit log an admin reads: all of it; for an admin with a province, what happened to its tickets and what
/// its officers did besides.
fn audit_in_scope(admin: &Officer) -> sea_orm::Select<audit_log::Entity> {
    let select = audit_log::Entity::find();
    let Some(province) = admin.province() else {
        return select;
    };
    let its_tickets = Query::select()
        .column(tickets::Column::Id)
        .from(tickets::Entity)
        .and_where(tickets::Column::ProvinceCode.eq(province))
        .to_owned();
    let by_officers = Query::select()
        .column(officers::Column::Id)
        .from(officers::Entity)
        .and_where(officers::Column::ProvinceCode.eq(province))
        .to_owned();
    select.filter(
        Condition::any()
            .add(audit_log::Column::TicketId.in_subquery(its_tickets))
            .add(
                Condition::all()
                    .add(audit_log::Column::TicketId.is_null())
                    .add(audit_log::Column::OfficerId.in_subquery(by_officers)),
            ),
    )
}

/// `GET /inbox/canned`: the canned replies, each editable, and a form for a new one.
pub async fn canned_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    query: web::Query<DoneQuery>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    let admin = match admin_or(&req, &page, &state, officer) {
        Ok(admin) => admin,
        Err(response) => return *response,
    };
    let done = query
        .done
        .as_deref()
        .filter(|d| *d == "canned")
        .map(|_| word(page.lang, "done_saved").to_owned());
    render_canned(&page, &state, &admin, StatusCode::OK, done, None).await
}

async fn render_canned(
    page: &PageContext,
    state: &AppState,
    admin: &Officer,
    status: StatusCode,
    done: Option<String>,
    error: Option<String>,
) -> HttpResponse {
    let replies = match canned::for_topic(&state.db, None).await {
        Ok(replies) => replies,
        Err(err) => return page.error(state, Some(admin), err.into()),
    };
    let topics: Vec<Value> = Topic::ALL
        .iter()
        .map(|t| json!({"value": t.as_str(), "label": word(page.lang, &format!("topic_{}", t.as_str()))}))
        .collect();
    let replies: Vec<Value> = replies
        .into_iter()
        .map(|r| json!({"id": r.id, "topic": r.topic, "title": r.title, "body": r.body, "updated": local(r.updated_at)}))
        .collect();
    let values = page.values(
        Some(admin),
        state,
        json!({"replies": replies, "topics": topics, "done": done, "error": error}),
    );
    page.render(state, status, "inbox_canned.html", values)
}

#[derive(Deserialize)]
pub struct CannedForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    csrf_token: String,
}

/// `POST /inbox/canned`: `action` `save` (a new one without `id`) or `delete`.
pub async fn canned_submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    officer: Result<Officer, ApiError>,
    form: web::Form<CannedForm>,
) -> HttpResponse {
    let page = PageContext::of(&req);
    let admin = match admin_or(&req, &page, &state, officer) {
        Ok(admin) => admin,
        Err(response) => return *response,
    };
    if !PageContext::form_is_ours(&req, &form.csrf_token) {
        return render_canned(
            &page,
            &state,
            &admin,
            StatusCode::FORBIDDEN,
            None,
            Some(word(page.lang, "form_expired").to_owned()),
        )
        .await;
    }
    let id = form.id.trim().parse::<i32>().ok();
    let result = match (form.action.as_str(), id) {
        ("delete", Some(id)) => canned::delete(&state.db, &admin, id).await,
        ("save", id) => match Draft::parse(&form.topic, &form.title, &form.body) {
            Ok(draft) => canned::save(&state.db, &admin, id, draft).await.map(|_| ()),
            Err(err) => Err(err),
        },
        _ => Err(ApiError::BadRequest("choose save or delete".into())),
    };
    match result {
        Ok(()) => see_other("/inbox/canned?done=canned"),
        Err(err @ (ApiError::Unavailable(_) | ApiError::Internal(_))) => {
            page.error(&state, Some(&admin), err)
        }
        Err(err) => {
            use actix_web::ResponseError;
            let message = explain(page.lang, &err);
            render_canned(
                &page,
                &state,
                &admin,
                err.status_code(),
                None,
                Some(message),
            )
            .await
        }
    }
}
