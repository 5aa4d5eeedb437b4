/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* lib/logfmt: the serial log line format and the rate-limit/once policy. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include <tv/errno.h>

#include <tv/logfmt.h>

static struct logfmt_header logfmt_hdr(uint64_t tsc, uint32_t khz, uint32_t cpu,
				       enum tv_log_level level, const char *prefix)
{
	struct logfmt_header h = {
		.tsc = tsc, .tsc_khz = khz, .cpu = cpu, .level = level, .prefix = prefix,
	};
	return h;
}

static void logfmt_line_has_issue_format(void)
{
	/* 1.234567 s at 2 GHz. */
	struct logfmt_header h = logfmt_hdr(2469134000ULL, 2000000, 0, TV_LOG_INFO, "vmx: ");
	char b[128];

	UT_EQ(logfmt_format_lines(b, sizeof(b), &h, "VMXON ok"), 40);
	UT_STREQ(b, "[    1.234567] cpu0 INFO vmx: VMXON ok\r\n");
}

static void logfmt_level_names_are_four_wide(void)
{
	UT_STREQ(logfmt_level_name(TV_LOG_ERR), "ERR ");
	UT_STREQ(logfmt_level_name(TV_LOG_WARN), "WARN");
	UT_STREQ(logfmt_level_name(TV_LOG_INFO), "INFO");
	UT_STREQ(logfmt_level_name(TV_LOG_DBG), "DBG ");
	UT_STREQ(logfmt_level_name((enum tv_log_level)7), "????");
}

static void logfmt_status_line_matches_status_h(void)
{
	/* include/tv/status.h documents the final line as "cpu0 INFO end: status=N". */
	struct logfmt_header h = logfmt_hdr(0, 1000, 0, TV_LOG_INFO, "end: ");
	char b[128];

	logfmt_format_lines(b, sizeof(b), &h, "status=0 (ok), power off");
	UT_CHECK(strstr(b, "] cpu0 INFO end: status=0 (ok), power off\r\n") != NULL);
}

static void logfmt_time_uses_integer_tsc_khz(void)
{
	char b[64];
	struct logfmt_header h = logfmt_hdr(0, 3000000, 3, TV_LOG_ERR, "x: ");

	logfmt_format_header(b, sizeof(b), &h);
	UT_STREQ(b, "[    0.000000] cpu3 ERR  x: ");
	/* One tick short of a second stays in the previous second (truncation, not rounding). */
	h.tsc = 2999999999ULL;
	logfmt_format_header(b, sizeof(b), &h);
	UT_STREQ(b, "[    0.999999] cpu3 ERR  x: ");
	/* 1 kHz: every tick is a whole millisecond. */
	h = logfmt_hdr(12345, 1, 1, TV_LOG_DBG, "t: ");
	logfmt_format_header(b, sizeof(b), &h);
	UT_STREQ(b, "[   12.345000] cpu1 DBG  t: ");
}

static void logfmt_time_survives_huge_tsc(void)
{
	/* 2^64-1 ticks at 3.9 GHz is about 4.7e9 s; tsc * 1000 would have overflowed. */
	struct logfmt_header h = logfmt_hdr(UINT64_MAX, 3900000, 0, TV_LOG_WARN, "x: ");
	char b[64];

	logfmt_format_header(b, sizeof(b), &h);
	UT_STREQ(b, "[4729934377.874244] cpu0 WARN x: ");
}

static void logfmt_uncalibrated_prints_raw_tsc(void)
{
	struct logfmt_header h = logfmt_hdr(123456789, 0, 0, TV_LOG_INFO, "boot: ");
	char b[64];

	logfmt_format_lines(b, sizeof(b), &h, "hello");
	UT_STREQ(b, "[t=123456789] cpu0 INFO boot: hello\r\n");
}

static void logfmt_missing_prefix_gets_hv(void)
{
	struct logfmt_header h = logfmt_hdr(0, 0, 0, TV_LOG_INFO, "");
	char b[64];

	logfmt_format_lines(b, sizeof(b), &h, "x");
	UT_STREQ(b, "[t=0] cpu0 INFO hv: x\r\n");
	h.prefix = NULL;
	logfmt_format_lines(b, sizeof(b), &h, "y");
	UT_STREQ(b, "[t=0] cpu0 INFO hv: y\r\n");
}

