//! `phananh seed --tickets N [--seed S]`: a province's worth of made-up tickets for measuring the inbox at scale
//! (`scripts/bench-inbox.sh`). The same seed gives the same tickets, texts and tracking codes (dates count back
//! from the day it runs), so runs are comparable.
//!
//! What it writes, into the configured database, which must have no tickets yet: tickets spread evenly over the
//! served province's units (a few percent unrouted, in triage), created over the last two years, 10% open
//! (mostly the recent ones), deadlines from the legal tracks' clocks, each with its contact and 1 to 6 messages
//! (median 3): the citizen's first message, then officers' replies and the citizen's follow-ups. Texts are
//! Vietnamese, about half typed without diacritics; about a third of the tickets speak of "đăng ký" (registering
//! residence or a vehicle), and one ticket in 200,000 mentions a "khinh khí cầu" (the rare search term). Written
//! with multi-row inserts, a few thousand tickets per transaction, through the same indexes and triggers as intake.
//!
//! For the satisfaction report (`scripts/bench-reports.sh`): each unit gets a made-up diligence that sets how often
//! its tickets are late and how its citizens score it, so units rank apart. Tickets that are no longer open are
//! resolved hours to weeks after receipt, mostly by their deadline, some late; most tickets have an officer's first
//! reply (their second message, minutes to a couple of days after receipt, usually within hours). Most complaints
//! and denunciations are taken on (their resolution's clock, `due_stage` `resolution`), a few of them prolonged
//! (`extensions`). Of the tickets resolved or closed on a surveyed track (not crime reports), 44% are surveyed
//! (round 1, five-point scale, asked on the ticket's channel just after it was resolved) and 90% of those answered,
//! most within a day, mostly 4-5: about 33% and 30% of the tickets. One ticket in 20 comes with a rating at a
//! unit's desk on the same day (procedures mixed). Officers are not seeded: `assigned_officer_id` stays null.
use std::collections::HashSet;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    IntoActiveModel, Iterable, PaginatorTrait,
};

use entity::{
    contact_identities, contacts, desk_ratings, survey_ratings, ticket_messages, tickets,
};

use crate::db::Db;
use crate::deadlines::Deadlines;
use crate::domain::{
    Channel, Direction, FeedbackText, TicketStatus, TrackingCode, fold_for_search,
};
use crate::inbox::deadline::RESOLUTION;
use crate::routing::{Gazetteer, LegalTrack, fold};

/// Tickets per transaction.
const BATCH: usize = 5_000;
/// Bound parameters per statement: below SQLite's 32,766 and PostgreSQL's 65,535.
const PARAMS: usize = 30_000;
/// One ticket in this many mentions the rare term.
const RARE_EVERY: usize = 200_000;
/// The rare term, as a search would type it.
pub const RARE_TERM: &str = "khinh khi cau";
/// Of the tickets resolved or closed on a surveyed track, the share surveyed.
const SURVEYED: f64 = 0.44;
/// Of the surveys, the share answered.
const ANSWERED: f64 = 0.9;
/// Desk ratings per ticket.
const DESK_PER_TICKET: f64 = 0.05;
/// The resolution's clock once a complaint or denunciation is taken on, and each extension, in days (as
/// `config/default.toml`'s `resolve_days` and `extend_days`).
const RESOLVE_DAYS: i64 = 30;
const EXTEND_COMPLAINT_DAYS: i64 = 15;
const EXTEND_DENUNCIATION_DAYS: i64 = 30;
/// The survey link's life (`satisfaction.link_expiry_days`) and the reminder's delay (`reminder_hours`).
const LINK_DAYS: i64 = 30;
const REMINDER_HOURS: i64 = 24;

/// What a run wrote.
#[derive(Debug, Default)]
pub struct Seeded {
    pub tickets: usize,
    pub open: usize,
    pub messages: usize,
    pub contacts: usize,
    /// Tickets whose first message reads "dang ky" once folded.
    pub registering: usize,
    pub rare: usize,
    /// A tracking code written, for a search by code.
    pub sample_code: Option<String>,
    /// Surveys of tickets (`survey_ratings`), and of them answered with a score.
    pub surveys: usize,
    pub answered: usize,
    pub desk_ratings: usize,
}

