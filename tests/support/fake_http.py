"""What the local HTTP stand-ins (fake_gateway.py, fake_partner.py) share: the control file that
scripts their next answers, and serving on a free loopback port named in a ready file."""

import os
import sys
from http.server import ThreadingHTTPServer


def next_behaviour(control):
    """Takes one request's behaviour off the control file: its lines are "<behaviour> <count>",
    the first line applies to the next <count> requests; with no line left, "200"."""
    if not control or not os.path.exists(control):
        return "200"
    with open(control) as f:
        lines = [l.split() for l in f.read().splitlines() if l.strip()]
    if not lines:
        return "200"
    behaviour, count = lines[0][0], int(lines[0][1])
    count -= 1
    rest = lines[1:] if count <= 0 else [[behaviour, str(count)]] + lines[1:]
    tmp = control + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join(f"{b} {c}\n" for b, c in rest))
    os.rename(tmp, control)
    return behaviour


class _QuietServer(ThreadingHTTPServer):
    """A client killed mid-request (the fault storm kills its senders) is expected: its
    connection reset is no traceback in the test's output."""

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def serve(handler, ready_file):
    """Serves `handler` on 127.0.0.1 on a free port, written to `ready_file` once bound."""
    server = _QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    tmp = ready_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(tmp, ready_file)
    server.serve_forever()
