/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * cpuid_hide= (issue 16 item 8), one rule per case: what vmm/vcpuid.c
 * masks, what each hidden feature takes with it, the XCR0 bits XSETBV then
 * refuses (vmm/vmsr.c), and the LAPIC model without x2APIC or TSC-deadline
 * (lapic/vlapic.h).
 *
 * The fake host is an all-ones CPU, except leaf 0DH, whose numbers are a
 * CPU with x87, SSE, AVX, AVX-512 and PKRU (XCR0 0x2e7, as Bochs 2.7's
 * tigerlake model reports) laid out in the standard format: AVX at 576
 * (256 bytes), opmask 1088 (64), ZMM_Hi256 1152 (512), Hi16_ZMM 1664
 * (1024), PKRU 2688 (8); all of them end at 2696.
 */
#include "harness.h"

#include <string.h>

#include <tv/errno.h>
#include <x86/apicdef.h>
#include <x86/msr.h>

#include "../../lapic/vlapic.h"
#include "../../vmm/vcpuid.h"
#include "../../vmm/vmsr.h"

#define HOST_XCR0	0x2e7U

static void host_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	static const uint32_t size[10] = { [2] = 256, [5] = 64, [6] = 512, [7] = 1024, [9] = 8 };
	static const uint32_t offset[10] = { [2] = 576, [5] = 1088, [6] = 1152, [7] = 1664,
					     [9] = 2688 };

	memset(out, 0xff, sizeof(*out));
	if (leaf == 0U) {
		out->eax = 0x1bU;
	} else if (leaf == 0x80000000U) {
		out->eax = 0x80000008U;
	} else if (leaf == 0xdU) {
		memset(out, 0, sizeof(*out));
		if (subleaf == 0U) {
			out->eax = HOST_XCR0;
			out->ebx = 576U;	/* XCR0 = 3 now */
			out->ecx = 2696U;
		} else if (subleaf == 1U) {
			out->eax = 0xfU;	/* XSAVEOPT, XSAVEC, XGETBV1, XSAVES */
		} else if (subleaf < 10U && size[subleaf]) {
			out->eax = size[subleaf];
			out->ebx = offset[subleaf];
		}
	}
}

static struct cpuid_regs guest(uint32_t hide, uint32_t leaf, uint32_t subleaf)
{
	struct vcpuid_config c = {
		.tsc_khz = 2400000U, .apic_timer_khz = 1000000U, .is_apic_enabled = true,
		.has_x2apic = true, .has_tsc_deadline = true, .has_rdtscp = true,
		.has_invpcid = true, .guest_cr4 = CPUID_CR4_OSXSAVE,
		.hide = vcpuid_hide_closure(hide),
	};
	struct cpuid_regs r;

	memset(&r, 0xa5, sizeof(r));
	vcpuid_emulate(&c, leaf, subleaf, host_cpuid, &r);
	return r;
}

/* Nothing hidden: every leaf is what it was before cpuid_hide= existed. */
static void empty_set_changes_nothing(void)
{
	UT_EQ(vcpuid_hide_closure(0), 0);
	UT_EQ(vcpuid_hide_xcr0(0), 0);
	UT_CHECK(guest(0, 1, 0).ecx & CPUID_1_ECX_X2APIC);
	UT_CHECK(guest(0, 1, 0).ecx & CPUID_1_ECX_TSC_DEADLINE);
	UT_CHECK(guest(0, 1, 0).ecx & CPUID_1_ECX_AVX);
	UT_EQ(guest(0, 0xd, 0).eax, HOST_XCR0);
	UT_EQ(guest(0, 0xd, 0).ecx, 2696);
}

