/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* Running the configured guests, one after another, each in its own VM. */
#ifndef TV_VMM_GUEST_H
#define TV_VMM_GUEST_H

#include <tv/status.h>
#include <tv/types.h>

struct boot_info;
struct cpu_caps;

/*
 * @brief Run every guest= of the configuration under VMX and report each
 *        one's end; a guest that is refused, faults or is stopped does not
 *        stop the run.
 * @pre VMX root operation is on.
 * @return TV_STATUS_OK when every guest exited with code 0, else
 *         TV_STATUS_GUEST_FAIL (or TV_STATUS_VMX_FAIL when guests cannot run at all).
 */
struct hpet_info;

enum tv_status guest_run_all(const struct boot_info *bi, const struct cpu_caps *caps,
			     uint64_t tsc_khz, const struct hpet_info *hpet, uint64_t ioapic_base);

#endif /* TV_VMM_GUEST_H */
