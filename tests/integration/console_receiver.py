#!/usr/bin/python3
"""Receives a pty master over a console socket (runc's --console-socket
protocol: one SCM_RIGHTS message), optionally writes INPUT to it, and copies
everything read from it to OUT until the other side closes."""
import os
import socket
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from lib_pty import chunks  # noqa: E402

path, out = sys.argv[1], sys.argv[2]
data_in = sys.argv[3].encode() if len(sys.argv) > 3 else b""
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
with open(out + ".ready", "w"):
    pass
conn, _ = srv.accept()
msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 4)
conn.close()
srv.close()
if not fds:
    sys.exit("no fd received")
master = fds[0]
if data_in:
    os.write(master, data_in)
with open(out, "wb") as f:
    for d in chunks(master):
        f.write(d)
        f.flush()
