/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "caps.h"

#include <tv/errno.h>
#include <x86/msr.h>
#include <x86/vmx_caps.h>

#include <tv/fmt.h>
#include <tv/string.h>

#define CAPS_LINE_MAX	192

const uint32_t caps_leaf_number[CAPS_LEAF_COUNT] = {
	[CAPS_LEAF_0] = 0x0U,
	[CAPS_LEAF_1] = 0x1U,
	[CAPS_LEAF_6] = 0x6U,
	[CAPS_LEAF_7] = 0x7U,
	[CAPS_LEAF_15] = 0x15U,
	[CAPS_LEAF_16] = 0x16U,
	[CAPS_LEAF_HV_0] = 0x40000000U,
	[CAPS_LEAF_EXT_0] = 0x80000000U,
	[CAPS_LEAF_EXT_1] = 0x80000001U,
	[CAPS_LEAF_EXT_2] = 0x80000002U,
	[CAPS_LEAF_EXT_3] = 0x80000003U,
	[CAPS_LEAF_EXT_4] = 0x80000004U,
	[CAPS_LEAF_EXT_5] = 0x80000005U,
	[CAPS_LEAF_EXT_6] = 0x80000006U,
	[CAPS_LEAF_EXT_7] = 0x80000007U,
	[CAPS_LEAF_EXT_8] = 0x80000008U,
};

const uint32_t caps_msr_number[CAPS_MSR_COUNT] = {
	[CAPS_MSR_FEATURE_CONTROL] = MSR_IA32_FEATURE_CONTROL,
	[CAPS_MSR_VMX_BASIC] = MSR_IA32_VMX_BASIC,
	[CAPS_MSR_VMX_PINBASED_CTLS] = MSR_IA32_VMX_PINBASED_CTLS,
	[CAPS_MSR_VMX_PROCBASED_CTLS] = MSR_IA32_VMX_PROCBASED_CTLS,
	[CAPS_MSR_VMX_EXIT_CTLS] = MSR_IA32_VMX_EXIT_CTLS,
	[CAPS_MSR_VMX_ENTRY_CTLS] = MSR_IA32_VMX_ENTRY_CTLS,
	[CAPS_MSR_VMX_MISC] = MSR_IA32_VMX_MISC,
	[CAPS_MSR_VMX_CR0_FIXED0] = MSR_IA32_VMX_CR0_FIXED0,
	[CAPS_MSR_VMX_CR0_FIXED1] = MSR_IA32_VMX_CR0_FIXED1,
	[CAPS_MSR_VMX_CR4_FIXED0] = MSR_IA32_VMX_CR4_FIXED0,
	[CAPS_MSR_VMX_CR4_FIXED1] = MSR_IA32_VMX_CR4_FIXED1,
	[CAPS_MSR_VMX_VMCS_ENUM] = MSR_IA32_VMX_VMCS_ENUM,
	[CAPS_MSR_VMX_PROCBASED_CTLS2] = MSR_IA32_VMX_PROCBASED_CTLS2,
	[CAPS_MSR_VMX_EPT_VPID_CAP] = MSR_IA32_VMX_EPT_VPID_CAP,
	[CAPS_MSR_VMX_TRUE_PINBASED_CTLS] = MSR_IA32_VMX_TRUE_PINBASED_CTLS,
	[CAPS_MSR_VMX_TRUE_PROCBASED_CTLS] = MSR_IA32_VMX_TRUE_PROCBASED_CTLS,
	[CAPS_MSR_VMX_TRUE_EXIT_CTLS] = MSR_IA32_VMX_TRUE_EXIT_CTLS,
	[CAPS_MSR_VMX_TRUE_ENTRY_CTLS] = MSR_IA32_VMX_TRUE_ENTRY_CTLS,
	[CAPS_MSR_VMX_VMFUNC] = MSR_IA32_VMX_VMFUNC,
};

const char *const caps_msr_name[CAPS_MSR_COUNT] = {
	[CAPS_MSR_FEATURE_CONTROL] = "IA32_FEATURE_CONTROL",
	[CAPS_MSR_VMX_BASIC] = "IA32_VMX_BASIC",
	[CAPS_MSR_VMX_PINBASED_CTLS] = "IA32_VMX_PINBASED_CTLS",
	[CAPS_MSR_VMX_PROCBASED_CTLS] = "IA32_VMX_PROCBASED_CTLS",
	[CAPS_MSR_VMX_EXIT_CTLS] = "IA32_VMX_EXIT_CTLS",
	[CAPS_MSR_VMX_ENTRY_CTLS] = "IA32_VMX_ENTRY_CTLS",
	[CAPS_MSR_VMX_MISC] = "IA32_VMX_MISC",
	[CAPS_MSR_VMX_CR0_FIXED0] = "IA32_VMX_CR0_FIXED0",
	[CAPS_MSR_VMX_CR0_FIXED1] = "IA32_VMX_CR0_FIXED1",
	[CAPS_MSR_VMX_CR4_FIXED0] = "IA32_VMX_CR4_FIXED0",
	[CAPS_MSR_VMX_CR4_FIXED1] = "IA32_VMX_CR4_FIXED1",
	[CAPS_MSR_VMX_VMCS_ENUM] = "IA32_VMX_VMCS_ENUM",
	[CAPS_MSR_VMX_PROCBASED_CTLS2] = "IA32_VMX_PROCBASED_CTLS2",
	[CAPS_MSR_VMX_EPT_VPID_CAP] = "IA32_VMX_EPT_VPID_CAP",
	[CAPS_MSR_VMX_TRUE_PINBASED_CTLS] = "IA32_VMX_TRUE_PINBASED_CTLS",
	[CAPS_MSR_VMX_TRUE_PROCBASED_CTLS] = "IA32_VMX_TRUE_PROCBASED_CTLS",
	[CAPS_MSR_VMX_TRUE_EXIT_CTLS] = "IA32_VMX_TRUE_EXIT_CTLS",
	[CAPS_MSR_VMX_TRUE_ENTRY_CTLS] = "IA32_VMX_TRUE_ENTRY_CTLS",
	[CAPS_MSR_VMX_VMFUNC] = "IA32_VMX_VMFUNC",
};

