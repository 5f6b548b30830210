//! Cloud backup through the driver against the real server over loopback (SQLite), with the
//! file-directory adapter, and the "Done when" fault test: the adapter or the
//! connection fails at every step of the two-phase set-up in turn (and the app is "killed"
//! there, or retries, or cancels); after each, recovery works with whatever version is active,
//! and a next attempt finishes. No sequence leaves the user without the backup they had.

mod net;

use latchkey_core::cloud::{CloudBytes, CloudError, CloudFuture, CloudStorage, DirectoryStorage};
use latchkey_core::{
    ChallengeRun, ChallengeType, CredentialStatus, ErrorCode, Input, Screen, Session,
};
use net::proxy::{Fault, Proxy};
use net::*;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

const PIN1: &str = "135790";
const PIN2: &str = "246801";

/// Which adapter call a fault hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Put,
    Get,
    Delete,
}

/// What the adapter does on that call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    /// Return an error (nothing done).
    Fail,
    /// Do the call, then never return (the app is killed during it).
    DoThenHang,
    /// Read: return other bytes (a cloud that served a stale or altered copy).
    Corrupt,
}

/// A directory adapter that injects one planned fault per matching call.
struct Faulty {
    inner: DirectoryStorage,
    plan: Mutex<Vec<(Op, Act)>>,
    hung: Arc<Notify>,
}

impl Faulty {
    fn take(&self, op: Op) -> Option<Act> {
        let mut p = self.plan.lock().unwrap();
        let i = p.iter().position(|(o, _)| *o == op)?;
        Some(p.remove(i).1)
    }
}

impl CloudStorage for Faulty {
    fn put<'a>(&'a self, name: &'a str, bytes: &'a [u8]) -> CloudFuture<'a, ()> {
        Box::pin(async move {
            match self.take(Op::Put) {
                Some(Act::Fail) => Err(CloudError::new("injected: put failed")),
                Some(Act::DoThenHang) => {
                    self.inner.put(name, bytes).await?;
                    self.hung.notify_one();
                    std::future::pending().await
                }
                _ => self.inner.put(name, bytes).await,
            }
        })
    }

    fn get<'a>(&'a self, name: &'a str) -> CloudFuture<'a, Option<CloudBytes>> {
        Box::pin(async move {
            match self.take(Op::Get) {
                Some(Act::Fail) => Err(CloudError::new("injected: get failed")),
                Some(Act::Corrupt) => Ok(Some(CloudBytes::new(vec![9; 36]))),
                Some(Act::DoThenHang) => {
                    self.inner.get(name).await?;
                    self.hung.notify_one();
                    std::future::pending().await
                }
                None => self.inner.get(name).await,
            }
        })
    }

    fn delete<'a>(&'a self, name: &'a str) -> CloudFuture<'a, ()> {
        Box::pin(async move {
            match self.take(Op::Delete) {
                Some(Act::Fail) => Err(CloudError::new("injected: delete failed")),
                Some(Act::DoThenHang) => {
                    self.inner.delete(name).await?;
                    self.hung.notify_one();
                    std::future::pending().await
                }
                _ => self.inner.delete(name).await,
            }
        })
    }
}

/// What the user (or the OS) does after the fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Then {
    /// The app is killed: the run is dropped where it is.
    Kill,
    /// The user retries from the screen shown.
    Retry,
    /// The user cancels.
    Cancel,
}

/// One fault of the set-up.
#[derive(Clone, Debug)]
enum Where {
    /// The n-th (from 0) step request of the set-up is dropped, before or after it reached the
    /// server, on every automatic retry.
    Step { index: usize, after: bool },
    /// The adapter.
    Cloud(Op, Act),
}

struct Fixture {
    world: World,
    proxy: Proxy,
    session: Session,
    token: String,
    cloud_dir: tempfile::TempDir,
    pin: &'static str,
}

impl Fixture {
    fn storage(&self, plan: Vec<(Op, Act)>) -> (Arc<Faulty>, Arc<Notify>) {
        let hung = Arc::new(Notify::new());
        (
            Arc::new(Faulty {
                inner: DirectoryStorage::new(self.cloud_dir.path()),
                plan: Mutex::new(plan),
                hung: hung.clone(),
            }),
            hung,
        )
    }

