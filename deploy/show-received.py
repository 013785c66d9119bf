#!/usr/bin/env python3
"""Prints what the local receivers (tests/support/fake_gateway.py, fake_smtp.py) got for one
ticket: a line per SMS or WhatsApp message and per email. Exits 1 when they got nothing.
Used by deploy/run.sh and deploy/images/scenario.sh.

  show-received.py <received folder> <ticket> [--indent TEXT]
"""
import argparse
import json
import pathlib
import sys


def records(folder, name):
    path = folder / name
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=pathlib.Path)
    parser.add_argument("ticket")
    parser.add_argument("--indent", default="")
    args = parser.parse_args()
    shown = 0
    for r in records(args.folder, "sms.jsonl"):
        body = json.loads(r["body"])
        text = body.get("message") or (body.get("text") or {}).get("body", "")
        if args.ticket in text:
            shown += 1
            first_line = text.splitlines()[0] if text else ""
            print(f"{args.indent}{r['path'].strip('/'):<10}{body.get('to', ''):<16}{first_line}")
    for r in records(args.folder, "mail.jsonl"):
        if args.ticket in r.get("subject", ""):
            shown += 1
            print(f"{args.indent}{'email':<10}{r['to']}  {r['subject']}")
    return 0 if shown else 1


if __name__ == "__main__":
    sys.exit(main())
