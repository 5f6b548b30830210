//! [`ChallengeRun`]: one challenge being walked through, driving the sans-IO [`Flow`].

use super::http::{Auth, Outcome};
use super::{outcome, LatchkeyError, Session};
use crate::cloud::{CloudError, CloudStorage};
use crate::flow::{Effect, Event, Flow};
use crate::retry::RequestKind;
use crate::screen::Screen;
use latchkey_protocol::{
    Blockchain, CancelChallengeRequest, CancelReason, Challenge, ChallengeDescriptor,
    ChallengeStatus, ChallengeType, ErrorCode, QuestionKind, QuestionPolicy, Secret, StepResult,
    StepSubmission,
};
use reqwest::Method;
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Mutex, Notify, OwnedMutexGuard};

/// What the user did on the current screen.
#[derive(Debug)]
#[non_exhaustive]
pub enum Input {
    /// A PIN (current, new or confirmation: whichever [`Screen::EnterPin`] asks for).
    Pin(Secret),
    /// A question picked on [`Screen::ChooseQuestion`], by id.
    ChooseQuestion(String),
    /// An answer on [`Screen::AnswerQuestion`]; a hint only where `hint_allowed`.
    Answer {
        /// The raw answer (normalised by the SDK; dates as `YYYY-MM-DD`).
        answer: Secret,
        /// Optional hint (setup only); it must not contain the answer.
        hint: Option<String>,
    },
    /// The warning on [`Screen::Review`] was acknowledged, or the signature request on
    /// [`Screen::ReviewSignature`] was approved.
    Acknowledge,
    /// The signature request on [`Screen::ReviewSignature`] was rejected: the server is told
    /// (`POST .../cancel` with `{"reason":"USER_REJECTED"}`) and the run ends
    /// [`Screen::Failed`] with 155826. Nothing is signed.
    Reject,
    /// A recovery code on [`Screen::EnterRecoveryCode`], or the groups asked for on
    /// [`Screen::ConfirmRecoveryCode`] (separators and case are free).
    RecoveryCode(Secret),
}

impl Input {
    fn into_event(self) -> Event {
        match self {
            Input::Pin(p) => Event::PinEntered(p),
            Input::ChooseQuestion(id) => Event::QuestionChosen(id),
            Input::Answer { answer, hint } => Event::AnswerGiven { answer, hint },
            Input::Acknowledge => Event::Acknowledged,
            Input::Reject => Event::Rejected,
            Input::RecoveryCode(c) => Event::RecoveryCodeEntered(c),
        }
    }
}

/// One challenge being walked through: the [`Flow`] plus the requests it asks for.
///
/// `Send + Sync`; every method takes `&self` (an internal async mutex serialises calls), so it
/// can be shared through an `Arc`. A second `submit`/`back`/`retry` while one is in flight gets
/// [`LatchkeyError::Busy`]; [`cancel`](ChallengeRun::cancel) is always allowed and interrupts
/// a call in flight.
///
/// Futures may be dropped at any time. The flow changes only when a request completes; if a
/// call is dropped while its step request is in flight, the run moves to
/// [`Screen::Interrupted`] (the request may or may not have reached the server) and
/// [`retry`](ChallengeRun::retry) resends the identical envelope, which the server answers
/// from its record without counting anything twice.
pub struct ChallengeRun {
    session: Session,
    challenge_id: String,
    challenge_type: ChallengeType,
    blockchains: Vec<Blockchain>,
    pin_length: u32,
    question_policy: QuestionPolicy,
    flow: Arc<Mutex<Flow>>,
    screen: watch::Sender<Screen>,
    cancel_requested: AtomicBool,
    cancel_notify: Notify,
    /// The app's cloud storage (cloud backup), if given.
    storage: Option<Arc<dyn CloudStorage>>,
}

impl fmt::Debug for ChallengeRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeRun")
            .field("challenge_id", &self.challenge_id)
            .field("challenge_type", &self.challenge_type)
            .field("screen", &*self.screen.borrow())
            .finish_non_exhaustive()
    }
}

