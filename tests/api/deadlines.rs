//! Deadlines: every new ticket is due when its legal track says, on Vietnam's working-day calendar; the tracks'
//! clocks are settings checked at start-up.
use chrono::{Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, Utc, Weekday};
use phananh::config::Settings;
use phananh::http::Application;
use sea_orm::EntityTrait;
use serde_json::json;

use crate::helpers::{Backend, TestApp, TestDb, repo_path, test_settings};
use crate::on_both_backends;

fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

impl TestApp {
    async fn only_ticket(&self) -> entity::tickets::Model {
        let mut tickets = entity::tickets::Entity::find().all(&self.db).await.unwrap();
        assert_eq!(tickets.len(), 1);
        tickets.remove(0)
    }
}

/// A calendar of the test's own, around today: the next three weekdays are days off and the next Saturday is a
/// make-up working day. Written where `deadlines.calendar_file` reads it at start-up.
struct TestCalendar {
    days_off: Vec<NaiveDate>,
    make_up: NaiveDate,
}

impl TestCalendar {
    fn around(today: NaiveDate) -> TestCalendar {
        let days_off: Vec<NaiveDate> = today
            .iter_days()
            .skip(1)
            .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
            .take(3)
            .collect();
        let make_up = today
            .iter_days()
            .skip(1)
            .find(|d| d.weekday() == Weekday::Sat)
            .unwrap();
        TestCalendar { days_off, make_up }
    }

    fn csv(&self) -> String {
        let mut csv = String::from("date,kind,name,source\n");
        for day in &self.days_off {
            csv.push_str(&format!("{day},holiday,test day off,this test\n"));
        }
        csv.push_str(&format!(
            "{},workday,test make-up Saturday,this test\n",
            self.make_up
        ));
        csv
    }

    /// The `n`th working day after `received` (not counted): Monday to Friday except the days off, and the
    /// make-up Saturday. Counted here, independently of the app's calendar code.
    fn nth_working_day_after(&self, received: NaiveDate, n: usize) -> NaiveDate {
        received
            .iter_days()
            .skip(1)
            .filter(|d| {
                *d == self.make_up
                    || (!matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
                        && !self.days_off.contains(d))
            })
            .nth(n - 1)
            .unwrap()
    }
}

/// An app that counts working days on `TestCalendar` (the app reads the file when it starts).
async fn app_on_a_test_calendar(backend: Backend) -> Option<TestApp> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("days.csv");
    let today = Utc::now().with_timezone(&vietnam()).date_naive();
    std::fs::write(&file, TestCalendar::around(today).csv()).unwrap();
    let file = file.display().to_string();
    crate::helpers::spawn_app_with(
        backend,
        crate::helpers::AppOptions {
            env: &[("DEADLINES__CALENDAR_FILE", file.as_str())],
            ..Default::default()
        },
    )
    .await
}

on_both_backends! {
    async fn feedback_on_a_procedure_is_due_at_the_end_of_the_twentieth_day(app) {
        let response = app
            .post_feedback_json(json!({
                "text": "Tôi phản ánh việc cấp căn cước ở xã Toàn Lưu chậm trễ đã hai tháng",
                "phone": "0912345678"
            }))
            .await;
        assert_eq!(response.status(), 201);
        let ticket = app.only_ticket().await;
        assert_eq!(ticket.legal_track.as_deref(), Some("feedback"));
        let received = ticket.created_at.with_timezone(&vietnam());
        let due = ticket.due_at.expect("every new ticket has a due time").with_timezone(&vietnam());
        assert_eq!(due.date_naive(), received.date_naive() + Duration::days(20));
        assert_eq!(due.time(), NaiveTime::from_hms_opt(23, 59, 59).unwrap(), "end of the day, local time");
    }
}

on_both_backends! {
    async fn a_crime_report_is_due_twenty_four_hours_after_receipt(app) {
        let response = app
            .post_feedback_json(json!({
                "text": "Tôi muốn tố giác một nhóm đối tượng tổ chức đánh bạc ở thôn Bắc Sơn mỗi tối"
            }))
            .await;
        assert_eq!(response.status(), 201);
        let ticket = app.only_ticket().await;
        assert_eq!(ticket.legal_track.as_deref(), Some("crime_report"));
        assert_eq!(ticket.due_at, Some(ticket.created_at + Duration::hours(24)));
    }
}

