/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The host's CMOS clock, read once to give each VM's emulated RTC its
 * starting time (vmm/rtc.h).  Not pure: it does port I/O on 0x70/0x71.
 */
#ifndef TV_HW_HOSTRTC_H
#define TV_HW_HOSTRTC_H

#include <tv/types.h>

/*
 * @brief The host RTC's time in seconds since 1970-01-01 (in whatever zone
 *        the host keeps its CMOS: the guest gets the same).
 * @param tsc receives the host TSC at which that time held (the start of
 *        the second is not known: up to 1 s early).
 * @return 0 when the host clock holds an impossible time (it is logged).
 */
uint64_t hostrtc_read_unix(uint64_t *tsc);

#endif /* TV_HW_HOSTRTC_H */