/* Each name clears its own bit and no other bit of the same leaf. */
static void each_flag_clears_its_bit(void)
{
	struct cpuid_regs all = guest(0, 1, 0), r;

	r = guest(VCPUID_HIDE_X2APIC, 1, 0);
	UT_EQ(r.ecx, all.ecx & ~CPUID_1_ECX_X2APIC);
	r = guest(VCPUID_HIDE_TSC_DEADLINE, 1, 0);
	UT_EQ(r.ecx, all.ecx & ~CPUID_1_ECX_TSC_DEADLINE);
	r = guest(VCPUID_HIDE_PCID, 1, 0);
	UT_EQ(r.ecx, all.ecx & ~CPUID_1_ECX_PCID);
	UT_EQ(guest(VCPUID_HIDE_X2APIC | VCPUID_HIDE_TSC_DEADLINE, 1, 0).ecx,
	      all.ecx & ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE));
	all = guest(0, 7, 0);
	r = guest(VCPUID_HIDE_INVPCID, 7, 0);
	UT_EQ(r.ebx, all.ebx & ~CPUID_7_EBX_INVPCID);
	UT_EQ(r.ecx, all.ecx);
	r = guest(VCPUID_HIDE_RDTSCP, 7, 0);
	UT_EQ(r.ecx, all.ecx & ~CPUID_7_ECX_RDPID);
	UT_EQ(guest(VCPUID_HIDE_RDTSCP, 0x80000001U, 0).edx,
	      guest(0, 0x80000001U, 0).edx & ~CPUID_80000001_EDX_RDTSCP);
	/* The leaves a flag is not about are untouched. */
	UT_EQ(guest(VCPUID_HIDE_X2APIC, 1, 0).edx, guest(0, 1, 0).edx);
	UT_EQ(guest(VCPUID_HIDE_X2APIC, 7, 0).ebx, all.ebx);
	UT_EQ(guest(VCPUID_HIDE_X2APIC, 0xd, 0).eax, HOST_XCR0);
}

/* xsave takes avx, avx512 and pku with it; avx takes avx512. */
static void dependencies_are_closed(void)
{
	UT_EQ(vcpuid_hide_closure(VCPUID_HIDE_XSAVE),
	      VCPUID_HIDE_XSAVE | VCPUID_HIDE_AVX | VCPUID_HIDE_AVX512 | VCPUID_HIDE_PKU);
	UT_EQ(vcpuid_hide_closure(VCPUID_HIDE_AVX), VCPUID_HIDE_AVX | VCPUID_HIDE_AVX512);
	UT_EQ(vcpuid_hide_closure(VCPUID_HIDE_AVX512), VCPUID_HIDE_AVX512);
	UT_EQ(vcpuid_hide_closure(VCPUID_HIDE_X2APIC), VCPUID_HIDE_X2APIC);
}

/* No XSAVE: XSAVE, OSXSAVE, AVX and its VEX friends, MPX, PKU and all of leaf 0DH. */
static void xsave_hides_leaf_d_and_dependants(void)
{
	struct cpuid_regs r = guest(VCPUID_HIDE_XSAVE, 1, 0);

	UT_EQ(r.ecx & (CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE | CPUID_1_ECX_AVX |
		       CPUID_1_ECX_FMA | CPUID_1_ECX_F16C), 0);
	r = guest(VCPUID_HIDE_XSAVE, 7, 0);
	UT_EQ(r.ebx & (CPUID_7_EBX_MPX | CPUID_7_EBX_AVX2 | CPUID_7_EBX_AVX512), 0);
	UT_EQ(r.ecx & (CPUID_7_ECX_PKU | CPUID_7_ECX_OSPKE | CPUID_7_ECX_AVX512), 0);
	UT_EQ(r.edx & CPUID_7_EDX_AVX512, 0);
	for (uint32_t sub = 0; sub < 12U; sub++) {
		r = guest(VCPUID_HIDE_XSAVE, 0xd, sub);
		UT_CHECK_MSG(!r.eax && !r.ebx && !r.ecx && !r.edx, "leaf 0DH sub-leaf %u", sub);
	}
	UT_EQ(vcpuid_hide_xcr0(VCPUID_HIDE_XSAVE), ~0ULL);
}

