//! The embedded backend: blobs and queues as files under a data directory, durable across
//! restarts. One process owns a data directory at a time (enforced with a lock file), which is
//! what lets the queue hand abandoned deliveries back on open.

mod blobs;
mod queue;
mod record;

pub use blobs::DiskBlobStore;
pub use queue::DiskQueue;

use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically (temp file, fsync, rename) so a crash never leaves a
/// half-written file. `durable` also fsyncs the directory entry.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("no parent directory"))?;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        if durable {
            f.sync_data()?;
        }
    }
    std::fs::rename(&tmp, path)?;
    if durable {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Holds the data directory's lock for the life of the process.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    /// Takes `dir/.lock`; fails if another process holds it.
    pub fn acquire(dir: &Path) -> std::io::Result<DataDirLock> {
        std::fs::create_dir_all(dir)?;
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(".lock"))?;
        match file.try_lock() {
            Ok(()) => Ok(DataDirLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(std::io::Error::other(format!(
                "data directory {} is in use by another appgen process",
                dir.display()
            ))),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}
