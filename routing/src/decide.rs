//! The routing decision: mentions grouped into addresses ("xã A, huyện B, tỉnh C"), each
//! address resolved to a claim (a 2025 unit, a split commune, a former district, a place
//! outside the province...), then claims combined with the unit hint, the shared location
//! and the contact's previous tickets. Route when sure, triage when not, always say why.

use std::sync::Arc;

use serde::Serialize;

use crate::gazetteer::Gazetteer;
use crate::location::{LatLon, LocResult, LocationIndex};
use crate::mentions::{Matcher, Mention, Target};
use crate::reasons::{self, Reason};
use crate::text::{PlaceWord, Prepared, Sep, fold, is_chain_filler, prepare};

fn is_locative(w: &str) -> bool {
    matches!(
        w,
        "o" | "tai" | "thuoc" | "ve" | "vuc" | "ban" | "in" | "at" | "from" | "tu" | "den" | "qua"
    )
}

/// Confidence at or above which a ticket is routed automatically.
pub const ROUTE_MIN: f64 = 0.6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HintSource {
    /// The unit the citizen chose in the web form: it wins.
    Form,
    /// The unit whose own Zalo OA or Facebook Page received the message.
    Account,
}

#[derive(Clone, Copy, Debug)]
pub struct UnitHint<'a> {
    pub code: &'a str,
    pub source: HintSource,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct RouteInput<'a> {
    pub text: &'a str,
    pub location: Option<LatLon>,
    pub unit_hint: Option<UnitHint<'a>>,
    /// Units of the contact's previous tickets (weak evidence).
    pub previous_units: &'a [String],
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    /// The 2025 unit code, or `None` for the triage queue.
    pub unit_code: Option<String>,
    pub confidence: f64,
    pub reasons: Vec<Reason>,
    /// Best guess when not routed automatically (e.g. the default part of a split commune).
    pub suggested_unit: Option<String>,
}

/// Routes tickets. Built once; `decide` takes `&self` and may run on many threads.
pub struct Router {
    g: Arc<Gazetteer>,
    matcher: Matcher,
    loc: LocationIndex,
}

#[derive(Clone, Debug)]
enum Kind {
    Unit(usize),
    Split {
        options: Vec<usize>,
        default: Option<usize>,
    },
    Ambiguous(Vec<usize>),
    District,
    Outside,
    Unknown,
}

#[derive(Clone, Debug)]
struct Claim {
    kind: Kind,
    conf: f64,
    /// Announced by a type word (xã, phường, huyện...), not a bare name.
    typed: bool,
    span: String,
    reasons: Vec<Reason>,
}

/// Where a set of legacy-era targets went in 2025.
enum Succ {
    One(usize),
    Split {
        options: Vec<usize>,
        default: Option<usize>,
    },
    Many(Vec<usize>),
    Nothing,
}

impl Router {
    pub fn new(gazetteer: Arc<Gazetteer>) -> Router {
        let matcher = Matcher::new(&gazetteer);
        let loc = LocationIndex::new(&gazetteer);
        Router {
            g: gazetteer,
            matcher,
            loc,
        }
    }

    pub fn gazetteer(&self) -> &Gazetteer {
        &self.g
    }

    pub fn decide(&self, input: &RouteInput) -> Decision {
        let p = prepare(input.text);
        let mentions = self.matcher.find(&p);
        let mut info: Vec<Reason> = Vec::new();
        for m in &mentions {
            if matches!(m.word, PlaceWord::Street | PlaceWord::Village)
                && self
                    .matcher
                    .targets(m.pid)
                    .iter()
                    .any(|t| matches!(t, Target::Unit(_) | Target::Legacy(_)))
            {
                info.push(reasons::not_a_unit(
                    p.span_text(m.start, m.end),
                    m.word == PlaceWord::Street,
                ));
            }
        }
        let claims: Vec<Claim> = self
            .chains(&p, &mentions)
            .iter()
            .filter_map(|ch| self.resolve_chain(&p, ch))
            .collect();
        let mut d = self.combine(input, claims);
        d.reasons.extend(info);
        d.confidence = (d.confidence.clamp(0.0, 1.0) * 100.0).round() / 100.0;
        d
    }

