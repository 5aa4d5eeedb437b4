# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
"""tvrun.py --platform qemu: the guests natively on QEMU TCG (-kernel).

  tvrun.py --platform qemu [--cfg FILE] [--dir DIR] [--group G]
           [--out DIR] [--results FILE] [NAME...]
      every entry of the config (tests/guests.cfg; or the named ones, or one
      group), then a summary table.
  tvrun.py --platform qemu [-a ARGS] [-i MODULE]... [-m MIB] [-t SECONDS]
           [-e CODE] [-l LOG] IMAGE.elf
      one guest; prints its serial output from its START line, then
      "RESULT: <name> PASS|FAIL|CRASH|TIMEOUT|ERROR (...)".
scripts/run-guest-qemu.sh runs this with the same arguments.

QEMU boots each image with -kernel (Multiboot v1) and isa-debug-exit: a guest
write of C to port 0xf4 ends QEMU with status (C << 1) | 1; 0 means QEMU
stopped some other way (with -no-reboot a triple fault or reset ends it with
0).  The guests write 0 (all passed), 1 (failures), 2 (abort), 3 (unhandled
exception): tests/guest/lib/guest.h.  A guest passes when its code is the
config's exit= and, when that is 0, it printed a SUMMARY line.

Time: QEMU runs with -icount shift=0,sleep=off, so the guest's TSC, APIC
timer and every other clock count executed instructions (one ns each) and a
halted CPU skips straight to its next timer.  A guest's checks then see the
same clock whatever else the host is doing: two runs are byte-identical, and
no verdict depends on host load (without it, TCG's clocks follow host wall
time, and a guest descheduled by a busy host sees timers "fire" between two
reads).  It costs wall time (up to ~10x for timer-heavy guests), so the
wall-clock timeout is the config's value times QEMU_TIMEOUT_SCALE (4).
QEMU_ICOUNT=0 turns it off (then timing checks depend on host load); QEMU
names the emulator (qemu-system-x86_64).

--out keeps each guest's serial log (NAME.log) and QEMU's own output
(NAME.qemu) (build/test/guests-qemu; build/ is $BUILD when set); --results
(build/results/guests-qemu.log) gets, for scripts/summary.sh, the guests'
own lines as "PASS|FAIL|SKIP: qemu-native: ..." and one
"PASS: guest/NAME/qemu-native (...)" or "FAIL: guest/NAME/qemu-native
VERDICT (...)" per guest.  Exit status: 0 if every guest ended as expected,
1 otherwise, 2 on usage errors.
"""
import os
import re
import subprocess
import sys
import tempfile

import tvrun

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
RESULT_LINE = re.compile(r"(PASS|FAIL|SKIP): ")
START_TAIL = re.compile(r"^.*START: ")
SHORT = ("-a", "-i", "-m", "-t", "-e", "-l")


def usage():
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    sys.exit(2)


def env_int(name, default):
    val = os.environ.get(name, default)
    if not val.isdigit():
        tvrun.die(f"{name}={val} is not a number")
    return int(val)


