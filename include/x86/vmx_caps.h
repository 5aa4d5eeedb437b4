/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Bits of the VMX capability MSRs and of the VM-execution, VM-exit and
 * VM-entry controls they report (Intel SDM Vol. 3C, Appendix A "VMX
 * Capability Reporting Facility", and the control tables of "VM-Execution
 * Control Fields", "VM-Exit Control Fields", "VM-Entry Control Fields").
 * Constants only.
 */
#ifndef TV_X86_VMX_CAPS_H
#define TV_X86_VMX_CAPS_H

/* IA32_VMX_BASIC (A.1 "Basic VMX Information"). */
#define VMX_BASIC_REVISION_MASK		0x7fffffffULL		/* bits 30:0 */
#define VMX_BASIC_REGION_SIZE_SHIFT	32U			/* bits 44:32 */
#define VMX_BASIC_REGION_SIZE_MASK	0x1fffULL
#define VMX_BASIC_PHYS_32BIT		(1ULL << 48)
#define VMX_BASIC_DUAL_MONITOR		(1ULL << 49)
#define VMX_BASIC_MEMTYPE_SHIFT		50U			/* bits 53:50 */
#define VMX_BASIC_MEMTYPE_MASK		0xfULL
#define VMX_BASIC_INS_OUTS_INFO		(1ULL << 54)
#define VMX_BASIC_TRUE_CTLS		(1ULL << 55)
#define VMX_BASIC_NO_ERRCODE_OK		(1ULL << 56)
#define VMX_MEMTYPE_UC			0U
#define VMX_MEMTYPE_WB			6U

/* Pin-based VM-execution controls. */
#define VMX_PIN_EXT_INTR_EXITING	(1U << 0)
#define VMX_PIN_NMI_EXITING		(1U << 3)
#define VMX_PIN_VIRTUAL_NMIS		(1U << 5)
#define VMX_PIN_PREEMPTION_TIMER	(1U << 6)
#define VMX_PIN_POSTED_INTERRUPTS	(1U << 7)

/* Primary processor-based VM-execution controls. */
#define VMX_PROC_INTR_WINDOW_EXITING	(1U << 2)
#define VMX_PROC_TSC_OFFSETTING		(1U << 3)
#define VMX_PROC_HLT_EXITING		(1U << 7)
#define VMX_PROC_INVLPG_EXITING		(1U << 9)
#define VMX_PROC_MWAIT_EXITING		(1U << 10)
#define VMX_PROC_RDPMC_EXITING		(1U << 11)
#define VMX_PROC_RDTSC_EXITING		(1U << 12)
#define VMX_PROC_CR3_LOAD_EXITING	(1U << 15)
#define VMX_PROC_CR3_STORE_EXITING	(1U << 16)
#define VMX_PROC_TERTIARY_CONTROLS	(1U << 17)
#define VMX_PROC_CR8_LOAD_EXITING	(1U << 19)
#define VMX_PROC_CR8_STORE_EXITING	(1U << 20)
#define VMX_PROC_TPR_SHADOW		(1U << 21)
#define VMX_PROC_NMI_WINDOW_EXITING	(1U << 22)
#define VMX_PROC_MOV_DR_EXITING		(1U << 23)
#define VMX_PROC_UNCOND_IO_EXITING	(1U << 24)
#define VMX_PROC_IO_BITMAPS		(1U << 25)
#define VMX_PROC_MONITOR_TRAP_FLAG	(1U << 27)
#define VMX_PROC_MSR_BITMAPS		(1U << 28)
#define VMX_PROC_MONITOR_EXITING	(1U << 29)
#define VMX_PROC_PAUSE_EXITING		(1U << 30)
#define VMX_PROC_SECONDARY_CONTROLS	(1U << 31)

/* Secondary processor-based VM-execution controls. */
#define VMX_PROC2_VIRT_APIC_ACCESSES	(1U << 0)
#define VMX_PROC2_EPT			(1U << 1)
#define VMX_PROC2_DESC_TABLE_EXITING	(1U << 2)
#define VMX_PROC2_RDTSCP		(1U << 3)
#define VMX_PROC2_VIRT_X2APIC_MODE	(1U << 4)
#define VMX_PROC2_VPID			(1U << 5)
#define VMX_PROC2_WBINVD_EXITING	(1U << 6)
#define VMX_PROC2_UNRESTRICTED_GUEST	(1U << 7)
#define VMX_PROC2_APIC_REGISTER_VIRT	(1U << 8)
#define VMX_PROC2_VIRT_INTR_DELIVERY	(1U << 9)
#define VMX_PROC2_PAUSE_LOOP_EXITING	(1U << 10)
#define VMX_PROC2_RDRAND_EXITING	(1U << 11)
#define VMX_PROC2_INVPCID		(1U << 12)
#define VMX_PROC2_VMFUNC		(1U << 13)
#define VMX_PROC2_VMCS_SHADOWING	(1U << 14)
#define VMX_PROC2_RDSEED_EXITING	(1U << 16)
#define VMX_PROC2_PML			(1U << 17)
#define VMX_PROC2_EPT_VE		(1U << 18)
#define VMX_PROC2_XSAVES		(1U << 20)
#define VMX_PROC2_TSC_SCALING		(1U << 25)

/* VM-exit controls. */
#define VMX_EXIT_SAVE_DEBUG_CONTROLS	(1U << 2)
#define VMX_EXIT_HOST_ADDR_SPACE_SIZE	(1U << 9)
#define VMX_EXIT_LOAD_PERF_GLOBAL_CTRL	(1U << 12)
#define VMX_EXIT_ACK_INTR_ON_EXIT	(1U << 15)
#define VMX_EXIT_SAVE_PAT		(1U << 18)
#define VMX_EXIT_LOAD_PAT		(1U << 19)
#define VMX_EXIT_SAVE_EFER		(1U << 20)
#define VMX_EXIT_LOAD_EFER		(1U << 21)
#define VMX_EXIT_SAVE_PREEMPTION_TIMER	(1U << 22)

/* VM-entry controls. */
#define VMX_ENTRY_LOAD_DEBUG_CONTROLS	(1U << 2)
#define VMX_ENTRY_IA32E_MODE_GUEST	(1U << 9)
#define VMX_ENTRY_SMM			(1U << 10)
#define VMX_ENTRY_DEACT_DUAL_MONITOR	(1U << 11)
#define VMX_ENTRY_LOAD_PERF_GLOBAL_CTRL	(1U << 13)
#define VMX_ENTRY_LOAD_PAT		(1U << 14)
#define VMX_ENTRY_LOAD_EFER		(1U << 15)

/* IA32_VMX_MISC (A.6 "Miscellaneous Data"). */
#define VMX_MISC_PREEMPT_RATE_MASK	0x1fULL		/* bits 4:0 */
#define VMX_MISC_EXIT_SAVES_LMA		(1ULL << 5)
#define VMX_MISC_ACTIVITY_HLT		(1ULL << 6)
#define VMX_MISC_ACTIVITY_SHUTDOWN	(1ULL << 7)
#define VMX_MISC_ACTIVITY_WAIT_SIPI	(1ULL << 8)
#define VMX_MISC_PT_IN_VMX		(1ULL << 14)
#define VMX_MISC_CR3_TARGETS_SHIFT	16U		/* bits 24:16 */
#define VMX_MISC_CR3_TARGETS_MASK	0x1ffULL
#define VMX_MISC_MAX_MSRS_SHIFT		25U		/* bits 27:25: 512 * (N + 1) */
#define VMX_MISC_MAX_MSRS_MASK		0x7ULL
#define VMX_MISC_VMWRITE_ANY		(1ULL << 29)
#define VMX_MISC_INJECT_LEN0		(1ULL << 30)

/* IA32_VMX_EPT_VPID_CAP (A.10 "VPID and EPT Capabilities"). */
#define VMX_EPT_EXECUTE_ONLY		(1ULL << 0)
#define VMX_EPT_WALK_4			(1ULL << 6)
#define VMX_EPT_WALK_5			(1ULL << 7)
#define VMX_EPT_MEMTYPE_UC		(1ULL << 8)
#define VMX_EPT_MEMTYPE_WB		(1ULL << 14)
#define VMX_EPT_PAGE_2M			(1ULL << 16)
#define VMX_EPT_PAGE_1G			(1ULL << 17)
#define VMX_EPT_INVEPT			(1ULL << 20)
#define VMX_EPT_AD			(1ULL << 21)
#define VMX_EPT_ADV_EXIT_INFO		(1ULL << 22)
#define VMX_EPT_INVEPT_SINGLE		(1ULL << 25)
#define VMX_EPT_INVEPT_ALL		(1ULL << 26)
#define VMX_VPID_INVVPID		(1ULL << 32)
#define VMX_VPID_INVVPID_ADDR		(1ULL << 40)
#define VMX_VPID_INVVPID_SINGLE		(1ULL << 41)
#define VMX_VPID_INVVPID_ALL		(1ULL << 42)
#define VMX_VPID_INVVPID_SINGLE_GLOBALS	(1ULL << 43)

/* The CPUID bits the capability report reads are in x86/cpuid.h. */
#include <x86/cpuid.h>

#endif /* TV_X86_VMX_CAPS_H */
