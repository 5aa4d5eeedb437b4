#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
"""tvrun.py [--platform bochs] --mode vmx|native [--cfg FILE] [--dir DIR]
       [--group G[,G...]] [--out DIR] [--results FILE] [--efi FILE] [--jobs N]
       [--msrs strict|lenient] [--bochsrc LINE]... [--rejudge] [NAME...]
tvrun.py --platform qemu ...     (the guests natively on QEMU TCG: tvqemu.py)
tvrun.py --compare LABEL=RESULTS_LOG...   (the same verdicts in every run)

Run the selftest guests of tests/guests.cfg (all, the named ones, or those
of the groups named, comma-separated) under tickvisor in Bochs (scripts/run-bochs.sh), judge each against
the config, print TAP 13 and a summary table.  scripts/run-guests-tickvisor.sh
runs this file.

  vmx     one ESP holding every guest (at most 256 a boot, vmm/config.h; more
          go to boot1, boot2, ...): tickvisor runs them one after another.
          A section with canary=SECTION is followed in the same boot by that
          section's guest, reported as NAME.canary (the hostile suite,
          tests/hostile.cfg); a section named as a canary runs only so.
  native  tickvisor mode=native hands the bare machine to the first guest of
          its config: one Bochs boot per guest, --jobs N at a time.

What decides (issue 12 item 6): only tickvisor's own result lines, those
whose text after the log header starts "vmm: " or "end: " (never a guest's
"Gn: " line) and that carry this boot's token, read from tickvisor's first
"vmm: TVTOKEN <token>" line (vmm/result.h):
  vmm: TVRESULT <token> {json}   a guest's end (verdict, exit code, why)
  vmm: TVRUN <token> {json}      the run's counts and status
  end: status=N (...) [tv <token>]
A guest's own PASS:/FAIL:/SKIP:/SUMMARY: lines (its "Gn: " lines; natively
every line after the hand-over) are its claims about itself: they are
counted, and a guest that exits 0 must back them up, but they never make a
verdict PASS on their own.  Natively only the guest's EXIT line tells how it
ended: tickvisor has handed the machine over.

Options (build/ is $BUILD when set): --cfg (tests/guests.cfg), --dir the
images (build/guests), --out
the work folder (build/test/guests-MODE: ESPs, serial logs, NAME.log its
part of the log, NAME.out its own lines without prefixes, report.tap),
--results the log for scripts/summary.sh (build/results/guests-bochs-MODE.log:
"NAME: PASS: ..." lines, then "PASS: guest/NAME/MODE" or
"FAIL: guest/NAME/MODE (VERDICT: why)"), --efi (build/tickvisor.efi),
--bochsrc an extra bochsrc line (repeatable), --tv-config an extra
tickvisor.cfg line before the guests (repeatable), --label a suffix for the
verdict names, --msrs strict (default: Bochs's ignore_bad_msrs=0 plus an
msrs= file defining IA32_PLATFORM_ID, which OVMF reads) or lenient,
--rejudge judge the logs of the last run again without booting.

Verdicts: PASS; FAIL (wrong exit code or failures, not stopped / refused
when it should be); CRASH (no result line, or stopped / shut down when it
should have run to its end); TIMEOUT (tickvisor's per-guest timeout, or the
Bochs run's bound).  In vmx mode one more TAP test per boot checks the end:
exactly one genuine end line, status 0 when every guest exited 0 and 5
otherwise, agreeing with TVRUN.  Timeouts: guests.cfg's timeout= (for QEMU
TCG) times TV_BOCHS_TIMEOUT_SCALE (3) goes to tickvisor; a Bochs run is
bounded by TV_BOCHS_BOOT_S (120) plus twice the sum of those (vmx; but at
most TV_BOCHS_BOOT_MAX, 3600, unless one guest alone needs more) or plus
its guest's (native).  Exit status: 0 when every verdict is PASS, 1
otherwise, 2 on a usage or setup error.
"""
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

NAME = "run-guests-tickvisor"
SCRIPTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(SCRIPTS)
# make exports BUILD=... given on its command line: the defaults follow it.
BUILD = os.environ.get("BUILD") or "build"
MAX_GUESTS = 256        # vmm/config.h TV_CONFIG_MAX_GUESTS
MAX_MODULES = 4         # vmm/config.h TV_CONFIG_MAX_MODULES
HDR = re.compile(r"\[[^\]]*\] +cpu[0-9]+ +[A-Z]+ +")
GUEST_PREFIX = re.compile(r"(G[0-9]+|cal): ")
TOKEN = re.compile(r"vmm: TVTOKEN ([0-9a-f]{16})\b")
RESULT = re.compile(r"(?:vmm|native): (TVRESULT|TVRUN) (\S+) (\{.*\})$")
END = re.compile(r"end: status=([0-9]+) \(.*\[tv ([0-9a-f]*)\]$")
START = re.compile(r"vmm: guest ([0-9]+): [^ ]+, [0-9]+ MiB")
LOUD = re.compile(r"\[[^\]]*\] +cpu[0-9]+ +(ERR|WARN) ")
RAN = re.compile(r"vmm: [0-9]+ guest\(s\) ran|vmm: TVRUN |end: status=")
STAMP = re.compile(r"^\[ *([0-9]+\.[0-9]+)\]")
ESC = re.compile(r"\x1b\[[0-9;?=]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r")
STATUS_NAMES = {0: "ok", 1: "no VT-x", 2: "config error", 3: "VMM exception", 4: "VMX failure",
                5: "guest failure", 6: "boot failure", 7: "panic", 124: "timeout",
                125: "no end line"}
