/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * empty_bus: memory where nothing answers behaves as an empty bus on real
 * hardware (issue 16, item 5): every read returns all-ones, every write is
 * dropped, nothing faults.  Under tickvisor that is unmapped=bus, the
 * default; the entry empty_bus_stop in tests/guests.cfg runs the same image
 * with unmapped=stop and expects the VM stopped at the first access.
 *
 * Checked: MOV reads at byte, word, dword and qword width (and MOVZX);
 * writes at each width, then read back; REP STOS and REP MOVS against it in
 * both directions (RFLAGS.DF), from and to guest RAM, across page
 * boundaries, with a 32-bit address size, with an FS override on the
 * source, and long enough to need more than one exit; rCX, rSI and rDI as
 * the SDM says after each.  Then an unclaimed I/O port: all-ones, writes
 * dropped.
 *
 * EMPTY_GPA is in the guest's identity map (entry.asm: 0-4 GiB) but outside
 * its RAM (tests/guests.cfg gives 64 MiB), below QEMU q35's PCI window and
 * above its MMCONFIG (0xB0000000-0xBFFFFFFF), where QEMU has nothing either.
 */
#include "guest.h"
#include "hypercall.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"
#include "serial.h"

#define EMPTY_GPA	0xC0000000UL
#define PORT_EMPTY	0x2f8U		/* COM2: nothing there under tickvisor or QEMU -nographic */
#define MSR_FS_BASE	0xc0000100U
#define BUF_BYTES	12288U

static uint8_t ram_buf[BUF_BYTES] __attribute__((aligned(4096)));

/*
 * Whether the values read are checked: always under tickvisor; natively
 * only where the platform's unassigned memory reads all-ones as hardware
 * does (Bochs).  QEMU returns 0 for unassigned memory (its unassigned
 * region, not a PCI master abort), so there the value checks are skipped,
 * saying so; the register checks (rCX, rSI, rDI) and the port run anyway.
 */
static bool bus_reads_ones;

#define report_value(pass, ...) do {				\
		if (bus_reads_ones)				\
			report((pass), __VA_ARGS__);		\
		else						\
			report_skip(__VA_ARGS__);		\
	} while (0)

static volatile uint8_t *empty8(uint64_t off)
{
	return (volatile uint8_t *)(uintptr_t)(EMPTY_GPA + off);
}

static void test_mov_reads(void)
{
	uint8_t b = *empty8(0x10);
	uint16_t w = *(volatile uint16_t *)empty8(0x20);
	uint32_t l = *(volatile uint32_t *)empty8(0x30);
	uint64_t q = *(volatile uint64_t *)empty8(0x40);
	uint64_t zx = 0x1234;

	report_prefix_push("MOV reads");
	report_value(b == 0xffU, "byte reads 0xff (0x%x)", b);
	report_value(w == 0xffffU, "word reads 0xffff (0x%x)", w);
	report_value(l == 0xffffffffU, "dword reads 0xffffffff (0x%x)", l);
	report_value(q == ~0ULL, "qword reads all-ones (0x%lx)", q);
	/* movzx r64, m16 and a load that crosses into the next (also empty) page */
	__asm__ volatile("movzwq (%1), %0" : "=r"(zx) : "r"(empty8(0x50)) : "memory");
	report_value(zx == 0xffffU, "movzx of a word is 0xffff (0x%lx)", zx);
	q = *(volatile uint64_t *)empty8(0xffc);
	report_value(q == ~0ULL, "a qword across a page boundary reads all-ones (0x%lx)", q);
	report_prefix_pop();
}

