#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# bench-report.sh DIR
#
# Turn the runs scripts/bench.sh left in DIR (build/bench) into the report
# of issue 6: one table on stdout, DIR/results.csv, DIR/latency.png and
# DIR/summary.md.
#
# Input: DIR/run.env (what ran), DIR/runs/CONFIG/NAME.out (a guest's own
# serial lines, prefixes removed by run-guests-tickvisor.sh), NAME.log and
# serial.clean (tickvisor's lines), DIR/runs/CONFIG.results (verdicts),
# DIR/host.txt (`make bench-host`, optional).  The guests print, at the end
# of their run (tests/guest/bench_*.c):
#   BENCH: name=B unit=ticks samples=N min=V p50=V p99=V max=V mean=V early=E
#   HIST: name=B lo=L count=C
#   DRIFT: name=drift-periodic periods=N period=P last_minus_expected=D
#
# Ratios: "x native" is a row's p50 over the native run's p50 of the same
# benchmark; "x vmcall" (round trips under tickvisor) is a row's p50 over
# rt-vmcall's p50 in the same configuration: how many null exits one
# operation costs.
#
# Checks (each a PASS:/FAIL: line; any FAIL makes the exit status 1):
#   bench/verdicts     every guest's run-guests-tickvisor.sh verdict PASS
#                      and BENCH lines from every guest in every run
#   bench/early        0 early fires: the guests' early= counts, tickvisor's
#                      per-guest "timer: ... N EARLY" lines, its end-of-run
#                      "timer: ... M early fires" line and its "delivered ...
#                      ticks EARLY" errors
#   bench/repeatable   the repeated configuration printed the very same
#                      BENCH, HIST and DRIFT lines
set -euo pipefail
TV_NAME="bench-report"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# == 1 && -d $1/runs && -r $1/run.env ]] || {
	echo "usage: $0 DIR (a folder scripts/bench.sh filled: DIR/runs, DIR/run.env)" >&2
	exit 2
}
out=$(cd "$1" && pwd)
# shellcheck disable=SC1091
. "$out/run.env"
runs=$out/runs
rc=0
checks=()
check() { # check PASS|FAIL NAME WHY
	checks+=("$1: $2 ($3)")
	[[ $1 == PASS ]] || rc=1
}

# Configurations in table order: native first, then the matrix as run, then
# the scale runs.  Config names: native, TIMER-APIC, scale-N.
declare -a cfgs=(native)
for c in $configs; do cfgs+=("${c%%:*}-${c#*:}"); done
# A tickvisor without the key refuses the config: say so, count nothing.
if ((scale_ok)) && cat "$runs"/scale-*/serial.clean 2>/dev/null | grep -a -q "unknown key 'load_timers'"; then
	scale_ok=0
	scale_why="this tickvisor refused load_timers (\"unknown key 'load_timers'\"): no scale figures"
fi
declare -a scale_cfgs=()
if ((scale_ok)); then
	for k in $scale; do scale_cfgs+=("scale-$k"); done
fi

# dirs_of CONFIG: the run folders holding that configuration's guests.
dirs_of() {
	if [[ $1 == native ]]; then
		for n in $guests; do echo "$runs/native-$n"; done
	else
		echo "$runs/$1"
	fi
}

# --- collect ----------------------------------------------------------------
# bench_names X2: the lines on stdin, with "-x2apic" added to the names
# without a face suffix when X2 is 1 (bench_rt with x2apic=1 prints the
# same rt-* names as with xAPIC), so that the two guests' rows stay apart.
bench_names() {
	if [[ $1 == 1 ]]; then
		sed -E '/ name=[^ ]*-x?2?apic( |$)/! s/ name=([^ ]+)/ name=\1-x2apic/'
	else
		cat
	fi
}

# lines.tsv: CONFIG <tab> GUEST <tab> the BENCH/HIST/DRIFT line.
lines=$out/lines.tsv
: >"$lines"
for c in "${cfgs[@]}" "${scale_cfgs[@]}"; do
	for d in $(dirs_of "$c"); do
		for n in $guests; do
			[[ -r $d/$n.out ]] || continue
			x2=0
			[[ " ${x2apic_guests:-} " == *" $n "* ]] && x2=1
			tr -d '\r' <"$d/$n.out" | { grep -a -E '^(BENCH|HIST|DRIFT): ' || true; } | bench_names "$x2" |
				awk -v c="$c" -v g="$n" '{ print c "\t" g "\t" $0 }' >>"$lines"
		done
	done
