#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# Layering check (STYLE.md "Pure means pure"; run by `make test`).
#
#   scripts/check-layering.sh [ROOT]     check the tree at ROOT (default: this repo)
#   scripts/check-layering.sh --self-test
#       copy the tree to a temporary directory, plant one violation per check
#       there (never in the repo) and verify that each check catches it.
#
# The pure set is lapic/*.[ch], timer/*.[ch] except timer/hw_*.c, and the
# headers they may include, include/hv/*.h and include/x86/*.h except
# x86/cpu.h (the one x86 header allowed to hold inline asm).  In the pure set:
#   pure-no-asm             no `asm`, `__asm`, `__asm__`
#   pure-no-efi             no <efi.h> / <efilib.h>
#   pure-no-platform-headers  nothing under vmx/, boot/ or vmm/
#   pure-include-allowlist  only <hv/...>, <x86/...> but x86/cpu.h, <stddef.h>,
#                           <stdint.h>, <stdbool.h>, <stdarg.h>, and quoted
#                           includes of other headers of the pure set
#   pure-no-hw-intrinsics   no calls of rdtsc/rdmsr/wrmsr/rdpmc/cpuid-like
#                           intrinsics or wrappers, __builtin_ia32_*, _mm_*
#   pure-no-globals         no mutable (non-const) variable at file scope, and
#                           no mutable `static` local (global state too)
# Everywhere:
#   efi-only-in-boot        only boot/ includes efi.h / efilib.h
#   vmread-only-in-vmx      only vmx/ uses vmread/vmwrite (tests/unit/fakes,
#                           which stands in for vmx/ on the host, excepted)
#
# Comments and the contents of string and character literals are blanked
# before any check, so prose and messages never trip it.  Output: one
# "PASS: layering/<check>" or "FAIL: layering/<check>: file:line: text" line
# per check (each further offence indented below it), then a SUMMARY line.
# Exit status 0 only when every check passed.
set -u
export LC_ALL=C

