//! Properties over what outsiders control: the platforms' event parsers, the signature checks, the Vietnamese
//! folding and the router, on generated input. A short run here (`PROPTEST_CASES`, default 256 cases each); the
//! long coverage-guided runs are the afl targets in `fuzz/`, outside the workspace.
use std::sync::{Arc, OnceLock};

use hmac::{Hmac, Mac};
use phananh::platforms::{facebook, zalo};
use phananh::routing::{Gazetteer, LatLon, RouteInput, Router, fold};
use proptest::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::channels::fixture;
use crate::helpers::repo_path;

fn router() -> &'static (Router, Arc<Gazetteer>) {
    static ROUTER: OnceLock<(Router, Arc<Gazetteer>)> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let gazetteer =
            Arc::new(Gazetteer::load(&repo_path("config/gazetteer"), "42").expect("gazetteer"));
        (Router::new(gazetteer.clone()), gazetteer)
    })
}

/// Any JSON value, a few levels deep, with the keys the parsers look for among the random ones.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("event_name".to_owned()),
        Just("message".to_owned()),
        Just("msg_id".to_owned()),
        Just("sender".to_owned()),
        Just("recipient".to_owned()),
        Just("id".to_owned()),
        Just("timestamp".to_owned()),
        Just("attachments".to_owned()),
        Just("payload".to_owned()),
        Just("entry".to_owned()),
        Just("messaging".to_owned()),
        Just("changes".to_owned()),
        Just("value".to_owned()),
        Just("page_id".to_owned()),
        Just("text".to_owned()),
        Just("mid".to_owned()),
        Just("coordinates".to_owned()),
        Just("latitude".to_owned()),
        "\\PC{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::from),
        Just(json!("\u{0}")),
        Just(json!("9999999999999999999999")),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// One of the real events in the fixtures `names`, with one value somewhere replaced by an arbitrary one.
fn mutated(names: &[&str]) -> BoxedStrategy<String> {
    prop::strategy::Union::new(names.iter().map(|name| mutated_one(fixture(name)))).boxed()
}

fn mutated_one(fixture_json: String) -> BoxedStrategy<String> {
    let base: Value = serde_json::from_str(&fixture_json).expect("fixture JSON");
    (any::<prop::sample::Index>(), json_value())
        .prop_map(move |(at, replacement)| {
            let mut value = base.clone();
            let chosen = at.index(nodes(&value));
            replace_nth(&mut value, chosen, &mut 0, &replacement);
            value.to_string()
        })
        .boxed()
}

/// How many values `value` holds, itself included.
fn nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(nodes).sum(),
        Value::Object(map) => map.values().map(nodes).sum(),
        _ => 0,
    }
}

fn replace_nth(value: &mut Value, target: usize, seen: &mut usize, with: &Value) -> bool {
    if *seen == target {
        *value = with.clone();
        return true;
    }
    *seen += 1;
    match value {
        Value::Array(items) => items.iter_mut().any(|v| replace_nth(v, target, seen, with)),
        Value::Object(map) => map.values_mut().any(|v| replace_nth(v, target, seen, with)),
        _ => false,
    }
}

