"""Writes the sample dataset shipped in data/sample/: one table of product reviews split
across four files in four encodings (CSV, gzip JSON Lines, a JSON array, zstd JSON Lines).

The CSV part has the flat columns; the JSON parts add a list (`tags`) and a struct
(`meta`), so reading the folder as one dataset shows schema unification: columns missing
from a file are null there. Deterministic: the same bytes on every run.
"""
import csv
import gzip
import io
import json
import random
import sys
from pathlib import Path

import zstandard

WORDS = ("fast quiet sturdy cheap light bright warm soft heavy loud compact handy "
         "great poor fine solid flimsy elegant clunky smooth").split()
TAGS = ["kitchen", "garden", "office", "travel", "gift", "outdoor", "kids"]
LANGS = ["en", "de", "fr", "es"]


def rows(rng, start, n):
    for i in range(start, start + n):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 24)))
        if i % 37 == 0:
            text = 'said "wow, really", then left\nsecond line'
        yield {
            "id": i,
            "user": f"user{rng.randint(1, 400):03d}",
            "rating": rng.randint(1, 5),
            "score": round(rng.uniform(0, 1), 4),
            "verified": rng.random() < 0.7,
            "text": text,
        }


def main(out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261121)
    n = 1000

    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=["id", "user", "rating", "score", "verified", "text"],
                       lineterminator="\n")
    w.writeheader()
    for r in rows(rng, 0, n):
        r["verified"] = "true" if r["verified"] else "false"
        w.writerow(r)
    (out / "reviews-0.csv").write_text(buf.getvalue(), encoding="utf-8")

    def rich(start):
        for r in rows(rng, start, n):
            r["tags"] = rng.sample(TAGS, rng.randint(0, 3))
            r["meta"] = {"lang": rng.choice(LANGS), "helpful": rng.randint(0, 50)}
            if r["id"] % 11 == 0:
                r["meta"] = None
            yield r

    lines = "".join(json.dumps(r) + "\n" for r in rich(n)).encode()
    (out / "reviews-1.jsonl.gz").write_bytes(gzip.compress(lines, mtime=0))

    arr = json.dumps(list(rich(2 * n)), indent=1)
    (out / "reviews-2.json").write_text(arr + "\n", encoding="utf-8")

    lines = "".join(json.dumps(r) + "\n" for r in rich(3 * n)).encode()
    (out / "reviews-3.jsonl.zst").write_bytes(zstandard.ZstdCompressor(level=9).compress(lines))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data/sample")
