/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#ifndef TV_TESTS_UNIT_FAKE_LOG_H
#define TV_TESTS_UNIT_FAKE_LOG_H

#include <tv/log.h>

#define FAKE_LOG_MAX	64
#define FAKE_LOG_LINE	256

/* Forget every line logged so far. */
void fake_log_reset(void);
/* How many lines were logged since the last reset. */
unsigned int fake_log_lines_logged(void);
/* Whether one of the last FAKE_LOG_MAX lines contains needle. */
bool fake_log_contains(const char *needle);

#endif /* TV_TESTS_UNIT_FAKE_LOG_H */
