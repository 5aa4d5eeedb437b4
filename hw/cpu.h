/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The VMM's own CPU environment after ExitBootServices: GDT with a 64-bit
 * code segment, a data segment and a TSS (VM entry needs a usable host TR,
 * and OVMF leaves TR = 0); an IDT whose exception handlers dump state and end
 * the run; identity-mapped page tables; a stack of our own.
 */
#ifndef TV_HW_CPU_H
#define TV_HW_CPU_H

#include <tv/types.h>

#define CPU_SEL_CODE	0x08U
#define CPU_SEL_DATA	0x10U
#define CPU_SEL_TSS	0x18U
#define CPU_SEL_CODE32	0x28U	/* flat 32-bit code, used to leave long mode */

/* The frame every interrupt stub builds (hw/exception.asm). */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Host interrupt handler for vectors 32-255, installed by the timer backends. */
typedef void (*cpu_irq_handler_fn)(uint64_t vector, struct exc_frame *f);

/*
 * @brief Build and load the GDT/TSS/IDT and page tables.
 * @param max_phys_addr highest RAM address to map (at least 4 GiB are mapped).
 * @return 0 or -TV_ENOMEM.
 */
int cpu_tables_init(uint64_t max_phys_addr);
void cpu_set_irq_handler(uint8_t vector, cpu_irq_handler_fn fn);
/* @brief Where the image was loaded, so that stack traces print image offsets too. */
void cpu_set_image(uint64_t base, uint64_t size);
void cpu_set_stack(uint64_t bottom, uint64_t top);
/* @brief Host GDTR/IDTR/TR bases for the VMCS host-state area. */
uint64_t cpu_gdt_base(void);
uint64_t cpu_idt_base(void);
uint64_t cpu_tss_base(void);
bool cpu_has_1g_pages(void);

void cpu_reload_segments(uint16_t code_sel, uint16_t data_sel);
TV_NORETURN void vmm_call_on_stack(uint64_t stack_top, void (*fn)(void *), void *arg);
/* Called by the stubs; an exception in the VMM dumps state and ends the run. */
void exc_dispatch(struct exc_frame *f);

#endif /* TV_HW_CPU_H */
