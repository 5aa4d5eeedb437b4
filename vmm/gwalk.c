/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Guest page-table walker for instruction fetch at VM exits (see gwalk.h).
 * Every rule below is from SDM Vol. 3A, Chapter 4 "Paging"; the section
 * title is given where the rule is applied.
 */
#include <tv/types.h>
#include <tv/errno.h>

#include "gwalk.h"

/* Paging-structure entry bits shared by every paging mode. */
#define PTE_P		TV_BIT(0)
#define PTE_RW		TV_BIT(1)
#define PTE_US		TV_BIT(2)
#define PTE_PS		TV_BIT(7)
#define PTE_XD		TV_BIT(63)

#define PAGE_SHIFT	12U
#define PAGE_SIZE	(1ULL << PAGE_SHIFT)

/* Rights accumulated over the entries of one walk ("Access Rights"). */
struct walk_rights {
	bool is_writable;	/* R/W = 1 in every entry that controls it */
	bool is_user;		/* U/S = 1 in every entry that controls it */
	bool is_exec_disabled;	/* XD = 1 in any entry (only with NXE) */
	uint64_t outside_gpa;	/* GWALK_ERANGE: the entry that lies outside RAM */
};

/* Bits hi..lo, or none when lo > hi (e.g. 51:M with M = 52). */
static uint64_t bit_range(unsigned int hi, unsigned int lo)
{
	if (lo > hi)
		return 0;
	return TV_BITS(hi, lo);
}

/* Little-endian entry of `size` bytes at gpa, or false if outside RAM. */
static bool read_entry(const uint8_t *ram, uint64_t ram_bytes, uint64_t gpa,
		       unsigned int size, uint64_t *val)
{
	uint32_t v32;

	if (gpa >= ram_bytes || ram_bytes - gpa < size)
		return false;
	/*
	 * One load, not a byte loop: every emulated MMIO access walks the
	 * guest's tables twice (fetch and operand).  x86 is little-endian, as
	 * the entries are; __builtin_memcpy of a constant size is a plain move.
	 */
	if (size == 8U) {
		__builtin_memcpy(val, ram + gpa, 8);
	} else {
		__builtin_memcpy(&v32, ram + gpa, 4);
		*val = v32;
	}
	return true;
}

/* A paging-structure entry at gpa is outside guest RAM: remember where. */
static int entry_outside_ram(struct walk_rights *r, uint64_t gpa)
{
	r->outside_gpa = gpa;
	return GWALK_ERANGE;
}

static void clear_fault(struct gwalk_fault *fault)
{
	fault->fault = false;
	fault->vector = 0;
	fault->error_code = 0;
	fault->cr2 = 0;
	fault->tail_err = 0;
	fault->entry_gpa = 0;
}

/*
 * The error code bits that describe the access itself ("Page-Fault
 * Exceptions"): W/R for writes, U/S for user-mode accesses, and I/D for
 * fetches "if CR4.SMEP = 1 or (CR4.PAE = 1 and IA32_EFER.NXE = 1)".
 */
static uint32_t access_error_code(const struct gwalk_cpu *cpu, unsigned int cpl,
				  enum gwalk_access acc)
{
	uint32_t ec = 0;

	if (acc == GWALK_WRITE)
		ec |= GWALK_PFEC_W;
	if (cpl == 3U)
		ec |= GWALK_PFEC_U;
	if (acc == GWALK_FETCH &&
	    ((cpu->cr4 & GWALK_CR4_SMEP) ||
	     ((cpu->cr4 & GWALK_CR4_PAE) && (cpu->efer & GWALK_EFER_NXE))))
		ec |= GWALK_PFEC_I;
	return ec;
}

static int raise_pf(struct gwalk_fault *fault, uint64_t linear, uint32_t ec)
{
	fault->fault = true;
	fault->vector = GWALK_VECTOR_PF;
	fault->error_code = ec;
	fault->cr2 = linear;
	return GWALK_EFAULT;
}

static void add_rights(struct walk_rights *r, uint64_t entry, bool has_xd)
{
	if (!(entry & PTE_RW))
		r->is_writable = false;
	if (!(entry & PTE_US))
		r->is_user = false;
	if (has_xd && (entry & PTE_XD))
		r->is_exec_disabled = true;
}

/*
 * "Access Rights": is the access allowed by the rights of the whole walk?
 * User-mode accesses need U/S = 1 everywhere and, to write, R/W = 1
 * everywhere; supervisor-mode writes need R/W = 1 everywhere only when
 * CR0.WP = 1; with IA32_EFER.NXE = 1 no fetch is allowed from a page with XD
 * set at any level.  SMEP and SMAP are not applied (see gwalk.h).
 */
