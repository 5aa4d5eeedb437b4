/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The local APIC's registers, faces, IA32_APIC_BASE state machine and
 * interrupt logic, one SDM rule per case (SDM Vol. 3A, "Advanced
 * Programmable Interrupt Controller (APIC)").  The timer rules are in
 * test_vtimer.c.
 */
#include <tv/errno.h>
#include <x86/apicdef.h>
#include <x86/msr.h>

#include "harness.h"
#include "../../lapic/vlapic.h"

#define TSC_KHZ		1000000ULL
#define APIC_ID		3U
#define T0		1000ULL

static struct vlapic v;

static void setup_cfg(const struct vlapic_config *cfg)
{
	UT_EQ(vlapic_init(&v, cfg), 0);
}

/* Power-up, then software-enable with spurious vector 0xff. */
static void setup(void)
{
	struct vlapic_config cfg;

	vlapic_config_default(&cfg, APIC_ID, true, TSC_KHZ);
	setup_cfg(&cfg);
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_SVR, 4, APIC_SVR_ENABLE | 0xffU, 0).status, VLAPIC_OK);
}

static uint32_t rd(uint32_t off)
{
	uint64_t val = 0;

	UT_EQ(vlapic_mmio_read(&v, off, 4, &val, T0).status, VLAPIC_OK);
	return (uint32_t)val;
}

static struct vlapic_result wr(uint32_t off, uint32_t val)
{
	struct vlapic_result r = vlapic_mmio_write(&v, off, 4, val, T0);

	UT_EQ(r.status, VLAPIC_OK);
	return r;
}

static enum vlapic_status msr_rd(uint32_t msr, uint64_t *val)
{
	return vlapic_msr_read(&v, msr, val, T0).status;
}

static enum vlapic_status msr_wr(uint32_t msr, uint64_t val)
{
	return vlapic_msr_write(&v, msr, val, T0).status;
}

static void to_x2apic(void)
{
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD),
	      VLAPIC_OK);
	UT_EQ(vlapic_get_mode(&v), VLAPIC_MODE_X2APIC);
}

static bool vec_in(uint32_t base, uint32_t vec)
{
	return (v.regs[(base >> 4) + (vec >> 5)] >> (vec & 31U)) & 1U;
}

/* Write ESR, then read it: the errors since the previous write. */
static uint32_t esr(void)
{
	wr(APIC_REG_ESR, 0);
	return rd(APIC_REG_ESR);
}

static void version_reads_0x14_with_max_lvt_5(void)
{
	setup();
	UT_EQ(rd(APIC_REG_VERSION), 0x00050014U);
}

static void version_is_read_only(void)
{
	setup();
	wr(APIC_REG_VERSION, 0xffffffffU);
	UT_EQ(rd(APIC_REG_VERSION), 0x00050014U);
}

static void id_holds_initial_apic_id_in_bits_31_24(void)
{
	setup();
	UT_EQ(rd(APIC_REG_ID), APIC_ID << 24);
	wr(APIC_REG_ID, 0x07ffffffU);
	UT_EQ(rd(APIC_REG_ID), 0x07000000U);
}

static void power_up_register_values_match_sdm(void)
{
	struct vlapic_config cfg;

	vlapic_config_default(&cfg, APIC_ID, false, TSC_KHZ);
	setup_cfg(&cfg);
	UT_EQ(rd(APIC_REG_TPR), 0);
	UT_EQ(rd(APIC_REG_PPR), 0);
	UT_EQ(rd(APIC_REG_LDR), 0);
	UT_EQ(rd(APIC_REG_DFR), 0xffffffffU);
	UT_EQ(rd(APIC_REG_SVR), 0xffU);
	UT_EQ(rd(APIC_REG_LVT_TIMER), APIC_LVT_MASKED);
	UT_EQ(rd(APIC_REG_LVT_THERMAL), APIC_LVT_MASKED);
	UT_EQ(rd(APIC_REG_LVT_PERF), APIC_LVT_MASKED);
	UT_EQ(rd(APIC_REG_LVT_LINT0), APIC_LVT_MASKED);
	UT_EQ(rd(APIC_REG_LVT_LINT1), APIC_LVT_MASKED);
	UT_EQ(rd(APIC_REG_LVT_ERROR), APIC_LVT_MASKED);
	UT_EQ(rd(APIC_REG_TMICT), 0);
	UT_EQ(rd(APIC_REG_TMCCT), 0);
	UT_EQ(rd(APIC_REG_TDCR), 0);
	UT_EQ(rd(APIC_REG_ICR_LOW), 0);
	for (uint32_t i = 0; i < 8; i++) {
		UT_EQ(rd(APIC_REG_IRR0 + i * 16U), 0);
		UT_EQ(rd(APIC_REG_ISR0 + i * 16U), 0);
		UT_EQ(rd(APIC_REG_TMR0 + i * 16U), 0);
	}
	UT_EQ(vlapic_get_mode(&v), VLAPIC_MODE_XAPIC);
	/* An AP's IA32_APIC_BASE has no BSP flag. */
	UT_EQ(v.apic_base, APIC_BASE_DEFAULT | APIC_BASE_EN);
}

static void tpr_writable_bits_7_0(void)
{
	setup();
	wr(APIC_REG_TPR, 0xffffffffU);
	UT_EQ(rd(APIC_REG_TPR), 0xffU);
}

static void ppr_follows_tpr_when_no_isr(void)
{
	setup();
	wr(APIC_REG_TPR, 0x35U);
	UT_EQ(rd(APIC_REG_PPR), 0x35U);
}

static void ppr_follows_isr_class_above_tpr(void)
{
	setup();
	wr(APIC_REG_TPR, 0x21U);
	UT_CHECK(vlapic_accept_irq(&v, 0x5aU, false));
	UT_EQ(vlapic_ack_vector(&v, 0x5aU), 0);
	UT_EQ(rd(APIC_REG_PPR), 0x50U);
	wr(APIC_REG_TPR, 0x67U);
	UT_EQ(rd(APIC_REG_PPR), 0x67U);
}

static void ppr_is_read_only(void)
{
	setup();
	wr(APIC_REG_PPR, 0xf0U);
	UT_EQ(rd(APIC_REG_PPR), 0);
}

static void ldr_keeps_bits_31_24(void)
{
	setup();
	wr(APIC_REG_LDR, 0xabcdef12U);
	UT_EQ(rd(APIC_REG_LDR), 0xab000000U);
}

static void dfr_low_bits_read_as_ones(void)
{
	setup();
	wr(APIC_REG_DFR, 0x0U);
	UT_EQ(rd(APIC_REG_DFR), 0x0fffffffU);
	wr(APIC_REG_DFR, 0xf0000000U);
	UT_EQ(rd(APIC_REG_DFR), 0xffffffffU);
}

