/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "serial.h"
#include "processor.h"

/*
 * Bound on LSR polls: far more than one character takes at 115200 baud on
 * any emulator here, so a missing UART costs time, not a hang.
 */
#define SERIAL_POLL_LIMIT	1000000U

static void serial_wait_lsr(uint8_t bit)
{
	uint32_t i;

	for (i = 0; i < SERIAL_POLL_LIMIT; i++) {
		if (inb(SERIAL_COM1 + SERIAL_REG_LSR) & bit)
			return;
		cpu_relax();
	}
}

void serial_init(void)
{
	outb(SERIAL_COM1 + SERIAL_REG_IER, 0x00);
	outb(SERIAL_COM1 + SERIAL_REG_LCR, SERIAL_LCR_DLAB);
	outb(SERIAL_COM1 + SERIAL_REG_DLL, 0x01);	/* 115200 / 1 */
	outb(SERIAL_COM1 + SERIAL_REG_DLM, 0x00);
	outb(SERIAL_COM1 + SERIAL_REG_LCR, SERIAL_LCR_8N1);
	outb(SERIAL_COM1 + SERIAL_REG_FCR, 0x07);	/* enable and clear both FIFOs */
	outb(SERIAL_COM1 + SERIAL_REG_MCR, 0x03);	/* DTR, RTS; OUT2 off: no IRQ */
}

void serial_putc(char c)
{
	serial_wait_lsr(SERIAL_LSR_THRE);
	outb(SERIAL_COM1 + SERIAL_REG_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
	while (len--)
		serial_putc(*s++);
}

void serial_drain(void)
{
	serial_wait_lsr(SERIAL_LSR_TEMT);
}
