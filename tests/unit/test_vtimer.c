/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The APIC timer, one SDM rule per case (SDM Vol. 3A, "APIC Timer" and
 * "TSC-Deadline Mode"), driven as a guest would: through the xAPIC MMIO
 * face and the TSC-deadline MSR, on a fake clock (`now` just advances).
 * The missed-tick policies and the arithmetic are driven on the vtimer
 * directly.
 */
#include <tv/errno.h>
#include <x86/apicdef.h>
#include <x86/msr.h>

#include "harness.h"
#include "fake_log.h"
#include "../../lapic/vlapic.h"

/* 1 GHz guest TSC: one tick is 1 ns, 200 us is 200000 ticks. */
#define TSC_KHZ		1000000ULL
#define VEC		0x40U
#define T0		1000000ULL

static struct vlapic v;

static void setup_cfg(const struct vlapic_config *cfg)
{
	UT_EQ(vlapic_init(&v, cfg), 0);
	UT_EQ(vlapic_mmio_write(&v, APIC_REG_SVR, 4, APIC_SVR_ENABLE | 0xffU, 0).status, VLAPIC_OK);
}

static void setup_min(uint64_t min_period)
{
	struct vlapic_config cfg;

	vlapic_config_default(&cfg, 0, true, TSC_KHZ);
	cfg.timer.min_period_tsc = min_period;
	setup_cfg(&cfg);
}

/* Default setup with no minimum period, so small periods stay exact. */
static void setup(void)
{
	setup_min(0);
}

static uint32_t rd(uint32_t off, uint64_t now)
{
	uint64_t val = 0;

	UT_EQ(vlapic_mmio_read(&v, off, 4, &val, now).status, VLAPIC_OK);
	return (uint32_t)val;
}

static void wr(uint32_t off, uint32_t val, uint64_t now)
{
	UT_EQ(vlapic_mmio_write(&v, off, 4, val, now).status, VLAPIC_OK);
}

static bool irr(uint32_t vec)
{
	return (v.regs[(APIC_REG_IRR0 >> 4) + (vec >> 5)] >> (vec & 31U)) & 1U;
}

/* The guest takes the pending interrupt: ack + EOI. */
static bool take(uint32_t vec)
{
	if (vlapic_pending_vector(&v) != (int)vec)
		return false;
	if (vlapic_ack_vector(&v, vec) != 0)
		return false;
	return vlapic_eoi(&v) == (int)vec;
}

static void wrmsr(uint32_t msr, uint64_t val, uint64_t now)
{
	UT_EQ(vlapic_msr_write(&v, msr, val, now).status, VLAPIC_OK);
}

static uint64_t rdmsr(uint32_t msr, uint64_t now)
{
	uint64_t val = 0;

	UT_EQ(vlapic_msr_read(&v, msr, &val, now).status, VLAPIC_OK);
	return val;
}

/* One-shot, divide by 1, `count` counts from T0: one count = one tick. */
static void start_oneshot(uint32_t count)
{
	wr(APIC_REG_TDCR, 0xbU, T0);
	wr(APIC_REG_LVT_TIMER, VEC, T0);
	wr(APIC_REG_TMICT, count, T0);
}

static void start_periodic(uint32_t count)
{
	wr(APIC_REG_TDCR, 0xbU, T0);
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_PERIODIC, T0);
	wr(APIC_REG_TMICT, count, T0);
}

static void one_shot_counts_down_to_zero_and_stops(void)
{
	setup();
	start_oneshot(1000);
	UT_EQ(rd(APIC_REG_TMCCT, T0), 1000);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 999), 1);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 1000), 0);
	UT_CHECK(take(VEC));
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
	vlapic_expire(&v, T0 + 5000);
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
}

static void one_shot_fires_once_not_before_tmict_times_divide(void)
{
	setup();
	wr(APIC_REG_TDCR, 0x3U, T0);	/* divide by 16 */
	wr(APIC_REG_LVT_TIMER, VEC, T0);
	wr(APIC_REG_TMICT, 100, T0);
	UT_EQ(vlapic_next_deadline(&v), T0 + 1600);
	vlapic_expire(&v, T0 + 1599);
	UT_CHECK(!irr(VEC));
	vlapic_expire(&v, T0 + 1600);
	UT_CHECK(irr(VEC));
	UT_CHECK(take(VEC));
	vlapic_expire(&v, T0 + 100000);
	UT_CHECK(!irr(VEC));
	UT_EQ(vlapic_get_timer(&v)->stats.delivered, 1);
}

