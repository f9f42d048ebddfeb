"""Writes the Arrow IPC / Feather fixtures in testdata/ipc/: small files written by pyarrow
(and a HuggingFace `save_to_disk` folder written by `datasets` when it is installed, else
the same layout by hand), each next to `<file>.expected.jsonl`, the rows pyarrow reads from
it in the form `sluice cat --output jsonl` prints (see fixtures.py).

Run through `cargo xtask fixtures`.
"""
import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.ipc as ipc

sys.path.insert(0, str(Path(__file__).parent))
from fixtures import expect_table, write_expected  # noqa: E402


def mixed(n):
    """n rows of flat columns of several types."""
    return pa.table({
        "id": pa.array(range(n), pa.int64()),
        "small": pa.array([(i % 200) - 100 for i in range(n)], pa.int8()),
        "big": pa.array([2**63 + i if i % 3 == 0 else i for i in range(n)], pa.uint64()),
        "ratio": pa.array([None if i % 5 == 4 else i / 4 for i in range(n)], pa.float64()),
        "half": pa.array([i * 0.5 - 1 for i in range(n)], pa.float32()),
        "flag": pa.array([None if i % 7 == 6 else i % 2 == 0 for i in range(n)], pa.bool_()),
        "name": pa.array([None if i % 6 == 5 else "row %d ü" % i for i in range(n)], pa.string()),
    })


def nested():
    utc = dt.timezone.utc
    return pa.table({
        "tags": pa.array([["a", "b"], [], None, ["c"]], pa.list_(pa.string())),
        "point": pa.array([{"x": 1, "y": 2.5}, None, {"x": -3, "y": None}, {"x": 0, "y": 0.0}],
                          pa.struct([("x", pa.int32()), ("y", pa.float64())])),
        "color": pa.array(["red", "green", "red", None]).dictionary_encode(),
        "at_utc": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc), None,
                            dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=utc),
                            dt.datetime(2030, 6, 15, 12, 30, tzinfo=utc)],
                           pa.timestamp("us", tz="UTC")),
        "at_ny": pa.array([1704164645, 0, None, 1900000000],
                          pa.timestamp("s", tz="America/New_York")),
        "naive": pa.array([dt.datetime(2024, 2, 29, 0, 0, 1), None,
                           dt.datetime(2000, 1, 1), dt.datetime(1970, 1, 1)],
                          pa.timestamp("ms")),
        "day": pa.array([dt.date(2024, 1, 2), dt.date(1970, 1, 1), None, dt.date(2099, 12, 31)],
                        pa.date32()),
        "blob": pa.array([b"\x00\xff", b"", None, b"hi"], pa.binary()),
        "long_text": pa.array(["x" * 3, None, "", "end"], pa.large_string()),
        "matrix": pa.array([[1, 2], [3, 4], None, [5, 6]], pa.list_(pa.int16(), 2)),
    })


def write_file(path, table, compression=None, max_chunksize=None):
    opts = ipc.IpcWriteOptions(compression=compression)
    with ipc.new_file(path, table.schema, options=opts) as w:
        w.write_table(table, max_chunksize=max_chunksize)


def write_stream(path, table, max_chunksize=None):
    with ipc.new_stream(path, table.schema) as w:
        w.write_table(table, max_chunksize=max_chunksize)


def read_any(path):
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic == b"ARROW1":
        return ipc.open_file(path).read_all()
    return ipc.open_stream(path).read_all()


def hf_dataset(out):
    """A `save_to_disk` folder with two shards; the rows in shard order."""
    rows = {"text": ["first %d" % i for i in range(5)] + ["second %d" % i for i in range(4)],
            "label": [i % 3 for i in range(9)]}
    if out.exists():
        shutil.rmtree(out)
    try:
        import datasets
    except ImportError:
        datasets = None
    if datasets is not None:
        datasets.disable_progress_bars()
        datasets.Dataset.from_dict(rows).save_to_disk(str(out), num_shards=2)
    else:
        # The layout `datasets` writes: stream-format shards, state.json, dataset_info.json.
        out.mkdir(parents=True)
        table = pa.table({"text": pa.array(rows["text"], pa.string()),
                          "label": pa.array(rows["label"], pa.int64())})
        files = []
        for i, (start, n) in enumerate(((0, 5), (5, 4))):
            name = "data-%05d-of-00002.arrow" % i
            write_stream(out / name, table.slice(start, n))
            files.append({"filename": name})
        (out / "dataset_info.json").write_text(json.dumps({
            "citation": "", "description": "", "homepage": "", "license": "",
            "features": {"text": {"dtype": "string", "_type": "Value"},
                         "label": {"dtype": "int64", "_type": "Value"}}}, indent=2))
        (out / "state.json").write_text(json.dumps({
            "_data_files": files, "_fingerprint": "0000000000000000",
            "_format_columns": None, "_format_kwargs": {}, "_format_type": None,
            "_output_all_columns": False, "_split": None}, indent=2))
    state = json.loads((out / "state.json").read_text())
    tables = [read_any(out / f["filename"]) for f in state["_data_files"]]
    write_expected(Path(str(out)), pa.concat_tables(tables).to_pylist())


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    p = out / "file_plain.arrow"
    write_file(p, mixed(12), max_chunksize=5)
    expect_table(p, read_any(p))

    p = out / "file_zstd.arrow"
    write_file(p, mixed(12), compression="zstd", max_chunksize=5)
    expect_table(p, read_any(p))

    p = out / "feather_lz4.feather"
    feather.write_feather(mixed(12), p, chunksize=5)  # Feather v2 defaults to lz4
    expect_table(p, feather.read_table(p))

    p = out / "stream.arrows"
    write_stream(p, mixed(12), max_chunksize=5)
    expect_table(p, read_any(p))

    p = out / "stream_named.arrow"
    write_stream(p, mixed(12), max_chunksize=5)
    expect_table(p, read_any(p))

    p = out / "many_batches.ipc"
    write_file(p, mixed(60), max_chunksize=7)
    expect_table(p, read_any(p))

    p = out / "empty.arrow"
    write_file(p, mixed(0))
    expect_table(p, read_any(p))

    p = out / "nested.arrow"
    write_file(p, nested(), max_chunksize=3)
    expect_table(p, read_any(p))

    p = out / "nested_stream.arrows"
    write_stream(p, nested(), max_chunksize=3)
    expect_table(p, read_any(p))

    # Feather v1: no expected rows (sluice refuses it with advice).
    feather.write_feather(mixed(3).select(["id", "ratio", "name"]), out / "feather_v1.feather",
                          version=1)

    hf_dataset(out / "hf_dataset")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "testdata/ipc")
