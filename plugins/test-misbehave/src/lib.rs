//! sluice-test-misbehave: a sluice plugin that misbehaves on demand, for the plugin host's
//! tests. Never published.
//!
//! The format `misbehave` (extension `mb`) reads one integer per line into an `Int64`
//! column `n`. Its format option `mode` picks the misbehaviour: `ok` (the default),
//! `panic_open`, `panic_stream` (after the first batch), `error` (a parse error from
//! `open`), `nul_message` (an error whose message holds a NUL byte), `stream_error` (a
//! parse error after the first batch); and, to exercise the host's callbacks, `read_twice`
//! (reads the input twice, through a rewind) and `random_access` (reads it by ranges,
//! failing when the host offers no random access). An explicit schema of one Int64 column
//! renames the column. The format has priority 42.
//!
//! The codec `xor` (extension `xor`, magic `XOR1`, priority 7): the magic, the payload's
//! length as a little-endian u64, then the payload with every byte XORed with 0x5a. A
//! stream that ends early or runs past the length is corrupt; the length `u64::MAX` makes
//! it panic. [`xor_encode`] writes one.
//!
//! The storage backend `mbmem` (scheme `mbmem`) serves a few fixed objects
//! ([`MEM_OBJECTS`]) with random access; the object `mbmem://bucket/panic.mb` panics when
//! opened, `mbmem://bucket/fail-read.mb` opens but fails every read with a message that
//! (wrongly) repeats the `token` option, and an option `token` other than `letmein-42` is
//! refused with a message that (wrongly) repeats it.

use std::io::{self, Read};
use std::sync::Arc;

use arrow_array::{Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use sluice_core::{
    BatchStream, ByteSource, Codec, DecodeInput, Decoder, Error, FormatOptions, Location,
    MemorySource, ObjectMeta, Position, Probe, Result, ScanOptions, Sniff, SourceOptions,
    SourceReader,
};

/// The misbehaving decoder.
#[derive(Debug, Default)]
pub struct MisbehaveDecoder;

fn mode(options: &ScanOptions) -> Result<String> {
    let mut opts = FormatOptions::new("misbehave", &options.format_options);
    let mode = opts.string("mode")?.unwrap_or("ok").to_string();
    opts.finish()?;
    Ok(mode)
}

impl Decoder for MisbehaveDecoder {
    fn name(&self) -> &str {
        "misbehave"
    }

    fn extensions(&self) -> &[&str] {
        &["mb"]
    }

    fn sniff(&self, probe: &Probe<'_>) -> Sniff {
        if probe.head.starts_with(b"#misbehave") {
            Sniff::Yes
        } else {
            Sniff::No
        }
    }

    fn validate_options(&self, options: &ScanOptions) -> Result<()> {
        mode(options).map(drop)
    }

    fn open(&self, input: &DecodeInput, options: &ScanOptions) -> Result<Box<dyn BatchStream>> {
        let mode = mode(options)?;
        match mode.as_str() {
            "panic_open" => panic!("misbehave: asked to panic in open"),
            "error" => {
                return Err(Error::parse(
                    "misbehave",
                    input.location(),
                    Position::line(1),
                    "asked to fail",
                ));
            }
            "nul_message" => {
                return Err(Error::parse(
                    "misbehave",
                    input.location(),
                    Position::NONE,
                    "a NUL\0in the message",
                ));
            }
            _ => {}
        }
        let mut text = String::new();
        input
            .reader()?
            .read_to_string(&mut text)
            .map_err(|e| input.io_error(e))?;
        if mode == "read_twice" {
            let mut again = String::new();
            input
                .reader()?
                .read_to_string(&mut again)
                .map_err(|e| input.io_error(e))?;
            if again != text {
                return Err(Error::invalid_option(
                    "the second read differs from the first",
                ));
            }
        }
        if mode == "random_access" {
            let source = input.random_access().ok_or_else(|| Error::Unsupported {
                location: input.location().to_string(),
                message: "no random access".to_string(),
            })?;
            let size = source.size().unwrap_or(0);
            // Two ranges, the second ending at the end of the object.
            let half = size / 2;
            let mut bytes = source.read_range(0..half)?.to_vec();
            bytes.extend_from_slice(&source.read_range(half..size)?);
            if bytes != text.as_bytes() {
                return Err(Error::invalid_option(
                    "ranges differ from the sequential read",
                ));
            }
        }
        let mut values = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            values.push(line.parse::<i64>().map_err(|e| {
                Error::parse(
                    "misbehave",
                    input.location(),
                    Position::line(i as u64 + 1),
                    e.to_string(),
                )
            })?);
        }
        let column = match &options.schema {
            None => "n".to_string(),
            Some(schema)
                if schema.fields().len() == 1
                    && schema.field(0).data_type() == &DataType::Int64 =>
            {
                schema.field(0).name().clone()
            }
            Some(schema) => {
                return Err(Error::Schema {
                    message: format!("misbehave reads one Int64 column, not {schema:?}"),
                });
            }
        };
        let schema = Arc::new(Schema::new(vec![Field::new(
            column,
            DataType::Int64,
            false,
        )]));
        let batches: Vec<Vec<i64>> = values
            .chunks(options.batch_size.max(1))
            .map(<[i64]>::to_vec)
            .collect();
        Ok(Box::new(Stream {
            schema,
            batches: batches.into_iter(),
            mode,
            location: input.location().to_string(),
            yielded: 0,
        }))
    }
}

