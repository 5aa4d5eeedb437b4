/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Guest page-table walker (vmm/gwalk.c): one case per paging mode, page
 * size, fault rule and error, on a calloc'd fake guest RAM in which each
 * case builds its own paging structures; then a seeded differential run
 * against a reference walker written here straight from the SDM's entry
 * format tables (SDM Vol. 3A, Chapter 4 "Paging").
 */
#include <tv/types.h>

#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "../../vmm/gwalk.h"
#include "ut_rng.h"

#define E_P	0x001ULL
#define E_RW	0x002ULL
#define E_US	0x004ULL
#define E_A	0x020ULL
#define E_D	0x040ULL
#define E_PS	0x080ULL
#define E_XD	(1ULL << 63)

#define CR0_PG_WP	(GWALK_CR0_PG | GWALK_CR0_WP | 1ULL /* PE */)
#define EFER_LMA_NXE	(GWALK_EFER_LMA | GWALK_EFER_NXE | 0x100ULL /* LME */)

static uint8_t *g_ram;
static uint64_t g_ram_bytes;
static uint64_t g_next_table;

/* Fresh zeroed guest RAM; tables are handed out from 1 MiB upwards. */
static void ram_setup(uint64_t bytes)
{
	free(g_ram);
	g_ram = calloc(1, bytes);
	g_ram_bytes = bytes;
	g_next_table = 0x100000;
	if (!g_ram)
		abort();
}

static uint64_t new_table(void)
{
	uint64_t t = g_next_table;

	g_next_table += 0x1000;
	return t;
}

static uint64_t get_entry(uint64_t gpa, unsigned int size)
{
	uint64_t v = 0;

	memcpy(&v, g_ram + gpa, size);
	return v;
}

static void put_entry(uint64_t gpa, unsigned int size, uint64_t v)
{
	memcpy(g_ram + gpa, &v, size);
}

static void put64(uint64_t gpa, uint64_t v) { put_entry(gpa, 8, v); }
static void put32(uint64_t gpa, uint32_t v) { put_entry(gpa, 4, v); }

/*
 * Map `lin` to `pa` with 4-level paging: pages of 1 << shift bytes (12, 21
 * or 30).  Intermediate entries are P|RW|US; the leaf gets `flags`.
 */
static void map_4level(uint64_t cr3, uint64_t lin, uint64_t pa, unsigned int shift,
		       uint64_t flags)
{
	uint64_t table = cr3 & ~0xfffULL;
	unsigned int s;

	for (s = 39; ; s -= 9) {
		uint64_t slot = table + ((lin >> s) & 0x1ff) * 8;

		if (s == shift) {
			put64(slot, pa | flags | (shift > 12 ? E_PS : 0));
			return;
		}
		if (!(get_entry(slot, 8) & E_P))
			put64(slot, new_table() | E_P | E_RW | E_US);
		table = get_entry(slot, 8) & 0x000ffffffffff000ULL;
	}
}

/* Address of the 4-level entry for `lin` at the level mapping bits shift+8:shift. */
static uint64_t slot_4level(uint64_t cr3, uint64_t lin, unsigned int shift)
{
	uint64_t table = cr3 & ~0xfffULL;
	unsigned int s;

	for (s = 39; s > shift; s -= 9)
		table = get_entry(table + ((lin >> s) & 0x1ff) * 8, 8) & 0x000ffffffffff000ULL;
	return table + ((lin >> shift) & 0x1ff) * 8;
}

/* PAE: CR3 points at a 32-byte PDPT; shift 12 or 21. */
static void map_pae(uint64_t cr3, uint32_t lin, uint64_t pa, unsigned int shift, uint64_t flags)
{
	uint64_t pdpte = (cr3 & 0xffffffe0ULL) + (lin >> 30) * 8;
	uint64_t pd, pde;

	if (!(get_entry(pdpte, 8) & E_P))
		put64(pdpte, new_table() | E_P);
	pd = get_entry(pdpte, 8) & 0xfffff000ULL;
	pde = pd + ((lin >> 21) & 0x1ff) * 8;
	if (shift == 21) {
		put64(pde, pa | flags | E_PS);
		return;
	}
	if (!(get_entry(pde, 8) & E_P))
		put64(pde, new_table() | E_P | E_RW | E_US);
	put64((get_entry(pde, 8) & 0xfffff000ULL) + ((lin >> 12) & 0x1ff) * 8, pa | flags);
}

/* 32-bit paging; shift 12 or 22. */
static void map_32bit(uint64_t cr3, uint32_t lin, uint32_t pa, unsigned int shift, uint32_t flags)
{
	uint64_t pde = (cr3 & 0xfffff000ULL) + (lin >> 22) * 4;

	if (shift == 22) {
		put32(pde, pa | flags | (uint32_t)E_PS);
		return;
	}
	if (!(get_entry(pde, 4) & E_P))
		put32(pde, (uint32_t)new_table() | (uint32_t)(E_P | E_RW | E_US));
	put32((get_entry(pde, 4) & 0xfffff000ULL) + ((lin >> 12) & 0x3ff) * 4, pa | flags);
}

static const struct gwalk_cpu cpu_4level = {
	.cr0 = CR0_PG_WP, .cr3 = 0x1000, .cr4 = GWALK_CR4_PAE, .efer = EFER_LMA_NXE,
};
static const struct gwalk_cpu cpu_pae = {
	.cr0 = CR0_PG_WP, .cr3 = 0x1000, .cr4 = GWALK_CR4_PAE, .efer = GWALK_EFER_NXE,
};
static const struct gwalk_cpu cpu_32bit = {
	.cr0 = CR0_PG_WP, .cr3 = 0x1000, .cr4 = GWALK_CR4_PSE, .efer = 0,
};

static int xlate(const struct gwalk_cpu *cpu, unsigned int cpl, uint64_t lin,
		 enum gwalk_access acc, uint64_t *gpa, struct gwalk_fault *f)
{
	return gwalk_translate(cpu, g_ram, g_ram_bytes, 46, cpl, lin, acc, gpa, f);
}

/* Expect a #PF with this error code and CR2 = lin. */
static void expect_pf(const struct gwalk_cpu *cpu, unsigned int cpl, uint64_t lin,
		      enum gwalk_access acc, uint32_t ec)
{
	struct gwalk_fault f;
	uint64_t gpa = 0;

	UT_EQ(xlate(cpu, cpl, lin, acc, &gpa, &f), GWALK_EFAULT);
	UT_CHECK(f.fault);
	UT_EQ(f.vector, GWALK_VECTOR_PF);
	UT_EQ(f.error_code, ec);
	UT_EQ(f.cr2, lin);
}

static void expect_gpa(const struct gwalk_cpu *cpu, unsigned int cpl, uint64_t lin,
		       enum gwalk_access acc, uint64_t want)
{
	struct gwalk_fault f;
	uint64_t gpa = 0;

	UT_EQ(xlate(cpu, cpl, lin, acc, &gpa, &f), 0);
	UT_CHECK(!f.fault);
	UT_EQ(gpa, want);
}

static void paging_off_is_identity(void)
{
	struct gwalk_cpu cpu = { .cr0 = 1, .cr3 = 0xdead000, .cr4 = 0, .efer = 0 };
	struct gwalk_fault f;
	uint8_t buf[4];

	ram_setup(0x200000);
	g_ram[0x7c00] = 0xf4;
	g_ram[0x7c01] = 0x90;
	expect_gpa(&cpu, 0, 0x7c00, GWALK_FETCH, 0x7c00);
	expect_gpa(&cpu, 3, 0xfee00300, GWALK_WRITE, 0xfee00300);
	/* Outside IA-32e mode a linear address has 32 bits. */
	expect_gpa(&cpu, 0, 0x100007c00ULL, GWALK_READ, 0x7c00);
	UT_EQ(gwalk_fetch(&cpu, g_ram, g_ram_bytes, 36, 0, 0x7c00, buf, 2, &f), 2);
	UT_EQ(buf[0], 0xf4);
	UT_EQ(buf[1], 0x90);
	UT_EQ(f.tail_err, 0);
}

