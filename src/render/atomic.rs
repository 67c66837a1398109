//! Files users keep (reports written with `-o`, state files, exports), written crash-safely:
//! into a temporary file beside the target, synced, then renamed over it, and the directory
//! synced. A run that fails or is killed at any point leaves either the old file or the new
//! one, whole, never half of one; an uncommitted temporary file is removed when dropped.
//!
//! The file gets the permissions any new file gets (0666 less the umask, as with `> FILE`),
//! or, when it replaces one, that file's: never the owner-only mode of a temporary file,
//! which the engines reading an export as another user could not open.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use tempfile::NamedTempFile;

/// A file being written; it appears at its path only when [`AtomicFile::commit`] succeeds.
pub struct AtomicFile {
    path: PathBuf,
    temp: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path`, in a temporary file in the same directory (so that the rename
    /// stays on one file system).
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let dir = parent_dir(path);
        let mut builder = tempfile::Builder::new();
        let prefix = format!(".{}.", path.file_name().and_then(|n| n.to_str()).unwrap_or("callflow"));
        builder.prefix(&prefix).suffix(".tmp");
        let replaced = std::fs::metadata(path).ok().filter(|meta| meta.is_file()).map(|meta| meta.permissions());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // Created with this mode, the umask then applies, as to any new file.
            builder.permissions(replaced.clone().unwrap_or_else(|| std::fs::Permissions::from_mode(0o666)));
        }
        let temp = builder.tempfile_in(dir).with_context(|| format!("cannot write {}", path.display()))?;
        if let Some(permissions) = replaced {
            // The umask may have narrowed them at creation: the replaced file's, exactly.
            temp.as_file().set_permissions(permissions).with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(AtomicFile { path: path.to_owned(), temp: BufWriter::with_capacity(256 * 1024, temp) })
    }

    /// Where the file will be.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes and syncs the bytes, renames the file into place and syncs the directory.
    pub fn commit(self) -> anyhow::Result<()> {
        let path = self.path;
        let context = || format!("cannot write {}", path.display());
        let temp = self.temp.into_inner().map_err(|e| e.into_error()).with_context(context)?;
        temp.as_file().sync_all().with_context(context)?;
        temp.persist(&path).map_err(|e| e.error).with_context(context)?;
        // The rename itself is durable only once the directory is synced.
        if let Ok(dir) = File::open(parent_dir(&path)) {
            dir.sync_all().with_context(context)?;
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.temp.flush()
    }
}

/// The directory a file is in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_appears_whole_on_commit_and_not_at_all_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.csv");
        std::fs::write(&path, "old\n").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"new\n").unwrap();
        file.flush().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n", "not before the commit");
        file.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
    }

    #[cfg(unix)]
    #[test]
    fn a_new_file_is_readable_as_any_new_file_and_a_replaced_one_keeps_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        // What the umask makes of a new file here.
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "").unwrap();
        let new = dir.path().join("new.parquet");
        AtomicFile::create(&new).unwrap().commit().unwrap();
        assert_eq!(mode(&new), mode(&plain));
        let kept = dir.path().join("kept.csv");
        std::fs::write(&kept, "old\n").unwrap();
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
        AtomicFile::create(&kept).unwrap().commit().unwrap();
        assert_eq!(mode(&kept), 0o640);
    }

    #[test]
    fn a_file_never_committed_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"half").unwrap();
        drop(file);
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