static bool is_access_allowed(const struct gwalk_cpu *cpu, unsigned int cpl,
			      enum gwalk_access acc, const struct walk_rights *r)
{
	bool is_user_access = cpl == 3U;

	if (is_user_access && !r->is_user)
		return false;
	if (acc == GWALK_WRITE && !r->is_writable &&
	    (is_user_access || (cpu->cr0 & GWALK_CR0_WP)))
		return false;
	if (acc == GWALK_FETCH && r->is_exec_disabled)
		return false;
	return true;
}

/*
 * "32-Bit Paging": a page directory at CR3[31:12] indexed by linear[31:22],
 * and either a 4-MByte page (CR4.PSE = 1 and PDE.PS = 1) or a page table
 * indexed by linear[21:12].  Entries are 4 bytes and have no XD bit.
 */
static int walk_32bit(const struct gwalk_cpu *cpu, const uint8_t *ram, uint64_t ram_bytes,
		      unsigned int maxphyaddr, uint32_t linear, struct walk_rights *r,
		      uint64_t *gpa, uint32_t *ec)
{
	uint64_t pde, pte;
	uint64_t pde_gpa = (cpu->cr3 & 0xfffff000ULL) | ((uint64_t)(linear >> 22) << 2);
	uint64_t pte_gpa;

	if (!read_entry(ram, ram_bytes, pde_gpa, 4, &pde))
		return entry_outside_ram(r, pde_gpa);
	if (!(pde & PTE_P))
		return GWALK_EFAULT;
	add_rights(r, pde, false);

	if ((cpu->cr4 & GWALK_CR4_PSE) && (pde & PTE_PS)) {
		/*
		 * "Format of a 32-Bit Page-Directory Entry that Maps a
		 * 4-MByte Page": bits (M-20):13 are physical address bits
		 * (M-1):32 and bits 21:(M-19) are reserved, with M the
		 * minimum of 40 and MAXPHYADDR (PSE-36).
		 */
		unsigned int m = TV_MIN(maxphyaddr, 40U);
		uint64_t high = m > 32U ? (pde >> 13) & bit_range(m - 33U, 0) : 0;

		if (pde & bit_range(21, m - 19U)) {
			*ec |= GWALK_PFEC_P | GWALK_PFEC_RSVD;
			return GWALK_EFAULT;
		}
		*gpa = (high << 32) | (pde & 0xffc00000ULL) | (linear & 0x3fffffU);
		return 0;
	}

	pte_gpa = (pde & 0xfffff000ULL) | (((uint64_t)(linear >> 12) & 0x3ffU) << 2);
	if (!read_entry(ram, ram_bytes, pte_gpa, 4, &pte))
		return entry_outside_ram(r, pte_gpa);
	if (!(pte & PTE_P))
		return GWALK_EFAULT;
	add_rights(r, pte, false);
	*gpa = (pte & 0xfffff000ULL) | (linear & 0xfffU);
	return 0;
}

/*
 * The levels below the PAE PDPTE and all four levels of 4-level paging
 * share one entry format ("PAE Paging", "4-Level Paging and 5-Level
 * Paging"): 8-byte entries, 9 index bits per level, PS at the levels that
 * may map a page, XD at bit 63.  They differ in the reserved bits above
 * MAXPHYADDR: 62:M for PAE paging, 51:M for 4-level paging.
 */
struct walk_level {
	unsigned int shift;	/* lowest linear-address bit this level maps */
	bool may_map_page;	/* PS = 1 maps a page here; otherwise reserved */
};

static const struct walk_level levels_4level[] = {
	{ 39, false },		/* PML4E: "7 (PS) Reserved (must be 0)" */
	{ 30, true },		/* PDPTE: 1-GByte page */
	{ 21, true },		/* PDE: 2-MByte page */
	{ 12, false },		/* PTE: bit 7 is PAT */
};

static const struct walk_level levels_pae[] = {
	{ 21, true },		/* PDE: 2-MByte page, regardless of CR4.PSE */
	{ 12, false },		/* PTE */
};

