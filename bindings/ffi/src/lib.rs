#![deny(missing_docs)]
//! `latchkey-ffi`: the Latchkey SDK's foreign-function layer.
//!
//! The public surface is declared in `udl/latchkey.udl` (read it as the SDK reference) and
//! generated into Swift, Kotlin, Python and React Native bindings by uniffi. This crate is a
//! thin adapter over [`latchkey_core`]: it converts types at the boundary and runs every async
//! call on a tokio runtime the SDK owns. It has no logic of its own.
//!
//! * Async methods spawn the core future on the SDK runtime and await its `JoinHandle`, which is
//!   executor-agnostic: uniffi's future driver polls it from Kotlin coroutines, Swift tasks,
//!   asyncio or JS promises. A panic inside a task becomes [`LatchkeyError::Internal`]; uniffi
//!   catches panics on the synchronous paths, so no panic crosses the boundary.
//! * PINs and answers arrive as [`SecretString`]; the lifted `String` is moved (not copied) into
//!   a zeroizing [`Secret`], which the core seals and drops. Tokens, keys and API keys are held
//!   in `Zeroizing` buffers only for as long as the call needs them.

use latchkey_core as lk;
use latchkey_protocol::Secret;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::runtime::Runtime;
use zeroize::Zeroizing;

uniffi::include_scaffolding!("latchkey");

// ---- namespace functions ----------------------------------------------------------------------

/// The SDK version (this crate's version).
pub fn sdk_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// The warning a user acknowledges before security questions are saved.
pub fn acknowledgement_text() -> String {
    lk::ACKNOWLEDGEMENT_TEXT.to_owned()
}

/// Does nothing; measures the cost of one FFI call.
pub fn noop() {}

// ---- the SDK runtime --------------------------------------------------------------------------

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The SDK-owned tokio runtime, built on first use by a constructor (which can report failure).
fn runtime() -> Result<&'static Runtime, LatchkeyError> {
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("latchkey-sdk")
        .enable_all()
        .build()
        .map_err(|e| LatchkeyError::internal(format!("the SDK runtime did not start: {e}")))?;
    // Another thread may have won the race; its runtime is used and ours is dropped.
    Ok(RUNTIME.get_or_init(|| rt))
}

/// Runs `fut` on the SDK runtime and awaits it from whatever executor polls the result.
async fn on_runtime<T, F>(rt: &'static Runtime, fut: F) -> Result<T, LatchkeyError>
where
    T: Send + 'static,
    F: Future<Output = Result<T, LatchkeyError>> + Send + 'static,
{
    match rt.spawn(fut).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => Err(LatchkeyError::internal("the SDK panicked in a task")),
        Err(_) => Err(LatchkeyError::internal("the SDK task was cancelled")),
    }
}

// ---- configuration ----------------------------------------------------------------------------

/// Client configuration (UDL `ClientConfig`; see the UDL for defaults).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// Server base URL.
    pub base_url: String,
    /// Whole-request timeout, ms.
    pub request_timeout_ms: u32,
    /// Connect timeout, ms.
    pub connect_timeout_ms: u32,
    /// Automatic retries.
    pub max_retries: u32,
    /// First retry delay, ms.
    pub initial_backoff_ms: u32,
    /// Longest retry/poll delay, ms.
    pub max_backoff_ms: u32,
    /// First poll delay, ms.
    pub poll_interval_ms: u32,
    /// `User-Agent`; `None` means `latchkey-ffi/<version>`.
    pub user_agent: Option<String>,
}

impl ClientConfig {
    fn to_core(&self) -> lk::ClientConfig {
        let ms = |v: u32| Duration::from_millis(u64::from(v));
        lk::ClientConfig {
            base_url: self.base_url.clone(),
            request_timeout: ms(self.request_timeout_ms),
            connect_timeout: ms(self.connect_timeout_ms),
            user_agent: self
                .user_agent
                .clone()
                .unwrap_or_else(|| concat!("latchkey-ffi/", env!("CARGO_PKG_VERSION")).into()),
            max_retries: self.max_retries,
            initial_backoff: ms(self.initial_backoff_ms),
            max_backoff: ms(self.max_backoff_ms),
            poll_interval: ms(self.poll_interval_ms),
        }
    }
}

// ---- Client / Session -------------------------------------------------------------------------

