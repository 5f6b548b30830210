//! The SDK-owned tokio runtime (built on first use, two workers) and the hop onto it for
//! network work.

use crate::LatchkeyError;
use std::future::Future;
use std::sync::OnceLock;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The SDK-owned tokio runtime, built on first use by a constructor (which can report failure).
pub(crate) fn runtime() -> Result<&'static Runtime, LatchkeyError> {
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
///
/// `fut` is spawned at once (call sites await the result right away, inside an async fn, so
/// this is when that fn is first polled) and the returned future holds only the task's
/// `JoinHandle`. Were `fut` kept inside it until the first poll, every exported async method's
/// future (which uniffi allocates on each call, and which the wipe-on-free allocator zeroes
/// when it is freed) would be as large as the biggest request state machine behind it, even
/// on the paths that complete inline with no request (`ChallengeRun.submit` of a refused PIN).
pub(crate) fn on_runtime<T, F>(
    rt: &'static Runtime,
    fut: F,
) -> impl Future<Output = Result<T, LatchkeyError>> + Send + 'static
where
    T: Send + 'static,
    F: Future<Output = Result<T, LatchkeyError>> + Send + 'static,
{
    join(rt.spawn(fut))
}

async fn join<T>(task: JoinHandle<Result<T, LatchkeyError>>) -> Result<T, LatchkeyError> {
    match task.await {
        Ok(r) => r,
        Err(e) if e.is_panic() => Err(LatchkeyError::internal("the SDK panicked in a task")),
        Err(_) => Err(LatchkeyError::internal("the SDK task was cancelled")),
    }
}
