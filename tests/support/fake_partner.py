#!/usr/bin/python3
"""A stand-in for the city's partners outside city hall: an Open311 GeoReport v2 endpoint and
webhook receivers, recording every request as one JSON line.

  /usr/bin/python3 fake_partner.py --ready_file F --out O --control C --statuses S

Binds 127.0.0.1 on a free port and writes the port to the ready file.
  POST .../requests.json   an Open311 service request: answered [{"service_request_id":
                           "REQ-<n>", "service_notice": ...}]
  GET  .../requests/<id>.json  its status: the statuses file (JSON {"<id>": {"status": ...,
                           "status_notes": ...}}, read at each request), "open" if not there
  POST .../lapor/laporan   an SP4N-LAPOR export: answered {"tracking_id": "LAPOR-<n>"}
  GET  .../lapor/disposisi?sejak=<k>  LAPOR's dispositions: the statuses file's list
                           "lapor_disposisi" from index k, 50 at most, with "berikutnya"
  POST anything else       a webhook, or a LAPOR follow-up: answered {"ok": true}
LAPOR's calls without an X-Lapor-Token header are answered 401; their behaviours come from
the control file's name with ".lapor" appended, the partners' never do.
The control file, read at each POST, holds lines "<behaviour> <count>" as in fake_gateway.py:
the next <count> POSTs get <behaviour> (500, 400, 503 or hang), then the next line applies.
"""

import argparse
import json
import os
import re
import urllib.parse
import threading
import time
from http.server import BaseHTTPRequestHandler

from fake_http import next_behaviour, serve

LOCK = threading.Lock()
ARGS = None
NEXT_ID = [0]
NEXT_LAPOR_ID = [0]  # LAPOR's numbers run apart from the Open311 requests' (REQ-<n>)


def statuses():
    if not ARGS.statuses or not os.path.exists(ARGS.statuses):
        return {}
    with open(ARGS.statuses) as f:
        return json.load(f)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def record(self, body, status):
        record = {"method": self.command, "path": self.path,
                  "headers": {k.lower(): v for k, v in self.headers.items()},
                  "body": body, "status": status}
        with open(ARGS.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")

    def answer(self, status, payload):
        reply = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def lapor_dispositions(self):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        start = int(query.get("sejak", ["0"])[0] or 0)
        items = statuses().get("lapor_disposisi", [])[start:start + 50]
        with LOCK:
            self.record("", "200")
        self.answer(200, {"data": items, "berikutnya": str(start + len(items))})

    def do_GET(self):
        if "/lapor/" in self.path and not self.headers.get("X-Lapor-Token"):
            with LOCK:
                self.record("", "401")
            self.answer(401, {"error": "token required"})
            return
        if "/lapor/disposisi" in self.path:
            self.lapor_dispositions()
            return
        match = re.search(r"/requests/([^/]+)\.json", self.path)
        with LOCK:
            self.record("", "200" if match else "404")
        if not match:
            self.answer(404, {"error": "no such path"})
            return
        rid = match.group(1)
        state = statuses().get(rid, {"status": "open", "status_notes": ""})
        self.answer(200, [{"service_request_id": rid, **state}])

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        lapor = "/lapor/" in self.path
        export = lapor and self.path.endswith("/laporan")
        with LOCK:
            behaviour = next_behaviour(ARGS.control + ".lapor" if lapor and ARGS.control
                                       else ARGS.control)
            if lapor and not self.headers.get("X-Lapor-Token"):
                behaviour = "401"
            self.record(body, behaviour)
            if behaviour == "200" and export:
                NEXT_LAPOR_ID[0] += 1
                rid = f"LAPOR-{NEXT_LAPOR_ID[0]}"
            elif behaviour == "200" and self.path.endswith("requests.json"):
                NEXT_ID[0] += 1
                rid = f"REQ-{NEXT_ID[0]}"
        if behaviour == "hang":
            time.sleep(30)
            return
        if behaviour != "200":
            self.answer(int(behaviour), {"error": "as the test asked"})
        elif export:
            self.answer(201, {"tracking_id": rid, "status": "diterima"})
        elif self.path.endswith("requests.json"):
            self.answer(201, [{"service_request_id": rid,
                               "service_notice": "Diterima, akan ditindaklanjuti"}])
        else:
            self.answer(200, {"ok": True})


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--ready_file", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--control", default="")
    parser.add_argument("--statuses", default="")
    ARGS = parser.parse_args()
    serve(Handler, ARGS.ready_file)


if __name__ == "__main__":
    main()
