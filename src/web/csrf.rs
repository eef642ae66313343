//! CSRF protection for HTML forms: a random token in a SameSite=Strict, HttpOnly cookie that the form echoes
//! (double submit), compared in constant time.
use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite};
use rand::RngCore;
use subtle::ConstantTimeEq;

pub const COOKIE: &str = "phananh_csrf";
pub const FIELD: &str = "csrf_token";

/// The token already in the browser's cookie, or a new one to set.
pub fn token_for(req: &HttpRequest) -> (String, Option<Cookie<'static>>) {
    if let Some(existing) = req.cookie(COOKIE).map(|c| c.value().to_owned())
        && existing.len() == 32
        && existing.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return (existing, None);
    }
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let cookie = Cookie::build(COOKIE, token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish();
    (token, Some(cookie))
}

pub fn verify(req: &HttpRequest, submitted: &str) -> bool {
    match req.cookie(COOKIE) {
        Some(cookie) => {
            let expected = cookie.value().as_bytes();
            !expected.is_empty() && bool::from(expected.ct_eq(submitted.as_bytes()))
        }
        None => false,
    }
}