static void paging_32bit_4k_page_translates(void)
{
	ram_setup(0x400000);
	map_32bit(0x1000, 0xc0123000, 0x345000, 12, E_P | E_RW);
	expect_gpa(&cpu_32bit, 0, 0xc0123abc, GWALK_READ, 0x345abc);
	expect_gpa(&cpu_32bit, 0, 0xc0123fff, GWALK_WRITE, 0x345fff);
	/* No XD in 32-bit paging: NXE does not forbid the fetch. */
	{
		struct gwalk_cpu cpu = cpu_32bit;

		cpu.efer = GWALK_EFER_NXE;
		expect_gpa(&cpu, 0, 0xc0123000, GWALK_FETCH, 0x345000);
	}
}

static void paging_32bit_4m_page_with_pse(void)
{
	ram_setup(0x400000);
	map_32bit(0x1000, 0x80000000, 0x00c00000, 22, E_P | E_RW | E_US);
	expect_gpa(&cpu_32bit, 3, 0x803ffffc, GWALK_WRITE, 0x00fffffc);
	expect_gpa(&cpu_32bit, 0, 0x80000000, GWALK_FETCH, 0x00c00000);
}

/* "32-Bit Paging": PDE.PS selects a 4-MByte page only if CR4.PSE = 1. */
static void paging_32bit_ps_is_ignored_without_pse(void)
{
	struct gwalk_cpu cpu = cpu_32bit;

	ram_setup(0x800000);
	cpu.cr4 = 0;
	/* A PDE with PS = 1 whose frame 0x400000 is a page table. */
	put32(0x1000 + (0x40000000U >> 22) * 4, 0x400000 | (uint32_t)(E_P | E_RW | E_PS));
	put32(0x400000 + 3 * 4, 0x9000 | (uint32_t)E_P);
	expect_gpa(&cpu, 0, 0x40003010, GWALK_READ, 0x9010);
	cpu.cr4 = GWALK_CR4_PSE;
	expect_gpa(&cpu, 0, 0x40003010, GWALK_READ, 0x403010);
}

/*
 * "Format of a 32-Bit Page-Directory Entry that Maps a 4-MByte Page": bits
 * (M-20):13 are address bits (M-1):32, bits 21:(M-19) are reserved, with M
 * = min(MAXPHYADDR, 40).
 */
static void paging_32bit_4m_pse36_high_bits_and_reserved(void)
{
	struct gwalk_fault f;
	uint64_t gpa = 0;
	uint64_t pde = 0x1000 + (0x80000000U >> 22) * 4;

	ram_setup(0x400000);
	put32(pde, 0x00c00000 | (0x5U << 13) | (uint32_t)(E_P | E_PS));
	UT_EQ(gwalk_translate(&cpu_32bit, g_ram, g_ram_bytes, 36, 0, 0x80000123, GWALK_READ,
			      &gpa, &f), 0);
	UT_EQ(gpa, 0x500c00123ULL);
	/* Bit 17 is address bit 36 when M = 40, reserved when M = 36. */
	put32(pde, 0x00c00000 | (1U << 17) | (uint32_t)(E_P | E_PS));
	UT_EQ(gwalk_translate(&cpu_32bit, g_ram, g_ram_bytes, 40, 0, 0x80000123, GWALK_READ,
			      &gpa, &f), 0);
	UT_EQ(gpa, 0x1000c00123ULL);
	UT_EQ(gwalk_translate(&cpu_32bit, g_ram, g_ram_bytes, 36, 0, 0x80000123, GWALK_READ,
			      &gpa, &f), GWALK_EFAULT);
	UT_EQ(f.error_code, GWALK_PFEC_P | GWALK_PFEC_RSVD);
	/* Bit 21 is reserved for every M; with M = 32 bit 13 is too. */
	put32(pde, 0x00c00000 | (1U << 21) | (uint32_t)(E_P | E_PS));
	UT_EQ(gwalk_translate(&cpu_32bit, g_ram, g_ram_bytes, 52, 0, 0x80000123, GWALK_READ,
			      &gpa, &f), GWALK_EFAULT);
	UT_EQ(f.error_code, GWALK_PFEC_P | GWALK_PFEC_RSVD);
	put32(pde, 0x00c00000 | (1U << 13) | (uint32_t)(E_P | E_PS));
	UT_EQ(gwalk_translate(&cpu_32bit, g_ram, g_ram_bytes, 32, 0, 0x80000123, GWALK_READ,
			      &gpa, &f), GWALK_EFAULT);
	UT_EQ(f.error_code, GWALK_PFEC_P | GWALK_PFEC_RSVD);
}

static void paging_32bit_not_present_at_each_level_faults(void)
{
	ram_setup(0x400000);
	/* PDE not present: read at CPL 0, error code 0. */
	expect_pf(&cpu_32bit, 0, 0x00401234, GWALK_READ, 0);
	/* PTE not present: a write at CPL 3. */
	map_32bit(0x1000, 0x00400000, 0x345000, 12, E_P | E_RW | E_US);
	expect_gpa(&cpu_32bit, 3, 0x00400010, GWALK_WRITE, 0x345010);
	expect_pf(&cpu_32bit, 3, 0x00401234, GWALK_WRITE, GWALK_PFEC_W | GWALK_PFEC_U);
}

static void pae_4k_page_translates(void)
{
	struct gwalk_cpu cpu = cpu_pae;

	ram_setup(0x400000);
	/* The PDPT is only 32-byte aligned. */
	cpu.cr3 = 0x1060;
	map_pae(cpu.cr3, 0xc0801000, 0x2345000, 12, E_P | E_RW);
	map_pae(cpu.cr3, 0x00001000, 0x0346000, 12, E_P);
	expect_gpa(&cpu, 0, 0xc0801ffe, GWALK_WRITE, 0x2345ffe);
	expect_gpa(&cpu, 0, 0x00001008, GWALK_FETCH, 0x346008);
}

/* "PAE Paging": PDE.PS = 1 maps a 2-MByte page whatever CR4.PSE says. */
static void pae_2m_page_translates(void)
{
	ram_setup(0x400000);
	map_pae(0x1000, 0x40200000, 0x7e00000, 21, E_P | E_RW | E_US);
	expect_gpa(&cpu_pae, 3, 0x403fffff, GWALK_READ, 0x7ffffff);
	expect_gpa(&cpu_pae, 0, 0x40200000, GWALK_FETCH, 0x7e00000);
}

static void pae_not_present_at_each_level_faults(void)
{
	ram_setup(0x400000);
	/* PDPTE: with NXE and PAE a fetch sets I/D. */
	expect_pf(&cpu_pae, 0, 0x80000000, GWALK_FETCH, GWALK_PFEC_I);
	map_pae(0x1000, 0x80000000, 0x345000, 12, E_P | E_RW | E_US);
	/* PDE of another 2 MiB, then PTE of another 4 KiB. */
	expect_pf(&cpu_pae, 3, 0x80200000, GWALK_READ, GWALK_PFEC_U);
	expect_pf(&cpu_pae, 0, 0x80001000, GWALK_WRITE, GWALK_PFEC_W);
}

/*
 * "PDPTE Registers": reserved bits of a PDPTE raise #GP when MOV to CR3
 * loads it, so such a PDPTE in memory is not what the CPU uses: it is our
 * own error, not a guest #PF.
 */
static void pae_pdpte_reserved_bits_are_not_a_page_fault(void)
{
	static const uint64_t bad[] = { 1ULL << 1, 1ULL << 2, 1ULL << 5, 1ULL << 8, 1ULL << 46, 1ULL << 63 };
	struct gwalk_fault f;
	uint64_t gpa;
	unsigned int i;

	ram_setup(0x400000);
	map_pae(0x1000, 0x1000, 0x345000, 12, E_P);
	expect_gpa(&cpu_pae, 0, 0x1000, GWALK_READ, 0x345000);
	for (i = 0; i < TV_ARRAY_SIZE(bad); i++) {
		put64(0x1000, get_entry(0x1000, 8) | bad[i]);
		UT_EQ(xlate(&cpu_pae, 0, 0x1000, GWALK_READ, &gpa, &f), GWALK_EPDPTE);
		UT_CHECK(!f.fault);
		put64(0x1000, get_entry(0x1000, 8) & ~bad[i]);
	}
	/* Bit 45 is an address bit with MAXPHYADDR 46. */
	put64(0x1000, get_entry(0x1000, 8) | (1ULL << 45));
	UT_EQ(xlate(&cpu_pae, 0, 0x1000, GWALK_READ, &gpa, &f), GWALK_ERANGE);
}

