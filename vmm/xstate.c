/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "xstate: "

#include "xstate.h"

#include <tv/errno.h>
#include <tv/log.h>
#include <tv/string.h>
#include <x86/cpu.h>
#include <x86/msr.h>

#include "vm.h"
#include "vmsr.h"

#define XSTATE_CPUID1_ECX_XSAVE	(1U << 26)
#define XSTATE_CR0_EM		(1ULL << 2)
#define XSTATE_CR0_TS		(1ULL << 3)
#define XSTATE_CR4_OSXSAVE	(1ULL << 18)
/* SDM Vol. 3A, table "IA-32 and Intel 64 Processor States Following Power-up, Reset, or INIT". */
#define XSTATE_DR6_RESET	0xffff0ff0ULL
#define XSTATE_MXCSR_RESET	0x1f80U
/* FNINIT's control word; see xstate_scrub() for why not the power-up 0040H. */
#define XSTATE_FCW_INIT		0x037fU
/* Legacy region (512 bytes) and XSAVE header (64): all the scrub reads, plus room for a whole area. */
#define XSTATE_AREA_BYTES	12288U

/*
 * Machine-wide facts, the same on every CPU, set once: whether XSAVE
 * exists, the XCR0 the VMM runs with (every component the CPU reports, so
 * that one XRSTOR reaches everything a guest could have enabled), and the
 * clean image the scrub loads.  Nothing here is per VM.
 */
static bool xstate_probed;
static bool xstate_has_xsave;
static uint64_t xstate_host_xcr0;
static uint8_t xstate_clean[XSTATE_AREA_BYTES] __attribute__((aligned(64)));

static void xstate_probe(void)
{
	struct cpuid_regs r;

	xstate_probed = true;
	/* Legacy region: FCW as FNINIT leaves it, MXCSR at its reset value; tags all empty (0). */
	tv_memset(xstate_clean, 0, sizeof(xstate_clean));
	xstate_clean[0] = (uint8_t)XSTATE_FCW_INIT;
	xstate_clean[1] = (uint8_t)(XSTATE_FCW_INIT >> 8);
	xstate_clean[24] = (uint8_t)XSTATE_MXCSR_RESET;
	xstate_clean[25] = (uint8_t)(XSTATE_MXCSR_RESET >> 8);
	cpu_cpuid(1, 0, &r);
	if (!(r.ecx & XSTATE_CPUID1_ECX_XSAVE)) {
		pr_info("no XSAVE: guests get x87/SSE scrubbed with FXRSTOR and no XCR0\n");
		return;
	}
	cpu_cpuid(0xd, 0, &r);
	xstate_host_xcr0 = ((uint64_t)r.edx << 32) | r.eax;
	/* ECX: the area size for every supported component at once. */
	if (r.ecx > XSTATE_AREA_BYTES) {
		pr_err("XSAVE area of %u bytes exceeds the %u the scrub holds: guests keep x87, "
		       "SSE and AVX only\n", r.ecx, XSTATE_AREA_BYTES);
		xstate_host_xcr0 &= VMSR_XCR0_X87 | VMSR_XCR0_SSE | VMSR_XCR0_AVX;
	}
	xstate_has_xsave = true;
	pr_info("XCR0 guests may set (CPUID.(EAX=0DH,ECX=0)): %#llx, the VMM's own XCR0\n",
		(unsigned long long)xstate_host_xcr0);
}

/* The host's CR4.OSXSAVE and XCR0, on this CPU (idempotent). */
static void xstate_enable_host(void)
{
	uint64_t cr4 = cpu_read_cr4();

	if (!(cr4 & XSTATE_CR4_OSXSAVE))
		cpu_write_cr4(cr4 | XSTATE_CR4_OSXSAVE);
	if (cpu_xgetbv(0) != xstate_host_xcr0)
		cpu_write_xcr0(xstate_host_xcr0);
}

