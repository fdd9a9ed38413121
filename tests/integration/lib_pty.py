"""Helpers shared by the tests' pty scripts (console_receiver.py, pty_run.py)."""
import os


def chunks(fd):
    """What fd gives until its end: EOF, or EIO once the other side of a
    pty has closed."""
    while True:
        try:
            d = os.read(fd, 4096)
        except OSError:
            return
        if not d:
            return
        yield d