/// Writes `n` tickets drawn from `seed`; refuses a database that already has tickets.
pub async fn seed(
    db: &Db,
    gazetteer: &Gazetteer,
    deadlines: &Deadlines,
    n: usize,
    seed: u64,
) -> anyhow::Result<Seeded> {
    let existing = tickets::Entity::find().count(&db.read).await?;
    if existing > 0 {
        anyhow::bail!("the database already has {existing} tickets: seed an empty one");
    }
    let units: Vec<String> = gazetteer.units().iter().map(|u| u.code.clone()).collect();
    let places: Vec<String> = gazetteer.units().iter().map(|u| u.name.clone()).collect();
    let provinces: Vec<String> = gazetteer
        .units()
        .iter()
        .map(|u| u.province_code.clone())
        .collect();
    anyhow::ensure!(!units.is_empty(), "the gazetteer serves no units");
    let mut rng = StdRng::seed_from_u64(seed);
    // Each unit's diligence, 0 to 1: the worst are late more often and scored lower.
    let diligence: Vec<f64> = units.iter().map(|_| rng.random_range(0.0..1.0)).collect();
    // Dates count back from the start of today, so the same seed gives the same spread whatever the hour.
    let end = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .context("midnight exists")?
        .and_utc();
    let start = end - Duration::days(730);
    let step = Duration::days(730).num_seconds() as f64 / n.max(1) as f64;
    let mut codes = HashSet::with_capacity(n);
    // (contact id, identity id, channel) of every contact so far: a fifth of tickets come from someone who wrote
    // before.
    let mut people: Vec<(i32, i32, Channel)> = Vec::with_capacity(n);
    let mut next_contact = last_id(db, "contacts").await? + 1;
    let mut next_identity = last_id(db, "contact_identities").await? + 1;
    let mut out = Seeded::default();
    let mut id = 0;
    while id < n {
        let batch_end = (id + BATCH).min(n);
        let mut batch = Batch::default();
        for i in id..batch_end {
            let at = start
                + Duration::seconds(
                    (i as f64 * step) as i64 + rng.random_range(0..step.max(1.0) as i64),
                );
            let (contact_id, identity_id, channel) = if !people.is_empty() && rng.random_bool(0.2) {
                people[rng.random_range(0..people.len())]
            } else {
                let channel = pick(
                    &mut rng,
                    &[
                        (Channel::Zalo, 50),
                        (Channel::Form, 30),
                        (Channel::Facebook, 20),
                    ],
                );
                let person = (next_contact, next_identity, channel);
                next_contact += 1;
                next_identity += 1;
                batch.person(&mut rng, person, at);
                people.push(person);
                person
            };
            let code = loop {
                let code = TrackingCode::generate_with(&mut rng);
                if codes.insert(code.as_str().to_owned()) {
                    break code;
                }
            };
            let unit_index = (!rng.random_bool(0.03)).then(|| rng.random_range(0..units.len()));
            let unit = unit_index.map(|u| units[u].clone());
            let care = unit_index.map_or(0.5, |u| diligence[u]);
            let place = &places[rng.random_range(0..places.len())];
            let story = Story::draw(&mut rng, place, i % RARE_EVERY == RARE_EVERY / 2);
            let mut ticket = ticket_row(
                &mut rng,
                deadlines,
                TicketParts {
                    id: i as i32 + 1,
                    code,
                    channel,
                    contact_id,
                    identity_id,
                    unit,
                    at,
                    end,
                    care,
                },
                &story,
            )?;
            ticket.province_code = unit_index.map(|u| provinces[u].clone());
            out.open += usize::from(matches!(
                ticket.status,
                TicketStatus::New | TicketStatus::InProgress
            ));
            out.registering += usize::from(story.registering);
            out.rare += usize::from(story.rare);
            if out.sample_code.is_none() && i >= n / 2 {
                out.sample_code = Some(ticket.tracking_code.clone());
            }
            ticket.first_reply_at = batch.conversation(&mut rng, &ticket, &story);
            if surveyed(&ticket, story.track) && rng.random_bool(SURVEYED) {
                let answered = batch.survey(&mut rng, &ticket, care, end);
                out.surveys += 1;
                out.answered += usize::from(answered);
            }
            if rng.random_bool(DESK_PER_TICKET) {
                let u = rng.random_range(0..units.len());
                batch.desk(&mut rng, &units[u], diligence[u], at, end);
            }
            batch.tickets.push(ticket);
        }
        out.tickets += batch.tickets.len();
        out.messages += batch.messages.len();
        out.contacts += batch.contacts.len();
        out.desk_ratings += batch.desk.len();
        let txn = db.begin_write().await?;
        batch.write(&txn).await?;
        txn.commit().await?;
        id = batch_end;
        if id % 100_000 == 0 || id == n {
            tracing::info!(tickets = id, "seeded");
        }
    }
    if db.backend() == DbBackend::Postgres {
        // Explicit ids leave the sequences behind; intake's next ticket must not collide with a seeded one.
        for table in [
            "tickets",
            "ticket_messages",
            "contacts",
            "contact_identities",
        ] {
            db.write
                .execute_unprepared(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                ))
                .await?;
        }
        // As autovacuum would after a while: statistics for the planner, the visibility map for index-only scans.
        db.write
            .execute_unprepared(
                "VACUUM ANALYZE tickets, ticket_messages, contacts, contact_identities, survey_ratings, \
                 desk_ratings",
            )
            .await?;
    }
    tracing::info!(
        surveys = out.surveys,
        answered = out.answered,
        desk_ratings = out.desk_ratings,
        "seeded ratings"
    );
    Ok(out)
}

