#!/usr/bin/env python3
"""Writes seed inputs for the three fuzz targets into fuzz/corpus/<target>/seed-NNN:
the commands in README.md, the help text and the grammar tests, times people type, and
Slack-shaped request bodies signed as Slack signs them. Run from the repository root:
`python3 fuzz/make_seeds.py .`, then fuzz and `cargo fuzz cmin`."""
import hashlib, hmac, os, re, struct, sys, glob

root = sys.argv[1]
corpus = os.path.join(root, "fuzz", "corpus")

def write(target, items):
    d = os.path.join(corpus, target)
    os.makedirs(d, exist_ok=True)
    seen = set()
    n = 0
    for item in items:
        data = item.encode() if isinstance(item, str) else item
        if data in seen:
            continue
        seen.add(data)
        with open(os.path.join(d, f"seed-{n:03}"), "wb") as f:
            f.write(data)
        n += 1
    print(target, n)

def unescape(lit):
    def one(m):
        e = m.group(1)
        if e.startswith("u{"):
            return chr(int(e[2:-1], 16))
        return {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'"}[e]
    return re.sub(r"\\(u\{[0-9a-fA-F]+\}|.)", one, lit)

# --- command parser: README, help text and the grammar tests' inputs
commands = set()
readme = open(os.path.join(root, "README.md")).read()
for m in re.findall(r"`(/officehours[^`]*)`", readme):
    commands.add(m)
for path in glob.glob(os.path.join(root, "src/views/*.rs")) + glob.glob(os.path.join(root, "src/commands/parse*.rs")):
    text = open(path).read()
    for m in re.findall(r"`(/officehours[^`]*)`", text):
        commands.add(m)
    for lit in re.findall(r'(?:ok|bad|problem)\("((?:[^"\\]|\\.)*)"\)', text):
        commands.add(unescape(lit))
    for lit in re.findall(r'"(/officehours [^"\\]*(?:\\.[^"\\]*)*)"', text):
        commands.add(lit.replace('\\"', '"'))
commands |= {
    "", "help", "add tue,thu 14:00-15:00 career, rust", "add mon, wed 10am to 11am \"system design\"",
    "add weekdays 22:00-01:00", "add sat 9-5pm pm", "on for 1h30m", "on until noon", "on 17:00",
    "tz america/new york", "tz auto", "find \" 'rust\"", "<@U123ABC|Ada Lovelace>", "who <@U1|a b>",
    "1on1 <@U1|ada> biweekly on fri 4 pm", "1on1 @ana every three weeks", "1on1 @ana every 2w tue at 9:30am",
    "review <@U9> 2027-03-01", "conference leave 'RustConf'", "conference \"RustConf 2026\" 2026-09-08 to 2026-09-11",
    "conference list", "away off", "hints on me", "calendar reset", "remove #3", "remove all",
    "debrief \"Q3\" on 2026-06-12 with <@U1|ada>, <@U2> & <@U3|Grace Hopper>",
    "\u00a0add\u200b tue 10:00\u201311:00", "/officehours ON FOR 2 HOURS",
}
write("command_parser", sorted(commands))

# --- time parser
times = [
    "10am", "14:00", "noon", "midnight", "midday", "9:30 a.m.", "12am", "12:15am", "12pm", "2 PM", "24:00", "0", "9.30",
    "25:00", "13pm", "1:5", "10:00-11:00", "2pm–3pm", "10am to 11am", "22:00-01:00", "10-11pm", "9-5pm", "11pm-1am",
    "24:00-01:00", "2h", "90m", "1h30m", "1.5h", ".5h", "3 days", "30d", "31d", "0.01m", "18446744073709551615w",
    "2026-06-10", "2028-02-29", "2026-02-30", "2026-13-01", "0000-01-01", "9999-12-31", "2026-06-10..2026-06-12",
    "2026-12-30 to 2027-01-02", "2026-06-10…2026-06-12", "2026-06-10–2026-06-12", "mon 09:00", "Friday 4pm",
    "monday at 9:30am", "sun 24:00", "09:00 mon", "mon", "mon-fri", "fri-mon", "Mon–Wed, Sat", "weekdays", "weekend",
    "daily", "tue,thu", "0s", "0", "1h", "00", "٣:٠٠", "１４:００",
]
write("time_parser", times)

# --- signature: [len secret][now i64][skew i16][flip u16][len ts][len sig][body]
def field(b):
    b = b[:255]
    return bytes([len(b)]) + b

def sig_input(secret, now, skew, flip, ts, sig, body):
    return field(secret) + struct.pack("<qhH", now, skew, flip) + field(ts) + field(sig) + body

def sign(secret, ts, body):
    return b"v0=" + hmac.new(secret, b"v0:" + ts + b":" + body, hashlib.sha256).hexdigest().encode()

doc_secret = b"8f742231b10e8888abcd99yyyzzz85a5"
doc_body = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
slash = b"token=t&team_id=T1&user_id=U1&user_name=ada&command=%2Fofficehours&text=add+tue%2Cthu+14%3A00-15%3A00+career%2C+rust&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F1%2Fx&trigger_id=1.2.3"
event = b'{"token":"t","team_id":"T1","type":"event_callback","event":{"type":"app_mention","user":"U1","text":"<@U0> hi","channel":"C1","ts":"1.2"}}'
challenge = b'{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}'
interaction = b"payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22U1%22%7D%7D"
sigs = []
for secret, body, now, skew in [
    (doc_secret, doc_body, 1531420618 + 10, -10),
    (b"s3cr3t", slash, 1767225600, 0),
    (b"s3cr3t", event, 1767225600, 300),
    (b"s3cr3t", challenge, 1767225600, -300),
    (b"", interaction, 1767225600, 5),
    (b"x" * 64, b"", 0, 0),
]:
    ts = str(now + skew).encode()
    good = sign(secret, ts, body)
    sigs.append(sig_input(secret, now, skew, 7, ts, good, body))            # verifies
    sigs.append(sig_input(secret, now + 301, skew, 0, ts, good, body))      # stale
    sigs.append(sig_input(secret, now, skew, 1, b" " + ts, good, body))     # respelt timestamp
    sigs.append(sig_input(secret, now, skew, 2, ts, good.upper(), body))     # V0= prefix
    sigs.append(sig_input(secret, now, skew, 3, ts, b"v1=" + good[3:], body))
    sigs.append(sig_input(secret, now, skew, 4, ts, good[:-2], body))
sigs.append(sig_input(b"k", 9223372036854775807, 300, 0, b"-1", b"v0=00", b"x"))
sigs.append(sig_input(b"k", 1767225600, 0, 0, b"-9223372036854775808", b"v0=", b""))
sigs.append(sig_input(b"k", -9223372036854775808, -1, 0, b"+1", b"v0=zz", b""))
write("signature", sigs)
