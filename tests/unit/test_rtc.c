/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* vmm/rtc: the MC146818A CMOS clock behind ports 0x70/0x71, one behaviour per case. */
#include "harness.h"

#include <string.h>

#include "../../vmm/rtc.h"

#define HZ		50000000ULL	/* Bochs' TSC at ips=50M */
#define Y2K		946684800ULL	/* 2000-01-01 00:00:00, a Saturday */
#define T0		123456789ULL	/* an arbitrary start tick */

static struct vrtc rtc;

static uint8_t rd(uint8_t reg, uint64_t now)
{
	rtc_write(&rtc, false, reg, now);
	return rtc_read(&rtc, true, now);
}

static void wr(uint8_t reg, uint8_t v, uint64_t now)
{
	rtc_write(&rtc, false, reg, now);
	rtc_write(&rtc, true, v, now);
}

static uint8_t bcd(unsigned int v)
{
	return (uint8_t)((v / 10U) << 4 | v % 10U);
}

static void start(uint64_t unix_seconds)
{
	memset(&rtc, 0x5a, sizeof(rtc));
	rtc_init(&rtc, unix_seconds, T0, HZ);
}

static bool time_is(const struct rtc_time *t, unsigned int year, unsigned int month,
		    unsigned int day, unsigned int hour, unsigned int min, unsigned int sec,
		    unsigned int dow)
{
	return t->year == year && t->month == month && t->day == day && t->hour == hour &&
	       t->min == min && t->sec == sec && t->dow == dow;
}

static void unix_time_converts_to_calendar(void)
{
	struct rtc_time t;

	rtc_time_from_unix(0, &t);
	UT_CHECK(time_is(&t, 70, 1, 1, 0, 0, 0, 5));		/* Thursday */
	rtc_time_from_unix(Y2K, &t);
	UT_CHECK(time_is(&t, 0, 1, 1, 0, 0, 0, 7));		/* Saturday */
	rtc_time_from_unix(951782399ULL, &t);
	UT_CHECK(time_is(&t, 0, 2, 28, 23, 59, 59, 2));
	rtc_time_from_unix(951782400ULL, &t);
	UT_CHECK(time_is(&t, 0, 2, 29, 0, 0, 0, 3));		/* 2000 is a leap year */
	rtc_time_from_unix(1700000000ULL, &t);
	UT_CHECK(time_is(&t, 23, 11, 14, 22, 13, 20, 3));
	rtc_time_from_unix(4102444799ULL, &t);
	UT_CHECK(time_is(&t, 99, 12, 31, 23, 59, 59, 5));
}

static void calendar_converts_back_and_refuses_impossible_times(void)
{
	static const uint64_t s[] = { 0, Y2K, 951782400ULL, 978307199ULL, 1700000000ULL,
				      946684799ULL, 86399ULL, 915148799ULL, 3124137599ULL };
	struct rtc_time t;
	uint64_t back;
	unsigned int i;

	for (i = 0; i < TV_ARRAY_SIZE(s); i++) {
		rtc_time_from_unix(s[i], &t);
		UT_CHECK(rtc_time_to_unix(&t, &back));
		UT_EQ(back, s[i]);
	}
	rtc_time_from_unix(Y2K, &t);
	t.month = 2;
	t.day = 30;
	UT_CHECK(!rtc_time_to_unix(&t, &back));
	t.year = 1;
	t.day = 29;				/* 2001 is not a leap year */
	UT_CHECK(!rtc_time_to_unix(&t, &back));
	t.day = 1;
	t.hour = 24;
	UT_CHECK(!rtc_time_to_unix(&t, &back));
	t.hour = 0;
	t.month = 13;
	UT_CHECK(!rtc_time_to_unix(&t, &back));
}