static void tmcct_counts_down_at_divided_rate(void)
{
	setup();
	wr(APIC_REG_TDCR, 0x1U, T0);	/* divide by 4 */
	wr(APIC_REG_LVT_TIMER, VEC, T0);
	wr(APIC_REG_TMICT, 10, T0);
	UT_EQ(rd(APIC_REG_TMCCT, T0), 10);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 3), 10);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 4), 9);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 39), 1);
	UT_EQ(rd(APIC_REG_TMICT, T0 + 39), 10);
}

static void tmcct_stays_zero_after_one_shot_expiry(void)
{
	setup();
	start_oneshot(50);
	vlapic_expire(&v, T0 + 50);
	for (uint64_t t = T0 + 50; t < T0 + 1000000; t += 99991)
		UT_EQ(rd(APIC_REG_TMCCT, t), 0);
	UT_EQ(rd(APIC_REG_TMICT, T0 + 1000000), 50);
}

static void periodic_reloads_and_fires_every_period(void)
{
	setup();
	start_periodic(1000);
	for (uint32_t i = 1; i <= 10; i++) {
		vlapic_expire(&v, T0 + i * 1000ULL - 1);
		UT_CHECK(!irr(VEC));
		vlapic_expire(&v, T0 + i * 1000ULL);
		UT_CHECK(take(VEC));
		UT_EQ(rd(APIC_REG_TMCCT, T0 + i * 1000ULL), 1000);
	}
	UT_EQ(vlapic_get_timer(&v)->stats.delivered, 10);
}

static void periodic_lands_exactly_after_n_periods_with_fractional_clock(void)
{
	struct vlapic_config cfg;
	uint64_t n;

	/* APIC clock = TSC * 3 / 7: one count at divide 1 is 7/3 ticks. */
	vlapic_config_default(&cfg, 0, true, TSC_KHZ);
	cfg.timer.min_period_tsc = 0;
	cfg.timer.clock_num = 3;
	cfg.timer.clock_den = 7;
	setup_cfg(&cfg);
	start_periodic(1001);	/* period = 7007/3 = 2335.666... ticks */
	for (n = 1; n <= 3000; n++) {
		/* Exact expiry T0 + n * 7007 / 3, rounded up. */
		uint64_t exact = T0 + (n * 7007ULL + 2ULL) / 3ULL;

		if (!UT_CHECK_MSG(vlapic_next_deadline(&v) == exact, "period %llu: %llu vs %llu",
				  (unsigned long long)n,
				  (unsigned long long)vlapic_next_deadline(&v),
				  (unsigned long long)exact))
			break;
		vlapic_expire(&v, exact - 1);
		UT_CHECK(!irr(VEC));
		vlapic_expire(&v, exact);
		UT_CHECK(take(VEC));
	}
}

static void periodic_lands_exactly_with_large_fraction_and_large_tsc(void)
{
	struct vtimer_config c;
	struct vtimer t;
	const uint64_t start = 1ULL << 52;
	const uint32_t num = 1000000007U, den = 1999999973U, tmict = 0xfffffff1U;
	unsigned __int128 period = (unsigned __int128)tmict * 128U * den;

	/* Scaled times near 2^52 * 2^30: the 128-bit division paths. */
	vtimer_config_default(&c, TSC_KHZ);
	c.clock_num = num;
	c.clock_den = den;
	c.min_period_tsc = 0;
	UT_EQ(vtimer_check_config(&c), 0);
	vtimer_init(&t, &c);
	vtimer_write_tdcr(&t, 0xaU, start);		/* divide by 128 */
	vtimer_set_mode(&t, VTIMER_MODE_PERIODIC, start);
	vtimer_write_tmict(&t, tmict, start);
	for (uint64_t n = 1; n <= 200; n++) {
		unsigned __int128 exact = (unsigned __int128)start * num + n * period;
		uint64_t want = (uint64_t)((exact + num - 1U) / num);
		uint64_t half = (uint64_t)(period / num / 2U);

		if (!UT_CHECK_MSG(vtimer_next_deadline(&t) == want, "period %llu",
				  (unsigned long long)n))
			break;
		/* Half-way through, TMCCT reads half the count, rounded up. */
		UT_CHECK(vtimer_read_tmcct(&t, want - half) - tmict / 2U <= 1U);
		UT_EQ(vtimer_expire(&t, want - 1U, false, false), 0);
		UT_EQ(vtimer_expire(&t, want, false, false), 1);
	}
	/* A pause of many periods, counted exactly: deadline 201 is at
	 * start + 201 * period; k deadlines are due at `late`. */
	{
		uint64_t late = vtimer_next_deadline(&t) + (uint64_t)(period / num) * 1000U;
		unsigned __int128 d201 = (unsigned __int128)start * num + 201U * period;
		uint64_t k = (uint64_t)(((unsigned __int128)late * num - d201) / period) + 1U;

		UT_EQ(vtimer_expire(&t, late, false, false), 1);
		UT_EQ(t.stats.due, 200 + k);
		UT_CHECK(k >= 999 && k <= 1001);
	}
}

