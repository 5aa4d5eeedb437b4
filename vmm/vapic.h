/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The glue between a vCPU and its pure virtual LAPIC (lapic/vlapic.h): the
 * MSR and MMIO faces reached through VM exits, timer expiry with the path
 * that noticed it, and the measurements a user needs to trust the timer:
 * fires per path, early fires (must stay 0), lateness min/p50/p99/max, and
 * a trace ring of (arm, deadline, fire, inject) entries.
 *
 * Time is the guest's TSC throughout ("now" = host TSC + TSC offset), as in
 * the model.  Pure: no VMCS, no clock reads; vmm/guest.c calls it.
 */
#ifndef TV_VMM_VAPIC_H
#define TV_VMM_VAPIC_H

#include <tv/types.h>

#include "../lapic/vlapic.h"

/*
 * How the hypervisor noticed a timer expiry (timer/plan.h's enum plan_path,
 * in the same order).  Not the APIC path (vmm/apic_path.h: how the xAPIC
 * page is trapped).
 */
enum vapic_notice {
	VAPIC_NOTICE_PREEMPT = 0,	/* VMX-preemption timer exit while running */
	VAPIC_NOTICE_HOST_IRQ,		/* host timer interrupt (HPET, TSC-deadline) forced an exit */
	VAPIC_NOTICE_HALT_WAKE,		/* the vCPU was halted; woken in VMX root */
	VAPIC_NOTICE_HALT_PREEMPT,	/* halted in the HLT activity state; preemption timer */
	VAPIC_NOTICE_OTHER_EXIT,	/* noticed at an unrelated exit */
	VAPIC_NOTICE_COUNT,
};

#define VAPIC_TRACE_SIZE	256U
/*
 * Lateness histogram: exact 1-tick buckets below VAPIC_HIST_LINEAR; above,
 * each power of two 2^e (e = 12 .. 12 + VAPIC_HIST_OCTAVES - 1, the last one
 * open-ended) is cut into VAPIC_HIST_SUB sub-buckets 2^(e-6) ticks wide, and
 * each sub-bucket keeps the smallest and largest sample it received.  A
 * percentile is therefore always a measured sample: exact below 4096 ticks
 * and whenever the rank is the first or last sample of its sub-bucket, else
 * the largest sample of the sub-bucket holding the rank, at most 1/64 of the
 * value above the exact percentile.
 */
#define VAPIC_HIST_LINEAR	4096U
#define VAPIC_HIST_LINEAR_BITS	12U	/* log2(VAPIC_HIST_LINEAR) */
#define VAPIC_HIST_SUB_BITS	6U
#define VAPIC_HIST_SUB		(1U << VAPIC_HIST_SUB_BITS)
#define VAPIC_HIST_OCTAVES	32U
#define VAPIC_HIST_TAIL		(VAPIC_HIST_OCTAVES * VAPIC_HIST_SUB)

struct vapic_trace_entry {
	uint64_t arm;		/* guest TSC when the deadline was last set */
	uint64_t deadline;
	uint64_t fire;		/* guest TSC when the hypervisor noticed it */
	uint64_t inject;	/* guest TSC just before the entry that delivered it */
	uint8_t path;
	uint8_t vector;
};

struct vapic_stats {
	uint64_t fires[VAPIC_NOTICE_COUNT];
	uint64_t injected;	/* timer interrupts delivered */
	uint64_t blocked;	/* of which the guest held off (IF = 0, TPR, masked): not counted in lateness */
	uint64_t immediate;	/* raised by the register write itself (a deadline already past) */
	uint64_t early;		/* delivered before the deadline: must stay 0 */
	uint64_t late_min, late_max, late_sum;
	uint32_t hist[VAPIC_HIST_LINEAR];	/* samples of exactly i ticks */
	uint32_t tail[VAPIC_HIST_TAIL];		/* samples per sub-bucket above */
	uint64_t tail_min[VAPIC_HIST_TAIL];	/* smallest sample of each (valid if tail[i]) */
	uint64_t tail_max[VAPIC_HIST_TAIL];	/* largest sample of each */
};

struct vapic {
	struct vlapic lapic;
	/*
	 * The model's next timer deadline (guest TSC, VTIMER_NONE: disarmed),
	 * kept from every vlapic_result that passes through here, and the
	 * guest TSC of the call that changed it: every call into the model
	 * that can move the deadline goes through vapic_*, so the two always
	 * equal the model's, and vapic_next_deadline() only reads them.
	 */
	uint64_t next_deadline;
	uint64_t arm_tsc;
	bool fire_pending;		/* a timer vector is in IRR, not yet delivered */
	bool fire_blocked;		/* ... and the guest could not take it at some entry */
	bool inject_pending;		/* taken for the next entry: record it at vapic_note_entry() */
	uint32_t inject_vector;
	uint64_t fire_exit_tsc;		/* guest TSC at the exit that noticed it */
	uint64_t fire_deadline;
	uint64_t fire_tsc;
	enum vapic_notice fire_path;
	bool init_self;			/* an INIT reached this vCPU's APIC: see vapic_take_init_self() */
	uint64_t margin[VAPIC_NOTICE_COUNT];	/* ticks to arm early, then spin */
	struct vapic_stats stats;
	struct vapic_trace_entry trace[VAPIC_TRACE_SIZE];
	uint32_t trace_next;
	uint64_t trace_total;
};