static void svr_reserved_bits_read_zero(void)
{
	setup();
	wr(APIC_REG_SVR, 0xffffffffU);
	UT_EQ(rd(APIC_REG_SVR), 0x3ffU);
}

static void software_disable_masks_all_lvts(void)
{
	setup();
	wr(APIC_REG_LVT_TIMER, 0x30U);
	wr(APIC_REG_LVT_LINT0, 0x31U);
	wr(APIC_REG_LVT_ERROR, 0x32U);
	wr(APIC_REG_SVR, 0xffU);
	UT_EQ(rd(APIC_REG_LVT_TIMER), 0x30U | APIC_LVT_MASKED);
	UT_EQ(rd(APIC_REG_LVT_LINT0), 0x31U | APIC_LVT_MASKED);
	UT_EQ(rd(APIC_REG_LVT_ERROR), 0x32U | APIC_LVT_MASKED);
	UT_EQ(rd(APIC_REG_LVT_PERF) & APIC_LVT_MASKED, APIC_LVT_MASKED);
}

static void lvt_cannot_be_unmasked_while_software_disabled(void)
{
	setup();
	wr(APIC_REG_SVR, 0xffU);
	wr(APIC_REG_LVT_TIMER, 0x40U);
	UT_EQ(rd(APIC_REG_LVT_TIMER), 0x40U | APIC_LVT_MASKED);
	wr(APIC_REG_LVT_LINT1, 0x41U);
	UT_EQ(rd(APIC_REG_LVT_LINT1), 0x41U | APIC_LVT_MASKED);
	/* Enabled again, the mask bits stay until software clears them. */
	wr(APIC_REG_SVR, 0x1ffU);
	UT_EQ(rd(APIC_REG_LVT_TIMER), 0x40U | APIC_LVT_MASKED);
	wr(APIC_REG_LVT_TIMER, 0x40U);
	UT_EQ(rd(APIC_REG_LVT_TIMER), 0x40U);
}

static void software_disabled_apic_refuses_fixed_interrupts(void)
{
	setup();
	wr(APIC_REG_SVR, 0xffU);
	UT_CHECK(!vlapic_accept_irq(&v, 0x50U, false));
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
	/* NMI still accepted ("will respond normally to ... NMI"). */
	vlapic_accept_nmi(&v);
	UT_CHECK(vlapic_has_nmi(&v));
}

static void lvt_reserved_bits_read_zero(void)
{
	setup();
	wr(APIC_REG_LVT_TIMER, 0xffffffffU & ~APIC_LVT_TIMER_RESERVED);
	UT_EQ(rd(APIC_REG_LVT_TIMER), 0x000100ffU);
	wr(APIC_REG_LVT_LINT0, 0xffffffffU);
	UT_EQ(rd(APIC_REG_LVT_LINT0), 0x0001a7ffU);
	wr(APIC_REG_LVT_ERROR, 0xffffffffU);
	UT_EQ(rd(APIC_REG_LVT_ERROR), 0x000100ffU);
	wr(APIC_REG_LVT_THERMAL, 0xffffffffU);
	UT_EQ(rd(APIC_REG_LVT_THERMAL), 0x000107ffU);
}

static void esr_reads_errors_only_after_write(void)
{
	setup();
	UT_CHECK(!vlapic_accept_irq(&v, 3, false));
	UT_EQ(rd(APIC_REG_ESR), 0);
	wr(APIC_REG_ESR, 0);
	UT_EQ(rd(APIC_REG_ESR), APIC_ESR_RECV_ILLEGAL);
}

static void esr_write_clears_pending_errors(void)
{
	setup();
	UT_CHECK(!vlapic_accept_irq(&v, 3, false));
	UT_EQ(esr(), APIC_ESR_RECV_ILLEGAL);
	UT_EQ(esr(), 0);
}

static void illegal_register_address_sets_esr_bit7(void)
{
	uint64_t val = 1;

	setup();
	UT_EQ(vlapic_mmio_read(&v, 0x2a0, 4, &val, T0).status, VLAPIC_OK);
	UT_EQ(val, 0);
	UT_EQ(esr(), APIC_ESR_ILLEGAL_REG);
	UT_EQ(vlapic_mmio_write(&v, 0x800, 4, 5, T0).status, VLAPIC_OK);
	UT_EQ(esr(), APIC_ESR_ILLEGAL_REG);
}

static void cmci_lvt_is_reserved_when_not_advertised(void)
{
	setup();
	wr(APIC_REG_LVT_CMCI, 0x40U);
	UT_EQ(rd(APIC_REG_LVT_CMCI), 0);
	UT_EQ(esr(), APIC_ESR_ILLEGAL_REG);
}

static void self_ipi_register_is_reserved_in_xapic_mode(void)
{
	setup();
	wr(APIC_REG_SELF_IPI, 0x40U);
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
	UT_EQ(esr(), APIC_ESR_ILLEGAL_REG);
}

static void error_lvt_signals_error_interrupt(void)
{
	setup();
	wr(APIC_REG_LVT_ERROR, 0xeeU);
	UT_CHECK(!vlapic_accept_irq(&v, 7, false));
	UT_EQ(vlapic_pending_vector(&v), 0xee);
}

static void accept_vector_below_16_sets_received_illegal(void)
{
	setup();
	for (uint32_t vec = 0; vec < 16; vec++)
		UT_CHECK(!vlapic_accept_irq(&v, vec, false));
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
	UT_EQ(esr(), APIC_ESR_RECV_ILLEGAL);
	UT_CHECK(vlapic_accept_irq(&v, 16, false));
	UT_EQ(vlapic_pending_vector(&v), 16);
}

static void icr_illegal_vector_sets_send_illegal(void)
{
	struct vlapic_result r;

	setup();
	r = wr(APIC_REG_ICR_LOW, 0x05U);	/* fixed, vector 5, no shorthand */
	UT_EQ(r.effects & VLAPIC_EFFECT_IPI, 0);
	UT_EQ(esr(), APIC_ESR_SEND_ILLEGAL);
}

static void highest_pending_vector_wins(void)
{
	setup();
	UT_CHECK(vlapic_accept_irq(&v, 0x41U, false));
	UT_CHECK(vlapic_accept_irq(&v, 0x92U, false));
	UT_CHECK(vlapic_accept_irq(&v, 0x63U, false));
	UT_EQ(vlapic_pending_vector(&v), 0x92);
}

