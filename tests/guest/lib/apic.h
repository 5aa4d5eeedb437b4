/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Local APIC access for the guest selftests, one face at a time: xAPIC
 * (MMIO at the base in IA32_APIC_BASE, always addressed through a base
 * register, never as a bare displacement) or x2APIC (MSR 0x800 + offset/16,
 * "x2APIC Register Address Space", Intel SDM Vol. 3A).  Registers are named
 * by their xAPIC offset in both faces.
 *
 * Also: the APIC-timer to TSC rate ("Timer frequency" below), which the
 * timing checks need to turn TMICT x divide into TSC ticks.
 */
#ifndef TV_GUEST_APIC_H
#define TV_GUEST_APIC_H

#include <stdbool.h>
#include <stdint.h>

/* Register offsets ("Local APIC Register Address Map", Intel SDM Vol. 3A). */
#define APIC_ID			0x020U
#define APIC_LVR		0x030U
#define APIC_TPR		0x080U
#define APIC_APR		0x090U
#define APIC_PPR		0x0a0U
#define APIC_EOI		0x0b0U
#define APIC_LDR		0x0d0U
#define APIC_DFR		0x0e0U
#define APIC_SVR		0x0f0U
#define APIC_ISR		0x100U	/* 8 registers, 0x10 apart */
#define APIC_TMR		0x180U
#define APIC_IRR		0x200U
#define APIC_ESR		0x280U
#define APIC_LVTCMCI		0x2f0U
#define APIC_ICR		0x300U
#define APIC_ICR2		0x310U
#define APIC_LVTT		0x320U
#define APIC_LVTTHMR		0x330U
#define APIC_LVTPC		0x340U
#define APIC_LVT0		0x350U
#define APIC_LVT1		0x360U
#define APIC_LVTERR		0x370U
#define APIC_TMICT		0x380U
#define APIC_TMCCT		0x390U
#define APIC_TDCR		0x3e0U
#define APIC_SELF_IPI		0x3f0U	/* x2APIC only (MSR 0x83F) */

#define APIC_LVT_VECTOR_MASK	0x000000ffU
#define APIC_LVT_DM_EXTINT	0x00000700U
#define APIC_LVT_MASKED		0x00010000U
#define APIC_LVT_TIMER_ONESHOT	0x00000000U
#define APIC_LVT_TIMER_PERIODIC	0x00020000U
#define APIC_LVT_TIMER_TSCDL	0x00040000U
#define APIC_LVT_TIMER_MODE	0x00060000U

#define APIC_SVR_ENABLE		0x00000100U	/* APIC software enable */
#define APIC_SPURIOUS_VECTOR	0xffU

#define APIC_ICR_DM_FIXED	0x00000000U
#define APIC_ICR_DM_NMI		0x00000400U
#define APIC_ICR_BUSY		0x00001000U	/* delivery status (xAPIC only) */
#define APIC_ICR_LEVEL_ASSERT	0x00004000U
#define APIC_ICR_DEST_SELF	0x00040000U	/* destination shorthand 01b */

/* TDCR encodings: bits 3, 1, 0 ("Divide Configuration Register"). */
#define APIC_TDCR_DIV1		0x0bU
#define APIC_TDCR_DIV2		0x00U

#define MSR_IA32_TSC_ADJUST	0x0000003bU
#define MSR_IA32_TSC_DEADLINE	0x000006e0U
#define MSR_X2APIC_BASE		0x00000800U
#define MSR_X2APIC_ICR		0x00000830U
#define MSR_X2APIC_SELF_IPI	0x0000083fU

#define APIC_BASE_EXTD		0x00000400ULL	/* IA32_APIC_BASE[10]: x2APIC mode */

#define CPUID_1_ECX_X2APIC	(1U << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1U << 24)
#define CPUID_7_EBX_TSC_ADJUST	(1U << 1)

#define QEMU_TCG_SIGNATURE	"TCGTCGTCGTCG"

bool apic_has_x2apic(void);
bool apic_has_tsc_deadline(void);
bool apic_has_tsc_adjust(void);
/* QEMU TCG, by its CPUID 0x40000000 signature. */
bool apic_is_qemu_tcg(void);
/*
 * Bochs run natively: no hypervisor bit, yet the Bochs VBE display
 * interface answers at I/O ports 0x1CE/0x1CF (QEMU's std VGA has it too,
 * so QEMU TCG, known by its signature, is excluded first).
 */
bool apic_is_bochs_native(void);

/*
 * @brief Put the local APIC in one face and a known state.
 *
 * Masks both 8259s, installs the interrupt gates (isr_init()), enables the
 * APIC globally in xAPIC or x2APIC mode (xAPIC -> x2APIC is the only change
 * made; x2APIC -> xAPIC needs a disable the platform may not undo), then:
 * SVR = enabled with vector 0xFF, every LVT masked, TPR = 0, timer stopped
 * at divide 1, ESR cleared, in-service vectors EOI'd.  Interrupts stay off.
 * @return 0, or -1 if the face is unavailable (no x2APIC, or the APIC is
 *         in x2APIC mode and xAPIC was asked for).
 */
