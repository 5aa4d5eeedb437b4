#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 The tickvisor developers
#
# bench.sh [--out DIR] [--cfg FILE] [--full] [--jobs N] [--configs "T:A ..."]
#          [--repeat T:A] [--scale "1 4 16"] [--no-run]
#
# Run the benchmark guests (group "bench" of tests/bench.cfg) in Bochs,
# natively and under tickvisor with each host timer backend and APIC path,
# then hand the logs to scripts/bench-report.sh for the table, the CSV,
# the plot and the summary (issue 6).  `make bench` calls it.
#
#   native      tickvisor mode=native: the guest runs on the bare emulated
#               machine, the emulator's own LAPIC: the baseline.  One Bochs
#               boot per guest (run-guests-tickvisor.sh runs only the first
#               guest of a native config).
#   T-A         tickvisor mode=vmx with timer=T and apic=A: every bench guest
#               in one boot, one after another, each in its own VM.
#   repeat-T-A  the configuration given by --repeat once more: its BENCH,
#               HIST and DRIFT lines must be identical to the first run's
#               (Bochs with sync=none and a fixed time0 is deterministic).
#   scale-N     the latency guests with load_timers=N (N-1 synthetic timers
#               in the host fallback queue); run only when this tickvisor
#               knows the key.
#
# Both subsets run native and all 12 timer x APIC configurations (13 to 15
# minutes on two idle cores, about 80 s per configuration); they differ in
# the drift guest's periods: BENCH_QUICK_PERIODS (20,000: 4 emulated
# seconds) by default, 1,000,000 (about 200 emulated seconds, 150 s native and
# 225 s vmx wall per run: an estimated 30 minutes in all, not measured
# for all 12) with --full (BENCH_FULL=1).  --configs (BENCH_CONFIGS)
# picks fewer configurations.
# Runs go BENCH_JOBS (2) at a time, each Bochs on one core.
#
# Everything goes to DIR (build/bench): runs/CONFIG/ (the work folders of
# run-guests-tickvisor.sh: NAME.out is a guest's own output), run.env (what
# ran), then bench-report.sh writes results.csv, latency.png, summary.md.
#
# Exit status: bench-report.sh's (0 when every guest passed, no early fire
# was seen and the repeated run matched), 2 on a setup error.
set -euo pipefail
TV_NAME="bench"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
	sed -n '5,6p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

BENCH_ALL_CONFIGS="preempt:apicv preempt:access preempt:ept hpet:apicv hpet:access hpet:ept tsc-deadline:apicv tsc-deadline:access tsc-deadline:ept poll:apicv poll:access poll:ept"
BENCH_QUICK_PERIODS=${BENCH_QUICK_PERIODS:-20000}
BENCH_FULL_PERIODS=1000000

out=$TV_REPO_DIR/build/bench
cfg=$TV_REPO_DIR/tests/bench.cfg
full=${BENCH_FULL:-0}
jobs=${BENCH_JOBS:-2}
configs=${BENCH_CONFIGS:-}
repeat=${BENCH_REPEAT:-preempt:apicv}
scale=${BENCH_SCALE:-"1 4 16"}
run=1
while (($#)); do
	case $1 in
	--out | --jobs | --configs | --repeat | --scale | --cfg) (($# >= 2)) || usage ;;&
	--out) out=$2; shift 2 ;;
	--cfg) cfg=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--configs) configs=$2; shift 2 ;;
	--repeat) repeat=$2; shift 2 ;;
	--scale) scale=$2; shift 2 ;;
	--full) full=1; shift ;;
	--no-run) run=0; shift ;;
	-h | --help) usage ;;
	*) echo "$TV_NAME: unknown argument $1" >&2; usage ;;
	esac
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || usage
[[ $full == 0 || $full == 1 ]] || { echo "$TV_NAME: BENCH_FULL must be 0 or 1" >&2; exit 2; }

setup_die() {
	echo "$TV_NAME: error: $*" >&2
	exit 2
}

if ((full)); then
	subset=full
	configs=${configs:-$BENCH_ALL_CONFIGS}
	periods=${BENCH_PERIODS:-$BENCH_FULL_PERIODS}
	# 1,000,000 periods take far longer than guests.cfg's QEMU timeouts.
	export TV_BOCHS_TIMEOUT_SCALE=${TV_BOCHS_TIMEOUT_SCALE:-40}