/* No AVX: AVX, FMA, F16C, AVX2, VAES, VPCLMULQDQ, AVX-VNNI and AVX-512; XSAVE stays. */
static void avx_hides_vex_extensions_and_state(void)
{
	struct cpuid_regs r = guest(VCPUID_HIDE_AVX, 1, 0);

	UT_EQ(r.ecx & (CPUID_1_ECX_AVX | CPUID_1_ECX_FMA | CPUID_1_ECX_F16C), 0);
	UT_CHECK(r.ecx & CPUID_1_ECX_XSAVE);
	r = guest(VCPUID_HIDE_AVX, 7, 0);
	UT_EQ(r.ebx & (CPUID_7_EBX_AVX2 | CPUID_7_EBX_AVX512), 0);
	UT_EQ(r.ecx & (CPUID_7_ECX_VAES_VPCLMULQDQ | CPUID_7_ECX_AVX512), 0);
	UT_CHECK(r.ecx & CPUID_7_ECX_PKU);
	r = guest(VCPUID_HIDE_AVX, 7, 1);
	UT_EQ(r.eax & (CPUID_7_1_EAX_AVX_VNNI | CPUID_7_1_EAX_AVX512_BF16), 0);
	UT_EQ(vcpuid_hide_xcr0(VCPUID_HIDE_AVX), VMSR_XCR0_AVX | VMSR_XCR0_AVX512);
	r = guest(VCPUID_HIDE_AVX, 0xd, 0);
	UT_EQ(r.eax, HOST_XCR0 & ~(uint32_t)(VMSR_XCR0_AVX | VMSR_XCR0_AVX512));
	UT_EQ(r.ecx, 2696);	/* PKRU still ends the area */
	UT_CHECK(guest(VCPUID_HIDE_AVX, 0xd, 2).eax == 0 && guest(VCPUID_HIDE_AVX, 0xd, 7).ebx == 0);
	UT_EQ(guest(VCPUID_HIDE_AVX, 0xd, 9).eax, 8);
	UT_EQ(guest(VCPUID_HIDE_AVX, 0xd, 1).eax, 0xf & ~CPUID_D_1_EAX_XSAVES);
}

/* Leaf 0DH ECX is the end of the furthest component still shown. */
static void leaf_d_max_size_follows_shown_components(void)
{
	UT_EQ(guest(VCPUID_HIDE_PKU, 0xd, 0).ecx, 2688);
	UT_EQ(guest(VCPUID_HIDE_PKU, 0xd, 0).eax, HOST_XCR0 & ~(uint32_t)VMSR_XCR0_PKRU);
	UT_EQ(guest(VCPUID_HIDE_PKU | VCPUID_HIDE_AVX512, 0xd, 0).ecx, 832);
	UT_EQ(guest(VCPUID_HIDE_PKU | VCPUID_HIDE_AVX, 0xd, 0).ecx, 576);
	UT_EQ(guest(VCPUID_HIDE_PKU | VCPUID_HIDE_AVX, 0xd, 0).eax, 3);
	/* EBX is the CPU's (the size for the XCR0 in the CPU, the guest's). */
	UT_EQ(guest(VCPUID_HIDE_PKU | VCPUID_HIDE_AVX, 0xd, 0).ebx, 576);
}

/* XSETBV refuses what cpuid_hide= took out of leaf 0DH, and still takes the rest. */
static void xsetbv_follows_shaped_leaf_d(void)
{
	struct vmsr_state s;

	vmsr_init(&s);
	s.xcr0_supported = HOST_XCR0;
	s.xcr0_hidden = vcpuid_hide_xcr0(VCPUID_HIDE_AVX512);
	UT_EQ(vmsr_xsetbv(&s, 0, 0xe7, 0), -TV_EINVAL);
	UT_EQ(s.xcr0, VMSR_XCR0_RESET);
	UT_EQ(vmsr_xsetbv(&s, 0, 0x7, 0), 0);
	UT_EQ(vmsr_xsetbv(&s, 0, 0x207, 0), 0);
	s.xcr0_hidden = vcpuid_hide_xcr0(VCPUID_HIDE_PKU);
	UT_EQ(vmsr_xsetbv(&s, 0, 0x207, 0), -TV_EINVAL);
	UT_EQ(vmsr_xsetbv(&s, 0, 0xe7, 0), 0);
	s.xcr0_hidden = vcpuid_hide_xcr0(VCPUID_HIDE_XSAVE);
	UT_EQ(vmsr_xsetbv(&s, 0, 0x1, 0), -TV_EINVAL);
	UT_EQ(vmsr_xsetbv(&s, 0, 0x3, 0), -TV_EINVAL);
	/* vmsr_init() hides nothing. */
	vmsr_init(&s);
	UT_EQ(s.xcr0_hidden, 0);
}

