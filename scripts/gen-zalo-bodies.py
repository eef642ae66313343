#!/usr/bin/env python3
"""Pre-signed, distinct Zalo OA `user_send_text` webhook bodies for the webhook benchmark (standard library only).

Writes one event per line as `<X-ZEvent-Signature value>\t<raw JSON body>`; every body has its own msg_id and
sender (so every request is a new event and, in phananh, a new citizen and ticket). The signature is
`mac=hex(sha256(app_id + body + timestamp + oa_secret_key))` over the exact bytes written.

Usage: gen-zalo-bodies.py COUNT OUT_FILE [--app-id ID] [--secret KEY] [--oa-id ID] [--seed N] [--event-name NAME]
       [--first-id N] [--citizens N]
"""
import argparse
import hashlib
import json
import random
import time

# Realistic citizens' messages to commune police in Hà Tĩnh: with diacritics (most), typed without them, a few
# in English. Place names are real communes so routing does real work.
PLACES = [
    "xã Thạch Hà", "xã Cẩm Trung", "xã Toàn Lưu", "phường Thành Sen", "xã Đức Thọ", "xã Kỳ Anh",
    "xã Hương Sơn", "xã Nghi Xuân", "xã Can Lộc", "xã Lộc Hà", "xã Vũ Quang", "phường Hồng Lĩnh",
    "xã Cẩm Xuyên", "xã Hương Khê", "xã Thiên Cầm", "xã Đồng Lộc",
]
PLACES_ASCII = [
    "xa Thach Ha", "xa Cam Trung", "xa Toan Luu", "phuong Thanh Sen", "xa Duc Tho", "xa Ky Anh",
    "xa Huong Son", "xa Nghi Xuan", "xa Can Loc", "xa Loc Ha",
]
TEMPLATES = [
    "Đêm qua nhóm thanh niên nẹt pô gây ồn ào ở xóm {n}, {p} đến 2 giờ sáng.",
    "Xe máy của tôi bị mất trước chợ {p} sáng nay, biển số 38A-{n}{n}.",
    "Tôi ở {p} muốn hỏi thủ tục đăng ký thường trú cho con mới sinh ạ?",
    "Đường liên thôn ở {p} có người đổ trộm rác thải xây dựng, rất nguy hiểm.",
    "Nhà hàng xóm ở thôn {n}, {p} thường xuyên đánh bạc ăn tiền.",
    "Tôi bị mất ví có căn cước ở {p}, xin hỏi làm lại ở đâu ạ?",
    "Có người gọi điện giả danh công an đòi chuyển tiền, tôi ở {p}.",
    "Xin hỏi đăng ký tạm trú cho người thuê trọ ở {p} cần giấy tờ gì ạ?",
]
TEMPLATES_ASCII = [
    "cho em hoi lam can cuoc o cong an {p} mat bao lau a, em can gap",
    "toi bi mat giay to xe o gan truong hoc {p} chieu qua, nho cong an giup",
    "o thon {n} {p} co nguoi dot rom khoi bay mu duong rat nguy hiem",
]
TEMPLATES_EN = [
    "Hello, I work in {p}. How do I register my temporary residence?",
]


def text_for(rng: random.Random, i: int) -> str:
    r = rng.random()
    n = rng.randint(1, 12)
    if r < 0.75:
        t = rng.choice(TEMPLATES).format(p=rng.choice(PLACES), n=n)
    elif r < 0.95:
        t = rng.choice(TEMPLATES_ASCII).format(p=rng.choice(PLACES_ASCII), n=n)
    else:
        t = rng.choice(TEMPLATES_EN).format(p=rng.choice(PLACES_ASCII), n=n)
    return f"{t} (#{i})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("count", type=int)
    ap.add_argument("out")
    ap.add_argument("--app-id", default="4318290654127809321")
    ap.add_argument("--secret", default="BENCH_OA_SECRET_KEY_not_a_real_one")
    ap.add_argument("--oa-id", default="388613280878808645")
    ap.add_argument("--seed", type=int, default=42)
    # A kind phananh does not know is stored like any event but the worker only marks it (no ticket): isolates
    # the webhook path from the intake work in a diagnostic run.
    ap.add_argument("--event-name", default="user_send_text")
    # Sender and message numbers start here (another set of distinct events for the same database).
    ap.add_argument("--first-id", type=int, default=0)
    # Senders: each event's own (0), or this many citizens in turn, each writing several messages (event i from
    # citizen i mod N): consecutive messages of one citizen that several instances may take at once.
    ap.add_argument("--citizens", type=int, default=0)
    # Every Nth event a `user_send_image` whose URL is IMAGE_BASE/p{k}.jpg, k cycling over PHOTOS files
    # (scripts/bench-attachments.sh serves them on loopback).
    ap.add_argument("--image-every", type=int, default=0)
    ap.add_argument("--image-base", default="http://127.0.0.1:18095")
    ap.add_argument("--photos", type=int, default=100)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    who = (lambda i: i % args.citizens) if args.citizens else (lambda i: i)
    base_ts = int(time.time() * 1000)
    app = args.app_id.encode()
    secret = args.secret.encode()
    total = 0
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        for i in range(args.first_id, args.first_id + args.count):
            ts = str(base_ts + i)
            event = {
                "app_id": args.app_id,
                "sender": {"id": str(7000000000000000000 + who(i) * 7919)},
                "user_id_by_app": str(5500000000000000000 + who(i) * 104729),
                "recipient": {"id": args.oa_id},
                "event_name": args.event_name,
                "message": {"text": text_for(rng, i), "msg_id": f"{rng.getrandbits(64):016x}{i:012x}"},
                "timestamp": ts,
            }
            if args.image_every and i % args.image_every == 0:
                k = (i // args.image_every) % args.photos
                event["event_name"] = "user_send_image"
                event["message"]["attachments"] = [
                    {"type": "image", "payload": {"url": f"{args.image_base}/p{k}.jpg"}}
                ]
            body = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
            raw = body.encode("utf-8")
            mac = hashlib.sha256(app + raw + ts.encode() + secret).hexdigest()
            out.write(f"mac={mac}\t{body}\n")
            total += len(raw)
    print(f"{args.count} signed bodies, mean {total / max(args.count, 1):.0f} bytes, in {args.out}")


if __name__ == "__main__":
    main()
