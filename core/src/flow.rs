//! The challenge flows: one [`Flow`] type for every challenge type, one transition function.
//!
//! ```text
//! let mut flow = Flow::start(descriptor, session_key, now)?;
//! loop {
//!     draw(flow.screen());
//!     let event = next_user_input_or_server_reply();
//!     match flow.process_event(event, now, &rng) {
//!         Ok(effects) => for e in effects { send(e) },   // SubmitStep / Cancel
//!         Err(e) => show(e),                              // refused; nothing changed
//!     }
//! }
//! ```
//!
//! Every input is checked locally first (PIN rules, confirmation, answer and hint rules) and
//! sealed with [`seal_json`] as soon as it is complete; the flow then drops its own copy, so a
//! PIN or answer lives only as long as the screen that needs it.

use crate::cloud::{CloudBytes, CloudError};
use crate::error::{FlowError, InputError};
use crate::review::{decode_sign_request, RequestKind, SignatureReview};
use crate::screen::{
    CloudAction, PinPurpose, Progress, ReviewEntry, Screen, Slot, ACKNOWLEDGEMENT_TEXT,
    RECOVERY_CODE_WARNING,
};
use crate::time::parse_rfc3339;
use latchkey_protocol::envelope::seal_json;
use latchkey_protocol::recovery::{
    self as rc, backup_entry_name, prove_with_backup, NewCloudBackup, NewRecoveryCode,
    ProofContext, RecoveryError, CODE_GROUPS, GROUP_LEN,
};
use latchkey_protocol::{
    review_digest, AnswerEntry, AnswerRejection, Blockchain, CancelReason, ChallengeDescriptor,
    ChallengeResult, ChallengeStatus, ChallengeType, EnvelopeContext, ErrorCode, PinPolicy,
    PinRejection, Question, QuestionKind, QuestionPolicy, RecoveryDescriptor, Secret, SessionKey,
    Step, StepPayload, StepResult, StepSubmission, PROTOCOL_VERSION,
};
use ring::rand::SecureRandom;
use std::fmt;

/// What happens to a flow: a user input or the server's reply to an [`Effect::SubmitStep`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// The user entered a PIN (current, new or confirmation, whichever the screen asks for).
    PinEntered(Secret),
    /// The user picked a question by id.
    QuestionChosen(String),
    /// The user answered the question on screen, optionally with a hint (setup only).
    AnswerGiven {
        /// The raw answer; the flow normalises it.
        answer: Secret,
        /// An optional hint; it must not contain the answer.
        hint: Option<String>,
    },
    /// The user acknowledged the review warning, approved the signature request, or (on
    /// [`Screen::ShowRecoveryCode`]) wrote the recovery code down.
    Acknowledged,
    /// The user typed a recovery code ([`Screen::EnterRecoveryCode`]) or the groups of it the
    /// confirmation asks for ([`Screen::ConfirmRecoveryCode`]). Separators and case are free.
    RecoveryCodeEntered(Secret),
    /// The user rejected the signature request on the review screen.
    Rejected,
    /// The user wants the previous screen.
    Back,
    /// The user cancels the challenge.
    Cancel,
    /// The user retries after [`Screen::Interrupted`]; the same envelope is sent again.
    Retry,
    /// The server accepted the step in flight.
    StepAccepted(StepResult),
    /// The server refused the step in flight with an error body.
    ServerRejected {
        /// The error code.
        code: ErrorCode,
        /// `attemptsLeft` from the error body.
        attempts_left: Option<u32>,
        /// `lockedExpiryDate` from the error body (RFC 3339).
        locked_expiry: Option<String>,
    },
    /// The step in flight could not be delivered or its reply was lost (usually 155706).
    TransportFailed(ErrorCode),
    /// The app's storage stored the entry of [`Effect::CloudPut`].
    CloudWritten,
    /// The app's storage read the entry of [`Effect::CloudGet`] (`None`: there is none).
    CloudRead(Option<CloudBytes>),
    /// The app's storage deleted the entries of [`Effect::CloudDelete`].
    CloudDeleted,
    /// The app's storage failed the cloud effect in flight (or the call was interrupted).
    CloudFailed(CloudError),
}

impl Event {
    /// The event's name, for errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            Event::PinEntered(_) => "PinEntered",
            Event::QuestionChosen(_) => "QuestionChosen",
            Event::AnswerGiven { .. } => "AnswerGiven",
            Event::Acknowledged => "Acknowledged",
            Event::RecoveryCodeEntered(_) => "RecoveryCodeEntered",
            Event::Rejected => "Rejected",
            Event::Back => "Back",
            Event::Cancel => "Cancel",
            Event::Retry => "Retry",
            Event::StepAccepted(_) => "StepAccepted",
            Event::ServerRejected { .. } => "ServerRejected",
            Event::TransportFailed(_) => "TransportFailed",
            Event::CloudWritten => "CloudWritten",
            Event::CloudRead(_) => "CloudRead",
            Event::CloudDeleted => "CloudDeleted",
            Event::CloudFailed(_) => "CloudFailed",
        }
    }

    fn is_user_input(&self) -> bool {
        !matches!(
            self,
            Event::Cancel
                | Event::StepAccepted(_)
                | Event::ServerRejected { .. }
                | Event::TransportFailed(_)
                | Event::CloudWritten
                | Event::CloudRead(_)
                | Event::CloudDeleted
                | Event::CloudFailed(_)
        )
    }
}

/// What the driver must do after an event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Effect {
    /// `POST /v1/user/challenges/{id}/steps` with this body, then report the reply as
    /// [`Event::StepAccepted`], [`Event::ServerRejected`] or [`Event::TransportFailed`].
    /// Sending the identical body again after a lost reply is safe (the server replays).
    SubmitStep(StepSubmission),
    /// `POST /v1/user/challenges/{id}/cancel` (best effort; no event comes back).
    Cancel,
    /// `POST /v1/user/challenges/{id}/cancel` with body `{"reason": ...}` (best effort; no
    /// event comes back). `USER_REJECTED`: the user rejected a signature request; the server
    /// fails the challenge with 155826.
    CancelWithReason(CancelReason),
    /// Store `bytes` under `name` with the app's [`CloudStorage`](crate::cloud::CloudStorage),
    /// then report [`Event::CloudWritten`] or [`Event::CloudFailed`].
    CloudPut {
        /// The entry name (`[a-z0-9-]`).
        name: String,
        /// The entry (a backup key: never log it).
        bytes: CloudBytes,
    },
    /// Read the entry `name`, then report [`Event::CloudRead`] or [`Event::CloudFailed`].
    CloudGet {
        /// The entry name.
        name: String,
    },
    /// Delete these entries (missing ones are fine), then report [`Event::CloudDeleted`] or
    /// [`Event::CloudFailed`].
    CloudDelete {
        /// The entry names.
        names: Vec<String>,
    },
}

/// The states of every flow; `docs/flows.md` draws them (names = variant names).
#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    ReviewSignature,
    EnterCurrentPin,
    VerifyingCurrentPin,
    AnswerRecovery {
        slot: usize,
    },
    VerifyingAnswers,
    ShowRecoveryCode,
    ConfirmRecoveryCode,
    EnterRecoveryCode,
    VerifyingRecoveryCode,
    RegisteringBackup,
    WritingBackup,
    CheckingBackup,
    DeletingOldBackup,
    CloudFailed {
        error: ErrorCode,
        reason: String,
        retry: CloudRetry,
    },
    StartCloudRestore,
    ReadingBackup,
    NoCloudBackup,
    EnterNewPin,
    ConfirmNewPin,
    ChooseQuestion {
        slot: usize,
    },
    AnswerQuestion {
        slot: usize,
    },
    Review,
    Submitting,
    Interrupted {
        error: ErrorCode,
    },
    Done,
    Failed {
        error: ErrorCode,
    },
    Locked {
        code: ErrorCode,
        until: Option<String>,
        until_unix: Option<i64>,
        recovery_required: bool,
    },
    Cancelled,
}

/// Every state name, as used in `docs/flows.md`.
pub const STATE_NAMES: &[&str] = &[
    "ReviewSignature",
    "EnterCurrentPin",
    "VerifyingCurrentPin",
    "AnswerRecovery",
    "VerifyingAnswers",
    "ShowRecoveryCode",
    "ConfirmRecoveryCode",
    "EnterRecoveryCode",
    "VerifyingRecoveryCode",
    "RegisteringBackup",
    "WritingBackup",
    "CheckingBackup",
    "DeletingOldBackup",
    "CloudFailed",
    "StartCloudRestore",
    "ReadingBackup",
    "NoCloudBackup",
    "EnterNewPin",
    "ConfirmNewPin",
    "ChooseQuestion",
    "AnswerQuestion",
    "Review",
    "Submitting",
    "Interrupted",
    "Done",
    "Failed",
    "Locked",
    "Cancelled",
];