static void level4_4k_page_translates(void)
{
	ram_setup(0x400000);
	map_4level(0x1000, 0x00007f1234567000ULL, 0x1234567000ULL, 12, E_P | E_RW | E_US);
	map_4level(0x1000, 0xffffffff80001000ULL, 0x2000000ULL, 12, E_P);
	expect_gpa(&cpu_4level, 3, 0x00007f1234567abcULL, GWALK_WRITE, 0x1234567abcULL);
	expect_gpa(&cpu_4level, 0, 0xffffffff80001ff0ULL, GWALK_FETCH, 0x2000ff0ULL);
}

static void level4_2m_page_translates(void)
{
	ram_setup(0x400000);
	map_4level(0x1000, 0xffff800000200000ULL, 0x3fe00000ULL, 21, E_P | E_RW);
	expect_gpa(&cpu_4level, 0, 0xffff8000003fffffULL, GWALK_READ, 0x3fffffffULL);
}

static void level4_1g_page_translates(void)
{
	ram_setup(0x400000);
	map_4level(0x1000, 0x0000004080000000ULL & ~0x3fffffffULL, 0x3c0000000ULL, 30,
		   E_P | E_US);
	expect_gpa(&cpu_4level, 3, 0x00000040bfffffffULL, GWALK_FETCH, 0x3ffffffffULL);
}

/*
 * "Page-Fault Exceptions": a not-present entry at any level gives P = 0,
 * with W/R, U/S and I/D describing the access, and CR2 the address.
 */
static void level4_not_present_at_each_level_faults(void)
{
	static const unsigned int shifts[] = { 39, 30, 21, 12 };
	const uint64_t lin = 0x00007f1234567abcULL;
	unsigned int i;

	ram_setup(0x400000);
	for (i = 0; i < TV_ARRAY_SIZE(shifts); i++) {
		uint64_t slot;

		map_4level(0x1000, lin & ~0xfffULL, 0x345000, 12, E_P | E_RW | E_US);
		expect_gpa(&cpu_4level, 3, lin, GWALK_WRITE, 0x345abc);
		slot = slot_4level(0x1000, lin, shifts[i]);
		/* P = 0 makes every other bit of the entry ignored. */
		put64(slot, get_entry(slot, 8) & ~E_P);
		expect_pf(&cpu_4level, 0, lin, GWALK_READ, 0);
		expect_pf(&cpu_4level, 3, lin, GWALK_WRITE, GWALK_PFEC_W | GWALK_PFEC_U);
		expect_pf(&cpu_4level, 3, lin, GWALK_FETCH, GWALK_PFEC_U | GWALK_PFEC_I);
		put64(slot, get_entry(slot, 8) | E_P);
	}
}

/* "Access Rights": user-mode accesses need U/S = 1 at every level. */
static void user_access_to_supervisor_page_faults(void)
{
	const uint64_t lin = 0x0000000040001000ULL;
	uint64_t slot;

	ram_setup(0x400000);
	map_4level(0x1000, lin, 0x345000, 12, E_P | E_RW | E_US);
	expect_gpa(&cpu_4level, 3, lin, GWALK_READ, 0x345000);
	slot = slot_4level(0x1000, lin, 30);	/* only the PDPTE says supervisor */
	put64(slot, get_entry(slot, 8) & ~E_US);
	expect_pf(&cpu_4level, 3, lin, GWALK_READ, GWALK_PFEC_P | GWALK_PFEC_U);
	expect_pf(&cpu_4level, 3, lin, GWALK_FETCH, GWALK_PFEC_P | GWALK_PFEC_U | GWALK_PFEC_I);
	expect_gpa(&cpu_4level, 0, lin, GWALK_WRITE, 0x345000);
	expect_gpa(&cpu_4level, 2, lin, GWALK_READ, 0x345000);
}

/* "Access Rights": with CR0.WP = 1 supervisor writes need R/W = 1 everywhere. */
static void supervisor_write_to_read_only_faults_with_wp(void)
{
	const uint64_t lin = 0x0000000040001000ULL;
	uint64_t slot;

	ram_setup(0x400000);
	map_4level(0x1000, lin, 0x345000, 12, E_P | E_RW);
	slot = slot_4level(0x1000, lin, 21);
	put64(slot, get_entry(slot, 8) & ~E_RW);
	expect_pf(&cpu_4level, 0, lin, GWALK_WRITE, GWALK_PFEC_P | GWALK_PFEC_W);
	expect_gpa(&cpu_4level, 0, lin, GWALK_READ, 0x345000);
}

/* "Access Rights": with CR0.WP = 0 supervisor writes ignore R/W. */
static void supervisor_write_to_read_only_succeeds_without_wp(void)
{
	struct gwalk_cpu cpu = cpu_4level;
	const uint64_t lin = 0x0000000040001000ULL;

	ram_setup(0x400000);
	cpu.cr0 &= ~GWALK_CR0_WP;
	map_4level(0x1000, lin, 0x345000, 12, E_P);
	expect_gpa(&cpu, 0, lin, GWALK_WRITE, 0x345000);
	/* The same holds for 32-bit paging. */
	cpu = cpu_32bit;
	cpu.cr0 &= ~GWALK_CR0_WP;
	ram_setup(0x400000);
	map_32bit(0x1000, 0x40001000, 0x345000, 12, E_P);
	expect_gpa(&cpu, 0, 0x40001000, GWALK_WRITE, 0x345000);
	expect_pf(&cpu_32bit, 0, 0x40001000, GWALK_WRITE, GWALK_PFEC_P | GWALK_PFEC_W);
}

/* "Access Rights": user-mode writes need R/W = 1 whatever CR0.WP says. */
static void user_write_to_read_only_faults_without_wp(void)
{
	struct gwalk_cpu cpu = cpu_pae;

	ram_setup(0x400000);
	cpu.cr0 &= ~GWALK_CR0_WP;
	map_pae(0x1000, 0x40001000, 0x345000, 12, E_P | E_US);
	expect_pf(&cpu, 3, 0x40001000, GWALK_WRITE, GWALK_PFEC_P | GWALK_PFEC_W | GWALK_PFEC_U);
	expect_gpa(&cpu, 3, 0x40001000, GWALK_READ, 0x345000);
}

/* "Access Rights": with IA32_EFER.NXE = 1, XD at any level forbids fetches. */
static void nx_fetch_faults_with_nxe(void)
{
	const uint64_t lin = 0xffffffff80001000ULL;
	uint64_t slot;

	ram_setup(0x400000);
	map_4level(0x1000, lin, 0x345000, 12, E_P | E_RW);
	slot = slot_4level(0x1000, lin, 39);
	put64(slot, get_entry(slot, 8) | E_XD);
	expect_pf(&cpu_4level, 0, lin, GWALK_FETCH, GWALK_PFEC_P | GWALK_PFEC_I);
	expect_gpa(&cpu_4level, 0, lin, GWALK_READ, 0x345000);
	expect_gpa(&cpu_4level, 0, lin, GWALK_WRITE, 0x345000);
	/* PAE paging: XD in the PTE. */
	ram_setup(0x400000);
	map_pae(0x1000, 0x00401000, 0x345000, 12, E_P | E_XD);
	expect_pf(&cpu_pae, 0, 0x00401000, GWALK_FETCH, GWALK_PFEC_P | GWALK_PFEC_I);
}