CODE_NAMES = {0: "pass", 1: "unexpected failures", 2: "abort", 3: "unhandled exception"}


def die(msg):
    print(f"{NAME}: error: {msg}", file=sys.stderr)
    sys.exit(2)


def status_name(n):
    return STATUS_NAMES.get(n, "unknown")


def read_text(path):
    """A file as text, every byte kept (Latin-1), '' when missing."""
    try:
        with open(path, "rb") as f:
            return f.read().decode("latin-1")
    except OSError:
        return ""


def write_text(path, text):
    with open(path, "wb") as f:
        f.write(text.encode("latin-1"))


def clean_lines(path):
    """The serial log split on LF only, without terminal escapes and CRs (lib.sh tv_clean)."""
    return ESC.sub("", read_text(path)).split("\n")[:-1]


def parse_cfg(path):
    """tests/guests.cfg (its header documents the keys): [(name, {key: value})]."""
    if not os.access(path, os.R_OK):
        die(f"guest config {path} not found")
    sections, cur = [], None
    for no, raw in enumerate(read_text(path).split("\n"), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"\[([A-Za-z0-9_.-]+)\]", line)
        if m:
            if any(n == m.group(1) for n, _ in sections):
                die(f"{path}:{no}: section [{m.group(1)}] repeated")
            cur = {}
            sections.append((m.group(1), cur))
            continue
        m = re.fullmatch(r"([a-z_]+)\s*=\s*(.*)", line)
        if cur is None or not m:
            die(f"{path}:{no}: cannot parse: {line}")
        key, val = m.group(1), m.group(2)
        val = val[1:] if val.startswith('"') else val
        val = val[:-1] if val.endswith('"') else val
        if key in ("mem", "timeout", "exit") and not val.isdigit():
            die(f"{path}:{no}: {key}={val} is not a number")
        if key == "expect" and val not in ("pass", "stopped", "refused", "timeout"):
            die(f"{path}:{no}: expect={val} (expected pass, stopped, refused or timeout)")
        if key == "unmapped" and val not in ("bus", "stop"):
            die(f"{path}:{no}: unmapped={val} (expected bus or stop)")
        if key == "cpuid_hide" and not re.fullmatch(r"[a-z0-9,-]*", val):
            die(f"{path}:{no}: cpuid_hide={val} (expected a comma list of feature names)")
        if key == "why" and not val.strip():
            die(f"{path}:{no}: why= is empty (expected the text the stop or refusal reason must contain)")
        if key == "canary" and not re.fullmatch(r"[A-Za-z0-9_.-]+", val):
            die(f"{path}:{no}: canary={val} (expected the name of a section of this file)")
        if key not in ("mem", "timeout", "exit", "expect", "guest", "args", "groups", "module",
                       "unmapped", "cpuid_hide", "why", "canary"):
            die(f"{path}:{no}: unknown key '{key}'")
        cur[key] = cur[key] + "," + val if key == "module" and key in cur else val
    names = [n for n, _ in sections]
    for n, keys in sections:
        c = keys.get("canary")
        if c is not None and (c not in names or c == n or "canary" in dict(sections)[c]):
            die(f"{path}: [{n}] canary={c}: expected another section of this file, itself without canary=")
    return sections


def parse_args(argv):
    opts = {"mode": "", "cfg": f"{REPO}/tests/guests.cfg", "dir": f"{REPO}/{BUILD}/guests",
            "group": "", "out": "", "results": "", "efi": f"{REPO}/{BUILD}/tickvisor.efi",
            "jobs": "1", "msrs": "strict", "label": "", "bochsrc": [], "tv-config": [],
            "rejudge": False, "only": []}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            usage()
        if a == "--rejudge":
            opts["rejudge"] = True
        elif a.startswith("--") and a[2:] in opts and a[2:] not in ("rejudge", "only"):
            if i + 1 >= len(argv):
                usage()
            if isinstance(opts[a[2:]], list):
                opts[a[2:]].append(argv[i + 1])
            else:
                opts[a[2:]] = argv[i + 1]
            i += 1
        elif a.startswith("-"):
            print(f"{NAME}: unknown option {a}", file=sys.stderr)
            usage()
        else:
            opts["only"].append(a)
        i += 1
    if opts["mode"] not in ("vmx", "native") or not re.fullmatch(r"[1-9][0-9]*", opts["jobs"]) \
            or opts["msrs"] not in ("strict", "lenient"):
        usage()
    return opts


