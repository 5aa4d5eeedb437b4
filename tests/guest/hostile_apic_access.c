/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * hostile_apic_access (issue 12 item 1): accesses to the xAPIC page that are
 * not the current instruction's own data access.  tickvisor emulates a
 * trapped APIC access by decoding the instruction at RIP; before this fix a
 * guest whose page tables lived in the APIC page got an APIC register as a
 * page-table entry (and set TPR with a store), with no fault, on all three
 * APIC paths.  Now only a data read or write by the instruction whose
 * operand is the trapped address is emulated; anything else stops the VM
 * with the access named (SDM Vol. 3C, "Exit Qualification for APIC-Access
 * VM Exits ...", "Exit Qualification for EPT Violations").
 *
 * how= picks the case:
 *   walk        a page table in the APIC page: a load through it makes the
 *               CPU read the page-table entry at APIC offset 0x30 (the
 *               version register).  Expected: stopped, "page walk".
 *   walk_store  the same for a store, whose walk reads offset 0x80 (TPR).
 *   idt         the IDT in the APIC page, then #UD: the gate is read during
 *               event delivery.  Expected: stopped, "during event delivery".
 *   gdt         the GDT in the APIC page, then #UD: the gate's code-segment
 *               descriptor is read during event delivery.  Same.
 *   stale       an operand that does not match: the code page at WALK_VA is
 *               executed once (its translation cached), then its page-table
 *               entry is pointed at another page without INVLPG and the code
 *               runs again with RBX at the APIC's PPR.  The CPU executes the
 *               cached page, "mov eax, [rbx]"; the guest's tables now give
 *               "mov eax, [rbx + 0x10]", whose operand is not the trapped
 *               address.  Expected: stopped, "operand mismatch".  (Whether a
 *               stale translation is used is not architectural: the SDM only
 *               allows it, "Invalidation of TLBs and Paging-Structure
 *               Caches"; Bochs 2.7 keeps it.)
 *   mmio        (default) the contrast: ordinary loads and stores in every
 *               addressing form the cross-check must get right (base +
 *               displacement, base + index * scale, 64-bit moffs, an FS
 *               segment base, 32-bit address size with junk above bit 31),
 *               each one an exit on every path (PPR reads, PPR writes,
 *               which the APIC ignores, and TPR writes read back through
 *               PPR).  Expected: pass.
 *   read8 ... clflush  MMIO forms, widths, segments and modes: see the
 *               comment before case_read8() and the table at the end.
 *   all         every case whose outcome is not "stopped", one after
 *               another (the native oracle).
 *
 * Natively (QEMU, Bochs without tickvisor) the APIC's own page walk, IDT
 * and GDT behaviour is the emulator's, and a real CPU would run on with
 * whatever the registers decode as: those cases are not provoked there (a
 * skip), as in hostile_self_init.  The mmio case runs everywhere.
 */
#include "apic.h"
#include "exception.h"
#include "guest.h"
#include "hypercall.h"
#include "libc.h"
#include "multiboot.h"
#include "processor.h"
#include "report.h"
#include "serial.h"
#include "xstate_util.h"

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_PWT		0x008ULL
#define PTE_PCD		0x010ULL
#define MSR_FS_BASE	0xc0000100U
/* 2 GiB: identity-mapped by entry.asm, above every guest's RAM, never used. */
#define WALK_VA		0x80000000ULL

/* entry.asm: four page directories, one per GiB, 512 entries each. */
extern uint64_t guest_pd[4 * 512];

struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uint64_t base;
};

/*
 * Point the 2-MiB region at WALK_VA at a page table that is the APIC page,
 * then access WALK_VA + index * 4 KiB: the walk reads the entry at APIC
 * offset index * 8 (SDM Vol. 3A, "4-Level Paging": bits 20:12 of the linear
 * address select the PTE).
 */
static void walk_through_apic(unsigned int index, bool is_store)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)(WALK_VA + index * 4096ULL);

	guest_pd[WALK_VA >> 21] = apic_mmio_base() | PTE_P | PTE_RW | PTE_PWT | PTE_PCD;
	write_cr3(read_cr3());
	report_info("%s through a page table in the APIC page (PTE at offset 0x%x): tickvisor "
		    "must stop this VM", is_store ? "store" : "load", index * 8U);
	serial_drain();
	if (is_store)
		*p = 0xffU;
	else
		(void)*p;
	report(false, "still running after a page walk through the APIC page");
}

/* Load the IDT (is_idt) or the GDT at the APIC page, then raise #UD. */
static void deliver_through_apic(bool is_idt)
{
	struct desc_ptr p = { .limit = 0xfff, .base = apic_mmio_base() };

	report_info("%s in the APIC page, then #UD: tickvisor must stop this VM",
		    is_idt ? "IDT" : "GDT");
	serial_drain();
	if (is_idt)
		__asm__ volatile("lidt %0\n\tud2" : : "m"(p) : "memory");
	else
		__asm__ volatile("lgdt %0\n\tud2" : : "m"(p) : "memory");
	report(false, "still running after event delivery through the APIC page");
}