/* "... IA32_EFER.NXE = 1, execute-disable; otherwise, reserved (must be 0)". */
static void xd_bit_is_reserved_without_nxe(void)
{
	struct gwalk_cpu cpu = cpu_4level;
	const uint64_t lin = 0xffffffff80001000ULL;

	ram_setup(0x400000);
	cpu.efer &= ~GWALK_EFER_NXE;
	map_4level(0x1000, lin, 0x345000, 12, E_P | E_RW | E_XD);
	/* No I/D without NXE (and without SMEP): it is a reserved-bit fault. */
	expect_pf(&cpu, 0, lin, GWALK_FETCH, GWALK_PFEC_P | GWALK_PFEC_RSVD);
	expect_pf(&cpu, 0, lin, GWALK_READ, GWALK_PFEC_P | GWALK_PFEC_RSVD);
}

/* "51:M Reserved (must be 0)" in 4-level entries, "62:M" in PAE ones. */
static void reserved_bits_above_maxphyaddr_fault(void)
{
	const uint64_t lin = 0x0000000040001000ULL;
	struct gwalk_fault f;
	uint64_t gpa = 0;
	uint64_t slot;

	ram_setup(0x400000);
	map_4level(0x1000, lin, 0x345000, 12, E_P | E_RW);
	slot = slot_4level(0x1000, lin, 12);
	put64(slot, get_entry(slot, 8) | (1ULL << 40));
	UT_EQ(gwalk_translate(&cpu_4level, g_ram, g_ram_bytes, 46, 0, lin, GWALK_READ, &gpa, &f), 0);
	UT_EQ(gpa, 0x10000345000ULL);
	UT_EQ(gwalk_translate(&cpu_4level, g_ram, g_ram_bytes, 40, 0, lin, GWALK_WRITE, &gpa, &f),
	      GWALK_EFAULT);
	UT_EQ(f.error_code, GWALK_PFEC_P | GWALK_PFEC_W | GWALK_PFEC_RSVD);
	UT_EQ(f.cr2, lin);
	/* Bits 62:52 are ignored by 4-level paging but reserved by PAE paging. */
	put64(slot, (get_entry(slot, 8) & ~(1ULL << 40)) | (1ULL << 55));
	UT_EQ(gwalk_translate(&cpu_4level, g_ram, g_ram_bytes, 52, 0, lin, GWALK_READ, &gpa, &f), 0);
	UT_EQ(gpa, 0x345000);
	ram_setup(0x400000);
	map_pae(0x1000, 0x40001000, 0x345000 | (1ULL << 55), 12, E_P);
	UT_EQ(gwalk_translate(&cpu_pae, g_ram, g_ram_bytes, 52, 0, 0x40001000, GWALK_READ, &gpa, &f),
	      GWALK_EFAULT);
	UT_EQ(f.error_code, GWALK_PFEC_P | GWALK_PFEC_RSVD);
}

/* "Format of a PML4 Entry": "7 (PS) Reserved (must be 0)". */
static void pml4e_ps_bit_is_reserved(void)
{
	const uint64_t lin = 0x0000000040001000ULL;
	uint64_t slot;

	ram_setup(0x400000);
	map_4level(0x1000, lin, 0x345000, 12, E_P | E_RW);
	slot = slot_4level(0x1000, lin, 39);
	put64(slot, get_entry(slot, 8) | E_PS);
	expect_pf(&cpu_4level, 0, lin, GWALK_READ, GWALK_PFEC_P | GWALK_PFEC_RSVD);
}

/* Large pages: bit 12 is PAT, bits 20:13 (29:13 for 1 GiB) are reserved. */
static void large_page_low_address_bits_are_reserved(void)
{
	const uint64_t lin = 0x0000000040200000ULL;
	uint64_t slot;

	ram_setup(0x400000);
	map_4level(0x1000, lin, 0x600000 | (1ULL << 12), 21, E_P | E_RW);
	expect_gpa(&cpu_4level, 0, lin + 5, GWALK_READ, 0x600005);
	slot = slot_4level(0x1000, lin, 21);
	put64(slot, get_entry(slot, 8) | (1ULL << 13));
	expect_pf(&cpu_4level, 0, lin, GWALK_READ, GWALK_PFEC_P | GWALK_PFEC_RSVD);
	ram_setup(0x400000);
	map_4level(0x1000, 0x40000000, 0x40000000 | (1ULL << 21), 30, E_P | E_RW);
	expect_pf(&cpu_4level, 0, 0x40000000, GWALK_READ, GWALK_PFEC_P | GWALK_PFEC_RSVD);
	/* A 4-KByte PTE's bit 7 is PAT, not PS. */
	ram_setup(0x400000);
	map_4level(0x1000, lin, 0x345000, 12, E_P | E_PS);
	expect_gpa(&cpu_4level, 0, lin, GWALK_READ, 0x345000);
}

/*
 * An entry pointing outside guest RAM is our problem, not the guest's: a
 * distinct error, and no fault to inject.
 */
static void entry_outside_ram_is_not_a_guest_fault(void)
{
	struct gwalk_cpu cpu = cpu_4level;
	struct gwalk_fault f;
	uint64_t gpa = 0, slot;
	const uint64_t lin = 0x0000000040001000ULL;

	ram_setup(0x400000);
	map_4level(0x1000, lin, 0x345000, 12, E_P | E_RW);
	slot = slot_4level(0x1000, lin, 21);
	put64(slot, 0x800000 | E_P | E_RW);	/* a page table at 8 MiB */
	UT_EQ(xlate(&cpu, 0, lin, GWALK_READ, &gpa, &f), GWALK_ERANGE);
	UT_CHECK(!f.fault);
	/* The entry it needed: PTE 1 of the table at 8 MiB (vmm/mmio_check.h uses it). */
	UT_EQ(f.entry_gpa, 0x800008ULL);
	cpu.cr3 = 0x7ff000;
	UT_EQ(xlate(&cpu, 0, lin, GWALK_READ, &gpa, &f), GWALK_ERANGE);
	UT_CHECK(!f.fault);
	UT_EQ(f.entry_gpa, 0x7ff000ULL);	/* PML4E 0 */
	/* A PAE PDPT whose last entry straddles the end of RAM. */
	cpu = cpu_pae;
	cpu.cr3 = g_ram_bytes - 0x20;
	UT_EQ(gwalk_translate(&cpu, g_ram, g_ram_bytes - 4, 46, 0, 0xc0000000, GWALK_READ, &gpa, &f),
	      GWALK_ERANGE);
	UT_CHECK(!f.fault);
	UT_EQ(f.entry_gpa, g_ram_bytes - 8);
	/* 32-bit paging: a page table outside RAM, 4-byte entries. */
	cpu = cpu_32bit;
	cpu.cr3 = new_table();
	put32(cpu.cr3 + (0x00401000U >> 22) * 4U, 0x900000U | (uint32_t)(E_P | E_RW));
	UT_EQ(xlate(&cpu, 0, 0x00401000, GWALK_READ, &gpa, &f), GWALK_ERANGE);
	UT_EQ(f.entry_gpa, 0x900004ULL);
	/* A leaf that maps outside RAM translates: the page may be MMIO. */
	map_4level(0x1000, 0x40400000, 0x900000, 12, E_P);
	UT_EQ(xlate(&cpu_4level, 0, 0x40400010, GWALK_READ, &gpa, &f), 0);
	UT_EQ(gpa, 0x900010ULL);
	UT_EQ(f.entry_gpa, 0);
}

/* Page-crossing fetch: each page is translated on its own. */
static void fetch_crosses_into_mapped_page(void)
{
	const uint8_t code[] = { 0x48, 0x89, 0x04, 0x25, 0x20, 0x03, 0xe0, 0xfe };
	const uint64_t rip = 0xffffffff80000ffdULL;
	struct gwalk_fault f;
	uint8_t buf[15];
	unsigned int i;

	ram_setup(0x400000);
	map_4level(0x1000, rip & ~0xfffULL, 0x345000, 12, E_P);
	map_4level(0x1000, (rip + 0x1000) & ~0xfffULL, 0x201000, 12, E_P);
	for (i = 0; i < sizeof(code); i++)
		g_ram[i < 3 ? 0x345ffd + i : 0x201000 + i - 3] = code[i];
	UT_EQ(gwalk_fetch(&cpu_4level, g_ram, g_ram_bytes, 46, 0, rip, buf, sizeof(code), &f),
	      sizeof(code));
	UT_CHECK(memcmp(buf, code, sizeof(code)) == 0);
	UT_CHECK(!f.fault);
	UT_EQ(f.tail_err, 0);
	/* All 15 bytes, 3 from the first page. */
	g_ram[0x201000 + 11] = 0x5a;
	UT_EQ(gwalk_fetch(&cpu_4level, g_ram, g_ram_bytes, 46, 0, rip, buf, 15, &f), 15);
	UT_EQ(buf[14], 0x5a);
}