/*
 * KVM's vmx_preemption_cpu_tfms[] (arch/x86/kvm/vmx/vmx.c), itself taken from
 * VirtualBox: Nehalem/Westmere parts whose errata (e.g. AAT59, AAU65, BA86)
 * make the VMX-preemption timer count at the wrong rate.
 */
static const uint32_t caps_broken_preemption_signatures[] = {
	0x000206e6U, 0x00020652U, 0x00020655U, 0x000106e5U, 0x000106a0U,
	0x000106a1U, 0x000106a4U, 0x000106a5U, 0x000306a8U,
};

/* CPUID.1:EAX bits 15:14 and 31:28 are reserved; KVM clears them before comparing. */
#define CAPS_SIGNATURE_RESERVED	((0x3U << 14) | (0xfU << 28))

bool vmx_caps_is_preemption_timer_broken(uint32_t signature)
{
	uint32_t sig = signature & ~CAPS_SIGNATURE_RESERVED;

	for (size_t i = 0; i < TV_ARRAY_SIZE(caps_broken_preemption_signatures); i++)
		if (sig == caps_broken_preemption_signatures[i])
			return true;
	return false;
}

uint32_t vmx_caps_adjust_controls(uint64_t cap_msr, uint32_t want, uint32_t *out)
{
	uint32_t required1 = (uint32_t)cap_msr;
	uint32_t allowed1 = (uint32_t)(cap_msr >> 32);

	*out = (want | required1) & allowed1;
	return want & ~allowed1;
}

/* A leaf counts if it was read and lies within the range CPUID reports. */
static const struct cpuid_regs *caps_leaf(const struct cpu_caps_raw *raw,
					  const struct cpu_caps *c, enum caps_leaf leaf)
{
	uint32_t n = caps_leaf_number[leaf];

	if (!(raw->cpuid_valid & (1U << leaf)))
		return NULL;
	if (leaf == CAPS_LEAF_HV_0)
		return c->has_hypervisor ? &raw->cpuid[leaf] : NULL;
	if (n >= 0x80000000U) {
		if (leaf != CAPS_LEAF_EXT_0 && n > c->max_ext_leaf)
			return NULL;
	} else if (leaf != CAPS_LEAF_0 && n > c->max_leaf) {
		return NULL;
	}
	return &raw->cpuid[leaf];
}

static bool caps_msr(const struct cpu_caps_raw *raw, enum caps_msr m, uint64_t *v)
{
	if (!(raw->msr_valid & (1U << m))) {
		*v = 0;
		return false;
	}
	*v = raw->msr[m];
	return true;
}

/* Twelve vendor bytes from three registers, in the order CPUID defines them. */
static void caps_vendor(char out[13], uint32_t a, uint32_t b, uint32_t c)
{
	uint32_t r[3] = { a, b, c };

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 4; j++) {
			char ch = (char)(r[i] >> (8 * j));

			/* Keep the report printable whatever a hypervisor returns. */
			out[i * 4 + j] = (ch >= 0x20 && ch < 0x7f) ? ch : (ch ? '?' : ' ');
		}
	out[12] = '\0';
	/* Names shorter than 12 bytes are padded with NULs (KVM: "KVMKVMKVM\0\0\0"). */
	for (int i = 11; i >= 0 && out[i] == ' '; i--)
		out[i] = '\0';
}

