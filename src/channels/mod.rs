//! Where citizens' messages come in: the public web form, Zalo OA and Facebook Page webhooks. Each handler
//! verifies (with the platform's module in `platforms`) and stores; the intake worker turns stored events into
//! tickets.
pub mod facebook;
pub mod form;
pub mod zalo;

/// A webhook's answer once its events are stored: the platform may forget them.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Stored {
    pub ok: bool,
}

impl Stored {
    fn response() -> actix_web::HttpResponse {
        actix_web::HttpResponse::Ok().json(Stored { ok: true })
    }
}