static void tmict_zero_stops_one_shot(void)
{
	setup();
	start_oneshot(1000);
	wr(APIC_REG_TMICT, 0, T0 + 10);
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 10), 0);
	vlapic_expire(&v, T0 + 10000);
	UT_CHECK(!irr(VEC));
}

static void tmict_zero_stops_periodic(void)
{
	setup();
	start_periodic(1000);
	vlapic_expire(&v, T0 + 1000);
	UT_CHECK(take(VEC));
	wr(APIC_REG_TMICT, 0, T0 + 1500);
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 1500), 0);
	vlapic_expire(&v, T0 + 100000);
	UT_CHECK(!irr(VEC));
}

static void tmict_write_rearms_from_now(void)
{
	setup();
	start_oneshot(1000);
	wr(APIC_REG_TMICT, 300, T0 + 900);
	UT_EQ(vlapic_next_deadline(&v), T0 + 1200);
	vlapic_expire(&v, T0 + 1000);
	UT_CHECK(!irr(VEC));
	vlapic_expire(&v, T0 + 1200);
	UT_CHECK(irr(VEC));
}

static void all_eight_tdcr_values_divide(void)
{
	static const struct { uint32_t tdcr, div; } t[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 },
	};

	setup();
	for (size_t i = 0; i < TV_ARRAY_SIZE(t); i++) {
		uint64_t now = T0 + i * 1000000ULL;

		wr(APIC_REG_TDCR, t[i].tdcr, now);
		UT_EQ(rd(APIC_REG_TDCR, now), t[i].tdcr);
		wr(APIC_REG_LVT_TIMER, VEC, now);
		wr(APIC_REG_TMICT, 7, now);
		UT_EQ(vlapic_next_deadline(&v), now + 7ULL * t[i].div);
		UT_EQ(rd(APIC_REG_TMCCT, now + t[i].div), 6);
		wr(APIC_REG_TMICT, 0, now);
	}
}

static void tdcr_reserved_bit_2_reads_zero(void)
{
	setup();
	wr(APIC_REG_TDCR, 0xffffffffU, T0);
	UT_EQ(rd(APIC_REG_TDCR, T0), 0xb);
}

static void tdcr_change_mid_count_rescales_remaining(void)
{
	setup();
	wr(APIC_REG_TDCR, 0x0U, T0);		/* divide by 2 */
	wr(APIC_REG_LVT_TIMER, VEC, T0);
	wr(APIC_REG_TMICT, 100, T0);		/* deadline T0 + 200 */
	wr(APIC_REG_TDCR, 0x2U, T0 + 100);	/* divide by 8: 100 ticks left -> 400 */
	UT_EQ(vlapic_next_deadline(&v), T0 + 500);
	wr(APIC_REG_TDCR, 0xbU, T0 + 300);	/* divide by 1: 200 left -> 25 */
	UT_EQ(vlapic_next_deadline(&v), T0 + 325);
}

static void tdcr_change_keeps_current_count(void)
{
	setup();
	wr(APIC_REG_TDCR, 0x1U, T0);		/* divide by 4 */
	wr(APIC_REG_LVT_TIMER, VEC, T0);
	wr(APIC_REG_TMICT, 1000, T0);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 400), 900);
	wr(APIC_REG_TDCR, 0x9U, T0 + 400);	/* divide by 64 */
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 400), 900);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 400 + 64), 899);
}

static void tdcr_change_sets_period_for_next_reload(void)
{
	setup();
	start_periodic(100);			/* divide 1 */
	wr(APIC_REG_TDCR, 0x0U, T0 + 50);	/* divide 2: 50 left -> 100 */
	UT_EQ(vlapic_next_deadline(&v), T0 + 150);
	vlapic_expire(&v, T0 + 150);
	UT_CHECK(take(VEC));
	UT_EQ(vlapic_next_deadline(&v), T0 + 350);
}