def usage():
    print("\n".join(__doc__.split("\n")[:5]), file=sys.stderr)
    sys.exit(2)


class Guest:
    def __init__(self, name, keys, o, scale):
        self.name = name
        img = keys.get("guest", name + ".elf")
        self.image = img if img.startswith("/") else os.path.join(o["dir"], img)
        if not os.access(self.image, os.R_OK):
            die(f"[{name}]: image {self.image} not found: run make guests")
        self.mem = int(keys.get("mem", "64"))
        self.tmo = int(keys.get("timeout", "30")) * scale
        self.want_exit = int(keys.get("exit", "0"))
        self.expect = keys.get("expect", "pass")
        self.args = keys.get("args", "")
        self.unmapped = keys.get("unmapped", "")    # tickvisor's per-guest unmapped=
        self.cpuid_hide = keys.get("cpuid_hide", "")    # tickvisor's per-guest cpuid_hide=
        self.want_why = keys.get("why", "")     # text the stop/refusal reason must contain
        if self.want_why and self.expect not in ("stopped", "refused", "timeout"):
            die(f"[{name}]: why= needs expect=stopped, refused or timeout")
        if '"' in self.args:
            die(f"[{name}]: args= cannot contain '\"' in a tickvisor config")
        mods = [m for m in keys.get("module", "").split(",") if m]
        if len(mods) > MAX_MODULES:
            die(f"[{name}]: {len(mods)} modules; tickvisor takes at most {MAX_MODULES}")
        self.mods = []
        for m in mods:
            m = m if m.startswith("/") else os.path.join(REPO, m)
            if not os.access(m, os.R_OK):
                die(f"[{name}]: module {m} not found")
            self.mods.append(m)
        self.path = "guests/" + os.path.basename(self.image)
        self.verdict, self.why, self.status, self.summary, self.time = "", "", "-", "-", "-"
        self.clean = False
        self.out_lines = []


def make_esp(esp, guests, o):
    """tickvisor, the guests' images and modules, and a config with one block per guest."""
    shutil.rmtree(esp, ignore_errors=True)
    os.makedirs(f"{esp}/EFI/BOOT")
    os.makedirs(f"{esp}/guests")
    shutil.copy(o["efi"], f"{esp}/EFI/BOOT/BOOTX64.EFI")
    cfg = [f"# generated by scripts/tvrun.py from {os.path.basename(o['cfg'])}",
           f"mode={o['mode']}", "log=info"] + o["tv-config"]
    for g in guests:
        shutil.copy(g.image, f"{esp}/{g.path}")
        cfg += [f"# [{g.name}]", f"guest={g.path}", f'args="{g.args}"', f"mem={g.mem}M"]
        for m in g.mods:
            os.makedirs(f"{esp}/guests/{g.name}", exist_ok=True)
            shutil.copy(m, f"{esp}/guests/{g.name}/{os.path.basename(m)}")
            cfg.append(f"module=guests/{g.name}/{os.path.basename(m)}")
        if g.unmapped:
            cfg.append(f"unmapped={g.unmapped}")
        if g.cpuid_hide and o["mode"] == "vmx":     # natively the guest sees the real CPUID
            cfg.append(f"cpuid_hide={g.cpuid_hide}")
        if o["mode"] == "vmx":      # natively nothing enforces it: the Bochs run is bounded
            cfg.append(f"timeout={g.tmo}")
    write_text(f"{esp}/EFI/BOOT/tickvisor.cfg", "\n".join(cfg) + "\n")


def boot(esp, log, timeout, o):
    """One Bochs run; its messages to .runner, exit status to .rc, wall seconds to .secs."""
    base = log[:-4]
    t0 = time.monotonic()
    with open(base + ".runner", "wb") as runner:
        rc = subprocess.call([f"{SCRIPTS}/run-bochs.sh", esp, log, str(timeout)] + o["bochsrc"],
                             stdout=runner, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=dict(os.environ, TV_STREAM="0"))
    write_text(base + ".rc", f"{rc}\n")
    write_text(base + ".secs", f"{int(time.monotonic() - t0)}\n")


def read_int(path, default):
    try:
        return int(read_text(path).strip())
    except ValueError:
        return default


def bochs_exit_msg(run):
    lines = read_text(f"{run}/bochs.out").replace("\r", "").split("\n")
    for i, line in enumerate(lines[:-1]):
        if "Bochs is exiting with the following message:" in line:
            return lines[i + 1]
    return ""