    /// Groups administrative mentions into addresses: a name followed by the larger units it
    /// belongs to ("x. Kỳ Thư h. Kỳ Anh", "Sơn Tây, Hà Nội").
    fn chains<'m>(&self, p: &Prepared, mentions: &'m [Mention]) -> Vec<Vec<&'m Mention>> {
        let mut chains: Vec<Vec<&Mention>> = Vec::new();
        for m in mentions.iter().filter(|m| !m.word.is_ignored()) {
            if let Some(ch) = chains.last_mut()
                && let Some(last) = ch.last()
                && self.joins(p, last, m)
            {
                ch.push(m);
                continue;
            }
            chains.push(vec![m]);
        }
        chains
    }

    fn joins(&self, p: &Prepared, last: &Mention, m: &Mention) -> bool {
        if m.start < last.end || m.word.is_commune() {
            return false;
        }
        if (last.end..m.start).any(|k| !is_chain_filler(p.tok(k))) {
            return false;
        }
        if (last.end..=m.start).any(|k| p.tokens[k].sep == Sep::Sentence) {
            return false;
        }
        m.word.is_district()
            || m.word == PlaceWord::Tinh
            || self.matcher.targets(m.pid).iter().any(|t| !t.is_commune())
    }

    fn unit_name(&self, u: usize) -> &str {
        &self.g.units()[u].name
    }

    fn names(&self, us: &[usize]) -> String {
        us.iter()
            .map(|&u| self.unit_name(u))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn target_province_key(&self, t: Target) -> &str {
        match t {
            Target::Unit(_) | Target::Legacy(_) | Target::LegacyFormer(_) | Target::Older(_) => {
                self.g.province_key()
            }
            Target::ForeignUnit(i) => &self.g.foreign_units[i as usize].province_name,
            Target::ForeignLegacy(i) => &self.g.foreign_legacy[i as usize].province_name,
            Target::District(i) => &self.g.districts[i as usize].province_key,
            Target::Province(i) => &self.g.provinces[i as usize].key,
        }
    }

    fn province_matches(&self, t: Target, pr: usize) -> bool {
        let p = &self.g.provinces[pr];
        match t {
            Target::ForeignUnit(i) => self.g.foreign_units[i as usize].province_name == p.name,
            Target::ForeignLegacy(i) => self.g.foreign_legacy[i as usize].province_name == p.name,
            _ => self.target_province_key(t) == p.key,
        }
    }

    fn target_served(&self, t: Target) -> bool {
        match t {
            Target::Unit(_) | Target::Legacy(_) | Target::LegacyFormer(_) | Target::Older(_) => {
                true
            }
            Target::ForeignUnit(_) | Target::ForeignLegacy(_) => false,
            Target::District(i) => self.g.districts[i as usize].served,
            Target::Province(i) => self.g.provinces[i as usize].served,
        }
    }

    fn target_province_name(&self, t: Target) -> String {
        match t {
            Target::ForeignUnit(i) => self.g.foreign_units[i as usize].province_name.clone(),
            Target::ForeignLegacy(i) => self.g.foreign_legacy[i as usize].province_name.clone(),
            Target::District(i) => self.g.districts[i as usize].province_name.clone(),
            Target::Province(i) => self.g.provinces[i as usize].name.clone(),
            _ => self.g.province_name().to_owned(),
        }
    }

    /// Folded type word of a commune-level target.
    fn target_type(&self, t: Target) -> PlaceWord {
        let ty = match t {
            Target::Unit(i) => fold(&self.g.units()[i as usize].unit_type),
            Target::ForeignUnit(i) => fold(&self.g.foreign_units[i as usize].unit_type),
            Target::Legacy(i) | Target::LegacyFormer(i) => {
                fold(&self.g.legacy_units()[i as usize].unit_type)
            }
            Target::ForeignLegacy(i) => fold(&self.g.foreign_legacy[i as usize].unit_type),
            Target::Older(i) => self.g.older[i as usize].unit_type.clone(),
            Target::District(i) => self.g.districts[i as usize].district_type.clone(),
            Target::Province(i) => self.g.provinces[i as usize].province_type.clone(),
        };
        PlaceWord::from_unit_type(&ty)
    }

    fn type_compatible(&self, word: PlaceWord, t: Target) -> bool {
        if word == PlaceWord::None {
            return true;
        }
        let tt = self.target_type(t);
        // Older ascii keys sometimes carry no type: accept them.
        tt == PlaceWord::None || tt == word
    }

    /// District (key, folded type) of a legacy-era target of the served province.
    fn target_district(&self, t: Target) -> Option<(&str, &str)> {
        match t {
            Target::Legacy(i) | Target::LegacyFormer(i) => {
                let l = &self.g.legacy_units()[i as usize];
                Some((&l.district_key, &l.district_type))
            }
            Target::Older(i) => {
                let o = &self.g.older[i as usize];
                Some((&o.district_key, &o.district_type))
            }
            _ => None,
        }
    }

    fn successors(&self, t: Target) -> Succ {
        let legacy_code = match t {
            Target::Unit(i) => return Succ::One(i as usize),
            Target::Legacy(i) | Target::LegacyFormer(i) => {
                self.g.legacy_units()[i as usize].code.as_str()
            }
            Target::Older(i) => {
                let o = &self.g.older[i as usize];
                let split = self
                    .g
                    .successors_of(&o.pre2025_code)
                    .any(|s| !s.share_whole);
                if !split {
                    return match self.g.unit_idx(&o.new_code) {
                        Some(u) => Succ::One(u),
                        None => Succ::Nothing,
                    };
                }
                o.pre2025_code.as_str()
            }
            _ => return Succ::Nothing,
        };
        let mut options = Vec::new();
        let mut default = None;
        let mut whole = true;
        for s in self.g.successors_of(legacy_code) {
            if let Some(u) = self.g.unit_idx(&s.new_code) {
                if !options.contains(&u) {
                    options.push(u);
                }
                if s.is_default {
                    default = Some(u);
                }
                whole &= s.share_whole;
            }
        }
        match options.len() {
            0 => Succ::Nothing,
            1 if whole => Succ::One(options[0]),
            _ => Succ::Split { options, default },
        }
    }

    fn successors_of_set(&self, ts: &[Target]) -> Succ {
        let mut units: Vec<usize> = Vec::new();
        let mut split: Option<Succ> = None;
        for &t in ts {
            match self.successors(t) {
                Succ::One(u) => {
                    if !units.contains(&u) {
                        units.push(u);
                    }
                }
                s @ Succ::Split { .. } => {
                    if split.is_none() {
                        split = Some(s);
                    } else {
                        return Succ::Many(units);
                    }
                }
                Succ::Many(us) => units.extend(us),
                Succ::Nothing => {}
            }
        }
        match (split, units.len()) {
            (Some(s), 0) => s,
            (Some(Succ::Split { options, .. }), _) => {
                // A split commune and a whole one under the same name: agree only if the
                // whole one's unit is among the split's parts.
                if units.len() == 1 && options.contains(&units[0]) {
                    Succ::One(units[0])
                } else {
                    let mut all = units;
                    all.extend(options);
                    all.dedup();
                    Succ::Many(all)
                }
            }
            (_, 0) => Succ::Nothing,
            (_, 1) => Succ::One(units[0]),
            _ => Succ::Many(units),
        }
    }

    /// Turns the successors of legacy-era targets into a claim with a readable reason.
    fn legacy_claim(&self, ts: &[Target], conf: f64, typed: bool, span: &str) -> Option<Claim> {
        let (kind, reason) = match self.successors_of_set(ts) {
            Succ::One(u) => {
                let name = self.unit_name(u);
                let r = match ts.first() {
                    Some(Target::Older(i)) => {
                        let o = &self.g.older[*i as usize];
                        reasons::older_name(span, &o.pre2025_name, name)
                    }
                    Some(Target::LegacyFormer(i)) => {
                        reasons::former_name(span, &self.g.legacy_units()[*i as usize].name, name)
                    }
                    Some(Target::Unit(_)) => reasons::new_unit_named(span, name),
                    _ => reasons::legacy_name_merged(span, name),
                };
                (Kind::Unit(u), r)
            }
            Succ::Split { options, default } => {
                let def = default.unwrap_or(options[0]);
                let r = reasons::split_commune(span, &self.names(&options), self.unit_name(def));
                (Kind::Split { options, default }, r)
            }
            Succ::Many(us) => {
                let r = reasons::ambiguous_name(span, &self.names(&us));
                (Kind::Ambiguous(us), r)
            }
            Succ::Nothing => return None,
        };
        Some(Claim {
            kind,
            conf,
            typed,
            span: span.to_owned(),
            reasons: vec![reason],
        })
    }

    fn resolve_chain(&self, p: &Prepared, ch: &[&Mention]) -> Option<Claim> {
        let head = ch[0];
        let last = ch[ch.len() - 1];
        let span = p.span_text(head.start, last.end).to_owned();
        let ctx = &ch[1..];

        // Context: the districts and provinces named after the head.
        let mut ctx_provinces: Vec<usize> = Vec::new();
        let mut ctx_districts: Vec<usize> = Vec::new();
        for c in ctx {
            for &t in self.matcher.targets(c.pid) {
                match t {
                    Target::Province(i)
                        if matches!(c.word, PlaceWord::None | PlaceWord::Tinh)
                            || (c.word == PlaceWord::ThanhPho
                                && self.g.provinces[i as usize].province_type == "thanh pho") =>
                    {
                        ctx_provinces.push(i as usize)
                    }
                    Target::District(i)
                        if c.word == PlaceWord::None
                            || (c.word.is_district() && self.type_compatible(c.word, t)) =>
                    {
                        ctx_districts.push(i as usize)
                    }
                    _ => {}
                }
            }
        }
        if !ctx_provinces.is_empty() && !ctx_districts.is_empty() {
            let pk: Vec<&str> = ctx_provinces
                .iter()
                .map(|&i| self.g.provinces[i].key.as_str())
                .collect();
            let kept: Vec<usize> = ctx_districts
                .iter()
                .copied()
                .filter(|&d| pk.contains(&self.g.districts[d].province_key.as_str()))
                .collect();
            if !kept.is_empty() {
                ctx_districts = kept;
            }
        }

        // A bare name opening an address must look like a proper noun: "đăng ký thường
        // trú" holds "Kỳ Thượng" in lowercase, "Tôi ở Thạch Khê" names a commune.
        if head.word == PlaceWord::None && !head.capitalized {
            return None;
        }
        // Without "ở/tại" in front, a bare proper noun may be a person or a school: suggest
        // it, do not route on it.
        let locative =
            head.word != PlaceWord::None || (head.start > 0 && is_locative(p.tok(head.start - 1)));
        let targets = self.matcher.targets(head.pid);
        let fuzzy_pen = if head.fuzzy { 0.1 } else { 0.0 };
        let mut claim = if head.word.is_commune() {
            self.resolve_commune(head, targets, &ctx_provinces, &ctx_districts, &span)
        } else if head.word.is_district() || head.word == PlaceWord::Tinh {
            self.resolve_upper(head, targets, &ctx_provinces, &span)
        } else {
            // A bare name: a commune if it can be one, else a district or province.
            // "Hà Tĩnh" alone is the province, not the former city.
            if ctx.is_empty()
                && targets
                    .iter()
                    .any(|t| matches!(t, Target::Province(_)) && self.target_served(*t))
            {
                return None;
            }
            let has_upper = targets
                .iter()
                .any(|t| !t.is_commune() && self.target_served(*t));
            if ctx.is_empty() && has_upper {
                self.resolve_upper(head, targets, &ctx_provinces, &span)
            } else {
                match self.resolve_commune(head, targets, &ctx_provinces, &ctx_districts, &span) {
                    Some(c) if !matches!(c.kind, Kind::Unknown) => Some(c),
                    _ => self.resolve_upper(head, targets, &ctx_provinces, &span),
                }
            }
        }?;
        claim.conf -= fuzzy_pen;
        if !locative {
            claim.conf = claim.conf.min(ROUTE_MIN - 0.1);
        }
        if head.fuzzy {
            claim
                .reasons
                .push(reasons::typo(&span, self.matcher.key(head.pid)));
        }
        Some(claim)
    }

    /// A former district, a city or a province named on its own (or a bare name of one).
    fn resolve_upper(
        &self,
        head: &Mention,
        targets: &[Target],
        ctx_provinces: &[usize],
        span: &str,
    ) -> Option<Claim> {
        let typed = head.word != PlaceWord::None;
        let mut ups: Vec<Target> = targets
            .iter()
            .copied()
            .filter(|t| match t {
                Target::District(_) => {
                    head.word == PlaceWord::None
                        || (head.word.is_district() && self.type_compatible(head.word, *t))
                }
                Target::Province(i) => match head.word {
                    PlaceWord::None | PlaceWord::Tinh => true,
                    PlaceWord::ThanhPho => {
                        self.g.provinces[*i as usize].province_type == "thanh pho"
                    }
                    _ => false,
                },
                _ => false,
            })
            .collect();
        if !ctx_provinces.is_empty() {
            let kept: Vec<Target> = ups
                .iter()
                .copied()
                .filter(|&t| ctx_provinces.iter().any(|&pr| self.province_matches(t, pr)))
                .collect();
            if !kept.is_empty() {
                ups = kept;
            }
        }
        let claim = |kind: Kind, conf: f64, reasons: Vec<Reason>| Claim {
            kind,
            conf,
            typed,
            span: span.to_owned(),
            reasons,
        };
        if ups.is_empty() {
            return typed.then(|| {
                claim(
                    Kind::Unknown,
                    0.0,
                    vec![reasons::unknown_place(span, self.g.province_name())],
                )
            });
        }
        let served_district = ups
            .iter()
            .any(|&t| matches!(t, Target::District(_)) && self.target_served(t));
        let served_province = ups
            .iter()
            .any(|&t| matches!(t, Target::Province(_)) && self.target_served(t));
        let ctx_foreign =
            !ctx_provinces.is_empty() && !ctx_provinces.iter().any(|&i| self.g.provinces[i].served);
        if served_district && !ctx_foreign {
            return Some(claim(
                Kind::District,
                0.0,
                vec![reasons::district_only(span)],
            ));
        }
        if served_province && !ctx_foreign {
            return None; // the province itself: says nothing about the commune
        }
        let foreign = ups.iter().copied().find(|&t| !self.target_served(t))?;
        let province = self.target_province_name(foreign);
        Some(claim(
            Kind::Outside,
            if typed { 0.9 } else { 0.6 },
            vec![reasons::out_of_province(
                span,
                &province,
                self.g.province_name(),
            )],
        ))
    }

    fn resolve_commune(
        &self,
        head: &Mention,
        targets: &[Target],
        ctx_provinces: &[usize],
        ctx_districts: &[usize],
        span: &str,
    ) -> Option<Claim> {
        let typed = head.word != PlaceWord::None;
        let mut cands: Vec<Target> = targets.iter().copied().filter(|t| t.is_commune()).collect();
        let outside = |province: String| Claim {
            kind: Kind::Outside,
            conf: 0.9,
            typed,
            span: span.to_owned(),
            reasons: vec![reasons::out_of_province(
                span,
                &province,
                self.g.province_name(),
            )],
        };
        let unknown = || Claim {
            kind: Kind::Unknown,
            conf: 0.0,
            typed,
            span: span.to_owned(),
            reasons: vec![reasons::unknown_place(span, self.g.province_name())],
        };

        if !ctx_provinces.is_empty() {
            if !ctx_provinces.iter().any(|&i| self.g.provinces[i].served) {
                return Some(outside(self.g.provinces[ctx_provinces[0]].name.clone()));
            }
            cands.retain(|&t| self.target_served(t));
        }
        let served: Vec<Target> = cands
            .iter()
            .copied()
            .filter(|&t| self.target_served(t))
            .collect();

        if !ctx_districts.is_empty() {
            let sd: Vec<usize> = ctx_districts
                .iter()
                .copied()
                .filter(|&d| self.g.districts[d].served)
                .collect();
            if sd.is_empty() {
                return Some(outside(
                    self.g.districts[ctx_districts[0]].province_name.clone(),
                ));
            }
            let in_district = |t: Target| -> bool {
                let Some((dk, dt)) = self.target_district(t) else {
                    return false;
                };
                sd.iter().any(|&d| {
                    let dd = &self.g.districts[d];
                    dd.key == dk && (dt.is_empty() || dd.district_type == dt)
                })
            };
            let mut s1: Vec<Target> = served.iter().copied().filter(|&t| in_district(t)).collect();
            let compatible: Vec<Target> = s1
                .iter()
                .copied()
                .filter(|&t| self.type_compatible(head.word, t))
                .collect();
            if !compatible.is_empty() {
                s1 = compatible;
            }
            // Prefer the commune's last name over its former names.
            if s1.iter().any(|t| !matches!(t, Target::LegacyFormer(_))) {
                s1.retain(|t| !matches!(t, Target::LegacyFormer(_)));
            }
            let s2: Vec<usize> = served
                .iter()
                .filter_map(|t| match t {
                    Target::Unit(i) if self.type_compatible(head.word, *t) => Some(*i as usize),
                    _ => None,
                })
                .collect();
            if !s1.is_empty() {
                let conf = if s1.iter().all(|t| matches!(t, Target::LegacyFormer(_))) {
                    0.85
                } else {
                    0.95
                };
                let mut c = self.legacy_claim(&s1, conf, typed, span)?;
                if let (Kind::Unit(u), Some(&n)) = (&c.kind, s2.first())
                    && *u != n
                    && !head.old_marker
                {
                    // "phường Hà Huy Tập, TP Hà Tĩnh": the old ward (now Thành Sen) or
                    // today's Phường Hà Huy Tập written with the old city?
                    let (u, old) = (*u, self.unit_name(*u).to_owned());
                    c.kind = Kind::Ambiguous(vec![u, n]);
                    c.conf = 0.4;
                    c.reasons = vec![reasons::old_new_ambiguous(span, &old, self.unit_name(n))];
                }
                return Some(c);
            }
            if let Some(&n) = s2.first() {
                return Some(Claim {
                    kind: Kind::Unit(n),
                    conf: 0.85,
                    typed,
                    span: span.to_owned(),
                    reasons: vec![reasons::new_unit_named(span, self.unit_name(n))],
                });
            }
            if !served.is_empty() {
                let mut c = self.legacy_claim(&served, 0.45, typed, span)?;
                let sugg = match &c.kind {
                    Kind::Unit(u) => *u,
                    Kind::Split { options, default } => default.unwrap_or(options[0]),
                    Kind::Ambiguous(us) => us[0],
                    _ => return Some(c),
                };
                c.kind = match c.kind {
                    Kind::Unit(u) => Kind::Ambiguous(vec![u]),
                    k => k,
                };
                c.conf = 0.45;
                c.reasons = vec![reasons::district_mismatch(span, self.unit_name(sugg))];
                return Some(c);
            }
            return Some(unknown());
        }

        if served.is_empty() {
            if !typed {
                return None;
            }
            return Some(match cands.first() {
                Some(&t) => outside(self.target_province_name(t)),
                None => unknown(),
            });
        }

        // No district given: today's unit name first, then the last legacy names (and the
        // older ones), then former names; type-compatible candidates before the others.
        let base = if typed { 0.95 } else { 0.65 };
        for (pass, penalty) in [(true, 0.0), (false, 0.15)] {
            let ok = |t: &Target| !pass || self.type_compatible(head.word, *t);
            let units: Vec<Target> = served
                .iter()
                .copied()
                .filter(|t| matches!(t, Target::Unit(_)) && ok(t))
                .collect();
            let legacy: Vec<Target> = served
                .iter()
                .copied()
                .filter(|t| matches!(t, Target::Legacy(_) | Target::Older(_)) && ok(t))
                .collect();
            let former: Vec<Target> = served
                .iter()
                .copied()
                .filter(|t| matches!(t, Target::LegacyFormer(_)) && ok(t))
                .collect();
            let tiers: [(&Vec<Target>, f64); 3] = if head.old_marker {
                [(&legacy, 0.0), (&former, 0.1), (&units, 0.05)]
            } else {
                [(&units, 0.0), (&legacy, 0.05), (&former, 0.15)]
            };
            for (tier, tier_pen) in tiers {
                if tier.is_empty() {
                    continue;
                }
                let conf = base - tier_pen - penalty;
                let mut c = self.legacy_claim(tier, conf, typed, span)?;
                if penalty > 0.0
                    && let Kind::Unit(u) = c.kind
                {
                    c.reasons
                        .push(reasons::type_mismatch(span, self.unit_name(u)));
                }
                return Some(c);
            }
        }
        None
    }

    fn combine(&self, input: &RouteInput, claims: Vec<Claim>) -> Decision {
        let g = &*self.g;
        let served = g.province_name();
        let mut reasons_out: Vec<Reason> = Vec::new();
        let loc = input.location.map(|l| (l, self.loc.locate(l)));

        // The hint.
        let mut hint: Option<(usize, HintSource)> = None;
        if let Some(h) = input.unit_hint {
            match g.unit_idx(h.code) {
                Some(u) => hint = Some((u, h.source)),
                None => reasons_out.push(reasons::unknown_hint(h.code, served)),
            }
        }

        // Strong unit claims; bare names only count when nothing typed was found.
        let any_typed_unit = claims
            .iter()
            .any(|c| c.typed && matches!(c.kind, Kind::Unit(_)) && c.conf >= ROUTE_MIN);
        let strong: Vec<&Claim> = claims
            .iter()
            .filter(|c| {
                matches!(c.kind, Kind::Unit(_))
                    && c.conf >= ROUTE_MIN
                    && (c.typed || !any_typed_unit)
            })
            .collect();
        let mut units: Vec<usize> = Vec::new();
        for c in &strong {
            if let Kind::Unit(u) = c.kind
                && !units.contains(&u)
            {
                units.push(u);
            }
        }
        let splits: Vec<&Claim> = claims
            .iter()
            .filter(|c| matches!(c.kind, Kind::Split { .. }))
            .collect();
        let any_typed_outside = claims
            .iter()
            .any(|c| c.typed && matches!(c.kind, Kind::Outside));

        let route = |u: usize, conf: f64, mut rs: Vec<Reason>| -> Decision {
            let mut all = reasons_out.clone();
            all.append(&mut rs);
            Decision {
                unit_code: Some(g.units()[u].code.clone()),
                confidence: conf,
                reasons: all,
                suggested_unit: None,
            }
        };
        let triage = |sugg: Option<usize>, conf: f64, mut rs: Vec<Reason>| -> Decision {
            let mut all = reasons_out.clone();
            all.append(&mut rs);
            Decision {
                unit_code: None,
                confidence: conf,
                reasons: all,
                suggested_unit: sugg.map(|u| g.units()[u].code.clone()),
            }
        };

        // 1. The unit chosen in the form wins.
        if let Some((h, HintSource::Form)) = hint {
            let mut rs = vec![reasons::form_choice(self.unit_name(h))];
            let mut conf = 0.97;
            if let Some(&u) = units.iter().find(|&&u| u != h) {
                rs.push(reasons::form_overrides_text(self.unit_name(u)));
                conf = 0.85;
            }
            return route(h, conf, rs);
        }

        // 2. The text names one unit (possibly several times, old and new names).
        if units.len() > 1 {
            let mut rs: Vec<Reason> = strong.iter().flat_map(|c| c.reasons.clone()).collect();
            let list = strong
                .iter()
                .map(|c| c.span.as_str())
                .collect::<Vec<_>>()
                .join("; ");
            rs.insert(0, reasons::conflicting_places(&list));
            return triage(None, 0.3, rs);
        }
        if let Some(&u) = units.first() {
            let mut rs: Vec<Reason> = strong
                .iter()
                .flat_map(|c| c.reasons.iter().cloned())
                .collect();
            rs.dedup();
            let mut conf = strong.iter().map(|c| c.conf).fold(0.0, f64::max);
            for s in &splits {
                if let Kind::Split { options, .. } = &s.kind
                    && options.contains(&u)
                {
                    rs.push(reasons::split_resolved(
                        &s.span,
                        self.unit_name(u),
                        "địa danh khác trong tin nhắn",
                        "another place in the message",
                    ));
                }
            }
            if let Some((l, res)) = &loc {
                match res {
                    LocResult::Inside { unit, .. } if *unit == u => {
                        rs.push(reasons::location_agrees(self.unit_name(u)));
                        conf = (conf + 0.03).min(0.99);
                    }
                    LocResult::Inside { unit, .. } => {
                        let near = self.loc.scores(*l).iter().any(|&(x, s)| x == u && s < 1.6);
                        if near {
                            rs.push(reasons::location_agrees(self.unit_name(u)));
                        } else {
                            rs.insert(
                                0,
                                reasons::location_conflict(
                                    self.unit_name(u),
                                    self.unit_name(*unit),
                                ),
                            );
                            return triage(Some(u), 0.4, rs);
                        }
                    }
                    LocResult::Ambiguous { best, second } if *best == u || *second == u => {
                        rs.push(reasons::location_agrees(self.unit_name(u)));
                    }
                    LocResult::Ambiguous { .. } => conf -= 0.1,
                    LocResult::Outside { province } => {
                        rs.push(reasons::location_outside(province.as_deref(), served));
                        conf -= 0.1;
                    }
                }
            }
            if let Some((h, HintSource::Account)) = hint {
                if h == u {
                    rs.push(reasons::account_owner(self.unit_name(h)));
                    conf = (conf + 0.03).min(0.99);
                } else {
                    rs.push(reasons::text_over_account(self.unit_name(h)));
                }
            }
            if any_typed_outside {
                conf -= 0.1;
                rs.extend(
                    claims
                        .iter()
                        .filter(|c| matches!(c.kind, Kind::Outside))
                        .flat_map(|c| c.reasons.clone()),
                );
            }
            return if conf >= ROUTE_MIN {
                route(u, conf, rs)
            } else {
                triage(Some(u), conf, rs)
            };
        }

        // 3. No single unit from the text: split communes and ambiguous names, settled by
        //    the location, the account or (weakly) the previous tickets.
        let pick = |options: &[usize]| -> Option<(usize, f64, Reason)> {
            if let Some((l, _)) = &loc {
                let sc: Vec<(usize, f64)> = self
                    .loc
                    .scores(*l)
                    .into_iter()
                    .filter(|(u, _)| options.contains(u))
                    .collect();
                match sc.as_slice() {
                    [(u, s)] if *s < 1.6 => {
                        return Some((*u, 0.85, reasons::location_inside(self.unit_name(*u))));
                    }
                    [(u, s), (_, s2), ..] if *s2 > s * 1.35 => {
                        return Some((*u, 0.8, reasons::location_inside(self.unit_name(*u))));
                    }
                    _ => {}
                }
            }
            if let Some((h, HintSource::Account)) = hint
                && options.contains(&h)
            {
                return Some((h, 0.8, reasons::account_owner(self.unit_name(h))));
            }
            let prev: Vec<usize> = input
                .previous_units
                .iter()
                .filter_map(|c| g.unit_idx(c))
                .filter(|u| options.contains(u))
                .collect();
            if let Some(&first) = prev.first()
                && prev.iter().all(|&u| u == first)
            {
                return Some((
                    first,
                    ROUTE_MIN,
                    reasons::previous_tickets(self.unit_name(first)),
                ));
            }
            None
        };
        for c in &claims {
            match &c.kind {
                Kind::Split { options, default } => {
                    let mut rs = c.reasons.clone();
                    // A previous ticket is too weak to settle a split.
                    if let Some((u, conf, r)) = pick(options)
                        && r.code != "previous_tickets"
                    {
                        rs.push(r);
                        rs.push(reasons::split_resolved(
                            &c.span,
                            self.unit_name(u),
                            "thông tin kèm theo",
                            "the accompanying information",
                        ));
                        return route(u, conf, rs);
                    }
                    return triage(default.or(options.first().copied()), 0.45, rs);
                }
                Kind::Ambiguous(options) => {
                    let mut rs = c.reasons.clone();
                    if let Some((u, conf, r)) = pick(options) {
                        rs.push(r);
                        return route(u, conf, rs);
                    }
                    return triage(options.first().copied(), c.conf.min(0.5), rs);
                }
                Kind::Unit(u) => {
                    // A weak claim (e.g. the district does not match).
                    let mut rs = c.reasons.clone();
                    if let Some((v, conf, r)) = pick(&[*u])
                        && r.code != "previous_tickets"
                    {
                        rs.push(r);
                        return route(v, conf, rs);
                    }
                    return triage(Some(*u), c.conf.min(0.5), rs);
                }
                _ => {}
            }
        }

        let outside: Vec<&Claim> = claims
            .iter()
            .filter(|c| matches!(c.kind, Kind::Outside))
            .collect();

        // 4. The unit's own channel, unless the text clearly names a place elsewhere.
        if let Some((h, HintSource::Account)) = hint {
            if any_typed_outside {
                let rs = outside.iter().flat_map(|c| c.reasons.clone()).collect();
                return triage(Some(h), 0.3, rs);
            }
            let mut rs = vec![reasons::account_owner(self.unit_name(h))];
            let mut conf = 0.8;
            if let Some((_, res)) = &loc {
                match res {
                    LocResult::Inside { unit, .. } if *unit == h => {
                        rs.push(reasons::location_agrees(self.unit_name(h)))
                    }
                    LocResult::Inside { unit, .. } => {
                        rs.push(reasons::location_inside(self.unit_name(*unit)));
                        conf = 0.65;
                    }
                    _ => {}
                }
            }
            return route(h, conf, rs);
        }

        // 5. The shared location.
        if let Some((_, res)) = &loc {
            match res {
                LocResult::Inside { unit, score } => {
                    if outside.is_empty() {
                        let conf = if *score < 1.0 { 0.9 } else { 0.8 };
                        return route(
                            *unit,
                            conf,
                            vec![reasons::location_inside(self.unit_name(*unit))],
                        );
                    }
                }
                LocResult::Ambiguous { best, second } => {
                    return triage(
                        Some(*best),
                        0.45,
                        vec![reasons::location_border(
                            self.unit_name(*best),
                            self.unit_name(*second),
                        )],
                    );
                }
                LocResult::Outside { province } => {
                    return triage(
                        None,
                        0.2,
                        vec![reasons::location_outside(province.as_deref(), served)],
                    );
                }
            }
        }

        // 6. Nothing routable: say why.
        let prev_sugg = || -> (Option<usize>, Vec<Reason>) {
            let mut counts: Vec<(usize, usize)> = Vec::new();
            for c in input.previous_units {
                if let Some(u) = g.unit_idx(c) {
                    match counts.iter_mut().find(|(x, _)| *x == u) {
                        Some(e) => e.1 += 1,
                        None => counts.push((u, 1)),
                    }
                }
            }
            counts.sort_by_key(|c| std::cmp::Reverse(c.1));
            match counts.first() {
                Some(&(u, _)) => (Some(u), vec![reasons::previous_tickets(self.unit_name(u))]),
                None => (None, Vec::new()),
            }
        };
        let (sugg, prev_rs) = prev_sugg();
        let kinds: [fn(&Kind) -> bool; 3] = [
            |k| matches!(k, Kind::Outside),
            |k| matches!(k, Kind::District),
            |k| matches!(k, Kind::Unknown),
        ];
        for is_kind in kinds {
            let found: Vec<&Claim> = claims.iter().filter(|c| is_kind(&c.kind)).collect();
            if !found.is_empty() {
                let mut rs: Vec<Reason> = found.iter().flat_map(|c| c.reasons.clone()).collect();
                rs.extend(prev_rs);
                return triage(sugg, 0.2, rs);
            }
        }
        let mut rs = vec![reasons::no_place()];
        rs.extend(prev_rs);
        triage(sugg, 0.0, rs)
    }
}