impl State {
    fn name(&self) -> &'static str {
        match self {
            State::ReviewSignature => "ReviewSignature",
            State::EnterCurrentPin => "EnterCurrentPin",
            State::VerifyingCurrentPin => "VerifyingCurrentPin",
            State::AnswerRecovery { .. } => "AnswerRecovery",
            State::VerifyingAnswers => "VerifyingAnswers",
            State::ShowRecoveryCode => "ShowRecoveryCode",
            State::ConfirmRecoveryCode => "ConfirmRecoveryCode",
            State::EnterRecoveryCode => "EnterRecoveryCode",
            State::VerifyingRecoveryCode => "VerifyingRecoveryCode",
            State::RegisteringBackup => "RegisteringBackup",
            State::WritingBackup => "WritingBackup",
            State::CheckingBackup => "CheckingBackup",
            State::DeletingOldBackup => "DeletingOldBackup",
            State::CloudFailed { .. } => "CloudFailed",
            State::StartCloudRestore => "StartCloudRestore",
            State::ReadingBackup => "ReadingBackup",
            State::NoCloudBackup => "NoCloudBackup",
            State::EnterNewPin => "EnterNewPin",
            State::ConfirmNewPin => "ConfirmNewPin",
            State::ChooseQuestion { .. } => "ChooseQuestion",
            State::AnswerQuestion { .. } => "AnswerQuestion",
            State::Review => "Review",
            State::Submitting => "Submitting",
            State::Interrupted { .. } => "Interrupted",
            State::Done => "Done",
            State::Failed { .. } => "Failed",
            State::Locked { .. } => "Locked",
            State::Cancelled => "Cancelled",
        }
    }

    fn is_terminal(&self) -> bool {
        matches!(
            self,
            State::Done | State::Failed { .. } | State::Locked { .. } | State::Cancelled
        )
    }

    fn is_working(&self) -> bool {
        matches!(
            self,
            State::VerifyingCurrentPin
                | State::VerifyingAnswers
                | State::VerifyingRecoveryCode
                | State::Submitting
                | State::RegisteringBackup
                | State::WritingBackup
                | State::CheckingBackup
                | State::DeletingOldBackup
                | State::ReadingBackup
        )
    }
}

/// Which cloud call [`Event::Retry`] repeats after a storage failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CloudRetry {
    /// Write the new entry again (then read it back).
    Write,
    /// Read the new entry back again.
    Check,
    /// Read the active entry to recover.
    Restore,
}

/// The flow's challenge type (known types only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Initialize,
    SetPin,
    ChangePin,
    SetSecurityQuestions,
    RestorePin,
    SignMessage,
    SignTypedData,
    SignTransaction,
    CreateWallet,
    SetRecoveryCode,
    SetCloudBackup,
}

impl Kind {
    /// What a signing kind signs (`None` for the others).
    fn request_kind(self) -> Option<RequestKind> {
        match self {
            Kind::SignMessage => Some(RequestKind::Message),
            Kind::SignTypedData => Some(RequestKind::TypedData),
            Kind::SignTransaction => Some(RequestKind::Transaction),
            _ => None,
        }
    }

    fn is_signing(self) -> bool {
        self.request_kind().is_some()
    }

    /// Kinds whose `COMPLETE` carries the current PIN (verified as part of completion).
    fn completes_with_pin(self) -> bool {
        self.is_signing() || self == Kind::CreateWallet
    }
}

/// One running challenge: its state, what it holds, and its session key.
///
/// `Debug` shows the challenge and state only, never anything entered.
pub struct Flow {
    kind: Kind,
    challenge_type: ChallengeType,
    challenge_id: String,
    key: SessionKey,
    pin_policy: PinPolicy,
    question_policy: QuestionPolicy,
    catalogue: Vec<Question>,
    recovery: Vec<Question>,
    recovery_hints: Vec<Option<String>>,
    review: Option<SignatureReview>,
    review_digest: Option<String>,
    blockchains: Vec<Blockchain>,
    result: Option<ChallengeResult>,
    expires_at: i64,
    pin_attempts_left: u32,
    answer_attempts_left: u32,
    state: State,
    progress: Progress,
    error: Option<InputError>,
    new_pin: Option<Secret>,
    chosen: Vec<Question>,
    answers: Vec<AnswerEntry>,
    pending: Option<StepSubmission>,
    /// SET_RECOVERY_CODE and RESTORE_PIN by code: what the key and proof are bound to.
    recovery_binding: Option<RecoveryDescriptor>,
    /// SET_RECOVERY_CODE: the code being shown and confirmed (zeroized on drop).
    new_code: Option<NewRecoveryCode>,
    /// SET_RECOVERY_CODE: the groups (from 0) the confirmation asks for.
    confirm_groups: Vec<usize>,
    /// SET_CLOUD_BACKUP: the backup key and key pair being set up (zeroized on drop).
    new_backup: Option<NewCloudBackup>,
    /// SET_CLOUD_BACKUP: the acknowledgement was sent (it may have made the new version
    /// active): from then on the new entry is never deleted.
    ack_sent: bool,
}

