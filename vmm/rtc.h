/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The guest's CMOS real-time clock: a Motorola MC146818A behind the PC/AT
 * index port 0x70 and data port 0x71, as pure C.  Time is an argument: every
 * entry point takes `now` in ticks of one counter that runs at tsc_hz (vmm/
 * passes the host TSC at the exit, which is the guest's TSC minus its offset,
 * so the clock follows the VM's time and a guest write to IA32_TSC does not
 * move it).  No clock reads, no globals, no hardware access: the host tests
 * run it unchanged.  One struct vrtc per VM, inside struct vio_state.
 *
 * What is modelled (MC146818A data sheet, and "Real-Time Clock" in the
 * PC/AT technical reference for the port pair), each choice tested in
 * tests/unit/test_rtc.c:
 *
 *   0x70 write   bits 6:0 select the register, bit 7 is the NMI-disable
 *                latch: kept (rtc_is_nmi_disabled()), but there is no NMI
 *                source to gate.  Reads of 0x70 return 0xFF (the port is
 *                write-only on the PC/AT).
 *   0x00-0x09    seconds, alarm seconds, minutes, alarm minutes, hours,
 *                alarm hours, day of week (1 = Sunday), day of month, month,
 *                year (00-99).  BCD or binary per register B bit 2 (DM), 24-
 *                or 12-hour per register B bit 1 (12-hour: bit 7 of the hour
 *                is PM), both for reads and for writes, as the chip does:
 *                changing DM or 24/12 does not convert what is stored, the
 *                next write must be in the new format.  The time advances
 *                exactly once per tsc_hz ticks: seconds = (now - base) /
 *                tsc_hz.  The year's leap rule is the chip's (every fourth
 *                year): right from 1901 to 2099.
 *   0x0A (A)     bit 7 UIP reads 1 during the 244 us before each update
 *                (the update itself takes no time here); bits 6:4 the
 *                divider: 010 runs the clock, any other value stops it, and
 *                going back to 010 brings the first update half a second
 *                later; bits 3:0 the periodic rate.
 *   0x0B (B)     bit 7 SET halts the updates (the time can then be written
 *                field by field; clearing SET restarts the second at 0) and
 *                clears UIE; PIE, AIE, UIE, SQWE, DM, 24/12, DSE are kept
 *                (DSE, daylight saving, has no effect here).
 *   0x0C (C)     IRQF (7), PF (6), AF (5), UF (4): PF at each periodic tick
 *                while the divider runs, UF at each update, AF at an update
 *                whose seconds, minutes and hours match the alarm (alarm
 *                bytes 0xC0-0xFF match anything).  IRQF is set when a flag
 *                meets its enable bit.  Reading C returns the flags and
 *                clears them.  No interrupt is raised: tickvisor emulates no
 *                I/O APIC and no 8259 delivery, so IRQ 8 has nowhere to go;
 *                a guest sees the flags only by reading C.
 *   0x0D (D)     reads 0x80 (VRT: the battery is good); writes ignored.
 *   0x0E-0x7F    114 bytes of NVRAM, read/write.  0x32 holds the century
 *                in BCD at start (the PC/AT convention); the clock does not
 *                update it.
 *
 * Deviations: the update cycle is instantaneous (no 1984 us window with
 * the time registers inaccessible); a time written with an impossible value
 * (minute 61, 30 February) is stored and read back but does not advance;
 * periodic ticks are counted in whole ticks of tsc_hz * 2^rate / 65536.
 */
#ifndef TV_VMM_RTC_H
#define TV_VMM_RTC_H

#include <tv/types.h>

#define RTC_INDEX_PORT		0x70U
#define RTC_DATA_PORT		0x71U
#define RTC_NVRAM_SIZE		128U
#define RTC_REG_CENTURY		0x32U

/* A time of day in binary, 24-hour: the chip's fields without their format. */
struct rtc_time {
	uint8_t sec;
	uint8_t min;
	uint8_t hour;
	uint8_t dow;		/* 1 = Sunday ... 7 = Saturday */
	uint8_t day;		/* 1-31 */
	uint8_t month;		/* 1-12 */
	uint8_t year;		/* 0-99 */
};

struct vrtc {
	uint8_t index;		/* register selected through port 0x70 */
	bool nmi_disabled;	/* bit 7 of the last write to port 0x70 */
	uint8_t reg_a;		/* bits 6:0 (UIP is computed) */
	uint8_t reg_b;
	uint8_t flags;		/* C bits 6:4 accumulated since the last read of C */
	uint8_t alarm[3];	/* registers 1, 3, 5 as written */
	uint8_t nvram[RTC_NVRAM_SIZE];	/* 0x0E-0x7F used */
	uint64_t tsc_hz;
	struct rtc_time base;	/* the time at base_tick (or frozen, when halted) */
	uint64_t base_tick;	/* updates happen at base_tick + k * tsc_hz, k >= 1 */
	uint64_t div_tick;	/* periodic ticks count from here */
	uint64_t seen_tick;	/* events up to here are in flags */
};

/*
 * @brief Power the clock up: running, 24-hour BCD (B = 0x02), A = 0x26
 *        (divider running, 1024 Hz periodic rate), flags clear, NVRAM 0
 *        except the century byte.
 * @param unix_seconds the time to start from, in seconds since
 *        1970-01-01 00:00:00 (vmm/ reads the host's CMOS clock).
 * @param now the tick at which that time held.
 * @param tsc_hz ticks per second; 0 leaves the clock stopped.
 */
void rtc_init(struct vrtc *r, uint64_t unix_seconds, uint64_t now, uint64_t tsc_hz);

/* @brief A byte written to port 0x70 (is_data false) or 0x71 (true). */
void rtc_write(struct vrtc *r, bool is_data, uint8_t v, uint64_t now);
/* @brief A byte read from port 0x70 (0xFF) or 0x71 (the selected register). */
uint8_t rtc_read(struct vrtc *r, bool is_data, uint64_t now);

static inline bool rtc_is_nmi_disabled(const struct vrtc *r)
{
	return r->nmi_disabled;
}

/* @brief The calendar time of unix_seconds (1970-2099), day of week included. */
void rtc_time_from_unix(uint64_t unix_seconds, struct rtc_time *t);
/* @brief Seconds since 1970 of t (year 70-99 is 19xx, 0-69 is 20xx); false if t is impossible. */
bool rtc_time_to_unix(const struct rtc_time *t, uint64_t *unix_seconds);

#endif /* TV_VMM_RTC_H */
