/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "cpu: "

#include "cpu.h"

#include <tv/errno.h>
#include <tv/log.h>
#include <tv/status.h>
#include <x86/cpu.h>

#include "../vmm/pool.h"
#include "power.h"
#include <tv/string.h>

#define CPU_IST_STACK_BYTES	(16U * 1024U)
#define CPU_STACK_TRACE_DEPTH	16U

/* Page-table entry bits (SDM Vol. 3A, "Paging"). */
#define PTE_P		0x001ULL
#define PTE_W		0x002ULL
#define PTE_PWT		0x008ULL
#define PTE_PCD		0x010ULL
#define PTE_PS		0x080ULL
#define GIB		(1ULL << 30)
#define MIB2		(2ULL << 20)
#define CPU_MMIO_START	0xc0000000ULL	/* 3-4 GiB: the MMIO hole, mapped uncached */

struct TV_PACKED cpu_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};
TV_STATIC_ASSERT(sizeof(struct cpu_tss) == 104, "TSS layout (SDM Vol. 3A, 64-bit TSS)");

struct TV_PACKED cpu_idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};
TV_STATIC_ASSERT(sizeof(struct cpu_idt_gate) == 16, "64-bit IDT gate");

extern const uint64_t isr_stub_table[256];
extern const uint64_t exc_fixup_table[];

static uint64_t cpu_gdt[6] __attribute__((aligned(16)));
static struct cpu_tss cpu_tss __attribute__((aligned(16)));
static struct cpu_idt_gate cpu_idt[256] __attribute__((aligned(16)));
static cpu_irq_handler_fn cpu_irq_handlers[256];
static uint64_t cpu_image_base, cpu_image_size;
static uint64_t cpu_stack_bottom, cpu_stack_top;
static bool cpu_1g_pages;

static const char *const cpu_exc_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
	"#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved 15", "#MF x87 error", "#AC alignment check",
	"#MC machine check", "#XM SIMD error", "#VE virtualization exception",
	"#CP control protection", "reserved 22", "reserved 23", "reserved 24",
	"reserved 25", "reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security exception", "reserved 31",
};

uint64_t cpu_gdt_base(void) { return (uint64_t)(uintptr_t)cpu_gdt; }
uint64_t cpu_idt_base(void) { return (uint64_t)(uintptr_t)cpu_idt; }
uint64_t cpu_tss_base(void) { return (uint64_t)(uintptr_t)&cpu_tss; }
bool cpu_has_1g_pages(void) { return cpu_1g_pages; }

void cpu_set_image(uint64_t base, uint64_t size)
{
	cpu_image_base = base;
	cpu_image_size = size;
}

void cpu_set_stack(uint64_t bottom, uint64_t top)
{
	cpu_stack_bottom = bottom;
	cpu_stack_top = top;
}

void cpu_set_irq_handler(uint8_t vector, cpu_irq_handler_fn fn)
{
	cpu_irq_handlers[vector] = fn;
}

static void cpu_gdt_init(void)
{
	uint64_t tss = (uint64_t)(uintptr_t)&cpu_tss;
	uint64_t limit = sizeof(cpu_tss) - 1;
	struct cpu_dtr gdtr;

	cpu_gdt[0] = 0;
	cpu_gdt[1] = 0x00af9b000000ffffULL;	/* 64-bit code, DPL 0, accessed */
	cpu_gdt[2] = 0x00cf93000000ffffULL;	/* data, writable, accessed */
	/* 64-bit available TSS (type 9), present: SDM Vol. 3A, "TSS Descriptor in 64-bit mode". */
	cpu_gdt[3] = (limit & 0xffffULL) | ((tss & 0xffffffULL) << 16) | (0x89ULL << 40) |
		     ((limit >> 16) & 0xfULL) << 48 | ((tss >> 24) & 0xffULL) << 56;
	cpu_gdt[4] = tss >> 32;
	cpu_gdt[5] = 0x00cf9b000000ffffULL;	/* 32-bit code, for the mode=native handover */
	cpu_tss.iomap_base = sizeof(cpu_tss);	/* no I/O permission bitmap */
	gdtr.limit = sizeof(cpu_gdt) - 1;
	gdtr.base = (uint64_t)(uintptr_t)cpu_gdt;
	cpu_lgdt(&gdtr);
	cpu_reload_segments(CPU_SEL_CODE, CPU_SEL_DATA);
	cpu_ltr(CPU_SEL_TSS);
}

