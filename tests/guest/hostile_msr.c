/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * hostile_msr (issue 12): illegal MSR, XCR and VMX accesses, one case per
 * run (how=NAME), each checked against the outcome the SDM gives for a CPU
 * with the CPUID this guest sees: the vector, the error code, and the
 * register left as it was (or the value read back).
 *
 * Why these are hostile: some of the MSRs exit to tickvisor, which must
 * refuse exactly what the CPU would (IA32_APIC_BASE, the x2APIC range,
 * IA32_TSC_DEADLINE, IA32_MISC_ENABLE, IA32_MTRR_DEF_TYPE, unknown MSRs,
 * XSETBV); the others pass through the MSR bitmap into VMCS guest-state
 * fields (EFER, PAT, FS/GS base, SYSENTER, LSTAR, TSC_AUX), where a value
 * the CPU let through would make the next VM entry fail.  x2APIC MSRs in
 * xAPIC mode, or registers the APIC-register virtualization leaves to the
 * MSR bitmap, must never reach the host's own APIC.
 *
 * how=all runs every case one after another, the x2APIC ones last (the
 * emulators cannot bring the APIC back to xAPIC mode): none is one
 * tickvisor must stop, every outcome is an SDM fault or value the guest
 * checks itself.  That is also the native oracle (QEMU TCG, Bochs without
 * tickvisor): the emulated CPU must answer the same.  Where an emulator is
 * known to answer otherwise, the check is a SKIP naming what it did (under
 * tickvisor it stays a check, except IA32_TSC_AUX, which passes through to
 * the CPU: see expect_tsc_aux_gp()).
 */
#include "apic.h"
#include "exception.h"
#include "guest.h"
#include "hypercall.h"
#include "isr.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"
#include "xstate_util.h"

#define MSR_IA32_MTRRCAP	0x000000feU
#define MSR_IA32_SYSENTER_ESP	0x00000175U
#define MSR_IA32_SYSENTER_EIP	0x00000176U
#define MSR_IA32_MISC_ENABLE	0x000001a0U
#define MSR_IA32_PAT		0x00000277U
#define MSR_IA32_MTRR_DEF_TYPE	0x000002ffU
#define MSR_IA32_LSTAR		0xc0000082U
#define MSR_IA32_FS_BASE	0xc0000100U
#define MSR_IA32_GS_BASE	0xc0000101U
#define MSR_IA32_KERNEL_GS_BASE	0xc0000102U
#define MSR_IA32_TSC_AUX	0xc0000103U

/* x2APIC MSRs, 800H + xAPIC offset / 10H ("x2APIC Register Address Space"). */
#define X2APIC_ID		0x802U
#define X2APIC_VERSION		0x803U
#define X2APIC_TPR		0x808U
#define X2APIC_PPR		0x80aU
#define X2APIC_EOI		0x80bU
#define X2APIC_LDR		0x80dU
#define X2APIC_SVR		0x80fU
#define X2APIC_ISR0		0x810U
#define X2APIC_ISR7		0x817U
#define X2APIC_TMR0		0x818U
#define X2APIC_IRR0		0x820U
#define X2APIC_ESR		0x828U
#define X2APIC_ICR		0x830U
#define X2APIC_LVTT		0x832U
#define X2APIC_LVT0		0x835U
#define X2APIC_TMCCT		0x839U
#define X2APIC_TDCR		0x83eU
#define X2APIC_SELF_IPI		0x83fU

#define EFER_SCE		(1ULL << 0)
#define EFER_LME		(1ULL << 8)
#define EFER_LMA		(1ULL << 10)
#define EFER_NXE		(1ULL << 11)

#define CPUID_1_EDX_MTRR	(1U << 12)
#define CPUID_80000001_EDX_NX	(1U << 20)
#define CPUID_7_ECX_LA57	(1U << 16)
#define CPUID_7_ECX_RDPID	(1U << 22)

#define TIMER_VEC		0x41U
#define NO_FIRE_WAIT		2000000ULL	/* TSC ticks a never-due deadline is watched */
#define MSR_UNKNOWN		0x4b564d99U	/* in no MSR list tickvisor, QEMU or Bochs knows */

static bool under_tv, on_qemu, on_bochs;
/*
 * A named native deviation for the checks that follow, up to the end of
 * the case (run_case() clears it): set when the emulator this runs on is
 * known to answer otherwise.  Under tickvisor it is ignored.
 */
static const char *native_gap;

/*
 * QEMU TCG 7.2 (-cpu max, seen 2026-12-03) checks nothing in RDMSR and
 * WRMSR: an MSR it does not know reads 0 and takes writes, x2APIC MSRs
 * answer without x2APIC in its CPUID, reserved bits are dropped or stored,
 * non-canonical bases are stored, and EFER.LME clears with paging on.  Its
 * MSR cases are the oracle only where it agrees; Bochs is the strict one.
 */
#define QEMU_MSR	"QEMU TCG 7.2 checks no MSR access (unknown MSRs, reserved bits, canonical bases)"
/* Bochs 2.7 (tigerlake), seen natively 2026-12-03. */
#define BOCHS_X2APIC_RSVD "Bochs 2.7 takes the write without #GP, dropping the reserved bits"

static const char *vec_name(int vec)
{
	return vec == EX_NONE || vec == 0 ? "no fault" : ex_name(vec);
}

static void judge(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One check: strict under tickvisor; natively a known deviation is a SKIP that names it. */
static void judge(bool ok, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ok && !under_tv && native_gap)
		report_skip("%s: natively %s", msg, native_gap);
	else
		report(ok, "%s", msg);
}

/*
 * WRMSR that must raise #GP(0) and change nothing (SDM Vol. 2B, WRMSR,
 * "Protected Mode Exceptions").  When the MSR reads, its value is compared
 * before and after; a write that went through is undone at once.
 */
static void expect_wr_gp(uint32_t msr, uint64_t val, const char *what)
{
	uint64_t before = 0, after = 0, ec;
	int rb = rdmsr_safe(msr, &before);
	int vec = wrmsr_safe(msr, val);
	int ra;

	ec = ex_last()->error_code;
	ra = rdmsr_safe(msr, &after);
	if (vec == 0 && rb == 0)
		(void)wrmsr_safe(msr, before);
	if (rb == 0)
		judge(vec == EX_GP && ec == 0 && ra == 0 && after == before,
		      "WRMSR 0x%x = 0x%llx (%s): %s(%llu), reads 0x%llx (was 0x%llx)", msr,
		      (unsigned long long)val, what, vec_name(vec), (unsigned long long)ec,
		      (unsigned long long)after, (unsigned long long)before);
	else
		judge(vec == EX_GP && ec == 0, "WRMSR 0x%x = 0x%llx (%s): %s(%llu)", msr,
		      (unsigned long long)val, what, vec_name(vec), (unsigned long long)ec);
}

