/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* Guest segment bases from the current VMCS (see guest_seg.h). */
#include "guest_seg.h"

#include <x86/vmcs_fields.h>

#include "vmx_insn.h"

uint64_t vmx_guest_seg_base(unsigned int sreg)
{
	uint64_t v = 0;

	/*
	 * SDM Vol. 3D, Appendix B "Field Encoding in VMCS": the natural-width
	 * guest base fields ES, CS, SS, DS, FS, GS follow each other two
	 * encodings apart, in the Sreg order.
	 */
	if (sreg > 5U)
		return 0;
	if (vmx_vmread(VMCS_GUEST_ES_BASE + 2U * sreg, &v) != VMX_OK)
		return 0;
	return v;
}

int vmx_guest_seg_limit(unsigned int sreg, uint32_t *limit, uint32_t *ar)
{
	uint64_t l = 0, a = 0;

	/* The 32-bit limit and access-rights fields are in the same order, two apart. */
	*limit = 0;
	*ar = 1U << 16;		/* unusable */
	if (sreg > 5U || vmx_vmread(VMCS_GUEST_ES_LIMIT + 2U * sreg, &l) != VMX_OK ||
	    vmx_vmread(VMCS_GUEST_ES_AR + 2U * sreg, &a) != VMX_OK)
		return -1;
	*limit = (uint32_t)l;
	*ar = (uint32_t)a;
	return 0;
}