on_both_backends! {
    spawn = app_on_a_test_calendar;
    async fn a_citizen_request_is_due_at_office_close_on_the_tenth_working_day(app) {
        let response = app
            .post_feedback_json(json!({"text": "Xin hỏi thủ tục đăng ký thường trú ở xã Toàn Lưu"}))
            .await;
        assert_eq!(response.status(), 201);
        let ticket = app.only_ticket().await;
        assert_eq!(ticket.legal_track.as_deref(), Some("citizen_request"));
        let received = ticket.created_at.with_timezone(&vietnam()).date_naive();
        let calendar = TestCalendar::around(received);
        let expected = calendar.nth_working_day_after(received, 10);
        let weekdays_only = TestCalendar { days_off: Vec::new(), make_up: received }.nth_working_day_after(received, 10);
        assert_ne!(expected, weekdays_only, "the calendar's days off and make-up day change the deadline");
        let local_due = ticket.due_at.unwrap().with_timezone(&vietnam());
        assert_eq!(local_due.date_naive(), expected, "the tenth working day on the configured calendar");
        assert_eq!(local_due.time(), NaiveTime::from_hms_opt(17, 0, 0).unwrap(), "at office close");
    }
}

on_both_backends! {
    spawn = crate::channels::channel_app;
    async fn a_zalo_message_gets_a_due_time_too(app) {
        let body = crate::channels::zalo_fixture("zalo_user_send_text.json");
        assert_eq!(app.post_zalo(&body).await.status(), 200);
        app.processed().await;
        let tickets = app.tickets().await;
        assert_eq!(tickets.len(), 1);
        let due = tickets[0].due_at.expect("webhook tickets are due too");
        assert!(due > tickets[0].created_at, "{due} after {}", tickets[0].created_at);
    }
}

#[test]
fn the_bundled_tracks_carry_their_clocks_and_legal_basis() {
    use phananh::deadlines::{Clock, Clocks};
    use phananh_routing::LegalTrack;

    let settings = Settings::load_from(&repo_path("config/default.toml"), Vec::new()).unwrap();
    let deadlines = &settings.deadlines;
    assert_eq!(
        deadlines.office_close,
        NaiveTime::from_hms_opt(17, 0, 0).unwrap()
    );
    let clocks = Clocks::from_settings(deadlines);
    assert_eq!(clocks.of(LegalTrack::Feedback), Clock::CalendarDays(20));
    assert_eq!(
        clocks.of(LegalTrack::CitizenRequest),
        Clock::WorkingDays(10)
    );
    assert_eq!(clocks.of(LegalTrack::Complaint), Clock::CalendarDays(10));
    assert_eq!(deadlines.complaint.resolve_days, Some(30));
    assert_eq!(clocks.of(LegalTrack::Denunciation), Clock::WorkingDays(7));
    assert_eq!(clocks.of(LegalTrack::CrimeReport), Clock::Hours(24));
    assert!(deadlines.feedback.basis.contains("Decree 20/2008"));
    assert!(deadlines.citizen_request.basis.contains("42/2013"));
    assert!(deadlines.complaint.basis.contains("02/2011"));
    assert!(deadlines.denunciation.basis.contains("25/2018"));
    assert!(
        deadlines
            .crime_report
            .basis
            .contains("Criminal Procedure Code")
    );
}

