#!/usr/bin/env python3
"""Generate the national routing evaluation set: two frozen splits (dev, final) of addresses as citizens write them.

Why: the router must send a message to the responsible 2025 commune-level police unit from whatever address the citizen
types: the three-level address they knew before July 2025, the new two-level one, mixtures of both, district names that
changed years ago, and the noise of a phone keyboard (no diacritics, abbreviations, glued type words, typos ...).
Hand-written cases cover a few provinces; this generator draws cases from the bundled gazetteer (config/gazetteer/, the
MIT-licensed vietnamadminunits 1.0.4 data) over all 34 provinces, applies seeded noise and then checks that every case
is still answerable by a person who knows the geography (`answers`): when a noisy case is ambiguous it restores the
omitted district/province, then drops noise, and only then gives up the target.

Determinism: a fixed SEED, sorted iteration and no dependence on hash order, so the same data always gives identical
bytes. The final split uses its own derived seed and the other half of every province's units (see `partition`).

Usage (from the repo root): python3 routing/eval/gen_national.py [--data config/gazetteer] [--out routing/eval]
Python 3.11, standard library only.
"""
import argparse
import csv
import hashlib
import json
import random
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

SEED = 20261202
SPLIT_SIZES = {"dev": 1200, "final": 1200}
MIN_PER_PROVINCE = 15
KIND_SHARES = {"legacy_full": .45, "new_2025": .25, "mixed": .10, "street_trap": .08, "former_district": .05,
               "district_only": .04, "sentence": .03}
NOISES = ["no_diacritics", "wrong_diacritics", "lowercase", "uppercase", "separators", "glued_type", "abbrev_type",
          "abbrev_name", "digits_for_letters", "missing_type", "typo", "order_reversed"]
NOISE_WEIGHT = dict(zip(NOISES, [10, 5, 6, 2, 8, 4, 9, 5, 2, 7, 4, 1.5]))
EXCLUSIVE = [{"no_diacritics", "wrong_diacritics"}, {"lowercase", "uppercase"}, {"missing_type", "glued_type"},
             {"missing_type", "abbrev_type"}]
NOISE_COUNT_WEIGHT = [.17, .3, .31, .22]  # P(0, 1, 2, 3 noises) before relaxation: about half the cases get >= 2
# When a case is not answerable: restore omitted parts first, then drop noise in this order, then give up the target.
RELAX = ["typo", "digits_for_letters", "missing_type", "abbrev_name", "no_diacritics", "wrong_diacritics"]

TYPES = ["Thành phố", "Thị trấn", "Thị xã", "Đặc khu", "Phường", "Quận", "Huyện", "Tỉnh", "Xã"]
ABBR = {"Phường": ["P.", "P"], "Quận": ["Q.", "Q"], "Thành phố": ["TP", "TP.", "T.P", "Tp."], "Thị xã": ["TX", "TX."],
        "Thị trấn": ["TT", "TT."], "Huyện": ["H.", "H"], "Xã": ["X.", "X"], "Tỉnh": ["T.", "T"]}
ABBR_NUM = {"Phường": ["P", "P.", "F"], "Quận": ["Q", "Q."]}  # numbered units only: P12, P.12, F5, Q3, Q.10
PROV_ABBR = {"ho chi minh": ["HCM", "TP.HCM", "TPHCM", "TP HCM", "Sài Gòn", "SG"], "ha noi": ["HN"],
             "hai phong": ["HP"], "ba ria - vung tau": ["BRVT", "BR-VT"], "hue": ["TTH", "T.T.Huế"],
             "thua thien hue": ["TTH", "T.T.Huế"], "dong thap": ["ĐT", "DT"]}
TONES = "\u0300\u0301\u0303\u0309\u0323"
O_LIKE = "oòóỏõọ"

# District-level names changed BEFORE the data snapshot, so the commune is not listed under them in units_legacy.csv.
# (old type, old name, legacy province code, district in units_legacy.csv, communes: list | "Xã" (those that were
# communes then and now: no anachronistic type word) | None (all), source). Only changes certain to the author.
FORMER_DISTRICTS = [
    ("Huyện", "Tĩnh Gia", "38", "Thị xã Nghi Sơn", "Xã",
     "NQ 933/NQ-UBTVQH14 of 2020-04-22, effective 2020-06-01: Thị xã Nghi Sơn on the whole of Huyện Tĩnh Gia"),
    ("Quận", "2", "79", "Thành phố Thủ Đức", ["An Khánh", "An Lợi Đông", "An Phú", "Bình Trưng Đông", "Bình Trưng Tây",
                                            "Cát Lái", "Thạnh Mỹ Lợi", "Thảo Điền", "Thủ Thiêm"],
     "NQ 1111/NQ-UBTVQH14 of 2020-12-09, effective 2021-01-01: Quận 2, Quận 9, Quận Thủ Đức -> Thành phố Thủ Đức"),
    ("Quận", "9", "79", "Thành phố Thủ Đức", ["Hiệp Phú", "Long Bình", "Long Phước", "Long Thạnh Mỹ", "Long Trường",
                                            "Phú Hữu", "Phước Bình", "Phước Long A", "Phước Long B", "Tăng Nhơn Phú A",
                                            "Tăng Nhơn Phú B", "Tân Phú", "Trường Thạnh"], "NQ 1111/NQ-UBTVQH14"),
    ("Quận", "Thủ Đức", "79", "Thành phố Thủ Đức", ["Bình Chiểu", "Bình Thọ", "Hiệp Bình Chánh", "Hiệp Bình Phước",
                                                  "Linh Chiểu", "Linh Đông", "Linh Tây", "Linh Trung", "Linh Xuân",
                                                  "Tam Bình", "Tam Phú", "Trường Thọ"], "NQ 1111/NQ-UBTVQH14"),
    ("Thị xã", "Thuận An", "74", "Thành phố Thuận An", None,
     "UBTVQH resolution signed January 2020 (857/NQ-UBTVQH14; number from memory, date and effect confirmed by "
     "VOV/PLO reports), effective 2020-02-01: city on the whole of the town"),
    ("Thị xã", "Dĩ An", "74", "Thành phố Dĩ An", None, "same resolution as Thuận An, effective 2020-02-01"),
    ("Huyện", "Phú Quốc", "91", "Thành phố Phú Quốc", "Xã",
     "NQ 1109/NQ-UBTVQH14 of 2020-12-09: Thành phố Phú Quốc on the whole of Huyện Phú Quốc"),
    ("Thị xã", "Hồng Ngự", "87", "Thành phố Hồng Ngự", ["An Lạc", "An Lộc", "An Thạnh", "Bình Thạnh", "Tân Hội"],
     "UBTVQH resolution adopted 2020-09-18, effective 2020-11-01: city on the whole of the town (An Bình A/B became "
     "wards then, so not them). Huyện Hồng Ngự still exists: a trap when the type word is dropped"),
    ("Huyện", "Kỳ Sơn", "17", "Thành phố Hòa Bình", ["Độc Lập", "Hợp Thành", "Mông Hóa"],
     "NQ 830/NQ-UBTVQH14 of 2019-12-17: whole Huyện Kỳ Sơn merged into Thành phố Hòa Bình (only certain communes)"),
    ("Huyện", "Hoài Nhơn", "52", "Thị xã Hoài Nhơn", "Xã",
     "UBTVQH resolution adopted 2020-04-22 (same session as Nghi Sơn): Thị xã Hoài Nhơn on the whole of the huyện"),
    ("Huyện", "Đông Hòa", "54", "Thị xã Đông Hòa", "Xã",
     "UBTVQH resolution adopted 2020-04-22 (same session): Thị xã Đông Hòa on the whole of Huyện Đông Hòa"),
]  # plus Hà Tĩnh's early-2025 reshuffle (Huyện Lộc Hà dissolved, ...) read from ha_tinh_older_names.csv

