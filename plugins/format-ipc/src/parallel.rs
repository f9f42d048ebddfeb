//! Decoding the record batches of one IPC file on several cores: the splitter reads one
//! block (record batch) at a time by range, workers decode blocks in parallel (LZ4/ZSTD
//! decompression is the costly part), and the batches come out in file order.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_buffer::Buffer;
use arrow_ipc::Block;
use arrow_ipc::reader::FileDecoder;
use sluice_core::chunked::{Chunk, ChunkDecoder, ChunkOutput, ChunkSplitter};
use sluice_core::{ByteSource, Error, Position, Result};

use crate::file::{block_range, check_block};
use crate::guard::guarded;
use crate::rebatch::Slicer;

/// Reads the blocks of an IPC file in order, one chunk each.
pub(crate) struct BlockSplitter {
    source: Arc<dyn ByteSource>,
    blocks: std::vec::IntoIter<Block>,
}

impl BlockSplitter {
    pub(crate) fn new(source: Arc<dyn ByteSource>, blocks: Vec<Block>) -> Self {
        BlockSplitter {
            source,
            blocks: blocks.into_iter(),
        }
    }
}

impl ChunkSplitter for BlockSplitter {
    fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        let Some(block) = self.blocks.next() else {
            return Ok(None);
        };
        let data = self.source.read_range(block_range(&block))?;
        Ok(Some(Chunk {
            data: Vec::from(data),
            first_line: 0,
            offset: block.offset() as u64,
        }))
    }
}

/// Decodes one block into batches of at most `batch_size` rows.
pub(crate) struct BlockDecoder {
    pub(crate) location: String,
    pub(crate) decoder: FileDecoder,
    /// The blocks by file offset.
    pub(crate) blocks: HashMap<u64, Block>,
    pub(crate) batch_size: usize,
}

impl ChunkDecoder for BlockDecoder {
    fn decode(&self, chunk: &Chunk) -> ChunkOutput {
        let position = Position::offset(chunk.offset);
        let Some(block) = self.blocks.get(&chunk.offset) else {
            return ChunkOutput::failed(Error::Internal {
                message: format!("no IPC block at offset {}", chunk.offset),
            });
        };
        let buf = Buffer::from(chunk.data.as_slice());
        let batch = guarded(&self.location, position, || {
            check_block(block, &buf)?;
            self.decoder.read_record_batch(block, &buf)
        });
        match batch {
            Ok(Some(batch)) => {
                let mut slicer = Slicer::new(self.batch_size);
                slicer.push(batch);
                ChunkOutput::collect(std::iter::from_fn(|| slicer.pop().map(Ok)))
            }
            Ok(None) => ChunkOutput::default(),
            Err(e) => ChunkOutput::failed(e),
        }
    }
}
