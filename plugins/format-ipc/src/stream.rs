//! The IPC stream format, read front to back: each message is framed and checked here
//! (see [`crate::message`]), then decoded by arrow-ipc's
//! `read_dictionary` / `read_record_batch` with the projection pushed down.

use std::collections::HashMap;
use std::io::{BufReader, Chain, Cursor, Read};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_buffer::Buffer;
use arrow_ipc::reader::{read_dictionary, read_record_batch};
use arrow_schema::{ArrowError, SchemaRef};
use sluice_core::{BatchStream, DecodeInput, Position, Result, ScanOptions};

use crate::guard::{arrow_error, guarded};
use crate::message::{check_message, parse};
use crate::rebatch::Slicer;

/// The decompressed bytes of a stream: the head already read for sniffing, then the rest.
type Bytes = BufReader<Chain<Cursor<Vec<u8>>, Box<dyn Read + Send>>>;

/// Reads the stream message by message and decodes it with arrow-ipc's message functions.
struct Messages {
    reader: Bytes,
    /// The stream's schema, once its first message is read.
    schema: Option<SchemaRef>,
    dictionaries: HashMap<i64, ArrayRef>,
    /// Indices into the schema of the columns to decode.
    projection: Option<Vec<usize>>,
    /// Byte offset of the next message, for errors.
    offset: u64,
}

/// Reads up to `n` bytes onto `out`; fewer only at the end of the input.
fn read_onto(reader: &mut Bytes, n: u64, out: &mut Vec<u8>) -> std::io::Result<u64> {
    reader.take(n).read_to_end(out).map(|r| r as u64)
}

fn truncated(what: &str) -> ArrowError {
    ArrowError::ParseError(format!("the stream ends inside {what} (truncated?)"))
}

impl Messages {
    fn new(head: Vec<u8>, rest: Box<dyn Read + Send>) -> Self {
        Messages {
            reader: BufReader::with_capacity(256 << 10, Cursor::new(head).chain(rest)),
            schema: None,
            dictionaries: HashMap::new(),
            projection: None,
            offset: 0,
        }
    }

    /// The next message as one buffer (`ff ff ff ff`, length, flatbuffer, body) and where its
    /// body starts, checked; `None` at the end of the stream.
    fn next_message(&mut self) -> std::result::Result<Option<(Buffer, usize)>, ArrowError> {
        let io = |e: std::io::Error| ArrowError::IoError(e.to_string(), e);
        let mut prefix = Vec::with_capacity(8);
        let got = read_onto(&mut self.reader, 4, &mut prefix).map_err(io)?;
        if got == 0 {
            return Ok(None); // the end of the input stands for the end-of-stream marker
        }
        if got < 4 {
            return Err(truncated("a message length"));
        }
        if prefix == [0xff; 4] {
            prefix.clear();
            if read_onto(&mut self.reader, 4, &mut prefix).map_err(io)? < 4 {
                return Err(truncated("a message length"));
            }
        }
        let len = i32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
        if len == 0 {
            return Ok(None);
        }
        let len = u64::try_from(len)
            .map_err(|_| ArrowError::ParseError(format!("corrupt message length {len}")))?;
        let mut framed = vec![0xff, 0xff, 0xff, 0xff];
        framed.extend_from_slice(&prefix);
        if read_onto(&mut self.reader, len, &mut framed).map_err(io)? < len {
            return Err(truncated("a message header"));
        }
        let body_len = parse(&framed[8..])?.bodyLength();
        let body_len = u64::try_from(body_len).map_err(|_| {
            ArrowError::ParseError(format!("corrupt message body length {body_len}"))
        })?;
        // Grow once for bodies of a plausible size; a corrupt length only fails to fill.
        framed.reserve(body_len.min(64 << 20) as usize);
        if read_onto(&mut self.reader, body_len, &mut framed).map_err(io)? < body_len {
            return Err(truncated("a message body"));
        }
        let meta_end = 8 + len as usize;
        check_message(&parse(&framed[8..meta_end])?, &framed[meta_end..])?;
        self.offset += framed.len() as u64;
        Ok(Some((Buffer::from_vec(framed), meta_end)))
    }

