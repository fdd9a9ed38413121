"""Helpers shared by the registry tests' servers (proxy.py, token_server.py)."""
import http.server
import os
import threading

_log_lock = threading.Lock()


def log(path, line):
    """Appends a line to the log file; safe from the servers' threads."""
    with _log_lock, open(path, "a") as f:
        f.write(line + "\n")


def serve(handler, port_file):
    """Serves handler on 127.0.0.1 (a port the kernel picks) for ever; the
    port is written to port_file, whole, once the socket listens."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(port_file + ".tmp", port_file)
    srv.serve_forever()