#define T0	1000000ULL

static void lapic(struct vlapic *v, bool has_x2apic, bool has_tsc_deadline)
{
	struct vlapic_config cfg;

	vlapic_config_default(&cfg, 0, true, 1000000U);
	UT_CHECK(cfg.has_x2apic && cfg.has_tsc_deadline);	/* the defaults advertise both */
	cfg.has_x2apic = has_x2apic;
	cfg.has_tsc_deadline = has_tsc_deadline;
	UT_EQ(vlapic_init(v, &cfg), 0);
}

/* x2APIC not advertised: EXTD is a reserved bit of IA32_APIC_BASE, the x2APIC MSRs #GP. */
static void no_x2apic_refuses_extd_and_msrs(void)
{
	static struct vlapic v;
	uint64_t val = 0;

	lapic(&v, false, true);
	UT_EQ(vlapic_write_apic_base(&v, v.apic_base | APIC_BASE_EXTD, T0).status, VLAPIC_GP);
	UT_EQ(vlapic_get_mode(&v), VLAPIC_MODE_XAPIC);
	UT_EQ(vlapic_msr_read(&v, 0x802, &val, T0).status, VLAPIC_GP);	/* x2APIC ID */
	UT_EQ(vlapic_msr_write(&v, 0x808, 0, T0).status, VLAPIC_GP);	/* TPR */
	/* The same write is accepted when x2APIC is advertised. */
	lapic(&v, true, true);
	UT_EQ(vlapic_write_apic_base(&v, v.apic_base | APIC_BASE_EXTD, T0).status, VLAPIC_OK);
	UT_EQ(vlapic_get_mode(&v), VLAPIC_MODE_X2APIC);
}

/* No TSC-deadline: IA32_TSC_DEADLINE #GPs both ways. */
static void no_tsc_deadline_msr_gp(void)
{
	static struct vlapic v;
	uint64_t val = 7;

	lapic(&v, true, false);
	UT_EQ(vlapic_msr_write(&v, MSR_IA32_TSC_DEADLINE, T0 + 100, T0).status, VLAPIC_GP);
	UT_EQ(vlapic_msr_read(&v, MSR_IA32_TSC_DEADLINE, &val, T0).status, VLAPIC_GP);
	UT_EQ(val, 0);
	lapic(&v, true, true);
	UT_EQ(vlapic_msr_read(&v, MSR_IA32_TSC_DEADLINE, &val, T0).status, VLAPIC_OK);
}

static uint32_t lvtt_after_mmio_write(struct vlapic *v, uint32_t val)
{
	uint64_t r = 0;

	UT_EQ(vlapic_mmio_write(v, APIC_REG_LVT_TIMER, 4, val, T0).status, VLAPIC_OK);
	UT_EQ(vlapic_mmio_read(v, APIC_REG_LVT_TIMER, 4, &r, T0).status, VLAPIC_OK);
	return (uint32_t)r;
}

/*
 * No TSC-deadline, xAPIC: LVT timer bit 18 is reserved and dropped; mode 2
 * is one-shot (a TMICT write counts down and fires), mode 3 periodic.
 */