static void one_shot_to_periodic_keeps_countdown(void)
{
	setup();
	start_oneshot(1000);
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_PERIODIC, T0 + 400);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 400), 600);
	UT_EQ(vlapic_next_deadline(&v), T0 + 1000);
	vlapic_expire(&v, T0 + 1000);
	UT_CHECK(take(VEC));
	/* Now periodic: reloads with TMICT. */
	UT_EQ(vlapic_next_deadline(&v), T0 + 2000);
}

static void periodic_to_one_shot_keeps_countdown_and_stops(void)
{
	setup();
	start_periodic(1000);
	wr(APIC_REG_LVT_TIMER, VEC, T0 + 250);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 250), 750);
	vlapic_expire(&v, T0 + 1000);
	UT_CHECK(take(VEC));
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 1500), 0);
}

static void mode_switch_at_zero_stays_zero(void)
{
	setup();
	start_oneshot(100);
	vlapic_expire(&v, T0 + 100);
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_PERIODIC, T0 + 200);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 200), 0);
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
}

static void entering_tsc_deadline_disarms_and_clears_tmict(void)
{
	setup();
	start_periodic(1000);
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_TSCDEADLINE, T0 + 10);
	UT_EQ(rd(APIC_REG_TMICT, T0 + 10), 0);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 10), 0);
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
	/* Back to periodic: still stopped, TMICT still 0. */
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_PERIODIC, T0 + 20);
	UT_EQ(rd(APIC_REG_TMICT, T0 + 20), 0);
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
}

static void leaving_tsc_deadline_disarms_and_clears_deadline(void)
{
	setup();
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_TSCDEADLINE, T0);
	wrmsr(MSR_IA32_TSC_DEADLINE, T0 + 5000, T0);
	UT_EQ(vlapic_next_deadline(&v), T0 + 5000);
	wr(APIC_REG_LVT_TIMER, VEC, T0 + 10);
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
	UT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE, T0 + 10), 0);
	vlapic_expire(&v, T0 + 6000);
	UT_CHECK(!irr(VEC));
}

static void tmict_write_ignored_in_tsc_deadline_mode(void)
{
	setup();
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_TSCDEADLINE, T0);
	wr(APIC_REG_TMICT, 100, T0);
	UT_EQ(rd(APIC_REG_TMICT, T0), 0);
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
}

static void tmcct_reads_zero_in_tsc_deadline_mode(void)
{
	setup();
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_TSCDEADLINE, T0);
	wrmsr(MSR_IA32_TSC_DEADLINE, T0 + 5000, T0);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 100), 0);
}

static void tsc_deadline_write_ignored_outside_deadline_mode(void)
{
	setup();
	wr(APIC_REG_LVT_TIMER, VEC, T0);
	wrmsr(MSR_IA32_TSC_DEADLINE, T0 + 100, T0);
	UT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE, T0), 0);
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
	vlapic_expire(&v, T0 + 200);
	UT_CHECK(!irr(VEC));
}

static void tsc_deadline_fires_at_deadline_not_before(void)
{
	setup();
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_TSCDEADLINE, T0);
	wrmsr(MSR_IA32_TSC_DEADLINE, T0 + 777, T0);
	UT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE, T0), T0 + 777);
	vlapic_expire(&v, T0 + 776);
	UT_CHECK(!irr(VEC));
	vlapic_expire(&v, T0 + 777);
	UT_CHECK(take(VEC));
}

static void tsc_deadline_zero_disarms(void)
{
	setup();
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_TSCDEADLINE, T0);
	wrmsr(MSR_IA32_TSC_DEADLINE, T0 + 777, T0);
	wrmsr(MSR_IA32_TSC_DEADLINE, 0, T0 + 1);
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
	vlapic_expire(&v, T0 + 1000);
	UT_CHECK(!irr(VEC));
}

static void tsc_deadline_in_past_fires_at_once(void)
{
	struct vlapic_result r;

	setup();
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_TSCDEADLINE, T0);
	r = vlapic_msr_write(&v, MSR_IA32_TSC_DEADLINE, 5, T0);
	UT_EQ(r.status, VLAPIC_OK);
	UT_CHECK(irr(VEC));
	UT_EQ(r.next_deadline, VTIMER_NONE);
}

static void tsc_deadline_reads_zero_after_firing(void)
{
	setup();
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_TSCDEADLINE, T0);
	wrmsr(MSR_IA32_TSC_DEADLINE, T0 + 10, T0);
	UT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE, T0 + 10), 0);
	UT_CHECK(irr(VEC));
}