static void logfmt_newlines_repeat_header(void)
{
	struct logfmt_header h = logfmt_hdr(7, 0, 2, TV_LOG_WARN, "vmx: ");
	char b[256];

	UT_EQ(logfmt_format_lines(b, sizeof(b), &h, "first\nsecond\n\nfourth"),
	      4 * strlen("[t=7] cpu2 WARN vmx: \r\n") + strlen("firstsecondfourth"));
	UT_STREQ(b, "[t=7] cpu2 WARN vmx: first\r\n"
		    "[t=7] cpu2 WARN vmx: second\r\n"
		    "[t=7] cpu2 WARN vmx: \r\n"
		    "[t=7] cpu2 WARN vmx: fourth\r\n");
}

static void logfmt_trailing_newline_gives_no_empty_line(void)
{
	struct logfmt_header h = logfmt_hdr(7, 0, 0, TV_LOG_INFO, "a: ");
	char b[128];

	logfmt_format_lines(b, sizeof(b), &h, "done\n");
	UT_STREQ(b, "[t=7] cpu0 INFO a: done\r\n");
	logfmt_format_lines(b, sizeof(b), &h, "crlf\r\n");
	UT_STREQ(b, "[t=7] cpu0 INFO a: crlf\r\n");
}

static void logfmt_control_characters_cannot_forge_lines(void)
{
	struct logfmt_header h = logfmt_hdr(7, 0, 0, TV_LOG_INFO, "g0: ");
	char b[128];

	logfmt_format_lines(b, sizeof(b), &h, "a\rb\x1b[2Jc\x7f\td");
	UT_STREQ(b, "[t=7] cpu0 INFO g0: ab?[2Jc?\td\r\n");
}

static void logfmt_bytes_outside_printable_ascii_are_escaped(void)
{
	struct logfmt_header h = logfmt_hdr(7, 0, 0, TV_LOG_INFO, "g0: ");
	char b[128];

	/* 8-bit CSI (0x9b), NEL (0x85), DEL, a UTF-8 pair: none reaches the console raw. */
	logfmt_format_lines(b, sizeof(b), &h, "a\x9b" "2Jb\x85" "c\x7f" "d\xc3\xa9" "e");
	UT_STREQ(b, "[t=7] cpu0 INFO g0: a?2Jb?c?d??e\r\n");
}

static void logfmt_truncated_output_still_ends_in_crlf(void)
{
	struct logfmt_header h = logfmt_hdr(7, 0, 0, TV_LOG_INFO, "a: ");
	char b[32];
	size_t n;

	memset(b, 'Z', sizeof(b));
	n = logfmt_format_lines(b, sizeof(b), &h, "0123456789abcdefghij\nnext line");
	UT_EQ(n, sizeof(b) - 1);
	UT_STREQ(b, "[t=7] cpu0 INFO a: 0123456789\r\n");
	/* A buffer smaller than the header still gives a terminated line. */
	n = logfmt_format_lines(b, 8, &h, "msg");
	UT_EQ(n, 7);
	UT_STREQ(b, "[t=7]\r\n");
	UT_EQ(logfmt_format_lines(b, 3, &h, "msg"), 0);
	UT_EQ(b[0], '\0');
}

static void logfmt_every_cut_is_well_formed(void)
{
	struct logfmt_header h = logfmt_hdr(987654321, 2400000, 11, TV_LOG_DBG, "vlapic: ");
	const char *msg = "line one\nline two is longer\nthree";
	unsigned int bad = 0;

	/* For every buffer size, the output is whole lines that end in CRLF. */
	for (size_t size = 4; size < 160; size++) {
		char b[160];
		size_t n = logfmt_format_lines(b, size, &h, msg);

		if (n + 1 > size || b[n] != '\0' || n < 2 || b[n - 2] != '\r' || b[n - 1] != '\n')
			bad++;
		for (size_t i = 0; i + 1 < n; i++)
			if (b[i] == '\n' && i && b[i - 1] != '\r')
				bad++;
	}
	UT_EQ(bad, 0);
}

