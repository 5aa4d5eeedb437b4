/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* Before each VM entry: expire, wait while halted, inject, arm, as the delivery planner says. */
#define pr_prefix "vmm: "

#include "guest_priv.h"

#include <tv/errno.h>
#include <tv/hypercall_abi.h>
#include <tv/log.h>
#include <x86/cpu.h>
#include <x86/msr.h>
#include <x86/vmcs_fields.h>

#include "../boot/boot.h"
#include "../hw/hpet.h"
#include "../timer/plan.h"
#include "../vmx/caps.h"
#include "../vmx/ept.h"
#include "config.h"
#include <tv/fmt.h>
#include "../hw/hostrtc.h"
#include "gwalk.h"
#include "hypercall.h"
#include "insn.h"
#include "log.h"
#include <tv/logring.h>
#include "mb_loader.h"
#include "pool.h"
#include "result.h"
#include <tv/string.h>
#include "vcpuid.h"
#include "vmsr.h"

enum vapic_notice guest_path_of(const struct vmx_exit_info *e)
{
	if (e->reason == EXIT_REASON_PREEMPTION_TIMER)
		return e->activity == ACTIVITY_HLT ? VAPIC_NOTICE_HALT_PREEMPT : VAPIC_NOTICE_PREEMPT;
	if (e->reason == EXIT_REASON_EXTERNAL_INTR)
		return VAPIC_NOTICE_HOST_IRQ;
	return VAPIC_NOTICE_OTHER_EXIT;
}

static uint64_t guest_to_host(const struct vm *vm, uint64_t guest_tsc)
{
	return guest_tsc - (uint64_t)vm->vcpu.tsc_offset;
}

/* timer/plan.h orders its paths as enum vapic_notice: a path is passed across as it is. */
TV_STATIC_ASSERT(PLAN_PATH_PREEMPT == (int)VAPIC_NOTICE_PREEMPT &&
		 PLAN_PATH_HOST_IRQ == (int)VAPIC_NOTICE_HOST_IRQ &&
		 PLAN_PATH_HALT_WAKE == (int)VAPIC_NOTICE_HALT_WAKE &&
		 PLAN_PATH_HALT_PREEMPT == (int)VAPIC_NOTICE_HALT_PREEMPT &&
		 PLAN_PATH_OTHER_EXIT == (int)VAPIC_NOTICE_OTHER_EXIT &&
		 PLAN_PATH_COUNT == (int)VAPIC_NOTICE_COUNT, "plan paths differ from vapic paths");

static enum plan_backend guest_plan_backend(enum hosttimer_backend b)
{
	return b == HOSTTIMER_PREEMPT ? PLAN_BACKEND_PREEMPT :
	       b == HOSTTIMER_POLL ? PLAN_BACKEND_POLL : PLAN_BACKEND_HOST_IRQ;
}

/* What the delivery planner needs to know of this vCPU's calibration and backends. */
static struct plan_timing guest_plan_timing(const struct vm *vm)
{
	struct plan_timing t = {
		.margin = vm->apic.margin,
		.spin_slack = GUEST_SPIN_SLACK,
		.running = guest_plan_backend(vm->pcpu->timers.running),
		.halted = guest_plan_backend(vm->pcpu->timers.halted),
		.preempt_safety_net = vm->pcpu->timers.preempt_safety_net,
	};

	return t;
}

/* The vCPU's state at host TSC host_now; the caller fills in the deadline and the rest. */
static struct plan_input guest_plan_input(const struct vm *vm, uint64_t host_now,
					  enum vapic_notice path)
{
	struct plan_input in = {
		.now_host = host_now,
		.tsc_offset = (uint64_t)vm->vcpu.tsc_offset,
		.deadline_guest = PLAN_NONE,
		.path = (enum plan_path)path,
		.halted = vm->halted,
		.guest_if = vm->last_rflags & RFLAGS_IF,
		.event_pending = false,
		.timeout_host = vm->deadline_tsc ? vm->deadline_tsc : PLAN_NONE,
		.queue_host = PLAN_NONE,
	};

