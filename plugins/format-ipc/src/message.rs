//! Checks of one encapsulated IPC message before arrow-ipc decodes it.
//!
//! arrow-ipc allocates the uncompressed size that a compressed buffer declares in its
//! 8-byte prefix before decompressing it; a corrupt prefix would abort the process on a
//! failed allocation, which no `catch_unwind` can stop. [`check_message`] refuses
//! declared sizes beyond what the codec can produce from the compressed bytes, and buffers
//! that lie outside the message body.

use arrow_ipc::{CompressionType, Message, RecordBatch as FbBatch};
use arrow_schema::ArrowError;

/// The most an LZ4 frame expands (about 255x), with room to spare.
const LZ4_MAX_RATIO: u64 = 300;
/// The most a zstd frame expands: a 128 KiB RLE block costs 4 bytes (32768x).
const ZSTD_MAX_RATIO: u64 = 40_000;
/// Slack for tiny buffers, whose frame overhead dominates.
const SLACK: u64 = 64 << 10;
/// The value of the prefix that marks a buffer stored uncompressed.
const STORED_UNCOMPRESSED: i64 = -1;

/// Parses `meta`, the flatbuffer of a message (after its length prefix).
pub(crate) fn parse(meta: &[u8]) -> Result<Message<'_>, ArrowError> {
    arrow_ipc::root_as_message(meta)
        .map_err(|e| ArrowError::ParseError(format!("corrupt message header: {e}")))
}

/// Splits an encapsulated message (`[ff ff ff ff] len flatbuffer`) into its flatbuffer.
pub(crate) fn flatbuffer(block: &[u8]) -> Result<&[u8], ArrowError> {
    let rest = match block.get(..4) {
        Some([0xff, 0xff, 0xff, 0xff]) => block.get(8..),
        Some(_) => block.get(4..),
        None => None,
    };
    rest.ok_or_else(|| ArrowError::ParseError("truncated message header".to_string()))
}

/// Checks that every compressed buffer of a record or dictionary batch `message` lies in
/// `body` and declares an uncompressed size its codec can produce.
pub(crate) fn check_message(message: &Message<'_>, body: &[u8]) -> Result<(), ArrowError> {
    if let Some(batch) = message.header_as_record_batch() {
        check_batch(&batch, body)
    } else if let Some(batch) = message.header_as_dictionary_batch().and_then(|d| d.data()) {
        check_batch(&batch, body)
    } else {
        Ok(())
    }
}

fn check_batch(batch: &FbBatch<'_>, body: &[u8]) -> Result<(), ArrowError> {
    // Every buffer must lie in the body (arrow-ipc would panic slicing it).
    for buffer in batch.buffers().iter().flatten() {
        let end = u64::try_from(buffer.offset())
            .ok()
            .zip(u64::try_from(buffer.length()).ok())
            .and_then(|(o, l)| o.checked_add(l));
        if end.is_none_or(|end| end > body.len() as u64) {
            return Err(ArrowError::ParseError(format!(
                "corrupt batch: a buffer at {} of {} bytes lies outside the {}-byte body",
                buffer.offset(),
                buffer.length(),
                body.len()
            )));
        }
    }
    let Some(compression) = batch.compression() else {
        return Ok(());
    };
    let ratio = if compression.codec() == CompressionType::LZ4_FRAME {
        LZ4_MAX_RATIO
    } else {
        ZSTD_MAX_RATIO
    };
    for buffer in batch.buffers().iter().flatten() {
        if buffer.length() == 0 {
            continue;
        }
        let start = usize::try_from(buffer.offset()).ok();
        let end = start.zip(usize::try_from(buffer.length()).ok());
        let prefix = end
            .and_then(|(s, l)| s.checked_add(l).map(|e| (s, e)))
            .filter(|&(s, e)| e <= body.len() && e - s >= 8)
            .map(|(s, _)| &body[s..s + 8])
            .ok_or_else(|| {
                ArrowError::ParseError(format!(
                    "corrupt batch: a compressed buffer at {} of {} bytes lies outside the \
                     {}-byte body",
                    buffer.offset(),
                    buffer.length(),
                    body.len()
                ))
            })?;
        let mut declared = [0u8; 8];
        declared.copy_from_slice(prefix);
        let declared = i64::from_le_bytes(declared);
        if declared == STORED_UNCOMPRESSED {
            continue;
        }
        let limit = (buffer.length() as u64)
            .saturating_mul(ratio)
            .saturating_add(SLACK);
        if declared < 0 || declared as u64 > limit {
            return Err(ArrowError::ParseError(format!(
                "corrupt compressed buffer: {} bytes cannot decompress to the {declared} bytes \
                 it declares",
                buffer.length()
            )));
        }
    }
    Ok(())
}
