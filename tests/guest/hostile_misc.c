/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * hostile_misc (issue 12 item 7): the smaller hostile cases.
 *
 * 1. Every VMX instruction raises #UD at its own RIP.  tickvisor offers no
 *    VMX (CPUID.1:ECX.VMX clear) and they exit unconditionally in VMX
 *    non-root operation, so tickvisor must inject #UD as a CPU without VMX
 *    would, not stop the VM.  Natively the CPU's own answer with CR4.VMXE
 *    clear is also #UD (SDM Vol. 3C, "VMX Instruction Reference"); an
 *    emulator that answers otherwise there is a SKIP naming what it did.
 * 2. Log floods: thousands of APIC relocations (each a WRMSR exit that maps
 *    the APIC page anew and may take an EPT table), VMX #UDs, unknown
 *    ports and unknown MSRs, each a guest-triggerable log line in
 *    tickvisor.  The guest must still run afterwards with a working APIC;
 *    the lines' bound is the rate limiter's, tested on the host
 *    (tests/unit/test_logfmt.c).
 */
#include "apic.h"
#include "exception.h"
#include "hypercall.h"
#include "libc.h"
#include "processor.h"
#include "report.h"

#define RELOCATIONS	9000U
#define FLOOD		3000U
#define MSR_UNKNOWN	0x4b564d99U	/* in no MSR list tickvisor, QEMU or Bochs knows */
#define PORT_UNCLAIMED	0x2f0U

static uint64_t vmcs_area[512] __attribute__((aligned(4096)));
static uint64_t inv_desc[2] __attribute__((aligned(16)));

/*
 * One macro per instruction: the instruction at label 1, its #UD resumes at
 * 2.  The exception table matches only RIP == 1b, so an advanced RIP would
 * be an unexpected exception (the guest ends with code 3), and the recorded
 * RIP is checked against 1b as well.
 */
#define VMX_TRY(name, pre, insn, ...)						\
	static uint64_t try_##name(void)					\
	{									\
		uint64_t at;							\
										\
		__asm__ volatile("lea 1f(%%rip), %0\n\t" pre "\n\t"		\
				 "1: " insn "\n2:\n" EX_TABLE(1b, 2b)		\
				 : "=&r"(at) : __VA_ARGS__			\
				 : "rax", "rcx", "memory", "cc");		\
		return at;							\
	}

VMX_TRY(vmxon, "", "vmxon (%1)", "r"(vmcs_area))
VMX_TRY(vmclear, "", "vmclear (%1)", "r"(vmcs_area))
VMX_TRY(vmptrld, "", "vmptrld (%1)", "r"(vmcs_area))
VMX_TRY(vmptrst, "", "vmptrst (%1)", "r"(vmcs_area))
VMX_TRY(vmread, "", "vmread %1, %%rax", "r"(0x681eULL))	/* field: guest RIP */
VMX_TRY(vmwrite, "xor %%eax, %%eax", "vmwrite %%rax, %1", "r"(0x681eULL))
VMX_TRY(vmlaunch, "", "vmlaunch", "i"(0))
VMX_TRY(vmresume, "", "vmresume", "i"(0))
VMX_TRY(vmxoff, "", "vmxoff", "i"(0))
VMX_TRY(invept, "", "invept (%1), %2", "r"(inv_desc), "r"(1ULL))
VMX_TRY(invvpid, "", "invvpid (%1), %2", "r"(inv_desc), "r"(1ULL))
VMX_TRY(vmfunc, "xor %%eax, %%eax\n\txor %%ecx, %%ecx", "vmfunc", "i"(0))	/* EPTP switching, entry 0 */

struct vmx_case {
	const char *name;
	uint64_t (*run)(void);
};

static const struct vmx_case vmx_cases[] = {
	{ "VMXON", try_vmxon }, { "VMCLEAR", try_vmclear }, { "VMPTRLD", try_vmptrld },
	{ "VMPTRST", try_vmptrst }, { "VMREAD", try_vmread }, { "VMWRITE", try_vmwrite },
	{ "VMLAUNCH", try_vmlaunch }, { "VMRESUME", try_vmresume }, { "VMXOFF", try_vmxoff },
	{ "INVEPT", try_invept }, { "INVVPID", try_invvpid }, { "VMFUNC", try_vmfunc },
};

static void test_vmx_insns(bool tv)
{
	report_prefix_push("VMX instructions");
	if (tv)
		report(!(cpuid(1).c & (1U << 5)), "CPUID.1:ECX.VMX is clear");
	else
		report_info("natively CPUID.1:ECX.VMX = %u", (cpuid(1).c >> 5) & 1U);
	if (!tv && (read_cr4() & (1ULL << 13))) {
		report_skip("natively CR4.VMXE is set: the CPU's answer is not #UD");
		goto out;
	}
	for (unsigned int i = 0; i < sizeof(vmx_cases) / sizeof(vmx_cases[0]); i++) {
		uint64_t at;
		bool ok;

		ex_clear();
		at = vmx_cases[i].run();
		ok = ex_vector() == EX_UD && ex_last()->rip == at;
		if (!ok && !tv) {
			report_skip("%s natively: vector %d at 0x%lx (instruction at 0x%lx)",
				    vmx_cases[i].name, ex_vector(), ex_last()->rip, at);
			continue;
		}
		report(ok, "%s raises #UD at its own RIP (vector %d, RIP 0x%lx, at 0x%lx)",
		       vmx_cases[i].name, ex_vector(), ex_last()->rip, at);
	}
out:
	report_prefix_pop();
}

/* MAXPHYADDR from CPUID.80000008H:EAX[7:0], 36 without the leaf (SDM Vol. 3A, "Physical Address Space"). */
static unsigned int max_phys_bits(void)
{
	if (cpuid(0x80000000U).a < 0x80000008U)
		return 36;
	return cpuid(0x80000008U).a & 0xffU;
}

