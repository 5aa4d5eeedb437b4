/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "apic.h"
#include "isr.h"
#include "libc.h"
#include "processor.h"

#define IDT_VECTORS	256U
#define IDT_GATE_INT64	0x8e00U		/* present, DPL 0, 64-bit interrupt gate */
#define SEL_CODE64	0x08U
#define ISR_STUB_SIZE	16U

struct isr_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint16_t flags;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};

struct __attribute__((packed)) isr_idt_ptr {
	uint16_t limit;
	uint64_t base;
};

_Static_assert(sizeof(struct isr_gate) == 16, "64-bit IDT gate is 16 bytes");

/*
 * One 16-byte stub per vector 32-255.  On entry the CPU has pushed SS, RSP,
 * RFLAGS, CS, RIP after aligning RSP to 16 ("Stack Frame Layout" in 64-bit
 * mode, Intel SDM Vol. 3A), so RSP = 8 mod 16; 2 + 1 + 7 pushes leave it at
 * 8 mod 16 again, hence the extra 8 before the call.  Only caller-saved
 * registers need saving around a C call.  isr_record() gets RSP, the
 * struct isr_frame below, for the interrupted RIP, RCX and RDI.
 */
__asm__(".pushsection .text\n"
	".balign 16\n"
	".globl isr_stubs\n"
	"isr_stubs:\n"
	".set isr_vec, 32\n"
	".rept 224\n"
	".balign 16\n"
	"push %rax\n"
	"push %rdx\n"
	"rdtsc\n"
	"pushq $isr_vec\n"
	"jmp isr_common\n"
	".set isr_vec, isr_vec + 1\n"
	".endr\n"
	"isr_common:\n"
	"push %rcx\n"
	"push %rsi\n"
	"push %rdi\n"
	"push %r8\n"
	"push %r9\n"
	"push %r10\n"
	"push %r11\n"
	"shl $32, %rdx\n"
	"or %rdx, %rax\n"
	"mov 56(%rsp), %rdi\n"
	"mov %rax, %rsi\n"
	"mov %rsp, %rdx\n"
	"sub $8, %rsp\n"
	"cld\n"
	"call isr_record\n"
	"add $8, %rsp\n"
	"pop %r11\n"
	"pop %r10\n"
	"pop %r9\n"
	"pop %r8\n"
	"pop %rdi\n"
	"pop %rsi\n"
	"pop %rcx\n"
	"add $8, %rsp\n"
	"pop %rdx\n"
	"pop %rax\n"
	"iretq\n"
	".popsection\n");

extern const uint8_t isr_stubs[];

/* What isr_common leaves on the stack, lowest address first. */
struct isr_frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rcx;
	uint64_t vector;	/* pushed by the per-vector stub */
	uint64_t rdx, rax;
	uint64_t rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

_Static_assert(__builtin_offsetof(struct isr_frame, vector) == 56,
	       "isr_common reads the vector at 56(%rsp)");
_Static_assert(__builtin_offsetof(struct isr_frame, rip) == 80,
	       "ten pushes below the CPU's frame");

static struct isr_gate isr_idt[IDT_VECTORS] __attribute__((aligned(16)));

struct isr_stats {
	uint64_t count;
	uint64_t first_tsc;
	uint64_t last_tsc;
};

static volatile struct isr_stats isr_stats[IDT_VECTORS];
static volatile struct isr_event isr_events[ISR_LOG_MAX];
static volatile uint32_t isr_nevents;
static volatile uint64_t isr_ndelivered;
static volatile bool isr_auto_eoi = true;
static volatile bool isr_read_ppr;

static void isr_set_gate(unsigned int v, uint64_t a)
{
	isr_idt[v].offset_lo = (uint16_t)a;
	isr_idt[v].selector = SEL_CODE64;
	isr_idt[v].flags = IDT_GATE_INT64;
	isr_idt[v].offset_mid = (uint16_t)(a >> 16);
	isr_idt[v].offset_hi = (uint32_t)(a >> 32);
	isr_idt[v].reserved = 0;
}

void isr_init(void)
{
	struct isr_idt_ptr cur, p;
	unsigned int v;

	/* Keep the runtime's exception gates (lib/exception.c): copy them. */
	__asm__ volatile("sidt %0" : "=m"(cur));
	if (cur.base != (uintptr_t)isr_idt) {
		size_t n = ((size_t)cur.limit + 1) / sizeof(struct isr_gate);

		if (n > ISR_FIRST_VECTOR)
			n = ISR_FIRST_VECTOR;
		memcpy(isr_idt, (const void *)(uintptr_t)cur.base, n * sizeof(struct isr_gate));
	}
	for (v = ISR_FIRST_VECTOR; v < IDT_VECTORS; v++)
		isr_set_gate(v, (uintptr_t)(isr_stubs + (v - ISR_FIRST_VECTOR) * ISR_STUB_SIZE));
	p.limit = sizeof(isr_idt) - 1;
	p.base = (uintptr_t)isr_idt;
	__asm__ volatile("lidt %0" : : "m"(p));
	isr_reset();
}

void isr_reset(void)
{
	unsigned int v;

	for (v = 0; v < IDT_VECTORS; v++) {
		isr_stats[v].count = 0;
		isr_stats[v].first_tsc = 0;
		isr_stats[v].last_tsc = 0;
	}
	isr_nevents = 0;
	isr_ndelivered = 0;
}

void isr_set_auto_eoi(bool on)
{
	isr_auto_eoi = on;
}

void isr_set_read_ppr(bool on)
{
	isr_read_ppr = on;
}

void isr_record(uint64_t vector, uint64_t tsc, const struct isr_frame *f)
{
	volatile struct isr_stats *s = &isr_stats[vector & 0xffU];
	uint32_t n = isr_nevents;

	if (!s->count)
		s->first_tsc = tsc;
	s->last_tsc = tsc;
	s->count++;
	isr_ndelivered++;
	if (n < ISR_LOG_MAX) {
		isr_events[n].vector = (uint8_t)vector;
		isr_events[n].tsc = tsc;
		isr_events[n].ppr = isr_read_ppr ? apic_read(APIC_PPR) : 0;
		isr_events[n].rip = f->rip;
		isr_events[n].rcx = f->rcx;
		isr_events[n].rdi = f->rdi;
		isr_nevents = n + 1;
	}
	if (isr_auto_eoi && vector != APIC_SPURIOUS_VECTOR)
		apic_eoi();
}

uint64_t isr_count(uint8_t vector)
{
	return isr_stats[vector].count;
}

uint64_t isr_total(void)
{
	return isr_ndelivered;
}

uint64_t isr_first_tsc(uint8_t vector)
{
	return isr_stats[vector].first_tsc;
}

uint64_t isr_last_tsc(uint8_t vector)
{
	return isr_stats[vector].last_tsc;
}

uint32_t isr_log_len(void)
{
	return isr_nevents;
}

const volatile struct isr_event *isr_log(uint32_t i)
{
	return &isr_events[i];
}

bool isr_wait(uint8_t vector, uint64_t n, uint64_t tsc_limit)
{
	irq_enable();
	while (isr_stats[vector].count < n) {
		if (rdtsc() >= tsc_limit)
			return isr_stats[vector].count >= n;
		cpu_relax();
	}
	return true;
}

void tsc_wait_until(uint64_t tsc_limit)
{
	while (rdtsc() < tsc_limit)
		cpu_relax();
}
