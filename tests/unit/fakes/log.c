/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Host-test backend of the tv_log() seam: keeps the last lines in memory so
 * that tests can assert that a warning was (or was not) logged, and prints
 * them to stderr when TV_LOG_STDERR is set in the environment.
 */
#include "fake_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char fake_log_lines[FAKE_LOG_MAX][FAKE_LOG_LINE];
static unsigned int fake_log_count;

void tv_log(unsigned int flags, const char *site, const char *prefix,
	    const char *fmt, ...)
{
	char *line = fake_log_lines[fake_log_count % FAKE_LOG_MAX];
	va_list ap;
	int n;

	(void)site;
	n = snprintf(line, FAKE_LOG_LINE, "%u %s", flags & TV_LOG_LEVEL_MASK, prefix);
	if (n < 0 || n >= FAKE_LOG_LINE)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(line + n, FAKE_LOG_LINE - (size_t)n, fmt, ap);
	va_end(ap);
	fake_log_count++;
	if (getenv("TV_LOG_STDERR"))
		fprintf(stderr, "log: %s\n", line);
}

void fake_log_reset(void)
{
	fake_log_count = 0;
}

unsigned int fake_log_lines_logged(void)
{
	return fake_log_count;
}

bool fake_log_contains(const char *needle)
{
	unsigned int n = fake_log_count < FAKE_LOG_MAX ? fake_log_count : FAKE_LOG_MAX;

	for (unsigned int i = 0; i < n; i++)
		if (strstr(fake_log_lines[i], needle))
			return true;
	return false;
}

void tv_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "TV_ASSERT failed: %s at %s:%d\n", expr, file, line);
	abort();
}
