//! `GET /units/{code}/poster.svg`: the unit's printable A4 poster, in Vietnamese: its name, a QR code to its desk
//! survey, one to the feedback form with the unit chosen, and its Zalo Official Account where one is set. Drawn
//! here (the QR code's modules as one path), so it prints sharp at any size.
use actix_web::{HttpResponse, web};
use qrcode::{Color, EcLevel, QrCode};

use crate::config::Settings;
use crate::satisfaction::chart::escape;
use crate::web::{ApiError, AppState};

pub async fn poster(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let unit = state.gazetteer.unit(&code).ok_or(ApiError::NotFound)?;
    let base = state.settings.public_base();
    let svg = draw(
        &unit.name,
        &format!("{base}/survey/unit/{}", unit.code),
        &format!("{base}/?unit={}", unit.code),
        zalo_oa(&state.settings, &unit.code).as_deref(),
    )
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("cannot draw the poster's QR code: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(svg))
}

/// The unit's own Zalo OA link, if the settings give it one.
fn zalo_oa(settings: &Settings, unit_code: &str) -> Option<String> {
    let zalo = &settings.zalo;
    std::iter::once((zalo.oa_id.as_str(), zalo.unit_code.as_str()))
        .chain(
            zalo.oa
                .iter()
                .map(|oa| (oa.oa_id.as_str(), oa.unit_code.as_str())),
        )
        .find(|(oa_id, unit)| !oa_id.is_empty() && *unit == unit_code)
        .map(|(oa_id, _)| format!("https://zalo.me/{oa_id}"))
}

/// The poster, in millimetres on an A4 page.
pub fn draw(
    unit_name: &str,
    desk_url: &str,
    form_url: &str,
    zalo: Option<&str>,
) -> Result<String, qrcode::types::QrError> {
    let name = escape(&format!("Công an {unit_name}").to_uppercase());
    let desk = qr(desk_url, 35.0, 62.0, 140.0)?;
    let form = qr(form_url, 65.0, 214.0, 60.0)?;
    let zalo_line = zalo.map_or_else(String::new, |link| {
        format!(
            r#"<text x="105" y="287" font-size="5" text-anchor="middle">Zalo: {}</text>"#,
            escape(link)
        )
    });
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297" font-family="'Noto Sans', Arial, sans-serif" fill="#1b1f24">
<title>{name}: đánh giá sự hài lòng</title>
<rect width="210" height="297" fill="#fff"/>
<rect width="210" height="30" fill="#b3261e"/>
<text x="105" y="19" font-size="8" font-weight="700" text-anchor="middle" fill="#fff">{name}</text>
<text x="105" y="45" font-size="9" font-weight="700" text-anchor="middle">Ông/bà hài lòng với cách phục vụ?</text>
<text x="105" y="55" font-size="5.5" text-anchor="middle">Quét mã để đánh giá: chưa đến một phút, không cần đăng nhập</text>
{desk}
<text x="105" y="208" font-size="4" text-anchor="middle">{desk_url}</text>
<text x="130" y="235" font-size="6" font-weight="700">Gửi phản ánh,</text>
<text x="130" y="243" font-size="6" font-weight="700">kiến nghị</text>
<text x="130" y="252" font-size="4.2">cho công an xã, phường</text>
{form}
<text x="105" y="280" font-size="4" text-anchor="middle">{form_url}</text>
{zalo_line}
</svg>
"##,
        desk_url = escape(desk_url),
        form_url = escape(form_url),
    ))
}

/// A QR code of `data` as a square of `size` mm at (`x`, `y`), with its quiet zone.
fn qr(data: &str, x: f64, y: f64, size: f64) -> Result<String, qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)?;
    let width = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (i, color) in colors.iter().enumerate() {
        if *color == Color::Dark {
            let (col, row) = (i % width + 4, i / width + 4);
            path.push_str(&format!("M{col} {row}h1v1h-1z"));
        }
    }
    let modules = (width + 8) as f64;
    Ok(format!(
        r##"<g transform="translate({x} {y}) scale({})"><rect width="{modules}" height="{modules}" fill="#fff"/><path d="{path}" fill="#000"/></g>"##,
        size / modules
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poster_carries_both_codes_and_the_oa() {
        let svg = draw(
            "Xã A & B",
            "http://x/survey/unit/1",
            "http://x/?unit=1",
            Some("https://zalo.me/9"),
        )
        .unwrap();
        assert!(svg.contains("CÔNG AN XÃ A &amp; B"));
        assert_eq!(svg.matches("<path").count(), 2);
        assert!(svg.contains("http://x/?unit=1") && svg.contains("https://zalo.me/9"));
        assert!(svg.contains(r#"viewBox="0 0 210 297""#));
    }
}