/* RDMSR that must raise #GP(0); EDX:EAX must not be loaded. */
static void expect_rd_gp(uint32_t msr, const char *what)
{
	uint64_t v = 0;
	int vec = rdmsr_safe(msr, &v);
	uint64_t ec = ex_last()->error_code;

	judge(vec == EX_GP && ec == 0 && v == 0, "RDMSR 0x%x (%s): %s(%llu), EDX:EAX 0x%llx", msr,
	      what, vec_name(vec), (unsigned long long)ec, (unsigned long long)v);
}

/* WRMSR that must be accepted and read back as written; the old value is put back. */
static void expect_wr_ok(uint32_t msr, uint64_t val, const char *what)
{
	uint64_t before = 0, after = 0;
	int rb = rdmsr_safe(msr, &before);
	int vec = wrmsr_safe(msr, val);
	int ra = rdmsr_safe(msr, &after);

	if (rb == 0)
		(void)wrmsr_safe(msr, before);
	judge(vec == 0 && ra == 0 && after == val, "WRMSR 0x%x = 0x%llx (%s) accepted: %s, reads 0x%llx",
	      msr, (unsigned long long)val, what, vec_name(vec), (unsigned long long)after);
}

/* MAXPHYADDR: CPUID.80000008H:EAX[7:0], 36 without the leaf (SDM Vol. 3A, "Physical Address Space"). */
static unsigned int max_phys_bits(void)
{
	if (cpuid(0x80000000U).a < 0x80000008U)
		return 36;
	return cpuid(0x80000008U).a & 0xffU;
}

/*
 * The linear-address width canonicality is checked against: CPUID.
 * 80000008H:EAX[15:8]; a CPU with 5-level paging checks 57 bits in WRMSR
 * whatever CR4.LA57 is (SDM Vol. 3A, "Canonicality").
 */
static unsigned int linear_bits(void)
{
	unsigned int w = 48;

	if (cpuid(0x80000000U).a >= 0x80000008U)
		w = (cpuid(0x80000008U).a >> 8) & 0xffU;
	if (cpuid(0).a >= 7 && (cpuid_count(7, 0).c & CPUID_7_ECX_LA57) && w < 57)
		w = 57;
	return w;
}

/*
 * Put the APIC in xAPIC mode: out of x2APIC only through disabled ("x2APIC
 * State Transitions").  Natively that road is closed (Bochs 2.7 and QEMU
 * TCG 7.2 ignore every IA32_APIC_BASE write once the APIC is disabled,
 * until reset), so there a case that needs xAPIC after an x2APIC case is a
 * SKIP; how=all runs the x2APIC cases last.
 * @return false when the case cannot run (skipped).
 */
static bool need_xapic(void)
{
	uint64_t b = rdmsr(MSR_IA32_APIC_BASE);

	if (b & APIC_BASE_EXTD) {
		if (!under_tv) {
			report_skip("natively the APIC cannot leave x2APIC mode (the emulator ignores "
				    "IA32_APIC_BASE writes once it is disabled): xAPIC case not run");
			return false;
		}
		wrmsr(MSR_IA32_APIC_BASE, b & ~(APIC_BASE_EN | APIC_BASE_EXTD));
	}
	if (apic_setup(false))
		guest_abort("could not put the local APIC in xAPIC mode (IA32_APIC_BASE 0x%llx)",
			    (unsigned long long)rdmsr(MSR_IA32_APIC_BASE));
	return true;
}

/* x2APIC mode, or false (the CPUID this guest sees has no x2APIC). */
static bool need_x2apic(void)
{
	if (!apic_has_x2apic())
		return false;
	if (apic_setup(true))
		guest_abort("could not put the local APIC in x2APIC mode (IA32_APIC_BASE 0x%llx)",
			    (unsigned long long)rdmsr(MSR_IA32_APIC_BASE));
	return true;
}

/* Without x2APIC in CPUID: EXTD is a reserved bit, and the x2APIC MSRs do not exist. */
static void check_no_x2apic(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	report_info("CPUID.1:ECX.x2APIC clear: every x2APIC access must #GP");
	expect_wr_gp(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD, "EXTD without x2APIC in CPUID");
	expect_rd_gp(X2APIC_ID, "x2APIC ID, no x2APIC");
	expect_wr_gp(X2APIC_TPR, 0, "x2APIC TPR, no x2APIC");
}

/* An interrupt left pending by a write that should have faulted: take it, so the next case starts clean. */
static void drain_interrupts(void)
{
	irq_enable();
	tsc_wait_until(rdtsc() + 100000ULL);
	irq_disable();
}

/*
 * IA32_APIC_BASE reserved bits 7:0 and 9 (SDM Vol. 3A, "Local APIC Status
 * and Location", figure "IA32_APIC_BASE MSR"): #GP(0), base unchanged.
 */
static void case_apic_base_res(void)
{
	static const unsigned int bits[] = { 0, 1, 7, 9 };
	uint64_t base;
	char why[48];

	if (!need_xapic())
		return;
	base = rdmsr(MSR_IA32_APIC_BASE);
	for (unsigned int i = 0; i < ARRAY_SIZE(bits); i++) {
		snprintf(why, sizeof(why), "reserved bit %u", bits[i]);
		expect_wr_gp(MSR_IA32_APIC_BASE, base | (1ULL << bits[i]), why);
	}
	judge(apic_read(APIC_LVR) != 0xffffffffU, "the APIC still answers at 0x%llx",
	      (unsigned long long)apic_mmio_base());
}

/*
 * The address field ends at MAXPHYADDR - 1: bits MAXPHYADDR..63 are
 * reserved (same section), MAXPHYADDR being the guest's CPUID 80000008H.
 */
static void case_apic_base_maxphy(void)
{
	unsigned int m = max_phys_bits();
	uint64_t base;
	char why[64];

	if (!need_xapic())
		return;
	base = rdmsr(MSR_IA32_APIC_BASE);
	report_info("MAXPHYADDR %u (CPUID.80000008H:EAX[7:0])", m);
	if (m >= 52U) {
		report_skip("MAXPHYADDR %u: no reserved address bit to try below 52", m);
	} else {
		snprintf(why, sizeof(why), "bit %u = MAXPHYADDR", m);
		expect_wr_gp(MSR_IA32_APIC_BASE, base | (1ULL << m), why);
		snprintf(why, sizeof(why), "bit 51, above MAXPHYADDR %u", m);
		expect_wr_gp(MSR_IA32_APIC_BASE, base | (1ULL << 51), why);
	}
	expect_wr_gp(MSR_IA32_APIC_BASE, base | (1ULL << 63), "bit 63");
	judge(rdmsr(MSR_IA32_APIC_BASE) == base && apic_read(APIC_LVR) != 0xffffffffU,
	      "IA32_APIC_BASE 0x%llx and the APIC page unchanged", (unsigned long long)base);
}