/// Whether resolving `ticket` asked its citizen: resolved or closed (not rejected), on a track that is surveyed
/// (`satisfaction.exclude_tracks` is crime reports by default).
fn surveyed(ticket: &tickets::Model, track: LegalTrack) -> bool {
    matches!(ticket.status, TicketStatus::Resolved | TicketStatus::Closed)
        && ticket.resolved_at.is_some()
        && track != LegalTrack::CrimeReport
}

async fn last_id(db: &Db, table: &str) -> anyhow::Result<i32> {
    let row = db
        .read
        .query_one_raw(sea_orm::Statement::from_string(
            db.backend(),
            format!("SELECT COALESCE(MAX(id), 0) AS last FROM {table}"),
        ))
        .await?
        .context("MAX answers one row")?;
    Ok(row.try_get::<i32>("", "last")?)
}

/// One transaction's rows.
#[derive(Default)]
struct Batch {
    contacts: Vec<contacts::ActiveModel>,
    identities: Vec<contact_identities::ActiveModel>,
    tickets: Vec<tickets::Model>,
    messages: Vec<ticket_messages::ActiveModel>,
    surveys: Vec<survey_ratings::ActiveModel>,
    desk: Vec<desk_ratings::ActiveModel>,
}

impl Batch {
    fn person(
        &mut self,
        rng: &mut StdRng,
        (contact, identity, channel): (i32, i32, Channel),
        at: DateTime<Utc>,
    ) {
        let name = (channel != Channel::Form || rng.random_bool(0.7)).then(|| person_name(rng));
        let phone = (channel == Channel::Form && rng.random_bool(0.6))
            .then(|| format!("+849{:08}", rng.random_range(0..100_000_000)));
        self.contacts.push(
            contacts::Model {
                id: contact,
                display_name: name.clone(),
                verified_phone: None,
                possibly_same_as: None,
                created_at: at,
                updated_at: at,
            }
            .into_active_model()
            .reset_all(),
        );
        let account = match channel {
            Channel::Zalo => "seed-oa",
            Channel::Facebook => "seed-page",
            Channel::Form => "",
        };
        self.identities.push(
            contact_identities::Model {
                id: identity,
                contact_id: contact,
                channel,
                account_external_id: account.into(),
                external_id: format!("seed-{identity}"),
                display_name: name,
                phone,
                phone_verified: false,
                email: None,
                following: (channel == Channel::Zalo).then_some(true),
                created_at: at,
                updated_at: at,
            }
            .into_active_model()
            .reset_all(),
        );
    }

    /// The ticket's messages: the citizen's text, then replies and follow-ups taking turns. Returns when an officer
    /// first replied: minutes to two days after receipt (a couple of hours in the middle), never after the last
    /// activity.
    fn conversation(
        &mut self,
        rng: &mut StdRng,
        ticket: &tickets::Model,
        story: &Story,
    ) -> Option<DateTime<Utc>> {
        let count = pick(rng, &[(1, 15), (2, 20), (3, 25), (4, 18), (5, 12), (6, 10)]);
        let mut at = ticket.created_at;
        let mut first_reply = None;
        for k in 0..count {
            let (direction, body) = match k {
                0 => (Direction::In, story.text.clone()),
                k if k % 2 == 1 => (Direction::Out, pick_text(rng, REPLIES).to_owned()),
                _ => (Direction::In, story.typed(pick_text(rng, FOLLOW_UPS))),
            };
            if k == 1 {
                at = (at + log_uniform(rng, Duration::minutes(5), Duration::days(2)))
                    .min(ticket.last_activity_at);
            } else if k > 1 {
                at = (at + Duration::minutes(rng.random_range(5..3 * 24 * 60)))
                    .min(ticket.last_activity_at);
            }
            // The citizen's last follow-up is the last activity; a reply may be the last message of a ticket
            // resolved later.
            if k > 1 && k == count - 1 {
                at = ticket.last_activity_at;
            }
            if direction == Direction::Out && first_reply.is_none() {
                first_reply = Some(at);
            }
            self.messages.push(
                ticket_messages::Model {
                    id: 0,
                    ticket_id: ticket.id,
                    direction,
                    channel: ticket.channel,
                    provider_message_id: None,
                    body,
                    original_body: None,
                    attachments: None,
                    lat: None,
                    lon: None,
                    language: (direction == Direction::In).then(|| "vi".to_owned()),
                    language_confidence: None,
                    language_method: None,
                    officer_id: None,
                    public: direction == Direction::Out,
                    removed: false,
                    hidden: false,
                    edited_at: None,
                    created_at: at,
                }
                .into_active_model()
                .reset_all()
                .without_id(),
            );
        }
        first_reply
    }

