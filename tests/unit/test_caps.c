/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * vmx/caps: decoding of CPUID and VMX capability MSRs, from values recorded
 * on real CPUs (the .txt files in tests/unit/data, sources named in each file) and from
 * edits of them for the rules no recording covers.
 */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <x86/vmx_caps.h>

#include "../../vmx/caps.h"

#define DATA_DIR	"tests/unit/data/"

/* Read one recording; false (with a failed check) on a missing file or a bad line. */
static bool load_record(const char *name, struct cpu_caps_raw *raw)
{
	char path[256], line[256];
	unsigned int lineno = 0;
	bool ok = true;
	FILE *f;

	memset(raw, 0, sizeof(*raw));
	snprintf(path, sizeof(path), DATA_DIR "%s", name);
	f = fopen(path, "r");
	if (!UT_CHECK_MSG(f != NULL, "cannot open %s: %s", path, strerror(errno)))
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#');
		char key[64];
		unsigned long long a, b, c, d;
		int n;

		lineno++;
		if (hash)
			*hash = '\0';
		if (sscanf(line, " %63s", key) != 1)
			continue;
		if (!strncmp(key, "cpuid.", 6)) {
			unsigned long leaf = strtoul(key + 6, NULL, 16);
			int idx = -1;

			n = sscanf(line, " %*s = %llx %llx %llx %llx", &a, &b, &c, &d);
			for (int i = 0; i < CAPS_LEAF_COUNT; i++)
				if (caps_leaf_number[i] == leaf)
					idx = i;
			if (!UT_CHECK_MSG(n == 4 && idx >= 0, "%s:%u: bad cpuid line", path, lineno)) {
				ok = false;
				continue;
			}
			raw->cpuid[idx] = (struct cpuid_regs){ (uint32_t)a, (uint32_t)b, (uint32_t)c,
							       (uint32_t)d };
			raw->cpuid_valid |= 1U << idx;
		} else if (!strncmp(key, "msr.", 4)) {
			int idx = -1;

			n = sscanf(line, " %*s = %llx", &a);
			for (int i = 0; i < CAPS_MSR_COUNT; i++)
				if (!strcmp(caps_msr_name[i], key + 4))
					idx = i;
			if (!UT_CHECK_MSG(n == 1 && idx >= 0, "%s:%u: bad msr line", path, lineno)) {
				ok = false;
				continue;
			}
			raw->msr[idx] = a;
			raw->msr_valid |= 1U << idx;
		} else {
			UT_CHECK_MSG(false, "%s:%u: unknown key %s", path, lineno, key);
			ok = false;
		}
	}
	fclose(f);
	return ok;
}

/* Collected report lines. */
struct report {
	char lines[96][200];
	enum tv_log_level level[96];
	unsigned int n;
	unsigned int warnings;	/* WARN and ERR lines */
	bool overflow;
};

static void report_collect(void *ctx, enum tv_log_level level, const char *prefix, const char *text)
{
	struct report *r = ctx;

	if (r->n >= TV_ARRAY_SIZE(r->lines)) {
		r->overflow = true;
		return;
	}
	snprintf(r->lines[r->n], sizeof(r->lines[0]), "%s%s", prefix, text);
	r->level[r->n] = level;
	if (level <= TV_LOG_WARN)
		r->warnings++;
	r->n++;
}

/* The line that starts with (or equals) the given text, or NULL. */
static const char *report_find(const struct report *r, const char *start)
{
	for (unsigned int i = 0; i < r->n; i++)
		if (!strncmp(r->lines[i], start, strlen(start)))
			return r->lines[i];
	return NULL;
}

static bool report_has(const struct report *r, const char *start)
{
	return report_find(r, start) != NULL;
}

static struct cpu_caps_raw raw;
static struct cpu_caps caps;
static struct report rep;

static void decode_and_report(void)
{
	UT_EQ(vmx_caps_decode(&raw, &caps), 0);
	memset(&rep, 0, sizeof(rep));
	vmx_caps_report(&caps, report_collect, &rep);
}