int apic_setup(bool x2apic);
/*
 * @brief Only the IA32_APIC_BASE part of apic_setup(): set EN (and EXTD
 * for x2APIC) and switch the accessors to that face; registers untouched.
 * @return 0, or -1 if IA32_APIC_BASE does not read back as asked.
 */
int apic_set_global_mode(bool x2apic);
bool apic_is_x2apic(void);
/* The MMIO base in use in xAPIC mode. */
uint64_t apic_mmio_base(void);
/*
 * The common start of an APIC selftest: the face from the cmdline
 * (x2apic=1), its report prefix, a SKIP when CPUID offers no x2APIC, then
 * apic_setup() (aborting the guest if the APIC cannot be put in that mode).
 * @return 0 to go on, or -1 when the face is skipped (return report_summary()).
 */
int apic_test_start(bool *x2apic);
/* Follow a relocation of the xAPIC page done by writing IA32_APIC_BASE. */
void apic_set_mmio_base(uint64_t base);

uint32_t apic_read(uint32_t reg);
void apic_write(uint32_t reg, uint32_t val);
/*
 * @brief Write a register and return the TSC read by the instruction just
 * before the write (RDTSC then MOV or WRMSR, nothing in between but
 * register moves), the "arm time" of the timing checks.
 */
uint64_t apic_write_tsc(uint32_t reg, uint32_t val);
/* Same for WRMSR IA32_TSC_DEADLINE. */
uint64_t apic_write_tsc_deadline(uint64_t deadline);
/* ICR in either face: dest is the xAPIC ICR2[31:24] or the x2APIC ICR[63:32]. */
void apic_write_icr(uint32_t lo, uint32_t dest);
void apic_eoi(void);
/* Fixed, edge, destination shorthand self, through the ICR. */
void apic_self_ipi(uint8_t vector);
/* Vector bit in IRR / ISR / TMR (base = APIC_IRR, APIC_ISR or APIC_TMR). */
bool apic_test_vector(uint32_t base, uint8_t vector);

/* Encoding of TDCR for a divide value 1..128, and back. */
uint32_t apic_tdcr_encode(unsigned int divide);
unsigned int apic_tdcr_divide(uint32_t tdcr);

/*
 * Timer frequency.  TSC ticks = APIC-timer ticks (at divide 1) * num / den.
 *  - under tickvisor: CPUID 0x40000010 EAX (TSC kHz) / EBX (APIC kHz), exact;
 *  - else measured against the TSC over APIC_RATE_WINDOW TSC ticks; exact
 *    when the measurement is within APIC_RATE_PPM of an integer ratio (Bochs:
 *    1, "the LAPIC timer at divide 1 ticks once per TSC tick") or agrees
 *    with CPUID 0x15 within 0.5%; otherwise approximate (QEMU TCG, whose APIC
 *    timer runs on its own virtual clock).
 * Checks that need the exact ratio must skip when exact is false.
 */
#define APIC_RATE_WINDOW	2000000ULL
#define APIC_RATE_PPM		20ULL

struct apic_timer_rate {
	uint64_t num, den;
	bool exact;
	const char *source;
};

void apic_timer_rate_measure(struct apic_timer_rate *r);
/* floor(ticks * num / den); ticks < 2^39. */
uint64_t apic_ticks_to_tsc(const struct apic_timer_rate *r, uint64_t ticks);

/*
 * Timing checks ("not before" exact, "not too late" generous).  arm is the
 * TSC just before the arming write, fire the TSC at ISR entry (only looked
 * at when fired); ticks the APIC-timer ticks (TMICT x divide) the SDM says
 * must pass first.  dt below is fire - arm, negative when fire < arm.
 *  - apic_report_not_before: dt >= ticks in TSC at the exact ratio.  With an
 *    approximate ratio it checks dt >= 90% of that instead and says so, or
 *    skips when approx_ok is false.
 *  - apic_report_not_late: dt <= ticks in TSC (+10% when approximate) +
 *    apic_late_tsc(), a bound generous enough for emulators: APIC_LATE_TSC
 *    with an exact ratio (2 s of Bochs time), APIC_LATE_TSC_APPROX without
 *    (about 0.4 s on QEMU TCG, whose timers a busy host delays by tens of
 *    milliseconds).
 * rule is the check's name, e.g. "one-shot: no interrupt before TMICT x
 * divide ticks".
 */
#define APIC_LATE_TSC		100000000UL
#define APIC_LATE_TSC_APPROX	1000000000UL

uint64_t apic_late_tsc(const struct apic_timer_rate *r);

void apic_report_not_before(const struct apic_timer_rate *r, bool fired, uint64_t arm,
			    uint64_t fire, uint64_t ticks, bool approx_ok, const char *rule);
void apic_report_not_late(const struct apic_timer_rate *r, bool fired, uint64_t arm,
			  uint64_t fire, uint64_t ticks, const char *rule);

#endif /* TV_GUEST_APIC_H */
