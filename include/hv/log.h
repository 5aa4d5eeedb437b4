/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Logging.  A file defines pr_prefix ("vlapic: ") before including this
 * header.  The backend, hv_log(), is a link-time seam: vmm/log.c writes
 * timestamped lines to the serial port in the image; tests/unit/fakes/log.c
 * records them in the host tests.
 *
 * Rate limiting is done by the backend, keyed by call site, so that callers
 * (including the pure lapic/ and timer/ models) keep no state of their own
 * for it: anything a guest can trigger must use the _once or _ratelimited
 * forms.
 */
#ifndef HV_HV_LOG_H
#define HV_HV_LOG_H

#include <hv/types.h>

enum hv_log_level {
	HV_LOG_ERR = 0,
	HV_LOG_WARN = 1,
	HV_LOG_INFO = 2,
	HV_LOG_DBG = 3,
};

/* Flags or'ed into the level argument of hv_log(). */
#define HV_LOG_ONCE		0x100U	/* at most once per call site per run */
#define HV_LOG_RATELIMIT	0x200U	/* a burst, then suppressed (and counted) */
#define HV_LOG_GUEST		0x400U	/* a guest's own output: shown whatever log= says */
/*
 * A verdict line (a guest's PASS:/FAIL:/SUMMARY: ..., a result the runners
 * read): the image's asynchronous console never drops it, it may use the
 * room reserved for such lines (hv/logring.h).  tickvisor's own lines at
 * info level and above are kept without the flag; guest lines need it.
 */
#define HV_LOG_KEEP		0x800U
#define HV_LOG_LEVEL_MASK	0x0ffU

/*
 * @brief Emit one log line.
 * @param flags a enum hv_log_level, optionally or'ed with HV_LOG_ONCE or
 *        HV_LOG_RATELIMIT.
 * @param site a string unique to the call site ("file:line"), the key for
 *        rate limiting.
 * @param prefix the subsystem prefix, e.g. "vlapic: ".
 */
void hv_log(unsigned int flags, const char *site, const char *prefix,
	    const char *fmt, ...) HV_PRINTF(4, 5);

#ifndef pr_prefix
#define pr_prefix ""
#endif

#define HV_LOG_STR2(x)	#x
#define HV_LOG_STR(x)	HV_LOG_STR2(x)
#define HV_LOG_SITE	__FILE__ ":" HV_LOG_STR(__LINE__)

#define pr_err(...)	hv_log(HV_LOG_ERR, HV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_warn(...)	hv_log(HV_LOG_WARN, HV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_info(...)	hv_log(HV_LOG_INFO, HV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_dbg(...)	hv_log(HV_LOG_DBG, HV_LOG_SITE, pr_prefix, __VA_ARGS__)

#define pr_warn_once(...) \
	hv_log(HV_LOG_WARN | HV_LOG_ONCE, HV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_err_ratelimited(...) \
	hv_log(HV_LOG_ERR | HV_LOG_RATELIMIT, HV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_warn_ratelimited(...) \
	hv_log(HV_LOG_WARN | HV_LOG_RATELIMIT, HV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_info_ratelimited(...) \
	hv_log(HV_LOG_INFO | HV_LOG_RATELIMIT, HV_LOG_SITE, pr_prefix, __VA_ARGS__)
#define pr_dbg_ratelimited(...) \
	hv_log(HV_LOG_DBG | HV_LOG_RATELIMIT, HV_LOG_SITE, pr_prefix, __VA_ARGS__)

#endif /* HV_HV_LOG_H */
