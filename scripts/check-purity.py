#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
"""Layering and purity check (STYLE.md "Pure means pure"; run by make test).

    scripts/check-purity.py [ROOT]     check the tree at ROOT (default: this repo)
    scripts/check-purity.py --self-test
        copy the tree to a temporary folder, plant one violation per check
        there (never in the repo), and verify that each check catches its
        plant and that a file of harmless look-alikes trips none.

Nothing here parses C.  Every verdict comes from the compiler and binutils:
each source is compiled alone (gcc -c, freestanding, no -fpic), and the check
reads what came out:

  pure-includes        gcc's dependency list (-MMD) of a pure source names only
                       pure headers, include/tv/*.h, include/x86/*.h except
                       x86/cpu.h (the header of inline asm), and the compiler's
                       own freestanding headers: no <efi.h>, nothing of vmx/,
                       boot/, vmm/, hw/, no libc.
  pure-no-asm          the assembly gcc emits (-S) has no #APP block: no inline
                       asm, whatever spelling or macro produced it.
  pure-no-hw-insns     the object's disassembly has no instruction that touches
                       hardware or reads a clock (rdtsc, rdmsr, in/out, cpuid,
                       hlt, cli, mov to/from a CR, VMX instructions, ...), so
                       not even a compiler builtin can read the time.
  pure-no-globals      no symbol in a writable section (.data, .bss, COMMON):
                       no mutable global, no mutable static local.
  pure-links-alone     every symbol a pure object leaves undefined is defined
                       by another pure object or is one of the freestanding
                       helpers the compiler may call (memcpy, memset, ...) or
                       lib/'s string and formatting functions: the pure set
                       links without vmm/, vmx/ or boot/.
  efi-only-in-boot     only boot/ sources depend on efi.h / efilib.h.
  vmread-only-in-vmx   only vmx/ objects (C or NASM) hold VMREAD/VMWRITE.
  vmm-state-owned      a vmm/ or vmx/ object holds no mutable object but the
                       ones STATE_OK names (the pcpu array, the console ring,
                       the memory pool, what boot finds once): per-CPU, per-VM
                       and per-vCPU state lives in struct pcpu/vm/vcpu.

The pure set: lapic/*.c, timer/*.c, lib/*.c and the device emulators and
the files of vmm/ that PURE_VMM names.  lib/ may hold inline asm for
arithmetic the compiler cannot express (udiv128's divq): pure-no-asm skips
it, and pure-no-hw-insns still proves what that asm is.  Host hardware is
in hw/, outside the pure set.  Output: one "PASS: layering/<check>" or
"FAIL: layering/<check>: file: what" line per check (each further offence
indented below it), then "SUMMARY: layering: N tests, M unexpected failures".
Exit status 0 only when every check passed.
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

CHECKS = ["pure-includes", "pure-no-asm", "pure-no-hw-insns", "pure-no-globals",
          "pure-links-alone", "efi-only-in-boot", "vmread-only-in-vmx", "vmm-state-owned"]

# The only mutable file-scope objects vmm/ and vmx/ may hold (issue 10; docs/design.md,
# "Who owns what state"): the pcpu array, the console ring (and how it drains), the memory pool and
# what boot finds once.  Everything else is in struct pcpu, struct vm or struct vcpu.
STATE_OK = re.compile(r"^(pcpu_array|log_(async|ring|push_cost|stalled|rl|tsc_khz|level)|pool_(base|end|next)|"
                      r"vmm_(acpi|hpet|tsc|token_text)|xstate_(clean|has_xsave|host_xcr0|probed))$")

EFI_INC = os.environ.get("EFI_INC", "/usr/include/efi")
CFLAGS = ["-std=gnu11", "-O1", "-ffreestanding", "-fno-pic", "-fno-pie", "-mno-red-zone",
          "-mgeneral-regs-only", "-fno-stack-protector", "-fno-builtin-printf",
          "-fshort-wchar", "-fno-asynchronous-unwind-tables", "-DGNU_EFI_USE_MS_ABI",
          "-DTV_VERSION=\"0\"", "-DTV_GIT_REV=\"0\"", "-Iinclude",
          "-I" + EFI_INC, "-I" + EFI_INC + "/x86_64", "-w"]

# Instructions a pure object may never hold (AT&T mnemonics, size suffix
# stripped): clocks, MSRs, ports, CPUID, interrupts, control registers, VMX.
HW_INSNS = {"rdtsc", "rdtscp", "rdmsr", "wrmsr", "rdpmc", "cpuid", "in", "out", "ins", "outs",
            "insb", "insw", "insl", "outsb", "outsw", "outsl", "hlt", "cli", "sti",
            "lgdt", "lidt", "lldt", "ltr", "invlpg", "invpcid", "wbinvd", "invd", "xsetbv",
            "xgetbv", "rdrand", "rdseed", "swapgs", "sysret", "sysexit", "iretq", "iret",
            "int", "int3", "monitor", "mwait", "pause", "clflush", "vmread", "vmwrite",
            "vmlaunch", "vmresume", "vmcall", "vmptrld", "vmptrst", "vmclear", "vmxon",
            "vmxoff", "invept", "invvpid", "vmfunc"}
VMX_INSNS = {"vmread", "vmwrite", "vmlaunch", "vmresume", "vmptrld", "vmclear", "vmxon",
             "vmxoff", "invept", "invvpid"}
# What the compiler itself may call from freestanding code, and lib/.
LINK_OK = re.compile(r"^(memcpy|memset|memmove|memcmp|__udivti3|__umodti3|__divti3|__modti3|"
                     r"__popcountdi2|tv_[a-z0-9_]+)$")


# The files of vmm/ that need no hardware: the device emulators and decoders
# a guest drives, the vCPU's LAPIC glue, the configuration parser and the
# result lines.  Pure by the same rules as the model, so that they are
# host-testable and can be fuzzed.
PURE_VMM = ("config", "config_parse", "gwalk", "hypercall", "insn", "mb_loader", "mmio_check",
            "mmio_decide", "result", "rtc", "vapic", "vcpuid", "vcr", "vdebug", "vio", "vmsr", "vstring")
# Header-only parts of vmm/ that pure files may include besides their own headers.
PURE_VMM_HEADERS = ("apic_path", "config_priv")


def pure_sources(root):
    out = []
    for d in ("lapic", "timer", "lib"):
        p = os.path.join(root, d)
        if os.path.isdir(p):
            out += [d + "/" + f for f in sorted(os.listdir(p)) if f.endswith(".c")]
    out += ["vmm/" + n + ".c" for n in PURE_VMM if os.path.exists(os.path.join(root, "vmm", n + ".c"))]
    return out


def pure_header_ok(root, path):
    rel = os.path.relpath(os.path.realpath(path), os.path.realpath(root))
    if rel.startswith(".."):
        # Outside the tree: only the compiler's own freestanding headers.
        return "/gcc/" in path and "/include/" in path
    if rel == "include/x86/cpu.h":
        return False
    if rel.startswith("include/tv/") or rel.startswith("include/x86/"):
        return True
    if rel.startswith(("lapic/", "timer/")):
        return True
    return rel in ["vmm/" + n + ".h" for n in PURE_VMM + PURE_VMM_HEADERS]


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)


def compile_one(root, tmp, src, cache=None):
    """Object, dependency list and assembly of one C source (or NASM file).

    With a cache (the self-test), a source whose text was compiled before in
    this run is not compiled again: only the planted file changes.
    """
    import hashlib
    text = open(os.path.join(root, src), "rb").read()
    key = (src, hashlib.sha256(text).hexdigest())
    if cache is not None and key in cache:
        return cache[key]
    base = os.path.join(tmp, src.replace("/", "__") + "." + key[1][:12])
    if src.endswith(".asm"):
        r = run(["nasm", "-f", "elf64", "-o", base + ".o", src], root)
        res = (src, r.returncode == 0 and base + ".o", [], "", r.stdout)
    else:
        r = run(["gcc"] + CFLAGS + ["-c", "-MMD", "-MF", base + ".d", "-o", base + ".o", src],
                root)
        if r.returncode != 0:
            res = (src, None, [], "", r.stdout)
        else:
            deps = open(base + ".d").read().replace("\\\n", " ").split(":", 1)[1].split()
            s = run(["gcc"] + CFLAGS + ["-S", "-o", base + ".s", src], root)
            asm = open(base + ".s").read() if s.returncode == 0 else ""
            res = (src, base + ".o", [os.path.join(root, d) if not d.startswith("/") else d
                                      for d in deps], asm, "")
    if cache is not None:
        cache[key] = res
    return res


def disasm_mnemonics(obj, root):
    r = run(["objdump", "-d", "--no-show-raw-insn", obj], root)
    seen = set()
    for line in r.stdout.splitlines():
        m = re.match(r"^\s+[0-9a-f]+:\s+(?:(?:rep|repz|repnz|lock|data16|addr32|cs|ds)\s+)*"
                     r"([a-z][a-z0-9]*)", line)
        if m:
            seen.add(m.group(1))
    return seen


def insn_hits(mnems, wanted):
    hits = set()
    for m in mnems:
        for w in wanted:
            # vmread/vmreadq, inb/inw/inl, movq %cr3 handled below.
            if m == w or (m[:-1] == w and m[-1] in "bwlq"):
                hits.add(w)
    return hits


def cr_moves(obj, root):
    r = run(["objdump", "-d", "--no-show-raw-insn", obj], root)
    return [ln.strip() for ln in r.stdout.splitlines()
            if re.search(r"\bmov[lq]?\s+.*%[cd]r[0-9]", ln)]


def symbols(obj, root):
    """(defined writable, defined all, undefined) symbol names of an object."""
    r = run(["readelf", "-SW", obj], root)
    writable = set()
    for line in r.stdout.splitlines():
        m = re.match(r"^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+(\S*)", line)
        if m and "W" in m.group(3) and "A" in m.group(3):
            writable.add(int(m.group(1)))
    r = run(["readelf", "-sW", obj], root)
    wsyms, defined, undef = [], set(), set()
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) < 8 or not f[0].rstrip(":").isdigit():
            continue
        typ, ndx, name = f[3], f[6], f[7]
        if typ in ("FILE", "SECTION") or not name:
            continue
        if ndx == "UND":
            undef.add(name)
            continue
        defined.add(name)
        if ndx == "COM" or (ndx.isdigit() and int(ndx) in writable and typ == "OBJECT"):
            wsyms.append(name)
    return wsyms, defined, undef


def check_tree(root, cache=None, cache_dir=None):
    image = []
    for d in ("boot", "vmx", "vmm", "lapic", "timer", "hw", "lib"):
        p = os.path.join(root, d)
        if os.path.isdir(p):
            image += [d + "/" + f for f in sorted(os.listdir(p)) if f.endswith((".c", ".asm"))]
    pure = set(pure_sources(root))
    fails = {c: [] for c in CHECKS}
    with tempfile.TemporaryDirectory() as tmp_own:
        tmp = cache_dir or tmp_own
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
            results = list(ex.map(lambda s: compile_one(root, tmp, s, cache), image))
        pure_defined, pure_undef = set(), {}
        for src, obj, deps, asm, err in results:
            if not obj:
                first = (err.strip().splitlines() or ["?"])[0]
                key = "pure-includes" if src in pure else "efi-only-in-boot"
                if "efi" in err and not src.startswith("boot/"):
                    key = "efi-only-in-boot"
                fails[key].append(f"{src}: does not compile alone: {first}")
                continue
            mnems = disasm_mnemonics(obj, root)
            if not src.startswith("boot/"):
                for d in deps:
                    if os.path.basename(d) in ("efi.h", "efilib.h"):
                        fails["efi-only-in-boot"].append(f"{src}: depends on {d}")
                        break
            vm = insn_hits(mnems, VMX_INSNS)
            if vm and not src.startswith("vmx/"):
                fails["vmread-only-in-vmx"].append(f"{src}: holds {', '.join(sorted(vm))}")
            if src.startswith(("vmm/", "vmx/")) and src not in pure and src.endswith(".c"):
                for sym in symbols(obj, root)[0]:
                    if not STATE_OK.match(sym):
                        fails["vmm-state-owned"].append(
                            f"{src}: mutable object '{sym}' outside struct pcpu/vm/vcpu")
            if src not in pure:
                continue
            bad = [d for d in deps[1:] if not pure_header_ok(root, d)]
            for d in bad:
                fails["pure-includes"].append(
                    f"{src}: includes {os.path.relpath(d, root) if d.startswith(root) else d}")
            if "#APP" in asm and not src.startswith("lib/"):
                fails["pure-no-asm"].append(f"{src}: the compiler emitted inline asm (#APP)")
            hw = insn_hits(mnems, HW_INSNS) | {"mov to/from CR/DR" for _ in cr_moves(obj, root)}
            if hw:
                fails["pure-no-hw-insns"].append(f"{src}: {', '.join(sorted(hw))}")
            wsyms, defined, undef = symbols(obj, root)
            for s in wsyms:
                fails["pure-no-globals"].append(f"{src}: mutable object '{s}' (writable section)")
            pure_defined |= defined
            pure_undef[src] = undef
        for src, undef in sorted(pure_undef.items()):
            for s in sorted(undef - pure_defined):
                if not LINK_OK.match(s):
                    fails["pure-links-alone"].append(f"{src}: needs '{s}', defined outside the pure set")
    return fails


def report(fails):
    nfail = 0
    for c in CHECKS:
        if fails[c]:
            nfail += 1
            print(f"FAIL: layering/{c}: {fails[c][0]}")
            for more in fails[c][1:]:
                print(f"    {more}")
        else:
            print(f"PASS: layering/{c}")
    print(f"SUMMARY: layering: {len(CHECKS)} tests, {nfail} unexpected failures")
    return nfail == 0


# Each case: the checks that must fail, the file to plant, its text.
PLANTS = [
    ({"pure-no-asm"}, "lapic/planted.c", 'void f(void) { __asm__ volatile("nop"); }\n'),
    ({"pure-no-asm", "pure-no-hw-insns"}, "timer/planted.c",
     "#define RD(x) __asm__ volatile(\"rdtsc\" : \"=a\"(x) :: \"rdx\")\n"
     "unsigned long f(void) { unsigned long t; RD(t); return t; }\n"),
    ({"pure-no-hw-insns"}, "timer/planted.c",
     "unsigned long long f(void) { return __builtin_ia32_rdtsc(); }\n"),
    ({"pure-includes", "efi-only-in-boot"}, "lapic/planted.c", "#include <efi.h>\n"),
    ({"pure-includes"}, "timer/planted.c", '#include "../vmx/vcpu.h"\n'),
    ({"pure-includes", "pure-no-asm", "pure-no-hw-insns"}, "lapic/planted.c",
     "#include <x86/cpu.h>\nunsigned long long f(void) { return cpu_rdtsc(); }\n"),
    ({"pure-includes"}, "timer/planted.c", '#include "../hw/tsc.h"\n'),
    ({"pure-includes"}, "vmm/rtc.c", '#include "../hw/hostrtc.h"\n'),
    ({"pure-no-globals"}, "vmm/insn.c", "int insn_planted_count;\n"),
    ({"pure-no-hw-insns"}, "lib/planted.c",
     "unsigned long long f(void) { return __builtin_ia32_rdtsc(); }\n"),
    ({"pure-no-globals"}, "lapic/planted.c", "struct vlapic *current_vlapic;\n"),
    ({"pure-no-globals"}, "timer/planted.c",
     "static unsigned long long last_now;\nvoid f(unsigned long long n) { last_now = n; }\n"
     "unsigned long long g(void) { return last_now; }\n"),
    ({"pure-no-globals"}, "lapic/planted.c",
     "int f(void)\n{\n\tstatic int calls;\n\treturn ++calls;\n}\n"),
    ({"pure-no-globals"}, "timer/planted.c", "void (*hook)(int) = 0;\n"),
    ({"pure-links-alone"}, "lapic/planted.c",
     "unsigned long long cpu_clock(void);\nunsigned long long f(void) { return cpu_clock(); }\n"),
    ({"efi-only-in-boot"}, "vmm/planted.c", "#include <efilib.h>\n"),
    ({"vmread-only-in-vmx"}, "vmm/planted.c",
     'unsigned long f(void) { unsigned long v; __asm__ volatile("vmread %1, %0" : "=r"(v) : '
     '"r"(0UL)); return v; }\n'),
    ({"vmread-only-in-vmx"}, "vmm/planted.asm", "BITS 64\nf:\n\tvmwrite rax, rbx\n\tret\n"),
    ({"vmm-state-owned"}, "vmm/planted.c", "static int planted_last_vector;\n"
     "void planted_set(int v) { planted_last_vector = v; }\nint planted_get(void) { return planted_last_vector; }\n"),
    ({"vmm-state-owned"}, "vmx/planted.c", "int f(void)\n{\n\tstatic int calls;\n\treturn ++calls;\n}\n"),
]

# Look-alikes that must trip nothing: const tables, prose naming the rules.
HARMLESS = ("lapic/planted_ok.c",
            "#include <tv/types.h>\n#include <x86/msr.h>\n"
            "/* rdtsc, asm, efi.h and vmread in a comment; \"__asm__(rdmsr)\" in a string */\n"
            "static const char *const planted_names[] = { \"asm\", \"rdtsc\", \"vmread\" };\n"
            "static void (*const planted_hook)(int) = 0;\n"
            "const char *planted_name(unsigned int i) { return i < 3 && !planted_hook ? "
            "planted_names[i] : \"\"; }\n"
            "int planted_sum(const int *v, int n) { int s = 0; for (int i = 0; i < n; i++) "
            "s += v[i]; return s; }\n")


def self_test(repo):
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        tree = os.path.join(tmp, "tree")
        shutil.copytree(repo, tree, ignore=shutil.ignore_patterns(".git", "build*"))
        cache, cdir = {}, os.path.join(tmp, "objs")
        os.mkdir(cdir)
        base = check_tree(tree, cache, cdir)
        if any(base.values()):
            print("FAIL: layering-self-test/clean-tree: the copied tree fails before any plant")
            return False
        for want, rel, text in PLANTS:
            # A plant in an existing file (a PURE_VMM emulator) is appended
            # to it and the file restored after.
            path = os.path.join(tree, rel)
            orig = open(path).read() if os.path.exists(path) else None
            with open(path, "w") as f:
                f.write((orig or "") + text)
            got = {c for c, v in check_tree(tree, cache, cdir).items() if v}
            if orig is None:
                os.remove(path)
            else:
                with open(path, "w") as f:
                    f.write(orig)
            name = f"{'+'.join(sorted(want))} <- {rel}: {text.splitlines()[0][:50]}"
            if got == want:
                print(f"PASS: layering-self-test/{name}")
            else:
                ok = False
                print(f"FAIL: layering-self-test/{name}: failed {sorted(got)}, want {sorted(want)}")
        rel, text = HARMLESS
        with open(os.path.join(tree, rel), "w") as f:
            f.write(text)
        got = {c for c, v in check_tree(tree, cache, cdir).items() if v}
        if got:
            ok = False
            print(f"FAIL: layering-self-test/harmless-look-alikes: tripped {sorted(got)}")
        else:
            print("PASS: layering-self-test/harmless-look-alikes")
    return ok


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if len(sys.argv) > 1 and sys.argv[1] == "--self-test":
        return 0 if self_test(repo) else 1
    root = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else repo
    return 0 if report(check_tree(root)) else 1


if __name__ == "__main__":
    sys.exit(main())
