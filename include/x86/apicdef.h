/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Local APIC register offsets and bits (Intel SDM Vol. 3A, "Advanced
 * Programmable Interrupt Controller (APIC)", table "Local APIC Register
 * Address Map" and, for x2APIC, "Local APIC Register Address Map Supported
 * by x2APIC").  Constants only: no code, no types.
 *
 * xAPIC offsets are byte offsets into the 4 KiB APIC page; the x2APIC MSR of
 * a register is MSR_IA32_X2APIC_BASE + (offset >> 4).
 */
#ifndef TV_X86_APICDEF_H
#define TV_X86_APICDEF_H

#define APIC_PAGE_SIZE		0x1000U

/* Register offsets (xAPIC MMIO). */
#define APIC_REG_ID		0x020U
#define APIC_REG_VERSION	0x030U
#define APIC_REG_TPR		0x080U
#define APIC_REG_APR		0x090U	/* arbitration priority: xAPIC only */
#define APIC_REG_PPR		0x0a0U
#define APIC_REG_EOI		0x0b0U
#define APIC_REG_RRD		0x0c0U	/* remote read: not supported on P6+ */
#define APIC_REG_LDR		0x0d0U
#define APIC_REG_DFR		0x0e0U
#define APIC_REG_SVR		0x0f0U
#define APIC_REG_ISR0		0x100U	/* 8 registers, 0x100..0x170 */
#define APIC_REG_TMR0		0x180U	/* 8 registers, 0x180..0x1f0 */
#define APIC_REG_IRR0		0x200U	/* 8 registers, 0x200..0x270 */
#define APIC_REG_ESR		0x280U
#define APIC_REG_LVT_CMCI	0x2f0U
#define APIC_REG_ICR_LOW	0x300U
#define APIC_REG_ICR_HIGH	0x310U
#define APIC_REG_LVT_TIMER	0x320U
#define APIC_REG_LVT_THERMAL	0x330U
#define APIC_REG_LVT_PERF	0x340U
#define APIC_REG_LVT_LINT0	0x350U
#define APIC_REG_LVT_LINT1	0x360U
#define APIC_REG_LVT_ERROR	0x370U
#define APIC_REG_TMICT		0x380U	/* timer initial count */
#define APIC_REG_TMCCT		0x390U	/* timer current count */
#define APIC_REG_TDCR		0x3e0U	/* timer divide configuration */
#define APIC_REG_SELF_IPI	0x3f0U	/* x2APIC only (MSR 0x83f) */
#define APIC_REG_LAST		0x3f0U

/* x2APIC MSRs of the registers with special rules. */
#define APIC_MSR_ICR		0x830U
#define APIC_MSR_SELF_IPI	0x83fU

/* Version register: version 0x14 (integrated APIC), max LVT entry in 23:16. */
#define APIC_VERSION_XAPIC	0x14U
#define APIC_VERSION_MAXLVT_SHIFT 16U
#define APIC_VERSION_EOI_SUPPRESS 0x01000000U

/* ID register: xAPIC keeps the 8-bit ID in bits 31:24. */
#define APIC_ID_XAPIC_SHIFT	24U

/* TPR / PPR: priority class in 7:4, sub-class in 3:0. */
#define APIC_PRIO_MASK		0xffU
#define APIC_PRIO_CLASS_MASK	0xf0U

/* DFR: model in 31:28 (flat 0xf, cluster 0x0); 27:0 read as 1. */
#define APIC_DFR_MODEL_MASK	0xf0000000U
#define APIC_DFR_RESET		0xffffffffU

/* LDR: xAPIC logical ID in 31:24. */
#define APIC_LDR_XAPIC_MASK	0xff000000U

/* Spurious-interrupt vector register. */
#define APIC_SVR_VECTOR_MASK	0x000000ffU
#define APIC_SVR_ENABLE		0x00000100U
#define APIC_SVR_FOCUS_DISABLE	0x00000200U
#define APIC_SVR_EOI_SUPPRESS	0x00001000U
#define APIC_SVR_RESET		0x000000ffU

/* Error status register bits ("Error Handling"). */
#define APIC_ESR_SEND_CS	0x01U
#define APIC_ESR_RECV_CS	0x02U
#define APIC_ESR_SEND_ACCEPT	0x04U
#define APIC_ESR_RECV_ACCEPT	0x08U
#define APIC_ESR_REDIR_IPI	0x10U
#define APIC_ESR_SEND_ILLEGAL	0x20U
#define APIC_ESR_RECV_ILLEGAL	0x40U
#define APIC_ESR_ILLEGAL_REG	0x80U
#define APIC_ESR_MASK		0xefU

/* LVT entries ("Local Vector Table"). */
#define APIC_LVT_VECTOR_MASK	0x000000ffU
#define APIC_LVT_DM_MASK	0x00000700U
#define APIC_LVT_DM_FIXED	0x00000000U
#define APIC_LVT_DM_SMI		0x00000200U
#define APIC_LVT_DM_NMI		0x00000400U
#define APIC_LVT_DM_INIT	0x00000500U
#define APIC_LVT_DM_EXTINT	0x00000700U
#define APIC_LVT_DELIVS		0x00001000U	/* delivery status, read-only */
#define APIC_LVT_POLARITY	0x00002000U
#define APIC_LVT_REMOTE_IRR	0x00004000U	/* read-only */
#define APIC_LVT_LEVEL		0x00008000U
#define APIC_LVT_MASKED		0x00010000U
#define APIC_LVT_TIMER_MODE_MASK 0x00060000U
#define APIC_LVT_TIMER_MODE_SHIFT 17U
#define APIC_LVT_TIMER_ONESHOT	0x00000000U
#define APIC_LVT_TIMER_PERIODIC	0x00020000U
#define APIC_LVT_TIMER_TSCDEADLINE 0x00040000U
#define APIC_LVT_TIMER_RESERVED	0x00060000U

/* ICR low ("Interrupt Command Register (ICR)"). */
#define APIC_ICR_VECTOR_MASK	0x000000ffU
#define APIC_ICR_DM_MASK	0x00000700U
#define APIC_ICR_DM_FIXED	0x00000000U
#define APIC_ICR_DM_LOWEST	0x00000100U
#define APIC_ICR_DM_SMI		0x00000200U
#define APIC_ICR_DM_RESERVED3	0x00000300U
#define APIC_ICR_DM_NMI		0x00000400U
#define APIC_ICR_DM_INIT	0x00000500U
#define APIC_ICR_DM_SIPI	0x00000600U
#define APIC_ICR_DM_RESERVED7	0x00000700U
#define APIC_ICR_DEST_LOGICAL	0x00000800U
#define APIC_ICR_DELIVS		0x00001000U
#define APIC_ICR_LEVEL_ASSERT	0x00004000U
#define APIC_ICR_TRIGGER_LEVEL	0x00008000U
#define APIC_ICR_SH_MASK	0x000c0000U
#define APIC_ICR_SH_NONE	0x00000000U
#define APIC_ICR_SH_SELF	0x00040000U
#define APIC_ICR_SH_ALL		0x00080000U
#define APIC_ICR_SH_OTHERS	0x000c0000U
#define APIC_ICR_DEST_XAPIC_SHIFT 24U	/* ICR high, xAPIC */

/* Divide configuration register: bits 3, 1:0 encode divide-by 2..128, 1. */
#define APIC_TDCR_MASK		0x0000000bU

/* SELF IPI register (x2APIC): vector in 7:0. */
#define APIC_SELF_IPI_VECTOR_MASK 0x000000ffU

/* Vectors 0-15 are reserved; the APIC treats them as illegal. */
#define APIC_VECTOR_MIN_LEGAL	16U
#define APIC_VECTOR_COUNT	256U

#endif /* TV_X86_APICDEF_H */
