//! Cloud backup (issue 10): the FFI half of SET_CLOUD_BACKUP and RESTORE_PIN with method
//! CLOUD_BACKUP. Kept in its own module (as `recovery` is) so the cloud additions stay
//! together:
//!
//! * [`CloudStorage`], the foreign trait the app implements (UDL `[Trait, WithForeign]`, async
//!   methods), its error [`CloudStorageError`], and [`ForeignStorage`], which adapts it to the
//!   core's [`lk::CloudStorage`];
//! * [`directory_storage`]: the core's [`lk::DirectoryStorage`] as a `CloudStorage` (tests,
//!   desktop tools);
//! * `Session.run_challenge_with_storage`;
//! * the conversion of the core's cloud screens (`CloudWorking`, `CloudStorageFailed`,
//!   `StartCloudRestore`, `NoCloudBackup`; a server step in flight is the core's `Working`);
//! * with the `admin` feature, `AdminClient.create_restore_pin_with_backup` (SET_CLOUD_BACKUP
//!   is created with `create_challenge(ChallengeType.SetCloudBackup)`).
//!
//! No logic: every rule (entry names, versions, read-back check, when to delete) is the core's.
//! The adapter's futures are polled on the SDK runtime (the run's IO is spawned there); uniffi
//! completes a foreign future through a callback, so the foreign side runs it on its own
//! executor (coroutine, task, asyncio loop, promise).

use crate::runtime::on_runtime;
use crate::screens::InputError;
use crate::{ChallengeRun, LatchkeyError, Screen, Session};
use latchkey_core as lk;
use std::sync::Arc;

/// Why the app's storage failed (UDL `CloudStorageError`), in the app's words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CloudStorageError {
    /// The storage call failed.
    #[error("the cloud storage failed: {reason}")]
    Failed {
        /// The app's reason (shown to the user; never the stored bytes).
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for CloudStorageError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        CloudStorageError::Failed {
            reason: format!(
                "the app's storage adapter failed unexpectedly: {}",
                e.reason
            ),
        }
    }
}

impl From<lk::CloudError> for CloudStorageError {
    fn from(e: lk::CloudError) -> Self {
        CloudStorageError::Failed { reason: e.reason }
    }
}

/// The app's cloud storage (UDL `CloudStorage`, implemented in Kotlin, Swift, Python or JS, or
/// by [`directory_storage`]). See the UDL for the contract.
#[uniffi::trait_interface]
#[async_trait::async_trait]
pub trait CloudStorage: Send + Sync {
    /// Stores `data` under `name`.
    async fn put(&self, name: String, data: Vec<u8>) -> Result<(), CloudStorageError>;
    /// The entry `name`, `None` when there is none.
    async fn get(&self, name: String) -> Result<Option<Vec<u8>>, CloudStorageError>;
    /// Deletes the entry `name` (missing: not an error).
    async fn remove(&self, name: String) -> Result<(), CloudStorageError>;
}

/// The app's storage seen as the core's [`lk::CloudStorage`].
pub(crate) struct ForeignStorage(pub(crate) Arc<dyn CloudStorage>);

fn to_core(e: CloudStorageError) -> lk::CloudError {
    match e {
        CloudStorageError::Failed { reason } => lk::CloudError::new(reason),
    }
}

impl lk::CloudStorage for ForeignStorage {
    fn put<'a>(&'a self, name: &'a str, bytes: &'a [u8]) -> lk::cloud::CloudFuture<'a, ()> {
        // The copy handed to the app is freed (and wiped by `crate::wipe`) once lowered.
        Box::pin(async move {
            self.0
                .put(name.to_owned(), bytes.to_vec())
                .await
                .map_err(to_core)
        })
    }

    fn get<'a>(&'a self, name: &'a str) -> lk::cloud::CloudFuture<'a, Option<lk::CloudBytes>> {
        Box::pin(async move {
            let found = self.0.get(name.to_owned()).await.map_err(to_core)?;
            // Moved into the zeroizing `CloudBytes` without another copy.
            Ok(found.map(lk::CloudBytes::new))
        })
    }

    fn delete<'a>(&'a self, name: &'a str) -> lk::cloud::CloudFuture<'a, ()> {
        Box::pin(async move { self.0.remove(name.to_owned()).await.map_err(to_core) })
    }
}

/// The core's [`lk::DirectoryStorage`] as a [`CloudStorage`].
struct DirectoryStorage(lk::DirectoryStorage);

#[async_trait::async_trait]
impl CloudStorage for DirectoryStorage {
    async fn put(&self, name: String, data: Vec<u8>) -> Result<(), CloudStorageError> {
        let data = zeroize::Zeroizing::new(data);
        Ok(lk::CloudStorage::put(&self.0, &name, &data).await?)
    }

    async fn get(&self, name: String) -> Result<Option<Vec<u8>>, CloudStorageError> {
        let found = lk::CloudStorage::get(&self.0, &name).await?;
        Ok(found.map(|b| b.expose().to_vec()))
    }

