//! Cloud storage for backups: the adapter the app provides ([`CloudStorage`]), the bytes it
//! carries ([`CloudBytes`]) and a file-directory implementation ([`DirectoryStorage`]) for tests
//! and the terminal app.
//!
//! A cloud backup (SET_CLOUD_BACKUP, RESTORE_PIN with `method: CLOUD_BACKUP`) keeps one small
//! entry per backup version in the user's own cloud: the 36-byte backup key
//! ([`latchkey_protocol::recovery::encode_backup_entry`]) under
//! [`latchkey_protocol::recovery::backup_entry_name`]. The flow never does the IO itself: it
//! asks for [`Effect::CloudPut`](crate::Effect::CloudPut), [`Effect::CloudGet`](crate::Effect::CloudGet)
//! and [`Effect::CloudDelete`](crate::Effect::CloudDelete), and the driver calls the adapter. Apps
//! implement the adapter with iCloud Keychain (synchronizable items) or CloudKit on iOS, and Block
//! Store or Drive's app-data folder on Android (`docs/recovery.md` has short examples).

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use zeroize::Zeroizing;

/// Why the app's storage failed, in the app's words (e.g. "iCloud Keychain is off"). It is shown
/// to the user and may be logged: never put the bytes in it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the cloud storage failed: {reason}")]
pub struct CloudError {
    /// The app's reason.
    pub reason: String,
}

impl CloudError {
    /// An error with the app's reason.
    pub fn new(reason: impl Into<String>) -> CloudError {
        CloudError {
            reason: reason.into(),
        }
    }
}

/// Bytes stored in or read from the cloud: a backup key. Zeroized on drop; `Debug` shows only
/// the length.
#[derive(Clone, PartialEq, Eq)]
pub struct CloudBytes(Zeroizing<Vec<u8>>);

impl CloudBytes {
    /// Wraps bytes (they are zeroized when this is dropped).
    pub fn new(bytes: Vec<u8>) -> CloudBytes {
        CloudBytes(Zeroizing::new(bytes))
    }

    /// The bytes. Do not log them.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for CloudBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CloudBytes(<{} bytes redacted>)", self.0.len())
    }
}

/// The future an adapter call returns.
pub type CloudFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, CloudError>> + Send + 'a>>;

/// The app's cloud storage: a small key-value store in the user's own cloud account.
///
/// * `put` stores `bytes` under `name` (replacing what was there); it returns once the entry is
///   stored as durably as the platform allows.
/// * `get` returns the entry, or `None` when there is none (not an error).
/// * `delete` removes the entry; deleting a missing entry is not an error.
///
/// Names are `[a-z0-9-]`, at most 64 characters. Errors carry the app's reason
/// ([`CloudError`]); the SDK shows it and lets the user retry or cancel, and the previous backup
/// stays usable whatever fails.
pub trait CloudStorage: Send + Sync {
    /// Stores `bytes` under `name`.
    fn put<'a>(&'a self, name: &'a str, bytes: &'a [u8]) -> CloudFuture<'a, ()>;
    /// Reads the entry `name`, `None` when there is none.
    fn get<'a>(&'a self, name: &'a str) -> CloudFuture<'a, Option<CloudBytes>>;
    /// Deletes the entry `name` (missing: not an error).
    fn delete<'a>(&'a self, name: &'a str) -> CloudFuture<'a, ()>;
}

/// A [`CloudStorage`] in a local directory, one file per entry (for tests, the terminal app
/// and desktop tools; a real app stores entries in the user's cloud). A write goes to a
/// temporary file that is synced and then renamed over the entry, so an entry is either the
/// old or the new bytes, never a torn mix.
#[derive(Clone, Debug)]
pub struct DirectoryStorage {
    dir: PathBuf,
}

impl DirectoryStorage {
    /// Entries under `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> DirectoryStorage {
        DirectoryStorage { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> Result<PathBuf, CloudError> {
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(self.dir.join(name))
        } else {
            Err(CloudError::new("not a valid entry name"))
        }
    }

    fn put_sync(&self, name: &str, bytes: &[u8]) -> Result<(), CloudError> {
        use std::io::Write as _;
        let path = self.path(name)?;
        let io = |e: std::io::Error| CloudError::new(format!("{}: {e}", self.dir.display()));
        std::fs::create_dir_all(&self.dir).map_err(io)?;
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(())
    }

    fn get_sync(&self, name: &str) -> Result<Option<CloudBytes>, CloudError> {
        match std::fs::read(self.path(name)?) {
            Ok(b) => Ok(Some(CloudBytes::new(b))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CloudError::new(format!("{}: {e}", self.dir.display()))),
        }
    }

    fn delete_sync(&self, name: &str) -> Result<(), CloudError> {
        match std::fs::remove_file(self.path(name)?) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(CloudError::new(format!("{}: {e}", self.dir.display()))),
        }
    }
}

impl CloudStorage for DirectoryStorage {
    fn put<'a>(&'a self, name: &'a str, bytes: &'a [u8]) -> CloudFuture<'a, ()> {
        Box::pin(async move { self.put_sync(name, bytes) })
    }

    fn get<'a>(&'a self, name: &'a str) -> CloudFuture<'a, Option<CloudBytes>> {
        Box::pin(async move { self.get_sync(name) })
    }

    fn delete<'a>(&'a self, name: &'a str) -> CloudFuture<'a, ()> {
        Box::pin(async move { self.delete_sync(name) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<T>(f: CloudFuture<'_, T>) -> Result<T, CloudError> {
        // The directory adapter never awaits anything: one poll finishes it.
        use std::task::{Context, Poll, Wake, Waker};
        struct Noop;
        impl Wake for Noop {
            fn wake(self: std::sync::Arc<Self>) {}
        }
        let waker = Waker::from(std::sync::Arc::new(Noop));
        let mut f = f;
        let mut cx = Context::from_waker(&waker);
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(r) => r,
            Poll::Pending => panic!("the directory adapter does not wait"),
        }
    }

    #[test]
    fn directory_storage_puts_gets_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let s = DirectoryStorage::new(dir.path().join("cloud"));
        assert_eq!(block(s.get("a-v1")).unwrap(), None);
        block(s.put("a-v1", b"one")).unwrap();
        block(s.put("a-v2", b"two")).unwrap();
        assert_eq!(block(s.get("a-v1")).unwrap().unwrap().expose(), b"one");
        block(s.put("a-v1", b"uno")).unwrap();
        assert_eq!(block(s.get("a-v1")).unwrap().unwrap().expose(), b"uno");
        block(s.delete("a-v1")).unwrap();
        block(s.delete("a-v1")).unwrap();
        assert_eq!(block(s.get("a-v1")).unwrap(), None);
        assert_eq!(block(s.get("a-v2")).unwrap().unwrap().expose(), b"two");
        assert!(block(s.put("../escape", b"x")).is_err());
        let b = CloudBytes::new(vec![7; 36]);
        assert_eq!(format!("{b:?}"), "CloudBytes(<36 bytes redacted>)");
    }
}