static void caps_decode_cpuid(const struct cpu_caps_raw *raw, struct cpu_caps *c)
{
	const struct cpuid_regs *l;

	if ((l = caps_leaf(raw, c, CAPS_LEAF_0))) {
		c->max_leaf = l->eax;
		caps_vendor(c->vendor, l->ebx, l->edx, l->ecx);
		c->is_intel = tv_strcmp(c->vendor, "GenuineIntel") == 0;
	}
	if ((l = caps_leaf(raw, c, CAPS_LEAF_EXT_0)) && l->eax >= 0x80000000U)
		c->max_ext_leaf = l->eax;

	if ((l = caps_leaf(raw, c, CAPS_LEAF_1))) {
		uint32_t base_family = (l->eax >> 8) & 0xfU;
		uint32_t base_model = (l->eax >> 4) & 0xfU;

		c->signature = l->eax;
		c->stepping = l->eax & 0xfU;
		/* SDM Vol. 2A, CPUID "Version Information": the extended fields apply to families 6 and 15. */
		c->family = base_family;
		if (base_family == 0xfU)
			c->family += (l->eax >> 20) & 0xffU;
		c->model = base_model;
		if (base_family == 0x6U || base_family == 0xfU)
			c->model += ((l->eax >> 16) & 0xfU) << 4;
		c->has_vmx = l->ecx & CPUID_1_ECX_VMX;
		c->has_smx = l->ecx & CPUID_1_ECX_SMX;
		c->has_x2apic = l->ecx & CPUID_1_ECX_X2APIC;
		c->has_tsc_deadline = l->ecx & CPUID_1_ECX_TSC_DEADLINE;
		c->has_hypervisor = l->ecx & CPUID_1_ECX_HYPERVISOR;
	}
	if ((l = caps_leaf(raw, c, CAPS_LEAF_6)))
		c->has_arat = l->eax & CPUID_6_EAX_ARAT;
	if ((l = caps_leaf(raw, c, CAPS_LEAF_HV_0))) {
		c->hypervisor_max_leaf = l->eax;
		caps_vendor(c->hypervisor_vendor, l->ebx, l->ecx, l->edx);
	}
	if ((l = caps_leaf(raw, c, CAPS_LEAF_EXT_1)))
		c->has_lm = l->edx & CPUID_80000001_EDX_LM;
	if ((l = caps_leaf(raw, c, CAPS_LEAF_EXT_7))) {
		c->is_invariant_tsc_known = true;
		c->has_invariant_tsc = l->edx & CPUID_80000007_EDX_INVARIANT_TSC;
	}
	if ((l = caps_leaf(raw, c, CAPS_LEAF_EXT_8)))
		c->phys_addr_bits = l->eax & 0xffU;

	/*
	 * SDM Vol. 2A, CPUID leaf 15H: "TSC frequency = core crystal clock
	 * frequency * EBX/EAX", where ECX is the crystal frequency in Hz or 0
	 * if not enumerated.  Without a crystal, leaf 16H's base frequency (MHz)
	 * is the nominal TSC rate on the parts that report it, which is also
	 * what Linux derives the missing crystal from.
	 */
	if ((l = caps_leaf(raw, c, CAPS_LEAF_15)) && l->eax && l->ebx && l->ecx) {
		c->tsc_khz = (uint64_t)l->ecx * l->ebx / l->eax / 1000U;
		c->tsc_source = CAPS_TSC_CPUID_15;
	} else if ((l = caps_leaf(raw, c, CAPS_LEAF_16)) && (l->eax & 0xffffU)) {
		c->tsc_khz = (uint64_t)(l->eax & 0xffffU) * 1000U;
		c->tsc_source = CAPS_TSC_CPUID_16;
	}
}

static void caps_decode_feature_control(const struct cpu_caps_raw *raw, struct cpu_caps *c)
{
	uint64_t fc;

	if (!c->has_vmx) {
		c->fc_state = VMX_FC_NO_VTX;
		return;
	}
	if (!caps_msr(raw, CAPS_MSR_FEATURE_CONTROL, &fc)) {
		c->fc_state = VMX_FC_UNREADABLE;
		return;
	}
	c->feature_control = fc;
	/*
	 * SDM Vol. 3C, "Enabling and Entering VMX Operation": VMXON outside
	 * SMX operation #GPs unless IA32_FEATURE_CONTROL has both the lock bit
	 * and bit 2 set; once locked, the MSR cannot change until reset.
	 */
	if (fc & FEATURE_CONTROL_LOCK)
		c->fc_state = (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX) ? VMX_FC_LOCKED_ON
								   : VMX_FC_LOCKED_OFF;
	else {
		c->fc_state = VMX_FC_UNLOCKED;
		c->fc_write_value = fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX;
	}
}

/*
 * Read the VMX capability MSRs into v, each only where the SDM says it
 * exists.  @return false without IA32_VMX_BASIC (nothing else is read).
 */