class Log:
    """tickvisor's own lines of one serial log, and each guest's own output."""

    def __init__(self, path):
        self.lines = clean_lines(path)
        self.token = None
        self.own = []           # (line index, text after the header)
        self.results, self.runs, self.ends = {}, [], []
        self.foreign = 0        # own-looking result lines without this boot's token
        self.guest_out = {}     # guest index -> its lines, prefix removed
        for i, line in enumerate(self.lines):
            m = HDR.match(line)
            if not m:
                continue
            rest = line[m.end():]
            g = GUEST_PREFIX.match(rest)
            if g:
                if g.group(1) != "cal":
                    self.guest_out.setdefault(int(g.group(1)[1:]), []).append(rest[g.end():])
                continue
            self.own.append((i, rest))
            t = TOKEN.match(rest)
            if t and self.token is None:
                self.token = t.group(1)
                continue
            r = RESULT.match(rest)
            if r:
                if r.group(2) != self.token:
                    self.foreign += 1
                    continue
                try:
                    data = json.loads(r.group(3))
                except ValueError:
                    self.foreign += 1
                    continue
                if r.group(1) == "TVRUN":
                    self.runs.append(data)
                elif isinstance(data.get("guest"), int):
                    self.results.setdefault(data["guest"], (i, data))
                continue
            e = END.match(rest)
            if e:
                if e.group(2) == self.token:
                    self.ends.append(int(e.group(1)))
                else:
                    self.foreign += 1
            elif rest.startswith("end: status="):
                self.foreign += 1


def stamp(line):
    m = STAMP.match(line)
    return float(m.group(1)) if m else None


def summary_of(g):
    """SUMMARY (the text after 'SUMMARY: ', '-' if none) and its unexpected-failure count."""
    lines = [x for x in g.out_lines if x.startswith("SUMMARY: ")]
    g.summary = lines[-1][len("SUMMARY: "):] if lines else ""
    m = re.match(r"SUMMARY: ([0-9]+) tests, ([0-9]+) unexpected failures", lines[-1]) if lines else None
    g.summary = g.summary or "-"
    return int(m.group(2)) if m else None


def count(g, word):
    return sum(1 for x in g.out_lines if x.startswith(word + ": "))


def judge_exit(g, code, st, sum_fails):
    nfail = count(g, "FAIL")
    if code != g.want_exit:
        return "FAIL", f"exit code {code}: {CODE_NAMES.get(code, f'code {code}')} (status {st}), expected {g.want_exit}"
    if code == 0 and sum_fails is None:
        return "FAIL", "exit code 0 but no SUMMARY line"
    if code == 0 and sum_fails:
        return "FAIL", f"exit code 0 but SUMMARY says {sum_fails} unexpected failures"
    if code == 0 and nfail:
        return "FAIL", f"exit code 0 but {nfail} FAIL lines"
    return "PASS", f"exit code {code}: {CODE_NAMES.get(code, f'code {code}')}, status {st}"


def judge_vmx(g, idx, log, rc, run_dir):
    g.out_lines = log.guest_out.get(idx, [])
    sum_fails = summary_of(g)
    start = next((i for i, rest in log.own if START.match(rest) and int(START.match(rest).group(1)) == idx), None)
    res = log.results.get(idx)
    if res is None:
        if start is None and rc == 124:
            return "TIMEOUT", "not reached: the Bochs run timed out before it started"
        if start is None:
            msg = bochs_exit_msg(run_dir)
            return "CRASH", f"not reached: tickvisor never started it (run-bochs.sh status {rc})" + \
                (f"; Bochs said: {msg}" if msg else "")
        if rc == 124:
            return "TIMEOUT", "no result line: the whole Bochs run timed out while it ran"
        return "CRASH", f"no result line (run-bochs.sh status {rc}: {status_name(rc)})"
    at, r = res
    if start is not None and stamp(log.lines[start]) is not None and stamp(log.lines[at]) is not None:
        g.time = f"{stamp(log.lines[at]) - stamp(log.lines[start]):.1f}s"
    if r.get("name") != g.path:
        return "FAIL", f"guest {idx} in the log is {r.get('name')}, not {g.path}"
    verdict, end, why = r.get("verdict"), str(r.get("end", "")), str(r.get("why", ""))
    if verdict in ("stopped", "timeout", "shutdown"):
        why += f" ({r.get('exits')} exits)"
    if verdict in ("pass", "fail"):
        g.status = str(r.get("status"))
        g.clean = r.get("exit") == 0
        how = end[end.find("(") + 1:end.rfind(")")] if "(" in end else end
        if g.expect != "pass":
            return "FAIL", f"not {g.expect}: exited ({how}) with code {r.get('exit')}"
        v, w = judge_exit(g, r.get("exit"), r.get("status"), sum_fails)
        return v, f"{w} ({how})"
    if verdict == "stopped":
        g.status = "stopped"
        nfail = count(g, "FAIL")
        if g.expect == "refused":
            return "FAIL", f"not refused: loaded, ran and was STOPPED: {why}"
        if g.expect != "stopped":
            return "CRASH", f"STOPPED: {why}"
        if nfail:
            return "FAIL", f"stopped as expected, but {nfail} of its checks failed before: STOPPED: {why}"
        if g.want_why not in why:
            return "FAIL", f"stopped, but for another reason: STOPPED: {why} (expected one containing \"{g.want_why}\")"
        return "PASS", f"stopped as expected: {why}"
    if verdict == "timeout":
        g.status = "timeout"
        if g.expect == "timeout" and not count(g, "FAIL") and g.want_why in why:
            return "PASS", f"ended by tickvisor's {g.tmo}s timeout as expected: {why}"
        return "TIMEOUT", f"after tickvisor's {g.tmo}s timeout: {re.sub(r'^timeout: ', '', why)}"
    if verdict == "refused":
        g.status = "refused"
        if g.expect == "refused" and why.strip() and g.want_why in why:
            return "PASS", f"refused as expected: {why}"
        if g.expect == "refused" and why.strip():
            return "FAIL", f"refused, but for another reason: {why} (expected one containing \"{g.want_why}\")"
        return "FAIL", f"refused: {why}"
    g.status = end.split(":")[0]
    return "CRASH", f"{end}: {why}"


