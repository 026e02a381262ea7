#!/usr/bin/env python3
"""A deliberately misbehaving RTMP client for rtmpd's robustness tests.

It speaks just enough RTMP (simple handshake, chunk writer, AMF0 encoder,
a minimal chunk reader) to reach any state, then breaks the rules on
purpose. Usage: evilclient.py HOST PORT CASE [ARG]. It prints one line,
"closed after N.NNs" or "open after N.NNs" (the server kept the connection
for the whole observation window), and exits 0 unless the socket setup
itself failed. Cases are listed in CASES below.
"""
import os
import hashlib
import socket
import struct
import sys
import time


def amf_str(s):
    b = s.encode() if isinstance(s, str) else s
    return b"\x02" + struct.pack(">H", len(b)) + b


def amf_num(n):
    return b"\x00" + struct.pack(">d", n)


def amf_null():
    return b"\x05"


def amf_obj(props):
    out = b"\x03"
    for k, v in props:
        out += struct.pack(">H", len(k)) + k.encode() + v
    return out + b"\x00\x00\x09"


def chunks(csid, typ, msid, payload, ts=0, size=128, fmt0=True):
    """One message as chunks: a type 0 header, type 3 continuations."""
    assert 2 <= csid <= 63
    out = bytearray()
    out += bytes([csid]) + struct.pack(">I", ts)[1:] + struct.pack(">I", len(payload))[1:]
    out += bytes([typ]) + struct.pack("<I", msid)
    for i in range(0, max(len(payload), 1), size):
        if i:
            out += bytes([0xC0 | csid])
        out += payload[i:i + size]
    return bytes(out)


def command(name, txid, *args, msid=0, csid=3):
    body = amf_str(name) + amf_num(txid) + b"".join(args)
    return chunks(csid, 20, msid, body)


def connect_cmd(app="live"):
    return command("connect", 1, amf_obj([
        ("app", amf_str(app)), ("type", amf_str("nonprivate")),
        ("flashVer", amf_str("FMLE/3.0")),
        ("tcUrl", amf_str("rtmp://127.0.0.1/" + app))]))


