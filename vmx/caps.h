/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * CPU and VMX capabilities, decoded from raw CPUID and MSR values.  boot/
 * collects the raw values (CPUID, and RDMSR with fault recovery, since the
 * IA32_VMX_* MSRs #GP on a CPU without VMX); this file only interprets them,
 * so the host tests feed it values recorded on real CPUs.
 */
#ifndef TV_VMX_CAPS_H
#define TV_VMX_CAPS_H

#include <tv/log.h>
#include <tv/types.h>

#include <x86/cpuid.h>

/* The CPUID leaves the decoder reads; index of cpu_caps_raw.cpuid[]. */
enum caps_leaf {
	CAPS_LEAF_0,		/* vendor, highest basic leaf */
	CAPS_LEAF_1,		/* signature, feature flags */
	CAPS_LEAF_6,		/* thermal and power: ARAT */
	CAPS_LEAF_7,		/* structured extended features (subleaf 0) */
	CAPS_LEAF_15,		/* TSC / core crystal clock ratio */
	CAPS_LEAF_16,		/* processor frequency */
	CAPS_LEAF_HV_0,		/* 0x40000000: hypervisor vendor */
	CAPS_LEAF_EXT_0,	/* 0x80000000 .. 0x80000008 */
	CAPS_LEAF_EXT_1,
	CAPS_LEAF_EXT_2,
	CAPS_LEAF_EXT_3,
	CAPS_LEAF_EXT_4,
	CAPS_LEAF_EXT_5,
	CAPS_LEAF_EXT_6,
	CAPS_LEAF_EXT_7,
	CAPS_LEAF_EXT_8,
	CAPS_LEAF_COUNT,
};

/* The MSRs the decoder reads; index of cpu_caps_raw.msr[]. */
enum caps_msr {
	CAPS_MSR_FEATURE_CONTROL,
	CAPS_MSR_VMX_BASIC,
	CAPS_MSR_VMX_PINBASED_CTLS,
	CAPS_MSR_VMX_PROCBASED_CTLS,
	CAPS_MSR_VMX_EXIT_CTLS,
	CAPS_MSR_VMX_ENTRY_CTLS,
	CAPS_MSR_VMX_MISC,
	CAPS_MSR_VMX_CR0_FIXED0,
	CAPS_MSR_VMX_CR0_FIXED1,
	CAPS_MSR_VMX_CR4_FIXED0,
	CAPS_MSR_VMX_CR4_FIXED1,
	CAPS_MSR_VMX_VMCS_ENUM,
	CAPS_MSR_VMX_PROCBASED_CTLS2,
	CAPS_MSR_VMX_EPT_VPID_CAP,
	CAPS_MSR_VMX_TRUE_PINBASED_CTLS,
	CAPS_MSR_VMX_TRUE_PROCBASED_CTLS,
	CAPS_MSR_VMX_TRUE_EXIT_CTLS,
	CAPS_MSR_VMX_TRUE_ENTRY_CTLS,
	CAPS_MSR_VMX_VMFUNC,
	CAPS_MSR_COUNT,
};

/*
 * What boot/ collected.  A leaf or MSR counts only if its bit is set in
 * cpuid_valid / msr_valid (bit n for index n): a leaf that was not executed,
 * an MSR whose RDMSR faulted.  Leaves above the highest leaf that CPUID.0 or
 * CPUID.0x80000000 reports are ignored even if marked valid, since CPUID
 * returns other data for them.
 */
struct cpu_caps_raw {
	struct cpuid_regs cpuid[CAPS_LEAF_COUNT];
	uint32_t cpuid_valid;
	uint64_t msr[CAPS_MSR_COUNT];
	uint32_t msr_valid;
};

/* Leaf number (EAX input) and MSR index of each slot, for the code that collects them. */
extern const uint32_t caps_leaf_number[CAPS_LEAF_COUNT];
extern const uint32_t caps_msr_number[CAPS_MSR_COUNT];
/* The MSR's SDM name without "MSR_" ("IA32_VMX_BASIC"). */
extern const char *const caps_msr_name[CAPS_MSR_COUNT];

/* IA32_FEATURE_CONTROL and what boot/ does about it ("Enabling and Entering VMX Operation"). */
enum vmx_fc_state {
	VMX_FC_NO_VTX,		/* CPUID.1:ECX.VMX = 0 */
	VMX_FC_UNREADABLE,	/* the RDMSR faulted: leave it, VMXON will tell */
	VMX_FC_LOCKED_OFF,	/* locked with VMX outside SMX clear: firmware disabled VT-x */
	VMX_FC_LOCKED_ON,	/* locked with VMX outside SMX set: nothing to do */
	VMX_FC_UNLOCKED,	/* write fc_write_value: lock + VMX outside SMX */
};

enum caps_tsc_source {
	CAPS_TSC_NONE,		/* calibrate against the HPET, else the PIT */
	CAPS_TSC_CPUID_15,	/* crystal clock x ratio */
	CAPS_TSC_CPUID_16,	/* base frequency (leaf 0x15 enumerates no crystal) */
};

struct vmx_caps {
	bool has_basic;			/* IA32_VMX_BASIC was read */
	uint32_t vmcs_revision;
	uint32_t vmcs_region_size;	/* bytes, for VMXON and VMCS regions */
	unsigned int vmcs_memory_type;
	bool has_true_controls;
	bool is_phys_32bit;		/* VMX regions must lie below 4 GiB */
	/* Capability MSR values in effect: the TRUE_ ones when available. */
	uint64_t pinbased, procbased, procbased2, exit, entry;
	uint64_t misc, ept_vpid, vmfunc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;

	bool has_ext_intr_exiting, has_nmi_exiting, has_virtual_nmis;
	bool has_preemption_timer;
	bool is_preemption_timer_broken;	/* CPU on KVM's list: do not use it */
	unsigned int preemption_timer_rate;	/* counts once per 2^rate TSC ticks */
	bool has_save_preemption_timer;
	bool has_posted_interrupts;
	bool has_intr_window_exiting, has_nmi_window_exiting;
	bool has_tsc_offsetting, has_hlt_exiting, has_tpr_shadow;
	bool has_io_bitmaps, has_msr_bitmaps, has_monitor_trap_flag;
	bool has_secondary_controls;
	bool has_apic_access, has_ept, has_vpid, has_unrestricted_guest;
	bool has_apic_register_virt, has_virtual_intr_delivery, has_x2apic_virt;
	bool has_tsc_scaling, has_rdtscp, has_vmfunc;
	bool has_ack_intr_on_exit, has_save_efer, has_load_efer_exit, has_load_pat_exit;
	bool has_save_pat, has_load_efer, has_load_pat, has_ia32e_guest;
	bool has_ept_4level, has_ept_ad, has_ept_2m, has_ept_1g, has_ept_wb, has_ept_uc;
	bool has_invept, has_invept_single, has_invept_all;
	bool has_invvpid, has_invvpid_addr, has_invvpid_single, has_invvpid_all;
	bool has_invvpid_single_globals;
	bool has_activity_hlt, has_activity_shutdown, has_activity_wait_sipi;
};

struct cpu_caps {
	char vendor[13];
	uint32_t max_leaf, max_ext_leaf;
	uint32_t signature;			/* CPUID.1:EAX */
	unsigned int family, model, stepping;	/* with the extended fields applied */
	bool is_intel;
	bool has_hypervisor;			/* CPUID.1:ECX[31] */
	char hypervisor_vendor[13];		/* "" unless leaf 0x40000000 was read */
	uint32_t hypervisor_max_leaf;
	bool has_vmx, has_smx, has_x2apic, has_tsc_deadline, has_arat, has_lm;
	bool has_invariant_tsc;
	bool is_invariant_tsc_known;		/* leaf 0x80000007 was read */
	unsigned int phys_addr_bits;		/* 0: unknown */
	uint64_t tsc_khz;			/* 0 with CAPS_TSC_NONE */
	enum caps_tsc_source tsc_source;

	enum vmx_fc_state fc_state;
	uint64_t feature_control;
	uint64_t fc_write_value;		/* what to write for VMX_FC_UNLOCKED */
	/* VT-x can be turned on: present, not locked off, IA32_VMX_BASIC readable. */
	bool is_vmx_usable;
	struct vmx_caps vmx;
};

/*
 * @brief Whether a CPUID.1:EAX signature is on KVM's list of CPUs whose
 *        VMX-preemption timer is broken (Nehalem/Westmere errata), compared as
 *        KVM does: with the reserved bits 15:14 and 31:28 cleared.
 */
bool vmx_caps_is_preemption_timer_broken(uint32_t signature);

/*
 * @brief Decode everything.
 * @return 0; out is always fully written, with unknown values zero/false.
 */
int vmx_caps_decode(const struct cpu_caps_raw *raw, struct cpu_caps *out);

/*
 * @brief Adjust wanted control bits to a capability MSR ("Algorithms for
 *        Determining VMX Capabilities"): bits 31:0 of cap_msr must be 1
 *        (allowed-0 settings), bits 63:32 may be 1 (allowed-1 settings).
 * @param out set to (want | required-1) & allowed-1.
 * @return the wanted bits that are not allowed (0 when all are).
 */
uint32_t vmx_caps_adjust_controls(uint64_t cap_msr, uint32_t want, uint32_t *out);

/*
 * @brief The capability report: one fact per call of emit, prefix "cpu: " or
 *        "vmx: ", at TV_LOG_WARN for each missing feature we need (saying what
 *        will not work) and TV_LOG_INFO otherwise.
 */
void vmx_caps_report(const struct cpu_caps *caps,
		     void (*emit)(void *ctx, enum tv_log_level level, const char *prefix,
				  const char *text),
		     void *ctx);

#endif /* TV_VMX_CAPS_H */