static void tsc_deadline_rearm_replaces_deadline(void)
{
	setup();
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_TSCDEADLINE, T0);
	wrmsr(MSR_IA32_TSC_DEADLINE, T0 + 10, T0);
	wrmsr(MSR_IA32_TSC_DEADLINE, T0 + 1000, T0 + 5);
	vlapic_expire(&v, T0 + 999);
	UT_CHECK(!irr(VEC));
	vlapic_expire(&v, T0 + 1000);
	UT_CHECK(take(VEC));
	UT_EQ(vlapic_get_timer(&v)->stats.delivered, 1);
}

static void masked_lvtt_counts_and_reloads_but_delivers_nothing(void)
{
	setup();
	wr(APIC_REG_TDCR, 0xbU, T0);
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_PERIODIC | APIC_LVT_MASKED, T0);
	wr(APIC_REG_TMICT, 1000, T0);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 300), 700);
	vlapic_expire(&v, T0 + 1000);
	UT_CHECK(!irr(VEC));
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 1300), 700);
	vlapic_expire(&v, T0 + 3000);
	UT_CHECK(!irr(VEC));
	UT_EQ(vlapic_get_timer(&v)->stats.dropped, 3);
	/* Unmasked, the next reload delivers. */
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_PERIODIC, T0 + 3100);
	vlapic_expire(&v, T0 + 4000);
	UT_CHECK(take(VEC));
}

static void masked_tsc_deadline_fires_without_interrupt(void)
{
	setup();
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_TSCDEADLINE | APIC_LVT_MASKED, T0);
	wrmsr(MSR_IA32_TSC_DEADLINE, T0 + 10, T0);
	vlapic_expire(&v, T0 + 10);
	UT_CHECK(!irr(VEC));
	UT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE, T0 + 10), 0);
}

static void timer_counts_while_software_disabled(void)
{
	setup();
	start_oneshot(1000);
	wr(APIC_REG_SVR, 0xffU, T0 + 100);	/* software disable */
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 500), 500);
	vlapic_expire(&v, T0 + 1000);
	UT_CHECK(!irr(VEC));
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 1000), 0);
}

static void timer_vector_below_16_sets_esr_received_illegal(void)
{
	setup();
	wr(APIC_REG_TDCR, 0xbU, T0);
	wr(APIC_REG_LVT_TIMER, 0x5U, T0);
	wr(APIC_REG_TMICT, 10, T0);
	vlapic_expire(&v, T0 + 10);
	UT_EQ(vlapic_pending_vector(&v), VLAPIC_NO_VECTOR);
	wr(APIC_REG_ESR, 0, T0 + 11);
	UT_EQ(rd(APIC_REG_ESR, T0 + 11), APIC_ESR_RECV_ILLEGAL);
}

static void periodic_below_min_period_is_raised_with_warning(void)
{
	setup_min(200000);
	fake_log_reset();
	start_periodic(1000);
	UT_EQ(vlapic_next_deadline(&v), T0 + 200000);
	UT_CHECK(fake_log_contains("below the minimum period"));
	/* TMCCT still reads at most TMICT. */
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 10), 1000);
	vlapic_expire(&v, T0 + 200000);
	UT_CHECK(take(VEC));
	UT_EQ(vlapic_next_deadline(&v), T0 + 400000);
}

static void one_shot_below_min_period_is_not_raised(void)
{
	setup_min(200000);
	start_oneshot(1000);
	UT_EQ(vlapic_next_deadline(&v), T0 + 1000);
}

static void min_period_default_is_200us_at_tsc_khz(void)
{
	struct vtimer_config c;

	vtimer_config_default(&c, 2500000);	/* 2.5 GHz */
	UT_EQ(c.min_period_tsc, 500000);
	vtimer_config_default(&c, TSC_KHZ);
	UT_EQ(c.min_period_tsc, 200000);
	UT_EQ(c.policy, VTIMER_POLICY_COALESCE);
	UT_EQ(c.clock_num, 1);
	UT_EQ(c.clock_den, 1);
}

static void apic_clock_slower_than_tsc_stretches_counts(void)
{
	struct vlapic_config cfg;

	/* APIC clock = TSC / 4 (e.g. 1 GHz TSC, 250 MHz APIC clock). */
	vlapic_config_default(&cfg, 0, true, TSC_KHZ);
	cfg.timer.min_period_tsc = 0;
	cfg.timer.clock_den = 4;
	setup_cfg(&cfg);
	start_oneshot(100);
	UT_EQ(vlapic_next_deadline(&v), T0 + 400);
	UT_EQ(rd(APIC_REG_TMCCT, T0 + 4), 99);
}