/*
 * "x2APIC State Transitions": EN = 0 with EXTD = 1 is invalid (#GP),
 * x2APIC -> xAPIC is not valid (#GP), and from disabled the only valid
 * transition is to xAPIC mode.
 */
static void case_apic_base_mode(void)
{
	uint64_t base, dis;

	if (!need_xapic())
		return;
	base = rdmsr(MSR_IA32_APIC_BASE);
	dis = base & ~(APIC_BASE_EN | APIC_BASE_EXTD);
	if (on_qemu)
		report_skip("xAPIC -> EN 0, EXTD 1 not tried natively: QEMU TCG 7.2 takes it as EN 0 "
			    "and its APIC then stays disabled until reset");
	else
		expect_wr_gp(MSR_IA32_APIC_BASE, dis | APIC_BASE_EXTD, "xAPIC -> EN 0, EXTD 1 (invalid)");
	if (!apic_has_x2apic()) {
		check_no_x2apic();
		return;
	}
	need_x2apic();
	expect_wr_gp(MSR_IA32_APIC_BASE, dis | APIC_BASE_EN, "x2APIC -> xAPIC");
	expect_wr_gp(MSR_IA32_APIC_BASE, dis | APIC_BASE_EXTD, "x2APIC -> EN 0, EXTD 1 (invalid)");
	judge(rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_EXTD, "still in x2APIC mode, ID 0x%x",
	      apic_read(APIC_ID));
	if (!under_tv) {
		report_skip("the transitions out of disabled are not tried natively: Bochs 2.7 ignores "
			    "IA32_APIC_BASE writes once the APIC is disabled (no #GP, no re-enable)");
		return;
	}
	judge(wrmsr_safe(MSR_IA32_APIC_BASE, dis) == 0, "x2APIC -> disabled accepted");
	expect_wr_gp(MSR_IA32_APIC_BASE, dis | APIC_BASE_EN | APIC_BASE_EXTD, "disabled -> x2APIC");
	expect_wr_gp(MSR_IA32_APIC_BASE, dis | APIC_BASE_EXTD, "disabled -> EN 0, EXTD 1 (invalid)");
	judge(wrmsr_safe(MSR_IA32_APIC_BASE, dis | APIC_BASE_EN) == 0, "disabled -> xAPIC accepted");
	if (!need_xapic())
		return;
	judge(apic_read(APIC_LVR) != 0xffffffffU, "the xAPIC answers again (version 0x%x)",
	      apic_read(APIC_LVR));
}

/*
 * IA32_EFER (SDM Vol. 4, table "IA-32 Architectural MSRs", C000_0080H):
 * bits 1-7, 9 and 12-63 are reserved on a CPU with the Intel layout; NXE
 * (bit 11) exists only with CPUID.80000001H:EDX.NX.  AMD-vendor CPUID
 * defines some of 12-21, so only bits reserved on both are tried.
 */
static void case_efer_res(void)
{
	uint64_t efer = rdmsr(MSR_IA32_EFER);

	report_info("IA32_EFER 0x%llx", (unsigned long long)efer);
	expect_wr_gp(MSR_IA32_EFER, efer | (1ULL << 1), "reserved bit 1");
	expect_wr_gp(MSR_IA32_EFER, efer | (1ULL << 9), "reserved bit 9");
	expect_wr_gp(MSR_IA32_EFER, efer | (1ULL << 63), "reserved bit 63");
	expect_wr_gp(MSR_IA32_EFER, efer | (1ULL << 32), "reserved bit 32");
	if (!(cpuid(0x80000001U).d & CPUID_80000001_EDX_NX))
		expect_wr_gp(MSR_IA32_EFER, efer | EFER_NXE, "NXE without CPUID NX");
	else
		report_info("CPUID reports NX: EFER.NXE is a legal bit");
}

/*
 * SDM Vol. 3A, "Paging Modes and Control Bits": "IA32_EFER.LME cannot be
 * modified while paging is enabled (CR0.PG = 1). Attempts to do so using
 * WRMSR cause a general-protection exception (#GP(0))."  This guest runs
 * in IA-32e mode: clearing LME must fault and leave LME and LMA set.
 */
static void case_efer_lme(void)
{
	uint64_t efer = rdmsr(MSR_IA32_EFER);

	judge(efer & EFER_LME && efer & EFER_LMA && read_cr0() & (1ULL << 31),
	      "in IA-32e mode: EFER 0x%llx, CR0.PG set", (unsigned long long)efer);
	expect_wr_gp(MSR_IA32_EFER, efer & ~EFER_LME, "LME cleared with CR0.PG = 1");
	expect_wr_gp(MSR_IA32_EFER, efer & ~(EFER_LME | EFER_LMA), "LME and LMA cleared, CR0.PG = 1");
	judge(rdmsr(MSR_IA32_EFER) == efer, "EFER still 0x%llx", (unsigned long long)efer);
}

/*
 * "x2APIC Register Availability": "Accessing any APIC register in the MSR
 * address range 0800H through 0BFFH via RDMSR or WRMSR when the local APIC
 * is not in x2APIC mode will cause the instructions to raise a GP fault."
 * Under tickvisor nothing of the host's APIC may answer either.
 */
static void case_x2apic_in_xapic(void)
{
	static const struct { uint32_t msr; const char *name; } regs[] = {
		{ X2APIC_ID, "ID" }, { X2APIC_VERSION, "version" }, { X2APIC_TPR, "TPR" },
		{ X2APIC_PPR, "PPR" }, { X2APIC_LDR, "LDR" }, { X2APIC_SVR, "SVR" },
		{ X2APIC_ISR0, "ISR0" }, { X2APIC_IRR0, "IRR0" }, { X2APIC_ICR, "ICR" },
		{ X2APIC_LVTT, "LVT timer" }, { X2APIC_TMCCT, "TMCCT" }, { X2APIC_TDCR, "TDCR" },
	};

	if (!need_xapic())
		return;
	apic_write(APIC_TPR, 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(regs); i++)
		expect_rd_gp(regs[i].msr, regs[i].name);
	expect_wr_gp(X2APIC_TPR, 0x20, "TPR in xAPIC mode");
	expect_wr_gp(X2APIC_EOI, 0, "EOI in xAPIC mode");
	expect_wr_gp(X2APIC_TDCR, APIC_TDCR_DIV2, "TDCR in xAPIC mode");
	expect_wr_gp(X2APIC_SELF_IPI, TIMER_VEC, "SELF IPI in xAPIC mode");
	judge(apic_read(APIC_TPR) == 0 && apic_read(APIC_TDCR) == APIC_TDCR_DIV1,
	      "the xAPIC's TPR (0x%x) and TDCR (0x%x) untouched", apic_read(APIC_TPR),
	      apic_read(APIC_TDCR));
	judge(!apic_test_vector(APIC_IRR, TIMER_VEC), "no self-IPI pending (vector 0x%x)",
	      TIMER_VEC);
	drain_interrupts();
	judge(rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_EN &&
	      !(rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_EXTD), "still in xAPIC mode");
}