static int cpu_idt_init(void)
{
	uint64_t ist = pool_alloc(CPU_IST_STACK_BYTES, 4096);
	struct cpu_dtr idtr;

	if (!ist)
		return -TV_ENOMEM;
	/* #DF, NMI and #MC run on their own stack so a blown stack still gets a dump. */
	cpu_tss.ist[0] = ist + CPU_IST_STACK_BYTES;
	for (unsigned int v = 0; v < 256; v++) {
		uint64_t h = isr_stub_table[v];
		struct cpu_idt_gate *g = &cpu_idt[v];

		g->offset_lo = (uint16_t)h;
		g->selector = CPU_SEL_CODE;
		g->ist = (v == 2 || v == 8 || v == 18) ? 1 : 0;
		g->type_attr = 0x8e;	/* present, DPL 0, 64-bit interrupt gate */
		g->offset_mid = (uint16_t)(h >> 16);
		g->offset_hi = (uint32_t)(h >> 32);
		g->reserved = 0;
	}
	idtr.limit = sizeof(cpu_idt) - 1;
	idtr.base = (uint64_t)(uintptr_t)cpu_idt;
	cpu_lidt(&idtr);
	return 0;
}

/*
 * Identity map [0, max(4 GiB, top of RAM)) with 1 GiB pages where the CPU has
 * them (CPUID.80000001H:EDX[26]), else 2 MiB pages; the 3-4 GiB hole holds
 * the APIC, I/O APIC and HPET and is mapped PCD|PWT (uncached, PAT entry 3).
 */
static int cpu_paging_init(uint64_t max_phys_addr)
{
	struct cpuid_regs r;
	uint64_t top = TV_ALIGN_UP(TV_MAX(max_phys_addr, 4 * GIB), GIB);
	uint64_t nr_gib, *pml4, *pdpt;

	if (top > 512 * GIB)
		top = 512 * GIB;
	nr_gib = top / GIB;
	cpu_cpuid(0x80000000U, 0, &r);
	if (r.eax >= 0x80000001U) {
		cpu_cpuid(0x80000001U, 0, &r);
		cpu_1g_pages = r.edx & (1U << 26);
	}
	pml4 = (uint64_t *)(uintptr_t)pool_alloc(4096, 4096);
	pdpt = (uint64_t *)(uintptr_t)pool_alloc(4096, 4096);
	if (!pml4 || !pdpt)
		return -TV_ENOMEM;
	pml4[0] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_W;
	for (uint64_t g = 0; g < nr_gib; g++) {
		uint64_t base = g * GIB;
		uint64_t cache = base >= CPU_MMIO_START && base < 4 * GIB ? PTE_PCD | PTE_PWT : 0;
		uint64_t *pd;

		if (cpu_1g_pages) {
			pdpt[g] = base | PTE_P | PTE_W | PTE_PS | cache;
			continue;
		}
		pd = (uint64_t *)(uintptr_t)pool_alloc(4096, 4096);
		if (!pd)
			return -TV_ENOMEM;
		for (uint64_t i = 0; i < 512; i++)
			pd[i] = (base + i * MIB2) | PTE_P | PTE_W | PTE_PS | cache;
		pdpt[g] = (uint64_t)(uintptr_t)pd | PTE_P | PTE_W;
	}
	cpu_write_cr3((uint64_t)(uintptr_t)pml4);
	pr_info("page tables: identity map of %llu GiB with %s pages\n",
		(unsigned long long)nr_gib, cpu_1g_pages ? "1 GiB" : "2 MiB");
	return 0;
}

