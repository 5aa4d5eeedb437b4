/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "log: "

#include "log.h"

#include <tv/errno.h>
#include <x86/cpu.h>

#include <tv/fmt.h>
#include <tv/logfmt.h>
#include <tv/logring.h>
#include "../hw/serial.h"
#include "pool.h"

#define LOG_MSG_MAX	512U
#define LOG_LINE_MAX	1024U
/* Rate-limit window: about 5 s at 1 GHz before calibration, 5 s after. */
#define LOG_RL_WINDOW_MS 5000U

static enum tv_log_level log_level = TV_LOG_INFO;
static uint64_t log_tsc_khz;
static uint64_t log_image_base;
static struct logfmt_ratelimit log_rl;

/*
 * The asynchronous console (issue 11).  Until log_ring_configure() and
 * after log_go_sync() every line is written synchronously, as before; in
 * between, lines go into log_ring and leave it only as fast as the UART
 * takes them, without waiting on it: a bounded push (one FIFO's worth) when
 * a line is logged, and more while the VMM is idle (log_drain_until()) or
 * at an entry that delivers nothing (log_serve()).
 * A VM exit that prints must not hold a guest's due timer interrupt for the
 * ~87 us a character takes at 115200 baud (about 4,400 TSC ticks in Bochs).
 */
static struct logring log_ring;
static bool log_async;
/*
 * The most one push has cost (host TSC ticks, learnt from every push that
 * wrote): a drain starts no push that could end past its limit.
 */
static uint64_t log_push_cost;
/* A serve waited its whole bound and the UART took nothing: serve no more until a push writes. */
static bool log_stalled;

/* What a line may cost, by who logged it at which level (see log_class_of()). */
enum log_class {
	LOG_CLASS_ORDINARY,	/* dropped (counted) when the ring is full */
	LOG_CLASS_KEEP,		/* never dropped: may use the reserve, else waits */
	LOG_CLASS_SYNC,		/* written at once, after everything queued before it */
};

void log_init(void)
{
	logfmt_ratelimit_init(&log_rl);
}

void log_set_level(enum tv_log_level level)
{
	log_level = level;
}

void log_set_tsc_khz(uint64_t khz)
{
	log_tsc_khz = khz;
}

void log_set_image_base(uint64_t base)
{
	log_image_base = base;
}

uint64_t log_suppressed_total(void)
{
	return log_rl.total_suppressed;
}

/*
 * Guest lines are ordinary unless they carry a verdict (TV_LOG_KEEP, set by
 * vmm/guest.c).  tickvisor's own lines at info level and above are kept:
 * they are few, and the runners split and judge the log by them; debug
 * and rate-limited lines (anything a guest can trigger in bulk) are
 * ordinary.  Errors that are not rate-limited (a VMM exception, a failed
 * assertion, a VM that cannot go on) are written synchronously, so that
 * they are out even if the VMM goes no further.
 */
static enum log_class log_class_of(unsigned int flags)
{
	unsigned int level = flags & TV_LOG_LEVEL_MASK;

	if (flags & TV_LOG_KEEP)
		return LOG_CLASS_KEEP;
	if ((flags & TV_LOG_GUEST) || (flags & TV_LOG_RATELIMIT) || level >= TV_LOG_DBG)
		return LOG_CLASS_ORDINARY;
	return level == TV_LOG_ERR ? LOG_CLASS_SYNC : LOG_CLASS_KEEP;
}

/* Hand the UART what it takes now without waiting. @return bytes written. */
static uint32_t log_push_now(void)
{
	char chunk[16];
	unsigned int room;
	uint64_t t0;
	uint32_t n;

	/* The empty ring first: the common case on every VM exit costs no port read. */
	if (logring_is_empty(&log_ring))
		return 0;
	t0 = cpu_rdtsc();
	room = serial_tx_room();
	if (!room)
		return 0;
	n = logring_take(&log_ring, chunk, TV_MIN(room, (unsigned int)sizeof(chunk)));
	serial_put_bytes(chunk, n);
	log_push_cost = TV_MAX(log_push_cost, cpu_rdtsc() - t0);
	log_stalled = false;
	return n;
}

/* Wait for the UART, then push: the blocking step (end of run, kept lines, log_block=1). */
static void log_push_wait(void)
{
	if (!serial_wait_tx_room()) {
		/* A wedged UART: lose what is queued rather than hang the VMM. */
		logring_consume(&log_ring, logring_used(&log_ring));
		return;
	}
	(void)log_push_now();
}

bool log_pending(void)
{
	return log_async && !logring_is_empty(&log_ring);
}

void log_drain_until(uint64_t until, uint64_t early)
{
	uint64_t limit = until - TV_MIN(until, early);

	if (!log_async)
		return;
	/* A push started before the limit ends before it, too. */
	limit -= TV_MIN(limit, log_push_cost);
	while (!logring_is_empty(&log_ring) && cpu_rdtsc() < limit)
		if (!log_push_now())
			cpu_pause();
}

void log_serve(uint64_t until, bool bounded)
{
	uint32_t before;

	if (!log_pending() || log_stalled)
		return;
	before = logring_used(&log_ring);
	log_drain_until(until, 0);
	/*
	 * A wedged UART would make every later entry wait its whole bound:
	 * after one such wait the entries leave it alone until a push (a
	 * logged line, an idle drain) gets a byte out again.
	 */
	if (bounded && logring_used(&log_ring) == before)
		log_stalled = true;
}

