/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * lib/logring: the host console's byte ring (issue 11): whole lines in,
 * bytes out in order across the wrap, ordinary lines dropped and counted
 * above (size - reserve), verdict lines using the reserve and never
 * dropped, block mode, draining.
 */
#include "harness.h"

#include <string.h>

#include <tv/logring.h>

/* Drain everything into out (NUL-terminated); returns the byte count. */
static uint32_t drain_all(struct logring *r, char *out, uint32_t max)
{
	uint32_t n = logring_take(r, out, max - 1);

	out[n] = '\0';
	return n;
}

static void logring_keeps_order_across_the_wrap(void)
{
	char buf[16], out[64];
	struct logring r;

	logring_init(&r, buf, sizeof(buf), 0, false);
	UT_EQ(logring_put(&r, "abcdefghij", 10, LOGRING_ORDINARY), LOGRING_PUT_OK);
	UT_EQ(logring_take(&r, out, 8), 8);
	UT_CHECK(memcmp(out, "abcdefgh", 8) == 0);
	/* 2 left at offset 8; 12 more wrap past the end of buf. */
	UT_EQ(logring_put(&r, "0123456789AB", 12, LOGRING_ORDINARY), LOGRING_PUT_OK);
	UT_EQ(logring_used(&r), 14);
	UT_EQ(drain_all(&r, out, sizeof(out)), 14);
	UT_STREQ(out, "ij0123456789AB");
	UT_CHECK(logring_is_empty(&r));
	UT_EQ(r.high_water, 14);
}

static void logring_peek_gives_the_run_before_the_wrap(void)
{
	char buf[8];
	const char *p;
	struct logring r;

	logring_init(&r, buf, sizeof(buf), 0, false);
	UT_EQ(logring_put(&r, "123456", 6, LOGRING_ORDINARY), LOGRING_PUT_OK);
	logring_consume(&r, 5);
	UT_EQ(logring_put(&r, "abcd", 4, LOGRING_ORDINARY), LOGRING_PUT_OK);
	/* "6ab" up to the end of buf, then "cd" from its start. */
	UT_EQ(logring_peek(&r, &p), 3);
	UT_CHECK(memcmp(p, "6ab", 3) == 0);
	logring_consume(&r, 3);
	UT_EQ(logring_peek(&r, &p), 2);
	UT_CHECK(memcmp(p, "cd", 2) == 0);
	logring_consume(&r, 100);	/* more than held: only what is there */
	UT_CHECK(logring_is_empty(&r));
	UT_EQ(logring_peek(&r, &p), 0);
}

static void logring_full_drops_whole_lines_and_counts_bytes(void)
{
	char buf[32], out[64];
	struct logring r;

	logring_init(&r, buf, sizeof(buf), 8, false);
	UT_EQ(logring_put(&r, "line one\n", 9, LOGRING_ORDINARY), LOGRING_PUT_OK);
	UT_EQ(logring_put(&r, "line two\n", 9, LOGRING_ORDINARY), LOGRING_PUT_OK);
	/* 18 held, 24 allowed for ordinary lines: a 9-byte line does not fit. */
	UT_CHECK(!logring_has_room(&r, 9, LOGRING_ORDINARY));
	UT_EQ(logring_put(&r, "line 3!!\n", 9, LOGRING_ORDINARY), LOGRING_PUT_DROPPED);
	UT_EQ(logring_put(&r, "line 4\n", 7, LOGRING_ORDINARY), LOGRING_PUT_DROPPED);
	UT_EQ(logring_put(&r, "l5\n", 3, LOGRING_ORDINARY), LOGRING_PUT_OK);
	UT_EQ(r.dropped_bytes, 16);
	UT_EQ(r.dropped_lines, 2);
	UT_EQ(logring_take_unreported(&r), 16);
	UT_EQ(logring_take_unreported(&r), 0);
	UT_EQ(r.dropped_bytes, 16);	/* the total stays for the end-of-run report */
	drain_all(&r, out, sizeof(out));
	UT_STREQ(out, "line one\nline two\nl5\n");
	/* After draining there is room again. */
	UT_EQ(logring_put(&r, "line 6!!\n", 9, LOGRING_ORDINARY), LOGRING_PUT_OK);
}

static void logring_verdict_lines_use_the_reserve(void)
{
	char buf[32], out[64];
	struct logring r;

	logring_init(&r, buf, sizeof(buf), 12, false);
	UT_EQ(logring_put(&r, "ordinary line..\n", 16, LOGRING_ORDINARY), LOGRING_PUT_OK);
	UT_EQ(logring_put(&r, "ordinary\n", 9, LOGRING_ORDINARY), LOGRING_PUT_DROPPED);
	/* 16 held: a kept line may go up to 32. */
	UT_EQ(logring_put(&r, "PASS: one\n", 10, LOGRING_KEEP), LOGRING_PUT_OK);
	UT_EQ(logring_put(&r, "FAIL: 2\n", 8, LOGRING_KEEP), LOGRING_PUT_WAIT);
	UT_EQ(r.waits, 1);
	UT_EQ(r.dropped_lines, 1);	/* the kept line was not counted as dropped */
	UT_EQ(logring_used(&r), 26);	/* and nothing of it went in */
	UT_EQ(logring_take(&r, out, 16), 16);
	UT_EQ(logring_put(&r, "FAIL: 2\n", 8, LOGRING_KEEP), LOGRING_PUT_OK);
	drain_all(&r, out, sizeof(out));
	UT_STREQ(out, "PASS: one\nFAIL: 2\n");
}

