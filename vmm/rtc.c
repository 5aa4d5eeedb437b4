/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "rtc.h"

#include <tv/string.h>

/* MC146818A register numbers and bits (data sheet, "Register A" to "Register D"). */
#define RTC_SEC			0x00U
#define RTC_SEC_ALARM		0x01U
#define RTC_MIN			0x02U
#define RTC_MIN_ALARM		0x03U
#define RTC_HOUR		0x04U
#define RTC_HOUR_ALARM		0x05U
#define RTC_DOW			0x06U
#define RTC_DAY			0x07U
#define RTC_MONTH		0x08U
#define RTC_YEAR		0x09U
#define RTC_REG_A		0x0AU
#define RTC_REG_B		0x0BU
#define RTC_REG_C		0x0CU
#define RTC_REG_D		0x0DU
#define RTC_NVRAM_FIRST		0x0EU

#define RTC_A_UIP		0x80U
#define RTC_A_DV_MASK		0x70U
#define RTC_A_DV_NORMAL		0x20U	/* 32.768 kHz time base, divider running */
#define RTC_A_RS_MASK		0x0FU
#define RTC_B_SET		0x80U
#define RTC_B_PIE		0x40U
#define RTC_B_AIE		0x20U
#define RTC_B_UIE		0x10U
#define RTC_B_DM_BINARY		0x04U
#define RTC_B_24H		0x02U
#define RTC_C_IRQF		0x80U
#define RTC_C_PF		0x40U
#define RTC_C_AF		0x20U
#define RTC_C_UF		0x10U
#define RTC_D_VRT		0x80U
#define RTC_HOUR_PM		0x80U
#define RTC_ALARM_DONT_CARE	0xC0U

#define RTC_UIP_US		244U
#define RTC_SECONDS_PER_DAY	86400U

static bool rtc_is_leap(unsigned int year)
{
	return (year % 4U == 0U && year % 100U != 0U) || year % 400U == 0U;
}

static unsigned int rtc_days_in_month(unsigned int year, unsigned int month)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return month == 2U && rtc_is_leap(year) ? 29U : days[month - 1U];
}

static unsigned int rtc_full_year(uint8_t yy)
{
	return yy < 70U ? 2000U + yy : 1900U + yy;
}

void rtc_time_from_unix(uint64_t unix_seconds, struct rtc_time *t)
{
	uint64_t days = unix_seconds / RTC_SECONDS_PER_DAY;
	unsigned int rem = (unsigned int)(unix_seconds % RTC_SECONDS_PER_DAY);
	unsigned int year = 1970U, month = 1U;

	t->sec = (uint8_t)(rem % 60U);
	t->min = (uint8_t)(rem / 60U % 60U);
	t->hour = (uint8_t)(rem / 3600U);
	/* 1970-01-01 was a Thursday, day 5 when Sunday is 1. */
	t->dow = (uint8_t)((days + 4U) % 7U + 1U);
	while (days >= (rtc_is_leap(year) ? 366U : 365U)) {
		days -= rtc_is_leap(year) ? 366U : 365U;
		year++;
	}
	while (days >= rtc_days_in_month(year, month)) {
		days -= rtc_days_in_month(year, month);
		month++;
	}
	t->day = (uint8_t)(days + 1U);
	t->month = (uint8_t)month;
	t->year = (uint8_t)(year % 100U);
}

bool rtc_time_to_unix(const struct rtc_time *t, uint64_t *unix_seconds)
{
	unsigned int year = rtc_full_year(t->year), y, m;
	uint64_t days = 0;

	if (t->year > 99U || t->month < 1U || t->month > 12U || t->day < 1U ||
	    t->day > rtc_days_in_month(year, t->month) || t->hour > 23U || t->min > 59U ||
	    t->sec > 59U)
		return false;
	for (y = 1970U; y < year; y++)
		days += rtc_is_leap(y) ? 366U : 365U;
	for (m = 1U; m < t->month; m++)
		days += rtc_days_in_month(year, m);
	days += t->day - 1U;
	*unix_seconds = days * RTC_SECONDS_PER_DAY + t->hour * 3600U + t->min * 60U + t->sec;
	return true;
}