/*
 * Page-crossing fetch onto an unmapped page: the bytes of the first page
 * come back, with the #PF the second page would raise (CR2 = its first
 * byte) for the caller to inject only if the decoder needs those bytes.
 */
static void fetch_crosses_into_unmapped_page(void)
{
	const uint64_t rip = 0x0000000000400ffeULL;
	struct gwalk_fault f;
	uint8_t buf[15];

	ram_setup(0x400000);
	map_4level(0x1000, 0x400000, 0x345000, 12, E_P | E_US);
	g_ram[0x345ffe] = 0x8b;
	g_ram[0x345fff] = 0x07;
	UT_EQ(gwalk_fetch(&cpu_4level, g_ram, g_ram_bytes, 46, 3, rip, buf, 15, &f), 2);
	UT_EQ(buf[0], 0x8b);
	UT_EQ(buf[1], 0x07);
	UT_EQ(f.tail_err, GWALK_EFAULT);
	UT_CHECK(f.fault);
	UT_EQ(f.vector, GWALK_VECTOR_PF);
	UT_EQ(f.error_code, GWALK_PFEC_U | GWALK_PFEC_I);
	UT_EQ(f.cr2, 0x401000);
	/* Asking for no more than the first page holds fetches without a fault. */
	UT_EQ(gwalk_fetch(&cpu_4level, g_ram, g_ram_bytes, 46, 3, rip, buf, 2, &f), 2);
	UT_CHECK(!f.fault);
	UT_EQ(f.tail_err, 0);
}

static void fetch_from_unmapped_page_returns_the_fault(void)
{
	struct gwalk_fault f;
	uint8_t buf[15];

	ram_setup(0x400000);
	map_pae(0x1000, 0x400000, 0x345000, 12, E_P | E_XD);
	UT_EQ(gwalk_fetch(&cpu_pae, g_ram, g_ram_bytes, 36, 0, 0x400123, buf, 15, &f), GWALK_EFAULT);
	UT_CHECK(f.fault);
	UT_EQ(f.error_code, GWALK_PFEC_P | GWALK_PFEC_I);
	UT_EQ(f.cr2, 0x400123);
	UT_EQ(f.tail_err, GWALK_EFAULT);
}

/* Code in a page that is not RAM (MMIO or nothing) cannot be fetched. */
static void fetch_outside_ram_is_not_a_guest_fault(void)
{
	struct gwalk_fault f;
	uint8_t buf[15];

	ram_setup(0x400000);
	map_32bit(0x1000, 0x400000, 0x3ff000, 12, E_P);
	map_32bit(0x1000, 0x401000, 0xfee00000, 12, E_P);
	map_32bit(0x1000, 0x500000, 0xfee00000, 12, E_P);
	g_ram[0x3ffffc] = 0xa1;
	UT_EQ(gwalk_fetch(&cpu_32bit, g_ram, g_ram_bytes, 36, 0, 0x500000, buf, 15, &f),
	      GWALK_ERANGE);
	UT_CHECK(!f.fault);
	UT_EQ(gwalk_fetch(&cpu_32bit, g_ram, g_ram_bytes, 36, 0, 0x400ffc, buf, 15, &f), 4);
	UT_EQ(buf[0], 0xa1);
	UT_EQ(f.tail_err, GWALK_ERANGE);
	UT_CHECK(!f.fault);
	/* RAM that ends in the middle of a page. */
	UT_EQ(gwalk_fetch(&cpu_32bit, g_ram, g_ram_bytes - 2, 36, 0, 0x400ffc, buf, 15, &f), 2);
	UT_EQ(f.tail_err, GWALK_ERANGE);
	UT_EQ(gwalk_fetch(&cpu_32bit, g_ram, g_ram_bytes - 2, 36, 0, 0x400ffc, buf, 3, &f), 2);
	UT_EQ(f.tail_err, GWALK_ERANGE);
	UT_EQ(gwalk_fetch(&cpu_32bit, g_ram, g_ram_bytes - 2, 36, 0, 0x400ffc, buf, 2, &f), 2);
	UT_EQ(f.tail_err, 0);
}

/* Outside IA-32e mode the linear address space is 32 bits and wraps. */
static void fetch_wraps_at_4g_outside_ia32e(void)
{
	struct gwalk_cpu cpu = { .cr0 = 1, .cr3 = 0, .cr4 = 0, .efer = 0 };
	struct gwalk_fault f;
	uint8_t buf[4];

	ram_setup(0x400000);
	/* Paging off: 0xfffffffe is outside our 4 MiB of RAM. */
	UT_EQ(gwalk_fetch(&cpu, g_ram, g_ram_bytes, 36, 0, 0xfffffffe, buf, 4, &f), GWALK_ERANGE);
	map_32bit(0x1000, 0xfffff000, 0x345000, 12, E_P);
	map_32bit(0x1000, 0x00000000, 0x346000, 12, E_P);
	g_ram[0x345fff] = 0x11;
	g_ram[0x346000] = 0x22;
	UT_EQ(gwalk_fetch(&cpu_32bit, g_ram, g_ram_bytes, 36, 0, 0xffffffff, buf, 2, &f), 2);
	UT_EQ(buf[0], 0x11);
	UT_EQ(buf[1], 0x22);
}

static void la57_is_refused(void)
{
	struct gwalk_cpu cpu = cpu_4level;
	struct gwalk_fault f;
	uint64_t gpa;
	uint8_t buf[1];

	ram_setup(0x400000);
	map_4level(0x1000, 0x400000, 0x345000, 12, E_P);
	cpu.cr4 |= GWALK_CR4_LA57;
	UT_EQ(xlate(&cpu, 0, 0x400000, GWALK_FETCH, &gpa, &f), GWALK_ENOSYS);
	UT_CHECK(!f.fault);
	UT_EQ(gwalk_fetch(&cpu, g_ram, g_ram_bytes, 46, 0, 0x400000, buf, 1, &f), GWALK_ENOSYS);
	/* LA57 only matters in IA-32e mode ("Paging Modes and Control Bits"). */
	cpu = cpu_pae;
	cpu.cr4 |= GWALK_CR4_LA57;
	ram_setup(0x400000);
	map_pae(0x1000, 0x400000, 0x345000, 12, E_P);
	expect_gpa(&cpu, 0, 0x400000, GWALK_FETCH, 0x345000);
}

/* "Canonicality": a non-canonical address raises #GP(0), not #PF. */
static void non_canonical_address_is_gp(void)
{
	struct gwalk_fault f;
	uint64_t gpa;
	uint8_t buf[15];

	ram_setup(0x400000);
	UT_EQ(xlate(&cpu_4level, 0, 0x0000800000000000ULL, GWALK_READ, &gpa, &f), GWALK_EFAULT);
	UT_CHECK(f.fault);
	UT_EQ(f.vector, GWALK_VECTOR_GP);
	UT_EQ(f.error_code, 0);
	/* A fetch running off the top of the lower half. */
	map_4level(0x1000, 0x00007ffffffff000ULL, 0x345000, 12, E_P);
	UT_EQ(gwalk_fetch(&cpu_4level, g_ram, g_ram_bytes, 46, 0, 0x00007ffffffffffaULL, buf, 15, &f),
	      6);
	UT_EQ(f.tail_err, GWALK_EFAULT);
	UT_EQ(f.vector, GWALK_VECTOR_GP);
}

/*
 * "Page-Fault Exceptions": I/D is 1 for a fetch "if CR4.SMEP = 1 or (CR4.PAE
 * = 1 and IA32_EFER.NXE = 1)"; it is 0 for every other combination.
 */