/* Two code pages for the stale case and the page table that maps one of them. */
static uint8_t stale_code[2][4096] __attribute__((aligned(4096)));
static uint64_t stale_pt[512] __attribute__((aligned(4096)));

static uint32_t call_with_rbx(uint64_t rbx)
{
	uint32_t v;

	__asm__ volatile("call *%1" : "=a"(v) : "r"((uintptr_t)WALK_VA), "b"(rbx) : "memory", "cc");
	return v;
}

static void run_stale_code(void)
{
	static const uint8_t executed[] = { 0x8b, 0x03, 0xc3 };		/* mov eax, [rbx]; ret */
	static const uint8_t in_tables[] = { 0x8b, 0x43, 0x10, 0xc3 };	/* mov eax, [rbx + 0x10]; ret */
	static volatile uint32_t word = 0x600dU;
	uint32_t v, v2;

	memcpy(stale_code[0], executed, sizeof(executed));
	memcpy(stale_code[1], in_tables, sizeof(in_tables));
	stale_pt[0] = (uintptr_t)stale_code[0] | PTE_P | PTE_RW;
	guest_pd[WALK_VA >> 21] = (uintptr_t)stale_pt | PTE_P | PTE_RW;
	write_cr3(read_cr3());
	apic_write(APIC_TPR, 0x20);	/* PPR 0x20; EOI, 0x10 above it, reads 0 */
	report_info("code page at 0x%lx run, remapped without INVLPG, run again on the APIC's "
		    "PPR: tickvisor must stop this VM", (unsigned long)WALK_VA);
	serial_drain();
	/*
	 * No VM exit from here to the access: nothing may flush the cached
	 * translation (the first run reads RAM, the remap is a RAM store).
	 */
	v = call_with_rbx((uintptr_t)&word);
	stale_pt[0] = (uintptr_t)stale_code[1] | PTE_P | PTE_RW;
	v2 = call_with_rbx(apic_mmio_base() + APIC_PPR);
	report(v == 0x600dU, "the code page ran from RAM (read 0x%x)", v);
	report(false, "still running after an access the decoded instruction does not make "
	       "(read 0x%x: %s)", v2, v2 == 0x20U ? "the cached page's PPR read, emulated" :
	       "the new page's EOI read: the translation was not cached");
}

static uint32_t read_ppr_moffs(void)
{
	uint32_t v;

	/* A1 with a 64-bit offset: the only absolute form that reaches 0xFEE00000. */
	__asm__ volatile("movabs 0xfee000a0, %%eax" : "=a"(v) : : "memory");
	return v;
}

static uint32_t read_ppr_fs(void)
{
	uint32_t v;

	wrmsr(MSR_FS_BASE, apic_mmio_base());
	__asm__ volatile("movl %%fs:0xa0, %0" : "=r"(v) : : "memory");
	wrmsr(MSR_FS_BASE, 0);
	return v;
}

static uint32_t read_ppr_addr32(void)
{
	/* 67h: the effective address is EBX + 0xa0; bits 63:32 of RBX do not count. */
	uint64_t rbx = 0x5a5a5a5a00000000ULL | apic_mmio_base();
	uint32_t v;

	__asm__ volatile("movl 0xa0(%%ebx), %0" : "=r"(v) : "b"(rbx) : "memory");
	return v;
}

static void write_tpr_indexed(uint32_t tpr)
{
	/* [base + index * 4]: 0xfee00000 + 0x20 * 4 = TPR. */
	__asm__ volatile("movl %0, (%1,%2,4)" : : "r"(tpr), "r"(apic_mmio_base()),
			 "r"(0x20ULL) : "memory");
}

static void mmio_forms(void)
{
	volatile uint32_t *apic = (volatile uint32_t *)(uintptr_t)apic_mmio_base();
	uint8_t ppr8;

	apic_write(APIC_TPR, 0x20);
	report(apic[APIC_PPR / 4] == 0x20U, "PPR by [base + disp]: 0x%x", apic[APIC_PPR / 4]);
	report(read_ppr_moffs() == 0x20U, "PPR by a 64-bit moffs: 0x%x", read_ppr_moffs());
	report(read_ppr_fs() == 0x20U, "PPR by FS base + disp: 0x%x", read_ppr_fs());
	report(read_ppr_addr32() == 0x20U, "PPR with 32-bit address size: 0x%x",
	       read_ppr_addr32());
	ppr8 = *(volatile uint8_t *)&apic[APIC_PPR / 4];
	if (ppr8 != 0x20U && apic_is_qemu_tcg())
		report_skip("PPR by a 1-byte load: 0x%x (QEMU TCG reads APIC accesses under 4 "
			    "bytes as 0)", ppr8);
	else
		report(ppr8 == 0x20U, "PPR by a 1-byte load: 0x%x", ppr8);
	write_tpr_indexed(0x30);
	report(apic_read(APIC_TPR) == 0x30U && apic_read(APIC_PPR) == 0x30U,
	       "TPR by [base + index * 4]: TPR 0x%x PPR 0x%x", apic_read(APIC_TPR),
	       apic_read(APIC_PPR));
	/* PPR is read-only: the write is an exit on every path, and ignored. */
	apic[APIC_PPR / 4] = 0xf0U;
	report(apic_read(APIC_PPR) == 0x30U, "a store to read-only PPR is ignored: 0x%x",
	       apic_read(APIC_PPR));
	apic_write(APIC_TPR, 0);
}

