/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * load_timers=N (the scale benchmark): N-1 synthetic vCPU timers due on the
 * pCPU besides the running guest's own, served from the host timer queue as
 * a descheduled vCPU's timer would be.  Benchmark only: compiled into the
 * images make bench builds with -DTV_LOADGEN (the load image, for the scale
 * runs) or -DTV_BENCH (the bench image: this and the exit-path timing by
 * stage); in the product image the functions below do nothing and
 * load_timers > 1 is reported as ignored.  Co-resident VMs (issue 14) will
 * replace it with real ones.
 */
#ifndef TV_VMM_LOADGEN_H
#define TV_VMM_LOADGEN_H

#if defined(TV_BENCH) && !defined(TV_LOADGEN)
#define TV_LOADGEN 1
#endif

#include <tv/types.h>

#include "../lapic/vlapic.h"
#include "config.h"

struct hosttimer;

struct loadgen {
	struct hosttimer *ht;	/* the pCPU's host timer queue the timers live in */
	struct vlapic timers[TV_CONFIG_LOAD_TIMERS_MAX];
	uint32_t n;		/* synthetic timers running (load_timers - 1) */
	uint64_t served;	/* expiries served */
};

#ifdef TV_LOADGEN
/* @brief Start n-1 synthetic timers (n = load_timers; 1: none). */
void loadgen_start(struct loadgen *l, struct hosttimer *ht, uint32_t n, uint64_t tsc_khz);
/* @brief Stop them all and take them out of the host queue. */
void loadgen_stop(struct loadgen *l);
/* @brief Serve every synthetic timer the host queue says is due now. */
void loadgen_serve(struct loadgen *l);
#else
static inline void loadgen_start(struct loadgen *l, struct hosttimer *ht, uint32_t n,
				 uint64_t tsc_khz)
{
	(void)ht;
	(void)n;
	(void)tsc_khz;
	l->n = 0;
}

static inline void loadgen_stop(struct loadgen *l)
{
	(void)l;
}

static inline void loadgen_serve(struct loadgen *l)
{
	(void)l;
}
#endif

#endif /* TV_VMM_LOADGEN_H */
