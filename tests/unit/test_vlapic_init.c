/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * INIT to the sender's own APIC (issue 12 item 7): the model flags every INIT
 * that reaches this APIC (VLAPIC_EFFECT_INIT_SELF) and nothing else, and
 * vmm/vapic.c keeps the flag for the exit handler, which stops the VM
 * (wait-for-SIPI, SDM Vol. 3A "INIT Reset", is not modelled until SMP).
 */
#include <x86/apicdef.h>
#include <x86/msr.h>

#include "harness.h"
#include "../../lapic/vlapic.h"
#include "../../vmm/vapic.h"

#define TSC_KHZ		1000000ULL
#define APIC_ID		3U
#define T0		1000ULL

static struct vlapic v;

static void setup(void)
{
	struct vlapic_config cfg;

	vlapic_config_default(&cfg, APIC_ID, true, TSC_KHZ);
	UT_EQ(vlapic_init(&v, &cfg), 0);
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_SVR, 4, APIC_SVR_ENABLE | 0xffU, 0).status, VLAPIC_OK);
}

/* Send one ICR (xAPIC face): high first, then low, as a guest does. */
static uint32_t send(uint32_t high, uint32_t low)
{
	struct vlapic_result r;

	UT_EQ(vlapic_mmio_write(&v, APIC_REG_ICR_HIGH, 4, high, T0).status, VLAPIC_OK);
	r = vlapic_mmio_write(&v, APIC_REG_ICR_LOW, 4, low, T0);
	UT_EQ(r.status, VLAPIC_OK);
	return r.effects;
}

#define INIT_ASSERT	(APIC_ICR_DM_INIT | APIC_ICR_LEVEL_ASSERT)
#define DEST(id)	((uint32_t)(id) << APIC_ICR_DEST_XAPIC_SHIFT)

static void init_to_own_id_flagged(void)
{
	setup();
	UT_CHECK(send(DEST(APIC_ID), INIT_ASSERT) & VLAPIC_EFFECT_INIT_SELF);
	/* Edge-triggered INIT with the level bit clear is still an INIT, not a de-assert. */
	UT_CHECK(send(DEST(APIC_ID), APIC_ICR_DM_INIT) & VLAPIC_EFFECT_INIT_SELF);
	/* Still routed to vmm/ as an IPI, as before. */
	UT_CHECK(send(DEST(APIC_ID), INIT_ASSERT) & VLAPIC_EFFECT_IPI);
}

static void init_to_other_id_not_flagged(void)
{
	setup();
	UT_EQ(send(DEST(1), INIT_ASSERT) & VLAPIC_EFFECT_INIT_SELF, 0);
	UT_EQ(send(DEST(APIC_ID + 1U), INIT_ASSERT) & VLAPIC_EFFECT_INIT_SELF, 0);
	UT_CHECK(send(DEST(1), INIT_ASSERT) & VLAPIC_EFFECT_IPI);
}

/* SDM "Interrupt Command Register (ICR)", Level: processors since the Pentium 4 ignore it. */
static void init_level_deassert_ignored(void)
{
	setup();
	UT_EQ(send(DEST(APIC_ID), APIC_ICR_DM_INIT | APIC_ICR_TRIGGER_LEVEL) &
	      VLAPIC_EFFECT_INIT_SELF, 0);
	UT_CHECK(send(DEST(APIC_ID), INIT_ASSERT | APIC_ICR_TRIGGER_LEVEL) &
		 VLAPIC_EFFECT_INIT_SELF);
}

static void init_broadcast_and_shorthands(void)
{
	setup();
	UT_CHECK(send(DEST(0xffU), INIT_ASSERT) & VLAPIC_EFFECT_INIT_SELF);
	UT_CHECK(send(0, INIT_ASSERT | APIC_ICR_SH_SELF) & VLAPIC_EFFECT_INIT_SELF);
	UT_CHECK(send(0, INIT_ASSERT | APIC_ICR_SH_ALL) & VLAPIC_EFFECT_INIT_SELF);
	UT_EQ(send(0, INIT_ASSERT | APIC_ICR_SH_OTHERS) & VLAPIC_EFFECT_INIT_SELF, 0);
}

static void init_logical_flat_matches_ldr(void)
{
	setup();
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_LDR, 4, 0x04000000U, T0).status, VLAPIC_OK);
	UT_CHECK(send(DEST(0x04U), INIT_ASSERT | APIC_ICR_DEST_LOGICAL) & VLAPIC_EFFECT_INIT_SELF);
	UT_EQ(send(DEST(0x08U), INIT_ASSERT | APIC_ICR_DEST_LOGICAL) & VLAPIC_EFFECT_INIT_SELF, 0);
}

