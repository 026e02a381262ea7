#!/usr/bin/env python3
"""Write a copy of an FLV file with one deliberate defect, for the
rtmpdump-flv tests.

usage: corrupt_flv.py KIND IN.flv OUT.flv

Prints the byte offset at which rtmpdump-flv --check must report the
defect. The FLV layout here (9-byte header, PreviousTagSize0, 11-byte tag
headers, PreviousTagSize after each tag) is FLV 10.1 annex E.
"""
import struct
import sys


def parse(data):
    """[(offset, type_byte, size, timestamp, body)] of a well-formed FLV."""
    if data[:3] != b"FLV":
        raise SystemExit("not an FLV file")
    hsize = struct.unpack(">I", data[5:9])[0]
    off = hsize + 4
    tags = []
    while off + 11 <= len(data):
        size = int.from_bytes(data[off + 1:off + 4], "big")
        ts = int.from_bytes(data[off + 4:off + 7], "big") | data[off + 7] << 24
        body = data[off + 11:off + 11 + size]
        tags.append([off, data[off], size, ts, body])
        off += 11 + size + 4
    return data[:hsize + 4], tags


def build(head, tags):
    """Serialise (type_byte, timestamp, body) tags with correct sizes."""
    out = bytearray(head)
    offsets = []
    for t in tags:
        type_byte, ts, body = t[1], t[3], t[4]
        offsets.append(len(out))
        out += bytes([type_byte]) + len(body).to_bytes(3, "big")
        out += (ts & 0xFFFFFF).to_bytes(3, "big") + bytes([ts >> 24 & 0xFF])
        out += b"\0\0\0" + body + (11 + len(body)).to_bytes(4, "big")
    return out, offsets


def nth(tags, kind, n, pred=lambda t: True):
    """Index of the n-th (0-based) tag of type kind matching pred."""
    seen = 0
    for i, t in enumerate(tags):
        if t[1] & 0x1F == kind and pred(t):
            if seen == n:
                return i
            seen += 1
    raise SystemExit("no such tag")


def amf_number(key, value):
    k = key.encode()
    return len(k).to_bytes(2, "big") + k + b"\0" + struct.pack(">d", value)


def amf_metadata(members, count=None):
    body = b"\x02\x00\x0aonMetaData\x08"
    body += (len(members) if count is None else count).to_bytes(4, "big")
    return body + b"".join(members) + b"\0\0\x09"


VIDEO, AUDIO, SCRIPT = 9, 8, 18


