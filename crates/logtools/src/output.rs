//! Writing an output file safely: to a temporary name in the same directory, renamed over the
//! final name only when complete, so a failed or interrupted tool never leaves half a file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// An output being written.
pub struct AtomicOutput {
    tmp: PathBuf,
    dest: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicOutput {
    /// Starts writing `dest` (through `.NAME.PID.tmp` beside it).
    pub fn create(dest: &Path) -> std::io::Result<AtomicOutput> {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&tmp)?;
        Ok(AtomicOutput {
            tmp,
            dest: dest.to_path_buf(),
            file: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The temporary path (for tools that write through another library, e.g. SQLite).
    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut dyn Write {
        match self.file.as_mut() {
            Some(f) => f,
            None => unreachable_writer(),
        }
    }

    /// Flushes, syncs and renames over the final name: the file is whole under its name even
    /// after a power loss right after this returns.
    pub fn commit(self) -> std::io::Result<()> {
        self.finish(true)
    }

    /// Flushes and renames over the final name without waiting for the disk. A crash of the
    /// process still never leaves a partial file under the final name (the rename comes after
    /// the last write); only a crash of the whole system soon after could. This is what `cp`
    /// and Kismet's `kismetdb_to_pcap` give, for outputs that can be made again.
    pub fn commit_unsynced(self) -> std::io::Result<()> {
        self.finish(false)
    }

    fn finish(mut self, sync: bool) -> std::io::Result<()> {
        if let Some(f) = self.file.take() {
            let f = f.into_inner().map_err(|e| e.into_error())?;
            if sync {
                f.sync_all()?;
            }
        }
        std::fs::rename(&self.tmp, &self.dest)
    }
}

fn unreachable_writer() -> &'static mut dyn Write {
    // After commit the output cannot be written; hand out a sink rather than panic.
    Box::leak(Box::new(std::io::sink()))
}

impl Drop for AtomicOutput {
    fn drop(&mut self) {
        if self.file.is_some() || self.tmp.exists() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_or_nothing() {
        let d = tempfile::tempdir().unwrap();
        let dest = d.path().join("out.txt");
        {
            let mut o = AtomicOutput::create(&dest).unwrap();
            o.writer().write_all(b"half").unwrap();
            // dropped without commit
        }
        assert!(!dest.exists());
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
        let mut o = AtomicOutput::create(&dest).unwrap();
        o.writer().write_all(b"whole").unwrap();
        o.commit().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"whole");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
        // Without the sync: the same file, the same single entry.
        let dest2 = d.path().join("out2.txt");
        let mut o = AtomicOutput::create(&dest2).unwrap();
        o.writer().write_all(&[7u8; 200_000]).unwrap();
        assert!(!dest2.exists());
        o.commit_unsynced().unwrap();
        assert_eq!(std::fs::read(&dest2).unwrap(), vec![7u8; 200_000]);
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 2);
    }
}