/* @brief Power-up LAPIC for vCPU 0 with the timer settings of the configuration. */
int vapic_init(struct vapic *a, uint64_t tsc_khz, uint32_t min_period_us,
	       enum vtimer_policy policy);

/*
 * @brief RDMSR/WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE or an x2APIC MSR.
 * @return false when msr is none of these (the caller handles it); else
 *         true, with *gp set when the access raises #GP.
 */
bool vapic_msr(struct vapic *a, uint32_t msr, bool is_write, uint64_t *val, uint64_t now,
	       bool *gp);

/*
 * @brief Whether an INIT reached this vCPU's own APIC (its ID, a broadcast
 *        or a shorthand that includes it) since the last call; clears it.
 *        The SDM's answer is wait-for-SIPI (Vol. 3A, "INIT Reset"), which
 *        needs another vCPU to send the SIPI: with one vCPU per VM the
 *        caller stops the VM instead.
 */
bool vapic_take_init_self(struct vapic *a);

/* @brief Whether gpa falls in the xAPIC MMIO page (xAPIC mode only). */
bool vapic_is_mmio(const struct vapic *a, uint64_t gpa);

/*
 * @brief An xAPIC MMIO access at gpa of width bytes.
 * @return the model's status (VLAPIC_OK, or VLAPIC_BAD_ACCESS for an access the
 *         SDM leaves undefined, which the caller reports).
 */
enum vlapic_status vapic_mmio(struct vapic *a, uint64_t gpa, unsigned int width,
			      bool is_write, uint64_t *val, uint64_t now);

/*
 * @brief The timer's next deadline (guest TSC), VTIMER_NONE when disarmed:
 *        the one the model returned last, without a call into the model.
 */
uint64_t vapic_next_deadline(const struct vapic *a);

/*
 * @brief Expire the timer at now (if due), noting which path noticed it.
 * @return the next deadline after it (as vapic_next_deadline()).
 */
uint64_t vapic_expire(struct vapic *a, uint64_t now, enum vapic_notice path, uint64_t exit_tsc);

/*
 * @brief Carry the LAPIC across a jump of the guest's TSC (a WRMSR of
 *        IA32_TIME_STAMP_COUNTER or IA32_TSC_ADJUST): saved at old_now on
 *        the old time base, restored at new_now on the new one, so that the
 *        one-shot and periodic count keep their remaining real time while a
 *        TSC deadline stays absolute.  A tick pending across the jump has no
 *        meaningful lateness (counted as blocked).
 * @return 0, or the model's error when the state could not be restored.
 */
int vapic_rebase_tsc(struct vapic *a, uint64_t old_now, uint64_t new_now);
/* @brief The timer's interrupt is pending but the guest cannot take it now. */
void vapic_note_blocked(struct vapic *a);

/*
 * @brief The vector to deliver now, if any (VLAPIC_NO_VECTOR): acknowledged
 *        in the model and recorded in the statistics when it is the timer's.
 * @param now guest TSC just before the VM entry that injects it.
 */
int vapic_take_vector(struct vapic *a, uint64_t now);
/*
 * @brief Called with the guest TSC right before the VM entry that delivers
 *        what vapic_take_vector() returned: the lateness sample is taken here.
 */
void vapic_note_entry(struct vapic *a, uint64_t now);
/* @brief Feed one measured exit-to-ready cost of a timer path into its margin. */
void vapic_adapt_margin(struct vapic *a, enum vapic_notice path, uint64_t cost);
bool vapic_has_deliverable(const struct vapic *a);

/*
 * With a TPR shadow and APIC-register virtualization the CPU reads most
 * registers straight from the virtual-APIC page, and stores TPR (MMIO 080H
 * and MOV to CR8, in every APIC mode) and ICR high (310H) there without an
 * exit.  vapic_sync_from_page(), after every exit, takes those two into the
 * model; vapic_sync_to_page(), before every entry, writes the model's
 * image (vlapic_page_image(): TMICT from the timer, IRR/ISR/PPR as they
 * stand) so that every read the CPU serves from the page equals the
 * model's read of that register.
 */
void vapic_sync_from_page(struct vapic *a, const uint32_t *page, uint64_t now);
void vapic_sync_to_page(const struct vapic *a, uint32_t *page);
/* @brief An APIC-write exit: the write already sits in the page at offset. */
enum vlapic_status vapic_apic_write(struct vapic *a, const uint32_t *page, uint32_t offset,
				    uint64_t now);
/* @brief TPR threshold that makes lowering the TPR exit when a vector waits on it. */
uint32_t vapic_tpr_threshold(const struct vapic *a);

/* @brief Record one lateness sample (ticks) in min/max/sum and the histogram. */
void vapic_stats_add(struct vapic_stats *s, uint64_t late);
/*
 * @brief Lateness percentile (nearest rank, 0-100), in ticks: always a
 *        measured sample, exact or within 1/64 above it (see VAPIC_HIST_*).
 * @return 0 when there is no sample.
 */
uint64_t vapic_lateness_percentile(const struct vapic_stats *s, unsigned int pct);
const char *vapic_notice_name(enum vapic_notice path);

#endif /* TV_VMM_VAPIC_H */