/* Power-up: A 0x26, B 0x02 (24-hour BCD), C clear, D VRT, century 0x20 in 0x32. */
static void power_up_registers(void)
{
	start(Y2K);
	UT_EQ(rd(0x0A, T0), 0x26);
	UT_EQ(rd(0x0B, T0), 0x02);
	UT_EQ(rd(0x0C, T0), 0x00);
	UT_EQ(rd(0x0D, T0), 0x80);
	UT_EQ(rd(0x32, T0), 0x20);
	UT_EQ(rd(0x0E, T0), 0x00);
	UT_EQ(rd(0x7F, T0), 0x00);
	start(915148799ULL);			/* 1998-12-31 23:59:59 */
	UT_EQ(rd(0x32, T0), 0x19);
}

/* The boot time reads back in BCD: 2000-01-01 00:00:00, Saturday. */
static void boot_time_reads_in_bcd(void)
{
	start(1700000000ULL);			/* 2023-11-14 22:13:20, Tuesday */
	UT_EQ(rd(0x00, T0), 0x20);
	UT_EQ(rd(0x02, T0), 0x13);
	UT_EQ(rd(0x04, T0), 0x22);
	UT_EQ(rd(0x06, T0), 0x03);
	UT_EQ(rd(0x07, T0), 0x14);
	UT_EQ(rd(0x08, T0), 0x11);
	UT_EQ(rd(0x09, T0), 0x23);
}

/* One second is exactly HZ ticks after the start: not a tick earlier. */
static void seconds_advance_exactly_with_ticks(void)
{
	unsigned int k;

	start(Y2K);
	UT_EQ(rd(0x00, T0 + HZ - 1U), 0x00);
	UT_EQ(rd(0x00, T0 + HZ), 0x01);
	for (k = 2; k < 200; k++) {
		UT_EQ(rd(0x00, T0 + k * HZ - 1U), bcd((k - 1U) % 60U));
		UT_EQ(rd(0x00, T0 + k * HZ), bcd(k % 60U));
	}
	/* 100 days and 1 second later, far past any 32-bit count. */
	UT_EQ(rd(0x00, T0 + (100ULL * 86400U + 1U) * HZ), 0x01);
	UT_EQ(rd(0x07, T0 + (100ULL * 86400U + 1U) * HZ), 0x10);	/* April 10th */
	UT_EQ(rd(0x08, T0 + (100ULL * 86400U + 1U) * HZ), 0x04);
}

static void rollover_across_year_and_leap_day(void)
{
	start(978307199ULL);			/* 2000-12-31 23:59:59, Sunday */
	UT_EQ(rd(0x09, T0 + HZ), 0x01);
	UT_EQ(rd(0x08, T0 + HZ), 0x01);
	UT_EQ(rd(0x07, T0 + HZ), 0x01);
	UT_EQ(rd(0x04, T0 + HZ), 0x00);
	UT_EQ(rd(0x06, T0 + HZ), 0x02);	/* Monday */
	start(951782399ULL);			/* 2000-02-28 23:59:59 */
	UT_EQ(rd(0x07, T0 + HZ), 0x29);
	UT_EQ(rd(0x08, T0 + HZ), 0x02);
}

/* DM (B bit 2) = 1: every time register reads in binary. */
static void binary_mode_reads_binary(void)
{
	start(1700000000ULL);
	wr(0x0B, 0x06, T0);
	UT_EQ(rd(0x00, T0), 20);
	UT_EQ(rd(0x02, T0), 13);
	UT_EQ(rd(0x04, T0), 22);
	UT_EQ(rd(0x07, T0), 14);
	UT_EQ(rd(0x09, T0), 23);
}

/* 12-hour mode (B bit 1 = 0): 12 AM is 12, PM is bit 7, in BCD and in binary. */
static void twelve_hour_mode_encodes_pm_in_bit7(void)
{
	start(Y2K);				/* 00:00 */
	wr(0x0B, 0x00, T0);
	UT_EQ(rd(0x04, T0), 0x12);
	start(Y2K + 13U * 3600U);
	wr(0x0B, 0x00, T0);
	UT_EQ(rd(0x04, T0), 0x81);
	start(Y2K + 12U * 3600U);
	wr(0x0B, 0x00, T0);
	UT_EQ(rd(0x04, T0), 0x92);
	start(Y2K + 23U * 3600U);
	wr(0x0B, 0x04, T0);			/* binary, 12-hour */
	UT_EQ(rd(0x04, T0), 0x80 | 11U);
	/* A 12-hour write: 0x87 is 7 PM. */
	wr(0x0B, 0x00, T0);
	wr(0x04, 0x87, T0);
	wr(0x0B, 0x02, T0);
	UT_EQ(rd(0x04, T0), 0x19);
}

