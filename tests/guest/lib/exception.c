/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "exception.h"
#include "guest.h"
#include "libc.h"
#include "processor.h"

#define EX_VECTORS	32U
#define IDT_GATE_INT64	0x8e00U		/* present, DPL 0, 64-bit interrupt gate */
#define SEL_CODE64	0x08U

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint16_t flags;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};

struct __attribute__((packed)) idt_ptr {
	uint16_t limit;
	uint64_t base;
};

struct ex_fixup {
	uint64_t from;
	uint64_t to;
};

_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate is 16 bytes");
_Static_assert(sizeof(struct ex_regs) == 22 * 8, "ex_regs matches entry.asm's frame");

extern const uint64_t ex_stub_table[EX_VECTORS];
extern const struct ex_fixup __ex_table_start[], __ex_table_end[];

static struct idt_gate idt[EX_VECTORS] __attribute__((aligned(16)));
static volatile struct ex_record ex_rec = { .vector = EX_NONE };
static volatile int ex_nesting;
static volatile bool ex_nmi_expected;
static volatile uint64_t ex_nmis;

void ex_expect_nmi(bool on)
{
	if (on)
		ex_nmis = 0;
	ex_nmi_expected = on;
}

uint64_t ex_nmi_count(void)
{
	return ex_nmis;
}

static const char *const ex_names[EX_VECTORS] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "#09", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "#22", "#23",
	"#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

void ex_init(void)
{
	struct idt_ptr p = { .limit = sizeof(idt) - 1, .base = (uintptr_t)idt };
	unsigned int v;

	for (v = 0; v < EX_VECTORS; v++) {
		uint64_t a = ex_stub_table[v];

		idt[v].offset_lo = (uint16_t)a;
		idt[v].selector = SEL_CODE64;
		idt[v].flags = IDT_GATE_INT64;
		idt[v].offset_mid = (uint16_t)(a >> 16);
		idt[v].offset_hi = (uint32_t)(a >> 32);
		idt[v].reserved = 0;
	}
	__asm__ volatile("lidt %0" : : "m"(p));
}

void ex_set_gate(unsigned int vector, void (*handler)(void))
{
	struct idt_ptr p;
	volatile struct idt_gate *gate;
	uint64_t a = (uintptr_t)handler;

	__asm__ volatile("sidt %0" : "=m"(p));
	gate = (volatile struct idt_gate *)(uintptr_t)p.base + vector;
	gate->offset_lo = (uint16_t)a;
	gate->selector = SEL_CODE64;
	gate->flags = IDT_GATE_INT64;
	gate->offset_mid = (uint16_t)(a >> 16);
	gate->offset_hi = (uint32_t)(a >> 32);
	gate->reserved = 0;
}

void ex_clear(void)
{
	ex_rec.vector = EX_NONE;
	ex_rec.error_code = 0;
	ex_rec.rip = 0;
	ex_rec.cr2 = 0;
	ex_rec.count = 0;
}

int ex_vector(void)
{
	return ex_rec.vector;
}

const volatile struct ex_record *ex_last(void)
{
	return &ex_rec;
}

const char *ex_name(int vector)
{
	if (vector < 0 || vector >= (int)EX_VECTORS)
		return "#??";
	return ex_names[vector];
}

static const struct ex_fixup *ex_find_fixup(uint64_t rip)
{
	const struct ex_fixup *f;

	for (f = __ex_table_start; f < __ex_table_end; f++) {
		if (f->from == rip)
			return f;
	}
	return NULL;
}

static void __attribute__((noreturn)) ex_die(const struct ex_regs *r, uint64_t cr2)
{
	printf("Unhandled exception %lu %s, error code 0x%lx, RIP 0x%lx, CR2 0x%lx\n",
	       r->vector, ex_name((int)r->vector), r->error_code, r->rip, cr2);
	printf("  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	printf("  RSI %016lx RDI %016lx RBP %016lx RSP %016lx\n", r->rsi, r->rdi, r->rbp, r->rsp);
	printf("  R8  %016lx R9  %016lx R10 %016lx R11 %016lx\n", r->r8, r->r9, r->r10, r->r11);
	printf("  R12 %016lx R13 %016lx R14 %016lx R15 %016lx\n", r->r12, r->r13, r->r14, r->r15);
	printf("  CS %04lx SS %04lx RFLAGS %08lx CR0 %08lx CR3 %08lx CR4 %08lx\n", r->cs, r->ss,
	       r->rflags, read_cr0(), read_cr3(), read_cr4());
	guest_exit(GUEST_EXIT_EXCEPTION);
}

void ex_handle(struct ex_regs *r)
{
	uint64_t cr2 = r->vector == EX_PF ? read_cr2() : 0;
	const struct ex_fixup *f;

	if (ex_nesting) {
		/* The reporting path itself faulted: printing could recurse. */
		guest_exit(GUEST_EXIT_EXCEPTION);
	}
	if (r->vector == EX_NMI && ex_nmi_expected) {
		/* An interrupt, not a fault: IRET resumes where it arrived. */
		ex_nmis++;
		return;
	}
	f = ex_find_fixup(r->rip);
	if (!f) {
		ex_nesting = 1;
		ex_die(r, cr2);
	}
	ex_rec.vector = (int)r->vector;
	ex_rec.error_code = r->error_code;
	ex_rec.rip = r->rip;
	ex_rec.cr2 = cr2;
	ex_rec.count++;
	r->rip = f->to;
}

int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	ex_clear();
	__asm__ volatile("1: rdmsr\n2:\n" EX_TABLE(1b, 2b)
			 : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = ((uint64_t)hi << 32) | lo;
	return ex_vector() == EX_NONE ? 0 : ex_vector();
}

int wrmsr_safe(uint32_t msr, uint64_t val)
{
	ex_clear();
	__asm__ volatile("1: wrmsr\n2:\n" EX_TABLE(1b, 2b)
			 : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			 : "memory");
	return ex_vector() == EX_NONE ? 0 : ex_vector();
}
