/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* Entering and leaving VMX root operation on one physical CPU. */
#ifndef TV_VMX_VMX_H
#define TV_VMX_VMX_H

#include <tv/types.h>

/* One CPU's VMX root operation: its VMXON region, owned by its struct pcpu. */
struct vmx_root {
	uint64_t vmxon_pa;	/* the 4-KiB VMXON region (SDM Vol. 3C, "VMXON Region") */
	bool on;		/* VMXON succeeded and no VMXOFF since */
};

/*
 * @brief Make IA32_FEATURE_CONTROL allow VMXON outside SMX: if the firmware
 *        left it unlocked, set VMX-outside-SMX and lock it.
 * @retval 0 VMXON allowed; -TV_EPERM locked off by firmware; -TV_EIO the MSR faulted.
 */
int vmx_setup_feature_control(void);

/*
 * @brief VMXON with a region sized and tagged from IA32_VMX_BASIC, after
 *        honouring the CR0/CR4 fixed bits (SDM Vol. 3C, "Enabling and Entering
 *        VMX Operation"; "Restrictions on VMX Operation").
 * @return 0, or -TV_EIO with the cause logged.
 */
int vmx_on(struct vmx_root *root);
/* @brief VMXOFF if VMXON succeeded; safe to call more than once. */
void vmx_off(struct vmx_root *root);

#endif /* TV_VMX_VMX_H */