    fn entries(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.cloud_dir.path())
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| !n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    async fn set_up_run(&self, storage: Arc<Faulty>) -> ChallengeRun {
        let id = create(&self.world, &self.token, ChallengeType::SetCloudBackup).await;
        self.session
            .run_challenge_with_storage(&id, storage)
            .await
            .unwrap()
    }

    /// A set-up without faults: Done.
    async fn set_up(&self) {
        let (storage, _) = self.storage(vec![]);
        let run = self.set_up_run(storage).await;
        let s = run.submit(pin(self.pin)).await.unwrap();
        assert!(matches!(s, Screen::Done { .. }), "{s:?}");
    }

    /// RESTORE_PIN by backup with a clean adapter: Done with the other PIN.
    async fn recover(&mut self) {
        let id = self
            .world
            .admin
            .create_restore_pin_with_backup(&self.token, &latchkey_core::new_idempotency_key())
            .await
            .expect("an active backup");
        let (storage, _) = self.storage(vec![]);
        let run = self
            .session
            .run_challenge_with_storage(&id, storage)
            .await
            .unwrap();
        assert!(matches!(run.screen(), Screen::StartCloudRestore { .. }));
        let s = run.submit(Input::Acknowledge).await.unwrap();
        assert!(matches!(s, Screen::EnterPin { .. }), "{s:?}");
        let new = if self.pin == PIN1 { PIN2 } else { PIN1 };
        run.submit(pin(new)).await.unwrap();
        let s = run.submit(pin(new)).await.unwrap();
        assert!(matches!(s, Screen::Done { .. }), "{s:?}");
        self.pin = new;
    }
}

async fn fixture(user: &str) -> Fixture {
    let world = start_server(|_| {}).await;
    let proxy = Proxy::start(world.server.local_addr()).await;
    let (session, token) = new_user(&world, user, &proxy.url()).await;
    let id = create(&world, &token, ChallengeType::Initialize).await;
    let run = session.run_challenge(&id).await.unwrap();
    assert!(matches!(initialize(&run, PIN1).await, Screen::Done { .. }));
    Fixture {
        world,
        proxy,
        session,
        token,
        cloud_dir: tempfile::tempdir().unwrap(),
        pin: PIN1,
    }
}

#[tokio::test]
async fn set_up_then_recover_then_replace() {
    let mut fx = fixture("cloud-user").await;
    // No backup yet: the developer API says so (155871).
    let e = fx
        .world
        .admin
        .create_restore_pin_with_backup(&fx.token, &latchkey_core::new_idempotency_key())
        .await
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::CloudBackupNotSet);
    fx.set_up().await;
    let u = fx.world.admin.get_user("cloud-user").await.unwrap();
    assert_eq!(u.cloud_backup_status, CredentialStatus::Enabled);
    assert_eq!(fx.entries().len(), 1);
    assert!(fx.entries()[0].ends_with("-v1"));
    fx.recover().await;
    // The backup stays usable after a recovery.
    fx.recover().await;
    // A second set-up replaces the first and deletes its entry only after the acknowledgement.
    fx.set_up().await;
    assert_eq!(fx.entries().len(), 1);
    assert!(fx.entries()[0].ends_with("-v2"));
    fx.recover().await;
    // The cloud account lost the entry: a clear screen, nothing sent, retry after fixing it.
    let kept = fx.cloud_dir.path().join(&fx.entries()[0]);
    let bytes = std::fs::read(&kept).unwrap();
    std::fs::remove_file(&kept).unwrap();
    let id = fx
        .world
        .admin
        .create_restore_pin_with_backup(&fx.token, &latchkey_core::new_idempotency_key())
        .await
        .unwrap();
    let (storage, _) = fx.storage(vec![]);
    let run = fx
        .session
        .run_challenge_with_storage(&id, storage)
        .await
        .unwrap();
    fx.proxy.clear_log();
    let s = run.submit(Input::Acknowledge).await.unwrap();
    assert!(matches!(s, Screen::NoCloudBackup { .. }), "{s:?}");
    assert!(s.message().unwrap().contains("No backup was found"));
    assert_eq!(fx.proxy.count("/steps"), 0, "nothing was sent");
    std::fs::write(&kept, bytes).unwrap();
    let s = run.retry().await.unwrap();
    assert!(matches!(s, Screen::EnterPin { .. }), "{s:?}");
    run.cancel().await.unwrap();
}

