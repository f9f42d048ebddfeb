//! The IPC file format, read by byte ranges: the footer, then one record batch at a time.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_buffer::Buffer;
use arrow_ipc::reader::{FileDecoder, read_footer_length};
use arrow_ipc::{Block, MetadataVersion};
use arrow_schema::{ArrowError, SchemaRef};
use sluice_core::chunked::ParallelChunkStream;
use sluice_core::{BatchStream, ByteSource, Error, Position, Result};

use crate::guard::guarded;
use crate::message::{self, check_message};
use crate::parallel::{BlockDecoder, BlockSplitter};
use crate::rebatch::Slicer;
use crate::{FILE_MAGIC, FORMAT};

/// The leading magic plus padding, and the trailing footer length plus magic.
const HEAD_LEN: u64 = 8;
const TAIL_LEN: u64 = 10;
/// Batch headers read per `read_ranges` call when counting rows.
const COUNT_CHUNK: usize = 1024;

/// An opened IPC file: its footer parsed, no record batch read yet.
#[derive(Debug)]
pub(crate) struct IpcFile {
    source: Arc<dyn ByteSource>,
    location: String,
    schema: SchemaRef,
    version: MetadataVersion,
    dictionaries: Vec<Block>,
    batches: Vec<Block>,
}

impl IpcFile {
    /// Reads and checks the footer of `source`.
    pub(crate) fn open(source: Arc<dyn ByteSource>, location: &str) -> Result<IpcFile> {
        let parse = |message: String| Error::parse(FORMAT, location, Position::NONE, message);
        let size = source.size().ok_or_else(|| Error::Unsupported {
            location: location.to_string(),
            message: "the size of this object is unknown, so the footer of the Arrow IPC file \
                      cannot be found"
                .to_string(),
        })?;
        if size < HEAD_LEN + TAIL_LEN {
            return Err(parse(format!(
                "truncated Arrow IPC file: {size} bytes is too short to hold a footer"
            )));
        }
        let tail = source.read_range(size - TAIL_LEN..size)?;
        let tail: [u8; 10] = tail.as_ref().try_into().map_err(|_| {
            parse("the backend returned a short read for the last 10 bytes".to_string())
        })?;
        if &tail[4..] != FILE_MAGIC {
            return Err(parse(
                "truncated or corrupt Arrow IPC file: it starts with ARROW1 but does not end \
                 with the ARROW1 magic after its footer"
                    .to_string(),
            ));
        }
        let footer_len = read_footer_length(tail)
            .map_err(|e| crate::guard::arrow_error(location, Position::NONE, e))?
            as u64;
        let data_end = size - TAIL_LEN;
        if footer_len == 0 || footer_len > data_end - HEAD_LEN {
            return Err(parse(format!(
                "corrupt Arrow IPC file: the footer length {footer_len} does not fit in the \
                 file's {size} bytes"
            )));
        }
        let footer_start = data_end - footer_len;
        let footer_bytes = source.read_range(footer_start..data_end)?;
        let position = Position::offset(footer_start);
        let (schema, version, dictionaries, batches) = guarded(location, position, || {
            let footer = arrow_ipc::root_as_footer(&footer_bytes)
                .map_err(|e| ArrowError::ParseError(format!("corrupt footer: {e}")))?;
            let fb_schema = footer
                .schema()
                .ok_or_else(|| ArrowError::ParseError("the footer has no schema".to_string()))?;
            if !fb_schema.endianness().equals_to_target_endianness() {
                return Err(ArrowError::IpcError(
                    "the file is big-endian, which this machine cannot read".to_string(),
                ));
            }
            let schema = arrow_ipc::convert::try_fb_to_schema(fb_schema)?;
            let dictionaries: Vec<Block> = footer
                .dictionaries()
                .map(|v| v.iter().copied().collect())
                .unwrap_or_default();
            let batches: Vec<Block> = footer
                .recordBatches()
                .map(|v| v.iter().copied().collect())
                .unwrap_or_default();
            Ok((Arc::new(schema), footer.version(), dictionaries, batches))
        })?;
        for block in dictionaries.iter().chain(&batches) {
            let bad = block.offset() < HEAD_LEN as i64
                || block.metaDataLength() < 8
                || block.bodyLength() < 0
                || (block.offset() as u64)
                    .checked_add(block.metaDataLength() as u64)
                    .and_then(|e| e.checked_add(block.bodyLength() as u64))
                    .is_none_or(|end| end > footer_start);
            if bad {
                return Err(Error::parse(
                    FORMAT,
                    location,
                    position,
                    format!(
                        "corrupt footer: a block at offset {} of {} + {} bytes lies outside the \
                         data of the file",
                        block.offset(),
                        block.metaDataLength(),
                        block.bodyLength()
                    ),
                ));
            }
        }
        Ok(IpcFile {
            source,
            location: location.to_string(),
            schema,
            version,
            dictionaries,
            batches,
        })
    }