static bool caps_read_vmx_msrs(const struct cpu_caps_raw *raw, struct vmx_caps *v)
{
	uint64_t basic;
	uint32_t proc2 = 0;

	if (!caps_msr(raw, CAPS_MSR_VMX_BASIC, &basic))
		return false;
	v->has_basic = true;
	v->vmcs_revision = (uint32_t)(basic & VMX_BASIC_REVISION_MASK);
	v->vmcs_region_size = (uint32_t)((basic >> VMX_BASIC_REGION_SIZE_SHIFT) &
					 VMX_BASIC_REGION_SIZE_MASK);
	v->vmcs_memory_type = (unsigned int)((basic >> VMX_BASIC_MEMTYPE_SHIFT) &
					     VMX_BASIC_MEMTYPE_MASK);
	v->is_phys_32bit = basic & VMX_BASIC_PHYS_32BIT;
	v->has_true_controls = basic & VMX_BASIC_TRUE_CTLS;

	/*
	 * SDM Vol. 3D, A.2 "Reserved Controls and Default Settings": with
	 * IA32_VMX_BASIC[55] set, the TRUE_ MSRs report which default-1 controls
	 * may in fact be 0; their allowed-1 halves equal the plain MSRs'.
	 */
	if (v->has_true_controls) {
		caps_msr(raw, CAPS_MSR_VMX_TRUE_PINBASED_CTLS, &v->pinbased);
		caps_msr(raw, CAPS_MSR_VMX_TRUE_PROCBASED_CTLS, &v->procbased);
		caps_msr(raw, CAPS_MSR_VMX_TRUE_EXIT_CTLS, &v->exit);
		caps_msr(raw, CAPS_MSR_VMX_TRUE_ENTRY_CTLS, &v->entry);
	} else {
		caps_msr(raw, CAPS_MSR_VMX_PINBASED_CTLS, &v->pinbased);
		caps_msr(raw, CAPS_MSR_VMX_PROCBASED_CTLS, &v->procbased);
		caps_msr(raw, CAPS_MSR_VMX_EXIT_CTLS, &v->exit);
		caps_msr(raw, CAPS_MSR_VMX_ENTRY_CTLS, &v->entry);
	}
	/* IA32_VMX_PROCBASED_CTLS2 exists only if "activate secondary controls" may be 1. */
	v->has_secondary_controls = (v->procbased >> 32) & VMX_PROC_SECONDARY_CONTROLS;
	if (v->has_secondary_controls && caps_msr(raw, CAPS_MSR_VMX_PROCBASED_CTLS2, &v->procbased2))
		proc2 = (uint32_t)(v->procbased2 >> 32);
	caps_msr(raw, CAPS_MSR_VMX_MISC, &v->misc);
	caps_msr(raw, CAPS_MSR_VMX_CR0_FIXED0, &v->cr0_fixed0);
	caps_msr(raw, CAPS_MSR_VMX_CR0_FIXED1, &v->cr0_fixed1);
	caps_msr(raw, CAPS_MSR_VMX_CR4_FIXED0, &v->cr4_fixed0);
	caps_msr(raw, CAPS_MSR_VMX_CR4_FIXED1, &v->cr4_fixed1);
	/* The EPT/VPID and VMFUNC MSRs exist only if a control that needs them may be 1. */
	if (proc2 & (VMX_PROC2_EPT | VMX_PROC2_VPID))
		caps_msr(raw, CAPS_MSR_VMX_EPT_VPID_CAP, &v->ept_vpid);
	if (proc2 & VMX_PROC2_VMFUNC)
		caps_msr(raw, CAPS_MSR_VMX_VMFUNC, &v->vmfunc);
	return true;
}

/* The pin-based and primary processor-based controls that may be 1 (allowed-1, bits 63:32). */
static void caps_decode_pin_proc(struct vmx_caps *v, uint32_t signature)
{
	uint32_t pin = (uint32_t)(v->pinbased >> 32), proc = (uint32_t)(v->procbased >> 32);

	v->has_ext_intr_exiting = pin & VMX_PIN_EXT_INTR_EXITING;
	v->has_nmi_exiting = pin & VMX_PIN_NMI_EXITING;
	v->has_virtual_nmis = pin & VMX_PIN_VIRTUAL_NMIS;
	v->has_preemption_timer = pin & VMX_PIN_PREEMPTION_TIMER;
	v->has_posted_interrupts = pin & VMX_PIN_POSTED_INTERRUPTS;
	v->is_preemption_timer_broken = v->has_preemption_timer &&
					vmx_caps_is_preemption_timer_broken(signature);
	/* SDM Vol. 3D, A.6: "the VMX-preemption timer counts down by 1 every time bit X in the TSC changes". */
	v->preemption_timer_rate = (unsigned int)(v->misc & VMX_MISC_PREEMPT_RATE_MASK);

	v->has_intr_window_exiting = proc & VMX_PROC_INTR_WINDOW_EXITING;
	v->has_nmi_window_exiting = proc & VMX_PROC_NMI_WINDOW_EXITING;
	v->has_tsc_offsetting = proc & VMX_PROC_TSC_OFFSETTING;
	v->has_hlt_exiting = proc & VMX_PROC_HLT_EXITING;
	v->has_tpr_shadow = proc & VMX_PROC_TPR_SHADOW;
	v->has_io_bitmaps = proc & VMX_PROC_IO_BITMAPS;
	v->has_msr_bitmaps = proc & VMX_PROC_MSR_BITMAPS;
	v->has_monitor_trap_flag = proc & VMX_PROC_MONITOR_TRAP_FLAG;
}

/*
 * The secondary, VM-exit and VM-entry controls that may be 1
 * (IA32_VMX_PROCBASED_CTLS2 reads as 0 where it does not exist).
 */
