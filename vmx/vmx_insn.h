/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * VMX instructions as inline functions.  Only vmx/ includes this header: it
 * is the one place allowed to execute VMX instructions.
 *
 * SDM Vol. 3C, "Conventions": VMfailInvalid sets CF, VMfailValid sets ZF
 * (with the error number in the VM-instruction error field), VMsucceed
 * clears both.
 */
#ifndef TV_VMX_VMX_INSN_H
#define TV_VMX_VMX_INSN_H

#include <tv/types.h>

enum vmx_insn_result {
	VMX_OK = 0,
	VMX_FAIL_INVALID = 1,	/* CF: no current VMCS, or a bad operand */
	VMX_FAIL_VALID = 2,	/* ZF: the error number is in VM_INSTRUCTION_ERROR */
};

static inline enum vmx_insn_result vmx_flags_result(uint8_t cf, uint8_t zf)
{
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}

static inline enum vmx_insn_result vmx_vmxon(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmxon %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(pa) : "cc", "memory");
	return vmx_flags_result(cf, zf);
}

static inline enum vmx_insn_result vmx_vmxoff(void)
{
	uint8_t cf, zf;

	__asm__ volatile("vmxoff; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : : "cc", "memory");
	return vmx_flags_result(cf, zf);
}

static inline enum vmx_insn_result vmx_vmclear(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmclear %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(pa) : "cc", "memory");
	return vmx_flags_result(cf, zf);
}

static inline enum vmx_insn_result vmx_vmptrld(uint64_t pa)
{
	uint8_t cf, zf;

	__asm__ volatile("vmptrld %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(pa) : "cc", "memory");
	return vmx_flags_result(cf, zf);
}

static inline enum vmx_insn_result vmx_vmread(uint64_t field, uint64_t *val)
{
	uint8_t cf, zf;

	__asm__ volatile("vmread %3, %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf), "=rm"(*val) : "r"(field) : "cc");
	return vmx_flags_result(cf, zf);
}

static inline enum vmx_insn_result vmx_vmwrite(uint64_t field, uint64_t val)
{
	uint8_t cf, zf;

	__asm__ volatile("vmwrite %3, %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "r"(field), "rm"(val) : "cc");
	return vmx_flags_result(cf, zf);
}

/* INVEPT type 2: all contexts (SDM Vol. 3C, "INVEPT"). */
static inline enum vmx_insn_result vmx_invept_all(void)
{
	struct { uint64_t eptp, reserved; } desc = { 0, 0 };
	uint64_t type = 2;
	uint8_t cf, zf;

	__asm__ volatile("invept %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(desc), "r"(type) : "cc", "memory");
	return vmx_flags_result(cf, zf);
}

/* INVVPID type 2: all contexts except VPID 0. */
static inline enum vmx_insn_result vmx_invvpid_all(void)
{
	struct { uint64_t vpid, addr; } desc = { 0, 0 };
	uint64_t type = 2;
	uint8_t cf, zf;

	__asm__ volatile("invvpid %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(desc), "r"(type) : "cc", "memory");
	return vmx_flags_result(cf, zf);
}

#endif /* TV_VMX_VMX_INSN_H */
