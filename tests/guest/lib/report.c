/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "report.h"
#include "guest.h"
#include "libc.h"

static char report_prefix[REPORT_PREFIX_MAX];
static unsigned int report_tests, report_failures, report_skipped;

static void report_line(const char *kind, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	printf("%s: %s%s\n", kind, report_prefix, msg);
}

void report(bool pass, const char *fmt, ...)
{
	va_list ap;

	report_tests++;
	if (!pass)
		report_failures++;
	va_start(ap, fmt);
	report_line(pass ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	report_tests++;
	report_skipped++;
	va_start(ap, fmt);
	report_line("SKIP", fmt, ap);
	va_end(ap);
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_line("INFO", fmt, ap);
	va_end(ap);
}

void report_prefix_push(const char *prefix)
{
	size_t len = strlen(report_prefix);

	if (len + strlen(prefix) + 3 > sizeof(report_prefix))
		guest_abort("report prefix too long: %s%s", report_prefix, prefix);
	snprintf(report_prefix + len, sizeof(report_prefix) - len, "%s: ", prefix);
}

void report_prefix_pop(void)
{
	size_t len = strlen(report_prefix);

	if (len < 2)
		guest_abort("report_prefix_pop without push");
	/* Drop the trailing ": ", then everything back to the previous one. */
	len -= 2;
	while (len > 0 && !(len >= 2 && report_prefix[len - 2] == ':' &&
			    report_prefix[len - 1] == ' '))
		len--;
	report_prefix[len] = '\0';
}

int report_summary(void)
{
	printf("SUMMARY: %u tests, %u unexpected failures, %u skipped\n", report_tests,
	       report_failures, report_skipped);
	return report_failures ? GUEST_EXIT_FAIL : GUEST_EXIT_PASS;
}