/* ---- register formats ----------------------------------------------- */

static bool rtc_is_binary(const struct vrtc *r)
{
	return (r->reg_b & RTC_B_DM_BINARY) != 0;
}

static uint8_t rtc_encode(const struct vrtc *r, uint8_t v)
{
	return rtc_is_binary(r) ? v : (uint8_t)((v / 10U) << 4 | v % 10U);
}

/* A BCD byte with a nibble above 9 decodes to a value out of range: kept, never advanced. */
static uint8_t rtc_decode(const struct vrtc *r, uint8_t v)
{
	return rtc_is_binary(r) ? v : (uint8_t)((v >> 4) * 10U + (v & 0x0FU));
}

static uint8_t rtc_encode_hour(const struct vrtc *r, uint8_t h24)
{
	uint8_t h12;

	if (r->reg_b & RTC_B_24H)
		return rtc_encode(r, h24);
	/* 12-hour mode: 0 is 12 AM, 12 is 12 PM, PM in bit 7 (data sheet, Table 3). */
	h12 = h24 % 12U == 0U ? 12U : h24 % 12U;
	return (uint8_t)(rtc_encode(r, h12) | (h24 >= 12U ? RTC_HOUR_PM : 0U));
}

static uint8_t rtc_decode_hour(const struct vrtc *r, uint8_t v)
{
	uint8_t h;

	if (r->reg_b & RTC_B_24H)
		return rtc_decode(r, v);
	h = rtc_decode(r, v & (uint8_t)~RTC_HOUR_PM);
	if (h > 12U)
		return (uint8_t)(h + 12U);	/* impossible in 12-hour mode: kept out of range */
	return (uint8_t)(h % 12U + ((v & RTC_HOUR_PM) ? 12U : 0U));
}

/* ---- time ------------------------------------------------------------ */

static bool rtc_is_divider_running(const struct vrtc *r)
{
	return (r->reg_a & RTC_A_DV_MASK) == RTC_A_DV_NORMAL && r->tsc_hz != 0;
}

/* Updates happen while the divider runs and SET is clear. */
static bool rtc_is_updating(const struct vrtc *r)
{
	return rtc_is_divider_running(r) && !(r->reg_b & RTC_B_SET);
}

/* base advanced by `seconds` whole seconds; an impossible base stays as it is. */
static void rtc_advance(const struct vrtc *r, uint64_t seconds, struct rtc_time *t)
{
	uint64_t s;
	uint8_t dow = r->base.dow;

	*t = r->base;
	if (seconds == 0 || !rtc_time_to_unix(&r->base, &s))
		return;
	rtc_time_from_unix(s + seconds, t);
	/*
	 * The day of week is a counter of its own (1-7, advanced at midnight),
	 * not derived from the date: a guest may have set it to anything.
	 */
	if (dow >= 1U && dow <= 7U)
		t->dow = (uint8_t)((dow - 1U + ((s % RTC_SECONDS_PER_DAY) + seconds) /
				    RTC_SECONDS_PER_DAY) % 7U + 1U);
	else
		t->dow = dow;
}

static uint64_t rtc_updates_by(const struct vrtc *r, uint64_t tick)
{
	return tick > r->base_tick ? (tick - r->base_tick) / r->tsc_hz : 0U;
}

static void rtc_now(const struct vrtc *r, uint64_t now, struct rtc_time *t)
{
	if (!rtc_is_updating(r)) {
		*t = r->base;
		return;
	}
	rtc_advance(r, rtc_updates_by(r, now), t);
}

static bool rtc_alarm_matches(const struct vrtc *r, const struct rtc_time *t)
{
	uint8_t now[3] = { rtc_encode(r, t->sec), rtc_encode(r, t->min),
			   rtc_encode_hour(r, t->hour) };
	unsigned int i;

	for (i = 0; i < 3U; i++)
		if ((r->alarm[i] & RTC_ALARM_DONT_CARE) != RTC_ALARM_DONT_CARE &&
		    r->alarm[i] != now[i])
			return false;
	return true;
}

