/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Interrupt gates for vectors 32-255 that record every delivery.  Each
 * stub saves RAX and RDX and then reads the TSC (push, push, rdtsc: the
 * third instruction, so the recorded TSC is at most two instructions after
 * ISR entry; RDTSC cannot come first without destroying the interrupted
 * RAX/RDX), then records (vector, TSC, count, the interrupted RIP, RCX and
 * RDI) and, unless turned off, EOIs the local APIC (never for the spurious
 * vector, which sets no ISR bit: "Spurious Interrupt", Intel SDM Vol. 3A).
 */
#ifndef TV_GUEST_ISR_H
#define TV_GUEST_ISR_H

#include <stdbool.h>
#include <stdint.h>

#define ISR_FIRST_VECTOR	32U
#define ISR_LOG_MAX		64U

struct isr_event {
	uint8_t vector;
	uint64_t tsc;		/* TSC at ISR entry */
	uint32_t ppr;		/* PPR read in the ISR, when isr_set_read_ppr(true) */
	uint64_t rip;		/* the interrupted RIP, as the CPU pushed it */
	uint64_t rcx, rdi;	/* the interrupted RCX and RDI (string-instruction progress) */
};

/* Builds a 256-entry IDT (exception gates copied from the current one) and loads it. */
void isr_init(void);
/* Forgets every count and the log. */
void isr_reset(void);
/* EOI from the ISR (default true). */
void isr_set_auto_eoi(bool on);
/* Read PPR in the ISR into the log entry (default false). */
void isr_set_read_ppr(bool on);

uint64_t isr_count(uint8_t vector);
uint64_t isr_total(void);
uint64_t isr_first_tsc(uint8_t vector);
uint64_t isr_last_tsc(uint8_t vector);
/* Deliveries logged since isr_reset(), at most ISR_LOG_MAX. */
uint32_t isr_log_len(void);
const volatile struct isr_event *isr_log(uint32_t i);

/*
 * @brief Spin with interrupts enabled until vector has been delivered n
 * times or the TSC reaches tsc_limit.
 * @return true if the count was reached.
 */
bool isr_wait(uint8_t vector, uint64_t n, uint64_t tsc_limit);
/* Spin until the TSC reaches tsc_limit (interrupts as they are). */
void tsc_wait_until(uint64_t tsc_limit);

static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
/* STI; HLT: the STI shadow guarantees no interrupt slips in between. */
static inline void safe_halt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

/* The stack the stubs build (lib/isr.c). */
struct isr_frame;

/* Called by the stubs only. */
void isr_record(uint64_t vector, uint64_t tsc, const struct isr_frame *f);

#endif /* TV_GUEST_ISR_H */