/// Feeds `TransportFailed` (a cloud call: `CloudFailed`; or `Cancel`, once cancel was asked
/// for) to the flow if dropped while its request is in flight.
struct InFlight<'a> {
    flow: &'a mut Flow,
    screen: &'a watch::Sender<Screen>,
    cancelled: &'a AtomicBool,
    armed: bool,
    cloud: bool,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.armed {
            let rng = ring::rand::SystemRandom::new();
            let event = if self.cancelled.load(Ordering::SeqCst) {
                Event::Cancel
            } else if self.cloud {
                Event::CloudFailed(CloudError::new("the cloud call was interrupted"))
            } else {
                Event::TransportFailed(ErrorCode::NetworkError)
            };
            // Neither event is user input, so the time is not used (expiry is not judged).
            let _ = self.flow.process_event(event, 0, &rng);
            self.screen.send_replace(self.flow.screen());
        }
    }
}

/// What a `begin_*` call of [`ChallengeRun`] did.
#[derive(Debug)]
#[must_use = "a NeedsIo must be finished (or dropped, which interrupts the step)"]
pub enum Begun {
    /// No IO was needed: the screen to draw now (boxed: a `Screen` with a signature review is
    /// much larger than a [`PendingIo`]).
    Ready(Box<Screen>),
    /// The flow moved on and asks for requests; [`PendingIo::finish`] makes them.
    NeedsIo(PendingIo),
}

/// The IO half of a `begin_*` call: holds the run's lock and the effects still to carry out.
/// `Send + 'static`, so it can be moved onto a runtime.
pub struct PendingIo {
    run: Arc<ChallengeRun>,
    flow: OwnedMutexGuard<Flow>,
    effects: Vec<Effect>,
}

impl fmt::Debug for PendingIo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingIo")
            .field("challenge_id", &self.run.challenge_id)
            .field("effects", &self.effects.len())
            .finish()
    }
}

impl PendingIo {
    /// Makes the request(s) and returns the screen after them (the same as the rest of
    /// `submit`/`back`/`retry`; needs a tokio runtime with IO and time enabled).
    pub async fn finish(mut self) -> Result<Screen, LatchkeyError> {
        let effects = std::mem::take(&mut self.effects);
        Ok(self.run.carry_out(&mut self.flow, effects).await)
    }
}

impl Drop for PendingIo {
    /// Dropped before `finish` started: the step was never sent, so the flow moves on as if
    /// its request had been lost (the same as dropping `submit` during its request).
    fn drop(&mut self) {
        let step_pending = self
            .effects
            .iter()
            .any(|e| matches!(e, Effect::SubmitStep(_)));
        let cloud_pending = self.effects.iter().any(|e| {
            matches!(
                e,
                Effect::CloudPut { .. } | Effect::CloudGet { .. } | Effect::CloudDelete { .. }
            )
        });
        if (step_pending || cloud_pending) && !self.flow.is_finished() {
            drop(InFlight {
                flow: &mut self.flow,
                screen: &self.run.screen,
                cancelled: &self.run.cancel_requested,
                armed: true,
                cloud: !step_pending,
            });
        }
    }
}

enum StepOutcome {
    Reply(Outcome<StepResult>),
    Cancelled,
}

impl ChallengeRun {
    pub(crate) fn start(
        session: Session,
        descriptor: ChallengeDescriptor,
        storage: Option<Arc<dyn CloudStorage>>,
    ) -> Result<ChallengeRun, LatchkeyError> {
        let now = session.transport().server_now();
        let flow = Flow::start(descriptor, session.key().clone(), now)?;
        let (screen, _) = watch::channel(flow.screen());
        Ok(ChallengeRun {
            challenge_id: flow.challenge_id().to_owned(),
            challenge_type: flow.challenge_type().clone(),
            blockchains: flow.blockchains().to_vec(),
            pin_length: flow.pin_length(),
            question_policy: flow.question_policy(),
            session,
            flow: Arc::new(Mutex::new(flow)),
            screen,
            cancel_requested: AtomicBool::new(false),
            cancel_notify: Notify::new(),
            storage,
        })
    }