    /// The survey asked when `ticket` was resolved, and its answer: most within the day, scored as the unit's
    /// diligence `care` makes likely. Returns whether it was answered.
    fn survey(
        &mut self,
        rng: &mut StdRng,
        ticket: &tickets::Model,
        care: f64,
        end: DateTime<Utc>,
    ) -> bool {
        let resolved_at = ticket.resolved_at.unwrap_or(ticket.last_activity_at);
        let sent_at = resolved_at + Duration::seconds(rng.random_range(1..120));
        let asked_via = match ticket.channel {
            Channel::Zalo if rng.random_bool(0.9) => "zalo_cs",
            Channel::Facebook if rng.random_bool(0.85) => "messenger",
            Channel::Form if rng.random_bool(0.2) => "email",
            _ => "link",
        };
        let answered_at = rng.random_bool(ANSWERED).then(|| {
            let after = if rng.random_bool(0.85) {
                log_uniform(rng, Duration::minutes(1), Duration::hours(24))
            } else {
                Duration::minutes(rng.random_range(24 * 60..7 * 24 * 60))
            };
            sent_at + after
        });
        // Nothing happens after the end: a later answer has not come yet.
        let answered_at = answered_at.filter(|a| *a <= end);
        let score = answered_at.map(|_| draw_score(rng, care));
        let solved = score.and_then(|s| {
            let (yes, no) = match s {
                4..=5 => (80, 3),
                3 => (45, 25),
                _ => (10, 60),
            };
            pick(
                rng,
                &[(Some(true), yes), (Some(false), no), (None, 100 - yes - no)],
            )
        });
        let comment = score
            .filter(|s| rng.random_bool(if *s <= 2 { 0.5 } else { 0.1 }))
            .map(|s| pick_text(rng, if s >= 4 { PRAISE } else { COMPLAINTS }).to_owned());
        // The one reminder: not needed when answered within its delay, sent when the delay passed unanswered.
        let remind_at = sent_at + Duration::hours(REMINDER_HOURS);
        let (reminder, reminded_at) = match answered_at {
            Some(a) if a <= remind_at => (Some("not_needed"), None),
            _ if remind_at > end => (None, None),
            _ if asked_via == "link" => (Some("skipped"), None),
            _ => (Some("sent"), Some(remind_at)),
        };
        self.surveys.push(
            survey_ratings::Model {
                id: 0,
                ticket_id: ticket.id,
                // A ticket's one survey: its id, as long as a real token (48 hex digits), is unique.
                token: format!("{:048x}", ticket.id),
                unit_code: ticket.unit_code.clone(),
                officer_id: ticket.assigned_officer_id,
                channel: ticket.channel,
                score,
                comment,
                sent_at,
                answered_at,
                scale: "five".into(),
                round: 1,
                solved,
                language: ticket.language.clone(),
                expires_at: Some(sent_at + Duration::days(LINK_DAYS)),
                asked_via: Some(asked_via.into()),
                reminder: reminder.map(str::to_owned),
                reminded_at,
            }
            .into_active_model()
            .reset_all()
            .without_id(),
        );
        answered_at.is_some()
    }