    /// Reads the schema message.
    fn read_schema(&mut self) -> std::result::Result<SchemaRef, ArrowError> {
        let (buf, meta_end) = self.next_message()?.ok_or_else(|| {
            ArrowError::ParseError("the stream has no schema message".to_string())
        })?;
        let message = parse(&buf[8..meta_end])?;
        let fb = message.header_as_schema().ok_or_else(|| {
            ArrowError::ParseError(format!(
                "the stream starts with a {:?} message instead of a schema",
                message.header_type()
            ))
        })?;
        if !fb.endianness().equals_to_target_endianness() {
            return Err(ArrowError::IpcError(
                "the stream is big-endian, which this machine cannot read".to_string(),
            ));
        }
        let schema = Arc::new(arrow_ipc::convert::try_fb_to_schema(fb)?);
        self.schema = Some(Arc::clone(&schema));
        Ok(schema)
    }

    /// Decodes messages until a record batch (or the end).
    fn next_batch(&mut self) -> std::result::Result<Option<RecordBatch>, ArrowError> {
        let schema = self
            .schema
            .clone()
            .ok_or_else(|| ArrowError::ParseError("no schema was read".to_string()))?;
        while let Some((buf, meta_end)) = self.next_message()? {
            let message = parse(&buf[8..meta_end])?;
            let body = buf.slice(meta_end);
            let version = message.version();
            if let Some(batch) = message.header_as_record_batch() {
                return read_record_batch(
                    &body,
                    batch,
                    Arc::clone(&schema),
                    &self.dictionaries,
                    self.projection.as_deref(),
                    &version,
                )
                .map(Some);
            } else if let Some(dict) = message.header_as_dictionary_batch() {
                read_dictionary(&body, dict, &schema, &mut self.dictionaries, &version)?;
            } else {
                return Err(ArrowError::ParseError(format!(
                    "unexpected {:?} message inside the stream",
                    message.header_type()
                )));
            }
        }
        Ok(None)
    }
}

fn start(
    head: Vec<u8>,
    rest: Box<dyn Read + Send>,
    input: &DecodeInput,
) -> Result<(Messages, SchemaRef)> {
    let mut messages = Messages::new(head, rest);
    let schema = guarded(input.location(), Position::offset(0), || {
        messages.read_schema()
    })?;
    Ok((messages, schema))
}

/// The schema of a stream, from its first message only.
pub(crate) fn read_schema(
    head: Vec<u8>,
    rest: Box<dyn Read + Send>,
    input: &DecodeInput,
) -> Result<SchemaRef> {
    Ok(start(head, rest, input)?.1)
}

/// Opens a stream with the projection and batch size of `options`.
pub(crate) fn open(
    head: Vec<u8>,
    rest: Box<dyn Read + Send>,
    input: &DecodeInput,
    options: &ScanOptions,
) -> Result<Box<dyn BatchStream>> {
    let (mut messages, file_schema) = start(head, rest, input)?;
    let projection = options.projection_indices(&file_schema, Some(input.location()))?;
    messages.projection.clone_from(&projection);
    let schema = match &projection {
        Some(indices) => SchemaRef::new(
            file_schema
                .project(indices)
                .map_err(|e| arrow_error(input.location(), Position::NONE, e))?,
        ),
        None => file_schema,
    };
    Ok(Box::new(IpcStream {
        messages: Some(messages),
        location: input.location().to_string(),
        schema,
        slicer: Slicer::new(options.batch_size),
    }))
}

/// A [`BatchStream`] over an IPC stream.
struct IpcStream {
    /// `None` once the stream has ended or failed.
    messages: Option<Messages>,
    location: String,
    schema: SchemaRef,
    slicer: Slicer,
}

impl Iterator for IpcStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(batch) = self.slicer.pop() {
                return Some(Ok(batch));
            }
            let messages = self.messages.as_mut()?;
            let position = Position::offset(messages.offset);
            let next = guarded(&self.location, position, || messages.next_batch());
            match next {
                Ok(Some(batch)) => self.slicer.push(batch),
                Ok(None) => {
                    self.messages = None;
                    return None;
                }
                Err(e) => {
                    self.messages = None;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl BatchStream for IpcStream {
    fn schema(&self) -> SchemaRef {
        SchemaRef::clone(&self.schema)
    }
}
