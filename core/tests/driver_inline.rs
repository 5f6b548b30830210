//! `ChallengeRun::begin_submit` / `begin_back` / `begin_retry` (the FFI's inline path) against
//! the real server behind a logging proxy: inputs that need no IO complete at once, on a thread
//! without any tokio runtime, and send nothing; an input that completes a step hands back a
//! `PendingIo` that keeps the run's invariants (Busy while it lives, cancel wins over it, a
//! dropped one interrupts the step and `retry` resends it).

mod net;

use latchkey_core::driver::{Begun, PendingIo};
use latchkey_core::{
    ChallengeRun, ChallengeStatus, ChallengeType, ErrorCode, InputError, LatchkeyError, PinPurpose,
    Screen,
};
use net::proxy::Proxy;
use net::*;
use std::sync::Arc;
use std::time::Duration;

/// A SET_PIN run whose requests go through a logging proxy.
async fn set_pin_run(world: &World, proxy: &Proxy, user: &str) -> Arc<ChallengeRun> {
    let (session, token) = new_user(world, user, &proxy.url()).await;
    let id = create(world, &token, ChallengeType::SetPin).await;
    let run = Arc::new(session.run_challenge(&id).await.expect("run"));
    proxy.clear_log();
    run
}

fn ready(b: Result<Begun, LatchkeyError>) -> Screen {
    match b.expect("begun") {
        Begun::Ready(s) => s,
        Begun::NeedsIo(io) => panic!("expected no IO, got {io:?}"),
    }
}

fn needs_io(b: Result<Begun, LatchkeyError>) -> PendingIo {
    match b.expect("begun") {
        Begun::NeedsIo(io) => io,
        Begun::Ready(s) => panic!("expected a request, got {s:?}"),
    }
}

#[tokio::test]
async fn local_inputs_complete_inline_without_a_runtime_or_a_request() {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let run = set_pin_run(&world, &proxy, "inline-user").await;
    let r = run.clone();
    // A plain OS thread with no tokio context: the sans-IO half must not need one.
    let screens = std::thread::spawn(move || {
        let refused = ready(r.begin_submit(pin("123456")));
        let confirm = ready(r.begin_submit(pin("135790")));
        let back = ready(r.begin_back());
        let misuse = r.begin_retry().err();
        (refused, confirm, back, misuse)
    })
    .join()
    .expect("thread");
    let (refused, confirm, back, misuse) = screens;
    assert!(
        matches!(
            &refused,
            Screen::EnterPin {
                purpose: PinPurpose::New,
                error: Some(InputError::InsecurePin(_)),
                ..
            }
        ),
        "{refused:?}"
    );
    assert!(
        matches!(
            confirm,
            Screen::EnterPin {
                purpose: PinPurpose::Confirm,
                error: None,
                ..
            }
        ),
        "{confirm:?}"
    );
    assert!(
        matches!(
            back,
            Screen::EnterPin {
                purpose: PinPurpose::New,
                ..
            }
        ),
        "{back:?}"
    );
    assert_eq!(misuse.map(|e| e.code()), Some(ErrorCode::UnexpectedInput));
    assert_eq!(run.screen(), back, "published to screen() and listeners");
    assert!(proxy.log().is_empty(), "no request: {:?}", proxy.log());
    world.server.shutdown().await;
}

#[tokio::test]
async fn a_step_needs_io_is_busy_meanwhile_and_finishes_like_submit() {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let run = set_pin_run(&world, &proxy, "inline-io-user").await;
    ready(run.begin_submit(pin("135790")));
    let io = needs_io(run.begin_submit(pin("135790")));
    assert!(
        matches!(run.screen(), Screen::Working { .. }),
        "{:?}",
        run.screen()
    );
    // The PendingIo holds the run: every other call is Busy, and nothing was sent yet.
    assert_eq!(
        run.begin_submit(pin("135790")).err(),
        Some(LatchkeyError::Busy)
    );
    assert_eq!(run.begin_back().err(), Some(LatchkeyError::Busy));
    assert_eq!(
        run.submit(pin("135790")).await.err(),
        Some(LatchkeyError::Busy)
    );
    assert_eq!(proxy.count("/steps"), 0, "{:?}", proxy.log());
    // Finished on another task (as the FFI does on its runtime).
    let done = tokio::spawn(io.finish())
        .await
        .expect("task")
        .expect("finish");
    assert!(matches!(done, Screen::Done { .. }), "{done:?}");
    assert_eq!(run.screen(), done);
    assert_eq!(proxy.count("/steps"), 1, "{:?}", proxy.log());
    let c = run
        .wait_for_result(Duration::from_secs(5))
        .await
        .expect("result");
    assert_eq!(c.status, ChallengeStatus::Complete);
    world.server.shutdown().await;
}

#[tokio::test]
async fn a_dropped_pending_io_interrupts_and_retry_sends_the_step() {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let run = set_pin_run(&world, &proxy, "inline-drop-user").await;
    ready(run.begin_submit(pin("135790")));
    drop(needs_io(run.begin_submit(pin("135790"))));
    assert!(
        matches!(run.screen(), Screen::Interrupted { .. }),
        "{:?}",
        run.screen()
    );
    assert_eq!(proxy.count("/steps"), 0, "{:?}", proxy.log());
    let io = needs_io(run.begin_retry());
    let done = io.finish().await.expect("finish");
    assert!(matches!(done, Screen::Done { .. }), "{done:?}");
    assert_eq!(proxy.count("/steps"), 1, "{:?}", proxy.log());
    world.server.shutdown().await;
}

#[tokio::test]
async fn cancel_wins_over_a_pending_io_that_has_not_sent() {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let run = set_pin_run(&world, &proxy, "inline-cancel-user").await;
    ready(run.begin_submit(pin("135790")));
    let io = needs_io(run.begin_submit(pin("135790")));
    // cancel is polled first: it asks for cancellation, then waits for the run's lock, which
    // the PendingIo gives up after noticing the request and not sending the step.
    let (cancelled, finished) = tokio::join!(run.cancel(), io.finish());
    assert!(
        matches!(cancelled, Ok(Screen::Cancelled { .. })),
        "{cancelled:?}"
    );
    assert!(
        matches!(finished, Ok(Screen::Cancelled { .. })),
        "{finished:?}"
    );
    assert_eq!(proxy.count("/steps"), 0, "{:?}", proxy.log());
    let c = run
        .wait_for_result(Duration::from_secs(5))
        .await
        .expect("result");
    assert_eq!(c.status, ChallengeStatus::Failed);
    world.server.shutdown().await;
}
