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
import threading
import time
from http.server import BaseHTTPRequestHandler

from fake_http import next_behaviour, serve

LOCK = threading.Lock()
ARGS = None


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
            behaviour = next_behaviour(ARGS.control)
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
    serve(Handler, ARGS.ready_file)


if __name__ == "__main__":
    main()