static void caps_ivybridge_i7_3770_record(void)
{
	const struct vmx_caps *v = &caps.vmx;

	if (!load_record("ivybridge_i7_3770.txt", &raw))
		return;
	decode_and_report();
	UT_STREQ(caps.vendor, "GenuineIntel");
	UT_EQ(caps.signature, 0x306a9);
	UT_EQ(caps.family, 6);
	UT_EQ(caps.model, 0x3a);
	UT_EQ(caps.stepping, 9);
	UT_CHECK(!caps.has_hypervisor);
	UT_CHECK(caps.has_x2apic && caps.has_tsc_deadline && caps.has_arat && caps.has_lm);
	UT_CHECK(caps.is_invariant_tsc_known && caps.has_invariant_tsc);
	UT_EQ(caps.phys_addr_bits, 36);
	/* Highest basic leaf 0xd: no CPUID frequency, so calibrate. */
	UT_EQ(caps.tsc_source, CAPS_TSC_NONE);
	UT_EQ(caps.tsc_khz, 0);
	UT_EQ(caps.fc_state, VMX_FC_LOCKED_ON);
	UT_CHECK(caps.is_vmx_usable);
	UT_EQ(v->vmcs_revision, 0x10);
	UT_EQ(v->vmcs_region_size, 1024);
	UT_EQ(v->vmcs_memory_type, VMX_MEMTYPE_WB);
	UT_CHECK(v->has_true_controls);
	UT_CHECK(v->has_preemption_timer && !v->is_preemption_timer_broken);
	UT_EQ(v->preemption_timer_rate, 5);
	UT_CHECK(v->has_save_preemption_timer);
	/* Ivy Bridge EPT: 4-level, 2M, WB, but no A/D flags and no 1G pages. */
	UT_CHECK(v->has_ept && v->has_ept_4level && v->has_ept_2m && v->has_ept_wb);
	UT_CHECK(!v->has_ept_ad && !v->has_ept_1g);
	UT_CHECK(v->has_invept_single && v->has_invept_all);
	UT_CHECK(v->has_unrestricted_guest && v->has_vpid);
	UT_CHECK(v->has_invvpid_addr && v->has_invvpid_single && v->has_invvpid_all &&
		 v->has_invvpid_single_globals);
	UT_CHECK(v->has_apic_access && v->has_tpr_shadow && v->has_x2apic_virt);
	/* Client parts of this generation have no APICv. */
	UT_CHECK(!v->has_apic_register_virt && !v->has_virtual_intr_delivery);
	UT_CHECK(!v->has_posted_interrupts && !v->has_tsc_scaling && !v->has_vmfunc);
	UT_CHECK(v->has_tsc_offsetting && v->has_msr_bitmaps && v->has_io_bitmaps);
	UT_CHECK(v->has_hlt_exiting && v->has_monitor_trap_flag);
	UT_CHECK(v->has_ext_intr_exiting && v->has_ack_intr_on_exit);
	UT_CHECK(v->has_nmi_exiting && v->has_virtual_nmis);
	UT_CHECK(v->has_load_efer && v->has_save_efer && v->has_load_pat && v->has_save_pat);
	UT_CHECK(v->has_activity_hlt && v->has_activity_shutdown && v->has_activity_wait_sipi);
	UT_EQ(v->cr0_fixed0, 0x80000021);
	UT_EQ(v->cr4_fixed1, 0x1767ff);
	UT_EQ(v->procbased2, 0x8ff00000000ULL);
}