    /// A rating at `unit`'s desk in office hours on the local day of `at`.
    fn desk(
        &mut self,
        rng: &mut StdRng,
        unit: &str,
        care: f64,
        at: DateTime<Utc>,
        end: DateTime<Utc>,
    ) {
        let local_day = (at + Duration::hours(7)).date_naive();
        // 07:30 to 17:00 in Vietnam (UTC+7).
        let created_at = local_day
            .and_hms_opt(0, 0, 0)
            .map(|midnight| {
                midnight.and_utc() - Duration::hours(7)
                    + Duration::minutes(rng.random_range(7 * 60 + 30..17 * 60))
            })
            .unwrap_or(at)
            .min(end);
        let procedure = pick(
            rng,
            &[
                ("residence", 35),
                ("id_card", 35),
                ("vehicle", 15),
                ("other", 15),
            ],
        );
        let score = draw_score(rng, care);
        let comment = rng
            .random_bool(0.05)
            .then(|| pick_text(rng, if score >= 4 { PRAISE } else { COMPLAINTS }).to_owned());
        self.desk.push(
            desk_ratings::Model {
                id: 0,
                unit_code: unit.to_owned(),
                procedure: procedure.to_owned(),
                score,
                scale: "five".into(),
                comment,
                created_at,
            }
            .into_active_model()
            .reset_all()
            .without_id(),
        );
    }

    async fn write(self, txn: &DatabaseTransaction) -> anyhow::Result<()> {
        insert_chunks(txn, self.contacts).await?;
        insert_chunks(txn, self.identities).await?;
        let tickets: Vec<tickets::ActiveModel> = self
            .tickets
            .into_iter()
            .map(|t| t.into_active_model().reset_all())
            .collect();
        insert_chunks(txn, tickets).await?;
        insert_chunks(txn, self.messages).await?;
        insert_chunks(txn, self.surveys).await?;
        insert_chunks(txn, self.desk).await?;
        Ok(())
    }
}

/// A row to insert that the database numbers.
trait WithoutId {
    fn without_id(self) -> Self;
}

impl WithoutId for ticket_messages::ActiveModel {
    fn without_id(mut self) -> Self {
        self.id = sea_orm::ActiveValue::NotSet;
        self
    }
}

impl WithoutId for survey_ratings::ActiveModel {
    fn without_id(mut self) -> Self {
        self.id = sea_orm::ActiveValue::NotSet;
        self
    }
}

impl WithoutId for desk_ratings::ActiveModel {
    fn without_id(mut self) -> Self {
        self.id = sea_orm::ActiveValue::NotSet;
        self
    }
}

