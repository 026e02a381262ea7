#!/usr/bin/env python3
"""Compare the packets a player received with the ones published.

Usage: cmp_packets.py [--loop] SOURCE.framemd5 RECEIVED.framemd5 [MIN_PACKETS]

Both files are `ffmpeg -c copy -f framemd5` output. For each stream the
received packets (size and MD5) must appear, in order and without gaps, as
one run inside the source's packets: a player that joins mid-stream starts
later, but everything it gets is byte-identical. Timestamps are ignored (a
relay rebases them). With --loop the source was published in a loop, so
the run may wrap from its end to its start. Exits 1 with the first
difference, 0 when identical.
"""
import sys


def load(path):
    """framemd5 lines (index, dts, pts, duration, size, md5) or ffprobe
    CSV lines (index, size, MD5:md5)."""
    streams = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        f = [x.strip() for x in line.split(",")]
        if len(f) == 3 and f[2].startswith("MD5:"):
            streams.setdefault(int(f[0]), []).append((int(f[1]), f[2][4:]))
        elif len(f) >= 6:
            streams.setdefault(int(f[0]), []).append((int(f[4]), f[5]))
    return streams


def main():
    args = sys.argv[1:]
    loop = args[:1] == ["--loop"]
    if loop:
        args = args[1:]
    src, got = load(args[0]), load(args[1])
    need = int(args[2]) if len(args) > 2 else 1
    if len(src) != len(got):
        sys.exit("stream counts differ: source %d, received %d" % (len(src), len(got)))
    # Stream numbering may differ (a live demuxer numbers streams in the
    # order their first packet arrives): pair streams by content.
    pairs = {}
    for gi, g in got.items():
        for si, s in src.items():
            if g and g[0] in s and si not in pairs.values():
                pairs[gi] = si
                break
        else:
            sys.exit("stream %d: first received packet %r is in no source stream" % (gi, got[gi][:1]))
    for idx in sorted(got):
        s, g = src[pairs[idx]], got[idx]
        if len(g) < need:
            sys.exit("stream %d: only %d packets received (want >= %d)" % (idx, len(g), need))
        if loop:
            s = s * (len(g) // len(s) + 2)
        starts = [i for i, p in enumerate(s) if p == g[0]]
        for start in starts:
            if s[start:start + len(g)] == g:
                print("stream %d: %d packets identical (source packets %d..%d of %d)"
                      % (idx, len(g), start, start + len(g) - 1, len(s)))
                break
        else:
            if not starts:
                sys.exit("stream %d: first received packet %r is not in the source" % (idx, g[0]))
            start = starts[0]
            for k, p in enumerate(g):
                if start + k >= len(s) or s[start + k] != p:
                    sys.exit("stream %d: packet %d differs: got %r, source %r"
                             % (idx, k, p, s[start + k] if start + k < len(s) else None))


if __name__ == "__main__":
    main()