/*
 * The cases below (issue 12, MMIO forms and widths) are all accesses by the
 * current instruction, which pass the check above; what follows it decides.
 * tickvisor emulates MOV and MOVZX of 1, 2 and 4 bytes read and 4 bytes
 * written within the low 4 bytes of a 16-byte register slot (lapic/vlapic.c,
 * docs/design.md "Limits"); every other width or alignment is one the SDM
 * leaves model-specific (Vol. 3A, "Local APIC Register Address Space": "All
 * 32-bit registers should be accessed using 128-bit aligned 32-bit loads or
 * stores") and every other instruction is refused (docs/guests.md, "The
 * empty bus"): both stop the VM.  Under apic=apicv the CPU serves some
 * accesses itself (Vol. 3C, "Virtualizing Reads from the APIC-Access
 * Page": ID, version, TPR, EOI, LDR, DFR, SVR, ISR, TMR, IRR, ESR, ICR, LVT,
 * TMICT, TDCR within their low 4 bytes; writes likewise), so each stopped
 * case aims at an offset whose access exits on every path: PPR and TMCCT
 * reads, writes to read-only registers, accesses over 4 bytes or outside
 * the low 4 bytes of a slot.  That is why the LOCK forms use PPR and TMCCT,
 * not TPR: a locked OR on TPR is virtualized whole under apicv (no exit).
 */
#define MSR_GS_BASE	0xc0000101U
#define ESR_ILLEGAL_REG	0x80U	/* "Error Handling": bit 7, illegal register address */
#define SEL_EXTRA	0x18U	/* the first selector after entry.asm's three descriptors */
#define SEL_CODE64_BASE	(SEL_EXTRA + 0x00U)
#define SEL_CODE32	(SEL_EXTRA + 0x08U)
#define SEL_APIC_DATA	(SEL_EXTRA + 0x10U)
/* A CS base the CPU must ignore in 64-bit mode: a fetch there reads zeros from RAM. */
#define CODE64_BASE	0x400000U
/* The compatibility-mode code segment's base: EIP is the code's address minus it. */
#define CODE32_BASE	0x1000U

static uint64_t apic_at(uint32_t off)
{
	return apic_mmio_base() + off;
}

static const char *platform_name(void)
{
	return apic_is_qemu_tcg() ? "QEMU TCG" : apic_is_bochs_native() ? "Bochs" : "this CPU";
}

/*
 * A value the SDM defines: strict under tickvisor; natively, where the
 * platform gives another answer, a skip that says what it gave.
 */
static void check(bool ok, const char *what, uint64_t got, uint64_t want)
{
	if (!ok && !tv_is_present()) {
		report_skip("%s: 0x%lx, not 0x%lx (%s without tickvisor deviates)", what,
			    (unsigned long)got, (unsigned long)want, platform_name());
		return;
	}
	report(ok, "%s: 0x%lx (expected 0x%lx)", what, (unsigned long)got, (unsigned long)want);
}

static void provoke(const char *what)
{
	report_info("%s: tickvisor must stop this VM", what);
	serial_drain();
}

static void still_running(const char *what)
{
	report(false, "still running after %s", what);
}

/* Loads of each form the decoder distinguishes, at a linear address. */
static uint8_t load8(uint64_t a)
{
	uint8_t v;

	__asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(a) : "memory");
	return v;
}