static void test_mov_writes(void)
{
	report_prefix_push("MOV writes");
	*empty8(0x100) = 0x12;
	*(volatile uint16_t *)empty8(0x102) = 0x3456;
	*(volatile uint32_t *)empty8(0x104) = 0x789abcdeU;
	*(volatile uint64_t *)empty8(0x108) = 0x0123456789abcdefULL;
	__asm__ volatile("movl $0x11223344, (%0)" : : "r"(empty8(0x110)) : "memory");
	report_value(*empty8(0x100) == 0xffU && *(volatile uint16_t *)empty8(0x102) == 0xffffU &&
	       *(volatile uint32_t *)empty8(0x104) == 0xffffffffU &&
	       *(volatile uint64_t *)empty8(0x108) == ~0ULL &&
	       *(volatile uint32_t *)empty8(0x110) == 0xffffffffU,
	       "byte, word, dword, qword and immediate writes are dropped: all read back all-ones");
	report_prefix_pop();
}

static void test_stos(void)
{
	uint64_t rdi = EMPTY_GPA + 0xff0, rcx = 100, rax = 0x5a;

	report_prefix_push("STOS");
	/* 100 bytes from 16 below a page boundary: two pages, two exits at least. */
	__asm__ volatile("cld; rep stosb" : "+D"(rdi), "+c"(rcx) : "a"(rax) : "memory");
	report(rcx == 0 && rdi == EMPTY_GPA + 0xff0 + 100,
	       "rep stosb: RCX 0 (%lu), RDI advanced by 100 (+%lu)", rcx, rdi - EMPTY_GPA - 0xff0);
	report_value(*empty8(0xff0) == 0xffU && *empty8(0x1050) == 0xffU, "the bytes were dropped");
	/* Backwards, qwords, 3000 of them: more than one batch of iterations. */
	rdi = EMPTY_GPA + 0x8000;
	rcx = 3000;
	rax = 0x0123456789abcdefULL;
	__asm__ volatile("std; rep stosq; cld" : "+D"(rdi), "+c"(rcx) : "a"(rax) : "memory");
	report(rcx == 0 && rdi == EMPTY_GPA + 0x8000 - 3000 * 8,
	       "std; rep stosq x3000: RCX 0 (%lu), RDI down by 24000 (-%lu)", rcx,
	       EMPTY_GPA + 0x8000 - rdi);
	/* One stosw without REP: RCX untouched. */
	rdi = EMPTY_GPA + 0x200;
	rcx = 7;
	__asm__ volatile("cld; stosw" : "+D"(rdi), "+c"(rcx) : "a"(rax) : "memory");
	report(rcx == 7 && rdi == EMPTY_GPA + 0x202, "stosw without REP: RCX kept (%lu), RDI +2",
	       rcx);
	/* 32-bit address size: EDI counts, RDI's upper half is cleared. */
	rdi = 0xabcd000000000000ULL | (EMPTY_GPA + 0x300);
	rcx = 0x77700000010ULL;		/* ECX = 16 */
	__asm__ volatile("cld; addr32 rep stosb" : "+D"(rdi), "+c"(rcx) : "a"(rax) : "memory");
	report(rcx == 0 && rdi == EMPTY_GPA + 0x310,
	       "addr32 rep stosb: ECX 16 done, RCX 0x%lx, RDI 0x%lx (upper halves cleared)", rcx,
	       rdi);
	report_prefix_pop();
}