static void pending_vector_blocked_by_ppr_class(void)
{
	setup();
	wr(APIC_REG_TPR, 0x50U);
	UT_CHECK(vlapic_accept_irq(&v, 0x5fU, false));
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
	UT_CHECK(vlapic_accept_irq(&v, 0x60U, false));
	UT_EQ(vlapic_pending_vector(&v), 0x60);
}

static void tpr_lowering_releases_pending_vector(void)
{
	setup();
	wr(APIC_REG_TPR, 0xf0U);
	UT_CHECK(vlapic_accept_irq(&v, 0x80U, false));
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
	wr(APIC_REG_TPR, 0x70U);
	UT_EQ(vlapic_pending_vector(&v), 0x80);
}

static void in_service_vector_blocks_same_class(void)
{
	setup();
	UT_CHECK(vlapic_accept_irq(&v, 0x81U, false));
	UT_EQ(vlapic_ack_vector(&v, 0x81U), 0);
	UT_CHECK(vlapic_accept_irq(&v, 0x85U, false));
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
	UT_CHECK(vlapic_accept_irq(&v, 0x90U, false));
	UT_EQ(vlapic_pending_vector(&v), 0x90);
}

static void ack_moves_irr_to_isr(void)
{
	setup();
	UT_CHECK(vlapic_accept_irq(&v, 0x44U, false));
	UT_EQ(vlapic_ack_vector(&v, 0x45U), -TV_EINVAL);
	UT_EQ(vlapic_ack_vector(&v, 0x44U), 0);
	UT_CHECK(!vec_in(APIC_REG_IRR0, 0x44U));
	UT_CHECK(vec_in(APIC_REG_ISR0, 0x44U));
	UT_EQ(rd(APIC_REG_ISR0 + 0x20U), 1U << 4);
}

static void eoi_clears_highest_isr(void)
{
	setup();
	UT_CHECK(vlapic_accept_irq(&v, 0x44U, false));
	UT_EQ(vlapic_ack_vector(&v, 0x44U), 0);
	UT_CHECK(vlapic_accept_irq(&v, 0x84U, false));
	UT_EQ(vlapic_ack_vector(&v, 0x84U), 0);
	wr(APIC_REG_EOI, 0);
	UT_CHECK(!vec_in(APIC_REG_ISR0, 0x84U));
	UT_CHECK(vec_in(APIC_REG_ISR0, 0x44U));
	wr(APIC_REG_EOI, 0);
	UT_CHECK(!vec_in(APIC_REG_ISR0, 0x44U));
	UT_EQ(vlapic_eoi(&v), VLAPIC_NO_VECTOR);
}

static void level_triggered_eoi_reports_vector(void)
{
	struct vlapic_result r;

	setup();
	UT_CHECK(vlapic_accept_irq(&v, 0x61U, true));
	UT_CHECK(vec_in(APIC_REG_TMR0, 0x61U));
	UT_EQ(vlapic_ack_vector(&v, 0x61U), 0);
	r = wr(APIC_REG_EOI, 0);
	UT_CHECK(r.effects & VLAPIC_EFFECT_EOI_LEVEL);
	UT_EQ(r.eoi_vector, 0x61);
	UT_CHECK(vlapic_accept_irq(&v, 0x62U, false));
	UT_EQ(vlapic_ack_vector(&v, 0x62U), 0);
	r = wr(APIC_REG_EOI, 0);
	UT_EQ(r.effects & VLAPIC_EFFECT_EOI_LEVEL, 0);
}

static void self_ipi_shorthand_sets_irr(void)
{
	struct vlapic_result r;

	setup();
	r = wr(APIC_REG_ICR_LOW, APIC_ICR_SH_SELF | 0x55U);
	UT_EQ(r.effects & VLAPIC_EFFECT_IPI, 0);
	UT_EQ(vlapic_pending_vector(&v), 0x55);
}

static void icr_all_including_self_delivers_locally_and_reports(void)
{
	struct vlapic_result r;

	setup();
	r = wr(APIC_REG_ICR_LOW, APIC_ICR_SH_ALL | 0x56U);
	UT_EQ(vlapic_pending_vector(&v), 0x56);
	UT_CHECK(r.effects & VLAPIC_EFFECT_IPI);
	UT_EQ(r.ipi.shorthand, APIC_ICR_SH_ALL);
	UT_EQ(r.ipi.vector, 0x56);
}

static void icr_all_excluding_self_only_reports(void)
{
	struct vlapic_result r;

	setup();
	r = wr(APIC_REG_ICR_LOW, APIC_ICR_SH_OTHERS | 0x57U);
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
	UT_CHECK(r.effects & VLAPIC_EFFECT_IPI);
	UT_EQ(r.ipi.shorthand, APIC_ICR_SH_OTHERS);
}

static void icr_fixed_to_destination_reported_for_vmm(void)
{
	struct vlapic_result r;

	setup();
	wr(APIC_REG_ICR_HIGH, 0x05000000U);
	r = wr(APIC_REG_ICR_LOW, APIC_ICR_DEST_LOGICAL | APIC_ICR_TRIGGER_LEVEL |
	       APIC_ICR_LEVEL_ASSERT | 0x58U);
	UT_CHECK(r.effects & VLAPIC_EFFECT_IPI);
	UT_EQ(r.ipi.dest, 5);
	UT_EQ(r.ipi.vector, 0x58);
	UT_EQ(r.ipi.delivery_mode, APIC_ICR_DM_FIXED);
	UT_CHECK(r.ipi.is_logical && r.ipi.is_level_trigger && r.ipi.is_assert);
	UT_CHECK(!r.ipi.is_x2apic);
	/* Logical 5 does not name this APIC (LDR 0): nothing lands here. */
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
}

/* Send a fixed IPI (ICR high first, as xAPIC software does); true when it reached this APIC. */
static bool ipi_lands_xapic(uint32_t icr_high, uint32_t icr_low_flags, uint32_t vec)
{
	struct vlapic_result r;
	bool landed;

	wr(APIC_REG_ICR_HIGH, icr_high);
	r = wr(APIC_REG_ICR_LOW, icr_low_flags | vec);
	/* The IPI is reported for the other vCPUs whether or not it also landed here. */
	UT_CHECK(r.effects & VLAPIC_EFFECT_IPI);
	landed = vlapic_pending_vector(&v) == (int)vec;
	if (landed) {
		(void)vlapic_ack_vector(&v, vec);
		wr(APIC_REG_EOI, 0);
	}
	return landed;
}

/*
 * "Determining IPI Destination", physical mode: an IPI whose destination is
 * this APIC's own ID, or the broadcast ID 0xFF, reaches it; another ID does not.
 */
