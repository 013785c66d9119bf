#!/usr/bin/python3
"""A stand-in for the SMS and WhatsApp HTTP gateways: records every request as one JSON line.

  /usr/bin/python3 fake_gateway.py --ready_file F --out O --control C

Binds 127.0.0.1 on a free port and writes the port to the ready file. The control file, read
at each request, holds lines "<behaviour> <count>": the next <count> requests get <behaviour>,
one of 500, 400, 503, hang (no answer for 30 s), or echo400 (400 with the request body
in the reply, as gateways that quote what they refused do), then the next line applies. With no line left
a request is answered 200. Every request is recorded with the status it got ("hang" for one
left unanswered).
"""

import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
ARGS = None


def next_behaviour():
    """Takes one request's behaviour off the control file."""
    if not ARGS.control or not os.path.exists(ARGS.control):
        return "200"
    with open(ARGS.control) as f:
        lines = [l.split() for l in f.read().splitlines() if l.strip()]
    if not lines:
        return "200"
    behaviour, count = lines[0][0], int(lines[0][1])
    count -= 1
    rest = lines[1:] if count <= 0 else [[behaviour, str(count)]] + lines[1:]
    tmp = ARGS.control + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join(f"{b} {c}\n" for b, c in rest))
    os.rename(tmp, ARGS.control)
    return behaviour


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: without this, Nagle and the client's delayed ACK
    # add 40 ms to every request.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        with LOCK:
            behaviour = next_behaviour()
            record = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                      "body": body, "status": behaviour}
            with open(ARGS.out, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        if behaviour == "hang":
            time.sleep(30)
            return
        if behaviour == "echo400":
            status = 400
            reply = json.dumps({"ok": False, "refused": body}, ensure_ascii=False).encode()
        else:
            status = int(behaviour)
            reply = json.dumps({"ok": status < 300}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--ready_file", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--control", default="")
    ARGS = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = ARGS.ready_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(tmp, ARGS.ready_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