	return in;
}

/* The host queue's earliest deadline besides this vCPU's own (the load generator's). */
static uint64_t guest_queue_others(const struct vm *vm)
{
	if (!vm->pcpu->load.n)
		return PLAN_NONE;
	hosttimer_set(&vm->pcpu->ht, HOSTTIMER_ID_VTIMER, HOSTTIMER_NONE);
	return hosttimer_earliest(&vm->pcpu->ht);
}

/*
 * A halted vCPU waits in VMX root for its earliest deadline (or, with the
 * preemption-timer backend, in the HLT activity state), as plan_halt()
 * says; after the wait, plan_wake() handles the deadline as of itself and
 * the entry spins to it (act->spin_until, host TSC), like the running paths.
 * in->deadline_guest is the model's deadline on the way in and is kept so
 * (from vapic_expire()); nothing else in the wait moves it.
 * *woke_at is the guest TSC of the last wake-up.
 * @return false when the VM must stop (it can never wake, or its timeout passed).
 */
static bool guest_wait_halted(struct vm *vm, const struct plan_timing *t, struct plan_input *in,
			      struct vmx_exit_action *act, uint64_t *woke_at)
{
	struct vapic *a = &vm->apic;

	while (vm->halted) {
		struct plan_halt h;
		struct plan_wake w;

		in->now_host = cpu_rdtsc();
		in->event_pending = vapic_has_deliverable(a) || vlapic_has_nmi(&a->lapic);
		if (!in->event_pending)
			in->queue_host = guest_queue_others(vm);
		h = plan_halt(t, in);
		switch (h.action) {
		case PLAN_HALT_RUN:
			vm->halted = false;
			return true;
		case PLAN_HALT_STOP:
			guest_stop(vm, VM_END_STOPPED, act, "halted with IF=1 but no timer armed and "
				   "no interrupt pending: the vCPU can never wake");
			return false;
		case PLAN_HALT_IN_GUEST:
			/* The console, while idle, up to the preemption timer's early exit. */
			log_drain_until(TV_MIN(hosttimer_earliest(&vm->pcpu->ht), in->deadline_guest == PLAN_NONE ?
					       HOSTTIMER_NONE : guest_to_host(vm, in->deadline_guest)),
					a->margin[VAPIC_NOTICE_HALT_PREEMPT]);
			act->halt = true;
			return true;
		case PLAN_HALT_SERVE_QUEUE:
			(void)hosttimer_wait(&vm->pcpu->ht, vm->pcpu->timers.halted, h.wait_until_host, 0);
			loadgen_serve(&vm->pcpu->load);
			continue;
		case PLAN_HALT_WAIT:
			break;
		}
		/* the console, while idle, never past the wake-up */
		log_drain_until(h.wait_until_host, 0);
		(void)hosttimer_wait(&vm->pcpu->ht, vm->pcpu->timers.halted, h.wait_until_host, 0);
		loadgen_serve(&vm->pcpu->load);
		in->now_host = cpu_rdtsc();
		w = plan_wake(t, in);
		if (w.stop == PLAN_STOP_TIMEOUT) {
			guest_stop(vm, VM_END_TIMEOUT, act, "timeout while halted");
			return false;
		}
		*woke_at = in->now_host + in->tsc_offset;
		in->deadline_guest = vapic_expire(a, w.expiry.expire_at_guest, VAPIC_NOTICE_HALT_WAKE,
						  *woke_at);
		if (w.expiry.spin_until_host)
			act->spin_until = w.expiry.spin_until_host;
	}
	return true;
}

/*
 * Arm the timer hardware for the next run as plan_arm() says: the vCPU's
 * host-queue entry, the host interrupt backend, and the returned
 * preemption-timer target, a host TSC (0: none; vmx_vcpu_enter() turns it
 * into a count at the entry).  in holds the vCPU's state as of
 * this entry, with the deadline the last vapic_expire() returned (taking
 * an interrupt does not move it); the clock and the host queue are read here.
 */
