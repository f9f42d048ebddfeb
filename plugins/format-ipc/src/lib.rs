//! sluice-format-ipc: Arrow IPC files and streams (and Feather v2) for sluice.
//!
//! [`IpcDecoder`] is registered through `inventory` as `arrow` (extensions `arrow`, `ipc`,
//! `feather` and `arrows`). One decoder reads both IPC formats; the first bytes decide:
//!
//! - `ARROW1`: the IPC *file* format (Feather v2 is this format). It is read by byte
//!   ranges: the footer first, then only the record batches, one at a time, so memory does
//!   not grow with the file. LZ4- and ZSTD-compressed buffers are supported.
//! - `FF FF FF FF` (or a legacy length prefix): the IPC *stream* format, read front to back,
//!   so it also works compressed (`.arrows.zst`) and from standard input. HuggingFace
//!   `save_to_disk` shards are streams named `.arrow`.
//! - `FEA1`: Feather v1, refused with an error that says how to convert it.
//!
//! ```
//! use std::sync::Arc;
//! use arrow_array::{Int64Array, RecordBatch, cast::AsArray, types::Int64Type};
//! use arrow_ipc::writer::FileWriter;
//! use sluice_core::{DecodeInput, Decoder, MemorySource, Result, ScanOptions};
//! use sluice_format_ipc::IpcDecoder;
//!
//! let batch = RecordBatch::try_from_iter([("n", Arc::new(Int64Array::from(vec![1, 2, 3])) as _)])?;
//! let mut file = Vec::new();
//! let mut writer = FileWriter::try_new(&mut file, &batch.schema())?;
//! writer.write(&batch)?;
//! writer.finish()?;
//! drop(writer);
//!
//! let input = DecodeInput::new(Arc::new(MemorySource::new("n.arrow", file)), None);
//! let opts = ScanOptions::new().with_batch_size(2);
//! let batches: Vec<_> = IpcDecoder.open(&input, &opts)?.collect::<Result<_>>()?;
//! let sizes: Vec<usize> = batches.iter().map(|b| b.num_rows()).collect();
//! assert_eq!(sizes, [2, 1]);
//! assert_eq!(batches[1].column(0).as_primitive::<Int64Type>().value(0), 3);
//! assert_eq!(IpcDecoder.count_rows(&input, &opts).transpose()?, Some(3));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Behaviour
//!
//! - Projection keeps the requested order; in the file format unselected columns are
//!   skipped without being decompressed.
//! - Batches hold at most `batch_size` rows: bigger IPC batches are sliced (zero-copy).
//! - A file's record batches are decoded on `threads` cores (0: one per core), in order.
//! - [`Decoder::count_rows`] of a file sums the batch lengths from the batch headers,
//!   without reading any column data; a stream is counted by decoding.
//! - An IPC *file* needs random access: a compressed one (`x.arrow.zst`) or one on standard
//!   input is an [`Error::Unsupported`](sluice_core::Error::Unsupported) saying to
//!   decompress it first or to write the stream format instead, unless
//!   `ScanOptions::buffer_compressed_bytes` lets it be decompressed into memory.
//! - An explicit schema in the options is not applied here: IPC data carries its own.
//! - There are no format options; any key is an error.
//! - Corrupt, truncated or empty inputs are errors naming the file, never panics.

mod file;
mod guard;
mod message;
mod parallel;
mod rebatch;
mod stream;

use std::io::Read;
use std::sync::Arc;

use arrow_schema::SchemaRef;
use sluice_core::{
    BatchStream, ByteSource, DecodeInput, Decoder, DecoderRegistration, Error, FormatOptions,
    MemorySource, Position, Probe, Result, ScanOptions, Sniff,
};

use crate::file::IpcFile;

/// The format's name in messages.
pub(crate) const FORMAT: &str = "Arrow IPC";

/// Magic bytes of the IPC file format (start and end of the file).
const FILE_MAGIC: &[u8] = b"ARROW1";
/// The continuation marker that starts every message of the IPC stream format.
const STREAM_MAGIC: &[u8] = &[0xff, 0xff, 0xff, 0xff];
/// Magic bytes of Feather v1.
const FEATHER_V1_MAGIC: &[u8] = b"FEA1";

/// The Arrow IPC decoder: the file format by ranges, the stream format front to back.
#[derive(Debug, Clone, Copy, Default)]
pub struct IpcDecoder;

inventory::submit! {
    DecoderRegistration { name: "arrow", priority: 31, create: || Arc::new(IpcDecoder) }
}

/// The first bytes of an input, and the reader that read them when it was read
/// sequentially (standard input cannot rewind, so a stream reads on from it).
struct Head {
    bytes: Vec<u8>,
    rest: Option<Box<dyn Read + Send>>,
}

