/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The pure half of logging: how a log line looks and whether a rate-limited
 * or once-only call site may emit.  vmm/log.c (the tv_log() backend) owns the
 * serial port, the clock and the lock; this file owns no state of its own and
 * touches no hardware, so the host tests check it byte for byte.
 *
 * Line format (issue 2, "Serial console"):
 *   [    1.234567] cpu0 INFO vmx: VMXON ok\r\n
 * The level is one of ERR /WARN/INFO/DBG , always four characters wide so
 * that messages line up.  Before the TSC is calibrated (tsc_khz == 0) the
 * time field holds the raw TSC: [t=123456789].  A message with several lines
 * gives several log lines, each with the full header, so that every line of
 * the serial log can be read (and grepped) on its own.
 */
#ifndef TV_TV_LOGFMT_H
#define TV_TV_LOGFMT_H

#include <tv/log.h>
#include <tv/types.h>

/* Longest header: "[t=18446744073709551615] cpu4294967295 WARN " plus a prefix. */
#define LOGFMT_PREFIX_MAX	32U
#define LOGFMT_DEFAULT_PREFIX	"hv: "

struct logfmt_header {
	uint64_t tsc;		/* when the line was logged, in TSC ticks */
	uint32_t tsc_khz;	/* TSC ticks per millisecond; 0 = not calibrated yet */
	uint32_t cpu;
	enum tv_log_level level;
	const char *prefix;	/* "vlapic: "; NULL or "" means LOGFMT_DEFAULT_PREFIX */
};

/* Four-character level name ("ERR ", "WARN", "INFO", "DBG "); "????" if out of range. */
const char *logfmt_level_name(enum tv_log_level level);

/*
 * @brief Parse a level name as the config key log= spells it.
 * @return 0 and *level set, or -TV_EINVAL for anything but
 *         error|warn|info|debug.
 */
int logfmt_parse_level(const char *name, enum tv_log_level *level);

/* Whether a line of the given tv_log() flags passes the threshold (log=). */
bool logfmt_is_level_enabled(unsigned int flags, enum tv_log_level threshold);

/*
 * @brief Format the header "[time] cpuN LVL prefix" (no line end).
 * @return its length; buf holds as much as fits, NUL-terminated if size > 0.
 */
size_t logfmt_format_header(char *buf, size_t size, const struct logfmt_header *h);

/*
 * @brief Format msg as one or more complete log lines, each "header text\r\n".
 *
 * Every '\n' in msg starts a new line with the same header; a '\n' at the end
 * of msg is dropped rather than giving an empty line.  '\r' is dropped and
 * other control characters are shown as '?', so that guest-provided text
 * cannot forge or break log lines.  When buf is too small, the text is cut,
 * the last line still ends in "\r\n" and the lines that no longer fit are
 * left out.
 *
 * @pre size >= 4 for any output at all (one character, CRLF, NUL).
 * @return the number of bytes written (without the NUL, which is always
 *         written when size > 0).
 */
size_t logfmt_format_lines(char *buf, size_t size, const struct logfmt_header *h,
			   const char *msg);

/*
 * Rate limiting and once-only logging, keyed by call site ("file:line").
 * A fixed table, no allocation: a call site that finds the table full shares
 * one overflow slot with the other latecomers, so they are limited together
 * rather than not at all.  Not thread-safe: the caller holds the log lock.
 */
#define LOGFMT_RL_SITES		64U
#define LOGFMT_RL_BURST		10U

struct logfmt_rl_site {
	const char *site;	/* NULL: free slot */
	uint64_t window_start;	/* TSC at the first line of the current window */
	uint32_t emitted;	/* lines emitted in the current window (or ever, for once) */
	uint32_t suppressed;	/* lines suppressed since last reported */
};

struct logfmt_ratelimit {
	struct logfmt_rl_site sites[LOGFMT_RL_SITES];
	struct logfmt_rl_site overflow;	/* shared by sites that found no slot */
	uint64_t total_suppressed;	/* for the end-of-run report */
};

/* Empty the table (all sites forgotten, counts zero). */
void logfmt_ratelimit_init(struct logfmt_ratelimit *rl);

/*
 * @brief Decide whether one tv_log() call may emit its line.
 *
 * Without TV_LOG_ONCE or TV_LOG_RATELIMIT in flags every line is emitted.
 * TV_LOG_ONCE: the first line of a site is emitted, later ones are counted.
 * TV_LOG_RATELIMIT: LOGFMT_RL_BURST lines per window of `window` TSC ticks
 * per site; the rest are counted.  A clock that appears to run backwards
 * (lines from CPUs with slightly different TSCs) keeps the current window.
 *
 * @param suppressed set to the number of lines of this site suppressed since
 *        the last report when this line is emitted at the start of a new
 *        window (the caller prints "N lines suppressed" first); else 0.
 * @return true to emit the line.
 */
bool logfmt_ratelimit_check(struct logfmt_ratelimit *rl, const char *site,
			    unsigned int flags, uint64_t now, uint64_t window,
			    uint32_t *suppressed);

#endif /* TV_TV_LOGFMT_H */