static void other_modes_not_flagged(void)
{
	setup();
	UT_EQ(send(DEST(APIC_ID), APIC_ICR_DM_SIPI | 0x9aU) & VLAPIC_EFFECT_INIT_SELF, 0);
	UT_EQ(send(DEST(APIC_ID), APIC_ICR_DM_NMI) & VLAPIC_EFFECT_INIT_SELF, 0);
	UT_EQ(send(DEST(APIC_ID), APIC_ICR_DM_FIXED | 0x40U) & VLAPIC_EFFECT_INIT_SELF, 0);
	UT_EQ(send(0, APIC_ICR_SH_SELF | 0x41U) & VLAPIC_EFFECT_INIT_SELF, 0);
}

static void x2apic_icr_init_to_own_id(void)
{
	struct vlapic_result r;

	setup();
	UT_EQ(vlapic_msr_write(&v, MSR_IA32_APIC_BASE,
			       APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD, T0).status,
	      VLAPIC_OK);
	r = vlapic_msr_write(&v, APIC_MSR_ICR, ((uint64_t)APIC_ID << 32) | INIT_ASSERT, T0);
	UT_EQ(r.status, VLAPIC_OK);
	UT_CHECK(r.effects & VLAPIC_EFFECT_INIT_SELF);
	r = vlapic_msr_write(&v, APIC_MSR_ICR, ((uint64_t)(APIC_ID + 7U) << 32) | INIT_ASSERT, T0);
	UT_EQ(r.effects & VLAPIC_EFFECT_INIT_SELF, 0);
}

/* vmm/vapic.c keeps the flag from either face until the exit handler takes it, once. */
static void vapic_keeps_init_until_taken(void)
{
	static struct vapic a;
	uint64_t base = APIC_BASE_DEFAULT, val;
	bool gp;

	UT_EQ(vapic_init(&a, TSC_KHZ, 0, VTIMER_POLICY_COALESCE), 0);
	val = APIC_SVR_ENABLE | 0xffU;
	UT_EQ(vapic_mmio(&a, base + APIC_REG_SVR, 4, true, &val, T0), VLAPIC_OK);
	UT_CHECK(!vapic_take_init_self(&a));
	val = APIC_ICR_SH_SELF | 0x40U;		/* a fixed self-IPI: no INIT */
	UT_EQ(vapic_mmio(&a, base + APIC_REG_ICR_LOW, 4, true, &val, T0), VLAPIC_OK);
	UT_CHECK(!vapic_take_init_self(&a));
	val = 0;				/* destination: APIC ID 0, vapic's own */
	UT_EQ(vapic_mmio(&a, base + APIC_REG_ICR_HIGH, 4, true, &val, T0), VLAPIC_OK);
	val = INIT_ASSERT;
	UT_EQ(vapic_mmio(&a, base + APIC_REG_ICR_LOW, 4, true, &val, T0), VLAPIC_OK);
	UT_CHECK(vapic_take_init_self(&a));
	UT_CHECK(!vapic_take_init_self(&a));
	/* The x2APIC face, through the MSR path. */
	val = APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD;
	UT_CHECK(vapic_msr(&a, MSR_IA32_APIC_BASE, true, &val, T0, &gp) && !gp);
	val = APIC_ICR_SH_ALL | INIT_ASSERT;
	UT_CHECK(vapic_msr(&a, APIC_MSR_ICR, true, &val, T0, &gp) && !gp);
	UT_CHECK(vapic_take_init_self(&a));
	val = APIC_ICR_SH_OTHERS | INIT_ASSERT;
	UT_CHECK(vapic_msr(&a, APIC_MSR_ICR, true, &val, T0, &gp) && !gp);
	UT_CHECK(!vapic_take_init_self(&a));
}

static const struct ut_case cases[] = {
	UT_CASE(init_to_own_id_flagged),
	UT_CASE(init_to_other_id_not_flagged),
	UT_CASE(init_level_deassert_ignored),
	UT_CASE(init_broadcast_and_shorthands),
	UT_CASE(init_logical_flat_matches_ldr),
	UT_CASE(other_modes_not_flagged),
	UT_CASE(x2apic_icr_init_to_own_id),
	UT_CASE(vapic_keeps_init_until_taken),
};

UT_MAIN("vlapic_init", cases)