static int walk_levels(const struct gwalk_cpu *cpu, const uint8_t *ram, uint64_t ram_bytes,
		       unsigned int maxphyaddr, uint64_t table, uint64_t linear,
		       const struct walk_level *lv, unsigned int nlv, unsigned int rsvd_hi,
		       struct walk_rights *r, uint64_t *gpa, uint32_t *ec)
{
	uint64_t addr_mask = bit_range(maxphyaddr - 1U, PAGE_SHIFT);
	uint64_t rsvd = bit_range(rsvd_hi, maxphyaddr);
	unsigned int i;

	/* "If IA32_EFER.NXE = 0 ... otherwise, reserved (must be 0)". */
	if (!(cpu->efer & GWALK_EFER_NXE))
		rsvd |= PTE_XD;

	for (i = 0; i < nlv; i++) {
		uint64_t index = (linear >> lv[i].shift) & 0x1ffU;
		bool is_leaf = i + 1U == nlv;
		uint64_t entry;

		if (!read_entry(ram, ram_bytes, table + index * 8U, 8, &entry))
			return entry_outside_ram(r, table + index * 8U);
		if (!(entry & PTE_P))
			return GWALK_EFAULT;
		if ((entry & rsvd) || (!lv[i].may_map_page && !is_leaf && (entry & PTE_PS))) {
			*ec |= GWALK_PFEC_P | GWALK_PFEC_RSVD;
			return GWALK_EFAULT;
		}
		if (lv[i].may_map_page && (entry & PTE_PS)) {
			/* Bit 12 is PAT; bits (shift-1):13 are reserved. */
			if (entry & bit_range(lv[i].shift - 1U, 13)) {
				*ec |= GWALK_PFEC_P | GWALK_PFEC_RSVD;
				return GWALK_EFAULT;
			}
			add_rights(r, entry, true);
			*gpa = (entry & addr_mask & ~bit_range(lv[i].shift - 1U, 0)) |
			       (linear & bit_range(lv[i].shift - 1U, 0));
			return 0;
		}
		add_rights(r, entry, true);
		table = entry & addr_mask;
		if (is_leaf) {
			*gpa = table | (linear & (PAGE_SIZE - 1U));
			return 0;
		}
	}
	return GWALK_EINVAL;	/* unreachable: the last level returns */
}

/*
 * "PAE Paging": four PDPTEs at CR3[31:5] indexed by linear[31:30].  A
 * not-present PDPTE faults like any other entry; its reserved bits (2:1, 8:5
 * and 63:M) are checked when the CPU loads it, not on use (see gwalk.h).
 * PDPTEs carry no R/W, U/S or XD.
 */
static int walk_pae(const struct gwalk_cpu *cpu, const uint8_t *ram, uint64_t ram_bytes,
		    unsigned int maxphyaddr, uint32_t linear, struct walk_rights *r,
		    uint64_t *gpa, uint32_t *ec)
{
	uint64_t pdpte_gpa = (cpu->cr3 & 0xffffffe0ULL) | ((uint64_t)(linear >> 30) << 3);
	uint64_t pdpte;

	if (!read_entry(ram, ram_bytes, pdpte_gpa, 8, &pdpte))
		return entry_outside_ram(r, pdpte_gpa);
	if (!(pdpte & PTE_P))
		return GWALK_EFAULT;
	if (pdpte & (TV_BITS(2, 1) | TV_BITS(8, 5) | bit_range(63, maxphyaddr)))
		return GWALK_EPDPTE;
	return walk_levels(cpu, ram, ram_bytes, maxphyaddr,
			   pdpte & bit_range(maxphyaddr - 1U, PAGE_SHIFT), linear,
			   levels_pae, TV_ARRAY_SIZE(levels_pae), 62, r, gpa, ec);
}

/* "Canonicality": with 4-level paging bits 63:47 must all be equal. */
static bool is_canonical_48(uint64_t linear)
{
	uint64_t top = linear >> 47;

	return top == 0 || top == 0x1ffffULL;
}

int gwalk_translate(const struct gwalk_cpu *cpu, const uint8_t *ram, uint64_t ram_bytes,
		    unsigned int maxphyaddr, unsigned int cpl, uint64_t linear,
		    enum gwalk_access acc, uint64_t *gpa, struct gwalk_fault *fault)
{
	struct walk_rights rights = { true, true, false, 0 };
	bool is_lma;
	uint32_t ec;
	int rc;

	if (!fault)
		return GWALK_EINVAL;
	clear_fault(fault);
	if (!cpu || !gpa || (!ram && ram_bytes) || cpl > 3U ||
	    maxphyaddr < GWALK_MAXPHYADDR_MIN || maxphyaddr > GWALK_MAXPHYADDR_MAX ||
	    (acc != GWALK_FETCH && acc != GWALK_READ && acc != GWALK_WRITE))
		return GWALK_EINVAL;

