//! One test per transition of the challenge flows, named after it.

mod common;

use common::*;
use latchkey_core::{
    Effect, Event, Flow, FlowError, InputError, PinPurpose, Progress, ReviewDetails, Screen,
    SignatureReview, Slot,
};
use latchkey_protocol::{
    review_digest, AnswerRejection, Blockchain, CancelReason, ChallengeResult, ChallengeStatus,
    ChallengeType as T, ErrorCode, PinRejection, Step, StepResult,
};

fn screen_pin_purpose(f: &Flow) -> Option<PinPurpose> {
    match f.screen() {
        Screen::EnterPin { purpose, .. } => Some(purpose),
        _ => None,
    }
}

/// SET_PIN / CHANGE_PIN / RESTORE_PIN already at EnterNewPin (resumed where needed).
fn at_new_pin(t: T) -> Flow {
    let mut d = descriptor(t.clone());
    match t {
        T::ChangePin => d.verified_steps = vec![Step::CurrentPin],
        T::RestorePin => d.verified_steps = vec![Step::Answers],
        _ => {}
    }
    let f = Flow::start(d, key(), NOW).unwrap();
    assert_eq!(f.state_name(), "EnterNewPin");
    f
}

fn at_confirm(t: T) -> Flow {
    let mut f = at_new_pin(t);
    assert!(feed(&mut f, pin(PIN)).is_empty());
    assert_eq!(f.state_name(), "ConfirmNewPin");
    f
}

fn at_choose(t: T) -> Flow {
    match t {
        T::Initialize => {
            let mut f = at_confirm(T::Initialize);
            feed(&mut f, pin(PIN));
            f
        }
        _ => {
            let mut d = descriptor(T::SetSecurityQuestions);
            d.verified_steps = vec![Step::CurrentPin];
            Flow::start(d, key(), NOW).unwrap()
        }
    }
}

fn at_review(t: T) -> Flow {
    let mut f = at_choose(t);
    feed(&mut f, choose("q01"));
    feed(&mut f, answer("  Rex  ", Some("furry")));
    feed(&mut f, choose("q10"));
    feed(&mut f, answer("2001-02-03", None));
    assert_eq!(f.state_name(), "Review");
    f
}

fn at_verifying_current_pin(t: T) -> Flow {
    let mut f = start(t);
    feed(&mut f, pin(PIN));
    assert_eq!(f.state_name(), "VerifyingCurrentPin");
    f
}

fn at_verifying_answers() -> Flow {
    let mut f = start(T::RestorePin);
    feed(&mut f, answer("Rex", None));
    feed(&mut f, answer("2001-02-03", None));
    assert_eq!(f.state_name(), "VerifyingAnswers");
    f
}

fn at_submitting(t: T) -> Flow {
    match t {
        T::Initialize | T::SetSecurityQuestions => {
            let mut f = at_review(t);
            feed(&mut f, Event::Acknowledged);
            f
        }
        T::SignMessage | T::SignTypedData | T::SignTransaction => {
            let mut f = start(t);
            feed(&mut f, Event::Acknowledged);
            feed(&mut f, pin(PIN));
            f
        }
        T::CreateWallet => {
            let mut f = start(t);
            feed(&mut f, pin(PIN));
            f
        }
        t => {
            let mut f = at_confirm(t);
            feed(&mut f, pin(PIN));
            f
        }
    }
}

const ALL: [T; 9] = [
    T::Initialize,
    T::SetPin,
    T::ChangePin,
    T::SetSecurityQuestions,
    T::RestorePin,
    T::SignMessage,
    T::SignTypedData,
    T::SignTransaction,
    T::CreateWallet,
];

const SIGNING: [T; 3] = [T::SignMessage, T::SignTypedData, T::SignTransaction];

// ---------------------------------------------------------------- start

#[test]
fn start_enters_first_state_of_each_flow() {
    let table = [
        (T::Initialize, "EnterNewPin", 7),
        (T::SetPin, "EnterNewPin", 2),
        (T::ChangePin, "EnterCurrentPin", 3),
        (T::SetSecurityQuestions, "EnterCurrentPin", 6),
        (T::RestorePin, "AnswerRecovery", 4),
        (T::SignMessage, "ReviewSignature", 2),
        (T::SignTypedData, "ReviewSignature", 2),
        (T::SignTransaction, "ReviewSignature", 2),
        (T::CreateWallet, "EnterCurrentPin", 1),
    ];
    for (t, state, of) in table {
        let f = start(t.clone());
        assert_eq!(f.state_name(), state, "{t}");
        assert_eq!(f.screen().progress(), Progress { step: 1, of }, "{t}");
        assert!(!f.is_finished());
        assert_eq!(f.challenge_id(), CHALLENGE_ID);
        assert_eq!(f.challenge_type(), &t);
        assert_eq!(f.expires_at(), EXPIRES);
    }
}

#[test]
fn start_with_verified_step_resumes_after_it() {
    let table = [
        (T::ChangePin, Step::CurrentPin, "EnterNewPin", 2),
        (
            T::SetSecurityQuestions,
            Step::CurrentPin,
            "ChooseQuestion",
            2,
        ),
        (T::RestorePin, Step::Answers, "EnterNewPin", 3),
    ];
    for (t, step, state, k) in table {
        let mut d = descriptor(t.clone());
        d.verified_steps = vec![step];
        let f = Flow::start(d, key(), NOW).unwrap();
        assert_eq!(f.state_name(), state, "{t}");
        assert_eq!(f.screen().progress().step, k, "{t}");
    }
}

#[test]
fn start_past_expiry_is_failed_challenge_expired() {
    for t in ALL {
        let f = Flow::start(descriptor(t.clone()), key(), EXPIRES).unwrap();
        assert_eq!(f.state_name(), "Failed");
        assert_eq!(f.screen().outcome_code(), Some(ErrorCode::ChallengeExpired));
        let mut d = descriptor(t);
        d.status = ChallengeStatus::Expired;
        let f = Flow::start(d, key(), NOW).unwrap();
        assert_eq!(f.screen().outcome_code(), Some(ErrorCode::ChallengeExpired));
    }
}