    /// The challenge id.
    pub fn challenge_id(&self) -> String {
        self.challenge_id.clone()
    }

    /// The challenge type.
    pub fn challenge_type(&self) -> ChallengeType {
        self.challenge_type.clone()
    }

    /// The blockchains wallets will be created on (CREATE_WALLET, INITIALIZE with wallets);
    /// empty otherwise. Not secret: show them with the PIN screen.
    pub fn blockchains(&self) -> Vec<Blockchain> {
        self.blockchains.clone()
    }

    /// The number of digits a PIN has in this challenge (its descriptor's PIN policy; 6 by
    /// default), for drawing the PIN field. The SDK checks every PIN rule itself.
    pub fn pin_length(&self) -> u32 {
        self.pin_length
    }

    /// Whether [`ChallengeRun::back`] would return an earlier screen now (see
    /// [`Flow::can_go_back`]); `false` while a call is in flight. Where it is `false`, an
    /// app's back button leaves the challenge with [`ChallengeRun::cancel`].
    pub fn can_go_back(&self) -> bool {
        self.flow
            .try_lock()
            .map(|f| f.can_go_back())
            .unwrap_or(false)
    }

    /// What the SDK does to an answer of `kind` before comparing it, under this challenge's
    /// question policy, to show next to the answer field.
    pub fn answer_hint(&self, kind: &QuestionKind) -> String {
        self.question_policy.answer_hint(kind)
    }

    /// What to draw now.
    pub fn screen(&self) -> Screen {
        self.screen.borrow().clone()
    }

    /// A receiver that holds the current screen and is notified of every new one (including
    /// `Working` while a request is in flight). Like every `watch`, a slow reader sees the
    /// latest screen, not every intermediate one.
    pub fn subscribe(&self) -> watch::Receiver<Screen> {
        self.screen.subscribe()
    }

    /// Gives the current screen an input. Returns the next screen; refused user input
    /// (insecure PIN, mismatch, invalid answer, wrong PIN with attempts left) shows on it as
    /// [`Screen::error`]. When the input completes a step, the step is sent (with retries)
    /// before this returns.
    ///
    /// Errors: [`LatchkeyError::InvalidInput`] (input does not fit the screen; nothing
    /// changed), [`LatchkeyError::Busy`].
    pub async fn submit(&self, input: Input) -> Result<Screen, LatchkeyError> {
        let mut flow = self.flow.try_lock().map_err(|_| LatchkeyError::Busy)?;
        self.apply(&mut flow, input.into_event()).await
    }

    /// Goes back to the previous screen (nothing is sent).
    pub async fn back(&self) -> Result<Screen, LatchkeyError> {
        let mut flow = self.flow.try_lock().map_err(|_| LatchkeyError::Busy)?;
        self.apply(&mut flow, Event::Back).await
    }

    /// On [`Screen::Interrupted`]: sends the same sealed envelope again (with retries).
    pub async fn retry(&self) -> Result<Screen, LatchkeyError> {
        let mut flow = self.flow.try_lock().map_err(|_| LatchkeyError::Busy)?;
        self.apply(&mut flow, Event::Retry).await
    }