static void icr_physical_destination_own_id_delivers_locally(void)
{
	setup();
	UT_CHECK(ipi_lands_xapic(APIC_ID << 24, 0, 0x61));
	UT_CHECK(ipi_lands_xapic(0xffU << 24, 0, 0x62));
	UT_CHECK(!ipi_lands_xapic((APIC_ID + 1) << 24, 0, 0x63));
	/* The ID register is what counts: after the guest rewrites it, the new ID. */
	wr(APIC_REG_ID, 7U << 24);
	UT_CHECK(!ipi_lands_xapic(APIC_ID << 24, 0, 0x64));
	UT_CHECK(ipi_lands_xapic(7U << 24, 0, 0x65));
}

/* Logical mode, flat model (DFR 0xFFFFFFFF): MDA AND LDR non-zero. */
static void icr_logical_flat_destination_matches_ldr_bits(void)
{
	setup();
	UT_CHECK(!ipi_lands_xapic(0x01U << 24, APIC_ICR_DEST_LOGICAL, 0x66));	/* LDR 0 */
	wr(APIC_REG_LDR, 0x04U << 24);
	UT_CHECK(ipi_lands_xapic(0x04U << 24, APIC_ICR_DEST_LOGICAL, 0x67));
	UT_CHECK(ipi_lands_xapic(0x0cU << 24, APIC_ICR_DEST_LOGICAL, 0x68));
	UT_CHECK(!ipi_lands_xapic(0x03U << 24, APIC_ICR_DEST_LOGICAL, 0x69));
	UT_CHECK(ipi_lands_xapic(0xffU << 24, APIC_ICR_DEST_LOGICAL, 0x6a));
}

/* Logical mode, cluster model (DFR 31:28 = 0): same cluster (or 0xF) and a shared member bit. */
static void icr_logical_cluster_destination_matches_cluster_and_bits(void)
{
	setup();
	wr(APIC_REG_DFR, 0x0fffffffU);
	wr(APIC_REG_LDR, 0x12U << 24);	/* cluster 1, member bit 1 */
	UT_CHECK(ipi_lands_xapic(0x12U << 24, APIC_ICR_DEST_LOGICAL, 0x71));
	UT_CHECK(ipi_lands_xapic(0x16U << 24, APIC_ICR_DEST_LOGICAL, 0x72));
	UT_CHECK(!ipi_lands_xapic(0x22U << 24, APIC_ICR_DEST_LOGICAL, 0x73));	/* other cluster */
	UT_CHECK(!ipi_lands_xapic(0x11U << 24, APIC_ICR_DEST_LOGICAL, 0x74));	/* other member */
	UT_CHECK(ipi_lands_xapic(0xf2U << 24, APIC_ICR_DEST_LOGICAL, 0x75));	/* all clusters */
	/* In the flat model the same MDA 0x22 would share bit 1 with LDR 0x12. */
	wr(APIC_REG_DFR, 0xffffffffU);
	UT_CHECK(ipi_lands_xapic(0x22U << 24, APIC_ICR_DEST_LOGICAL, 0x76));
}

/*
 * x2APIC: physical destination = the 32-bit ID; logical = cluster ID in
 * 31:16 (ID >> 4) and member bit (ID & 0xF) of the derived LDR; 0xFFFFFFFF
 * is a broadcast.
 */
static void icr_x2apic_destinations(void)
{
	struct vlapic_result r;
	static const struct {
		uint32_t dest;
		bool is_logical, lands;
	} cases[] = {
		{ APIC_ID, false, true },
		{ APIC_ID + 0x100U, false, false },
		{ 0xffffffffU, false, true },
		{ 1U << APIC_ID, true, true },		/* cluster 0, member 3 */
		{ 0x000000ffU, true, true },
		{ 0x00010008U, true, false },		/* cluster 1 */
		{ 1U << (APIC_ID + 1), true, false },
		{ 0xffffffffU, true, true },
	};
	uint32_t vec = 0x80;

	setup();
	to_x2apic();
		UT_EQ(msr_wr(0x80f, APIC_SVR_ENABLE | 0xffU), VLAPIC_OK);
	for (size_t i = 0; i < TV_ARRAY_SIZE(cases); i++, vec++) {
		r = vlapic_msr_write(&v, APIC_MSR_ICR, ((uint64_t)cases[i].dest << 32) |
				     (cases[i].is_logical ? APIC_ICR_DEST_LOGICAL : 0) | vec, T0);
		UT_EQ(r.status, VLAPIC_OK);
		UT_CHECK(r.effects & VLAPIC_EFFECT_IPI);
		UT_EQ(vlapic_pending_vector(&v) == (int)vec, cases[i].lands);
		if (vlapic_pending_vector(&v) == (int)vec) {
			(void)vlapic_ack_vector(&v, vec);
			UT_EQ(msr_wr(0x80b, 0), VLAPIC_OK);
		}
	}
}

/* An NMI by the APIC's own ID (no shorthand) sets the NMI latch; to another ID it does not. */
static void icr_nmi_to_own_id_latches(void)
{
	setup();
	wr(APIC_REG_ICR_HIGH, (APIC_ID + 1) << 24);
	wr(APIC_REG_ICR_LOW, APIC_ICR_DM_NMI);
	UT_CHECK(!vlapic_has_nmi(&v));
	wr(APIC_REG_ICR_HIGH, APIC_ID << 24);
	wr(APIC_REG_ICR_LOW, APIC_ICR_DM_NMI);
	UT_CHECK(vlapic_take_nmi(&v));
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
}

static void icr_nmi_self_latches_one_deep(void)
{
	setup();
	wr(APIC_REG_ICR_LOW, APIC_ICR_SH_SELF | APIC_ICR_DM_NMI);
	wr(APIC_REG_ICR_LOW, APIC_ICR_SH_SELF | APIC_ICR_DM_NMI);
	UT_CHECK(vlapic_has_nmi(&v));
	UT_CHECK(vlapic_take_nmi(&v));
	UT_CHECK(!vlapic_take_nmi(&v));
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
}

static void icr_init_and_sipi_recorded_for_vmm(void)
{
	struct vlapic_result r;

	setup();
	wr(APIC_REG_ICR_HIGH, 0x01000000U);
	r = wr(APIC_REG_ICR_LOW, APIC_ICR_DM_INIT | APIC_ICR_LEVEL_ASSERT);
	UT_CHECK(r.effects & VLAPIC_EFFECT_IPI);
	UT_EQ(r.ipi.delivery_mode, APIC_ICR_DM_INIT);
	UT_EQ(r.ipi.dest, 1);
	r = wr(APIC_REG_ICR_LOW, APIC_ICR_DM_SIPI | 0x9aU);
	UT_CHECK(r.effects & VLAPIC_EFFECT_IPI);
	UT_EQ(r.ipi.delivery_mode, APIC_ICR_DM_SIPI);
	UT_EQ(r.ipi.vector, 0x9a);
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
}

