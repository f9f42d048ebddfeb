//! The command line, as clap derive types.

use clap::{Args, Parser, Subcommand, ValueEnum};
use sluice::{Scan, ScanOptions};

use crate::Failure;

/// Stream datasets (CSV/TSV, JSON, JSON Lines, text; gzip or zstd compressed) as rows.
#[derive(Debug, Parser)]
#[command(name = "sluice", version, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,

    /// Load a plugin library (its formats join the built-in ones). Repeatable; the
    /// SLUICE_PLUGIN_PATH environment variable lists more (files or directories,
    /// `:`-separated).
    #[arg(long = "plugin", value_name = "PATH", global = true)]
    pub(crate) plugins: Vec<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print every row (JSON Lines when piped, a table on a terminal).
    Cat(CatArgs),
    /// Print the first rows as a table.
    Head(HeadArgs),
    /// Print the number of rows.
    Count(CountArgs),
    /// Print the unified schema, one `name: Type (nullable)` line per column.
    Schema(SchemaArgs),
    /// List the files the locations resolve to, with format, codec, size and evidence.
    Ls(LsArgs),
    /// List the registered formats, codecs and storage backends.
    Formats,
}

/// How rows are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputKind {
    /// One JSON object per line, every column present.
    Jsonl,
    /// CSV with a header line.
    Csv,
    /// An aligned table for people.
    Table,
}

/// Options shared by every command that reads data.
#[derive(Debug, Args)]
pub(crate) struct ReadArgs {
    /// Files, directories, globs (quote them) or `-` for standard input.
    #[arg(value_name = "LOCATION", required = true)]
    pub(crate) locations: Vec<String>,

    /// The format, overriding extension and content (csv, tsv, json, jsonl, text, ...).
    #[arg(long, value_name = "FORMAT")]
    pub(crate) format: Option<String>,

    /// The compression, overriding extension and magic bytes (gzip, zstd or none).
    #[arg(long, value_name = "CODEC")]
    pub(crate) compression: Option<String>,

    /// A format option; the value is read as JSON when it parses, else as a string.
    /// Repeatable.
    #[arg(long = "option", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub(crate) options: Vec<(String, serde_json::Value)>,

    /// Rows sampled to infer a schema.
    #[arg(long, value_name = "N")]
    pub(crate) infer_rows: Option<usize>,

    /// Decoding threads (0 = one per core).
    #[arg(long, value_name = "N")]
    pub(crate) threads: Option<usize>,

    /// Read compressed Parquet or Arrow files by decompressing them into memory, up to
    /// this many bytes each.
    #[arg(long, value_name = "BYTES")]
    pub(crate) buffer_compressed: Option<usize>,

    /// Rows per batch.
    #[arg(long, value_name = "N")]
    pub(crate) batch_size: Option<usize>,
}

impl ReadArgs {
    /// The scan these arguments describe, with a projection and a limit. A column named
    /// twice in the projection is refused: the output could not hold it twice.
    pub(crate) fn scan(
        &self,
        projection: Option<&[String]>,
        limit: Option<usize>,
    ) -> Result<Scan, Failure> {
        if let Some(columns) = projection {
            for (i, column) in columns.iter().enumerate() {
                if columns[..i].contains(column) {
                    return Err(Failure::Message(format!(
                        "column {column:?} is named twice in --columns"
                    )));
                }
            }
        }
        let mut options = ScanOptions::new();
        if let Some(format) = &self.format {
            options = options.with_format(format.as_str());
        }
        if let Some(codec) = &self.compression {
            options = options.with_compression(codec.as_str());
        }
        for (key, value) in &self.options {
            options = options.with_format_option(key.as_str(), value.clone());
        }
        if let Some(n) = self.infer_rows {
            options = options.with_infer_rows(n);
        }
        if let Some(n) = self.buffer_compressed {
            options = options.with_buffer_compressed_bytes(n);
        }
        if let Some(n) = self.threads {
            options = options.with_threads(n);
        }
        if let Some(n) = self.batch_size {
            options = options.with_batch_size(n);
        }
        if let Some(columns) = projection {
            options = options.with_projection(columns.iter().map(String::as_str));
        }
        if let Some(n) = limit {
            options = options.with_limit(n);
        }
        Ok(Scan::new(self.locations.iter().map(String::as_str))
            .with_options(options)
            .with_registry(crate::plugins::registry()))
    }
}

#[derive(Debug, Args)]
pub(crate) struct CatArgs {
    #[command(flatten)]
    pub(crate) read: ReadArgs,

    /// Only these columns, in this order (comma-separated).
    #[arg(long, short = 'c', value_name = "A,B,...", value_delimiter = ',')]
    pub(crate) columns: Option<Vec<String>>,

    /// Stop after N rows.
    #[arg(long, value_name = "N")]
    pub(crate) limit: Option<usize>,

    /// Output format [default: jsonl when stdout is not a terminal, else table].
    #[arg(long, value_enum, value_name = "KIND")]
    pub(crate) output: Option<OutputKind>,
}

#[derive(Debug, Args)]
pub(crate) struct HeadArgs {
    #[command(flatten)]
    pub(crate) read: ReadArgs,

    /// Only these columns, in this order (comma-separated).
    #[arg(long, short = 'c', value_name = "A,B,...", value_delimiter = ',')]
    pub(crate) columns: Option<Vec<String>>,

    /// How many rows.
    #[arg(short = 'n', long = "rows", value_name = "N", default_value_t = 10)]
    pub(crate) rows: usize,

    /// Output format.
    #[arg(long, value_enum, value_name = "KIND", default_value = "table")]
    pub(crate) output: OutputKind,
}

#[derive(Debug, Args)]
pub(crate) struct CountArgs {
    #[command(flatten)]
    pub(crate) read: ReadArgs,
}

#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    #[command(flatten)]
    pub(crate) read: ReadArgs,

    /// Only these columns, in this order (comma-separated).
    #[arg(long, short = 'c', value_name = "A,B,...", value_delimiter = ',')]
    pub(crate) columns: Option<Vec<String>>,

    /// Print the schema as JSON.
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Args)]
pub(crate) struct LsArgs {
    #[command(flatten)]
    pub(crate) read: ReadArgs,
}

/// `key=value`, the value parsed as JSON when it parses (`true`, `3`, `"x"`), else kept
/// as a string (`;`, `tab`).
fn parse_key_value(s: &str) -> Result<(String, serde_json::Value), String> {
    let (key, value) = s
        .split_once('=')
        .ok_or_else(|| format!("expected KEY=VALUE, got {s:?}"))?;
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("empty option name in {s:?}"));
    }
    let value = serde_json::from_str(value)
        .unwrap_or_else(|_| serde_json::Value::String(value.to_string()));
    Ok((key.to_string(), value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn option_values_are_json_when_they_parse() {
        let parse = parse_key_value;
        assert_eq!(parse("header=false"), Ok(("header".into(), json!(false))));
        assert_eq!(parse("skip=3"), Ok(("skip".into(), json!(3))));
        assert_eq!(parse("delimiter=;"), Ok(("delimiter".into(), json!(";"))));
        assert_eq!(parse("quote=\"'\""), Ok(("quote".into(), json!("'"))));
        assert_eq!(parse("null="), Ok(("null".into(), json!(""))));
        assert_eq!(parse("a=b=c"), Ok(("a".into(), json!("b=c"))));
        assert!(parse("novalue").is_err());
        assert!(parse("=x").is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
