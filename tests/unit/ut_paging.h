/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Building a guest's page tables in a fake guest RAM, for the host tests
 * and the fuzz target of the MMIO decision (test_mmio_decide.c,
 * fuzz_mmio.c).  Entry formats from SDM Vol. 3A, Chapter 4 "Paging":
 * "32-Bit Paging" (4-byte entries, 4-MByte pages with PS), "PAE Paging"
 * (four PDPTEs at CR3[31:5], 8-byte entries, 2-MByte pages) and "4-Level
 * Paging" (8-byte entries, 2-MByte and 1-GByte pages).  A table or entry
 * that would lie outside RAM is not written: the map stops there, which
 * leaves the walk to find the entry outside RAM, as the fuzz target wants.
 * Header-only, like ut_rng.h.
 */
#ifndef TV_TESTS_UNIT_UT_PAGING_H
#define TV_TESTS_UNIT_UT_PAGING_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define UT_PG_P		0x001ULL
#define UT_PG_RW	0x002ULL
#define UT_PG_US	0x004ULL
#define UT_PG_A		0x020ULL
#define UT_PG_D		0x040ULL
#define UT_PG_PS	0x080ULL
#define UT_PG_XD	(1ULL << 63)
#define UT_PG_TABLE	(UT_PG_P | UT_PG_RW | UT_PG_US | UT_PG_A)

enum ut_paging {
	UT_PAGING_NONE,
	UT_PAGING_32,
	UT_PAGING_PAE,
	UT_PAGING_4LEVEL,
};

/* A guest RAM and the paging structures in it. */
struct ut_pt {
	uint8_t *ram;
	uint64_t ram_bytes;
	enum ut_paging paging;
	uint64_t cr3;
	uint64_t addr_mask;	/* bits of a physical address an entry keeps: MAXPHYADDR */
};

static inline bool ut_pt_in_ram(const struct ut_pt *pt, uint64_t gpa, unsigned int size)
{
	return gpa < pt->ram_bytes && size <= pt->ram_bytes - gpa;
}

static inline uint64_t ut_pt_get(const struct ut_pt *pt, uint64_t gpa, unsigned int size)
{
	uint64_t v = 0;

	if (ut_pt_in_ram(pt, gpa, size))
		memcpy(&v, pt->ram + gpa, size);
	return v;
}

static inline void ut_pt_put(const struct ut_pt *pt, uint64_t gpa, unsigned int size, uint64_t v)
{
	if (ut_pt_in_ram(pt, gpa, size))
		memcpy(pt->ram + gpa, &v, size);
}

/*
 * Map linear page lin to pa.  leaf_level 0 is a 4-KiB page, 1 a 2-MiB
 * (4-MiB in 32-bit paging) page, 2 a 1-GiB page (4-level only); the leaf
 * gets leaf_flags (PS added for large pages).  A level whose entry is
 * present, not a large page and inside RAM is followed as it is, unless
 * replace is set; otherwise the next free frame of new_tables (n_tables of
 * them) becomes that table, entered with table_flags.  @return false when
 * the map stopped early (no frame left, or a table outside RAM).
 */
static inline bool ut_pt_map(const struct ut_pt *pt, uint64_t lin, uint64_t pa,
			     unsigned int leaf_level, uint64_t leaf_flags, uint64_t table_flags,
			     const uint64_t *new_tables, unsigned int n_tables, bool replace)
{
	unsigned int esz = pt->paging == UT_PAGING_32 ? 4U : 8U, levels, lvl, used = 0;
	uint64_t table;

	switch (pt->paging) {
	case UT_PAGING_32:
		levels = 2;
		table = pt->cr3 & 0xfffff000ULL;
		lin &= 0xffffffffULL;
		break;
	case UT_PAGING_PAE:
		levels = 3;
		table = pt->cr3 & 0xffffffe0ULL;
		lin &= 0xffffffffULL;
		break;
	case UT_PAGING_4LEVEL:
		levels = 4;
		table = pt->cr3 & pt->addr_mask & ~0xfffULL;
		break;
	default:
		return true;
	}
	if (leaf_level > levels - 2U)
		leaf_level = levels - 2U;
	for (lvl = levels; lvl-- > 0;) {
		unsigned int shift = pt->paging == UT_PAGING_32 ? 12U + 10U * lvl : 12U + 9U * lvl;
		uint64_t idx_mask = pt->paging == UT_PAGING_32 ? 0x3ffU :
				    (pt->paging == UT_PAGING_PAE && lvl == 2U) ? 3U : 0x1ffU;
		uint64_t slot = table + ((lin >> shift) & idx_mask) * esz, e;

		if (!ut_pt_in_ram(pt, slot, esz))
			return false;
		if (lvl == leaf_level) {
			uint64_t page = ~((1ULL << shift) - 1U);

			e = (pa & page & pt->addr_mask) | leaf_flags | (lvl ? UT_PG_PS : 0);
			ut_pt_put(pt, slot, esz, e);
			return true;
		}
		e = ut_pt_get(pt, slot, esz);
		if (!replace && (e & UT_PG_P) && !(e & UT_PG_PS) &&
		    ut_pt_in_ram(pt, e & pt->addr_mask & ~0xfffULL & (esz == 4U ? 0xffffffffULL : ~0ULL),
				 0x1000U)) {
			table = e & pt->addr_mask & ~0xfffULL & (esz == 4U ? 0xffffffffULL : ~0ULL);
			continue;
		}
		if (used == n_tables)
			return false;
		table = new_tables[used++] & pt->addr_mask & ~0xfffULL;
		/* A PAE PDPTE's RW, US and A bits are reserved ("PAE Paging"). */
		ut_pt_put(pt, slot, esz, table | (pt->paging == UT_PAGING_PAE && lvl == 2U ?
						  table_flags & ~(UT_PG_RW | UT_PG_US | UT_PG_A) :
						  table_flags));
		if (!ut_pt_in_ram(pt, table, 0x1000U))
			return false;
	}
	return true;
}

#endif /* TV_TESTS_UNIT_UT_PAGING_H */