/*
 * Read-only x2APIC registers (SDM Vol. 3A, table "Local APIC Register
 * Address Map Supported by x2APIC", and "Reserved Bit Checking"): a WRMSR
 * raises #GP(0) and the register keeps its value.
 */
static void case_x2apic_ro(void)
{
	static const struct { uint32_t msr; const char *name; } regs[] = {
		{ X2APIC_ID, "ID" }, { X2APIC_VERSION, "version" }, { X2APIC_PPR, "PPR" },
		{ X2APIC_LDR, "LDR" }, { X2APIC_ISR0, "ISR0" }, { X2APIC_ISR7, "ISR7" },
		{ X2APIC_TMR0, "TMR0" }, { X2APIC_IRR0, "IRR0" }, { X2APIC_TMCCT, "TMCCT" },
	};
	char why[48];

	if (!need_x2apic()) {
		check_no_x2apic();
		return;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(regs); i++) {
		uint64_t v = rdmsr(regs[i].msr);

		snprintf(why, sizeof(why), "%s, read-only", regs[i].name);
		expect_wr_gp(regs[i].msr, v ^ 1U, why);
	}
	drain_interrupts();
}

/* Write-only x2APIC registers, EOI and SELF IPI: a RDMSR raises #GP(0) (same table). */
static void case_x2apic_wo(void)
{
	if (!need_x2apic()) {
		check_no_x2apic();
		return;
	}
	expect_rd_gp(X2APIC_EOI, "EOI, write-only");
	expect_rd_gp(X2APIC_SELF_IPI, "SELF IPI, write-only");
}

/*
 * Reserved bits of x2APIC registers ("Reserved Bit Checking": "Non-zero
 * writes (by WRMSR instruction) to reserved bits to these registers will
 * raise a general protection fault exception"): bits 63:32 of every
 * register but the ICR, TPR 31:8, SELF IPI 31:8, EOI and ESR any non-zero
 * value, SVR 31:13, LVT 31:17 (timer 31:19), ICR 31:20.
 */
static void case_x2apic_rsvd(void)
{
	const char *gap = native_gap;

	if (!need_x2apic()) {
		check_no_x2apic();
		return;
	}
	expect_wr_gp(X2APIC_TPR, 0x100, "TPR bit 8");
	expect_wr_gp(X2APIC_TPR, 1ULL << 32, "TPR bit 32");
	expect_wr_gp(X2APIC_EOI, 1, "EOI non-zero");
	expect_wr_gp(X2APIC_ESR, 1, "ESR non-zero");
	expect_wr_gp(X2APIC_SVR, (1ULL << 32) | APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR, "SVR bit 32");
	expect_wr_gp(X2APIC_SVR, (1U << 13) | APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR, "SVR bit 13");
	/* Natively Bochs checks only the registers above; under tickvisor every one is strict. */
	if (on_bochs)
		native_gap = BOCHS_X2APIC_RSVD;
	expect_wr_gp(X2APIC_SELF_IPI, 0x100, "SELF IPI bit 8");
	expect_wr_gp(X2APIC_LVTT, APIC_LVT_MASKED | (1U << 19), "LVT timer bit 19");
	expect_wr_gp(X2APIC_LVT0, APIC_LVT_MASKED | (1U << 17), "LVT LINT0 bit 17");
	expect_wr_gp(X2APIC_TDCR, APIC_TDCR_DIV1 | (1U << 4), "TDCR bit 4");
	/* Vector 0 with the self shorthand: nothing deliverable even if it were sent. */
	expect_wr_gp(X2APIC_ICR, APIC_ICR_DEST_SELF | (1U << 20), "ICR bit 20");
	native_gap = gap;
	judge(apic_read(APIC_TPR) == 0 && apic_read(APIC_TDCR) == APIC_TDCR_DIV1 &&
	      apic_read(APIC_SVR) == (APIC_SVR_ENABLE | APIC_SPURIOUS_VECTOR),
	      "TPR 0x%x, TDCR 0x%x, SVR 0x%x as apic_setup() left them", apic_read(APIC_TPR),
	      apic_read(APIC_TDCR), apic_read(APIC_SVR));
	drain_interrupts();
}

/*
 * Addresses in 800H-BFFH that the x2APIC table does not list (DFR 80EH
 * and ICR2 831H among them) are reserved: RDMSR and WRMSR raise #GP(0),
 * in x2APIC mode too ("x2APIC Register Address Space").
 */
static void case_x2apic_absent(void)
{
	static const uint32_t msrs[] = { 0x800, 0x801, 0x804, 0x807, 0x80e, 0x831, 0x83a, 0x840,
					 0x8ff, 0x900, 0xbff };
	char why[40];

	if (!need_x2apic()) {
		check_no_x2apic();
		return;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(msrs); i++) {
		snprintf(why, sizeof(why), "no x2APIC register at 0x%x", msrs[i]);
		expect_rd_gp(msrs[i], why);
		expect_wr_gp(msrs[i], 0, why);
	}
}

/* An MSR the CPU does not implement: #GP(0) for both (SDM Vol. 2B, RDMSR / WRMSR). */
static void case_msr_unknown(void)
{
	static const uint32_t msrs[] = { MSR_UNKNOWN, 0x40000000U, 0x400000ffU, 0xbfffffffU,
					 0xffffffffU };
	char why[32];

	for (unsigned int i = 0; i < ARRAY_SIZE(msrs); i++) {
		snprintf(why, sizeof(why), "unknown MSR 0x%x", msrs[i]);
		expect_rd_gp(msrs[i], why);
		expect_wr_gp(msrs[i], 0, why);
		expect_wr_gp(msrs[i], ~0ULL, why);
	}
}