#[test]
fn a_track_clock_can_be_overridden_from_the_environment() {
    let env = vec![
        (
            "PHANANH__DEADLINES__FEEDBACK__DAYS".to_owned(),
            "15".to_owned(),
        ),
        (
            "PHANANH__DEADLINES__FEEDBACK__WORKING_DAYS".to_owned(),
            "true".to_owned(),
        ),
        (
            "PHANANH__DEADLINES__OFFICE_CLOSE".to_owned(),
            "17:30".to_owned(),
        ),
    ];
    let settings = Settings::load_from(&repo_path("config/default.toml"), env).unwrap();
    assert_eq!(
        settings.deadlines.feedback.clock,
        phananh::deadlines::Clock::WorkingDays(15)
    );
    assert_eq!(
        settings.deadlines.office_close,
        NaiveTime::from_hms_opt(17, 30, 0).unwrap()
    );
}

/// Loads the bundled defaults with `edit` applied to the text; returns the error's message.
fn load_error(edit: impl Fn(&str) -> String) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("default.toml");
    let defaults = std::fs::read_to_string(repo_path("config/default.toml")).unwrap();
    let edited = edit(&defaults);
    assert_ne!(edited, defaults, "the edit applies");
    std::fs::write(&file, edited).unwrap();
    match Settings::load_from(&file, Vec::new()) {
        Ok(_) => panic!("settings loaded despite the edit"),
        Err(err) => format!("{err:#}"),
    }
}

#[test]
fn an_unknown_key_in_a_track_stops_start_up_naming_it() {
    let err = load_error(|d| {
        d.replace(
            "[deadlines.feedback]\n",
            "[deadlines.feedback]\ndayz = 20\n",
        )
    });
    assert!(err.contains("dayz"), "{err}");
    let err = load_error(|d| {
        d.replace(
            "[deadlines.feedback]\n",
            "[deadlines.appeal]\ndays = 5\n\n[deadlines.feedback]\n",
        )
    });
    assert!(err.contains("appeal"), "{err}");
}

#[test]
fn a_track_without_a_clock_stops_start_up_naming_the_track() {
    let err = load_error(|d| d.replace("hours = 24\n", ""));
    assert_eq!(
        err,
        "invalid setting deadlines.crime_report: no clock: set `days` (with `working_days`) or `hours`"
    );

    let err = load_error(|d| d.replace("days = 7\nworking_days = true\n", "working_days = true\n"));
    assert!(err.contains("deadlines.denunciation"), "{err}");
}

#[test]
fn an_ambiguous_clock_stops_start_up_naming_the_track() {
    let err = load_error(|d| d.replace("days = 20\nworking_days = false\n", "days = 20\n"));
    assert!(
        err.contains("deadlines.feedback") && err.contains("working_days"),
        "{err}"
    );
    let err = load_error(|d| d.replace("hours = 24\n", "hours = 24\ndays = 1\n"));
    assert!(
        err.contains("deadlines.crime_report") && err.contains("not both"),
        "{err}"
    );
    let err = load_error(|d| d.replace("office_close = \"17:00\"", "office_close = \"5pm\""));
    assert!(err.contains("5pm"), "{err}");
}

#[test]
fn a_track_without_its_legal_basis_stops_start_up_naming_the_track() {
    let err = load_error(|d| {
        d.replace(
            "basis = \"Law on Denunciations 25/2018/QH14 Art 24 (initial handling), Art 30 (resolution and its extensions)\"",
            "basis = \"\"",
        )
    });
    assert!(
        err.contains("deadlines.denunciation") && err.contains("legal basis"),
        "{err}"
    );
}

#[test]
fn extensions_without_a_resolution_clock_stop_start_up_naming_the_track() {
    let err =
        load_error(|d| d.replacen("resolve_days = 30\nextend_days = 30", "extend_days = 30", 1));
    assert!(
        err.contains("deadlines.denunciation") && err.contains("max_extensions"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_calendar_file_stops_start_up_naming_the_setting() {
    let db = TestDb::fresh(Backend::Sqlite).await.unwrap();
    let settings = test_settings(
        &db.url,
        &[("DEADLINES__CALENDAR_FILE", "/nonexistent/days.csv")],
    );
    let err = match Application::build(settings).await {
        Ok(_) => panic!("started without a calendar"),
        Err(err) => format!("{err:#}"),
    };
    assert!(
        err.contains("deadlines.calendar_file") && err.contains("/nonexistent/days.csv"),
        "{err}"
    );
}
