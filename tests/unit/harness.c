/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned int ut_checks;
static unsigned int ut_failures;
static bool ut_skipped;
static char ut_skip_reason[256];
static const char *ut_suite;
static const char *ut_case_name;

bool ut_streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

bool ut_check(bool cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	ut_checks++;
	if (cond)
		return true;
	ut_failures++;
	/* Only the first few failed checks of a case are worth reading. */
	if (ut_failures <= 5) {
		fprintf(stdout, "  %s/%s: %s:%d: check failed: ", ut_suite,
			ut_case_name, file, line);
		va_start(ap, fmt);
		vfprintf(stdout, fmt, ap);
		va_end(ap);
		fputc('\n', stdout);
	}
	return false;
}

void ut_skip(const char *fmt, ...)
{
	va_list ap;

	ut_skipped = true;
	va_start(ap, fmt);
	vsnprintf(ut_skip_reason, sizeof(ut_skip_reason), fmt, ap);
	va_end(ap);
}

static bool ut_selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int ut_main(const char *suite, const struct ut_case *cases, size_t n,
	    int argc, char **argv)
{
	unsigned int pass = 0, fail = 0, skip = 0;

	ut_suite = suite;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < n; i++) {
		if (!ut_selected(cases[i].name, argc, argv))
			continue;
		ut_case_name = cases[i].name;
		ut_checks = 0;
		ut_failures = 0;
		ut_skipped = false;
		cases[i].fn();
		if (ut_skipped && ut_failures == 0) {
			printf("SKIP: %s/%s (%s)\n", suite, cases[i].name, ut_skip_reason);
			skip++;
		} else if (ut_failures == 0 && ut_checks > 0) {
			printf("PASS: %s/%s\n", suite, cases[i].name);
			pass++;
		} else {
			if (ut_checks == 0)
				printf("  %s/%s: the case ran no check\n", suite, cases[i].name);
			printf("FAIL: %s/%s (%u of %u checks failed)\n", suite,
			       cases[i].name, ut_failures, ut_checks);
			fail++;
		}
	}
	printf("SUMMARY: %s: %u tests, %u unexpected failures, %u skipped\n", suite,
	       pass + fail + skip, fail, skip);
	return fail ? 1 : 0;
}