/*
 * RDMSR/WRMSR take the MSR from ECX and the value from EDX:EAX; RCX, RAX
 * and RDX bits 63:32 are ignored, and RDMSR clears RAX and RDX bits 63:32
 * (SDM Vol. 2B, RDMSR: "the high-order 32 bits of RAX, RDX and RCX are
 * ignored"; a 32-bit destination is zero-extended).  A VMM that used the
 * full RCX would read an unknown MSR; the full RAX, a reserved bit.
 */
static void case_msr_rcx_high(void)
{
	uint64_t base, rax = 0x5a5a5a5a5a5a5a5aULL, rdx = 0xa5a5a5a5a5a5a5a5ULL;
	uint64_t rcx = 0xdead000000000000ULL | MSR_IA32_APIC_BASE;

	if (!need_xapic())
		return;
	base = rdmsr(MSR_IA32_APIC_BASE);
	ex_clear();
	__asm__ volatile("1: rdmsr\n2:\n" EX_TABLE(1b, 2b) : "+a"(rax), "+d"(rdx) : "c"(rcx) : "memory");
	judge(ex_vector() == EX_NONE && (rax >> 32) == 0 && (rdx >> 32) == 0 &&
	      ((rdx << 32) | rax) == base,
	      "RDMSR with RCX 0x%llx: %s, RDX 0x%llx RAX 0x%llx (IA32_APIC_BASE 0x%llx)",
	      (unsigned long long)rcx, vec_name(ex_vector()), (unsigned long long)rdx,
	      (unsigned long long)rax, (unsigned long long)base);
	rax = 0xffffffff00000000ULL | (uint32_t)base;
	rdx = 0xffffffff00000000ULL | (base >> 32);
	ex_clear();
	__asm__ volatile("1: wrmsr\n2:\n" EX_TABLE(1b, 2b) : : "a"(rax), "d"(rdx), "c"(rcx) : "memory");
	judge(ex_vector() == EX_NONE && rdmsr(MSR_IA32_APIC_BASE) == base,
	      "WRMSR IA32_APIC_BASE with ones in RAX/RDX/RCX 63:32: %s, reads 0x%llx",
	      vec_name(ex_vector()), (unsigned long long)rdmsr(MSR_IA32_APIC_BASE));
	/* ECX names an unknown MSR although RCX has the APIC base's number above bit 31. */
	rcx = ((uint64_t)MSR_IA32_APIC_BASE << 32) | MSR_UNKNOWN;
	ex_clear();
	__asm__ volatile("1: rdmsr\n2:\n" EX_TABLE(1b, 2b) : "=a"(rax), "=d"(rdx) : "c"(rcx) : "memory");
	judge(ex_vector() == EX_GP && ex_last()->error_code == 0,
	      "RDMSR with RCX 0x%llx (ECX unknown): %s(%llu)", (unsigned long long)rcx,
	      vec_name(ex_vector()), (unsigned long long)ex_last()->error_code);
}

/*
 * SDM Vol. 2B, WRMSR: #GP(0) "if the source register contains a
 * non-canonical address and ECX specifies one of the following MSRs:
 * IA32_DS_AREA, IA32_FS_BASE, IA32_GS_BASE, IA32_KERNEL_GS_BASE,
 * IA32_LSTAR, IA32_SYSENTER_EIP, IA32_SYSENTER_ESP".  Two non-canonical
 * values (bit 63 alone, and the lowest address past the positive half of
 * the guest's linear-address width), then a canonical kernel-half value
 * that must be taken and read back.
 */
static void expect_canonical(uint32_t msr, const char *name)
{
	unsigned int w = linear_bits();
	char why[64];

	snprintf(why, sizeof(why), "%s, bit 63 only: non-canonical", name);
	expect_wr_gp(msr, 1ULL << 63, why);
	if (w < 64U) {
		snprintf(why, sizeof(why), "%s, bit %u: non-canonical at %u bits", name, w - 1U, w);
		expect_wr_gp(msr, 1ULL << (w - 1U), why);
		snprintf(why, sizeof(why), "%s, canonical at %u bits", name, w);
		expect_wr_ok(msr, ~0ULL << (w - 1U) | 0x1230ULL, why);
	}
}

static void case_lstar_noncanon(void)
{
	expect_canonical(MSR_IA32_LSTAR, "IA32_LSTAR");
}

static void case_fs_base_noncanon(void)
{
	expect_canonical(MSR_IA32_FS_BASE, "IA32_FS_BASE");
	expect_canonical(MSR_IA32_GS_BASE, "IA32_GS_BASE");
}

static void case_kgs_base_noncanon(void)
{
	expect_canonical(MSR_IA32_KERNEL_GS_BASE, "IA32_KERNEL_GS_BASE");
}

static void case_sysenter_noncanon(void)
{
	expect_canonical(MSR_IA32_SYSENTER_ESP, "IA32_SYSENTER_ESP");
	expect_canonical(MSR_IA32_SYSENTER_EIP, "IA32_SYSENTER_EIP");
}

/* Without TSC-deadline in CPUID the MSR does not exist. */
static bool check_tscdl_absent(void)
{
	if (apic_has_tsc_deadline())
		return false;
	report_info("CPUID.1:ECX.TSC_Deadline clear: IA32_TSC_DEADLINE must #GP");
	expect_rd_gp(MSR_IA32_TSC_DEADLINE, "no TSC-deadline in CPUID");
	expect_wr_gp(MSR_IA32_TSC_DEADLINE, 1, "no TSC-deadline in CPUID");
	return true;
}

/*
 * Deadlines no TSC reaches for centuries, ~0 and 2^63 ("TSC-Deadline
 * Mode": any value is taken; the timer fires when the TSC reaches it, and
 * "writing 0 disarms"): accepted, read back, and no interrupt.  A VMM that
 * adds a TSC offset or scales the value could wrap it into the past.
 */
static void case_tsc_deadline(void)
{
	static const uint64_t far[] = { ~0ULL, 1ULL << 63, ~0ULL - 1U };
	uint64_t v;

	if (!need_xapic())
		return;
	if (check_tscdl_absent())
		return;
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_TSCDL);
	for (unsigned int i = 0; i < ARRAY_SIZE(far); i++) {
		int vec = wrmsr_safe(MSR_IA32_TSC_DEADLINE, far[i]);

		tsc_wait_until(rdtsc() + NO_FIRE_WAIT);
		v = rdmsr(MSR_IA32_TSC_DEADLINE);
		judge(vec == 0 && v == far[i] && !apic_test_vector(APIC_IRR, TIMER_VEC),
		      "deadline 0x%llx: %s, reads 0x%llx, no interrupt after %llu TSC ticks (IRR %u)",
		      (unsigned long long)far[i], vec_name(vec), (unsigned long long)v,
		      (unsigned long long)NO_FIRE_WAIT, apic_test_vector(APIC_IRR, TIMER_VEC));
	}
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	v = rdmsr(MSR_IA32_TSC_DEADLINE);
	judge(v == 0, "0 disarms: reads 0x%llx", (unsigned long long)v);
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	drain_interrupts();
}

