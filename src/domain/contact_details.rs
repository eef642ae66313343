use super::FieldError;

/// A Vietnamese phone number in E.164 (`+84` and 9 digits). Accepts `0912 345 678`, `84912345678`,
/// `+84 912.345.678`, `(+84) 0912345678`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

const PHONE_ERROR: FieldError = FieldError {
    field: "phone",
    code: "invalid_phone",
    vi: "Số điện thoại không hợp lệ (ví dụ: 0912 345 678).",
    en: "This is not a valid Vietnamese phone number (e.g. 0912 345 678).",
};

impl PhoneNumber {
    pub fn parse(raw: &str) -> Result<PhoneNumber, FieldError> {
        let trimmed = raw.trim();
        if trimmed
            .chars()
            .any(|c| !(c.is_ascii_digit() || matches!(c, '+' | ' ' | '.' | '-' | '(' | ')')))
        {
            return Err(PHONE_ERROR);
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let plus = trimmed.trim_start_matches('(').starts_with('+');
        let national = if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() >= 9) {
            rest.trim_start_matches('0').to_owned()
        } else if !plus && digits.starts_with('0') {
            digits[1..].to_owned()
        } else {
            return Err(PHONE_ERROR);
        };
        // Mobile numbers are 9 digits after the 0 and start with 3, 5, 7, 8 or 9; landlines start with 2 (10 digits).
        let valid = match national.as_bytes().first() {
            Some(b'3' | b'5' | b'7' | b'8' | b'9') => national.len() == 9,
            Some(b'2') => national.len() == 10,
            _ => false,
        };
        if !valid {
            return Err(PHONE_ERROR);
        }
        Ok(PhoneNumber(format!("+84{national}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, checked for shape only (the only real check is a message that arrives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, FieldError> {
        let email = raw.trim();
        let error = FieldError {
            field: "email",
            code: "invalid_email",
            vi: "Địa chỉ email không hợp lệ.",
            en: "This is not a valid e-mail address.",
        };
        let (local, domain) = email.split_once('@').ok_or(error.clone())?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"@".contains(c));
        if !domain_ok || !local_ok || email.len() > 254 {
            return Err(error);
        }
        Ok(Email(email.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A sender's name as they wrote it: trimmed, at most 120 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<PersonName, FieldError> {
        let name: String = raw.trim().chars().filter(|c| !c.is_control()).collect();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(FieldError {
                field: "name",
                code: "invalid_name",
                vi: "Họ tên quá dài (tối đa 120 ký tự).",
                en: "The name is too long (120 characters at most).",
            });
        }
        Ok(PersonName(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_normalise_to_e164() {
        for raw in [
            "0912 345 678",
            "84912345678",
            "+84 912.345.678",
            "(+84) 0912345678",
            "+84912345678",
        ] {
            assert_eq!(
                PhoneNumber::parse(raw).unwrap().as_str(),
                "+84912345678",
                "{raw}"
            );
        }
        assert_eq!(
            PhoneNumber::parse("0239 3855 555").unwrap().as_str(),
            "+842393855555"
        );
    }

    #[test]
    fn bad_phones_are_refused() {
        for raw in [
            "12345",
            "0912 345 67",
            "+1 650 555 1234",
            "09123456789",
            "0912abc678",
            "0112345678",
        ] {
            assert!(PhoneNumber::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn emails_are_checked_for_shape() {
        assert_eq!(
            Email::parse(" An@Example.VN ").unwrap().as_str(),
            "an@example.vn"
        );
        for raw in [
            "an", "an@", "@x.vn", "an@x", "a n@x.vn", "an@x..vn", "<a>@x.vn",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw}");
        }
    }
}