/// A connection to one server (UDL `Client`).
pub struct Client {
    inner: lk::Client,
    config: ClientConfig,
    rt: &'static Runtime,
}

impl Client {
    /// Builds the client (starts the SDK runtime on first use).
    pub fn new(config: ClientConfig) -> Result<Self, LatchkeyError> {
        let rt = runtime()?;
        let inner = lk::Client::new(config.to_core())?;
        Ok(Client { inner, config, rt })
    }

    /// The configuration.
    pub fn config(&self) -> ClientConfig {
        self.config.clone()
    }

    /// A session; the key is checked at once.
    pub fn session(
        &self,
        user_token: String,
        encryption_key: String,
    ) -> Result<Arc<Session>, LatchkeyError> {
        let token = Zeroizing::new(user_token);
        let key = Zeroizing::new(encryption_key);
        let inner = self.inner.session(&token, &key)?;
        Ok(Arc::new(Session { inner, rt: self.rt }))
    }
}

/// A user's session (UDL `Session`).
pub struct Session {
    inner: lk::Session,
    rt: &'static Runtime,
}

impl Session {
    /// Fetches a challenge's descriptor and starts the run.
    pub async fn run_challenge(
        &self,
        challenge_id: String,
    ) -> Result<Arc<ChallengeRun>, LatchkeyError> {
        let s = self.inner.clone();
        let rt = self.rt;
        on_runtime(rt, async move {
            let run = s.run_challenge(&challenge_id).await?;
            Ok(Arc::new(ChallengeRun {
                inner: Arc::new(run),
                rt,
            }))
        })
        .await
    }

    /// A challenge's current status.
    pub async fn challenge(&self, challenge_id: String) -> Result<Challenge, LatchkeyError> {
        let s = self.inner.clone();
        on_runtime(self.rt, async move {
            Ok(s.challenge(&challenge_id).await?.into())
        })
        .await
    }

    /// The user's PENDING challenges.
    pub async fn pending_challenges(&self) -> Result<Vec<Challenge>, LatchkeyError> {
        let s = self.inner.clone();
        on_runtime(self.rt, async move {
            Ok(s.pending_challenges()
                .await?
                .into_iter()
                .map(Challenge::from)
                .collect())
        })
        .await
    }

    /// All of the user's challenges.
    pub async fn challenges(&self) -> Result<Vec<Challenge>, LatchkeyError> {
        let s = self.inner.clone();
        on_runtime(self.rt, async move {
            Ok(s.challenges()
                .await?
                .into_iter()
                .map(Challenge::from)
                .collect())
        })
        .await
    }
}

// ---- ChallengeRun -----------------------------------------------------------------------------

/// One challenge being walked through (UDL `ChallengeRun`).
pub struct ChallengeRun {
    inner: Arc<lk::ChallengeRun>,
    rt: &'static Runtime,
}

impl ChallengeRun {
    /// The challenge id.
    pub fn challenge_id(&self) -> String {
        self.inner.challenge_id()
    }

    /// The challenge type.
    pub fn challenge_type(&self) -> ChallengeType {
        self.inner.challenge_type().into()
    }

    /// What to draw now.
    pub fn screen(&self) -> Screen {
        self.inner.screen().into()
    }

    /// Pushes the current screen, then every new one, to `listener` until the handle is
    /// cancelled or dropped, the run ends (after its terminal screen) or the run is dropped.
    pub fn subscribe(&self, listener: Box<dyn ScreenListener>) -> Arc<ListenerHandle> {
        let listener: Arc<dyn ScreenListener> = Arc::from(listener);
        let mut rx = self.inner.subscribe();
        let active = Arc::new(AtomicBool::new(true));
        let still_active = active.clone();
        let task = self.rt.spawn(async move {
            let mut first = true;
            loop {
                if !first && rx.changed().await.is_err() {
                    break; // the run was released
                }
                first = false;
                let screen = rx.borrow_and_update().clone();
                let terminal = screen.is_terminal();
                let l = listener.clone();
                let s = Screen::from(screen);
                // Foreign code runs on the blocking pool, one call at a time, in order, so a
                // slow listener never stalls the SDK's request threads.
                if tokio::task::spawn_blocking(move || l.on_screen(s))
                    .await
                    .is_err()
                {
                    break; // the listener panicked (Rust side) or the runtime is shutting down
                }
                if terminal {
                    break;
                }
            }
            still_active.store(false, Ordering::SeqCst);
        });
        Arc::new(ListenerHandle {
            abort: Mutex::new(Some(task.abort_handle())),
            active,
        })
    }