static void logfmt_level_filter(void)
{
	UT_CHECK(logfmt_is_level_enabled(TV_LOG_ERR, TV_LOG_ERR));
	UT_CHECK(!logfmt_is_level_enabled(TV_LOG_WARN, TV_LOG_ERR));
	UT_CHECK(logfmt_is_level_enabled(TV_LOG_INFO | TV_LOG_RATELIMIT, TV_LOG_INFO));
	UT_CHECK(!logfmt_is_level_enabled(TV_LOG_DBG | TV_LOG_ONCE, TV_LOG_INFO));
	UT_CHECK(logfmt_is_level_enabled(TV_LOG_DBG, TV_LOG_DBG));
}

static void logfmt_parse_level_names(void)
{
	enum tv_log_level l = TV_LOG_INFO;

	UT_EQ(logfmt_parse_level("error", &l), 0);
	UT_EQ(l, TV_LOG_ERR);
	UT_EQ(logfmt_parse_level("debug", &l), 0);
	UT_EQ(l, TV_LOG_DBG);
	UT_EQ(logfmt_parse_level("loud", &l), -TV_EINVAL);
	UT_EQ(logfmt_parse_level("INFO", &l), -TV_EINVAL);
	UT_EQ(l, TV_LOG_DBG);
}

static struct logfmt_ratelimit rl;

static void logfmt_plain_lines_are_never_limited(void)
{
	uint32_t sup;
	unsigned int emitted = 0;

	logfmt_ratelimit_init(&rl);
	for (int i = 0; i < 100; i++)
		emitted += logfmt_ratelimit_check(&rl, "a.c:1", TV_LOG_WARN, 5, 1000, &sup);
	UT_EQ(emitted, 100);
	UT_EQ(rl.total_suppressed, 0);
}

static void logfmt_once_emits_first_line_only(void)
{
	uint32_t sup;

	logfmt_ratelimit_init(&rl);
	UT_CHECK(logfmt_ratelimit_check(&rl, "a.c:10", TV_LOG_WARN | TV_LOG_ONCE, 0, 100, &sup));
	for (uint64_t t = 1; t < 10000; t += 500)
		UT_CHECK(!logfmt_ratelimit_check(&rl, "a.c:10", TV_LOG_WARN | TV_LOG_ONCE, t, 100, &sup));
	/* Another site is independent. */
	UT_CHECK(logfmt_ratelimit_check(&rl, "a.c:11", TV_LOG_WARN | TV_LOG_ONCE, 0, 100, &sup));
	UT_EQ(rl.total_suppressed, 20);
}

static void logfmt_ratelimit_burst_then_suppress(void)
{
	uint32_t sup = 99;
	unsigned int emitted = 0;

	logfmt_ratelimit_init(&rl);
	for (int i = 0; i < 25; i++)
		emitted += logfmt_ratelimit_check(&rl, "v.c:5", TV_LOG_RATELIMIT, 100 + i, 1000, &sup);
	UT_EQ(emitted, LOGFMT_RL_BURST);
	UT_EQ(sup, 0);
	UT_EQ(rl.total_suppressed, 15);
}

static void logfmt_ratelimit_new_window_reports_suppressed(void)
{
	uint32_t sup = 0;

	logfmt_ratelimit_init(&rl);
	for (int i = 0; i < 13; i++)
		logfmt_ratelimit_check(&rl, "v.c:5", TV_LOG_RATELIMIT, 100, 1000, &sup);
	/* Still inside the window [100, 1100). */
	UT_CHECK(!logfmt_ratelimit_check(&rl, "v.c:5", TV_LOG_RATELIMIT, 1099, 1000, &sup));
	UT_EQ(sup, 0);
	UT_CHECK(logfmt_ratelimit_check(&rl, "v.c:5", TV_LOG_RATELIMIT, 1100, 1000, &sup));
	UT_EQ(sup, 4);
	/* The count was handed over once. */
	UT_CHECK(logfmt_ratelimit_check(&rl, "v.c:5", TV_LOG_RATELIMIT, 1101, 1000, &sup));
	UT_EQ(sup, 0);
}