class Conn:
    def __init__(self, host, port, timeout):
        self.s = socket.create_connection((host, port), timeout=5)
        self.s.settimeout(timeout)
        self.t0 = time.monotonic()

    def send(self, b):
        try:
            self.s.sendall(b)
            return True
        except OSError:
            return False

    def handshake(self):
        self.send(b"\x03" + b"\x00" * 8 + os.urandom(1528))
        need = 1 + 1536 * 2
        got = b""
        while len(got) < need:
            d = self.s.recv(need - len(got))
            if not d:
                raise SystemExit("server closed during handshake")
            got += d
        self.send(got[1:1537])

    def watch(self, seconds):
        """Read and discard until the server closes or time runs out."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.s.settimeout(max(0.01, end - time.monotonic()))
            try:
                d = self.s.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return True
            if not d:
                return True
        return False

    def report(self, seconds):
        closed = self.watch(seconds)
        print("%s after %.2fs" % ("closed" if closed else "open",
                                   time.monotonic() - self.t0))


def c_bad_version(c, arg):
    c.send(bytes([int(arg, 0)]) + b"\x00" * 1536)


def c_truncated_c1(c, arg):
    c.send(b"\x03" + b"\x00" * 100)


def c_garbage(c, arg):
    c.send(os.urandom(4096))


def c_first_chunk_type(c, arg):
    # A new chunk stream whose first chunk is type 1, 2 or 3.
    c.handshake()
    fmt = int(arg)
    c.send(bytes([(fmt << 6) | 5]) + b"\x00" * 7 + b"\x14" + b"\x00" * 64)


def c_length_change(c, arg):
    # CVE-2016-10191 shape: a type 1 header changing the length mid-message.
    c.handshake()
    c.send(bytes([0x05]) + b"\x00\x00\x00" + b"\x00\x01\x00" + b"\x09" + b"\x01\x00\x00\x00" + b"\x00" * 128)
    c.send(bytes([0x45]) + b"\x00\x00\x00" + b"\x00\x10\x00" + b"\x09" + b"\x00" * 128)


def c_type0_mid_message(c, arg):
    c.handshake()
    c.send(bytes([0x05]) + b"\x00\x00\x00" + b"\x00\x01\x00" + b"\x09" + b"\x01\x00\x00\x00" + b"\x00" * 128)
    c.send(bytes([0x05]) + b"\x00\x00\x00" + b"\x00\x01\x00" + b"\x09" + b"\x01\x00\x00\x00" + b"\x00" * 128)


def c_set_chunk_size(c, arg):
    c.handshake()
    c.send(chunks(2, 1, 0, struct.pack(">I", int(arg, 0))))
    c.send(connect_cmd())


def c_huge_length(c, arg):
    # Declared length 0xFFFFFF with one byte sent: refused by the limit.
    c.handshake()
    c.send(bytes([0x05]) + b"\x00\x00\x00" + b"\xff\xff\xff" + b"\x09" + b"\x01\x00\x00\x00" + b"\x00")


def c_many_csids(c, arg):
    # Thousands of chunk streams each holding a partial message.
    c.handshake()
    out = bytearray()
    for i in range(int(arg or "5000")):
        csid = 64 + i
        out += bytes([0x01]) + struct.pack("<H", csid - 64)
        out += b"\x00\x00\x00" + b"\x00\x10\x00" + b"\x09" + b"\x01\x00\x00\x00" + b"\x00" * 10
    c.send(bytes(out))


def c_deep_amf(c, arg):
    c.handshake()
    depth = int(arg or "100000")
    body = amf_str("connect") + amf_num(1) + b"\x03\x00\x01a" * depth
    c.send(chunks(3, 20, 0, body[:60000]))


def c_amf_counts(c, arg):
    # ECMA array count 0xFFFFFFFF and a long string 0xFFFFFFFF, no data.
    c.handshake()
    c.send(connect_cmd())
    body = amf_str("@setDataFrame") + amf_str("onMetaData") + b"\x08\xff\xff\xff\xff" + b"\x0c\xff\xff\xff\xff"
    c.send(chunks(5, 18, 1, body))


def c_wrong_types(c, arg):
    c.handshake()
    c.send(chunks(3, 20, 0, amf_num(7) + amf_str("x")))            # numeric name
    c.send(chunks(3, 20, 0, amf_str("connect") + amf_str("1") + amf_null()))
    c.send(connect_cmd())
    c.send(command("createStream", 2, amf_null()))
    c.send(command("publish", 3, amf_null(), amf_null(), msid=1))  # name null
    c.send(command("play", 4, amf_null(), msid=1))                 # no name


def c_before_connect(c, arg):
    c.handshake()
    c.send(command("publish", 1, amf_null(), amf_str("x"), msid=1))
    c.send(command("play", 2, amf_null(), amf_str("x"), msid=1))
    c.send(command("createStream", 3, amf_null()))
    c.send(connect_cmd())
    c.send(connect_cmd())
    for i in range(1000):
        c.send(command("createStream", 10 + i, amf_null()))


def c_media_bad_stream(c, arg):
    c.handshake()
    c.send(connect_cmd())
    c.send(chunks(6, 9, 0, b"\x17\x01\x00\x00\x00" + b"\x00" * 100))
    c.send(chunks(6, 9, 7, b"\x17\x01\x00\x00\x00" + b"\x00" * 100))


def c_bad_names(c, arg):
    c.handshake()
    c.send(connect_cmd())
    for i, name in enumerate([b"../../etc/passwd", b"x" * 400, b"a\x00b", b"%00", b"$(reboot);`id`|&"]):
        c.send(command("createStream", 2 + 2 * i, amf_null()))
        c.send(command("publish", 3 + 2 * i, amf_null(), amf_str(name), amf_str("live"), msid=1 + i))


def c_zero_length(c, arg):
    c.handshake()
    c.send(connect_cmd())
    for typ in list(range(1, 23)) + [99, 255]:
        c.send(chunks(5, typ, 0, b""))
    c.send(chunks(2, 2, 0, struct.pack(">I", 4242)))               # abort, unknown csid
    c.send(chunks(2, 5, 0, struct.pack(">I", 0)))                  # window 0
    c.send(chunks(2, 5, 0, struct.pack(">I", 0xFFFFFFFF)))


def c_aggregate(c, arg):
    c.handshake()
    c.send(connect_cmd())
    inner = b"\x09" + b"\xff\xff\xff" + b"\x00" * 7 + b"\x17\x01"
    c.send(chunks(6, 22, 0, inner))


def c_slow(c, arg):
    # Slowloris: one byte at a time, every second.
    for b in (b"\x03" + b"\x00" * 1536):
        if not c.send(bytes([b])):
            return
        time.sleep(float(arg or "1"))
        if c.watch(0.01):
            return


def c_play_noread(c, arg):
    # A player that never reads: tiny receive buffer, never recv().
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.handshake()
    c.send(connect_cmd())
    c.send(command("createStream", 2, amf_null()))
    c.send(command("play", 3, amf_null(), amf_str(arg), msid=1))
    deadline = time.monotonic() + float(os.environ.get("NOREAD_SECONDS", "30"))
    while time.monotonic() < deadline:
        time.sleep(0.2)
        try:
            c.s.send(b"")
            # A reset shows up as an error on a zero-length probe read.
            c.s.setblocking(False)
            try:
                if c.s.recv(1, socket.MSG_PEEK) == b"":
                    break
            except BlockingIOError:
                pass
            finally:
                c.s.setblocking(True)
        except OSError:
            break
    print("noread ended after %.2fs" % (time.monotonic() - c.t0))
    raise SystemExit(0)


def c_publish_reset(c, arg):
    # A publisher reset in the middle of a message.
    c.handshake()
    c.send(connect_cmd())
    c.send(command("createStream", 2, amf_null()))
    c.send(command("publish", 3, amf_null(), amf_str(arg), amf_str("live"), msid=1))
    time.sleep(0.3)
    c.send(bytes([0x06]) + b"\x00\x00\x00" + b"\x00\x40\x00" + b"\x09" + b"\x01\x00\x00\x00" + b"\x17\x01" + b"\x00" * 100)
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.s.close()
    print("reset")
    raise SystemExit(0)


class ChunkReader:
    """Minimal RTMP chunk reassembly (RTMP 1.0 section 5.3), independent of
    the C implementation under test, for counting what players receive."""

    def __init__(self):
        self.buf = bytearray()
        self.size = 128
        self.cs = {}

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            m = self._one()
            if m is None:
                return out
            if m is not True:
                out.append(m)

    def _one(self):
        b = self.buf
        if not b:
            return None
        fmt, csid, pos = b[0] >> 6, b[0] & 0x3F, 1
        if csid == 0:
            if len(b) < 2:
                return None
            csid, pos = 64 + b[1], 2
        elif csid == 1:
            if len(b) < 3:
                return None
            csid, pos = 64 + b[1] + 256 * b[2], 3
        st = self.cs.setdefault(csid, {"ts": 0, "len": 0, "type": 0, "sid": 0,
                                       "delta": 0, "ext": False, "part": None})
        hl = (11, 7, 3, 0)[fmt]
        if len(b) < pos + hl:
            return None
        h = b[pos:pos + hl]
        pos += hl
        if fmt < 3:
            t = int.from_bytes(h[0:3], "big")
            st["ext"] = t == 0xFFFFFF
            if st["ext"]:
                if len(b) < pos + 4:
                    return None
                t = int.from_bytes(b[pos:pos + 4], "big")
                pos += 4
            if fmt <= 1:
                st["len"] = int.from_bytes(h[3:6], "big")
                st["type"] = h[6]
            if fmt == 0:
                st["sid"] = int.from_bytes(h[7:11], "little")
                st["ts"], st["delta"] = t, 0
            else:
                st["delta"] = t
        elif st["ext"]:
            if len(b) < pos + 4:
                return None
            pos += 4  # writers under test always repeat it
        new = st["part"] is None
        if new:
            st["part"] = bytearray()
            if fmt != 0:
                st["ts"] = (st["ts"] + st["delta"]) & 0xFFFFFFFF
        n = min(self.size, st["len"] - len(st["part"]))
        if len(b) < pos + n:
            if new:
                st["part"] = None
                if fmt != 0:
                    st["ts"] = (st["ts"] - st["delta"]) & 0xFFFFFFFF
            return None
        st["part"] += b[pos:pos + n]
        del self.buf[:pos + n]
        if len(st["part"]) < st["len"]:
            return True
        msg = (st["type"], st["ts"], bytes(st["part"]))
        st["part"] = None
        if msg[0] == 1:
            self.size = int.from_bytes(msg[2][:4], "big") & 0x7FFFFFFF
        return msg


def c_players(c, arg):
    """N players of one stream in one process; when the stream ends (or
    WATCH_SECONDS pass) print one line per player: the video and audio
    message counts and a CRC of all their payloads, in order."""
    import selectors
    import zlib
    n, name = arg.split(":", 1)
    host, port = c.s.getpeername()[:2]
    c.s.close()
    sel = selectors.DefaultSelector()
    conns = []
    for i in range(int(n)):
        p = Conn(host, port, 10)
        p.handshake()
        p.send(connect_cmd())
        p.send(command("createStream", 2, amf_null()))
        p.send(command("play", 3, amf_null(), amf_str(name), msid=1))
        p.s.setblocking(False)
        p.rd, p.video, p.audio, p.crc, p.done = ChunkReader(), 0, 0, 0, False
        conns.append(p)
        sel.register(p.s, selectors.EVENT_READ, p)
    print("ready", flush=True)
    end = time.monotonic() + float(os.environ.get("WATCH_SECONDS", "30"))
    while time.monotonic() < end and not all(p.done for p in conns):
        for key, _ in sel.select(timeout=0.5):
            p = key.data
            try:
                d = p.s.recv(1 << 16)
            except BlockingIOError:
                continue
            except OSError:
                d = b""
            if not d:
                p.done = True
                sel.unregister(p.s)
                continue
            for typ, ts, payload in p.rd.feed(d):
                if typ in (8, 9):
                    if typ == 9:
                        p.video += 1
                    else:
                        p.audio += 1
                    p.crc = zlib.crc32(payload, p.crc)
                elif (typ == 20 and b"UnpublishNotify" in payload
                      and not os.environ.get("KEEP_ON_UNPUBLISH")):
                    p.done = True
    for i, p in enumerate(conns):
        print("player %d video=%d audio=%d crc=%08x" % (i, p.video, p.audio, p.crc))
    raise SystemExit(0)


def c_first_frame(c, arg):
    """Play and time the first video frame from TCP connect. Prints
    first_video_ms=N keyframe=0/1 avc_header_first=0/1 aac_header_first=0/1
    metadata_first=0/1."""
    c.handshake()
    c.send(connect_cmd())
    c.send(command("createStream", 2, amf_null()))
    c.send(command("play", 3, amf_null(), amf_str(arg), msid=1))
    rd, seen = ChunkReader(), {"meta": 0, "vseq": 0, "aseq": 0}
    end = time.monotonic() + float(os.environ.get("WATCH_SECONDS", "10"))
    while time.monotonic() < end:
        c.s.settimeout(max(0.01, end - time.monotonic()))
        try:
            d = c.s.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        for typ, ts, payload in rd.feed(d):
            if typ == 18 and b"onMetaData" in payload[:20]:
                seen["meta"] = 1
            elif typ == 8 and len(payload) > 1 and payload[0] >> 4 == 10 and payload[1] == 0:
                seen["aseq"] = 1
            elif typ == 9 and len(payload) > 1 and payload[1] == 0 and payload[0] & 0x0F == 7:
                seen["vseq"] = 1
            elif typ == 9:
                print("first_video_ms=%d keyframe=%d metadata_first=%d avc_header_first=%d aac_header_first=%d ts=%d"
                      % ((time.monotonic() - c.t0) * 1000, (payload[0] >> 4) & 7 == 1,
                         seen["meta"], seen["vseq"], seen["aseq"], ts))
                raise SystemExit(0)
    print("no video frame")
    raise SystemExit(1)


def c_publish_aggregate(c, arg):
    """Publish a stream whose media arrives only in aggregate messages: an
    AVC sequence header and a keyframe in one, timestamps 1000 and 1040."""
    c.handshake()
    c.send(connect_cmd())
    c.send(command("createStream", 2, amf_null()))
    c.send(command("publish", 3, amf_null(), amf_str(arg), amf_str("live"), msid=1))
    time.sleep(0.3)

    def tag(typ, ts, data):
        return (bytes([typ]) + len(data).to_bytes(3, "big") + (ts & 0xFFFFFF).to_bytes(3, "big")
                + bytes([ts >> 24]) + b"\x00\x00\x00" + data + (11 + len(data)).to_bytes(4, "big"))

    seq = b"\x17\x00\x00\x00\x00\x01\x42\xc0\x1e\xff\xe1\x00\x04\x67\x42\xc0\x1e\x01\x00\x02\x68\xce"
    key = b"\x17\x01\x00\x00\x00\x00\x00\x00\x05\x65\x88\x84\x00\x33"
    body = tag(9, 1000, seq) + tag(9, 1040, key)
    c.send(chunks(6, 22, 1, body, ts=5000))
    time.sleep(1)


def jump_frame(n, seed):
    """An n-byte AVC keyframe body whose bytes depend on seed."""
    return b"\x17\x01\x00\x00\x00" + bytes((i * 7 + seed) & 0xFF for i in range(n - 5))


def chunks_ext(csid, typ, msid, payload, ts, size=128):
    """One message as chunks with an extended timestamp (ts >= 0xFFFFFF):
    a type 0 header, type 3 continuations repeating the timestamp."""
    out = bytearray(bytes([csid]) + b"\xff\xff\xff" + len(payload).to_bytes(3, "big")
                    + bytes([typ]) + struct.pack("<I", msid) + struct.pack(">I", ts))
    for i in range(0, len(payload), size):
        if i:
            out += bytes([0xC0 | csid]) + struct.pack(">I", ts)
        out += payload[i:i + size]
    return bytes(out)


def c_publish_ts_jump(c, arg):
    """Publish from 0, wait, jump past 2^24 ms with a frame, then a
    keyframe 100 ms later and a frame after it. A player that joined during
    the wait without a GOP cache gets that keyframe out of step at its own
    time past 2^24 (extended), while the shared copy's continuations carry
    the 100 ms delta (not extended). Prints the md5 of the keyframe's body."""
    c.handshake()
    c.send(connect_cmd())
    c.send(command("createStream", 2, amf_null()))
    c.send(command("publish", 3, amf_null(), amf_str(arg), amf_str("live"), msid=1))
    time.sleep(0.3)
    seq = b"\x17\x00\x00\x00\x00\x01\x42\xc0\x1e\xff\xe1\x00\x04\x67\x42\xc0\x1e\x01\x00\x02\x68\xce"
    c.send(chunks(6, 9, 1, seq, ts=0))
    c.send(chunks(6, 9, 1, jump_frame(9000, 1), ts=0))
    time.sleep(1.5)  # a player joins meanwhile and waits for a keyframe
    t = 0x1000000
    key = jump_frame(9000, 2)
    c.send(chunks_ext(6, 9, 1, b"\x27\x01\x00\x00\x00" + b"\x02" * 50, t))
    c.send(chunks_ext(6, 9, 1, key, t + 100))
    c.send(chunks_ext(6, 9, 1, b"\x27\x01\x00\x00\x00" + b"\x01" * 50, t + 140))
    print("key", hashlib.md5(key).hexdigest())
    time.sleep(1)


