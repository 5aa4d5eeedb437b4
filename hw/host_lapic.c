/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "hostapic: "

#include "host_lapic.h"

#include <tv/errno.h>
#include <tv/log.h>
#include <x86/apicdef.h>
#include <x86/cpu.h>
#include <x86/msr.h>

#define LVT_MASKED		(1U << 16)
#define LVTT_MODE_TSC_DEADLINE	(2U << 17)
#define SVR_ENABLE		(1U << 8)

static bool host_lapic_x2apic;
static uint64_t host_lapic_base;
static bool host_lapic_tscdl;

static uint32_t host_lapic_read(uint32_t off)
{
	if (host_lapic_x2apic)
		return (uint32_t)cpu_rdmsr(MSR_IA32_X2APIC_BASE + (off >> 4));
	return mmio_read32(host_lapic_base + off);
}

static void host_lapic_write(uint32_t off, uint32_t val)
{
	if (host_lapic_x2apic)
		cpu_wrmsr(MSR_IA32_X2APIC_BASE + (off >> 4), val);
	else
		mmio_write32(host_lapic_base + off, val);
}

int host_lapic_init(bool has_tsc_deadline)
{
	uint64_t base = cpu_rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_EN)) {
		pr_warn("the host LAPIC is disabled (IA32_APIC_BASE %#llx): no host timer interrupts\n",
			(unsigned long long)base);
		return -TV_ENODEV;
	}
	host_lapic_x2apic = base & APIC_BASE_EXTD;
	host_lapic_base = base & APIC_BASE_ADDR_MASK;
	/* Both 8259s masked: nothing but our own vectors may arrive. */
	cpu_outb(0x21, 0xff);
	cpu_outb(0xa1, 0xff);
	host_lapic_write(APIC_REG_LVT_LINT0, LVT_MASKED);
	host_lapic_write(APIC_REG_LVT_LINT1, LVT_MASKED);
	host_lapic_write(APIC_REG_SVR, SVR_ENABLE | HOST_VECTOR_SPURIOUS);
	host_lapic_write(APIC_REG_TPR, 0);
	host_lapic_tscdl = has_tsc_deadline;
	if (has_tsc_deadline) {
		/*
		 * SDM "TSC-Deadline Mode": the LVT must select the mode before the
		 * deadline MSR is written, or the write is ignored.
		 */
		host_lapic_write(APIC_REG_LVT_TIMER, LVTT_MODE_TSC_DEADLINE | HOST_VECTOR_TSC_DEADLINE);
		cpu_wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	} else {
		host_lapic_write(APIC_REG_LVT_TIMER, LVT_MASKED);
	}
	pr_info("host LAPIC in %s mode at %#llx, timer %s\n", host_lapic_x2apic ? "x2APIC" : "xAPIC",
		(unsigned long long)host_lapic_base,
		has_tsc_deadline ? "in TSC-deadline mode (vector 0xf0)" : "masked (no TSC-deadline)");
	return 0;
}

bool host_lapic_has_tsc_deadline(void)
{
	return host_lapic_tscdl;
}

void host_lapic_arm_tsc_deadline(uint64_t host_tsc)
{
	if (host_lapic_tscdl)
		cpu_wrmsr(MSR_IA32_TSC_DEADLINE, host_tsc);
}

void host_lapic_eoi(void)
{
	host_lapic_write(APIC_REG_EOI, 0);
}

uint32_t host_lapic_id(void)
{
	uint32_t id = host_lapic_read(APIC_REG_ID);

	return host_lapic_x2apic ? id : id >> 24;
}
