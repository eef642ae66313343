//! Topic, legal track and urgency of a ticket from its text, with the words that decided
//! them (officers see them and can correct the result). Phrases are matched on the same
//! folded, chat-normalised tokens as place names.

use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;

use crate::text::prepare;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Residence,
    IdCard,
    VehicleRegistration,
    PublicOrder,
    Traffic,
    OfficerConduct,
    Other,
}

impl Topic {
    pub const ALL: [Topic; 7] = [
        Topic::Residence,
        Topic::IdCard,
        Topic::VehicleRegistration,
        Topic::PublicOrder,
        Topic::Traffic,
        Topic::OfficerConduct,
        Topic::Other,
    ];

    pub fn parse(value: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Residence => "residence",
            Topic::IdCard => "id_card",
            Topic::VehicleRegistration => "vehicle_registration",
            Topic::PublicOrder => "public_order",
            Topic::Traffic => "traffic",
            Topic::OfficerConduct => "officer_conduct",
            Topic::Other => "other",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalTrack {
    /// Phản ánh, kiến nghị on administrative regulations and procedures.
    Feedback,
    /// A question or request raised at the unit (tiếp công dân).
    CitizenRequest,
    /// Khiếu nại against a decision or act of the unit.
    Complaint,
    /// Tố cáo: reporting an official's violation.
    Denunciation,
    /// Tố giác, tin báo tội phạm.
    CrimeReport,
}

impl LegalTrack {
    pub const ALL: [LegalTrack; 5] = [
        LegalTrack::Feedback,
        LegalTrack::CitizenRequest,
        LegalTrack::Complaint,
        LegalTrack::Denunciation,
        LegalTrack::CrimeReport,
    ];

    pub fn parse(value: &str) -> Option<LegalTrack> {
        LegalTrack::ALL.into_iter().find(|t| t.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LegalTrack::Feedback => "feedback",
            LegalTrack::CitizenRequest => "citizen_request",
            LegalTrack::Complaint => "complaint",
            LegalTrack::Denunciation => "denunciation",
            LegalTrack::CrimeReport => "crime_report",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Classification {
    pub topic: Topic,
    pub topic_words: Vec<String>,
    pub track: LegalTrack,
    pub track_words: Vec<String>,
    pub urgent: bool,
    pub urgent_words: Vec<String>,
    /// A complaint about officers' conduct: also goes to the province supervisors' queue.
    pub officer_conduct: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Cue {
    Topic(Topic),
    /// Crime wording: public order topic and the crime-report track.
    Crime,
    Track(LegalTrack),
    Urgent,
}

/// Folded phrases (space-separated tokens, chat spellings already normalised).
const CUES: &[(&str, Cue)] = &[
    // residence
    ("cu tru", Cue::Topic(Topic::Residence)),
    ("tam tru", Cue::Topic(Topic::Residence)),
    ("thuong tru", Cue::Topic(Topic::Residence)),
    ("tam vang", Cue::Topic(Topic::Residence)),
    ("ho khau", Cue::Topic(Topic::Residence)),
    ("luu tru", Cue::Topic(Topic::Residence)),
    ("nhap khau", Cue::Topic(Topic::Residence)),
    ("tach khau", Cue::Topic(Topic::Residence)),
    ("chuyen khau", Cue::Topic(Topic::Residence)),
    ("xoa dang ky thuong tru", Cue::Topic(Topic::Residence)),
    // ID card and VNeID
    ("can cuoc", Cue::Topic(Topic::IdCard)),
    ("cccd", Cue::Topic(Topic::IdCard)),
    ("cmnd", Cue::Topic(Topic::IdCard)),
    ("cmt", Cue::Topic(Topic::IdCard)),
    ("chung minh nhan dan", Cue::Topic(Topic::IdCard)),
    ("chung minh thu", Cue::Topic(Topic::IdCard)),
    ("vneid", Cue::Topic(Topic::IdCard)),
    ("dinh danh", Cue::Topic(Topic::IdCard)),
    ("ma dinh danh", Cue::Topic(Topic::IdCard)),
    // vehicle registration
    ("dang ky xe", Cue::Topic(Topic::VehicleRegistration)),
    ("dang ki xe", Cue::Topic(Topic::VehicleRegistration)),
    ("bien so", Cue::Topic(Topic::VehicleRegistration)),
    ("bien kiem soat", Cue::Topic(Topic::VehicleRegistration)),
    ("cavet", Cue::Topic(Topic::VehicleRegistration)),
    ("ca vet", Cue::Topic(Topic::VehicleRegistration)),
    ("sang ten", Cue::Topic(Topic::VehicleRegistration)),
    ("giay dang ky", Cue::Topic(Topic::VehicleRegistration)),
    ("thu hoi dang ky", Cue::Topic(Topic::VehicleRegistration)),
    // traffic
    ("giao thong", Cue::Topic(Topic::Traffic)),
    ("tai nan", Cue::Topic(Topic::Traffic)),
    ("dua xe", Cue::Topic(Topic::Traffic)),
    ("lang lach", Cue::Topic(Topic::Traffic)),
    ("bop coi", Cue::Topic(Topic::Traffic)),
    ("qua tai", Cue::Topic(Topic::Traffic)),
    ("un tac", Cue::Topic(Topic::Traffic)),
    ("ket xe", Cue::Topic(Topic::Traffic)),
    ("vuot den do", Cue::Topic(Topic::Traffic)),
    ("mu bao hiem", Cue::Topic(Topic::Traffic)),
    ("nong do con", Cue::Topic(Topic::Traffic)),
    ("csgt", Cue::Topic(Topic::Traffic)),
    ("do xe", Cue::Topic(Topic::Traffic)),
    ("chan duong", Cue::Topic(Topic::Traffic)),
    ("lan chiem", Cue::Topic(Topic::Traffic)),
    // public order and security (crime words also set the crime-report track)
    ("trom", Cue::Crime),
    ("cuop", Cue::Crime),
    ("giat do", Cue::Crime),
    ("lua dao", Cue::Crime),
    ("ma tuy", Cue::Crime),
    ("danh bac", Cue::Crime),
    ("co bac", Cue::Crime),
    ("lo de", Cue::Crime),
    ("cho vay nang lai", Cue::Crime),
    ("tin dung den", Cue::Crime),
    ("buon ban nguoi", Cue::Crime),
    ("giet", Cue::Crime),
    ("hiep dam", Cue::Crime),
    ("xam hai", Cue::Crime),
    ("hanh hung", Cue::Crime),
    ("chem", Cue::Crime),
    ("bat coc", Cue::Crime),
    ("mai dam", Cue::Crime),
    ("tang tru", Cue::Crime),
    ("vu khi", Cue::Crime),
    ("gay roi", Cue::Topic(Topic::PublicOrder)),
    ("danh nhau", Cue::Topic(Topic::PublicOrder)),
    ("tu tap", Cue::Topic(Topic::PublicOrder)),
    ("on ao", Cue::Topic(Topic::PublicOrder)),
    ("karaoke", Cue::Topic(Topic::PublicOrder)),
    ("an ninh", Cue::Topic(Topic::PublicOrder)),
    ("trat tu", Cue::Topic(Topic::PublicOrder)),
    ("nhau nhet", Cue::Topic(Topic::PublicOrder)),
    ("do trom rac", Cue::Topic(Topic::PublicOrder)),
    ("rac thai", Cue::Topic(Topic::PublicOrder)),
    ("phao no", Cue::Topic(Topic::PublicOrder)),
    ("dam nhau", Cue::Topic(Topic::PublicOrder)),
    // officers' conduct
    ("thai do", Cue::Topic(Topic::OfficerConduct)),
    ("hach dich", Cue::Topic(Topic::OfficerConduct)),
    ("nhung nhieu", Cue::Topic(Topic::OfficerConduct)),
    ("gay kho khan", Cue::Topic(Topic::OfficerConduct)),
    ("gay kho de", Cue::Topic(Topic::OfficerConduct)),
    ("tieu cuc", Cue::Topic(Topic::OfficerConduct)),
    ("hoi lo", Cue::Topic(Topic::OfficerConduct)),
    ("boi duong", Cue::Topic(Topic::OfficerConduct)),
    ("lam tien", Cue::Topic(Topic::OfficerConduct)),
    ("vong vo", Cue::Topic(Topic::OfficerConduct)),
    ("quat nat", Cue::Topic(Topic::OfficerConduct)),
    ("tho lo", Cue::Topic(Topic::OfficerConduct)),
    ("khong dung muc", Cue::Topic(Topic::OfficerConduct)),
    ("lam sai", Cue::Topic(Topic::OfficerConduct)),
    ("tac trach", Cue::Topic(Topic::OfficerConduct)),
    ("vo trach nhiem", Cue::Topic(Topic::OfficerConduct)),
    ("bao ke", Cue::Topic(Topic::OfficerConduct)),
    // legal tracks
    ("to giac", Cue::Track(LegalTrack::CrimeReport)),
    ("tin bao", Cue::Track(LegalTrack::CrimeReport)),
    ("trinh bao", Cue::Track(LegalTrack::CrimeReport)),
    ("bao an", Cue::Track(LegalTrack::CrimeReport)),
    ("to cao", Cue::Track(LegalTrack::Denunciation)),
    ("khieu nai", Cue::Track(LegalTrack::Complaint)),
    ("khieu kien", Cue::Track(LegalTrack::Complaint)),
    ("phan anh", Cue::Track(LegalTrack::Feedback)),
    ("kien nghi", Cue::Track(LegalTrack::Feedback)),
    ("gop y", Cue::Track(LegalTrack::Feedback)),
    ("qua han", Cue::Track(LegalTrack::Feedback)),
    ("cham tre", Cue::Track(LegalTrack::Feedback)),
    ("tre hen", Cue::Track(LegalTrack::Feedback)),
    ("chua duoc tra", Cue::Track(LegalTrack::Feedback)),
    ("thu tuc", Cue::Track(LegalTrack::CitizenRequest)),
    ("cho hoi", Cue::Track(LegalTrack::CitizenRequest)),
    ("xin hoi", Cue::Track(LegalTrack::CitizenRequest)),
    ("de nghi", Cue::Track(LegalTrack::CitizenRequest)),
    ("yeu cau", Cue::Track(LegalTrack::CitizenRequest)),
    ("xin cap", Cue::Track(LegalTrack::CitizenRequest)),
    ("xac nhan", Cue::Track(LegalTrack::CitizenRequest)),
    // urgency: crime in progress, fire, accident, violence
    ("dang xay ra", Cue::Urgent),
    ("dang dien ra", Cue::Urgent),
    ("dang cuop", Cue::Urgent),
    ("dang trom", Cue::Urgent),
    ("dang danh", Cue::Urgent),
    ("dang chay", Cue::Urgent),
    ("chay nha", Cue::Urgent),
    ("boc chay", Cue::Urgent),
    ("hoa hoan", Cue::Urgent),
    ("chay lon", Cue::Urgent),
    ("chay rung", Cue::Urgent),
    ("no binh gas", Cue::Urgent),
    ("tai nan", Cue::Urgent),
    ("danh nhau", Cue::Urgent),
    ("hanh hung", Cue::Urgent),
    ("chem", Cue::Urgent),
    ("dam nhau", Cue::Urgent),
    ("dam chet", Cue::Urgent),
    ("bao luc", Cue::Urgent),
    ("danh vo", Cue::Urgent),
    ("bat coc", Cue::Urgent),
    ("cuu voi", Cue::Urgent),
    ("cuu toi", Cue::Urgent),
    ("cuu em", Cue::Urgent),
    ("cap cuu", Cue::Urgent),
    ("cuu hoa", Cue::Urgent),
    ("chay roi", Cue::Urgent),
    ("khan cap", Cue::Urgent),
    ("gap lam", Cue::Urgent),
    ("duoi nuoc", Cue::Urgent),
];

fn automaton() -> Option<&'static AhoCorasick> {
    static AC: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    AC.get_or_init(|| {
        let pats: Vec<String> = CUES.iter().map(|(p, _)| format!(" {p} ")).collect();
        AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&pats)
            .ok()
    })
    .as_ref()
}

/// Topic, legal track and urgency from the text, with the words that decided them.
pub fn classify(text: &str) -> Classification {
    let hits = CueHits::find(text);
    let topic = hits.topic();
    let topic_words: Vec<String> = dedup(
        hits.topics
            .iter()
            .filter(|(hit, _)| *hit == topic)
            .map(|(_, word)| word.clone()),
    );
    let officer_conduct = topic == Topic::OfficerConduct;
    let (track, track_words) = hits.track(officer_conduct, &topic_words);
    let urgent_words = dedup(hits.urgent_words.into_iter());
    Classification {
        topic,
        topic_words,
        track,
        track_words,
        urgent: !urgent_words.is_empty(),
        urgent_words,
        officer_conduct,
    }
}

/// The cue phrases of a message, by what they point to.
#[derive(Default)]
struct CueHits {
    topics: Vec<(Topic, String)>,
    tracks: Vec<(LegalTrack, String)>,
    crime_words: Vec<String>,
    urgent_words: Vec<String>,
}

impl CueHits {
    fn find(text: &str) -> CueHits {
        let message = prepare(text);
        // Tokens joined by single spaces, padded, so cues match whole words only.
        let mut spaced = String::with_capacity(message.norm.len() + message.tokens.len() + 2);
        spaced.push(' ');
        for token in 0..message.tokens.len() {
            spaced.push_str(message.tok(token));
            spaced.push(' ');
        }
        let mut hits = CueHits::default();
        let Some(automaton) = automaton() else {
            return hits;
        };
        for found in automaton.find_overlapping_iter(spaced.as_str()) {
            let (phrase, cue) = CUES[found.pattern().as_usize()];
            let word = phrase.to_owned();
            match cue {
                Cue::Topic(topic) => hits.topics.push((topic, word)),
                Cue::Crime => {
                    hits.topics.push((Topic::PublicOrder, word.clone()));
                    hits.crime_words.push(word);
                }
                Cue::Track(track) => hits.tracks.push((track, word)),
                Cue::Urgent => hits.urgent_words.push(word),
            }
        }
        hits
    }

    /// Officers' conduct outranks the procedure it happened in; otherwise the most cited
    /// topic wins, ties going to the more specific (earlier in this list).
    fn topic(&self) -> Topic {
        let order = [
            Topic::OfficerConduct,
            Topic::IdCard,
            Topic::VehicleRegistration,
            Topic::Residence,
            Topic::Traffic,
            Topic::PublicOrder,
        ];
        let count = |topic: Topic| self.topics.iter().filter(|(hit, _)| *hit == topic).count();
        if count(Topic::OfficerConduct) > 0 {
            return Topic::OfficerConduct;
        }
        let rank = |topic: Topic| order.iter().position(|&listed| listed == topic);
        order
            .iter()
            .copied()
            .filter(|&topic| count(topic) > 0)
            .max_by(|&a, &b| count(a).cmp(&count(b)).then(rank(b).cmp(&rank(a))))
            .unwrap_or(Topic::Other)
    }

    /// The legal track and its words: a crime report, a denunciation, a complaint, feedback
    /// or (by default) a citizen's request.
    fn track(&self, officer_conduct: bool, topic_words: &[String]) -> (LegalTrack, Vec<String>) {
        let has = |track: LegalTrack| self.tracks.iter().any(|(hit, _)| *hit == track);
        let words_of = |track: LegalTrack| -> Vec<String> {
            dedup(
                self.tracks
                    .iter()
                    .filter(|(hit, _)| *hit == track)
                    .map(|(_, word)| word.clone()),
            )
        };
        let with_crime_words = |track: LegalTrack| -> Vec<String> {
            let mut words = words_of(track);
            words.extend(self.crime_words.iter().cloned());
            dedup(words.into_iter())
        };
        if has(LegalTrack::CrimeReport) {
            (
                LegalTrack::CrimeReport,
                with_crime_words(LegalTrack::CrimeReport),
            )
        } else if has(LegalTrack::Denunciation) {
            // "Tố cáo" of a crime by a private person is a tip-off; of an official, a
            // denunciation.
            if officer_conduct || self.crime_words.is_empty() {
                (LegalTrack::Denunciation, words_of(LegalTrack::Denunciation))
            } else {
                (
                    LegalTrack::CrimeReport,
                    with_crime_words(LegalTrack::Denunciation),
                )
            }
        } else if has(LegalTrack::Complaint) {
            (LegalTrack::Complaint, words_of(LegalTrack::Complaint))
        } else if !self.crime_words.is_empty() {
            (
                LegalTrack::CrimeReport,
                dedup(self.crime_words.iter().cloned()),
            )
        } else if has(LegalTrack::Feedback) || officer_conduct {
            let mut words = words_of(LegalTrack::Feedback);
            if officer_conduct {
                words.extend(topic_words.iter().cloned());
            }
            (LegalTrack::Feedback, dedup(words.into_iter()))
        } else {
            (
                LegalTrack::CitizenRequest,
                words_of(LegalTrack::CitizenRequest),
            )
        }
    }
}

fn dedup(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in it {
        if !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_and_tracks() {
        let c = classify("Cho em hỏi làm khai báo tạm vắng ở công an x. Cẩm Trung thì mấy ngày?");
        assert_eq!(c.topic, Topic::Residence);
        assert_eq!(c.track, LegalTrack::CitizenRequest);
        assert!(!c.urgent);

        let c = classify("cho hoi cap lai CCCD va kich hoat VNeID o dau a");
        assert_eq!(c.topic, Topic::IdCard);
        assert_eq!(c.topic.as_str(), "id_card");

        let c = classify("Cán bộ tiếp dân thái độ không đúng mực, hạch dịch người dân");
        assert_eq!(c.topic, Topic::OfficerConduct);
        assert!(c.officer_conduct);
        assert_eq!(c.track, LegalTrack::Feedback);

        let c = classify("Tôi làm đơn khiếu nại quyết định xử phạt của công an xã");
        assert_eq!(c.track, LegalTrack::Complaint);

        let c = classify("Tôi tố cáo cán bộ công an xã nhận hối lộ");
        assert_eq!(c.track, LegalTrack::Denunciation);
        assert!(c.officer_conduct);

        let c = classify("Có trộm đang cạy cửa nhà hàng xóm, đang xảy ra, cứu với!!!");
        assert_eq!(c.track, LegalTrack::CrimeReport);
        assert_eq!(c.topic, Topic::PublicOrder);
        assert!(c.urgent);
        assert!(c.urgent_words.contains(&"dang xay ra".to_owned()));

        let c = classify("Cháy nhà ở thôn 3 rồi, gọi cứu hỏa giúp với");
        assert!(c.urgent);

        let c = classify("Thanh niên đua xe lạng lách ban đêm");
        assert_eq!(c.topic, Topic::Traffic);

        let c = classify("Thủ tục cấp đổi biển số xe cần những gì");
        assert_eq!(c.topic, Topic::VehicleRegistration);

        let c = classify("xin chào");
        assert_eq!(c.topic, Topic::Other);
        assert_eq!(c.track, LegalTrack::CitizenRequest);
    }
}
