//! Shared test helpers: descriptors, keys, envelope opening, the `docs/flows.md` parser.
#![allow(dead_code)]

use latchkey_core::{Effect, Event, Flow, Screen};
use latchkey_protocol::envelope::open_json;
use latchkey_protocol::{
    default_catalogue, ChallengeDescriptor, ChallengeStatus, ChallengeType, EnvelopeContext,
    ErrorCode, PinPolicy, Question, QuestionKind, QuestionPolicy, Secret, SessionKey, Step,
    StepPayload, StepResult, StepSubmission, PROTOCOL_VERSION,
};
use ring::rand::SystemRandom;
use std::collections::{BTreeMap, BTreeSet};

/// 2030-01-01T00:00:00Z.
pub const EXPIRES: i64 = 1_893_456_000;
pub const EXPIRES_STR: &str = "2030-01-01T00:00:00Z";
/// Well before expiry.
pub const NOW: i64 = EXPIRES - 3600;
pub const LOCK_UNTIL: &str = "2031-05-06T07:08:09Z";
pub const LOCK_UNTIL_UNIX: i64 = 1_935_817_689;

pub const PIN: &str = "135790";
pub const PIN2: &str = "246801";
pub const CHALLENGE_ID: &str = "c-0001";

pub fn key() -> SessionKey {
    SessionKey::from_bytes([42; 32])
}

pub fn rng() -> SystemRandom {
    SystemRandom::new()
}

pub fn recovery_questions() -> Vec<Question> {
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
}

pub fn descriptor(t: ChallengeType) -> ChallengeDescriptor {
    let (catalogue, questions, hints, message) = match t {
        ChallengeType::Initialize | ChallengeType::SetSecurityQuestions => {
            (default_catalogue(), vec![], vec![], None)
        }
        ChallengeType::RestorePin => (
            vec![],
            recovery_questions(),
            vec![Some("furry".to_owned()), None],
            None,
        ),
        ChallengeType::SignMessage => (vec![], vec![], vec![], Some("Send 5 USDC to 0xabc".into())),
        _ => (vec![], vec![], vec![], None),
    };
    ChallengeDescriptor {
        challenge_id: CHALLENGE_ID.into(),
        challenge_type: t,
        status: ChallengeStatus::InProgress,
        protocol_version: PROTOCOL_VERSION,
        expires_at: EXPIRES_STR.into(),
        pin_policy: PinPolicy::default(),
        question_policy: QuestionPolicy::default(),
        catalogue,
        questions,
        hints,
        message,
        pin_attempts_left: 5,
        answer_attempts_left: 3,
        verified_steps: vec![],
    }
}

pub fn start(t: ChallengeType) -> Flow {
    Flow::start(descriptor(t), key(), NOW).expect("descriptor is valid")
}

pub fn secret(s: &str) -> Secret {
    Secret::from_str_copy(s)
}

pub fn pin(s: &str) -> Event {
    Event::PinEntered(secret(s))
}

pub fn answer(a: &str, hint: Option<&str>) -> Event {
    Event::AnswerGiven {
        answer: secret(a),
        hint: hint.map(str::to_owned),
    }
}

pub fn choose(id: &str) -> Event {
    Event::QuestionChosen(id.to_owned())
}

pub fn accepted(step: Step, status: ChallengeStatus) -> Event {
    Event::StepAccepted(StepResult {
        challenge_id: CHALLENGE_ID.into(),
        step: step.clone(),
        status,
        verified_steps: vec![step],
    })
}

pub fn rejected(code: ErrorCode, attempts_left: Option<u32>, locked: Option<&str>) -> Event {
    Event::ServerRejected {
        code,
        attempts_left,
        locked_expiry: locked.map(str::to_owned),
    }
}

/// Feeds an event that must be accepted, returning its effects.
pub fn feed(flow: &mut Flow, e: Event) -> Vec<Effect> {
    let name = e.name();
    let from = flow.state_name();
    flow.process_event(e, NOW, &rng())
        .unwrap_or_else(|err| panic!("{name} in {from} refused: {err}"))
}

/// The one submission in `effects`.
pub fn submission(effects: &[Effect]) -> &StepSubmission {
    match effects {
        [Effect::SubmitStep(s)] => s,
        other => panic!("expected one SubmitStep, got {other:?}"),
    }
}

/// Opens a submission with the session key and the flow's context.
pub fn open(t: &ChallengeType, sub: &StepSubmission) -> StepPayload {
    let ctx = EnvelopeContext {
        challenge_id: CHALLENGE_ID,
        challenge_type: t,
        step: &sub.step,
    };
    open_json(&key(), &ctx, &sub.envelope).expect("envelope opens with the session key")
}

pub fn expose(s: &Option<Secret>) -> Option<&str> {
    s.as_ref().map(Secret::expose)
}

/// Drives a flow to the state whose name is `target` by the happy path.
pub fn error_of(flow: &Flow) -> Option<ErrorCode> {
    flow.screen().error().map(|e| e.code())
}

pub fn is_working(s: &Screen, step: Step) -> bool {
    matches!(s, Screen::Working { step: st, .. } if *st == step)
}

/// One flow's diagram: the states drawn and the arrows (`None` = `[*]`).
#[derive(Debug, Default)]
pub struct Diagram {
    pub states: BTreeSet<String>,
    pub edges: BTreeSet<(Option<String>, Option<String>)>,
}

/// Parses `docs/flows.md`: `## TYPE` headings, each followed by one mermaid block.
pub fn diagrams() -> BTreeMap<String, Diagram> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/flows.md"))
        .expect("docs/flows.md exists");
    let mut out: BTreeMap<String, Diagram> = BTreeMap::new();
    let mut section: Option<String> = None;
    let mut in_block = false;
    for line in text.lines() {
        let l = line.trim();
        if let Some(h) = l.strip_prefix("## ") {
            section = Some(h.trim().to_owned());
            continue;
        }
        if l.starts_with("```mermaid") {
            in_block = true;
            continue;
        }
        if l.starts_with("```") {
            in_block = false;
            continue;
        }
        if !in_block || l.starts_with("stateDiagram") || l.is_empty() {
            continue;
        }
        let sec = section.clone().expect("diagram under a heading");
        let Some((from, rest)) = l.split_once("-->") else {
            panic!("unparsed diagram line: {l}");
        };
        let to = rest.split(':').next().unwrap_or("");
        let node = |s: &str| -> Option<String> {
            let s = s.trim();
            assert!(
                !s.is_empty() && !s.contains(' '),
                "bad state name {s:?} in {l}"
            );
            (s != "[*]").then(|| s.to_owned())
        };
        let (f, t) = (node(from), node(to));
        let d = out.entry(sec).or_default();
        d.states.extend(f.iter().cloned());
        d.states.extend(t.iter().cloned());
        d.edges.insert((f, t));
    }
    out
}
