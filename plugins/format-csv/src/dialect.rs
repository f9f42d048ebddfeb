//! [`Dialect`]: the format options of a CSV file, read from [`ScanOptions`].

use arrow_csv::reader::Format;
use sluice_core::{Error, FormatOptions, Result, ScanOptions};

/// The default of the `block_size` option: bytes per chunk decoded in parallel.
pub(crate) const DEFAULT_BLOCK_SIZE: usize = 4 << 20;

/// How a delimited file is written (header, delimiter, quoting, escaping and comments) and
/// read (block size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dialect {
    pub(crate) header: bool,
    pub(crate) delimiter: u8,
    pub(crate) quote: u8,
    pub(crate) escape: Option<u8>,
    pub(crate) comment: Option<u8>,
    /// About how many bytes each thread decodes at a time when one input is decoded on
    /// several threads (a longer record makes a longer block).
    pub(crate) block_size: usize,
}

impl Dialect {
    /// Reads the format options of decoder `format`, with `delimiter` as the default
    /// delimiter. Unknown keys and conflicting characters are [`Error::InvalidOption`].
    pub(crate) fn from_options(
        format: &str,
        delimiter: u8,
        options: &ScanOptions,
    ) -> Result<Dialect> {
        let mut opts = FormatOptions::new(format, &options.format_options);
        let dialect = Dialect {
            header: opts.bool("header")?.unwrap_or(true),
            delimiter: opts.byte("delimiter")?.unwrap_or(delimiter),
            quote: opts.byte("quote")?.unwrap_or(b'"'),
            escape: opts.byte("escape")?,
            comment: opts.byte("comment")?,
            block_size: opts
                .usize("block_size")?
                .unwrap_or(DEFAULT_BLOCK_SIZE)
                .max(1),
        };
        opts.finish()?;
        dialect.check(format)?;
        Ok(dialect)
    }

    fn check(&self, format: &str) -> Result<()> {
        let named = [
            ("delimiter", Some(self.delimiter)),
            ("quote", Some(self.quote)),
            ("escape", self.escape),
            ("comment", self.comment),
        ];
        for (i, (name, byte)) in named.iter().enumerate() {
            let Some(byte) = *byte else { continue };
            if byte == b'\n' || byte == b'\r' {
                return Err(Error::invalid_option(format!(
                    "{format} option {name:?} cannot be a line break"
                )));
            }
            if !byte.is_ascii() {
                return Err(Error::invalid_option(format!(
                    "{format} option {name:?} must be one ASCII character"
                )));
            }
            for (other, other_byte) in &named[..i] {
                if *other_byte == Some(byte) {
                    return Err(Error::invalid_option(format!(
                        "{format} options {other:?} and {name:?} cannot both be {:?}",
                        char::from(byte)
                    )));
                }
            }
        }
        Ok(())
    }

    /// The arrow-csv format, for schema inference (rows with fewer fields than the header
    /// are allowed there; the decoder reports them with their line).
    pub(crate) fn format(&self) -> Format {
        let format = Format::default()
            .with_header(self.header)
            .with_delimiter(self.delimiter)
            .with_quote(self.quote)
            .with_truncated_rows(true);
        let format = match self.escape {
            Some(e) => format.with_escape(e),
            None => format,
        };
        match self.comment {
            Some(c) => format.with_comment(c),
            None => format,
        }
    }

    /// The arrow-csv format for decoding: the header is skipped by sluice, never by
    /// arrow-csv, so that arrow-csv counts data records only.
    pub(crate) fn decode_format(&self) -> Format {
        self.format().with_header(false).with_truncated_rows(false)
    }

    /// A csv-core parser with the same rules as arrow-csv's, for counting records and
    /// locating errors.
    pub(crate) fn parser(&self) -> csv_core::Reader {
        csv_core::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .quote(self.quote)
            .escape(self.escape)
            .comment(self.comment)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let d = Dialect::from_options("tsv", b'\t', &ScanOptions::new()).unwrap();
        assert_eq!(
            d,
            Dialect {
                header: true,
                delimiter: b'\t',
                quote: b'"',
                escape: None,
                comment: None,
                block_size: DEFAULT_BLOCK_SIZE
            }
        );
        let opts = ScanOptions::new()
            .with_format_option("header", "false")
            .with_format_option("delimiter", ";")
            .with_format_option("quote", "'")
            .with_format_option("escape", "\\")
            .with_format_option("comment", "#")
            .with_format_option("block_size", 1000);
        let d = Dialect::from_options("csv", b',', &opts).unwrap();
        assert_eq!(
            d,
            Dialect {
                header: false,
                delimiter: b';',
                quote: b'\'',
                escape: Some(b'\\'),
                comment: Some(b'#'),
                block_size: 1000
            }
        );
    }

    #[test]
    fn rejects_unknown_and_conflicting() {
        let err = Dialect::from_options(
            "csv",
            b',',
            &ScanOptions::new().with_format_option("delimeter", ";"),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid option: unknown csv option(s) delimeter; known options: block_size, \
             comment, delimiter, escape, header, quote"
        );
        let err = Dialect::from_options(
            "csv",
            b',',
            &ScanOptions::new().with_format_option("quote", ","),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("\"delimiter\" and \"quote\""),
            "{err}"
        );
        let err = Dialect::from_options(
            "csv",
            b',',
            &ScanOptions::new().with_format_option("delimiter", "\n"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("line break"), "{err}");
    }
}
