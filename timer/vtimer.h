/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The virtual local-APIC timer: one-shot, periodic and TSC-deadline modes as
 * an exact model (Intel SDM Vol. 3A, "Advanced Programmable Interrupt
 * Controller (APIC)", sections "APIC Timer" and "TSC-Deadline Mode").
 *
 * PURE C: no clock reads, no globals, no allocation.  Time is the `now`
 * argument of every call, in guest-TSC ticks.  Every deadline is an absolute
 * guest-TSC integer; vtimer_next_deadline() returns it (VTIMER_NONE when the
 * timer is idle) and vmm/ programs the hardware from it.
 *
 * The APIC timer clock
 * --------------------
 * The SDM says the timer counts at "the processor's bus clock or core crystal
 * clock frequency divided by the value specified in the divide configuration
 * register".  Ours is a per-VM rational fraction of the guest TSC:
 *
 *	f_apic = f_tsc * clock_num / clock_den,   1 <= clock_num <= clock_den
 *
 * never faster than the TSC, by default equal to it (1/1, as ACRN).  One
 * count at divide value d lasts d * clock_den / clock_num TSC ticks, which
 * is not an integer in general.  A deadline is therefore held as an integer
 * TSC value plus a remainder in units of 1/clock_num tick (`*_frac`), and
 * the remainder is carried from period to period: after N periods a
 * periodic timer is exactly at start + N * period, with no drift.  The
 * deadline handed to vmm/ is that exact time rounded up, so no interrupt is
 * ever delivered before its exact expiry.  clock_den / clock_num is at most
 * VTIMER_MAX_CLOCK_RATIO so a period (at most 2^32 counts * 128) fits in 64
 * bits of TSC ticks.
 *
 * How a guest learns the frequency (vmm/ fills these in, not this model):
 * CPUID leaf 0x15 (EBX/EAX = TSC / core crystal clock ratio, ECX = crystal
 * Hz) with the crystal clock defined as our APIC clock, i.e. EAX = clock_num
 * and EBX = clock_den reduced, ECX = tsc_khz * 1000 * clock_num / clock_den;
 * CPUID leaf 0x16 (EAX = base MHz from tsc_khz); and the hypervisor leaf
 * 0x40000010 (EAX = TSC kHz, EBX = APIC timer kHz), the leaf VMware
 * introduced and Linux reads on a hypervisor.
 *
 * Decisions where the SDM is silent or the models disagree (STYLE.md,
 * "Timer behaviour the models disagree on"):
 *  - Switching one-shot <-> periodic keeps the running countdown (Xen, KVM,
 *    kvm-unit-tests test_apic_change_mode; ACRN disarms instead).  The SDM
 *    ("APIC Timer") disarms only on "transitions between TSC-deadline mode
 *    and other timer modes"; the mode bits matter only when the count
 *    reaches 0, where periodic mode reloads the current count from the
 *    initial count and one-shot mode stays at 0.  A count at 0 stays 0.
 *  - A TDCR change while counting keeps the current count and counts on at
 *    the new rate: the remaining time is scaled by new/old divide value,
 *    rounded up to a whole 1/clock_num tick (Xen, KVM; ACRN leaves the
 *    deadline where it was).  A periodic timer then reloads with TMICT at
 *    the new divide value.
 *  - A periodic period shorter than min_period_tsc is raised to it (KVM
 *    min_timer_period_us), with a rate-limited warning.  TMCCT still reads
 *    at most TMICT.  One-shot and TSC-deadline are not limited: each arms
 *    at most one interrupt per guest write.
 *  - Ticks a periodic timer could not deliver follow the per-VM
 *    enum vtimer_policy below.
 */
#ifndef TV_TIMER_VTIMER_H
#define TV_TIMER_VTIMER_H

#include <tv/types.h>

/* vtimer_next_deadline() of an idle timer; never a deadline. */
#define VTIMER_NONE		UINT64_MAX
/* Largest clock_den / clock_num: the APIC clock is at least TSC / 65536. */
#define VTIMER_MAX_CLOCK_RATIO	65536U
/* Default minimum period: 200 us, as KVM's min_timer_period_us. */
#define VTIMER_DEFAULT_MIN_PERIOD_US 200U
/* Default bound on the backlog of the delay policy. */
#define VTIMER_DEFAULT_MAX_BACKLOG 8U

/* LVTT bits 18:17 ("LVT Timer Register"); 3 is reserved. */
enum vtimer_mode {
	VTIMER_MODE_ONESHOT = 0,
	VTIMER_MODE_PERIODIC = 1,
	VTIMER_MODE_TSC_DEADLINE = 2,
};

/*
 * What happens to periodic ticks that fall due while the previous tick is
 * still pending (its IRR bit set), or several at once because expiry ran
 * late.  Every policy keeps the exact accounting of struct vtimer_stats.
 */
enum vtimer_policy {
	/* One interrupt pending at most; the rest merge into it.  The grid of
	 * deadlines stays where it is (KVM).  The default. */
	VTIMER_POLICY_COALESCE = 0,
	/* Every tick is delivered, each one raised when the previous one was
	 * acknowledged, up to max_backlog waiting; beyond that, dropped. */
	VTIMER_POLICY_DELAY = 1,
	/* As delay with a backlog of one: one missed tick is remembered behind
	 * the pending one, the others merge (Xen one_missed_tick_pending). */
	VTIMER_POLICY_ONE_MISSED = 2,
	/* No catch-up: an expiry that missed whole periods delivers one tick,
	 * drops the missed ones and restarts the period from `now`; ticks due
	 * while one is pending are dropped. */
	VTIMER_POLICY_DROP = 3,
};

/* Per-VM timer configuration. */
struct vtimer_config {
	uint64_t tsc_khz;		/* guest TSC rate; > 0 */
	uint32_t clock_num;		/* APIC clock = TSC * num / den */
	uint32_t clock_den;
	uint64_t min_period_tsc;	/* shortest periodic period, TSC ticks */
	enum vtimer_policy policy;
	uint32_t max_backlog;		/* VTIMER_POLICY_DELAY only; >= 1 */
};

/* Tick accounting of a periodic or one-shot timer; TSC-deadline counts too. */
struct vtimer_stats {
	uint64_t due;		/* deadlines that passed */
	uint64_t delivered;	/* ticks raised into IRR */
	uint64_t merged;	/* ticks merged into a pending one */
	uint64_t dropped;	/* ticks dropped (masked, policy, backlog full) */
};

/* The timer; treat as opaque, use the functions. */
struct vtimer {
	struct vtimer_config cfg;
	enum vtimer_mode mode;
	bool is_armed;
	uint32_t tmict;
	uint32_t div_shift;		/* divide value = 1 << div_shift */
	uint64_t deadline_tsc;		/* exact expiry: tsc + frac / clock_num */
	uint32_t deadline_frac;
	uint64_t period_tsc;		/* periodic: period, same representation */
	uint32_t period_frac;
	uint64_t tsc_deadline;		/* IA32_TSC_DEADLINE; 0 = disarmed */
	uint32_t backlog;		/* ticks waiting behind a pending one */
	struct vtimer_stats stats;
};

/*
 * Exported timer state, independent of `now`: the countdown is kept as the
 * time left, so a restore at a later `now` resumes exactly where the save
 * left off.  The TSC deadline is absolute, as the guest TSC is restored too.
 */
struct vtimer_state {
	uint32_t mode;
	uint32_t is_armed;
	uint32_t tmict;
	uint32_t div_shift;
	uint64_t left_tsc;		/* time to the deadline at save time */
	uint32_t left_frac;
	uint32_t backlog;
	uint64_t tsc_deadline;
	struct vtimer_stats stats;
};

/*
 * @brief Fill `cfg` with the defaults for a guest TSC of `tsc_khz`: APIC
 *        clock = TSC, minimum period 200 us, coalesce, backlog 8.
 */
void vtimer_config_default(struct vtimer_config *cfg, uint64_t tsc_khz);

/*
 * @brief Check a configuration.
 * @return 0, or -TV_EINVAL when tsc_khz is 0, clock_num is 0 or above
 *         clock_den, den/num exceeds VTIMER_MAX_CLOCK_RATIO, the policy is
 *         unknown or max_backlog is 0.
 */
int vtimer_check_config(const struct vtimer_config *cfg);

/*
 * @brief Put the timer in its power-up state: one-shot, idle, TMICT 0,
 *        divide by 2 (TDCR 0), TSC deadline 0, stats cleared.
 * @pre vtimer_check_config(cfg) == 0.
 */
void vtimer_init(struct vtimer *t, const struct vtimer_config *cfg);

/* @brief TDCR value to divide-shift: 0->1 (/2) ... 6->7 (/128), 0xb->0 (/1). */
uint32_t vtimer_tdcr_to_shift(uint32_t tdcr);

/*
 * @brief The single entry for LVTT mode changes ("LVT Timer Register").
 *        Entering or leaving TSC-deadline mode disarms the timer and clears
 *        TMICT and the TSC deadline; one-shot <-> periodic keeps counting.
 */
void vtimer_set_mode(struct vtimer *t, enum vtimer_mode mode, uint64_t now);

/*
 * @brief A TMICT write: (re)arm from `now`, or stop when value is 0.
 *        Ignored in TSC-deadline mode, where, says the SDM, writes to the
 *        initial-count register are ignored.
 */
void vtimer_write_tmict(struct vtimer *t, uint32_t value, uint64_t now);

/* @brief A TDCR write (divide bits only); rescales a running countdown. */
void vtimer_write_tdcr(struct vtimer *t, uint32_t tdcr, uint64_t now);

/*
 * @brief An IA32_TSC_DEADLINE write.  Ignored outside TSC-deadline mode; 0
 *        disarms; any other value arms (a past value is due at once).
 */
void vtimer_write_tsc_deadline(struct vtimer *t, uint64_t value, uint64_t now);

/* @return TMICT as the guest reads it (0 in TSC-deadline mode). */
uint32_t vtimer_read_tmict(const struct vtimer *t);

/*
 * @return TMCCT at `now`: the counts left, at most TMICT; 0 when idle,
 *         after a one-shot expiry and in TSC-deadline mode.
 * @pre vtimer_expire() ran at `now` (otherwise a due deadline reads 0).
 */
uint32_t vtimer_read_tmcct(const struct vtimer *t, uint64_t now);

/* @return IA32_TSC_DEADLINE as read: the armed deadline, else 0. */
uint64_t vtimer_read_tsc_deadline(const struct vtimer *t);

/*
 * @return the absolute guest TSC at or after which vtimer_expire() has work,
 *         rounded up from the exact expiry; VTIMER_NONE when idle.
 */
uint64_t vtimer_next_deadline(const struct vtimer *t);

/*
 * @brief Process every deadline that is due at `now` (deadline <= now).
 * @param is_pending whether the timer's previous interrupt is still in IRR
 *        (or cannot be delivered at all: `is_masked`).
 * @param is_masked LVTT masked (or APIC software-disabled): due ticks are
 *        counted and the timer reloads, but nothing is delivered.
 * @return 1 when one interrupt must be raised now, else 0.  A timer raises
 *         at most one interrupt per call: no interrupt storm after a pause.
 */
uint32_t vtimer_expire(struct vtimer *t, uint64_t now, bool is_pending,
		       bool is_masked);

/*
 * @brief The timer's interrupt left IRR (acknowledged): under the delay
 *        and one-missed policies release one tick of the backlog.
 * @return 1 when one interrupt must be raised now, else 0.
 */
uint32_t vtimer_take_backlog(struct vtimer *t);

/* @brief Export the state at `now`; see struct vtimer_state. */
void vtimer_save(const struct vtimer *t, uint64_t now, struct vtimer_state *s);

/*
 * @brief Import a saved state at `now` (which may be later than the save).
 * @return 0, or -TV_EINVAL for a state that no save could have produced;
 *         the timer is then left in its power-up state.
 */
int vtimer_restore(struct vtimer *t, const struct vtimer_state *s, uint64_t now);

/* @return the tick accounting; due == delivered + merged + dropped + backlog. */
const struct vtimer_stats *vtimer_get_stats(const struct vtimer *t);

/* @return the ticks waiting behind a pending one (delay, one-missed). */
uint32_t vtimer_get_backlog(const struct vtimer *t);

#endif /* TV_TIMER_VTIMER_H */
