"""Writes the Parquet fixtures in testdata/parquet/: small files written by pyarrow and
pandas (every type and codec sluice's Parquet reader must pass through, many row groups,
v2 pages with DELTA encodings, INT96 timestamps, a zero-row file, pandas index columns),
each next to `<file>.expected.jsonl`: the rows pyarrow reads from it, in the form
`sluice cat --output jsonl` prints them (see fixtures.py).

Deterministic: the same bytes on every run. Run through `cargo xtask fixtures`.
"""
import datetime as dt
import decimal
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fixtures import plain as base_plain, write_expected  # noqa: E402


def plain(v):
    # pyarrow gives decimals as Decimal (JSON numbers) and non-string-keyed map entries as
    # (key, value) tuples, which sluice prints as {"key": .., "value": ..} objects.
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, tuple) and len(v) == 2:
        return {"key": plain(v[0]), "value": plain(v[1])}
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return base_plain(v)


def expect(path):
    """Records what pyarrow reads from `path`."""
    table = pq.read_table(path)
    rows = table.to_pylist(maps_as_pydicts=None)
    # String-keyed maps print as objects; convert those columns only.
    for f in table.schema:
        if pa.types.is_map(f.type) and pa.types.is_string(f.type.key_type):
            for r in rows:
                if r[f.name] is not None:
                    r[f.name] = dict(r[f.name])
    write_expected(path, [plain(r) for r in rows])