/*
 * Every register that VM entry and exit leave alone goes back to its reset
 * value.  XSAVE-managed state: XRSTOR of a header whose XSTATE_BV is 0 puts
 * each component of RFBM (the host's XCR0, a superset of any guest's) in its
 * initial configuration (SDM Vol. 1, "Operation of XRSTOR": XMM, YMM, ZMM,
 * opmask, PKRU, bounds all 0), and loads MXCSR from the legacy region: 1F80H,
 * its power-up value.  Deviation: the x87 initial configuration is FNINIT's
 * (FCW 037FH, FSW 0, all tags empty), not the power-up FCW 0040H / FTW 5555H
 * of the SDM's reset table.  A Multiboot guest is entered by a boot loader,
 * not out of reset, and FNINIT's state is what XRSTOR defines and what every
 * boot path before tickvisor leaves too.
 * The VMM itself is built with -mgeneral-regs-only and its interrupt
 * handlers save only general registers: no VMM code touches these registers,
 * so scrubbing at the guest boundaries is enough while one VM runs per CPU.
 */
static void xstate_scrub(void)
{
	uint64_t cr0 = cpu_read_cr0();

	if (cr0 & (XSTATE_CR0_EM | XSTATE_CR0_TS)) {
		/* UEFI hands over CR0.EM = TS = 0 (UEFI spec, "IA32 Platforms"); keep it so. */
		pr_warn_once("host CR0 %#llx has EM or TS set: cleared for the scrub\n",
			     (unsigned long long)cr0);
		cpu_write_cr0(cr0 & ~(XSTATE_CR0_EM | XSTATE_CR0_TS));
	}
	if (xstate_has_xsave)
		cpu_xrstor(xstate_clean, xstate_host_xcr0);
	else if (cpu_read_cr4() & CR4_OSFXSR)
		cpu_fxrstor(xstate_clean);
	else
		cpu_fninit();
	/*
	 * DR7 and IA32_DEBUGCTL are in the VMCS (load/save debug controls; a VM
	 * exit sets DR7 to 400H and clears DEBUGCTL), DR0-3 and DR6 are not:
	 * MOV DR does not exit, so the guest wrote the CPU's own.
	 */
	cpu_write_debug_regs(0, XSTATE_DR6_RESET);
	/*
	 * IA32_TSC_AUX passes through the MSR bitmap (RDTSCP and RDPID read it
	 * without an exit).  The SDM's reset table does not list it; 0 is what
	 * a CPU shows before software writes it.  No RDTSCP on the host: the
	 * write raises #GP, and there is nothing to reset.
	 */
	(void)cpu_wrmsr_safe(MSR_IA32_TSC_AUX, 0);
}

void xstate_start_guest(struct vm *vm)
{
	if (!xstate_probed)
		xstate_probe();
	if (xstate_has_xsave)
		xstate_enable_host();
	xstate_scrub();
	vm->msrs.xcr0_supported = xstate_has_xsave ? xstate_host_xcr0 : 0;
	vm->msrs.xcr0 = VMSR_XCR0_RESET;
	/*
	 * The guest's XCR0 is in the CPU from here to xstate_end_guest(), its
	 * exits included: no VMM code depends on XCR0 (no XSAVE-managed state,
	 * see xstate_scrub()), and CPUID.(EAX=0DH,ECX=0):EBX, which the CPUID
	 * exit takes from the CPU, then reports the size for the guest's XCR0
	 * as the SDM says it must.  So XCR0 is switched at the VM's boundaries
	 * and on XSETBV, not on every entry and exit.
	 */
	if (xstate_has_xsave)
		cpu_write_xcr0(vm->msrs.xcr0);
}

void xstate_end_guest(struct vm *vm)
{
	(void)vm;
	if (!xstate_probed)
		return;
	/* The host's XCR0 first: the scrub's XRSTOR must reach every component. */
	if (xstate_has_xsave)
		xstate_enable_host();
	xstate_scrub();
}

int xstate_xsetbv(struct vm *vm, uint32_t xcr, uint64_t val, unsigned int cpl)
{
	int rc = vmsr_xsetbv(&vm->msrs, xcr, val, cpl);

	if (rc)
		return rc;
	/*
	 * Checked against the SDM's #GP rules and a subset of what this CPU
	 * supports: the host's XSETBV cannot fault.
	 */
	cpu_write_xcr0(vm->msrs.xcr0);
	return 0;
}
