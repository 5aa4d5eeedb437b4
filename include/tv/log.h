/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Logging.  A file defines pr_prefix ("vlapic: ") before including this
 * header.  The backend, tv_log(), is a link-time seam: vmm/log.c writes
 * timestamped lines to the serial port in the image; tests/unit/fakes/log.c
 * records them in the host tests.
 *
 * Rate limiting is done by the backend, keyed by call site, so that callers
 * (including the pure lapic/ and timer/ models) keep no state of their own
 * for it: anything a guest can trigger must use the _once or _ratelimited
 * forms.
 */
#ifndef TV_TV_LOG_H
#define TV_TV_LOG_H

#include <tv/types.h>

enum tv_log_level {
	TV_LOG_ERR = 0,
	TV_LOG_WARN = 1,
	TV_LOG_INFO = 2,
	TV_LOG_DBG = 3,
};

/* Flags or'ed into the level argument of tv_log(). */
#define TV_LOG_ONCE		0x100U	/* at most once per call site per run */
#define TV_LOG_RATELIMIT	0x200U	/* a burst, then suppressed (and counted) */
#define TV_LOG_GUEST		0x400U	/* a guest's own output: shown whatever log= says */
/*
 * A verdict line (a guest's PASS:/FAIL:/SUMMARY: ..., a result the runners
 * read): the image's asynchronous console never drops it, it may use the
 * room reserved for such lines (tv/logring.h).  tickvisor's own lines at
 * info level and above are kept without the flag; guest lines need it.
 */
#define TV_LOG_KEEP		0x800U
#define TV_LOG_LEVEL_MASK	0x0ffU

/*
 * @brief Emit one log line.
 * @param flags a enum tv_log_level, optionally or'ed with TV_LOG_ONCE or
 *        TV_LOG_RATELIMIT.
 * @param site a string unique to the call site ("file:line"), the key for
 *        rate limiting.
 * @param prefix the subsystem prefix, e.g. "vlapic: ".
 */
void tv_log(unsigned int flags, const char *site, const char *prefix,
	    const char *fmt, ...) TV_PRINTF(4, 5);

#ifndef pr_prefix
#define pr_prefix ""
#endif

#define TV_LOG_STR2(x)	#x
#define TV_LOG_STR(x)	TV_LOG_STR2(x)
#define TV_LOG_SITE	__FILE__ ":" TV_LOG_STR(__LINE__)

#define pr_err(...)	tv_log(TV_LOG_ERR, TV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_warn(...)	tv_log(TV_LOG_WARN, TV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_info(...)	tv_log(TV_LOG_INFO, TV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_dbg(...)	tv_log(TV_LOG_DBG, TV_LOG_SITE, pr_prefix, __VA_ARGS__)

#define pr_warn_once(...) \
	tv_log(TV_LOG_WARN | TV_LOG_ONCE, TV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_err_ratelimited(...) \
	tv_log(TV_LOG_ERR | TV_LOG_RATELIMIT, TV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_warn_ratelimited(...) \
	tv_log(TV_LOG_WARN | TV_LOG_RATELIMIT, TV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_info_ratelimited(...) \
	tv_log(TV_LOG_INFO | TV_LOG_RATELIMIT, TV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_dbg_ratelimited(...) \
	tv_log(TV_LOG_DBG | TV_LOG_RATELIMIT, TV_LOG_SITE, pr_prefix, __VA_ARGS__)

#endif /* TV_TV_LOG_H */
