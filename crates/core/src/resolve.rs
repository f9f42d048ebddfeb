//! Deciding the codec and format of one object, and recording what decided it.

use std::fmt;
use std::io::Read;
use std::sync::Arc;

use crate::decoder::{Access, Probe, Sniff};
use crate::{
    ByteSource, Codec, DecodeInput, Decoder, Error, ObjectMeta, Registry, Result, ScanOptions,
    SourceOptions,
};

/// How many leading bytes are read (raw, then decompressed) to sniff an object.
pub const PROBE_BYTES: usize = 64 * 1024;

/// What decided a codec or format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Evidence {
    /// An explicit option.
    Option,
    /// The file extension.
    Extension,
    /// Magic bytes at the start of the content.
    Magic,
    /// Weak content heuristics.
    Heuristic,
    /// Nothing pointed anywhere: uncompressed, or an empty input.
    Default,
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Evidence::Option => "option",
            Evidence::Extension => "extension",
            Evidence::Magic => "magic",
            Evidence::Heuristic => "content",
            Evidence::Default => "default",
        })
    }
}

/// One object with its codec and format decided.
#[derive(Debug, Clone)]
pub struct ResolvedFile {
    /// The object.
    pub meta: ObjectMeta,
    /// What the format decoder reads.
    pub input: DecodeInput,
    /// The format.
    pub decoder: Arc<dyn Decoder>,
    /// What decided the format.
    pub format_evidence: Evidence,
    /// What decided the codec (or that there is none).
    pub codec_evidence: Evidence,
}

impl ResolvedFile {
    /// The codec's name, or `none`.
    pub fn codec_name(&self) -> &str {
        self.input.codec().map_or("none", |c| c.name())
    }
}

/// The codec (if any), what decided it, and the file name without the codec extension.
type CodecDecision<'a> = (Option<Arc<dyn Codec>>, Evidence, &'a str);

/// Formats that are recognised by magic bytes even when no decoder for them is linked, so
/// the error can say what the file is.
const KNOWN_MAGIC: &[(&str, &[u8])] = &[
    ("Parquet", b"PAR1"),
    ("Arrow IPC file", b"ARROW1"),
    ("Arrow IPC stream", &[0xff, 0xff, 0xff, 0xff]),
    ("NumPy .npy", b"\x93NUMPY"),
    ("Feather v1", b"FEA1"),
    ("ZIP archive", b"PK\x03\x04"),
    ("bzip2", b"BZh"),
    ("xz", &[0xfd, b'7', b'z', b'X', b'Z', 0x00]),
    ("lz4 frame", &[0x04, 0x22, 0x4d, 0x18]),
];

fn ends_with_ext<'a>(name: &'a str, ext: &str) -> Option<&'a str> {
    let n = name.len();
    let e = ext.len();
    if n > e + 1 && name.as_bytes()[n - e - 1] == b'.' && name[n - e..].eq_ignore_ascii_case(ext) {
        Some(&name[..n - e - 1])
    } else {
        None
    }
}