/// Multi-row inserts of as many rows as the bound parameters allow.
async fn insert_chunks<A>(txn: &DatabaseTransaction, rows: Vec<A>) -> anyhow::Result<()>
where
    A: ActiveModelTrait + Clone,
{
    let columns = <<A::Entity as EntityTrait>::Column as Iterable>::iter().count();
    for chunk in rows.chunks((PARAMS / columns).max(1)) {
        A::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

struct TicketParts {
    id: i32,
    code: TrackingCode,
    channel: Channel,
    contact_id: i32,
    identity_id: i32,
    unit: Option<String>,
    at: DateTime<Utc>,
    /// Today: nothing happens after it.
    end: DateTime<Utc>,
    /// The unit's diligence, 0 to 1.
    care: f64,
}

fn ticket_row(
    rng: &mut StdRng,
    deadlines: &Deadlines,
    parts: TicketParts,
    story: &Story,
) -> anyhow::Result<tickets::Model> {
    let age_days = (parts.end - parts.at).num_days();
    // Most open tickets are recent; a few old ones still wait (the backlog).
    let open = rng.random_bool(if age_days < 60 { 0.7 } else { 0.046 });
    let mut status = if open {
        if age_days < 7 || rng.random_bool(0.3) {
            TicketStatus::New
        } else {
            TicketStatus::InProgress
        }
    } else {
        pick(
            rng,
            &[
                (TicketStatus::Resolved, 65),
                (TicketStatus::Closed, 28),
                (TicketStatus::Rejected, 7),
            ],
        )
    };
    // The first clock; a complaint or denunciation taken on runs on its resolution's clock, perhaps prolonged.
    let mut due_at = deadlines.due_at(story.track, parts.at);
    let (mut due_stage, mut due_set_at, mut extensions) = (None, None, 0);
    let extension = match story.track {
        LegalTrack::Complaint => Some((EXTEND_COMPLAINT_DAYS, 1)),
        LegalTrack::Denunciation => Some((EXTEND_DENUNCIATION_DAYS, 2)),
        _ => None,
    };
    if let Some((extend_days, max_extensions)) = extension
        && rng.random_bool(0.6)
    {
        let taken_on = between(rng, parts.at, due_at);
        if taken_on < parts.end {
            due_at = taken_on + Duration::days(RESOLVE_DAYS);
            due_stage = Some(RESOLUTION.to_owned());
            due_set_at = Some(taken_on);
            if status == TicketStatus::New {
                status = TicketStatus::InProgress;
            }
            // A complex case prolonged, a few days before its deadline.
            while extensions < max_extensions && rng.random_bool(0.3) {
                let prolonged_at = due_at - Duration::days(rng.random_range(1..5));
                if prolonged_at >= parts.end {
                    break;
                }
                due_at += Duration::days(extend_days);
                due_set_at = Some(prolonged_at);
                extensions += 1;
            }
        }
    }
    // Resolved an hour to weeks after receipt (or after the deadline was last set): mostly early in the time
    // allowed, some late, the less diligent units more often.
    let resolved_at = (!open).then(|| {
        let lower = due_set_at.unwrap_or(parts.at) + Duration::hours(1);
        let at = if rng.random_bool(0.03 + 0.17 * (1.0 - parts.care)) {
            due_at + log_uniform(rng, Duration::hours(1), Duration::days(14))
        } else {
            let allowed = (due_at - lower).max(Duration::hours(1)).num_seconds() as f64;
            lower + Duration::seconds((allowed * rng.random_range(0.0..1.0f64).powi(2)) as i64)
        };
        if at <= parts.end {
            at
        } else {
            between(rng, lower.min(parts.end), parts.end)
        }
    });
    let last_activity_at = match resolved_at {
        Some(resolved_at) => resolved_at,
        None => (parts.at + Duration::minutes(rng.random_range(0..20 * 24 * 60)))
            .min(parts.end)
            .max(due_set_at.unwrap_or(parts.at)),
    };
    let text =
        FeedbackText::parse(&story.text).map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.code))?;
    let classification = serde_json::json!({
        "topic": story.topic,
        "track": story.track.as_str(),
        "urgent": story.urgent,
        "officer_conduct": story.topic == "officer_conduct",
    });
    Ok(tickets::Model {
        id: parts.id,
        tracking_code: parts.code.as_str().to_owned(),
        channel: parts.channel,
        channel_account_id: None,
        contact_id: parts.contact_id,
        contact_identity_id: parts.identity_id,
        thread_key: None,
        routing_confidence: Some(if parts.unit.is_some() { 0.9 } else { 0.3 }),
        routing_reasons: Some("[]".into()),
        suggested_unit_code: None,
        submitted_unit_code: None,
        unit_code: parts.unit,
        status,
        summary: text.summary(),
        language: Some("vi".into()),
        topic: Some(story.topic.into()),
        legal_track: Some(story.track.as_str().into()),
        classification: Some(classification.to_string()),
        urgent: story.urgent,
        officer_conduct: story.topic == "officer_conduct",
        search_text: Some(fold_for_search(&story.text)),
        due_stage,
        due_set_at,
        extensions,
        merged_into_id: None,
        reopened_low_score: false,
        first_reply_at: None,
        assigned_officer_id: None,
        lat: None,
        lon: None,
        dedupe_hash: None,
        due_at: Some(due_at),
        created_at: parts.at,
        updated_at: last_activity_at,
        last_activity_at,
        resolved_at,
        province_code: None,
    })
}

/// A ticket's first message and what it is about.
struct Story {
    text: String,
    topic: &'static str,
    track: LegalTrack,
    urgent: bool,
    /// Typed without diacritics (the citizen's follow-ups too).
    plain: bool,
    registering: bool,
    rare: bool,
}

impl Story {
    fn draw(rng: &mut StdRng, place: &str, rare: bool) -> Story {
        // Topic weights: registering residence or a vehicle is about a third of what citizens write.
        let (topic, templates) = pick(
            rng,
            &[
                (("residence", RESIDENCE), 22),
                (("vehicle_registration", VEHICLES), 11),
                (("id_card", ID_CARDS), 18),
                (("public_order", PUBLIC_ORDER), 20),
                (("traffic", TRAFFIC), 12),
                (("officer_conduct", CONDUCT), 2),
                (("other", OTHER), 15),
            ],
        );
        let track = match topic {
            "residence" | "vehicle_registration" | "id_card" => pick(
                rng,
                &[(LegalTrack::CitizenRequest, 70), (LegalTrack::Feedback, 30)],
            ),
            "public_order" => pick(
                rng,
                &[
                    (LegalTrack::Feedback, 50),
                    (LegalTrack::CrimeReport, 30),
                    (LegalTrack::Complaint, 20),
                ],
            ),
            "traffic" => pick(
                rng,
                &[(LegalTrack::Feedback, 60), (LegalTrack::CrimeReport, 40)],
            ),
            "officer_conduct" => pick(
                rng,
                &[(LegalTrack::Complaint, 60), (LegalTrack::Denunciation, 40)],
            ),
            _ => LegalTrack::Feedback,
        };
        let urgent = track == LegalTrack::CrimeReport && rng.random_bool(0.15);
        let mut text = pick_text(rng, templates)
            .replace("{place}", place)
            .replace("{name}", &person_name(rng))
            .replace(
                "{plate}",
                &format!(
                    "38A-{:03}.{:02}",
                    rng.random_range(0..1000),
                    rng.random_range(0..100)
                ),
            )
            .replace("{hour}", &rng.random_range(6..23).to_string());
        if rare {
            text.push_str(" Tối qua có người thả khinh khí cầu gần khu dân cư, rất nguy hiểm.");
        }
        let plain = rng.random_bool(0.5);
        let mut story = Story {
            text,
            topic,
            track,
            urgent,
            plain,
            registering: matches!(topic, "residence" | "vehicle_registration"),
            rare,
        };
        story.text = story.typed(&story.text);
        story
    }

