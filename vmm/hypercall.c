/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "hypercall.h"

#include <tv/errno.h>

#include <tv/string.h>

/* The ABI's error numbers are tickvisor's own: one set of values. */
TV_STATIC_ASSERT(TV_HC_EPERM == TV_EPERM, "TV_HC_EPERM");
TV_STATIC_ASSERT(TV_HC_EFAULT == TV_EFAULT, "TV_HC_EFAULT");
TV_STATIC_ASSERT(TV_HC_EINVAL == TV_EINVAL, "TV_HC_EINVAL");
TV_STATIC_ASSERT(TV_HC_ENOSYS == TV_ENOSYS, "TV_HC_ENOSYS");

/* A result as the guest reads it in RAX: negative values sign-extended. */
static uint64_t hc_result(int64_t v)
{
	return (uint64_t)v;
}

/*
 * SDM Vol. 1, 3.4.1.1 "General-Purpose Registers in 64-Bit Mode": outside
 * 64-bit mode the upper 32 bits of the registers are undefined, so a 32-bit
 * guest's arguments are their low halves only.
 */
static uint64_t hc_arg(const struct hc_regs *regs, uint64_t reg)
{
	return regs->is_32bit ? (uint64_t)(uint32_t)reg : reg;
}

static int64_t hc_print(const struct hc_regs *regs, const uint8_t *ram, uint64_t ram_bytes,
			struct hc_effect *eff)
{
	uint64_t gpa = hc_arg(regs, regs->rbx);
	uint64_t len = hc_arg(regs, regs->rcx);

	if (len > TV_HC_PRINT_MAX)
		return -TV_HC_EINVAL;
	/* [gpa, gpa + len) inside [0, ram_bytes), written so that nothing overflows. */
	if (gpa > ram_bytes || len > ram_bytes - gpa)
		return -TV_HC_EFAULT;
	if (len == 0)
		return 0;
	eff->print = (const char *)(ram + gpa);
	eff->print_len = (size_t)len;
	return 0;
}

void hc_handle_vmcall(struct hc_regs *regs, const uint8_t *ram, uint64_t ram_bytes,
		      struct hc_effect *eff)
{
	uint64_t nr = hc_arg(regs, regs->rax);
	int64_t ret;

	tv_memset(eff, 0, sizeof(*eff));
	if (ram == NULL)
		ram_bytes = 0;
	/*
	 * VMCALL exits from any CPL (SDM Vol. 3C, "Instructions That
	 * Cause VM Exits Unconditionally"); the ABI is for the guest kernel
	 * only, so user code gets -EPERM, as KVM answers.
	 */
	if (regs->cpl != 0) {
		regs->rax = hc_result(-TV_HC_EPERM);
		return;
	}

	/*
	 * Numbers outside tickvisor's range are KVM's (or nobody's): answer
	 * as KVM does for a hypercall it does not implement (kvm_para.h
	 * KVM_ENOSYS), so that a guest written for KVM sees "unsupported"
	 * instead of reaching one of tickvisor's calls by accident.
	 */
	if (nr < TV_HC_BASE || nr - TV_HC_BASE >= TV_HC_RANGE) {
		eff->unknown = true;
		regs->rax = hc_result(-TV_KVM_ENOSYS);
		return;
	}
	switch (nr) {
	case TV_HC_PRINT:
		ret = hc_print(regs, ram, ram_bytes, eff);
		break;
	case TV_HC_EXIT:
		eff->exit_requested = true;
		eff->exit_code = (uint32_t)regs->rbx;
		eff->exit_status = TV_EXIT_STATUS(eff->exit_code);
		ret = 0;
		break;
	case TV_HC_INFO:
		ret = TV_HC_ABI_VERSION;
		break;
	case TV_HC_TRACE_DUMP:
		eff->trace_dump = true;
		ret = 0;
		break;
	default:
		eff->unknown = true;
		ret = -TV_HC_ENOSYS;
		break;
	}
	regs->rax = hc_result(ret);
}