def judge_native(g, rc, run_dir, secs, log):
    g.time = f"{secs}s"
    res = log.results.get(0)
    r = res[1] if res else {}
    if g.expect == "refused":
        if r.get("verdict") == "handed":
            return "FAIL", "not refused: tickvisor handed the machine to it"
        if r.get("verdict") == "refused" and str(r.get("why", "")).strip():
            g.status = "refused"
            if g.want_why not in str(r["why"]):
                return "FAIL", f"refused, but for another reason: {r['why']} (expected one containing \"{g.want_why}\")"
            return "PASS", f"refused as expected: {r['why']}"
        return "FAIL", f"no refusal result line (run-bochs.sh status {rc}: {status_name(rc)})" + \
            (f": {r.get('end')}: {r.get('why')}" if r else "")
    if r.get("verdict") != "handed":
        if rc == 124:
            return "TIMEOUT", "the Bochs run timed out before tickvisor handed the machine over"
        last = [HDR.sub("", x, 1) for x in log.lines if LOUD.match(x)]
        msg = bochs_exit_msg(run_dir)
        return "FAIL", f"tickvisor did not hand the machine over (run-bochs.sh status {rc}: {status_name(rc)})" + \
            (f": {r.get('end')}: {r.get('why')}" if r else (f": {last[-1]}" if last else "")) + \
            (f"; Bochs said: {msg}" if msg else "")
    # The guest's own output: every line after the hand-over (TVRESULT, then TVRUN).
    after = res[0] + 1
    if after < len(log.lines) and RESULT.match(log.lines[after][HDR.match(log.lines[after]).end():]
                                               if HDR.match(log.lines[after]) else ""):
        after += 1
    g.out_lines = log.lines[after:]
    sum_fails = summary_of(g)
    exits = [x for x in g.out_lines if re.match(r"EXIT: STATUS=[0-9]+", x)]
    if not exits:
        if rc == 124:
            return "TIMEOUT", "no EXIT line within the Bochs run's bound"
        why = f"no EXIT line; Bochs ended (run-bochs.sh status {rc})"
        bl = [x for x in read_text(f"{run_dir}/bochs.log").split("\n")
              if re.search(r"triple fault|PANIC|>>PANIC", x, re.I)]
        return "CRASH", why + (f"; bochs.log: {bl[-1][:160]}" if bl else "")
    st = int(re.match(r"EXIT: STATUS=([0-9]+)", exits[-1]).group(1))
    g.status = str(st)
    v, w = judge_exit(g, st >> 1, st, sum_fails)
    # The guest ends the run itself (port 0x8900): no end line, status 125.
    return v, w + ("; but Bochs did not exit after it (run timed out)" if rc == 124 else "")


def run_vmx(boots, o, out, bdir, boot_s):
    for b, members in enumerate(boots, 1):
        d = bdir(b)
        # Every guest at its timeout, twice over; but a boot of many guests (the hostile
        # suite's 252) is held to TV_BOCHS_BOOT_MAX (3600 s): a hang ends in an hour, not ten.
        total = min(boot_s + sum(2 * g.tmo for g in members),
                    max(boot_s + 2 * max(g.tmo for g in members), o["boot_max"]))
        want = 0 if all(g.expect == "pass" and g.want_exit == 0 for g in members) else 5
        os.makedirs(d, exist_ok=True)
        make_esp(f"{d}/esp", members, o)
        print(f"boot {b} of {len(boots)}: {len(members)} guest(s), bounded by {total}s; serial log {d}/serial.log", flush=True)
        th = threading.Thread(target=boot, args=(f"{d}/esp", f"{d}/serial.log", total, o))
        th.start()
        shown = 0
        while True:
            alive = th.is_alive()
            log = Log(f"{d}/serial.log")
            prog = [log.lines[i] for i, rest in log.own
                    if START.match(rest) or rest.startswith(("vmm: TVRESULT ", "native: TVRESULT ", "end: status="))]
            for line in prog[shown:]:
                print(f"  {line}"[:200], flush=True)
            shown = len(prog)
            if not alive:
                break
            time.sleep(1)
        th.join()
        rc, secs = read_int(f"{d}/serial.rc", 125), read_int(f"{d}/serial.secs", 0)
        if rc == want and rc != 0:
            print(f"Bochs ended after {secs}s, run-bochs.sh status {rc} ({status_name(rc)}: expected, this boot has "
                  "guests that must be stopped, refused or exit non-zero; each is judged below)")
        else:
            print(f"Bochs ended after {secs}s, run-bochs.sh status {rc} ({status_name(rc)}"
                  f"{'' if rc == want else f'; expected {want}'})")