struct Stream {
    schema: SchemaRef,
    batches: std::vec::IntoIter<Vec<i64>>,
    mode: String,
    location: String,
    yielded: usize,
}

impl Iterator for Stream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.yielded == 1 {
            match self.mode.as_str() {
                "panic_stream" => panic!("misbehave: asked to panic mid-stream"),
                "stream_error" => {
                    self.yielded += 1;
                    return Some(Err(Error::parse(
                        "misbehave",
                        self.location.clone(),
                        Position::line(2),
                        "asked to fail mid-stream",
                    )));
                }
                _ => {}
            }
        }
        let values = self.batches.next()?;
        self.yielded += 1;
        Some(
            RecordBatch::try_new(
                Arc::clone(&self.schema),
                vec![Arc::new(Int64Array::from(values))],
            )
            .map_err(Error::from),
        )
    }
}

impl BatchStream for Stream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}

/// The `xor` codec.
#[derive(Debug, Default)]
pub struct XorCodec;

/// The XOR key of the `xor` codec.
const XOR_KEY: u8 = 0x5a;

/// `data` as an `xor` stream.
pub fn xor_encode(data: &[u8]) -> Vec<u8> {
    let mut out = b"XOR1".to_vec();
    out.extend_from_slice(&(data.len() as u64).to_le_bytes());
    out.extend(data.iter().map(|b| b ^ XOR_KEY));
    out
}

struct XorReader {
    inner: Box<dyn Read + Send>,
    /// The payload bytes still to come; `None` before the header is read.
    left: Option<u64>,
}

impl Read for XorReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = match self.left {
            Some(left) => left,
            None => {
                let mut header = [0u8; 12];
                self.inner.read_exact(&mut header)?;
                if &header[..4] != b"XOR1" {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "no XOR1 magic"));
                }
                let len = u64::from_le_bytes(header[4..].try_into().expect("8 bytes"));
                if len == u64::MAX {
                    panic!("xor: asked to panic by the length u64::MAX");
                }
                self.left = Some(len);
                len
            }
        };
        if left == 0 {
            // Nothing may follow the payload.
            let mut extra = [0u8; 1];
            return match self.inner.read(&mut extra)? {
                0 => Ok(0),
                _ => Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "bytes after the end of the xor payload",
                )),
            };
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the xor payload ends {left} bytes early"),
            ));
        }
        for b in &mut buf[..n] {
            *b ^= XOR_KEY;
        }
        self.left = Some(left - n as u64);
        Ok(n)
    }
}

impl Codec for XorCodec {
    fn name(&self) -> &str {
        "xor"
    }