    /// Gives the current screen an input.
    pub async fn submit(&self, input: Input) -> Result<Screen, LatchkeyError> {
        let run = self.inner.clone();
        let input = input.into_core();
        on_runtime(self.rt, async move { Ok(run.submit(input).await?.into()) }).await
    }

    /// Goes back one screen.
    pub async fn back(&self) -> Result<Screen, LatchkeyError> {
        let run = self.inner.clone();
        on_runtime(self.rt, async move { Ok(run.back().await?.into()) }).await
    }

    /// Resends the interrupted step.
    pub async fn retry(&self) -> Result<Screen, LatchkeyError> {
        let run = self.inner.clone();
        on_runtime(self.rt, async move { Ok(run.retry().await?.into()) }).await
    }

    /// Cancels the run.
    pub async fn cancel(&self) -> Result<Screen, LatchkeyError> {
        let run = self.inner.clone();
        on_runtime(self.rt, async move { Ok(run.cancel().await?.into()) }).await
    }

    /// Polls until the challenge reaches a final status or `timeout_ms` passes.
    pub async fn wait_for_result(&self, timeout_ms: u32) -> Result<Challenge, LatchkeyError> {
        let run = self.inner.clone();
        on_runtime(self.rt, async move {
            let t = Duration::from_millis(u64::from(timeout_ms));
            Ok(run.wait_for_result(t).await?.into())
        })
        .await
    }
}

/// Receives screens (UDL callback interface `ScreenListener`).
pub trait ScreenListener: Send + Sync {
    /// A new screen.
    fn on_screen(&self, screen: Screen);
}

/// Keeps a listener registered (UDL `ListenerHandle`); dropping it stops the pushes.
pub struct ListenerHandle {
    abort: Mutex<Option<tokio::task::AbortHandle>>,
    active: Arc<AtomicBool>,
}

impl ListenerHandle {
    /// Stops the pushes. Idempotent.
    pub fn cancel(&self) {
        self.active.store(false, Ordering::SeqCst);
        let handle = match self.abort.lock() {
            Ok(mut g) => g.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(h) = handle {
            h.abort();
        }
    }

    /// Whether the listener is still registered.
    pub fn is_active(&self) -> bool {
        self.active.load(Ordering::SeqCst)
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

// ---- screens and inputs -----------------------------------------------------------------------

/// Which PIN a PIN screen asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PinPurpose {
    /// The current PIN.
    Current,
    /// A new PIN.
    New,
    /// The new PIN again.
    Confirm,
}

impl From<lk::PinPurpose> for PinPurpose {
    fn from(p: lk::PinPurpose) -> Self {
        match p {
            lk::PinPurpose::Current => PinPurpose::Current,
            lk::PinPurpose::New => PinPurpose::New,
            lk::PinPurpose::Confirm => PinPurpose::Confirm,
        }
    }
}

/// Step `step` of `of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The current step, from 1.
    pub step: u32,
    /// The number of steps.
    pub of: u32,
}

impl From<lk::Progress> for Progress {
    fn from(p: lk::Progress) -> Self {
        Progress {
            step: p.step,
            of: p.of,
        }
    }
}

/// Question slot `number` of `of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The slot, from 1.
    pub number: u32,
    /// The number of slots.
    pub of: u32,
}

impl From<lk::Slot> for Slot {
    fn from(s: lk::Slot) -> Self {
        Slot {
            number: s.number,
            of: s.of,
        }
    }
}

/// The kind of answer a question expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionKind {
    /// Free text.
    Text,
    /// `YYYY-MM-DD`.
    Date,
    /// Unknown to this build.
    Unknown,
}

/// A security question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// Stable id.
    pub id: String,
    /// Text to show.
    pub text: String,
    /// TEXT or DATE.
    pub kind: QuestionKind,
}

impl From<lk::Question> for Question {
    fn from(q: lk::Question) -> Self {
        let kind = match q.kind {
            lk::QuestionKind::Text => QuestionKind::Text,
            lk::QuestionKind::Date => QuestionKind::Date,
            _ => QuestionKind::Unknown,
        };
        Question {
            id: q.id,
            text: q.text,
            kind,
        }
    }
}

