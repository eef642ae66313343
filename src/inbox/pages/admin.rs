//! The admins' pages: officers (add, disable, enable, new password, move to another unit), canned replies, and the
//! audit log. Each form carries a CSRF token, acts through the same functions as `phananh officer ...`, and is in
//! the audit log with the admin who did it. Anyone else gets 403.
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use sea_orm::{EntityTrait, PaginatorTrait, QueryOrder, QuerySelect};
use serde::Deserialize;
use serde_json::{Value, json};

use entity::{audit_log, officers};

use super::{PageContext, explain, local, officer_or_login, see_other, word};
use crate::inbox::admin::{list, reset_password, set_active, set_unit};
use crate::inbox::canned::{self, Draft};
use crate::inbox::officers::{OfficerError, Role, add_officer};
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
    let officers = match list(&state.db).await {
        Ok(officers) => officers,
        Err(err) => return page.error(state, Some(admin), officer_error(err)),
    };
    let rows: Vec<Value> = officers
        .into_iter()
        .map(|o| {
            json!({
                "username": o.username,
                "role": word(page.lang, &format!("role_{}", o.role)),
                "unit_code": o.unit_code,
                "unit": o.unit_code.as_deref().and_then(|c| state.gazetteer.unit(c)).map(|u| u.name.clone()),
                "active": o.active,
                "me": o.id == admin.id,
            })
        })
        .collect();
    let units: Vec<Value> = state
        .gazetteer
        .units()
        .iter()
        .map(|u| json!({"code": u.code, "name": u.name}))
        .collect();
    let values = page.values(
        Some(admin),
        state,
        json!({"officers": rows, "units": units, "done": done, "error": error}),
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
    password: String,
    #[serde(default)]
    csrf_token: String,
}

/// `POST /inbox/officers`: `action` is `add`, `disable`, `enable`, `password` or `unit`.
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
            Some(role) => add(&state, &admin, &username, &form.password, role, unit).await,
            None => Err(OfficerError::BadUsername),
        },
        "disable" => set_active(&state.db, &username, false, Some(admin.id))
            .await
            .map(|_| ()),
        "enable" => set_active(&state.db, &username, true, Some(admin.id))
            .await
            .map(|_| ()),
        "password" => reset_password(&state.db, &username, &form.password, Some(admin.id))
            .await
            .map(|_| ()),
        "unit" => set_unit(&state.db, &state.gazetteer, &username, unit, Some(admin.id))
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

/// An officer added from the page, in the audit log with the admin who added them.
async fn add(
    state: &AppState,
    admin: &Officer,
    username: &str,
    password: &str,
    role: Role,
    unit: Option<&str>,
) -> Result<(), OfficerError> {
    let unit = if role == Role::Officer { unit } else { None };
    let added = add_officer(&state.db, &state.gazetteer, username, password, role, unit).await?;
    let txn = state.db.begin_write().await?;
    crate::inbox::admin::audit(
        &txn,
        Some(admin.id),
        added.id,
        "officer.add",
        json!({"username": added.username, "role": added.role, "unit_code": added.unit_code}),
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
        let total = audit_log::Entity::find().count(&state.db.read).await?;
        let rows = audit_log::Entity::find()
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