static void id_bit_follows_smep_and_nxe(void)
{
	struct gwalk_cpu cpu = cpu_32bit;

	ram_setup(0x400000);
	cpu.efer = GWALK_EFER_NXE;
	expect_pf(&cpu, 0, 0x400000, GWALK_FETCH, 0);
	cpu.cr4 |= GWALK_CR4_SMEP;
	expect_pf(&cpu, 0, 0x400000, GWALK_FETCH, GWALK_PFEC_I);
	cpu = cpu_pae;
	cpu.efer = 0;
	expect_pf(&cpu, 0, 0x400000, GWALK_FETCH, 0);
	cpu.efer = GWALK_EFER_NXE;
	expect_pf(&cpu, 0, 0x400000, GWALK_FETCH, GWALK_PFEC_I);
	expect_pf(&cpu, 0, 0x400000, GWALK_READ, 0);
	cpu = cpu_4level;
	cpu.efer &= ~GWALK_EFER_NXE;
	expect_pf(&cpu, 3, 0x400000, GWALK_FETCH, GWALK_PFEC_U);
}

/* We only read to decode: accessed and dirty flags stay as they were. */
static void accessed_and_dirty_flags_are_not_written(void)
{
	const uint64_t lin = 0x0000000040001000ULL;
	struct gwalk_fault f;
	uint8_t *before;
	uint64_t gpa;
	uint8_t buf[15];

	ram_setup(0x400000);
	map_4level(0x1000, lin, 0x345000, 12, E_P | E_RW);
	before = malloc(g_ram_bytes);
	if (!UT_CHECK(before))
		return;
	memcpy(before, g_ram, g_ram_bytes);
	UT_EQ(xlate(&cpu_4level, 0, lin, GWALK_WRITE, &gpa, &f), 0);
	UT_EQ(gwalk_fetch(&cpu_4level, g_ram, g_ram_bytes, 46, 0, lin, buf, 15, &f), 15);
	UT_CHECK(memcmp(before, g_ram, g_ram_bytes) == 0);
	UT_EQ(get_entry(slot_4level(0x1000, lin, 12), 8) & (E_A | E_D), 0);
	free(before);
}

static void bad_arguments_are_rejected(void)
{
	struct gwalk_cpu cpu = cpu_4level;
	struct gwalk_fault f;
	uint64_t gpa;
	uint8_t buf[16];

	ram_setup(0x400000);
	map_4level(0x1000, 0x400000, 0x345000, 12, E_P);
	expect_gpa(&cpu, 0, 0x400000, GWALK_READ, 0x345000);
	UT_EQ(gwalk_translate(NULL, g_ram, g_ram_bytes, 46, 0, 0, GWALK_READ, &gpa, &f), GWALK_EINVAL);
	UT_EQ(gwalk_translate(&cpu, NULL, g_ram_bytes, 46, 0, 0, GWALK_READ, &gpa, &f), GWALK_EINVAL);
	UT_EQ(gwalk_translate(&cpu, g_ram, g_ram_bytes, 46, 0, 0, GWALK_READ, NULL, &f), GWALK_EINVAL);
	UT_EQ(gwalk_translate(&cpu, g_ram, g_ram_bytes, 46, 0, 0, GWALK_READ, &gpa, NULL), GWALK_EINVAL);
	UT_EQ(gwalk_translate(&cpu, g_ram, g_ram_bytes, 46, 4, 0, GWALK_READ, &gpa, &f), GWALK_EINVAL);
	UT_EQ(gwalk_translate(&cpu, g_ram, g_ram_bytes, 31, 0, 0, GWALK_READ, &gpa, &f), GWALK_EINVAL);
	UT_EQ(gwalk_translate(&cpu, g_ram, g_ram_bytes, 53, 0, 0, GWALK_READ, &gpa, &f), GWALK_EINVAL);
	UT_EQ(gwalk_translate(&cpu, g_ram, g_ram_bytes, 46, 0, 0, (enum gwalk_access)7, &gpa, &f),
	      GWALK_EINVAL);
	/* LMA without paging or without PAE is not a state a guest runs in. */
	cpu.cr0 = 1;
	UT_EQ(gwalk_translate(&cpu, g_ram, g_ram_bytes, 46, 0, 0, GWALK_READ, &gpa, &f), GWALK_EINVAL);
	cpu = cpu_4level;
	cpu.cr4 = 0;
	UT_EQ(gwalk_translate(&cpu, g_ram, g_ram_bytes, 46, 0, 0, GWALK_READ, &gpa, &f), GWALK_EINVAL);
	cpu = cpu_4level;
	UT_EQ(gwalk_fetch(&cpu, g_ram, g_ram_bytes, 46, 0, 0x400000, buf, 16, &f), GWALK_EINVAL);
	UT_EQ(gwalk_fetch(&cpu, g_ram, g_ram_bytes, 46, 0, 0x400000, NULL, 1, &f), GWALK_EINVAL);
	UT_EQ(gwalk_fetch(&cpu, g_ram, g_ram_bytes, 46, 0, 0x400000, buf, 1, NULL), GWALK_EINVAL);
	UT_EQ(gwalk_fetch(&cpu, g_ram, g_ram_bytes, 46, 0, 0x400000, buf, 0, &f), 0);
}

static void every_error_has_a_distinct_description(void)
{
	static const int codes[] = { 0, GWALK_EFAULT, GWALK_ERANGE, GWALK_ENOSYS, GWALK_EPDPTE,
				     GWALK_EINVAL, -12345 };
	unsigned int i, j;

	for (i = 0; i < TV_ARRAY_SIZE(codes); i++) {
		UT_CHECK(gwalk_strerror(codes[i]) != NULL);
		for (j = 0; j < i; j++)
			UT_CHECK(codes[i] != codes[j] &&
				 strcmp(gwalk_strerror(codes[i]), gwalk_strerror(codes[j])) != 0);
	}
}

/*
 * The reference walker: straight-line code per paging mode from the SDM's
 * entry format tables (Tables "Format of a ... Entry"), with its own bit
 * masks, for the differential run below.
 */
struct ref_out {
	int rc;
	uint64_t gpa;
	bool fault;
	uint8_t vector;
	uint32_t ec;
	uint64_t cr2;
};

static uint64_t ref_bits(unsigned int hi, unsigned int lo)
{
	uint64_t m = 0;
	unsigned int b;

	for (b = lo; b <= hi && b < 64; b++)
		m |= 1ULL << b;
	return m;
}

static bool ref_read(uint64_t gpa, unsigned int size, uint64_t *v)
{
	if (gpa + size > g_ram_bytes || gpa + size < gpa)
		return false;
	*v = get_entry(gpa, size);
	return true;
}

static struct ref_out ref_pf(uint64_t lin, uint32_t ec)
{
	struct ref_out o = { GWALK_EFAULT, 0, true, 14, ec, lin };

	return o;
}

static struct ref_out ref_translate(const struct gwalk_cpu *cpu, unsigned int m,
				    unsigned int cpl, uint64_t lin, enum gwalk_access acc)
{
	struct ref_out o = { 0, 0, false, 0, 0, 0 };
	bool pg = cpu->cr0 & GWALK_CR0_PG, pae = cpu->cr4 & GWALK_CR4_PAE;
	bool lma = cpu->efer & GWALK_EFER_LMA, nxe = cpu->efer & GWALK_EFER_NXE;
	bool user = cpl == 3, write = acc == GWALK_WRITE, fetch = acc == GWALK_FETCH;
	bool rw = true, us = true, xd = false;
	uint64_t nx_rsvd = nxe ? 0 : ref_bits(63, 63);
	uint32_t ec = 0;
	uint64_t e, gpa;

	if (lma && (!pg || !pae)) {
		o.rc = GWALK_EINVAL;
		return o;
	}
	if (lma && (cpu->cr4 & GWALK_CR4_LA57)) {
		o.rc = GWALK_ENOSYS;
		return o;
	}
	if (lma && (uint64_t)((int64_t)(lin << 16) >> 16) != lin) {
		o.rc = GWALK_EFAULT;
		o.fault = true;
		o.vector = 13;
		return o;
	}
	if (!lma)
		lin = (uint32_t)lin;
	if (!pg) {
		o.gpa = lin;
		return o;
	}
	if (write)
		ec |= 2;
	if (user)
		ec |= 4;
	if (fetch && ((cpu->cr4 & GWALK_CR4_SMEP) || (pae && nxe)))
		ec |= 16;

#define REF_ENTRY(addr, size) do { \
		if (!ref_read((addr), (size), &e)) { o.rc = GWALK_ERANGE; return o; } \
		if (!(e & 1)) return ref_pf(lin, ec); \
	} while (0)