/*
 * Each base in its own 2-MiB region above 4 GiB, below MAXPHYADDR: every
 * move needs a new EPT page table for tickvisor's APIC-access page (apic=
 * apicv|access).  Only IA32_APIC_BASE is written: the guest never touches
 * those addresses, its paging maps only 0-4 GiB.
 */
static void test_apic_relocation_flood(bool x2)
{
	uint64_t base, top, next = 0x100000000ULL;
	uint32_t ver, gp = 0, tpr;
	unsigned int n = 0;

	report_prefix_push("APIC relocation flood");
	if (x2) {
		report_skip("the APIC is in x2APIC mode: no MMIO page to move");
		goto out;
	}
	base = rdmsr(MSR_IA32_APIC_BASE);
	ver = apic_read(APIC_LVR);
	top = 1ULL << max_phys_bits();
	for (; n < RELOCATIONS && next + 0x1000U <= top; n++, next += 0x200000ULL)
		gp += wrmsr_safe(MSR_IA32_APIC_BASE, (base & ~APIC_BASE_ADDR_MASK) | next) == EX_GP;
	report(gp == 0, "%u relocations (up to 0x%lx, MAXPHYADDR %u), %u refused with #GP", n,
	       (unsigned long)(next - 0x200000ULL), max_phys_bits(), gp);
	report(n >= 1000U, "at least 1000 relocations made (%u)", n);
	wrmsr(MSR_IA32_APIC_BASE, base);
	report(rdmsr(MSR_IA32_APIC_BASE) == base, "IA32_APIC_BASE back at 0x%lx",
	       (unsigned long)base);
	report(apic_read(APIC_LVR) == ver, "the APIC answers at its old page (version 0x%x)", ver);
	apic_write(APIC_TPR, 0x30);
	tpr = apic_read(APIC_TPR);
	report(tpr == 0x30, "TPR written and read back after the flood (0x%x)", tpr);
	apic_write(APIC_TPR, 0);
out:
	report_prefix_pop();
}

/*
 * IA32_APIC_BASE's address ends at MAXPHYADDR (SDM Vol. 3A, "Local APIC
 * Status and Location"): bit MAXPHYADDR-1 is an address bit, bit
 * MAXPHYADDR is reserved (#GP).  Issue 12 item 7: tickvisor held 39 while
 * the guest's CPUID says 40 on Bochs tigerlake.
 */
static void test_apic_base_width(bool x2)
{
	unsigned int m = max_phys_bits();
	uint64_t base, top_bit = 1ULL << (m - 1U), over = 1ULL << m;
	int ex_top, ex_over;

	report_prefix_push("IA32_APIC_BASE width");
	if (x2 || m >= 52U) {
		report_skip(x2 ? "the APIC is in x2APIC mode" : "MAXPHYADDR 52: no reserved bit above it");
		goto out;
	}
	base = rdmsr(MSR_IA32_APIC_BASE);
	ex_top = wrmsr_safe(MSR_IA32_APIC_BASE, base | top_bit);
	wrmsr(MSR_IA32_APIC_BASE, base);
	ex_over = wrmsr_safe(MSR_IA32_APIC_BASE, base | over);
	wrmsr(MSR_IA32_APIC_BASE, base);
	report(ex_top == 0, "bit %u (MAXPHYADDR %u - 1, an address bit) accepted: %s", m - 1U, m,
	       ex_top == 0 ? "no fault" : ex_name(ex_top));
	if (ex_over == 0 && apic_is_qemu_tcg())
		report_skip("bit %u (MAXPHYADDR, reserved): QEMU TCG 7.2 accepts it (no #GP)", m);
	else
		report(ex_over == EX_GP, "bit %u (MAXPHYADDR, reserved) raises #GP: %s", m,
		       ex_over == 0 ? "no fault" : ex_name(ex_over));
	report(rdmsr(MSR_IA32_APIC_BASE) == base, "IA32_APIC_BASE back at 0x%lx", (unsigned long)base);
out:
	report_prefix_pop();
}

/* Other guest-triggerable log lines, thousands of times each. */
static void test_log_floods(bool tv)
{
	unsigned int ud = 0, gp = 0, ones = 0;
	uint64_t v;

	report_prefix_push("log floods");
	for (unsigned int i = 0; i < FLOOD; i++) {
		ones += inb(PORT_UNCLAIMED) == 0xffU;
		gp += rdmsr_safe(MSR_UNKNOWN, &v) == EX_GP;
		if (tv) {
			ex_clear();
			(void)try_vmxoff();
			ud += ex_vector() == EX_UD;
		}
	}
	report(ones == FLOOD, "%u reads of unclaimed port 0x%x read 0xff (%u)", FLOOD,
	       PORT_UNCLAIMED, ones);
	if (tv || gp == FLOOD)
		report(gp == FLOOD, "%u RDMSRs of unknown MSR 0x%x raise #GP (%u)", FLOOD,
		       MSR_UNKNOWN, gp);
	else
		report_skip("natively the unknown MSR read did not #GP (%u of %u): emulator "
			    "with ignore_bad_msrs", gp, FLOOD);
	if (tv)
		report(ud == FLOOD, "%u VMXOFFs raise #UD (%u)", FLOOD, ud);
	report(true, "still running after the floods");
	report_prefix_pop();
}

int main(void)
{
	bool tv = tv_is_present();
	bool x2;

	test_vmx_insns(tv);
	if (apic_test_start(&x2))
		return report_summary();
	test_apic_relocation_flood(x2);
	test_apic_base_width(x2);
	test_log_floods(tv);
	return report_summary();
}
