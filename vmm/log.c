/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "log.h"

#include <x86/cpu.h>

#include "fmt.h"
#include "logfmt.h"
#include "serial.h"

#define LOG_MSG_MAX	512U
#define LOG_LINE_MAX	1024U
/* Rate-limit window: about 5 s at 1 GHz before calibration, 5 s after. */
#define LOG_RL_WINDOW_MS 5000U

static enum hv_log_level log_level = HV_LOG_INFO;
static uint64_t log_tsc_khz;
static uint64_t log_image_base;
static struct logfmt_ratelimit log_rl;

void log_init(void)
{
	logfmt_ratelimit_init(&log_rl);
}

void log_set_level(enum hv_log_level level)
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

static void log_emit(const struct logfmt_header *h, const char *msg)
{
	char line[LOG_LINE_MAX];
	size_t n = logfmt_format_lines(line, sizeof(line), h, msg);

	serial_write(line, n);
}

void hv_log(unsigned int flags, const char *site, const char *prefix, const char *fmt, ...)
{
	struct logfmt_header h;
	char msg[LOG_MSG_MAX];
	uint32_t suppressed = 0;
	uint64_t window;
	va_list ap;

	if (!(flags & HV_LOG_GUEST) && !logfmt_is_level_enabled(flags, log_level))
		return;
	h.tsc = cpu_rdtsc();
	h.tsc_khz = (uint32_t)log_tsc_khz;
	h.cpu = 0;
	h.level = (enum hv_log_level)(flags & HV_LOG_LEVEL_MASK);
	h.prefix = prefix;
	window = (log_tsc_khz ? log_tsc_khz : 1000000ULL) * LOG_RL_WINDOW_MS;
	if (!logfmt_ratelimit_check(&log_rl, site, flags, h.tsc, window, &suppressed))
		return;
	if (suppressed) {
		hv_snprintf(msg, sizeof(msg), "%u lines like the next were suppressed",
			    suppressed);
		log_emit(&h, msg);
	}
	va_start(ap, fmt);
	hv_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(&h, msg);
}