def run_native(guests, o, out, boot_s):
    print(f"one boot per guest, {o['jobs']} at a time, each bounded by {boot_s}s + "
          f"{os.environ.get('TV_BOCHS_TIMEOUT_SCALE', '3')}x its guests.cfg timeout", flush=True)

    def one(g):
        d = f"{out}/{g.name}"
        make_esp(f"{d}/esp", [g], o)
        print(f"  {g.name}: booting (bound {boot_s + g.tmo}s)", flush=True)
        boot(f"{d}/esp", f"{d}/serial.log", boot_s + g.tmo, o)
        rc, secs = read_int(f"{d}/serial.rc", 125), read_int(f"{d}/serial.secs", 0)
        head = f"  {g.name}: Bochs ended after {secs}s, run-bochs.sh status {rc}"
        if g.expect == "refused" and rc not in (0, 124):
            print(f"{head} ({status_name(rc)}: expected, the image must be refused; judged below)", flush=True)
        elif rc == 125:
            print(f"{head} (no end line: expected, the guest powers off itself; judged by its EXIT line below)",
                  flush=True)
        else:
            print(f"{head} ({status_name(rc)})", flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=int(o["jobs"])) as pool:
        list(pool.map(one, guests))


CHECK = re.compile(r"(?:\[[^\]]*\] cpu[0-9]+ [A-Z]+ +)?(?:G[0-9]+: )?([A-Za-z0-9_.-]+: )?(PASS|FAIL|SKIP): (.*)")


def compare(args):
    """--compare LABEL=RESULTS_LOG...: the same verdict for every check in every run (issue 5).

    Each argument names one run: a label and its results log (the PASS:/FAIL:/SKIP: lines
    --results writes).  A check is keyed by its guest name and its rule up to the first " ("
    (measured values differ between runs), at most "guest: face: group: rule" (so a SKIP
    line's reason, ": Bochs keeps ...", does not make it another check); the runner's own
    guest/, fuzz/ and layering lines are not checks.  Prints one PASS:/FAIL: line: FAIL when a
    check passes in one run and fails (or both) in another; checks skipped in some runs only
    (the platform deviates, e.g. Bochs's own LAPIC natively) are listed, not differences.
    Returns the exit status: 0, 1 on a difference or a missing or empty log, 2 on usage."""
    if len(args) < 2:
        print("usage: tvrun.py --compare LABEL=RESULTS_LOG LABEL=RESULTS_LOG...", file=sys.stderr)
        return 2
    seen, order = {}, []    # key -> {run label: verdict or MIXED}
    for arg in args:
        label, log = arg.split("=", 1) if "=" in arg else (arg, arg)
        if not os.access(log, os.R_OK):
            print(f"FAIL: verdicts/identical (no results file {log} for {label})")
            return 1
        n = 0
        for line in read_text(log).split("\n"):
            m = CHECK.fullmatch(line)
            key = (m.group(1) or "") + m.group(3) if m else ""
            if not m or key.startswith(("guest/", "fuzz/", "layering")):
                continue
            key = ": ".join(key.split("\t")[0].split(" (")[0].split(": ")[:4])
            runs = seen.setdefault(key, {})
            order += [] if runs else [key]
            runs[label] = m.group(2) if runs.get(label, m.group(2)) == m.group(2) else "MIXED"
            n += 1
        if not n:
            print(f"FAIL: verdicts/identical (no checks in {log} for {label})")
            return 1
    diff = skipdiff = 0
    for key in sorted(order):
        v = list(seen[key].values())
        p, f, s, m = (v.count(x) for x in ("PASS", "FAIL", "SKIP", "MIXED"))
        if f or m:
            diff += 1
            print(f"  differs: {key} (pass {p}, fail {f}, skip {s}, mixed {m})")
        elif s and p:
            skipdiff += 1
            print(f"  skipped in {s} of {p + s} runs (the platform deviates): {key}")
    if diff:
        print(f"FAIL: verdicts/identical ({diff} of {len(order)} checks differ across {len(args)} runs)")
    else:
        print(f"PASS: verdicts/identical ({len(order)} checks, no pass/fail difference across {len(args)} "
              f"runs; {skipdiff} skipped on some platform)")
    return 1 if diff else 0


