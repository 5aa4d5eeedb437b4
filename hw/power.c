/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "end: "

#include "power.h"

#include <tv/assert.h>
#include <tv/log.h>
#include <x86/cpu.h>

#include "../boot/boot.h"
#include "../vmm/log.h"
#include "../vmm/result.h"
#include "acpi.h"
#include "serial.h"

#define QEMU_DEBUG_EXIT_PORT	0xf4U
#define BOCHS_SHUTDOWN_PORT	0x8900U
#define FW_CFG_PORT_SEL		0x510U
#define FW_CFG_PORT_DATA	0x511U
#define ACPI_SLP_EN		(1U << 13)

static const struct acpi_info *power_acpi;
static bool power_halt;
static void (*power_cleanup)(void);
static bool power_ending;

void power_set_acpi(const struct acpi_info *acpi)
{
	power_acpi = acpi;
}

void power_set_halt(bool halt_instead)
{
	power_halt = halt_instead;
}

void power_set_cleanup(void (*fn)(void))
{
	power_cleanup = fn;
}

const char *tv_status_name(enum tv_status status)
{
	switch (status) {
	case TV_STATUS_OK: return "ok";
	case TV_STATUS_NO_VTX: return "no-vtx";
	case TV_STATUS_CONFIG: return "config-error";
	case TV_STATUS_EXCEPTION: return "vmm-exception";
	case TV_STATUS_VMX_FAIL: return "vmx-failure";
	case TV_STATUS_GUEST_FAIL: return "guest-failure";
	case TV_STATUS_BOOT: return "boot-failure";
	case TV_STATUS_PANIC: return "panic";
	}
	return "unknown";
}

static TV_NORETURN void power_halt_forever(void)
{
	for (;;) {
		cpu_cli();
		cpu_hlt();
	}
}

/*
 * QEMU's fw_cfg answers "QEMU" at selector 0; only probed when CPUID says a
 * hypervisor is present, so nothing is written to these ports on bare metal.
 */
static bool power_is_qemu(void)
{
	struct cpuid_regs r;
	char sig[4];

	cpu_cpuid(1, 0, &r);
	if (!(r.ecx & (1U << 31)))
		return false;
	cpu_outw(FW_CFG_PORT_SEL, 0);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)cpu_inb(FW_CFG_PORT_DATA);
	return sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U';
}

static void power_acpi_s5(void)
{
	uint16_t val;

	if (!power_acpi || !power_acpi->has_s5 || !power_acpi->pm1a_cnt)
		return;
	val = (uint16_t)((power_acpi->s5_slp_typa << 10) | ACPI_SLP_EN);
	cpu_outw((uint16_t)power_acpi->pm1a_cnt, val);
	if (power_acpi->pm1b_cnt)
		cpu_outw((uint16_t)power_acpi->pm1b_cnt,
			 (uint16_t)((power_acpi->s5_slp_typb << 10) | ACPI_SLP_EN));
}

TV_NORETURN void vmm_end(enum tv_status status, const char *why)
{
	const char *action = power_halt ? "halting" : "powering off";

	cpu_cli();
	if (power_ending) {
		pr_err("fault while ending the run (%s): halted\n", why);
		serial_drain();
		power_halt_forever();
	}
	power_ending = true;
	/* Everything the asynchronous console still holds goes out before the end line. */
	log_go_sync();
	if (power_cleanup)
		power_cleanup();
	/* The token (vmm/result.h) tells this line from any guest's imitation of it. */
	pr_info("status=%d (%s), %s: %s [tv %s]\n", (int)status, tv_status_name(status), action, why,
		vmm_token());
	serial_drain();
	if (power_halt)
		power_halt_forever();

	if (power_is_qemu())
		cpu_outl(QEMU_DEBUG_EXIT_PORT, (uint32_t)status);
	power_acpi_s5();
	/* Bochs+OVMF publish no FADT; a real machine always has one. */
	if (!power_acpi || !power_acpi->has_fadt) {
		static const char cmd[] = "Shutdown";

		for (unsigned int i = 0; i < sizeof(cmd) - 1; i++)
			cpu_outb(BOCHS_SHUTDOWN_PORT, (uint8_t)cmd[i]);
	}
	boot_efi_shutdown((int)status);
	pr_err("every power-off method failed: halted\n");
	serial_drain();
	power_halt_forever();
}

void tv_assert_fail(const char *expr, const char *file, int line)
{
	pr_err("assertion failed: %s at %s:%d\n", expr, file, line);
	vmm_end(TV_STATUS_PANIC, "internal assertion failed");
}
