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

static bool is_tickvisor(void)
{
	char sig[13];

	if (tv_is_present())
		return true;
	report_skip("no tickvisor (%s): not provoked natively",
		    tv_read_signature(sig) ? sig : "no hypervisor bit");
	return false;
}

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

int main(void)
{
	char how[16] = "mmio";

	(void)mb_cmdline_get("how", how, sizeof(how));
	report_prefix_push(how);
	if (apic_setup(false))
		guest_abort("could not put the local APIC in xAPIC mode");
	if (!strcmp(how, "mmio")) {
		mmio_forms();
	} else if (strcmp(how, "walk") && strcmp(how, "walk_store") && strcmp(how, "idt") &&
		   strcmp(how, "gdt") && strcmp(how, "stale")) {
		report(false, "how=%s: expected mmio, walk, walk_store, idt, gdt or stale", how);
	} else if (is_tickvisor()) {
		if (!strcmp(how, "walk"))
			walk_through_apic(APIC_LVR / 8U, false);
		else if (!strcmp(how, "walk_store"))
			walk_through_apic(APIC_TPR / 8U, true);
		else if (!strcmp(how, "stale"))
			run_stale_code();
		else
			deliver_through_apic(!strcmp(how, "idt"));
	}
	report_prefix_pop();
	return report_summary();
}
