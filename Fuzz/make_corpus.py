#!/usr/bin/env python3
"""Regenerates the fuzz seed corpus from the conformance vectors.

  Protocols/vectors/control/<name>.json  ("input": the text frame)  -> Fuzz/corpus/control/<name>
  Protocols/vectors/envelope/<name>.json ("hex": the binary frame)  -> Fuzz/corpus/envelope/<name>

Vectors larger than MAX_SEED bytes are left out (the 512 KiB envelope size-over-limit frame: the
unit tests cover it, and libFuzzer would not mutate it usefully). Run from anywhere:
    python3 Fuzz/make_corpus.py
"""
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
VECTORS = ROOT / "Protocols" / "vectors"
CORPUS = ROOT / "Fuzz" / "corpus"
MAX_SEED = 20_000


def regenerate(kind, read):
    out = CORPUS / kind
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    written = skipped = 0
    for path in sorted((VECTORS / kind).glob("*.json")):
        vector = json.loads(path.read_text(encoding="utf-8"))
        data = read(vector)
        if len(data) > MAX_SEED:
            skipped += 1
            continue
        (out / path.stem).write_bytes(data)
        written += 1
    print(f"{kind}: {written} seeds in {out.relative_to(ROOT)} ({skipped} over {MAX_SEED} bytes left out)")


# surrogatepass keeps the lone-surrogate vector's bytes as the test suite sends them.
regenerate("control", lambda v: v["input"].encode("utf-8", "surrogatepass"))
regenerate("envelope", lambda v: bytes.fromhex(v["hex"]))