#define REF_RSVD(mask) do { if (e & (mask)) return ref_pf(lin, ec | 1 | 8); } while (0)
#define REF_RIGHTS() do { rw = rw && (e & 2); us = us && (e & 4); \
		xd = xd || (nxe && pae && (e >> 63)); } while (0)

	if (lma) {
		REF_ENTRY((cpu->cr3 & ref_bits(m - 1, 12)) + ((lin >> 39) & 511) * 8, 8);
		REF_RSVD(ref_bits(51, m) | ref_bits(7, 7) | nx_rsvd);
		REF_RIGHTS();
		REF_ENTRY((e & ref_bits(m - 1, 12)) + ((lin >> 30) & 511) * 8, 8);
		if (e & 0x80) {
			REF_RSVD(ref_bits(51, m) | ref_bits(29, 13) | nx_rsvd);
			REF_RIGHTS();
			gpa = (e & ref_bits(m - 1, 30)) | (lin & ref_bits(29, 0));
			goto rights;
		}
		REF_RSVD(ref_bits(51, m) | nx_rsvd);
		REF_RIGHTS();
		REF_ENTRY((e & ref_bits(m - 1, 12)) + ((lin >> 21) & 511) * 8, 8);
		if (e & 0x80) {
			REF_RSVD(ref_bits(51, m) | ref_bits(20, 13) | nx_rsvd);
			REF_RIGHTS();
			gpa = (e & ref_bits(m - 1, 21)) | (lin & ref_bits(20, 0));
			goto rights;
		}
		REF_RSVD(ref_bits(51, m) | nx_rsvd);
		REF_RIGHTS();
		REF_ENTRY((e & ref_bits(m - 1, 12)) + ((lin >> 12) & 511) * 8, 8);
		REF_RSVD(ref_bits(51, m) | nx_rsvd);
		REF_RIGHTS();
		gpa = (e & ref_bits(m - 1, 12)) | (lin & 0xfff);
	} else if (pae) {
		REF_ENTRY((cpu->cr3 & ref_bits(31, 5)) + ((lin >> 30) & 3) * 8, 8);
		if (e & (ref_bits(2, 1) | ref_bits(8, 5) | ref_bits(63, m))) {
			o.rc = GWALK_EPDPTE;
			return o;
		}
		REF_ENTRY((e & ref_bits(m - 1, 12)) + ((lin >> 21) & 511) * 8, 8);
		if (e & 0x80) {
			REF_RSVD(ref_bits(62, m) | ref_bits(20, 13) | nx_rsvd);
			REF_RIGHTS();
			gpa = (e & ref_bits(m - 1, 21)) | (lin & ref_bits(20, 0));
			goto rights;
		}
		REF_RSVD(ref_bits(62, m) | nx_rsvd);
		REF_RIGHTS();
		REF_ENTRY((e & ref_bits(m - 1, 12)) + ((lin >> 12) & 511) * 8, 8);
		REF_RSVD(ref_bits(62, m) | nx_rsvd);
		REF_RIGHTS();
		gpa = (e & ref_bits(m - 1, 12)) | (lin & 0xfff);
	} else {
		REF_ENTRY((cpu->cr3 & ref_bits(31, 12)) + ((lin >> 22) & 1023) * 4, 4);
		if ((cpu->cr4 & GWALK_CR4_PSE) && (e & 0x80)) {
			unsigned int m40 = m < 40 ? m : 40;

			REF_RSVD(ref_bits(21, m40 - 19));
			REF_RIGHTS();
			gpa = (((e >> 13) & ref_bits(m40 - 33, 0)) << 32) * (m40 > 32) |
			      (e & ref_bits(31, 22)) | (lin & ref_bits(21, 0));
			goto rights;
		}
		REF_RIGHTS();
		REF_ENTRY((e & ref_bits(31, 12)) + ((lin >> 12) & 1023) * 4, 4);
		REF_RIGHTS();
		gpa = (e & ref_bits(31, 12)) | (lin & 0xfff);
	}
rights:
	if ((user && !us) || (write && !rw && (user || (cpu->cr0 & GWALK_CR0_WP))) ||
	    (fetch && xd))
		return ref_pf(lin, ec | 1);
	o.gpa = gpa;
	return o;
#undef REF_ENTRY
#undef REF_RSVD
#undef REF_RIGHTS
}

/* xorshift64*, fixed seed: the run is the same every time. */
static uint64_t g_rng;

static uint64_t rnd(void)
{
	return ut_xorshift64s(&g_rng);
}

#define RAND_PAGES	64U

/* A random paging-structure entry, mostly pointing at another page of RAM. */
static uint64_t rand_entry(unsigned int m, bool is_wide)
{
	uint64_t pick = rnd() % 100, e;

	if (pick < 75)
		e = (rnd() % RAND_PAGES) << 12;
	else if (pick < 82)
		e = rnd() & ref_bits(m - 1, 12);		/* mostly outside RAM */
	else if (pick < 90)
		e = rnd() & ref_bits(m - 1, 21);		/* 2 MiB aligned */
	else if (pick < 95)
		e = rnd() & ref_bits(m - 1, 30);		/* 1 GiB aligned */
	else
		e = ((rnd() % RAND_PAGES) << 12) | (1ULL << (13 + rnd() % 17));
	e |= rnd() & 0xfff & ~E_PS;
	e = (rnd() % 10) ? (e | E_P) : (e & ~E_P);
	if (rnd() % 4 == 0)
		e |= E_PS;
	if (rnd() % 3 == 0)
		e |= E_XD;
	if (rnd() % 25 == 0)
		e |= 1ULL << (m + rnd() % (63 - m));	/* above MAXPHYADDR */
	if (rnd() % 8 == 0)
		e &= ~(E_RW | E_US);
	return is_wide ? e : (uint32_t)e;
}

static void rand_cpu(struct gwalk_cpu *cpu, unsigned int mode)
{
	cpu->cr0 = 1 | GWALK_CR0_PG | (rnd() % 2 ? GWALK_CR0_WP : 0);
	cpu->cr3 = ((rnd() % RAND_PAGES) << 12) | (rnd() & 0xfe0);
	if (rnd() % 50 == 0)
		cpu->cr3 = rnd() & 0xfffff000ULL;
	cpu->cr4 = (rnd() % 2 ? GWALK_CR4_PSE : 0) | (rnd() % 4 == 0 ? GWALK_CR4_SMEP : 0);
	cpu->efer = rnd() % 2 ? GWALK_EFER_NXE : 0;
	switch (mode) {
	case 0:
		cpu->cr0 &= ~GWALK_CR0_PG;
		break;
	case 1:
		break;
	case 2:
		cpu->cr4 |= GWALK_CR4_PAE;
		break;
	default:
		cpu->cr4 |= GWALK_CR4_PAE;
		cpu->efer |= GWALK_EFER_LMA;
		if (rnd() % 100 == 0)
			cpu->cr4 |= GWALK_CR4_LA57;
		break;
	}
}

static uint64_t rand_linear(unsigned int mode)
{
	uint64_t lin = rnd();

	if (mode == 3 && rnd() % 10)
		lin = (uint64_t)((int64_t)(lin << 16) >> 16);
	if (rnd() % 4 == 0)
		lin |= 0xff0 + rnd() % 16;	/* near a page boundary */
	return lin;
}

static void rand_ram(unsigned int mode, unsigned int m)
{
	uint64_t a;

	for (a = 0; a < g_ram_bytes; a += mode == 1 ? 4 : 8) {
		uint64_t e = rand_entry(m, mode != 1);

		memcpy(g_ram + a, &e, mode == 1 ? 4 : 8);
	}
}