static void test_movs(void)
{
	uint64_t rsi, rdi, rcx;
	bool all_ff = true, kept = true;
	unsigned int i;

	report_prefix_push("MOVS");
	/* From the empty bus into RAM, across two RAM page boundaries. */
	memset(ram_buf, 0x11, sizeof(ram_buf));
	rsi = EMPTY_GPA + 0x400;
	rdi = (uint64_t)(uintptr_t)ram_buf + 100;
	rcx = 8500;
	__asm__ volatile("cld; rep movsb" : "+S"(rsi), "+D"(rdi), "+c"(rcx) : : "memory");
	for (i = 100; i < 8600; i++)
		all_ff &= ram_buf[i] == 0xffU;
	report(rcx == 0 && rsi == EMPTY_GPA + 0x400 + 8500 &&
	       rdi == (uint64_t)(uintptr_t)ram_buf + 8600,
	       "rep movsb bus->RAM x8500: RCX 0 (%lu), RSI and RDI advanced", rcx);
	report_value(all_ff && ram_buf[99] == 0x11U && ram_buf[8600] == 0x11U,
	       "RAM holds all-ones exactly where written");
	/* From RAM to the empty bus, dwords, backwards. */
	rsi = (uint64_t)(uintptr_t)ram_buf + 4096;
	rdi = EMPTY_GPA + 0x2000;
	rcx = 600;
	memset(ram_buf, 0x22, sizeof(ram_buf));
	__asm__ volatile("std; rep movsl; cld" : "+S"(rsi), "+D"(rdi), "+c"(rcx) : : "memory");
	for (i = 0; i < sizeof(ram_buf); i++)
		kept &= ram_buf[i] == 0x22U;
	report(rcx == 0 && rsi == (uint64_t)(uintptr_t)ram_buf + 4096 - 2400 &&
	       rdi == EMPTY_GPA + 0x2000 - 2400,
	       "std; rep movsl RAM->bus x600: RCX 0 (%lu), RSI and RDI down by 2400", rcx);
	report(kept, "the source RAM is unchanged");
	report_value(*(volatile uint32_t *)empty8(0x2000) == 0xffffffffU,
		     "the writes were dropped: the bus still reads all-ones");
	/* The source through FS: base + RSI must land on the empty bus. */
	wrmsr(MSR_FS_BASE, EMPTY_GPA - 0x100000);
	memset(ram_buf, 0x33, 64);
	rsi = 0x100000 + 0x500;
	rdi = (uint64_t)(uintptr_t)ram_buf;
	rcx = 4;
	__asm__ volatile("cld; rep movsq %%fs:(%%rsi), %%es:(%%rdi)"
			 : "+S"(rsi), "+D"(rdi), "+c"(rcx) : : "memory");
	wrmsr(MSR_FS_BASE, 0);
	all_ff = true;
	for (i = 0; i < 32; i++)
		all_ff &= ram_buf[i] == 0xffU;
	report(rcx == 0 && rsi == 0x100000 + 0x520 && ram_buf[32] == 0x33U,
	       "rep movsq with an FS source: RCX 0, RSI +32, nothing written past 32 bytes");
	report_value(all_ff, "rep movsq with an FS source (FS base + RSI on the bus): 32 bytes "
		     "of all-ones");
	report_prefix_pop();
}

static void test_port(void)
{
	uint8_t b;
	uint16_t w;
	uint32_t l;

	report_prefix_push("unclaimed port");
	outb(PORT_EMPTY + 3, 0x03);	/* would be a 16550 LCR: nothing there to take it */
	b = inb(PORT_EMPTY + 3);
	w = inw(PORT_EMPTY);
	l = inl(PORT_EMPTY + 4);
	report(b == 0xffU, "port 0x%x: a write is dropped, a byte read gives 0xff (0x%x)",
	       PORT_EMPTY + 3, b);
	report(w == 0xffffU && l == 0xffffffffU, "word and dword reads are all-ones (0x%x, 0x%x)",
	       w, l);
	report_prefix_pop();
}

int main(void)
{
	char sig[13];

	uint64_t probe = *(volatile uint64_t *)empty8(0);

	bus_reads_ones = tv_is_present() || probe == ~0ULL;
	report_info("%s; the empty bus at 0x%lx, the unclaimed port 0x%x",
		    tv_is_present() ? "under tickvisor" : (tv_read_signature(sig) ? sig :
		    "natively"), EMPTY_GPA, PORT_EMPTY);
	if (!bus_reads_ones)
		report_info("natively unassigned memory reads 0x%lx here, not all-ones (QEMU): "
			    "the value checks are skipped", probe);
	serial_drain();
	test_mov_reads();
	test_mov_writes();
	test_stos();
	test_movs();
	test_port();
	return report_summary();
}