static uint64_t rtc_periodic_ticks(const struct vrtc *r)
{
	unsigned int rs = r->reg_a & RTC_A_RS_MASK;

	if (rs == 0U)
		return 0;
	/* Rates 1 and 2 repeat rates 8 and 9 (256 and 128 Hz) with a 32.768 kHz base. */
	if (rs < 3U)
		rs += 7U;
	/* Period 2^rs / 65536 s, in whole ticks; at least one. */
	return TV_MAX((r->tsc_hz << rs) >> 16, 1ULL);
}

/* Raise the C flags for every event in (seen_tick, now]. */
static void rtc_catch_up(struct vrtc *r, uint64_t now)
{
	uint64_t from, to, k, period;
	struct rtc_time t;

	if (now <= r->seen_tick)
		return;
	if (rtc_is_divider_running(r)) {
		period = rtc_periodic_ticks(r);
		if (period && (now - r->div_tick) / period >
			      (r->seen_tick > r->div_tick ? (r->seen_tick - r->div_tick) / period : 0U))
			r->flags |= RTC_C_PF;
	}
	if (rtc_is_updating(r)) {
		from = rtc_updates_by(r, r->seen_tick);
		to = rtc_updates_by(r, now);
		if (to > from)
			r->flags |= RTC_C_UF;
		/* A day holds every time of day: older updates cannot match anything new. */
		if (to - from > RTC_SECONDS_PER_DAY)
			from = to - RTC_SECONDS_PER_DAY;
		for (k = from + 1U; k <= to && !(r->flags & RTC_C_AF); k++) {
			rtc_advance(r, k, &t);
			if (rtc_alarm_matches(r, &t))
				r->flags |= RTC_C_AF;
		}
	}
	r->seen_tick = now;
}

/*
 * Move base up to now (to the last update at or before it, so the phase of
 * the second is kept): done before anything that changes the time or
 * whether it runs.
 */
static void rtc_rebase(struct vrtc *r, uint64_t now)
{
	struct rtc_time t;

	rtc_now(r, now, &t);
	if (rtc_is_updating(r) && now > r->base_tick)
		r->base_tick = now - (now - r->base_tick) % r->tsc_hz;
	r->base = t;
}

static bool rtc_is_uip(const struct vrtc *r, uint64_t now)
{
	uint64_t window = r->tsc_hz * RTC_UIP_US / 1000000U;

	return rtc_is_updating(r) && (now - r->base_tick) % r->tsc_hz >= r->tsc_hz - window;
}

/* ---- registers -------------------------------------------------------- */

static void rtc_write_b(struct vrtc *r, uint8_t v, uint64_t now)
{
	bool was_updating = rtc_is_updating(r);

	rtc_rebase(r, now);
	/* Data sheet, Register B: "UIE is cleared when SET is written to 1". */
	if (v & RTC_B_SET)
		v &= (uint8_t)~RTC_B_UIE;
	r->reg_b = v;
	if (!was_updating && rtc_is_updating(r))
		r->base_tick = now;	/* SET cleared: the next update is one second away */
}

static void rtc_write_a(struct vrtc *r, uint8_t v, uint64_t now)
{
	bool was_running = rtc_is_divider_running(r);
	bool was_updating = rtc_is_updating(r);

	rtc_rebase(r, now);
	r->reg_a = v & (uint8_t)~RTC_A_UIP;
	if (!was_running && rtc_is_divider_running(r)) {
		/* Data sheet, Register A: the first update comes half a second after the reset ends. */
		r->div_tick = now;
		r->base_tick = now - r->tsc_hz / 2U;
	} else if (!was_updating && rtc_is_updating(r)) {
		r->base_tick = now;
	}
}

static void rtc_write_time(struct vrtc *r, uint8_t reg, uint8_t v, uint64_t now)
{
	struct rtc_time t;

	rtc_rebase(r, now);
	t = r->base;
	switch (reg) {
	case RTC_SEC:
		t.sec = rtc_decode(r, v);
		break;
	case RTC_MIN:
		t.min = rtc_decode(r, v);
		break;
	case RTC_HOUR:
		t.hour = rtc_decode_hour(r, v);
		break;
	case RTC_DOW:
		t.dow = rtc_decode(r, v);
		break;
	case RTC_DAY:
		t.day = rtc_decode(r, v);
		break;
	case RTC_MONTH:
		t.month = rtc_decode(r, v);
		break;
	default:
		t.year = rtc_decode(r, v);
		break;
	}
	r->base = t;
}