/*
 * "TSC-Deadline Mode": "In other timer modes (LVT bit 18 = 0), the
 * IA32_TSC_DEADLINE MSR reads zero and writes are ignored."  A past
 * deadline written in one-shot mode must not be armed: switching to
 * TSC-deadline mode afterwards gives no interrupt.
 */
static void case_tsc_deadline_mode(void)
{
	static const uint64_t odd[] = { 1, ~0ULL, 1ULL << 63 };
	uint64_t v;

	if (!need_xapic())
		return;
	if (check_tscdl_absent())
		return;
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_ONESHOT);
	for (unsigned int i = 0; i < ARRAY_SIZE(odd); i++) {
		int vec = wrmsr_safe(MSR_IA32_TSC_DEADLINE, odd[i]);

		v = rdmsr(MSR_IA32_TSC_DEADLINE);
		judge(vec == 0 && v == 0, "one-shot mode, write 0x%llx: %s, reads 0x%llx",
		      (unsigned long long)odd[i], vec_name(vec), (unsigned long long)v);
	}
	(void)wrmsr_safe(MSR_IA32_TSC_DEADLINE, 1);
	apic_write(APIC_LVTT, TIMER_VEC | APIC_LVT_TIMER_TSCDL);
	tsc_wait_until(rdtsc() + NO_FIRE_WAIT);
	v = rdmsr(MSR_IA32_TSC_DEADLINE);
	judge(v == 0 && !apic_test_vector(APIC_IRR, TIMER_VEC),
	      "then TSC-deadline mode: reads 0x%llx, no interrupt (IRR %u): the write was ignored",
	      (unsigned long long)v, apic_test_vector(APIC_IRR, TIMER_VEC));
	apic_write(APIC_LVTT, APIC_LVT_MASKED);
	drain_interrupts();
}

/*
 * A reserved-bit write to IA32_TSC_AUX: #GP(0), unchanged.  The MSR passes
 * through tickvisor's MSR bitmap, so there the CPU answers as natively:
 * Bochs 2.7 stores bits 31:0 and drops 63:32 without #GP, a deviation
 * skipped by name under tickvisor too, but only in exactly that form (any
 * other result, high bits kept included, is a failure).
 */
static void expect_tsc_aux_gp(uint64_t val, const char *what)
{
	uint64_t before = rdmsr(MSR_IA32_TSC_AUX), after, ec;
	int vec = wrmsr_safe(MSR_IA32_TSC_AUX, val);

	ec = ex_last()->error_code;
	after = rdmsr(MSR_IA32_TSC_AUX);
	wrmsr(MSR_IA32_TSC_AUX, before);
	if (vec == 0 && after == (uint32_t)val && !on_qemu) {
		report_skip("WRMSR IA32_TSC_AUX = 0x%llx (%s): no fault, reads 0x%llx: the CPU drops "
			    "bits 63:32 (Bochs 2.7; under tickvisor the MSR passes through to it)",
			    (unsigned long long)val, what, (unsigned long long)after);
		return;
	}
	judge(vec == EX_GP && ec == 0 && after == before,
	      "WRMSR IA32_TSC_AUX = 0x%llx (%s): %s(%llu), reads 0x%llx (was 0x%llx)",
	      (unsigned long long)val, what, vec_name(vec), (unsigned long long)ec,
	      (unsigned long long)after, (unsigned long long)before);
}

/*
 * IA32_TSC_AUX (SDM Vol. 4, C000_0103H): bits 31:0 the signature, 63:32
 * reserved; it exists when CPUID reports RDTSCP or RDPID.  Odd values:
 * bit 32 and all ones (#GP), 0xFFFFFFFF (taken; RDTSCP returns it in ECX).
 */
static void case_tsc_aux(void)
{
	bool rdtscp = xu_has_rdtscp();
	bool rdpid = cpuid(0).a >= 7 && (cpuid_count(7, 0).c & CPUID_7_ECX_RDPID);
	uint64_t old;

	if (!rdtscp && !rdpid) {
		report_info("CPUID reports neither RDTSCP nor RDPID: no IA32_TSC_AUX");
		expect_rd_gp(MSR_IA32_TSC_AUX, "no TSC_AUX in CPUID");
		expect_wr_gp(MSR_IA32_TSC_AUX, 1, "no TSC_AUX in CPUID");
		return;
	}
	old = rdmsr(MSR_IA32_TSC_AUX);
	expect_tsc_aux_gp((1ULL << 32) | 0x5U, "reserved bit 32");
	expect_tsc_aux_gp(~0ULL, "all ones: bits 63:32 reserved");
	expect_wr_ok(MSR_IA32_TSC_AUX, 0xffffffffULL, "bits 31:0 all ones");
	if (rdtscp) {
		uint32_t aux;

		wrmsr(MSR_IA32_TSC_AUX, 0xfedcba98U);
		aux = xu_rdtscp_aux();
		wrmsr(MSR_IA32_TSC_AUX, old);
		judge(aux == 0xfedcba98U, "RDTSCP returns IA32_TSC_AUX 0xfedcba98 in ECX: 0x%x", aux);
	}
	judge(rdmsr(MSR_IA32_TSC_AUX) == old, "IA32_TSC_AUX back at 0x%llx", (unsigned long long)old);
}

/* XSETBV's #GP(0) cases need CR4.OSXSAVE; without XSAVE in CPUID the instruction is #UD. */
static bool xsetbv_ready(void)
{
	int vec;

	if (xu_has_xsave()) {
		xu_enable_sse();
		xu_enable_osxsave();
		return true;
	}
	vec = xu_xsetbv_safe(0, XU_XCR0_X87);
	judge(vec == EX_UD, "no XSAVE in CPUID: XSETBV raises #UD (%s)", vec_name(vec));
	return false;
}

static void expect_xsetbv_gp(uint32_t xcr, uint64_t val, const char *why)
{
	uint64_t before = xu_xgetbv(0);
	int vec = xu_xsetbv_safe(xcr, val);
	uint64_t ec = ex_last()->error_code, after = xu_xgetbv(0);

	if (vec == EX_NONE)
		(void)xu_xsetbv_safe(0, before);
	judge(vec == EX_GP && ec == 0 && after == before,
	      "XSETBV XCR%u = 0x%llx (%s): %s(%llu), XCR0 0x%llx (was 0x%llx)", xcr,
	      (unsigned long long)val, why, vec_name(vec), (unsigned long long)ec,
	      (unsigned long long)after, (unsigned long long)before);
}