/// A chosen question on the review screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewEntry {
    /// The question.
    pub question: Question,
    /// The user's hint.
    pub hint: Option<String>,
}

impl From<lk::ReviewEntry> for ReviewEntry {
    fn from(e: lk::ReviewEntry) -> Self {
        ReviewEntry {
            question: e.question.into(),
            hint: e.hint,
        }
    }
}

/// Why an input was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputErrorKind {
    /// 155704.
    InsecurePin,
    /// 155703.
    PinMismatch,
    /// 155806, 155705, 155807.
    InvalidAnswer,
    /// 155112.
    IncorrectPin,
    /// 155115.
    IncorrectAnswers,
    /// Not named by this build.
    Other,
}

/// An input error shown on a screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// The kind.
    pub kind: InputErrorKind,
    /// The 155xxx code.
    pub code: u32,
    /// Secret-free text.
    pub detail: String,
}

impl From<lk::InputError> for InputError {
    fn from(e: lk::InputError) -> Self {
        let kind = match &e {
            lk::InputError::InsecurePin(_) => InputErrorKind::InsecurePin,
            lk::InputError::PinMismatch => InputErrorKind::PinMismatch,
            lk::InputError::Answer(_) => InputErrorKind::InvalidAnswer,
            lk::InputError::IncorrectPin => InputErrorKind::IncorrectPin,
            lk::InputError::IncorrectAnswers => InputErrorKind::IncorrectAnswers,
            _ => InputErrorKind::Other,
        };
        InputError {
            kind,
            code: e.code().code(),
            detail: e.to_string(),
        }
    }
}

/// What the app shows now (UDL `Screen`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Ask for a PIN.
    EnterPin {
        /// Which PIN.
        purpose: PinPurpose,
        /// Where in the flow.
        progress: Progress,
        /// Why the last input was refused.
        error: Option<InputError>,
        /// Wrong PINs still allowed.
        attempts_left: Option<u32>,
    },
    /// Pick a question.
    ChooseQuestion {
        /// Where in the flow.
        progress: Progress,
        /// Which slot.
        slot: Slot,
        /// Questions to pick from.
        options: Vec<Question>,
        /// Why the last choice was refused.
        error: Option<InputError>,
    },
    /// Answer a question.
    AnswerQuestion {
        /// Where in the flow.
        progress: Progress,
        /// Which slot.
        slot: Slot,
        /// The question.
        question: Question,
        /// Whether a hint may be given.
        hint_allowed: bool,
        /// The saved hint (recovery).
        saved_hint: Option<String>,
        /// Why the last answer was refused.
        error: Option<InputError>,
        /// Wrong answer sets still allowed.
        attempts_left: Option<u32>,
    },
    /// Review the chosen questions.
    Review {
        /// Where in the flow.
        progress: Progress,
        /// The chosen questions.
        entries: Vec<ReviewEntry>,
        /// The warning to acknowledge.
        acknowledgement: String,
    },
    /// Authorise a message.
    AuthorizeMessage {
        /// Where in the flow.
        progress: Progress,
        /// The message.
        message: String,
    },
    /// A request is in flight.
    Working {
        /// Where in the flow.
        progress: Progress,
        /// The step being sent.
        step: String,
    },
    /// The request could not be delivered.
    Interrupted {
        /// Where in the flow.
        progress: Progress,
        /// The 155xxx code.
        code: u32,
        /// Secret-free text.
        detail: String,
    },
    /// Completed.
    Done {
        /// Where in the flow.
        progress: Progress,
    },
    /// Failed.
    Failed {
        /// Where in the flow.
        progress: Progress,
        /// The 155xxx code.
        code: u32,
        /// Secret-free text.
        detail: String,
    },
    /// Locked.
    Locked {
        /// Where in the flow.
        progress: Progress,
        /// 155119 or 155120.
        code: u32,
        /// Lock end, RFC 3339.
        lock_expiry: Option<String>,
        /// Lock end, unix seconds.
        lock_expiry_unix: Option<i64>,
    },
    /// Cancelled.
    Cancelled {
        /// Where in the flow.
        progress: Progress,
    },
}