CASES = {
    "bad-version": c_bad_version, "truncated-c1": c_truncated_c1,
    "garbage": c_garbage, "first-chunk-type": c_first_chunk_type,
    "length-change": c_length_change, "type0-mid-message": c_type0_mid_message,
    "set-chunk-size": c_set_chunk_size, "huge-length": c_huge_length,
    "many-csids": c_many_csids, "deep-amf": c_deep_amf,
    "amf-counts": c_amf_counts, "wrong-types": c_wrong_types,
    "before-connect": c_before_connect, "media-bad-stream": c_media_bad_stream,
    "bad-names": c_bad_names, "zero-length": c_zero_length,
    "aggregate": c_aggregate, "slow": c_slow, "play-noread": c_play_noread,
    "publish-reset": c_publish_reset, "players": c_players,
    "first-frame": c_first_frame,
    "publish-aggregate": c_publish_aggregate,
    "publish-ts-jump": c_publish_ts_jump,
}


# ---- rtmpd access control (rtmpd-access.bats) ---------------------------

def amf_decode(b, pos=0):
    """One AMF0 value (numbers, booleans, strings, null, objects, ECMA
    arrays): (value, next position)."""
    t = b[pos]
    pos += 1
    if t == 0:
        return struct.unpack(">d", b[pos:pos + 8])[0], pos + 8
    if t == 1:
        return b[pos] != 0, pos + 1
    if t == 2:
        n = struct.unpack(">H", b[pos:pos + 2])[0]
        return b[pos + 2:pos + 2 + n].decode("utf-8", "replace"), pos + 2 + n
    if t in (5, 6):
        return None, pos
    if t in (3, 8):
        if t == 8:
            pos += 4
        obj = {}
        while b[pos:pos + 3] != b"\x00\x00\x09":
            n = struct.unpack(">H", b[pos:pos + 2])[0]
            k = b[pos + 2:pos + 2 + n].decode("utf-8", "replace")
            obj[k], pos = amf_decode(b, pos + 2 + n)
        return obj, pos + 3
    raise ValueError("AMF0 type %d" % t)