	/*
	 * "IA32_EFER.LMA = IA32_EFER.LME & CR0.PG", and IA-32e mode requires
	 * CR4.PAE = 1: any other combination is not a state a guest can run in.
	 */
	is_lma = cpu->efer & GWALK_EFER_LMA;
	if (is_lma && (!(cpu->cr0 & GWALK_CR0_PG) || !(cpu->cr4 & GWALK_CR4_PAE)))
		return GWALK_EINVAL;

	if (is_lma) {
		if (cpu->cr4 & GWALK_CR4_LA57)
			return GWALK_ENOSYS;
		if (!is_canonical_48(linear)) {
			fault->fault = true;
			fault->vector = GWALK_VECTOR_GP;
			return GWALK_EFAULT;
		}
	} else {
		linear &= 0xffffffffULL;
	}

	if (!(cpu->cr0 & GWALK_CR0_PG)) {
		*gpa = linear;
		return 0;
	}

	ec = access_error_code(cpu, cpl, acc);
	if (is_lma)
		rc = walk_levels(cpu, ram, ram_bytes, maxphyaddr,
				 cpu->cr3 & bit_range(maxphyaddr - 1U, PAGE_SHIFT), linear,
				 levels_4level, TV_ARRAY_SIZE(levels_4level), 51,
				 &rights, gpa, &ec);
	else if (cpu->cr4 & GWALK_CR4_PAE)
		rc = walk_pae(cpu, ram, ram_bytes, maxphyaddr, (uint32_t)linear, &rights, gpa, &ec);
	else
		rc = walk_32bit(cpu, ram, ram_bytes, maxphyaddr, (uint32_t)linear, &rights, gpa, &ec);

	if (rc == GWALK_EFAULT)
		return raise_pf(fault, linear, ec);
	if (rc == GWALK_ERANGE)
		fault->entry_gpa = rights.outside_gpa;
	if (rc < 0)
		return rc;
	/* "Page-Fault Exceptions": a protection violation sets P = 1. */
	if (!is_access_allowed(cpu, cpl, acc, &rights))
		return raise_pf(fault, linear, ec | GWALK_PFEC_P);
	return 0;
}

int gwalk_fetch(const struct gwalk_cpu *cpu, const uint8_t *ram, uint64_t ram_bytes,
		unsigned int maxphyaddr, unsigned int cpl, uint64_t rip_linear,
		uint8_t *buf, unsigned int len, struct gwalk_fault *fault)
{
	unsigned int done = 0;
	int rc = 0;

	if (!fault)
		return GWALK_EINVAL;
	clear_fault(fault);
	if ((!buf && len) || len > GWALK_FETCH_MAX)
		return GWALK_EINVAL;

	while (done < len) {
		uint64_t linear = rip_linear + done;
		uint64_t chunk = TV_MIN((uint64_t)(len - done), PAGE_SIZE - (linear & (PAGE_SIZE - 1U)));
		uint64_t gpa, i;

		/*
		 * Each 4-KByte page is translated on its own: a fetch that
		 * crosses a page boundary walks again for the second page,
		 * as the CPU does.
		 */
		rc = gwalk_translate(cpu, ram, ram_bytes, maxphyaddr, cpl, linear,
				     GWALK_FETCH, &gpa, fault);
		if (rc < 0)
			break;
		if (gpa >= ram_bytes) {
			rc = GWALK_ERANGE;
			break;
		}
		if (chunk > ram_bytes - gpa) {
			chunk = ram_bytes - gpa;
			rc = GWALK_ERANGE;
		}
		for (i = 0; i < chunk; i++)
			buf[done + i] = ram[gpa + i];
		done += (unsigned int)chunk;
		if (rc < 0)
			break;
	}

	fault->tail_err = rc;
	if (done == 0 && rc < 0)
		return rc;
	return (int)done;
}

const char *gwalk_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case GWALK_EFAULT:
		return "the guest's access faults";
	case GWALK_ERANGE:
		return "paging structure or code outside guest RAM";
	case GWALK_ENOSYS:
		return "5-level paging (CR4.LA57) is not supported";
	case GWALK_EPDPTE:
		return "PAE PDPTE in memory has reserved bits set";
	case GWALK_EINVAL:
		return "invalid argument or control-register state";
	default:
		return "unknown gwalk error";
	}
}