self_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ---------------------------------------------------------------------------
# Blank comments and literal contents, keeping line numbers and the
# <...>/"..." operand of #include lines; with keep_strings=1, literals stay
# (asm templates are strings).
# ---------------------------------------------------------------------------
strip_c() { # file [keep_strings]
	awk -v keep_strings="${2:-0}" '
	{
		line = $0; out = ""; n = length(line); i = 1
		is_inc = (line ~ /^[ \t]*#[ \t]*include/)
		while (i <= n) {
			c = substr(line, i, 1)
			if (in_comment) {
				if (c == "*" && substr(line, i + 1, 1) == "/") {
					in_comment = 0; out = out "  "; i += 2; continue
				}
				out = out " "; i++; continue
			}
			if (c == "/" && substr(line, i + 1, 1) == "*") {
				in_comment = 1; out = out "  "; i += 2; continue
			}
			if (c == "/" && substr(line, i + 1, 1) == "/")
				break
			if ((c == "\"" || c == "\047") && !is_inc && !keep_strings) {
				q = c; out = out c; i++
				while (i <= n) {
					d = substr(line, i, 1)
					if (d == "\\") { out = out "  "; i += 2; continue }
					if (d == q) break
					out = out " "; i++
				}
				if (i <= n) { out = out q; i++ }
				continue
			}
			out = out c; i++
		}
		print out
	}' "$1"
}

# ---------------------------------------------------------------------------
# Mutable variables with static storage: file-scope declarations and static
# locals.  Input: a stripped file.  Output: "line<TAB>declaration".
# ---------------------------------------------------------------------------
find_globals() {
	awk '
	function trim(s) { sub(/^[ \t]+/, "", s); sub(/[ \t]+$/, "", s); return s }
	function is_word_const(s) { return s ~ /(^|[^A-Za-z0-9_])const([^A-Za-z0-9_]|$)/ }
	# 1 if declaration s (no trailing ;) declares a mutable object.
	function is_mutable_object(s,    d, p, rest, tail) {
		d = trim(s)
		if (d == "" || d ~ /^typedef([^A-Za-z0-9_]|$)/)
			return 0
		gsub(/__attribute__[ \t]*\(\([^()]*(\([^()]*\)[^()]*)*\)\)/, "", d)
		p = index(d, "=")
		if (p > 0)
			d = substr(d, 1, p - 1)
		gsub(/\[[^]]*\]/, "[]", d)
		# ALL-CAPS words are attribute macros (HV_PACKED, HV_UNUSED):
		# our variables are snake_case.
		gsub(/(^|[^A-Za-z0-9_])[A-Z][A-Z0-9_]*[ \t]*(\([^()]*\))?/, " ", d)
		d = trim(d)
		# "struct foo;" or "enum {...};": a type, no object.
		if (d ~ /^((static|extern)[ \t]+)?(const[ \t]+)?(struct|union|enum)([ \t]+[A-Za-z_][A-Za-z0-9_]*)?[ \t]*(\{\})?$/)
			return 0
		p = index(d, "(")
		if (p > 0) {
			rest = substr(d, p)
			# "(*name)" first: a function-pointer object; else a prototype
			# or a file-scope macro such as _Static_assert(...).
			if (rest !~ /^\([ \t]*\*[ \t]*(const[ \t]*)?[A-Za-z_][A-Za-z0-9_]*[ \t]*(\[\][ \t]*)*\)/)
				return 0
			return rest !~ /^\([ \t]*\*[ \t]*const([^A-Za-z0-9_]|$)/
		}
		p = 0
		while (match(substr(d, p + 1), /\*/))
			p += RSTART
		if (p > 0) {
			tail = substr(d, p + 1)
			return tail !~ /^[ \t]*const([^A-Za-z0-9_]|$)/
		}
		return !is_word_const(d)
	}
	function report(s, at) {
		s = trim(s)
		gsub(/[ \t]+/, " ", s)
		printf "%d\t%s;\n", at, s
	}
	{
		line = $0
		if (in_pp) { in_pp = (line ~ /\\$/); next }
		if (line ~ /^[ \t]*#/) { in_pp = (line ~ /\\$/); next }
		n = length(line)
		for (i = 1; i <= n; i++) {
			c = substr(line, i, 1)
			if (c == "{") {
				if (depth == 0) {
					t = trim(stmt)
					if (t ~ /=$/)
						kind = "init"
					else if (t ~ /(^|[^A-Za-z0-9_])(struct|union|enum)([ \t]+[A-Za-z_][A-Za-z0-9_]*)?$/)
						kind = "type"
					else
						kind = "func"
					stmt = stmt "{"
				} else if (kind == "func") {
					local = ""; local_at = 0
				}
				depth++
				continue
			}
			if (c == "}") {
				if (depth > 0)
					depth--
				if (depth == 0) {
					if (kind == "func") { stmt = ""; stmt_at = 0 }
					else stmt = stmt "}"
				} else if (kind == "func") {
					local = ""; local_at = 0
				}
				continue
			}
			if (c == ";") {
				if (depth == 0) {
					if (is_mutable_object(stmt))
						report(stmt, stmt_at)
					stmt = ""; stmt_at = 0
				} else if (kind == "func") {
					if (trim(local) ~ /^static([^A-Za-z0-9_]|$)/ && is_mutable_object(local))
						report(local, local_at)
					local = ""; local_at = 0
				}
				continue
			}
			if (depth == 0) {
				if (!stmt_at && c !~ /[ \t]/) stmt_at = NR
				stmt = stmt c
			} else if (kind == "func") {
				if (!local_at && c !~ /[ \t]/) local_at = NR
				local = local c
			}
		}
		if (depth == 0) stmt = stmt " "
		else if (kind == "func") local = local " "
	}' "$1"
}

# Of a file, stripped ($1) and stripped keeping literals ($2): the lines of
# asm statements (from the asm keyword to the closing ";") with their
# literals, every other line blank, so line numbers still match.
asm_statements() {
	awk -v asm_re="$ASM_RE" '
	NR == FNR { code[FNR] = $0; next }
	{
		if (!in_asm && code[FNR] ~ asm_re)
			in_asm = 1
		if (in_asm) {
			print
			if (code[FNR] ~ /;/)
				in_asm = 0
		} else {
			print ""
		}
	}' "$1" "$2"
}

# ---------------------------------------------------------------------------
# The checks.  Each appends "file:line: text" offences to $work/v.<check>.
# ---------------------------------------------------------------------------
CHECKS=(pure-no-asm pure-no-efi pure-no-platform-headers pure-include-allowlist
	pure-no-hw-intrinsics pure-no-globals efi-only-in-boot vmread-only-in-vmx)

INTRINSIC_RE='(^|[^A-Za-z0-9_])(([A-Za-z0-9_]*_)?(rdtscp?|rdtsc_ordered|rdmsrl?|wrmsrl?|rdpmc|readmsr|writemsr|cpuid|cpuid_count|readcyclecounter)|__builtin_ia32_[A-Za-z0-9_]+|_mm_[A-Za-z0-9_]+|msr_read|msr_write|cpu_ticks)[[:space:]]*\('
ASM_RE='(^|[^A-Za-z0-9_])(asm|__asm|__asm__)([^A-Za-z0-9_]|$)'
VMX_INSN_RE='(^|[^a-z0-9_])[a-z0-9_]*vm(read|write)[a-z0-9_]*([^a-z0-9_]|$)'
VMX_MNEMONIC_RE='(^|[^A-Za-z0-9_])[vV][mM]([rR][eE][aA][dD]|[wW][rR][iI][tT][eE])([^A-Za-z0-9_]|$)'
INCLUDE_RE='^[[:space:]]*#[[:space:]]*include'

# "file:line: text" for each line of stripped copy $2 (of file $1) matching $3.
grep_offences() {
	grep -nE -- "$3" "$2" | while IFS= read -r hit; do
		local ln=${hit%%:*} text=${hit#*:}
		text=$(sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]\{1,\}/ /g' <<<"$text")
		printf '%s:%s: %s\n' "$1" "$ln" "$text"
	done
}

is_pure_file() {
	local f=$1
	case $f in
	timer/hw_*.c|include/x86/cpu.h) return 1 ;;
	lapic/*.[ch]|timer/*.[ch]|include/hv/*.h|include/x86/*.h) return 0 ;;
	esac
	return 1
}

# Check one #include operand ($2, with its <> or "") of pure file $1.
# Prints "check<TAB>reason" for each rule it breaks.
classify_include() {
	local f=$1 inc=$2 name resolved
	name=${inc:1:${#inc}-2}
	# An include that breaks a named rule is reported there only.
	case $name in
	efi.h|efilib.h|*/efi.h|*/efilib.h) printf 'pure-no-efi\t%s\n' "$inc"; return ;;
	esac
	case /$name in
	*/vmx/*|*/boot/*|*/vmm/*) printf 'pure-no-platform-headers\t%s\n' "$inc"; return ;;
	esac
	case $inc in
	\<x86/cpu.h\>) printf 'pure-include-allowlist\t%s is the asm header\n' "$inc"; return ;;
	\<hv/*.h\>|\<x86/*.h\>|\<stddef.h\>|\<stdint.h\>|\<stdbool.h\>|\<stdarg.h\>) return ;;
	\"*\")
		resolved=$(realpath -m --relative-to=. "$(dirname "$f")/$name")
		if [[ -f $resolved ]] && is_pure_file "$resolved" && [[ $resolved == *.h ]] &&
		   [[ $resolved != timer/hw_* ]]; then
			return
		fi
		printf 'pure-include-allowlist\t%s is not a header of the pure set\n' "$inc"
		return ;;
	esac
	printf 'pure-include-allowlist\t%s is not allowed\n' "$inc"
}

run_checks() {
	local root=$1 work f s hit ln inc check reason
	work=$(mktemp -d) || return 2
	(
	cd "$root" || exit 2
	mapfile -t all_files < <(find . \( -path ./build -o -path ./.git \) -prune -o \
		-type f \( -name '*.[chS]' -o -name '*.asm' -o -name '*.inc' -o -name '*.s' \) \
		-print | sed 's|^\./||' | sort)
	npure=0
	for f in "${all_files[@]}"; do
		s=$work/src/$f
		mkdir -p "$(dirname "$s")"
		strip_c "$f" >"$s"
		if is_pure_file "$f"; then
			npure=$((npure + 1))
			grep_offences "$f" "$s" "$ASM_RE" >>"$work/v.pure-no-asm"
			grep_offences "$f" "$s" "$INTRINSIC_RE" >>"$work/v.pure-no-hw-intrinsics"
			find_globals "$s" | while IFS=$'\t' read -r ln text; do
				printf '%s:%s: mutable variable with static storage: %s\n' "$f" "$ln" "$text"
			done >>"$work/v.pure-no-globals"
			grep -nE "$INCLUDE_RE" "$s" | while IFS= read -r hit; do
				ln=${hit%%:*}
				inc=$(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*([<"][^>"]*[>"]).*/\1/p' <<<"${hit#*:}")
				if [[ -z $inc ]]; then
					printf '%s:%s: computed #include: %s\n' "$f" "$ln" "${hit#*:}" \
						>>"$work/v.pure-include-allowlist"
					continue
				fi
				classify_include "$f" "$inc" | while IFS=$'\t' read -r check reason; do
					printf '%s:%s: #include %s\n' "$f" "$ln" "$reason" >>"$work/v.$check"
				done
			done
		fi
		case $f in
		boot/*) ;;
		*) grep_offences "$f" "$s" "$INCLUDE_RE"'[[:space:]]*[<"]([^>"]*/)?(efi|efilib)\.h[>"]' \
			>>"$work/v.efi-only-in-boot" ;;
		esac
		case $f in
		vmx/*|tests/unit/fakes/*) ;;
		*.asm)
			sed 's/;.*//' "$f" >"$s.asm"
			grep_offences "$f" "$s.asm" "$VMX_MNEMONIC_RE" >>"$work/v.vmread-only-in-vmx" ;;
		*.[sS])
			grep_offences "$f" "$s" "$VMX_MNEMONIC_RE" >>"$work/v.vmread-only-in-vmx" ;;
		*)
			# Identifiers in code, and the mnemonic inside asm templates.
			grep_offences "$f" "$s" "$VMX_INSN_RE" >>"$work/v.vmread-only-in-vmx"
			strip_c "$f" 1 >"$s.str"
			asm_statements "$s" "$s.str" >"$s.asm"
			grep_offences "$f" "$s.asm" "$VMX_MNEMONIC_RE" >>"$work/v.vmread-only-in-vmx" ;;
		esac
	done
	echo "$npure" >"$work/npure"
	echo "${#all_files[@]}" >"$work/nall"
	)
	local rc=$? pass=0 fail=0 n first more
	if [[ $rc -ne 0 ]]; then
		echo "FAIL: layering/setup: cannot scan $root"
		rm -rf "$work"
		return 2
	fi
	for check in "${CHECKS[@]}"; do
		f=$work/v.$check
		n=0
		[[ -f $f ]] && n=$(wc -l <"$f")
		if [[ $n -eq 0 ]]; then
			case $check in
			pure-*) echo "PASS: layering/$check ($(cat "$work/npure") pure files)" ;;
			*) echo "PASS: layering/$check ($(cat "$work/nall") files)" ;;
			esac
			pass=$((pass + 1))
		else
			first=$(head -n 1 "$f")
			more=""
			[[ $n -gt 1 ]] && more=" (and $((n - 1)) more)"
			echo "FAIL: layering/$check: $first$more"
			tail -n +2 "$f" | sed 's/^/  /'
			fail=$((fail + 1))
		fi
	done
	echo "SUMMARY: layering: $((pass + fail)) tests, $fail unexpected failures, 0 skipped"
	rm -rf "$work"
	[[ $fail -eq 0 ]]
}