/* SDM Vol. 2C, XSETBV: #GP(0) "If an invalid XCR is specified in ECX (includes ECX = 1)". */
static void case_xsetbv_ecx1(void)
{
	if (!xsetbv_ready())
		return;
	expect_xsetbv_gp(1, XU_XCR0_X87, "ECX = 1, XCR0's own legal value");
	expect_xsetbv_gp(1, 0, "ECX = 1, value 0");
	expect_xsetbv_gp(0xffffffffU, XU_XCR0_X87, "ECX = 0xFFFFFFFF");
}

/* Same: #GP(0) "If an attempt is made to clear bit 0 of XCR0". */
static void case_xsetbv_x87(void)
{
	uint64_t sup;

	if (!xsetbv_ready())
		return;
	sup = xu_xcr0_supported();
	expect_xsetbv_gp(0, 0, "XCR0 = 0");
	expect_xsetbv_gp(0, XU_XCR0_SSE, "SSE without x87");
	expect_xsetbv_gp(0, sup & ~XU_XCR0_X87, "everything CPUID reports but x87");
}

/*
 * IA32_MISC_ENABLE (SDM Vol. 4, table "IA-32 Architectural MSRs", 1A0H):
 * bits other than 0, 3, 7, 11, 12, 16, 18, 22, 23 and 34 are reserved;
 * setting one raises #GP(0).  Bits 63 and 40 are reserved on every model.
 */
static void case_misc_enable_res(void)
{
	uint64_t v = 0;

	if (rdmsr_safe(MSR_IA32_MISC_ENABLE, &v)) {
		report_info("IA32_MISC_ENABLE does not read on this CPU: writes must #GP too");
		expect_wr_gp(MSR_IA32_MISC_ENABLE, 1, "no IA32_MISC_ENABLE");
		return;
	}
	report_info("IA32_MISC_ENABLE 0x%llx", (unsigned long long)v);
	expect_wr_gp(MSR_IA32_MISC_ENABLE, v | (1ULL << 63), "reserved bit 63");
	expect_wr_gp(MSR_IA32_MISC_ENABLE, v | (1ULL << 40), "reserved bit 40");
}

/*
 * IA32_MTRR_DEF_TYPE (SDM Vol. 3A, "IA32_MTRR_DEF_TYPE MSR"): type in
 * 7:0, FE 10, E 11, all else reserved; the type must be one of 0, 1, 4,
 * 5, 6 ("Memory Types That Can Be Encoded in MTRRs"), else #GP.  Without
 * CPUID.1:EDX.MTRR the MSR does not exist.
 */
static void case_mtrr_def_type(void)
{
	uint64_t v;

	if (!(cpuid(1).d & CPUID_1_EDX_MTRR)) {
		report_info("CPUID.1:EDX.MTRR clear: no MTRR MSRs");
		expect_rd_gp(MSR_IA32_MTRR_DEF_TYPE, "no MTRRs in CPUID");
		expect_wr_gp(MSR_IA32_MTRR_DEF_TYPE, 0x806, "no MTRRs in CPUID");
		return;
	}
	v = rdmsr(MSR_IA32_MTRR_DEF_TYPE);
	report_info("IA32_MTRR_DEF_TYPE 0x%llx", (unsigned long long)v);
	expect_wr_gp(MSR_IA32_MTRR_DEF_TYPE, (v & ~0xffULL) | 2U, "type 2, reserved");
	expect_wr_gp(MSR_IA32_MTRR_DEF_TYPE, (v & ~0xffULL) | 7U, "type 7, reserved");
	expect_wr_gp(MSR_IA32_MTRR_DEF_TYPE, v | (1ULL << 9), "reserved bit 9");
	expect_wr_gp(MSR_IA32_MTRR_DEF_TYPE, v | (1ULL << 12), "reserved bit 12");
}

/*
 * IA32_PAT (SDM Vol. 3A, "IA32_PAT MSR"): eight 3-bit types, bits 7:3 of
 * each byte reserved; "Attempting to write an undefined memory type
 * encoding into the PAT causes a general-protection (#GP) exception"
 * (types 2 and 3).  A legal odd value (UC- in PA7) is taken and read back.
 */
static void case_pat_res(void)
{
	uint64_t pat = rdmsr(MSR_IA32_PAT);

	report_info("IA32_PAT 0x%llx", (unsigned long long)pat);
	expect_wr_gp(MSR_IA32_PAT, (pat & ~0x7ULL) | 2U, "PA0 type 2");
	expect_wr_gp(MSR_IA32_PAT, (pat & ~(0x7ULL << 56)) | (3ULL << 56), "PA7 type 3");
	expect_wr_gp(MSR_IA32_PAT, pat | (1ULL << 3), "reserved bit 3");
	expect_wr_gp(MSR_IA32_PAT, pat | (1ULL << 63), "reserved bit 63");
	expect_wr_ok(MSR_IA32_PAT, (pat & ~(0x7ULL << 56)) | (7ULL << 56), "PA7 UC-");
	judge(rdmsr(MSR_IA32_PAT) == pat, "IA32_PAT back at 0x%llx", (unsigned long long)pat);
}

/*
 * VMX instructions (SDM Vol. 3C, "VMX Instruction Reference"): #UD with
 * CR4.VMXE = 0 (VMXON) or outside VMX operation (the others); VMFUNC #UD
 * outside VMX non-root operation, or when "enable VM functions" is 0.  The
 * guest's CPUID has no VMX, and it must see what such a CPU does.  The
 * instruction sits at label 1; its #UD resumes at 2, and the fault's RIP
 * must be the instruction's own (the exception table matches only 1b, so
 * any other RIP ends the guest as an unexpected exception).
 */
static uint64_t vmx_region[512] __attribute__((aligned(4096)));
static uint64_t inv_desc[2] __attribute__((aligned(16)));

#define VMX_UD_TRY(fn, setup, insn, ...)						\
	static uint64_t fn(void)							\
	{										\
		uint64_t rip;								\
											\
		__asm__ volatile(setup "\n\tlea 1f(%%rip), %0\n"			\
				 "1: " insn "\n2:\n" EX_TABLE(1b, 2b)			\
				 : "=&r"(rip) : __VA_ARGS__ : "rax", "rcx", "memory", "cc");	\
		return rip;								\
	}