else
	subset=default
	configs=${configs:-$BENCH_ALL_CONFIGS}
	periods=${BENCH_PERIODS:-$BENCH_QUICK_PERIODS}
fi
[[ $periods =~ ^[1-9][0-9]*$ ]] || setup_die "drift periods must be a positive number, not '$periods'"
for c in $configs $repeat; do
	[[ $c =~ ^(preempt|hpet|tsc-deadline|poll):(apicv|access|ept)$ ]] ||
		setup_die "configuration '$c' is not TIMER:APIC (preempt|hpet|tsc-deadline|poll : apicv|access|ept)"
done

efi=$TV_REPO_DIR/build/tickvisor.efi
tv_guests_cfg_parse "$cfg"
declare -a guests=() latency=() x2=()
for n in "${TV_GCFG_NAMES[@]}"; do
	[[ " ${TV_GCFG[$n.groups]:-} " == *" bench "* ]] || continue
	guests+=("$n")
	[[ " ${TV_GCFG[$n.args]:-} " == *" x2apic=1 "* ]] && x2+=("$n")
	[[ ${TV_GCFG[$n.guest]:-$n.elf} == *latency* ]] && latency+=("$n")
done
((${#guests[@]})) || setup_die "no guest in group bench in $cfg (the benchmark guests: tests/guest/bench_*.c)"

# load_timers (issue 6, item 4) is a tickvisor key only once vmm/config.c
# parses it; without it the scale runs would only be refused.
scale_ok=0
scale_why="tickvisor has no load_timers key (vmm/config.c does not parse it): scale runs skipped"
if grep -q '"load_timers"' "$TV_REPO_DIR/vmm/config.c" 2>/dev/null; then
	scale_ok=1
	scale_why=""
fi
((${#latency[@]})) || { scale_ok=0; scale_why="no latency guest in group bench: scale runs skipped"; }

mkdir -p "$out"
out=$(cd "$out" && pwd)

# The guests' config with the drift guests' periods= set for this subset.
bcfg=$out/guests.cfg
awk -v periods="$periods" '
	/^\[/ { sec = $0 }
	/^args=/ && sec ~ /drift/ {
		if ($0 ~ /periods=[0-9]+/) sub(/periods=[0-9]+/, "periods=" periods)
		else if ($0 ~ /^args="?"?$/) $0 = "args=periods=" periods
		else sub(/^args="?/, "&periods=" periods " ")
	}
	{ print }
' "$cfg" >"$bcfg"

tv_guests_cfg_parse "$bcfg"
for n in "${guests[@]}"; do
	if [[ ${TV_GCFG[$n.guest]:-$n.elf} == *drift* && ${TV_GCFG[$n.args]:-} != *periods=* ]]; then
		# No args= line at all: add one.
		sed -i "/^\[$n\]\$/a args=periods=$periods" "$bcfg"
	fi
done

if ((run)); then
	[[ -r $efi ]] || setup_die "$efi not found: run make"
	# The last run's figures, for the same-as-last-run check.
	rm -rf "$out/prev"
	if [[ -r $out/run.env && -r $out/results.csv ]]; then
		mkdir -p "$out/prev"
		cp "$out/run.env" "$out/results.csv" "$out/prev/"
	fi
	rm -rf "$out/runs" "$out/img"
	mkdir -p "$out/runs" "$out/img/guests"
	# Run from a snapshot: another `make` in this tree may rebuild
	# build/tickvisor.efi or the guests while the runs go on.
	cp "$efi" "$out/img/tickvisor.efi"
	cp "$TV_REPO_DIR/build/git-rev" "$out/img/git-rev" 2>/dev/null || echo unknown >"$out/img/git-rev"
	for n in "${guests[@]}"; do
		g=${TV_GCFG[$n.guest]:-$n.elf}
		[[ -r $TV_REPO_DIR/build/guests/$g ]] || setup_die "build/guests/$g not found: run make guests"
		cp "$TV_REPO_DIR/build/guests/$g" "$out/img/guests/$g"
	done
fi
efi=$out/img/tickvisor.efi
gdir=$out/img/guests

# What ran, to the byte: tickvisor, the guests and their config.
images_sha() {
	local n
	{
		sha256sum "$efi" | cut -d' ' -f1
		for n in "${guests[@]}"; do
			sha256sum "$gdir/${TV_GCFG[$n.guest]:-$n.elf}" | cut -d' ' -f1
		done
		sha256sum "$bcfg" | cut -d' ' -f1
	} | sha256sum | cut -c1-16
}

# The run list: NAME|mode|extra options.  Natively one item per guest so
# that both cores stay busy; the longest items first.
declare -a items=()
for c in $configs; do
	t=${c%%:*} a=${c#*:}
	items+=("$t-$a|vmx|--tv-config timer=$t --tv-config apic=$a")
done
for n in "${guests[@]}"; do
	items+=("native-$n|native|$n")
done
t=${repeat%%:*} a=${repeat#*:}
items+=("repeat-$t-$a|vmx|--tv-config timer=$t --tv-config apic=$a")
if ((scale_ok)); then
	for k in $scale; do
		items+=("scale-$k|vmx|--tv-config timer=$t --tv-config apic=$a --tv-config load_timers=$k ${latency[*]}")
	done
fi

# --no-run re-reports the last run: keep its record.
if ((run)); then
{
	echo "subset=$subset"
	echo "configs=\"$configs\""
	echo "periods=$periods"
	echo "repeat=$t-$a"
	echo "scale=\"$scale\""
	echo "scale_ok=$scale_ok"
	echo "scale_why=\"$scale_why\""
	echo "guests=\"${guests[*]}\""
	echo "latency_guests=\"${latency[*]}\""
	echo "x2apic_guests=\"${x2[*]}\""
	echo "git_rev=$(git -C "$TV_REPO_DIR" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(git -C "$TV_REPO_DIR" diff --quiet HEAD -- 2>/dev/null || echo -dirty)"
	echo "efi_rev=\"$(cat "$out/img/git-rev")\""
	echo "bochs_cpu=${BOCHS_CPU:-tigerlake}"
	echo "images_sha=$(images_sha)"
} >"$out/run.env"
fi

ncfg=$(wc -w <<<"$configs")
echo "=== make bench: $subset subset: native + $ncfg of the 12 timer x APIC configurations, $periods drift periods$( ((full)) || echo " (BENCH_FULL=1: 1,000,000 periods)")"
echo "    guests: ${guests[*]}"
echo "    native + configurations (timer:apic): $configs"
echo "    drift periods: $periods; repeatability run: $t-$a"
if ((scale_ok)); then
	echo "    scale: load_timers = $scale (${latency[*]})"
else
	echo "    scale: $scale_why"
fi
echo "    ${#items[@]} runs, $jobs at a time; work folder $out/runs"

# one ITEM: one run-guests-tickvisor.sh run into runs/NAME.
one() {
	local name=${1%%|*} rest=${1#*|} mode opts start=$SECONDS rc=0
	mode=${rest%%|*}
	opts=${rest#*|}
	# A Bochs start-up that loses the RFB port race is restarted by
	# run-bochs.sh itself (see there).
	# shellcheck disable=SC2086 # opts are words
	"$TV_SCRIPTS_DIR/run-guests-tickvisor.sh" --mode "$mode" --cfg "$bcfg" --group bench \
		--efi "$efi" --dir "$gdir" --label "-$name" --out "$out/runs/$name" \
		--results "$out/runs/$name.results" $opts >"$out/runs/$name.out" 2>&1 || rc=$?
	echo "$rc" >"$out/runs/$name.rc"
	printf '  [%4ds] %-22s %s (run-guests-tickvisor.sh exit %d, %ds)\n' "$((SECONDS - t0))" "$name" \
		"$(grep -c '^ok' "$out/runs/$name.out" || true) ok, $(grep -c '^not ok' "$out/runs/$name.out" || true) not ok" \
		"$rc" "$((SECONDS - start))"
}

t0=$SECONDS
if ((run)); then
	for it in "${items[@]}"; do
		while (($(jobs -rp | wc -l) >= jobs)); do
			wait -n || true
		done
		one "$it" &
	done
	wait
	echo "    all runs done in $((SECONDS - t0))s"
fi
((run)) && echo "bench_seconds=$((SECONDS - t0))" >>"$out/run.env"

exec "$TV_SCRIPTS_DIR/bench-report.sh" "$out"
