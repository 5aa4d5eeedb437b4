/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The virtual local APIC of one vCPU (Intel SDM Vol. 3A, "Advanced
 * Programmable Interrupt Controller (APIC)"), as a pure model.
 *
 * PURE C: no clock reads, no globals, no allocation, no hardware access.
 * Time enters as `now` (guest-TSC ticks); effects leave as data in
 * struct vlapic_result: a status (#GP to inject, ...), an IPI for vmm/ to
 * route, a level-triggered EOI for the I/O APIC, and the timer's next
 * deadline for vmm/ to arm.  Interrupts are polled: vlapic_pending_vector()
 * answers "which vector, if any, may be delivered now", vlapic_ack_vector()
 * records its delivery, vlapic_take_nmi() the NMI latch.
 *
 * Every entry point that takes `now` first expires the timer up to `now`,
 * so the model's state is always that of the APIC at `now`.
 *
 * Faces: xAPIC MMIO (vlapic_mmio_read/write, offsets in the 4 KiB page) and
 * MSRs (vlapic_msr_read/write: IA32_APIC_BASE, IA32_TSC_DEADLINE and the
 * x2APIC range 0x800-0x8ff).
 *
 * Deliberate deviations and choices (each has a test in
 * tests/unit/test_vlapic.c):
 *  - xAPIC MMIO: the SDM asks for "128-bit aligned 32-bit loads or
 *    stores" and calls smaller accesses model specific.  We accept loads
 *    of 1, 2 or 4 bytes inside bytes 0-3 of a register and only aligned
 *    4-byte stores; anything else is VLAPIC_BAD_ACCESS with no effect (a
 *    load returns 0), and vmm/ decides what to do with the vCPU.
 *  - Reserved offsets set ESR bit 7 "Illegal Register Address", read 0 and
 *    ignore writes (xAPIC); reserved x2APIC MSRs raise #GP.
 *  - The arbitration priority register (xAPIC 0x90) reads 0.
 *  - The xAPIC ID is writable (bits 31:24), as on most processors; x2APIC
 *    mode uses the initial ID from the configuration.
 *  - IA32_APIC_BASE bit 8 (BSP) is fixed by the configuration: writes of
 *    that bit are ignored.
 *  - We advertise six LVT entries (timer, thermal, performance, LINT0,
 *    LINT1, error; max LVT entry 5).  Thermal and performance have no
 *    source; CMCI (0x2f0) is reserved, as on processors without it.
 *  - Fixed interrupts are refused while the APIC is software-disabled
 *    ("Local APIC State After It Has Been Software Disabled": it "will
 *    respond normally to INIT, NMI, SMI, and SIPI messages").
 *  - TPR (and so CR8) keeps what is written while the APIC is globally
 *    disabled (IA32_APIC_BASE.EN = 0): the SDM leaves CR8 with a disabled
 *    APIC unspecified; KVM keeps the value, and guests test for that.  The
 *    next enable resets it to 0 with the other registers.
 */
#ifndef TV_LAPIC_VLAPIC_H
#define TV_LAPIC_VLAPIC_H

#include <tv/types.h>

#include "../timer/vtimer.h"

/* Register slots: one per 16-byte line of 0x000-0x3f0. */
#define VLAPIC_REG_SLOTS	64U
/* vlapic_pending_vector() when nothing may be delivered. */
#define VLAPIC_NO_VECTOR	(-1)
/* Version of struct vlapic_state. */
#define VLAPIC_STATE_VERSION	1U

/* The state of IA32_APIC_BASE bits 11:10 ("x2APIC State Transitions"). */
enum vlapic_mode {
	VLAPIC_MODE_DISABLED = 0,
	VLAPIC_MODE_XAPIC = 1,
	VLAPIC_MODE_X2APIC = 2,
};

/* Outcome of an access. */
enum vlapic_status {
	VLAPIC_OK = 0,
	/* Inject #GP(0) into the guest; the access had no effect. */
	VLAPIC_GP = 1,
	/* An MMIO width or alignment the SDM leaves undefined: no effect, a
	 * load returns 0. */
	VLAPIC_BAD_ACCESS = 2,
	/* Not the APIC's in the current mode: MMIO while not in xAPIC mode,
	 * or an MSR the model does not own.  No effect, a load returns 0. */
	VLAPIC_NOT_APIC = 3,
};

/* Bits of struct vlapic_result.effects. */
#define VLAPIC_EFFECT_IPI	0x1U	/* `ipi` holds an IPI for vmm/ to route */
#define VLAPIC_EFFECT_EOI_LEVEL	0x2U	/* `eoi_vector`, level-triggered, retired */
#define VLAPIC_EFFECT_BASE	0x4U	/* IA32_APIC_BASE mode or address changed */
#define VLAPIC_EFFECT_INIT_SELF	0x8U	/* an INIT (not a de-assert) reached this APIC */

/*
 * An interprocessor interrupt from an ICR write, as data.  This APIC's own
 * share of fixed, lowest-priority and NMI IPIs (shorthand "self", "all
 * including self", or a destination that names this APIC) is delivered by
 * the model itself; vmm/ routes the rest (other vCPUs, and INIT, SIPI, SMI
 * wherever the shorthand or destination points); an INIT that reaches
 * this APIC itself is flagged VLAPIC_EFFECT_INIT_SELF besides.  An INIT
 * with level de-assert (is_level_trigger && !is_assert) is reported as
 * written; processors since the Pentium 4 ignore it, and so should vmm/.
 */
struct vlapic_ipi {
	uint32_t dest;		/* xAPIC: 8-bit ID; x2APIC: 32-bit ID */
	uint32_t vector;
	uint32_t delivery_mode;	/* ICR bits 10:8, APIC_ICR_DM_* */
	uint32_t shorthand;	/* ICR bits 19:18, APIC_ICR_SH_* */
	bool is_logical;
	bool is_level_trigger;
	bool is_assert;		/* level bit 14 */
	bool is_x2apic;		/* how to read `dest` */
};

struct vlapic_result {
	enum vlapic_status status;
	uint32_t effects;		/* VLAPIC_EFFECT_* */
	struct vlapic_ipi ipi;		/* with VLAPIC_EFFECT_IPI */
	uint32_t eoi_vector;		/* with VLAPIC_EFFECT_EOI_LEVEL */
	uint64_t next_deadline;		/* timer, absolute guest TSC, or VTIMER_NONE */
};

/* Per-vCPU configuration (mostly per VM). */
struct vlapic_config {
	uint32_t apic_id;		/* initial (x2)APIC ID */
	bool is_bsp;
	bool has_x2apic;		/* CPUID.01H:ECX.x2APIC advertised */
	/*
	 * CPUID.01H:ECX.TSC_Deadline advertised.  Without it (SDM Vol. 3A,
	 * "TSC-Deadline Mode": the mode is supported only if that bit is 1)
	 * IA32_TSC_DEADLINE does not exist (RDMSR/WRMSR #GP) and LVT timer
	 * bit 18 is reserved, the mode field being bit 17 alone: an xAPIC
	 * write drops it (mode 2 is one-shot, 3 periodic; it reads back 0,
	 * as KVM's timer-mode mask does), an x2APIC write with it set #GPs
	 * (reserved bits of an x2APIC MSR write).
	 */
	bool has_tsc_deadline;
	uint32_t maxphyaddr;		/* physical-address width, 36..52 */
	struct vtimer_config timer;
};

/* The model of one local APIC; treat as opaque, use the functions. */
struct vlapic {
	struct vlapic_config cfg;
	uint64_t apic_base;
	uint32_t regs[VLAPIC_REG_SLOTS];	/* by offset >> 4 */
	uint32_t esr_pending;		/* errors since the last ESR write */
	bool is_nmi_pending;
	struct vtimer timer;
};

/* Exported state (vlapic_save/vlapic_restore). */
struct vlapic_state {
	uint32_t version;		/* VLAPIC_STATE_VERSION */
	uint32_t esr_pending;
	uint64_t apic_base;
	uint32_t regs[VLAPIC_REG_SLOTS];
	uint32_t is_nmi_pending;
	uint32_t reserved;
	struct vtimer_state timer;
};

/*
 * @brief Defaults for a vCPU: x2APIC and TSC-deadline advertised, MAXPHYADDR 39
 *        (vmm/ then sets the guest CPUID's) and the timer defaults of
 *        vtimer_config_default(tsc_khz).
 */
void vlapic_config_default(struct vlapic_config *cfg, uint32_t apic_id,
			   bool is_bsp, uint64_t tsc_khz);

/*
 * @brief Power-up: IA32_APIC_BASE = 0xfee00000 | EN (| BSP), xAPIC mode,
 *        every register at its reset value ("Local APIC State After
 *        Power-Up or Reset").
 * @retval 0 on success.
 * @retval -TV_EINVAL a bad configuration (vtimer_check_config(), an APIC
 *         ID above 255 without x2APIC, MAXPHYADDR outside 36..52).
 */
int vlapic_init(struct vlapic *v, const struct vlapic_config *cfg);

/*
 * @brief INIT: registers back to their reset values, the timer stopped;
 *        IA32_APIC_BASE (and so the mode) is kept ("Local APIC State After
 *        an INIT Reset").
 * @pre vlapic_init() succeeded.
 */
void vlapic_reset_init(struct vlapic *v);

/* @return the state of IA32_APIC_BASE bits 11:10. */
enum vlapic_mode vlapic_get_mode(const struct vlapic *v);

/* @return the physical base of the xAPIC page (IA32_APIC_BASE 51:12). */
uint64_t vlapic_get_base_address(const struct vlapic *v);

/*
 * @brief A guest load from the xAPIC page.
 * @param offset byte offset in the page (0..0xfff).
 * @param width 1, 2, 4 or 8.
 * @param[out] value the value loaded (0 unless VLAPIC_OK).
 * @return status VLAPIC_OK, VLAPIC_BAD_ACCESS, or VLAPIC_NOT_APIC when not
 *         in xAPIC mode; and the timer's next deadline.
 */
struct vlapic_result vlapic_mmio_read(struct vlapic *v, uint32_t offset,
				      uint32_t width, uint64_t *value, uint64_t now);

/* @brief A guest store to the xAPIC page; as vlapic_mmio_read(). */
struct vlapic_result vlapic_mmio_write(struct vlapic *v, uint32_t offset,
				       uint32_t width, uint64_t value, uint64_t now);

/*
 * @brief RDMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE or 0x800-0x8ff.
 * @param[out] value the value read (0 unless VLAPIC_OK).
 * @return VLAPIC_OK, VLAPIC_GP, or VLAPIC_NOT_APIC for any other MSR.
 */
struct vlapic_result vlapic_msr_read(struct vlapic *v, uint32_t msr,
				     uint64_t *value, uint64_t now);

/* @brief WRMSR of the same MSRs; as vlapic_msr_read(). */
struct vlapic_result vlapic_msr_write(struct vlapic *v, uint32_t msr,
				      uint64_t value, uint64_t now);

/*
 * @brief Write IA32_APIC_BASE through the state machine of "x2APIC State
 *        Transitions": illegal transitions and reserved bits give
 *        VLAPIC_GP; entering the disabled state resets the APIC, and
 *        re-enabling it starts from the power-up state.
 */
struct vlapic_result vlapic_write_apic_base(struct vlapic *v, uint64_t value,
					    uint64_t now);

/*
 * @brief Expire the timer at `now`: raises the LVTT vector into IRR per
 *        mode, mask and missed-tick policy.
 * @return VLAPIC_OK and the next deadline.
 */
struct vlapic_result vlapic_expire(struct vlapic *v, uint64_t now);

/* @return the timer's next deadline (absolute guest TSC) or VTIMER_NONE. */
uint64_t vlapic_next_deadline(const struct vlapic *v);

/*
 * @brief Accept a fixed interrupt from outside (I/O APIC, another vCPU's
 *        IPI) into IRR; TMR records the trigger mode.
 * @return true if accepted; false when the APIC is disabled (hardware or
 *         software) or the vector is illegal (0-15, ESR "Received Illegal
 *         Vector" set).
 */
bool vlapic_accept_irq(struct vlapic *v, uint32_t vector, bool is_level);

/* @brief Latch an NMI (one deep: a second one before delivery merges). */
void vlapic_accept_nmi(struct vlapic *v);

/* @return whether an NMI is latched. */
bool vlapic_has_nmi(const struct vlapic *v);

/* @brief Clear the NMI latch when vmm/ injects it. @return whether it was set. */
bool vlapic_take_nmi(struct vlapic *v);

/*
 * @return the highest IRR vector whose priority class is above PPR[7:4]
 *         ("Interrupt, Task, and Processor Priority"), or VLAPIC_NO_VECTOR.
 */
int vlapic_pending_vector(const struct vlapic *v);
/*
 * @brief The highest vector requested in IRR, deliverable or not (held back
 *        by PPR), or VLAPIC_NO_VECTOR: what a TPR threshold must watch.
 */
int vlapic_highest_irr(const struct vlapic *v);
/* @brief Whether IRR holds `vector` (0-255). */
bool vlapic_irr_test(const struct vlapic *v, uint32_t vector);
/* @brief The vector of the LVT timer entry (its bits 7:0, masked or not). */
uint32_t vlapic_timer_vector(const struct vlapic *v);

/*
 * @brief The CPU took `vector`: move it from IRR to ISR ("Interrupt
 *        Acceptance for Fixed Interrupts").
 * @pre vector == vlapic_pending_vector(v).
 * @retval 0 on success; -TV_EINVAL if `vector` was not the pending one.
 */
int vlapic_ack_vector(struct vlapic *v, uint32_t vector);

/*
 * @brief End of interrupt: clear the highest ISR bit ("End of Interrupt
 *        (EOI)"), as a write of 0 to the EOI register.
 * @return the vector retired, or VLAPIC_NO_VECTOR if ISR was empty.
 */
int vlapic_eoi(struct vlapic *v);

/* @return PPR as derived from TPR and ISR ("Processor Priority Register"). */
uint32_t vlapic_get_ppr(const struct vlapic *v);

/* @return TPR (bits 7:0), in every mode, including while disabled. */
uint32_t vlapic_get_tpr(const struct vlapic *v);

/*
 * @brief Set TPR (bits 7:0 of tpr) in every mode: the TPR shadow of the
 *        virtual-APIC page and CR8 reach TPR whatever the xAPIC/x2APIC
 *        face would allow.
 */
void vlapic_set_tpr(struct vlapic *v, uint32_t tpr);

/*
 * @brief MOV to CR8 (SDM Vol. 3A, "Interaction of Task Priorities between
 *        CR8 and APIC"): TPR[7:4] = CR8[3:0], TPR[3:0] = 0, in every APIC
 *        mode.
 * @return VLAPIC_GP (no effect) when a reserved bit 63:4 is set; else VLAPIC_OK.
 */
enum vlapic_status vlapic_write_cr8(struct vlapic *v, uint64_t cr8);

/* @return MOV from CR8: TPR[7:4], zero-extended, in every APIC mode. */
uint64_t vlapic_read_cr8(const struct vlapic *v);

/*
 * @brief The value for one register line of the virtual-APIC page: what a
 *        4-byte xAPIC read at `offset` returns from the model as it stands
 *        (TMICT from the timer, PPR derived, write-only and reserved lines
 *        0).  TMCCT, which moves with time and is never served from the
 *        page (SDM Vol. 3C, "Virtualizing Reads from the APIC-Access
 *        Page"), is 0 here.
 * @param offset 16-byte aligned offset 0..0x3f0; anything else gives 0.
 * @pre the timer was expired at the time the image stands for
 *      (vlapic_expire()), as every entry point taking `now` does.
 */
uint32_t vlapic_read_for_page(const struct vlapic *v, uint32_t offset);

/*
 * @brief Write vlapic_read_for_page() of every line into `page` (1024
 *        dwords: register i at dword i * 4); other dwords are untouched.
 */
void vlapic_page_image(const struct vlapic *v, uint32_t *page);

/* @return the timer model (read-only), for stats and tests. */
const struct vtimer *vlapic_get_timer(const struct vlapic *v);

/* @brief Export the full state at `now` (the timer is expired first). */
void vlapic_save(struct vlapic *v, uint64_t now, struct vlapic_state *s);

/*
 * @brief Import a state at `now`; the countdown resumes with the time it
 *        had left at the save.
 * @retval 0 on success.
 * @retval -TV_EINVAL a state no save could produce; the APIC is then at
 *         power-up.
 */
int vlapic_restore(struct vlapic *v, const struct vlapic_state *s, uint64_t now);

#endif /* TV_LAPIC_VLAPIC_H */