# ---------------------------------------------------------------------------
# Self-test: each planted file must make exactly its check fail, and a
# planted file of harmless look-alikes must make none fail.
# ---------------------------------------------------------------------------
plant() { # dir file text
	mkdir -p "$1/$(dirname "$2")"
	printf '/* SPDX-License-Identifier: MIT */\n%b\n' "$3" >"$1/$2"
}

# A tree holding only the repo's shared headers, so that the self-test does
# not depend on the state of the other directories.
fresh_tree() {
	rm -rf "$2"
	mkdir -p "$2/include"
	cp -R "$1/include/hv" "$1/include/x86" "$2/include/"
}

self_test() {
	local repo tmp ok=0 bad=0 out check file text
	repo=$(cd "$self_dir/.." && pwd)
	tmp=$(mktemp -d) || exit 2
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	# One line per case: check, file to plant, its content.
	local -a cases=(
		"pure-no-asm|lapic/planted.c|static inline void f(void) { __asm__ volatile(\"nop\"); }"
		"pure-no-asm|timer/planted.h|static inline void f(void) { asm(\"pause\"); }"
		"pure-no-efi,efi-only-in-boot|lapic/planted.c|#include <efi.h>"
		"pure-no-platform-headers|timer/planted.c|#include \"../vmx/vmcs.h\""
		"pure-include-allowlist|lapic/planted.c|#include <stdio.h>"
		"pure-include-allowlist|lapic/planted.c|#include <x86/cpu.h>"
		"pure-include-allowlist|timer/planted.c|#include \"hw_tsc.h\""
		"pure-no-hw-intrinsics|timer/planted.c|unsigned long long f(void) { return __rdtsc(); }"
		"pure-no-hw-intrinsics|lapic/planted.c|void f(void) { unsigned lo, hi; rdmsr(0x10, lo, hi); }"
		"pure-no-globals|lapic/planted.c|struct vlapic *current_vlapic;"
		"pure-no-globals|timer/planted.c|static unsigned long long last_now = 0;"
		"pure-no-globals|timer/planted.c|static const char *names[] = { \"a\", \"b\" };"
		"pure-no-globals|lapic/planted.c|static struct { int a; } state;"
		"pure-no-globals|lapic/planted.c|int f(void)\n{\n\tstatic int calls;\n\treturn ++calls;\n}"
		"pure-no-globals|timer/planted.c|void (*hook)(int) = 0;"
		"efi-only-in-boot|vmm/planted.c|#include <efilib.h>"
		"vmread-only-in-vmx|vmm/planted.c|void f(void) { unsigned long v; __asm__(\"vmread %%1, %%0\" : \"=r\"(v) : \"r\"(0UL)); }"
		"vmread-only-in-vmx|vmm/planted.c|unsigned long f(void) { return vmx_vmread(0x4400U); }"
		"vmread-only-in-vmx|vmm/planted.c|static inline unsigned long f(void)\n{\n\tunsigned long v;\n\n\tasm volatile(\n\t\t\"vmread %%1, %%0\"\n\t\t: \"=r\"(v) : \"r\"(0UL));\n\treturn v;\n}"
		"vmread-only-in-vmx|vmm/planted.asm|\tVMWRITE rax, rbx ; store the field"
	)
	for c in "${cases[@]}"; do
		IFS='|' read -r check file text <<<"$c"
		fresh_tree "$repo" "$tmp/tree"
		plant "$tmp/tree" "$file" "$text"
		out=$(run_checks "$tmp/tree")
		# Exactly the listed checks fail, each naming the planted file.
		local -a want
		IFS=',' read -r -a want <<<"$check"
		local hits=0 w
		for w in "${want[@]}"; do
			grep -q "^FAIL: layering/$w: $file:" <<<"$out" && hits=$((hits + 1))
		done
		if [[ $hits -eq ${#want[@]} ]] &&
		   [[ $(grep -c '^FAIL:' <<<"$out") -eq ${#want[@]} ]] &&
		   ! run_checks "$tmp/tree" >/dev/null; then
			echo "PASS: layering-self-test/$check caught $file: $(head -n 1 <<<"$text")"
			ok=$((ok + 1))
		else
			echo "FAIL: layering-self-test/$check missed or over-reported $file: $(head -n 1 <<<"$text")"
			sed 's/^/  | /' <<<"$out"
			bad=$((bad + 1))
		fi
	done
	# Look-alikes that must pass: comments, strings, const tables, prototypes,
	# function-pointer parameters, MSR-face names, type declarations.
	fresh_tree "$repo" "$tmp/tree"
	plant "$tmp/tree" lapic/planted_ok.c \
'#include <hv/types.h>\n#include <x86/msr.h>\n#include "planted_ok.h"\n'\
'/* asm rdtsc() __asm__ #include <efi.h> vmread */\n// static int x; rdmsr(1)\n'\
'static const char *const names[] = { "asm", "rdtsc()", "vmwrite" };\n'\
'static const unsigned int masks[4] = { 1U, 2U, 3U, 4U };\n'\
'struct planted_state;\nenum planted_kind { PLANTED_A = 1, PLANTED_B };\n'\
'struct planted_pair { int a; int b; };\ntypedef int planted_int;\n'\
'struct planted_packed { int a; } HV_PACKED;\nstatic const int planted_k HV_UNUSED = 1;\n'\
'int planted_read_msr(unsigned int msr, unsigned long long *val);\n'\
'size_t planted_each(void (*fn)(const int *e, void *ctx), void *ctx);\n'\
'_Static_assert(sizeof(int) == 4, "int");\n'\
'static void (*const planted_hook)(int) = 0;\n'\
'static unsigned int planted_count(const struct planted_pair *p)\n{\n'\
'\tconst int k = 3;\n\tstatic const char msg[] = "static int x;";\n'\
'\tif (p->a) { int y = k; return (unsigned int)y + (unsigned int)msg[0]; }\n'\
'\treturn (unsigned int)(p->b + (char)'"'"'{'"'"');\n}\n'
	plant "$tmp/tree" lapic/planted_ok.h '#include <hv/types.h>\nextern const int planted_table[4];\n'
	out=$(run_checks "$tmp/tree")
	if [[ $(grep -c '^FAIL:' <<<"$out") -eq 0 ]]; then
		echo "PASS: layering-self-test/look-alikes-pass"
		ok=$((ok + 1))
	else
		echo "FAIL: layering-self-test/look-alikes-pass"
		sed 's/^/  | /' <<<"$out"
		bad=$((bad + 1))
	fi
	echo "SUMMARY: layering-self-test: $((ok + bad)) tests, $bad unexpected failures, 0 skipped"
	[[ $bad -eq 0 ]]
}

case ${1:-} in
--self-test) self_test ;;
-h|--help) sed -n '4,33p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
*) run_checks "${1:-$self_dir/..}" ;;
esac