impl From<lk::Screen> for Screen {
    fn from(s: lk::Screen) -> Self {
        match s {
            lk::Screen::EnterPin {
                purpose,
                progress,
                error,
                attempts_left,
            } => Screen::EnterPin {
                purpose: purpose.into(),
                progress: progress.into(),
                error: error.map(InputError::from),
                attempts_left,
            },
            lk::Screen::ChooseQuestion {
                progress,
                slot,
                options,
                error,
            } => Screen::ChooseQuestion {
                progress: progress.into(),
                slot: slot.into(),
                options: options.into_iter().map(Question::from).collect(),
                error: error.map(InputError::from),
            },
            lk::Screen::AnswerQuestion {
                progress,
                slot,
                question,
                hint_allowed,
                saved_hint,
                error,
                attempts_left,
            } => Screen::AnswerQuestion {
                progress: progress.into(),
                slot: slot.into(),
                question: question.into(),
                hint_allowed,
                saved_hint,
                error: error.map(InputError::from),
                attempts_left,
            },
            lk::Screen::Review {
                progress,
                entries,
                acknowledgement,
            } => Screen::Review {
                progress: progress.into(),
                entries: entries.into_iter().map(ReviewEntry::from).collect(),
                acknowledgement: acknowledgement.to_owned(),
            },
            lk::Screen::AuthorizeMessage { progress, message } => Screen::AuthorizeMessage {
                progress: progress.into(),
                message,
            },
            lk::Screen::Working { progress, step } => Screen::Working {
                progress: progress.into(),
                step: step.as_str().to_owned(),
            },
            lk::Screen::Interrupted { progress, error } => Screen::Interrupted {
                progress: progress.into(),
                code: error.code(),
                detail: error.description().to_owned(),
            },
            lk::Screen::Done { progress } => Screen::Done {
                progress: progress.into(),
            },
            lk::Screen::Failed { progress, error } => Screen::Failed {
                progress: progress.into(),
                code: error.code(),
                detail: error.description().to_owned(),
            },
            lk::Screen::Locked {
                progress,
                code,
                until,
                until_unix,
            } => Screen::Locked {
                progress: progress.into(),
                code: code.code(),
                lock_expiry: until,
                lock_expiry_unix: until_unix,
            },
            lk::Screen::Cancelled { progress } => Screen::Cancelled {
                progress: progress.into(),
            },
            other => Screen::Failed {
                progress: other.progress().into(),
                code: lk::ErrorCode::UnsupportedProtocolVersion.code(),
                detail: "this screen is not supported by this SDK build; update the SDK".into(),
            },
        }
    }
}

/// A PIN or answer (UDL custom type `SecretString`, a string on the foreign side). The lifted
/// string is moved into a zeroizing [`Secret`]; `Debug` is redacted by `Secret`.
#[derive(Debug)]
pub struct SecretString(Secret);

uniffi::custom_type!(SecretString, String, {
    // Secrets only ever travel into the SDK; lowering exists because uniffi requires it.
    lower: |s| s.0.expose().to_owned(),
    try_lift: |s| Ok(SecretString(Secret::new(s))),
});

/// What the user did (UDL `Input`).
#[derive(Debug)]
pub enum Input {
    /// A PIN.
    Pin {
        /// The PIN.
        pin: SecretString,
    },
    /// A question, by id.
    ChooseQuestion {
        /// `Question.id`.
        question_id: String,
    },
    /// An answer with an optional hint.
    Answer {
        /// The answer.
        answer: SecretString,
        /// The hint.
        hint: Option<String>,
    },
    /// Acknowledged.
    Acknowledge,
}

impl Input {
    /// Moves the input (and its secret) into the core's type; nothing is copied.
    fn into_core(self) -> lk::Input {
        match self {
            Input::Pin { pin } => lk::Input::Pin(pin.0),
            Input::ChooseQuestion { question_id } => lk::Input::ChooseQuestion(question_id),
            Input::Answer { answer, hint } => lk::Input::Answer {
                answer: answer.0,
                hint,
            },
            Input::Acknowledge => lk::Input::Acknowledge,
        }
    }
}

// ---- challenges -------------------------------------------------------------------------------

/// The kind of a challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeType {
    /// INITIALIZE.
    Initialize,
    /// SET_PIN.
    SetPin,
    /// CHANGE_PIN.
    ChangePin,
    /// SET_SECURITY_QUESTIONS.
    SetSecurityQuestions,
    /// RESTORE_PIN.
    RestorePin,
    /// SIGN_MESSAGE.
    SignMessage,
    /// Unknown to this build.
    Unknown,
}