def types_table():
    n = 4
    ny = "America/New_York"
    return pa.table({
        "i8": pa.array([-128, 0, 127, None], pa.int8()),
        "i16": pa.array([-32768, 1, 32767, None], pa.int16()),
        "i32": pa.array([-2**31, 2, 2**31 - 1, None], pa.int32()),
        "i64": pa.array([-2**63, 3, 2**63 - 1, None], pa.int64()),
        "u8": pa.array([0, 1, 255, None], pa.uint8()),
        "u16": pa.array([0, 2, 65535, None], pa.uint16()),
        "u32": pa.array([0, 3, 2**32 - 1, None], pa.uint32()),
        "u64": pa.array([0, 2**53 + 1, 2**64 - 1, None], pa.uint64()),
        "f32": pa.array([1.5, -0.25, float("inf"), None], pa.float32()),
        "f64": pa.array([0.1, float("nan"), -1e300, None], pa.float64()),
        "flag": pa.array([True, False, None, True], pa.bool_()),
        "s": pa.array(["a", "ünï ✓", "", None], pa.string()),
        "ls": pa.array(["large", None, "x" * 40, "y"], pa.large_string()),
        "bin": pa.array([b"\x00\x01", b"", None, b"\xff" * 5], pa.binary()),
        "lbin": pa.array([b"abc", None, b"", b"\x80"], pa.large_binary()),
        "fbin": pa.array([b"abcd", b"\x00\x00\x00\x00", None, b"wxyz"], pa.binary(4)),
        "dict": pa.array(["red", "green", None, "red"]).dictionary_encode(),
        "date": pa.array([dt.date(2024, 1, 2), dt.date(1970, 1, 1), None,
                          dt.date(1900, 2, 28)], pa.date32()),
        "ts_ms": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5), None,
                           dt.datetime(1999, 12, 31, 23, 59, 59),
                           dt.datetime(2030, 6, 15, 12, 30)], pa.timestamp("ms")),
        "ts_us_utc": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5, 123456), None,
                               dt.datetime(2000, 1, 1), dt.datetime(2024, 7, 1, 12)],
                              pa.timestamp("us", tz="UTC")),
        "ts_ny": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5), dt.datetime(2024, 7, 1, 12),
                           None, dt.datetime(2000, 1, 1)], pa.timestamp("s", tz=ny)),
        "dec": pa.array([decimal.Decimal("12.34"), decimal.Decimal("-0.50"), None,
                         decimal.Decimal("99999999.99")], pa.decimal128(10, 2)),
        "list": pa.array([[1, 2, 3], [], None, [None, 5]], pa.list_(pa.int64())),
        "list_s": pa.array([["a"], ["b", None], None, []], pa.list_(pa.string())),
        "nested": pa.array([[[1], [2, 3]], [], [None, []], None],
                           pa.list_(pa.list_(pa.int32()))),
        "st": pa.array([{"a": 1, "b": "x"}, {"a": None, "b": "y"}, None,
                        {"a": 4, "b": None}],
                       pa.struct([("a", pa.int32()), ("b", pa.string())])),
        "st_list": pa.array([{"xs": [1.5], "t": {"u": True}}, {"xs": [], "t": None}, None,
                             {"xs": None, "t": {"u": False}}],
                            pa.struct([("xs", pa.list_(pa.float64())),
                                       ("t", pa.struct([("u", pa.bool_())]))])),
        "list_st": pa.array([[{"k": 1}], [{"k": None}, {"k": 3}], None, []],
                            pa.list_(pa.struct([("k", pa.int64())]))),
        "map": pa.array([[("a", 1), ("b", 2)], [], None, [("c", None)]],
                        pa.map_(pa.string(), pa.int32())),
        "map_int": pa.array([[(1, "one")], None, [], [(2, None), (3, "three")]],
                            pa.map_(pa.int32(), pa.string())),
        "fsl": pa.array([[1, 2, 3], [4, 5, 6], None, [7, None, 9]],
                        pa.list_(pa.int16(), 3)),
    }), n


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    table, _ = types_table()
    p = out / "types.parquet"
    pq.write_table(table, p)
    expect(p)

    rows = 120
    codec_table = pa.table({
        "id": pa.array(range(rows), pa.int64()),
        "text": pa.array(["r%d%s" % (i, "ab" * (i % 5)) for i in range(rows)]),
        "score": pa.array([i * 0.5 if i % 11 else None for i in range(rows)], pa.float64()),
    })
    for codec in ["snappy", "gzip", "zstd", "lz4", "brotli", "none"]:
        p = out / ("codec_%s.parquet" % codec)
        pq.write_table(codec_table, p, compression=codec)
        expect(p)

    many = pa.table({
        "id": pa.array(range(400), pa.int32()),
        "group": pa.array(["g%d" % (i // 50) for i in range(400)]),
        "vals": pa.array([[i, -i] if i % 3 else None for i in range(400)],
                         pa.list_(pa.int64())),
    })
    p = out / "row_groups.parquet"
    pq.write_table(many, p, row_group_size=37)
    expect(p)

    delta = pa.table({
        "id": pa.array(range(0, 1500, 7), pa.int64()),
        "name": pa.array(["name-%05d" % i for i in range(0, 1500, 7)]),
        "raw": pa.array([("b%d" % i).encode() for i in range(0, 1500, 7)], pa.binary()),
        "x": pa.array([i * 0.25 for i in range(0, 1500, 7)], pa.float64()),
    })
    p = out / "v2_delta.parquet"
    pq.write_table(delta, p, data_page_version="2.0", use_dictionary=False,
                   row_group_size=50, compression="zstd",
                   column_encoding={"id": "DELTA_BINARY_PACKED",
                                    "name": "DELTA_BYTE_ARRAY",
                                    "raw": "DELTA_LENGTH_BYTE_ARRAY",
                                    "x": "BYTE_STREAM_SPLIT"})
    expect(p)

    p = out / "int96.parquet"
    t = pa.table({"when": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5),
                                    dt.datetime(1970, 1, 1),
                                    None,
                                    dt.datetime(2262, 4, 11, 23, 47, 16, 123456)],
                                   pa.timestamp("ns")),
                  "n": pa.array([1, 2, 3, 4], pa.int32())})
    pq.write_table(t, p, use_deprecated_int96_timestamps=True, store_schema=False)
    expect(p)

    p = out / "empty.parquet"
    pq.write_table(pa.table({"id": pa.array([], pa.int64()),
                             "name": pa.array([], pa.string())}), p)
    expect(p)

    df = pd.DataFrame({
        "price": [1.5, None, 3.25],
        "label": pd.Categorical(["a", "b", "a"]),
        "when": pd.to_datetime(["2024-01-02 03:04:05", "2024-02-29 00:00:00", None]).tz_localize(
            "Europe/Paris"),
        "count": pd.array([1, None, 3], dtype="Int64"),
    }, index=pd.Index(["x", "y", "z"], name="key"))
    p = out / "pandas_index.parquet"
    df.to_parquet(p, engine="pyarrow")
    expect(p)

    p = out / "pandas_unnamed_index.parquet"
    df.reset_index(drop=True).set_index(pd.Index([10, 30, 20])).to_parquet(
        p, engine="pyarrow")
    expect(p)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "testdata/parquet")
