/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Host unit-test harness, in the spirit of kvm-unit-tests' report().
 *
 * A suite is a table of named cases.  Each case runs its checks; a case
 * passes when every check held and at least one check ran (a case that
 * asserts nothing is a defect and is reported as a failure).  Output is one
 * line per case, the same PASS:/FAIL:/SKIP: lines the guest selftests print,
 * so scripts/summary.sh counts both kinds together.
 */
#ifndef TV_TESTS_UNIT_HARNESS_H
#define TV_TESTS_UNIT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ut_case {
	const char *name;
	void (*fn)(void);
};

#define UT_CASE(fn)	{ #fn, fn }

/* Record one check; returns cond so callers can stop early on failure. */
bool ut_check(bool cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Mark the running case as skipped, with a reason (not a pass, not a fail). */
void ut_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define UT_CHECK(cond) \
	ut_check(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define UT_CHECK_MSG(cond, ...) \
	ut_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* Unsigned 64-bit equality with both values printed on failure. */
#define UT_EQ(a, b) do { \
	unsigned long long ut_a_ = (unsigned long long)(a); \
	unsigned long long ut_b_ = (unsigned long long)(b); \
	ut_check(ut_a_ == ut_b_, __FILE__, __LINE__, "%s == %s (0x%llx vs 0x%llx)", \
		 #a, #b, ut_a_, ut_b_); \
} while (0)
#define UT_STREQ(a, b) do { \
	const char *ut_a_ = (a), *ut_b_ = (b); \
	ut_check(ut_a_ && ut_b_ && ut_streq(ut_a_, ut_b_), __FILE__, __LINE__, \
		 "%s == %s (\"%s\" vs \"%s\")", #a, #b, ut_a_ ? ut_a_ : "(null)", \
		 ut_b_ ? ut_b_ : "(null)"); \
} while (0)

bool ut_streq(const char *a, const char *b);

/*
 * @brief Run a suite: every case, or only those named on the command line.
 * @return process exit status: 0 when no case failed.
 */
int ut_main(const char *suite, const struct ut_case *cases, size_t n,
	    int argc, char **argv);

#define UT_MAIN(suite, cases) \
	int main(int argc, char **argv) \
	{ return ut_main(suite, cases, sizeof(cases) / sizeof(cases[0]), argc, argv); }

#endif /* TV_TESTS_UNIT_HARNESS_H */