impl Registry {
    /// The codec named by the file's extension, and the name with that extension removed.
    pub fn codec_for_name<'a>(&self, name: &'a str) -> (Option<Arc<dyn Codec>>, &'a str) {
        for entry in self.codecs() {
            for ext in entry.item.extensions() {
                if let Some(stem) = ends_with_ext(name, ext) {
                    return (Some(Arc::clone(&entry.item)), stem);
                }
            }
        }
        (None, name)
    }

    /// The format whose extension (longest first) ends `name`, which has its codec
    /// extension already removed.
    pub fn decoder_for_name(&self, name: &str) -> Option<Arc<dyn Decoder>> {
        let mut best: Option<(usize, &Arc<dyn Decoder>)> = None;
        for entry in self.decoders() {
            for ext in entry.item.extensions() {
                if ends_with_ext(name, ext).is_some() && best.is_none_or(|(len, _)| ext.len() > len)
                {
                    best = Some((ext.len(), &entry.item));
                }
            }
        }
        best.map(|(_, d)| Arc::clone(d))
    }

    /// Whether a file name has an extension of a registered format (after any codec
    /// extension); directory scans read only such files.
    pub fn is_supported_name(&self, name: &str) -> bool {
        let (_, stem) = self.codec_for_name(name);
        self.decoder_for_name(stem).is_some()
    }

    /// Opens `meta` and decides its codec and format: explicit options first, then the
    /// extensions peeled from the right, then magic bytes, then weak content heuristics.
    /// An extension that contradicts strong evidence in the content is an error.
    pub fn resolve(
        &self,
        meta: &ObjectMeta,
        source_options: &SourceOptions,
        options: &ScanOptions,
    ) -> Result<ResolvedFile> {
        let backend = self.source(meta.location.scheme())?;
        let source = backend.open(&meta.location, source_options)?;
        let location = meta.location.to_string();
        let name = meta.location.file_name();

        let (raw_head, raw_complete) = read_head(&source, &location)?;
        let (codec, codec_evidence, stem) =
            self.decide_codec(&location, name, &raw_head, options)?;

        let mut input = DecodeInput::new(Arc::clone(&source), codec.clone());
        let (head, complete) = match &codec {
            None => (raw_head, raw_complete),
            Some(codec) => decompress_head(codec.as_ref(), &location, raw_head, raw_complete)?,
        };
        let probe = Probe {
            head: &head,
            complete,
            name: stem,
        };
        let (decoder, format_evidence) = self.decide_format(&location, &probe, options)?;
        if decoder.access() == Access::RandomAccess && input.random_access().is_none() {
            input = match (&codec, options.buffer_compressed_bytes) {
                (Some(_), Some(cap)) => buffer_in_memory(&input, &location, cap)?,
                (Some(c), None) => {
                    return Err(Error::Unsupported {
                        location,
                        message: format!(
                            "{} files need random access, which a {}-compressed file cannot give; \
                             decompress it first (the format compresses internally, so store it \
                             uncompressed), or let sluice decompress it into memory \
                             (--buffer-compressed BYTES, ScanOptions::with_buffer_compressed_bytes)",
                            decoder.name(),
                            c.name()
                        ),
                    });
                }
                (None, _) => {
                    return Err(Error::Unsupported {
                        location,
                        message: format!(
                            "{} files need random access, which this source does not give \
                             (standard input, for one); read it from a file",
                            decoder.name()
                        ),
                    });
                }
            };
        }
        Ok(ResolvedFile {
            meta: meta.clone(),
            input,
            decoder,
            format_evidence,
            codec_evidence,
        })
    }

    fn decide_codec<'a>(
        &self,
        location: &str,
        name: &'a str,
        head: &[u8],
        options: &ScanOptions,
    ) -> Result<CodecDecision<'a>> {
        let (ext_codec, stem) = self.codec_for_name(name);
        if let Some(forced) = options.compression.as_deref() {
            if forced.eq_ignore_ascii_case("none") {
                return Ok((None, Evidence::Option, stem));
            }
            let codec = self.codec(forced).ok_or_else(|| {
                Error::invalid_option(format!(
                    "unknown compression {forced:?}; available: none, {}",
                    self.codec_names().join(", ")
                ))
            })?;
            return Ok((Some(codec), Evidence::Option, stem));
        }
        let magic_codec = self
            .codecs()
            .iter()
            .find(|e| e.item.matches_magic(head))
            .map(|e| Arc::clone(&e.item));
        match (ext_codec, magic_codec) {
            (Some(ext), Some(magic)) if ext.name() == magic.name() => {
                Ok((Some(ext), Evidence::Extension, stem))
            }
            (Some(ext), Some(magic)) => Err(Error::FormatMismatch {
                location: location.to_string(),
                message: format!(
                    "the extension says {} but the content starts with {} magic bytes",
                    ext.name(),
                    magic.name()
                ),
            }),
            // A 0-byte object is empty whatever its name says.
            (Some(_), None) if head.is_empty() => Ok((None, Evidence::Default, stem)),
            (Some(ext), None) => Err(Error::FormatMismatch {
                location: location.to_string(),
                message: format!(
                    "the extension says {} but the content does not start with {} magic bytes \
                     (it starts with {}); pass --compression none if it is not compressed",
                    ext.name(),
                    ext.name(),
                    describe_head(head)
                ),
            }),
            (None, Some(magic)) => Ok((Some(magic), Evidence::Magic, stem)),
            (None, None) => Ok((None, Evidence::Default, stem)),
        }
    }

    fn decide_format(
        &self,
        location: &str,
        probe: &Probe<'_>,
        options: &ScanOptions,
    ) -> Result<(Arc<dyn Decoder>, Evidence)> {
        if let Some(forced) = options.format.as_deref() {
            let decoder = self.decoder(forced).ok_or_else(|| {
                Error::invalid_option(format!(
                    "unknown format {forced:?}; available: {}",
                    self.decoder_names().join(", ")
                ))
            })?;
            return Ok((decoder, Evidence::Option));
        }
        let sniffs: Vec<(Sniff, &Arc<dyn Decoder>)> = self
            .decoders()
            .iter()
            .map(|e| (e.item.sniff(probe), &e.item))
            .collect();
        let strongest = sniffs
            .iter()
            .filter(|(s, _)| *s == Sniff::Yes)
            .map(|(_, d)| *d)
            .next();

        if let Some(by_ext) = self.decoder_for_name(probe.name) {
            let verdict = by_ext.sniff(probe);
            if verdict != Sniff::No {
                return Ok((by_ext, Evidence::Extension));
            }
            let seems = strongest
                .map(|d| format!("looks like {}", d.name()))
                .or_else(|| known_magic(probe.head).map(|k| format!("looks like {k}")))
                .unwrap_or_else(|| format!("starts with {}", describe_head(probe.head)));
            return Err(Error::FormatMismatch {
                location: location.to_string(),
                message: format!(
                    "the extension says {} but the content {seems}; pass --format to override",
                    by_ext.name()
                ),
            });
        }
        if let Some(d) = strongest {
            return Ok((Arc::clone(d), Evidence::Magic));
        }
        if let Some(kind) = known_magic(probe.head) {
            return Err(Error::UnknownFormat {
                location: location.to_string(),
                message: format!("the content looks like {kind}, which this build cannot read"),
            });
        }
        if let Some((_, d)) = sniffs.iter().find(|(s, _)| *s == Sniff::Maybe) {
            return Ok((Arc::clone(d), Evidence::Heuristic));
        }
        Err(Error::UnknownFormat {
            location: location.to_string(),
            message: format!(
                "cannot tell the format: the name has no known extension and the content \
                 (starting with {}) matches none of: {}; pass --format",
                describe_head(probe.head),
                self.decoder_names().join(", ")
            ),
        })
    }
}

