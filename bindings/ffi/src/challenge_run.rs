//! `ChallengeRun` (one challenge being walked through), the `ScreenListener` callback
//! interface and its `ListenerHandle`.
//!
//! `submit`, `back` and `retry` run the sans-IO half of the call inline, on the thread that
//! polls the future (uniffi's first poll): an input refused locally, or one that only moves
//! the flow on, completes on that poll without touching the SDK runtime. Only when the flow
//! asks for a request is the rest ([`lk::driver::PendingIo`]) spawned onto the runtime.

use crate::runtime::on_runtime;
use crate::{Blockchain, Challenge, ChallengeType, Input, LatchkeyError, Screen};
use latchkey_core as lk;
use lk::driver::Begun;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::runtime::Runtime;

/// One challenge being walked through (UDL `ChallengeRun`).
pub struct ChallengeRun {
    inner: Arc<lk::ChallengeRun>,
    rt: &'static Runtime,
}

impl ChallengeRun {
    pub(crate) fn new(run: lk::ChallengeRun, rt: &'static Runtime) -> Self {
        ChallengeRun {
            inner: Arc::new(run),
            rt,
        }
    }

    /// Finishes a `begin_*` call: the screen at once when no IO was needed, else the
    /// request(s) on the SDK runtime.
    async fn finish(
        &self,
        begun: Result<Begun, lk::LatchkeyError>,
    ) -> Result<Screen, LatchkeyError> {
        match begun? {
            Begun::Ready(screen) => Ok((*screen).into()),
            Begun::NeedsIo(io) => {
                on_runtime(self.rt, async move { Ok(io.finish().await?.into()) }).await
            }
        }
    }

    /// The challenge id.
    pub fn challenge_id(&self) -> String {
        self.inner.challenge_id()
    }

    /// The challenge type.
    pub fn challenge_type(&self) -> ChallengeType {
        self.inner.challenge_type().into()
    }

    /// The number of PIN digits in this challenge.
    pub fn pin_length(&self) -> u32 {
        self.inner.pin_length()
    }

    /// Whether `back()` would return an earlier screen now.
    pub fn can_go_back(&self) -> bool {
        self.inner.can_go_back()
    }

    /// The blockchains whose wallets the challenge creates.
    pub fn blockchains(&self) -> Vec<Blockchain> {
        self.inner
            .blockchains()
            .into_iter()
            .map(Blockchain::from)
            .collect()
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
        self.finish(self.inner.begin_submit(input.into_core()))
            .await
    }

    /// Goes back one screen.
    pub async fn back(&self) -> Result<Screen, LatchkeyError> {
        self.finish(self.inner.begin_back()).await
    }

    /// Resends the interrupted step.
    pub async fn retry(&self) -> Result<Screen, LatchkeyError> {
        self.finish(self.inner.begin_retry()).await
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
