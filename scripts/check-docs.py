#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
"""The docs name only what exists (issue 10: docs/design.md is a newcomer's map).

    scripts/check-docs.py [--self-test]

Every `name()` in backquotes in README.md and docs/*.md must be an identifier
somewhere in the tracked sources; every `struct x` / `enum x` likewise; every
backquoted repository path (boot/ vmx/ vmm/ hw/ lib/ lapic/ timer/ include/
tests/ scripts/ tools/ docs/ ...) must exist, relative to the repository or,
for the guest runtime's own lib/ and NAME placeholders, to tests/guest/.
Output: "PASS: docs/names" or "FAIL: docs/names: FILE:LINE: what" (each
further stale name indented below), then a SUMMARY line.  --self-test plants
a stale function, struct and path into a copy of one doc and checks all
three are caught.  Paths of other projects are listed in FOREIGN.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIRS = ("boot", "vmx", "vmm", "hw", "lib", "lapic", "timer", "include", "tests", "scripts",
        "tools", "docs")
PATH_RE = re.compile(r"((?:%s)/[A-Za-z0-9_./-]+\.(?:c|h|asm|py|sh|mk|md|cfg|in))" % "|".join(DIRS))


def identifiers():
    """Every identifier of the sources (this checker excepted: it holds the plants)."""
    seen = set()
    exts = (".c", ".h", ".asm", ".py", ".sh", ".mk", ".cfg", ".in")
    for d in ("boot", "vmx", "vmm", "hw", "lib", "lapic", "timer", "include", "tests", "scripts",
              "tools"):
        for dirpath, _, names in os.walk(os.path.join(ROOT, d)):
            for n in names:
                p = os.path.join(dirpath, n)
                if n.endswith(exts) and p != os.path.abspath(__file__):
                    seen.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", open(p, errors="replace").read()))
    seen.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", open(os.path.join(ROOT, "Makefile")).read()))
    return seen


# Paths of other projects that the docs quote (Linux's KVM ABI header).
FOREIGN = ("include/uapi/",)


def path_exists(p):
    if p.startswith(FOREIGN):
        return True
    if re.search(r"[A-Z]{3,}", os.path.basename(p)):		# NAME.c, a placeholder
        return True
    return any(os.path.exists(os.path.join(ROOT, base, p)) for base in ("", "tests/guest"))


def stale_in(path, text, idents):
    bad = []
    for n, line in enumerate(text.splitlines(), 1):
        for m in re.finditer(r"`([^`]+)`", line):
            t = m.group(1)
            f = re.fullmatch(r"([A-Za-z][A-Za-z0-9_]*)\(\)", t)
            if f and f.group(1) not in idents:
                bad.append(f"{path}:{n}: function {t} is nowhere in the sources")
            e = re.fullmatch(r"(?:enum|struct) ([A-Za-z_][A-Za-z0-9_]*)", t)
            if e and e.group(1) not in idents:
                bad.append(f"{path}:{n}: {t} is nowhere in the sources")
            p = PATH_RE.fullmatch(t)
            if p and not path_exists(p.group(1)):
                bad.append(f"{path}:{n}: path {t} does not exist")
    return bad


def docs():
    out = ["README.md"] + sorted("docs/" + f for f in os.listdir(os.path.join(ROOT, "docs"))
                                 if f.endswith(".md"))
    return [(d, open(os.path.join(ROOT, d)).read()) for d in out]


def main():
    idents = identifiers()
    if sys.argv[1:] == ["--self-test"]:
        plant = "`vmx_vcpu_frobnicate()` `struct vapic_gone` `vmm/nowhere.c` `vmm/guest.c`\n"
        got = stale_in("planted.md", plant, idents)
        ok = len(got) == 3
        print(("PASS" if ok else "FAIL") + ": docs-self-test/planted-stale-names" +
              ("" if ok else f": caught {len(got)} of 3: {got}"))
        return 0 if ok else 1
    bad = []
    for d, text in docs():
        bad += stale_in(d, text, idents)
    if bad:
        print(f"FAIL: docs/names: {bad[0]}")
        for b in bad[1:]:
            print(f"    {b}")
    else:
        print("PASS: docs/names")
    print(f"SUMMARY: docs: 1 tests, {1 if bad else 0} unexpected failures")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