fn zalo_sign(app_id: &str, body: &[u8], timestamp: &str, secret: &str) -> String {
    let digest = Sha256::new()
        .chain_update(app_id.as_bytes())
        .chain_update(body)
        .chain_update(timestamp.as_bytes())
        .chain_update(secret.as_bytes())
        .finalize();
    format!("mac={}", hex::encode(digest))
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_zalo_parser_takes_any_text_or_json(text in "\\PC{0,200}", value in json_value()) {
        let _ = zalo::parse(&text);
        let _ = zalo::parse(&value.to_string());
    }

    #[test]
    fn the_zalo_parser_takes_real_events_with_any_field_changed(
        body in mutated(&["zalo_user_send_text.json", "zalo_user_send_location_ASSEMBLED.json",
            "zalo_user_send_image_ASSEMBLED.json", "zalo_follow.json", "zalo_user_submit_info_SECONDARY.json"])
    ) {
        let _ = zalo::parse(&body);
        let _ = zalo::webhook::verify(body.as_bytes(), "mac=00", "app", "secret");
    }

    #[test]
    fn the_facebook_parser_and_splitter_take_any_json(value in json_value()) {
        let body = value.to_string();
        let _ = facebook::parse(&body);
        let _ = facebook::webhook::split(body.as_bytes(), |_| true);
    }

    #[test]
    fn the_facebook_parser_takes_real_events_with_any_field_changed(
        body in mutated(&["fb_messaging_text.json", "fb_feed_comment_add.json", "fb_messaging_image.json",
            "fb_messaging_postback.json", "fb_delivery.json", "fb_feed_comment_hide_entry.json"])
    ) {
        if let Ok(split) = facebook::webhook::split(body.as_bytes(), |_| true) {
            for event in split.events {
                let _ = facebook::parse(&event.raw);
            }
        }
    }

    #[test]
    fn a_zalo_signature_holds_for_its_body_only(
        body in prop::collection::vec(any::<u8>(), 1..300),
        flip in any::<prop::sample::Index>(),
        timestamp in "[0-9]{13}",
    ) {
        let header = zalo_sign("app-1", &body, &timestamp, "secret-1");
        prop_assert!(zalo::webhook::signature_valid(&header, "app-1", &body, &timestamp, "secret-1"));
        let mut changed = body.clone();
        let at = flip.index(changed.len());
        changed[at] ^= 0x01;
        prop_assert!(!zalo::webhook::signature_valid(&header, "app-1", &changed, &timestamp, "secret-1"));
        prop_assert!(!zalo::webhook::signature_valid(&header, "app-1", &body, &timestamp, "secret-2"));
    }

    #[test]
    fn a_facebook_signature_holds_for_its_body_only(
        body in prop::collection::vec(any::<u8>(), 1..300),
        flip in any::<prop::sample::Index>(),
        junk in "\\PC{0,80}",
    ) {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"app-secret").unwrap();
        mac.update(&body);
        let header = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        prop_assert!(facebook::webhook::signature_valid(&header, "app-secret", &body));
        let mut changed = body.clone();
        let at = flip.index(changed.len());
        changed[at] ^= 0x80;
        prop_assert!(!facebook::webhook::signature_valid(&header, "app-secret", &changed));
        prop_assert!(!facebook::webhook::signature_valid(&junk, "app-secret", &body));
    }

    #[test]
    fn folding_is_idempotent_and_vietnamese_letters_fold_to_ascii(
        any_text in "\\PC{0,120}",
        vietnamese in "[a-zA-Z0-9 àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ]{0,60}",
    ) {
        let once = fold(&any_text);
        prop_assert_eq!(fold(&once), once);
        let folded = fold(&vietnamese);
        prop_assert!(folded.is_ascii(), "{vietnamese:?} -> {folded:?}");
        prop_assert_eq!(folded.clone(), folded.to_lowercase());
    }

    #[test]
    fn the_router_decides_anything_within_its_own_units(
        text in "\\PC{0,300}",
        words in prop::collection::vec(prop_oneof![
            Just("xã"), Just("phường"), Just("Thạch Hà"), Just("ha tinh"), Just("P."), Just("TX"),
            Just("Kỳ Anh"), Just("cũ"), Just("thôn"), Just("gần"), Just("Cẩm Xuyên"), Just("Hồng Lĩnh"),
            Just("🙏"), Just("0912345678"), Just(","), Just("Tân Thành"),
        ], 0..20),
        location in prop::option::of((-90.0f64..90.0, -180.0f64..180.0)),
    ) {
        let (router, gazetteer) = router();
        for text in [text, words.join(" ")] {
            let decision = router.decide(&RouteInput {
                text: &text,
                location: location.map(|(lat, lon)| LatLon { lat, lon }),
                ..Default::default()
            });
            prop_assert!((0.0..=1.0).contains(&decision.confidence), "{}", decision.confidence);
            for code in decision.unit_code.iter().chain(decision.suggested_unit.iter()) {
                prop_assert!(gazetteer.unit(code).is_some(), "{code} is not a unit served");
            }
        }
    }
}
