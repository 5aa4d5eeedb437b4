/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* Polled 16550 UART on COM1 (0x3F8), 115200 8N1, no interrupts. */
#ifndef TV_GUEST_SERIAL_H
#define TV_GUEST_SERIAL_H

#include <stddef.h>

#define SERIAL_COM1		0x3f8U
#define SERIAL_REG_THR		0U	/* transmit holding (write), DLAB=0 */
#define SERIAL_REG_DLL		0U	/* divisor latch low, DLAB=1 */
#define SERIAL_REG_IER		1U
#define SERIAL_REG_DLM		1U	/* divisor latch high, DLAB=1 */
#define SERIAL_REG_FCR		2U
#define SERIAL_REG_LCR		3U
#define SERIAL_REG_MCR		4U
#define SERIAL_REG_LSR		5U
#define SERIAL_REG_SCR		7U	/* scratch */
#define SERIAL_LCR_8N1		0x03U
#define SERIAL_LCR_DLAB		0x80U
#define SERIAL_LSR_THRE		0x20U	/* transmit holding register empty */
#define SERIAL_LSR_TEMT		0x40U	/* transmitter empty: holding and shift register */

/* Programs 115200 8N1, FIFOs on, interrupts off. */
void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t len);
/* Waits (bounded) until every byte has left the transmitter (LSR.TEMT). */
void serial_drain(void);

#endif /* TV_GUEST_SERIAL_H */
