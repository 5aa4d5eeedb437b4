/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * cpuid_hide= at VM start: one call hands the guest's hidden features to
 * the three places that act on them, the CPUID exit (vm->cpuid_hide, read
 * by vcpuid_emulate()), the LAPIC model (its has_x2apic and has_tsc_deadline
 * configuration) and XSETBV (vmsr_state.xcr0_hidden).
 */
#ifndef TV_VMM_VCPUID_VM_H
#define TV_VMM_VCPUID_VM_H

#include <tv/types.h>

struct vm;

/*
 * @brief Shape the VM's CPUID and what follows from it.
 * @pre vapic_init() and vmsr_init() ran and the guest has not run: the
 *      LAPIC is re-initialized (power-up state) with the narrower
 *      configuration.
 * @param hide VCPUID_HIDE_* as cpuid_hide= gave it (closed here).
 *      A LAPIC that refuses the configuration stops the VM (vm->end).
 */
void vcpuid_vm_start(struct vm *vm, uint32_t hide);

/*
 * @brief The guest's MAXPHYADDR (CPUID.80000008H:EAX[7:0] as it sees it,
 *        vcpuid_maxphyaddr()) to the VM's page walks (vm->maxphyaddr) and
 *        to its LAPIC's IA32_APIC_BASE checks.
 * @pre as vcpuid_vm_start(), which ran before (cpuid_hide= is applied).
 */
void vcpuid_vm_maxphyaddr(struct vm *vm, unsigned int maxphyaddr);

#endif /* TV_VMM_VCPUID_VM_H */