static bool ref_matches(const struct ref_out *r, int rc, uint64_t gpa, const struct gwalk_fault *f)
{
	if (r->rc != rc || r->fault != f->fault)
		return false;
	if (rc == 0 && r->gpa != gpa)
		return false;
	if (f->fault && (r->vector != f->vector || r->ec != f->error_code ||
			 (r->vector == 14 && r->cr2 != f->cr2)))
		return false;
	return true;
}

static void randomized_walk_matches_reference(void)
{
	static const unsigned int maxphy[] = { 36, 39, 46, 52 };
	unsigned int outcomes[8] = { 0 };
	unsigned int mismatches = 0, mode, round, i;

	g_rng = 0x7469636b76697372ULL;
	ram_setup(RAND_PAGES * 0x1000);
	for (mode = 0; mode < 4; mode++) {
		for (round = 0; round < 200; round++) {
			unsigned int m = maxphy[rnd() % TV_ARRAY_SIZE(maxphy)];

			rand_ram(mode, m);
			for (i = 0; i < 1000; i++) {
				struct gwalk_cpu cpu;
				struct gwalk_fault f;
				struct ref_out r;
				uint64_t lin = rand_linear(mode), gpa = 0;
				unsigned int cpl = rnd() % 4;
				enum gwalk_access acc = (enum gwalk_access)(rnd() % 3);
				int rc;

				rand_cpu(&cpu, mode);
				rc = gwalk_translate(&cpu, g_ram, g_ram_bytes, m, cpl, lin, acc, &gpa, &f);
				r = ref_translate(&cpu, m, cpl, lin, acc);
				if (!ref_matches(&r, rc, gpa, &f) && mismatches++ < 5)
					UT_CHECK_MSG(false, "mode %u M %u cr0 %llx cr3 %llx cr4 %llx efer %llx "
						     "cpl %u acc %d lin %llx: rc %d/%d gpa %llx/%llx ec %x/%x",
						     mode, m, (unsigned long long)cpu.cr0,
						     (unsigned long long)cpu.cr3, (unsigned long long)cpu.cr4,
						     (unsigned long long)cpu.efer, cpl, (int)acc,
						     (unsigned long long)lin, rc, r.rc,
						     (unsigned long long)gpa, (unsigned long long)r.gpa,
						     f.error_code, r.ec);
				if (rc == 0)
					outcomes[0]++;
				else if (rc == GWALK_EFAULT && f.vector == GWALK_VECTOR_GP)
					outcomes[1]++;
				else if (rc == GWALK_EFAULT && (f.error_code & GWALK_PFEC_RSVD))
					outcomes[2]++;
				else if (rc == GWALK_EFAULT && (f.error_code & GWALK_PFEC_P))
					outcomes[3]++;
				else if (rc == GWALK_EFAULT)
					outcomes[4]++;
				else if (rc == GWALK_ERANGE)
					outcomes[5]++;
				else if (rc == GWALK_EPDPTE)
					outcomes[6]++;
				else if (rc == GWALK_ENOSYS)
					outcomes[7]++;
			}
		}
	}
	UT_EQ(mismatches, 0);
	/* The run must reach every outcome, or it proves little. */
	for (i = 0; i < TV_ARRAY_SIZE(outcomes); i++)
		UT_CHECK_MSG(outcomes[i] > 100, "outcome %u seen %u times", i, outcomes[i]);
}

/* Byte-at-a-time reference fetch built on the reference walker. */
static void randomized_fetch_matches_reference(void)
{
	unsigned int mismatches = 0, partial = 0, full = 0, mode, round, i;

	g_rng = 0x6677616c6b303031ULL;
	ram_setup(RAND_PAGES * 0x1000);
	for (mode = 0; mode < 4; mode++) {
		for (round = 0; round < 100; round++) {
			rand_ram(mode, 46);
			for (i = 0; i < 1000; i++) {
				struct gwalk_cpu cpu;
				struct gwalk_fault f;
				struct ref_out r = { 0, 0, false, 0, 0, 0 };
				uint8_t buf[15], want[15];
				uint64_t lin = rand_linear(mode);
				unsigned int cpl = rnd() % 4, len = 1 + rnd() % 15, n = 0;
				int rc, ref_rc;

				if (mode == 0)
					lin = (rnd() % (RAND_PAGES * 0x1000 + 0x20)) | (rnd() << 32);
				rand_cpu(&cpu, mode);
				rc = gwalk_fetch(&cpu, g_ram, g_ram_bytes, 46, cpl, lin, buf, len, &f);
				for (n = 0; n < len; n++) {
					r = ref_translate(&cpu, 46, cpl, lin + n, GWALK_FETCH);
					if (r.rc == 0 && r.gpa >= g_ram_bytes)
						r.rc = GWALK_ERANGE;
					if (r.rc)
						break;
					want[n] = g_ram[r.gpa];
				}
				ref_rc = n ? (int)n : r.rc;
				if (rc != ref_rc || (rc > 0 && memcmp(buf, want, n) != 0) ||
				    f.tail_err != r.rc || f.fault != r.fault ||
				    (r.fault && (f.vector != r.vector || f.error_code != r.ec ||
						 (r.vector == 14 && f.cr2 != r.cr2)))) {
					if (mismatches++ < 5)
						UT_CHECK_MSG(false, "mode %u lin %llx len %u: rc %d/%d tail %d/%d",
							     mode, (unsigned long long)lin, len, rc, ref_rc,
							     f.tail_err, r.rc);
				}
				if (rc > 0 && (unsigned int)rc < len)
					partial++;
				else if (rc > 0)
					full++;
			}
		}
	}
	UT_EQ(mismatches, 0);
	UT_CHECK_MSG(partial > 100 && full > 1000, "partial %u full %u", partial, full);
}

static const struct ut_case cases[] = {
	UT_CASE(paging_off_is_identity),
	UT_CASE(paging_32bit_4k_page_translates),
	UT_CASE(paging_32bit_4m_page_with_pse),
	UT_CASE(paging_32bit_ps_is_ignored_without_pse),
	UT_CASE(paging_32bit_4m_pse36_high_bits_and_reserved),
	UT_CASE(paging_32bit_not_present_at_each_level_faults),
	UT_CASE(pae_4k_page_translates),
	UT_CASE(pae_2m_page_translates),
	UT_CASE(pae_not_present_at_each_level_faults),
	UT_CASE(pae_pdpte_reserved_bits_are_not_a_page_fault),
	UT_CASE(level4_4k_page_translates),
	UT_CASE(level4_2m_page_translates),
	UT_CASE(level4_1g_page_translates),
	UT_CASE(level4_not_present_at_each_level_faults),
	UT_CASE(user_access_to_supervisor_page_faults),
	UT_CASE(supervisor_write_to_read_only_faults_with_wp),
	UT_CASE(supervisor_write_to_read_only_succeeds_without_wp),
	UT_CASE(user_write_to_read_only_faults_without_wp),
	UT_CASE(nx_fetch_faults_with_nxe),
	UT_CASE(xd_bit_is_reserved_without_nxe),
	UT_CASE(reserved_bits_above_maxphyaddr_fault),
	UT_CASE(pml4e_ps_bit_is_reserved),
	UT_CASE(large_page_low_address_bits_are_reserved),
	UT_CASE(entry_outside_ram_is_not_a_guest_fault),
	UT_CASE(fetch_crosses_into_mapped_page),
	UT_CASE(fetch_crosses_into_unmapped_page),
	UT_CASE(fetch_from_unmapped_page_returns_the_fault),
	UT_CASE(fetch_outside_ram_is_not_a_guest_fault),
	UT_CASE(fetch_wraps_at_4g_outside_ia32e),
	UT_CASE(la57_is_refused),
	UT_CASE(non_canonical_address_is_gp),
	UT_CASE(id_bit_follows_smep_and_nxe),
	UT_CASE(accessed_and_dirty_flags_are_not_written),
	UT_CASE(bad_arguments_are_rejected),
	UT_CASE(every_error_has_a_distinct_description),
	UT_CASE(randomized_walk_matches_reference),
	UT_CASE(randomized_fetch_matches_reference),
};

UT_MAIN("gwalk", cases)
