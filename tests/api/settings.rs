//! Settings: defaults, `local.toml`, environment overrides, and a clear stop on unknown keys.
use phananh::config::{Settings, SqliteSynchronous};

use crate::helpers::repo_path;

#[test]
fn the_bundled_defaults_load_as_the_contract_says() {
    let settings = Settings::load_from(&repo_path("config/default.toml"), Vec::new()).unwrap();
    assert_eq!(settings.server.bind, "127.0.0.1:8080");
    assert_eq!(settings.server.max_body_bytes, 262_144);
    assert_eq!(settings.database.url, "sqlite://data/phananh.db?mode=rwc");
    assert_eq!(
        settings.database.sqlite_synchronous,
        SqliteSynchronous::Full
    );
    assert_eq!(settings.routing.province_code, "42");
    assert_eq!(settings.intake.thread_window_days, 7);
    assert_eq!(settings.form.rate_limit_per_minute, 10);
    assert_eq!(settings.auth.login_rate_limit_per_minute, 5);
    assert_eq!(settings.facebook.graph_version, "v25.0");
}

#[test]
fn environment_variables_override_settings() {
    let env = vec![
        (
            "PHANANH__SERVER__BIND".to_owned(),
            "127.0.0.1:9000".to_owned(),
        ),
        (
            "PHANANH__SERVER__TRUSTED_PROXIES".to_owned(),
            "10.0.0.1,10.0.0.2".to_owned(),
        ),
        (
            "PHANANH__ROUTING__PROVINCE_CODE".to_owned(),
            "01".to_owned(),
        ),
        ("PHANANH__ZALO__APP_ID".to_owned(), "1234567890".to_owned()),
        ("OTHER_VARIABLE".to_owned(), "ignored".to_owned()),
    ];
    let settings = Settings::load_from(&repo_path("config/default.toml"), env).unwrap();
    assert_eq!(settings.server.bind, "127.0.0.1:9000");
    assert_eq!(settings.server.trusted_proxies.len(), 2);
    assert_eq!(settings.routing.province_code, "01");
    assert_eq!(settings.zalo.app_id, "1234567890");
}

#[test]
fn an_unknown_key_in_a_file_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("default.toml");
    let defaults = std::fs::read_to_string(repo_path("config/default.toml")).unwrap();
    std::fs::write(
        &file,
        defaults.replace("[log]\n", "[log]\nformatt = \"json\"\n"),
    )
    .unwrap();
    let err = Settings::load_from(&file, Vec::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("formatt"), "{err}");
}

#[test]
fn an_unknown_key_in_local_toml_or_the_environment_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("default.toml");
    std::fs::copy(repo_path("config/default.toml"), &file).unwrap();
    std::fs::write(
        dir.path().join("local.toml"),
        "[server]\nbindd = \"0.0.0.0:80\"\n",
    )
    .unwrap();
    let err = Settings::load_from(&file, Vec::new())
        .unwrap_err()
        .to_string();
    assert!(err.contains("bindd"), "{err}");
    std::fs::remove_file(dir.path().join("local.toml")).unwrap();

    let env = vec![("PHANANH__DATABASE__URLL".to_owned(), "x".to_owned())];
    let err = Settings::load_from(&file, env).unwrap_err().to_string();
    assert!(err.contains("urll"), "{err}");
    let env = vec![("PHANANH__NOSECTION__KEY".to_owned(), "x".to_owned())];
    let err = Settings::load_from(&file, env).unwrap_err().to_string();
    assert!(err.contains("nosection"), "{err}");
}

#[test]
fn local_toml_overrides_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("default.toml");
    std::fs::copy(repo_path("config/default.toml"), &file).unwrap();
    std::fs::write(
        dir.path().join("local.toml"),
        "[form]\nrate_limit_per_minute = 42\n",
    )
    .unwrap();
    let settings = Settings::load_from(&file, Vec::new()).unwrap();
    assert_eq!(settings.form.rate_limit_per_minute, 42);
}

#[test]
fn a_bad_value_is_named() {
    let env = vec![(
        "PHANANH__DATABASE__SQLITE_SYNCHRONOUS".to_owned(),
        "sometimes".to_owned(),
    )];
    let err = Settings::load_from(&repo_path("config/default.toml"), env)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sometimes") || err.contains("sqlite_synchronous"),
        "{err}"
    );
}

#[test]
fn a_short_session_key_stops_start_up_and_a_long_one_is_taken() {
    let with_key = |key: &str| {
        Settings::load_from(
            &repo_path("config/default.toml"),
            vec![("PHANANH__AUTH__SESSION_KEY".to_owned(), key.to_owned())],
        )
        .map_err(|e| e.to_string())
    };
    let err = with_key("abcd1234").unwrap_err();
    assert!(err.contains("auth.session_key"), "{err}");
    assert!(with_key(&"ab".repeat(64)).is_ok());
}

#[test]
fn no_sends_in_flight_stops_start_up_naming_the_key() {
    let env = vec![("PHANANH__OUTBOUND__CONCURRENCY".to_owned(), "0".to_owned())];
    let err = Settings::load_from(&repo_path("config/default.toml"), env)
        .unwrap_err()
        .to_string();
    assert!(err.contains("outbound.concurrency"), "{err}");
    let env = vec![("PHANANH__OUTBOUND__CONCURRENCY".to_owned(), "64".to_owned())];
    let settings = Settings::load_from(&repo_path("config/default.toml"), env).unwrap();
    assert_eq!(settings.outbound.concurrency, 64);
}
