use std::fmt;

/// A 2025 commune-level unit's code as the gazetteer writes it: five digits ("00004").
/// Well-formed is not the same as known: callers still look it up in the gazetteer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct UnitCode(String);

impl UnitCode {
    pub const LEN: usize = 5;

    pub fn parse(raw: &str) -> Option<UnitCode> {
        (raw.len() == UnitCode::LEN && raw.bytes().all(|b| b.is_ascii_digit()))
            .then(|| UnitCode(raw.to_owned()))
    }

    /// A code read back from our own tables, which only hold codes checked when written.
    pub fn stored(code: String) -> UnitCode {
        UnitCode(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<UnitCode> for String {
    fn from(code: UnitCode) -> String {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::UnitCode;

    #[test]
    fn five_digits_only() {
        assert_eq!(UnitCode::parse("00004").unwrap().as_str(), "00004");
        for bad in ["", "0004", "000045", "0000a", " 0004", "０００04"] {
            assert_eq!(UnitCode::parse(bad), None, "{bad:?}");
        }
    }
}
