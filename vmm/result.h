/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Machine-readable result lines (issue 10; issue 12 item 6).  tickvisor
 * prints, with its own log header and prefix "vmm: ",
 *
 *   TVTOKEN <token> ...            once, before any guest runs
 *   TVRESULT <token> {json}        once per guest, when it has ended
 *   TVRUN <token> {json}           once per run, after the last guest
 *   end: status=N (...) [tv <token>]   the final line (hw/power.c)
 *
 * <token> is 16 lower-case hex digits picked at boot (vmm/main.c).  A guest's
 * own lines always carry "Gn: " after the header (vmm/guest.c guest_print),
 * so no guest text can make a line that starts like these, and a runner
 * (scripts/tvrun.py) reads only lines with this boot's token.
 *
 * This file is pure: it formats JSON text into a caller's buffer.  Every byte
 * outside printable ASCII, and '"' and '\\', is escaped, so the line is
 * plain ASCII; strings are cut (ending "...") to fit RESULT_JSON_MAX, never
 * inside an escape, so the text is always valid JSON.
 */
#ifndef TV_VMM_RESULT_H
#define TV_VMM_RESULT_H

#include <tv/types.h>

#define RESULT_TOKEN_LEN	16U
/* vmm/log.c formats a message into 512 bytes: "TVRESULT " + token + ' ' + JSON + '\n' fit. */
#define RESULT_JSON_MAX		448U

/* Timer figures of one guest (vmm/vapic.h struct vapic_stats). */
struct result_timer {
	uint64_t delivered, early;
	bool has_lateness;		/* false: no sample, the late_* fields print as null */
	uint64_t late_min, late_p50, late_p99, late_max;
};

struct result_guest {
	unsigned int index;
	const char *name;		/* the image's path on the ESP */
	const char *verdict;		/* result_verdict_name() */
	uint32_t exit_value;		/* the guest's exit code (exited only) */
	uint32_t exit_status;		/* (exit_value << 1) | 1, QEMU's process status */
	const char *end;		/* "exited (hypercall)", "STOPPED", ... */
	const char *why;		/* the reason tickvisor gives, "" if none */
	uint64_t exits;
	const struct result_timer *timer;	/* NULL: "timer":null */
};

struct result_run {
	const char *mode;		/* "vmx" or "native" */
	unsigned int guests, ran, refused, failed;
	int status;			/* enum tv_status the run ends with, -1: the guest ends it */
	uint64_t early_total, timer_total;
};

/*
 * @brief The verdict word of a guest's end: "pass" (exited with code 0),
 *        "fail" (exited with another code), "stopped", "refused", "timeout",
 *        "shutdown", "handed" (mode=native: the machine was handed over).
 */
enum result_end {
	RESULT_END_EXITED,
	RESULT_END_STOPPED,
	RESULT_END_REFUSED,
	RESULT_END_TIMEOUT,
	RESULT_END_SHUTDOWN,
	RESULT_END_HANDED,
};
const char *result_verdict_name(enum result_end end, uint32_t exit_value);

/*
 * @brief Write s as a JSON string (quotes included) into buf[size].
 * @return bytes written (not counting the NUL); at most size - 1.  When s
 *         does not fit it is cut at a character boundary and ends in "...".
 *         size < 6 writes "" if it can, else nothing.
 */
size_t result_json_string(char *buf, size_t size, const char *s);

/* @brief The JSON object of one guest / of the run; same contract as above. */
size_t result_format_guest(char *buf, size_t size, const struct result_guest *g);
size_t result_format_run(char *buf, size_t size, const struct result_run *r);

/* @brief out[RESULT_TOKEN_LEN + 1]: the token as 16 lower-case hex digits. */
void result_token_text(uint64_t token, char *out);

/*
 * @brief Mix boot-time values into a token (splitmix64 finaliser per word),
 *        so that a weak source (the TSC alone) still spreads over 64 bits.
 */
uint64_t result_token_mix(uint64_t acc, uint64_t word);

/* @brief This boot's token text (vmm/main.c sets it before any guest runs; "" before). */
const char *vmm_token(void);

#endif /* TV_VMM_RESULT_H */