    /// [`submit`](ChallengeRun::submit) in two halves, for callers that want to avoid a
    /// thread hop when no IO is needed (the FFI layer): applies the input to the flow at once,
    /// on the caller's thread, and returns either the new screen ([`Begun::Ready`]: the input
    /// was refused locally or only moved the flow on) or a [`PendingIo`] holding the run's lock
    /// whose [`finish`](PendingIo::finish) makes the request(s) the input needs.
    ///
    /// The same errors as `submit` (`InvalidInput`, `Busy`), returned at once. While the
    /// `PendingIo` lives, other calls get `Busy` and `cancel` waits for it as for a call in
    /// flight. Dropping it unfinished is like dropping `submit` during its request: the run
    /// moves to [`Screen::Interrupted`] (or `Cancelled` once cancel was asked for) and
    /// [`retry`](ChallengeRun::retry) sends the step.
    pub fn begin_submit(self: &Arc<Self>, input: Input) -> Result<Begun, LatchkeyError> {
        self.begin(input.into_event())
    }

    /// [`back`](ChallengeRun::back) in two halves; see [`begin_submit`](ChallengeRun::begin_submit).
    pub fn begin_back(self: &Arc<Self>) -> Result<Begun, LatchkeyError> {
        self.begin(Event::Back)
    }

    /// [`retry`](ChallengeRun::retry) in two halves; see [`begin_submit`](ChallengeRun::begin_submit).
    pub fn begin_retry(self: &Arc<Self>) -> Result<Begun, LatchkeyError> {
        self.begin(Event::Retry)
    }

    /// Cancels the run: interrupts a call in flight, moves to [`Screen::Cancelled`] and tells
    /// the server (`POST .../cancel`, best effort, bounded by the request timeout). On a run
    /// that has already ended it changes nothing and returns the final screen. Once called,
    /// the run stays cancelled (a step already delivered may still have completed on the
    /// server; [`wait_for_result`](ChallengeRun::wait_for_result) tells).
    pub async fn cancel(&self) -> Result<Screen, LatchkeyError> {
        self.cancel_requested.store(true, Ordering::SeqCst);
        self.cancel_notify.notify_waiters();
        // A call in flight that is being polled notices at once and gives the lock up. One
        // that is not being polled (its future parked, e.g. in a `select!` branch body) cannot;
        // then the server is told here and the run moves to Cancelled when that future is
        // polled again or dropped.
        let lock = tokio::time::timeout(Duration::from_secs(1), self.flow.lock()).await;
        let Ok(mut flow) = lock else {
            self.notify_server_cancel().await;
            let progress = self.screen.borrow().progress();
            return Ok(Screen::Cancelled { progress });
        };
        if flow.is_finished() {
            return Ok(flow.screen());
        }
        self.apply(&mut flow, Event::Cancel).await
    }