def statuses(c, seconds):
    """Read for up to seconds: print a line per onStatus
    ("status CODE DESCRIPTION"), then "closed" when the server closed the
    connection after them, or "open" when it had not by then."""
    rd = ChunkReader()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        c.s.settimeout(max(0.01, end - time.monotonic()))
        try:
            d = c.s.recv(65536)
        except socket.timeout:
            break
        except OSError:
            d = b""
        if not d:
            print("closed", flush=True)
            return
        for typ, ts, payload in rd.feed(d):
            if typ != 20:
                continue
            try:
                name, pos = amf_decode(payload)
                if name != "onStatus":
                    continue
                _, pos = amf_decode(payload, pos)
                _, pos = amf_decode(payload, pos)
                info, pos = amf_decode(payload, pos)
            except (ValueError, IndexError, struct.error):
                continue
            print("status %s %s" % (info.get("code"), info.get("description")),
                  flush=True)
    print("open", flush=True)


def c_publish_status(c, arg):
    """Publish as NAME (ARG; "?key=..." allowed), print the onStatus
    answers and whether the server closed: the refusal must arrive before
    the close. APP (environment) is the application, default live."""
    c.handshake()
    c.send(connect_cmd(os.environ.get("APP", "live")))
    c.send(command("createStream", 2, amf_null()))
    c.send(command("publish", 3, amf_null(), amf_str(arg), amf_str("live"),
                   msid=1, csid=5))
    statuses(c, float(os.environ.get("WATCH_SECONDS", "3")))
    raise SystemExit(0)