STREETS = ["Trần Phú", "Hùng Vương", "Lê Lợi", "Nguyễn Du", "Quang Trung", "Lý Thường Kiệt", "Nguyễn Huệ",
           "Hai Bà Trưng", "Lê Duẩn", "Phan Đình Phùng", "Hà Huy Tập", "Nguyễn Trãi", "Trần Hưng Đạo", "Ngô Quyền",
           "Lê Hồng Phong", "Điện Biên Phủ", "Nguyễn Văn Cừ", "Võ Thị Sáu", "Phan Chu Trinh", "Nguyễn Thị Minh Khai",
           "Bà Triệu", "Lê Thánh Tông", "Nguyễn Công Trứ", "Xuân Diệu", "Mai Hắc Đế", "Tôn Đức Thắng",
           "Cách Mạng Tháng Tám", "Nguyễn Tất Thành", "Phạm Văn Đồng", "Trường Chinh", "Nguyễn Văn Linh", "Lê Văn Sỹ"]
HAMLETS = ["Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Tân Hòa", "Bắc Sơn", "Đồng Tâm", "Tân Lập", "Phú Lợi",
           "Quyết Tiến", "Tiền Phong", "Đoàn Kết", "Tân Tiến", "Hưng Lợi", "Bình Minh", "Liên Hương", "Hòa Bình",
           "Xuân Hương", "Yên Thịnh", "Đồng Lạc"]
HAMLETS_REGION = {"mountain": ["Na Hang", "Na Lang", "Nà Pục", "Khuổi Luông"], "highland": ["Ea Sim", "Kon Brây"],
                  "south": ["Gò Găng", "Rạch Sỏi", "Bãi Cát", "Cầu Đá", "Kinh Xáng"]}
REGION = {lp: r for r, lps in {  # by LEGACY province code: how residential groups are named
    "mountain": "02 04 06 08 10 11 12 14 15 17 19 20", "north": "01 22 24 25 26 27 30 31 33 34 35 36 37",
    "central": "38 40 42 44 45 46 48 49 51 52 54 56 58 60", "highland": "62 64 66 67 68",
    "south": "70 72 74 75 77 79 80 82 83 84 86 87 89 91 92 93 94 95 96"}.items() for lp in lps.split()}
GROUP_WORDS = {"mountain": (["Thôn", "Bản", "Xóm"], ["Tổ", "Tổ dân phố"]),  # (rural, urban)
               "north": (["Thôn", "Xóm"], ["Tổ dân phố", "Tổ"]), "central": (["Thôn", "Xóm"], ["Tổ dân phố", "Khối"]),
               "highland": (["Thôn", "Buôn"], ["Tổ dân phố"]), "south": (["Ấp"], ["Khu phố", "Tổ"])}
PERSONS = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Hùng", "Phạm Thị Lan", "Hoàng Văn Nam", "Võ Thị Hoa",
           "Đặng Minh Tuấn", "Bùi Thị Thu", "Đỗ Văn Long", "Huỳnh Thị Mai", "Ngô Quang Vinh", "Dương Thị Hạnh"]
SHORT_WRAPS = ["Tôi ở {a}, muốn hỏi về làm căn cước", "Nhà em ở {a} ạ", "Em ở {a}, cho hỏi thủ tục đăng ký tạm trú",
               "Địa chỉ: {a}", "đc: {a}", "Cho mình hỏi {a} thì công an nào quản lý?", "{a}. Xin cảm ơn"]
SENTENCES = [
    "Kính gửi Công an, tôi là {n}, hiện đang sinh sống tại {a}, xin phản ánh tình trạng đánh bạc ở nhà văn hóa.",
    "Tôi tên {n}, thường trú ở {a}; UBND và Công an chưa trả lời đơn tôi gửi từ tháng 3.",
    "Chào Công an, em là {n} ở {a}, em bị mất ví có Căn cước và Giấy phép lái xe, nhờ anh chị hướng dẫn.",
    "Nhà {n} ở {a} thường xuyên gây mất trật tự ban đêm, đề nghị Công an kiểm tra.",
    "Gia đình {n}, địa chỉ {a}, đề nghị UBND và Công an hỗ trợ xác nhận cư trú.",
    "Xin chào, tôi là {n}, hộ khẩu tại {a}, muốn hỏi Công an về thủ tục cấp lại Căn cước."]