    /// `text` as this citizen types: with diacritics, or folded (lowercase, no diacritics).
    fn typed(&self, text: &str) -> String {
        if self.plain {
            fold(text)
        } else {
            text.to_owned()
        }
    }
}

fn pick<T: Copy>(rng: &mut StdRng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut at = rng.random_range(0..total);
    for (value, weight) in weighted {
        if at < *weight {
            return *value;
        }
        at -= weight;
    }
    weighted[weighted.len() - 1].0
}

/// A moment between `from` and `to`, uniformly; `from` when `to` is not later.
fn between(rng: &mut StdRng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_seconds();
    if span <= 0 {
        return from;
    }
    from + Duration::seconds(rng.random_range(0..span))
}

/// A duration from `low` to `high`, as likely in each doubling: mostly short, a few long.
fn log_uniform(rng: &mut StdRng, low: Duration, high: Duration) -> Duration {
    let (low, high) = (
        (low.num_seconds().max(1) as f64).ln(),
        (high.num_seconds().max(2) as f64).ln(),
    );
    Duration::seconds(rng.random_range(low..high).exp() as i64)
}

/// A score on the five-point scale: mostly 4-5; 1-3 more often where the unit is less diligent (`care` 0 to 1).
fn draw_score(rng: &mut StdRng, care: f64) -> i16 {
    let weight = |base: f64, slope: f64| (base + slope * care).round().max(1.0) as u32;
    pick(
        rng,
        &[
            (5, weight(400.0, 250.0)),
            (4, weight(280.0, 0.0)),
            (3, weight(120.0, -40.0)),
            (2, weight(80.0, -60.0)),
            (1, weight(120.0, -100.0)),
        ],
    )
}

fn pick_text<'a>(rng: &mut StdRng, texts: &[&'a str]) -> &'a str {
    texts[rng.random_range(0..texts.len())]
}

fn person_name(rng: &mut StdRng) -> String {
    const FAMILY: &[&str] = &[
        "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
    ];
    const MIDDLE: &[&str] = &["Văn", "Thị", "Hữu", "Đức", "Thanh", "Minh", "Quốc", "Ngọc"];
    const GIVEN: &[&str] = &[
        "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Linh", "Long",
        "Mai", "Nam", "Nga", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vinh", "Yến",
    ];
    format!(
        "{} {} {}",
        pick_text(rng, FAMILY),
        pick_text(rng, MIDDLE),
        pick_text(rng, GIVEN)
    )
}

