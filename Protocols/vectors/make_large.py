#!/usr/bin/env python3
"""Writes the size-limit conformance vectors (run from anywhere; output is committed).

The control-message limit is 16384 bytes of UTF-8 (WireLimits.maxControlMessageBytes),
counted in bytes, not characters. The binary-frame limit is 524288 bytes
(WireLimits.maxMediaFrameBytes). Vectors written:

  control/size-at-limit.json                a valid ping of exactly 16384 bytes          -> ok ping
  control/size-over-limit.json              the same with one more byte (16385 bytes)    -> too_large
  control/size-over-limit-multibyte.json    < 16384 characters but > 16384 UTF-8 bytes  -> too_large
  control/size-over-limit-not-json.json     16385 bytes of non-JSON (size is checked first) -> too_large
  envelope/size-over-limit.json             a valid camera header + payload, 524289 bytes -> too_large
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
CONTROL_LIMIT = 16 * 1024
MEDIA_LIMIT = 512 * 1024


def padded_ping(total_bytes, pad_char="x"):
    """A ping whose UTF-8 encoding is exactly total_bytes long, padded in an ignored field."""
    head, tail = '{"type":"ping","pad":"', '"}'
    room = total_bytes - len((head + tail).encode("utf-8"))
    width = len(pad_char.encode("utf-8"))
    text = head + pad_char * (room // width) + "x" * (room % width) + tail
    assert len(text.encode("utf-8")) == total_bytes, (len(text.encode("utf-8")), total_bytes)
    return text


def write(folder, name, vector):
    vector = {"name": name, **vector}
    with open(os.path.join(HERE, folder, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(vector, f, ensure_ascii=False, indent=2)
        f.write("\n")


def main():
    write("control", "size-at-limit", {"input": padded_ping(CONTROL_LIMIT), "expect": {"ok": "ping"}})
    write("control", "size-over-limit", {"input": padded_ping(CONTROL_LIMIT + 1), "expect": {"error": "too_large"}})
    multibyte = padded_ping(CONTROL_LIMIT + 2, pad_char="ж")
    assert len(multibyte) < CONTROL_LIMIT < len(multibyte.encode("utf-8"))
    write("control", "size-over-limit-multibyte", {"input": multibyte, "expect": {"error": "too_large"}})
    write("control", "size-over-limit-not-json", {"input": "{" * (CONTROL_LIMIT + 1), "expect": {"error": "too_large"}})

    # version 1, kind 2 (video), track 1 (camera), flags 1 (keyframe), sequence 7, timestamp 123 us
    header = bytes([1, 2, 1, 1]) + (7).to_bytes(4, "big") + (123).to_bytes(8, "big")
    frame = header + bytes(MEDIA_LIMIT + 1 - len(header))
    assert len(frame) == MEDIA_LIMIT + 1
    write("envelope", "size-over-limit", {"hex": frame.hex(), "expect": {"error": "too_large"}})


if __name__ == "__main__":
    main()
