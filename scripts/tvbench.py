#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
"""tvbench.py [--out DIR] [--cfg FILE] [--full] [--jobs N] [--configs "T:A ..."]
             [--repeat T:A] [--scale "1 4 16"] [--no-run]

`make bench` (issues 6, 11, 13): run the benchmark guests (group "bench" of
tests/bench.cfg) in Bochs natively and under tickvisor with each host timer
backend and APIC path, then report.  --no-run (`make bench-report`) reports
the last run again without booting.

Runs (each one scripts/tvrun.py run into DIR/runs/NAME, BENCH_JOBS at a time):
  native-GUEST  tickvisor mode=native, one boot per guest: the baseline
  T-A           mode=vmx, timer=T apic=A, every bench guest in one boot
  repeat-T-A    --repeat once more: its BENCH/HIST/DRIFT lines must equal T-A's
  scale-N       the latency guests with load_timers=N on the --repeat config
  stages-T-P    the --repeat timer T on each APIC path P of the configurations:
                the exit path by stage and the handler cost per exit reason
Images: every figure (T-A, native, repeat) is the product, BUILD/tickvisor.efi;
scale-N boot the load image, BUILD/load-efi/tickvisor.efi (-DTV_LOADGEN: the
product plus the load generator), stages-* the bench image,
BUILD/bench-efi/tickvisor.efi (-DTV_BENCH: load generator and stage timing,
which costs ~74 ticks per exit).
Subsets: 20,000 drift periods by default (BENCH_QUICK_PERIODS), 1,000,000
with --full (BENCH_FULL=1); --configs (BENCH_CONFIGS) picks configurations.

Inputs of the report: the guests' own lines (runs/*/NAME.out, tvrun.py's
files), in the contract of tests/guest/lib/bench.h and bench_drift.c:
  BENCH: name=B unit=ticks samples=N min= p50= p99= max= mean= early=E
  HIST: name=B lo=L count=C
  DRIFT: name=drift-periodic periods=N period=P last_minus_expected=D
and tickvisor's own lines of each serial log, read with tvrun.py's Log
(only lines with the log header and no guest prefix; TVRESULT/TVRUN only
with this boot's token): the verdicts (runs/NAME.results), the timer early
counts of TVRESULT/TVRUN, and "guest N exit handler cost by reason" (host
TSC ticks per exit reason, vmm/guest.c guest_report_exit_costs).

Outputs: the report on stdout, DIR/results.csv (one row per benchmark and
configuration), DIR/exit_costs.csv, DIR/summary.md, DIR/latency.png
(gnuplot: one panel per latency benchmark, a cumulative distribution per
configuration).  Checks (PASS:/FAIL: lines; a FAIL makes the status 1):
bench/verdicts, bench/early, bench/repeatable, bench/same-as-last-run,
bench/one-build, bench/plot.  The goals of issues 11 and 13 are reported
met/missed with their figure; they do not change the status.  Status 2: a
setup error.
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import time

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPTS)
sys.dont_write_bytecode = True      # no __pycache__ in scripts/
import tvrun  # noqa: E402  (the guest runner: config parser, serial-log reader)

REPO = tvrun.REPO
BUILD = os.environ.get("BUILD") or "build"
ALL_CONFIGS = [f"{t}:{a}" for t in ("preempt", "hpet", "tsc-deadline", "poll")
               for a in ("apicv", "access", "ept")]
FULL_PERIODS = 1000000
COST = re.compile(r"vmm: guest ([0-9]+) exit handler cost by reason \([^)]*\):((?: [0-9]+:[0-9]+/[0-9]+/[0-9]+)*)")
STAGE = re.compile(r"vmm: guest [0-9]+ exit path by stage \(host TSC ticks per exit, average over ([0-9]+)\):(.*)")
BOOT = re.compile(r" boot: tickvisor [^ ]+ \(git ([^)]+)\)")
# Exit reason names: vmx/names.c's table (SDM Vol. 3D Appendix C), read, not copied.
EXIT_NAMES = {int(n): t for n, t in re.findall(r'\[([0-9]+)\] = "([^"]+)"', tvrun.read_text(
    f"{REPO}/vmx/names.c").split("vmx_error_names")[0])}


def die(msg):
    print(f"bench: error: {msg}", file=sys.stderr)
    sys.exit(2)


def kv(line):
    """'BENCH: name=x a=1 ...' -> {'name': 'x', 'a': '1'}."""
    return dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)


def num(s):
    try:
        return int(s)
    except (TypeError, ValueError):
        return None


# --- running ----------------------------------------------------------------
def parse_args(argv):
    env = os.environ.get
    o = {"out": f"{REPO}/{BUILD}/bench", "cfg": f"{REPO}/tests/bench.cfg", "full": env("BENCH_FULL") or "0",
         "jobs": env("BENCH_JOBS") or "2", "configs": env("BENCH_CONFIGS") or "",
         "repeat": env("BENCH_REPEAT") or "preempt:apicv", "scale": env("BENCH_SCALE") or "1 4 16", "run": True}
    it = iter(argv)
    for a in it:
        if a in ("--out", "--cfg", "--jobs", "--configs", "--repeat", "--scale"):
            o[a[2:]] = next(it, None)
            if o[a[2:]] is None:
                usage()
        elif a == "--full":
            o["full"] = "1"
        elif a == "--no-run":
            o["run"] = False
        else:
            usage()
    if not re.fullmatch(r"[1-9][0-9]*", o["jobs"]):
        usage()
    if o["full"] not in ("0", "1"):
        die("BENCH_FULL must be 0 or 1")
    return o


def usage():
    print("\n".join(__doc__.split("\n")[:2]), file=sys.stderr)
    sys.exit(2)


def bench_cfg(cfg_text, guests, periods):
    """tests/bench.cfg with the drift guests' periods= set for this subset."""
    out, sec = [], ""
    for line in cfg_text.split("\n"):
        if line.startswith("["):
            sec = line
        if line.startswith("args=") and "drift" in sec:
            if re.fullmatch(r'args="?"?', line):
                line = f"args=periods={periods}"
            elif re.search(r"periods=[0-9]+", line):
                line = re.sub(r"periods=[0-9]+", f"periods={periods}", line, count=1)
            else:
                line = re.sub(r'^args="?', lambda m: m.group(0) + f"periods={periods} ", line, count=1).rstrip()
        out.append(line)
        if line.startswith("[") and "drift" in guests.get(line.strip("[]"), {}).get("guest", "") \
                and "args" not in guests.get(line.strip("[]"), {}):
            out.append(f"args=periods={periods}")
    return "\n".join(out)


