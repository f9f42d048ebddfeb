//! An opened local file.

use std::fs::File;
use std::io::Read;
use std::ops::Range;

use bytes::Bytes;
use sluice_core::{ByteSource, Error, Location, Result};

/// A local file opened for sequential and positional reads.
#[derive(Debug)]
pub struct LocalFile {
    location: Location,
    file: File,
    size: u64,
}

impl LocalFile {
    /// Opens the file at `location` (a `file` location).
    pub fn open(location: Location) -> Result<Self> {
        let path = super::fs_path(&location).to_string();
        let file = File::open(&path).map_err(|e| Error::from_io(location.to_string(), e))?;
        let meta = file
            .metadata()
            .map_err(|e| Error::from_io(location.to_string(), e))?;
        if meta.is_dir() {
            return Err(Error::Io {
                location: location.to_string(),
                source: std::io::Error::other("is a directory, not a file"),
            });
        }
        Ok(LocalFile {
            location,
            file,
            size: meta.len(),
        })
    }

    fn io(&self, err: std::io::Error) -> Error {
        Error::from_io(self.location.to_string(), err)
    }
}

impl ByteSource for LocalFile {
    fn location(&self) -> &Location {
        &self.location
    }

    fn size(&self) -> Option<u64> {
        Some(self.size)
    }

    fn reader(&self) -> Result<Box<dyn Read + Send>> {
        // A fresh handle per reader, so readers do not share a cursor.
        let file = File::open(super::fs_path(&self.location)).map_err(|e| self.io(e))?;
        Ok(Box::new(file))
    }

    fn supports_random_access(&self) -> bool {
        true
    }

    fn read_range(&self, range: Range<u64>) -> Result<Bytes> {
        if range.start > range.end || range.end > self.size {
            return Err(self.io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!("range {range:?} is outside the file's {} bytes", self.size),
            )));
        }
        let len = usize::try_from(range.end - range.start)
            .map_err(|_| self.io(std::io::Error::other("range too large for this platform")))?;
        let mut buf = vec![0u8; len];
        read_exact_at(&self.file, &mut buf, range.start).map_err(|e| self.io(e))?;
        Ok(Bytes::from(buf))
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}