/// Decompresses `input` into memory, up to `cap` bytes, as an uncompressed random-access
/// input under the same name.
fn buffer_in_memory(input: &DecodeInput, location: &str, cap: usize) -> Result<DecodeInput> {
    let mut data = Vec::new();
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    input
        .reader()?
        .take(limit)
        .read_to_end(&mut data)
        .map_err(|e| input.io_error(e))?;
    if data.len() > cap {
        return Err(Error::Unsupported {
            location: location.to_string(),
            message: format!(
                "decompresses to more than the {cap} bytes allowed for buffering in memory; \
                 decompress it to a file first, or allow more"
            ),
        });
    }
    let source = crate::MemorySource::new(location, data);
    Ok(DecodeInput::new(Arc::new(source), None))
}

fn known_magic(head: &[u8]) -> Option<&'static str> {
    KNOWN_MAGIC
        .iter()
        .find(|(_, m)| head.starts_with(m))
        .map(|(k, _)| *k)
}

/// Up to the first 16 bytes, as text if printable, else as hex.
fn describe_head(head: &[u8]) -> String {
    if head.is_empty() {
        return "nothing (the input is empty)".to_string();
    }
    let shown = &head[..head.len().min(16)];
    if shown.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        format!("{:?}", String::from_utf8_lossy(shown))
    } else {
        let hex: Vec<String> = shown.iter().map(|b| format!("{b:02x}")).collect();
        format!("bytes {}", hex.join(" "))
    }
}

fn read_head(source: &Arc<dyn ByteSource>, location: &str) -> Result<(Vec<u8>, bool)> {
    let mut reader = source.reader()?;
    read_up_to(&mut reader, PROBE_BYTES).map_err(|e| Error::from_io(location, e))
}

/// Reads until `limit` bytes or end of input; `complete` is true when the end was seen.
fn read_up_to(reader: &mut dyn Read, limit: usize) -> std::io::Result<(Vec<u8>, bool)> {
    let mut buf = vec![0u8; limit];
    let mut filled = 0;
    while filled < limit {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => {
                buf.truncate(filled);
                return Ok((buf, true));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    // Full: peek one more byte to learn whether the input ends exactly here.
    let mut one = [0u8; 1];
    let complete = loop {
        match reader.read(&mut one) {
            Ok(n) => break n == 0,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    Ok((buf, complete))
}

fn decompress_head(
    codec: &dyn Codec,
    location: &str,
    raw: Vec<u8>,
    raw_complete: bool,
) -> Result<(Vec<u8>, bool)> {
    let cursor: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(raw));
    let mut reader = codec.decompress(cursor)?;
    let mut out = Vec::with_capacity(PROBE_BYTES);
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        if out.len() >= PROBE_BYTES {
            out.truncate(PROBE_BYTES);
            return Ok((out, false));
        }
        match reader.read(&mut chunk) {
            Ok(0) => return Ok((out, raw_complete)),
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // The head was cut at PROBE_BYTES; what decompressed so far is the probe.
            Err(_) if !raw_complete && !out.is_empty() => return Ok((out, false)),
            Err(e) => {
                return Err(Error::Decompress {
                    codec: codec.name().to_string(),
                    location: location.to_string(),
                    source: e,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_matching_is_case_insensitive_and_needs_a_stem() {
        assert_eq!(ends_with_ext("a.CSV", "csv"), Some("a"));
        assert_eq!(ends_with_ext(".csv", "csv"), None);
        assert_eq!(ends_with_ext("acsv", "csv"), None);
        assert_eq!(ends_with_ext("x.jsonl.gz", "gz"), Some("x.jsonl"));
    }

    #[test]
    fn describes_heads() {
        assert_eq!(describe_head(b"a,b,c\n1"), "bytes 61 2c 62 2c 63 0a 31");
        assert_eq!(describe_head(b"hello"), "\"hello\"");
        assert_eq!(describe_head(b""), "nothing (the input is empty)");
    }
}
