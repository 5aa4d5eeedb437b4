/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* The end of every run: one final line, VMX left cleanly, then power-off. */
#ifndef TV_HW_POWER_H
#define TV_HW_POWER_H

#include <tv/status.h>
#include <tv/types.h>

struct acpi_info;

/* @brief Tell the power-off path what ACPI and the config offer (after boot). */
void power_set_acpi(const struct acpi_info *acpi);
void power_set_halt(bool halt_instead);

/* A hook run before the final line: leaves VMX (VMCLEAR, VMXOFF) if entered. */
void power_set_cleanup(void (*fn)(void));

/*
 * @brief Print the final line `end: status=N (name), <action>: <why>` and
 *        power off: QEMU's isa-debug-exit (status (N << 1) | 1), ACPI S5 from
 *        the FADT, Bochs's shutdown port, EFI ResetSystem; or halt with
 *        config halt=1.  Never returns; a second call (a fault while ending)
 *        only halts, with a line saying so.
 */
TV_NORETURN void vmm_end(enum tv_status status, const char *why);

const char *tv_status_name(enum tv_status status);

#endif /* TV_HW_POWER_H */