def sha(paths):
    import hashlib
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as f:
            h.update(hashlib.sha256(f.read()).hexdigest().encode() + b"\n")
    return h.hexdigest()[:16]


def git(*args):
    r = subprocess.run(["git", "-C", REPO] + list(args), capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def run_all(o, out):
    full = o["full"] == "1"
    configs = o["configs"].split() or ALL_CONFIGS
    periods = os.environ.get("BENCH_PERIODS") or (str(FULL_PERIODS) if full else
                                                   os.environ.get("BENCH_QUICK_PERIODS", "20000"))
    if full:    # 1,000,000 periods take far longer than bench.cfg's QEMU timeouts
        os.environ.setdefault("TV_BOCHS_TIMEOUT_SCALE", "40")
    if not re.fullmatch(r"[1-9][0-9]*", periods):
        die(f"drift periods must be a positive number, not '{periods}'")
    for c in configs + [o["repeat"]]:
        if not re.fullmatch(r"(preempt|hpet|tsc-deadline|poll):(apicv|access|ept)", c):
            die(f"configuration '{c}' is not TIMER:APIC (preempt|hpet|tsc-deadline|poll : apicv|access|ept)")
    cfg = tvrun.parse_cfg(o["cfg"])
    keys = dict(cfg)
    guests = [n for n, k in cfg if "bench" in k.get("groups", "").split()]
    if not guests:
        die(f"no guest in group bench in {o['cfg']} (the benchmark guests: tests/guest/bench_*.c)")
    latency = [n for n in guests if "latency" in keys[n].get("guest", n + ".elf")]
    x2 = [n for n in guests if "x2apic=1" in keys[n].get("args", "").split()]
    scale_ok, scale_why = False, "tickvisor has no load_timers key (vmm/config.c does not parse it): scale runs skipped"
    if '"load_timers"' in tvrun.read_text(f"{REPO}/vmm/config.c"):
        scale_ok, scale_why = True, ""
    if not latency:
        scale_ok, scale_why = False, "no latency guest in group bench: scale runs skipped"
    os.makedirs(out, exist_ok=True)
    bcfg = f"{out}/guests.cfg"
    tvrun.write_text(bcfg, bench_cfg(tvrun.read_text(o["cfg"]), keys, periods))
    # Every figure comes from the product image, the one make run boots; the load image
    # (-DTV_LOADGEN: the product plus the load generator) runs the scale-N boots, the bench
    # image (-DTV_BENCH: that and the exit-path stage timing, ~74 ticks more per exit) only
    # the stages-* boots (scripts/bench.mk).
    efi, img = f"{REPO}/{BUILD}/tickvisor.efi", f"{out}/img"
    befi, lefi = f"{REPO}/{BUILD}/bench-efi/tickvisor.efi", f"{REPO}/{BUILD}/load-efi/tickvisor.efi"
    if not os.access(efi, os.R_OK):
        die(f"{efi} not found: run make")
    if not os.access(befi, os.R_OK):
        die(f"{befi} not found: run make bench-efi")
    if not os.access(lefi, os.R_OK):
        die(f"{lefi} not found: run make load-efi")
    # The last run's figures, for the same-as-last-run check.
    shutil.rmtree(f"{out}/prev", ignore_errors=True)
    if os.path.exists(f"{out}/run.env") and os.path.exists(f"{out}/results.csv"):
        os.makedirs(f"{out}/prev")
        for f in ("run.env", "results.csv"):
            shutil.copy(f"{out}/{f}", f"{out}/prev/")
    for d in ("runs", "img"):
        shutil.rmtree(f"{out}/{d}", ignore_errors=True)
    os.makedirs(f"{out}/runs")
    os.makedirs(f"{img}/guests")
    # Run from a snapshot: another make in this tree may rebuild the images meanwhile.
    shutil.copy(efi, f"{img}/tickvisor.efi")
    shutil.copy(befi, f"{img}/tickvisor-bench.efi")
    shutil.copy(lefi, f"{img}/tickvisor-load.efi")
    rev = f"{REPO}/{BUILD}/git-rev"
    tvrun.write_text(f"{img}/git-rev", tvrun.read_text(rev) if os.path.exists(rev) else "unknown\n")
    images = []
    for n in guests:
        g = keys[n].get("guest", n + ".elf")
        if not os.access(f"{REPO}/{BUILD}/guests/{g}", os.R_OK):
            die(f"{BUILD}/guests/{g} not found: run make guests")
        shutil.copy(f"{REPO}/{BUILD}/guests/{g}", f"{img}/guests/{g}")
        images.append(f"{img}/guests/{g}")
    # The run list, the longest items first: NAME, mode, extra options.
    t, a = o["repeat"].split(":")
    prod, bimg, limg = f"{img}/tickvisor.efi", f"{img}/tickvisor-bench.efi", f"{img}/tickvisor-load.efi"
    items = [(c.replace(":", "-"), "vmx", ["--tv-config", f"timer={c.split(':')[0]}",
                                           "--tv-config", f"apic={c.split(':')[1]}"], prod) for c in configs]
    items += [(f"native-{n}", "native", [n], prod) for n in guests]
    items.append((f"repeat-{t}-{a}", "vmx", ["--tv-config", f"timer={t}", "--tv-config", f"apic={a}"], prod))
    # The exit path by stage and the handler cost per exit reason: the bench image, once per
    # APIC path among the configurations, on the repeat configuration's timer.
    paths = list(dict.fromkeys(c.split(":")[1] for c in configs))
    stage_cfgs = [f"stages-{t}-{p}" for p in paths]
    items += [(f"stages-{t}-{p}", "vmx", ["--tv-config", f"timer={t}", "--tv-config", f"apic={p}"], bimg)
              for p in paths]
    if scale_ok:
        items += [(f"scale-{k}", "vmx", ["--tv-config", f"timer={t}", "--tv-config", f"apic={a}",
                                         "--tv-config", f"load_timers={k}"] + latency, limg)
                  for k in o["scale"].split()]
    dirty = "" if subprocess.run(["git", "-C", REPO, "diff", "--quiet", "HEAD", "--"]).returncode == 0 else "-dirty"
    env = {"subset": "full" if full else "default", "configs": " ".join(configs), "periods": periods,
           "repeat": f"{t}-{a}", "stage_cfgs": " ".join(stage_cfgs), "scale": o["scale"], "scale_ok": int(scale_ok), "scale_why": scale_why,
           "guests": " ".join(guests), "latency_guests": " ".join(latency), "x2apic_guests": " ".join(x2),
           "git_rev": (git("rev-parse", "--short=12", "HEAD") or "unknown") + dirty,
           "efi_rev": tvrun.read_text(f"{img}/git-rev").strip(), "bochs_cpu": os.environ.get("BOCHS_CPU", "tigerlake"),
           "jobs": o["jobs"], "images_sha": sha([prod, bimg, limg] + images + [bcfg])}
    tvrun.write_text(f"{out}/run.env", "".join(f'{k}="{v}"\n' for k, v in env.items()))
    print(f"=== make bench: {env['subset']} subset: native + {len(configs)} of the 12 timer x APIC configurations, "
          f"{periods} drift periods{'' if full else ' (BENCH_FULL=1: 1,000,000 periods)'}")
    print(f"    guests: {' '.join(guests)}\n    native + configurations (timer:apic): {' '.join(configs)}")
    print(f"    drift periods: {periods}; repeatability run: {t}-{a}")
    print(f"    images: every figure from {BUILD}/tickvisor.efi (the product)"
          f"{', the scale runs from the load image (-DTV_LOADGEN)' if scale_ok else ''}; the bench "
          f"image (-DTV_BENCH) runs {' '.join(stage_cfgs)} (exit path by stage, handler cost per reason)")
    print(f"    scale: load_timers = {o['scale']} ({' '.join(latency)})" if scale_ok else f"    scale: {scale_why}")
    print(f"    {len(items)} runs, {o['jobs']} at a time; work folder {out}/runs", flush=True)
    t0 = time.monotonic()

    def one(item):
        name, mode, opts, image = item
        start = time.monotonic()
        with open(f"{out}/runs/{name}.out", "wb") as log:
            rc = subprocess.call([sys.executable, f"{SCRIPTS}/tvrun.py", "--mode", mode, "--cfg", bcfg,
                                  "--group", "bench", "--efi", image, "--dir", f"{img}/guests",
                                  "--label", f"-{name}", "--out", f"{out}/runs/{name}",
                                  "--results", f"{out}/runs/{name}.results"] + opts,
                                 stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        tvrun.write_text(f"{out}/runs/{name}.rc", f"{rc}\n")
        lines = tvrun.read_text(f"{out}/runs/{name}.out").split("\n")
        nok = sum(x.startswith("ok") for x in lines)
        nbad = sum(x.startswith("not ok") for x in lines)
        print(f"  [{int(time.monotonic() - t0):4d}s] {name:<22} {nok} ok, {nbad} not ok "
              f"(tvrun.py exit {rc}, {int(time.monotonic() - start)}s)", flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=int(o["jobs"])) as pool:
        list(pool.map(one, items))
    print(f"    all runs done in {int(time.monotonic() - t0)}s")
    with open(f"{out}/run.env", "a") as f:
        f.write(f"bench_seconds={int(time.monotonic() - t0)}\n")


# --- collecting -------------------------------------------------------------
class Bench:
    """Everything one run folder holds, per configuration."""

    def __init__(self, out):
        self.out, self.runs = out, f"{out}/runs"
        self.env = {}
        for line in tvrun.read_text(f"{out}/run.env").split("\n"):
            m = re.fullmatch(r'([a-z_0-9]+)=(.*)', line.strip())
            if m:
                self.env[m.group(1)] = m.group(2).strip('"')
        e = self.env
        self.guests, self.latency = e["guests"].split(), e.get("latency_guests", "").split()
        self.x2 = e.get("x2apic_guests", "").split()
        self.repeat = e["repeat"]
        self.cfgs = ["native"] + [c.replace(":", "-") for c in e["configs"].split()]
        self.scale_ok, self.scale_why = e.get("scale_ok") == "1", e.get("scale_why", "")
        if self.scale_ok and any("unknown key 'load_timers'" in tvrun.read_text(f"{self.runs}/scale-{k}/serial.clean")
                                 for k in e["scale"].split()):
            self.scale_ok = False
            self.scale_why = "this tickvisor refused load_timers (\"unknown key 'load_timers'\"): no scale figures"
        self.scale_cfgs = [f"scale-{k}" for k in e["scale"].split()] if self.scale_ok else []
        # Runs of the bench image for the stage and handler-cost tables (none before this field).
        self.stage_cfgs = e.get("stage_cfgs", "").split() or self.cfgs[1:]
        self.lines = {}     # config -> [(guest, line)]
        self.bench = {}     # (benchmark, config) -> BENCH fields (+ drift_* from DRIFT)
        self.hist = {}      # (benchmark, config) -> [(lo, count)]
        self.border = []    # benchmarks in the order the guests print them
        self.logs = {}      # config -> [(run folder, tvrun.Log)]
        for c in dict.fromkeys(self.cfgs + self.scale_cfgs + [self.repeat, f"repeat-{self.repeat}"] +
                               self.stage_cfgs):
            self.collect(c)

    def dirs(self, c):
        if c == "native":
            return [(f"{self.runs}/native-{n}", f"{self.runs}/native-{n}/{n}/serial.log") for n in self.guests]
        return [(f"{self.runs}/{c}", f"{self.runs}/{c}/serial.log")]

    def collect(self, c):
        self.lines[c], self.logs[c] = [], []
        for d, serial in self.dirs(c):
            self.logs[c].append((d, tvrun.Log(serial)))
            for n in self.guests:
                for line in tvrun.read_text(f"{d}/{n}.out").replace("\r", "").split("\n"):
                    if not re.match(r"(BENCH|HIST|DRIFT): ", line):
                        continue
                    # bench_rt with x2apic=1 prints the xAPIC names: keep the two guests' rows apart.
                    if n in self.x2 and not re.search(r" name=\S*-x?2?apic( |$)", line):
                        line = re.sub(r" name=(\S+)", r" name=\1-x2apic", line, count=1)
                    self.lines[c].append((n, line))
        if c not in self.cfgs + self.scale_cfgs:
            return      # the repeat and stages-* runs: lines only (repeatability, verdicts)
        for n, line in self.lines[c]:
            f = kv(line)
            key = (f.get("name"), c)
            if line.startswith("BENCH: "):
                if key[0] not in self.border and (c != "native" or self.cfgs == ["native"]):
                    self.border.append(key[0])
                self.bench.setdefault(key, {}).update(f)
            elif line.startswith("DRIFT: "):
                self.bench.setdefault(key, {}).update({"drift_" + k: v for k, v in f.items() if k != "name"})
            elif line.startswith("HIST: "):
                self.hist.setdefault(key, []).append((int(f["lo"]), int(f["count"])))

    def order(self):
        """Benchmarks in print order; native-only names (none today) last."""
        extra = [b for b, c in self.bench if b not in self.border and "samples" in self.bench[(b, c)]]
        return self.border + sorted(set(extra), key=extra.index)

    def get(self, b, c, k):
        return num(self.bench.get((b, c), {}).get(k))

    def tv_results(self, c):
        """(TVRESULT data, TVRUN data list, own lines) of each boot of configuration c."""
        return [(log.results, log.runs, log) for _, log in self.logs[c]]


# --- report pieces ----------------------------------------------------------
def table(rows, head, md, right=None):
    """rows of strings; text: padded columns, md: a pipe table."""
    right = right if right is not None else [False] + [True] * (len(head) - 1)
    if md:
        return [f"| {' | '.join(head)} |", "|" + "|".join("--:" if r else "---" for r in right) + "|"] + \
            [f"| {' | '.join(r)} |" for r in rows]
    w = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    fmt = lambda r: " ".join(str(x).rjust(w[i]) if right[i] else str(x).ljust(w[i]) for i, x in enumerate(r))
    return [fmt(head).rstrip()] + [fmt(r).rstrip() for r in rows]


def short(c):
    return c.replace("preempt", "pre").replace("tsc-deadline", "tscdl").replace("-access", "-acc")


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"


def rows_of(B):
    """The table rows: (benchmark, config, fields...) as results.csv has them."""
    rows = []
    for b in B.order():
        for c in B.cfgs + B.scale_cfgs:
            f = B.bench.get((b, c))
            if not f or "samples" not in f:
                continue
            vk = "rt-vmcall-x2apic" if b.endswith("-x2apic") and (("rt-vmcall-x2apic", c) in B.bench) else "rt-vmcall"
            xn = ratio(B.get(b, c, "p50"), B.get(b, "native", "p50")) if c != "native" else "-"
            xv = ratio(B.get(b, c, "p50"), B.get(vk, c, "p50")) if b.startswith("rt-") else "-"
            rows.append([b, c] + [f.get(k, "") for k in ("unit", "samples", "min", "p50", "p99", "max", "mean",
                                                         "early")] + [xn, xv] +
                        [f.get(k, "") for k in ("drift_periods", "drift_period", "drift_last_minus_expected")])
    return rows


def write_csv(B, rows):
    t, a = B.repeat.rsplit("-", 1)
    out = ["benchmark,config,timer,apic,load_timers,unit,samples,min,p50,p99,max,mean,early,ratio_native,"
           "ratio_vmcall,drift_periods,drift_period,drift_last_minus_expected"]
    for r in rows:
        c = r[1]
        if c == "native":
            tt, aa, lt = "native", "native", ""
        elif c.startswith("scale-"):
            tt, aa, lt = t, a, c[6:]
        else:
            tt, aa = c.rsplit("-", 1)
            lt = "1"
        out.append(",".join([r[0], c, tt, aa, lt] + ["" if x == "-" else x for x in r[2:]]))
    tvrun.write_text(f"{B.out}/results.csv", "\n".join(out) + "\n")
    return len(out) - 1


def main_table(rows, md):
    head = ["benchmark", "config", "min", "p50", "p99", "max", "samples", "early", "x native", "x vmcall"]
    body = [[r[0], r[1], r[4], r[5], r[6], r[7], r[3], r[9], r[10], r[11]] for r in rows
            if not r[1].startswith("scale-")]
    lines = table(body, head, md, [False, False] + [True] * 8)
    if md:
        return lines
    res, last = lines[:1], None     # a blank line between benchmarks
    for r, line in zip(body, lines[1:]):
        if last is not None and r[0] != last:
            res.append("")
        res.append(line)
        last = r[0]
    return res


def pivot(B, key, md, only=""):
    rows = [[b] + [str(B.get(b, c, key)) if B.get(b, c, key) is not None else "-" for c in B.cfgs]
            for b in B.order() if b.startswith(only)]
    return table(rows, ["benchmark"] + [c if md else short(c) for c in B.cfgs], md)


def drift(B, md):
    rows = [[c, f["drift_periods"], f["drift_period"], f["drift_last_minus_expected"],
             f"{f.get('p50')} / {f.get('max')}"] for (b, c), f in B.bench.items()
            if "drift_periods" in f and not c.startswith("scale-")]
    rows.sort(key=lambda r: B.cfgs.index(r[0]))
    return table(rows, ["config", "periods", "period (ticks)", "last tick - (start + N x period)",
                        "per-period lateness p50 / max"], md, [False, True, True, True, True])


def scale(B, md):
    if not B.scale_ok:
        return [B.scale_why + "."]
    ks = B.env["scale"].split()
    rows = [[b] + [str(B.get(b, f"scale-{k}", "p99") or "-") for k in ks] for b in B.order()
            if b.startswith("latency-") and any((b, f"scale-{k}") in B.bench for k in ks)]
    return table(rows, ["benchmark (p99)"] + [f"{k} timer(s)" for k in ks], md)


def early_counts(B):
    """config -> (guests' early=, TVRESULT timer.early, TVRUN early_total, 'ticks EARLY' error lines)."""
    res = {}
    for c in dict.fromkeys(B.cfgs + B.scale_cfgs + [f"repeat-{B.repeat}"] + B.stage_cfgs):
        g = sum(num(kv(line).get("early")) or 0 for _, line in B.lines[c] if line.startswith("BENCH: "))
        tvg = tve = err = 0
        for results, runs, log in B.tv_results(c):
            tvg += sum(((d.get("timer") or {}).get("early") or 0) for _, d in results.values())
            tve += sum(r.get("early_total") or 0 for r in runs)
            err += sum(1 for _, rest in log.own if re.search(r"delivered [0-9]+ ticks EARLY", rest))
        res[c] = (g, tvg, tve, err)
    return res


def exit_costs(B):
    """(reason, config) -> [count, ticks sum (count x avg), max], over the guests of each main configuration."""
    cost = {}
    for c in B.stage_cfgs:
        for results, _, log in B.tv_results(c):
            for _, rest in log.own:
                m = COST.match(rest)
                if not m:
                    continue
                for item in m.group(2).split():
                    r, v = item.split(":")
                    n, avg, mx = (int(x) for x in v.split("/"))
                    e = cost.setdefault((int(r), c), [0, 0, 0])
                    e[0] += n
                    e[1] += n * avg
                    e[2] = max(e[2], mx)
    return cost


def stages(B, md):
    """The exit path by stage (vmm/guest.c): per configuration the per-exit average over its guests."""
    tot, names = {}, []
    for c in B.stage_cfgs:
        for _, _, log in B.tv_results(c):
            for _, rest in log.own:
                m = STAGE.match(rest)
                for st, v in zip(m.group(2).split()[::2], m.group(2).split()[1::2]) if m else ():
                    names += [st] if st not in names else []
                    e = tot.setdefault((st, c), [0, 0])
                    e[0], e[1] = e[0] + int(v) * int(m.group(1)), e[1] + int(m.group(1))
    if not tot:
        return ["(no \"exit path by stage\" lines in the logs: a tickvisor older than that report)"]
    avg = {k: v[0] // v[1] for k, v in tot.items() if v[1]}
    rows = [[st] + [str(avg.get((st, c), "-")) for c in B.stage_cfgs] for st in names]
    rows.append(["sum"] + [str(sum(avg.get((st, c), 0) for st in names)) if any((st, c) in avg for st in names)
                           else "-" for c in B.stage_cfgs])
    return table(rows, ["stage"] + [c if md else short(c) for c in B.stage_cfgs], md)


def cost_table(B, cost, md):
    reasons = sorted({r for r, _ in cost})
    rows = []
    for r in reasons:
        cells = [f"{cost[(r, c)][0]}/{cost[(r, c)][1] // cost[(r, c)][0]}/{cost[(r, c)][2]}"
                 if (r, c) in cost else "-" for c in B.stage_cfgs]
        rows.append([f"{r} {EXIT_NAMES.get(r, '')}".strip()] + cells +
                    [str(max(cost[(r, c)][2] for c in B.stage_cfgs if (r, c) in cost))])
    return table(rows, ["exit reason"] + [c if md else short(c) for c in B.stage_cfgs] + ["bound (max)"], md)


def side_by_side(B, md):
    """Per benchmark: native, the best and the worst configuration (latency by p99, others by p50)."""
    rows = []
    for b in B.order():
        k = "p99" if b.startswith(("latency-", "drift-")) else "p50"
        have = [c for c in B.cfgs[1:] if B.get(b, c, k) is not None]
        if not have:
            continue
        best = min(have, key=lambda c: (B.get(b, c, k), B.cfgs.index(c)))
        worst = max(have, key=lambda c: (B.get(b, c, k), -B.cfgs.index(c)))
        fig = lambda c: f"{B.get(b, c, 'p50')} / {B.get(b, c, 'p99')}" if (b, c) in B.bench else "-"
        rows.append([b, k, fig("native"), fig(best), short(best) if not md else best, fig(worst),
                     short(worst) if not md else worst])
    return table(rows, ["benchmark", "ranked by", "native p50 / p99", "best p50 / p99", "best config",
                        "worst p50 / p99", "worst config"], md, [False, False, True, True, False, True, False])


def host_queue(B):
    """The slowest 'tqueue ... @ 1e6 entries' row of make bench-host: (ns, what) or None."""
    rows = []
    for line in tvrun.read_text(f"{B.out}/host.txt").split("\n"):
        m = re.match(r"(tqueue .*@ 1e6 entries)\s+([0-9.]+)\s+[0-9]+$", line)
        if m:
            rows.append((float(m.group(2)), re.sub(r"\s+", " ", m.group(1))))
    return max(rows) if rows else None


def goals(B, cost):
    """[(issue, goal, figure, verdict)]: verdict met, missed or 'not measured'."""
    res, vm = [], B.cfgs[1:]

    def worst(pairs):
        """pairs: [(config, benchmark, value, limit)]; the goal is met when every value <= its limit."""
        pairs = [p for p in pairs if p[2] is not None and p[3] is not None]
        if not pairs:
            return "-", "not measured"
        c, b, v, lim = max(pairs, key=lambda p: p[2] - p[3])
        bad = sum(1 for p in pairs if p[2] > p[3])
        fig = f"worst {v} vs {lim:.10g} ({b}, {c}); {len(pairs) - bad} of {len(pairs)} within"
        return fig, "met" if not bad else "missed"

    def rel(names, key, limit):
        return [(c, b, B.get(b, c, key), limit(b, c)) for c in vm for b in names]

    rt = lambda base: [base, base + "-x2apic"]
    lat = lambda kind: [b for b in B.order() if re.fullmatch(rf"latency-\w+-{kind}-x2?apic", b)]
    nat = lambda key, plus: lambda b, c: (B.get(b, "native", key) + plus if B.get(b, "native", key) is not None
                                          else None)
    times = lambda base, k: lambda b, c: (k * B.get(b.replace(base, "rt-vmcall"), c, "p50")
                                          if B.get(b.replace(base, "rt-vmcall"), c, "p50") else None)
    res.append(("13", "null exit (rt-vmcall p50) <= 400 ticks on every APIC path",
                *worst(rel(rt("rt-vmcall"), "p50", lambda b, c: 400))))
    res.append(("13", "EOI (rt-eoi p50) <= 30 ticks with apic=apicv",
                *worst([p for p in rel(rt("rt-eoi"), "p50", lambda b, c: 30) if p[0].endswith("-apicv")])))
    res.append(("13", "spinning latency p99 <= native p99 + 50 on every backend",
                *worst(rel(lat("spin"), "p99", nat("p99", 50)))))
    res.append(("13", "halted latency p99 <= native p99 + 100 on every backend",
                *worst(rel(lat("halt"), "p99", nat("p99", 100)))))
    res.append(("13", "WRMSR IA32_TSC_DEADLINE (rt-wrmsr-tscdl-immed p50) <= 1.2 x null exit",
                *worst(rel(rt("rt-wrmsr-tscdl-immed"), "p50", times("rt-wrmsr-tscdl-immed", 1.2)))))
    for op in ("rt-tmict-write", "rt-tmcct-read"):
        res.append(("13", f"{op[3:8].upper()} {op[9:]} ({op} p50) <= 1.5 x null exit",
                    *worst(rel(rt(op), "p50", times(op, 1.5)))))
    hq = host_queue(B)
    res.append(("13", "host queue <= 150 ns per operation at 1e6 entries (make bench-host)",
                *((f"worst {hq[0]:g} ns ({hq[1]})", "met" if hq[0] <= 150 else "missed") if hq
                  else ("-", "not measured"))))
    prs = [b for b in B.order() if re.fullmatch(r"latency-\w+-print-x2?apic", b)]
    res.append(("11", "busy-while-printing p99 <= 2 x busy p99 without printing, per configuration",
                *worst([(c, b, B.get(b, c, "p99"), 2 * B.get(b.replace("-print-", "-spin-"), c, "p99")
                         if B.get(b.replace("-print-", "-spin-"), c, "p99") is not None else None)
                        for c in vm for b in prs])))
    res.append(("11", "halted latency p50 within 100 ticks of native",
                *worst(rel(lat("halt"), "p50", nat("p50", 100)))))
    bound = max(((v[2], r, c) for (r, c), v in cost.items()), default=None)
    res.append(("11", "every VM exit handler bounded (published: the largest handler cost measured)",
                *((f"{bound[0]} host TSC ticks ({bound[1]} {EXIT_NAMES.get(bound[1], '')}, {bound[2]})",
                   "published") if bound else ("-", "not measured"))))
    return res


# --- checks -----------------------------------------------------------------
def checks(B, early):
    out = []
    bad = []
    for c in B.cfgs + B.scale_cfgs + [f"repeat-{B.repeat}"] + B.stage_cfgs:
        for d, _ in B.dirs(c):
            txt = tvrun.read_text(f"{d}.results")
            if not txt:
                bad.append(f"{c}: no results file {os.path.basename(d)}.results (the run did not happen)")
                continue
            bad += [f"{c}: {x}" for x in txt.split("\n") if x.startswith("FAIL: guest/")]
            if not re.search(r"^PASS: guest/", txt, re.M):
                bad.append(f"{c}: no guest passed in {os.path.basename(d)}")
        if c.startswith(("repeat-", "stages-")):
            continue
        for n in (B.latency if c.startswith("scale-") else B.guests):
            if not any(g == n and line.startswith("BENCH: ") for g, line in B.lines[c]):
                bad.append(f"{c}: guest {n} printed no BENCH line")
    out.append(("FAIL", "bench/verdicts", f"{len(bad)} problem(s): {bad[0]}{'; ...' if len(bad) > 1 else ''}")
               if bad else ("PASS", "bench/verdicts", "every guest passed and printed its BENCH lines in every run"))
    total = sum(sum(v) for v in early.values())
    out.append(("PASS", "bench/early", "0 early fires in every configuration") if not total else
               ("FAIL", "bench/early", f"{total} early fire(s) counted; see the early-fire table"))
    a = [f"{g}: {x}" for g, x in B.lines[B.repeat]]
    b = [f"{g}: {x}" for g, x in B.lines[f"repeat-{B.repeat}"]]
    if not a:
        out.append(("FAIL", "bench/repeatable", f"no BENCH lines in {B.repeat} to compare"))
    elif a == b:
        out.append(("PASS", "bench/repeatable", f"{B.repeat} run twice: {len(a)} BENCH/HIST/DRIFT lines identical"))
        if os.path.exists(f"{B.out}/repeat.diff"):
            os.remove(f"{B.out}/repeat.diff")
    else:
        import difflib
        diff = list(difflib.unified_diff(a, b, B.repeat, f"repeat-{B.repeat}", lineterm=""))
        tvrun.write_text(f"{B.out}/repeat.diff", "\n".join(diff) + "\n")
        nd = sum(1 for x in diff[2:] if x[:1] in "+-")
        out.append(("FAIL", "bench/repeatable", f"{B.repeat} run twice: lines differ ({nd} differing lines; "
                                                f"{B.out}/repeat.diff)"))
    prev = f"{B.out}/prev"
    penv = dict(re.findall(r'^([a-z_]+)="?([^"\n]*)"?$', tvrun.read_text(f"{prev}/run.env"), re.M))
    if not penv:
        out.append(("SKIP", "bench/same-as-last-run", f"no earlier run in {B.out} to compare with"))
    elif penv.get("images_sha") != B.env.get("images_sha", "none"):
        out.append(("SKIP", "bench/same-as-last-run", "the last run had another tickvisor.efi, guests or periods"))
    else:
        rows = lambda p: {tuple(x.split(",")[:2]): x for x in tvrun.read_text(p).split("\n")[1:] if x}
        old, new = rows(f"{prev}/results.csv"), rows(f"{B.out}/results.csv")
        common = [k for k in new if k in old]
        nd = sum(1 for k in common if old[k] != new[k])
        out.append(("SKIP", "bench/same-as-last-run", "no benchmark x configuration in common with the last run")
                   if not common else
                   ("PASS", "bench/same-as-last-run", f"same images as the last make bench: {len(common)} rows, "
                                                     "every figure identical") if not nd else
                   ("FAIL", "bench/same-as-last-run", f"same images as the last make bench, but {nd} of "
                                                     f"{len(common)} rows differ ({prev}/results.csv)"))
    builds = {}
    for c in list(B.logs):
        for _, log in B.logs[c]:
            for line in log.lines:
                m = BOOT.search(line)
                if m:
                    builds[m.group(1)] = builds.get(m.group(1), 0) + 1
    desc = " ".join(f"{k} ({v} boots)" for k, v in sorted(builds.items()))
    out.append(("PASS", "bench/one-build", f"every boot ran tickvisor git {desc}") if len(builds) == 1 else
               ("FAIL", "bench/one-build", f"the boots ran {len(builds)} tickvisor builds: {desc}"))
    return out, (next(iter(builds)) if len(builds) == 1 else B.env.get("efi_rev", "?"))


# --- the plot ---------------------------------------------------------------
def plot(B):
    """latency.png: per latency benchmark, the cumulative share of samples by lateness, one line per config."""
    names = [b for b in B.order() if b.startswith("latency-") and any((b, c) in B.hist for c in B.cfgs)]
    png = f"{B.out}/latency.png"
    if not names:
        if os.path.exists(png):
            os.remove(png)
        return None, "no HIST lines from the latency guests: no latency.png"
    if not shutil.which("gnuplot"):
        return None, "gnuplot not installed (scripts/deps.sh test): no latency.png"
    hd = f"{B.out}/hist"
    shutil.rmtree(hd, ignore_errors=True)
    os.makedirs(hd)
    ncol = 2
    nrow = (len(names) + ncol - 1) // ncol
    gp = ["# generated by scripts/tvbench.py",
          f"set terminal pngcairo size 1400,{nrow * 380 + 60} font ',9' noenhanced", f"set output '{png}'",
          f"set multiplot layout {nrow},{ncol} title 'tickvisor timer latency, cumulative distribution per "
          f"configuration (guest TSC ticks, deadline to ISR; Bochs {B.env.get('bochs_cpu')}; commit "
          f"{B.env.get('git_rev')})'",
          # Buckets are one tick wide up to 15, then powers of two (tests/guest/lib/bench.h):
          # a step at a bucket's lower bound reaches the share of samples up to that bucket's end.
          "set logscale x 2", "set xlabel 'lateness + 1 (ticks; steps at bucket lower bounds, log scale)'",
          "set ylabel 'share of samples <= x'", "set yrange [0:1.02]", "set xrange [1:*]", "set key right bottom font ',8'",
          "set grid", "set offsets graph 0.02, graph 0.02, 0, 0"]
    for b in names:
        parts = []
        for c in B.cfgs:
            h = sorted(B.hist.get((b, c), []))
            if not h:
                continue
            total, acc, pts = sum(n for _, n in h), 0, [f"{h[0][0] + 1} 0"]
            for lo, n in h:
                acc += n
                pts.append(f"{lo + 1} {acc / total:.6f}")
            f = f"{hd}/{b}@{c}.dat"
            tvrun.write_text(f, "\n".join(pts) + "\n")
            lw = 3 if c == "native" else 1.5
            parts.append(f"'{f}' using 1:2 with steps lw {lw} title '{c}'")
        gp += [f"set title '{b}'", "plot " + ", ".join(parts)]
    gp.append("unset multiplot")
    tvrun.write_text(f"{B.out}/latency.gp", "\n".join(gp) + "\n")
    r = subprocess.run(["gnuplot", f"{B.out}/latency.gp"], capture_output=True, text=True)
    if r.returncode:
        msg = "gnuplot failed: " + " ".join(r.stderr.split("\n")[:3])
        return ("FAIL", "bench/plot", msg), msg
    return None, f"{png}: {len(names)} panels, a cumulative distribution per configuration"


# --- the report -------------------------------------------------------------
def report(out):
    B = Bench(out)
    e = B.env
    rows = rows_of(B)
    ncsv = write_csv(B, rows)
    early = early_counts(B)
    cost = exit_costs(B)
    tvrun.write_text(f"{out}/exit_costs.csv", "reason,name,config,count,avg,max\n" + "".join(
        f"{r},{EXIT_NAMES.get(r, '')},{c},{v[0]},{v[1] // v[0]},{v[2]}\n" for (r, c), v in sorted(cost.items())))
    chk, efi_rev = checks(B, early)
    pfail, plot_note = plot(B)
    if pfail:
        chk.append(pfail)
    gl = goals(B, cost)
    now = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "bochs"], capture_output=True, text=True)
    bochs = r.stdout.strip() or "unknown"
    ips = (re.findall(r"ips=([0-9]+)", tvrun.read_text(f"{SCRIPTS}/bochsrc.in")) or ["?"])[0]
    cpu = (re.findall(r"^model name\s*: (.*)$", tvrun.read_text("/proc/cpuinfo"), re.M) or ["?"])[0]
    host = tvrun.read_text(f"{out}/host.txt")
    host = host[host.find("tickvisor host benchmarks"):].rstrip("\n") if "tickvisor host benchmarks" in host else ""
    sub, cfgs, per = e["subset"], e["configs"], e["periods"]
    ncfg = len(cfgs.split())
    t, a = B.repeat.rsplit("-", 1)
    ecol = ["config", "guests' early=", "TVRESULT timer.early", "TVRUN early_total", "\"ticks EARLY\" errors"]
    erows = [[c] + [str(x) for x in early[c]] for c in early]
    grows = [[f"#{i}", g, f, v] for i, g, f, v in gl]
    ghead = ["issue", "goal", "figure", "verdict"]
    gright = [False, False, False, False]

    def section(md):
        """The figures, in text or Markdown."""
        h = (lambda s: ["", f"### {s}", ""]) if md else (lambda s: ["", f"--- {s}"])
        L = []
        L += h("Goals (issues 11, 13): met or missed, with the figure") + table(grows, ghead, md, gright)
        L += h("Native, best and worst configuration per benchmark (p50 / p99 ticks)") + side_by_side(B, md)
        L += h("p50 at a glance" + ("" if md else " (pre = preempt, tscdl = tsc-deadline, acc = access)")) + \
            pivot(B, "p50", md)
        L += h("latency p99 at a glance") + pivot(B, "p99", md, "latency-")
        L += h("VM exit handler cost by exit reason (host TSC ticks; count/avg/max per configuration, all "
               "bench guests)") + (cost_table(B, cost, md) if cost else ["(no exit-cost lines in the logs)"])
        L += h("VM exit path by stage (host TSC ticks per exit, average over every exit of the bench guests)") + \
            stages(B, md)
        L += h("every figure") + main_table(rows, md)
        L += h("periodic drift") + drift(B, md)
        L += h(f"scale: latency p99 with N timers due on one pCPU (timer={t}, apic={a})") + scale(B, md)
        L += h("early fires (must all be 0)") + table(erows, ecol, md)
        return L

    P = [f"", f"=== tickvisor benchmarks ({sub} subset), commit {e['git_rev']}, {now}",
         f"platform: Bochs {bochs}, cpu model={e.get('bochs_cpu')}, ips={ips}, clock sync=none time0=946684800 "
         f"(guest TSC = instruction count); host: {cpu}, {os.cpu_count()} CPUs",
         f"configurations: native (tickvisor mode=native) and timer:apic = {cfgs}; drift periods: {per}",
         f"subset: {sub}: native + {ncfg} of the 12 timer x APIC configurations, {per} drift periods"
         f"{'' if sub == 'full' else ' (BENCH_FULL=1: 1,000,000)'}",
         "units: guest TSC ticks (= emulated instructions); x native = p50 / native p50; "
         "x vmcall = p50 / rt-vmcall p50 of the same config"]
    P += section(False)
    P += ["", "--- host model benchmarks (make bench-host; wall-clock ns on this host, not deterministic)",
          host or f"(no {out}/host.txt: run make bench-host)", "", f"plot: {plot_note}",
          f"csv: {out}/results.csv ({ncsv} rows), {out}/exit_costs.csv", f"summary: {out}/summary.md",
          f"runs took {e.get('bench_seconds', '?')}s of wall time", ""]
    P += [f"{s}: {n} ({w})" for s, n, w in chk]
    rc = 1 if any(s == "FAIL" for s, _, _ in chk) else 0
    if rc:
        P.append("FAIL: make bench (see the FAIL lines above)")
    print("\n".join(P))

    M = ["# tickvisor benchmarks", "", f"- Date: {now}", f"- Commit: `{e['git_rev']}` (tickvisor.efi built from "
         f"`{efi_rev}`)", f"- Platform: Bochs {bochs} (Debian), CPU model `{e.get('bochs_cpu')}`, 1 CPU, `ips={ips}`,",
         f"  `clock: sync=none, time0=946684800`; OVMF; host {cpu} ({os.cpu_count()} CPUs).",
         f"- Configuration: {sub} subset. Native = tickvisor `mode=native` (the guest on the bare",
         "  emulated machine, Bochs's own LAPIC). Under tickvisor (`mode=vmx`, `log=info`):",
         f"  timer:apic = `{cfgs}`. Drift: {per} periods."]
    if sub != "full":
        M.append("  (`make bench BENCH_FULL=1` runs the drift guest over 1,000,000 periods.)")
    M += ["- Images: every figure is the product image's (`tickvisor.efi`, what `make run` boots); the",
          "  scale runs come from the load image (`-DTV_LOADGEN`: the product plus the load generator),",
          "  the exit path by stage and the handler cost per exit reason from the bench image",
          f"  (`-DTV_BENCH`, ~74 ticks more per exit): {' '.join(B.stage_cfgs)}."]
    M += [f"- Wall time of the runs: {e.get('bench_seconds', '?')} s, {e.get('jobs', '?')} Bochs at a time.", "",
          "How to read it: docs/performance.md. All figures are guest TSC ticks (under Bochs: retired",
          "instructions, deterministic), except the exit handler costs (host TSC ticks, the same",
          "counter under Bochs) and the host model benchmarks (wall-clock ns).", "", "## Results"]
    M += section(True)
    M += ["", "### Checks", ""] + [f"- {s}: {n} ({w})" for s, n, w in chk]
    M += ["", "## Host model benchmarks (`make bench-host`)", "",
          "Wall-clock nanoseconds per operation of the pure model on the build host (-O2); these vary",
          "from run to run, unlike the Bochs figures.", "", "```", host or "(not run)", "```", "",
          "Plot: `latency.png` (per latency benchmark, the cumulative distribution per configuration).",
          "All figures: `results.csv`; exit handler costs: `exit_costs.csv`."]
    tvrun.write_text(f"{out}/summary.md", "\n".join(M) + "\n")
    return rc


def main():
    sys.stdout.reconfigure(encoding="latin-1", errors="replace")
    o = parse_args(sys.argv[1:])
    out = os.path.abspath(o["out"])
    if o["run"]:
        run_all(o, out)
    elif not (os.path.isdir(f"{out}/runs") and os.path.exists(f"{out}/run.env")):
        die(f"no run in {out} (DIR/runs, DIR/run.env): run make bench first")
    return report(out)


if __name__ == "__main__":
    sys.exit(main())