    async fn remove(&self, name: String) -> Result<(), CloudStorageError> {
        Ok(lk::CloudStorage::delete(&self.0, &name).await?)
    }
}

/// A [`CloudStorage`] over files in the local directory `dir` (UDL `directory_storage`).
pub fn directory_storage(dir: String) -> Arc<dyn CloudStorage> {
    Arc::new(DirectoryStorage(lk::DirectoryStorage::new(dir)))
}

impl Session {
    /// `run_challenge` with the app's cloud storage (SET_CLOUD_BACKUP, RESTORE_PIN by cloud
    /// backup).
    pub async fn run_challenge_with_storage(
        &self,
        challenge_id: String,
        storage: Arc<dyn CloudStorage>,
    ) -> Result<Arc<ChallengeRun>, LatchkeyError> {
        let s = self.inner.clone();
        let rt = self.rt;
        let storage: Arc<dyn lk::CloudStorage> = Arc::new(ForeignStorage(storage));
        on_runtime(rt, async move {
            let run = s.run_challenge_with_storage(&challenge_id, storage).await?;
            Ok(Arc::new(ChallengeRun::new(run, rt)))
        })
        .await
    }
}

/// What the app's storage is doing (UDL `CloudAction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloudAction {
    /// Writing the new backup.
    Saving,
    /// Reading the new backup back.
    Checking,
    /// Deleting the previous backup.
    CleaningUp,
    /// Reading the backup to recover.
    Reading,
}

impl From<lk::CloudAction> for CloudAction {
    fn from(a: lk::CloudAction) -> Self {
        match a {
            lk::CloudAction::Saving => CloudAction::Saving,
            lk::CloudAction::Checking => CloudAction::Checking,
            lk::CloudAction::CleaningUp => CloudAction::CleaningUp,
            lk::CloudAction::Reading => CloudAction::Reading,
        }
    }
}

/// The FFI screen for a core cloud screen; `Err(screen)` for the others.
// `Err` hands the screen on by value to the next converter (`crate::recovery`), once per screen:
// it is not an error path, and boxing it would only add an allocation.
#[allow(clippy::result_large_err)]
pub(crate) fn screen_from_core(s: lk::Screen) -> Result<Screen, lk::Screen> {
    Ok(match s {
        lk::Screen::CloudWorking { progress, action } => Screen::CloudWorking {
            progress: progress.into(),
            action: action.into(),
        },
        lk::Screen::CloudStorageFailed {
            progress,
            error,
            reason,
        } => Screen::CloudStorageFailed {
            progress: progress.into(),
            code: error.code(),
            reason,
            detail: error.description().to_owned(),
        },
        lk::Screen::StartCloudRestore {
            progress,
            error,
            attempts_left,
        } => Screen::StartCloudRestore {
            progress: progress.into(),
            error: error.map(InputError::from),
            attempts_left,
        },
        lk::Screen::NoCloudBackup { progress } => Screen::NoCloudBackup {
            progress: progress.into(),
        },
        other => return Err(other),
    })
}

/// The core screen `screen_message` reads for a cloud screen (its progress does not matter).
pub(crate) fn outcome_screen(screen: &Screen) -> Option<lk::Screen> {
    let progress = lk::Progress { step: 1, of: 1 };
    Some(match screen {
        Screen::CloudStorageFailed { code, reason, .. } => lk::Screen::CloudStorageFailed {
            progress,
            error: lk::ErrorCode::from_code(*code),
            reason: reason.clone(),
        },
        Screen::NoCloudBackup { .. } => lk::Screen::NoCloudBackup { progress },
        _ => return None,
    })
}

#[cfg(feature = "admin")]
mod admin {
    use crate::runtime::on_runtime;
    use crate::{AdminClient, LatchkeyError};
    use latchkey_core as lk;
    use zeroize::Zeroizing;