static void caps_ivybridge_report_lines(void)
{
	if (!load_record("ivybridge_i7_3770.txt", &raw))
		return;
	decode_and_report();
	UT_CHECK(!rep.overflow);
	UT_CHECK(report_has(&rep, "cpu: GenuineIntel family 6 model 0x3a stepping 9 (signature 0x306a9)"));
	UT_CHECK(report_has(&rep, "cpu: hypervisor: none"));
	UT_CHECK(report_has(&rep, "cpu: invariant TSC: yes"));
	UT_CHECK(report_has(&rep, "cpu: TSC frequency: not enumerated by CPUID: calibrate against the HPET"));
	UT_CHECK(report_has(&rep, "vmx: IA32_FEATURE_CONTROL 0x5: locked with VMX outside SMX on"));
	UT_CHECK(report_has(&rep, "vmx: VMCS revision 0x10, region 1024 bytes, memory type WB, true controls: yes"));
	UT_CHECK(report_has(&rep, "vmx: IA32_VMX_TRUE_PROCBASED_CTLS 0xfff9fffe04006172"));
	UT_CHECK(report_has(&rep, "vmx: VMX-preemption timer: yes, rate 2^5 TSC ticks per count"));
	UT_CHECK(report_has(&rep, "vmx: EPT: yes (4-level: yes, A/D: no, 2M: yes, 1G: no, WB: yes)"));
	UT_CHECK(report_has(&rep, "vmx: VPID: yes (INVVPID: individual-address single-context all-context "
				  "single-context-retaining-globals)"));
	UT_CHECK(report_has(&rep, "vmx: posted interrupts: no"));
	UT_CHECK(report_has(&rep, "vmx: activity states: HLT shutdown wait-for-SIPI"));
	/* The one missing feature we need is APIC-register virtualization. */
	UT_CHECK(report_has(&rep, "vmx: no APIC-register virtualization: APIC-write path unavailable, "
				  "xAPIC accesses fall back to APIC-access exits"));
	UT_EQ(rep.warnings, 1);
}

static void caps_coffeelake_record(void)
{
	const struct vmx_caps *v = &caps.vmx;

	if (!load_record("coffeelake_i7_8750h.txt", &raw))
		return;
	decode_and_report();
	UT_EQ(caps.signature, 0x906ea);
	UT_EQ(caps.family, 6);
	UT_EQ(caps.model, 0x9e);
	UT_EQ(caps.stepping, 10);
	UT_CHECK(caps.has_tsc_deadline && caps.has_x2apic && !caps.has_hypervisor);
	/* The recording has no extended leaves: unknown, not "no". */
	UT_CHECK(!caps.is_invariant_tsc_known);
	UT_EQ(caps.phys_addr_bits, 0);
	/* Leaf 0x15 has a ratio (216/2) but no crystal: fall back to 0x16's 2600 MHz. */
	UT_EQ(caps.tsc_source, CAPS_TSC_CPUID_16);
	UT_EQ(caps.tsc_khz, 2600000);
	UT_EQ(caps.fc_state, VMX_FC_LOCKED_ON);
	UT_EQ(caps.feature_control, 0x20005);
	UT_CHECK(caps.is_vmx_usable);
	UT_EQ(v->vmcs_revision, 0x4);
	UT_EQ(v->preemption_timer_rate, 7);
	UT_CHECK(v->has_preemption_timer && !v->is_preemption_timer_broken);
	UT_CHECK(v->has_ept && v->has_ept_ad && v->has_ept_1g && v->has_ept_2m);
	UT_CHECK(v->has_unrestricted_guest && v->has_vpid && v->has_vmfunc);
	UT_EQ(v->vmfunc, 1);
	UT_CHECK(!v->has_apic_register_virt && !v->has_virtual_intr_delivery);
	UT_CHECK(!v->has_posted_interrupts && !v->has_tsc_scaling);
	UT_CHECK(report_has(&rep, "cpu: invariant TSC: unknown (leaf 0x80000007 not read)"));
	UT_CHECK(report_has(&rep, "cpu: TSC frequency: 2600000 kHz from CPUID 0x16 base frequency"));
	UT_CHECK(report_has(&rep, "vmx: VMX-preemption timer: yes, rate 2^7 TSC ticks per count"));
	UT_CHECK(report_has(&rep, "vmx: EPT: yes (4-level: yes, A/D: yes, 2M: yes, 1G: yes, WB: yes)"));
	UT_EQ(rep.warnings, 1);
}