static void no_tsc_deadline_xapic_lvtt_bit_18_dropped(void)
{
	static struct vlapic v;

	lapic(&v, true, false);
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_SVR, 4, 0x1ff, T0).status, VLAPIC_OK);
	UT_EQ(lvtt_after_mmio_write(&v, APIC_LVT_TIMER_TSCDEADLINE | 0x40), 0x40);
	UT_EQ(vlapic_get_timer(&v)->mode, VTIMER_MODE_ONESHOT);
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_TDCR, 4, 0xb, T0).status, VLAPIC_OK);	/* divide by 1 */
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_TMICT, 4, 1000, T0).status, VLAPIC_OK);
	UT_CHECK(vlapic_next_deadline(&v) != VTIMER_NONE);
	(void)vlapic_expire(&v, T0 + 10000000ULL);
	UT_CHECK(vlapic_irr_test(&v, 0x40));
	UT_EQ(lvtt_after_mmio_write(&v, APIC_LVT_TIMER_RESERVED | 0x41),
	      APIC_LVT_TIMER_PERIODIC | 0x41);
	UT_EQ(vlapic_get_timer(&v)->mode, VTIMER_MODE_PERIODIC);
	/* With TSC-deadline the same write selects TSC-deadline mode. */
	lapic(&v, true, true);
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_SVR, 4, 0x1ff, T0).status, VLAPIC_OK);
	UT_EQ(lvtt_after_mmio_write(&v, APIC_LVT_TIMER_TSCDEADLINE | 0x40),
	      APIC_LVT_TIMER_TSCDEADLINE | 0x40);
}

/* No TSC-deadline, x2APIC: a WRMSR with the reserved bit 18 set #GPs, bit 17 works. */
static void no_tsc_deadline_x2apic_lvtt_bit_18_gp(void)
{
	static struct vlapic v;
	uint64_t val = 0;

	lapic(&v, true, false);
	UT_EQ(vlapic_write_apic_base(&v, v.apic_base | APIC_BASE_EXTD, T0).status, VLAPIC_OK);
	UT_EQ(vlapic_msr_write(&v, 0x832, APIC_LVT_TIMER_TSCDEADLINE | 0x40, T0).status,
	      VLAPIC_GP);
	UT_EQ(vlapic_msr_read(&v, 0x832, &val, T0).status, VLAPIC_OK);
	UT_EQ(val, APIC_LVT_MASKED);	/* unchanged from reset */
	UT_EQ(vlapic_msr_write(&v, 0x832, APIC_LVT_TIMER_PERIODIC | 0x40, T0).status, VLAPIC_OK);
}

/* A saved state with bit 18 set cannot be restored into a model without TSC-deadline. */
static void no_tsc_deadline_restore_refuses_mode_2(void)
{
	static struct vlapic v;
	static struct vlapic_state s;

	lapic(&v, true, true);
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_LVT_TIMER, 4, APIC_LVT_TIMER_TSCDEADLINE | 0x40,
				T0).status, VLAPIC_OK);
	vlapic_save(&v, T0, &s);
	lapic(&v, true, false);
	UT_EQ(vlapic_restore(&v, &s, T0), -TV_EINVAL);
	lapic(&v, true, true);
	UT_EQ(vlapic_restore(&v, &s, T0), 0);
}

static const struct ut_case cases[] = {
	UT_CASE(empty_set_changes_nothing),
	UT_CASE(each_flag_clears_its_bit),
	UT_CASE(dependencies_are_closed),
	UT_CASE(xsave_hides_leaf_d_and_dependants),
	UT_CASE(avx_hides_vex_extensions_and_state),
	UT_CASE(leaf_d_max_size_follows_shown_components),
	UT_CASE(xsetbv_follows_shaped_leaf_d),
	UT_CASE(no_x2apic_refuses_extd_and_msrs),
	UT_CASE(no_tsc_deadline_msr_gp),
	UT_CASE(no_tsc_deadline_xapic_lvtt_bit_18_dropped),
	UT_CASE(no_tsc_deadline_x2apic_lvtt_bit_18_gp),
	UT_CASE(no_tsc_deadline_restore_refuses_mode_2),
};

UT_MAIN("cpuid_hide", cases)
