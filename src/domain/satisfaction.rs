use std::fmt;

/// A citizen's rating of how their ticket was handled: 1 (worst) to 5 (best), as the survey asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct SatisfactionScore(u8);

impl SatisfactionScore {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 5;

    /// What a citizen typed or tapped ("4", " 5 "); anything but a whole 1..=5 is no score.
    pub fn parse(raw: &str) -> Option<SatisfactionScore> {
        raw.trim()
            .parse::<u8>()
            .ok()
            .and_then(SatisfactionScore::new)
    }

    pub fn new(value: u8) -> Option<SatisfactionScore> {
        (SatisfactionScore::MIN..=SatisfactionScore::MAX)
            .contains(&value)
            .then_some(SatisfactionScore(value))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// The `survey_ratings.score` column's value.
    pub fn stored(self) -> i16 {
        i16::from(self.0)
    }

    /// Back from `survey_ratings.score`; a value out of range is no score.
    pub fn from_stored(value: i16) -> Option<SatisfactionScore> {
        u8::try_from(value).ok().and_then(SatisfactionScore::new)
    }
}

impl fmt::Display for SatisfactionScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::SatisfactionScore;

    #[test]
    fn one_to_five_only() {
        for n in 1..=5u8 {
            assert_eq!(
                SatisfactionScore::parse(&n.to_string()).map(SatisfactionScore::get),
                Some(n)
            );
        }
        assert_eq!(
            SatisfactionScore::parse(" 4 ").map(SatisfactionScore::stored),
            Some(4)
        );
        for bad in ["", "0", "6", "-1", "3.5", "five", "256", "05x"] {
            assert_eq!(SatisfactionScore::parse(bad), None, "{bad:?}");
        }
        assert_eq!(SatisfactionScore::new(0), None);
        assert_eq!(SatisfactionScore::new(6), None);
        assert_eq!(
            SatisfactionScore::from_stored(5).map(SatisfactionScore::get),
            Some(5)
        );
        assert_eq!(SatisfactionScore::from_stored(-1), None);
        assert_eq!(SatisfactionScore::from_stored(261), None);
    }
}
