//! What each subcommand does.

use std::io::{IsTerminal, Write};

use sluice::arrow::record_batch::RecordBatch;
use sluice::{ResolvedFile, ScanReader};

use crate::Failure;
use crate::args::{CatArgs, Command, CountArgs, HeadArgs, LsArgs, OutputKind, SchemaArgs};
use crate::output::schema::{schema_json, schema_lines};
use crate::output::{RowWriter, Stdout};
use crate::progress::Progress;

pub(crate) fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Cat(args) => cat(args),
        Command::Head(args) => head(args),
        Command::Count(args) => count(args),
        Command::Schema(args) => schema(args),
        Command::Ls(args) => ls(args),
        Command::Formats => formats(),
    }
}

fn cat(args: CatArgs) -> Result<(), Failure> {
    let stdout_is_terminal = std::io::stdout().is_terminal();
    let kind = args.output.unwrap_or(if stdout_is_terminal {
        OutputKind::Table
    } else {
        OutputKind::Jsonl
    });
    let scan = args.read.scan(args.columns.as_deref(), args.limit)?;
    let reader = scan.reader()?;
    print_rows(reader, kind, Progress::new(!stdout_is_terminal))
}

fn head(args: HeadArgs) -> Result<(), Failure> {
    let scan = args.read.scan(args.columns.as_deref(), Some(args.rows))?;
    let reader = scan.reader()?;
    print_rows(reader, args.output, Progress::new(false))
}

/// Streams every batch of `reader` to standard output. Rows read before an error are
/// printed before the error is reported.
fn print_rows(
    mut reader: ScanReader,
    kind: OutputKind,
    mut progress: Progress,
) -> Result<(), Failure> {
    let mut out = RowWriter::new(kind, Stdout::new(), reader.schema())?;
    while let Some(batch) = next(&mut reader, &mut progress)? {
        out.write(&batch)?;
    }
    progress.finish();
    out.finish()
}

fn next(reader: &mut ScanReader, progress: &mut Progress) -> Result<Option<RecordBatch>, Failure> {
    let batch = reader.next_batch()?;
    if let Some(b) = &batch {
        progress.add(b.num_rows());
    }
    Ok(batch)
}

fn count(args: CountArgs) -> Result<(), Failure> {
    // Formats that know their row count from metadata (Parquet footers) answer without
    // decoding; the others are counted per file, in parallel.
    let rows = args.read.scan(None, None)?.count_rows()?;
    print(&format!("{rows}\n"))
}

fn schema(args: SchemaArgs) -> Result<(), Failure> {
    let schema = args.read.scan(args.columns.as_deref(), None)?.schema()?;
    if args.json {
        print(&schema_json(&schema))
    } else {
        print(&schema_lines(&schema))
    }
}

fn ls(args: LsArgs) -> Result<(), Failure> {
    let files = args.read.scan(None, None)?.files()?;
    let rows: Vec<Vec<String>> = files.iter().map(file_row).collect();
    print(&align(&rows))
}

/// location, format, codec, size, evidence.
fn file_row(file: &ResolvedFile) -> Vec<String> {
    vec![
        file.meta.location.to_string(),
        file.decoder.name().to_string(),
        file.codec_name().to_string(),
        file.meta
            .size
            .map_or_else(|| "-".to_string(), |s| s.to_string()),
        format!(
            "format={} codec={}",
            file.format_evidence, file.codec_evidence
        ),
    ]
}

fn formats() -> Result<(), Failure> {
    let registry = crate::plugins::registry();
    let mut rows = Vec::new();
    for e in registry.decoders() {
        rows.push(vec![
            "format".to_string(),
            e.item.name().to_string(),
            list(e.item.extensions()),
            e.origin.to_string(),
        ]);
    }
    for e in registry.codecs() {
        rows.push(vec![
            "codec".to_string(),
            e.item.name().to_string(),
            list(e.item.extensions()),
            e.origin.to_string(),
        ]);
    }
    for e in registry.sources() {
        rows.push(vec![
            "source".to_string(),
            e.item.name().to_string(),
            list(e.item.schemes()),
            e.origin.to_string(),
        ]);
    }
    print(&align(&rows))
}

fn list(items: &[&str]) -> String {
    if items.is_empty() {
        "-".to_string()
    } else {
        items.join(",")
    }
}

/// Rows of cells as lines, every column but the last padded to its widest cell, columns
/// two spaces apart.
fn align(rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let w = cell.chars().count();
            match widths.get_mut(i) {
                Some(max) => *max = (*max).max(w),
                None => widths.push(w),
            }
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                let pad = widths[i] - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn print(text: &str) -> Result<(), Failure> {
    let mut out = Stdout::new();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns_but_not_the_last() {
        let rows = vec![
            vec!["a.csv".to_string(), "csv".to_string(), "x y".to_string()],
            vec![
                "long.jsonl".to_string(),
                "jsonl".to_string(),
                "z".to_string(),
            ],
        ];
        assert_eq!(
            align(&rows),
            "a.csv       csv    x y\nlong.jsonl  jsonl  z\n"
        );
    }
}