impl From<lk::ChallengeType> for ChallengeType {
    fn from(t: lk::ChallengeType) -> Self {
        match t {
            lk::ChallengeType::Initialize => ChallengeType::Initialize,
            lk::ChallengeType::SetPin => ChallengeType::SetPin,
            lk::ChallengeType::ChangePin => ChallengeType::ChangePin,
            lk::ChallengeType::SetSecurityQuestions => ChallengeType::SetSecurityQuestions,
            lk::ChallengeType::RestorePin => ChallengeType::RestorePin,
            lk::ChallengeType::SignMessage => ChallengeType::SignMessage,
            _ => ChallengeType::Unknown,
        }
    }
}

impl ChallengeType {
    fn to_core(self) -> Option<lk::ChallengeType> {
        Some(match self {
            ChallengeType::Initialize => lk::ChallengeType::Initialize,
            ChallengeType::SetPin => lk::ChallengeType::SetPin,
            ChallengeType::ChangePin => lk::ChallengeType::ChangePin,
            ChallengeType::SetSecurityQuestions => lk::ChallengeType::SetSecurityQuestions,
            ChallengeType::RestorePin => lk::ChallengeType::RestorePin,
            ChallengeType::SignMessage => lk::ChallengeType::SignMessage,
            ChallengeType::Unknown => return None,
        })
    }
}

/// Status of a challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeStatus {
    /// PENDING.
    Pending,
    /// IN_PROGRESS.
    InProgress,
    /// COMPLETE.
    Complete,
    /// FAILED.
    Failed,
    /// EXPIRED.
    Expired,
    /// Unknown to this build.
    Unknown,
}

impl From<lk::ChallengeStatus> for ChallengeStatus {
    fn from(s: lk::ChallengeStatus) -> Self {
        match s {
            lk::ChallengeStatus::Pending => ChallengeStatus::Pending,
            lk::ChallengeStatus::InProgress => ChallengeStatus::InProgress,
            lk::ChallengeStatus::Complete => ChallengeStatus::Complete,
            lk::ChallengeStatus::Failed => ChallengeStatus::Failed,
            lk::ChallengeStatus::Expired => ChallengeStatus::Expired,
            _ => ChallengeStatus::Unknown,
        }
    }
}

/// A challenge as the server reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// Id.
    pub id: String,
    /// Kind.
    pub challenge_type: ChallengeType,
    /// Status.
    pub status: ChallengeStatus,
    /// Related ids.
    pub correlation_ids: Vec<String>,
    /// 155xxx code when FAILED or EXPIRED.
    pub error_code: Option<u32>,
    /// Error text when FAILED or EXPIRED.
    pub error_message: Option<String>,
}

impl From<lk::Challenge> for Challenge {
    fn from(c: lk::Challenge) -> Self {
        Challenge {
            id: c.id,
            challenge_type: c.challenge_type.into(),
            status: c.status.into(),
            correlation_ids: c.correlation_ids,
            error_code: c.error_code.map(|e| e.code()),
            error_message: c.error_message,
        }
    }
}

// ---- errors -----------------------------------------------------------------------------------

