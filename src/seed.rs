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
use std::collections::HashSet;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    IntoActiveModel, Iterable, PaginatorTrait,
};

use entity::{contact_identities, contacts, ticket_messages, tickets};

use crate::db::Db;
use crate::deadlines::Deadlines;
use crate::domain::{
    Channel, Direction, FeedbackText, TicketStatus, TrackingCode, fold_for_search,
};
use crate::routing::{Gazetteer, LegalTrack, fold};

/// Tickets per transaction.
const BATCH: usize = 5_000;
/// Bound parameters per statement: below SQLite's 32,766 and PostgreSQL's 65,535.
const PARAMS: usize = 30_000;
/// One ticket in this many mentions the rare term.
const RARE_EVERY: usize = 200_000;
/// The rare term, as a search would type it.
pub const RARE_TERM: &str = "khinh khi cau";

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
    anyhow::ensure!(!units.is_empty(), "the gazetteer serves no units");
    let mut rng = StdRng::seed_from_u64(seed);
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
            let unit =
                (!rng.random_bool(0.03)).then(|| units[rng.random_range(0..units.len())].clone());
            let place = &places[rng.random_range(0..places.len())];
            let story = Story::draw(&mut rng, place, i % RARE_EVERY == RARE_EVERY / 2);
            let ticket = ticket_row(
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
                },
                &story,
            )?;
            out.open += usize::from(matches!(
                ticket.status,
                TicketStatus::New | TicketStatus::InProgress
            ));
            out.registering += usize::from(story.registering);
            out.rare += usize::from(story.rare);
            if out.sample_code.is_none() && i >= n / 2 {
                out.sample_code = Some(ticket.tracking_code.clone());
            }
            batch.conversation(&mut rng, &ticket, &story);
            batch.tickets.push(ticket);
        }
        out.tickets += batch.tickets.len();
        out.messages += batch.messages.len();
        out.contacts += batch.contacts.len();
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
                "VACUUM ANALYZE tickets, ticket_messages, contacts, contact_identities",
            )
            .await?;
    }
    Ok(out)
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

    /// The ticket's messages: the citizen's text, then replies and follow-ups taking turns.
    fn conversation(&mut self, rng: &mut StdRng, ticket: &tickets::Model, story: &Story) {
        let count = pick(rng, &[(1, 15), (2, 20), (3, 25), (4, 18), (5, 12), (6, 10)]);
        let mut at = ticket.created_at;
        for k in 0..count {
            let (direction, body) = match k {
                0 => (Direction::In, story.text.clone()),
                k if k % 2 == 1 => (Direction::Out, pick_text(rng, REPLIES).to_owned()),
                _ => (Direction::In, story.typed(pick_text(rng, FOLLOW_UPS))),
            };
            if k > 0 {
                at = (at + Duration::minutes(rng.random_range(5..3 * 24 * 60)))
                    .min(ticket.last_activity_at);
            }
            if k > 0 && k == count - 1 {
                at = ticket.last_activity_at;
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
        Ok(())
    }
}

/// A message row to insert: the database numbers it.
trait WithoutId {
    fn without_id(self) -> Self;
}

impl WithoutId for ticket_messages::ActiveModel {
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
    let status = if open {
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
    let last_activity_at =
        (parts.at + Duration::minutes(rng.random_range(0..20 * 24 * 60))).min(parts.end);
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
        due_stage: None,
        due_set_at: None,
        extensions: 0,
        merged_into_id: None,
        reopened_low_score: false,
        first_reply_at: None,
        assigned_officer_id: None,
        lat: None,
        lon: None,
        dedupe_hash: None,
        due_at: Some(deadlines.due_at(story.track, parts.at)),
        created_at: parts.at,
        updated_at: last_activity_at,
        last_activity_at,
        resolved_at: (!open).then_some(last_activity_at),
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
const FOLLOW_UPS: &[&str] = &[
    "Cảm ơn các anh, tôi sẽ mang giấy tờ lên.",
    "Đến nay vẫn chưa thấy ai xuống kiểm tra ạ.",
    "Tôi gửi thêm ảnh chụp, mong được xử lý sớm.",
    "Vâng, tôi đã nhận được kết quả rồi.",
    "Cho tôi hỏi thêm có cần mang bản gốc không?",
];
