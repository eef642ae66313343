//! The working-day calendar of Vietnamese state bodies: Monday to Friday (Decision 188/1999/QĐ-TTg), minus the
//! official days off, plus the make-up working Saturdays, as listed in `deadlines.calendar_file` (empty: the list
//! built into the binary).
//!
//! Counting follows the Civil Code 2015 Art 147: the day of receipt is not counted, so "n working days" ends on
//! the nth working day after the local date of receipt, whatever the hour (a message at 22:00 on Monday still
//! has Monday as its day of receipt). A receipt on a weekend or day off therefore starts counting on the next
//! working day: received Saturday, one working day ends on Monday.
use std::collections::{BTreeSet, HashSet};
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use chrono::{DateTime, Datelike, Days, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use serde::Deserialize;

/// Asia/Ho_Chi_Minh: UTC+7 all year (no daylight saving since 1975).
pub const VIETNAM: FixedOffset = match FixedOffset::east_opt(7 * 3600) {
    Some(offset) => offset,
    // Evaluated at compile time: a bad constant fails the build, never a request.
    None => panic!("UTC+7 is a valid offset"),
};

/// The last second of a day, the end of a calendar-day period (Civil Code 2015 Art 148: the period ends at 24:00).
const END_OF_DAY: NaiveTime = match NaiveTime::from_hms_opt(23, 59, 59) {
    Some(time) => time,
    None => panic!("23:59:59 is a valid time"),
};

#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("line {line}: {source}")]
    Row {
        line: u64,
        #[source]
        source: csv::Error,
    },
    #[error("line {line}: {message}")]
    Invalid { line: u64, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    /// An official day off.
    Holiday,
    /// A weekend day worked to make up for a swapped day off.
    Workday,
}

#[derive(Deserialize)]
struct Row {
    date: NaiveDate,
    kind: Kind,
    // Read so a row without them is rejected: every listed day needs its reason and source.
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    source: String,
}

pub struct Calendar {
    days_off: HashSet<NaiveDate>,
    make_up_days: HashSet<NaiveDate>,
    /// Years with at least one listed day: their schedule was published and entered.
    covered_years: BTreeSet<i32>,
    /// When a working-day period ends on its last day (local time).
    office_close: NaiveTime,
    /// Years already warned about, so a busy day logs the gap once, not per ticket.
    warned_years: Mutex<BTreeSet<i32>>,
}

/// The repository's `config/calendar/days.csv`, built into the binary: the calendar when `deadlines.calendar_file`
/// is empty.
pub const BUILT_IN: &str = include_str!("../../config/calendar/days.csv");

impl Calendar {
    /// The calendar built into the binary ([`BUILT_IN`]).
    pub fn builtin(office_close: NaiveTime) -> Result<Calendar, CalendarError> {
        Calendar::from_csv(BUILT_IN.as_bytes(), office_close)
    }

    /// Reads the days file (`date,kind,name,source`; kind `holiday` or `workday`).
    pub fn load(path: &Path, office_close: NaiveTime) -> Result<Calendar, CalendarError> {
        let file = std::fs::File::open(path).map_err(|source| CalendarError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Calendar::from_csv(file, office_close)
    }

    pub fn from_csv(reader: impl Read, office_close: NaiveTime) -> Result<Calendar, CalendarError> {
        let mut days_off = HashSet::new();
        let mut make_up_days = HashSet::new();
        let mut csv = csv::Reader::from_reader(reader);
        let row_error = |source: csv::Error| CalendarError::Row {
            line: source.position().map_or(0, |p| p.line()),
            source,
        };
        let headers = csv.headers().map_err(row_error)?.clone();
        let mut record = csv::StringRecord::new();
        while csv.read_record(&mut record).map_err(row_error)? {
            let line = record.position().map_or(0, |p| p.line());
            let row: Row = record.deserialize(Some(&headers)).map_err(row_error)?;
            let weekend = matches!(row.date.weekday(), Weekday::Sat | Weekday::Sun);
            let (this, other) = match row.kind {
                Kind::Holiday => (&mut days_off, &make_up_days),
                Kind::Workday if !weekend => {
                    return Err(CalendarError::Invalid {
                        line,
                        message: format!(
                            "{} is a make-up working day but not a weekend day",
                            row.date
                        ),
                    });
                }
                Kind::Workday => (&mut make_up_days, &days_off),
            };
            if other.contains(&row.date) {
                return Err(CalendarError::Invalid {
                    line,
                    message: format!(
                        "{} is listed both as a day off and as a working day",
                        row.date
                    ),
                });
            }
            this.insert(row.date);
        }
        let covered_years = days_off
            .iter()
            .chain(&make_up_days)
            .map(|d| d.year())
            .collect();
        Ok(Calendar {
            days_off,
            make_up_days,
            covered_years,
            office_close,
            warned_years: Mutex::new(BTreeSet::new()),
        })
    }

    /// Whether state bodies work on this (local) date.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if !self.covered_years.contains(&date.year()) {
            self.warn_uncovered(date.year());
        }
        if self.days_off.contains(&date) {
            return false;
        }
        if self.make_up_days.contains(&date) {
            return true;
        }
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// Office close (local) on the nth working day after the local day of receipt. `n = 0` is the close of the
    /// day of receipt itself, working or not (settings require at least one day, so tracks never ask for it).
    pub fn add_working_days(&self, start: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let mut day = local_date(start);
        let mut left = n;
        while left > 0 {
            // No successor only past chrono's last date (year 262143): stop there rather than loop.
            let Some(next) = day.succ_opt() else { break };
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        at_local(day, self.office_close)
    }

    /// The end (23:59:59 local) of the nth calendar day after the local day of receipt.
    pub fn add_calendar_days(&self, start: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let day = local_date(start)
            .checked_add_days(Days::new(u64::from(n)))
            .unwrap_or(NaiveDate::MAX);
        at_local(day, END_OF_DAY)
    }

    /// Years the calendar was asked about but has no official days off for (warned once each).
    pub fn years_without_days_off(&self) -> Vec<i32> {
        self.warned_years
            .lock()
            .map(|years| years.iter().copied().collect())
            .unwrap_or_default()
    }

    fn warn_uncovered(&self, year: i32) {
        // A poisoned lock only means another thread panicked mid-insert: the set is still usable.
        let mut warned = self
            .warned_years
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if warned.insert(year) {
            tracing::warn!(
                year,
                "the working-day calendar has no official days off for this year: counting weekends only; \
                 add the year's schedule to deadlines.calendar_file"
            );
        }
    }
}

/// The date in Vietnam at this instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&VIETNAM).date_naive()
}

/// This local date and time in Vietnam, as an instant.
pub fn at_local(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    // A fixed offset maps every local time to exactly one instant; none only past chrono's range (year 262143).
    VIETNAM
        .from_local_datetime(&date.and_time(time))
        .single()
        .map_or(DateTime::<Utc>::MAX_UTC, |t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar() -> Calendar {
        let close = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
        Calendar::builtin(close).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// An instant given in Vietnam's local time, "YYYY-MM-DD HH:MM".
    fn local(s: &str) -> DateTime<Utc> {
        let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        VIETNAM
            .from_local_datetime(&naive)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn weekdays_work_and_weekends_do_not() {
        let cal = calendar();
        assert!(cal.is_working_day(date("2025-10-08")), "a Wednesday");
        assert!(!cal.is_working_day(date("2025-10-11")), "a Saturday");
        assert!(!cal.is_working_day(date("2025-10-12")), "a Sunday");
    }

    #[test]
    fn the_tet_2026_break_is_skipped() {
        let cal = calendar();
        for d in [
            "2026-02-16",
            "2026-02-17",
            "2026-02-18",
            "2026-02-19",
            "2026-02-20",
        ] {
            assert!(!cal.is_working_day(date(d)), "{d} is in the Tết break");
        }
        // Received Friday 13/2: the next working day is Monday 23/2, after the break and its weekends.
        assert_eq!(
            cal.add_working_days(local("2026-02-13 09:30"), 1),
            local("2026-02-23 17:00")
        );
        // Ten working days from Thursday 12/2: 13/2, then 23-27/2, then 2-5/3.
        assert_eq!(
            cal.add_working_days(local("2026-02-12 14:00"), 10),
            local("2026-03-05 17:00")
        );
    }

    #[test]
    fn national_day_2025_and_its_adjacent_day_are_skipped() {
        let cal = calendar();
        assert!(!cal.is_working_day(date("2025-09-01")), "the adjacent day");
        assert!(!cal.is_working_day(date("2025-09-02")), "Quốc khánh");
        assert!(cal.is_working_day(date("2025-09-03")));
        // Received Friday 29/8: Monday 1/9 and Tuesday 2/9 are off, so day one is Wednesday 3/9.
        assert_eq!(
            cal.add_working_days(local("2025-08-29 10:00"), 1),
            local("2025-09-03 17:00")
        );
        assert_eq!(
            cal.add_working_days(local("2025-08-29 10:00"), 3),
            local("2025-09-05 17:00")
        );
    }

    #[test]
    fn a_make_up_saturday_counts_as_a_working_day() {
        let cal = calendar();
        assert!(
            cal.is_working_day(date("2026-01-10")),
            "make-up for 2 January"
        );
        assert!(
            !cal.is_working_day(date("2026-01-02")),
            "the swapped day off"
        );
        // Received Friday 9/1/2026: Saturday 10/1 is worked, so one working day ends that Saturday.
        assert_eq!(
            cal.add_working_days(local("2026-01-09 08:00"), 1),
            local("2026-01-10 17:00")
        );
        // 2025: Saturday 26/4 worked for Friday 2/5. From Friday 25/4: 26/4, 28/4, 29/4, then 30/4-2/5 off
        // and the weekend, so the fourth working day is Monday 5/5.
        let received = local("2025-04-25 08:00");
        assert_eq!(cal.add_working_days(received, 1), local("2025-04-26 17:00"));
        assert_eq!(cal.add_working_days(received, 3), local("2025-04-29 17:00"));
        assert_eq!(cal.add_working_days(received, 4), local("2025-05-05 17:00"));
    }

    #[test]
    fn a_weekend_receipt_starts_counting_on_the_next_working_day() {
        let cal = calendar();
        let saturday = local("2025-10-11 11:00");
        let sunday_night = local("2025-10-12 23:30");
        let friday = local("2025-10-10 16:00");
        for received in [saturday, sunday_night, friday] {
            assert_eq!(cal.add_working_days(received, 1), local("2025-10-13 17:00"));
            assert_eq!(cal.add_working_days(received, 7), local("2025-10-21 17:00"));
        }
    }

    #[test]
    fn the_day_of_receipt_is_the_local_date() {
        let cal = calendar();
        // 18:30 UTC on Monday is 01:30 on Tuesday in Vietnam: Tuesday is the day of receipt.
        let received = Utc.with_ymd_and_hms(2025, 10, 13, 18, 30, 0).unwrap();
        assert_eq!(cal.add_working_days(received, 1), local("2025-10-15 17:00"));
        assert_eq!(
            cal.add_calendar_days(received, 20),
            local("2025-11-03 23:59") + chrono::Duration::seconds(59)
        );
    }

    #[test]
    fn calendar_days_ignore_weekends_and_days_off() {
        let cal = calendar();
        // 20 days from 25/1/2025 (inside the Tết break) is 14/2, weekends and days off included.
        assert_eq!(
            cal.add_calendar_days(local("2025-01-25 10:00"), 20),
            local("2025-02-14 23:59") + chrono::Duration::seconds(59)
        );
    }

    #[test]
    fn a_year_beyond_the_data_counts_weekends_only_and_says_so() {
        let cal = calendar();
        assert!(cal.years_without_days_off().is_empty());
        // 8/2/2027 is a Monday right after Tết 2027 (6/2): no official break is known, so it counts.
        assert!(cal.is_working_day(date("2027-02-08")));
        assert!(!cal.is_working_day(date("2027-02-06")), "still a Saturday");
        assert_eq!(
            cal.add_working_days(local("2027-02-05 09:00"), 5),
            local("2027-02-12 17:00")
        );
        assert_eq!(cal.years_without_days_off(), vec![2027], "warned once");
    }

    #[test]
    fn bad_rows_are_named_by_line() {
        let close = NaiveTime::from_hms_opt(17, 0, 0).unwrap();
        let header = "date,kind,name,source\n";
        let bad_kind = format!("{header}2025-01-01,holiday,a,b\n2025-01-02,festival,a,b\n");
        let err = Calendar::from_csv(bad_kind.as_bytes(), close)
            .err()
            .unwrap();
        assert!(err.to_string().starts_with("line 3"), "{err}");
        let weekday_workday = format!("{header}2025-01-06,workday,a,b\n");
        let err = Calendar::from_csv(weekday_workday.as_bytes(), close)
            .err()
            .unwrap();
        assert!(err.to_string().contains("not a weekend day"), "{err}");
        let both = format!("{header}2025-01-04,holiday,a,b\n2025-01-04,workday,a,b\n");
        let err = Calendar::from_csv(both.as_bytes(), close).err().unwrap();
        assert!(err.to_string().contains("both"), "{err}");
    }
}