#[test]
fn start_refuses_descriptors_it_cannot_run() {
    type Bend = fn(&mut latchkey_protocol::ChallengeDescriptor);
    let table: [(T, Bend, ErrorCode); 14] = [
        (
            T::SetPin,
            |d| d.protocol_version = 2,
            ErrorCode::UnsupportedProtocolVersion,
        ),
        (
            T::SetPin,
            |d| d.challenge_type = T::Unknown("TELEPORT".into()),
            ErrorCode::UnsupportedProtocolVersion,
        ),
        (
            T::SetPin,
            |d| d.status = ChallengeStatus::Complete,
            ErrorCode::ChallengeNotActive,
        ),
        (
            T::SetPin,
            |d| d.status = ChallengeStatus::Failed,
            ErrorCode::ChallengeNotActive,
        ),
        (
            T::SetPin,
            |d| d.expires_at = "tomorrow".into(),
            ErrorCode::InvalidChallenge,
        ),
        (
            T::Initialize,
            |d| d.catalogue.truncate(1),
            ErrorCode::InvalidChallenge,
        ),
        (
            T::RestorePin,
            |d| d.questions.clear(),
            ErrorCode::InvalidChallenge,
        ),
        (
            T::SignMessage,
            |d| d.sign_request = None,
            ErrorCode::InvalidChallenge,
        ),
        (
            T::SignTypedData,
            |d| d.wallet = None,
            ErrorCode::InvalidChallenge,
        ),
        (
            T::CreateWallet,
            |d| d.blockchains.clear(),
            ErrorCode::InvalidChallenge,
        ),
        // The request of another kind than the challenge's.
        (
            T::SignTransaction,
            |d| d.sign_request = Some(MESSAGE_REQUEST.into()),
            ErrorCode::InvalidChallenge,
        ),
        (
            T::SignMessage,
            |d| {
                d.sign_request =
                    Some(r#"{"kind":"MESSAGE","message":"0xzz","encodedByHex":true}"#.into())
            },
            ErrorCode::MalformedHex,
        ),
        (
            T::SignTypedData,
            |d| d.sign_request = Some(r#"{"kind":"TYPED_DATA","data":{"types":{}}}"#.into()),
            ErrorCode::InvalidTypedData,
        ),
        (
            T::SignTransaction,
            |d| {
                d.sign_request = Some(TRANSACTION_REQUEST.replace(r#""gas":"21000","#, ""));
            },
            ErrorCode::InvalidTransaction,
        ),
    ];
    for (t, bend, code) in table {
        let mut d = descriptor(t);
        bend(&mut d);
        let e = Flow::start(d, key(), NOW).unwrap_err();
        assert_eq!(e.code(), code, "{e}");
    }
}

// ---------------------------------------------------------------- new PIN and confirmation

#[test]
fn enter_new_pin_insecure_pin_stays_with_error_and_no_request() {
    let table = [
        ("000000", PinRejection::AllSameDigit),
        ("123456", PinRejection::Sequential),
        ("654321", PinRejection::Sequential),
        ("12345", PinRejection::WrongLength { expected: 6 }),
        ("12a456", PinRejection::NotDigits),
    ];
    for t in [T::Initialize, T::SetPin, T::ChangePin, T::RestorePin] {
        for (p, why) in table {
            let mut f = at_new_pin(t.clone());
            assert!(feed(&mut f, pin(p)).is_empty());
            assert_eq!(f.state_name(), "EnterNewPin");
            assert_eq!(f.screen().error(), Some(&InputError::InsecurePin(why)));
            assert_eq!(error_of(&f), Some(ErrorCode::InsecurePin));
        }
    }
}

#[test]
fn enter_new_pin_secure_pin_goes_to_confirm_new_pin() {
    for t in [T::Initialize, T::SetPin, T::ChangePin, T::RestorePin] {
        let f = at_confirm(t);
        assert_eq!(screen_pin_purpose(&f), Some(PinPurpose::Confirm));
        assert_eq!(f.screen().error(), None);
    }
}

#[test]
fn confirm_new_pin_mismatch_returns_to_enter_new_pin_with_155703() {
    for t in [T::Initialize, T::SetPin, T::ChangePin, T::RestorePin] {
        let mut f = at_confirm(t);
        assert!(feed(&mut f, pin(PIN2)).is_empty());
        assert_eq!(f.state_name(), "EnterNewPin");
        assert_eq!(error_of(&f), Some(ErrorCode::PinConfirmationMismatch));
        // The first PIN was dropped: confirming it now is a new PIN, not a confirmation.
        feed(&mut f, pin(PIN));
        assert_eq!(f.state_name(), "ConfirmNewPin");
    }
}

#[test]
fn confirm_new_pin_back_returns_to_enter_new_pin_and_drops_the_pin() {
    let mut f = at_confirm(T::SetPin);
    assert!(feed(&mut f, Event::Back).is_empty());
    assert_eq!(f.state_name(), "EnterNewPin");
    assert_eq!(screen_pin_purpose(&f), Some(PinPurpose::New));
    feed(&mut f, pin(PIN2));
    let eff = feed(&mut f, pin(PIN2));
    let p = open(&T::SetPin, submission(&eff));
    assert_eq!(expose(&p.new_pin), Some(PIN2));
}

#[test]
fn confirm_new_pin_matches_emits_complete_with_new_pin() {
    for t in [T::SetPin, T::ChangePin, T::RestorePin] {
        let mut f = at_confirm(t.clone());
        let eff = feed(&mut f, pin(PIN));
        let sub = submission(&eff);
        assert_eq!(sub.step, Step::Complete);
        let p = open(&t, sub);
        assert_eq!(expose(&p.new_pin), Some(PIN));
        assert!(p.pin.is_none() && p.answers.is_none() && p.acknowledged.is_none());
        assert_eq!(f.state_name(), "Submitting");
        assert!(is_working(&f.screen(), Step::Complete));
        assert_eq!(f.pending(), Some(sub));
    }
}

#[test]
fn enter_new_pin_back_is_refused() {
    for t in [T::Initialize, T::SetPin, T::ChangePin, T::RestorePin] {
        let mut f = at_new_pin(t);
        let e = f.process_event(Event::Back, NOW, &rng()).unwrap_err();
        assert_eq!(e, FlowError::CannotGoBack);
        assert_eq!(e.code(), ErrorCode::UnexpectedInput);
        assert_eq!(f.state_name(), "EnterNewPin");
    }
}

// ---------------------------------------------------------------- current PIN

#[test]
fn change_pin_current_pin_entered_emits_current_pin_step() {
    for t in [T::ChangePin, T::SetSecurityQuestions] {
        let mut f = start(t.clone());
        let eff = feed(&mut f, pin(PIN));
        let sub = submission(&eff);
        assert_eq!(sub.step, Step::CurrentPin);
        let p = open(&t, sub);
        assert_eq!(expose(&p.pin), Some(PIN));
        assert!(p.new_pin.is_none());
        assert!(is_working(&f.screen(), Step::CurrentPin));
    }
}

#[test]
fn enter_current_pin_malformed_stays_without_request() {
    for p in ["12345", "1234567", "12a456", ""] {
        let mut f = start(T::ChangePin);
        assert!(feed(&mut f, pin(p)).is_empty());
        assert_eq!(f.state_name(), "EnterCurrentPin");
        assert_eq!(error_of(&f), Some(ErrorCode::InsecurePin));
    }
    // An old PIN that breaks today's rules is still sent: it is the user's PIN.
    let mut f = start(T::ChangePin);
    assert_eq!(
        submission(&feed(&mut f, pin("123456"))).step,
        Step::CurrentPin
    );
}

#[test]
fn enter_current_pin_shows_attempts_left() {
    let f = start(T::ChangePin);
    assert!(matches!(
        f.screen(),
        Screen::EnterPin {
            purpose: PinPurpose::Current,
            attempts_left: Some(5),
            error: None,
            ..
        }
    ));
}

#[test]
fn verifying_current_pin_accepted_goes_to_next_input() {
    for (t, next) in [
        (T::ChangePin, "EnterNewPin"),
        (T::SetSecurityQuestions, "ChooseQuestion"),
    ] {
        let mut f = at_verifying_current_pin(t);
        assert!(feed(
            &mut f,
            accepted(Step::CurrentPin, ChallengeStatus::InProgress)
        )
        .is_empty());
        assert_eq!(f.state_name(), next);
        assert_eq!(f.pending(), None);
        assert_eq!(f.screen().progress().step, 2);
    }
}

#[test]
fn verifying_current_pin_wrong_pin_returns_to_enter_current_pin_with_attempts_left() {
    for t in [T::ChangePin, T::SetSecurityQuestions] {
        let mut f = at_verifying_current_pin(t);
        feed(&mut f, rejected(ErrorCode::IncorrectPin, Some(2), None));
        assert_eq!(f.state_name(), "EnterCurrentPin");
        assert_eq!(
            f.screen(),
            Screen::EnterPin {
                purpose: PinPurpose::Current,
                progress: Progress {
                    step: 1,
                    of: f.screen().progress().of
                },
                error: Some(InputError::IncorrectPin),
                attempts_left: Some(2),
            }
        );
        // Without attemptsLeft in the body the count goes down by one.
        feed(&mut f, pin(PIN));
        feed(&mut f, rejected(ErrorCode::IncorrectPin, None, None));
        assert!(matches!(
            f.screen(),
            Screen::EnterPin {
                attempts_left: Some(1),
                ..
            }
        ));
    }
}

#[test]
fn verifying_current_pin_pin_locked_ends_locked_with_expiry() {
    let mut f = at_verifying_current_pin(T::ChangePin);
    feed(
        &mut f,
        rejected(ErrorCode::PinLocked, Some(0), Some(LOCK_UNTIL)),
    );
    assert_eq!(f.state_name(), "Locked");
    assert!(f.is_finished());
    let s = f.screen();
    assert!(matches!(
        &s,
        Screen::Locked { code: ErrorCode::PinLocked, until: Some(u), until_unix: Some(LOCK_UNTIL_UNIX), .. }
            if u == LOCK_UNTIL
    ));
    assert_eq!(s.lock_remaining(LOCK_UNTIL_UNIX - 90), Some(90));
    assert_eq!(s.lock_remaining(LOCK_UNTIL_UNIX + 90), Some(0));
    assert_eq!(s.outcome_code(), Some(ErrorCode::PinLocked));
}

#[test]
fn verifying_current_pin_recovery_required_ends_locked_without_expiry() {
    let mut f = at_verifying_current_pin(T::ChangePin);
    feed(
        &mut f,
        rejected(ErrorCode::PinRecoveryRequired, Some(0), None),
    );
    assert_eq!(f.state_name(), "Locked");
    let s = f.screen();
    assert!(matches!(
        &s,
        Screen::Locked {
            code: ErrorCode::PinRecoveryRequired,
            until: None,
            recovery_required: true,
            ..
        }
    ));
    assert_eq!(s.lock_remaining(0), None);
    assert_eq!(s.outcome_code(), Some(ErrorCode::PinRecoveryRequired));
}

#[test]
fn verifying_current_pin_pin_locked_is_not_recovery_required() {
    let mut f = at_verifying_current_pin(T::ChangePin);
    feed(
        &mut f,
        rejected(ErrorCode::PinLocked, Some(0), Some(LOCK_UNTIL)),
    );
    assert!(matches!(
        f.screen(),
        Screen::Locked {
            recovery_required: false,
            ..
        }
    ));
}

#[test]
fn change_pin_back_after_current_pin_verified_is_refused() {
    let mut f = at_verifying_current_pin(T::ChangePin);
    feed(
        &mut f,
        accepted(Step::CurrentPin, ChallengeStatus::InProgress),
    );
    assert_eq!(
        f.process_event(Event::Back, NOW, &rng()),
        Err(FlowError::CannotGoBack)
    );
    let mut f = start(T::ChangePin);
    assert_eq!(
        f.process_event(Event::Back, NOW, &rng()),
        Err(FlowError::CannotGoBack)
    );
}

// ---------------------------------------------------------------- choosing and answering

#[test]
fn initialize_confirm_matches_goes_to_choose_question() {
    let f = at_choose(T::Initialize);
    assert_eq!(f.state_name(), "ChooseQuestion");
    match f.screen() {
        Screen::ChooseQuestion {
            slot,
            options,
            progress,
            error,
        } => {
            assert_eq!(slot, Slot { number: 1, of: 2 });
            assert_eq!(options.len(), 12);
            assert_eq!(progress, Progress { step: 3, of: 7 });
            assert_eq!(error, None);
        }
        s => panic!("{s:?}"),
    }
}

#[test]
fn choose_question_chosen_goes_to_answer_question() {
    for t in [T::Initialize, T::SetSecurityQuestions] {
        let mut f = at_choose(t);
        assert!(feed(&mut f, choose("q10")).is_empty());
        match f.screen() {
            Screen::AnswerQuestion {
                question,
                hint_allowed,
                slot,
                saved_hint,
                attempts_left,
                ..
            } => {
                assert_eq!(question.id, "q10");
                assert!(hint_allowed);
                assert_eq!(slot.number, 1);
                assert_eq!(saved_hint, None);
                assert_eq!(attempts_left, None);
            }
            s => panic!("{s:?}"),
        }
    }
}

#[test]
fn choose_question_unknown_or_duplicate_stays_with_155807() {
    let mut f = at_choose(T::Initialize);
    feed(&mut f, choose("nope"));
    assert_eq!(f.state_name(), "ChooseQuestion");
    assert_eq!(
        f.screen().error(),
        Some(&InputError::Answer(AnswerRejection::UnknownQuestion))
    );
    assert_eq!(error_of(&f), Some(ErrorCode::InvalidQuestionSelection));
    feed(&mut f, choose("q01"));
    feed(&mut f, answer("Rex", None));
    match f.screen() {
        Screen::ChooseQuestion { options, .. } => assert!(options.iter().all(|q| q.id != "q01")),
        s => panic!("{s:?}"),
    }
    feed(&mut f, choose("q01"));
    assert_eq!(f.state_name(), "ChooseQuestion");
    assert_eq!(
        f.screen().error(),
        Some(&InputError::Answer(AnswerRejection::DuplicateQuestion))
    );
}

#[test]
fn answer_question_invalid_answer_stays_with_error() {
    let table = [
        ("q01", " x ", None, AnswerRejection::TooShort { min: 2 }),
        ("q10", "3 Feb 2001", None, AnswerRejection::InvalidDate),
        ("q10", "2001-02-30", None, AnswerRejection::InvalidDate),
        (
            "q01",
            "Rex",
            Some("it is REX"),
            AnswerRejection::HintContainsAnswer,
        ),
        (
            "q01",
            "Rex",
            Some(&*"h".repeat(101)),
            AnswerRejection::HintTooLong { max: 100 },
        ),
    ];
    for (q, a, h, why) in table {
        let mut f = at_choose(T::Initialize);
        feed(&mut f, choose(q));
        assert!(feed(&mut f, answer(a, h)).is_empty());
        assert_eq!(f.state_name(), "AnswerQuestion");
        assert_eq!(
            f.screen().error(),
            Some(&InputError::Answer(why.clone())),
            "{a}"
        );
    }
    let mut f = at_choose(T::Initialize);
    feed(&mut f, choose("q01"));
    feed(&mut f, answer("Rex", Some("REX!")));
    assert_eq!(error_of(&f), Some(ErrorCode::HintEqualsAnswer));
}

#[test]
fn answer_question_given_goes_to_next_choose_question() {
    let mut f = at_choose(T::Initialize);
    feed(&mut f, choose("q01"));
    assert!(feed(&mut f, answer("Rex", Some("furry"))).is_empty());
    match f.screen() {
        Screen::ChooseQuestion { slot, progress, .. } => {
            assert_eq!(slot, Slot { number: 2, of: 2 });
            assert_eq!(progress, Progress { step: 5, of: 7 });
        }
        s => panic!("{s:?}"),
    }
}

#[test]
fn answer_question_last_goes_to_review() {
    for t in [T::Initialize, T::SetSecurityQuestions] {
        let f = at_review(t);
        match f.screen() {
            Screen::Review {
                entries,
                acknowledgement,
                progress,
            } => {
                let ids: Vec<_> = entries.iter().map(|e| e.question.id.as_str()).collect();
                assert_eq!(ids, ["q01", "q10"]);
                assert_eq!(entries[0].hint.as_deref(), Some("furry"));
                assert_eq!(entries[1].hint, None);
                assert_eq!(acknowledgement, latchkey_core::ACKNOWLEDGEMENT_TEXT);
                assert_eq!(progress.step, progress.of);
            }
            s => panic!("{s:?}"),
        }
    }
}

#[test]
fn answer_question_back_goes_to_choose_question_same_slot() {
    let mut f = at_choose(T::Initialize);
    feed(&mut f, choose("q01"));
    feed(&mut f, Event::Back);
    match f.screen() {
        Screen::ChooseQuestion { slot, options, .. } => {
            assert_eq!(slot.number, 1);
            assert!(options.iter().any(|q| q.id == "q01"), "choice dropped");
        }
        s => panic!("{s:?}"),
    }
}

#[test]
fn choose_question_back_goes_to_previous_answer_question() {
    let mut f = at_choose(T::SetSecurityQuestions);
    feed(&mut f, choose("q01"));
    feed(&mut f, answer("Rex", None));
    feed(&mut f, Event::Back);
    assert_eq!(f.state_name(), "AnswerQuestion");
    assert!(matches!(
        f.screen(),
        Screen::AnswerQuestion {
            slot: Slot { number: 1, .. },
            ..
        }
    ));
    // The answer is asked again and replaces the first one.
    feed(&mut f, answer("Fido", None));
    feed(&mut f, choose("q02"));
    feed(&mut f, answer("Lyon", None));
    let eff = feed(&mut f, Event::Acknowledged);
    let p = open(&T::SetSecurityQuestions, submission(&eff));
    let answers: Vec<_> = p
        .answers
        .unwrap()
        .iter()
        .map(|a| a.answer.expose().to_owned())
        .collect();
    assert_eq!(answers, ["fido", "lyon"]);
}

#[test]
fn initialize_choose_question_first_slot_back_goes_to_confirm_new_pin() {
    let mut f = at_choose(T::Initialize);
    feed(&mut f, Event::Back);
    assert_eq!(f.state_name(), "ConfirmNewPin");
    // The new PIN is still held: confirming it again moves on.
    feed(&mut f, pin(PIN));
    assert_eq!(f.state_name(), "ChooseQuestion");
}

#[test]
fn set_security_questions_first_slot_back_is_refused() {
    let mut f = at_choose(T::SetSecurityQuestions);
    assert_eq!(
        f.process_event(Event::Back, NOW, &rng()),
        Err(FlowError::CannotGoBack)
    );
    assert_eq!(f.state_name(), "ChooseQuestion");
}

#[test]
fn review_back_goes_to_last_answer_question() {
    let mut f = at_review(T::Initialize);
    feed(&mut f, Event::Back);
    assert!(matches!(
        f.screen(),
        Screen::AnswerQuestion {
            slot: Slot { number: 2, of: 2 },
            ..
        }
    ));
    feed(&mut f, answer("1999-12-31", None));
    assert_eq!(f.state_name(), "Review");
}

#[test]
fn initialize_review_acknowledged_emits_complete_with_pin_answers_and_hints() {
    let mut f = at_review(T::Initialize);
    let eff = feed(&mut f, Event::Acknowledged);
    let sub = submission(&eff);
    assert_eq!(sub.step, Step::Complete);
    let p = open(&T::Initialize, sub);
    assert_eq!(expose(&p.new_pin), Some(PIN));
    assert_eq!(p.acknowledged, Some(true));
    assert!(p.pin.is_none());
    let a = p.answers.unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(
        (a[0].question_id.as_str(), a[0].answer.expose()),
        ("q01", "rex")
    );
    assert_eq!(a[0].hint.as_deref(), Some("furry"));
    assert_eq!(
        (a[1].question_id.as_str(), a[1].answer.expose()),
        ("q10", "2001-02-03")
    );
    assert_eq!(a[1].hint, None);
    assert_eq!(f.state_name(), "Submitting");
}

#[test]
fn set_security_questions_review_acknowledged_emits_complete_with_answers() {
    let mut f = at_review(T::SetSecurityQuestions);
    let eff = feed(&mut f, Event::Acknowledged);
    let p = open(&T::SetSecurityQuestions, submission(&eff));
    assert!(p.new_pin.is_none() && p.pin.is_none());
    assert_eq!(p.acknowledged, Some(true));
    assert_eq!(p.answers.unwrap().len(), 2);
}

// ---------------------------------------------------------------- RESTORE_PIN

#[test]
fn restore_pin_first_screen_shows_question_and_saved_hint() {
    let f = start(T::RestorePin);
    match f.screen() {
        Screen::AnswerQuestion {
            question,
            hint_allowed,
            saved_hint,
            attempts_left,
            slot,
            ..
        } => {
            assert_eq!(question.id, "q01");
            assert!(!hint_allowed);
            assert_eq!(saved_hint.as_deref(), Some("furry"));
            assert_eq!(attempts_left, Some(3));
            assert_eq!(slot, Slot { number: 1, of: 2 });
        }
        s => panic!("{s:?}"),
    }
}

#[test]
fn answer_recovery_given_goes_to_next_answer_recovery() {
    let mut f = start(T::RestorePin);
    assert!(feed(&mut f, answer(" REX ", None)).is_empty());
    assert_eq!(f.state_name(), "AnswerRecovery");
    assert!(matches!(
        f.screen(),
        Screen::AnswerQuestion {
            slot: Slot { number: 2, .. },
            ..
        }
    ));
}

#[test]
fn answer_recovery_last_emits_answers_step() {
    let mut f = start(T::RestorePin);
    feed(&mut f, answer(" REX ", None));
    let eff = feed(&mut f, answer(" 2001-02-03 ", Some("  ")));
    let sub = submission(&eff);
    assert_eq!(sub.step, Step::Answers);
    let p = open(&T::RestorePin, sub);
    let a = p.answers.unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(
        (a[0].question_id.as_str(), a[0].answer.expose()),
        ("q01", "rex")
    );
    assert_eq!(
        (a[1].question_id.as_str(), a[1].answer.expose()),
        ("q10", "2001-02-03")
    );
    assert!(a.iter().all(|e| e.hint.is_none()));
    assert!(p.new_pin.is_none() && p.acknowledged.is_none());
    assert!(is_working(&f.screen(), Step::Answers));
}

#[test]
fn answer_recovery_invalid_answer_stays_with_error() {
    let mut f = start(T::RestorePin);
    feed(&mut f, answer("Rex", None));
    feed(&mut f, answer("last summer", None));
    assert_eq!(f.state_name(), "AnswerRecovery");
    assert_eq!(
        f.screen().error(),
        Some(&InputError::Answer(AnswerRejection::InvalidDate))
    );
}

#[test]
fn answer_recovery_with_hint_is_refused() {
    let mut f = start(T::RestorePin);
    let e = f
        .process_event(answer("Rex", Some("furry")), NOW, &rng())
        .unwrap_err();
    assert!(matches!(e, FlowError::UnexpectedEvent { .. }), "{e}");
    assert!(matches!(
        f.screen(),
        Screen::AnswerQuestion {
            slot: Slot { number: 1, .. },
            ..
        }
    ));
}

#[test]
fn answer_recovery_back_goes_to_previous_answer_recovery() {
    let mut f = start(T::RestorePin);
    feed(&mut f, answer("Rex", None));
    feed(&mut f, Event::Back);
    assert!(matches!(
        f.screen(),
        Screen::AnswerQuestion {
            slot: Slot { number: 1, .. },
            ..
        }
    ));
    assert_eq!(
        f.process_event(Event::Back, NOW, &rng()),
        Err(FlowError::CannotGoBack)
    );
    feed(&mut f, answer("Fido", None));
    let eff = feed(&mut f, answer("2001-02-03", None));
    let a = open(&T::RestorePin, submission(&eff)).answers.unwrap();
    assert_eq!(a[0].answer.expose(), "fido");
    assert_eq!(a.len(), 2);
}

#[test]
fn verifying_answers_accepted_goes_to_enter_new_pin() {
    let mut f = at_verifying_answers();
    feed(&mut f, accepted(Step::Answers, ChallengeStatus::InProgress));
    assert_eq!(f.state_name(), "EnterNewPin");
    assert_eq!(f.screen().progress(), Progress { step: 3, of: 4 });
}

#[test]
fn verifying_answers_wrong_answers_returns_to_first_answer_recovery_with_attempts_left() {
    let mut f = at_verifying_answers();
    feed(&mut f, rejected(ErrorCode::IncorrectAnswers, Some(1), None));
    assert_eq!(f.state_name(), "AnswerRecovery");
    match f.screen() {
        Screen::AnswerQuestion {
            slot,
            error,
            attempts_left,
            ..
        } => {
            assert_eq!(slot.number, 1);
            assert_eq!(error, Some(InputError::IncorrectAnswers));
            assert_eq!(attempts_left, Some(1));
        }
        s => panic!("{s:?}"),
    }
    // The old answers are gone: two new ones make a fresh ANSWERS submission of two.
    feed(&mut f, answer("Fido", None));
    let eff = feed(&mut f, answer("2002-02-02", None));
    assert_eq!(
        open(&T::RestorePin, submission(&eff))
            .answers
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn verifying_answers_locked_ends_locked() {
    let mut f = at_verifying_answers();
    feed(
        &mut f,
        rejected(
            ErrorCode::SecurityQuestionsLocked,
            Some(0),
            Some(LOCK_UNTIL),
        ),
    );
    assert_eq!(f.state_name(), "Locked");
    assert_eq!(
        f.screen().outcome_code(),
        Some(ErrorCode::SecurityQuestionsLocked)
    );
    assert_eq!(f.screen().lock_remaining(LOCK_UNTIL_UNIX - 5), Some(5));
}

// ---------------------------------------------------------------- signing and CREATE_WALLET

fn review_of(f: &Flow) -> SignatureReview {
    match f.screen() {
        Screen::ReviewSignature { review, .. } => review,
        s => panic!("expected ReviewSignature, got {s:?}"),
    }
}

#[test]
fn review_signature_shows_the_decoded_request_and_the_wallet() {
    for t in SIGNING {
        let f = start(t.clone());
        let r = review_of(&f);
        assert_eq!(r.wallet.address, WALLET_ADDRESS, "{t}");
        assert_eq!(r.wallet.blockchain, Blockchain::EthSepolia);
        assert_eq!(f.screen().progress(), Progress { step: 1, of: 2 });
        assert_eq!(f.review(), Some(&r));
        match (&t, &r.details) {
            (T::SignMessage, ReviewDetails::Message(m)) => {
                assert_eq!(m.text.as_deref(), Some("Send 5 USDC to 0xabc"));
                assert_eq!(r.memo.as_deref(), Some("login"));
            }
            (T::SignTypedData, ReviewDetails::TypedData(d)) => {
                assert_eq!(d.primary_type, "Mail");
                assert_eq!(d.domain.name.as_deref(), Some("Ether Mail"));
                assert_eq!(d.rows.len(), 7);
            }
            (T::SignTransaction, ReviewDetails::Transaction(x)) => {
                assert_eq!(x.value, "0.01 ETH");
                assert_eq!(x.chain_id, 11_155_111);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn review_signature_acknowledged_goes_to_enter_current_pin_with_attempts_left() {
    for t in SIGNING {
        let mut f = start(t);
        assert!(feed(&mut f, Event::Acknowledged).is_empty());
        assert_eq!(f.state_name(), "EnterCurrentPin");
        assert_eq!(
            f.screen(),
            Screen::EnterPin {
                purpose: PinPurpose::Current,
                progress: Progress { step: 2, of: 2 },
                error: None,
                attempts_left: Some(5),
            }
        );
    }
}

#[test]
fn review_signature_rejected_ends_failed_user_rejected_and_asks_to_cancel_with_reason() {
    for t in SIGNING {
        let mut f = start(t);
        let eff = feed(&mut f, Event::Rejected);
        assert_eq!(
            eff,
            vec![Effect::CancelWithReason(CancelReason::UserRejected)]
        );
        assert_eq!(f.state_name(), "Failed");
        assert!(f.is_finished());
        assert_eq!(f.screen().outcome_code(), Some(ErrorCode::UserRejected));
        assert_eq!(f.pending(), None);
    }
}

#[test]
fn review_signature_rejected_after_expiry_ends_failed_expired_without_request() {
    let mut f = start(T::SignTransaction);
    let eff = f.process_event(Event::Rejected, EXPIRES, &rng()).unwrap();
    assert!(eff.is_empty());
    assert_eq!(f.screen().outcome_code(), Some(ErrorCode::ChallengeExpired));
}

#[test]
fn review_signature_back_is_refused() {
    let mut f = start(T::SignMessage);
    assert_eq!(
        f.process_event(Event::Back, NOW, &rng()),
        Err(FlowError::CannotGoBack)
    );
    assert_eq!(f.state_name(), "ReviewSignature");
}

#[test]
fn signing_enter_current_pin_back_goes_to_review_signature() {
    for t in SIGNING {
        let mut f = start(t);
        feed(&mut f, Event::Acknowledged);
        assert!(feed(&mut f, Event::Back).is_empty());
        assert_eq!(f.state_name(), "ReviewSignature");
        assert_eq!(f.screen().progress().step, 1);
    }
}

#[test]
fn signing_enter_current_pin_rejected_is_refused() {
    let mut f = start(T::SignMessage);
    feed(&mut f, Event::Acknowledged);
    let e = f.process_event(Event::Rejected, NOW, &rng()).unwrap_err();
    assert!(matches!(e, FlowError::UnexpectedEvent { .. }), "{e}");
    assert_eq!(f.state_name(), "EnterCurrentPin");
}

#[test]
fn signing_pin_entered_emits_complete_with_pin_and_review_digest() {
    for t in SIGNING {
        let f = at_submitting(t.clone());
        let sub = f.pending().unwrap();
        assert_eq!(sub.step, Step::Complete);
        assert!(is_working(&f.screen(), Step::Complete));
        let p = open(&t, sub);
        assert_eq!(expose(&p.pin), Some(PIN));
        // The digest of exactly the string that was decoded and shown.
        let want = review_digest(sign_request(&t).unwrap());
        assert_eq!(p.review_digest.as_deref(), Some(want.as_str()), "{t}");
        assert!(p.new_pin.is_none() && p.answers.is_none() && p.acknowledged.is_none());
    }
}

#[test]
fn signing_malformed_current_pin_stays_without_request() {
    let mut f = start(T::SignTypedData);
    feed(&mut f, Event::Acknowledged);
    assert!(feed(&mut f, pin("12a4")).is_empty());
    assert_eq!(f.state_name(), "EnterCurrentPin");
    assert_eq!(error_of(&f), Some(ErrorCode::InsecurePin));
}

#[test]
fn signing_wrong_pin_returns_to_enter_current_pin_with_attempts_left() {
    for t in [
        T::SignMessage,
        T::SignTypedData,
        T::SignTransaction,
        T::CreateWallet,
    ] {
        let mut f = at_submitting(t.clone());
        feed(&mut f, rejected(ErrorCode::IncorrectPin, Some(4), None));
        assert_eq!(f.state_name(), "EnterCurrentPin", "{t}");
        assert!(matches!(
            f.screen(),
            Screen::EnterPin {
                error: Some(InputError::IncorrectPin),
                attempts_left: Some(4),
                ..
            }
        ));
        // The next PIN carries the same digest again.
        let eff = feed(&mut f, pin(PIN2));
        let p = open(&t, submission(&eff));
        assert_eq!(expose(&p.pin), Some(PIN2));
        assert_eq!(
            p.review_digest,
            sign_request(&t).map(latchkey_protocol::review_digest)
        );
    }
}

#[test]
fn signing_pin_locked_ends_locked() {
    for t in [T::SignMessage, T::SignTransaction, T::CreateWallet] {
        let mut f = at_submitting(t);
        feed(&mut f, rejected(ErrorCode::PinLocked, Some(0), None));
        assert!(matches!(
            f.screen(),
            Screen::Locked {
                code: ErrorCode::PinLocked,
                until: None,
                until_unix: None,
                ..
            }
        ));
    }
}

#[test]
fn signing_review_digest_mismatch_ends_failed_155825() {
    let mut f = at_submitting(T::SignTransaction);
    feed(
        &mut f,
        rejected(ErrorCode::ReviewDigestMismatch, None, None),
    );
    assert_eq!(f.state_name(), "Failed");
    assert_eq!(
        f.screen().outcome_code(),
        Some(ErrorCode::ReviewDigestMismatch)
    );
}

#[test]
fn signing_accepted_complete_ends_done_with_the_signature() {
    let sig = format!("0x{}1b", "ab".repeat(64));
    let mut f = at_submitting(T::SignMessage);
    let result = ChallengeResult {
        signature: Some(sig.clone()),
        ..Default::default()
    };
    feed(
        &mut f,
        Event::StepAccepted(StepResult {
            challenge_id: CHALLENGE_ID.into(),
            step: Step::Complete,
            status: ChallengeStatus::Complete,
            verified_steps: vec![Step::Complete],
            result: Some(result.clone()),
        }),
    );
    assert_eq!(
        f.screen(),
        Screen::Done {
            progress: Progress { step: 2, of: 2 },
            result: Some(result.clone()),
        }
    );
    assert_eq!(f.result(), Some(&result));
}

#[test]
fn signing_accepted_transaction_ends_done_with_signed_transaction_and_hash() {
    let mut f = at_submitting(T::SignTransaction);
    let result = ChallengeResult {
        signed_transaction: Some("0x02f86b".into()),
        tx_hash: Some(format!("0x{}", "12".repeat(32))),
        ..Default::default()
    };
    feed(
        &mut f,
        Event::StepAccepted(StepResult {
            challenge_id: CHALLENGE_ID.into(),
            step: Step::Complete,
            status: ChallengeStatus::Complete,
            verified_steps: vec![Step::Complete],
            result: Some(result.clone()),
        }),
    );
    assert!(matches!(f.screen(), Screen::Done { result: Some(ref r), .. } if *r == result));
}

#[test]
fn create_wallet_starts_at_enter_current_pin_and_back_is_refused() {
    let mut f = start(T::CreateWallet);
    assert_eq!(
        f.screen(),
        Screen::EnterPin {
            purpose: PinPurpose::Current,
            progress: Progress { step: 1, of: 1 },
            error: None,
            attempts_left: Some(5),
        }
    );
    assert_eq!(f.blockchains(), [Blockchain::Base, Blockchain::EvmTestnet]);
    assert_eq!(
        f.process_event(Event::Back, NOW, &rng()),
        Err(FlowError::CannotGoBack)
    );
    let e = f.process_event(Event::Rejected, NOW, &rng()).unwrap_err();
    assert!(matches!(e, FlowError::UnexpectedEvent { .. }), "{e}");
}

#[test]
fn create_wallet_pin_entered_emits_complete_with_pin_only() {
    let f = at_submitting(T::CreateWallet);
    let sub = f.pending().unwrap();
    assert_eq!(sub.step, Step::Complete);
    let p = open(&T::CreateWallet, sub);
    assert_eq!(expose(&p.pin), Some(PIN));
    assert_eq!(p.review_digest, None);
    assert!(p.new_pin.is_none() && p.answers.is_none());
}

#[test]
fn create_wallet_accepted_ends_done_with_wallet_ids() {
    let mut f = at_submitting(T::CreateWallet);
    let result = ChallengeResult {
        wallet_ids: vec!["w-2".into(), "w-3".into()],
        ..Default::default()
    };
    feed(
        &mut f,
        Event::StepAccepted(StepResult {
            challenge_id: CHALLENGE_ID.into(),
            step: Step::Complete,
            status: ChallengeStatus::Complete,
            verified_steps: vec![Step::Complete],
            result: Some(result.clone()),
        }),
    );
    assert!(matches!(f.screen(), Screen::Done { result: Some(ref r), .. } if *r == result));
}

#[test]
fn initialize_done_carries_the_wallet_ids() {
    let mut d = descriptor(T::Initialize);
    d.blockchains = vec![Blockchain::EthSepolia];
    let mut f = Flow::start(d, key(), NOW).unwrap();
    assert_eq!(f.blockchains(), [Blockchain::EthSepolia]);
    assert_eq!(f.state_name(), "EnterNewPin", "unchanged for the user");
    feed(&mut f, pin(PIN));
    feed(&mut f, pin(PIN));
    feed(&mut f, choose("q01"));
    feed(&mut f, answer("Rex", None));
    feed(&mut f, choose("q10"));
    feed(&mut f, answer("2001-02-03", None));
    feed(&mut f, Event::Acknowledged);
    let result = ChallengeResult {
        wallet_ids: vec!["w-1".into()],
        ..Default::default()
    };
    feed(
        &mut f,
        Event::StepAccepted(StepResult {
            challenge_id: CHALLENGE_ID.into(),
            step: Step::Complete,
            status: ChallengeStatus::Complete,
            verified_steps: vec![Step::Complete],
            result: Some(result.clone()),
        }),
    );
    assert!(matches!(f.screen(), Screen::Done { result: Some(ref r), .. } if *r == result));
}

#[test]
fn rejected_while_working_is_refused_busy() {
    let mut f = at_submitting(T::SignMessage);
    assert_eq!(
        f.process_event(Event::Rejected, NOW, &rng()),
        Err(FlowError::Busy)
    );
}

// ---------------------------------------------------------------- completion, failures

#[test]
fn submitting_accepted_complete_ends_done() {
    for t in ALL {
        let mut f = at_submitting(t.clone());
        assert!(feed(&mut f, accepted(Step::Complete, ChallengeStatus::Complete)).is_empty());
        assert_eq!(f.state_name(), "Done", "{t}");
        let p = f.screen().progress();
        assert_eq!(p.step, p.of);
        assert_eq!(f.screen().outcome_code(), None);
        assert!(f.screen().is_terminal());
        assert_eq!(f.pending(), None);
    }
}

#[test]
fn submitting_accepted_but_not_complete_ends_failed() {
    let mut f = at_submitting(T::SetPin);
    feed(
        &mut f,
        accepted(Step::Complete, ChallengeStatus::InProgress),
    );
    assert_eq!(f.screen().outcome_code(), Some(ErrorCode::InvalidChallenge));
}

#[test]
fn server_rejection_other_than_guesses_ends_failed_with_its_code() {
    let codes = [
        ErrorCode::TokenExpired,
        ErrorCode::ChallengeExpired,
        ErrorCode::ChallengeNotActive,
    ];
    for code in codes {
        let mut flows = vec![
            at_verifying_current_pin(T::ChangePin),
            at_verifying_answers(),
            at_submitting(T::Initialize),
            at_submitting(T::SignMessage),
            at_submitting(T::CreateWallet),
        ];
        for f in &mut flows {
            feed(f, rejected(code, None, None));
            assert_eq!(f.state_name(), "Failed");
            assert_eq!(f.screen().outcome_code(), Some(code));
        }
    }
    // A lock code where no guess was made is a failure, not a lock.
    let mut f = at_submitting(T::SetPin);
    feed(&mut f, rejected(ErrorCode::PinLocked, None, None));
    assert_eq!(f.state_name(), "Failed");
}

#[test]
fn transport_failed_goes_to_interrupted_and_retry_resends_the_same_envelope() {
    let mut flows = vec![
        (
            at_verifying_current_pin(T::ChangePin),
            "VerifyingCurrentPin",
        ),
        (at_verifying_answers(), "VerifyingAnswers"),
        (at_submitting(T::SetPin), "Submitting"),
    ];
    for (f, working) in &mut flows {
        let sent = f.pending().cloned().unwrap();
        let progress = f.screen().progress();
        feed(f, Event::TransportFailed(ErrorCode::NetworkError));
        assert_eq!(f.state_name(), "Interrupted");
        assert_eq!(
            f.screen(),
            latchkey_core::Screen::Interrupted {
                progress,
                error: ErrorCode::NetworkError
            }
        );
        let eff = feed(f, Event::Retry);
        assert_eq!(eff, vec![Effect::SubmitStep(sent)]);
        assert_eq!(f.state_name(), *working);
    }
}

#[test]
fn interrupted_retry_after_local_expiry_resends_the_same_envelope() {
    // The reply to COMPLETE was lost just before expiry; the server may have completed it.
    // Retry must ask the server (which answers from its record), not fail locally.
    for mut f in [
        at_submitting(T::SetPin),
        at_submitting(T::SignMessage),
        at_verifying_current_pin(T::ChangePin),
    ] {
        let sent = f.pending().cloned().unwrap();
        let working = f.state_name();
        feed(&mut f, Event::TransportFailed(ErrorCode::NetworkError));
        let eff = f.process_event(Event::Retry, EXPIRES + 60, &rng()).unwrap();
        assert_eq!(eff, vec![Effect::SubmitStep(sent)]);
        assert_eq!(f.state_name(), working);
        // The server's word decides: here it had completed the step.
        if working == "Submitting" {
            f.process_event(
                accepted(Step::Complete, ChallengeStatus::Complete),
                EXPIRES + 61,
                &rng(),
            )
            .unwrap();
            assert_eq!(f.state_name(), "Done");
        }
    }
    // ... or it had not, and says the challenge expired.
    let mut f = at_submitting(T::SetPin);
    feed(&mut f, Event::TransportFailed(ErrorCode::NetworkError));
    f.process_event(Event::Retry, EXPIRES + 60, &rng()).unwrap();
    f.process_event(
        rejected(ErrorCode::ChallengeExpired, None, None),
        EXPIRES + 61,
        &rng(),
    )
    .unwrap();
    assert_eq!(f.screen().outcome_code(), Some(ErrorCode::ChallengeExpired));
}

fn slot_number(f: &Flow) -> Option<u32> {
    match f.screen() {
        Screen::ChooseQuestion { slot, .. } | Screen::AnswerQuestion { slot, .. } => {
            Some(slot.number)
        }
        _ => None,
    }
}

fn refused(f: &Flow) -> Option<InputError> {
    f.screen().error().cloned()
}

#[test]
fn submitting_new_pin_refused_by_server_returns_to_enter_new_pin_with_the_error() {
    // The server's PIN rules may be stricter than this SDK's (e.g. a blocklist).
    for t in [T::SetPin, T::ChangePin, T::RestorePin, T::Initialize] {
        let mut f = at_submitting(t.clone());
        assert!(feed(&mut f, rejected(ErrorCode::InsecurePin, None, None)).is_empty());
        assert_eq!(f.state_name(), "EnterNewPin", "{t}");
        assert_eq!(f.pending(), None);
        assert_eq!(
            refused(&f),
            Some(InputError::RefusedByServer(ErrorCode::InsecurePin))
        );
        assert_eq!(error_of(&f), Some(ErrorCode::InsecurePin));
        // And the flow goes on: another PIN is accepted.
        feed(&mut f, pin(PIN2));
        assert_eq!(f.state_name(), "ConfirmNewPin");
    }
}

#[test]
fn submitting_answers_refused_by_server_returns_to_the_first_question() {
    for code in [
        ErrorCode::InvalidAnswer,
        ErrorCode::HintEqualsAnswer,
        ErrorCode::InvalidQuestionSelection,
    ] {
        // SET_SECURITY_QUESTIONS: choose again from the first slot.
        let mut f = at_submitting(T::SetSecurityQuestions);
        feed(&mut f, rejected(code, None, None));
        assert_eq!(f.state_name(), "ChooseQuestion", "{code}");
        assert_eq!(slot_number(&f), Some(1));
        assert_eq!(refused(&f), Some(InputError::RefusedByServer(code)));
        feed(&mut f, choose("q01"));
        assert_eq!(f.state_name(), "AnswerQuestion");
        // INITIALIZE: the PIN was dropped when sealed, so it starts over at the new PIN.
        let mut f = at_submitting(T::Initialize);
        feed(&mut f, rejected(code, None, None));
        assert_eq!(f.state_name(), "EnterNewPin", "{code}");
        assert_eq!(refused(&f), Some(InputError::RefusedByServer(code)));
    }
}

#[test]
fn verifying_answers_refused_by_server_returns_to_first_answer_recovery() {
    let mut f = at_verifying_answers();
    feed(&mut f, rejected(ErrorCode::InvalidAnswer, None, None));
    assert_eq!(f.state_name(), "AnswerRecovery");
    assert_eq!(slot_number(&f), Some(1));
    assert_eq!(
        refused(&f),
        Some(InputError::RefusedByServer(ErrorCode::InvalidAnswer))
    );
}

#[test]
fn current_pin_refused_by_server_returns_to_enter_current_pin() {
    let mut flows = vec![
        at_verifying_current_pin(T::ChangePin),
        at_verifying_current_pin(T::SetSecurityQuestions),
        at_submitting(T::CreateWallet),
    ];
    flows.extend(SIGNING.map(at_submitting));
    for mut f in flows {
        feed(&mut f, rejected(ErrorCode::InsecurePin, None, None));
        assert_eq!(f.state_name(), "EnterCurrentPin");
        assert_eq!(screen_pin_purpose(&f), Some(PinPurpose::Current));
        assert_eq!(
            refused(&f),
            Some(InputError::RefusedByServer(ErrorCode::InsecurePin))
        );
    }
}

#[test]
fn unfixable_refusals_still_end_the_flow() {
    // An answer code where no answer was sent, a PIN code where no PIN was sent.
    let mut f = at_submitting(T::SetPin);
    feed(&mut f, rejected(ErrorCode::InvalidAnswer, None, None));
    assert_eq!(f.state_name(), "Failed");
    let mut f = at_submitting(T::SetSecurityQuestions);
    feed(&mut f, rejected(ErrorCode::InsecurePin, None, None));
    assert_eq!(f.state_name(), "Failed");
    let mut f = at_verifying_answers();
    feed(&mut f, rejected(ErrorCode::InsecurePin, None, None));
    assert_eq!(f.state_name(), "Failed");
}

#[test]
fn cancel_in_every_non_final_state_ends_cancelled_and_emits_cancel() {
    let mut flows = vec![
        start(T::Initialize),
        at_confirm(T::SetPin),
        at_choose(T::Initialize),
        at_review(T::SetSecurityQuestions),
        start(T::ChangePin),
        at_verifying_current_pin(T::ChangePin),
        start(T::RestorePin),
        at_verifying_answers(),
        start(T::SignMessage),
        start(T::SignTypedData),
        start(T::CreateWallet),
        at_submitting(T::SignTransaction),
        at_submitting(T::SetPin),
    ];
    let mut interrupted = at_submitting(T::SetPin);
    feed(
        &mut interrupted,
        Event::TransportFailed(ErrorCode::NetworkError),
    );
    flows.push(interrupted);
    for f in &mut flows {
        let from = f.state_name();
        assert_eq!(feed(f, Event::Cancel), vec![Effect::Cancel], "{from}");
        assert_eq!(f.state_name(), "Cancelled");
        assert_eq!(f.screen().outcome_code(), Some(ErrorCode::CancelledByUser));
        assert_eq!(f.pending(), None);
    }
}

#[test]
fn input_after_expiry_ends_failed_challenge_expired_without_request() {
    let mut f = at_confirm(T::SetPin);
    let eff = f.process_event(pin(PIN), EXPIRES, &rng()).unwrap();
    assert!(eff.is_empty());
    assert_eq!(f.screen().outcome_code(), Some(ErrorCode::ChallengeExpired));
    // Server replies are still taken after the local deadline (the server decides).
    let mut f = at_submitting(T::SetPin);
    f.process_event(
        accepted(Step::Complete, ChallengeStatus::Complete),
        EXPIRES + 10,
        &rng(),
    )
    .unwrap();
    assert_eq!(f.state_name(), "Done");
}

#[test]
fn events_after_the_end_are_refused_finished() {
    let mut f = at_confirm(T::SetPin);
    feed(&mut f, Event::Cancel);
    for e in [Event::Cancel, pin(PIN), Event::Back, Event::Retry] {
        assert_eq!(f.process_event(e, NOW, &rng()), Err(FlowError::Finished));
    }
    assert_eq!(FlowError::Finished.code(), ErrorCode::ChallengeNotActive);
}

#[test]
fn input_while_working_is_refused_busy() {
    let mut f = at_verifying_current_pin(T::ChangePin);
    for e in [
        pin(PIN),
        Event::Back,
        Event::Acknowledged,
        Event::Retry,
        choose("q01"),
    ] {
        assert_eq!(f.process_event(e, NOW, &rng()), Err(FlowError::Busy));
        assert_eq!(f.state_name(), "VerifyingCurrentPin");
    }
}

#[test]
fn reply_for_another_challenge_or_step_is_refused_and_keeps_waiting() {
    let mut f = at_verifying_current_pin(T::ChangePin);
    let other = Event::StepAccepted(latchkey_protocol::StepResult {
        challenge_id: "c-other".into(),
        step: Step::CurrentPin,
        status: ChallengeStatus::InProgress,
        verified_steps: vec![],
        result: None,
    });
    assert_eq!(
        f.process_event(other, NOW, &rng()),
        Err(FlowError::UnexpectedReply)
    );
    let wrong_step = accepted(Step::Complete, ChallengeStatus::Complete);
    assert_eq!(
        f.process_event(wrong_step, NOW, &rng()),
        Err(FlowError::UnexpectedReply)
    );
    assert_eq!(f.state_name(), "VerifyingCurrentPin");
}

#[test]
fn reply_without_request_in_flight_is_refused() {
    let mut f = start(T::SetPin);
    for e in [
        accepted(Step::Complete, ChallengeStatus::Complete),
        rejected(ErrorCode::IncorrectPin, Some(1), None),
        Event::TransportFailed(ErrorCode::NetworkError),
    ] {
        assert_eq!(
            f.process_event(e, NOW, &rng()),
            Err(FlowError::UnexpectedReply)
        );
    }
    assert_eq!(f.state_name(), "EnterNewPin");
}

#[test]
fn event_that_does_not_fit_the_screen_is_refused_and_keeps_state() {
    let table: Vec<(Flow, Event)> = vec![
        (start(T::SetPin), choose("q01")),
        (start(T::SetPin), Event::Acknowledged),
        (start(T::SetPin), Event::Retry),
        (start(T::ChangePin), answer("Rex", None)),
        (at_choose(T::Initialize), pin(PIN)),
        (start(T::RestorePin), pin(PIN)),
        (start(T::SignMessage), pin(PIN)),
        (start(T::SetPin), Event::Rejected),
        (at_review(T::Initialize), Event::Rejected),
        (at_review(T::Initialize), answer("Rex", None)),
    ];
    for (mut f, e) in table {
        let before = f.screen();
        let name = e.name();
        let err = f.process_event(e, NOW, &rng()).unwrap_err();
        assert!(
            matches!(err, FlowError::UnexpectedEvent { event, .. } if event == name),
            "{err}"
        );
        assert_eq!(err.code(), ErrorCode::UnexpectedInput);
        assert_eq!(f.screen(), before);
    }
}

#[test]
fn flow_debug_shows_no_secrets() {
    let mut f = at_review(T::Initialize);
    let d = format!("{f:?}");
    assert!(!d.contains(PIN) && !d.contains("rex"), "{d}");
    feed(&mut f, Event::Acknowledged);
    assert!(!format!("{f:?}").contains(PIN));
}

#[test]
fn review_acknowledged_that_cannot_be_sealed_is_refused_and_loses_nothing() {
    // 80 questions x (100-char answer + 100-char hint) exceed the 16 KiB envelope limit.
    let mut d = descriptor(T::SetSecurityQuestions);
    d.verified_steps = vec![Step::CurrentPin];
    d.catalogue = (0..80)
        .map(|i| latchkey_protocol::Question {
            id: format!("x{i:02}"),
            text: format!("Question {i}?"),
            kind: latchkey_protocol::QuestionKind::Text,
        })
        .collect();
    d.question_policy.required_count = 80;
    let mut f = Flow::start(d, key(), NOW).unwrap();
    for i in 0..80 {
        feed(&mut f, choose(&format!("x{i:02}")));
        feed(&mut f, answer(&"a".repeat(100), Some(&"h".repeat(100))));
    }
    assert_eq!(f.state_name(), "Review");
    let err = f
        .process_event(Event::Acknowledged, NOW, &rng())
        .unwrap_err();
    assert_eq!(
        err,
        FlowError::Envelope(latchkey_protocol::EnvelopeError::TooLarge)
    );
    assert_eq!(f.state_name(), "Review");
    assert_eq!(f.pending(), None);
    // Nothing held was dropped: the review still lists all 80 entries.
    match f.screen() {
        Screen::Review { entries, .. } => assert_eq!(entries.len(), 80),
        s => panic!("{s:?}"),
    }
}

// ---------------------------------------------------------------- queries (no transition)

/// The inputs and replies of one successful walk through a flow of type `t`, built fresh each
/// time (events hold secrets and are not `Clone`).
fn happy_walk(t: &T) -> Vec<Event> {
    let questions = || {
        vec![
            choose("q01"),
            answer("Rex", None),
            choose("q10"),
            answer("2001-02-03", None),
            Event::Acknowledged,
        ]
    };
    let done = || accepted(Step::Complete, ChallengeStatus::Complete);
    let mut w = Vec::new();
    match t {
        T::Initialize => {
            w.extend([pin(PIN), pin(PIN)]);
            w.extend(questions());
        }
        T::SetPin => w.extend([pin(PIN), pin(PIN)]),
        T::ChangePin => w.extend([
            pin(PIN),
            accepted(Step::CurrentPin, ChallengeStatus::InProgress),
            pin(PIN2),
            pin(PIN2),
        ]),
        T::SetSecurityQuestions => {
            w.extend([
                pin(PIN),
                accepted(Step::CurrentPin, ChallengeStatus::InProgress),
            ]);
            w.extend(questions());
        }
        T::RestorePin => w.extend([
            answer("Rex", None),
            answer("2001-02-03", None),
            accepted(Step::Answers, ChallengeStatus::InProgress),
            pin(PIN2),
            pin(PIN2),
        ]),
        T::SignMessage | T::SignTypedData | T::SignTransaction => {
            w.extend([Event::Acknowledged, pin(PIN)])
        }
        T::CreateWallet => w.push(pin(PIN)),
        other => panic!("no walk for {other:?}"),
    }
    w.push(done());
    w
}

/// `can_go_back` answers exactly what `Back` would do, in every state every flow passes
/// through (the flow is rebuilt up to each state, then `Back` is tried).
#[test]
fn can_go_back_agrees_with_back_in_every_state_of_every_flow() {
    let (mut yes, mut no) = (0, 0);
    for t in ALL {
        let len = happy_walk(&t).len();
        for k in 0..=len {
            let mut f = start(t.clone());
            for e in happy_walk(&t).into_iter().take(k) {
                let _ = f.process_event(e, NOW, &rng());
            }
            let state = f.state_name();
            let can = f.can_go_back();
            let back = f.process_event(Event::Back, NOW, &rng());
            assert_eq!(can, back.is_ok(), "{t:?} in {state}: {back:?}");
            if can {
                yes += 1;
            } else {
                no += 1;
            }
        }
    }
    assert!(yes > 10 && no > 10, "both answers seen: {yes} yes, {no} no");
}

#[test]
fn pin_length_and_answer_hint_come_from_the_descriptor_policies() {
    let mut d = descriptor(T::Initialize);
    let f = Flow::start(d.clone(), key(), NOW).unwrap();
    assert_eq!(f.pin_length(), 6);
    d.pin_policy.length = 8;
    d.question_policy.min_answer_chars = 3;
    let f = Flow::start(d, key(), NOW).unwrap();
    assert_eq!(f.pin_length(), 8);
    assert!(f
        .answer_hint(&latchkey_protocol::QuestionKind::Text)
        .contains("3 to 100 characters"));
}
