//! Each legal track's clock, parsed once from `[deadlines.<track>]`.
use chrono::{DateTime, Duration, Utc};
use phananh_routing::LegalTrack;

use crate::config::{DeadlinesSettings, TrackSettings};

use super::calendar::Calendar;

/// How long a track gives the unit, counted from receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Ends at 23:59:59 local on the nth day after the day of receipt.
    CalendarDays(u32),
    /// Ends at office close on the nth working day after the day of receipt.
    WorkingDays(u32),
    /// Ends exactly this many hours after receipt, nights and days off included (urgent tracks).
    Hours(u32),
}

impl Clock {
    /// The clock a track's settings describe; the error says which field is wrong and how.
    pub fn from_settings(track: &TrackSettings) -> Result<Clock, String> {
        match (track.days, track.working_days, track.hours) {
            (Some(_), _, Some(_)) => Err("set `days` or `hours`, not both".into()),
            (Some(0), _, _) | (_, _, Some(0)) => Err("a clock of 0 leaves no time".into()),
            (Some(days), Some(true), None) => Ok(Clock::WorkingDays(days)),
            (Some(days), Some(false), None) => Ok(Clock::CalendarDays(days)),
            (Some(_), None, None) => {
                Err("`days` needs `working_days` (true: working days, false: calendar days)".into())
            }
            (None, Some(_), Some(_)) => Err("`working_days` applies to `days`, not `hours`".into()),
            (None, _, Some(hours)) => Ok(Clock::Hours(hours)),
            (None, _, None) => Err("no clock: set `days` (with `working_days`) or `hours`".into()),
        }
    }

    /// When a ticket received at `received` is due.
    pub fn due(self, calendar: &Calendar, received: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Clock::CalendarDays(days) => calendar.add_calendar_days(received, days),
            Clock::WorkingDays(days) => calendar.add_working_days(received, days),
            Clock::Hours(hours) => received + Duration::hours(i64::from(hours)),
        }
    }
}

/// The clock of every legal track.
#[derive(Debug, Clone, Copy)]
pub struct Clocks {
    feedback: Clock,
    citizen_request: Clock,
    complaint: Clock,
    denunciation: Clock,
    crime_report: Clock,
}

impl Clocks {
    /// Parses every track's clock; the error names the track's key.
    pub fn from_settings(settings: &DeadlinesSettings) -> Result<Clocks, (&'static str, String)> {
        let clock = |key: &'static str, track: &TrackSettings| {
            if track.basis.trim().is_empty() {
                // Laws change: a clock nobody can trace to its article cannot be reviewed.
                return Err((key, "`basis` must name the legal basis".to_owned()));
            }
            Clock::from_settings(track).map_err(|message| (key, message))
        };
        Ok(Clocks {
            feedback: clock("deadlines.feedback", &settings.feedback)?,
            citizen_request: clock("deadlines.citizen_request", &settings.citizen_request)?,
            complaint: clock("deadlines.complaint", &settings.complaint)?,
            denunciation: clock("deadlines.denunciation", &settings.denunciation)?,
            crime_report: clock("deadlines.crime_report", &settings.crime_report)?,
        })
    }

    pub fn of(&self, track: LegalTrack) -> Clock {
        match track {
            LegalTrack::Feedback => self.feedback,
            LegalTrack::CitizenRequest => self.citizen_request,
            LegalTrack::Complaint => self.complaint,
            LegalTrack::Denunciation => self.denunciation,
            LegalTrack::CrimeReport => self.crime_report,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(days: Option<u32>, working_days: Option<bool>, hours: Option<u32>) -> TrackSettings {
        TrackSettings {
            days,
            working_days,
            hours,
            resolve_days: None,
            basis: "a law".into(),
        }
    }

    #[test]
    fn a_track_has_exactly_one_clock() {
        assert_eq!(
            Clock::from_settings(&track(Some(10), Some(true), None)),
            Ok(Clock::WorkingDays(10))
        );
        assert_eq!(
            Clock::from_settings(&track(Some(20), Some(false), None)),
            Ok(Clock::CalendarDays(20))
        );
        assert_eq!(
            Clock::from_settings(&track(None, None, Some(24))),
            Ok(Clock::Hours(24))
        );
        for bad in [
            track(None, None, None),
            track(None, Some(true), None),
            track(Some(10), None, None),
            track(Some(10), Some(true), Some(24)),
            track(None, Some(false), Some(24)),
            track(Some(0), Some(true), None),
            track(None, None, Some(0)),
        ] {
            assert!(Clock::from_settings(&bad).is_err(), "{bad:?}");
        }
    }
}