// Every template of the first two lists says "đăng ký"; no other one does (nor "đang" before a word in "k").
const RESIDENCE: &[&str] = &[
    "Xin hỏi thủ tục đăng ký tạm trú cho con tôi đi học ở {place} cần những giấy tờ gì?",
    "Tôi muốn đăng ký thường trú về nhà bố mẹ ở {place}, nộp hồ sơ ở đâu ạ?",
    "Đã nộp hồ sơ đăng ký tạm trú trên cổng dịch vụ công 10 ngày mà chưa thấy trả kết quả.",
    "Chủ nhà trọ ở {place} không cho chúng tôi đăng ký tạm trú, mong công an xã xem xét.",
    "Cho em hỏi đăng ký thường trú cho con mới sinh thì làm online được không?",
    "Gia đình tôi chuyển về {place} sống, xin hướng dẫn đăng ký thường trú và tách hộ.",
];
const VEHICLES: &[&str] = &[
    "Tôi mua xe máy cũ, xin hỏi thủ tục đăng ký sang tên xe biển {plate} ở {place}.",
    "Đăng ký xe mới đã 2 tuần chưa nhận được biển số, mong được giải quyết.",
    "Xin hỏi đăng ký xe ô tô có làm ở công an xã {place} được không?",
    "Giấy đăng ký xe của tôi bị mất, làm lại ở đâu và mất bao lâu?",
];
const ID_CARDS: &[&str] = &[
    "Làm căn cước cho con 10 tuổi ở {place} thì mang theo giấy tờ gì?",
    "Tôi bị mất căn cước công dân, xin cấp lại thế nào ạ?",
    "Hẹn trả thẻ căn cước từ tháng trước mà vẫn chưa có, nhờ kiểm tra giúp.",
    "Tài khoản định danh điện tử VNeID của tôi không kích hoạt được.",
    "Thông tin trên thẻ căn cước bị sai ngày sinh, cần điều chỉnh.",
];
const PUBLIC_ORDER: &[&str] = &[
    "Quán karaoke ở {place} hát to đến {hour} giờ đêm, ảnh hưởng giấc ngủ cả xóm.",
    "Có nhóm thanh niên tụ tập đánh bạc ở nhà văn hóa thôn, đề nghị xử lý.",
    "Nhà hàng xóm đổ rác ra đường làng, nhắc nhiều lần không nghe.",
    "Tối nay khoảng {hour} giờ có đánh nhau trước chợ {place}, mong công an có mặt.",
    "Mấy ngày nay có người lạ hay lảng vảng quanh trường học, phụ huynh rất lo.",
    "Bị mất trộm xe đạp trước cửa nhà ở {place}, nhờ công an xã hỗ trợ.",
];
const TRAFFIC: &[&str] = &[
    "Xe tải chở cát chạy quá tốc độ qua {place}, làm rơi vãi đất cát ra đường.",
    "Đoạn đường gần cầu ở {place} không có biển báo, tối qua lại xảy ra va chạm.",
    "Học sinh đi xe máy không đội mũ bảo hiểm trước cổng trường mỗi sáng.",
    "Có người đỗ xe chắn lối đi vào ngõ nhà tôi cả ngày.",
];
const CONDUCT: &[&str] = &[
    "Cán bộ tiếp dân ở {place} thái độ không đúng mực khi tôi hỏi thủ tục.",
    "Tôi phản ánh việc cán bộ hẹn nhiều lần mà không giải quyết hồ sơ.",
];
const OTHER: &[&str] = &[
    "Xin số điện thoại trực ban của công an xã {place}.",
    "Có cuộc gọi giả danh công an yêu cầu chuyển tiền, tôi nên làm gì?",
    "Nhờ công an xã xác nhận giấy tờ cho con đi làm ở nước ngoài.",
    "Tôi nhặt được ví có giấy tờ mang tên {name}, muốn gửi lại công an.",
    "Nhà tôi ở {place} bị mất điện và có người lạ vào vườn lúc nửa đêm.",
];
const REPLIES: &[&str] = &[
    "Công an xã đã tiếp nhận phản ánh, chúng tôi sẽ kiểm tra và trả lời sớm.",
    "Đề nghị anh/chị mang giấy tờ tùy thân đến trụ sở trong giờ hành chính để được hướng dẫn.",
    "Cảm ơn anh/chị đã phản ánh. Tổ công tác đã xuống kiểm tra và nhắc nhở.",
    "Hồ sơ của anh/chị đang được xử lý, dự kiến có kết quả trong tuần này.",
];
const PRAISE: &[&str] = &[
    "Cán bộ nhiệt tình, giải quyết nhanh.",
    "Cảm ơn công an xã đã hỗ trợ kịp thời.",
    "Hướng dẫn rõ ràng, dễ hiểu.",
    "Rất hài lòng",
];
const COMPLAINTS: &[&str] = &[
    "Chờ lâu quá mới có người trả lời.",
    "Vẫn chưa giải quyết xong vấn đề của tôi.",
    "Hướng dẫn chưa rõ, phải đi lại nhiều lần.",
    "Không hài lòng với thái độ tiếp dân.",
];
const FOLLOW_UPS: &[&str] = &[
    "Cảm ơn các anh, tôi sẽ mang giấy tờ lên.",
    "Đến nay vẫn chưa thấy ai xuống kiểm tra ạ.",
    "Tôi gửi thêm ảnh chụp, mong được xử lý sớm.",
    "Vâng, tôi đã nhận được kết quả rồi.",
    "Cho tôi hỏi thêm có cần mang bản gốc không?",
];