# ------------------------------------------------------------------------------------------------ text helpers
def fold(s):
    """Strip every diacritic (đ -> d), keep case."""
    s = unicodedata.normalize("NFD", s).replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFC", "".join(c for c in s if not unicodedata.combining(c)))


def key(s):
    return " ".join(fold(s).lower().split())


def tnorm(s):
    """Lower case with tone placement normalised (Hòa == Hoà, Thủy == Thuỷ): equality 'with diacritics'."""
    d = unicodedata.normalize("NFD", " ".join(s.lower().split()))
    return re.sub(f"([ou])([{TONES}])([aey])(?![a-z])", r"\1\3\2", d)


def has_tone(s):
    return bool(set(unicodedata.normalize("NFD", s)) & set(TONES))


def dl1(a, b):
    """Damerau-Levenshtein distance <= 1."""
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a == b or a[i + 1:] == b[i + 1:] or a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:]
    return a[i + 1:] == b[i:] if len(a) > len(b) else a[i:] == b[i + 1:]


def split_type(full):
    full = unicodedata.normalize("NFC", full.strip())
    for t in TYPES:  # from the name itself: the data's type column is wrong for a few rows
        if full.lower().startswith(t.lower() + " "):
            return t, full[len(t) + 1:].strip()
    raise ValueError(f"no type word in {full!r}")


def derive(*parts):
    return int.from_bytes(hashlib.sha256(":".join(map(str, (SEED,) + parts)).encode()).digest()[:8], "big")


