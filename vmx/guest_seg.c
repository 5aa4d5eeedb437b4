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