def c_play_status(c, arg):
    """The same for play."""
    c.handshake()
    c.send(connect_cmd(os.environ.get("APP", "live")))
    c.send(command("createStream", 2, amf_null()))
    c.send(command("play", 3, amf_null(), amf_str(arg), msid=1, csid=5))
    statuses(c, float(os.environ.get("WATCH_SECONDS", "3")))
    raise SystemExit(0)


def c_publish_twice(c, arg):
    """Publish ARG on stream 1, and at once again on stream 2 (while the
    first waits for its hook): print the answers."""
    c.handshake()
    c.send(connect_cmd())
    c.send(command("createStream", 2, amf_null()))
    c.send(command("createStream", 3, amf_null()))
    c.send(command("publish", 4, amf_null(), amf_str(arg), amf_str("live"),
                   msid=1, csid=5))
    c.send(command("publish", 5, amf_null(), amf_str(arg), amf_str("live"),
                   msid=2, csid=5))
    statuses(c, float(os.environ.get("WATCH_SECONDS", "3")))
    raise SystemExit(0)


def c_publish_leave(c, arg):
    """Publish ARG and send a few video messages, then reset the connection
    after LEAVE_AFTER seconds (default 0.5): for hooks still pending."""
    c.handshake()
    c.send(connect_cmd())
    c.send(command("createStream", 2, amf_null()))
    c.send(command("publish", 3, amf_null(), amf_str(arg), amf_str("live"),
                   msid=1, csid=5))
    for i in range(5):
        c.send(chunks(6, 9, 1, b"\x17\x01\x00\x00\x00" + b"\x00" * 64, ts=40 * i))
    time.sleep(float(os.environ.get("LEAVE_AFTER", "0.5")))
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.s.close()
    print("left", flush=True)
    raise SystemExit(0)


CASES.update({
    "publish-status": c_publish_status, "play-status": c_play_status,
    "publish-twice": c_publish_twice, "publish-leave": c_publish_leave,
})


def main():
    if len(sys.argv) < 4 or sys.argv[3] not in CASES:
        sys.exit("usage: evilclient.py HOST PORT CASE [ARG]\ncases: " + " ".join(sorted(CASES)))
    host, port, case = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    arg = sys.argv[4] if len(sys.argv) > 4 else ""
    window = float(os.environ.get("WATCH_SECONDS", "3"))
    c = Conn(host, port, window)
    CASES[case](c, arg)
    c.report(window)


if __name__ == "__main__":
    main()