def read(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# ------------------------------------------------------------------------------------------------ gazetteer
class Gaz:
    """2025 units keyed by 2025 code, legacy communes by legacy code, legacy districts by district code: codes are
    reused across generations, so the three are never mixed. Every entry knows its 2025 province (`prov`)."""

    def __init__(self, d):
        self.provs, self.lprovs, self.units, self.dists, self.legacy = {}, {}, {}, {}, {}
        for r in read(d / "units_2025.csv"):
            p, (t, n) = r["province_code"], split_type(r["province_name"])
            self.provs.setdefault(p, dict(code=p, type=t, name=n, full=f"{t} {n}"))
            t, n = split_type(r["unit_name"])
            self.units[r["unit_code"]] = dict(gen="2025", code=r["unit_code"], type=t, name=n, full=f"{t} {n}", prov=p,
                                              lprovs=set(), ldists=set(), preds=set(), accept={r["unit_code"]})
        maps = defaultdict(list)
        for r in read(d / "legacy_to_2025.csv"):
            maps[r["legacy_code"]].append(r)
        for r in read(d / "units_legacy.csv"):
            lp, dc, cc = r["province_code"], r["district_code"], r["commune_code"]
            if not cc:  # island districts without communes
                continue
            news = sorted({x["new_code"] for x in maps[cc]})
            prov, = {self.units[x]["prov"] for x in news}  # one 2025 province per legacy commune
            t, n = split_type(r["province_name"])
            self.lprovs.setdefault(lp, dict(code=lp, type=t, name=n, full=f"{t} {n}", prov=prov))
            t, n = split_type(r["district_name"])
            self.dists.setdefault(dc, dict(gen="district", code=dc, type=t, name=n, full=f"{t} {n}", lprov=lp,
                                           lprovs={lp}, prov=prov, accept={"triage"}))
            t, n = split_type(r["commune_name"])
            accept = news + (["triage"] if any(x["share"] == "part" for x in maps[cc]) else [])
            self.legacy[cc] = dict(gen="legacy", code=cc, type=t, name=n, full=f"{t} {n}", dist=dc, lprov=lp,
                                   lprovs={lp}, prov=prov, accept=set(accept), accept_list=accept,
                                   default=next(x["new_code"] for x in maps[cc] if x["is_default"] == "1"))
            for x in news:
                u = self.units[x]
                u["lprovs"].add(lp), u["ldists"].add(dc), u["preds"].add(key(n))
        self.by_prov = defaultdict(list)
        for e in [*self.legacy.values(), *self.units.values(), *self.dists.values()]:
            e["f"], e["t"] = key(e["name"]), tnorm(e["name"])
            e["newname"] = e["gen"] == "2025" and e["preds"] and e["f"] not in e["preds"]  # name nobody had
            self.by_prov[e["prov"]].append(e)
        self.all = [e for p in sorted(self.by_prov) for e in self.by_prov[p]]
        self.names_in_prov = {p: {e["f"] for e in es} for p, es in self.by_prov.items()}
        self.names_in_dist = defaultdict(set)
        for x in self.legacy.values():
            self.names_in_dist[x["dist"]].add(x["f"])
        self.pname = defaultdict(lambda: (set(), set()))  # folded province name -> (legacy codes, 2025 codes)
        for i, provs in enumerate((self.lprovs, self.provs)):
            for c, x in provs.items():
                self.pname[key(x["name"])][i].add(c)
        self.pname[key("Thừa Thiên Huế")] = ({"46"}, {"46"})  # the province's name until 2025-01-01
        forms = Counter(n[0] + "." + n.split()[1] for n in self.pname if len(n.split()) == 2)
        self.prov_abbr_unique = {f for f, k in forms.items() if k == 1}
        self.dists_by_lprov = defaultdict(list)
        for x in self.dists.values():
            self.dists_by_lprov[x["lprov"]].append(x)
        self.former = self._former(d)

    def _former(self, d):
        """legacy commune code -> (old district type, old district name), each verified against units_legacy.csv."""
        out = {}
        for otype, oname, lp, cur, which, _source in FORMER_DISTRICTS:
            dc, = [c for c, x in self.dists.items() if x["lprov"] == lp and x["full"] == cur]
            mine = {c: x for c, x in sorted(self.legacy.items()) if x["dist"] == dc and (
                which is None or which == x["type"] or isinstance(which, list) and x["name"] in which)}
            assert not isinstance(which, list) or set(which) == {x["name"] for x in mine.values()}, oname
            out.update({c: (otype, oname) for c in mine})
        for r in read(d / "ha_tinh_older_names.csv"):
            x = self.legacy.get(r["pre2025_code"])
            if r["kind"].startswith("older district") and x and x["lprov"] == "42" and x["full"] == r["alias_name"]:
                out[r["pre2025_code"]] = split_type(r["alias_district"])
        return out

    def pool(self, scope):
        """Entries a province mention can mean: its legacy province(s) and its 2025 province(s); None = anywhere."""
        if scope is None:
            return self.all
        L, P = scope
        return [e for p in sorted(set(P) | {self.lprovs[c]["prov"] for c in L}) for e in self.by_prov[p]
                if e["prov"] in P or e["lprovs"] & L]


# ------------------------------------------------------------------------------------------------ answerability
def answers(g, q):
    """The accept sets of every reading of the address a knowledgeable person could take.

    q: scope (province named in the text, or None), dist (written district name or None, its type or None, district
    codes it certainly means) or None, name/type of the commune as written, and mode: exact (diacritics intact),
    folded (diacritics lost or wrong) or fuzzy (a typo: every name within one edit). A district read as the commune
    (type word missing, no other district in the text) counts as "triage"."""
    pool, dists = g.pool(q["scope"]), None
    if q["dist"]:
        dname, dtype, extra = q["dist"]
        dists = set(extra) | {e["code"] for e in pool if e["gen"] == "district" and dname is not None
                              and e["f"] == key(dname) and dtype in (None, e["type"])}
    mode, out = q["mode"], []
    nk = tnorm(q["name"]) if mode == "exact" else key(q["name"])
    for e in pool:
        if q["type"] not in (None, e["type"]):
            continue
        if not (e["t"] == nk if mode == "exact" else e["f"] == nk if mode == "folded" else dl1(e["f"], nk)):
            continue
        if dists is not None and (e["gen"] == "district" or e["gen"] == "legacy" and e["dist"] not in dists
                                  or e["gen"] == "2025" and not e["ldists"] & dists):
            continue
        out.append(e["accept"])
    return out


# ------------------------------------------------------------------------------------------------ address parts
def unit_part(e):
    return dict(role="commune", type=e["type"], name=e["name"], numeric=e["name"].isdigit())


def dist_part(g, d, former=None):
    """A district, written with its (former) name. Abbreviation by initials (Q.BT, TP.TĐ) only for city districts
    whose initials are unique in their legacy province, never for a former name."""
    t, n = former or (d["type"], d["name"])
    ini = lambda x: key("".join(s[0] for s in x["name"].split()))
    abbr = []
    if not former and d["type"] in ("Quận", "Thành phố") and len(n.split()) > 1 and not n[0].isdigit() and sum(
            ini(x) == ini(d) for x in g.dists_by_lprov[d["lprov"]]) == 1:
        abbr = [a + "".join(s[0].upper() for s in n.split()) for a in
                (["Q.", "Q "] if t == "Quận" else ["TP.", "TP ", "Tp."])]
    return dict(role="district", type=t, name=n, orig=n, numeric=n.isdigit(), real=d["code"],
                extra={d["code"]} if former else set(), abbr_opts=abbr)


def prov_part(g, rng, name, typ):
    w = name.split()
    abbr = PROV_ABBR.get(key(name)) or (
        [f"{w[0][0]}.{w[1]}"] if len(w) == 2 and key(f"{w[0][0]}.{w[1]}") in g.prov_abbr_unique else [])
    return dict(role="province", type=typ if rng.random() < .55 else None, name=name, numeric=False,
                scope=tuple(map(frozenset, g.pname[key(name)])), abbr_opts=abbr)


def old_prov_part(g, rng, lp):
    if lp == "46" and rng.random() < .3:
        return prov_part(g, rng, "Thừa Thiên Huế", "Tỉnh")
    return prov_part(g, rng, g.lprovs[lp]["name"], g.lprovs[lp]["type"])


def new_prov_part(g, rng, p):
    return prov_part(g, rng, g.provs[p]["name"], g.provs[p]["type"])


def prefix_part(g, rng, e, trap=None, street_only=False):
    """House number + street, or hamlet / residential group, as named in the region of unit `e`. Never named like a
    unit of the province, except the `trap` name of a street_trap case."""
    urban = e["type"] in ("Phường", "Thị trấn", "Đặc khu")
    lp = e.get("lprov") or min(e["lprovs"] or [c for c, x in g.lprovs.items() if x["prov"] == e["prov"]])
    n, region, banned = rng.randint(1, 250), REGION[lp], g.names_in_prov[e["prov"]]
    lane = "Kiệt" if lp in ("46", "48") else "Hẻm" if region in ("south", "highland") else "Ngõ"
    word = rng.choice(GROUP_WORDS[region][urban])
    if trap:
        forms = [f"{n} {trap}", f"số {n} đường {trap}", f"đường {trap}"]
        forms += [] if street_only else [f"{word} {trap}", f"{word.lower()} {trap}"] * 2
    elif rng.random() < (.6 if urban else .2):
        s = rng.choice([x for x in STREETS if key(x) not in banned])
        forms = [f"Số {n} đường {s}", f"{n} {s}", f"số {n}/{rng.randint(2, 30)} {s}", f"{lane} {n} {s}",
                 f"{n} đường {s}"]
    elif rng.random() < .5:
        forms = [f"{word} {rng.randint(1, 15)}"]
    else:
        forms = [f"{word} {rng.choice([h for h in HAMLETS + HAMLETS_REGION.get(region, []) if key(h) not in banned])}"]
    return dict(role="prefix", text=rng.choice(forms))


def case(kind, parts, target, source, wrap=None, forbid=()):
    return dict(kind=kind, parts=[x for x in parts if x], source=source, wrap=wrap, forbid=set(forbid),
                expect=(target["prov"], target.get("accept_list") or [target["code"]]))


def source(g, e):
    if e["gen"] == "legacy":
        return dict(generation="legacy", code=e["code"], name=e["full"], district=g.dists[e["dist"]]["full"],
                    province=g.lprovs[e["lprov"]]["full"])
    return dict(generation="2025", code=e["code"], name=e["full"], district=None, province=g.provs[e["prov"]]["full"])


def addr_case(g, rng, e, kind, omit=True, wrap=None, former=None, new_prov=False, trap=None, forbid=()):
    """[prefix], commune, district, province for a legacy commune `e` (district or province sometimes omitted);
    [prefix], unit, province for a 2025 unit (province rarely omitted)."""
    pre = prefix_part(g, rng, e, *(trap or ())) if trap or rng.random() < .6 else None
    if e["gen"] == "2025":
        pp = new_prov_part(g, rng, e["prov"])
        pp["omitted"] = omit and rng.random() < .08
        return case(kind, [pre, unit_part(e), pp], e, source(g, e), wrap, forbid)
    dp = dist_part(g, g.dists[e["dist"]], former)
    pp = new_prov_part(g, rng, e["prov"]) if new_prov else old_prov_part(g, rng, e["lprov"])
    r = rng.random()
    (pp if r < .15 else dp if r < .30 else {})["omitted"] = omit
    return case(kind, [pre, unit_part(e), dp, pp], e, source(g, e), wrap, forbid)


# ------------------------------------------------------------------------------------------------ kinds
def draw(rng, items, used, tag):
    """A random item of the split's pool, not yet used in this split if possible."""
    fresh = [x for x in items if (tag, x) not in used]
    x = rng.choice(fresh or items)
    used.add((tag, x))
    return x


def draw_unit(g, rng, S, p, legacy_share):
    """A legacy commune (with probability legacy_share) or a 2025 unit of province p from the split's pool."""
    if rng.random() < legacy_share:
        return g.legacy[draw(rng, S["leg"][p], S["used"], "L")]
    return g.units[draw(rng, S["uni"][p], S["used"], "U")]


def short_wrap(rng):
    return rng.choice(SHORT_WRAPS) if rng.random() < .15 else None


def k_legacy_full(g, rng, S, p):
    return addr_case(g, rng, draw_unit(g, rng, S, p, 1), "legacy_full", wrap=short_wrap(rng))


def k_new_2025(g, rng, S, p):
    return addr_case(g, rng, draw_unit(g, rng, S, p, 0), "new_2025", wrap=short_wrap(rng))


def k_mixed(g, rng, S, p):
    """(a) new 2025 name + old province, (b) 2025 name + an old district where no commune had that name,
    (c) legacy commune + new province name. (An old name with its old place reads as a plain legacy address.)"""
    renamed = lambda lp: key(g.lprovs[lp]["name"]) != key(g.provs[p]["name"])
    fresh = lambda u: [d for d in sorted(g.units[u]["ldists"]) if g.units[u]["f"] not in g.names_in_dist[d]]
    ua = [u for u in S["uni"][p] if g.units[u]["newname"] and any(map(renamed, g.units[u]["lprovs"]))]
    ub = [u for u in S["uni"][p] if fresh(u)]
    lc = [c for c in S["leg"][p] if renamed(g.legacy[c]["lprov"])]
    if not (ub or lc):
        return None
    variant = rng.choices("abc", [.4 * bool(ua), .3 * bool(ub), .3 * bool(lc)])[0]
    if variant == "c":
        return addr_case(g, rng, g.legacy[draw(rng, lc, S["used"], "L")], "mixed", omit=False, new_prov=True)
    u = g.units[draw(rng, ua if variant == "a" else ub, S["used"], "U")]
    pre = prefix_part(g, rng, u) if rng.random() < .5 else None
    if variant == "a":
        pp = old_prov_part(g, rng, rng.choice(sorted(filter(renamed, u["lprovs"]))))
        return case("mixed", [pre, unit_part(u), pp], u, source(g, u))
    d = g.dists[rng.choice(fresh(u["code"]))]
    pp = old_prov_part(g, rng, d["lprov"]) if rng.random() < .5 else new_prov_part(g, rng, p)
    return case("mixed", [pre, unit_part(u), dist_part(g, d), pp], u, source(g, u))


def k_street_trap(g, rng, S, p):
    """The street or hamlet carries the name of another unit (of the same province preferably)."""
    t = draw_unit(g, rng, S, p, .6)
    own = {t["f"]} | ({key(g.dists[t["dist"]]["name"])} if t["gen"] == "legacy" else set())
    same = sorted({e["name"] for e in g.by_prov[p] if e["gen"] != "district" and not e["accept"] & t["accept"]
                   and e["f"] not in own and not e["name"][0].isdigit()})
    streets = [s for s in STREETS if key(s) in set(map(key, same))]
    r = rng.random()
    if streets and r < .4:
        trap = (rng.choice(streets), True)
    elif same and r < .85:
        trap = (rng.choice(same), False)
    else:
        trap = (rng.choice([u["name"] for u in g.units.values() if u["f"] not in g.names_in_prov[p]]), False)
    return addr_case(g, rng, t, "street_trap", omit=False, trap=trap, forbid=("missing_type", "order_reversed"))


def k_district_only(g, rng, S, p):
    """Only a district + province, or only a province: the router can only triage (province still expected)."""
    target = dict(prov=p, accept_list=["triage"])
    where = dict(type=rng.choice(["Xã", "Phường"]), prov=p, lprov=rng.choice(sorted(
        c for c, x in g.lprovs.items() if x["prov"] == p)))
    if S["dis"][p] and rng.random() < .7:
        d = g.dists[draw(rng, S["dis"][p], S["used"], "D")]
        pre = prefix_part(g, rng, dict(where, lprov=d["lprov"])) if rng.random() < .4 else None
        pp = old_prov_part(g, rng, d["lprov"]) if rng.random() < .6 else new_prov_part(g, rng, p)
        src = dict(generation="legacy", code=d["code"], name=None, district=d["full"],
                   province=g.lprovs[d["lprov"]]["full"])
        return case("district_only", [pre, dict(dist_part(g, d), target=True), pp], target, src)
    pre = prefix_part(g, rng, where) if rng.random() < .4 else None
    if rng.random() < .5:
        lp = where["lprov"]
        src = dict(generation="legacy", code=lp, name=None, district=None, province=g.lprovs[lp]["full"])
        return case("district_only", [pre, old_prov_part(g, rng, lp)], target, src)
    src = dict(generation="2025", code=p, name=None, district=None, province=g.provs[p]["full"])
    return case("district_only", [pre, new_prov_part(g, rng, p)], target, src)


def k_former_district(g, rng, S, p):
    c = g.legacy[draw(rng, S["former"][p], S["used"], "L")]
    return addr_case(g, rng, c, "former_district", omit=False, former=g.former[c["code"]])


def k_sentence(g, rng, S, p):
    wrap = rng.choice(SENTENCES).replace("{n}", rng.choice(PERSONS))
    forbid = ("missing_type", "order_reversed")
    return addr_case(g, rng, draw_unit(g, rng, S, p, .6), "sentence", omit=False, wrap=wrap, forbid=forbid)


KINDS = {"legacy_full": k_legacy_full, "new_2025": k_new_2025, "mixed": k_mixed, "street_trap": k_street_trap,
         "district_only": k_district_only, "former_district": k_former_district, "sentence": k_sentence}


# ------------------------------------------------------------------------------------------------ noise
def available(base):
    parts = [x for x in base["parts"] if not x.get("omitted")]
    addr = [x for x in parts if x["role"] != "prefix"]
    com = next((x for x in parts if x["role"] == "commune"), None)
    ok = {"no_diacritics", "lowercase", "uppercase", "digits_for_letters"}
    ok |= {"separators", "order_reversed"} if len(parts) >= 2 else set()
    ok |= {"abbrev_type", "glued_type"} if any(x["type"] in ABBR for x in addr) else set()
    ok |= {"missing_type"} if any(x["type"] and x["role"] != "province" and not x["numeric"] for x in addr) else set()
    ok |= {"abbrev_name"} if any(x.get("abbr_opts") for x in addr) else set()
    ok |= {"typo"} if com and sum(ch.isalpha() for ch in com["name"]) >= 6 else set()
    ok |= {"wrong_diacritics"} if any(has_tone(x["name"]) for x in addr) else set()
    return ok - base["forbid"]


def pick_noises(rng, base):
    avail, chosen = available(base), []
    for _ in range(rng.choices(range(4), NOISE_COUNT_WEIGHT)[0]):
        opts = [n for n in NOISES if n in avail and n not in chosen
                and not any(n in ex and ex & set(chosen) for ex in EXCLUSIVE)]
        if opts:
            chosen.append(rng.choices(opts, [NOISE_WEIGHT[n] for n in opts])[0])
    return chosen


def some(rng, items, p):
    """Each item with probability p, at least one."""
    return ([x for x in items if rng.random() < p] or [rng.choice(items)]) if items else []


def edit_word(rng, pick, f):
    """Apply f to word i of part x, pick = (x, i)."""
    x, i = pick
    ws = x["name"].split()
    ws[i] = f(rng, ws[i])
    x["name"] = " ".join(ws)


def name_words(st, cond):
    return [(x, i) for x in st["addr"] if not x.get("abbr") and not x["numeric"]
            for i, w in enumerate(x["name"].split()) if cond(x, w)]


def nz_typo(rng, st):
    """One letter dropped, doubled or swapped with its neighbour in the commune name (never the first letter)."""
    t = st["target"]
    if not t or t["role"] != "commune":
        return False
    name, pos = t["name"], [i for i, ch in enumerate(t["name"]) if ch.isalpha() and i > 0]
    for _ in range(50):
        i, op = rng.choice(pos), rng.choice(["drop", "double", "swap"])
        s = name[:i] + name[i + 1:] if op == "drop" else name[:i] + name[i] + name[i:] if op == "double" else \
            name[:i] + name[i + 1] + name[i] + name[i + 2:] if i + 1 < len(name) and name[i + 1].isalpha() else name
        if s != name and all(len(w) >= 2 for w in s.split()):
            t["name"], st["fuzzy"] = s, True
            return True
    return False


def nz_digits(rng, st):
    """'0' for 'o' in one word (its tone lost with it), or, rarely, a stray digit; one word only."""
    words = name_words(st, lambda x, w: len(w) >= 3 and not (st["fuzzy"] and x is st["target"]))
    if not words:
        return False

    def slip(rng, w):
        os_ = [i for i, ch in enumerate(w) if ch in O_LIKE]
        if os_ and rng.random() < .85:
            i = rng.choice(os_)
            return w[:i] + "0" + w[i + 1:]
        i = rng.randrange(1, len(w) + 1)
        return w[:i] + rng.choice("0123456789") + w[i:]
    with_o = [(x, i) for x, i in words if set(x["name"].split()[i]) & set(O_LIKE)]
    pick = rng.choice(with_o or words)
    edit_word(rng, pick, slip)
    st["fuzzy"] = st["fuzzy"] or pick[0] is st["target"]
    return True


def nz_wrong_diacritics(rng, st):
    """One or two syllables get another tone (or none), or the tone moves inside oa/oe/uy (Hòa <-> Hoà)."""
    def wrong(rng, w):
        d = unicodedata.normalize("NFD", w)
        m = re.search(f"([ouOU])([{TONES}])([aeyAEY])$", d) or re.search(f"([ouOU])([aeyAEY])([{TONES}])$", d)
        if m and rng.random() < .3:
            return unicodedata.normalize("NFC", d[:m.start()] + m.group(1) + m.group(3) + m.group(2))
        i = j = next(i for i, ch in enumerate(d) if ch in TONES)
        while j + 1 < len(d) and unicodedata.combining(d[j + 1]):  # new tone after the quality mark: ệ -> ề, not è̂
            j += 1
        new = rng.choice([t for t in TONES if t != d[i]] + [""])
        return unicodedata.normalize("NFC", d[:i] + d[i + 1:j + 1] + new + d[j + 1:])
    words = name_words(st, lambda x, w: has_tone(w))
    for pick in rng.sample(words, min(len(words), rng.choice([1, 1, 2]))):
        edit_word(rng, pick, wrong)
    return bool(words)


def typed(st):
    return [x for x in st["addr"] if x["type"] and not x.get("abbr")]


def nz_missing_type(rng, st):
    """Type words dropped: on the commune and/or district (never on a numbered unit), often on the province."""
    core = [x for x in typed(st) if x["role"] != "province" and not x["numeric"]]
    for x in some(rng, core, .85) + [x for x in typed(st) if x["role"] == "province" and rng.random() < .7]:
        x["drop"] = True
    return bool(core)


def nz_abbrev_type(rng, st):
    """P. / Q / TP / TX / TT / H. / X. / T.; numbered units glued: P12, P.12, F5, Q3, Q.10."""
    cands = [x for x in typed(st) if x["type"] in ABBR]
    for x in some(rng, cands, .75):
        x["tabbr"] = rng.choice(ABBR_NUM.get(x["type"], ABBR[x["type"]]) if x["numeric"] else ABBR[x["type"]])
    return bool(cands)


def nz_glued_type(rng, st):
    """No space after the type word: XãTân Thành, P.Bến Nghé (never after a bare letter: TĐồng Tháp)."""
    glue = [x for x in typed(st) if not x.get("drop") and not x["numeric"] and x.get("tabbr", ".").endswith(".")]
    for x in some(rng, glue, .6):
        x["glued"] = True
    return bool(glue)


def nz_abbrev_name(rng, st):
    """HCM, SG, HN, BRVT, TTH, ĐT, H.Tĩnh for provinces; Q.BT, TP.TĐ for city districts (only next to their
    province: initials are unique within it only); never the commune."""
    prov = any(x["role"] == "province" for x in st["addr"])
    cands = [x for x in st["addr"] if x.get("abbr_opts") and (prov or x["role"] != "district")]
    if cands:
        x = rng.choice(cands)
        x["abbr"] = rng.choice(x["abbr_opts"])
    return bool(cands)


PART_NOISES = [("typo", nz_typo), ("abbrev_name", nz_abbrev_name), ("digits_for_letters", nz_digits),
               ("wrong_diacritics", nz_wrong_diacritics), ("missing_type", nz_missing_type),
               ("abbrev_type", nz_abbrev_type), ("glued_type", nz_glued_type)]
TEXT_NOISES = [("no_diacritics", fold), ("lowercase", str.lower), ("uppercase", str.upper)]


def render(x):
    if x["role"] == "prefix":
        return x["text"]
    if x.get("abbr"):
        return x["abbr"]
    t = x.get("tabbr") or (None if x.get("drop") else x["type"])
    if not t:
        return x["name"]
    return t + ("" if x.get("glued") or x.get("tabbr") and x["numeric"] else " ") + x["name"]


def apply(rng, base, noises):
    """Render the case with `noises`; return (text, noises applied, answerability query or None)."""
    parts = [dict(x) for x in base["parts"] if not x.get("omitted")]
    addr = [x for x in parts if x["role"] != "prefix"]
    target = next((x for x in addr if x["role"] == "commune" or x.get("target")), None)
    st, applied = dict(addr=addr, target=target, fuzzy=False), set()
    for n, f in PART_NOISES:
        if n in noises and f(rng, st):
            applied.add(n)
    if "order_reversed" in noises:
        parts, applied = parts[::-1], applied | {"order_reversed"}
    texts = [render(x) for x in parts]
    if "separators" in noises:  # no comma at all, dashes, slashes, semicolons; sometimes extra spaces
        text, applied = rng.choice([" ", " ", " - ", "/", " / ", ",", " ,", ";"]).join(texts), applied | {"separators"}
        if rng.random() < .4 and " " in text:
            i = rng.choice([i for i, ch in enumerate(text) if ch == " "])
            text = text[:i] + rng.choice(["  ", "   "]) + text[i:]
    else:
        text = ", ".join(texts)
    text = base["wrap"].replace("{a}", text) if base["wrap"] else text
    for n, f in TEXT_NOISES:
        if n in noises:
            text, applied = f(text), applied | {n}
    if not target:
        return text, applied, None
    pp = next((x for x in addr if x["role"] == "province"), None)
    dp = next((x for x in addr if x["role"] == "district" and x is not target), None)
    mode = "fuzzy" if st["fuzzy"] else "folded" if applied & {"no_diacritics", "wrong_diacritics"} else "exact"
    q = dict(scope=pp and pp["scope"], name=target["name"], type=None if target.get("drop") else target["type"],
             mode=mode, dist=dp and ((None, None, dp["extra"] | {dp["real"]}) if dp.get("abbr") else
                                     (dp["orig"], None if dp.get("drop") else dp["type"], dp["extra"])))
    return text, applied, q


def realise(g, rng, base):
    """Pick noises, render, and relax until some expected answer is right under every reading of the text (the
    target's own reading is one of them, so that answer is in `expect.accept`)."""
    noises = pick_noises(rng, base)
    while True:
        text, applied, q = apply(rng, base, noises)
        if q is None or set.intersection(*answers(g, q) or [set()]):
            return text, [n for n in NOISES if n in applied]
        omitted = [x for x in base["parts"] if x.get("omitted")]
        if omitted:
            omitted[0]["omitted"] = False
            continue
        drop = next((n for n in RELAX if n in noises), None)
        if drop is None:
            return None
        noises.remove(drop)


# ------------------------------------------------------------------------------------------------ splits
def largest_remainder(weights, total):
    s = sum(weights.values())
    exact = {k: total * w / s for k, w in weights.items()}
    out = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: (out[k] - exact[k], k))[: total - sum(out.values())]:
        out[k] += 1
    return out