impl Head {
    /// The bytes already read and a reader of the rest of the decompressed input.
    fn into_reader(self, input: &DecodeInput) -> Result<(Vec<u8>, Box<dyn Read + Send>)> {
        match self.rest {
            Some(rest) => Ok((self.bytes, rest)),
            None => Ok((Vec::new(), input.reader()?)),
        }
    }
}

/// Which IPC flavour an input's first bytes announce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavour {
    File,
    Stream,
}

impl IpcDecoder {
    /// Reads the first bytes of `input` (by range when it can, so that opening an IPC file
    /// on object storage starts no whole-object read) and decides its flavour.
    fn flavour(&self, input: &DecodeInput) -> Result<(Flavour, Head)> {
        let sized = input.random_access().filter(|s| s.size().is_some());
        let (head, rest) = match sized {
            Some(source) => {
                let size = source.size().unwrap_or(0);
                (source.read_range(0..size.min(8))?.to_vec(), None)
            }
            None => {
                let mut reader = input.reader()?;
                let mut head = Vec::with_capacity(8);
                (&mut reader)
                    .take(8)
                    .read_to_end(&mut head)
                    .map_err(|e| input.io_error(e))?;
                (head, Some(reader))
            }
        };
        let location = input.location();
        if head.is_empty() {
            return Err(Error::parse(
                FORMAT,
                location,
                Position::NONE,
                "the file is empty (0 bytes); an Arrow IPC file or stream has at least a schema",
            ));
        }
        if head.starts_with(FILE_MAGIC) {
            return Ok((Flavour::File, Head { bytes: head, rest }));
        }
        if head.starts_with(STREAM_MAGIC) || looks_like_legacy_stream(&head) {
            return Ok((Flavour::Stream, Head { bytes: head, rest }));
        }
        if head.starts_with(FEATHER_V1_MAGIC) {
            return Err(Error::Unsupported {
                location: location.to_string(),
                message: "this is a Feather v1 file (FEA1 magic), an obsolete format sluice \
                          does not read; convert it to Feather v2 / Arrow IPC, e.g. in Python: \
                          pyarrow.feather.write_feather(pyarrow.feather.read_table(path), \
                          new_path, version=2)"
                    .to_string(),
            });
        }
        Err(Error::parse(
            FORMAT,
            location,
            Position::offset(0),
            format!(
                "not an Arrow IPC file or stream: it starts with {} instead of \"ARROW1\" or \
                 the continuation marker ff ff ff ff",
                describe(&head)
            ),
        ))
    }

    /// Opens an IPC file by ranges: directly, or (decompressed) into memory when the options
    /// allow it; else says why it cannot be.
    fn open_file(&self, input: &DecodeInput, options: &ScanOptions) -> Result<IpcFile> {
        if let Some(source) = input.random_access() {
            return IpcFile::open(Arc::clone(source), input.location());
        }
        let message = match (input.codec(), options.buffer_compressed_bytes) {
            (_, Some(cap)) => {
                return IpcFile::open(buffer_in_memory(input, cap)?, input.location());
            }
            (Some(codec), None) => format!(
                "this is an Arrow IPC *file* (ARROW1), which is read by byte ranges, and a \
                 {}-compressed file cannot give them; decompress it first (IPC buffers can be \
                 LZ4/ZSTD-compressed inside the file instead), write the IPC stream format \
                 (.arrows), which reads compressed, or let sluice decompress it into memory \
                 (--buffer-compressed BYTES, ScanOptions::with_buffer_compressed_bytes)",
                codec.name()
            ),
            (None, None) => "this is an Arrow IPC *file* (ARROW1), which is read by byte ranges, \
                             and this source (standard input, for one) cannot give them; read it \
                             from a file, write the IPC stream format (.arrows), or let sluice \
                             read it into memory (--buffer-compressed BYTES)"
                .to_string(),
        };
        Err(Error::Unsupported {
            location: input.location().to_string(),
            message,
        })
    }
}

