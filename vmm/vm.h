/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * A VM and its (single, for now) vCPU.  Guests run one after another; each
 * gets its own RAM from the pool, its own EPT and VMCS, and is torn down
 * before the next one starts.
 */
#ifndef TV_VMM_VM_H
#define TV_VMM_VM_H

#include <tv/types.h>

#include "vapic.h"
#include "vcr.h"
#include "vio.h"
#include "vmsr.h"

struct pcpu;

/* Guest GPRs as vmx/entry.asm saves and restores them: keep the offsets. */
struct vm_guest_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t cr2;
};
TV_STATIC_ASSERT(sizeof(struct vm_guest_regs) == 16 * 8, "layout used by vmx/entry.asm");

enum vm_end {
	VM_END_NONE = 0,
	VM_END_DEBUG_EXIT,	/* the guest wrote to isa-debug-exit (port 0xf4) */
	VM_END_HYPERCALL_EXIT,	/* TV_HC_EXIT */
	VM_END_SHUTDOWN,	/* Bochs shutdown port, or a power-off request */
	VM_END_STOPPED,		/* stopped by tickvisor: fault, isolation, unknown exit */
	VM_END_TIMEOUT,		/* the guest's timeout= passed */
	VM_END_REFUSED,		/* the image was refused before it ran */
	VM_END_RESET,		/* the guest reset itself (port 0x92 bit 0): no re-run, stopped */
};

/*
 * The stages of one exit-to-entry round trip, as guest_loop() times them
 * (host TSC ticks, summed over all exits): what a null exit costs, where.
 */
enum vcpu_stage {
	VCPU_STAGE_SNAPSHOT,	/* VM exit -> the exit snapshot read (vmx_vcpu_enter) */
	VCPU_STAGE_BOOKKEEP,	/* margins, last exit, virtual-APIC page -> model */
	VCPU_STAGE_HANDLER,	/* guest_handle_exit */
	VCPU_STAGE_EXPIRE,	/* plan and expire the timer (guest_before_entry) */
	VCPU_STAGE_INJECT,	/* NMI / interrupt injection or windows */
	VCPU_STAGE_PAGE,	/* model -> virtual-APIC page, TPR threshold */
	VCPU_STAGE_ARM,		/* host timer queue and preemption timer */
	VCPU_STAGE_ENTER,	/* vmx_vcpu_enter: the decided effects up to VMRESUME, less any spin */
	VCPU_STAGE_COUNT,
};

struct vcpu {
	struct vm_guest_regs regs;	/* first: vmx/entry.asm takes its address */
	uint64_t vmcs_pa;
	bool launched;
	struct vm *vm;
	uint64_t exits;
	uint64_t exits_by_reason[64];
	/* Host TSC ticks spent in the exit handler (guest_handle_exit), per basic exit reason. */
	uint64_t exit_cost_sum[64];
	uint64_t exit_cost_max[64];
	uint64_t stage_sum[VCPU_STAGE_COUNT];
	uint64_t stage_mark;		/* host TSC where the current stage began */
	int64_t tsc_offset;		/* guest TSC = host TSC + tsc_offset */
	uint32_t proc_controls;		/* vmx/: the primary processor-based controls as written */
	uint32_t tpr_threshold;		/* vmx/: the TPR threshold as written */
};

#define VM_PREFIX_MAX	8U	/* "G12: " and its NUL */

struct vm {
	struct pcpu *pcpu;		/* the physical CPU it runs on */
	unsigned int index;
	char prefix[VM_PREFIX_MAX];	/* its log lines' prefix: "G<index>: " */
	struct vmsr_state msrs;		/* the emulated MSRs (vmm/vmsr.c) */
	uint32_t cpuid_hide;		/* cpuid_hide=, closed: VCPUID_HIDE_* (vmm/vcpuid_vm.c) */
	unsigned int maxphyaddr;	/* its CPUID's physical-address width: its page walks' */
	struct vcr_cpuid cr_cpuid;	/* CPUID 01H/07H as its CR4 bits are qualified, fixed at start */
	const char *name;		/* the guest's path on the ESP */
	uint8_t *ram;			/* host pointer = host physical address of GPA 0 */
	uint64_t ram_bytes;
	uint64_t eptp;
	uint64_t deadline_tsc;		/* host TSC when the timeout ends, 0: none */
	bool unmapped_stop;		/* unmapped=stop: no empty bus (vmm/guest_mmio.c) */
	struct vio_state io;
	struct vapic apic;
	bool halted;			/* the guest executed HLT and waits for an interrupt */
	uint64_t last_rflags;		/* the guest's RFLAGS at the last exit */
	uint64_t last_exit_tsc;		/* guest TSC right after the last exit */
	uint64_t preempt_at;		/* host TSC the last run's preemption timer was for, 0: none */
	bool console_line;		/* the guest completed a console line since the last serve */
	int adapt_path;			/* timer path whose exit-to-entry cost to learn, or -1 */
	uint64_t adapt_from;		/* host TSC of that exit (or wake-up) */
	uint32_t *vapic_page;		/* virtual-APIC page (TPR shadow), or NULL */
	uint64_t apic_mapped_gpa;	/* where the APIC-access page is mapped in EPT, 0: nowhere */
	enum vm_end end;
	uint32_t exit_value;		/* value written to port 0xf4, or the TV_HC_EXIT code */
	uint32_t exit_status;		/* QEMU's process status for it: (value << 1) | 1 */
	char end_why[160];
	struct vcpu vcpu;
};

/*
 * @brief The guest GPR that an instruction's register number n (0-15, Intel
 *        order: RAX RCX RDX RBX RSP RBP RSI RDI R8-R15) names, NULL for RSP
 *        (it lives in the VMCS, not in regs).
 */
static inline uint64_t *vcpu_gpr(struct vcpu *v, unsigned int n)
{
	uint64_t *map[16] = {
		&v->regs.rax, &v->regs.rcx, &v->regs.rdx, &v->regs.rbx, NULL, &v->regs.rbp,
		&v->regs.rsi, &v->regs.rdi, &v->regs.r8, &v->regs.r9, &v->regs.r10,
		&v->regs.r11, &v->regs.r12, &v->regs.r13, &v->regs.r14, &v->regs.r15,
	};

	return map[n & 15U];
}

#endif /* TV_VMM_VM_H */