def province_quotas(g, total):
    """Cases per 2025 province: proportional to its legacy communes, at least MIN_PER_PROVINCE."""
    w, fixed = Counter(c["prov"] for c in g.legacy.values()), {}
    while True:
        free = {p: w[p] for p in sorted(g.provs) if p not in fixed}
        left = total - sum(fixed.values())
        low = [p for p in free if left * free[p] / sum(free.values()) < MIN_PER_PROVINCE]
        if not low:
            return {**largest_remainder(free, left), **fixed}
        fixed.update({p: MIN_PER_PROVINCE for p in low})


def partition(g):
    """Each province's 2025 units (and each legacy province's districts) alternately to dev / final after a seeded
    shuffle; legacy communes follow the 2025 unit that took (the largest part of) them. So the two splits share no
    target, and no accept code except through split communes."""
    rng, side, groups = random.Random(derive("partition")), {}, defaultdict(list)
    for u in sorted(g.units):
        groups["U" + g.units[u]["prov"]].append(("U", u))
    for d in sorted(g.dists):
        groups["D" + g.dists[d]["lprov"]].append(("D", d))
    for k in sorted(groups):
        rng.shuffle(groups[k])
        side.update({x: ("dev", "final")[i % 2] for i, x in enumerate(groups[k])})
    return side