def main():
    if sys.argv[1:2] == ["--compare"]:
        return compare(sys.argv[2:])
    if sys.argv[1:3] == ["--platform", "qemu"]:
        sys.dont_write_bytecode = True      # no __pycache__ in scripts/
        import tvqemu       # the guests natively on QEMU TCG: tvqemu.py
        return tvqemu.main(sys.argv[3:])
    if sys.argv[1:3] == ["--platform", "bochs"]:
        del sys.argv[1:3]
    sys.stdout.reconfigure(encoding="latin-1", errors="replace")   # serial bytes as they came
    o = parse_args(sys.argv[1:])
    mode = o["mode"]
    out = o["out"] or f"{REPO}/{BUILD}/test/guests-{mode}"
    results = o["results"] or f"{REPO}/{BUILD}/results/guests-bochs-{mode}.log"
    scale, boot_s = os.environ.get("TV_BOCHS_TIMEOUT_SCALE", "3"), os.environ.get("TV_BOCHS_BOOT_S", "120")
    o["boot_max"] = os.environ.get("TV_BOCHS_BOOT_MAX", "3600")
    if not re.fullmatch(r"[1-9][0-9]*", scale) or not boot_s.isdigit() or not o["boot_max"].isdigit():
        die("TV_BOCHS_TIMEOUT_SCALE, TV_BOCHS_BOOT_S and TV_BOCHS_BOOT_MAX must be numbers")
    o["boot_max"] = int(o["boot_max"])
    scale, boot_s = int(scale), int(boot_s)
    if not os.access(o["efi"], os.R_OK):
        die(f"{o['efi']} not found: run make")
    cfg = parse_cfg(o["cfg"])
    names = [n for n, _ in cfg]
    for n in o["only"]:
        if n not in names:
            die(f"no guest [{n}] in {o['cfg']}")
    # A section with canary=C is one unit with its canary: in vmx mode C's guest runs right
    # after it in the same boot as "<name>.canary" (issue 12: it finds the machine as a new
    # guest must).  Natively no canary runs: each guest has the machine to itself anyway.
    # A section some other section names as its canary runs only as that canary, with the RAM
    # size of the guest before it, so that it checks every byte that guest could write.
    canaries = {k["canary"] for _, k in cfg if "canary" in k}

    def unit(n, k):
        u = [Guest(n, k, o, scale)]
        if "canary" in k and mode == "vmx":
            u.append(Guest(f"{n}.canary", dict(cfg)[k["canary"]], o, scale))
            u[1].mem = u[0].mem
        return u

    units = [unit(n, k) for n, k in cfg
             if n not in canaries and (not o["only"] or n in o["only"])
             and (not o["group"] or set(o["group"].split(",")) & set(k.get("groups", "").split()))]
    guests = [g for u in units for g in u]
    if not guests:
        die(f"no guest selected from {o['cfg']}" + (f" (group {o['group']})" if o["group"] else ""))
    boots = []
    for u in units if mode == "vmx" else []:
        if not boots or len(boots[-1]) + len(u) > MAX_GUESTS:
            boots.append([])
        boots[-1] += u

    if o["rejudge"]:
        if not os.path.isdir(out):
            die(f"--rejudge: no work folder {out}")
    else:
        shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(results)), exist_ok=True)
    out = os.path.abspath(out)
    if o["msrs"] == "strict":
        write_text(f"{out}/msrs.def", "# Bochs configurable MSRs (written by scripts/tvrun.py).\n"
                   "# ADDRESS TYPE RESET_HI RESET_LO RSRVD_HI RSRVD_LO IGNRD_HI IGNRD_LO\n"
                   "# IA32_PLATFORM_ID: read-only; OVMF reads it.\n"
                   "0x017     0    00000000 00000000 ffffffff ffffffff 00000000 00000000\n")
        o["bochsrc"] = [f'cpu: ignore_bad_msrs=0, msrs="{out}/msrs.def"'] + o["bochsrc"]

    def bdir(b):
        return out if len(boots) == 1 else f"{out}/boot{b}"

    t0 = time.monotonic()
    print(f"=== {len(guests)} guest(s) under tickvisor mode={mode} in Bochs ({os.path.basename(o['cfg'])}"
          f"{', group ' + o['group'] if o['group'] else ''}, {o['msrs']} MSRs); work folder {out}", flush=True)
    if o["rejudge"]:
        print("judging the serial logs of the last run again")
    elif mode == "vmx":
        run_vmx(boots, o, out, bdir, boot_s)
    else:
        run_native(guests, o, out, boot_s)

    # --- judge ---
    ends = []   # (name, ok, why, log path, last lines)
    for b, members in enumerate(boots, 1):
        d = bdir(b)
        rc = read_int(f"{d}/serial.rc", 125)
        log = Log(f"{d}/serial.log")
        write_text(f"{d}/serial.clean", "".join(x + "\n" for x in log.lines))
        starts = [i for i, rest in log.own if START.match(rest)]
        stops = [i for i, rest in log.own if RAN.match(rest)]
        for idx, g in enumerate(members):
            first = next((i for i in starts if int(START.match(HDR.sub("", log.lines[i], 1)).group(1)) == idx), None)
            last = min([i for i in starts + stops if first is not None and i > first] + [len(log.lines)])
            g.log = "".join(x + "\n" for x in log.lines[first:last]) if first is not None else ""
            g.verdict, g.why = judge_vmx(g, idx, log, rc, f"{d}/serial.run")
        want = 0 if all(g.clean for g in members) else 5
        got = log.ends[-1] if log.ends else "none"
        run = log.runs[-1] if log.runs else None
        why = f"{len(log.ends)} end line(s), status={got}; expected one, status={want} ({status_name(want)})"
        ok = len(log.ends) == 1 and got == want
        if run is None:
            ok, why = False, why + "; no TVRUN line"
        elif run.get("status") != got or run.get("guests") != len(members):
            ok, why = False, why + f"; TVRUN says status={run.get('status')}, {run.get('guests')} guest(s)"
        if log.token is None:
            ok, why = False, why + "; no TVTOKEN line"
        if log.foreign:
            why += f"; {log.foreign} result line(s) without this boot's token ignored"
        ends.append((f"end-status{'' if len(boots) == 1 else f'-boot{b}'}", ok, why, f"{d}/serial.log",
                     log.lines[-8:]))
    if mode == "native":
        for g in guests:
            d = f"{out}/{g.name}"
            log = Log(f"{d}/serial.log")
            g.log = "".join(x + "\n" for x in log.lines)
            g.verdict, g.why = judge_native(g, read_int(f"{d}/serial.rc", 125), f"{d}/serial.run",
                                            read_int(f"{d}/serial.secs", 0), log)
    for g in guests:
        write_text(f"{out}/{g.name}.log", g.log)
        write_text(f"{out}/{g.name}.out", "".join(x + "\n" for x in g.out_lines))

    # --- report ---
    def counts(g):
        if g.summary != "-":
            return g.summary
        if g.status == "refused":
            return "never ran"
        return f"no SUMMARY; {count(g, 'PASS')} passed, {count(g, 'FAIL')} failed, {count(g, 'SKIP')} skipped before the end"

    rep = ["TAP version 13", f"1..{len(guests) + len(ends)}"]
    npass = 0
    for k, g in enumerate(guests, 1):
        if g.verdict == "PASS":
            npass += 1
            rep.append(f"ok {k} - {g.name} ({g.why}; {counts(g)})")
            continue
        rep += [f"not ok {k} - {g.name} # {g.verdict}: {g.why}", "  ---", f"  verdict: {g.verdict}",
                f"  expected: {g.expect}, exit code {g.want_exit}", f'  summary: "{g.summary}"',
                f"  log: {out}/{g.name}.log"]
        fails = [x for x in g.out_lines if x.startswith("FAIL: ")][:20]
        if fails:
            rep.append("  failed:")
            rep += ['    - "' + x.replace('"', '\\"') + '"' for x in fails]
        rep.append("  last lines: |")
        rep += ["    " + x[:200] for x in g.log.split("\n")[:-1][-12:]]
        rep.append("  ...")
    for k, (name, ok, why, path, tail) in enumerate(ends, len(guests) + 1):
        if ok:
            rep.append(f"ok {k} - tickvisor {name} ({why})")
            continue
        rep += [f"not ok {k} - tickvisor {name} # FAIL: {why}", "  ---", f"  log: {path}",
                "  last lines: |"] + ["    " + x[:200] for x in tail] + ["  ..."]
    rep.append("#")
    rep.append(f"# guests under tickvisor mode={mode} in Bochs ({o['msrs']} MSRs): {npass} of {len(guests)} "
               f"as expected ({int(time.monotonic() - t0)}s)")
    rep.append("# (time: the guest's run in emulated seconds, from tickvisor's log)" if mode == "vmx"
               else "# (time: wall seconds of the guest's Bochs boot)")
    w = max([5] + [len(g.name) for g in guests])
    row = "# {:<%d}  {:<8} {:<8} {:<6} {:<44} {}" % w
    rep.append(row.format("guest", "verdict", "status", "time", "summary", "why"))
    rep += [row.format(g.name, g.verdict, g.status, g.time, g.summary, g.why) for g in guests]
    write_text(f"{out}/report.tap", "\n".join(rep) + "\n")
    sys.stdout.write("\n".join(rep) + "\n")

    res = [f"# tickvisor mode={mode} in Bochs ({o['msrs']} MSRs): each guest's own result lines, then its verdict"]
    for g in guests:
        res += [f"{g.name}: {x}" for x in g.out_lines if re.match(r"(PASS|FAIL|SKIP): ", x)]
        res.append(f"PASS: guest/{g.name}/{mode}{o['label']}" if g.verdict == "PASS"
                   else f"FAIL: guest/{g.name}/{mode}{o['label']} ({g.verdict}: {g.why})")
    for name, ok, why, _, _ in ends:
        res.append(f"PASS: guest-run/{mode}{o['label']}/{name}" if ok
                   else f"FAIL: guest-run/{mode}{o['label']}/{name} ({why})")
    write_text(results, "\n".join(res) + "\n")
    print(f"# results: {out}/report.tap, {results}; per-guest logs: {out}/NAME.log", flush=True)
    return 0 if npass == len(guests) and all(e[1] for e in ends) else 1


if __name__ == "__main__":
    sys.exit(main())
