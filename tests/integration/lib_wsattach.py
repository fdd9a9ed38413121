#!/usr/bin/python3
"""A WebSocket client (RFC 6455, standard library only) for the engine's
GET /containers/{id}/attach/ws, over its unix socket.

    lib_wsattach.py SOCK PATH [options]

Does the handshake; with a non-101 answer prints "status N" and the body
and exits 3.  Otherwise: runs --then CMD (a shell command: docker start,
say), sends each --send TEXT as one masked message, reads messages until
the output holds every --until TEXT (then sends a close) or until the
server closes, and prints one line of JSON: the status, the opcodes seen,
the output (as text), the server's close code, and whether the server
answered our close.  Exits 4 when no message or close came within
--timeout seconds."""
import argparse, base64, hashlib, json, os, socket, struct, subprocess, sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Reader:
    """Reads the socket after the answer's head, starting with what came
    behind it in the same read."""

    def __init__(self, s, pending):
        self.s, self.buf = s, pending

    def exact(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed after %d of %d bytes" % (len(self.buf), n))
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def send_frame(s, opcode, payload):
    key = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    s.sendall(head + key + masked)


def recv_frame(r):
    b0, b1 = r.exact(2)
    if b1 & 0x80:
        raise ValueError("the server masked a frame")
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack(">H", r.exact(2))[0]
    elif n == 127:
        n = struct.unpack(">Q", r.exact(8))[0]
    return b0 & 0x80, b0 & 0x0F, r.exact(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sock")
    ap.add_argument("path")
    ap.add_argument("--send", action="append", default=[])
    ap.add_argument("--until", action="append", default=[])
    ap.add_argument("--then")
    ap.add_argument("--no-upgrade", action="store_true", help="leave out Upgrade: websocket")
    ap.add_argument("--timeout", type=float, default=15)
    a = ap.parse_args()

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    s.connect(a.sock)
    key = base64.b64encode(os.urandom(16))
    head = "GET %s HTTP/1.1\r\nHost: docker\r\n" % a.path
    if not a.no_upgrade:
        head += "Upgrade: websocket\r\n"
    head += ("Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
             "Sec-WebSocket-Key: %s\r\nOrigin: http://localhost\r\n\r\n" % key.decode())
    s.sendall(head.encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    top, _, rest = buf.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip()
               for k, _, v in (l.partition(":") for l in lines[1:])}
    if status != 101:
        # the connection stays open (keep-alive): the body is Content-Length long
        want = int(headers.get("content-length", "0"))
        while len(rest) < want:
            chunk = s.recv(4096)
            if not chunk:
                break
            rest += chunk
        print("status %d %s" % (status, rest.decode("utf-8", "replace").strip()))
        sys.exit(3)
    want = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
    if headers.get("sec-websocket-accept") != want:
        sys.exit("bad Sec-WebSocket-Accept: %r" % headers.get("sec-websocket-accept"))
    reader = Reader(s, rest)

    if a.then:
        subprocess.run(a.then, shell=True, check=True)
    for text in a.send:
        send_frame(s, 2, text.encode())

    out, opcodes, close_code, answered, sent_close = b"", [], None, False, False
    try:
        while True:
            fin, op, payload = recv_frame(reader)
            if op == 8:
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
                if sent_close:
                    answered = True
                else:
                    close_code = code
                    send_frame(s, 8, payload[:2])
                break
            if op == 9:
                send_frame(s, 10, payload)
                continue
            opcodes.append(op)
            out += payload
            if a.until and not sent_close and all(u.encode() in out for u in a.until):
                send_frame(s, 8, struct.pack(">H", 1000))
                sent_close = True
    except socket.timeout:
        print(json.dumps({"status": status, "opcodes": opcodes,
                          "out": out.decode("utf-8", "replace"), "timeout": True}))
        sys.exit(4)
    except EOFError:
        pass
    s.close()
    print(json.dumps({"status": status, "opcodes": sorted(set(opcodes)),
                      "out": out.decode("utf-8", "replace"), "close": close_code,
                      "answered": answered}))


if __name__ == "__main__":
    main()
