/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* The image's backend of the tv_log() seam: timestamped lines on the serial port. */
#ifndef TV_VMM_LOG_H
#define TV_VMM_LOG_H

#include <tv/log.h>
#include <tv/types.h>

void log_init(void);
void log_set_level(enum tv_log_level level);
/* @brief Timestamps become seconds once the TSC frequency is known. */
void log_set_tsc_khz(uint64_t khz);
void log_set_image_base(uint64_t base);
/* @brief Lines suppressed by rate limiting so far (for the end-of-run report). */
uint64_t log_suppressed_total(void);

/*
 * The asynchronous console (issue 11).  Config keys (vmm/config.c):
 * log_ring=BYTES (LOG_RING_MIN_BYTES..LOG_RING_MAX_BYTES, default
 * LOG_RING_DEFAULT_BYTES) and log_block=0|1 (default 0).
 */
#define LOG_RING_DEFAULT_BYTES	(64U * 1024U)
#define LOG_RING_MIN_BYTES	(4U * 1024U)
#define LOG_RING_MAX_BYTES	(16U * 1024U * 1024U)
/*
 * @brief From now on, lines go into a ring of `bytes` (from the pool) and
 * out as fast as the UART takes them.  Ordinary lines that find the ring
 * full are dropped and counted ("N bytes of log dropped"), or with block
 * wait for room; verdict lines are never dropped.
 * @pre pool_init() was called.  Called once; later calls do nothing.
 * @return 0 (also without a UART: nothing to do), -TV_EINVAL for a size
 *         out of range, -TV_ENOMEM: in both cases the console stays synchronous.
 */
int log_ring_configure(uint32_t bytes, bool block);
/* @brief Something is queued in the console ring. */
bool log_pending(void);
/*
 * @brief While idle: feed the UART as it empties, until the ring is empty or
 * the TSC reaches until - early (the caller's next deadline less its margin),
 * never later: no push starts that could end past it (the dearest push so far).
 */
void log_drain_until(uint64_t until, uint64_t early);
/*
 * @brief At an entry that delivers nothing (timer/plan.h rule 5): the guest
 * waits for the console ring as natively it would wait on the UART, as
 * log_drain_until(until, 0).  bounded: until is the caller's longest wait,
 * not a deadline; when such a wait passes without a byte going out (a
 * wedged UART) later serves do nothing until a push writes again.
 */
void log_serve(uint64_t until, bool bounded);
/* @brief Write out everything queued and wait for the transmitter (LSR.TEMT). */
void log_flush(void);
/*
 * @brief End of the run (or a fatal error): report the ring's losses, flush
 * it, and write every later line synchronously.
 */
void log_go_sync(void);
/* @brief Bytes of ordinary lines dropped because the ring was full. */
uint64_t log_dropped_bytes(void);

#endif /* TV_VMM_LOG_H */
