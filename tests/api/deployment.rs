//! The binary run from a folder of its own, as an operator deploys it: settings, gazetteer and calendar built in,
//! `--config FILE` from anywhere, the served provinces from the environment.
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::helpers::repo_path;

/// A Hà Tĩnh commune by its name before 2025, an address in Hồ Chí Minh City, one in Nghệ An, and no place at all.
const HA_TINH: &str =
    r#"{"id":"ht","text":"Tôi ở xã Lưu Vĩnh Sơn, huyện Thạch Hà muốn hỏi về tạm trú"}"#;
const HO_CHI_MINH: &str =
    r#"{"id":"hcm","text":"Nhà tôi ở phường Sài Gòn, TP Hồ Chí Minh, bị mất xe máy"}"#;
const NGHE_AN: &str =
    r#"{"id":"na","text":"Tôi ở phường Vinh Phú, tỉnh Nghệ An, hàng xóm hát karaoke khuya"}"#;
const NOWHERE: &str = r#"{"id":"none","text":"Cho em hỏi thủ tục làm căn cước"}"#;

/// The binary with `dir` as its working directory and none of this process's `PHANANH__*` settings.
fn phananh_in(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_phananh"));
    command.current_dir(dir);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PHANANH__") {
            command.env_remove(key);
        }
    }
    command
}

/// `phananh route --jsonl` with `lines` on stdin.
fn route(mut command: Command, lines: &[&str]) -> Output {
    let mut child = command
        .args(["route", "--jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// Every line of stdout as a JSON object, failing on anything else.
fn decisions(output: &Output) -> Vec<Value> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line)
                .ok()
                .filter(Value::is_object)
                .unwrap_or_else(|| panic!("not a decision on stdout: {line:?}"))
        })
        .collect()
}

fn failure(output: &Output) -> String {
    assert!(!output.status.success(), "succeeded");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn route_from_an_empty_folder_writes_only_decisions_each_naming_its_province() {
    let dir = tempfile::tempdir().unwrap();
    let output = route(phananh_in(dir.path()), &[HA_TINH, NOWHERE]);
    let lines = decisions(&output);
    assert_eq!(lines.len(), 2, "{lines:?}");
    for line in &lines {
        let mut keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            ["confidence", "id", "province_code", "reasons", "unit_code"]
        );
    }
    assert_eq!(
        (&lines[0]["unit_code"], &lines[0]["province_code"]),
        (&Value::from("18634"), &Value::from("42")),
        "the built-in gazetteer serves Hà Tĩnh: {}",
        lines[0]
    );
    assert_eq!(lines[1]["province_code"], Value::Null, "no place named");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("gazetteer loaded"),
        "the logs go to stderr: {stderr}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "no colours off a terminal: {stderr:?}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "routing writes nothing"
    );
}

#[test]
fn migrate_from_an_empty_folder_creates_the_database_there() {
    let dir = tempfile::tempdir().unwrap();
    let output = phananh_in(dir.path()).arg("migrate").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "migrations applied\n"
    );
    assert!(dir.path().join("data/phananh.db").is_file());
}

#[test]
fn a_settings_file_in_another_folder_is_used() {
    let here = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let file = elsewhere.path().join("phananh.toml");
    let defaults = std::fs::read_to_string(repo_path("config/default.toml")).unwrap();
    let whole_country = defaults.replace("province_code = \"42\"", "province_code = \"*\"");
    assert_ne!(whole_country, defaults);
    std::fs::write(&file, whole_country).unwrap();

    let mut command = phananh_in(here.path());
    command.arg("--config").arg(&file);
    let lines = decisions(&route(command, &[HO_CHI_MINH]));
    assert_eq!(lines[0]["province_code"], "79", "{}", lines[0]);
    assert!(lines[0]["unit_code"].is_string(), "routed: {}", lines[0]);

    let lines = decisions(&route(phananh_in(here.path()), &[HO_CHI_MINH]));
    assert_eq!(lines[0]["province_code"], "79", "{}", lines[0]);
    assert_eq!(
        lines[0]["unit_code"],
        Value::Null,
        "without the file, Hà Tĩnh only: {}",
        lines[0]
    );
}

#[test]
fn a_missing_settings_file_stops_every_command_naming_it() {
    let here = tempfile::tempdir().unwrap();
    let missing = here.path().join("nowhere/phananh.toml");
    for args in [&["migrate"][..], &["route", "--jsonl"]] {
        let output = phananh_in(here.path())
            .arg("--config")
            .arg(&missing)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = failure(&output);
        assert!(
            stderr.contains(&missing.display().to_string()),
            "{args:?}: {stderr}"
        );
        assert!(output.stdout.is_empty());
    }
    assert!(
        !here.path().join("data").exists(),
        "no database without settings"
    );
}

#[test]
fn the_served_provinces_come_from_the_environment_and_a_wrong_value_is_named() {
    let here = tempfile::tempdir().unwrap();
    let mut two = phananh_in(here.path());
    two.env("PHANANH__ROUTING__PROVINCE_CODE", "40,42");
    let lines = decisions(&route(two, &[HA_TINH, NGHE_AN, HO_CHI_MINH]));
    let routed: Vec<(&Value, bool)> = lines
        .iter()
        .map(|line| (&line["province_code"], line["unit_code"].is_string()))
        .collect();
    assert_eq!(
        routed,
        [
            (&Value::from("42"), true),
            (&Value::from("40"), true),
            (&Value::from("79"), false),
        ],
        "{lines:?}"
    );

    for wrong in ["4x", "42,", ""] {
        let mut command = phananh_in(here.path());
        command.env("PHANANH__ROUTING__PROVINCE_CODE", wrong);
        let output = route(command, &[HA_TINH]);
        let stderr = failure(&output);
        assert!(
            stderr.contains("routing.province_code") && stderr.contains(&format!("{wrong:?}")),
            "{wrong:?}: {stderr}"
        );
        assert!(output.stdout.is_empty());
    }
}