VMX_UD_TRY(ud_vmxon, "", "vmxon (%1)", "r"(vmx_region))
VMX_UD_TRY(ud_vmclear, "", "vmclear (%1)", "r"(vmx_region))
VMX_UD_TRY(ud_vmptrld, "", "vmptrld (%1)", "r"(vmx_region))
VMX_UD_TRY(ud_vmptrst, "", "vmptrst (%1)", "r"(vmx_region))
VMX_UD_TRY(ud_vmread, "", "vmread %1, %%rax", "r"(0x4402ULL))		/* exit reason */
VMX_UD_TRY(ud_vmwrite, "mov $0x1234, %%eax", "vmwrite %%rax, %1", "r"(0x681eULL))	/* guest RIP */
VMX_UD_TRY(ud_vmlaunch, "", "vmlaunch", "i"(0))
VMX_UD_TRY(ud_vmresume, "", "vmresume", "i"(0))
VMX_UD_TRY(ud_vmxoff, "", "vmxoff", "i"(0))
VMX_UD_TRY(ud_invept, "", "invept (%1), %2", "r"(inv_desc), "r"(2ULL))	/* all-context */
VMX_UD_TRY(ud_invvpid, "", "invvpid (%1), %2", "r"(inv_desc), "r"(2ULL))
VMX_UD_TRY(ud_vmfunc, "xor %%eax, %%eax\n\txor %%ecx, %%ecx", "vmfunc", "i"(0))

static void expect_vmx_ud(const char *name, uint64_t (*try_insn)(void))
{
	uint64_t at;

	if (under_tv)
		report(!(cpuid(1).c & (1U << 5)), "CPUID.1:ECX.VMX clear under tickvisor");
	else
		report_info("natively CPUID.1:ECX.VMX = %u, CR4.VMXE = %u", (cpuid(1).c >> 5) & 1U,
			    (unsigned int)((read_cr4() >> 13) & 1U));
	if (read_cr4() & (1ULL << 13)) {
		if (under_tv)
			report(false, "CR4.VMXE is set under tickvisor: the guest cannot have set it");
		else
			report_skip("%s: natively CR4.VMXE is set, the answer is not #UD", name);
		return;
	}
	ex_clear();
	at = try_insn();
	report(ex_vector() == EX_UD && ex_last()->rip == at && ex_last()->count == 1,
	       "%s raises #UD at its own RIP: %s at 0x%llx (instruction at 0x%llx), %llu caught",
	       name, vec_name(ex_vector()), (unsigned long long)ex_last()->rip,
	       (unsigned long long)at, (unsigned long long)ex_last()->count);
}

#define VMX_CASE(n) static void case_##n(void) { expect_vmx_ud(#n, ud_##n); }
VMX_CASE(vmxon)
VMX_CASE(vmclear)
VMX_CASE(vmptrld)
VMX_CASE(vmptrst)
VMX_CASE(vmread)
VMX_CASE(vmwrite)
VMX_CASE(vmlaunch)
VMX_CASE(vmresume)
VMX_CASE(vmxoff)
VMX_CASE(invept)
VMX_CASE(invvpid)
VMX_CASE(vmfunc)

struct hostile_case {
	const char *name;
	void (*run)(void);
	bool is_msr;	/* RDMSR/WRMSR checks: QEMU_MSR natively on QEMU TCG */
};

static const struct hostile_case cases[] = {
	{ "apic_base_res", case_apic_base_res, true },
	{ "apic_base_maxphy", case_apic_base_maxphy, true },
	{ "efer_res", case_efer_res, true },
	{ "efer_lme", case_efer_lme, true },
	{ "x2apic_in_xapic", case_x2apic_in_xapic, true },
	{ "msr_unknown", case_msr_unknown, true },
	{ "msr_rcx_high", case_msr_rcx_high, true },
	{ "lstar_noncanon", case_lstar_noncanon, true },
	{ "fs_base_noncanon", case_fs_base_noncanon, true },
	{ "kgs_base_noncanon", case_kgs_base_noncanon, true },
	{ "sysenter_noncanon", case_sysenter_noncanon, true },
	{ "tsc_deadline", case_tsc_deadline, true },
	{ "tsc_deadline_mode", case_tsc_deadline_mode, true },
	{ "tsc_aux", case_tsc_aux, true },
	{ "xsetbv_ecx1", case_xsetbv_ecx1, false },
	{ "xsetbv_x87", case_xsetbv_x87, false },
	{ "misc_enable_res", case_misc_enable_res, true },
	{ "mtrr_def_type", case_mtrr_def_type, true },
	{ "pat_res", case_pat_res, true },
	{ "vmxon", case_vmxon, false },
	{ "vmclear", case_vmclear, false },
	{ "vmptrld", case_vmptrld, false },
	{ "vmptrst", case_vmptrst, false },
	{ "vmread", case_vmread, false },
	{ "vmwrite", case_vmwrite, false },
	{ "vmlaunch", case_vmlaunch, false },
	{ "vmresume", case_vmresume, false },
	{ "vmxoff", case_vmxoff, false },
	{ "invept", case_invept, false },
	{ "invvpid", case_invvpid, false },
	{ "vmfunc", case_vmfunc, false },
	{ "apic_base_mode", case_apic_base_mode, true },
	{ "x2apic_ro", case_x2apic_ro, true },
	{ "x2apic_wo", case_x2apic_wo, true },
	{ "x2apic_rsvd", case_x2apic_rsvd, true },
	{ "x2apic_absent", case_x2apic_absent, true },
};

static void run_case(const struct hostile_case *c)
{
	report_prefix_push(c->name);
	native_gap = on_qemu && c->is_msr ? QEMU_MSR : NULL;
	c->run();
	report_prefix_pop();
}

int main(void)
{
	char how[32] = "";
	char sig[13];
	bool all;

	under_tv = tv_is_present();
	on_qemu = !under_tv && apic_is_qemu_tcg();
	on_bochs = !under_tv && apic_is_bochs_native();
	report_info("%s", under_tv ? "under tickvisor" : on_qemu ? "natively on QEMU TCG" :
		    on_bochs ? "natively on Bochs" : tv_read_signature(sig) ? sig : "natively");
	report_prefix_push("hostile_msr");
	if (!mb_cmdline_get("how", how, sizeof(how))) {
		report(false, "no how= on the command line (a case name, or all)");
		report_prefix_pop();
		return report_summary();
	}
	all = !strcmp(how, "all");
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++)
		if (all || !strcmp(how, cases[i].name)) {
			run_case(&cases[i]);
			if (!all)
				break;
		}
	if (!all) {
		bool known = false;

		for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++)
			known |= !strcmp(how, cases[i].name);
		if (!known)
			report(false, "how=%s: no such case", how);
	}
	report_prefix_pop();
	return report_summary();
}
