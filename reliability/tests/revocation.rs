//! Revocation across two `latchkey-server` processes on one PostgreSQL database: a token
//! resolved (and cached) by process B, revoked through process A, answers 401 155104 on B for
//! every request sent after the revoke call returned; the latency from the revoke reply to the
//! first 401 seen on B is printed (docs/reliability.md quotes it).

use latchkey_reliability::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ROUNDS: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revocation_across_two_processes() {
    let Some(url) = fresh_postgres().await else {
        eprintln!("LATCHKEY_TEST_POSTGRES_URL unset: two-process revocation test skipped");
        return;
    };
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = ServerProc::start(&ServerOptions::new(
        d1.path(),
        Backend::Postgres(url.clone()),
    ));
    let b = ServerProc::start(&ServerOptions::new(d2.path(), Backend::Postgres(url)));
    let (api_a, api_b) = (Api::new(a.base_url()), Api::new(b.base_url()));
    api_a.create_user("revoke-latency").await.unwrap().ok(201);
    let mut latencies = Vec::new();
    for round in 0..ROUNDS {
        let s = api_a.session("revoke-latency").await.unwrap();
        // B resolves (and caches) the session.
        api_b.me(&s).await.unwrap().ok(200);
        // B polls without pause while A revokes.
        let revoked_at: Arc<std::sync::Mutex<Option<Instant>>> = Default::default();
        let stop = Arc::new(AtomicBool::new(false));
        let poller = {
            let (api_b, s, revoked_at, stop) =
                (api_b.clone(), s.clone(), revoked_at.clone(), stop.clone());
            tokio::spawn(async move {
                loop {
                    let sent = Instant::now();
                    let r = api_b.me(&s).await.unwrap();
                    let done = Instant::now();
                    let after_revoke = revoked_at.lock().unwrap().is_some_and(|t| sent >= t);
                    match r.status {
                        200 => assert!(
                            !after_revoke,
                            "round {round}: a request sent after the revocation succeeded"
                        ),
                        401 => {
                            assert_eq!(r.code(), 155104);
                            return done;
                        }
                        _ => panic!("unexpected {r:?}"),
                    }
                    if stop.load(Ordering::Relaxed) {
                        panic!("round {round}: never saw 401");
                    }
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(api_a.revoke_token(&s.token).await.unwrap().status, 204);
        let t = Instant::now();
        *revoked_at.lock().unwrap() = Some(t);
        let first_401 = tokio::time::timeout(Duration::from_secs(10), poller)
            .await
            .expect("401 within 10 s")
            .unwrap();
        stop.store(true, Ordering::Relaxed);
        latencies.push(first_401.saturating_duration_since(t));
        // And the next request on B, sent after the reply, is refused too.
        api_b.me(&s).await.unwrap();
        assert_eq!(api_b.me(&s).await.unwrap().code(), 155104);
    }
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "revocation latency across two processes ({} rounds): p50 {:.2} ms, p90 {:.2} ms, max {:.2} ms (revoke reply -> first 401 on the other process)",
        ROUNDS,
        ms(latencies[ROUNDS / 2]),
        ms(latencies[ROUNDS * 9 / 10]),
        ms(latencies[ROUNDS - 1])
    );
}