static uint32_t load8_zx(uint64_t a)
{
	uint32_t v;

	__asm__ volatile("movzbl (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

/* MOV AH, m8: bits 15:8 of RAX, the rest kept. */
static uint64_t load8_ah(uint64_t a, uint64_t rax)
{
	__asm__ volatile("movb (%1), %%ah" : "+a"(rax) : "b"(a) : "memory");
	return rax;
}

/* MOV SIL, m8 (needs REX): bits 7:0 of RSI, the rest kept. */
static uint64_t load8_sil(uint64_t a, uint64_t rsi)
{
	__asm__ volatile("movb (%1), %%sil" : "+S"(rsi) : "b"(a) : "memory");
	return rsi;
}

static uint16_t load16(uint64_t a)
{
	uint16_t v;

	__asm__ volatile("movw (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static uint32_t load16_zx(uint64_t a)
{
	uint32_t v;

	__asm__ volatile("movzwl (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

/* MOV r16, m16 into R9: bits 63:16 kept ("General-Purpose Registers in 64-Bit Mode"). */
static uint64_t load16_r9(uint64_t a, uint64_t r9)
{
	register uint64_t r __asm__("r9") = r9;

	__asm__ volatile("movw (%1), %%r9w" : "+r"(r) : "r"(a) : "memory");
	return r;
}

/* read8: 1-byte loads of TPR (virtualized under apicv), PPR (an exit everywhere) and LVR. */
static void case_read8(void)
{
	uint32_t lvr = apic_read(APIC_LVR);
	unsigned int i;
	uint64_t v;

	apic_write(APIC_TPR, 0x5a);
	check(load8(apic_at(APIC_TPR)) == 0x5aU, "TPR by MOV r8, m8", load8(apic_at(APIC_TPR)),
	      0x5a);
	for (i = 1; i < 4; i++)
		check(load8(apic_at(APIC_TPR + i)) == 0, "TPR byte 1-3 (reserved, 0)",
		      load8(apic_at(APIC_TPR + i)), 0);
	check(load8_zx(apic_at(APIC_PPR)) == 0x5aU, "PPR by MOVZX r32, m8",
	      load8_zx(apic_at(APIC_PPR)), 0x5a);
	v = load8_ah(apic_at(APIC_PPR), 0x11223344556677ccULL);
	check(v == 0x1122334455665accULL, "PPR into AH, the rest of RAX kept", v,
	      0x1122334455665accULL);
	v = load8_sil(apic_at(APIC_LVR + 2), 0xa5a5a5a5a5a5a5a5ULL);
	check(v == (0xa5a5a5a5a5a5a500ULL | ((lvr >> 16) & 0xffU)),
	      "LVR byte 2 into SIL (REX), the rest of RSI kept", v,
	      0xa5a5a5a5a5a5a500ULL | ((lvr >> 16) & 0xffU));
	for (i = 0; i < 4; i++)
		check(load8(apic_at(APIC_LVR + i)) == ((lvr >> (8 * i)) & 0xffU),
		      "LVR byte by byte = the 32-bit read", load8(apic_at(APIC_LVR + i)),
		      (lvr >> (8 * i)) & 0xffU);
	apic_write(APIC_TPR, 0);
}

/* read16: 2-byte loads, aligned and at byte 1 (still inside the low 4 bytes). */
static void case_read16(void)
{
	uint32_t lvr = apic_read(APIC_LVR);
	unsigned int i;
	uint64_t v;

	apic_write(APIC_TPR, 0x5a);
	check(load16(apic_at(APIC_PPR)) == 0x5aU, "PPR by MOV r16, m16",
	      load16(apic_at(APIC_PPR)), 0x5a);
	check(load16_zx(apic_at(APIC_PPR)) == 0x5aU, "PPR by MOVZX r32, m16",
	      load16_zx(apic_at(APIC_PPR)), 0x5a);
	v = load16_r9(apic_at(APIC_PPR), 0xdeadbeefcafe1234ULL);
	check(v == 0xdeadbeefcafe005aULL, "PPR into R9W, bits 63:16 kept", v,
	      0xdeadbeefcafe005aULL);
	check(load16(apic_at(APIC_TPR + 2)) == 0, "TPR bits 31:16 (reserved, 0)",
	      load16(apic_at(APIC_TPR + 2)), 0);
	for (i = 0; i < 3; i++)
		check(load16(apic_at(APIC_LVR + i)) == ((lvr >> (8 * i)) & 0xffffU),
		      "LVR 2 bytes at byte 0, 1, 2 = the 32-bit read", load16(apic_at(APIC_LVR + i)),
		      (lvr >> (8 * i)) & 0xffffU);
	apic_write(APIC_TPR, 0);
}

/*
 * reserved: offsets the SDM's register table lists as reserved read 0 and
 * set ESR bit 7, "Illegal Register Address" (Vol. 3A, "Error Handling"),
 * which the next ESR write makes visible and the one after clears.
 */
static void case_reserved(void)
{
	static const uint32_t offsets[] = { 0x040, 0x070, 0x290, 0x3a0, 0x3d0 };
	unsigned int i;
	uint32_t esr;

	apic_write(APIC_ESR, 0);
	apic_write(APIC_ESR, 0);
	check(apic_read(APIC_ESR) == 0, "ESR before", apic_read(APIC_ESR), 0);
	for (i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		uint32_t v = apic_read(offsets[i]);

		check(v == 0, "a reserved offset reads 0", v, 0);
	}
	apic_write(APIC_ESR, 0);
	esr = apic_read(APIC_ESR);
	check((esr & ESR_ILLEGAL_REG) != 0, "ESR after the reads: illegal register address", esr,
	      esr | ESR_ILLEGAL_REG);
	apic_write(APIC_ESR, 0);
	check(apic_read(APIC_ESR) == 0, "ESR after a second write", apic_read(APIC_ESR), 0);
}

/* gs_base: GS and FS bases at (or above) the APIC page, with negative offsets too. */
static void case_gs_base(void)
{
	uint64_t base = apic_mmio_base();
	uint32_t v, m, n, f;

	apic_write(APIC_TPR, 0x40);
	wrmsr(MSR_GS_BASE, base);
	__asm__ volatile("movl %%gs:0xa0, %0" : "=r"(v) : : "memory");
	__asm__ volatile("movabs %%gs:0xa0, %%eax" : "=a"(m) : : "memory");
	__asm__ volatile("movl %0, %%gs:0x80" : : "r"(0x50U) : "memory");
	wrmsr(MSR_FS_BASE, base + 0x1000);
	/* [FS: rbx + rcx * 4] with rcx = -0x3d8: 0x1000 - 0xf60 = 0xa0, PPR. */
	__asm__ volatile("movl %%fs:(%1,%2,4), %0" : "=r"(f) : "r"(0ULL), "r"(-0x3d8LL) :
			 "memory");
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, 0);
	n = apic_read(APIC_PPR);
	check(v == 0x40U, "PPR by GS base + disp", v, 0x40);
	check(m == 0x40U, "PPR by GS base + 64-bit moffs", m, 0x40);
	check(n == 0x50U && apic_read(APIC_TPR) == 0x50U, "TPR written by GS base + disp, PPR",
	      n, 0x50);
	check(f == 0x50U, "PPR by FS base 4 KiB above + negative index", f, 0x50);
	apic_write(APIC_TPR, 0);
}

/* addr32_wrap: a 32-bit effective address that overflows wraps at 4 GiB ("Address Calculations"). */
static void case_addr32_wrap(void)
{
	uint64_t base = apic_mmio_base();
	uint32_t v, w;

	apic_write(APIC_TPR, 0x60);
	/* EBX 0xffffff00 + ECX (base + 0x1a0): the carry out of bit 31 is dropped. */
	__asm__ volatile("movl (%%ebx,%%ecx,1), %0" : "=r"(v) :
			 "b"(0xffffff00ULL), "c"(base + 0x1a0ULL) : "memory");
	/* ESI + EDI * 2, EDI 0xc0000000: the scaled index overflows; RSI has junk above bit 31. */
	__asm__ volatile("movl (%%esi,%%edi,2), %0" : "=r"(w) :
			 "S"(0xa5a5a5a500000000ULL | (uint32_t)(base + 0xa0ULL - 0x80000000ULL)),
			 "D"(0xc0000000ULL) : "memory");
	check(v == 0x60U, "PPR by EBX + ECX past 4 GiB", v, 0x60);
	check(w == 0x60U, "PPR by ESI + EDI * 2 past 4 GiB", w, 0x60);
	apic_write(APIC_TPR, 0);
}

static uint64_t seg_desc(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffffULL) | ((uint64_t)(base & 0xffffffU) << 16) |
	       ((uint64_t)access << 40) | ((uint64_t)((limit >> 16) & 0xfU) << 48) |
	       ((uint64_t)(flags & 0xfU) << 52) | ((uint64_t)(base >> 24) << 56);
}

static uint64_t extra_gdt[6] __attribute__((aligned(16)));

/*
 * A copy of entry.asm's GDT plus a 64-bit code segment with a base, a
 * 32-bit code segment with a base and a data segment based at the APIC page.
 * @return false (a FAIL given) if the running GDT is not entry.asm's.
 */
static bool load_case_gdt(struct desc_ptr *old)
{
	struct desc_ptr p = { .limit = sizeof(extra_gdt) - 1, .base = (uintptr_t)extra_gdt };

	__asm__ volatile("sgdt %0" : "=m"(*old));
	if (old->limit != SEL_EXTRA - 1U) {
		report(false, "the GDT has %u bytes, not entry.asm's 3 descriptors", old->limit + 1U);
		return false;
	}
	memcpy(extra_gdt, (const void *)(uintptr_t)old->base, SEL_EXTRA);
	/* G, L: 64-bit code.  G, D: 32-bit code.  D, byte-granular: data. */
	extra_gdt[SEL_CODE64_BASE / 8] = seg_desc(CODE64_BASE, 0xfffff, 0x9a, 0xa);
	extra_gdt[SEL_CODE32 / 8] = seg_desc(CODE32_BASE, 0xfffff, 0x9a, 0xc);
	extra_gdt[SEL_APIC_DATA / 8] = seg_desc((uint32_t)apic_mmio_base(), 0xfff, 0x92, 0x4);
	__asm__ volatile("lgdt %0" : : "m"(p) : "memory");
	return true;
}

/*
 * cs_base64: "In 64-bit mode ... the processor treats the segment base of
 * CS, DS, ES, SS as zero" (Vol. 3A, "Segmentation in IA-32e Mode"): the
 * instruction tickvisor fetches for the PPR read is at RIP, not CS.base + RIP.
 */
static void case_cs_base64(void)
{
	struct desc_ptr old;
	uint32_t v, cs;

	if (!load_case_gdt(&old))
		return;
	apic_write(APIC_TPR, 0x70);
	__asm__ volatile(
		"mov %%cs, %%edx\n\t"
		"pushq %q[sel]\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl (%[a]), %[v]\n\t"
		"mov %%cs, %[cs]\n\t"
		"pushq %%rdx\n\t"
		"leaq 2f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"2:"
		: [v] "=&r"(v), [cs] "=&r"(cs)
		: [sel] "r"((uint64_t)SEL_CODE64_BASE), [a] "r"(apic_at(APIC_PPR))
		: "rax", "rdx", "memory");
	__asm__ volatile("lgdt %0" : : "m"(old) : "memory");
	report(cs == SEL_CODE64_BASE, "the PPR read ran with CS 0x%x (base 0x%x)", cs,
	       CODE64_BASE);
	check(v == 0x70U, "PPR by a 64-bit CS with a non-zero base", v, 0x70);
	apic_write(APIC_TPR, 0);
}

/*
 * compat: compatibility mode (CS.L = 0 in IA-32e mode), reached by a far
 * call: its CS base counts for the fetch and DS, based at the APIC page,
 * for the operands (Vol. 3A, "Segmentation in IA-32e Mode").  In: DX the
 * APIC data selector, EBX 0, ECX a TPR value, SI the flat DS.  Out: EAX PPR
 * by moffs32, EDI PPR by [EBX + 0xa0], then TPR written by [EBX + 0x80].
 */
__asm__(".pushsection .text\n"
	".code32\n"
	"compat_apic_code:\n\t"
	"mov %dx, %ds\n\t"
	"movl 0xa0, %eax\n\t"
	"movl 0xa0(%ebx), %edi\n\t"
	"movl %ecx, 0x80(%ebx)\n\t"
	"mov %si, %ds\n\t"
	"lret\n"
	".code64\n"
	".popsection");
extern const char compat_apic_code[];

struct __attribute__((packed)) far_ptr32 {
	uint32_t offset;
	uint16_t sel;
};

static void case_compat(void)
{
	struct far_ptr32 fp = {
		.offset = (uint32_t)((uintptr_t)compat_apic_code - CODE32_BASE),
		.sel = SEL_CODE32,
	};
	struct desc_ptr old;
	uint32_t moffs, indexed, ds;

	if (!load_case_gdt(&old))
		return;
	apic_write(APIC_TPR, 0x20);
	__asm__ volatile("mov %%ds, %0" : "=r"(ds));
	__asm__ volatile("lcall *%[fp]"
			 : "=a"(moffs), "=D"(indexed)
			 : [fp] "m"(fp), "d"(SEL_APIC_DATA), "b"(0), "c"(0x90U), "S"(ds)
			 : "memory");
	__asm__ volatile("lgdt %0" : : "m"(old) : "memory");
	check(moffs == 0x20U, "PPR by DS (base: the APIC page) + moffs32, compatibility mode",
	      moffs, 0x20);
	check(indexed == 0x20U, "PPR by DS + [EBX + 0xa0], compatibility mode", indexed, 0x20);
	check(apic_read(APIC_TPR) == 0x90U && apic_read(APIC_PPR) == 0x90U,
	      "TPR written by DS + [EBX + 0x80] in compatibility mode, PPR", apic_read(APIC_PPR),
	      0x90);
	apic_write(APIC_TPR, 0);
}

/* The cases tickvisor must stop; each runs only under tickvisor. */

static void case_write8(void)
{
	provoke("a 1-byte store to PPR (read-only; not virtualized under apicv)");
	__asm__ volatile("movb %%al, (%0)" : : "r"(apic_at(APIC_PPR)), "a"(0x11) : "memory");
	still_running("a 1-byte store to the APIC page");
}

static void case_write16(void)
{
	provoke("a 2-byte store to PPR");
	__asm__ volatile("movw %%ax, (%0)" : : "r"(apic_at(APIC_PPR)), "a"(0x11) : "memory");
	still_running("a 2-byte store to the APIC page");
}

static void case_read64(void)
{
	uint64_t v;

	provoke("an 8-byte load of TPR (over 32 bits: an exit on every path)");
	__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(apic_at(APIC_TPR)) : "memory");
	still_running("an 8-byte load from the APIC page");
	report_info("read 0x%lx", (unsigned long)v);
}

static void case_write64(void)
{
	provoke("an 8-byte store to TPR");
	__asm__ volatile("movq %1, (%0)" : : "r"(apic_at(APIC_TPR)), "r"(0x10ULL) : "memory");
	still_running("an 8-byte store to the APIC page");
}

static void case_straddle(void)
{
	uint32_t v;

	provoke("a 4-byte load at offset 0x9e: APR's bytes 14-15 and PPR's bytes 0-1");
	__asm__ volatile("movl 0x9e(%1), %0" : "=r"(v) : "r"(apic_mmio_base()) : "memory");
	still_running("a load straddling two APIC registers");
	report_info("read 0x%x", v);
}

static void case_unaligned(void)
{
	provoke("a 4-byte store at offset 0x84 (TPR's slot, not 16-byte aligned)");
	__asm__ volatile("movl %1, 0x84(%0)" : : "r"(apic_mmio_base()), "r"(0x10U) : "memory");
	still_running("a store not 16-byte aligned");
}

static void case_lock_or(void)
{
	provoke("LOCK OR on PPR");
	__asm__ volatile("lock orl $0x10, (%0)" : : "r"(apic_at(APIC_PPR)) : "memory", "cc");
	still_running("LOCK OR on the APIC page");
}

static void case_lock_add(void)
{
	provoke("LOCK ADD on TMCCT");
	__asm__ volatile("lock addl $1, (%0)" : : "r"(apic_at(APIC_TMCCT)) : "memory", "cc");
	still_running("LOCK ADD on the APIC page");
}

static void case_xchg(void)
{
	uint32_t v = 0x30;

	provoke("XCHG (implicitly locked) with PPR");
	__asm__ volatile("xchgl %0, (%1)" : "+r"(v) : "r"(apic_at(APIC_PPR)) : "memory");
	still_running("XCHG with the APIC page");
	report_info("read 0x%x", v);
}

static void case_cmpxchg(void)
{
	uint32_t expect = 0;

	provoke("LOCK CMPXCHG on PPR");
	__asm__ volatile("lock cmpxchgl %2, (%1)" : "+a"(expect) : "r"(apic_at(APIC_PPR)),
			 "r"(0x30U) : "memory", "cc");
	still_running("LOCK CMPXCHG on the APIC page");
}

static uint32_t string_buf[4];

static void case_movs_from(void)
{
	provoke("MOVSD from PPR to RAM");
	__asm__ volatile("movsl" : : "S"(apic_at(APIC_PPR)), "D"(string_buf) : "memory");
	still_running("MOVS from the APIC page");
}

static void case_movs_to(void)
{
	string_buf[0] = 0x10;
	provoke("REP MOVSD (count 1) from RAM to PPR");
	__asm__ volatile("rep movsl" : : "S"(string_buf), "D"(apic_at(APIC_PPR)), "c"(1ULL) :
			 "memory");
	still_running("MOVS to the APIC page");
}

static void case_stos(void)
{
	provoke("STOSD to TMCCT (read-only)");
	__asm__ volatile("stosl" : : "D"(apic_at(APIC_TMCCT)), "a"(0) : "memory");
	still_running("STOS to the APIC page");
}

/* Interrupts stay off while RSP is in the APIC page: no delivery may push there. */
static void case_push(void)
{
	cli();
	provoke("PUSH with RSP at the APIC's offset 0xa8 (writes 0xa0-0xa7)");
	__asm__ volatile("movq %%rsp, %%r12\n\t"
			 "movq %0, %%rsp\n\t"
			 "pushq %%rax\n\t"
			 "movq %%r12, %%rsp"
			 : : "r"(apic_at(APIC_PPR + 8)), "a"(0) : "r12", "memory");
	still_running("PUSH to the APIC page");
}

static void case_pop(void)
{
	cli();
	provoke("POP with RSP at PPR");
	__asm__ volatile("movq %%rsp, %%r12\n\t"
			 "movq %0, %%rsp\n\t"
			 "popq %%rax\n\t"
			 "movq %%r12, %%rsp"
			 : : "r"(apic_at(APIC_PPR)) : "rax", "r12", "memory");
	still_running("POP from the APIC page");
}

static void case_rsp_load(void)
{
	cli();
	provoke("MOV ESP, [PPR] (a load into RSP)");
	__asm__ volatile("movq %%rsp, %%r12\n\t"
			 "movl (%0), %%esp\n\t"
			 "movq %%r12, %%rsp"
			 : : "r"(apic_at(APIC_PPR)) : "r12", "memory");
	still_running("a load into RSP from the APIC page");
}

static void case_sse_load(void)
{
	xu_enable_sse();
	provoke("MOVDQU xmm0, [TPR] (16 bytes)");
	__asm__ volatile("movdqu (%0), %%xmm0" : : "r"(apic_at(APIC_TPR)) : "memory");
	still_running("a 16-byte SSE load from the APIC page");
}

static void case_sse_store(void)
{
	xu_enable_sse();
	provoke("MOVDQU [TPR], xmm0 (16 bytes)");
	__asm__ volatile("pxor %%xmm0, %%xmm0\n\t"
			 "movdqu %%xmm0, (%0)" : : "r"(apic_at(APIC_TPR)) : "memory");
	still_running("a 16-byte SSE store to the APIC page");
}

static uint64_t fetch_pt[512] __attribute__((aligned(4096)));

/*
 * fetch: a call to offset 0x80 of the APIC page through a second mapping of
 * it at WALK_VA: the fetch is the guest-physical page's, whatever the
 * linear address (issue 12 item 5; the page is never executable).
 */
static void case_fetch(void)
{
	fetch_pt[0] = apic_mmio_base() | PTE_P | PTE_RW | PTE_PWT | PTE_PCD;
	guest_pd[WALK_VA >> 21] = (uintptr_t)fetch_pt | PTE_P | PTE_RW;
	write_cr3(read_cr3());
	provoke("a call into the APIC page's offset 0x80, mapped at 0x80000000");
	__asm__ volatile("call *%0" : : "r"(WALK_VA + APIC_TPR) : "memory", "cc", "rax", "rcx",
			 "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11");
	still_running("an instruction fetch from the APIC page");
}

/*
 * clflush: CLFLUSH makes an APIC-access exit as a data read (Vol. 3C, "Exit
 * Qualification for APIC-Access VM Exits ...": "For an APIC-access VM exit
 * caused by the CLFLUSH and CLFLUSHOPT instructions, the access type is
 * 'data read during instruction execution'") or, on apic=ept, an EPT
 * violation; it is not an instruction tickvisor emulates.  Bochs 2.7 only
 * translates the address (an EPT violation, but no APIC-access check), so
 * on apic=apicv and access tickvisor sees nothing and the guest runs on.
 */
static void case_clflush(void)
{
	provoke("CLFLUSH of PPR");
	__asm__ volatile("clflush (%0)" : : "r"(apic_at(APIC_PPR)) : "memory");
	still_running("CLFLUSH of the APIC page (no exit reached tickvisor: Bochs 2.7 "
		      "makes no APIC-access exit for CLFLUSH, the SDM has one)");
}

static void case_walk(void)
{
	walk_through_apic(APIC_LVR / 8U, false);
}

static void case_walk_store(void)
{
	walk_through_apic(APIC_TPR / 8U, true);
}

static void case_idt(void)
{
	deliver_through_apic(true);
}

static void case_gdt(void)
{
	deliver_through_apic(false);
}

struct access_case {
	const char *name;
	void (*run)(void);
	bool is_stopped;	/* tickvisor must stop the VM: provoked under tickvisor only */
};

static const struct access_case cases[] = {
	{ "mmio", mmio_forms, false },
	{ "read8", case_read8, false },
	{ "read16", case_read16, false },
	{ "reserved", case_reserved, false },
	{ "gs_base", case_gs_base, false },
	{ "addr32_wrap", case_addr32_wrap, false },
	{ "cs_base64", case_cs_base64, false },
	{ "compat", case_compat, false },
	{ "walk", case_walk, true },
	{ "walk_store", case_walk_store, true },
	{ "idt", case_idt, true },
	{ "gdt", case_gdt, true },
	{ "stale", run_stale_code, true },
	{ "write8", case_write8, true },
	{ "write16", case_write16, true },
	{ "read64", case_read64, true },
	{ "write64", case_write64, true },
	{ "straddle", case_straddle, true },
	{ "unaligned", case_unaligned, true },
	{ "lock_or", case_lock_or, true },
	{ "lock_add", case_lock_add, true },
	{ "xchg", case_xchg, true },
	{ "cmpxchg", case_cmpxchg, true },
	{ "movs_from", case_movs_from, true },
	{ "movs_to", case_movs_to, true },
	{ "stos", case_stos, true },
	{ "push", case_push, true },
	{ "pop", case_pop, true },
	{ "rsp_load", case_rsp_load, true },
	{ "sse_load", case_sse_load, true },
	{ "sse_store", case_sse_store, true },
	{ "fetch", case_fetch, true },
	{ "clflush", case_clflush, true },
};

#define N_CASES	(sizeof(cases) / sizeof(cases[0]))

/* how=all: every case tickvisor emulates, one after another (the native oracle). */
static void run_all(void)
{
	unsigned int i;

	for (i = 0; i < N_CASES; i++) {
		if (cases[i].is_stopped)
			continue;
		report_prefix_push(cases[i].name);
		cases[i].run();
		report_prefix_pop();
	}
}

int main(void)
{
	char how[16] = "mmio";
	unsigned int i;

	(void)mb_cmdline_get("how", how, sizeof(how));
	report_prefix_push(how);
	if (apic_setup(false))
		guest_abort("could not put the local APIC in xAPIC mode");
	for (i = 0; i < N_CASES && strcmp(how, cases[i].name); i++)
		;
	if (!strcmp(how, "all"))
		run_all();
	else if (i == N_CASES)
		report(false, "how=%s: expected all or one of the cases in hostile_apic_access.c",
		       how);
	else if (!cases[i].is_stopped || tv_present_or_skip())
		cases[i].run();
	report_prefix_pop();
	return report_summary();
}