static void caps_decode_proc2_exit_entry(struct vmx_caps *v)
{
	uint32_t proc2 = (uint32_t)(v->procbased2 >> 32);
	uint32_t exit = (uint32_t)(v->exit >> 32), entry = (uint32_t)(v->entry >> 32);

	v->has_apic_access = proc2 & VMX_PROC2_VIRT_APIC_ACCESSES;
	v->has_ept = proc2 & VMX_PROC2_EPT;
	v->has_rdtscp = proc2 & VMX_PROC2_RDTSCP;
	v->has_x2apic_virt = proc2 & VMX_PROC2_VIRT_X2APIC_MODE;
	v->has_vpid = proc2 & VMX_PROC2_VPID;
	v->has_unrestricted_guest = proc2 & VMX_PROC2_UNRESTRICTED_GUEST;
	v->has_apic_register_virt = proc2 & VMX_PROC2_APIC_REGISTER_VIRT;
	v->has_virtual_intr_delivery = proc2 & VMX_PROC2_VIRT_INTR_DELIVERY;
	v->has_vmfunc = proc2 & VMX_PROC2_VMFUNC;
	v->has_tsc_scaling = proc2 & VMX_PROC2_TSC_SCALING;

	v->has_ack_intr_on_exit = exit & VMX_EXIT_ACK_INTR_ON_EXIT;
	v->has_save_pat = exit & VMX_EXIT_SAVE_PAT;
	v->has_load_pat_exit = exit & VMX_EXIT_LOAD_PAT;
	v->has_save_efer = exit & VMX_EXIT_SAVE_EFER;
	v->has_load_efer_exit = exit & VMX_EXIT_LOAD_EFER;
	v->has_save_preemption_timer = exit & VMX_EXIT_SAVE_PREEMPTION_TIMER;
	v->has_ia32e_guest = entry & VMX_ENTRY_IA32E_MODE_GUEST;
	v->has_load_pat = entry & VMX_ENTRY_LOAD_PAT;
	v->has_load_efer = entry & VMX_ENTRY_LOAD_EFER;
}

/* IA32_VMX_EPT_VPID_CAP (only where EPT or VPID may be used) and the activity states of IA32_VMX_MISC. */
static void caps_decode_ept_vpid_misc(struct vmx_caps *v)
{
	uint64_t m = v->ept_vpid;

	if (v->has_ept) {
		v->has_ept_4level = m & VMX_EPT_WALK_4;
		v->has_ept_ad = m & VMX_EPT_AD;
		v->has_ept_2m = m & VMX_EPT_PAGE_2M;
		v->has_ept_1g = m & VMX_EPT_PAGE_1G;
		v->has_ept_wb = m & VMX_EPT_MEMTYPE_WB;
		v->has_ept_uc = m & VMX_EPT_MEMTYPE_UC;
		v->has_invept = m & VMX_EPT_INVEPT;
		v->has_invept_single = m & VMX_EPT_INVEPT_SINGLE;
		v->has_invept_all = m & VMX_EPT_INVEPT_ALL;
	}
	if (v->has_vpid) {
		v->has_invvpid = m & VMX_VPID_INVVPID;
		v->has_invvpid_addr = m & VMX_VPID_INVVPID_ADDR;
		v->has_invvpid_single = m & VMX_VPID_INVVPID_SINGLE;
		v->has_invvpid_all = m & VMX_VPID_INVVPID_ALL;
		v->has_invvpid_single_globals = m & VMX_VPID_INVVPID_SINGLE_GLOBALS;
	}
	v->has_activity_hlt = v->misc & VMX_MISC_ACTIVITY_HLT;
	v->has_activity_shutdown = v->misc & VMX_MISC_ACTIVITY_SHUTDOWN;
	v->has_activity_wait_sipi = v->misc & VMX_MISC_ACTIVITY_WAIT_SIPI;
}

static void caps_decode_vmx(const struct cpu_caps_raw *raw, struct cpu_caps *c)
{
	if (!c->has_vmx || !caps_read_vmx_msrs(raw, &c->vmx))
		return;
	caps_decode_pin_proc(&c->vmx, c->signature);
	caps_decode_proc2_exit_entry(&c->vmx);
	caps_decode_ept_vpid_misc(&c->vmx);
}

int vmx_caps_decode(const struct cpu_caps_raw *raw, struct cpu_caps *out)
{
	tv_memset(out, 0, sizeof(*out));
	caps_decode_cpuid(raw, out);
	caps_decode_feature_control(raw, out);
	caps_decode_vmx(raw, out);
	out->is_vmx_usable = out->has_vmx && out->vmx.has_basic &&
			     (out->fc_state == VMX_FC_LOCKED_ON || out->fc_state == VMX_FC_UNLOCKED);
	return 0;
}

struct caps_out {
	void (*emit)(void *ctx, enum tv_log_level level, const char *prefix, const char *text);
	void *ctx;
};

static void caps_line(const struct caps_out *o, enum tv_log_level level, const char *prefix,
		      const char *fmt, ...) TV_PRINTF(4, 5);