macro_rules! latchkey_error {
    ($( $(#[$doc:meta])* $variant:ident ),* $(,)?) => {
        /// Why a call failed (UDL `LatchkeyError`): every variant carries `code`, `detail`,
        /// `attempts_left` and `lock_expiry`; the variant says what to do.
        #[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
        pub enum LatchkeyError {
            $(
                $(#[$doc])*
                #[error("{detail} [{code}]")]
                $variant {
                    /// The 155xxx code.
                    code: u32,
                    /// Secret-free text.
                    detail: String,
                    /// Wrong guesses still allowed, when known.
                    attempts_left: Option<u32>,
                    /// When a lock ends, RFC 3339.
                    lock_expiry: Option<String>,
                },
            )*
        }

        impl LatchkeyError {
            /// The 155xxx code.
            pub fn code(&self) -> u32 {
                match self { $( LatchkeyError::$variant { code, .. } => *code, )* }
            }
        }
    };
}

latchkey_error! {
    /// Misuse; nothing changed.
    InvalidInput,
    /// Another call is in flight.
    Busy,
    /// Unreachable after retries.
    Network,
    /// `wait_for_result` deadline.
    Timeout,
    /// New session needed.
    SessionExpired,
    /// New challenge needed.
    ChallengeExpired,
    /// Locked.
    Locked,
    /// Bad encryption key.
    InvalidKey,
    /// Update the SDK.
    Unsupported,
    /// Other server error.
    Server,
    /// SDK bug.
    Internal,
}

impl LatchkeyError {
    fn internal(detail: impl Into<String>) -> Self {
        LatchkeyError::Internal {
            code: lk::ErrorCode::InternalError.code(),
            detail: detail.into(),
            attempts_left: None,
            lock_expiry: None,
        }
    }
}

impl From<lk::LatchkeyError> for LatchkeyError {
    fn from(e: lk::LatchkeyError) -> Self {
        let code = e.code().code();
        let attempts_left = e.attempts_left();
        let lock_expiry = e.lock_expiry().map(str::to_owned);
        let detail = match &e {
            lk::LatchkeyError::Server { message, .. } => message.clone(),
            other => other.to_string(),
        };
        macro_rules! v {
            ($variant:ident) => {
                LatchkeyError::$variant {
                    code,
                    detail,
                    attempts_left,
                    lock_expiry,
                }
            };
        }
        match e {
            lk::LatchkeyError::InvalidInput { .. } => v!(InvalidInput),
            lk::LatchkeyError::Busy => v!(Busy),
            lk::LatchkeyError::Network { .. } => v!(Network),
            lk::LatchkeyError::Timeout { .. } => v!(Timeout),
            lk::LatchkeyError::SessionExpired { .. } => v!(SessionExpired),
            lk::LatchkeyError::ChallengeExpired => v!(ChallengeExpired),
            lk::LatchkeyError::Locked { .. } => v!(Locked),
            lk::LatchkeyError::InvalidKey => v!(InvalidKey),
            lk::LatchkeyError::Unsupported { .. } => v!(Unsupported),
            _ => v!(Server),
        }
    }
}

// ---- developer API (server-side use only) -----------------------------------------------------

/// Status of a credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialStatus {
    /// ENABLED.
    Enabled,
    /// UNSET.
    Unset,
    /// LOCKED.
    Locked,
    /// Unknown to this build.
    Unknown,
}

impl From<lk::CredentialStatus> for CredentialStatus {
    fn from(s: lk::CredentialStatus) -> Self {
        match s {
            lk::CredentialStatus::Enabled => CredentialStatus::Enabled,
            lk::CredentialStatus::Unset => CredentialStatus::Unset,
            lk::CredentialStatus::Locked => CredentialStatus::Locked,
            _ => CredentialStatus::Unknown,
        }
    }
}

/// Guess-limit details of a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialDetails {
    /// Consecutive wrong attempts.
    pub failed_attempts: u32,
    /// Lock start, RFC 3339.
    pub locked_date: Option<String>,
    /// Lock end, RFC 3339.
    pub locked_expiry_date: Option<String>,
}

impl From<latchkey_protocol::CredentialDetails> for CredentialDetails {
    fn from(d: latchkey_protocol::CredentialDetails) -> Self {
        CredentialDetails {
            failed_attempts: d.failed_attempts,
            locked_date: d.locked_date,
            locked_expiry_date: d.locked_expiry_date,
        }
    }
}

/// A user (developer API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: String,
    /// Creation time.
    pub create_date: String,
    /// PIN status.
    pub pin_status: CredentialStatus,
    /// PIN details.
    pub pin_details: CredentialDetails,
    /// Question status.
    pub security_question_status: CredentialStatus,
    /// Question details.
    pub security_question_details: CredentialDetails,
}

impl From<lk::User> for User {
    fn from(u: lk::User) -> Self {
        User {
            id: u.id,
            create_date: u.create_date,
            pin_status: u.pin_status.into(),
            pin_details: u.pin_details.into(),
            security_question_status: u.security_question_status.into(),
            security_question_details: u.security_question_details.into(),
        }
    }
}

/// A new session for a user.
#[derive(Clone, PartialEq, Eq)]
pub struct UserToken {
    /// The user token.
    pub user_token: String,
    /// The session encryption key.
    pub encryption_key: String,
}

impl std::fmt::Debug for UserToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserToken { user_token: <redacted>, encryption_key: <redacted> }")
    }
}

/// The developer API (UDL `AdminClient`; server-side use only).
pub struct AdminClient {
    inner: lk::AdminClient,
    rt: &'static Runtime,
}