done

# Verdicts: the runner's own verdict lines, and BENCH lines from every guest.
bad=()
for c in "${cfgs[@]}" "${scale_cfgs[@]}" "repeat-$repeat"; do
	for d in $(dirs_of "$c"); do
		r=$d.results
		if [[ ! -r $r ]]; then
			bad+=("$c: no results file $(basename "$r") (the run did not happen)")
			continue
		fi
		while IFS= read -r l; do bad+=("$c: $l"); done < <(grep -a -E '^FAIL: guest/' "$r" || true)
		grep -a -q -E '^PASS: guest/' "$r" || bad+=("$c: no guest passed in $(basename "$d")")
	done
	[[ $c == repeat-* ]] && continue
	gl=$guests
	[[ $c == scale-* ]] && gl=$latency_guests
	for n in $gl; do
		awk -F'\t' -v c="$c" -v g="$n" '$1 == c && $2 == g && $3 ~ /^BENCH: / { f = 1 } END { exit !f }' "$lines" ||
			bad+=("$c: guest $n printed no BENCH line")
	done
done
if ((${#bad[@]})); then
	check FAIL bench/verdicts "${#bad[@]} problem(s): ${bad[0]}$( ((${#bad[@]} > 1)) && echo "; ...")"
else
	check PASS bench/verdicts "every guest passed and printed its BENCH lines in every run"
fi

# Early fires per configuration: guest early= sum, tickvisor per-guest
# EARLY sum, tickvisor's end-of-run count, "ticks EARLY" error lines.
declare -A early_g=() early_tv=() early_end=() early_err=()
early_total=0
for c in "${cfgs[@]}" "${scale_cfgs[@]}" "repeat-$repeat"; do
	g=0 tvg=0 tve=0 er=0
	for d in $(dirs_of "$c"); do
		for n in $guests; do
			[[ -r $d/$n.out ]] || continue
			v=$(tr -d '\r' <"$d/$n.out" | awk '/^BENCH: / { for (i = 2; i <= NF; i++) if ($i ~ /^early=/) s += substr($i, 7) } END { print s + 0 }')
			g=$((g + v))
		done
		if [[ -r $d/serial.clean ]]; then
			v=$(awk '/ vmm: guest [0-9]+ timer: [0-9]+ delivered, [0-9]+ EARLY/ {
					for (i = 1; i < NF; i++) if ($(i + 1) == "EARLY;" || $(i + 1) == "EARLY") s += $i
				} END { print s + 0 }' "$d/serial.clean")
			tvg=$((tvg + v))
			v=$(awk '/ timer: [0-9]+ interrupts delivered across all guests, [0-9]+ early fires/ {
					for (i = 1; i < NF; i++) if ($(i + 1) == "early") s += $i
				} END { print s + 0 }' "$d/serial.clean")
			tve=$((tve + v))
			v=$(grep -a -c -E 'delivered [0-9]+ ticks EARLY' "$d/serial.clean" || true)
			er=$((er + v))
		fi
	done
	early_g[$c]=$g early_tv[$c]=$tvg early_end[$c]=$tve early_err[$c]=$er
	early_total=$((early_total + g + tvg + tve + er))
done

# --- the table --------------------------------------------------------------
# rows.tsv: bench config samples min p50 p99 max mean early xnative xvmcall
rows=$out/rows.tsv
cfgorder=$(printf '%s ' "${cfgs[@]}" "${scale_cfgs[@]}")
awk -F'\t' -v order="$cfgorder" '
	function kv(line, key,    i, n, f, p) {
		n = split(line, f, " ")
		for (i = 2; i <= n; i++) {
			p = index(f[i], "=")
			if (substr(f[i], 1, p - 1) == key) return substr(f[i], p + 1)
		}
		return ""
	}
	BEGIN { nc = split(order, co, " "); for (i = 1; i <= nc; i++) rank[co[i]] = i }
	# Benchmarks in the order the guests print them; native has no rt-vmcall.
	NR == FNR { if ($1 != "native" && $3 ~ /^BENCH: /) { b = kv($3, "name"); if (!(b in seen)) { seen[b] = 1; bo[++nb] = b } }; next }
	$3 ~ /^BENCH: / {
		b = kv($3, "name"); c = $1
		if (!(b in seen)) { seen[b] = 1; bo[++nb] = b }
		key = b SUBSEP c
		have[key] = 1
		samples[key] = kv($3, "samples"); mn[key] = kv($3, "min"); p50[key] = kv($3, "p50")
		p99[key] = kv($3, "p99"); mx[key] = kv($3, "max"); mean[key] = kv($3, "mean")
		early[key] = kv($3, "early"); unit[key] = kv($3, "unit")
	}
	$3 ~ /^DRIFT: / {
		key = kv($3, "name") SUBSEP $1
		dper[key] = kv($3, "periods"); dlen[key] = kv($3, "period"); dlast[key] = kv($3, "last_minus_expected")
	}
	END {
		for (i = 1; i <= nb; i++) for (j = 1; j <= nc; j++) {
			b = bo[i]; c = co[j]; key = b SUBSEP c
			if (!(key in have)) continue
			xn = "-"; nk = b SUBSEP "native"
			if (c != "native" && (nk in have) && p50[nk] > 0) xn = sprintf("%.2f", p50[key] / p50[nk])
			xv = "-"; vk = "rt-vmcall" SUBSEP c
			if (b ~ /-x2apic$/ && (("rt-vmcall-x2apic" SUBSEP c) in have)) vk = "rt-vmcall-x2apic" SUBSEP c
			if (b ~ /^rt-/ && (vk in have) && p50[vk] > 0) xv = sprintf("%.2f", p50[key] / p50[vk])
			print b, c, unit[key], samples[key], mn[key], p50[key], p99[key], mx[key], mean[key], early[key], xn, xv, \
				(key in dper) ? dper[key] : "", (key in dlen) ? dlen[key] : "", (key in dlast) ? dlast[key] : ""
		}
	}
' OFS='\t' "$lines" "$lines" >"$rows"

# CSV: every row, scale runs included.
{
	echo "benchmark,config,timer,apic,load_timers,unit,samples,min,p50,p99,max,mean,early,ratio_native,ratio_vmcall,drift_periods,drift_period,drift_last_minus_expected"
	awk -F'\t' -v rep="$repeat" '{
		c = $2; t = ""; a = ""; l = ""
		if (c == "native") { t = "native"; a = "native" }
		else if (c ~ /^scale-/) { split(rep, p, "-"); a = p[length(p)]; t = substr(rep, 1, length(rep) - length(a) - 1); l = substr(c, 7) }
		else { n = split(c, p, "-"); a = p[n]; t = substr(c, 1, length(c) - length(a) - 1) }
		if (l == "" && c != "native") l = 1
		printf "%s,%s,%s,%s,%s", $1, c, t, a, l
		for (i = 3; i <= 15; i++) printf ",%s", ($i == "-" ? "" : $i)
		printf "\n"
	}' "$rows"
} >"$out/results.csv"

# print_table FORMAT(text|md): the main table (scale runs apart).
print_table() {
	awk -F'\t' -v fmt="$1" '
		$2 ~ /^scale-/ { next }
		{
			if (fmt == "md") {
				if (!hdr) {
					print "| benchmark | config | min | p50 | p99 | max | samples | early | x native | x vmcall |"
					print "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|"
					hdr = 1
				}
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $5, $6, $7, $8, $4, $10, $11, $12
			} else {
				if (!hdr) {
					printf "%-28s %-22s %9s %9s %9s %10s %8s %5s %8s %8s\n", "benchmark", "config", "min", "p50", "p99", "max", "samples", "early", "x native", "x vmcall"
					hdr = 1
				}
				if (last != "" && $1 != last) print ""
				printf "%-28s %-22s %9s %9s %9s %10s %8s %5s %8s %8s\n", $1, $2, $5, $6, $7, $8, $4, $10, $11, $12
			}
			last = $1
		}' "$rows"
}

# print_pivot COLUMN(6 = p50, 7 = p99) FORMAT [REGEX]: benchmarks down,
# configurations across, one figure per cell (scale runs apart).
print_pivot() {
	awk -F'\t' -v col="$1" -v fmt="$2" -v re="${3:-.}" -v order="$(printf '%s ' "${cfgs[@]}")" '
		function short(c) {
			sub(/^preempt/, "pre", c); sub(/^tsc-deadline/, "tscdl", c)
			sub(/-access$/, "-acc", c); sub(/-apicv$/, "-apicv", c)
			return c
		}
		BEGIN { nc = split(order, co, " ") }
		$2 ~ /^scale-/ || $1 !~ re { next }
		{ if (!($1 in seen)) { seen[$1] = 1; bo[++nb] = $1 }; v[$1 SUBSEP $2] = $col }
		END {
			if (fmt == "md") {
				printf "| benchmark |"; for (j = 1; j <= nc; j++) printf " %s |", co[j]; printf "\n|---|"
				for (j = 1; j <= nc; j++) printf "--:|"; printf "\n"
			} else {
				printf "%-28s", "benchmark"; for (j = 1; j <= nc; j++) printf " %9s", short(co[j]); printf "\n"
			}
			for (i = 1; i <= nb; i++) {
				printf (fmt == "md" ? "| %s |" : "%-28s"), bo[i]
				for (j = 1; j <= nc; j++) {
					k = bo[i] SUBSEP co[j]
					printf (fmt == "md" ? " %s |" : " %9s"), (k in v) ? v[k] : "-"
				}
				printf "\n"
			}
		}' "$rows"
}

print_drift() {
	awk -F'\t' -v fmt="$1" '
		$13 == "" || $2 ~ /^scale-/ { next }
		{
			if (!hdr) {
				if (fmt == "md") { print "| config | periods | period (ticks) | last tick - (start + N x period) (ticks) | per-period lateness p50 / max |"; print "|---|--:|--:|--:|--:|" }
				else printf "%-22s %9s %9s %28s %20s\n", "config", "periods", "period", "last - (start + N*period)", "lateness p50 / max"
				hdr = 1
			}
			if (fmt == "md") printf "| %s | %s | %s | %s | %s / %s |\n", $2, $13, $14, $15, $6, $8
			else printf "%-22s %9s %9s %28s %20s\n", $2, $13, $14, $15, $6 " / " $8
		}' "$rows"
}

print_scale() {
	if ((!scale_ok)); then
		echo "$scale_why."
		return
	fi
	awk -F'\t' -v fmt="$1" -v order="$scale" '
		BEGIN { n = split(order, k, " ") }
		$2 ~ /^scale-/ && $1 ~ /^latency-/ {
			b = $1; if (!(b in seen)) { seen[b] = 1; bo[++nb] = b }
			v[b SUBSEP substr($2, 7)] = $7
		}
		END {
			if (fmt == "md") {
				printf "| benchmark |"; for (i = 1; i <= n; i++) printf " p99, %s timer(s) |", k[i]; printf "\n|---|"
				for (i = 1; i <= n; i++) printf "--:|"; printf "\n"
			} else {
				printf "%-28s", "benchmark (p99)"; for (i = 1; i <= n; i++) printf " %12s", k[i] " timer(s)"; printf "\n"
			}
			for (j = 1; j <= nb; j++) {
				if (fmt == "md") { printf "| %s |", bo[j]; for (i = 1; i <= n; i++) printf " %s |", ((bo[j] SUBSEP k[i]) in v) ? v[bo[j] SUBSEP k[i]] : "-"; printf "\n" }
				else { printf "%-28s", bo[j]; for (i = 1; i <= n; i++) printf " %12s", ((bo[j] SUBSEP k[i]) in v) ? v[bo[j] SUBSEP k[i]] : "-"; printf "\n" }
			}
		}' "$rows"
}

# Early fires per configuration, and the check.
print_early() {
	local c fmt=$1
	if [[ $fmt == md ]]; then
		echo "| config | guests' early= | tickvisor per-guest EARLY | tickvisor end-of-run early fires | \"ticks EARLY\" errors |"
		echo "|---|--:|--:|--:|--:|"
	else
		printf '%-22s %14s %16s %18s %14s\n' config "guests' early=" "tv per-guest" "tv end-of-run" "EARLY errors"
	fi
	for c in "${cfgs[@]}" "${scale_cfgs[@]}" "repeat-$repeat"; do
		if [[ $fmt == md ]]; then
			echo "| $c | ${early_g[$c]} | ${early_tv[$c]} | ${early_end[$c]} | ${early_err[$c]} |"
		else
			printf '%-22s %14s %16s %18s %14s\n' "$c" "${early_g[$c]}" "${early_tv[$c]}" "${early_end[$c]}" "${early_err[$c]}"
		fi
	done
}
if ((early_total == 0)); then
	check PASS bench/early "0 early fires in every configuration"
else
	check FAIL bench/early "$early_total early fire(s) counted; see the early-fire table"
fi

# --- repeatability ----------------------------------------------------------
rep_a=$runs/$repeat rep_b=$runs/repeat-$repeat
extract() { # DIR: its guests' BENCH/HIST/DRIFT lines, guest by guest
	local n
	for n in $guests; do
		[[ -r $1/$n.out ]] || continue
		tr -d '\r' <"$1/$n.out" | grep -a -E '^(BENCH|HIST|DRIFT): ' | sed "s/^/$n: /" || true
	done
}
na=$(extract "$rep_a" | grep -c '^' || true)
if ((na == 0)); then
	check FAIL bench/repeatable "no BENCH lines in $repeat to compare"
elif diff <(extract "$rep_a") <(extract "$rep_b") >"$out/repeat.diff"; then
	check PASS bench/repeatable "$repeat run twice: $na BENCH/HIST/DRIFT lines identical"
	rm -f "$out/repeat.diff"
else
	check FAIL bench/repeatable "$repeat run twice: lines differ ($(grep -c '^[<>]' "$out/repeat.diff") differing lines; $out/repeat.diff)"
fi

# The same images and guest config as the last make bench in DIR must give
# the very same figures (the acceptance: two runs, identical numbers).
same_note=
if [[ ! -r $out/prev/run.env ]]; then
	same_note="SKIP: bench/same-as-last-run (no earlier run in $out to compare with)"
elif [[ $(sed -n 's/^images_sha=//p' "$out/prev/run.env") != "${images_sha:-none}" ]]; then
	same_note="SKIP: bench/same-as-last-run (the last run had another tickvisor.efi, guests or periods)"
else
	# benchmark,config -> every figure, for the rows both runs have.
	ncommon=$(join -t, <(cut -d, -f1,2 "$out/prev/results.csv" | sed 1d | tr , '|' | sort) \
		<(cut -d, -f1,2 "$out/results.csv" | sed 1d | tr , '|' | sort) | wc -l)
	ndiff=$(awk -F, 'NR == FNR { prev[$1 FS $2] = $0; next }
		FNR > 1 && (($1 FS $2) in prev) && prev[$1 FS $2] != $0 { n++ } END { print n + 0 }' \
		"$out/prev/results.csv" "$out/results.csv")
	if ((ncommon == 0)); then
		same_note="SKIP: bench/same-as-last-run (no benchmark x configuration in common with the last run)"
	elif ((ndiff == 0)); then
		check PASS bench/same-as-last-run "same images as the last make bench: $ncommon rows, every figure identical"
	else
		check FAIL bench/same-as-last-run "same images as the last make bench, but $ndiff of $ncommon rows differ ($out/prev/results.csv)"
	fi
fi
[[ -z $same_note ]] || checks+=("$same_note")

# Every run must have booted the same tickvisor build (its boot line).
builds=$(cat "$runs"/*/serial.clean "$runs"/*/*/serial.log 2>/dev/null | tr -d '\r' |
	sed -n -E 's/.* boot: tickvisor [^ ]+ \(git ([^)]+)\).*/\1/p' | sort | uniq -c | awk '{ print $2 " (" $1 " boots)" }')
nbuilds=$(grep -c . <<<"$builds" || true)
if ((nbuilds == 1)); then
	check PASS bench/one-build "every boot ran tickvisor git ${builds}"
	efi_rev=${builds%% *}
else
	check FAIL bench/one-build "the boots ran $nbuilds tickvisor builds: $(tr '\n' ' ' <<<"$builds")"
fi

# --- the plot ---------------------------------------------------------------
# One panel per latency benchmark: native and each configuration, counts on
# a log scale.
plot_note="gnuplot not installed (scripts/deps.sh test): no latency.png"
rm -rf "$out/hist"
mkdir -p "$out/hist"
awk -F'\t' -v dir="$out/hist" '
	$3 ~ /^HIST: / && $1 !~ /^scale-/ {
		n = split($3, f, " "); b = ""; lo = ""; cnt = ""
		for (i = 2; i <= n; i++) {
			p = index(f[i], "="); k = substr(f[i], 1, p - 1); v = substr(f[i], p + 1)
			if (k == "name") b = v; else if (k == "lo") lo = v; else if (k == "count") cnt = v
		}
		if (b !~ /^latency-/) next
		print lo, cnt > (dir "/" b "@" $1 ".dat")
	}' "$lines"
nb=$(find "$out/hist" -name 'latency-*.dat' | sed 's/.*\///; s/@.*//' | sort -u | wc -l)
if ((nb == 0)); then
	plot_note="no HIST lines from the latency guests: no latency.png"
	rm -f "$out/latency.png"
elif command -v gnuplot >/dev/null 2>&1; then
	gp=$out/latency.gp
	ncol=2
	nrow=$(((nb + ncol - 1) / ncol))
	{
		echo "# generated by scripts/bench-report.sh"
		echo "set terminal pngcairo size 1400,$((nrow * 380 + 60)) font ',9' noenhanced"
		echo "set output '$out/latency.png'"
		echo "set multiplot layout $nrow,$ncol title 'tickvisor timer latency histograms (guest TSC ticks, deadline to ISR; Bochs, ${bochs_cpu}; commit $git_rev)'"
		echo "set logscale y"
		echo "set yrange [0.8:50000]"
		echo "set offsets graph 0.05, graph 0.05, 0, 0"
		# Buckets are one tick wide up to 15, then powers of two
		# (tests/guest/lib/bench.h): a log x axis spreads them evenly.
		# Points, not steps: a one-bucket histogram is a single point.
		echo "set logscale x 2"
		echo "set xlabel 'lateness + 1 (ticks; bucket lower bound, log scale)'"
		echo "set ylabel 'samples'"
		echo "set key outside right top font ',8'"
		echo "set grid"
		for b in $(find "$out/hist" -name 'latency-*.dat' | sed 's/.*\///; s/@.*//' | sort -u); do
			echo "set title '$b'"
			plot="plot"
			for c in "${cfgs[@]}"; do
				f=$out/hist/$b@$c.dat
				[[ -r $f ]] || continue
				sort -n "$f" -o "$f"
				lw=1 pt=7
				[[ $c == native ]] && lw=3 pt=5
				plot+=" '$f' using (\$1 + 1):2 with linespoints lw $lw pt $pt ps 0.8 title '$c',"
			done
			echo "${plot%,}"
		done
		echo "unset multiplot"
	} >"$gp"
	if gnuplot "$gp" 2>"$out/gnuplot.err"; then
		plot_note="$out/latency.png: $nb latency histograms, native and each configuration"
	else
		plot_note="gnuplot failed: $(head -n 3 "$out/gnuplot.err" | tr '\n' ' ')"
		check FAIL bench/plot "$plot_note"
	fi
fi

# --- print ------------------------------------------------------------------
now=$(date -u '+%Y-%m-%d %H:%M UTC')
bochs_ver=$(dpkg-query -W -f '${Version}' bochs 2>/dev/null || echo unknown)
ips=$(sed -n 's/.*ips=\([0-9]*\).*/\1/p' "$TV_SCRIPTS_DIR/bochsrc.in" | head -n 1)
host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
ncpu=$(nproc 2>/dev/null || echo "?")
host_txt=
if [[ -r $out/host.txt ]]; then
	host_txt=$(sed -n '/^tickvisor host benchmarks/,$p' "$out/host.txt")
fi

echo
echo "=== tickvisor benchmarks ($subset subset), commit $git_rev, $now"
echo "platform: Bochs $bochs_ver, cpu model=$bochs_cpu, ips=$ips, clock sync=none time0=946684800 (guest TSC = instruction count); host: $host_cpu, $ncpu CPUs"
echo "configurations: native (tickvisor mode=native) and timer:apic = $configs; drift periods: $periods"
ncfg=$(wc -w <<<"$configs")
echo "subset: $subset: native + $ncfg of the 12 timer x APIC configurations, $periods drift periods$([[ $subset == full ]] || echo " (BENCH_FULL=1: 1,000,000)")"
echo "units: guest TSC ticks (= emulated instructions); x native = p50 / native p50; x vmcall = p50 / rt-vmcall p50 of the same config"
echo
print_table text
echo
echo "--- p50 at a glance (pre = preempt, tscdl = tsc-deadline, acc = access)"
print_pivot 6 text
echo
echo "--- latency p99 at a glance"
print_pivot 7 text '^latency-'
echo
echo "--- periodic drift"
print_drift text
echo
echo "--- scale: latency p99 with N timers due on one pCPU (timer=${repeat%-*}, apic=${repeat##*-})"
print_scale text
echo
echo "--- early fires (must all be 0)"
print_early text
echo
echo "--- host model benchmarks (make bench-host; wall-clock ns on this host, not deterministic)"
if [[ -n $host_txt ]]; then echo "$host_txt"; else echo "(no $out/host.txt: run make bench-host)"; fi
echo
echo "plot: $plot_note"
echo "csv: $out/results.csv ($(($(wc -l <"$out/results.csv") - 1)) rows)"
echo "summary: $out/summary.md"
echo "runs took ${bench_seconds:-?}s of wall time"

# --- summary.md -------------------------------------------------------------
{
	echo "# tickvisor benchmarks"
	echo
	echo "- Date: $now"
	echo "- Commit: \`$git_rev\` (tickvisor.efi built from \`$efi_rev\`)"
	echo "- Platform: Bochs $bochs_ver (Debian), CPU model \`$bochs_cpu\`, 1 CPU, \`ips=$ips\`,"
	echo "  \`clock: sync=none, time0=946684800\`; OVMF; host $host_cpu ($ncpu CPUs)."
	echo "- Configuration: $subset subset. Native = tickvisor \`mode=native\` (the guest on the bare"
	echo "  emulated machine, Bochs's own LAPIC). Under tickvisor (\`mode=vmx\`, \`log=info\`):"
	echo "  timer:apic = \`$configs\`. Drift: $periods periods."
	[[ $subset == full ]] || echo "  (\`make bench BENCH_FULL=1\` runs the drift guest over 1,000,000 periods.)"
	echo "- Wall time of the runs: ${bench_seconds:-?} s, two Bochs at a time."
	echo
	echo "## How to read it"
	echo
	echo "All figures are guest TSC ticks. Under Bochs the TSC counts retired instructions, so a"
	echo "latency is the number of instructions between the timer's deadline and the first"
	echo "instruction of the guest's interrupt handler, and a round trip is the instructions one"
	echo "operation costs, VM exit handling included. Runs are deterministic: the same commit gives"
	echo "the same numbers (checked: \`bench/repeatable\`). On real hardware the same guests give"
	echo "TSC cycles instead, and the numbers vary from run to run."
	echo
	echo "- *latency-\** rows: deadline to ISR entry per sample; *tscdl* = TSC-deadline mode,"
	echo "  *oneshot* = one-shot TMICT; *spin* = the guest busy-waits, *halt* = it waits in HLT;"
	echo "  *xapic*/*x2apic* = the register interface used."
	echo "- *rt-\** rows: ticks per operation; *x vmcall* divides by the null exit (rt-vmcall, the"
	echo "  floor of any exit) of the same configuration."
	echo "- *x native* divides p50 by the native run's p50: the price of virtualization."
	echo "- *early* counts interrupts that arrived before their deadline; it must be 0 everywhere."
	echo "- *drift-periodic*: per-period lateness of a periodic timer; the drift table gives the last"
	echo "  tick's TSC minus (start + N x period)."
	echo
	echo "## Results"
	echo
	echo "### p50 at a glance (ticks)"
	echo
	print_pivot 6 md
	echo
	echo "### Latency p99 at a glance (ticks)"
	echo
	print_pivot 7 md '^latency-'
	echo
	echo "### Every figure"
	echo
	print_table md
	echo
	echo "### Periodic drift"
	echo
	print_drift md
	echo
	echo "### Scale: latency p99 with N timers due on one pCPU"
	echo
	if ((scale_ok)); then
		echo "timer=${repeat%-*}, apic=${repeat##*-}; \`load_timers=N\` adds N-1 synthetic timers with staggered"
		echo "deadlines to the host fallback queue."
		echo
	fi
	print_scale md
	echo
	echo "### Early fires"
	echo
	print_early md
	echo
	echo "### Checks"
	echo
	for l in "${checks[@]}"; do echo "- $l"; done
	echo
	echo "## Host model benchmarks (\`make bench-host\`)"
	echo
	echo "Wall-clock nanoseconds per operation of the pure model on the build host (-O2); these vary"
	echo "from run to run, unlike the Bochs figures."
	echo
	echo '```'
	if [[ -n $host_txt ]]; then echo "$host_txt"; else echo "(not run)"; fi
	echo '```'
	echo
	echo "Plot: \`latency.png\` (latency histograms, native and each configuration, log-scale counts)."
	echo "All figures: \`results.csv\`."
} >"$out/summary.md"

echo
for l in "${checks[@]}"; do echo "$l"; done
if ((rc)); then
	echo "FAIL: make bench (see the FAIL lines above)"
fi
exit "$rc"