/* SET halts the updates; the time is written field by field; clearing SET restarts the second. */
static void set_bit_halts_updates_and_time_can_be_written(void)
{
	start(Y2K);
	wr(0x0B, 0x82, T0 + HZ / 2U);		/* SET at 00:00:00.5 */
	UT_EQ(rd(0x00, T0 + 5U * HZ), 0x00);
	wr(0x09, 0x24, T0 + 5U * HZ);
	wr(0x08, 0x02, T0 + 5U * HZ);
	wr(0x07, 0x29, T0 + 5U * HZ);
	wr(0x04, 0x23, T0 + 5U * HZ);
	wr(0x02, 0x59, T0 + 5U * HZ);
	wr(0x00, 0x58, T0 + 5U * HZ);
	UT_EQ(rd(0x00, T0 + 9U * HZ), 0x58);
	wr(0x0B, 0x02, T0 + 10U * HZ);		/* SET cleared at tick T0 + 10 s */
	UT_EQ(rd(0x00, T0 + 11U * HZ - 1U), 0x58);
	UT_EQ(rd(0x00, T0 + 11U * HZ), 0x59);
	UT_EQ(rd(0x00, T0 + 12U * HZ), 0x00);
	UT_EQ(rd(0x07, T0 + 12U * HZ), 0x01);	/* 2024-03-01: 2024 is a leap year */
	UT_EQ(rd(0x08, T0 + 12U * HZ), 0x03);
	UT_EQ(rd(0x09, T0 + 12U * HZ), 0x24);
}

/* Data sheet, Register B: writing SET = 1 clears UIE. */
static void set_bit_clears_uie(void)
{
	start(Y2K);
	wr(0x0B, 0x12, T0);
	UT_EQ(rd(0x0B, T0), 0x12);
	wr(0x0B, 0x92, T0);
	UT_EQ(rd(0x0B, T0), 0x82);
}

/* A write while running keeps the phase: the next update is still on the second. */
static void write_while_running_keeps_phase(void)
{
	start(Y2K);
	wr(0x02, 0x30, T0 + HZ + HZ / 4U);	/* at 00:00:01.25: minutes := 30 */
	UT_EQ(rd(0x00, T0 + 2U * HZ - 1U), 0x01);
	UT_EQ(rd(0x02, T0 + 2U * HZ - 1U), 0x30);
	UT_EQ(rd(0x00, T0 + 2U * HZ), 0x02);
}

/* UIP (A bit 7) is 1 for the 244 us before each update, 0 otherwise and while SET. */
static void uip_set_244us_before_update(void)
{
	uint64_t window = HZ * 244U / 1000000U;

	start(Y2K);
	UT_EQ(rd(0x0A, T0 + HZ - window - 1U) & 0x80U, 0);
	UT_EQ(rd(0x0A, T0 + HZ - window) & 0x80U, 0x80);
	UT_EQ(rd(0x0A, T0 + HZ - 1U) & 0x80U, 0x80);
	UT_EQ(rd(0x0A, T0 + HZ) & 0x80U, 0);
	UT_EQ(rd(0x0A, T0 + HZ - 1U) & 0x7FU, 0x26);
	wr(0x0B, 0x82, T0 + HZ);
	UT_EQ(rd(0x0A, T0 + 2U * HZ - 1U) & 0x80U, 0);
	/* UIP is read-only: writing it changes nothing. */
	wr(0x0A, 0xA6, T0 + 2U * HZ);
	UT_EQ(rd(0x0A, T0 + 2U * HZ), 0x26);
}