static void config_rejects_clock_faster_than_tsc(void)
{
	struct vtimer_config c;

	vtimer_config_default(&c, TSC_KHZ);
	c.clock_num = 2;
	UT_EQ(vtimer_check_config(&c), -TV_EINVAL);
	c.clock_num = 1;
	c.clock_den = VTIMER_MAX_CLOCK_RATIO + 1U;
	UT_EQ(vtimer_check_config(&c), -TV_EINVAL);
	c.clock_den = 1;
	c.tsc_khz = 0;
	UT_EQ(vtimer_check_config(&c), -TV_EINVAL);
	c.tsc_khz = TSC_KHZ;
	UT_EQ(vtimer_check_config(&c), 0);
}

static void next_deadline_none_when_idle(void)
{
	setup();
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
	UT_EQ(vlapic_expire(&v, T0).next_deadline, VTIMER_NONE);
}

/* Policies, on the vtimer alone: period 100 ticks from 0. */
static struct vtimer pt;

static void policy_setup(enum vtimer_policy policy, uint32_t max_backlog)
{
	struct vtimer_config c;

	vtimer_config_default(&c, TSC_KHZ);
	c.min_period_tsc = 0;
	c.policy = policy;
	c.max_backlog = max_backlog;
	vtimer_init(&pt, &c);
	vtimer_write_tdcr(&pt, 0xbU, 0);
	vtimer_set_mode(&pt, VTIMER_MODE_PERIODIC, 0);
	vtimer_write_tmict(&pt, 100, 0);
}

static bool policy_balanced(void)
{
	const struct vtimer_stats *s = vtimer_get_stats(&pt);

	return s->due == s->delivered + s->merged + s->dropped + vtimer_get_backlog(&pt);
}

static void tmcct_follows_reloads_before_periodic_expiry_runs(void)
{
	policy_setup(VTIMER_POLICY_COALESCE, 1);
	/* No vtimer_expire() yet: the count still reads as reloaded. */
	UT_EQ(vtimer_read_tmcct(&pt, 99), 1);
	UT_EQ(vtimer_read_tmcct(&pt, 100), 100);
	UT_EQ(vtimer_read_tmcct(&pt, 1030), 70);
	UT_EQ(vtimer_read_tmcct(&pt, 1099), 1);
}

static void coalesce_long_pause_raises_one_interrupt(void)
{
	policy_setup(VTIMER_POLICY_COALESCE, 1);
	UT_EQ(vtimer_expire(&pt, 1000000, false, false), 1);
	UT_EQ(vtimer_expire(&pt, 1000000, false, false), 0);
	UT_EQ(pt.stats.due, 10000);
	UT_EQ(pt.stats.delivered, 1);
	UT_EQ(pt.stats.merged, 9999);
	UT_CHECK(policy_balanced());
}

static void coalesce_keeps_grid_after_pause(void)
{
	policy_setup(VTIMER_POLICY_COALESCE, 1);
	UT_EQ(vtimer_expire(&pt, 1050, false, false), 1);
	UT_EQ(vtimer_next_deadline(&pt), 1100);
}

static void coalesce_merges_tick_while_previous_pending(void)
{
	policy_setup(VTIMER_POLICY_COALESCE, 1);
	UT_EQ(vtimer_expire(&pt, 100, false, false), 1);
	UT_EQ(vtimer_expire(&pt, 200, true, false), 0);
	UT_EQ(pt.stats.merged, 1);
	UT_CHECK(policy_balanced());
}

static void delay_delivers_every_missed_tick_after_acks(void)
{
	uint32_t raised;

	policy_setup(VTIMER_POLICY_DELAY, 8);
	raised = vtimer_expire(&pt, 500, false, false);	/* 5 due */
	UT_EQ(raised, 1);
	UT_EQ(vtimer_get_backlog(&pt), 4);
	for (int i = 0; i < 4; i++)
		raised += vtimer_take_backlog(&pt);
	UT_EQ(raised, 5);
	UT_EQ(vtimer_take_backlog(&pt), 0);
	UT_EQ(vtimer_next_deadline(&pt), 600);
	UT_CHECK(policy_balanced());
}

static void delay_backlog_is_bounded(void)
{
	uint32_t raised;

	policy_setup(VTIMER_POLICY_DELAY, 8);
	raised = vtimer_expire(&pt, 100000000, false, false);
	while (vtimer_take_backlog(&pt))
		raised++;
	UT_EQ(raised, 9);
	UT_EQ(pt.stats.dropped, 1000000 - 9);
	UT_CHECK(policy_balanced());
}

