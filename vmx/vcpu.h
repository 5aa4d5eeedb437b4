/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The VMCS of a vCPU: setup, entry, the exit snapshot and applying the
 * effects that vmm/ decided.  vmm/ never touches the VMCS for an effect: it
 * reads the snapshot and fills one struct vmx_exit_action per round trip
 * (the exit handler its part, the entry planning the rest), and
 * vmx_vcpu_enter() applies it in one place, right before VMRESUME.
 */
#ifndef TV_VMX_VCPU_H
#define TV_VMX_VCPU_H

#include <tv/types.h>

#include "../vmm/apic_path.h"

struct cpu_caps;
struct vcpu;

/* Everything read from the VMCS once per exit (the gbhv exit-context pattern). */
struct vmx_exit_info {
	uint32_t reason;		/* basic exit reason, bits 15:0 */
	bool entry_failed;		/* bit 31: VM-entry failure */
	uint64_t qualification;
	uint64_t guest_phys;
	uint64_t guest_linear;
	uint32_t instr_len;
	uint32_t intr_info, intr_error;
	uint32_t idt_vec_info, idt_vec_error;
	uint64_t rip, rsp, rflags;
	uint64_t debugctl;		/* guest IA32_DEBUGCTL, read only when RFLAGS.TF = 1, else 0 */
	uint64_t cr0, cr3, cr4, efer;
	uint32_t interruptibility;
	uint32_t cs_ar, ss_ar;		/* access rights: CS.L (bit 13), SS.DPL = CPL (bits 6:5) */
	uint64_t cs_base;
	uint32_t activity;		/* the guest's activity state at the exit */
	uint64_t tsc;			/* host TSC read right after the exit */
	uint64_t entry_tsc;		/* host TSC read right before the entry that ended here */
	uint64_t spin_ticks;		/* of which spent waiting for spin_until */
};

/* An external event for the next entry (SDM Vol. 3C, "Event Injection"). */
enum vmx_event {
	VMX_EVENT_NONE = 0,
	VMX_EVENT_EXT_INTR,		/* an external interrupt, event_vector */
	VMX_EVENT_NMI,
};

/* What to do with an event-window exit control at the next entry. */
enum vmx_window {
	VMX_WINDOW_KEEP = 0,		/* leave it as it is */
	VMX_WINDOW_CLEAR,
	VMX_WINDOW_SET,			/* exit as soon as the event can be injected */
};

/*
 * Every effect on the vCPU between one exit and the next entry, as data.
 * The exit handler fills the first part, guest_before_entry() the second
 * (the delivery plan, timer/plan.h); vmx_vcpu_enter() applies it all, with
 * the exit snapshot it was decided on, right before VMRESUME.  Zero is
 * "nothing to do" for every field.
 */
struct vmx_exit_action {
	/* the exit handler's */
	bool advance_rip;		/* skip the exiting instruction (instr_len) */
	uint32_t advance_len;		/* when non-zero: its decoded length (instr_len undefined) */
	uint64_t debug_traps;		/* with advance_rip: B3-B0 and enabled-breakpoint bits of the
					 * pending debug exceptions the emulated access matched */
	bool iterated;			/* without advance_rip: a REP string instruction did
					 * iterations and RIP stays on it for the rest; its traps
					 * are owed and its STI/MOV-SS shadow is over, as after an
					 * instruction (vmm/vstring.h) */
	bool inject;			/* deliver an exception on the next entry */
	uint8_t inject_vector;
	bool inject_has_error;
	uint32_t inject_error;
	bool stop;			/* end this VM */
	bool cr8_access;		/* MOV to/from CR8: for vmm/ to apply to the vLAPIC TPR */
	bool cr8_is_write;
	unsigned int cr8_reg;
	bool write_cr;			/* MOV to CR0/CR4, LMSW: cr_index gets cr_shadow / cr_real */
	unsigned int cr_index;		/* 0 or 4 */
	uint64_t cr_shadow, cr_real;	/* what the guest reads back, what the CPU runs with */
	bool set_tsc_offset;		/* guest TSC = host TSC + tsc_offset from now on */
	int64_t tsc_offset;
	/* the entry's */
	enum vmx_event event;		/* only when vmx_event_slot_open() said so */
	uint8_t event_vector;
	enum vmx_window intr_window, nmi_window;
	bool halt;			/* enter in the HLT activity state (preemption timer wakes it) */
	bool set_tpr_threshold;		/* TPR-shadow guests: the TPR threshold for this entry */
	uint32_t tpr_threshold;
	uint64_t preempt_at;		/* host TSC the preemption timer is to fire at, 0: never */
	uint64_t spin_until;		/* host TSC the entry must not come before, 0: none */
};

/* The VMX settings chosen once at boot from the capabilities. */
struct vmx_setup {
	enum apic_path apic_path;	/* as vmm/ decided it (never APIC_PATH_AUTO) */
	uint64_t apic_access_pa;	/* the (shared, never written) APIC-access page */
	uint32_t pin, proc, proc2, exit, entry;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint32_t vmcs_revision;
	bool has_preemption_timer;
	unsigned int preemption_timer_rate;
	bool has_vpid;			/* VPIDs in use (and INVVPID of all contexts there) */
	bool has_intr_window, has_nmi_window;	/* the window-exiting controls may be set */
	uint64_t msr_bitmap_pa, io_bitmap_a_pa, io_bitmap_b_pa;
};

/*
 * @brief Choose the controls from the capabilities (required: EPT, unrestricted
 *        guest, HLT exiting, MSR and I/O bitmaps) for apic_path, which vmm/
 *        chose (apic_path_choose()); allocate the shared bitmaps.
 * @return 0, or -TV_ENODEV with the missing feature logged.
 */