static void icr_reserved_delivery_mode_sends_nothing(void)
{
	struct vlapic_result r;

	setup();
	r = wr(APIC_REG_ICR_LOW, APIC_ICR_DM_RESERVED3 | 0x40U);
	UT_EQ(r.effects, 0);
	r = wr(APIC_REG_ICR_LOW, APIC_ICR_DM_RESERVED7 | APIC_ICR_SH_SELF | 0x40U);
	UT_EQ(r.effects, 0);
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
}

static void icr_delivery_status_reads_zero(void)
{
	setup();
	wr(APIC_REG_ICR_LOW, APIC_ICR_DELIVS | APIC_ICR_SH_OTHERS | 0x40U);
	UT_EQ(rd(APIC_REG_ICR_LOW) & APIC_ICR_DELIVS, 0);
	UT_EQ(rd(APIC_REG_ICR_LOW), APIC_ICR_SH_OTHERS | 0x40U);
}

static void icr_high_holds_destination_bits_31_24(void)
{
	setup();
	wr(APIC_REG_ICR_HIGH, 0xffffffffU);
	UT_EQ(rd(APIC_REG_ICR_HIGH), 0xff000000U);
}

static void mmio_sub_dword_reads_within_register(void)
{
	uint64_t val = 0;

	setup();
	wr(APIC_REG_TPR, 0xa5U);
	wr(APIC_REG_LDR, 0x12000000U);
	UT_EQ(vlapic_mmio_read(&v, APIC_REG_TPR, 1, &val, T0).status, VLAPIC_OK);
	UT_EQ(val, 0xa5);
	UT_EQ(vlapic_mmio_read(&v, APIC_REG_LDR + 3, 1, &val, T0).status, VLAPIC_OK);
	UT_EQ(val, 0x12);
	UT_EQ(vlapic_mmio_read(&v, APIC_REG_VERSION + 2, 2, &val, T0).status, VLAPIC_OK);
	UT_EQ(val, 0x0005);
}

static void mmio_wide_or_misaligned_access_is_bad_access(void)
{
	uint64_t val = 7;

	setup();
	UT_EQ(vlapic_mmio_read(&v, APIC_REG_VERSION, 8, &val, T0).status, VLAPIC_BAD_ACCESS);
	UT_EQ(val, 0);
	UT_EQ(vlapic_mmio_read(&v, APIC_REG_VERSION + 2, 4, &val, T0).status, VLAPIC_BAD_ACCESS);
	UT_EQ(vlapic_mmio_read(&v, APIC_REG_VERSION + 4, 4, &val, T0).status, VLAPIC_BAD_ACCESS);
	UT_EQ(vlapic_mmio_read(&v, APIC_REG_VERSION, 3, &val, T0).status, VLAPIC_BAD_ACCESS);
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_TPR, 8, 0x20, T0).status, VLAPIC_BAD_ACCESS);
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_TPR + 4, 4, 0x20, T0).status, VLAPIC_BAD_ACCESS);
	UT_EQ(vlapic_mmio_read(&v, 0x1000, 4, &val, T0).status, VLAPIC_BAD_ACCESS);
	UT_EQ(rd(APIC_REG_TPR), 0);
}

static void mmio_sub_dword_write_is_bad_access(void)
{
	setup();
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_TPR, 1, 0x20, T0).status, VLAPIC_BAD_ACCESS);
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_TPR, 2, 0x20, T0).status, VLAPIC_BAD_ACCESS);
	UT_EQ(rd(APIC_REG_TPR), 0);
}

static void eoi_register_reads_zero_in_xapic_mode(void)
{
	setup();
	UT_EQ(rd(APIC_REG_EOI), 0);
	UT_EQ(esr(), 0);
}

static void apr_reads_zero_in_xapic_mode(void)
{
	setup();
	wr(APIC_REG_TPR, 0x40U);
	UT_EQ(rd(APIC_REG_APR), 0);
	UT_EQ(esr(), 0);
}

static void isr_tmr_irr_are_read_only(void)
{
	setup();
	UT_CHECK(vlapic_accept_irq(&v, 0x61U, true));
	wr(APIC_REG_IRR0 + 0x30U, 0);
	wr(APIC_REG_TMR0 + 0x30U, 0);
	wr(APIC_REG_ISR0 + 0x30U, 0xffffffffU);
	UT_EQ(rd(APIC_REG_IRR0 + 0x30U), 1U << 1);
	UT_EQ(rd(APIC_REG_TMR0 + 0x30U), 1U << 1);
	UT_EQ(rd(APIC_REG_ISR0 + 0x30U), 0);
	UT_EQ(esr(), 0);
}

static void tmcct_is_read_only(void)
{
	setup();
	wr(APIC_REG_TMCCT, 1234U);
	UT_EQ(rd(APIC_REG_TMCCT), 0);
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
}

static void lvt_delivery_status_and_remote_irr_are_read_only(void)
{
	setup();
	wr(APIC_REG_LVT_LINT0, APIC_LVT_DELIVS | APIC_LVT_REMOTE_IRR | APIC_LVT_LEVEL | 0x30U);
	UT_EQ(rd(APIC_REG_LVT_LINT0), APIC_LVT_LEVEL | 0x30U);
}

static void mmio_in_x2apic_mode_is_not_apic(void)
{
	uint64_t val = 1;

	setup();
	to_x2apic();
	UT_EQ(vlapic_mmio_read(&v, APIC_REG_VERSION, 4, &val, T0).status, VLAPIC_NOT_APIC);
	UT_EQ(val, 0);
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_TPR, 4, 0x20, T0).status, VLAPIC_NOT_APIC);
}

static void x2apic_msr_in_xapic_mode_gp(void)
{
	uint64_t val;

	setup();
	UT_EQ(msr_rd(0x803, &val), VLAPIC_GP);
	UT_EQ(msr_wr(0x808, 0x10), VLAPIC_GP);
}

static void x2apic_id_and_version_read_through_msrs(void)
{
	uint64_t val = 0;

	setup();
	to_x2apic();
	UT_EQ(msr_rd(0x802, &val), VLAPIC_OK);
	UT_EQ(val, APIC_ID);
	UT_EQ(msr_rd(0x803, &val), VLAPIC_OK);
	UT_EQ(val, 0x00050014U);
}