static void one_missed_remembers_one_tick(void)
{
	policy_setup(VTIMER_POLICY_ONE_MISSED, 8);
	UT_EQ(vtimer_expire(&pt, 100, false, false), 1);
	UT_EQ(vtimer_expire(&pt, 1000, true, false), 0);	/* 9 due, pending */
	UT_EQ(vtimer_get_backlog(&pt), 1);
	UT_EQ(pt.stats.merged, 8);
	UT_EQ(vtimer_take_backlog(&pt), 1);
	UT_EQ(vtimer_take_backlog(&pt), 0);
	UT_CHECK(policy_balanced());
}

static void drop_resyncs_to_now_after_pause(void)
{
	policy_setup(VTIMER_POLICY_DROP, 1);
	UT_EQ(vtimer_expire(&pt, 1050, false, false), 1);	/* 10 due */
	UT_EQ(pt.stats.dropped, 9);
	UT_EQ(vtimer_next_deadline(&pt), 1150);
	/* A tick served within its period keeps the grid. */
	UT_EQ(vtimer_expire(&pt, 1160, false, false), 1);
	UT_EQ(vtimer_next_deadline(&pt), 1250);
	UT_CHECK(policy_balanced());
}

static void no_policy_storms_after_long_pause(void)
{
	static const enum vtimer_policy pol[] = {
		VTIMER_POLICY_COALESCE, VTIMER_POLICY_DELAY,
		VTIMER_POLICY_ONE_MISSED, VTIMER_POLICY_DROP,
	};

	for (size_t i = 0; i < TV_ARRAY_SIZE(pol); i++) {
		uint32_t raised;

		policy_setup(pol[i], 4);
		/* A pause of 10^9 periods, then the guest runs on. */
		raised = vtimer_expire(&pt, 100000000000ULL, false, false);
		while (vtimer_take_backlog(&pt))
			raised++;
		UT_CHECK_MSG(raised <= 5, "policy %d raised %u", (int)pol[i], raised);
		UT_CHECK(vtimer_next_deadline(&pt) > 100000000000ULL);
		UT_CHECK(policy_balanced());
	}
}

static void save_restore_resumes_countdown_at_later_now(void)
{
	struct vlapic_state s;

	setup();
	start_oneshot(1000);
	vlapic_save(&v, T0 + 400, &s);
	UT_EQ(vlapic_restore(&v, &s, 50000000), 0);
	UT_EQ(rd(APIC_REG_TMCCT, 50000000), 600);
	UT_EQ(vlapic_next_deadline(&v), 50000600);
	vlapic_expire(&v, 50000600);
	UT_CHECK(take(VEC));
}

static void save_restore_periodic_keeps_exact_grid(void)
{
	struct vlapic_config cfg;
	struct vlapic_state s;
	uint64_t gap = 123456789;

	vlapic_config_default(&cfg, 0, true, TSC_KHZ);
	cfg.timer.min_period_tsc = 0;
	cfg.timer.clock_num = 2;
	cfg.timer.clock_den = 3;
	setup_cfg(&cfg);
	start_periodic(1001);			/* period 1501.5 ticks */
	vlapic_expire(&v, T0 + 1502);
	UT_CHECK(take(VEC));
	vlapic_save(&v, T0 + 2000, &s);
	UT_EQ(vlapic_restore(&v, &s, T0 + 2000 + gap), 0);
	/* Deadline 2 at exactly T0 + 3003, shifted by the gap. */
	UT_EQ(vlapic_next_deadline(&v), T0 + 3003 + gap);
	vlapic_expire(&v, T0 + 3003 + gap);
	UT_CHECK(take(VEC));
	/* Deadline 3 at T0 + 4504.5 -> 4505. */
	UT_EQ(vlapic_next_deadline(&v), T0 + 4505 + gap);
}

static void save_restore_tsc_deadline_absolute(void)
{
	struct vlapic_state s;

	setup();
	wr(APIC_REG_LVT_TIMER, VEC | APIC_LVT_TIMER_TSCDEADLINE, T0);
	wrmsr(MSR_IA32_TSC_DEADLINE, T0 + 5000, T0);
	vlapic_save(&v, T0 + 100, &s);
	UT_EQ(vlapic_restore(&v, &s, T0 + 200), 0);
	UT_EQ(rdmsr(MSR_IA32_TSC_DEADLINE, T0 + 200), T0 + 5000);
	UT_EQ(vlapic_next_deadline(&v), T0 + 5000);
}

