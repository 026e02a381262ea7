#!/usr/bin/env python3
"""An HTTP hook server for rtmpd's --on-publish / --on-play / --on-done tests.

Usage: hookserver.py PORTFILE LOGFILE

Listens on 127.0.0.1 on a port the kernel picks, writes that port to
PORTFILE once it accepts, and appends one JSON line per request to LOGFILE:
{"path": ..., "content_type": ..., "fields": {...}} (fields parsed from
the form body). What it answers depends on the path:

  /check   200 when the form is well formed (application/x-www-form-
           urlencoded, with call, app, name, query, addr and clientid,
           clientid a number, addr an IP) and name is "allowed" or starts
           with "ok"; 403 otherwise (400 when the form is malformed)
  /slow    like /check, after one second
  /hang    never answers (the connection stays open)
  /deny    403
  /done    200 (a notification)
"""
import ipaddress
import json
import os
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REQUIRED = ("call", "app", "name", "query", "addr", "clientid")
log_lock = threading.Lock()


def well_formed(ctype, fields):
    if ctype != "application/x-www-form-urlencoded":
        return False
    if any(k not in fields for k in REQUIRED):
        return False
    if fields["call"] not in ("publish", "play", "done"):
        return False
    if not fields["clientid"].isdigit():
        return False
    try:
        ipaddress.ip_address(fields["addr"])
    except ValueError:
        return False
    return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, code):
        body = b"ok\n" if code == 200 else b"no\n"
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace")
        fields = {k: v[0] for k, v in
                  urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        ctype = self.headers.get("Content-Type", "")
        path = self.path.split("?")[0]
        with log_lock, open(self.server.logfile, "a") as f:
            f.write(json.dumps({"path": self.path, "content_type": ctype,
                                "host": self.headers.get("Host", ""),
                                "fields": fields}) + "\n")
        if path == "/hang":
            time.sleep(3600)
            return
        if path == "/deny":
            self.answer(403)
            return
        if path == "/done":
            self.answer(200)
            return
        if path == "/slow":
            time.sleep(1)
        if not well_formed(ctype, fields):
            self.answer(400)
        elif fields["name"] == "allowed" or fields["name"].startswith("ok"):
            self.answer(200)
        else:
            self.answer(403)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: hookserver.py PORTFILE LOGFILE")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.logfile = sys.argv[2]
    open(srv.logfile, "a").close()
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
