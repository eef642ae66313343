//! A Zalo OA send API that answers after a set latency, for the delivery bench (scripts/bench-outbound.sh).
//!
//! `fake_platform BIND LATENCY_MS [SLOW_EVERY SLOW_MS]`: `POST /v3.0/oa/message/cs` answers as the real one
//! does on success (HTTP 200, `{"error":0,"message":"Success","data":{"message_id":"..."}}`) after LATENCY_MS;
//! with SLOW_EVERY, every SLOW_EVERY-th call takes SLOW_MS instead (a platform's slow tail). `GET /count` answers
//! `CALLS DISTINCT`: the sends answered and the distinct recipients among them, for the bench to wait on and to
//! check that nobody got a message twice.
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};

struct Fake {
    latency: Duration,
    slow_every: u64,
    slow: Duration,
    calls: AtomicU64,
    answered: Mutex<(u64, HashSet<String>)>,
}

async fn send(fake: web::Data<Arc<Fake>>, body: web::Bytes) -> HttpResponse {
    let n = fake.calls.fetch_add(1, Ordering::Relaxed) + 1;
    let wait = if fake.slow_every > 0 && n.is_multiple_of(fake.slow_every) {
        fake.slow
    } else {
        fake.latency
    };
    tokio::time::sleep(wait).await;
    let Some(user) = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|b| b["recipient"]["user_id"].as_str().map(str::to_owned))
    else {
        return HttpResponse::Ok()
            .json(serde_json::json!({"error": -201, "message": "invalid parameter"}));
    };
    {
        let mut answered = fake.answered.lock().unwrap();
        answered.0 += 1;
        answered.1.insert(user);
    }
    HttpResponse::Ok().json(serde_json::json!({
        "error": 0,
        "message": "Success",
        "data": {"message_id": format!("fake-{n}")}
    }))
}

async fn count(fake: web::Data<Arc<Fake>>) -> HttpResponse {
    let answered = fake.answered.lock().unwrap();
    HttpResponse::Ok().body(format!("{} {}", answered.0, answered.1.len()))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: fake_platform BIND LATENCY_MS [SLOW_EVERY SLOW_MS]";
    assert!(args.len() == 2 || args.len() == 4, "{usage}");
    let bind = args[0].clone();
    let ms = |i: usize| -> u64 { args.get(i).map_or(0, |a| a.parse().expect(usage)) };
    let fake = Arc::new(Fake {
        latency: Duration::from_millis(ms(1)),
        slow_every: ms(2),
        slow: Duration::from_millis(ms(3)),
        calls: AtomicU64::new(0),
        answered: Mutex::default(),
    });
    HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(fake.clone()))
            .route("/v3.0/oa/message/cs", web::post().to(send))
            .route("/count", web::get().to(count))
    })
    .workers(1)
    .bind(bind)?
    .run()
    .await
}