static uint64_t guest_arm_planned(struct vm *vm, const struct plan_timing *t, struct plan_input *in)
{
	struct plan_arm p;

	in->now_host = cpu_rdtsc();
	in->halted = vm->halted;
	in->queue_host = guest_queue_others(vm);
	p = plan_arm(t, in);
	hosttimer_set(&vm->pcpu->ht, HOSTTIMER_ID_VTIMER, p.host_deadline);
	hosttimer_arm_for_run(&vm->pcpu->ht, vm->pcpu->timers.running, p.host_early);
	return p.preempt_ticks ? in->now_host + p.preempt_ticks : 0;
}

/* @return the preemption-timer target for the next run, a host TSC (0: none). */
uint64_t guest_arm_timers(struct vm *vm)
{
	struct plan_timing t = guest_plan_timing(vm);
	struct plan_input in = guest_plan_input(vm, 0, VAPIC_NOTICE_OTHER_EXIT);

	in.deadline_guest = vapic_next_deadline(&vm->apic);
	return guest_arm_planned(vm, &t, &in);
}

/*
 * Inject what plan_inject() says may go in at this entry (one event per
 * entry), into act: the slot is open or not as of the exit snapshot with the
 * exit handler's part of act applied.
 */
static void guest_inject_events(struct vm *vm, const struct vmx_exit_info *exit,
				struct vmx_exit_action *act)
{
	struct vapic *a = &vm->apic;
	struct plan_events ev;
	struct plan_inject p;

	ev.nmi_pending = vlapic_has_nmi(&a->lapic);
	ev.nmi_open = ev.nmi_pending && vmx_event_slot_open(exit, act, VMX_EVENT_NMI);
	ev.intr_pending = vapic_has_deliverable(a);
	ev.intr_open = ev.intr_pending && vmx_event_slot_open(exit, act, VMX_EVENT_EXT_INTR);
	ev.timer_fire_pending = a->fire_pending;
	p = plan_inject(&ev);
	if (p.inject_nmi) {
		(void)vlapic_take_nmi(&a->lapic);
		act->event = VMX_EVENT_NMI;
	}
	act->nmi_window = p.nmi_window == PLAN_WINDOW_SET ? VMX_WINDOW_SET :
			  p.nmi_window == PLAN_WINDOW_CLEAR ? VMX_WINDOW_CLEAR : VMX_WINDOW_KEEP;
	if (p.take_intr) {
		int vec = vapic_take_vector(a, guest_tsc_host_now(vm));

		if (vec != VLAPIC_NO_VECTOR) {
			act->event = VMX_EVENT_EXT_INTR;
			act->event_vector = (uint8_t)vec;
		}
	}
	if (p.note_blocked)
		vapic_note_blocked(a);
	act->intr_window = p.intr_window ? VMX_WINDOW_SET : VMX_WINDOW_CLEAR;
}

/*
 * After the guest completed a console line, the console ring gets the
 * UART's time at the first entry that delivers nothing: no exception or
 * interrupt to inject and none pending, no window asked for, no spin to a
 * deadline, not halted (the halt wait drains it).  There the guest waits
 * for its line as natively it would wait on the UART, but never up to the
 * next armed target (the preemption timer's, the host queue's earliest)
 * and for GUEST_CONSOLE_MAX_MS at most: rule 5 of timer/plan.h.  So a due
 * interrupt never waits for the console (issue 11), and what a guest
 * printed is out before its next work rather than pumped, a FIFO at a
 * time, into the exits of that work (the maxima of docs/bench-moved.md).
 * Only once per line: serving at every quiet exit let the console take
 * all the time between other timers' exits while it drained, and a guest
 * that printed under load barely ran (print latency p99 under 4 load
 * timers 5,469 -> 24,482 ticks with 8f85323).  Any time spent here is the
 * guest's wait, not the exit path's cost.
 */