static void x2apic_icr_is_64_bit(void)
{
	struct vlapic_result r;
	uint64_t val = 0;

	setup();
	to_x2apic();
	r = vlapic_msr_write(&v, APIC_MSR_ICR, (0x12345678ULL << 32) | 0x4bU, T0);
	UT_EQ(r.status, VLAPIC_OK);
	UT_CHECK(r.effects & VLAPIC_EFFECT_IPI);
	UT_EQ(r.ipi.dest, 0x12345678U);
	UT_CHECK(r.ipi.is_x2apic);
	UT_EQ(msr_rd(APIC_MSR_ICR, &val), VLAPIC_OK);
	UT_EQ(val, (0x12345678ULL << 32) | 0x4bU);
	/* No separate ICR high MSR; delivery status bit is reserved. */
	UT_EQ(msr_rd(0x831, &val), VLAPIC_GP);
	UT_EQ(msr_wr(APIC_MSR_ICR, APIC_ICR_DELIVS | 0x4bU), VLAPIC_GP);
}

static void x2apic_self_ipi_msr_sets_irr(void)
{
	uint64_t val;

	setup();
	to_x2apic();
	UT_EQ(msr_wr(APIC_MSR_SELF_IPI, 0x66), VLAPIC_OK);
	UT_EQ(vlapic_pending_vector(&v), 0x66);
	UT_EQ(msr_wr(APIC_MSR_SELF_IPI, 0x166), VLAPIC_GP);
	UT_EQ(msr_rd(APIC_MSR_SELF_IPI, &val), VLAPIC_GP);
}

static void x2apic_self_ipi_illegal_vector_sets_send_illegal(void)
{
	uint64_t val = 0;

	setup();
	to_x2apic();
	UT_EQ(msr_wr(APIC_MSR_SELF_IPI, 0x0f), VLAPIC_OK);
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
	UT_EQ(msr_wr(0x828, 0), VLAPIC_OK);
	UT_EQ(msr_rd(0x828, &val), VLAPIC_OK);
	UT_EQ(val, APIC_ESR_SEND_ILLEGAL);
}

static void x2apic_ldr_derived_from_id(void)
{
	struct vlapic_config cfg;
	uint64_t val = 0;

	vlapic_config_default(&cfg, 0x35U, true, TSC_KHZ);
	setup_cfg(&cfg);
	to_x2apic();
	UT_EQ(msr_rd(0x80d, &val), VLAPIC_OK);
	UT_EQ(val, (0x3U << 16) | (1U << 5));
	UT_EQ(msr_wr(0x80d, 0), VLAPIC_GP);
}

static void x2apic_dfr_absent_gp(void)
{
	uint64_t val;

	setup();
	to_x2apic();
	UT_EQ(msr_rd(0x80e, &val), VLAPIC_GP);
	UT_EQ(msr_wr(0x80e, 0xffffffffU), VLAPIC_GP);
}

static void x2apic_reserved_msr_gp(void)
{
	static const uint32_t msrs[] = { 0x800, 0x801, 0x804, 0x809, 0x80c, 0x829,
					 0x82f, 0x83a, 0x83d, 0x840, 0x8ff };
	uint64_t val;

	setup();
	to_x2apic();
	for (size_t i = 0; i < TV_ARRAY_SIZE(msrs); i++) {
		UT_EQ(msr_rd(msrs[i], &val), VLAPIC_GP);
		UT_EQ(msr_wr(msrs[i], 0), VLAPIC_GP);
	}
}

static void x2apic_write_reserved_bits_gp(void)
{
	setup();
	to_x2apic();
	UT_EQ(msr_wr(0x808, 0x100), VLAPIC_GP);			/* TPR bit 8 */
	UT_EQ(msr_wr(0x808, 1ULL << 32), VLAPIC_GP);		/* upper half */
	UT_EQ(msr_wr(0x832, APIC_LVT_DELIVS | 0x40U), VLAPIC_GP);
	UT_EQ(msr_wr(0x83e, 0x4), VLAPIC_GP);			/* TDCR bit 2 */
	UT_EQ(msr_wr(0x80f, APIC_SVR_EOI_SUPPRESS | 0x1ffU), VLAPIC_GP);
	UT_EQ(msr_wr(0x828, 1), VLAPIC_GP);			/* ESR non-zero */
	UT_EQ(msr_wr(0x828, 0), VLAPIC_OK);
	UT_EQ(msr_wr(0x808, 0x20), VLAPIC_OK);
}

static void x2apic_write_to_read_only_gp(void)
{
	static const uint32_t msrs[] = { 0x802, 0x803, 0x80a, 0x80d, 0x810, 0x818,
					 0x820, 0x827, 0x839 };

	setup();
	to_x2apic();
	for (size_t i = 0; i < TV_ARRAY_SIZE(msrs); i++)
		UT_EQ(msr_wr(msrs[i], 0), VLAPIC_GP);
}

static void x2apic_eoi_write_only_and_zero(void)
{
	uint64_t val;

	setup();
	to_x2apic();
	UT_CHECK(vlapic_accept_irq(&v, 0x70U, false));
	UT_EQ(vlapic_ack_vector(&v, 0x70U), 0);
	UT_EQ(msr_rd(0x80b, &val), VLAPIC_GP);
	UT_EQ(msr_wr(0x80b, 1), VLAPIC_GP);
	UT_CHECK(vec_in(APIC_REG_ISR0, 0x70U));
	UT_EQ(msr_wr(0x80b, 0), VLAPIC_OK);
	UT_CHECK(!vec_in(APIC_REG_ISR0, 0x70U));
}

static void x2apic_lvtt_mode3_gp(void)
{
	setup();
	to_x2apic();
	UT_EQ(msr_wr(0x832, APIC_LVT_TIMER_RESERVED | 0x40U), VLAPIC_GP);
	UT_EQ(msr_wr(0x832, APIC_LVT_TIMER_PERIODIC | 0x40U), VLAPIC_OK);
}

static void xapic_lvtt_mode3_keeps_old_mode(void)
{
	setup();
	wr(APIC_REG_LVT_TIMER, APIC_LVT_TIMER_PERIODIC | 0x40U);
	wr(APIC_REG_LVT_TIMER, APIC_LVT_TIMER_RESERVED | 0x41U);
	UT_EQ(rd(APIC_REG_LVT_TIMER), APIC_LVT_TIMER_PERIODIC | 0x41U);
}

static void x2apic_state_carries_over_from_xapic(void)
{
	uint64_t val = 0;

	setup();
	wr(APIC_REG_TPR, 0x30U);
	UT_CHECK(vlapic_accept_irq(&v, 0x90U, false));
	to_x2apic();
	UT_EQ(msr_rd(0x808, &val), VLAPIC_OK);
	UT_EQ(val, 0x30);
	UT_EQ(vlapic_pending_vector(&v), 0x90);
}