    fn extensions(&self) -> &[&str] {
        &["xor"]
    }

    fn magic(&self) -> &[&[u8]] {
        &[b"XOR1"]
    }

    fn decompress(&self, input: Box<dyn Read + Send>) -> Result<Box<dyn Read + Send>> {
        Ok(Box::new(XorReader {
            inner: input,
            left: None,
        }))
    }
}

/// The objects of the `mbmem` storage backend: (location, content).
pub const MEM_OBJECTS: &[(&str, &[u8])] = &[
    ("mbmem://bucket/a.mb", b"#misbehave\n1\n2\n"),
    ("mbmem://bucket/c.csv", b"x,y\n1,2\n3,4\n"),
    ("mbmem://bucket/sub/b.mb", b"#misbehave\n3\n"),
];

/// The `mbmem` storage backend.
#[derive(Debug, Default)]
pub struct MemStore;

fn check_token(options: &SourceOptions) -> Result<()> {
    match options.get("token") {
        None | Some("letmein-42") => Ok(()),
        Some(other) => Err(Error::Unsupported {
            location: "mbmem://".to_string(),
            message: format!("the token {other} is refused"),
        }),
    }
}

impl SourceReader for MemStore {
    fn name(&self) -> &str {
        "mbmem"
    }

    fn schemes(&self) -> &[&str] {
        &["mbmem"]
    }

    fn head(&self, location: &Location, options: &SourceOptions) -> Result<Option<ObjectMeta>> {
        check_token(options)?;
        let key = location.to_string();
        Ok(MEM_OBJECTS
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(k, data)| ObjectMeta {
                location: Location::parse(k),
                size: Some(data.len() as u64),
            }))
    }

    fn list(&self, location: &Location, options: &SourceOptions) -> Result<Vec<ObjectMeta>> {
        check_token(options)?;
        let mut prefix = location.to_string();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(MEM_OBJECTS
            .iter()
            .filter(|(k, _)| k.starts_with(&prefix))
            .map(|(k, data)| ObjectMeta {
                location: Location::parse(k),
                size: Some(data.len() as u64),
            })
            .collect())
    }

    fn open(&self, location: &Location, options: &SourceOptions) -> Result<Arc<dyn ByteSource>> {
        check_token(options)?;
        let key = location.to_string();
        if key == "mbmem://bucket/panic.mb" {
            panic!("mbmem: asked to panic in open");
        }
        if key == "mbmem://bucket/fail-read.mb" {
            return Ok(Arc::new(FailingObject {
                location: location.clone(),
                token: options.get("token").unwrap_or("none").to_string(),
            }));
        }
        let (k, data) =
            MEM_OBJECTS
                .iter()
                .find(|(k, _)| *k == key)
                .ok_or_else(|| Error::NotFound {
                    location: key.clone(),
                    detail: Some("no such object in mbmem".to_string()),
                })?;
        Ok(Arc::new(MemorySource::new(k, data.to_vec())))
    }
}

/// An object that opens but fails every read, repeating the token (wrongly) in its message.
#[derive(Debug)]
struct FailingObject {
    location: Location,
    token: String,
}

impl ByteSource for FailingObject {
    fn location(&self) -> &Location {
        &self.location
    }

    fn size(&self) -> Option<u64> {
        None
    }

    fn reader(&self) -> Result<Box<dyn Read + Send>> {
        let message = format!("the read was refused for token {}", self.token);
        Ok(Box::new(FailingReader(message)))
    }

    fn supports_random_access(&self) -> bool {
        false
    }

    fn read_range(&self, _range: std::ops::Range<u64>) -> Result<bytes::Bytes> {
        Err(Error::Unsupported {
            location: self.location.to_string(),
            message: "no ranges".to_string(),
        })
    }
}

struct FailingReader(String);

impl Read for FailingReader {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other(self.0.clone()))
    }
}

sluice_plugin_sdk::export_plugin!(
    name: "misbehave",
    version: "0.0.1",
    decoders: [MisbehaveDecoder => 42],
    codecs: [XorCodec => 7],
    sources: [MemStore],
);
