/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The host's COM1: a 16550 driven by port I/O, usable before and after
 * ExitBootServices (firmware console drivers are not used at all).
 */
#ifndef HV_VMM_SERIAL_H
#define HV_VMM_SERIAL_H

#include <hv/types.h>

#define SERIAL_COM1	0x3f8U

/* @brief Program the UART for 115200 8N1, FIFOs on, interrupts off. */
void serial_init(uint16_t base);
/* @brief Whether a UART answered at the base given to serial_init(). */
bool serial_is_present(void);
void serial_write(const char *s, size_t len);
/* @brief Wait until the transmitter is empty (LSR.TEMT), so nothing is lost at power-off. */
void serial_drain(void);

#endif /* HV_VMM_SERIAL_H */