static void apic_base_x2apic_to_xapic_gp(void)
{
	setup();
	to_x2apic();
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN), VLAPIC_GP);
	UT_EQ(vlapic_get_mode(&v), VLAPIC_MODE_X2APIC);
}

static void apic_base_disabled_to_x2apic_gp(void)
{
	setup();
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT), VLAPIC_OK);
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD),
	      VLAPIC_GP);
	UT_EQ(vlapic_get_mode(&v), VLAPIC_MODE_DISABLED);
}

static void apic_base_invalid_en0_extd1_gp(void)
{
	setup();
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EXTD), VLAPIC_GP);
	to_x2apic();
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EXTD), VLAPIC_GP);
	/* x2APIC -> disabled is legal. */
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT), VLAPIC_OK);
}

static void apic_base_reserved_bits_gp(void)
{
	setup();
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN | 0x200U), VLAPIC_GP);
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN | 0x1U), VLAPIC_GP);
	/* MAXPHYADDR 39: bit 39 and above are reserved. */
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, (1ULL << 39) | APIC_BASE_EN), VLAPIC_GP);
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, (1ULL << 38) | APIC_BASE_EN), VLAPIC_OK);
}

static void apic_base_extd_without_x2apic_gp(void)
{
	struct vlapic_config cfg;

	vlapic_config_default(&cfg, APIC_ID, true, TSC_KHZ);
	cfg.has_x2apic = false;
	setup_cfg(&cfg);
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD),
	      VLAPIC_GP);
}

static void apic_base_relocation_reported(void)
{
	struct vlapic_result r;
	uint64_t val = 0;

	setup();
	r = vlapic_msr_write(&v, MSR_IA32_APIC_BASE, 0xfed00000ULL | APIC_BASE_EN, T0);
	UT_EQ(r.status, VLAPIC_OK);
	UT_CHECK(r.effects & VLAPIC_EFFECT_BASE);
	UT_EQ(vlapic_get_base_address(&v), 0xfed00000ULL);
	/* The BSP flag is the configuration's; writing it away is ignored. */
	UT_EQ(msr_rd(MSR_IA32_APIC_BASE, &val), VLAPIC_OK);
	UT_EQ(val, 0xfed00000ULL | APIC_BASE_EN | APIC_BASE_BSP);
	UT_EQ(rd(APIC_REG_SVR), 0x1ffU);
}

static void apic_disable_reenable_resets_to_power_up_and_works(void)
{
	uint64_t val = 0;

	setup();
	wr(APIC_REG_TPR, 0x40U);
	wr(APIC_REG_TDCR, 0xbU);
	wr(APIC_REG_LVT_TIMER, 0x50U | APIC_LVT_TIMER_PERIODIC);
	wr(APIC_REG_TMICT, 1000000U);
	UT_CHECK(vlapic_accept_irq(&v, 0x90U, false));
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT), VLAPIC_OK);
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
	UT_EQ(vlapic_mmio_read(&v, APIC_REG_TPR, 4, &val, T0).status, VLAPIC_NOT_APIC);
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT | APIC_BASE_EN), VLAPIC_OK);
	UT_EQ(rd(APIC_REG_TPR), 0);
	UT_EQ(rd(APIC_REG_SVR), 0xffU);
	UT_EQ(rd(APIC_REG_LVT_TIMER), APIC_LVT_MASKED);
	UT_EQ(rd(APIC_REG_ID), APIC_ID << 24);
	UT_EQ(rd(APIC_REG_IRR0 + 0x40U), 0);
	/* Fully usable again: enable, arm a one-shot, take its interrupt. */
	wr(APIC_REG_SVR, 0x1ffU);
	wr(APIC_REG_TDCR, 0xbU);
	wr(APIC_REG_LVT_TIMER, 0x51U);
	wr(APIC_REG_TMICT, 100U);
	vlapic_expire(&v, T0 + 100);
	UT_EQ(vlapic_pending_vector(&v), 0x51);
	UT_EQ(vlapic_ack_vector(&v, 0x51U), 0);
	UT_EQ(vlapic_eoi(&v), 0x51);
	/* And up to x2APIC from there. */
	to_x2apic();
	UT_EQ(msr_rd(0x802, &val), VLAPIC_OK);
	UT_EQ(val, APIC_ID);
}

static void apic_disabled_refuses_interrupts_and_nmi(void)
{
	setup();
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT), VLAPIC_OK);
	UT_CHECK(!vlapic_accept_irq(&v, 0x90U, false));
	vlapic_accept_nmi(&v);
	UT_CHECK(!vlapic_has_nmi(&v));
}

static void tsc_deadline_msr_reads_zero_when_apic_disabled(void)
{
	uint64_t val = 1;

	setup();
	UT_EQ(msr_wr(MSR_IA32_APIC_BASE, APIC_BASE_DEFAULT), VLAPIC_OK);
	UT_EQ(msr_wr(MSR_IA32_TSC_DEADLINE, 5000), VLAPIC_OK);
	UT_EQ(msr_rd(MSR_IA32_TSC_DEADLINE, &val), VLAPIC_OK);
	UT_EQ(val, 0);
}

static void unknown_msr_is_not_apic(void)
{
	uint64_t val = 1;

	setup();
	UT_EQ(msr_rd(MSR_IA32_EFER, &val), VLAPIC_NOT_APIC);
	UT_EQ(val, 0);
	UT_EQ(msr_wr(0x7ff, 0), VLAPIC_NOT_APIC);
	UT_EQ(msr_wr(0x900, 0), VLAPIC_NOT_APIC);
}

static void init_reset_keeps_apic_base(void)
{
	setup();
	to_x2apic();
	UT_EQ(msr_wr(0x808, 0x20), VLAPIC_OK);
	vlapic_reset_init(&v);
	UT_EQ(vlapic_get_mode(&v), VLAPIC_MODE_X2APIC);
	UT_EQ(v.regs[APIC_REG_TPR >> 4], 0);
	UT_EQ(v.regs[APIC_REG_ID >> 4], APIC_ID);
	UT_EQ(v.regs[APIC_REG_SVR >> 4], 0xffU);
}

static void init_rejects_bad_config(void)
{
	struct vlapic_config cfg;

	vlapic_config_default(&cfg, 300U, true, TSC_KHZ);
	cfg.has_x2apic = false;
	UT_EQ(vlapic_init(&v, &cfg), -TV_EINVAL);
	vlapic_config_default(&cfg, 1U, true, TSC_KHZ);
	cfg.maxphyaddr = 60;
	UT_EQ(vlapic_init(&v, &cfg), -TV_EINVAL);
	vlapic_config_default(&cfg, 1U, true, 0);
	UT_EQ(vlapic_init(&v, &cfg), -TV_EINVAL);
}