static void restore_rejects_corrupt_state(void)
{
	struct vlapic_state s, bad;

	setup();
	start_periodic(1000);
	vlapic_save(&v, T0 + 10, &s);
	bad = s;
	bad.timer.mode = 3;
	UT_EQ(vlapic_restore(&v, &bad, T0), -TV_EINVAL);
	UT_EQ(vlapic_next_deadline(&v), VTIMER_NONE);
	bad = s;
	bad.timer.div_shift = 9;
	UT_EQ(vlapic_restore(&v, &bad, T0), -TV_EINVAL);
	bad = s;
	bad.regs[APIC_REG_LVT_TIMER >> 4] |= APIC_LVT_TIMER_TSCDEADLINE;
	UT_EQ(vlapic_restore(&v, &bad, T0), -TV_EINVAL);
	bad = s;
	bad.version = 99;
	UT_EQ(vlapic_restore(&v, &bad, T0), -TV_EINVAL);
	UT_EQ(vlapic_restore(&v, &s, T0), 0);
	UT_EQ(vlapic_next_deadline(&v), T0 + 990);
}

static const struct ut_case cases[] = {
	UT_CASE(one_shot_counts_down_to_zero_and_stops),
	UT_CASE(one_shot_fires_once_not_before_tmict_times_divide),
	UT_CASE(tmcct_counts_down_at_divided_rate),
	UT_CASE(tmcct_stays_zero_after_one_shot_expiry),
	UT_CASE(periodic_reloads_and_fires_every_period),
	UT_CASE(periodic_lands_exactly_after_n_periods_with_fractional_clock),
	UT_CASE(periodic_lands_exactly_with_large_fraction_and_large_tsc),
	UT_CASE(tmict_zero_stops_one_shot),
	UT_CASE(tmict_zero_stops_periodic),
	UT_CASE(tmict_write_rearms_from_now),
	UT_CASE(all_eight_tdcr_values_divide),
	UT_CASE(tdcr_reserved_bit_2_reads_zero),
	UT_CASE(tdcr_change_mid_count_rescales_remaining),
	UT_CASE(tdcr_change_keeps_current_count),
	UT_CASE(tdcr_change_sets_period_for_next_reload),
	UT_CASE(one_shot_to_periodic_keeps_countdown),
	UT_CASE(periodic_to_one_shot_keeps_countdown_and_stops),
	UT_CASE(mode_switch_at_zero_stays_zero),
	UT_CASE(entering_tsc_deadline_disarms_and_clears_tmict),
	UT_CASE(leaving_tsc_deadline_disarms_and_clears_deadline),
	UT_CASE(tmict_write_ignored_in_tsc_deadline_mode),
	UT_CASE(tmcct_reads_zero_in_tsc_deadline_mode),
	UT_CASE(tsc_deadline_write_ignored_outside_deadline_mode),
	UT_CASE(tsc_deadline_fires_at_deadline_not_before),
	UT_CASE(tsc_deadline_zero_disarms),
	UT_CASE(tsc_deadline_in_past_fires_at_once),
	UT_CASE(tsc_deadline_reads_zero_after_firing),
	UT_CASE(tsc_deadline_rearm_replaces_deadline),
	UT_CASE(masked_lvtt_counts_and_reloads_but_delivers_nothing),
	UT_CASE(masked_tsc_deadline_fires_without_interrupt),
	UT_CASE(timer_counts_while_software_disabled),
	UT_CASE(timer_vector_below_16_sets_esr_received_illegal),
	UT_CASE(periodic_below_min_period_is_raised_with_warning),
	UT_CASE(one_shot_below_min_period_is_not_raised),
	UT_CASE(min_period_default_is_200us_at_tsc_khz),
	UT_CASE(apic_clock_slower_than_tsc_stretches_counts),
	UT_CASE(config_rejects_clock_faster_than_tsc),
	UT_CASE(next_deadline_none_when_idle),
	UT_CASE(tmcct_follows_reloads_before_periodic_expiry_runs),
	UT_CASE(coalesce_long_pause_raises_one_interrupt),
	UT_CASE(coalesce_keeps_grid_after_pause),
	UT_CASE(coalesce_merges_tick_while_previous_pending),
	UT_CASE(delay_delivers_every_missed_tick_after_acks),
	UT_CASE(delay_backlog_is_bounded),
	UT_CASE(one_missed_remembers_one_tick),
	UT_CASE(drop_resyncs_to_now_after_pause),
	UT_CASE(no_policy_storms_after_long_pause),
	UT_CASE(save_restore_resumes_countdown_at_later_now),
	UT_CASE(save_restore_periodic_keeps_exact_grid),
	UT_CASE(save_restore_tsc_deadline_absolute),
	UT_CASE(restore_rejects_corrupt_state),
};

UT_MAIN("vtimer", cases)