    /// Polls `GET /v1/user/challenges/{id}` (first after `poll_interval`, then with growing
    /// delays up to `max_backoff`, with jitter) until the challenge is COMPLETE, FAILED or
    /// EXPIRED, or `timeout` has passed ([`LatchkeyError::Timeout`]). Network errors between
    /// polls are retried until the deadline. Call it after a terminal screen to learn the
    /// server's final word (e.g. before treating a signature as authorised).
    pub async fn wait_for_result(&self, timeout: Duration) -> Result<Challenge, LatchkeyError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut last = ChallengeStatus::InProgress;
        let mut n: u32 = 0;
        loop {
            match tokio::time::timeout_at(deadline, self.session.challenge(&self.challenge_id))
                .await
            {
                Err(_) => return Err(LatchkeyError::Timeout { status: last }),
                Ok(Ok(c)) if c.status.is_terminal() => return Ok(c),
                Ok(Ok(c)) => last = c.status,
                Ok(Err(e)) if e.is_retryable() => {}
                Ok(Err(e)) => return Err(e),
            }
            let t = self.session.transport();
            let delay = crate::retry::backoff_delay(
                t.config.poll_interval,
                t.config.max_backoff.max(t.config.poll_interval),
                n,
                t.jitter(),
            );
            n = n.saturating_add(1);
            if tokio::time::Instant::now() + delay >= deadline {
                tokio::time::sleep_until(deadline).await;
                return Err(LatchkeyError::Timeout { status: last });
            }
            tokio::time::sleep(delay).await;
        }
    }

    // ---- internals ----

    /// Applies one event and carries out its effects.
    async fn apply(&self, flow: &mut Flow, event: Event) -> Result<Screen, LatchkeyError> {
        let effects = self.apply_local(flow, event)?;
        Ok(self.carry_out(flow, effects).await)
    }

    /// The sans-IO half of a call: feeds `event` to the flow and publishes the new screen.
    /// Returns the effects still to carry out (each needs the network).
    fn apply_local(&self, flow: &mut Flow, event: Event) -> Result<Vec<Effect>, LatchkeyError> {
        let rng = self.session.transport().rng();
        let now = self.session.transport().server_now();
        let effects = flow.process_event(event, now, rng)?;
        self.publish(flow);
        Ok(effects)
    }

    /// The IO half: carries out the effects in order (and those their replies ask for: a
    /// cloud-backup set-up chains server steps and cloud calls) and returns the screen after
    /// them.
    async fn carry_out(&self, flow: &mut Flow, effects: Vec<Effect>) -> Screen {
        let mut queue: VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            let next = match effect {
                Effect::SubmitStep(sub) => self.send_step(flow, sub).await,
                Effect::Cancel => {
                    self.notify_server_cancel().await;
                    Vec::new()
                }
                Effect::CancelWithReason(r) => {
                    self.notify_server_cancel_with(Some(r)).await;
                    Vec::new()
                }
                cloud => self.cloud_call(flow, cloud).await,
            };
            queue.extend(next);
        }
        flow.screen()
    }

    /// Carries out a cloud effect with the app's storage and feeds the result to the flow
    /// (a flow that has ended, e.g. cancelled, is only cleaned up after). Returns the effects
    /// the flow asks for next.
    async fn cloud_call(&self, flow: &mut Flow, effect: Effect) -> Vec<Effect> {
        let Some(storage) = self.storage.clone() else {
            return self.feed(
                flow,
                Event::CloudFailed(CloudError::new(
                    "no cloud storage was given for this challenge",
                )),
            );
        };
        let finished = flow.is_finished();
        let mut guard = InFlight {
            flow,
            screen: &self.screen,
            cancelled: &self.cancel_requested,
            armed: !finished,
            cloud: true,
        };
        let event = match effect {
            Effect::CloudPut { name, bytes } => match storage.put(&name, bytes.expose()).await {
                Ok(()) => Event::CloudWritten,
                Err(e) => Event::CloudFailed(e),
            },
            Effect::CloudGet { name } => match storage.get(&name).await {
                Ok(found) => Event::CloudRead(found),
                Err(e) => Event::CloudFailed(e),
            },
            Effect::CloudDelete { names } => {
                let mut out = Event::CloudDeleted;
                for name in names {
                    if let Err(e) = storage.delete(&name).await {
                        out = Event::CloudFailed(e);
                    }
                }
                out
            }
            _ => {
                guard.armed = false;
                return Vec::new();
            }
        };
        guard.armed = false;
        if finished {
            return Vec::new();
        }
        self.feed(guard.flow, event)
    }

    /// Feeds a non-input event to the flow, publishes the screen, returns the next effects.
    fn feed(&self, flow: &mut Flow, event: Event) -> Vec<Effect> {
        let rng = self.session.transport().rng();
        let now = self.session.transport().server_now();
        let effects = flow.process_event(event, now, rng).unwrap_or_default();
        self.publish(flow);
        effects
    }

    /// Locks the flow for a `begin_*` call (`Busy` when a call holds it) and applies `event`
    /// without IO.
    fn begin(self: &Arc<Self>, event: Event) -> Result<Begun, LatchkeyError> {
        let mut flow = self
            .flow
            .clone()
            .try_lock_owned()
            .map_err(|_| LatchkeyError::Busy)?;
        let effects = self.apply_local(&mut flow, event)?;
        if effects.is_empty() {
            return Ok(Begun::Ready(Box::new(flow.screen())));
        }
        Ok(Begun::NeedsIo(PendingIo {
            run: self.clone(),
            flow,
            effects,
        }))
    }

    fn publish(&self, flow: &Flow) {
        self.screen.send_replace(flow.screen());
    }

    async fn send_step(&self, flow: &mut Flow, sub: StepSubmission) -> Vec<Effect> {
        let mut guard = InFlight {
            flow,
            screen: &self.screen,
            cancelled: &self.cancel_requested,
            armed: true,
            cloud: false,
        };
        let outcome = self.request_step(&sub).await;
        guard.armed = false;
        let event = match outcome {
            StepOutcome::Reply(Outcome::Accepted(r)) => Event::StepAccepted(r),
            StepOutcome::Reply(Outcome::Rejected(b)) => Event::ServerRejected {
                code: b.code,
                attempts_left: b.attempts_left,
                locked_expiry: b.locked_expiry_date,
            },
            StepOutcome::Reply(Outcome::Unreachable { code, .. })
            | StepOutcome::Reply(Outcome::Busy { code, .. }) => Event::TransportFailed(code),
            StepOutcome::Cancelled => Event::Cancel,
        };
        let cancelled = matches!(event, Event::Cancel);
        let rng = self.session.transport().rng();
        let now = self.session.transport().server_now();
        let next = match guard.flow.process_event(event, now, rng) {
            Ok(effects) => effects,
            // A reply that does not belong to the step in flight: treat it like a lost reply,
            // so the user can retry the same envelope or cancel.
            Err(_) => {
                let _ = guard.flow.process_event(
                    Event::TransportFailed(ErrorCode::InvalidChallenge),
                    now,
                    rng,
                );
                Vec::new()
            }
        };
        self.publish(guard.flow);
        if cancelled {
            // The cancel's own effects (e.g. deleting an unacknowledged backup entry) are
            // carried out; its server cancel is this one.
            let rest: Vec<Effect> = next
                .into_iter()
                .filter(|e| !matches!(e, Effect::Cancel))
                .collect();
            self.notify_server_cancel().await;
            return rest;
        }
        next
    }

    async fn request_step(&self, sub: &StepSubmission) -> StepOutcome {
        let notified = self.cancel_notify.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if self.cancel_requested.load(Ordering::SeqCst) {
            return StepOutcome::Cancelled;
        }
        let body = match serde_json::to_vec(sub) {
            Ok(b) => b,
            Err(_) => {
                return StepOutcome::Reply(Outcome::Unreachable {
                    code: ErrorCode::EncryptionFailed,
                    attempts: 0,
                    detail: "the step could not be encoded".into(),
                })
            }
        };
        let path = format!("/v1/user/challenges/{}/steps", self.challenge_id);
        let send = self.session.transport().call::<StepResult>(
            Method::POST,
            &path,
            Auth::User(self.session.token()),
            Some(&body),
            RequestKind::Sealed,
        );
        tokio::select! {
            o = send => StepOutcome::Reply(o),
            _ = notified => StepOutcome::Cancelled,
        }
    }

    /// `POST .../cancel`, best effort, bounded by the request timeout.
    async fn notify_server_cancel(&self) {
        self.notify_server_cancel_with(None).await
    }

    /// `POST .../cancel` with `{"reason": ...}` when given, best effort, bounded by the
    /// request timeout.
    async fn notify_server_cancel_with(&self, reason: Option<CancelReason>) {
        let t = self.session.transport();
        let path = format!("/v1/user/challenges/{}/cancel", self.challenge_id);
        let body = reason
            .and_then(|r| serde_json::to_vec(&CancelChallengeRequest { reason: Some(r) }).ok());
        let call = t.call::<Challenge>(
            Method::POST,
            &path,
            Auth::User(self.session.token()),
            body.as_deref(),
            RequestKind::Idempotent,
        );
        let _ = tokio::time::timeout(t.config.request_timeout, async { outcome(call.await) }).await;
    }
}