static void log_flush_ring(void)
{
	while (!logring_is_empty(&log_ring))
		log_push_wait();
}

static void log_put(const char *line, size_t n, enum log_class c)
{
	enum logring_class rc = c == LOG_CLASS_ORDINARY ? LOGRING_ORDINARY : LOGRING_KEEP;

	while (logring_put(&log_ring, line, (uint32_t)n, rc) == LOGRING_PUT_WAIT)
		log_push_wait();
}

/* "N bytes of log dropped", as soon as there is room for it again. */
static void log_announce_drops(const struct logfmt_header *h)
{
	struct logfmt_header nh = *h;
	char msg[96], line[160];
	size_t n;

	if (!log_ring.unreported)
		return;
	nh.level = TV_LOG_WARN;
	nh.prefix = "log: ";
	tv_snprintf(msg, sizeof(msg), "%llu bytes of log dropped (console ring full)",
		    (unsigned long long)log_ring.unreported);
	n = logfmt_format_lines(line, sizeof(line), &nh, msg);
	/*
	 * Only once ordinary lines have room again, an eighth of the ring: while
	 * the ring stays (nearly) full the count grows instead of the notices,
	 * and a notice never eats the verdict lines' reserve.
	 */
	if (!logring_has_room(&log_ring, (uint32_t)n + log_ring.size / 8U, LOGRING_ORDINARY))
		return;
	(void)logring_take_unreported(&log_ring);
	log_put(line, n, LOG_CLASS_KEEP);
}

static void log_emit(const struct logfmt_header *h, const char *msg, enum log_class c)
{
	char line[LOG_LINE_MAX];
	size_t n = logfmt_format_lines(line, sizeof(line), h, msg);

	if (!log_async || c == LOG_CLASS_SYNC) {
		if (log_async)
			log_flush_ring();
		serial_write(line, n);
		return;
	}
	log_announce_drops(h);
	log_put(line, n, c);
	(void)log_push_now();
}

int log_ring_configure(uint32_t bytes, bool block)
{
	uint64_t buf;

	if (!serial_is_present() || log_async)
		return 0;
	if (bytes < LOG_RING_MIN_BYTES || bytes > LOG_RING_MAX_BYTES) {
		pr_warn("console ring of %u bytes is outside %u..%u: the console stays synchronous\n",
			bytes, LOG_RING_MIN_BYTES, LOG_RING_MAX_BYTES);
		return -TV_EINVAL;
	}
	buf = pool_alloc(TV_ALIGN_UP((uint64_t)bytes, 4096U), 4096U);
	if (!buf) {
		pr_warn("no memory for a %u-byte console ring: the console stays synchronous\n",
			bytes);
		return -TV_ENOMEM;
	}
	/* A quarter for verdict lines: room for hundreds of them behind a full ring. */
	logring_init(&log_ring, (char *)(uintptr_t)buf, bytes, bytes / 4U, block);
	log_async = true;
	pr_info("console: asynchronous, %u-byte ring (%u reserved for verdict lines); "
		"when full, ordinary lines %s\n", bytes, bytes / 4U,
		block ? "wait (log_block=1)" : "are dropped and counted");
	return 0;
}

void log_go_sync(void)
{
	if (!log_async)
		return;
	/* Synchronous first: a fault while flushing must not come back into the ring. */
	log_async = false;
	log_flush_ring();
	if (log_ring.dropped_bytes)
		pr_warn("console ring: %llu bytes of log dropped in all (%llu lines), %llu waits "
			"for room, high water %u of %u bytes\n",
			(unsigned long long)log_ring.dropped_bytes,
			(unsigned long long)log_ring.dropped_lines,
			(unsigned long long)log_ring.waits, log_ring.high_water, log_ring.size);
	else
		pr_info("console ring: nothing dropped, %llu waits for room, high water %u of %u "
			"bytes\n", (unsigned long long)log_ring.waits, log_ring.high_water,
			log_ring.size);
}

void log_flush(void)
{
	if (log_async)
		log_flush_ring();
	serial_drain();
}

uint64_t log_dropped_bytes(void)
{
	return log_ring.dropped_bytes;
}

void tv_log(unsigned int flags, const char *site, const char *prefix, const char *fmt, ...)
{
	struct logfmt_header h;
	char msg[LOG_MSG_MAX];
	uint32_t suppressed = 0;
	uint64_t window;
	va_list ap;

	if (!(flags & TV_LOG_GUEST) && !logfmt_is_level_enabled(flags, log_level))
		return;
	h.tsc = cpu_rdtsc();
	h.tsc_khz = (uint32_t)log_tsc_khz;
	h.cpu = 0;
	h.level = (enum tv_log_level)(flags & TV_LOG_LEVEL_MASK);
	h.prefix = prefix;
	window = (log_tsc_khz ? log_tsc_khz : 1000000ULL) * LOG_RL_WINDOW_MS;
	if (!logfmt_ratelimit_check(&log_rl, site, flags, h.tsc, window, &suppressed))
		return;
	if (suppressed) {
		tv_snprintf(msg, sizeof(msg), "%u lines like the next were suppressed",
			    suppressed);
		log_emit(&h, msg, log_class_of(flags));
	}
	va_start(ap, fmt);
	tv_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(&h, msg, log_class_of(flags));
}