def run_one(name, image, args, modules, mem, tmo, expected, log, keep, out):
    """Boot one image; print its output and RESULT line.

    Returns (verdict word, QEMU status or '-', SUMMARY text, the guest's lines,
    the RESULT text after the name).  out(text) prints."""
    if not os.path.isfile(image):
        res = f"ERROR (no image {image})"
        out(f"RESULT: {name} {res}")
        return "ERROR", "-", "-", [], res
    if not log:
        fd, log = tempfile.mkstemp(prefix=f"guest-{name}.", suffix=".log",
                                   dir=os.environ.get("TMPDIR", "/tmp"))
        os.close(fd)
    tvrun.write_text(log, "")
    cmd = [QEMU, "-machine", "q35", "-cpu", "max", "-m", str(mem), "-nographic", "-no-reboot",
           "-net", "none", "-monitor", "none", "-serial", f"file:{log}",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", image, "-append", args]
    if env_int("QEMU_ICOUNT", "1") != 0:
        cmd += ["-icount", "shift=0,sleep=off"]
    tmo *= env_int("QEMU_TIMEOUT_SCALE", "4")
    if modules:
        cmd += ["-initrd", modules]
    out(f"=== {name}: {' '.join(cmd)}")
    with open(log + ".qemu", "wb") as qout:
        # timeout(1) as before: TERM at the bound, KILL 5 s later; 124 or 137.
        rc = subprocess.call(["timeout", "--foreground", "-k", "5", str(tmo)] + cmd,
                             stdin=subprocess.DEVNULL, stdout=qout, stderr=subprocess.STDOUT)
    text = tvrun.read_text(log)
    # The guest's output starts at its START line; firmware text (SeaBIOS) before it is dropped.
    at = text.find("START: ")
    lines = []
    if at >= 0:
        at = text.rfind("\n", 0, at) + 1
        lines = [START_TAIL.sub("START: ", x) for x in text[at:].replace("\r", "").split("\n")]
        lines = lines[:-1] if lines[-1] == "" else lines
        for x in lines:
            out(x)
    sums = [x for x in text.split("\n") if x.startswith("SUMMARY: ")]
    summary = sums[-1][len("SUMMARY: "):] if sums else ""
    shown = summary or "(no SUMMARY line)"
    if rc in (124, 137):
        res = f"TIMEOUT (after {tmo}s; last serial lines follow)"
        out(f"RESULT: {name} {res}")
        tail = text[:-1] if text.endswith("\n") else text
        for x in tail.split("\n")[-20:] if tail else []:
            out("  | " + x.replace("\r", ""))
    elif rc == 0:
        res = "CRASH (QEMU status 0: reset or triple fault, no isa-debug-exit)"
    elif rc & 1:
        code = rc >> 1
        what = tvrun.CODE_NAMES.get(code, f"code {code}")
        if code != expected:
            res = f"FAIL (status {rc}, exit code {code}: {what}; expected {expected})"
        elif expected == 0 and not sums:
            # A guest that means to pass must also have said so.
            res = f"FAIL (status {rc}, exit code {code}, but no SUMMARY line)"
        else:
            res = f"PASS (status {rc}, exit code {code}: {what})"
    else:
        head = tvrun.read_text(log + ".qemu")[:300].replace("\n", " ")
        res = f"ERROR (QEMU status {rc}: {head})"
    if not res.startswith("TIMEOUT"):
        out(f"RESULT: {name} {res}")
    if not keep:
        for f in (log, log + ".qemu"):
            os.unlink(f)
    return res.split(" ", 1)[0], rc, shown, lines, res


def main_single(argv):
    opts = {"-a": "", "-m": "128", "-t": "30", "-e": "0", "-l": ""}
    mods, rest, i = [], [], 0
    while i < len(argv):
        a = argv[i]
        if a in SHORT and i + 1 < len(argv):
            if a == "-i":
                mods.append(argv[i + 1])
            else:
                opts[a] = argv[i + 1]
            i += 2
        elif len(a) > 2 and a[:2] in SHORT:
            argv[i:i + 1] = [a[:2], a[2:]]     # getopts' -aVALUE form
        elif a == "--":
            rest += argv[i + 1:]
            break
        elif a.startswith("-"):
            usage()
        else:
            rest.append(a)
            i += 1
    if len(rest) != 1 or not all(opts[k].isdigit() for k in ("-m", "-t", "-e")):
        usage()
    name = os.path.basename(rest[0])
    name = name[:-4] if name.endswith(".elf") else name

    def out(x):
        print(x, flush=True)
    v = run_one(name, rest[0], opts["-a"], ",".join(mods), int(opts["-m"]), int(opts["-t"]),
                int(opts["-e"]), opts["-l"], bool(opts["-l"]), out)[0]
    return 0 if v == "PASS" else 1


def main_cfg(argv):
    o = {"cfg": f"{tvrun.REPO}/tests/guests.cfg", "dir": f"{tvrun.REPO}/{tvrun.BUILD}/guests",
         "group": "", "out": f"{tvrun.REPO}/{tvrun.BUILD}/test/guests-qemu",
         "results": f"{tvrun.REPO}/{tvrun.BUILD}/results/guests-qemu.log"}
    only, i = [], 0
    while i < len(argv):
        if argv[i].startswith("--") and argv[i][2:] in o and i + 1 < len(argv):
            o[argv[i][2:]] = argv[i + 1]
            i += 2
        elif argv[i].startswith("-"):
            usage()
        else:
            only.append(argv[i])
            i += 1
    cfg = tvrun.parse_cfg(o["cfg"])
    for n in only:
        if n not in [name for name, _ in cfg]:
            tvrun.die(f"no guest [{n}] in {o['cfg']}")
    os.makedirs(o["out"], exist_ok=True)
    os.makedirs(os.path.dirname(os.path.abspath(o["results"])), exist_ok=True)
    res, rows, rc_all = [], [], 0

    def out(x):
        print(x, flush=True)
    for name, k in cfg:
        if (only and name not in only) or (o["group"] and o["group"] not in k.get("groups", "").split()):
            continue
        # expect=refused tests tickvisor's Multiboot loader; QEMU's -kernel loader is another
        # program: not run here, and said so.
        if k.get("expect", "pass") == "refused":
            skip = f"SKIP: {name}: expect=refused tests tickvisor's loader, not QEMU's -kernel"
            out(skip + "\n")
            res.append("SKIP: qemu-native: " + skip[len("SKIP: "):])
            continue
        image = k.get("guest", name + ".elf")
        image = image if image.startswith("/") else os.path.join(o["dir"], image)
        mods = [m if m.startswith("/") else os.path.join(tvrun.REPO, m)
                for m in k.get("module", "").split(",") if m]
        # Natively there is no hypervisor to stop a guest: expect=stopped guests run to their
        # end here and must exit with exit=.
        verdict, st, summary, lines, why = run_one(
            name, image, k.get("args", ""), ",".join(mods), int(k.get("mem", "64")),
            int(k.get("timeout", "30")), int(k.get("exit", "0")), f"{o['out']}/{name}.log", True, out)
        out("")
        res += [RESULT_LINE.sub(r"\1: qemu-native: ", x, 1) for x in lines if RESULT_LINE.match(x)]
        res.append(f"PASS: guest/{name}/qemu-native {why[len('PASS '):]}" if verdict == "PASS"
                   else f"FAIL: guest/{name}/qemu-native {why}")
        rows.append((name, verdict, str(st), summary))
        rc_all |= verdict != "PASS"
    out(f"=== guests natively on QEMU TCG ({os.path.basename(o['cfg'])})")
    for row in [("guest", "result", "status", "summary")] + rows:
        out("%-16s %-8s %-7s %s" % row)
    if not rows:
        out("no guest selected")
        rc_all = 1
    tvrun.write_text(o["results"], "".join(x + "\n" for x in res))
    return rc_all


def main(argv):
    tvrun.NAME = "run-guest-qemu"
    sys.stdout.reconfigure(encoding="latin-1", errors="replace")   # serial bytes as they came
    if any(a in ("-h", "--help") for a in argv):
        usage()
    # One image when there are short options or a path, no long options (the old script's two forms).
    single = not any(a.startswith("--") and a != "--" for a in argv) and \
        any(a[:2] in SHORT or "/" in a or a.endswith(".elf") for a in argv)
    return main_single(argv) if single else main_cfg(argv)
