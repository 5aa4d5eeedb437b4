/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The host console's byte ring (issue 11): log lines go in whole, the UART
 * takes bytes out when it can.  Pure C: no I/O, no clock; vmm/log.c does the
 * draining, the host tests (tests/unit/test_logring.c) the rest.
 *
 * Policy, per line:
 *  - an ordinary line may fill the ring up to (size - reserve); beyond that
 *    it is dropped and its bytes counted (or, with block set, the caller
 *    must drain and try again);
 *  - a kept line (a verdict: see logring_is_verdict_text()) may also use
 *    the reserve; when even that is full the caller must drain and try
 *    again: a kept line is never dropped.
 * Lines go in whole or not at all, so the console never shows half a line.
 */
#ifndef TV_TV_LOGRING_H
#define TV_TV_LOGRING_H

#include <tv/types.h>

enum logring_class {
	LOGRING_ORDINARY = 0,
	LOGRING_KEEP,
};

enum logring_put_result {
	LOGRING_PUT_OK = 0,
	LOGRING_PUT_DROPPED,	/* counted in dropped_bytes / dropped_lines */
	LOGRING_PUT_WAIT,	/* no room now: drain some bytes, then put again */
};

struct logring {
	char *buf;
	uint32_t size;		/* bytes in buf */
	uint32_t reserve;	/* bytes only kept lines may use */
	bool block;		/* ordinary lines wait instead of being dropped */
	uint64_t head;		/* bytes ever put (write position, mod size) */
	uint64_t tail;		/* bytes ever taken out */
	uint64_t dropped_bytes;
	uint64_t dropped_lines;
	uint64_t unreported;	/* dropped bytes not yet announced on the console */
	uint64_t waits;		/* puts answered LOGRING_PUT_WAIT */
	uint32_t high_water;	/* most bytes ever held */
};

/*
 * @brief Start an empty ring over buf.
 * @pre size > 0; reserve < size.
 */
void logring_init(struct logring *r, char *buf, uint32_t size, uint32_t reserve, bool block);
uint32_t logring_used(const struct logring *r);
bool logring_is_empty(const struct logring *r);
/* @brief Whether a line of len bytes of class c fits now. */
bool logring_has_room(const struct logring *r, uint32_t len, enum logring_class c);
/*
 * @brief Put one whole line.  A line longer than the room its class may
 * ever have (size, or size - reserve) is cut to that length first.
 * @retval LOGRING_PUT_OK the line is in the ring.
 * @retval LOGRING_PUT_DROPPED an ordinary line without room (block unset):
 *         its bytes are counted as dropped.
 * @retval LOGRING_PUT_WAIT no room now (a kept line, or block set): the
 *         caller drains and calls again; nothing was changed but `waits`.
 */
enum logring_put_result logring_put(struct logring *r, const char *s, uint32_t len,
				    enum logring_class c);
/*
 * @brief The oldest bytes still in the ring, as one contiguous run (the
 * part before the wrap): *p points at them.
 * @return their count (0: empty).
 */
uint32_t logring_peek(const struct logring *r, const char **p);
/* @brief Forget the n oldest bytes (n <= logring_used()). */
void logring_consume(struct logring *r, uint32_t n);
/* @brief Copy out and consume up to max of the oldest bytes; @return how many. */
uint32_t logring_take(struct logring *r, char *out, uint32_t max);
/* @brief Dropped bytes not yet announced, and mark them announced. */
uint64_t logring_take_unreported(struct logring *r);
/*
 * @brief Whether a guest's line carries a verdict that the runners and the
 * benchmark report read: the selftest runtime's PASS:/FAIL:/SKIP:/
 * SUMMARY:/EXIT:/START: lines, the benchmarks' BENCH:/HIST:/DRIFT: lines
 * (tests/guest/README.md, tests/guest/lib/bench.h), and TAP "ok"/"not ok".
 */
bool logring_is_verdict_text(const char *text, size_t len);

#endif /* TV_TV_LOGRING_H */