static void caps_bochs_tigerlake_record(void)
{
	FILE *f = fopen(DATA_DIR "bochs_tigerlake.txt", "r");
	const struct vmx_caps *v = &caps.vmx;

	/* Placeholder until the lead records Bochs's values (format: tests/unit/data/README). */
	if (!f) {
		ut_skip("tests/unit/data/bochs_tigerlake.txt not recorded yet");
		return;
	}
	fclose(f);
	if (!load_record("bochs_tigerlake.txt", &raw))
		return;
	decode_and_report();
	/* What ../shared/platform.md measured for the tigerlake model. */
	UT_STREQ(caps.vendor, "GenuineIntel");
	UT_EQ(caps.fc_state, VMX_FC_UNLOCKED);
	UT_EQ(caps.fc_write_value & 0x5, 0x5);
	UT_CHECK(caps.is_vmx_usable);
	UT_EQ(v->vmcs_revision, 0x4);
	UT_CHECK(v->has_preemption_timer && v->has_save_preemption_timer);
	UT_EQ(v->preemption_timer_rate, 0);
	UT_CHECK(v->has_ept && v->has_ept_ad && v->has_ept_2m && v->has_ept_1g);
	UT_CHECK(v->has_unrestricted_guest && v->has_vpid && v->has_apic_access && v->has_tpr_shadow);
	UT_CHECK(v->has_apic_register_virt && v->has_virtual_intr_delivery && v->has_x2apic_virt);
	UT_CHECK(v->has_tsc_offsetting && v->has_tsc_scaling && v->has_hlt_exiting);
	UT_CHECK(v->has_msr_bitmaps && v->has_io_bitmaps);
	UT_CHECK(!v->has_posted_interrupts);
}

static void caps_broken_preemption_list_matches_kvm(void)
{
	static const uint32_t listed[] = {
		0x206e6, 0x20652, 0x20655, 0x106e5, 0x106a0, 0x106a1, 0x106a4, 0x106a5, 0x306a8,
	};

	for (size_t i = 0; i < TV_ARRAY_SIZE(listed); i++) {
		UT_CHECK_MSG(vmx_caps_is_preemption_timer_broken(listed[i]), "0x%x", listed[i]);
		/* KVM clears the reserved bits 15:14 and 31:28 before comparing. */
		UT_CHECK(vmx_caps_is_preemption_timer_broken(listed[i] | (0x3U << 14) | (0xfU << 28)));
	}
	/* Other steppings, models and extended-family bits are not on the list. */
	UT_CHECK(!vmx_caps_is_preemption_timer_broken(0x306a9));
	UT_CHECK(!vmx_caps_is_preemption_timer_broken(0x106a2));
	UT_CHECK(!vmx_caps_is_preemption_timer_broken(0x106a5 | (1U << 20)));
	UT_CHECK(!vmx_caps_is_preemption_timer_broken(0x106a5 | (1U << 12)));
	UT_CHECK(!vmx_caps_is_preemption_timer_broken(0x906ea));
}

static void caps_nehalem_signature_flags_preemption_timer(void)
{
	/* The Ivy Bridge VMX values with a Nehalem (Xeon 3500, C1) signature. */
	if (!load_record("ivybridge_i7_3770.txt", &raw))
		return;
	raw.cpuid[CAPS_LEAF_1].eax = 0x000106a5;
	decode_and_report();
	UT_EQ(caps.model, 0x1a);
	UT_CHECK(caps.vmx.has_preemption_timer && caps.vmx.is_preemption_timer_broken);
	UT_CHECK(report_has(&rep, "vmx: VMX-preemption timer: yes, rate 2^5 TSC ticks per count "
				  "(on KVM's broken list: not used)"));
	UT_CHECK(report_has(&rep, "vmx: VMX-preemption timer broken on this CPU (signature 0x106a5 is on "
				  "KVM's list): timer expiry will use the host fallback queue only"));
}

static void caps_extended_family_and_model_rules(void)
{
	memset(&raw, 0, sizeof(raw));
	raw.cpuid[CAPS_LEAF_0].eax = 1;
	raw.cpuid_valid = 1U << CAPS_LEAF_0 | 1U << CAPS_LEAF_1;
	/* Family 0xf: extended family added, extended model used (0x00a20f10: family 0x19, model 0x21). */
	raw.cpuid[CAPS_LEAF_1].eax = 0x00a20f10;
	vmx_caps_decode(&raw, &caps);
	UT_EQ(caps.family, 0x19);
	UT_EQ(caps.model, 0x21);
	UT_EQ(caps.stepping, 0);
	/* Family 6: extended model used, extended family ignored. */
	raw.cpuid[CAPS_LEAF_1].eax = 0x0ff906ea;
	vmx_caps_decode(&raw, &caps);
	UT_EQ(caps.family, 6);
	UT_EQ(caps.model, 0x9e);
	/* Other families: both extended fields ignored. */
	raw.cpuid[CAPS_LEAF_1].eax = 0x00050543;
	vmx_caps_decode(&raw, &caps);
	UT_EQ(caps.family, 5);
	UT_EQ(caps.model, 4);
	UT_EQ(caps.stepping, 3);
}

