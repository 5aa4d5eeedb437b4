/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "serial.h"

#include <x86/cpu.h>

#define UART_THR	0U	/* transmit holding (DLAB=0) */
#define UART_DLL	0U	/* divisor low (DLAB=1) */
#define UART_IER	1U
#define UART_DLM	1U	/* divisor high (DLAB=1) */
#define UART_FCR	2U
#define UART_IIR	2U	/* read */
#define UART_LCR	3U
#define UART_MCR	4U
#define UART_LSR	5U
#define UART_SCR	7U

#define UART_LCR_8N1	0x03U
#define UART_LCR_DLAB	0x80U
#define UART_LSR_THRE	0x20U
#define UART_LSR_TEMT	0x40U
#define UART_IIR_FIFO	0xc0U	/* both set: the FIFOs are enabled (16550A) */
/* Transmit FIFO depth of a 16550A; a plain 16450/8250 holds one byte. */
#define UART_TX_FIFO	16U
/* 115200 baud: the 1.8432 MHz clock divided by 16 * 1. */
#define UART_DIVISOR_115200	1U
/* Bounded waits, so that a missing or wedged UART cannot hang the VMM. */
#define UART_SPIN_LIMIT	1000000U

static uint16_t serial_base;
static bool serial_present;
static unsigned int serial_tx_depth = 1;

void serial_init(uint16_t base)
{
	serial_base = base;
	/* A 16550 keeps what is written to its scratch register; an absent one floats. */
	cpu_outb(base + UART_SCR, 0x5aU);
	serial_present = cpu_inb(base + UART_SCR) == 0x5aU;
	if (!serial_present)
		return;
	cpu_outb(base + UART_IER, 0);
	cpu_outb(base + UART_LCR, UART_LCR_DLAB);
	cpu_outb(base + UART_DLL, UART_DIVISOR_115200 & 0xffU);
	cpu_outb(base + UART_DLM, UART_DIVISOR_115200 >> 8);
	cpu_outb(base + UART_LCR, UART_LCR_8N1);
	cpu_outb(base + UART_FCR, 0xc7U);	/* enable and clear FIFOs, 14-byte trigger */
	cpu_outb(base + UART_MCR, 0x03U);	/* DTR, RTS; OUT2 off: no UART interrupts */
	/*
	 * A 16550A reports enabled FIFOs in IIR[7:6]; then THRE means the whole
	 * transmit FIFO is empty ("the transmitter FIFO is empty", PC16550D
	 * data sheet, LSR bit 5), so 16 bytes may follow one LSR read.
	 */
	if ((cpu_inb(base + UART_IIR) & UART_IIR_FIFO) == UART_IIR_FIFO)
		serial_tx_depth = UART_TX_FIFO;
}

bool serial_is_present(void)
{
	return serial_present;
}

static void serial_putc(char c)
{
	for (unsigned int i = 0; i < UART_SPIN_LIMIT; i++)
		if (cpu_inb(serial_base + UART_LSR) & UART_LSR_THRE)
			break;
	cpu_outb(serial_base + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
	if (!serial_present)
		return;
	for (size_t i = 0; i < len; i++)
		serial_putc(s[i]);
}

unsigned int serial_tx_room(void)
{
	if (!serial_present)
		return 0;
	return (cpu_inb(serial_base + UART_LSR) & UART_LSR_THRE) ? serial_tx_depth : 0;
}

void serial_put_bytes(const char *s, size_t len)
{
	if (!serial_present)
		return;
	for (size_t i = 0; i < len; i++)
		cpu_outb(serial_base + UART_THR, (uint8_t)s[i]);
}

bool serial_wait_tx_room(void)
{
	if (!serial_present)
		return false;
	for (unsigned int i = 0; i < UART_SPIN_LIMIT; i++) {
		if (cpu_inb(serial_base + UART_LSR) & UART_LSR_THRE)
			return true;
		cpu_pause();
	}
	return false;
}

void serial_drain(void)
{
	if (!serial_present)
		return;
	for (unsigned int i = 0; i < UART_SPIN_LIMIT; i++)
		if (cpu_inb(serial_base + UART_LSR) & UART_LSR_TEMT)
			return;
}