static void logring_block_mode_waits_instead_of_dropping(void)
{
	char buf[16], out[32];
	struct logring r;

	logring_init(&r, buf, sizeof(buf), 4, true);
	UT_EQ(logring_put(&r, "0123456789", 10, LOGRING_ORDINARY), LOGRING_PUT_OK);
	UT_EQ(logring_put(&r, "abc", 3, LOGRING_ORDINARY), LOGRING_PUT_WAIT);
	UT_EQ(r.dropped_bytes, 0);
	UT_EQ(logring_take(&r, out, 2), 2);
	UT_EQ(logring_put(&r, "abc", 3, LOGRING_ORDINARY), LOGRING_PUT_OK);
	drain_all(&r, out, sizeof(out));
	UT_STREQ(out, "23456789abc");
}

static void logring_cuts_a_line_longer_than_its_class_may_hold(void)
{
	char buf[8], out[16];
	struct logring r;

	logring_init(&r, buf, sizeof(buf), 2, false);
	UT_EQ(logring_put(&r, "0123456789", 10, LOGRING_ORDINARY), LOGRING_PUT_OK);
	UT_EQ(logring_used(&r), 6);
	drain_all(&r, out, sizeof(out));
	UT_STREQ(out, "012345");
	UT_EQ(logring_put(&r, "ABCDEFGHIJ", 10, LOGRING_KEEP), LOGRING_PUT_OK);
	UT_EQ(logring_used(&r), 8);
	drain_all(&r, out, sizeof(out));
	UT_STREQ(out, "ABCDEFGH");
}

static void logring_reserve_not_below_size(void)
{
	char buf[8];
	struct logring r;

	/* A reserve as large as the ring would leave ordinary lines no room at all. */
	logring_init(&r, buf, sizeof(buf), 8, false);
	UT_EQ(r.reserve, 0);
	UT_EQ(logring_put(&r, "abc", 3, LOGRING_ORDINARY), LOGRING_PUT_OK);
}

/* Many lines of varying length through a small ring: every byte out in order, none lost. */
static void logring_drain_delivers_every_kept_byte_in_order(void)
{
	char buf[61], expect[8192], got[8192], line[40];
	uint32_t ne = 0, ng = 0, seed = 12345;
	struct logring r;

	logring_init(&r, buf, sizeof(buf), 20, false);
	for (int i = 0; i < 300; i++) {
		uint32_t len, step;

		seed = seed * 1103515245U + 12345U;
		len = 1 + (seed >> 16) % 30;
		for (uint32_t k = 0; k < len; k++)
			line[k] = (char)('a' + (i + k) % 26);
		while (logring_put(&r, line, len, LOGRING_KEEP) == LOGRING_PUT_WAIT) {
			step = 1 + (seed >> 8) % 7;
			ng += logring_take(&r, got + ng, step);
		}
		memcpy(expect + ne, line, len);
		ne += len;
		if (ne > sizeof(expect) - 64)
			break;
	}
	ng += logring_take(&r, got + ng, sizeof(got) - ng);
	UT_EQ(ng, ne);
	UT_CHECK(memcmp(got, expect, ne) == 0);
	UT_EQ(r.dropped_bytes, 0);
	UT_CHECK(r.waits > 0);
	UT_CHECK(r.high_water <= sizeof(buf));
}

static void logring_knows_verdict_lines(void)
{
	UT_CHECK(logring_is_verdict_text("PASS: x", 7));
	UT_CHECK(logring_is_verdict_text("FAIL: apic: y", 13));
	UT_CHECK(logring_is_verdict_text("SKIP: z", 7));
	UT_CHECK(logring_is_verdict_text("SUMMARY: 3 tests, 0 unexpected failures", 39));
	UT_CHECK(logring_is_verdict_text("EXIT: STATUS=1", 14));
	UT_CHECK(logring_is_verdict_text("BENCH: name=a unit=ticks", 24));
	UT_CHECK(logring_is_verdict_text("HIST: name=a lo=0 count=1", 25));
	UT_CHECK(logring_is_verdict_text("DRIFT: name=a", 13));
	UT_CHECK(logring_is_verdict_text("START: hello cmdline \"\"", 23));
	UT_CHECK(logring_is_verdict_text("ok 1 - x", 8));
	UT_CHECK(logring_is_verdict_text("not ok 2 - y", 12));
	UT_CHECK(!logring_is_verdict_text("INFO: print_timer: line 3", 25));
	UT_CHECK(!logring_is_verdict_text("PASS", 4));		/* no colon */
	UT_CHECK(!logring_is_verdict_text("PASS: x", 4));	/* cut before the colon */
	UT_CHECK(!logring_is_verdict_text(" PASS: x", 8));
	UT_CHECK(!logring_is_verdict_text("okay", 4));
	UT_CHECK(!logring_is_verdict_text("", 0));
}

static const struct ut_case logring_cases[] = {
	UT_CASE(logring_keeps_order_across_the_wrap),
	UT_CASE(logring_peek_gives_the_run_before_the_wrap),
	UT_CASE(logring_full_drops_whole_lines_and_counts_bytes),
	UT_CASE(logring_verdict_lines_use_the_reserve),
	UT_CASE(logring_block_mode_waits_instead_of_dropping),
	UT_CASE(logring_cuts_a_line_longer_than_its_class_may_hold),
	UT_CASE(logring_reserve_not_below_size),
	UT_CASE(logring_drain_delivers_every_kept_byte_in_order),
	UT_CASE(logring_knows_verdict_lines),
};

UT_MAIN("logring", logring_cases)
