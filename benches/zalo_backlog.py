#!/usr/bin/env python3
"""A backlog of stored, unprocessed Zalo events for timing phananh's intake worker alone (scripts/bench-webhooks.sh).

Takes the first COUNT lines of a body file from scripts/gen-zalo-bodies.py and stores them exactly as the webhook
would (channel, OA, dedupe key `event_name:msg_id`, raw body), with phananh stopped; started again, phananh's worker
picks them up (as after a crash or restart). SQLite: in the webhook spool beside the database (`DB_FILE-spool`, where
acknowledged events wait); PostgreSQL: in inbound_events, unprocessed.

  zalo_backlog.py sqlite DB_FILE BODIES COUNT     inserts with Python's sqlite3
  zalo_backlog.py pg BODIES COUNT                 prints SQL for psql
"""
import datetime
import json
import sqlite3
import sys


def rows(path, count):
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= count:
                break
            _sig, body = line.rstrip("\n").split("\t", 1)
            event = json.loads(body)
            kind = event["event_name"]
            yield ("zalo", event["recipient"]["id"], f'{kind}:{event["message"]["msg_id"]}', kind, body)


def main():
    if sys.argv[1] == "sqlite":
        db, path, count = sys.argv[2], sys.argv[3], int(sys.argv[4])
        now = datetime.datetime.now(datetime.timezone.utc).isoformat()
        conn = sqlite3.connect(db + "-spool")
        conn.executemany(
            "INSERT INTO events (channel, account_external_id, dedupe_key, event_kind, raw_body, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            ((*r, now) for r in rows(path, count)),
        )
        conn.commit()
    else:
        path, count = sys.argv[2], int(sys.argv[3])
        q = lambda s: "'" + s.replace("'", "''") + "'"
        out = sys.stdout
        out.write("BEGIN;\n")
        batch = []
        for r in rows(path, count):
            batch.append("(" + ", ".join(q(v) for v in r) + ", now(), NULL, 0, NULL)")
            if len(batch) == 500:
                out.write(
                    "INSERT INTO inbound_events (channel, account_external_id, dedupe_key, event_kind, raw_body, "
                    "received_at, processed_at, attempts, last_error) VALUES\n" + ",\n".join(batch) + ";\n"
                )
                batch = []
        if batch:
            out.write(
                "INSERT INTO inbound_events (channel, account_external_id, dedupe_key, event_kind, raw_body, "
                "received_at, processed_at, attempts, last_error) VALUES\n" + ",\n".join(batch) + ";\n"
            )
        out.write("COMMIT;\n")


if __name__ == "__main__":
    main()