    /// The file's schema, from the footer.
    pub(crate) fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    /// The sum of the batch lengths, from the batch headers only (no column data).
    pub(crate) fn count_rows(&self) -> Result<u64> {
        let mut total = 0u64;
        for chunk in self.batches.chunks(COUNT_CHUNK) {
            let ranges: Vec<_> = chunk
                .iter()
                .map(|b| {
                    let start = b.offset() as u64;
                    start..start + b.metaDataLength() as u64
                })
                .collect();
            let headers = self.source.read_ranges(&ranges)?;
            for (block, header) in chunk.iter().zip(headers) {
                let position = Position::offset(block.offset() as u64);
                total += guarded(&self.location, position, || {
                    let message = message::parse(message::flatbuffer(&header)?)?;
                    let batch = message.header_as_record_batch().ok_or_else(|| {
                        ArrowError::ParseError("a record batch block holds another message".into())
                    })?;
                    u64::try_from(batch.length()).map_err(|_| {
                        ArrowError::ParseError(format!("negative row count {}", batch.length()))
                    })
                })?;
            }
        }
        Ok(total)
    }

    /// Starts reading the record batches, with `projection` (indices into the file's
    /// schema) pushed into the decoder, on `threads` threads when there are several
    /// batches. Dictionaries are read here.
    pub(crate) fn into_stream(
        self,
        projection: Option<Vec<usize>>,
        batch_size: usize,
        threads: usize,
    ) -> Result<Box<dyn BatchStream>> {
        let location = self.location;
        let schema = match &projection {
            Some(p) => Arc::new(
                self.schema
                    .project(p)
                    .map_err(|e| crate::guard::arrow_error(&location, Position::NONE, e))?,
            ),
            None => Arc::clone(&self.schema),
        };
        let mut decoder = FileDecoder::new(Arc::clone(&self.schema), self.version);
        if let Some(p) = projection {
            decoder = decoder.with_projection(p);
        }
        for block in &self.dictionaries {
            let buf = read_block(self.source.as_ref(), block)?;
            guarded(&location, Position::offset(block.offset() as u64), || {
                check_block(block, &buf)?;
                decoder.read_dictionary(block, &buf)
            })?;
        }
        if threads > 1 && self.batches.len() > 1 {
            let blocks = self
                .batches
                .iter()
                .map(|b| (b.offset() as u64, *b))
                .collect();
            let splitter = BlockSplitter::new(self.source, self.batches);
            let decoder = BlockDecoder {
                location,
                decoder,
                blocks,
                batch_size,
            };
            return Ok(Box::new(ParallelChunkStream::new(
                schema,
                Box::new(splitter),
                Arc::new(decoder),
                threads,
                threads * 2,
                false,
            )));
        }
        Ok(Box::new(IpcFileStream {
            source: self.source,
            location,
            schema,
            decoder,
            blocks: self.batches.into_iter(),
            slicer: Slicer::new(batch_size),
            failed: false,
        }))
    }
}

/// Checks the message in `buf` (a whole block) before arrow-ipc decodes it.
pub(crate) fn check_block(block: &Block, buf: &Buffer) -> std::result::Result<(), ArrowError> {
    let meta_len = block.metaDataLength() as usize;
    let meta = buf
        .get(..meta_len)
        .ok_or_else(|| ArrowError::ParseError("truncated block".to_string()))?;
    let message = message::parse(message::flatbuffer(meta)?)?;
    check_message(&message, &buf[meta_len..])
}

/// The bytes of `block` in the file (checked against the file's size by [`IpcFile::open`]).
pub(crate) fn block_range(block: &Block) -> std::ops::Range<u64> {
    let start = block.offset() as u64;
    start..start + block.metaDataLength() as u64 + block.bodyLength() as u64
}

fn read_block(source: &dyn ByteSource, block: &Block) -> Result<Buffer> {
    Ok(Buffer::from(source.read_range(block_range(block))?))
}

/// A [`BatchStream`] over the record batches of an IPC file, read one block at a time.
#[derive(Debug)]
pub(crate) struct IpcFileStream {
    source: Arc<dyn ByteSource>,
    location: String,
    schema: SchemaRef,
    decoder: FileDecoder,
    blocks: std::vec::IntoIter<Block>,
    slicer: Slicer,
    failed: bool,
}

impl IpcFileStream {
    fn read(&self, block: &Block) -> Result<Option<RecordBatch>> {
        let buf = read_block(self.source.as_ref(), block)?;
        guarded(
            &self.location,
            Position::offset(block.offset() as u64),
            || {
                check_block(block, &buf)?;
                self.decoder.read_record_batch(block, &buf)
            },
        )
    }
}

impl Iterator for IpcFileStream {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(batch) = self.slicer.pop() {
                return Some(Ok(batch));
            }
            if self.failed {
                return None;
            }
            let block = self.blocks.next()?;
            match self.read(&block) {
                Ok(Some(batch)) => self.slicer.push(batch),
                Ok(None) => {}
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl BatchStream for IpcFileStream {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }
}