def main():
    kind, src, dst = sys.argv[1:4]
    data = bytearray(open(src, "rb").read())
    head, tags = parse(data)
    where = 0
    out = None

    if kind == "bad_signature":
        data[0:3] = b"FLX"
        where = 0
    elif kind == "bad_version":
        data[3] = 2
        where = 3
    elif kind == "header_offset_small":
        data[5:9] = (3).to_bytes(4, "big")
        where = 5
    elif kind == "header_offset_huge":
        data[5:9] = (0xFFFFFF00).to_bytes(4, "big")
        where = 5
    elif kind == "truncated":
        # Cut in the middle of the 100th tag.
        t = tags[100]
        data = data[:t[0] + 11 + t[2] // 2]
        where = t[0]
    elif kind == "size_past_eof":
        # DataSize far beyond the end of the file, 20 tags from the end.
        t = tags[-20]
        data[t[0] + 1:t[0] + 4] = (0xFFFF00).to_bytes(3, "big")
        where = t[0]
    elif kind == "prev_tag_size":
        t = tags[10]
        pos = t[0] + 11 + t[2]
        data[pos:pos + 4] = (12345).to_bytes(4, "big")
        where = pos
    elif kind == "backwards":
        i = nth(tags, VIDEO, 20)
        prev = tags[nth(tags, VIDEO, 19)]
        t = tags[i]
        ts = prev[3] - 500
        data[t[0] + 4:t[0] + 7] = ts.to_bytes(3, "big")
        where = t[0]
    elif kind == "bad_tag_type":
        t = tags[30]
        data[t[0]] = 7
        where = t[0]
        # The next tag is where the reader resynchronises.
        print(where, tags[31][0])
        open(dst, "wb").write(data)
        return
    elif kind in ("encrypted", "reserved_bits"):
        t = tags[nth(tags, AUDIO, 10)]
        data[t[0]] |= 0x20 if kind == "encrypted" else 0x40
        where = t[0]
    elif kind == "not_keyframe":
        # Drop the AVC sequence header and the first keyframe: the first
        # video frame left is an inter frame with no configuration.
        first_key = nth(tags, VIDEO, 0, lambda t: t[4][0] == 0x17 and t[4][1] == 1)
        seq = nth(tags, VIDEO, 0, lambda t: t[4][1] == 0)
        kept = [t for i, t in enumerate(tags) if i not in (first_key, seq)]
        out, offsets = build(head, kept)
        where = offsets[nth(kept, VIDEO, 0)]
    elif kind == "metadata_width":
        # onMetaData width 320 -> 640 (same size, so nothing else moves).
        t = tags[nth(tags, SCRIPT, 0)]
        pos = data.find(amf_number("width", 320), t[0], t[0] + 11 + t[2])
        if pos < 0:
            raise SystemExit("no width in onMetaData")
        data[pos:pos + 16] = amf_number("width", 640)
        where = t[0]
    elif kind == "avc_31_sps":
        # AVCDecoderConfigurationRecord declaring 31 SPS of 0xFFFF bytes
        # with nothing behind them.
        i = nth(tags, VIDEO, 0, lambda t: t[4][1] == 0)
        body = bytes([0x17, 0, 0, 0, 0, 1, 0x4D, 0x40, 0x0D, 0xFF, 0xFF])
        body += b"\xff\xff" * 4
        tags[i][4] = body
        out, offsets = build(head, tags)
        where = offsets[i]
        # and where the first video frame is, which has no configuration
        first = nth(tags, VIDEO, 0, lambda t: t[4][1] == 1)
        open(dst, "wb").write(out)
        print(where, offsets[first])
        return
    elif kind in ("aac_sr15", "aac_sr15_short"):
        # AudioSpecificConfig with sampling index 15: an explicit 24-bit
        # rate (44100) follows, or (short) is missing.
        i = nth(tags, AUDIO, 0, lambda t: t[4][1] == 0)
        bits = "00010" + "1111" + format(44100, "024b") + "0010" + "000"
        asc = int(bits + "0" * (-len(bits) % 8), 2).to_bytes(
            (len(bits) + 7) // 8, "big")
        if kind == "aac_sr15_short":
            asc = asc[:2]
        tags[i][4] = bytes([0xAF, 0]) + asc
        out, offsets = build(head, tags)
        where = offsets[i]
    elif kind in ("meta_huge_count", "meta_deep", "meta_keyframes_declared",
                  "meta_keyframes_big"):
        i = nth(tags, SCRIPT, 0)
        base = [amf_number("duration", 10.08), amf_number("width", 320),
                amf_number("height", 240)]
        if kind == "meta_huge_count":
            body = amf_metadata(base, count=0xFFFFFFFF)
        elif kind == "meta_deep":
            depth = 100000
            nest = b"\x00\x01a\x03" * depth + b"\0\0\x09" * depth
            body = amf_metadata(base + [nest])
        elif kind == "meta_keyframes_declared":
            # keyframes.times: a strict array declaring 10^7 entries, 3
            # present.
            arr = b"\x0a" + (10 ** 7).to_bytes(4, "big") + b"".join(
                b"\x00" + struct.pack(">d", x) for x in (0.0, 2.0, 4.0))
            kf = b"\x00\x09keyframes\x03\x00\x05times" + arr + b"\0\0\x09"
            body = amf_metadata(base + [kf])
        else:
            # A real 100,000-entry keyframes index (900 KB).
            n = 100000
            arr = b"\x0a" + n.to_bytes(4, "big") + b"".join(
                b"\x00" + struct.pack(">d", x * 2.0) for x in range(n))
            kf = b"\x00\x09keyframes\x03\x00\x05times" + arr + b"\0\0\x09"
            body = amf_metadata(base + [kf] + [amf_number("framerate", 25)])
        tags[i][4] = body
        out, offsets = build(head, tags)
        where = offsets[i]
    else:
        raise SystemExit("unknown kind " + kind)

    open(dst, "wb").write(out if out is not None else data)
    print(where)


if __name__ == "__main__":
    main()
