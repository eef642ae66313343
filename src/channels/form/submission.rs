//! Turning raw form or JSON fields into a parsed submission, or field errors a citizen can act on.
use crate::domain::{Email, FeedbackText, FieldError, PersonName, PhoneNumber, UnitCode};
use crate::routing::{Gazetteer, LatLon};

pub struct Submission {
    pub text: FeedbackText,
    pub name: Option<PersonName>,
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
    pub unit_code: Option<UnitCode>,
    pub location: Option<LatLon>,
}

/// Raw values as typed; empty strings mean "not given".
pub struct RawSubmission<'a> {
    pub text: &'a str,
    pub name: &'a str,
    pub phone: &'a str,
    pub email: &'a str,
    pub unit_code: &'a str,
    pub location: RawLocation,
}

pub enum RawLocation {
    None,
    Given(f64, f64),
    Unreadable,
}

pub const LOCATION_ERROR: FieldError = FieldError {
    field: "location",
    code: "invalid_location",
    vi: "Vị trí không hợp lệ.",
    en: "The location is not valid.",
};

pub fn parse_submission(
    raw: RawSubmission<'_>,
    gazetteer: &Gazetteer,
) -> Result<Submission, Vec<FieldError>> {
    let mut errors = Vec::new();
    let text = FeedbackText::parse(raw.text)
        .map_err(|e| errors.push(e))
        .ok();
    let name = optional(raw.name, PersonName::parse, &mut errors);
    let phone = optional(raw.phone, PhoneNumber::parse, &mut errors);
    let email = optional(raw.email, Email::parse, &mut errors);
    let unit_code = match raw.unit_code.trim() {
        "" => None,
        code => match UnitCode::parse(code).filter(|c| gazetteer.unit(c.as_str()).is_some()) {
            Some(code) => Some(code),
            None => {
                errors.push(FieldError {
                    field: "unit_code",
                    code: "unknown_unit",
                    vi: "Đơn vị không có trong danh sách, vui lòng chọn lại.",
                    en: "This unit is not in the list; please choose again.",
                });
                None
            }
        },
    };
    let location = match raw.location {
        RawLocation::None => None,
        RawLocation::Given(lat, lon)
            if lat.is_finite()
                && lon.is_finite()
                && (-90.0..=90.0).contains(&lat)
                && (-180.0..=180.0).contains(&lon) =>
        {
            Some(LatLon { lat, lon })
        }
        _ => {
            errors.push(LOCATION_ERROR);
            None
        }
    };
    match text {
        Some(text) if errors.is_empty() => Ok(Submission {
            text,
            name,
            phone,
            email,
            unit_code,
            location,
        }),
        _ => Err(errors),
    }
}

fn optional<T>(
    raw: &str,
    parse: impl Fn(&str) -> Result<T, FieldError>,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    if raw.trim().is_empty() {
        return None;
    }
    parse(raw).map_err(|e| errors.push(e)).ok()
}
