/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* The host TSC: its frequency, from CPUID or measured against a reference clock. */
#ifndef TV_HW_TSC_H
#define TV_HW_TSC_H

#include <tv/types.h>

struct hpet_info;

enum tsc_source {
	TSC_SRC_NONE = 0,
	TSC_SRC_CPUID_15H,
	TSC_SRC_CPUID_16H,
	TSC_SRC_HPET,
	TSC_SRC_PIT,
};

struct tsc_info {
	uint64_t khz;
	enum tsc_source source;
	uint64_t cpuid_khz;		/* what CPUID claims, 0 if nothing */
	enum tsc_source cpuid_source;
	uint64_t measured_khz;		/* calibration result, 0 if not measured */
	enum tsc_source measured_source;
};

/*
 * @brief Decide the TSC frequency: measure it against the HPET (else the
 *        PIT), and use CPUID 0x15/0x16 when it agrees with the measurement
 *        within 1% or when nothing could be measured.  Emulators report
 *        made-up CPUID frequencies, so a disagreement is reported and the
 *        measurement wins.
 */
int tsc_calibrate(uint64_t cpuid_khz, enum tsc_source cpuid_src,
		  const struct hpet_info *hpet, struct tsc_info *out);
const char *tsc_source_name(enum tsc_source s);

#endif /* TV_HW_TSC_H */