int vmx_setup_init(const struct cpu_caps *caps, enum apic_path apic_path, struct vmx_setup *s);
const char *vmx_apic_path_name(enum apic_path p);

/*
 * @brief Allocate, clear and load a VMCS for v and fill it for a Multiboot
 *        entry: 32-bit protected mode, paging off, flat segments, EIP = entry,
 *        EAX = 0x2BADB002, EBX = info (Multiboot 0.6.96, "Machine state").
 */
int vmx_vcpu_init(struct vcpu *v, const struct vmx_setup *s, uint64_t eptp,
		  uint16_t vpid, uint32_t entry, uint32_t info, uint64_t virtual_apic_pa);
/* @brief Flush EPT translations after a mapping was removed or moved. */
void vmx_flush_ept(void);
/*
 * @brief VMCLEAR the vCPU's VMCS and flush EPT and VPID translations, so that
 *        the next guest, whose tables may reuse the same pages, starts clean.
 */
void vmx_vcpu_destroy(struct vcpu *v, const struct vmx_setup *s);

/*
 * @brief Apply act (decided on the snapshot exit of the last exit, zero
 *        before the first entry), enter the guest and come back with the
 *        new snapshot in exit.  act->spin_until is the last step of "never
 *        early", as close to VMRESUME as C allows.
 * @return 0, or -TV_EIO when VMLAUNCH/VMRESUME itself failed (logged by name).
 */
int vmx_vcpu_enter(struct vcpu *v, const struct vmx_setup *s, const struct vmx_exit_action *act,
		   struct vmx_exit_info *exit);
/* The access types of a control-register-access exit (its qualification, bits 5:4). */
enum vmx_cr_access_type {
	VMX_CR_MOV_TO = 0,
	VMX_CR_MOV_FROM = 1,
	VMX_CR_CLTS = 2,
	VMX_CR_LMSW = 3,
};

/* A decoded control-register-access exit. */
struct vmx_cr_access {
	unsigned int cr;		/* 0, 3, 4 or 8; CLTS and LMSW report 0 */
	enum vmx_cr_access_type type;
	unsigned int reg;		/* the GPR of MOV to/from CR */
	uint64_t value;			/* MOV to CR: the GPR's 64 bits; CLTS, LMSW: the new CR0 */
};

/* @brief Decode a control-register-access exit (no policy: vmm/vcr.c judges the value). */
void vmx_decode_cr_access(struct vcpu *v, const struct vmx_exit_info *exit,
			  struct vmx_cr_access *a);
/*
 * @brief Fill act so that the next entry writes an accepted CR0/CR4 value:
 *        the read shadow gets val, the real register val with the VMX
 *        fixed bits applied.
 */
void vmx_set_cr_write(const struct vmx_setup *s, unsigned int cr, uint64_t val,
		      struct vmx_exit_action *act);
/* @brief Dump the guest state and the exit fields at error level. */
void vmx_dump_guest(const struct vcpu *v, const struct vmx_exit_info *exit);

/*
 * @brief Whether an event of kind ev may be injected at the entry after the
 *        exit e once act's exception (or re-injection) and RIP advance are
 *        applied: SDM Vol. 3C, "Event Injection" and "Interrupt-Window
 *        Exiting": an external interrupt only with RFLAGS.IF = 1, no STI or
 *        MOV-SS blocking and no other event queued for this entry; an NMI
 *        without NMI or MOV-SS blocking and nothing queued.  A debug trap
 *        owed for an emulated instruction (vmx_debug_traps_owed()) counts
 *        as queued: it is delivered first, the event at its window.  Reads the
 *        snapshot only: VM exits clear the valid bit of the VM-entry
 *        interruption-information field (SDM Vol. 3C, "Recording VM-Exit
 *        Information and Updating VM-Entry Control Fields"), so what is
 *        queued is what act queues.
 */
bool vmx_event_slot_open(const struct vmx_exit_info *e, const struct vmx_exit_action *act,
			 enum vmx_event ev);
/*
 * @brief Whether the instruction that exited runs under single-step as SDM
 *        Vol. 3B, "Single-Step Exception Condition" has it: RFLAGS.TF = 1
 *        and IA32_DEBUGCTL.BTF = 0 (with BTF = 1 the trap comes after
 *        branches only, and no instruction tickvisor emulates is one).
 */
bool vmx_is_single_stepping(const struct vmx_exit_info *e);
/*
 * @brief The pending-debug-exception bits the next entry hands to the guest
 *        for the instruction the exit handler completed (act->advance_rip):
 *        BS when single-stepping, and act->debug_traps; 0 when none.
 */
uint64_t vmx_debug_traps_owed(const struct vmx_exit_info *e, const struct vmx_exit_action *act);
/*
 * @brief The guest's DR7 as of the last exit (the VMCS holds it: "save debug
 *        controls"), for matching an emulated access against its breakpoints.
 */
uint64_t vmx_read_guest_dr7(void);
/* @brief Intercept (or pass through) reads and writes of one MSR in the shared bitmap. */
void vmx_msr_intercept(const struct vmx_setup *s, uint32_t msr, bool intercept);
/* @brief Set the initial RSP of a vCPU that vmx_vcpu_init() just set up (the calibration guest). */
void vmx_vcpu_set_rsp(uint64_t rsp);

const char *vmx_exit_reason_name(uint32_t reason);
const char *vmx_instr_error_name(uint32_t err);

#endif /* TV_VMX_VCPU_H */