/* A divider value other than 010 stops the clock; back at 010 the first update comes 0.5 s later. */
static void divider_reset_stops_and_restarts_half_second_later(void)
{
	start(Y2K);
	wr(0x0A, 0x76, T0 + HZ / 4U);
	UT_EQ(rd(0x00, T0 + 5U * HZ), 0x00);
	UT_EQ(rd(0x0A, T0 + 5U * HZ), 0x76);
	wr(0x0A, 0x26, T0 + 5U * HZ);
	UT_EQ(rd(0x00, T0 + 5U * HZ + HZ / 2U - 1U), 0x00);
	UT_EQ(rd(0x00, T0 + 5U * HZ + HZ / 2U), 0x01);
}

/* UF after an update; reading C returns and clears; IRQF only with UIE. */
static void update_flag_set_and_cleared_by_read(void)
{
	start(Y2K);
	/* PF (bit 6) comes at 1024 Hz meanwhile, without PIE: masked out here. */
	UT_EQ(rd(0x0C, T0 + HZ - 1U) & 0xB0U, 0);
	UT_EQ(rd(0x0C, T0 + HZ) & 0xB0U, 0x10);	/* UF, no IRQF: UIE is 0 */
	UT_EQ(rd(0x0C, T0 + HZ), 0x00);		/* cleared by the read */
	wr(0x0B, 0x12, T0 + HZ);		/* UIE */
	UT_EQ(rd(0x0C, T0 + 2U * HZ) & 0xB0U, 0x90);	/* UF | IRQF */
	UT_EQ(rd(0x0C, T0 + 2U * HZ), 0x00);
	/* While SET halts the updates no UF comes. */
	wr(0x0B, 0x82, T0 + 2U * HZ);
	UT_EQ(rd(0x0C, T0 + 10U * HZ) & 0x10U, 0);
}

/* AF when the time matches the alarm (0xC0-0xFF = any); IRQF with AIE. */
static void alarm_flag_on_match(void)
{
	start(Y2K);
	wr(0x01, 0x05, T0);
	wr(0x03, 0x00, T0);
	wr(0x05, 0x00, T0);
	UT_EQ(rd(0x01, T0), 0x05);
	UT_EQ(rd(0x0C, T0 + 4U * HZ) & 0x20U, 0);
	UT_EQ(rd(0x0C, T0 + 5U * HZ) & 0x20U, 0x20);
	UT_EQ(rd(0x0C, T0 + 6U * HZ) & 0x20U, 0);
	/* Every second matches 0xFF/0xC0/0xC0; with AIE it sets IRQF. */
	wr(0x01, 0xFF, T0 + 6U * HZ);
	wr(0x03, 0xC0, T0 + 6U * HZ);
	wr(0x05, 0xC0, T0 + 6U * HZ);
	wr(0x0B, 0x22, T0 + 6U * HZ);
	UT_EQ(rd(0x0C, T0 + 7U * HZ) & 0xB0U, 0xB0);	/* IRQF | AF | UF */
	/* A daily alarm 01:00:00 is found across a two-day gap. */
	start(Y2K);
	wr(0x01, 0x00, T0);
	wr(0x03, 0x00, T0);
	wr(0x05, 0x01, T0);
	UT_EQ(rd(0x0C, T0 + 2U * 86400U * HZ) & 0x20U, 0x20);
	/* An alarm no time can match (minute 0x61) never fires. */
	wr(0x03, 0x61, T0 + 2U * 86400U * HZ);
	UT_EQ(rd(0x0C, T0 + 4U * 86400U * HZ) & 0x20U, 0);
}

