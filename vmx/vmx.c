/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "vmx: "

#include "vmx.h"

#include <tv/errno.h>
#include <tv/log.h>
#include <x86/cpu.h>
#include <x86/msr.h>

#include "../vmm/pool.h"
#include "vmx_insn.h"

int vmx_setup_feature_control(void)
{
	uint64_t fc = 0;

	if (cpu_rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc)) {
		pr_err("IA32_FEATURE_CONTROL cannot be read: VT-x not available\n");
		return -TV_EIO;
	}
	if (fc & FEATURE_CONTROL_LOCK) {
		if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
			pr_err("IA32_FEATURE_CONTROL %#llx: locked with VMX off by the firmware\n",
			       (unsigned long long)fc);
			return -TV_EPERM;
		}
		pr_info("IA32_FEATURE_CONTROL %#llx: locked by the firmware with VMX outside "
			"SMX on: using it as it is\n", (unsigned long long)fc);
		return 0;
	}
	/*
	 * SDM Vol. 3C, "Enabling and Entering VMX Operation": VMXON outside SMX
	 * needs bit 2 set and the lock bit set; writing the MSR after lock #GPs.
	 */
	if (cpu_wrmsr_safe(MSR_IA32_FEATURE_CONTROL,
			   fc | FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCK)) {
		pr_err("IA32_FEATURE_CONTROL %#llx: unlocked, but writing it faulted\n",
		       (unsigned long long)fc);
		return -TV_EIO;
	}
	(void)cpu_rdmsr_safe(MSR_IA32_FEATURE_CONTROL, &fc);
	pr_info("IA32_FEATURE_CONTROL was unlocked: set VMX-outside-SMX and lock, now %#llx\n",
		(unsigned long long)fc);
	return (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX) ? 0 : -TV_EIO;
}

/* Bits 1 in FIXED0 must be 1, bits 0 in FIXED1 must be 0 (SDM Vol. 3D, Appendix A.7, A.8). */
static uint64_t vmx_fix_cr(uint64_t cr, uint32_t fixed0_msr, uint32_t fixed1_msr)
{
	return (cr | cpu_rdmsr(fixed0_msr)) & cpu_rdmsr(fixed1_msr);
}

int vmx_on(struct vmx_root *root)
{
	uint64_t basic = cpu_rdmsr(MSR_IA32_VMX_BASIC);
	uint32_t revision = (uint32_t)basic & 0x7fffffffU;
	uint32_t region = (uint32_t)(basic >> 32) & 0x1fffU;
	uint64_t cr0, cr4;
	enum vmx_insn_result r;

	if (region == 0 || region > 4096) {
		pr_err("IA32_VMX_BASIC %#llx gives a VMXON region of %u bytes\n",
		       (unsigned long long)basic, region);
		return -TV_EIO;
	}
	if (!root->vmxon_pa) {
		root->vmxon_pa = pool_alloc(4096, 4096);
		if (!root->vmxon_pa)
			return -TV_ENOMEM;
	}
	/* "Only 32-bit physical addresses" (BASIC bit 48) limits where the region may sit. */
	if ((basic & TV_BIT(48)) && root->vmxon_pa >= (1ULL << 32)) {
		pr_err("VMXON region at %#llx is above 4 GiB but IA32_VMX_BASIC[48] limits "
		       "VMX structures to 32-bit addresses\n", (unsigned long long)root->vmxon_pa);
		return -TV_EIO;
	}
	*(volatile uint32_t *)(uintptr_t)root->vmxon_pa = revision;

	cr0 = cpu_read_cr0();
	cr4 = cpu_read_cr4();
	cpu_write_cr0(vmx_fix_cr(cr0, MSR_IA32_VMX_CR0_FIXED0, MSR_IA32_VMX_CR0_FIXED1));
	cpu_write_cr4(vmx_fix_cr(cr4 | CR4_VMXE, MSR_IA32_VMX_CR4_FIXED0,
				 MSR_IA32_VMX_CR4_FIXED1));
	pr_info("CR0 %#llx -> %#llx, CR4 %#llx -> %#llx (VMX fixed bits honoured)\n",
		(unsigned long long)cr0, (unsigned long long)cpu_read_cr0(),
		(unsigned long long)cr4, (unsigned long long)cpu_read_cr4());

	r = vmx_vmxon(root->vmxon_pa);
	if (r != VMX_OK) {
		pr_err("VMXON failed (%s) with the region at %#llx, revision %#x, %u bytes\n",
		       r == VMX_FAIL_INVALID ? "VMfailInvalid: bad region or revision, or "
		       "already in VMX operation" : "VMfailValid", (unsigned long long)root->vmxon_pa,
		       revision, region);
		cpu_write_cr4(cpu_read_cr4() & ~CR4_VMXE);
		return -TV_EIO;
	}
	root->on = true;
	pr_info("VMXON ok (region %#llx, %u bytes, VMCS revision %#x)\n",
		(unsigned long long)root->vmxon_pa, region, revision);
	return 0;
}

void vmx_off(struct vmx_root *root)
{
	enum vmx_insn_result r;

	if (!root->on)
		return;
	r = vmx_vmxoff();
	root->on = false;
	if (r != VMX_OK) {
		pr_err("VMXOFF failed (%s)\n", r == VMX_FAIL_INVALID ? "VMfailInvalid" :
		       "VMfailValid");
		return;
	}
	cpu_write_cr4(cpu_read_cr4() & ~CR4_VMXE);
	pr_info("VMXOFF ok\n");
}