static void guest_serve_console(struct vm *vm, const struct vmx_exit_action *act)
{
	struct vapic *a = &vm->apic;
	struct plan_console_in c;
	struct plan_console p;

	if (!vm->console_line || !log_pending())
		return;
	c = (struct plan_console_in){
		.queued = true,
		.event_due = act->inject || act->event != VMX_EVENT_NONE ||
			     act->intr_window == VMX_WINDOW_SET || act->nmi_window == VMX_WINDOW_SET ||
			     vapic_has_deliverable(a) || vlapic_has_nmi(&a->lapic),
		.halting = act->halt,
		.spinning = act->spin_until != 0,
		.now_host = cpu_rdtsc(),
		.preempt_at_host = act->preempt_at ? act->preempt_at : PLAN_NONE,
		.queue_host = hosttimer_earliest(&vm->pcpu->ht),
		.max_wait = vm->pcpu->tsc_khz * GUEST_CONSOLE_MAX_MS,
	};
	p = plan_console(&c);
	if (!p.serve)
		return;
	vm->console_line = false;
	log_serve(p.until_host, p.by_bound);
	vm->vcpu.stage_mark = cpu_rdtsc();
}

/*
 * Everything between two exits that concerns the LAPIC, each step planned
 * by timer/plan.h and written into act (the exit handler's part is already
 * there; vmx_vcpu_enter() applies the whole): expire the timer (at the
 * deadline itself, with a spin to it, when the exit was armed early: never
 * early), wait while halted, inject what may be delivered, and arm the
 * timer hardware for the next run.
 * @return false when the VM must stop.
 */
bool guest_before_entry(struct vm *vm, enum vapic_notice path, const struct vmx_exit_info *exit,
			struct vmx_exit_action *act)
{
	struct vapic *a = &vm->apic;
	struct plan_timing t;
	struct plan_input in;
	struct plan_expiry e;
	uint64_t ready_from = vm->last_exit_tsc, woke = 0;
	uint64_t due = vm->preempt_at + (uint64_t)vm->vcpu.tsc_offset;

	/*
	 * A preemption-timer exit was due at vm->preempt_at: the margin learns
	 * the cost from there, so the part of the exit before the snapshot's
	 * TSC (the CPU's VM exit, the stub saving the guest's registers) is
	 * armed for too, not left to make every delivery that much late.
	 */
	if ((path == VAPIC_NOTICE_PREEMPT || path == VAPIC_NOTICE_HALT_PREEMPT) && vm->preempt_at &&
	    due <= ready_from)
		ready_from = due;

	loadgen_serve(&vm->pcpu->load);
	t = guest_plan_timing(vm);
	in = guest_plan_input(vm, cpu_rdtsc(), path);
	/* The deadline is asked once per entry; the expiry returns it as it stands after. */
	in.deadline_guest = vapic_next_deadline(a);
	e = plan_expire(&t, &in);
	act->spin_until = e.spin_until_host;
	in.deadline_guest = vapic_expire(a, e.expire_at_guest, path, vm->last_exit_tsc);
	if (vm->halted) {
		if (!guest_wait_halted(vm, &t, &in, act, &woke))
			return false;
		if (woke) {
			path = VAPIC_NOTICE_HALT_WAKE;
			ready_from = woke;
		}
		vm->vcpu.stage_mark = cpu_rdtsc();	/* the wait is no cost of the exit path */
	}
	guest_stage(vm, VCPU_STAGE_EXPIRE);
	guest_inject_events(vm, exit, act);
	guest_stage(vm, VCPU_STAGE_INJECT);
	if (vm->vapic_page) {
		vapic_sync_to_page(a, vm->vapic_page);
		act->set_tpr_threshold = true;
		act->tpr_threshold = vapic_tpr_threshold(a);
	}
	guest_stage(vm, VCPU_STAGE_PAGE);
	act->preempt_at = guest_arm_planned(vm, &t, &in);
	guest_stage(vm, VCPU_STAGE_ARM);
	guest_serve_console(vm, act);
	vm->adapt_path = plan_adapt_path((enum plan_path)path, a->inject_pending);
	vm->adapt_from = guest_to_host(vm, ready_from);
	return true;
}