static uint8_t rtc_read_reg(struct vrtc *r, uint8_t reg, uint64_t now)
{
	struct rtc_time t;
	uint8_t c;

	switch (reg) {
	case RTC_SEC_ALARM:
		return r->alarm[0];
	case RTC_MIN_ALARM:
		return r->alarm[1];
	case RTC_HOUR_ALARM:
		return r->alarm[2];
	case RTC_REG_A:
		return (uint8_t)(r->reg_a | (rtc_is_uip(r, now) ? RTC_A_UIP : 0U));
	case RTC_REG_B:
		return r->reg_b;
	case RTC_REG_C:
		c = r->flags;
		if (((c & RTC_C_PF) && (r->reg_b & RTC_B_PIE)) ||
		    ((c & RTC_C_AF) && (r->reg_b & RTC_B_AIE)) ||
		    ((c & RTC_C_UF) && (r->reg_b & RTC_B_UIE)))
			c |= RTC_C_IRQF;
		r->flags = 0;
		return c;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		break;
	}
	if (reg >= RTC_NVRAM_FIRST)
		return r->nvram[reg];
	rtc_now(r, now, &t);
	switch (reg) {
	case RTC_SEC:
		return rtc_encode(r, t.sec);
	case RTC_MIN:
		return rtc_encode(r, t.min);
	case RTC_HOUR:
		return rtc_encode_hour(r, t.hour);
	case RTC_DOW:
		return rtc_encode(r, t.dow);
	case RTC_DAY:
		return rtc_encode(r, t.day);
	case RTC_MONTH:
		return rtc_encode(r, t.month);
	default:
		return rtc_encode(r, t.year);
	}
}

static void rtc_write_reg(struct vrtc *r, uint8_t reg, uint8_t v, uint64_t now)
{
	switch (reg) {
	case RTC_SEC_ALARM:
		r->alarm[0] = v;
		return;
	case RTC_MIN_ALARM:
		r->alarm[1] = v;
		return;
	case RTC_HOUR_ALARM:
		r->alarm[2] = v;
		return;
	case RTC_REG_A:
		rtc_write_a(r, v, now);
		return;
	case RTC_REG_B:
		rtc_write_b(r, v, now);
		return;
	case RTC_REG_C:
	case RTC_REG_D:
		return;		/* read-only */
	default:
		break;
	}
	if (reg >= RTC_NVRAM_FIRST)
		r->nvram[reg] = v;
	else
		rtc_write_time(r, reg, v, now);
}

/* ---- public ------------------------------------------------------------ */

void rtc_init(struct vrtc *r, uint64_t unix_seconds, uint64_t now, uint64_t tsc_hz)
{
	unsigned int century;

	tv_memset(r, 0, sizeof(*r));
	r->tsc_hz = tsc_hz;
	r->reg_a = RTC_A_DV_NORMAL | 0x06U;
	r->reg_b = RTC_B_24H;
	rtc_time_from_unix(unix_seconds, &r->base);
	r->base_tick = now;
	r->div_tick = now;
	r->seen_tick = now;
	century = rtc_full_year(r->base.year) / 100U;
	r->nvram[RTC_REG_CENTURY] = (uint8_t)((century / 10U) << 4 | century % 10U);
}

void rtc_write(struct vrtc *r, bool is_data, uint8_t v, uint64_t now)
{
	if (!is_data) {
		r->index = v & 0x7FU;
		r->nmi_disabled = (v & 0x80U) != 0;
		return;
	}
	rtc_catch_up(r, now);
	rtc_write_reg(r, r->index, v, now);
}

uint8_t rtc_read(struct vrtc *r, bool is_data, uint64_t now)
{
	if (!is_data)
		return 0xFF;
	rtc_catch_up(r, now);
	return rtc_read_reg(r, r->index, now);
}
