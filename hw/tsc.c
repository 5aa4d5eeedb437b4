/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "tsc: "

#include "tsc.h"

#include <tv/errno.h>
#include <tv/log.h>
#include <x86/cpu.h>

#include "hpet.h"

#define TSC_CAL_MS		10U
#define PIT_HZ			1193182U
#define PIT_PORT_CH2		0x42U
#define PIT_PORT_CMD		0x43U
#define PIT_PORT_GATE		0x61U
#define TSC_SPIN_LIMIT		100000000U

const char *tsc_source_name(enum tsc_source s)
{
	switch (s) {
	case TSC_SRC_CPUID_15H: return "CPUID 0x15";
	case TSC_SRC_CPUID_16H: return "CPUID 0x16";
	case TSC_SRC_HPET: return "calibrated against the HPET";
	case TSC_SRC_PIT: return "calibrated against the PIT";
	case TSC_SRC_NONE: break;
	}
	return "unknown";
}

static uint64_t tsc_measure_hpet(const struct hpet_info *hpet)
{
	uint64_t ticks = hpet->freq_hz * TSC_CAL_MS / 1000U;
	uint64_t h0, h1, t0, t1;
	unsigned int i;

	h0 = hpet_read_counter();
	t0 = cpu_rdtsc_ordered();
	for (i = 0; i < TSC_SPIN_LIMIT; i++) {
		h1 = hpet_read_counter();
		if (h1 - h0 >= ticks)
			break;
	}
	t1 = cpu_rdtsc_ordered();
	if (i == TSC_SPIN_LIMIT || h1 == h0)
		return 0;
	/* kHz = TSC ticks / elapsed seconds / 1000, elapsed = HPET ticks / freq. */
	return (uint64_t)((unsigned __int128)(t1 - t0) * hpet->freq_hz / (h1 - h0) / 1000U);
}

/*
 * PIT channel 2 in mode 0 with the gate on port 0x61: the classic one-shot
 * calibration (the OUT2 bit in port 0x61 rises when the count reaches 0).
 */
static uint64_t tsc_measure_pit(void)
{
	uint16_t count = (uint16_t)(PIT_HZ * TSC_CAL_MS / 1000U);
	uint64_t t0, t1;
	uint8_t gate;
	unsigned int i;

	gate = cpu_inb(PIT_PORT_GATE);
	cpu_outb(PIT_PORT_GATE, (uint8_t)((gate & ~0x02U) | 0x01U));
	cpu_outb(PIT_PORT_CMD, 0xb0U);	/* channel 2, lobyte/hibyte, mode 0 */
	cpu_outb(PIT_PORT_CH2, (uint8_t)count);
	cpu_outb(PIT_PORT_CH2, (uint8_t)(count >> 8));
	t0 = cpu_rdtsc_ordered();
	for (i = 0; i < TSC_SPIN_LIMIT; i++)
		if (cpu_inb(PIT_PORT_GATE) & 0x20U)
			break;
	t1 = cpu_rdtsc_ordered();
	cpu_outb(PIT_PORT_GATE, gate);
	if (i == TSC_SPIN_LIMIT)
		return 0;
	return (t1 - t0) / TSC_CAL_MS;
}

int tsc_calibrate(uint64_t cpuid_khz, enum tsc_source cpuid_src,
		  const struct hpet_info *hpet, struct tsc_info *out)
{
	out->cpuid_khz = cpuid_khz;
	out->cpuid_source = cpuid_khz ? cpuid_src : TSC_SRC_NONE;
	out->measured_khz = 0;
	out->measured_source = TSC_SRC_NONE;
	if (hpet && hpet->present) {
		out->measured_khz = tsc_measure_hpet(hpet);
		if (out->measured_khz)
			out->measured_source = TSC_SRC_HPET;
	}
	if (!out->measured_khz) {
		out->measured_khz = tsc_measure_pit();
		if (out->measured_khz)
			out->measured_source = TSC_SRC_PIT;
	}
	if (out->measured_khz && out->cpuid_khz) {
		uint64_t diff = out->measured_khz > out->cpuid_khz ?
				out->measured_khz - out->cpuid_khz : out->cpuid_khz - out->measured_khz;

		if (diff * 100U <= out->cpuid_khz) {
			out->khz = out->cpuid_khz;
			out->source = out->cpuid_source;
		} else {
			pr_warn("%s says %llu kHz but the TSC measures %llu kHz (%s): "
				"using the measurement\n", tsc_source_name(out->cpuid_source),
				(unsigned long long)out->cpuid_khz,
				(unsigned long long)out->measured_khz,
				tsc_source_name(out->measured_source));
			out->khz = out->measured_khz;
			out->source = out->measured_source;
		}
	} else if (out->measured_khz) {
		out->khz = out->measured_khz;
		out->source = out->measured_source;
	} else if (out->cpuid_khz) {
		out->khz = out->cpuid_khz;
		out->source = out->cpuid_source;
	} else {
		out->khz = 0;
		out->source = TSC_SRC_NONE;
		pr_err("TSC frequency unknown: no CPUID leaf, HPET or PIT gave one\n");
		return -TV_ENODEV;
	}
	pr_info("TSC frequency %llu kHz (%s)\n", (unsigned long long)out->khz,
		tsc_source_name(out->source));
	return 0;
}