    #[uniffi::export]
    impl AdminClient {
        /// Creates a RESTORE_PIN challenge the user completes with the cloud backup set up
        /// earlier (`create_challenge` with `SetCloudBackup`), instead of the security
        /// questions, and returns its id (`POST /v1/user/pin/restore` with
        /// `method: CLOUD_BACKUP`). Run it with `Session.run_challenge_with_storage` and the
        /// same cloud account: `Screen.StartCloudRestore`, the backup is read
        /// (`CloudWorking` Reading; `NoCloudBackup` when it is missing), then the new PIN twice.
        /// Every other session token of the user is revoked when it completes; the backup stays
        /// set up. Throws `Server` with 155871 when no cloud backup is set up.
        /// `idempotency_key`: as for `create_challenge`.
        pub async fn create_restore_pin_with_backup(
            &self,
            user_token: String,
            idempotency_key: Option<String>,
        ) -> Result<String, LatchkeyError> {
            let a = self.inner.clone();
            let token = Zeroizing::new(user_token);
            on_runtime(self.rt, async move {
                let key = idempotency_key.unwrap_or_else(lk::new_idempotency_key);
                Ok(a.create_restore_pin_with_backup(&token, &key).await?)
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::{InputErrorKind, Progress};

    const P: lk::Progress = lk::Progress { step: 3, of: 4 };

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    }

    #[test]
    fn cloud_screens_convert() {
        for (core, ffi) in [
            (lk::CloudAction::Saving, CloudAction::Saving),
            (lk::CloudAction::Checking, CloudAction::Checking),
            (lk::CloudAction::CleaningUp, CloudAction::CleaningUp),
            (lk::CloudAction::Reading, CloudAction::Reading),
        ] {
            let s: Screen = lk::Screen::CloudWorking {
                progress: P,
                action: core,
            }
            .into();
            assert_eq!(
                s,
                Screen::CloudWorking {
                    progress: Progress { step: 3, of: 4 },
                    action: ffi
                }
            );
        }
        let s: Screen = lk::Screen::CloudStorageFailed {
            progress: P,
            error: lk::ErrorCode::CloudStorageFailed,
            reason: "iCloud Keychain is off".into(),
        }
        .into();
        match &s {
            Screen::CloudStorageFailed {
                code: 155875,
                reason,
                detail,
                ..
            } => {
                assert_eq!(reason, "iCloud Keychain is off");
                assert_eq!(detail, lk::ErrorCode::CloudStorageFailed.description());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            crate::screen_message(s.clone()).as_deref(),
            Some(lk::ErrorCode::CloudStorageFailed.description())
        );
        assert_eq!(crate::screen_progress(s.clone()).step, 3);
        assert_eq!(crate::locked_credential(s), None);

        let s: Screen = lk::Screen::NoCloudBackup { progress: P }.into();
        assert!(matches!(s, Screen::NoCloudBackup { .. }));
        assert_eq!(
            crate::screen_message(s).as_deref(),
            Some(lk::NO_CLOUD_BACKUP_TEXT)
        );

        let s: Screen = lk::Screen::StartCloudRestore {
            progress: P,
            error: Some(lk::InputError::RefusedByServer(
                lk::ErrorCode::IncorrectRecoveryCode,
            )),
            attempts_left: Some(2),
        }
        .into();
        match &s {
            Screen::StartCloudRestore {
                error: Some(e),
                attempts_left: Some(2),
                ..
            } => assert_eq!(
                (e.kind, e.code),
                (InputErrorKind::IncorrectRecoveryCode, 155861)
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(crate::screen_message(s), None);
    }

    #[test]
    fn cloud_error_codes_keep_their_codes_and_texts() {
        for code in 155871..=155878 {
            let c = lk::ErrorCode::from_code(code);
            assert_eq!(c.code(), code, "{code} is known to this build");
            let e = LatchkeyError::from(c);
            assert_eq!(e.code(), code);
            assert!(matches!(e, LatchkeyError::Server { .. }), "{e:?}");
            assert_ne!(crate::error_description(code), "Unknown error code.");
        }
    }

    /// The app's storage as the app implements it: here in Rust, through the same trait.
    struct Failing;

    #[async_trait::async_trait]
    impl CloudStorage for Failing {
        async fn put(&self, _: String, _: Vec<u8>) -> Result<(), CloudStorageError> {
            Err(CloudStorageError::Failed {
                reason: "quota exceeded".into(),
            })
        }
        async fn get(&self, _: String) -> Result<Option<Vec<u8>>, CloudStorageError> {
            Ok(None)
        }
        async fn remove(&self, _: String) -> Result<(), CloudStorageError> {
            Ok(())
        }
    }

    #[test]
    fn the_adapter_carries_bytes_and_the_app_reason() {
        let dir = std::env::temp_dir().join(format!("latchkey-ffi-cloud-{}", std::process::id()));
        let storage = ForeignStorage(directory_storage(dir.to_string_lossy().into_owned()));
        let rt = rt();
        rt.block_on(async {
            use lk::CloudStorage as _;
            assert_eq!(storage.get("entry-1").await, Ok(None));
            storage.put("entry-1", &[1, 2, 3]).await.expect("put");
            let got = storage.get("entry-1").await.expect("get").expect("some");
            assert_eq!(got.expose(), &[1, 2, 3]);
            storage.delete("entry-1").await.expect("delete");
            storage.delete("entry-1").await.expect("delete again");
            assert_eq!(storage.get("entry-1").await, Ok(None));
            let e = storage.put("Bad Name", &[1]).await.expect_err("bad name");
            assert_eq!(e.reason, "not a valid entry name");

            let failing = ForeignStorage(Arc::new(Failing));
            let e = failing.put("entry-1", &[1]).await.expect_err("fails");
            assert_eq!(e, lk::CloudError::new("quota exceeded"));
        });
        let _ = std::fs::remove_dir_all(dir);
    }
}
