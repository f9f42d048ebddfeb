"""Writes the NumPy fixtures in testdata/npy/: small .npy files written by numpy, each next
to `<file>.expected.jsonl`, the rows `sluice cat --output jsonl` must print for it:
1-D arrays as {"value": x}, n-D arrays as {"value": [the row, flattened in C order]},
structured arrays as one key per field; NaN and infinities as null, float16 and float32 as the shortest decimal
that reads back as the same float32,
bytes as base64.

Deterministic: the same bytes on every run. Run through `cargo xtask fixtures`.
"""
import base64
import gzip
import json
import math
import sys
from pathlib import Path

import numpy as np


def plain(v):
    if isinstance(v, np.ndarray):
        return [plain(x) for x in v.reshape(-1)]
    if isinstance(v, (np.floating, float)):
        f = float(v)
        if math.isnan(f) or math.isinf(f):
            return None
        if isinstance(v, (np.float16, np.float32)):
            # sluice prints float16/float32 as the shortest decimal that reads back as the
            # same float32 (as arrow-json does); numpy's repr is that decimal too.
            return float(repr(np.float32(v)).removeprefix("np.float32(").removesuffix(")"))
        return f
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, str):
        return v
    raise TypeError(type(v))


def rows(a):
    if a.dtype.names:
        return [{n: plain(r[n]) for n in a.dtype.names} for r in a.reshape(a.shape[:1] or (1,))]
    if a.ndim == 0:
        return [{"value": plain(a[()])}]
    return [{"value": plain(r)} for r in a]


def write(out, name, a, version=None, fortran=False, compress=False):
    path = out / name
    if fortran:
        a = np.asfortranarray(a)
    with open(path if not compress else str(path)[:-3], "wb") as f:
        np.lib.format.write_array(f, a, version=version, allow_pickle=False)
    if compress:
        raw = Path(str(path)[:-3])
        data = raw.read_bytes()
        raw.unlink()
        # mtime=0: the same bytes on every run.
        path.write_bytes(gzip.compress(data, mtime=0))
    with open(str(path) + ".expected.jsonl", "w", encoding="utf-8") as f:
        for r in rows(a):
            f.write(json.dumps(r) + "\n")


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write(out, "bool.npy", np.array([True, False, True, True]))
    for t in ["i1", "i2", "i4", "i8"]:
        info = np.iinfo(t)
        write(out, f"int_{t}.npy", np.array([info.min, -1, 0, 1, info.max], dtype="<" + t))
    for t in ["u1", "u2", "u4", "u8"]:
        info = np.iinfo(t)
        write(out, f"uint_{t}.npy", np.array([0, 1, 7, info.max], dtype="<" + t))
    floats = [0.0, -1.5, 3.25, np.nan, np.inf, -np.inf, 65504.0]
    for t in ["f2", "f4", "f8"]:
        write(out, f"float_{t}.npy", np.array(floats, dtype="<" + t))
    write(out, "big_endian_i4.npy", np.array([1, -2, 70000], dtype=">i4"))
    write(out, "big_endian_f8.npy", np.array([1.5, -2.25, 1e300], dtype=">f8"))
    write(out, "big_endian_u2.npy", np.array([1, 513, 65535], dtype=">u2"))
    write(out, "matrix_f4.npy", np.arange(12, dtype="<f4").reshape(4, 3) / 4)
    write(out, "matrix_fortran_i8.npy", np.arange(12, dtype="<i8").reshape(4, 3), fortran=True)
    write(out, "cube_fortran_i2.npy", np.arange(24, dtype=">i2").reshape(2, 3, 4), fortran=True)
    write(out, "cube_i4.npy", np.arange(24, dtype="<i4").reshape(2, 3, 4))
    write(out, "v2.npy", np.arange(5, dtype="<i2"), version=(2, 0))
    write(out, "v3.npy", np.array([1.0, 2.0, 3.0]), version=(3, 0))
    write(out, "empty.npy", np.zeros(0, dtype="<f8"))
    write(out, "empty_rows.npy", np.zeros((0, 4), dtype="<i4"))
    write(out, "scalar.npy", np.array(42, dtype="<i8"))
    write(out, "strings.npy", np.array(["a", "héllo", "", "xyz"], dtype="<U5"))
    write(out, "bytes.npy", np.array([b"ab", b"", b"xyz\x00q"], dtype="|S5"))
    st = np.array(
        [(1, 1.5, True, b"x"), (-2, np.nan, False, b"yz"), (3, 2.0, True, b"")],
        dtype=[("id", "<i4"), ("score", ">f8"), ("ok", "?"), ("tag", "S2")],
    )
    write(out, "structured.npy", st)
    aligned = np.zeros(3, dtype=np.dtype([("a", "u1"), ("b", "<f4", (2,))], align=True))
    aligned["a"] = [1, 2, 3]
    aligned["b"] = [[0.5, 1.5], [2.5, 3.5], [4.5, 5.5]]
    write(out, "structured_aligned.npy", aligned)
    write(out, "embeddings.npy.gz", np.linspace(-1, 1, 24, dtype="<f4").reshape(6, 4), compress=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "testdata/npy")