impl AdminClient {
    /// A developer-API client.
    pub fn new(config: ClientConfig, api_key: String) -> Result<Self, LatchkeyError> {
        let rt = runtime()?;
        let api_key = Zeroizing::new(api_key);
        let inner = lk::AdminClient::new(config.to_core(), &api_key)?;
        Ok(AdminClient { inner, rt })
    }

    /// Creates a user.
    pub async fn create_user(&self, user_id: String) -> Result<User, LatchkeyError> {
        let a = self.inner.clone();
        on_runtime(
            self.rt,
            async move { Ok(a.create_user(&user_id).await?.into()) },
        )
        .await
    }

    /// Reads a user.
    pub async fn get_user(&self, user_id: String) -> Result<User, LatchkeyError> {
        let a = self.inner.clone();
        on_runtime(
            self.rt,
            async move { Ok(a.get_user(&user_id).await?.into()) },
        )
        .await
    }

    /// A new session for a user.
    pub async fn create_user_token(&self, user_id: String) -> Result<UserToken, LatchkeyError> {
        let a = self.inner.clone();
        on_runtime(self.rt, async move {
            let t = a.create_user_token(&user_id).await?;
            Ok(UserToken {
                user_token: t.user_token,
                encryption_key: t.encryption_key,
            })
        })
        .await
    }

    /// Creates a challenge (not SIGN_MESSAGE) and returns its id.
    pub async fn create_challenge(
        &self,
        user_token: String,
        challenge_type: ChallengeType,
        idempotency_key: Option<String>,
    ) -> Result<String, LatchkeyError> {
        let a = self.inner.clone();
        let Some(t) = challenge_type.to_core() else {
            return Err(LatchkeyError::InvalidInput {
                code: lk::ErrorCode::InvalidRequest.code(),
                detail: "an Unknown challenge type cannot be created".into(),
                attempts_left: None,
                lock_expiry: None,
            });
        };
        let token = Zeroizing::new(user_token);
        on_runtime(self.rt, async move {
            let key = idempotency_key.unwrap_or_else(lk::new_idempotency_key);
            Ok(a.create_challenge(&token, t, &key).await?)
        })
        .await
    }

    /// Creates a SIGN_MESSAGE challenge and returns its id.
    pub async fn create_sign_message(
        &self,
        user_token: String,
        message: String,
        idempotency_key: Option<String>,
    ) -> Result<String, LatchkeyError> {
        let a = self.inner.clone();
        let token = Zeroizing::new(user_token);
        on_runtime(self.rt, async move {
            let key = idempotency_key.unwrap_or_else(lk::new_idempotency_key);
            Ok(a.create_sign_message(&token, &message, &key).await?)
        })
        .await
    }
}

impl From<lk::ErrorCode> for LatchkeyError {
    fn from(code: lk::ErrorCode) -> Self {
        lk::LatchkeyError::from_code(code).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_error_keeps_its_code() {
        for c in lk::ErrorCode::ALL {
            let e = LatchkeyError::from(*c);
            assert_eq!(e.code(), c.code(), "{c}");
        }
        let e = LatchkeyError::from(lk::LatchkeyError::InvalidKey);
        assert!(matches!(e, LatchkeyError::InvalidKey { code: 155118, .. }));
    }

    #[test]
    fn bad_key_and_bad_url_are_errors() {
        let cfg = |url: &str| ClientConfig {
            base_url: url.into(),
            request_timeout_ms: 1000,
            connect_timeout_ms: 1000,
            max_retries: 0,
            initial_backoff_ms: 10,
            max_backoff_ms: 10,
            poll_interval_ms: 10,
            user_agent: None,
        };
        assert!(matches!(
            Client::new(cfg("not a url")),
            Err(LatchkeyError::InvalidInput { code: 155801, .. })
        ));
        let c = Client::new(cfg("http://127.0.0.1:9")).expect("client");
        let e = c.session("tok".into(), "short".into()).err();
        assert!(matches!(
            e,
            Some(LatchkeyError::InvalidKey { code: 155118, .. })
        ));
    }

    #[test]
    fn secret_input_moves_into_core() {
        let i = Input::Pin {
            pin: SecretString(Secret::from_str_copy("135790")),
        };
        let dbg = format!("{i:?}");
        assert!(!dbg.contains("135790"), "{dbg}");
        assert!(matches!(i.into_core(), lk::Input::Pin(p) if p.expose() == "135790"));
    }
}
