/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * kvm-unit-tests style results.  Each check prints one line:
 *   PASS: <prefix: ...>message
 *   FAIL: <prefix: ...>message
 *   SKIP: <prefix: ...>message
 * and report_summary() prints
 *   SUMMARY: N tests, M unexpected failures, K skipped
 * where N counts every report, skipped ones included.
 */
#ifndef TV_GUEST_REPORT_H
#define TV_GUEST_REPORT_H

#include <stdbool.h>

#define REPORT_PREFIX_MAX	128U

void report(bool pass, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An informational line, "INFO: ...": not a test. */
void report_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prefixes nest: push("a"); push("b") gives "a: b: message". */
void report_prefix_push(const char *prefix);
void report_prefix_pop(void);
/*
 * @brief Print the SUMMARY line.
 * @return GUEST_EXIT_FAIL if any check failed, else GUEST_EXIT_PASS.
 */
int report_summary(void);

#endif /* TV_GUEST_REPORT_H */
