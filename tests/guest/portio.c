/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * portio: the port-I/O devices every tickvisor VM has, as seen through IN
 * and OUT: the 16550 UART at 0x3F8, the 8259 PIC mask registers, and an
 * unassigned port that reads all-ones.
 */
#include "libc.h"
#include "processor.h"
#include "report.h"
#include "serial.h"

#define PIC_MASTER_IMR	0x21U
#define PIC_SLAVE_IMR	0xa1U
/*
 * No device decodes 0x2F0-0x2F3 on QEMU q35 ("info mtree": unassigned
 * between vbe 0x1D2 and the parallel port 0x378), on Bochs or in a tickvisor
 * VM; reads of an undecoded port return all-ones on the ISA/LPC bus.
 */
#define PORT_UNUSED	0x2f0U

static const uint8_t uart_patterns[] = { 0x5a, 0xa5, 0xff, 0x00 };

static void test_uart(void)
{
	uint16_t com = SERIAL_COM1;
	unsigned int i, ok = 0;
	uint8_t lsr, dll, dlm;

	report_prefix_push("uart");
	for (i = 0; i < ARRAY_SIZE(uart_patterns); i++) {
		outb(com + SERIAL_REG_SCR, uart_patterns[i]);
		if (inb(com + SERIAL_REG_SCR) == uart_patterns[i])
			ok++;
	}
	report(ok == ARRAY_SIZE(uart_patterns), "scratch register 0x3ff keeps %u patterns (%u did)",
	       (unsigned int)ARRAY_SIZE(uart_patterns), ok);

	serial_drain();
	lsr = inb(com + SERIAL_REG_LSR);
	report((lsr & (SERIAL_LSR_THRE | SERIAL_LSR_TEMT)) == (SERIAL_LSR_THRE | SERIAL_LSR_TEMT),
	       "idle LSR (0x%x) has THRE and TEMT set", lsr);

	report(inb(com + SERIAL_REG_LCR) == SERIAL_LCR_8N1, "LCR reads back 8N1 (0x03)");
	report(inb(com + SERIAL_REG_IER) == 0x00, "IER reads back 0 (interrupts off)");
	report((inb(com + SERIAL_REG_MCR) & 0x1f) == 0x03, "MCR reads back DTR|RTS (0x03)");

	/* DLAB=1 switches offsets 0 and 1 to the divisor latch. */
	outb(com + SERIAL_REG_LCR, SERIAL_LCR_DLAB | SERIAL_LCR_8N1);
	dll = inb(com + SERIAL_REG_DLL);
	dlm = inb(com + SERIAL_REG_DLM);
	outb(com + SERIAL_REG_DLL, 0x0c);
	ok = inb(com + SERIAL_REG_DLL) == 0x0c;
	outb(com + SERIAL_REG_DLL, 0x01);
	outb(com + SERIAL_REG_LCR, SERIAL_LCR_8N1);
	report(dll == 0x01 && dlm == 0x00, "DLAB: divisor latch reads 1 (115200 baud), got %u",
	       (unsigned int)dlm << 8 | dll);
	report(ok, "DLAB: divisor latch keeps a new value");
	report(inb(com + SERIAL_REG_LCR) == SERIAL_LCR_8N1, "LCR back to 8N1 after DLAB");
	report_info("still printing after the divisor round trip");
	report_prefix_pop();
}

static void test_pic(void)
{
	static const uint8_t masks[] = { 0xa5, 0x5a, 0xff };
	unsigned int i, master_ok = 0, slave_ok = 0;

	report_prefix_push("pic");
	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		uint8_t slave_mask = (uint8_t)(masks[i] ^ 0xffU);

		outb(PIC_MASTER_IMR, masks[i]);
		outb(PIC_SLAVE_IMR, slave_mask);
		if (inb(PIC_MASTER_IMR) == masks[i])
			master_ok++;
		if (inb(PIC_SLAVE_IMR) == slave_mask)
			slave_ok++;
	}
	/* Leave everything masked: nothing here takes interrupts. */
	outb(PIC_MASTER_IMR, 0xff);
	outb(PIC_SLAVE_IMR, 0xff);
	report(master_ok == ARRAY_SIZE(masks), "master IMR (0x21) reads back what was written");
	report(slave_ok == ARRAY_SIZE(masks), "slave IMR (0xa1) reads back what was written");
	report(inb(PIC_MASTER_IMR) == 0xff && inb(PIC_SLAVE_IMR) == 0xff, "both PICs fully masked");
	report_prefix_pop();
}

static void test_unused_port(void)
{
	uint8_t b = inb(PORT_UNUSED);
	uint16_t w = inw(PORT_UNUSED);
	uint32_t l = inl(PORT_UNUSED);

	report_prefix_push("unused port 0x2f0");
	report(b == 0xffU, "8-bit read is 0xff (0x%x)", b);
	report(w == 0xffffU, "16-bit read is 0xffff (0x%x)", w);
	report(l == 0xffffffffU, "32-bit read is 0xffffffff (0x%x)", l);
	outb(PORT_UNUSED, 0x12);
	b = inb(PORT_UNUSED);
	report(b == 0xffU, "a write is dropped: still reads 0xff (0x%x)", b);
	report_prefix_pop();
}

int main(void)
{
	test_uart();
	test_pic();
	test_unused_port();
	return report_summary();
}
