#!/usr/bin/python3
"""Runs a command with a new pty as its controlling terminal and stdio
(window ROWSxCOLS), optionally types INPUT into it after a moment, and
prints everything the command wrote; exits with the command's status.
    pty_run.py ROWSxCOLS INPUT COMMAND [ARG...]"""
import fcntl
import os
import pty
import struct
import sys
import termios
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from lib_pty import chunks  # noqa: E402

size, data_in, argv = sys.argv[1], sys.argv[2].encode(), sys.argv[3:]
rows, cols = (int(x) for x in size.split("x"))
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.close(master)
    os.close(slave)
    os.execvp(argv[0], argv)
os.close(slave)
if data_in:
    time.sleep(0.5)
    os.write(master, data_in)
out = b"".join(chunks(master))
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
sys.exit(os.waitstatus_to_exitcode(status))
