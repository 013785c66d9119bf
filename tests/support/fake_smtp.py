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
import email.header
import email.policy
import json
import os
import signal
import ssl
import threading

from aiosmtpd.smtp import SMTP


def read_message(raw):
    """The fields tests read, with RFC 2047 headers and the plain-text body decoded.

    email.policy.default would do the same in one call at about 2 ms a message, which made this
    receiver a fifth of the machine's CPU when notification sends hundreds a second; the
    compat32 parser and explicit decoding take a fortieth of that.
    """
    message = email.message_from_bytes(raw, policy=email.policy.compat32)

    def header(name):
        value = message.get(name)
        if value is None:
            return ""
        return str(email.header.make_header(email.header.decode_header(value)))

    body = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            body = payload.decode(part.get_content_charset() or "utf-8", "replace")
            break
    return {
        "message_id": header("Message-ID"),
        "subject": header("Subject"),
        "to": header("To"),
        "ticket": header("X-Sambat-Ticket"),
        "body": body,
        "raw": raw.decode("utf-8", "replace"),
    }


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
        raw = raw if isinstance(raw, bytes) else raw.encode()
        record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos, **read_message(raw)}
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