int cpu_tables_init(uint64_t max_phys_addr)
{
	int rc;

	cpu_gdt_init();
	rc = cpu_idt_init();
	if (!rc)
		rc = cpu_paging_init(max_phys_addr);
	if (!rc)
		pr_info("own GDT (TSS at %#llx), IDT and page tables loaded\n",
			(unsigned long long)cpu_tss_base());
	return rc;
}

static bool cpu_addr_in_stack(uint64_t a)
{
	return a >= cpu_stack_bottom && a + 16 <= cpu_stack_top;
}

static void cpu_print_addr(const char *what, uint64_t a)
{
	if (a >= cpu_image_base && a < cpu_image_base + cpu_image_size)
		pr_err("  %s %#018llx (tickvisor.debug+%#llx)\n", what, (unsigned long long)a,
		       (unsigned long long)(a - cpu_image_base));
	else
		pr_err("  %s %#018llx\n", what, (unsigned long long)a);
}

static void cpu_dump_frame(const struct exc_frame *f)
{
	uint64_t rbp = f->rbp;

	pr_err("VMM exception: vector %llu (%s), error code %#llx\n",
	       (unsigned long long)f->vector,
	       f->vector < 32 ? cpu_exc_names[f->vector] : "external interrupt",
	       (unsigned long long)f->error_code);
	cpu_print_addr("RIP", f->rip);
	pr_err("  CS %04llx RFLAGS %016llx RSP %016llx SS %04llx\n",
	       (unsigned long long)f->cs, (unsigned long long)f->rflags,
	       (unsigned long long)f->rsp, (unsigned long long)f->ss);
	pr_err("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n",
	       (unsigned long long)f->rax, (unsigned long long)f->rbx,
	       (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	pr_err("  RSI %016llx RDI %016llx RBP %016llx R8  %016llx\n",
	       (unsigned long long)f->rsi, (unsigned long long)f->rdi,
	       (unsigned long long)f->rbp, (unsigned long long)f->r8);
	pr_err("  R9  %016llx R10 %016llx R11 %016llx R12 %016llx\n",
	       (unsigned long long)f->r9, (unsigned long long)f->r10,
	       (unsigned long long)f->r11, (unsigned long long)f->r12);
	pr_err("  R13 %016llx R14 %016llx R15 %016llx\n",
	       (unsigned long long)f->r13, (unsigned long long)f->r14,
	       (unsigned long long)f->r15);
	pr_err("  CR0 %016llx CR2 %016llx CR3 %016llx CR4 %016llx\n",
	       (unsigned long long)cpu_read_cr0(), (unsigned long long)cpu_read_cr2(),
	       (unsigned long long)cpu_read_cr3(), (unsigned long long)cpu_read_cr4());
	pr_err("stack trace (frame pointers; addr2line -e build/tickvisor.debug OFFSET):\n");
	cpu_print_addr("at", f->rip);
	for (unsigned int i = 0; i < CPU_STACK_TRACE_DEPTH && cpu_addr_in_stack(rbp); i++) {
		const uint64_t *fp = (const uint64_t *)(uintptr_t)rbp;
		char what[8] = "#0";

		if (!fp[1])
			break;
		what[1] = (char)('0' + i % 10);
		cpu_print_addr(what, fp[1]);
		if (fp[0] <= rbp)
			break;
		rbp = fp[0];
	}
}

void exc_dispatch(struct exc_frame *f)
{
	if (f->vector == 13 || f->vector == 6) {
		for (const uint64_t *fx = exc_fixup_table; fx[0]; fx += 2) {
			if (fx[0] == f->rip) {
				f->rip = fx[1];
				f->rax = f->vector;
				return;
			}
		}
	}
	if (f->vector >= 32 && cpu_irq_handlers[f->vector]) {
		cpu_irq_handlers[f->vector](f->vector, f);
		return;
	}
	if (f->vector >= 32) {
		pr_err_ratelimited("unexpected interrupt, vector %llu: ignored\n",
				   (unsigned long long)f->vector);
		return;
	}
	cpu_dump_frame(f);
	vmm_end(TV_STATUS_EXCEPTION, "exception in the VMM");
}
