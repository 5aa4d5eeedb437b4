/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "hostrtc: "

#include "hostrtc.h"

#include <tv/log.h>
#include <x86/cpu.h>

#include "../vmm/rtc.h"

#define HOSTRTC_UIP		0x80U
#define HOSTRTC_B_BINARY	0x04U
#define HOSTRTC_B_24H		0x02U
#define HOSTRTC_PM		0x80U
#define HOSTRTC_TRIES		1000000U

/* Keep the host's NMI-disable bit clear, as firmware leaves it. */
static uint8_t hostrtc_reg(uint8_t reg)
{
	cpu_outb(RTC_INDEX_PORT, reg);
	return cpu_inb(RTC_DATA_PORT);
}

static uint8_t hostrtc_bin(uint8_t v, bool is_binary)
{
	return is_binary ? v : (uint8_t)((v >> 4) * 10U + (v & 0x0FU));
}

static void hostrtc_snapshot(struct rtc_time *t, uint8_t b)
{
	bool bin = (b & HOSTRTC_B_BINARY) != 0;
	uint8_t h = hostrtc_reg(0x04);

	t->sec = hostrtc_bin(hostrtc_reg(0x00), bin);
	t->min = hostrtc_bin(hostrtc_reg(0x02), bin);
	t->hour = hostrtc_bin(h & (uint8_t)~HOSTRTC_PM, bin);
	if (!(b & HOSTRTC_B_24H))
		t->hour = (uint8_t)(t->hour % 12U + ((h & HOSTRTC_PM) ? 12U : 0U));
	t->dow = hostrtc_bin(hostrtc_reg(0x06), bin);
	t->day = hostrtc_bin(hostrtc_reg(0x07), bin);
	t->month = hostrtc_bin(hostrtc_reg(0x08), bin);
	t->year = hostrtc_bin(hostrtc_reg(0x09), bin);
}

uint64_t hostrtc_read_unix(uint64_t *tsc)
{
	struct rtc_time a, b;
	uint64_t s = 0;
	unsigned int i;
	uint8_t reg_b = hostrtc_reg(0x0B);

	/*
	 * MC146818A data sheet: the time registers are stable while UIP is 0
	 * (an update starts at least 244 us after UIP was seen clear).  Read
	 * twice and accept two equal snapshots, as firmware does.
	 */
	for (i = 0; i < HOSTRTC_TRIES && (hostrtc_reg(0x0A) & HOSTRTC_UIP); i++)
		;
	*tsc = cpu_rdtsc();
	hostrtc_snapshot(&a, reg_b);
	for (i = 0; i < 4U; i++) {
		hostrtc_snapshot(&b, reg_b);
		if (a.sec == b.sec && a.min == b.min && a.hour == b.hour && a.day == b.day &&
		    a.month == b.month && a.year == b.year)
			break;
		*tsc = cpu_rdtsc();
		a = b;
	}
	if (!rtc_time_to_unix(&a, &s))
		pr_warn("host CMOS time %02u-%02u-%02u %02u:%02u:%02u is impossible: guests "
			"start at 1970-01-01\n", a.year, a.month, a.day, a.hour, a.min, a.sec);
	return s;
}
