#!/usr/bin/env python3
"""A tiny recording TCP proxy (python3 stdlib only).

Listens on --listen, connects each accepted client to --upstream, relays
both directions and appends each direction's raw bytes to files:

    PREFIX.c2s   what the client sent
    PREFIX.s2c   what the server sent

With several connections the files get a ".N" suffix after the first one.
--max-bytes truncates each file (the relay itself is never truncated).
It exits after --connections connections have closed (default 1).

Example (see tests/vectors/README.md for the full capture):

    scripts/capture-vectors.py --listen 127.0.0.1:19351 \\
        --upstream 127.0.0.1:19350 --prefix /tmp/publish --max-bytes 100000
"""

import argparse
import selectors
import socket
import sys


def hostport(s):
    host, _, port = s.rpartition(":")
    return host or "127.0.0.1", int(port)


class Recorder:
    def __init__(self, path, limit):
        self.f = open(path, "wb")
        self.left = limit if limit > 0 else None

    def write(self, data):
        if self.left is not None:
            data = data[: self.left]
            self.left -= len(data)
        self.f.write(data)

    def close(self):
        self.f.close()


def relay(client, upstream, rec_c2s, rec_s2c):
    sel = selectors.DefaultSelector()
    peers = {client: (upstream, rec_c2s), upstream: (client, rec_s2c)}
    for s in peers:
        sel.register(s, selectors.EVENT_READ)
    open_ = 2
    while open_ > 0:
        for key, _ in sel.select():
            src = key.fileobj
            dst, rec = peers[src]
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                sel.unregister(src)
                open_ -= 1
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                continue
            rec.write(data)
            try:
                dst.sendall(data)
            except OSError:
                pass
    sel.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True, help="host:port to accept on")
    ap.add_argument("--upstream", required=True, help="host:port to relay to")
    ap.add_argument("--prefix", required=True, help="output file prefix")
    ap.add_argument("--max-bytes", type=int, default=0,
                    help="truncate each recorded file (0: no limit)")
    ap.add_argument("--connections", type=int, default=1,
                    help="connections to relay before exiting")
    args = ap.parse_args()

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(hostport(args.listen))
    lsock.listen(4)
    print("listening on %s" % args.listen, file=sys.stderr, flush=True)
    for i in range(args.connections):
        client, _ = lsock.accept()
        upstream = socket.create_connection(hostport(args.upstream))
        suffix = "" if i == 0 else ".%d" % i
        rec_c2s = Recorder(args.prefix + ".c2s" + suffix, args.max_bytes)
        rec_s2c = Recorder(args.prefix + ".s2c" + suffix, args.max_bytes)
        try:
            relay(client, upstream, rec_c2s, rec_s2c)
        finally:
            rec_c2s.close()
            rec_s2c.close()
            client.close()
            upstream.close()
    lsock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
