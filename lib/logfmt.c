/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include <tv/logfmt.h>

#include <tv/errno.h>

#include <tv/fmt.h>
#include <tv/string.h>

static const char *const logfmt_level_names[] = {
	[TV_LOG_ERR] = "ERR ",
	[TV_LOG_WARN] = "WARN",
	[TV_LOG_INFO] = "INFO",
	[TV_LOG_DBG] = "DBG ",
};

/* The spelling of the log= config key, same order. */
static const char *const logfmt_level_keys[] = {
	[TV_LOG_ERR] = "error",
	[TV_LOG_WARN] = "warn",
	[TV_LOG_INFO] = "info",
	[TV_LOG_DBG] = "debug",
};

const char *logfmt_level_name(enum tv_log_level level)
{
	if ((unsigned int)level >= TV_ARRAY_SIZE(logfmt_level_names))
		return "????";
	return logfmt_level_names[level];
}

int logfmt_parse_level(const char *name, enum tv_log_level *level)
{
	for (unsigned int i = 0; i < TV_ARRAY_SIZE(logfmt_level_keys); i++) {
		if (tv_strcmp(name, logfmt_level_keys[i]) == 0) {
			*level = (enum tv_log_level)i;
			return 0;
		}
	}
	return -TV_EINVAL;
}

bool logfmt_is_level_enabled(unsigned int flags, enum tv_log_level threshold)
{
	return (flags & TV_LOG_LEVEL_MASK) <= (unsigned int)threshold;
}

size_t logfmt_format_header(char *buf, size_t size, const struct logfmt_header *h)
{
	const char *prefix = (h->prefix && h->prefix[0]) ? h->prefix : LOGFMT_DEFAULT_PREFIX;
	int n;

	if (h->tsc_khz) {
		/*
		 * Split before scaling: tsc * 1000 would overflow after about
		 * two months of uptime at 3 GHz; rem * 1000 stays below 2^42.
		 */
		uint64_t ticks_per_sec = (uint64_t)h->tsc_khz * 1000U;
		uint64_t sec = h->tsc / ticks_per_sec;
		uint64_t usec = (h->tsc % ticks_per_sec) * 1000U / h->tsc_khz;

		n = tv_snprintf(buf, size, "[%5llu.%06llu] cpu%u %s %.*s",
				(unsigned long long)sec, (unsigned long long)usec, h->cpu,
				logfmt_level_name(h->level), (int)LOGFMT_PREFIX_MAX, prefix);
	} else {
		n = tv_snprintf(buf, size, "[t=%llu] cpu%u %s %.*s",
				(unsigned long long)h->tsc, h->cpu,
				logfmt_level_name(h->level), (int)LOGFMT_PREFIX_MAX, prefix);
	}
	return n < 0 ? 0 : (size_t)n;
}

/* A message byte as it may appear on the serial line. */
static char logfmt_sanitize(char c)
{
	unsigned char u = (unsigned char)c;

	/*
	 * Printable ASCII and TAB pass; every other byte, C1 controls and
	 * 8-bit CSI (0x9b) included, becomes '?': no guest text can move the
	 * cursor, start a line or look like tickvisor's own (issue 12, item 7).
	 */
	if (u == '\t' || (u >= 0x20U && u < 0x7fU))
		return c;
	return '?';
}

size_t logfmt_format_lines(char *buf, size_t size, const struct logfmt_header *h,
			   const char *msg)
{
	size_t pos = 0;
	const char *p = msg ? msg : "";

	if (size < 3) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	/* Room left for text on the current line, keeping 2 for CRLF and 1 for NUL. */
	for (;;) {
		size_t hlen;
		size_t limit = size - 3;

		if (pos >= limit)
			break;
		hlen = logfmt_format_header(buf + pos, size - pos, h);
		pos = TV_MIN(pos + hlen, limit);
		while (*p && *p != '\n') {
			if (*p != '\r' && pos < limit)
				buf[pos++] = logfmt_sanitize(*p);
			p++;
		}
		buf[pos++] = '\r';
		buf[pos++] = '\n';
		if (*p == '\n')
			p++;
		if (!*p)
			break;
	}
	buf[pos] = '\0';
	return pos;
}

void logfmt_ratelimit_init(struct logfmt_ratelimit *rl)
{
	tv_memset(rl, 0, sizeof(*rl));
}

/* FNV-1a over the site string: sites are "file:line", short and distinct. */
static uint32_t logfmt_hash(const char *s)
{
	uint32_t h = 2166136261U;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619U;
	}
	return h;
}

/* The slot of a site, claiming a free one on first use; the overflow slot if full. */
static struct logfmt_rl_site *logfmt_find_site(struct logfmt_ratelimit *rl, const char *site)
{
	uint32_t start = logfmt_hash(site) % LOGFMT_RL_SITES;

	for (uint32_t i = 0; i < LOGFMT_RL_SITES; i++) {
		struct logfmt_rl_site *s = &rl->sites[(start + i) % LOGFMT_RL_SITES];

		if (!s->site) {
			s->site = site;
			return s;
		}
		/* Same text, possibly a different copy of the literal. */
		if (s->site == site || tv_strcmp(s->site, site) == 0)
			return s;
	}
	return &rl->overflow;
}

bool logfmt_ratelimit_check(struct logfmt_ratelimit *rl, const char *site,
			    unsigned int flags, uint64_t now, uint64_t window,
			    uint32_t *suppressed)
{
	struct logfmt_rl_site *s;

	*suppressed = 0;
	if (!(flags & (TV_LOG_ONCE | TV_LOG_RATELIMIT)))
		return true;
	s = logfmt_find_site(rl, site ? site : "?");

	/* Overflowed sites cannot be told apart, so "once" becomes "rate-limited" there. */
	if ((flags & TV_LOG_ONCE) && s != &rl->overflow) {
		if (s->emitted == 0) {
			s->emitted = 1;
			return true;
		}
		s->suppressed++;
		rl->total_suppressed++;
		return false;
	}

	if (s->emitted == 0 || (now >= s->window_start && now - s->window_start >= window)) {
		*suppressed = s->suppressed;
		s->suppressed = 0;
		s->window_start = now;
		s->emitted = 0;
	}
	if (s->emitted < LOGFMT_RL_BURST) {
		s->emitted++;
		return true;
	}
	s->suppressed++;
	rl->total_suppressed++;
	return false;
}
