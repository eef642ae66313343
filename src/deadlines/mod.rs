//! Deadlines: each legal track sets the clock (`[deadlines.<track>]`, with its legal basis), counted on the
//! working-day calendar of Vietnamese state bodies (`calendar`). Every new ticket gets its `due_at` here.
pub mod calendar;
pub mod tracks;

use anyhow::Context;
use chrono::{DateTime, Utc};
use phananh_routing::LegalTrack;

pub use calendar::{Calendar, CalendarError};
pub use tracks::{Clock, Clocks, resolution_clock, settings_of};

use crate::config::DeadlinesSettings;

/// The calendar and the tracks' clocks, built once at start-up and shared.
pub struct Deadlines {
    calendar: Calendar,
    clocks: Clocks,
}

impl Deadlines {
    pub fn new(calendar: Calendar, clocks: Clocks) -> Deadlines {
        Deadlines { calendar, clocks }
    }

    /// Reads `deadlines.calendar_file`; the tracks' clocks were read and checked with the settings.
    pub fn load(settings: &DeadlinesSettings) -> anyhow::Result<Deadlines> {
        let calendar = Calendar::load(&settings.calendar_file, settings.office_close)
            .context("deadlines.calendar_file")?;
        Ok(Deadlines::new(calendar, Clocks::from_settings(settings)))
    }

    /// The working-day calendar, for "due within n working days".
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// When a ticket on `track` received at `received` is due.
    pub fn due_at(&self, track: LegalTrack, received: DateTime<Utc>) -> DateTime<Utc> {
        self.clocks.of(track).due(&self.calendar, received)
    }
}