/// The fault test: every step of the set-up fails in turn, followed by a kill, a retry or a
/// cancel; each time recovery must work with the active version, and a clean next attempt must
/// finish.
#[tokio::test]
async fn every_set_up_failure_leaves_a_usable_backup() {
    let mut fx = fixture("fault-user").await;
    fx.set_up().await; // the backup the user has before the faults
                       // The set-up's step requests, in order: CURRENT_PIN (0), REGISTER_CLOUD_BACKUP (1),
                       // COMPLETE = acknowledgement (2). Every automatic retry is dropped too (5 attempts).
    let wheres = vec![
        Where::Step {
            index: 0,
            after: false,
        },
        Where::Step {
            index: 1,
            after: false,
        },
        Where::Step {
            index: 1,
            after: true,
        },
        Where::Cloud(Op::Put, Act::Fail),
        Where::Cloud(Op::Put, Act::DoThenHang),
        Where::Cloud(Op::Get, Act::Fail),
        Where::Cloud(Op::Get, Act::Corrupt),
        Where::Cloud(Op::Get, Act::DoThenHang),
        Where::Step {
            index: 2,
            after: false,
        },
        Where::Step {
            index: 2,
            after: true,
        },
        Where::Cloud(Op::Delete, Act::Fail),
        Where::Cloud(Op::Delete, Act::DoThenHang),
    ];
    let mut runs = 0;
    for w in &wheres {
        for then in [Then::Kill, Then::Retry, Then::Cancel] {
            runs += 1;
            let plan = match w {
                Where::Cloud(op, act) => vec![(*op, *act)],
                Where::Step { .. } => vec![],
            };
            if let Where::Step { index, after } = w {
                let drop = if *after {
                    Fault::DropAfterForward
                } else {
                    Fault::DropBeforeForward
                };
                let mut faults = vec![Fault::Pass; *index];
                faults.extend(std::iter::repeat(drop).take(5));
                fx.proxy.inject("/steps", faults);
            }
            let (storage, hung) = fx.storage(plan);
            let run = fx.set_up_run(storage).await;
            let screen = tokio::select! {
                s = run.submit(pin(fx.pin)) => Some(s.unwrap()),
                _ = hung.notified() => None,
            };
            let label = format!("{w:?} then {then:?}");
            // The fault did happen where it was meant to.
            let seen = screen.as_ref().map(|s| match s {
                Screen::Interrupted { .. } => "Interrupted",
                Screen::CloudStorageFailed { .. } => "CloudStorageFailed",
                Screen::Done { .. } => "Done",
                _ => "other",
            });
            let want = match w {
                Where::Step { .. } => Some("Interrupted"),
                Where::Cloud(_, Act::DoThenHang) => None,
                Where::Cloud(Op::Delete, _) => Some("Done"),
                Where::Cloud(_, _) => Some("CloudStorageFailed"),
            };
            assert_eq!(seen, want, "{label}: {:?}", screen);
            match (screen, then) {
                // Killed during a cloud call (the future was dropped), or after any failure.
                (None, _) | (Some(_), Then::Kill) => drop(run),
                (Some(s), Then::Retry) => {
                    let s = if s.is_terminal() {
                        s
                    } else {
                        run.retry().await.unwrap()
                    };
                    assert!(
                        matches!(s, Screen::Done { .. } | Screen::Failed { .. }),
                        "{label}: {s:?}"
                    );
                }
                (Some(s), Then::Cancel) => {
                    if !s.is_terminal() {
                        run.cancel().await.unwrap();
                    }
                }
            }
            // Whatever happened, recovery works with whatever is active ...
            let u = fx.world.admin.get_user("fault-user").await.unwrap();
            assert_eq!(u.cloud_backup_status, CredentialStatus::Enabled, "{label}");
            fx.recover().await;
            // ... and a next attempt finishes (abandoning any stale pending version), after
            // which recovery works with the new one.
            fx.set_up().await;
            fx.recover().await;
            assert!(
                fx.entries().len() <= 2,
                "{label}: leftovers are cleaned up: {:?}",
                fx.entries()
            );
        }
    }
    assert_eq!(runs, wheres.len() * 3);
}