static void caps_feature_control_decisions(void)
{
	static const struct { uint64_t fc; enum vmx_fc_state state; bool usable; uint64_t write; } t[] = {
		{ 0x0, VMX_FC_UNLOCKED, true, 0x5 },
		{ 0x2, VMX_FC_UNLOCKED, true, 0x7 },
		{ 0x1, VMX_FC_LOCKED_OFF, false, 0 },
		{ 0x3, VMX_FC_LOCKED_OFF, false, 0 },	/* only inside SMX: not for us */
		{ 0x5, VMX_FC_LOCKED_ON, true, 0 },
		{ 0x20005, VMX_FC_LOCKED_ON, true, 0 },
	};

	for (size_t i = 0; i < TV_ARRAY_SIZE(t); i++) {
		if (!load_record("ivybridge_i7_3770.txt", &raw))
			return;
		raw.msr[CAPS_MSR_FEATURE_CONTROL] = t[i].fc;
		decode_and_report();
		UT_CHECK_MSG(caps.fc_state == t[i].state, "fc 0x%llx: state %d",
			     (unsigned long long)t[i].fc, caps.fc_state);
		UT_EQ(caps.is_vmx_usable, t[i].usable);
		UT_EQ(caps.fc_write_value, t[i].write);
	}
	raw.msr[CAPS_MSR_FEATURE_CONTROL] = 0x1;
	decode_and_report();
	UT_CHECK(report_has(&rep, "vmx: IA32_FEATURE_CONTROL 0x1: locked by firmware with VMX outside SMX "
				  "off: VT-x disabled, enable it in firmware setup"));
	raw.msr[CAPS_MSR_FEATURE_CONTROL] = 0x0;
	decode_and_report();
	UT_CHECK(report_has(&rep, "vmx: IA32_FEATURE_CONTROL 0x0: unlocked: setting lock and VMX outside SMX (0x5)"));
	/* A faulting RDMSR is not "locked off". */
	raw.msr_valid &= ~(1U << CAPS_MSR_FEATURE_CONTROL);
	decode_and_report();
	UT_EQ(caps.fc_state, VMX_FC_UNREADABLE);
	UT_CHECK(!caps.is_vmx_usable);
}

static void caps_no_vtx_reports_remedy_and_stops(void)
{
	if (!load_record("ivybridge_i7_3770.txt", &raw))
		return;
	/* What QEMU TCG shows: no VMX bit, and the VMX MSRs fault. */
	raw.cpuid[CAPS_LEAF_1].ecx &= ~CPUID_1_ECX_VMX;
	raw.msr_valid = 0;
	decode_and_report();
	UT_EQ(caps.fc_state, VMX_FC_NO_VTX);
	UT_CHECK(!caps.is_vmx_usable && !caps.vmx.has_basic);
	UT_CHECK(report_has(&rep, "vmx: VT-x absent (CPUID.1:ECX.VMX = 0): no guest can run; on an Intel "
				  "host use kvm_intel nested=1 and -cpu host,+vmx, on bare metal enable "
				  "VT-x in firmware setup"));
	UT_CHECK(!report_has(&rep, "vmx: EPT"));
	UT_EQ(rep.level[rep.n - 1], TV_LOG_ERR);
}

static void caps_vmx_msrs_faulting_is_not_usable(void)
{
	if (!load_record("ivybridge_i7_3770.txt", &raw))
		return;
	raw.msr_valid = 1U << CAPS_MSR_FEATURE_CONTROL;
	decode_and_report();
	UT_CHECK(!caps.is_vmx_usable && !caps.vmx.has_ept);
	UT_CHECK(report_has(&rep, "vmx: IA32_VMX_BASIC not readable: VMX capabilities unknown"));
}

