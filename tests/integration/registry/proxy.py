#!/usr/bin/python3
"""A faulty HTTP proxy in front of a registry, for the client tests.  It
logs every request ("METHOD PATH range=<Range|-> auth=<yes|no>") and can:

  --cut            answer a blob GET that has no Range with half its body,
                   then drop the connection
  --hang           same, but keep the connection open and silent instead
  --min-size N     cut or hang only blobs larger than N bytes
  --ignore-range   strip Range from blob GETs (the registry answers 200)
  --corrupt        flip the last byte of blob bodies (same length)
  --redirect DIR   answer blob GETs with 307 to a second port that serves
                   the blob files of the registry's storage DIR, refuses
                   requests carrying Authorization (as object stores do) and
                   logs "STORAGE GET <digest> auth=<yes|no> range=<..>"

  proxy.py --upstream 127.0.0.1:PORT --port-file F --log LOG [modes]
The listening port (127.0.0.1, chosen by the kernel) goes to the port file."""
import argparse
import http.client
import http.server
import os
import re
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import lib_serve  # noqa: E402

BLOB_RE = re.compile(r"^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})$")
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
       "upgrade"}


def log(args, line):
    lib_serve.log(args.log, line)


def make_handler(args, storage_port):
    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def relay(self):
            path = self.path
            rng = self.headers.get("Range")
            log(args, "%s %s range=%s auth=%s" % (self.command, path.split("?")[0], rng or "-",
                                                 "yes" if self.headers.get("Authorization") else "no"))
            m = BLOB_RE.match(path.split("?")[0])
            is_blob_get = m is not None and self.command == "GET"
            if is_blob_get and args.redirect:
                self.send_response(307)
                self.send_header("Location", "http://127.0.0.1:%d/storage/%s?sig=abc"
                                 % (storage_port, m.group(2)))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            if is_blob_get and args.ignore_range:
                headers.pop("Range", None)
            up = http.client.HTTPConnection(args.upstream, timeout=60)
            up.request(self.command, path, body=body, headers=headers)
            resp = up.getresponse()
            data = resp.read() if self.command != "HEAD" else b""
            self.send_response_only(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP:
                    self.send_header(k, v)
            self.end_headers()
            if self.command == "HEAD":
                return
            if is_blob_get and resp.status == 200 and args.corrupt and data:
                data = data[:-1] + bytes([data[-1] ^ 0xff])
            if (is_blob_get and (args.cut or args.hang) and not rng and len(data) > 1 and
                    len(data) > args.min_size):
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                if args.hang:
                    time.sleep(3600)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(data)

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = relay

    return Proxy


def make_storage(args):
    class Storage(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            digest = self.path.split("?")[0].rsplit("/", 1)[-1]
            auth = self.headers.get("Authorization")
            rng = self.headers.get("Range")
            log(args, "STORAGE GET %s auth=%s range=%s" % (digest, "yes" if auth else "no",
                                                           rng or "-"))
            if auth:
                self.send_response(403)
                body = b"credentials not accepted here"
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            hexd = digest.split(":", 1)[-1]
            path = os.path.join(args.redirect, "docker/registry/v2/blobs/sha256", hexd[:2], hexd,
                                "data")
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            start = 0
            if rng:
                m = re.match(r"bytes=(\d+)-", rng)
                start = int(m.group(1)) if m else 0
            if start:
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1,
                                                                      len(data)))
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(data) - start))
            self.end_headers()
            self.wfile.write(data[start:])

    return Storage


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cut", action="store_true")
    ap.add_argument("--hang", action="store_true")
    ap.add_argument("--ignore-range", action="store_true")
    ap.add_argument("--corrupt", action="store_true")
    ap.add_argument("--redirect")
    ap.add_argument("--min-size", type=int, default=0)
    args = ap.parse_args()
    storage_port = 0
    if args.redirect:
        st = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_storage(args))
        storage_port = st.server_address[1]
        threading.Thread(target=st.serve_forever, daemon=True).start()
    lib_serve.serve(make_handler(args, storage_port), args.port_file)


if __name__ == "__main__":
    sys.exit(main())
