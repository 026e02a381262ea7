#!/usr/bin/env python3
"""List an FLV file's tags as "type size md5(payload)", one per line.

An independent reader (not the C code under test) for round-trip
comparisons. Usage: flvtags.py FILE [media]  ("media" lists only audio and
video tags). Exits 1 on a malformed file."""
import hashlib
import struct
import sys


def main():
    data = open(sys.argv[1], "rb").read()
    media_only = len(sys.argv) > 2 and sys.argv[2] == "media"
    if data[:3] != b"FLV":
        sys.exit("not an FLV file")
    off = struct.unpack(">I", data[5:9])[0] + 4
    while off + 11 <= len(data):
        typ = data[off] & 0x1F
        size = int.from_bytes(data[off + 1:off + 4], "big")
        body = data[off + 11:off + 11 + size]
        if len(body) < size:
            sys.exit("truncated tag at offset %d" % off)
        if not media_only or typ in (8, 9):
            print(typ, size, hashlib.md5(body).hexdigest())
        off += 11 + size + 4


if __name__ == "__main__":
    main()