impl fmt::Debug for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Flow")
            .field("challenge_id", &self.challenge_id)
            .field("challenge_type", &self.challenge_type)
            .field("state", &self.state.name())
            .field("progress", &self.progress)
            .finish_non_exhaustive()
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// What the user typed for confirmation groups: separators dropped, upper case, `O` read as
/// `0` and `I`/`L` as `1` (as the code parser reads them).
fn normalize_typed_groups(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

impl Flow {
    /// Starts the flow for a descriptor fetched from
    /// `GET /v1/user/challenges/{id}/descriptor`, at `now` (unix seconds, the server's time:
    /// see [`Flow::process_event`]).
    ///
    /// Steps the descriptor lists in `verifiedSteps` are skipped (the flow resumes after them).
    /// A challenge already past `expiresAt` starts in the Failed state (155121). Errors: a
    /// protocol version or challenge type this build does not know, a finished challenge, or a
    /// descriptor missing what its type needs.
    pub fn start(
        descriptor: ChallengeDescriptor,
        key: SessionKey,
        now: i64,
    ) -> Result<Flow, FlowError> {
        let d = descriptor;
        if d.protocol_version != PROTOCOL_VERSION {
            return Err(FlowError::UnsupportedProtocolVersion(d.protocol_version));
        }
        let kind = match d.challenge_type {
            ChallengeType::Initialize => Kind::Initialize,
            ChallengeType::SetPin => Kind::SetPin,
            ChallengeType::ChangePin => Kind::ChangePin,
            ChallengeType::SetSecurityQuestions => Kind::SetSecurityQuestions,
            ChallengeType::RestorePin => Kind::RestorePin,
            ChallengeType::SignMessage => Kind::SignMessage,
            ChallengeType::SignTypedData => Kind::SignTypedData,
            ChallengeType::SignTransaction => Kind::SignTransaction,
            ChallengeType::CreateWallet => Kind::CreateWallet,
            ChallengeType::SetRecoveryCode => Kind::SetRecoveryCode,
            ChallengeType::SetCloudBackup => Kind::SetCloudBackup,
            ref other => return Err(FlowError::UnsupportedChallenge(other.as_str().to_owned())),
        };
        if matches!(
            d.status,
            ChallengeStatus::Complete | ChallengeStatus::Failed
        ) {
            return Err(FlowError::NotActive(d.status));
        }
        let expires_at = parse_rfc3339(&d.expires_at).ok_or(FlowError::InvalidDescriptor(
            "expiresAt is not an RFC 3339 time",
        ))?;
        let by_code = kind == Kind::RestorePin
            && d.recovery.as_ref().map(|r| r.method.as_str()) == Some(rc::method::RECOVERY_CODE);
        let by_backup = kind == Kind::RestorePin
            && d.recovery.as_ref().map(|r| r.method.as_str()) == Some(rc::method::CLOUD_BACKUP);
        match kind {
            Kind::Initialize | Kind::SetSecurityQuestions => {
                if d.question_policy.required_count == 0
                    || d.catalogue.len() < d.question_policy.required_count
                {
                    return Err(FlowError::InvalidDescriptor(
                        "the catalogue has fewer questions than required",
                    ));
                }
            }
            Kind::RestorePin if by_code || by_backup => {
                if d.recovery
                    .as_ref()
                    .and_then(|r| r.wrapped_key.as_ref())
                    .is_none()
                {
                    return Err(FlowError::InvalidDescriptor(
                        "no wrapped recovery key to open",
                    ));
                }
            }
            Kind::SetRecoveryCode | Kind::SetCloudBackup => {
                if d.recovery.is_none() {
                    return Err(FlowError::InvalidDescriptor("no recovery binding"));
                }
            }
            Kind::RestorePin => {
                if d.questions.is_empty() {
                    return Err(FlowError::InvalidDescriptor(
                        "no security questions to answer",
                    ));
                }
            }
            Kind::CreateWallet => {
                if d.blockchains.is_empty() {
                    return Err(FlowError::InvalidDescriptor("no blockchains to create"));
                }
            }
            Kind::SetPin | Kind::ChangePin => {}
            Kind::SignMessage | Kind::SignTypedData | Kind::SignTransaction => {}
        }
        // Signing: decode what will be signed now, so a request that cannot be shown never
        // reaches the PIN screen; the digest is of exactly the string decoded.
        let (review, digest) = match kind.request_kind() {
            Some(rk) => {
                let (Some(req), Some(wallet)) = (d.sign_request.as_deref(), d.wallet.clone())
                else {
                    return Err(FlowError::InvalidDescriptor(
                        "no signRequest or wallet to review",
                    ));
                };
                (
                    Some(decode_sign_request(req, rk, wallet)?),
                    Some(review_digest(req)),
                )
            }
            None => (None, None),
        };
        let verified = |s: Step| d.verified_steps.contains(&s);
        let state = if d.status == ChallengeStatus::Expired || now >= expires_at {
            State::Failed {
                error: ErrorCode::ChallengeExpired,
            }
        } else {
            match kind {
                Kind::Initialize | Kind::SetPin => State::EnterNewPin,
                Kind::ChangePin if verified(Step::CurrentPin) => State::EnterNewPin,
                Kind::ChangePin => State::EnterCurrentPin,
                Kind::SetSecurityQuestions if verified(Step::CurrentPin) => {
                    State::ChooseQuestion { slot: 0 }
                }
                Kind::SetSecurityQuestions => State::EnterCurrentPin,
                Kind::RestorePin if by_code && verified(Step::RecoveryProof) => State::EnterNewPin,
                Kind::RestorePin if by_code => State::EnterRecoveryCode,
                Kind::RestorePin if by_backup && verified(Step::RecoveryProof) => {
                    State::EnterNewPin
                }
                Kind::RestorePin if by_backup => State::StartCloudRestore,
                Kind::RestorePin if verified(Step::Answers) => State::EnterNewPin,
                Kind::RestorePin => State::AnswerRecovery { slot: 0 },
                Kind::SignMessage | Kind::SignTypedData | Kind::SignTransaction => {
                    State::ReviewSignature
                }
                Kind::CreateWallet => State::EnterCurrentPin,
                // The code shown before the interruption was never stored: start again.
                Kind::SetRecoveryCode if verified(Step::CurrentPin) => State::Failed {
                    error: ErrorCode::RecoveryCodeSetupInterrupted,
                },
                Kind::SetRecoveryCode => State::EnterCurrentPin,
                // The backup key made before the interruption is gone (it never left the
                // device unless it reached the cloud, and an unacknowledged version is never
                // used): start again. The previous backup is untouched; a pending version left
                // behind is abandoned by the next acknowledgement.
                Kind::SetCloudBackup if verified(Step::CurrentPin) => State::Failed {
                    error: ErrorCode::CloudBackupSetupInterrupted,
                },
                Kind::SetCloudBackup => State::EnterCurrentPin,
            }
        };
        let mut flow = Flow {
            kind,
            challenge_type: d.challenge_type,
            challenge_id: d.challenge_id,
            key,
            pin_policy: d.pin_policy,
            question_policy: d.question_policy,
            catalogue: d.catalogue,
            recovery: d.questions,
            recovery_hints: d.hints,
            review,
            review_digest: digest,
            blockchains: d.blockchains,
            result: None,
            expires_at,
            pin_attempts_left: d.pin_attempts_left,
            answer_attempts_left: d.answer_attempts_left,
            state: State::Cancelled,
            progress: Progress { step: 1, of: 1 },
            error: None,
            new_pin: None,
            chosen: Vec::new(),
            answers: Vec::new(),
            pending: None,
            recovery_binding: d.recovery,
            new_code: None,
            confirm_groups: Vec::new(),
            new_backup: None,
            ack_sent: false,
        };
        flow.progress = Progress {
            step: 1,
            of: flow.total_steps(),
        };
        flow.set_state(state);
        Ok(flow)
    }

    /// The challenge id.
    pub fn challenge_id(&self) -> &str {
        &self.challenge_id
    }

    /// The challenge type.
    pub fn challenge_type(&self) -> &ChallengeType {
        &self.challenge_type
    }

    /// The name of the current state (as drawn in `docs/flows.md`).
    pub fn state_name(&self) -> &'static str {
        self.state.name()
    }

    /// Whether the flow has ended (Done, Failed, Locked or Cancelled).
    pub fn is_finished(&self) -> bool {
        self.state.is_terminal()
    }

    /// When the challenge expires, unix seconds.
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// What will be signed (signing challenges), as shown on [`Screen::ReviewSignature`].
    pub fn review(&self) -> Option<&SignatureReview> {
        self.review.as_ref()
    }

    /// The blockchains wallets will be created on (CREATE_WALLET, INITIALIZE with wallets).
    pub fn blockchains(&self) -> &[Blockchain] {
        &self.blockchains
    }

    /// What the challenge produced, once Done (when the server sent it).
    pub fn result(&self) -> Option<&ChallengeResult> {
        self.result.as_ref()
    }

    /// The step submission in flight (or interrupted), if any.
    pub fn pending(&self) -> Option<&StepSubmission> {
        self.pending.as_ref()
    }

    /// The number of digits a PIN must have in this challenge (the descriptor's PIN policy;
    /// 6 by default). For drawing the PIN field; the flow checks every PIN rule itself.
    pub fn pin_length(&self) -> u32 {
        count(self.pin_policy.length)
    }

    /// What the SDK does to an answer of `kind` before comparing it, under this challenge's
    /// question policy (see [`QuestionPolicy::answer_hint`]).
    pub fn answer_hint(&self, kind: &QuestionKind) -> String {
        self.question_policy.answer_hint(kind)
    }

    /// The question policy this challenge runs under (from its descriptor).
    pub fn question_policy(&self) -> QuestionPolicy {
        self.question_policy
    }

    /// Whether [`Event::Back`] would be accepted now: there is an earlier screen to return
    /// to (nothing is sent). `false` on the first screen, after a step the server verified,
    /// while a request is in flight and once the flow has ended. Apps use it to show or hide
    /// their back button (and to leave the challenge with cancel where it is `false`).
    pub fn can_go_back(&self) -> bool {
        match self.state {
            State::EnterCurrentPin => self.kind.is_signing(),
            // INITIALIZE with a code: nothing was sent yet, so the review can be seen again.
            State::ShowRecoveryCode => self.kind == Kind::Initialize,
            State::ConfirmNewPin
            | State::AnswerQuestion { .. }
            | State::Review
            | State::ConfirmRecoveryCode => true,
            State::ChooseQuestion { slot } => slot > 0 || self.kind == Kind::Initialize,
            State::AnswerRecovery { slot } => slot > 0,
            State::ReviewSignature
            | State::RegisteringBackup
            | State::WritingBackup
            | State::CheckingBackup
            | State::DeletingOldBackup
            | State::CloudFailed { .. }
            | State::StartCloudRestore
            | State::ReadingBackup
            | State::NoCloudBackup
            | State::EnterRecoveryCode
            | State::VerifyingRecoveryCode
            | State::VerifyingCurrentPin
            | State::VerifyingAnswers
            | State::EnterNewPin
            | State::Submitting
            | State::Interrupted { .. }
            | State::Done
            | State::Failed { .. }
            | State::Locked { .. }
            | State::Cancelled => false,
        }
    }

    /// What to draw now.
    pub fn screen(&self) -> Screen {
        let progress = self.progress;
        let error = self.error.clone();
        match &self.state {
            State::ReviewSignature => match &self.review {
                Some(review) => Screen::ReviewSignature {
                    progress,
                    review: review.clone(),
                },
                None => self.broken(),
            },
            State::EnterCurrentPin => Screen::EnterPin {
                purpose: PinPurpose::Current,
                progress,
                error,
                attempts_left: Some(self.pin_attempts_left),
            },
            State::EnterNewPin => Screen::EnterPin {
                purpose: PinPurpose::New,
                progress,
                error,
                attempts_left: None,
            },
            State::ConfirmNewPin => Screen::EnterPin {
                purpose: PinPurpose::Confirm,
                progress,
                error,
                attempts_left: None,
            },
            State::AnswerRecovery { slot } => match self.recovery.get(*slot) {
                Some(q) => Screen::AnswerQuestion {
                    progress,
                    slot: self.slot(*slot),
                    question: q.clone(),
                    hint_allowed: false,
                    saved_hint: self.recovery_hints.get(*slot).cloned().flatten(),
                    error,
                    attempts_left: Some(self.answer_attempts_left),
                },
                None => self.broken(),
            },
            State::ChooseQuestion { slot } => Screen::ChooseQuestion {
                progress,
                slot: self.slot(*slot),
                options: self
                    .catalogue
                    .iter()
                    .filter(|q| !self.chosen.iter().any(|c| c.id == q.id))
                    .cloned()
                    .collect(),
                error,
            },
            State::AnswerQuestion { slot } => match self.chosen.get(*slot) {
                Some(q) => Screen::AnswerQuestion {
                    progress,
                    slot: self.slot(*slot),
                    question: q.clone(),
                    hint_allowed: true,
                    saved_hint: None,
                    error,
                    attempts_left: None,
                },
                None => self.broken(),
            },
            State::Review => Screen::Review {
                progress,
                entries: self
                    .chosen
                    .iter()
                    .zip(&self.answers)
                    .map(|(q, a)| ReviewEntry {
                        question: q.clone(),
                        hint: a.hint.clone(),
                    })
                    .collect(),
                acknowledgement: ACKNOWLEDGEMENT_TEXT,
            },
            State::VerifyingCurrentPin => Screen::Working {
                progress,
                step: Step::CurrentPin,
            },
            State::VerifyingAnswers => Screen::Working {
                progress,
                step: Step::Answers,
            },
            State::ShowRecoveryCode => match &self.new_code {
                Some(n) => Screen::ShowRecoveryCode {
                    progress,
                    groups: n
                        .code
                        .groups()
                        .iter()
                        .map(|g| Secret::from_str_copy(g))
                        .collect(),
                    warning: RECOVERY_CODE_WARNING,
                },
                None => self.broken(),
            },
            State::ConfirmRecoveryCode => Screen::ConfirmRecoveryCode {
                progress,
                groups: self.confirm_groups.iter().map(|g| count(g + 1)).collect(),
                error,
            },
            State::EnterRecoveryCode => Screen::EnterRecoveryCode {
                progress,
                groups: count(CODE_GROUPS),
                group_length: count(GROUP_LEN),
                error,
                attempts_left: Some(self.answer_attempts_left),
            },
            State::VerifyingRecoveryCode => Screen::Working {
                progress,
                step: Step::RecoveryProof,
            },
            State::RegisteringBackup => Screen::Working {
                progress,
                step: Step::RegisterCloudBackup,
            },
            State::WritingBackup => Screen::CloudWorking {
                progress,
                action: CloudAction::Saving,
            },
            State::CheckingBackup => Screen::CloudWorking {
                progress,
                action: CloudAction::Checking,
            },
            State::DeletingOldBackup => Screen::CloudWorking {
                progress,
                action: CloudAction::CleaningUp,
            },
            State::ReadingBackup => Screen::CloudWorking {
                progress,
                action: CloudAction::Reading,
            },
            State::CloudFailed { error, reason, .. } => Screen::CloudStorageFailed {
                progress,
                error: *error,
                reason: reason.clone(),
            },
            State::StartCloudRestore => Screen::StartCloudRestore {
                progress,
                error,
                attempts_left: Some(self.answer_attempts_left),
            },
            State::NoCloudBackup => Screen::NoCloudBackup { progress },
            State::Submitting => Screen::Working {
                progress,
                step: Step::Complete,
            },
            State::Interrupted { error } => Screen::Interrupted {
                progress,
                error: *error,
            },
            State::Done => Screen::Done {
                progress,
                result: self.result.clone(),
            },
            State::Failed { error } => Screen::Failed {
                progress,
                error: *error,
            },
            State::Locked {
                code,
                until,
                until_unix,
                recovery_required,
            } => Screen::Locked {
                progress,
                code: *code,
                until: until.clone(),
                until_unix: *until_unix,
                recovery_required: *recovery_required,
            },
            State::Cancelled => Screen::Cancelled { progress },
        }
    }

    /// Applies one event at `now` (unix seconds) and returns what the driver must send.
    ///
    /// * `Ok(effects)`: the event was taken. If the user's input was refused (insecure PIN,
    ///   mismatched confirmation, invalid answer or hint) nothing is sent and
    ///   [`Screen::error`] says why.
    /// * `Err(e)`: the event does not fit; the flow is exactly as before.
    ///
    /// `now` is the server's time (unix seconds; the driver shifts the device clock by the
    /// offset measured from the server's `Date` header, see
    /// [`ServerClock`](crate::time::ServerClock)). `rng` supplies envelope nonces. An input
    /// event at or after the challenge's expiry ends the flow as Failed (155121) without
    /// sending anything, except [`Event::Retry`], which resends the pending envelope for the
    /// server to answer (from its record if it processed it before expiry).
    ///
    /// A server refusal the user can fix (155704 for a PIN, 155705/155806/155807 for answers,
    /// under server rules stricter than this SDK's) returns to the screen where the input is
    /// entered again, with [`InputError::RefusedByServer`]; any other refusal ends the flow.
    pub fn process_event(
        &mut self,
        event: Event,
        now: i64,
        rng: &dyn SecureRandom,
    ) -> Result<Vec<Effect>, FlowError> {
        if self.state.is_terminal() {
            return Err(FlowError::Finished);
        }
        if self.state.is_working() && event.is_user_input() {
            return Err(FlowError::Busy);
        }
        // Expiry is judged at `now`, which the driver gives in the server's time (see
        // `ServerClock`). `Retry` is never refused for it: it resends an envelope the server
        // may already have processed, and the server answers that from its record (or refuses
        // it with 155121 itself), so the server has the last word.
        if event.is_user_input() && !matches!(event, Event::Retry) && now >= self.expires_at {
            self.finish(State::Failed {
                error: ErrorCode::ChallengeExpired,
            });
            return Ok(Vec::new());
        }
        let state_name = self.state.name();
        let event_name = event.name();
        let unexpected = || FlowError::UnexpectedEvent {
            state: state_name,
            event: event_name,
        };
        match (self.state.clone(), event) {
            // ---- cancel and retry, anywhere ----
            (_, Event::Cancel) => {
                // A set-up cancelled before its acknowledgement was sent: the new version can
                // never become active, so its entry (if written) goes too. After the
                // acknowledgement it may be the active one: it stays.
                let mut effects = Vec::new();
                if let (Some(name), false) = (self.new_backup_name(), self.ack_sent) {
                    effects.push(Effect::CloudDelete { names: vec![name] });
                }
                effects.push(Effect::Cancel);
                self.finish(State::Cancelled);
                Ok(effects)
            }
            (State::Interrupted { .. }, Event::Retry) => {
                let Some(sub) = self.pending.clone() else {
                    return Err(unexpected());
                };
                let next = match sub.step {
                    Step::CurrentPin => State::VerifyingCurrentPin,
                    Step::Answers => State::VerifyingAnswers,
                    Step::RecoveryProof => State::VerifyingRecoveryCode,
                    Step::RegisterCloudBackup => State::RegisteringBackup,
                    _ => State::Submitting,
                };
                self.set_state(next);
                Ok(vec![Effect::SubmitStep(sub)])
            }

            // ---- SIGN_MESSAGE, SIGN_TYPEDDATA, SIGN_TRANSACTION: the review ----
            (State::ReviewSignature, Event::Acknowledged) => {
                self.set_state(State::EnterCurrentPin);
                Ok(Vec::new())
            }
            (State::ReviewSignature, Event::Rejected) => {
                self.finish(State::Failed {
                    error: ErrorCode::UserRejected,
                });
                Ok(vec![Effect::CancelWithReason(CancelReason::UserRejected)])
            }

            // ---- current PIN (CHANGE_PIN, SET_SECURITY_QUESTIONS, SIGN_*, CREATE_WALLET) ----
            (State::EnterCurrentPin, Event::PinEntered(pin)) => {
                // Only the format is checked: a current PIN set under older rules is still the
                // user's PIN, but a typo in length or digits need not cost a guess.
                if let Err(r @ (PinRejection::WrongLength { .. } | PinRejection::NotDigits)) =
                    self.pin_policy.check(pin.expose())
                {
                    self.error = Some(InputError::InsecurePin(r));
                    return Ok(Vec::new());
                }
                let payload = StepPayload {
                    pin: Some(pin),
                    review_digest: self.review_digest.clone(),
                    ..Default::default()
                };
                if self.kind.completes_with_pin() {
                    self.submit(Step::Complete, &payload, rng, State::Submitting)
                } else {
                    self.submit(Step::CurrentPin, &payload, rng, State::VerifyingCurrentPin)
                }
            }
            (State::EnterCurrentPin, Event::Back) if self.kind.is_signing() => {
                self.set_state(State::ReviewSignature);
                Ok(Vec::new())
            }

            // ---- new PIN and confirmation ----
            (State::EnterNewPin, Event::PinEntered(pin)) => {
                if let Err(r) = self.pin_policy.check(pin.expose()) {
                    self.error = Some(InputError::InsecurePin(r));
                    return Ok(Vec::new());
                }
                self.new_pin = Some(pin);
                self.set_state(State::ConfirmNewPin);
                Ok(Vec::new())
            }
            (State::ConfirmNewPin, Event::PinEntered(pin)) => {
                let matches = self.new_pin.as_ref().is_some_and(|p| p.ct_eq(&pin));
                drop(pin);
                if !matches {
                    self.new_pin = None;
                    self.set_state(State::EnterNewPin);
                    self.error = Some(InputError::PinMismatch);
                    return Ok(Vec::new());
                }
                if self.kind == Kind::Initialize {
                    self.set_state(State::ChooseQuestion { slot: 0 });
                    return Ok(Vec::new());
                }
                let payload = StepPayload {
                    new_pin: self.new_pin.clone(),
                    ..Default::default()
                };
                let effects = self.submit(Step::Complete, &payload, rng, State::Submitting)?;
                self.new_pin = None;
                Ok(effects)
            }
            (State::ConfirmNewPin, Event::Back) => {
                self.new_pin = None;
                self.set_state(State::EnterNewPin);
                Ok(Vec::new())
            }

            // ---- choosing and answering new questions (INITIALIZE, SET_SECURITY_QUESTIONS) ----
            (State::ChooseQuestion { slot }, Event::QuestionChosen(id)) => {
                let Some(q) = self.catalogue.iter().find(|q| q.id == id) else {
                    self.error = Some(InputError::Answer(AnswerRejection::UnknownQuestion));
                    return Ok(Vec::new());
                };
                if self.chosen.iter().any(|c| c.id == id) {
                    self.error = Some(InputError::Answer(AnswerRejection::DuplicateQuestion));
                    return Ok(Vec::new());
                }
                let q = q.clone();
                self.chosen.truncate(slot);
                self.chosen.push(q);
                self.set_state(State::AnswerQuestion { slot });
                Ok(Vec::new())
            }
            (State::ChooseQuestion { slot: 0 }, Event::Back) if self.kind == Kind::Initialize => {
                self.chosen.clear();
                self.answers.clear();
                self.set_state(State::ConfirmNewPin);
                Ok(Vec::new())
            }
            (State::ChooseQuestion { slot }, Event::Back) if slot > 0 => {
                self.answers.truncate(slot - 1);
                self.chosen.truncate(slot);
                self.set_state(State::AnswerQuestion { slot: slot - 1 });
                Ok(Vec::new())
            }
            (State::AnswerQuestion { slot }, Event::AnswerGiven { answer, hint }) => {
                let Some(q) = self.chosen.get(slot).cloned() else {
                    return Err(unexpected());
                };
                let normalized = match self
                    .question_policy
                    .normalize_answer(&q.kind, answer.expose())
                {
                    Ok(n) => n,
                    Err(r) => {
                        self.error = Some(InputError::Answer(r));
                        return Ok(Vec::new());
                    }
                };
                drop(answer);
                let hint = match self
                    .question_policy
                    .check_hint(hint.as_deref(), &normalized)
                {
                    Ok(h) => h,
                    Err(r) => {
                        self.error = Some(InputError::Answer(r));
                        return Ok(Vec::new());
                    }
                };
                self.answers.truncate(slot);
                self.answers.push(AnswerEntry {
                    question_id: q.id,
                    answer: normalized,
                    hint,
                });
                let next = if slot + 1 >= self.question_policy.required_count {
                    State::Review
                } else {
                    State::ChooseQuestion { slot: slot + 1 }
                };
                self.set_state(next);
                Ok(Vec::new())
            }
            (State::AnswerQuestion { slot }, Event::Back) => {
                self.answers.truncate(slot);
                self.chosen.truncate(slot);
                self.set_state(State::ChooseQuestion { slot });
                Ok(Vec::new())
            }
            (State::Review, Event::Acknowledged) => {
                if let Err(r) = self.question_policy.check_selection(
                    &self.catalogue,
                    &self
                        .chosen
                        .iter()
                        .map(|q| q.id.as_str())
                        .collect::<Vec<_>>(),
                ) {
                    return Err(FlowError::InvalidDescriptor(match r {
                        AnswerRejection::DuplicateQuestion => "duplicate question ids",
                        _ => "question selection does not fit the policy",
                    }));
                }
                if self.initialize_with_code() {
                    // INITIALIZE with `recoveryCode`: the code is made and shown now, and sent
                    // with the PIN and the answers once two of its groups are retyped.
                    match self.make_recovery_code(rng) {
                        Ok(()) => self.set_state(State::ShowRecoveryCode),
                        Err(e) => self.finish(State::Failed { error: e.code() }),
                    }
                    return Ok(Vec::new());
                }
                let payload = StepPayload {
                    new_pin: if self.kind == Kind::Initialize {
                        self.new_pin.clone()
                    } else {
                        None
                    },
                    answers: Some(self.answers.clone()),
                    acknowledged: Some(true),
                    ..Default::default()
                };
                let effects = self.submit(Step::Complete, &payload, rng, State::Submitting)?;
                self.clear_secrets();
                Ok(effects)
            }
            (State::Review, Event::Back) => {
                let last = self.question_policy.required_count.saturating_sub(1);
                self.answers.truncate(last);
                self.set_state(State::AnswerQuestion { slot: last });
                Ok(Vec::new())
            }

            // ---- answering the user's own questions (RESTORE_PIN) ----
            (State::AnswerRecovery { slot }, Event::AnswerGiven { answer, hint }) => {
                if hint.as_deref().is_some_and(|h| !h.trim().is_empty()) {
                    return Err(unexpected());
                }
                let Some(q) = self.recovery.get(slot).cloned() else {
                    return Err(unexpected());
                };
                let normalized = match self
                    .question_policy
                    .normalize_answer(&q.kind, answer.expose())
                {
                    Ok(n) => n,
                    Err(r) => {
                        self.error = Some(InputError::Answer(r));
                        return Ok(Vec::new());
                    }
                };
                drop(answer);
                self.answers.truncate(slot);
                self.answers.push(AnswerEntry {
                    question_id: q.id,
                    answer: normalized,
                    hint: None,
                });
                if slot + 1 < self.recovery.len() {
                    self.set_state(State::AnswerRecovery { slot: slot + 1 });
                    return Ok(Vec::new());
                }
                let payload = StepPayload {
                    answers: Some(self.answers.clone()),
                    ..Default::default()
                };
                let effects = self.submit(Step::Answers, &payload, rng, State::VerifyingAnswers);
                if effects.is_err() {
                    self.answers.truncate(slot);
                }
                let effects = effects?;
                self.answers.clear();
                Ok(effects)
            }
            (State::AnswerRecovery { slot }, Event::Back) if slot > 0 => {
                self.answers.truncate(slot - 1);
                self.set_state(State::AnswerRecovery { slot: slot - 1 });
                Ok(Vec::new())
            }

            // ---- recovery code: set-up (SET_RECOVERY_CODE, after the PIN) ----
            (State::ShowRecoveryCode, Event::Acknowledged) => {
                self.set_state(State::ConfirmRecoveryCode);
                Ok(Vec::new())
            }
            (State::ShowRecoveryCode, Event::Back) if self.kind == Kind::Initialize => {
                // Nothing was sent: the code is dropped (a new one is made after the review).
                self.new_code = None;
                self.confirm_groups.clear();
                self.set_state(State::Review);
                Ok(Vec::new())
            }
            (State::ConfirmRecoveryCode, Event::Back) => {
                self.set_state(State::ShowRecoveryCode);
                Ok(Vec::new())
            }
            (State::ConfirmRecoveryCode, Event::RecoveryCodeEntered(typed)) => {
                let Some(made) = self.new_code.as_ref() else {
                    return Err(unexpected());
                };
                let want: String = self
                    .confirm_groups
                    .iter()
                    .filter_map(|&g| made.code.group(g))
                    .collect();
                let want = Secret::new(want);
                let got = Secret::new(normalize_typed_groups(typed.expose()));
                drop(typed);
                if !want.ct_eq(&got) {
                    self.error = Some(InputError::RecoveryCodeConfirmation);
                    return Ok(Vec::new());
                }
                let mut payload = StepPayload {
                    recovery_public_key: Some(made.public_key.clone()),
                    recovery_wrapped_key: Some(made.wrapped_key.clone()),
                    recovery_signature: Some(made.signature.clone()),
                    ..Default::default()
                };
                if self.kind == Kind::Initialize {
                    // Everything INITIALIZE sends, plus the code's key: stored all together.
                    payload.new_pin = self.new_pin.clone();
                    payload.answers = Some(self.answers.clone());
                    payload.acknowledged = Some(true);
                }
                let effects = self.submit(Step::Complete, &payload, rng, State::Submitting)?;
                if self.kind == Kind::Initialize {
                    self.clear_secrets();
                }
                Ok(effects)
            }

            // ---- recovery code: recovering (RESTORE_PIN with method RECOVERY_CODE) ----
            (State::EnterRecoveryCode, Event::RecoveryCodeEntered(typed)) => {
                let Some(b) = self.recovery_binding.clone() else {
                    return Err(unexpected());
                };
                let Some(wrapped) = b.wrapped_key.as_deref() else {
                    return Err(unexpected());
                };
                let ctx = ProofContext {
                    challenge_id: &self.challenge_id,
                    method: &b.method,
                    user_id: &b.user_id,
                    version: b.version,
                    nonce: &b.nonce,
                };
                // Parsed, opened and signed here: a typo or a wrong code never reaches the
                // server and costs no attempt.
                let signature = match rc::prove_with_code(typed.expose(), wrapped, &ctx, rng) {
                    Ok(sig) => sig,
                    Err(RecoveryError::MalformedCode(r)) => {
                        self.error = Some(InputError::RecoveryCode(r));
                        return Ok(Vec::new());
                    }
                    Err(RecoveryError::WrongCode) => {
                        self.error = Some(InputError::WrongRecoveryCode);
                        return Ok(Vec::new());
                    }
                    Err(e) => {
                        self.finish(State::Failed { error: e.code() });
                        return Ok(Vec::new());
                    }
                };
                drop(typed);
                let payload = StepPayload {
                    recovery_signature: Some(signature),
                    ..Default::default()
                };
                self.submit(
                    Step::RecoveryProof,
                    &payload,
                    rng,
                    State::VerifyingRecoveryCode,
                )
            }

            // ---- cloud backup: set-up (SET_CLOUD_BACKUP, after the PIN) ----
            (State::VerifyingCurrentPin, Event::StepAccepted(result))
                if self.kind == Kind::SetCloudBackup =>
            {
                self.accept(&result)?;
                if let Err(e) = self.make_cloud_backup(rng) {
                    self.finish(State::Failed { error: e.code() });
                    return Ok(Vec::new());
                }
                let Some(made) = self.new_backup.as_ref() else {
                    return Err(unexpected());
                };
                let payload = StepPayload {
                    recovery_public_key: Some(made.public_key.clone()),
                    recovery_wrapped_key: Some(made.wrapped_key.clone()),
                    recovery_signature: Some(made.signature.clone()),
                    ..Default::default()
                };
                self.submit(
                    Step::RegisterCloudBackup,
                    &payload,
                    rng,
                    State::RegisteringBackup,
                )
            }
            (State::RegisteringBackup, Event::StepAccepted(result)) => {
                self.accept(&result)?;
                Ok(self.cloud_effect(CloudRetry::Write))
            }
            (State::WritingBackup, Event::CloudWritten) => Ok(self.cloud_effect(CloudRetry::Check)),
            (State::CheckingBackup, Event::CloudRead(found)) => {
                let (Some(made), Some(version)) = (
                    self.new_backup.as_ref(),
                    self.recovery_binding.as_ref().map(|b| b.version),
                ) else {
                    return Err(unexpected());
                };
                let same = found.as_ref().is_some_and(|b| {
                    latchkey_protocol::secret::ct_eq(b.expose(), made.entry().as_slice())
                });
                drop(found);
                if !same {
                    // Not acknowledged: the previous backup stays the active one.
                    self.set_state(State::CloudFailed {
                        error: ErrorCode::CloudBackupReadBackMismatch,
                        reason: String::new(),
                        retry: CloudRetry::Write,
                    });
                    return Ok(Vec::new());
                }
                let payload = StepPayload {
                    cloud_backup_version: Some(version),
                    ..Default::default()
                };
                let effects = self.submit(Step::Complete, &payload, rng, State::Submitting)?;
                self.ack_sent = true;
                Ok(effects)
            }
            (State::Submitting, Event::StepAccepted(result))
                if self.kind == Kind::SetCloudBackup =>
            {
                self.accept(&result)?;
                if result.status != ChallengeStatus::Complete {
                    self.finish(State::Failed {
                        error: ErrorCode::InvalidChallenge,
                    });
                    return Ok(Vec::new());
                }
                self.result = result.result;
                // Acknowledged: the new version is active; only now may older entries go.
                let names = self.old_backup_names();
                self.new_backup = None;
                if names.is_empty() {
                    self.finish(State::Done);
                    return Ok(Vec::new());
                }
                self.set_state(State::DeletingOldBackup);
                Ok(vec![Effect::CloudDelete { names }])
            }
            (State::DeletingOldBackup, Event::CloudDeleted | Event::CloudFailed(_)) => {
                // A failed clean-up leaves an unused entry behind; the next set-up deletes it.
                self.finish(State::Done);
                Ok(Vec::new())
            }
            (
                state @ (State::WritingBackup | State::CheckingBackup | State::ReadingBackup),
                Event::CloudFailed(e),
            ) => {
                let retry = match state {
                    State::WritingBackup => CloudRetry::Write,
                    State::CheckingBackup => CloudRetry::Check,
                    _ => CloudRetry::Restore,
                };
                self.set_state(State::CloudFailed {
                    error: ErrorCode::CloudStorageFailed,
                    reason: e.reason,
                    retry,
                });
                Ok(Vec::new())
            }
            (State::CloudFailed { retry, .. }, Event::Retry) => Ok(self.cloud_effect(retry)),

            // ---- cloud backup: recovering (RESTORE_PIN with method CLOUD_BACKUP) ----
            (State::StartCloudRestore, Event::Acknowledged)
            | (State::NoCloudBackup, Event::Retry) => Ok(self.cloud_effect(CloudRetry::Restore)),
            (State::ReadingBackup, Event::CloudRead(None)) => {
                self.set_state(State::NoCloudBackup);
                Ok(Vec::new())
            }
            (State::ReadingBackup, Event::CloudRead(Some(entry))) => {
                let Some(b) = self.recovery_binding.clone() else {
                    return Err(unexpected());
                };
                let Some(wrapped) = b.wrapped_key.as_deref() else {
                    return Err(unexpected());
                };
                let ctx = ProofContext {
                    challenge_id: &self.challenge_id,
                    method: &b.method,
                    user_id: &b.user_id,
                    version: b.version,
                    nonce: &b.nonce,
                };
                // Opened and signed here: an entry that does not open the key never reaches
                // the server and costs no attempt.
                let signature = match prove_with_backup(entry.expose(), wrapped, &ctx, rng) {
                    Ok(sig) => sig,
                    Err(RecoveryError::MalformedKey | RecoveryError::WrongCode) => {
                        self.finish(State::Failed {
                            error: ErrorCode::CloudBackupWrongKey,
                        });
                        return Ok(Vec::new());
                    }
                    Err(e) => {
                        self.finish(State::Failed { error: e.code() });
                        return Ok(Vec::new());
                    }
                };
                drop(entry);
                let payload = StepPayload {
                    recovery_signature: Some(signature),
                    ..Default::default()
                };
                self.submit(
                    Step::RecoveryProof,
                    &payload,
                    rng,
                    State::VerifyingRecoveryCode,
                )
            }

            // ---- server replies ----
            (state, Event::StepAccepted(result)) if state.is_working() => {
                let expected = self.pending.as_ref().map(|p| &p.step);
                if result.challenge_id != self.challenge_id || Some(&result.step) != expected {
                    return Err(FlowError::UnexpectedReply);
                }
                self.pending = None;
                let next = match (state, self.kind) {
                    (State::VerifyingCurrentPin, Kind::SetSecurityQuestions) => {
                        State::ChooseQuestion { slot: 0 }
                    }
                    (State::VerifyingCurrentPin, Kind::SetRecoveryCode) => {
                        match self.make_recovery_code(rng) {
                            Ok(()) => State::ShowRecoveryCode,
                            Err(e) => State::Failed { error: e.code() },
                        }
                    }
                    (State::VerifyingCurrentPin, _)
                    | (State::VerifyingAnswers, _)
                    | (State::VerifyingRecoveryCode, _) => State::EnterNewPin,
                    _ if result.status == ChallengeStatus::Complete => {
                        self.result = result.result;
                        State::Done
                    }
                    _ => State::Failed {
                        error: ErrorCode::InvalidChallenge,
                    },
                };
                if next.is_terminal() {
                    self.finish(next);
                } else {
                    self.set_state(next);
                }
                Ok(Vec::new())
            }
            (
                state,
                Event::ServerRejected {
                    code,
                    attempts_left,
                    locked_expiry,
                },
            ) if state.is_working() => {
                let guessing_pin = state == State::VerifyingCurrentPin
                    || (state == State::Submitting && self.kind.completes_with_pin());
                let guessing_answers = state == State::VerifyingAnswers;
                let guessing_code = state == State::VerifyingRecoveryCode;
                match code {
                    ErrorCode::IncorrectPin if guessing_pin => {
                        self.pending = None;
                        self.pin_attempts_left = attempts_left
                            .unwrap_or_else(|| self.pin_attempts_left.saturating_sub(1));
                        self.set_state(State::EnterCurrentPin);
                        self.error = Some(InputError::IncorrectPin);
                    }
                    ErrorCode::IncorrectAnswers if guessing_answers => {
                        self.pending = None;
                        self.answer_attempts_left = attempts_left
                            .unwrap_or_else(|| self.answer_attempts_left.saturating_sub(1));
                        self.answers.clear();
                        self.set_state(State::AnswerRecovery { slot: 0 });
                        self.error = Some(InputError::IncorrectAnswers);
                    }
                    ErrorCode::IncorrectRecoveryCode if guessing_code => {
                        self.pending = None;
                        self.answer_attempts_left = attempts_left
                            .unwrap_or_else(|| self.answer_attempts_left.saturating_sub(1));
                        self.set_state(if self.by_backup() {
                            State::StartCloudRestore
                        } else {
                            State::EnterRecoveryCode
                        });
                        self.error = Some(InputError::IncorrectRecoveryCode);
                    }
                    ErrorCode::RecoveryLocked if guessing_code => self.lock(code, locked_expiry),
                    ErrorCode::PinLocked if guessing_pin => self.lock(code, locked_expiry),
                    ErrorCode::SecurityQuestionsLocked if guessing_answers => {
                        self.lock(code, locked_expiry)
                    }
                    ErrorCode::PinRecoveryRequired if guessing_pin => self.lock(code, None),
                    ErrorCode::AnswersDisabled if guessing_answers => self.lock(code, None),
                    _ => match self.fix_screen(&state, code) {
                        Some(screen) => {
                            self.pending = None;
                            self.clear_secrets();
                            self.chosen.clear();
                            self.set_state(screen);
                            self.error = Some(InputError::RefusedByServer(code));
                        }
                        None => self.finish(State::Failed { error: code }),
                    },
                }
                Ok(Vec::new())
            }
            (state, Event::TransportFailed(code)) if state.is_working() => {
                self.set_state(State::Interrupted { error: code });
                Ok(Vec::new())
            }
            (
                state,
                Event::StepAccepted(_) | Event::ServerRejected { .. } | Event::TransportFailed(_),
            ) if !state.is_working() => Err(FlowError::UnexpectedReply),

            (_, Event::Back) => Err(FlowError::CannotGoBack),
            (_, _) => Err(unexpected()),
        }
    }

    // ---- helpers ----

    /// Seals `payload` for `step`, records it as pending and moves to `next`. On failure nothing
    /// changes.
    fn submit(
        &mut self,
        step: Step,
        payload: &StepPayload,
        rng: &dyn SecureRandom,
        next: State,
    ) -> Result<Vec<Effect>, FlowError> {
        let ctx = EnvelopeContext {
            challenge_id: &self.challenge_id,
            challenge_type: &self.challenge_type,
            step: &step,
        };
        let envelope = seal_json(&self.key, &ctx, payload, rng)?;
        let sub = StepSubmission { step, envelope };
        self.pending = Some(sub.clone());
        self.set_state(next);
        Ok(vec![Effect::SubmitStep(sub)])
    }

    /// Where the user can fix an input the server refused under its own rules (which may be
    /// stricter than this SDK's) while in `state`; `None`: the refusal ends the flow.
    ///
    /// Everything entered after that screen is asked again (the flow dropped its copies when
    /// it sealed them): INITIALIZE starts over at the new PIN, SET_SECURITY_QUESTIONS at the
    /// first question.
    fn fix_screen(&self, state: &State, code: ErrorCode) -> Option<State> {
        let pin = code == ErrorCode::InsecurePin;
        let answers = matches!(
            code,
            ErrorCode::InvalidAnswer
                | ErrorCode::HintEqualsAnswer
                | ErrorCode::InvalidQuestionSelection
        );
        match (state, self.kind) {
            (State::VerifyingCurrentPin, _) if pin => Some(State::EnterCurrentPin),
            (State::VerifyingAnswers, _) if answers && code != ErrorCode::HintEqualsAnswer => {
                Some(State::AnswerRecovery { slot: 0 })
            }
            (State::Submitting, k) if pin && k.completes_with_pin() => Some(State::EnterCurrentPin),
            (State::Submitting, Kind::SetPin | Kind::ChangePin | Kind::RestorePin) if pin => {
                Some(State::EnterNewPin)
            }
            (State::Submitting, Kind::Initialize) if pin || answers => Some(State::EnterNewPin),
            (State::Submitting, Kind::SetSecurityQuestions) if answers => {
                Some(State::ChooseQuestion { slot: 0 })
            }
            _ => None,
        }
    }

    fn lock(&mut self, code: ErrorCode, until: Option<String>) {
        let until_unix = until.as_deref().and_then(parse_rfc3339);
        let recovery_required = matches!(
            code,
            ErrorCode::PinRecoveryRequired | ErrorCode::AnswersDisabled
        );
        self.finish(State::Locked {
            code,
            until,
            until_unix,
            recovery_required,
        });
    }

    /// Enters a terminal state, dropping everything held.
    fn finish(&mut self, state: State) {
        self.clear_secrets();
        self.pending = None;
        if state == State::Done {
            self.progress.step = self.progress.of;
        }
        self.state = state;
        self.error = None;
    }

    fn clear_secrets(&mut self) {
        self.new_pin = None;
        self.answers.clear();
        self.new_code = None;
        self.new_backup = None;
    }

    /// Whether this INITIALIZE also sets up a recovery code (created with `recoveryCode`: the
    /// descriptor carries a recovery binding).
    fn initialize_with_code(&self) -> bool {
        self.kind == Kind::Initialize && self.recovery_binding.is_some()
    }

    /// Whether this RESTORE_PIN recovers with a code.
    fn by_code(&self) -> bool {
        self.kind == Kind::RestorePin
            && self.recovery_binding.as_ref().map(|r| r.method.as_str())
                == Some(rc::method::RECOVERY_CODE)
    }

    /// Whether this RESTORE_PIN recovers with a cloud backup.
    fn by_backup(&self) -> bool {
        self.kind == Kind::RestorePin
            && self.recovery_binding.as_ref().map(|r| r.method.as_str())
                == Some(rc::method::CLOUD_BACKUP)
    }

    /// Checks that a server reply answers the step in flight; clears it.
    fn accept(&mut self, result: &StepResult) -> Result<(), FlowError> {
        let expected = self.pending.as_ref().map(|p| &p.step);
        if result.challenge_id != self.challenge_id || Some(&result.step) != expected {
            return Err(FlowError::UnexpectedReply);
        }
        self.pending = None;
        Ok(())
    }

    /// SET_CLOUD_BACKUP after the PIN: a fresh backup key, key pair, wrapped key and proof.
    fn make_cloud_backup(&mut self, rng: &dyn SecureRandom) -> Result<(), RecoveryError> {
        let b = self
            .recovery_binding
            .clone()
            .ok_or(RecoveryError::MalformedKey)?;
        let ctx = ProofContext {
            challenge_id: &self.challenge_id,
            method: &b.method,
            user_id: &b.user_id,
            version: b.version,
            nonce: &b.nonce,
        };
        self.new_backup = Some(NewCloudBackup::create(&ctx, rng)?);
        Ok(())
    }

    /// The cloud entry name of the version being set up (once its key exists).
    fn new_backup_name(&self) -> Option<String> {
        self.new_backup.as_ref()?;
        let b = self.recovery_binding.as_ref()?;
        Some(backup_entry_name(&b.user_id, b.version))
    }

    /// After the acknowledgement: the entries of the versions below the new one, from the
    /// previously active one (at most 16 versions back, so leftovers of set-ups that stopped
    /// after their acknowledgement are cleaned up too).
    fn old_backup_names(&self) -> Vec<String> {
        let Some(b) = self.recovery_binding.as_ref() else {
            return Vec::new();
        };
        let floor = b.version.saturating_sub(16).max(1);
        let from = b.previous_version.map_or(floor, |p| p.clamp(1, floor));
        (from..b.version)
            .map(|v| backup_entry_name(&b.user_id, v))
            .collect()
    }

    /// Moves to the cloud call `what` and returns its effect.
    fn cloud_effect(&mut self, what: CloudRetry) -> Vec<Effect> {
        let Some(b) = self.recovery_binding.as_ref() else {
            self.finish(State::Failed {
                error: ErrorCode::InvalidChallenge,
            });
            return Vec::new();
        };
        let name = backup_entry_name(&b.user_id, b.version);
        match what {
            CloudRetry::Write => match self.new_backup.as_ref() {
                Some(made) => {
                    let bytes = CloudBytes::new(made.entry().to_vec());
                    self.set_state(State::WritingBackup);
                    vec![Effect::CloudPut { name, bytes }]
                }
                None => {
                    self.finish(State::Failed {
                        error: ErrorCode::CloudBackupSetupInterrupted,
                    });
                    Vec::new()
                }
            },
            CloudRetry::Check => {
                self.set_state(State::CheckingBackup);
                vec![Effect::CloudGet { name }]
            }
            CloudRetry::Restore => {
                self.set_state(State::ReadingBackup);
                vec![Effect::CloudGet { name }]
            }
        }
    }

    /// SET_RECOVERY_CODE after the PIN: a fresh code, key pair, wrapped key and proof of
    /// possession, and the two groups the confirmation will ask for.
    fn make_recovery_code(&mut self, rng: &dyn SecureRandom) -> Result<(), RecoveryError> {
        let b = self
            .recovery_binding
            .clone()
            .ok_or(RecoveryError::MalformedKey)?;
        let ctx = ProofContext {
            challenge_id: &self.challenge_id,
            method: &b.method,
            user_id: &b.user_id,
            version: b.version,
            nonce: &b.nonce,
        };
        let made = NewRecoveryCode::create(&ctx, rng)?;
        let mut pick = [0u8; 2];
        rng.fill(&mut pick)
            .map_err(|_| RecoveryError::CryptoFailed)?;
        let first = usize::from(pick[0]) % CODE_GROUPS;
        let second = (first + 1 + usize::from(pick[1]) % (CODE_GROUPS - 1)) % CODE_GROUPS;
        let mut groups = vec![first, second];
        groups.sort_unstable();
        self.confirm_groups = groups;
        self.new_code = Some(made);
        Ok(())
    }

    /// Enters a non-terminal state: clears the shown error and updates progress.
    fn set_state(&mut self, state: State) {
        if state.is_terminal() {
            self.finish(state);
            return;
        }
        if let Some(step) = self.step_of(&state) {
            self.progress = Progress {
                step,
                of: self.total_steps(),
            };
        }
        self.state = state;
        self.error = None;
    }

    /// Number of questions the flow asks.
    fn question_count(&self) -> usize {
        match self.kind {
            // The code counts as the one "answer".
            Kind::RestorePin if self.by_code() || self.by_backup() => 1,
            Kind::RestorePin => self.recovery.len(),
            _ => self.question_policy.required_count,
        }
    }

    fn slot(&self, index: usize) -> Slot {
        Slot {
            number: count(index + 1),
            of: count(self.question_count()),
        }
    }

    fn total_steps(&self) -> u32 {
        let n = count(self.question_count());
        match self.kind {
            // With a recovery code: two more steps (show it, retype two groups).
            Kind::Initialize if self.initialize_with_code() => {
                n.saturating_mul(2).saturating_add(5)
            }
            Kind::Initialize => n.saturating_mul(2).saturating_add(3),
            Kind::SetPin | Kind::SignMessage | Kind::SignTypedData | Kind::SignTransaction => 2,
            Kind::CreateWallet => 1,
            Kind::ChangePin => 3,
            Kind::SetSecurityQuestions => n.saturating_mul(2).saturating_add(2),
            Kind::RestorePin => n.saturating_add(2),
            Kind::SetRecoveryCode => 3,
            Kind::SetCloudBackup => 2,
        }
    }

    /// The progress step of a non-terminal state (`None` keeps the current one).
    fn step_of(&self, state: &State) -> Option<u32> {
        let n = count(self.question_count());
        let k = |slot: usize| count(slot);
        // Steps before the question slots start.
        let q_base = match self.kind {
            Kind::Initialize => 3,
            _ => 2,
        };
        Some(match state {
            State::ReviewSignature => 1,
            State::EnterCurrentPin if self.kind.is_signing() => 2,
            State::EnterCurrentPin => 1,
            State::VerifyingCurrentPin => 1,
            State::AnswerRecovery { slot } => k(*slot).saturating_add(1),
            State::VerifyingAnswers => n,
            State::EnterRecoveryCode | State::VerifyingRecoveryCode => 1,
            State::StartCloudRestore | State::ReadingBackup | State::NoCloudBackup => 1,
            State::RegisteringBackup
            | State::WritingBackup
            | State::CheckingBackup
            | State::DeletingOldBackup => 2,
            State::CloudFailed { .. } => return None,
            State::ShowRecoveryCode if self.kind == Kind::Initialize => {
                self.total_steps().saturating_sub(1)
            }
            State::ShowRecoveryCode => 2,
            State::ConfirmRecoveryCode if self.kind == Kind::Initialize => self.total_steps(),
            State::ConfirmRecoveryCode => 3,
            State::Review if self.initialize_with_code() => self.total_steps().saturating_sub(2),
            State::EnterNewPin => match self.kind {
                Kind::ChangePin => 2,
                Kind::RestorePin => n.saturating_add(1),
                _ => 1,
            },
            State::ConfirmNewPin => match self.kind {
                Kind::ChangePin => 3,
                Kind::RestorePin => n.saturating_add(2),
                _ => 2,
            },
            State::ChooseQuestion { slot } => q_base + k(*slot).saturating_mul(2),
            State::AnswerQuestion { slot } => q_base + 1 + k(*slot).saturating_mul(2),
            State::Review | State::Submitting => self.total_steps(),
            State::Interrupted { .. }
            | State::Done
            | State::Failed { .. }
            | State::Locked { .. }
            | State::Cancelled => return None,
        })
    }

    /// A screen for a state whose held data went missing; cannot happen, but never panic.
    fn broken(&self) -> Screen {
        Screen::Failed {
            progress: self.progress,
            error: ErrorCode::InvalidChallenge,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `STATE_NAMES` lists exactly the names `State::name` gives (the match there is
    /// exhaustive, so a new variant must be added here and to `STATE_NAMES`).
    #[test]
    fn state_names_list_matches_state_name() {
        let e = ErrorCode::NetworkError;
        let all = [
            State::ReviewSignature,
            State::EnterCurrentPin,
            State::VerifyingCurrentPin,
            State::AnswerRecovery { slot: 0 },
            State::VerifyingAnswers,
            State::ShowRecoveryCode,
            State::ConfirmRecoveryCode,
            State::EnterRecoveryCode,
            State::VerifyingRecoveryCode,
            State::RegisteringBackup,
            State::WritingBackup,
            State::CheckingBackup,
            State::DeletingOldBackup,
            State::CloudFailed {
                error: e,
                reason: String::new(),
                retry: CloudRetry::Write,
            },
            State::StartCloudRestore,
            State::ReadingBackup,
            State::NoCloudBackup,
            State::EnterNewPin,
            State::ConfirmNewPin,
            State::ChooseQuestion { slot: 0 },
            State::AnswerQuestion { slot: 0 },
            State::Review,
            State::Submitting,
            State::Interrupted { error: e },
            State::Done,
            State::Failed { error: e },
            State::Locked {
                code: e,
                until: None,
                until_unix: None,
                recovery_required: false,
            },
            State::Cancelled,
        ];
        let names: Vec<&str> = all.iter().map(State::name).collect();
        assert_eq!(names, STATE_NAMES);
    }
}