static void save_restore_full_register_state(void)
{
	struct vlapic_state s;
	struct vlapic copy;

	setup();
	to_x2apic();
	UT_EQ(msr_wr(0x808, 0x20), VLAPIC_OK);
	UT_EQ(msr_wr(0x835, 0x1a742U), VLAPIC_OK);
	UT_CHECK(vlapic_accept_irq(&v, 0x91U, true));
	UT_EQ(vlapic_ack_vector(&v, 0x91U), 0);
	UT_CHECK(vlapic_accept_irq(&v, 0xa2U, false));
	vlapic_accept_nmi(&v);
	UT_CHECK(!vlapic_accept_irq(&v, 2, false));
	vlapic_save(&v, T0, &s);
	copy = v;
	UT_EQ(vlapic_init(&v, &copy.cfg), 0);
	UT_EQ(vlapic_restore(&v, &s, T0 + 5), 0);
	for (uint32_t i = 0; i < VLAPIC_REG_SLOTS; i++)
		UT_EQ(v.regs[i], copy.regs[i]);
	UT_EQ(v.apic_base, copy.apic_base);
	UT_EQ(v.esr_pending, copy.esr_pending);
	UT_CHECK(vlapic_has_nmi(&v));
	UT_EQ(vlapic_pending_vector(&v), 0xa2);
}

static const struct ut_case cases[] = {
	UT_CASE(version_reads_0x14_with_max_lvt_5),
	UT_CASE(version_is_read_only),
	UT_CASE(id_holds_initial_apic_id_in_bits_31_24),
	UT_CASE(power_up_register_values_match_sdm),
	UT_CASE(tpr_writable_bits_7_0),
	UT_CASE(ppr_follows_tpr_when_no_isr),
	UT_CASE(ppr_follows_isr_class_above_tpr),
	UT_CASE(ppr_is_read_only),
	UT_CASE(ldr_keeps_bits_31_24),
	UT_CASE(dfr_low_bits_read_as_ones),
	UT_CASE(svr_reserved_bits_read_zero),
	UT_CASE(software_disable_masks_all_lvts),
	UT_CASE(lvt_cannot_be_unmasked_while_software_disabled),
	UT_CASE(software_disabled_apic_refuses_fixed_interrupts),
	UT_CASE(lvt_reserved_bits_read_zero),
	UT_CASE(esr_reads_errors_only_after_write),
	UT_CASE(esr_write_clears_pending_errors),
	UT_CASE(illegal_register_address_sets_esr_bit7),
	UT_CASE(cmci_lvt_is_reserved_when_not_advertised),
	UT_CASE(self_ipi_register_is_reserved_in_xapic_mode),
	UT_CASE(error_lvt_signals_error_interrupt),
	UT_CASE(accept_vector_below_16_sets_received_illegal),
	UT_CASE(icr_illegal_vector_sets_send_illegal),
	UT_CASE(highest_pending_vector_wins),
	UT_CASE(pending_vector_blocked_by_ppr_class),
	UT_CASE(tpr_lowering_releases_pending_vector),
	UT_CASE(in_service_vector_blocks_same_class),
	UT_CASE(ack_moves_irr_to_isr),
	UT_CASE(eoi_clears_highest_isr),
	UT_CASE(level_triggered_eoi_reports_vector),
	UT_CASE(self_ipi_shorthand_sets_irr),
	UT_CASE(icr_all_including_self_delivers_locally_and_reports),
	UT_CASE(icr_all_excluding_self_only_reports),
	UT_CASE(icr_fixed_to_destination_reported_for_vmm),
	UT_CASE(icr_physical_destination_own_id_delivers_locally),
	UT_CASE(icr_logical_flat_destination_matches_ldr_bits),
	UT_CASE(icr_logical_cluster_destination_matches_cluster_and_bits),
	UT_CASE(icr_x2apic_destinations),
	UT_CASE(icr_nmi_to_own_id_latches),
	UT_CASE(icr_nmi_self_latches_one_deep),
	UT_CASE(icr_init_and_sipi_recorded_for_vmm),
	UT_CASE(icr_reserved_delivery_mode_sends_nothing),
	UT_CASE(icr_delivery_status_reads_zero),
	UT_CASE(icr_high_holds_destination_bits_31_24),
	UT_CASE(mmio_sub_dword_reads_within_register),
	UT_CASE(mmio_wide_or_misaligned_access_is_bad_access),
	UT_CASE(mmio_sub_dword_write_is_bad_access),
	UT_CASE(eoi_register_reads_zero_in_xapic_mode),
	UT_CASE(apr_reads_zero_in_xapic_mode),
	UT_CASE(isr_tmr_irr_are_read_only),
	UT_CASE(tmcct_is_read_only),
	UT_CASE(lvt_delivery_status_and_remote_irr_are_read_only),
	UT_CASE(mmio_in_x2apic_mode_is_not_apic),
	UT_CASE(x2apic_msr_in_xapic_mode_gp),
	UT_CASE(x2apic_id_and_version_read_through_msrs),
	UT_CASE(x2apic_icr_is_64_bit),
	UT_CASE(x2apic_self_ipi_msr_sets_irr),
	UT_CASE(x2apic_self_ipi_illegal_vector_sets_send_illegal),
	UT_CASE(x2apic_ldr_derived_from_id),
	UT_CASE(x2apic_dfr_absent_gp),
	UT_CASE(x2apic_reserved_msr_gp),
	UT_CASE(x2apic_write_reserved_bits_gp),
	UT_CASE(x2apic_write_to_read_only_gp),
	UT_CASE(x2apic_eoi_write_only_and_zero),
	UT_CASE(x2apic_lvtt_mode3_gp),
	UT_CASE(xapic_lvtt_mode3_keeps_old_mode),
	UT_CASE(x2apic_state_carries_over_from_xapic),
	UT_CASE(apic_base_x2apic_to_xapic_gp),
	UT_CASE(apic_base_disabled_to_x2apic_gp),
	UT_CASE(apic_base_invalid_en0_extd1_gp),
	UT_CASE(apic_base_reserved_bits_gp),
	UT_CASE(apic_base_extd_without_x2apic_gp),
	UT_CASE(apic_base_relocation_reported),
	UT_CASE(apic_disable_reenable_resets_to_power_up_and_works),
	UT_CASE(apic_disabled_refuses_interrupts_and_nmi),
	UT_CASE(tsc_deadline_msr_reads_zero_when_apic_disabled),
	UT_CASE(unknown_msr_is_not_apic),
	UT_CASE(init_reset_keeps_apic_base),
	UT_CASE(init_rejects_bad_config),
	UT_CASE(save_restore_full_register_state),
};

UT_MAIN("vlapic", cases)