static void caps_plain_controls_without_true_bit(void)
{
	if (!load_record("ivybridge_i7_3770.txt", &raw))
		return;
	/* Without IA32_VMX_BASIC[55] the plain MSRs apply: CR3-load/store exiting become required. */
	raw.msr[CAPS_MSR_VMX_BASIC] &= ~VMX_BASIC_TRUE_CTLS;
	decode_and_report();
	UT_CHECK(!caps.vmx.has_true_controls);
	UT_EQ(caps.vmx.procbased, 0xfff9fffe0401e172ULL);
	UT_EQ((uint32_t)caps.vmx.procbased & (VMX_PROC_CR3_LOAD_EXITING | VMX_PROC_CR3_STORE_EXITING),
	      VMX_PROC_CR3_LOAD_EXITING | VMX_PROC_CR3_STORE_EXITING);
	UT_CHECK(report_has(&rep, "vmx: IA32_VMX_PROCBASED_CTLS 0xfff9fffe0401e172"));
}

static void caps_secondary_msr_ignored_without_activate_bit(void)
{
	if (!load_record("ivybridge_i7_3770.txt", &raw))
		return;
	/* Clear "activate secondary controls" from allowed-1 of both primary MSRs. */
	raw.msr[CAPS_MSR_VMX_TRUE_PROCBASED_CTLS] &= ~((uint64_t)VMX_PROC_SECONDARY_CONTROLS << 32);
	decode_and_report();
	UT_CHECK(!caps.vmx.has_secondary_controls);
	UT_CHECK(!caps.vmx.has_ept && !caps.vmx.has_unrestricted_guest && !caps.vmx.has_vpid);
	UT_EQ(caps.vmx.procbased2, 0);
	UT_CHECK(report_has(&rep, "vmx: no EPT or unrestricted guest: guests cannot run (EPT and "
				  "unrestricted guest are both required)"));
	UT_CHECK(report_has(&rep, "vmx: no APIC-access page: xAPIC MMIO is trapped through EPT violations"));
}

static void caps_missing_features_each_say_what_breaks(void)
{
	if (!load_record("ivybridge_i7_3770.txt", &raw))
		return;
	/* Remove every needed control from allowed-1. */
	raw.msr[CAPS_MSR_VMX_TRUE_PINBASED_CTLS] &=
		~((uint64_t)(VMX_PIN_PREEMPTION_TIMER | VMX_PIN_EXT_INTR_EXITING) << 32);
	raw.msr[CAPS_MSR_VMX_TRUE_PROCBASED_CTLS] &=
		~((uint64_t)(VMX_PROC_TPR_SHADOW | VMX_PROC_HLT_EXITING | VMX_PROC_MSR_BITMAPS |
			     VMX_PROC_IO_BITMAPS) << 32);
	raw.msr[CAPS_MSR_VMX_PROCBASED_CTLS2] &= ~((uint64_t)VMX_PROC2_UNRESTRICTED_GUEST << 32);
	decode_and_report();
	UT_CHECK(report_has(&rep, "vmx: no unrestricted guest: guests cannot run"));
	UT_CHECK(report_has(&rep, "vmx: no VMX-preemption timer: timer expiry will use the host fallback queue only"));
	UT_CHECK(report_has(&rep, "vmx: no TPR shadow: every CR8 access exits"));
	UT_CHECK(report_has(&rep, "vmx: no HLT exiting: a halted guest cannot be woken"));
	UT_CHECK(report_has(&rep, "vmx: no MSR bitmaps: every RDMSR and WRMSR exits"));
	UT_CHECK(report_has(&rep, "vmx: no I/O bitmaps: every port access exits"));
	UT_CHECK(report_has(&rep, "vmx: no external-interrupt exiting with acknowledge on exit"));
	UT_CHECK(report_has(&rep, "vmx: VMX-preemption timer: no"));
	/* Plus APIC-register virtualization, which Ivy Bridge lacks anyway: 8 in all. */
	UT_EQ(rep.warnings, 8);
}

