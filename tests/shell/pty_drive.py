"""Types into a program running in a pseudo-terminal, as a person at a keyboard would.

Usage: python3 pty_drive.py STEPS.json PROGRAM [ARGS...]

STEPS.json is a list of steps, run in order:
  {"send": "keys"}       keys as typed: "\r" is Enter, "\t" Tab, "\u001b[A" the Up arrow,
                         "\u0004" Ctrl-D
  {"expect": "text"}     waits until the screen shows `text` after where the last expected
                         text was seen (escape sequences and carriage returns removed first)

Prints everything the program wrote (cleaned the same way) and exits 0 once the program has
ended; exits 1 when an expected text did not come within the patience, or the program did not
end, saying which. Only the standard library: CI has python3, nothing else is needed.
"""

import fcntl
import json
import os
import pty
import re
import select
import struct
import sys
import termios
import time

PATIENCE = 30.0
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]")


def clean(raw: bytes) -> str:
    return ESCAPES.sub("", raw.decode("utf-8", "replace")).replace("\r", "")


def read_some(fd: int, raw: bytearray, wait: float) -> bool:
    """Reads what is there within `wait` seconds; False once the program closed its end."""
    ready, _, _ = select.select([fd], [], [], wait)
    if not ready:
        return True
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        return False
    if not chunk:
        return False
    raw.extend(chunk)
    return True


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as f:
        steps = json.load(f)
    program = sys.argv[2:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(program[0], program)
    # 40 rows of 200 columns: no line of the shell wraps.
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 200, 0, 0))
    raw = bytearray()
    seen = 0
    open_end = True
    for step in steps:
        if "send" in step:
            os.write(fd, step["send"].encode("utf-8"))
            continue
        wanted = step["expect"]
        deadline = time.monotonic() + PATIENCE
        while True:
            at = clean(bytes(raw)).find(wanted, seen)
            if at >= 0:
                seen = at + len(wanted)
                break
            if not open_end or time.monotonic() > deadline:
                sys.stdout.write(clean(bytes(raw)))
                print(f"\n[pty_drive] never saw {wanted!r}", file=sys.stderr)
                os.kill(pid, 9)
                return 1
            open_end = read_some(fd, raw, 0.1)
    deadline = time.monotonic() + PATIENCE
    while open_end and time.monotonic() < deadline:
        open_end = read_some(fd, raw, 0.1)
    sys.stdout.write(clean(bytes(raw)))
    if open_end:
        print("\n[pty_drive] the program did not end", file=sys.stderr)
        os.kill(pid, 9)
        return 1
    _, status = os.waitpid(pid, 0)
    return 0 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