def split_pools(g, side, split):
    S = dict(leg=defaultdict(list), uni=defaultdict(list), dis=defaultdict(list), former=defaultdict(list), used=set())
    for u, x in sorted(g.units.items()):
        if side[("U", u)] == split:
            S["uni"][x["prov"]].append(u)
    for c, x in sorted(g.legacy.items()):
        if side[("U", x["default"])] == split:
            S["leg"][x["prov"]].append(c)
            if c in g.former:
                S["former"][x["prov"]].append(c)
    for d, x in sorted(g.dists.items()):
        if side[("D", d)] == split:
            S["dis"][x["prov"]].append(d)
    return S


def gen_split(g, side, split, total):
    rng, S = random.Random(derive("split", split)), split_pools(g, side, split)
    quotas, kinds = province_quotas(g, total), largest_remainder(KIND_SHARES, total)
    fprovs = [p for p in sorted(S["former"]) for _ in S["former"][p]]  # former districts exist in a few provinces
    rng.shuffle(fprovs)
    fcount = Counter()
    for p in fprovs:
        if sum(fcount.values()) < kinds["former_district"] and fcount[p] < min(quotas[p] // 3, len(S["former"][p])):
            fcount[p] += 1
    kinds["legacy_full"] += kinds.pop("former_district") - sum(fcount.values())
    rest = [p for p in sorted(quotas) for _ in range(quotas[p] - fcount[p])]
    kind_list = [k for k in KIND_SHARES if k in kinds for _ in range(kinds[k])]
    rng.shuffle(rest)
    rng.shuffle(kind_list)
    slots = [(p, "former_district") for p in sorted(fcount) for _ in range(fcount[p])] + list(zip(rest, kind_list))
    rng.shuffle(slots)
    out = []
    for p, kind in slots:
        for attempt in range(40):  # a target whose case cannot be made answerable is replaced by another one
            base = KINDS[kind if attempt < 30 else "legacy_full"](g, rng, S, p)
            made = base and realise(g, rng, base)
            if made:
                break
        else:
            raise RuntimeError(f"no case for {p} {kind}")
        out.append({"id": f"nat-{split}-{len(out) + 1:04d}", "text": made[0],
                    "expect": {"province": base["expect"][0], "accept": base["expect"][1]}, "kind": base["kind"],
                    "noise": made[1], "source": base["source"]})
    return out


# ------------------------------------------------------------------------------------------------ checks, output
def validate(g, cases):
    assert len({c["id"] for c in cases}) == len(cases), "duplicate ids"
    for c in cases:
        acc, p = c["expect"]["accept"], c["expect"]["province"]
        assert p in g.provs and acc and len(acc) == len(set(acc)), c
        assert all(a == "triage" or a in g.units and g.units[a]["prov"] == p for a in acc), c
        assert (acc == ["triage"]) == (c["kind"] == "district_only"), c


def summary(split, cases):
    print(f"== {split}: {len(cases)} cases")
    for title, cnt in (("kind", Counter(c["kind"] for c in cases)),
                       ("noise count", Counter(len(c["noise"]) for c in cases)),
                       ("noise tag", Counter(n for c in cases for n in c["noise"])),
                       ("province", Counter(c["expect"]["province"] for c in cases))):
        print(f"  {title}: " + ", ".join(f"{k}={v}" for k, v in sorted(cnt.items())))
    tri = sum("triage" in c["expect"]["accept"] for c in cases)
    noisy = sum(len(c["noise"]) >= 2 for c in cases)
    print(f"  accept includes triage: {tri} ({tri / len(cases):.1%}); >= 2 noises: {noisy} ({noisy / len(cases):.1%})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="config/gazetteer", type=Path)
    ap.add_argument("--out", default="routing/eval", type=Path)
    args = ap.parse_args()
    g = Gaz(args.data)
    side, done = partition(g), {}
    for split, total in SPLIT_SIZES.items():
        done[split] = cases = gen_split(g, side, split, total)
        validate(g, cases)
        path = args.out / f"national-{split}.jsonl"
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.writelines(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
        summary(split, cases)
        print(f"  wrote {path} sha256={hashlib.sha256(path.read_bytes()).hexdigest()}")
    tgt = lambda cs: {(c["source"]["generation"], c["source"]["code"]) for c in cs if c["kind"] != "district_only"}
    acc = lambda cs: {a for c in cs for a in c["expect"]["accept"] if a != "triage"}
    print(f"== dev/final overlap: targets {len(tgt(done['dev']) & tgt(done['final']))}, "
          f"accept codes {len(acc(done['dev']) & acc(done['final']))} (through split communes)")


if __name__ == "__main__":
    main()