/// The threads to decode one file on: `options.threads`, 0 meaning one per core.
fn threads(options: &ScanOptions) -> usize {
    match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// Decompresses `input` into memory, up to `cap` bytes.
fn buffer_in_memory(input: &DecodeInput, cap: usize) -> Result<Arc<dyn ByteSource>> {
    let mut data = Vec::new();
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    input
        .reader()?
        .take(limit)
        .read_to_end(&mut data)
        .map_err(|e| input.io_error(e))?;
    if data.len() > cap {
        return Err(Error::Unsupported {
            location: input.location().to_string(),
            message: format!(
                "decompresses to more than the {cap} bytes allowed for buffering in memory; \
                 decompress it to a file first, or allow more"
            ),
        });
    }
    Ok(Arc::new(MemorySource::new(input.location(), data)))
}

/// Whether `head` starts like a pre-0.15 IPC stream: a little-endian metadata length with no
/// continuation marker, of a plausible size, followed by a flatbuffer.
fn looks_like_legacy_stream(head: &[u8]) -> bool {
    let Some(len) = head.get(..4) else {
        return false;
    };
    let len = i32::from_le_bytes([len[0], len[1], len[2], len[3]]);
    (16..1 << 20).contains(&len) && len % 8 == 0
}

/// Up to the first 8 bytes, as text if printable, else as hex.
fn describe(head: &[u8]) -> String {
    let shown = &head[..head.len().min(8)];
    if shown.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        format!("{:?}", String::from_utf8_lossy(shown))
    } else {
        let hex: Vec<String> = shown.iter().map(|b| format!("{b:02x}")).collect();
        format!("bytes {}", hex.join(" "))
    }
}

impl Decoder for IpcDecoder {
    fn name(&self) -> &str {
        "arrow"
    }

    fn extensions(&self) -> &[&str] {
        &["arrow", "ipc", "feather", "arrows"]
    }

    /// `Yes` for the file magic `ARROW1`, the stream continuation marker and Feather v1
    /// (so that its open gives the conversion advice); `Maybe` for a legacy stream's length
    /// prefix and for heads too short to tell; `No` otherwise.
    fn sniff(&self, probe: &Probe<'_>) -> Sniff {
        let head = probe.head;
        let magics = [FILE_MAGIC, STREAM_MAGIC, FEATHER_V1_MAGIC];
        if magics.iter().any(|m| head.starts_with(m)) {
            Sniff::Yes
        } else if looks_like_legacy_stream(head)
            || (head.len() < 6 && magics.iter().any(|m| m.starts_with(head)))
        {
            Sniff::Maybe
        } else {
            Sniff::No
        }
    }

    fn validate_options(&self, options: &ScanOptions) -> Result<()> {
        FormatOptions::new("arrow", &options.format_options).finish()
    }

    /// Reads only the schema: the footer of a file, the first message of a stream.
    fn infer_schema(&self, input: &DecodeInput, options: &ScanOptions) -> Result<SchemaRef> {
        self.validate_options(options)?;
        let (flavour, head) = self.flavour(input)?;
        match flavour {
            Flavour::File => Ok(self.open_file(input, options)?.schema()),
            Flavour::Stream => {
                let (head, rest) = head.into_reader(input)?;
                stream::read_schema(head, rest, input)
            }
        }
    }

    fn open(&self, input: &DecodeInput, options: &ScanOptions) -> Result<Box<dyn BatchStream>> {
        self.validate_options(options)?;
        let (flavour, head) = self.flavour(input)?;
        match flavour {
            Flavour::File => {
                drop(head);
                let file = self.open_file(input, options)?;
                let projection =
                    options.projection_indices(&file.schema(), Some(input.location()))?;
                file.into_stream(projection, options.batch_size, threads(options))
            }
            Flavour::Stream => {
                let (head, rest) = head.into_reader(input)?;
                stream::open(head, rest, input, options)
            }
        }
    }

    /// A file's row count from its batch headers (no column data is read); `None` for a
    /// stream, which must be decoded to be counted.
    fn count_rows(&self, input: &DecodeInput, options: &ScanOptions) -> Option<Result<u64>> {
        if let Err(e) = self.validate_options(options) {
            return Some(Err(e));
        }
        match self.flavour(input) {
            Err(e) => Some(Err(e)),
            Ok((Flavour::Stream, _)) => None,
            Ok((Flavour::File, _)) => {
                Some(self.open_file(input, options).and_then(|f| f.count_rows()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(head: &[u8]) -> Sniff {
        IpcDecoder.sniff(&Probe {
            head,
            complete: false,
            name: "x.arrow",
        })
    }

    #[test]
    fn sniffs_magic() {
        assert_eq!(sniff(b"ARROW1\0\0"), Sniff::Yes);
        assert_eq!(sniff(&[0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0]), Sniff::Yes);
        assert_eq!(sniff(b"FEA1...."), Sniff::Yes);
        assert_eq!(sniff(b""), Sniff::Maybe);
        assert_eq!(sniff(b"ARR"), Sniff::Maybe);
        assert_eq!(sniff(&[0x10, 0, 0, 0, 0x0c, 0]), Sniff::Maybe);
        assert_eq!(sniff(b"a,b,c\n1,2,3\n"), Sniff::No);
        assert_eq!(sniff(b"PAR1\0\0"), Sniff::No);
    }
}
