//! Criterion benches of the pure, sans-IO client core (no network):
//!
//! * `envelope/seal`, `envelope/open`: one step payload sealed / opened (HKDF + AES-256-GCM +
//!   base64 + JSON), as the SDK and the server do per step;
//! * `pin/*`, `answer/*`: the local input checks (PIN rules, answer normalisation, hints);
//! * `flow/change_pin_whole`: one whole CHANGE_PIN flow through [`Flow`]: descriptor in, the
//!   user's three PIN entries and the two simulated server replies (`StepResult` values) in,
//!   two sealed `SubmitStep` effects out, the screen read after every event as the driver does.
//!   Target (issue 6): <= 20 us.
//! * `flow/restore_pin_whole`: the same for RESTORE_PIN (two answers, new PIN, confirmation).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use latchkey_core::{Effect, Event, Flow};
use latchkey_protocol::envelope::{open_json, seal_json};
use latchkey_protocol::{
    ChallengeDescriptor, ChallengeStatus, ChallengeType, EnvelopeContext, PinPolicy, Question,
    QuestionKind, QuestionPolicy, Secret, SessionKey, Step, StepPayload, StepResult,
    PROTOCOL_VERSION,
};
use ring::rand::SystemRandom;

/// 2030-01-01T00:00:00Z, and an hour before it.
const EXPIRES: &str = "2030-01-01T00:00:00Z";
const NOW: i64 = 1_893_456_000 - 3600;
const CHALLENGE_ID: &str = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b";

fn key() -> SessionKey {
    SessionKey::from_bytes([42; 32])
}

fn descriptor(t: ChallengeType) -> ChallengeDescriptor {
    let questions = if t == ChallengeType::RestorePin {
        vec![
            Question {
                id: "q01".into(),
                text: "What was the name of your first pet?".into(),
                kind: QuestionKind::Text,
            },
            Question {
                id: "q10".into(),
                text: "On what date did you first travel abroad?".into(),
                kind: QuestionKind::Date,
            },
        ]
    } else {
        vec![]
    };
    let hints = questions.iter().map(|_| None).collect();
    ChallengeDescriptor {
        challenge_id: CHALLENGE_ID.into(),
        challenge_type: t,
        status: ChallengeStatus::InProgress,
        protocol_version: PROTOCOL_VERSION,
        expires_at: EXPIRES.into(),
        pin_policy: PinPolicy::default(),
        question_policy: QuestionPolicy::default(),
        catalogue: vec![],
        questions,
        hints,
        message: None,
        wallet: None,
        sign_request: None,
        blockchains: vec![],
        pin_attempts_left: 3,
        answer_attempts_left: 3,
        verified_steps: vec![],
        recovery: None,
    }
}

fn accepted(step: Step, status: ChallengeStatus, verified: Vec<Step>) -> Event {
    Event::StepAccepted(StepResult {
        challenge_id: CHALLENGE_ID.into(),
        step,
        status,
        verified_steps: verified,
        result: None,
    })
}

fn pin(s: &str) -> Event {
    Event::PinEntered(Secret::from_str_copy(s))
}

/// Feeds one event, reads the screen (as the driver does) and returns the number of
/// `SubmitStep` effects.
fn step(flow: &mut Flow, event: Event, rng: &SystemRandom) -> usize {
    let effects = flow
        .process_event(event, NOW, rng)
        .expect("the event fits the flow");
    black_box(flow.screen());
    effects
        .iter()
        .filter(|e| matches!(e, Effect::SubmitStep(_)))
        .count()
}

fn change_pin_whole(d: &ChallengeDescriptor, rng: &SystemRandom) -> usize {
    let mut flow = Flow::start(d.clone(), key(), NOW).expect("valid descriptor");
    black_box(flow.screen());
    let mut sent = step(&mut flow, pin("135790"), rng);
    sent += step(
        &mut flow,
        accepted(
            Step::CurrentPin,
            ChallengeStatus::InProgress,
            vec![Step::CurrentPin],
        ),
        rng,
    );
    sent += step(&mut flow, pin("246801"), rng);
    sent += step(&mut flow, pin("246801"), rng);
    sent += step(
        &mut flow,
        accepted(
            Step::Complete,
            ChallengeStatus::Complete,
            vec![Step::CurrentPin, Step::Complete],
        ),
        rng,
    );
    assert_eq!(flow.state_name(), "Done");
    sent
}

