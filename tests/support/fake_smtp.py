#!/usr/bin/python3
"""A real SMTP server (aiosmtpd) for tests: records every accepted message as one JSON line.

  /usr/bin/python3 fake_smtp.py --ready_file F --out O [--busy_times N]
                               [--tls_cert C --tls_key K]

Binds 127.0.0.1 on a free port and writes the port to the ready file. Recipients whose
address contains "tolak" are refused for good (550); those containing "sibuk" are told to try
later (451) the first N times (default 2), then accepted. With --tls_cert and --tls_key it
offers STARTTLS and refuses mail from a client that did not start TLS. Run it with /usr/bin/python3: a
pyenv python3 earlier on PATH has no aiosmtpd.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import ssl
import threading

from aiosmtpd.smtp import SMTP


class Recorder:
    def __init__(self, out, busy_times):
        self.out = out
        self.busy_times = busy_times
        self.busy_seen = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "tolak" in address:
            return "550 5.1.1 mailbox unavailable"
        if "sibuk" in address:
            seen = self.busy_seen.get(address, 0)
            if seen < self.busy_times:
                self.busy_seen[address] = seen + 1
                return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        message = email.message_from_bytes(raw if isinstance(raw, bytes) else raw.encode(),
                                           policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "message_id": str(message.get("Message-ID", "")),
            "subject": str(message.get("Subject", "")),
            "to": str(message.get("To", "")),
            "ticket": str(message.get("X-Sambat-Ticket", "")),
            "body": message.get_body(preferencelist=("plain",)).get_content()
            if message.get_body(preferencelist=("plain",)) else "",
            "raw": text,
        }
        with self.lock:
            with open(self.out, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ready_file", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--busy_times", type=int, default=2)
    parser.add_argument("--tls_cert")
    parser.add_argument("--tls_key")
    args = parser.parse_args()
    recorder = Recorder(args.out, args.busy_times)
    tls = {}
    if args.tls_cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        tls = {"tls_context": context, "require_starttls": True}
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(recorder, enable_SMTPUTF8=True, decode_data=False, **tls), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    tmp = args.ready_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{port}\n")
    os.rename(tmp, args.ready_file)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
