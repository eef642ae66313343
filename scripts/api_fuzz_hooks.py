"""Schemathesis hooks for scripts/api-fuzz.sh: webhook bodies that pass the signature check, so generated events
reach the event parsers, the spool and the intake worker instead of stopping at 401.

Half of the generated Zalo and Facebook bodies are shaped into the platform's envelope (generated values kept
inside it) and signed as the platform signs; the other half go as generated, still signed, so malformed envelopes
are tried too. Settings come from the environment the script exports.
"""
import hashlib
import hmac
import json
import os
import random

import schemathesis

ZALO_APP_ID = os.environ["PHANANH__ZALO__APP_ID"]
ZALO_OA_ID = os.environ["PHANANH__ZALO__OA_ID"]
ZALO_KEY = os.environ["PHANANH__ZALO__OA_SECRET_KEY"]
FB_SECRET = os.environ["PHANANH__FACEBOOK__APP_SECRET"]
FB_PAGE = os.environ["PHANANH__FACEBOOK__PAGE_ID"]
ZALO_KINDS = ["user_send_text", "user_send_image", "user_send_location", "user_send_sticker", "follow",
              "user_received_message", "user_seen_message", "oa_send_text", "made_up_event"]
rng = random.Random(2026)


def text_of(value):
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)[:2000]


def zalo_event(generated):
    kind = rng.choice(ZALO_KINDS)
    return {
        "app_id": ZALO_APP_ID,
        "oa_id": ZALO_OA_ID,
        "user_id_by_app": str(rng.randrange(10**15)),
        "event_name": kind,
        "timestamp": str(1767225600000 + rng.randrange(10**9)),
        "sender": {"id": str(rng.randrange(10**3))},
        "recipient": {"id": ZALO_OA_ID},
        "message": {"msg_id": str(rng.randrange(10**12)), "text": text_of(generated),
                    "attachments": generated.get("attachments") if isinstance(generated, dict) else None},
        **({"extra": generated} if rng.random() < 0.3 else {}),
    }


def facebook_webhook(generated):
    event = {
        "sender": {"id": str(rng.randrange(10**3))},
        "recipient": {"id": FB_PAGE},
        "timestamp": 1767225600000 + rng.randrange(10**9),
    }
    choice = rng.random()
    if choice < 0.5:
        event["message"] = {"mid": f"m_{rng.randrange(10**12)}", "text": text_of(generated)}
        entry = {"id": FB_PAGE, "time": event["timestamp"], "messaging": [event]}
    elif choice < 0.8:
        change = {"field": "feed", "value": {"item": "comment", "verb": rng.choice(["add", "edited", "remove"]),
                  "comment_id": f"{FB_PAGE}_{rng.randrange(10**6)}", "post_id": f"{FB_PAGE}_1",
                  "from": {"id": str(rng.randrange(10**3)), "name": "Fuzz"}, "message": text_of(generated),
                  "created_time": 1767225600}}
        entry = {"id": FB_PAGE, "time": event["timestamp"], "changes": [change]}
    else:
        event["delivery"] = {"mids": [f"m_{rng.randrange(10**12)}"], "watermark": event["timestamp"]}
        entry = {"id": FB_PAGE, "time": event["timestamp"], "messaging": [event, generated]}
    return {"object": "page", "entry": [entry]}


@schemathesis.hook
def before_call(context, case, kwargs):
    path = case.operation.path
    if path not in ("/webhooks/zalo", "/webhooks/facebook") or case.method.upper() != "POST":
        return
    body = case.body
    # No body (NotSet), raw bytes, or a few of the non-objects: sent as generated, unsigned.
    if type(body).__name__ == "NotSet" or isinstance(body, (bytes, type(None))) \
            or rng.random() < 0.5 and not isinstance(body, dict):
        return
    if path == "/webhooks/zalo":
        if rng.random() < 0.5:
            body = zalo_event(body)
        elif isinstance(body, dict):
            body = {**body, "app_id": ZALO_APP_ID, "timestamp": str(rng.randrange(10**13))}
        raw = json.dumps(body, ensure_ascii=False).encode()
        timestamp = ""
        if isinstance(body, dict):
            t = body.get("timestamp")
            timestamp = t if isinstance(t, str) else json.dumps(t) if isinstance(t, (int, float)) else ""
        mac = hashlib.sha256(ZALO_APP_ID.encode() + raw + timestamp.encode() + ZALO_KEY.encode()).hexdigest()
        case.headers = {**(case.headers or {}), "X-ZEvent-Signature": f"mac={mac}"}
    else:
        if rng.random() < 0.5:
            body = facebook_webhook(body)
        raw = json.dumps(body, ensure_ascii=False).encode()
        mac = hmac.new(FB_SECRET.encode(), raw, hashlib.sha256).hexdigest()
        case.headers = {**(case.headers or {}), "X-Hub-Signature-256": f"sha256={mac}"}
    case.body = raw
