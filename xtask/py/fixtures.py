"""Writes the cross-implementation fixtures in testdata/: small files written by pandas,
pyarrow and Python's json module, each next to `<file>.expected.jsonl`, the rows pyarrow
(or Python, for formats pyarrow cannot read) reads from it, one JSON object per row, in the
form `sluice cat --output jsonl` prints: timestamps ISO-8601, NaN as null, bytes base64.

Deterministic: the same bytes on every run. Run through `cargo xtask fixtures`.
"""
import base64
import datetime as dt
import gzip
import json
import math
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.json as pjson
import zstandard


def plain(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, dt.datetime):
        return v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


def write_expected(path, rows):
    with open(str(path) + ".expected.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(plain(r), ensure_ascii=False) + "\n")


def expect_table(path, table):
    write_expected(path, table.to_pylist())


def csv_read(path, **kw):
    # pyarrow keeps empty strings in string columns; sluice reads every empty cell as null
    # (the documented behaviour), so the comparison asks pyarrow for the same.
    conv = pcsv.ConvertOptions(strings_can_be_null=True, quoted_strings_can_be_null=True)
    return pcsv.read_csv(path, convert_options=conv, **kw)


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    df = pd.DataFrame({
        "id": [1, 2, 3, 4, 5, 6],
        "price": [1.5, float("nan"), -0.25, 1e10, 3.0, 2.125],
        "in_stock": [True, False, True, True, False, True],
        "name": ["plain", "with, comma", 'with "quotes"', "multi\nline", "ünïcödé ✓", ""],
        "when": pd.to_datetime(["2024-01-02 03:04:05", "2024-02-29 00:00:00",
                                "1999-12-31 23:59:59", "2024-01-02 03:04:05",
                                "2000-01-01 00:00:00", "2030-06-15 12:30:00"]),
        "big": [2**62, -2**62, 0, 9007199254740993, -1, 42],
    })
    p = out / "pandas_mixed.csv"
    df.to_csv(p, index=False)
    expect_table(p, csv_read(p))

    p = out / "pandas_bom_crlf.csv"
    df.to_csv(p, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    expect_table(p, csv_read(p))

    p = out / "pandas_tabs.tsv"
    df.drop(columns=["name"]).to_csv(p, index=False, sep="\t")
    expect_table(p, csv_read(p, parse_options=pcsv.ParseOptions(delimiter="\t")))

    table = pa.table({
        "k": pa.array([10, 20, 30, None], pa.int64()),
        "v": pa.array([0.5, None, 2.5, 3.5], pa.float64()),
        "s": pa.array(["a", "b,c", None, 'd"e'], pa.string()),
        "flag": pa.array([True, None, False, True], pa.bool_()),
    })
    p = out / "pyarrow_written.csv"
    pcsv.write_csv(table, p)
    expect_table(p, csv_read(p))

    recs = pd.DataFrame({
        "id": [1, 2, 3, 4],
        "score": [0.5, 1.0, None, 2.75],
        "label": ["x", None, "z", "w"],
        "tags": [["a", "b"], [], None, ["c"]],
        "info": [{"n": 1, "ok": True}, {"n": 2, "ok": False}, None, {"n": 4, "ok": None}],
        "huge": [2**62, 2**53 + 1, -7, 0],
    })
    p = out / "pandas_records.jsonl"
    recs.to_json(p, orient="records", lines=True)
    expect_table(p, pjson.read_json(p))
    raw = p.read_bytes()
    for suffix, data in ((".gz", gzip.compress(raw, mtime=0)),
                         (".zst", zstandard.ZstdCompressor().compress(raw))):
        q = out / ("pandas_records.jsonl" + suffix)
        q.write_bytes(data)
        expect_table(q, pjson.read_json(p))

    nested = [
        {"a": 1, "b": {"c": [1, 2, 3], "d": {"e": "deep"}}, "items": [{"x": 1}, {"x": 2}]},
        {"a": 2, "b": {"c": [], "d": None}, "items": []},
        {"a": None, "b": None, "items": None},
        {"a": 4, "b": {"c": None, "d": {"e": None}}, "items": [{"x": None}]},
        {"a": 5},
    ]
    p = out / "nested.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in nested) + "\n\n", encoding="utf-8")
    expect_table(p, pjson.read_json(p))

    p = out / "array.json"
    arr = [{"name": "n%d" % i, "value": i * 1.5, "odd": i % 2 == 1,
            "pos": {"x": i, "y": -i}} for i in range(7)]
    p.write_text(json.dumps(arr, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    # pyarrow cannot read a JSON array; read it the way pyarrow reads the same rows as lines.
    lines = out / "tmp_array.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in arr), encoding="utf-8")
    expect_table(p, pjson.read_json(lines))
    lines.unlink()

    p = out / "lines.txt"
    text = "first line\r\nsecond ünï line\n\n  indented\t tab\nlast without newline"
    p.write_bytes(text.encode("utf-8"))
    write_expected(p, [{"text": t} for t in text.replace("\r\n", "\n").split("\n")])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "testdata")
