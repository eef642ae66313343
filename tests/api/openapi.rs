//! The API document at `/api/v1/openapi.json` against the route table, both ways: every routed path under
//! `/api/v1/` and `/webhooks/` is documented, every documented path is routed. (Responses against the document:
//! `scripts/api-fuzz.sh`, run by CI.)
use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{Backend, spawn_app};

const DOCUMENTED_PREFIXES: [&str; 2] = ["/api/v1/", "/webhooks/"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_document_and_the_route_table_agree_both_ways() {
    let app = spawn_app(Backend::Sqlite).await.expect("sqlite app");
    let response = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let document: Value = response.json().await.unwrap();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1"),
        "OpenAPI 3.1: {}",
        document["openapi"]
    );

    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("a path item")
                .keys()
                .filter(|key| {
                    ["get", "put", "post", "delete", "patch", "head", "options"]
                        .contains(&key.as_str())
                })
                .map(|method| (method.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let routed: BTreeSet<(String, String)> = phananh::http::route_paths()
        .into_iter()
        .filter(|(_, path)| DOCUMENTED_PREFIXES.iter().any(|p| path.starts_with(p)))
        .map(|(method, path)| (method.to_string(), path.to_owned()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routed but not in the document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "in the document but not routed: {unrouted:?}"
    );
    assert!(routed.len() >= 14, "the table lists the API: {routed:?}");

    // Every operation says what it answers, and every error it names has the one error shape.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path} documents no responses"));
            assert!(
                !responses.is_empty(),
                "{method} {path} documents no responses"
            );
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    // The error shape, or one that carries it (a stale reply's 409 adds the new messages).
                    let schema = response["content"]["application/json"]["schema"]["$ref"]
                        .as_str()
                        .and_then(|r| document.pointer(r.trim_start_matches('#')))
                        .unwrap_or_else(|| panic!("{method} {path} {status} names no schema"));
                    assert!(
                        schema["properties"]["error"]["$ref"] == "#/components/schemas/ErrorDetail",
                        "{method} {path} answers {status} with the error shape: {schema}"
                    );
                }
            }
        }
    }
    // Every reference resolves.
    let mut refs = Vec::new();
    collect_refs(&document, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let pointer = reference.trim_start_matches('#');
        assert!(
            document.pointer(pointer).is_some(),
            "{reference} does not resolve"
        );
    }
    app.shut_down().await;
}

fn collect_refs(value: &Value, refs: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(r)) => refs.push(r.clone()),
                    _ => collect_refs(inner, refs),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
        _ => {}
    }
}
