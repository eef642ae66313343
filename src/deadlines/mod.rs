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

    /// Reads `deadlines.calendar_file` (empty: the calendar built into the binary); the tracks' clocks were read and
    /// checked with the settings.
    pub fn load(settings: &DeadlinesSettings) -> anyhow::Result<Deadlines> {
        let calendar = if settings.calendar_file.as_os_str().is_empty() {
            Calendar::builtin(settings.office_close)
                .context("the built-in calendar (deadlines.calendar_file empty)")?
        } else {
            Calendar::load(&settings.calendar_file, settings.office_close)
                .context("deadlines.calendar_file")?
        };
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use chrono::NaiveDate;

    use super::*;
    use crate::config::{Settings, Source};

    /// The built-in defaults with `deadlines.calendar_file` set to `file` when given.
    fn settings(file: Option<&str>) -> DeadlinesSettings {
        let env = file.map(|file| {
            (
                "PHANANH__DEADLINES__CALENDAR_FILE".to_owned(),
                file.to_owned(),
            )
        });
        let source = Source::BuiltIn {
            dir: PathBuf::from("/nonexistent"),
        };
        Settings::load_source(&source, env).unwrap().deadlines
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_empty_calendar_file_is_the_built_in_calendar_and_a_file_given_wins() {
        let tet = date("2026-02-17");
        let own_day_off = date("2026-03-03");
        let built_in = Deadlines::load(&settings(None)).unwrap();
        assert!(!built_in.calendar().is_working_day(tet));
        assert!(built_in.calendar().is_working_day(own_day_off));

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("days.csv");
        std::fs::write(
            &file,
            "date,kind,name,source\n2026-03-03,holiday,a day off of our own,this test\n",
        )
        .unwrap();
        let own = Deadlines::load(&settings(file.to_str())).unwrap();
        assert!(own.calendar().is_working_day(tet));
        assert!(!own.calendar().is_working_day(own_day_off));

        let err = match Deadlines::load(&settings(Some("/nonexistent/days.csv"))) {
            Ok(_) => panic!("a missing calendar file was taken"),
            Err(err) => format!("{err:#}"),
        };
        assert!(
            err.contains("deadlines.calendar_file") && err.contains("/nonexistent/days.csv"),
            "{err}"
        );
    }
}
