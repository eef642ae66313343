//! Each legal track's clock (`[deadlines.<track>]`, read and checked with the settings) on the calendar.
use chrono::{DateTime, Duration, Utc};
use phananh_routing::LegalTrack;

pub use crate::config::Clock;
use crate::config::{DeadlinesSettings, TrackSettings};

use super::calendar::Calendar;

impl Clock {
    /// When a ticket received at `received` is due.
    pub fn due(self, calendar: &Calendar, received: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Clock::CalendarDays(days) => calendar.add_calendar_days(received, days),
            Clock::WorkingDays(days) => calendar.add_working_days(received, days),
            Clock::Hours(hours) => received + Duration::hours(i64::from(hours)),
        }
    }
}

/// A track's settings: its clock, its legal basis, and the resolution clock and extensions where the law has them.
pub fn settings_of(settings: &DeadlinesSettings, track: LegalTrack) -> &TrackSettings {
    match track {
        LegalTrack::Feedback => &settings.feedback,
        LegalTrack::CitizenRequest => &settings.citizen_request,
        LegalTrack::Complaint => &settings.complaint,
        LegalTrack::Denunciation => &settings.denunciation,
        LegalTrack::CrimeReport => &settings.crime_report,
    }
}

/// The track's settings when it has a second clock, to resolve once taken on (complaints, denunciations).
pub fn resolution_clock(settings: &DeadlinesSettings, track: LegalTrack) -> Option<&TrackSettings> {
    let track = settings_of(settings, track);
    track.resolve_days.is_some().then_some(track)
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
    /// Every track's clock, as the settings read it.
    pub fn from_settings(settings: &DeadlinesSettings) -> Clocks {
        Clocks {
            feedback: settings.feedback.clock,
            citizen_request: settings.citizen_request.clock,
            complaint: settings.complaint.clock,
            denunciation: settings.denunciation.clock,
            crime_report: settings.crime_report.clock,
        }
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