/* PF at the periodic rate while the divider runs (even with SET); none at rate 0. */
static void periodic_flag_at_rate(void)
{
	uint64_t period = (HZ << 6) >> 16;	/* rate 6: 1024 Hz */

	start(Y2K);
	UT_EQ(rd(0x0C, T0 + period - 1U) & 0x40U, 0);
	UT_EQ(rd(0x0C, T0 + period) & 0x40U, 0x40);
	wr(0x0B, 0xC2, T0 + period);		/* SET and PIE */
	UT_EQ(rd(0x0C, T0 + 2U * period), 0xC0);	/* IRQF | PF */
	wr(0x0A, 0x20, T0 + 2U * period);	/* rate 0: no periodic flag */
	UT_EQ(rd(0x0C, T0 + 100U * period) & 0x40U, 0);
	wr(0x0A, 0x2F, T0 + 100U * period);	/* rate 15: 2 Hz */
	UT_EQ(rd(0x0C, T0 + 100U * period + HZ / 2U) & 0x40U, 0x40);
}

/* 0x0E-0x7F are 114 bytes of RAM; the index is 7 bits; C and D ignore writes. */
static void nvram_reads_back_and_c_d_are_read_only(void)
{
	unsigned int reg;

	start(Y2K);
	for (reg = 0x0E; reg < 0x80; reg++)
		wr((uint8_t)reg, (uint8_t)(reg ^ 0xA5U), T0);
	for (reg = 0x0E; reg < 0x80; reg++)
		UT_EQ(rd((uint8_t)reg, T0), reg ^ 0xA5U);
	UT_EQ(rd(0x80 | 0x40, T0), 0x40 ^ 0xA5);	/* bit 7 is NMI disable, not index */
	UT_CHECK(rtc_is_nmi_disabled(&rtc));
	wr(0x0D, 0x00, T0);
	UT_EQ(rd(0x0D, T0), 0x80);
	wr(0x0C, 0xF0, T0);
	UT_EQ(rd(0x0C, T0), 0x00);
	UT_EQ(rtc_read(&rtc, false, T0), 0xFF);	/* port 0x70 reads all-ones */
}

/* An impossible time is kept as written and does not advance. */
static void impossible_time_is_kept(void)
{
	start(Y2K);
	wr(0x02, 0x61, T0);
	UT_EQ(rd(0x02, T0 + 10U * HZ), 0x61);
	UT_EQ(rd(0x00, T0 + 10U * HZ), 0x00);
	wr(0x02, 0x10, T0 + 10U * HZ);	/* valid again: runs from here */
	UT_EQ(rd(0x00, T0 + 11U * HZ), 0x01);
}

/* A zero rate (vio before vio_start_rtc) is a stopped clock, not a division by zero. */
static void zero_rate_clock_stands_still(void)
{
	memset(&rtc, 0, sizeof(rtc));
	rtc_init(&rtc, Y2K, 0, 0);
	UT_EQ(rd(0x00, 1ULL << 50), 0x00);
	UT_EQ(rd(0x0A, 1ULL << 50), 0x26);
	UT_EQ(rd(0x0C, 1ULL << 50), 0x00);
}

static const struct ut_case cases[] = {
	UT_CASE(unix_time_converts_to_calendar),
	UT_CASE(calendar_converts_back_and_refuses_impossible_times),
	UT_CASE(power_up_registers),
	UT_CASE(boot_time_reads_in_bcd),
	UT_CASE(seconds_advance_exactly_with_ticks),
	UT_CASE(rollover_across_year_and_leap_day),
	UT_CASE(binary_mode_reads_binary),
	UT_CASE(twelve_hour_mode_encodes_pm_in_bit7),
	UT_CASE(set_bit_halts_updates_and_time_can_be_written),
	UT_CASE(set_bit_clears_uie),
	UT_CASE(write_while_running_keeps_phase),
	UT_CASE(uip_set_244us_before_update),
	UT_CASE(divider_reset_stops_and_restarts_half_second_later),
	UT_CASE(update_flag_set_and_cleared_by_read),
	UT_CASE(alarm_flag_on_match),
	UT_CASE(periodic_flag_at_rate),
	UT_CASE(nvram_reads_back_and_c_d_are_read_only),
	UT_CASE(impossible_time_is_kept),
	UT_CASE(zero_rate_clock_stands_still),
};

UT_MAIN("rtc", cases)