static void caps_apicv_present_gives_no_warning(void)
{
	if (!load_record("coffeelake_i7_8750h.txt", &raw))
		return;
	/* As on server parts: APIC-register virtualization and virtual-interrupt delivery allowed. */
	raw.msr[CAPS_MSR_VMX_PROCBASED_CTLS2] |=
		(uint64_t)(VMX_PROC2_APIC_REGISTER_VIRT | VMX_PROC2_VIRT_INTR_DELIVERY) << 32;
	decode_and_report();
	UT_CHECK(caps.vmx.has_apic_register_virt && caps.vmx.has_virtual_intr_delivery);
	UT_CHECK(report_has(&rep, "vmx: APIC-register virtualization: yes"));
	UT_CHECK(!report_has(&rep, "vmx: no APIC-register virtualization"));
	UT_EQ(rep.warnings, 0);
	/* Without the APIC-access page as well, the fallback named is EPT violations. */
	raw.msr[CAPS_MSR_VMX_PROCBASED_CTLS2] &=
		~((uint64_t)(VMX_PROC2_APIC_REGISTER_VIRT | VMX_PROC2_VIRT_APIC_ACCESSES) << 32);
	decode_and_report();
	UT_CHECK(report_has(&rep, "vmx: no APIC-register virtualization: APIC-write path unavailable, "
				  "xAPIC accesses fall back to EPT violations with instruction decoding"));
	UT_EQ(rep.warnings, 2);
}

static void caps_tsc_frequency_sources(void)
{
	memset(&raw, 0, sizeof(raw));
	raw.cpuid[CAPS_LEAF_0].eax = 0x16;
	raw.cpuid_valid = 1U << CAPS_LEAF_0 | 1U << CAPS_LEAF_15 | 1U << CAPS_LEAF_16;
	/* SDM: TSC = crystal * EBX / EAX; 24 MHz * 216 / 2 = 2592 MHz. */
	raw.cpuid[CAPS_LEAF_15] = (struct cpuid_regs){ 2, 216, 24000000, 0 };
	raw.cpuid[CAPS_LEAF_16] = (struct cpuid_regs){ 2600, 4500, 100, 0 };
	vmx_caps_decode(&raw, &caps);
	UT_EQ(caps.tsc_source, CAPS_TSC_CPUID_15);
	UT_EQ(caps.tsc_khz, 2592000);
	/* 25 MHz crystal (Xeon Scalable style) with a ratio of 168/2. */
	raw.cpuid[CAPS_LEAF_15] = (struct cpuid_regs){ 2, 168, 25000000, 0 };
	vmx_caps_decode(&raw, &caps);
	UT_EQ(caps.tsc_khz, 2100000);
	/* A zero denominator is "not enumerated", never a division by zero. */
	raw.cpuid[CAPS_LEAF_15] = (struct cpuid_regs){ 0, 216, 24000000, 0 };
	vmx_caps_decode(&raw, &caps);
	UT_EQ(caps.tsc_source, CAPS_TSC_CPUID_16);
	UT_EQ(caps.tsc_khz, 2600000);
	/* Leaves above the highest basic leaf are not trusted, even if read. */
	raw.cpuid[CAPS_LEAF_0].eax = 0x14;
	vmx_caps_decode(&raw, &caps);
	UT_EQ(caps.tsc_source, CAPS_TSC_NONE);
	UT_EQ(caps.tsc_khz, 0);
}

static void caps_hypervisor_vendor_leaf(void)
{
	if (!load_record("coffeelake_i7_8750h.txt", &raw))
		return;
	raw.cpuid[CAPS_LEAF_1].ecx |= CPUID_1_ECX_HYPERVISOR;
	/* "KVMKVMKVM\0\0\0" in EBX, ECX, EDX. */
	raw.cpuid[CAPS_LEAF_HV_0] = (struct cpuid_regs){ 0x40000001, 0x4b4d564b, 0x564b4d56, 0x0000004d };
	raw.cpuid_valid |= 1U << CAPS_LEAF_HV_0;
	decode_and_report();
	UT_CHECK(caps.has_hypervisor);
	UT_STREQ(caps.hypervisor_vendor, "KVMKVMKVM");
	UT_EQ(caps.hypervisor_max_leaf, 0x40000001);
	UT_CHECK(report_has(&rep, "cpu: hypervisor: running under \"KVMKVMKVM\" (max leaf 0x40000001)"));
	UT_CHECK(report_has(&rep, "cpu: TSC frequency from CPUID under a hypervisor may be made up"));
	/* Without the CPUID.1 bit the vendor leaf is not consulted. */
	raw.cpuid[CAPS_LEAF_1].ecx &= ~CPUID_1_ECX_HYPERVISOR;
	decode_and_report();
	UT_STREQ(caps.hypervisor_vendor, "");
}

