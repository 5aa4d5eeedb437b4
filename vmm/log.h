/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* The image's backend of the hv_log() seam: timestamped lines on the serial port. */
#ifndef HV_VMM_LOG_H
#define HV_VMM_LOG_H

#include <hv/log.h>
#include <hv/types.h>

void log_init(void);
void log_set_level(enum hv_log_level level);
/* @brief Timestamps become seconds once the TSC frequency is known. */
void log_set_tsc_khz(uint64_t khz);
void log_set_image_base(uint64_t base);
/* @brief Lines suppressed by rate limiting so far (for the end-of-run report). */
uint64_t log_suppressed_total(void);

#endif /* HV_VMM_LOG_H */
