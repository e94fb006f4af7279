//! The file format of a put blob: a sequence of records, each `payload ‖ trailer`, where the
//! trailer is `len (u64 LE) ‖ etag (32 hex chars) ‖ MAGIC`. A put appends one record, so a
//! rewrite creates no inode and a durable one is a single `fdatasync` of an append (about a
//! third of temp file + fsync + rename + directory fsync here). The value is the last record
//! whose payload matches its etag; a torn last record (a power cut mid-write) falls back to the
//! one before. A file without a valid trailer is a plain file (older data directories, append
//! blobs): its whole content is the value.

use appgen_core::ports::ETag;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

const MAGIC: &[u8; 8] = b"appgenB1";
const ETAG_LEN: usize = 32;
pub(super) const TRAILER: usize = 8 + ETAG_LEN + MAGIC.len();

pub(super) fn etag_of(bytes: &[u8]) -> ETag {
    ETag(appgen_core::snapshot::content_hash(bytes)[..ETAG_LEN].to_owned())
}

/// One record: the payload and its trailer.
pub(super) fn encode(payload: &[u8], etag: &ETag) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + TRAILER);
    out.extend_from_slice(payload);
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(etag.0.as_bytes());
    out.extend_from_slice(MAGIC);
    out
}

/// The current value of a blob file.
#[derive(Debug, PartialEq)]
pub(super) struct Current {
    pub bytes: Vec<u8>,
    pub etag: ETag,
    /// The file is a sequence of records (later puts may append to it).
    pub framed: bool,
    /// The file's size.
    pub size: u64,
}

/// Parses the trailer ending at `end` of `tail` (the last TRAILER bytes before a record end).
fn trailer(t: &[u8]) -> Option<(u64, &str)> {
    if t.len() != TRAILER || &t[TRAILER - MAGIC.len()..] != MAGIC {
        return None;
    }
    let len = u64::from_le_bytes(t[..8].try_into().ok()?);
    let etag = std::str::from_utf8(&t[8..8 + ETAG_LEN]).ok()?;
    Some((len, etag))
}

/// The last valid record of a whole file's bytes, or the bytes themselves when none is.
pub(super) fn parse(bytes: Vec<u8>) -> Current {
    let mut end = bytes.len();
    while end >= TRAILER {
        if let Some((len, etag)) = trailer(&bytes[end - TRAILER..end])
            && let Some(start) = (end - TRAILER).checked_sub(len as usize)
            && etag_of(&bytes[start..end - TRAILER]).0 == etag
        {
            return Current {
                etag: ETag(etag.to_owned()),
                bytes: bytes[start..end - TRAILER].to_vec(),
                framed: true,
                size: bytes.len() as u64,
            };
        }
        // A torn or foreign tail: look for the end of an earlier record.
        match bytes[..end - 1]
            .windows(MAGIC.len())
            .rposition(|w| w == MAGIC)
        {
            Some(at) => end = at + MAGIC.len(),
            None => break,
        }
    }
    Current {
        etag: etag_of(&bytes),
        size: bytes.len() as u64,
        bytes,
        framed: false,
    }
}

/// An open blob file, its size and its last TRAILER bytes (when it is that long).
type OpenTail = (File, u64, Option<[u8; TRAILER]>);

fn open_tail(path: &Path) -> io::Result<Option<OpenTail>> {
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let size = f.metadata()?.len();
    let mut tail = None;
    if size >= TRAILER as u64 {
        let mut t = [0u8; TRAILER];
        f.read_exact_at(&mut t, size - TRAILER as u64)?;
        tail = Some(t);
    }
    Ok(Some((f, size, tail)))
}

/// Reads a blob file's current value: the last record with two positioned reads, or the whole
/// file when its tail is not a valid record.
pub(super) fn read(path: &Path) -> io::Result<Option<Current>> {
    open_tail(path)?.map(value).transpose()
}

/// The current value of an open blob file, given its tail.
fn value((f, size, tail): OpenTail) -> io::Result<Current> {
    if let Some(t) = &tail
        && let Some((len, etag)) = trailer(t)
        && let Some(start) = (size - TRAILER as u64).checked_sub(len)
    {
        let mut bytes = vec![0u8; len as usize];
        f.read_exact_at(&mut bytes, start)?;
        if etag_of(&bytes).0 == etag {
            return Ok(Current {
                etag: ETag(etag.to_owned()),
                bytes,
                framed: true,
                size,
            });
        }
    }
    let mut all = Vec::with_capacity(size as usize);
    (&f).read_to_end(&mut all)?;
    Ok(parse(all))
}

/// Bytes of a blob from `offset`: of its value when the file ends with a record, else of the
/// plain file (append blobs, read incrementally: only what is past `offset` is read).
pub(super) fn read_from(path: &Path, offset: u64) -> io::Result<Option<Vec<u8>>> {
    let Some((f, size, tail)) = open_tail(path)? else {
        return Ok(None);
    };
    if tail.as_ref().and_then(|t| trailer(t)).is_some() {
        let bytes = value((f, size, tail))?.bytes;
        return Ok(Some(
            bytes.get(offset as usize..).unwrap_or_default().to_vec(),
        ));
    }
    if offset >= size {
        return Ok(Some(Vec::new()));
    }
    let mut out = vec![0u8; (size - offset) as usize];
    f.read_exact_at(&mut out, offset)?;
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(s: &str) -> Vec<u8> {
        encode(s.as_bytes(), &etag_of(s.as_bytes()))
    }

    #[test]
    fn the_last_record_is_the_value() {
        let mut file = rec("v1");
        file.extend(rec(""));
        file.extend(rec("v3 with appgenB1 inside"));
        let cur = parse(file);
        assert_eq!(cur.bytes, b"v3 with appgenB1 inside");
        assert_eq!(cur.etag, etag_of(b"v3 with appgenB1 inside"));
        assert!(cur.framed);
        let empty = parse(rec(""));
        assert_eq!((empty.bytes.len(), empty.framed), (0, true));
    }

    #[test]
    fn a_torn_last_record_falls_back_to_the_one_before() {
        let mut file = rec("v1");
        let mut torn = rec("v2-longer");
        torn[0] = b'X'; // payload does not match its etag
        file.extend(torn);
        assert_eq!(parse(file.clone()).bytes, b"v1");
        let cut = rec("v2-longer");
        file.truncate(file.len() - cut.len() + 5); // a partial append
        assert_eq!(parse(file).bytes, b"v1");
    }

    #[test]
    fn plain_files_are_their_own_value() {
        let cur = parse(b"{\"legacy\":true}".to_vec());
        assert_eq!(cur.bytes, b"{\"legacy\":true}");
        assert_eq!(cur.etag, etag_of(b"{\"legacy\":true}"));
        assert!(!cur.framed);
        assert!(!parse(Vec::new()).framed);
    }

    #[test]
    fn reads_match_parses() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("b");
        let mut file = rec("one");
        file.extend(rec("two"));
        std::fs::write(&path, &file).expect("write");
        assert_eq!(read(&path).expect("read"), Some(parse(file.clone())));
        file.extend_from_slice(b"garbage after a crash");
        std::fs::write(&path, &file).expect("write");
        assert_eq!(read(&path).expect("read").expect("some").bytes, b"two");
        assert_eq!(read(&dir.path().join("none")).expect("read"), None);
    }
}