static void logfmt_ratelimit_backwards_clock_keeps_window(void)
{
	uint32_t sup;
	unsigned int emitted = 0;

	logfmt_ratelimit_init(&rl);
	for (int i = 0; i < 10; i++)
		logfmt_ratelimit_check(&rl, "v.c:9", TV_LOG_RATELIMIT, 5000, 1000, &sup);
	/* A line stamped earlier (another CPU's TSC) must not open a fresh burst. */
	for (int i = 0; i < 5; i++)
		emitted += logfmt_ratelimit_check(&rl, "v.c:9", TV_LOG_RATELIMIT, 10, 1000, &sup);
	UT_EQ(emitted, 0);
}

static void logfmt_ratelimit_keys_by_site_text(void)
{
	char copy[16];
	uint32_t sup;

	logfmt_ratelimit_init(&rl);
	UT_CHECK(logfmt_ratelimit_check(&rl, "x.c:1", TV_LOG_ONCE, 0, 1, &sup));
	snprintf(copy, sizeof(copy), "x.c:%d", 1);
	UT_CHECK(!logfmt_ratelimit_check(&rl, copy, TV_LOG_ONCE, 0, 1, &sup));
}

static void logfmt_ratelimit_full_table_shares_overflow(void)
{
	static char names[LOGFMT_RL_SITES + 20][16];
	unsigned int emitted = 0;
	uint32_t sup;

	logfmt_ratelimit_init(&rl);
	for (unsigned int i = 0; i < LOGFMT_RL_SITES; i++) {
		snprintf(names[i], sizeof(names[i]), "s.c:%u", i);
		UT_CHECK(logfmt_ratelimit_check(&rl, names[i], TV_LOG_ONCE, 0, 100, &sup));
	}
	/* 20 further sites: one burst between them, "once" included. */
	for (unsigned int i = LOGFMT_RL_SITES; i < LOGFMT_RL_SITES + 20; i++) {
		snprintf(names[i], sizeof(names[i]), "s.c:%u", i);
		emitted += logfmt_ratelimit_check(&rl, names[i], TV_LOG_ONCE, 0, 100, &sup);
	}
	UT_EQ(emitted, LOGFMT_RL_BURST);
	/* Sites already in the table are still found. */
	UT_CHECK(!logfmt_ratelimit_check(&rl, names[3], TV_LOG_ONCE, 0, 100, &sup));
}

static const struct ut_case cases[] = {
	UT_CASE(logfmt_line_has_issue_format),
	UT_CASE(logfmt_level_names_are_four_wide),
	UT_CASE(logfmt_status_line_matches_status_h),
	UT_CASE(logfmt_time_uses_integer_tsc_khz),
	UT_CASE(logfmt_time_survives_huge_tsc),
	UT_CASE(logfmt_uncalibrated_prints_raw_tsc),
	UT_CASE(logfmt_missing_prefix_gets_hv),
	UT_CASE(logfmt_newlines_repeat_header),
	UT_CASE(logfmt_trailing_newline_gives_no_empty_line),
	UT_CASE(logfmt_control_characters_cannot_forge_lines),
	UT_CASE(logfmt_bytes_outside_printable_ascii_are_escaped),
	UT_CASE(logfmt_truncated_output_still_ends_in_crlf),
	UT_CASE(logfmt_every_cut_is_well_formed),
	UT_CASE(logfmt_level_filter),
	UT_CASE(logfmt_parse_level_names),
	UT_CASE(logfmt_plain_lines_are_never_limited),
	UT_CASE(logfmt_once_emits_first_line_only),
	UT_CASE(logfmt_ratelimit_burst_then_suppress),
	UT_CASE(logfmt_ratelimit_new_window_reports_suppressed),
	UT_CASE(logfmt_ratelimit_backwards_clock_keeps_window),
	UT_CASE(logfmt_ratelimit_keys_by_site_text),
	UT_CASE(logfmt_ratelimit_full_table_shares_overflow),
};

UT_MAIN("logfmt", cases)