fn restore_pin_whole(d: &ChallengeDescriptor, rng: &SystemRandom) -> usize {
    let mut flow = Flow::start(d.clone(), key(), NOW).expect("valid descriptor");
    black_box(flow.screen());
    let answer = |a: &str| Event::AnswerGiven {
        answer: Secret::from_str_copy(a),
        hint: None,
    };
    let mut sent = step(&mut flow, answer("  Rex  "), rng);
    sent += step(&mut flow, answer("2001-02-03"), rng);
    sent += step(
        &mut flow,
        accepted(
            Step::Answers,
            ChallengeStatus::InProgress,
            vec![Step::Answers],
        ),
        rng,
    );
    sent += step(&mut flow, pin("246801"), rng);
    sent += step(&mut flow, pin("246801"), rng);
    sent += step(
        &mut flow,
        accepted(
            Step::Complete,
            ChallengeStatus::Complete,
            vec![Step::Answers, Step::Complete],
        ),
        rng,
    );
    assert_eq!(flow.state_name(), "Done");
    sent
}

fn envelope(c: &mut Criterion) {
    let rng = SystemRandom::new();
    let k = key();
    let t = ChallengeType::ChangePin;
    let s = Step::CurrentPin;
    let ctx = EnvelopeContext {
        challenge_id: CHALLENGE_ID,
        challenge_type: &t,
        step: &s,
    };
    let payload = StepPayload {
        pin: Some(Secret::from_str_copy("135790")),
        ..Default::default()
    };
    let sealed = seal_json(&k, &ctx, &payload, &rng).expect("seal");
    let mut g = c.benchmark_group("envelope");
    g.bench_function("seal", |b| {
        b.iter(|| seal_json(&k, black_box(&ctx), black_box(&payload), &rng).expect("seal"))
    });
    g.bench_function("open", |b| {
        b.iter(|| open_json::<StepPayload>(&k, black_box(&ctx), black_box(&sealed)).expect("open"))
    });
    g.finish();
}

fn checks(c: &mut Criterion) {
    let pins = PinPolicy::default();
    let qp = QuestionPolicy::default();
    let mut g = c.benchmark_group("pin");
    g.bench_function("check_ok", |b| b.iter(|| pins.check(black_box("135790"))));
    g.bench_function("check_sequential", |b| {
        b.iter(|| pins.check(black_box("123456")))
    });
    g.finish();
    let mut g = c.benchmark_group("answer");
    g.bench_function("normalize_text", |b| {
        b.iter(|| qp.normalize_answer(&QuestionKind::Text, black_box("  Rex   the ÉLÉPHANT ")))
    });
    g.bench_function("normalize_date", |b| {
        b.iter(|| qp.normalize_answer(&QuestionKind::Date, black_box(" 2001-02-03 ")))
    });
    let normalized = qp
        .normalize_answer(&QuestionKind::Text, "Rex")
        .expect("valid answer");
    g.bench_function("check_hint", |b| {
        b.iter(|| qp.check_hint(black_box(Some("my furry friend")), &normalized))
    });
    g.finish();
}

fn flows(c: &mut Criterion) {
    let rng = SystemRandom::new();
    let change = descriptor(ChallengeType::ChangePin);
    let restore = descriptor(ChallengeType::RestorePin);
    assert_eq!(change_pin_whole(&change, &rng), 2);
    assert_eq!(restore_pin_whole(&restore, &rng), 2);
    let mut g = c.benchmark_group("flow");
    g.bench_function("change_pin_whole", |b| {
        b.iter(|| change_pin_whole(black_box(&change), &rng))
    });
    g.bench_function("restore_pin_whole", |b| {
        b.iter(|| restore_pin_whole(black_box(&restore), &rng))
    });
    g.finish();
}

criterion_group!(benches, envelope, checks, flows);
criterion_main!(benches);