static void caps_line(const struct caps_out *o, enum tv_log_level level, const char *prefix,
		      const char *fmt, ...)
{
	char line[CAPS_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	tv_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->emit(o->ctx, level, prefix, line);
}

static const char *caps_yes(bool b)
{
	return b ? "yes" : "no";
}

static const char *caps_memtype_name(unsigned int t)
{
	switch (t) {
	case VMX_MEMTYPE_UC: return "UC";
	case VMX_MEMTYPE_WB: return "WB";
	default: return "reserved";
	}
}

static void caps_report_cpu(const struct cpu_caps *c, const struct caps_out *o)
{
	caps_line(o, TV_LOG_INFO, "cpu: ", "%s family %u model 0x%x stepping %u (signature 0x%x)",
		  c->vendor[0] ? c->vendor : "unknown-vendor", c->family, c->model, c->stepping,
		  c->signature);
	if (!c->has_hypervisor)
		caps_line(o, TV_LOG_INFO, "cpu: ", "hypervisor: none (CPUID.1:ECX[31] clear)");
	else if (c->hypervisor_vendor[0])
		caps_line(o, TV_LOG_INFO, "cpu: ", "hypervisor: running under \"%s\" (max leaf 0x%x)",
			  c->hypervisor_vendor, c->hypervisor_max_leaf);
	else
		caps_line(o, TV_LOG_INFO, "cpu: ", "hypervisor: running under one (vendor leaf not read)");
	caps_line(o, TV_LOG_INFO, "cpu: ", "x2APIC: %s", caps_yes(c->has_x2apic));
	caps_line(o, TV_LOG_INFO, "cpu: ", "TSC-deadline: %s", caps_yes(c->has_tsc_deadline));
	if (c->is_invariant_tsc_known)
		caps_line(o, TV_LOG_INFO, "cpu: ", "invariant TSC: %s", caps_yes(c->has_invariant_tsc));
	else
		caps_line(o, TV_LOG_INFO, "cpu: ", "invariant TSC: unknown (leaf 0x80000007 not read)");
	caps_line(o, TV_LOG_INFO, "cpu: ", "APIC timer always running (ARAT): %s",
		  caps_yes(c->has_arat));
	switch (c->tsc_source) {
	case CAPS_TSC_CPUID_15:
		caps_line(o, TV_LOG_INFO, "cpu: ", "TSC frequency: %llu kHz from CPUID 0x15 (crystal x ratio)",
			  (unsigned long long)c->tsc_khz);
		break;
	case CAPS_TSC_CPUID_16:
		caps_line(o, TV_LOG_INFO, "cpu: ",
			  "TSC frequency: %llu kHz from CPUID 0x16 base frequency (0x15 gives no crystal)",
			  (unsigned long long)c->tsc_khz);
		break;
	case CAPS_TSC_NONE:
		caps_line(o, TV_LOG_INFO, "cpu: ",
			  "TSC frequency: not enumerated by CPUID: calibrate against the HPET, else the PIT");
		break;
	}
	if (c->has_hypervisor && c->tsc_source != CAPS_TSC_NONE)
		caps_line(o, TV_LOG_INFO, "cpu: ",
			  "TSC frequency from CPUID under a hypervisor may be made up: calibrate to check");
	if (!c->has_tsc_deadline)
		caps_line(o, TV_LOG_WARN, "cpu: ",
			  "no TSC-deadline mode: timer=tsc-deadline unavailable, the fallback queue uses the HPET or polling");
	if (c->is_invariant_tsc_known && !c->has_invariant_tsc)
		caps_line(o, TV_LOG_WARN, "cpu: ",
			  "no invariant TSC: the TSC rate may change with power states, deadlines may drift");
}

static void caps_report_feature_control(const struct cpu_caps *c, const struct caps_out *o)
{
	switch (c->fc_state) {
	case VMX_FC_NO_VTX:
		caps_line(o, TV_LOG_ERR, "vmx: ",
			  "VT-x absent (CPUID.1:ECX.VMX = 0): no guest can run; on an Intel host use "
			  "kvm_intel nested=1 and -cpu host,+vmx, on bare metal enable VT-x in firmware setup");
		break;
	case VMX_FC_UNREADABLE:
		caps_line(o, TV_LOG_WARN, "vmx: ",
			  "IA32_FEATURE_CONTROL not readable: leaving it alone, VMXON will tell");
		break;
	case VMX_FC_LOCKED_OFF:
		caps_line(o, TV_LOG_ERR, "vmx: ",
			  "IA32_FEATURE_CONTROL 0x%llx: locked by firmware with VMX outside SMX off: "
			  "VT-x disabled, enable it in firmware setup", (unsigned long long)c->feature_control);
		break;
	case VMX_FC_LOCKED_ON:
		caps_line(o, TV_LOG_INFO, "vmx: ",
			  "IA32_FEATURE_CONTROL 0x%llx: locked with VMX outside SMX on: nothing to change",
			  (unsigned long long)c->feature_control);
		break;
	case VMX_FC_UNLOCKED:
		caps_line(o, TV_LOG_INFO, "vmx: ",
			  "IA32_FEATURE_CONTROL 0x%llx: unlocked: setting lock and VMX outside SMX (0x%llx)",
			  (unsigned long long)c->feature_control, (unsigned long long)c->fc_write_value);
		break;
	}
}

static void caps_report_controls(const struct vmx_caps *v, const struct caps_out *o)
{
	const char *t = v->has_true_controls ? "TRUE_" : "";

	caps_line(o, TV_LOG_INFO, "vmx: ", "IA32_VMX_%sPINBASED_CTLS 0x%016llx", t,
		  (unsigned long long)v->pinbased);
	caps_line(o, TV_LOG_INFO, "vmx: ", "IA32_VMX_%sPROCBASED_CTLS 0x%016llx", t,
		  (unsigned long long)v->procbased);
	caps_line(o, TV_LOG_INFO, "vmx: ", "IA32_VMX_PROCBASED_CTLS2 0x%016llx",
		  (unsigned long long)v->procbased2);
	caps_line(o, TV_LOG_INFO, "vmx: ", "IA32_VMX_%sEXIT_CTLS 0x%016llx", t,
		  (unsigned long long)v->exit);
	caps_line(o, TV_LOG_INFO, "vmx: ", "IA32_VMX_%sENTRY_CTLS 0x%016llx", t,
		  (unsigned long long)v->entry);
	caps_line(o, TV_LOG_INFO, "vmx: ", "IA32_VMX_MISC 0x%016llx, IA32_VMX_EPT_VPID_CAP 0x%016llx",
		  (unsigned long long)v->misc, (unsigned long long)v->ept_vpid);
	caps_line(o, TV_LOG_INFO, "vmx: ", "CR0 fixed0 0x%llx fixed1 0x%llx, CR4 fixed0 0x%llx fixed1 0x%llx",
		  (unsigned long long)v->cr0_fixed0, (unsigned long long)v->cr0_fixed1,
		  (unsigned long long)v->cr4_fixed0, (unsigned long long)v->cr4_fixed1);
}

static void caps_report_features(const struct cpu_caps *c, const struct caps_out *o)
{
	const struct vmx_caps *v = &c->vmx;

	if (v->has_preemption_timer)
		caps_line(o, TV_LOG_INFO, "vmx: ", "VMX-preemption timer: yes, rate 2^%u TSC ticks per count%s",
			  v->preemption_timer_rate,
			  v->is_preemption_timer_broken ? " (on KVM's broken list: not used)" : "");
	else
		caps_line(o, TV_LOG_INFO, "vmx: ", "VMX-preemption timer: no");
	caps_line(o, TV_LOG_INFO, "vmx: ", "save VMX-preemption timer: %s",
		  caps_yes(v->has_save_preemption_timer));
	if (v->has_ept)
		caps_line(o, TV_LOG_INFO, "vmx: ", "EPT: yes (4-level: %s, A/D: %s, 2M: %s, 1G: %s, WB: %s)",
			  caps_yes(v->has_ept_4level), caps_yes(v->has_ept_ad), caps_yes(v->has_ept_2m),
			  caps_yes(v->has_ept_1g), caps_yes(v->has_ept_wb));
	else
		caps_line(o, TV_LOG_INFO, "vmx: ", "EPT: no");
	caps_line(o, TV_LOG_INFO, "vmx: ", "unrestricted guest: %s", caps_yes(v->has_unrestricted_guest));
	if (v->has_vpid)
		caps_line(o, TV_LOG_INFO, "vmx: ", "VPID: yes (INVVPID:%s%s%s%s%s)",
			  v->has_invvpid ? "" : " none",
			  v->has_invvpid_addr ? " individual-address" : "",
			  v->has_invvpid_single ? " single-context" : "",
			  v->has_invvpid_all ? " all-context" : "",
			  v->has_invvpid_single_globals ? " single-context-retaining-globals" : "");
	else
		caps_line(o, TV_LOG_INFO, "vmx: ", "VPID: no");
	caps_line(o, TV_LOG_INFO, "vmx: ", "APIC-access page: %s", caps_yes(v->has_apic_access));
	caps_line(o, TV_LOG_INFO, "vmx: ", "TPR shadow: %s", caps_yes(v->has_tpr_shadow));
	caps_line(o, TV_LOG_INFO, "vmx: ", "APIC-register virtualization: %s",
		  caps_yes(v->has_apic_register_virt));
	caps_line(o, TV_LOG_INFO, "vmx: ", "virtual-interrupt delivery: %s",
		  caps_yes(v->has_virtual_intr_delivery));
	caps_line(o, TV_LOG_INFO, "vmx: ", "x2APIC virtualization: %s", caps_yes(v->has_x2apic_virt));
	caps_line(o, TV_LOG_INFO, "vmx: ", "posted interrupts: %s", caps_yes(v->has_posted_interrupts));
	caps_line(o, TV_LOG_INFO, "vmx: ", "TSC offsetting: %s, TSC scaling: %s",
		  caps_yes(v->has_tsc_offsetting), caps_yes(v->has_tsc_scaling));
	caps_line(o, TV_LOG_INFO, "vmx: ", "MSR bitmaps: %s, I/O bitmaps: %s",
		  caps_yes(v->has_msr_bitmaps), caps_yes(v->has_io_bitmaps));
	caps_line(o, TV_LOG_INFO, "vmx: ", "HLT exiting: %s", caps_yes(v->has_hlt_exiting));
	caps_line(o, TV_LOG_INFO, "vmx: ", "external-interrupt exiting: %s, acknowledge interrupt on exit: %s",
		  caps_yes(v->has_ext_intr_exiting), caps_yes(v->has_ack_intr_on_exit));
	caps_line(o, TV_LOG_INFO, "vmx: ", "NMI exiting: %s, virtual NMIs: %s",
		  caps_yes(v->has_nmi_exiting), caps_yes(v->has_virtual_nmis));
	caps_line(o, TV_LOG_INFO, "vmx: ", "load/save EFER: %s/%s, load/save PAT: %s/%s",
		  caps_yes(v->has_load_efer), caps_yes(v->has_save_efer),
		  caps_yes(v->has_load_pat), caps_yes(v->has_save_pat));
	caps_line(o, TV_LOG_INFO, "vmx: ", "monitor trap flag: %s", caps_yes(v->has_monitor_trap_flag));
	caps_line(o, TV_LOG_INFO, "vmx: ", "activity states:%s%s%s%s",
		  v->has_activity_hlt ? " HLT" : "", v->has_activity_shutdown ? " shutdown" : "",
		  v->has_activity_wait_sipi ? " wait-for-SIPI" : "",
		  (v->has_activity_hlt || v->has_activity_shutdown || v->has_activity_wait_sipi) ?
			"" : " active only");
}

/* One line per missing feature we rely on, saying what will not work. */
static void caps_report_missing(const struct cpu_caps *c, const struct caps_out *o)
{
	const struct vmx_caps *v = &c->vmx;

	if (!v->has_ept || !v->has_unrestricted_guest)
		caps_line(o, TV_LOG_ERR, "vmx: ",
			  "no %s: guests cannot run (EPT and unrestricted guest are both required)",
			  !v->has_ept ? (v->has_unrestricted_guest ? "EPT" : "EPT or unrestricted guest")
				      : "unrestricted guest");
	if (!v->has_preemption_timer)
		caps_line(o, TV_LOG_WARN, "vmx: ",
			  "no VMX-preemption timer: timer expiry will use the host fallback queue only");
	else if (v->is_preemption_timer_broken)
		caps_line(o, TV_LOG_WARN, "vmx: ",
			  "VMX-preemption timer broken on this CPU (signature 0x%x is on KVM's list): "
			  "timer expiry will use the host fallback queue only", c->signature);
	if (!v->has_apic_register_virt)
		caps_line(o, TV_LOG_WARN, "vmx: ",
			  "no APIC-register virtualization: APIC-write path unavailable, xAPIC accesses "
			  "fall back to %s with instruction decoding",
			  v->has_apic_access ? "APIC-access exits" : "EPT violations");
	if (!v->has_apic_access)
		caps_line(o, TV_LOG_WARN, "vmx: ",
			  "no APIC-access page: xAPIC MMIO is trapped through EPT violations");
	if (!v->has_tpr_shadow)
		caps_line(o, TV_LOG_WARN, "vmx: ", "no TPR shadow: every CR8 access exits");
	if (!v->has_hlt_exiting)
		caps_line(o, TV_LOG_WARN, "vmx: ",
			  "no HLT exiting: a halted guest cannot be woken by the host fallback queue");
	if (!v->has_msr_bitmaps)
		caps_line(o, TV_LOG_WARN, "vmx: ", "no MSR bitmaps: every RDMSR and WRMSR exits");
	if (!v->has_io_bitmaps)
		caps_line(o, TV_LOG_WARN, "vmx: ", "no I/O bitmaps: every port access exits");
	if (!v->has_ext_intr_exiting || !v->has_ack_intr_on_exit)
		caps_line(o, TV_LOG_WARN, "vmx: ",
			  "no external-interrupt exiting with acknowledge on exit: a host timer interrupt "
			  "cannot force a running guest out");
}

void vmx_caps_report(const struct cpu_caps *c,
		     void (*emit)(void *ctx, enum tv_log_level level, const char *prefix,
				  const char *text),
		     void *ctx)
{
	const struct caps_out o = { emit, ctx };
	const struct vmx_caps *v = &c->vmx;

	caps_report_cpu(c, &o);
	caps_report_feature_control(c, &o);
	if (!c->has_vmx)
		return;
	if (!v->has_basic) {
		caps_line(&o, TV_LOG_ERR, "vmx: ", "IA32_VMX_BASIC not readable: VMX capabilities unknown");
		return;
	}
	caps_line(&o, TV_LOG_INFO, "vmx: ",
		  "VMCS revision 0x%x, region %u bytes, memory type %s, true controls: %s%s",
		  v->vmcs_revision, v->vmcs_region_size, caps_memtype_name(v->vmcs_memory_type),
		  caps_yes(v->has_true_controls), v->is_phys_32bit ? ", regions below 4 GiB" : "");
	caps_report_controls(v, &o);
	caps_report_features(c, &o);
	caps_report_missing(c, &o);
}