static void caps_adjust_controls_against_recorded_msr(void)
{
	/* Coffee Lake IA32_VMX_TRUE_PROCBASED_CTLS as recorded. */
	const uint64_t cap = 0xfff9fffe04006172ULL;
	const uint32_t want = VMX_PROC_HLT_EXITING | VMX_PROC_TPR_SHADOW | VMX_PROC_MSR_BITMAPS |
			      VMX_PROC_IO_BITMAPS | VMX_PROC_SECONDARY_CONTROLS;
	uint32_t out = 0;

	UT_EQ(vmx_caps_adjust_controls(cap, want, &out), 0);
	/* Required-1 bits (allowed-0 settings, low half) are forced on. */
	UT_EQ(out, want | 0x04006172U);
	/* "Activate tertiary controls" (bit 17) is not allowed-1 there: reported back, left out. */
	UT_EQ(vmx_caps_adjust_controls(cap, want | VMX_PROC_TERTIARY_CONTROLS, &out),
	      VMX_PROC_TERTIARY_CONTROLS);
	UT_EQ(out & VMX_PROC_TERTIARY_CONTROLS, 0);
	/* Ivy Bridge has no posted interrupts: pin-based bit 7 refused. */
	UT_EQ(vmx_caps_adjust_controls(0x7f00000016ULL, VMX_PIN_POSTED_INTERRUPTS | VMX_PIN_PREEMPTION_TIMER,
				       &out), VMX_PIN_POSTED_INTERRUPTS);
	UT_EQ(out, 0x16U | VMX_PIN_PREEMPTION_TIMER);
}

static void caps_report_lines_fit_and_are_single(void)
{
	static const char *const records[] = { "ivybridge_i7_3770.txt", "coffeelake_i7_8750h.txt" };
	unsigned int bad = 0;

	for (size_t r = 0; r < TV_ARRAY_SIZE(records); r++) {
		if (!load_record(records[r], &raw))
			return;
		decode_and_report();
		UT_CHECK(!rep.overflow && rep.n > 30);
		for (unsigned int i = 0; i < rep.n; i++) {
			size_t len = strlen(rep.lines[i]);

			/* The line buffer is 192 bytes: a line near it was probably cut. */
			if (len > 185 || strchr(rep.lines[i], '\n') ||
			    (strncmp(rep.lines[i], "cpu: ", 5) && strncmp(rep.lines[i], "vmx: ", 5)))
				bad++;
		}
	}
	UT_EQ(bad, 0);
}

static const struct ut_case cases[] = {
	UT_CASE(caps_ivybridge_i7_3770_record),
	UT_CASE(caps_ivybridge_report_lines),
	UT_CASE(caps_coffeelake_record),
	UT_CASE(caps_bochs_tigerlake_record),
	UT_CASE(caps_broken_preemption_list_matches_kvm),
	UT_CASE(caps_nehalem_signature_flags_preemption_timer),
	UT_CASE(caps_extended_family_and_model_rules),
	UT_CASE(caps_feature_control_decisions),
	UT_CASE(caps_no_vtx_reports_remedy_and_stops),
	UT_CASE(caps_vmx_msrs_faulting_is_not_usable),
	UT_CASE(caps_plain_controls_without_true_bit),
	UT_CASE(caps_secondary_msr_ignored_without_activate_bit),
	UT_CASE(caps_missing_features_each_say_what_breaks),
	UT_CASE(caps_apicv_present_gives_no_warning),
	UT_CASE(caps_tsc_frequency_sources),
	UT_CASE(caps_hypervisor_vendor_leaf),
	UT_CASE(caps_adjust_controls_against_recorded_msr),
	UT_CASE(caps_report_lines_fit_and_are_single),
};

UT_MAIN("caps", cases)
