/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * libFuzzer target for the decision on a trapped MMIO access
 * (vmm/mmio_decide.c: exit classification, instruction fetch through the
 * guest's paging, decoding, operand placement and the cross-check), the
 * code vmm/guest_mmio.c runs on every APIC-access and EPT-violation exit
 * it may emulate (issue 12).
 *
 * Each input builds one exit: a guest RAM of 1 to 12 pages (sometimes a
 * few bytes short of a page), allocated with exactly that size so that
 * AddressSanitizer stops any read past it, filled with random bytes; a CPU
 * mode (real, 16- or 32-bit protected with or without 32-bit or PAE
 * paging, compatibility, 64-bit; now and then an impossible CR/EFER mix);
 * page tables in that RAM mapping six linear pages (the code page, the one
 * after it, four more) onto RAM frames, the APIC page at 0xFEE00000,
 * frames past RAM or anywhere, with tables that may alias each other, the
 * code or data, entries not present or with reserved bits, and large
 * pages; segment bases, GPRs, and instruction bytes at CS.base + RIP
 * (often ending across a page boundary), either an instruction built from
 * prefixes, an opcode tickvisor decodes or a neighbour, ModRM and random
 * tail bytes, or raw random bytes.  The registers are then steered so the
 * operand lands in one of the mapped pages, and the exit (APIC access or
 * EPT violation, its qualification, event delivery, its address) is the
 * operand's true address with its true direction, or a byte off, the
 * other direction, a paging-structure entry of the operand's walk, the
 * APIC page or any address.
 *
 * Checked against the harness's own reading of the SDM, not against
 * mmio_decide.c's code (a broken rule aborts: libFuzzer reports a crash):
 *  - every read of guest RAM is inside it (ASan);
 *  - "emulate" only for a data read or write by the instruction, from the
 *    exit's raw qualification bits: never a page walk, event delivery,
 *    fetch, asynchronous or undefined access;
 *  - the instruction bytes are those at CS.base + RIP, fetched here byte
 *    by byte with gwalk_translate(), and decode as the decision says;
 *  - "emulate" only when a byte of the decoded operand, its linear address
 *    recomputed here from the instruction's fields, the GPRs and the
 *    segment base and translated byte by byte, is at the exit's address
 *    with the exit's direction; and, the other way, when every operand
 *    byte translates and one matches, the decision is "emulate".
 * Replay: `build/fuzz/fuzz_mmio crash-file`; FUZZ_MMIO_TRACE=1 prints the
 * case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmm/mmio_decide.h"
#include "ut_paging.h"
#include "ut_rng.h"

#define FZ_PAGE		0x1000ULL
#define FZ_APIC_GPA	0xfee00000ULL
#define FZ_MAX_PAGES	12U
#define FZ_HOT		6U	/* linear pages mapped: code, code + 1, four more */

#define FZ_CR0_PE	0x00000001ULL
#define FZ_EFER_LME	0x00000100ULL

/* EPT qualification bits (SDM Vol. 3C, "Exit Qualification for EPT Violations"). */
#define FZ_EPT_READ	0x1ULL
#define FZ_EPT_WRITE	0x2ULL
#define FZ_EPT_FETCH	0x4ULL
#define FZ_EPT_LINEAR	0x80ULL
#define FZ_EPT_FINAL	0x100ULL
#define FZ_EPT_ASYNC	0x10000ULL

/* One generated case. */
struct fz_case {
	struct ut_fuzz_input f;
	uint64_t tail;			/* splitmix64 state for the bytes past the input's end */
	struct ut_pt pt;
	unsigned int npages;
	struct mmio_decide_in in;
	uint64_t hot[FZ_HOT];		/* linear page addresses */
	/* The harness's own fetch and decode of the instruction at CS:RIP. */
	uint8_t bytes[INSN_MAX_LENGTH];
	int n;
	enum insn_status st;
	struct insn insn;
};

/* An operand as the harness computes it. */
struct fz_operand {
	uint64_t lin;
	unsigned int width;
	bool is_write;
	unsigned int seg;		/* its segment, and the offset in it, for the limit oracle */
	uint64_t off;
};

static bool fz_trace;

static void fz_fail(const struct fz_case *c, const struct mmio_decide_out *o, const char *why)
{
	fprintf(stderr, "fuzz_mmio: invariant broken: %s (verdict %d access %d fetched %d "
		"insn kind %d len %u; exit kind %d q %#llx addr %#llx event %d; cr0 %#llx cr3 %#llx "
		"cr4 %#llx efer %#llx is_64 %d rip %#llx)\n", why, (int)o->verdict, (int)o->access,
		o->fetched, (int)o->insn.kind, o->insn.length, (int)c->in.exit.kind,
		(unsigned long long)c->in.exit.qualification, (unsigned long long)c->in.exit.addr,
		c->in.exit.is_event_delivery, (unsigned long long)c->in.view.cpu.cr0,
		(unsigned long long)c->in.view.cpu.cr3, (unsigned long long)c->in.view.cpu.cr4,
		(unsigned long long)c->in.view.cpu.efer, c->in.view.is_64,
		(unsigned long long)c->in.rip);
	abort();
}

/*
 * The input's next bytes, big-endian; past its end, bytes drawn from a
 * generator seeded with a hash of the whole input, so that the short
 * inputs libFuzzer starts from already build full cases rather than a
 * guest of zeros.
 */
static uint64_t fz_get(struct fz_case *c, unsigned int bytes)
{
	uint64_t v = 0;

	if (c->f.pos + bytes <= c->f.size)
		return ut_fuzz_get(&c->f, bytes);
	c->f.pos = c->f.size;
	while (bytes--)
		v = v << 8 | (ut_splitmix64(&c->tail) & 0xffU);
	return v;
}

static uint64_t fz_hash(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (size--)
		h = (h ^ *data++) * 0x100000001b3ULL;
	return h;
}

/* A frame: mostly in RAM, else the APIC page, just past RAM or anywhere below MAXPHYADDR. */
static uint64_t fz_frame(struct fz_case *c)
{
	uint8_t b = (uint8_t)fz_get(c, 1);

	if (b < 0xd0U)
		return (uint64_t)(b % c->npages) * FZ_PAGE;
	if (b < 0xe0U)
		return FZ_APIC_GPA;
	if (b < 0xf0U)
		return (uint64_t)(c->npages + (b & 0xfU)) * FZ_PAGE;
	return fz_get(c, 8) & c->pt.addr_mask & ~0xfffULL;
}

/* Entry flags: present, writable, user, accessed, dirty, with the rarer faults. */
static uint64_t fz_flags(struct fz_case *c, bool is_leaf)
{
	uint16_t b = (uint16_t)fz_get(c, 2);
	uint64_t f = UT_PG_P | UT_PG_RW | UT_PG_US | UT_PG_A | (is_leaf ? UT_PG_D : 0);

	if ((b & 0x000fU) == 0)
		f &= ~UT_PG_P;
	if ((b & 0x01f0U) == 0x0110U)
		f |= (c->pt.addr_mask + 1U) & ~c->pt.addr_mask & ((1ULL << 52) - 1U);
	if ((b & 0x0e00U) == 0x0e00U)
		f &= ~UT_PG_RW;
	if ((b & 0x7000U) == 0x7000U)
		f &= ~UT_PG_US;
	if ((b & 0x8003U) == 0x8003U && c->pt.paging != UT_PAGING_32)
		f |= UT_PG_XD;
	return f;
}

/* A value whose low bits sit near a page edge, or anywhere. */
static uint64_t fz_offset(struct fz_case *c)
{
	uint16_t v = (uint16_t)fz_get(c, 2);

	return (v & 0x8000U) ? 0x1000U - 1U - (v & 0xfU) : v & 0xfffU;
}

/* The mode: CR0, CR4, EFER, CS.L/D, CPL, MAXPHYADDR, paging; sometimes an impossible mix. */
static void fz_mode(struct fz_case *c)
{
	static const unsigned int maxphy[] = { 36, 39, 46, 52, 32, 40, 48, 36 };
	struct gwalk_cpu *cpu = &c->in.view.cpu;
	uint8_t m = (uint8_t)fz_get(c, 1), fl = (uint8_t)fz_get(c, 1);
	bool cs_l = false;

	c->in.view.maxphyaddr = maxphy[fl & 7U];
	c->pt.addr_mask = (1ULL << c->in.view.maxphyaddr) - 1U;
	c->in.cs_d = fl & 0x08U;
	c->in.view.cpl = (fl & 0x10U) ? 3U : (fl >> 5) & 3U;
	cpu->cr0 = (fl & 0x80U) ? GWALK_CR0_WP : 0;
	cpu->efer = (fl & 0x40U) ? GWALK_EFER_NXE : 0;
	cpu->cr4 = (m & 0x10U) ? GWALK_CR4_PSE : 0;
	c->pt.paging = UT_PAGING_NONE;
	switch (m % 8U) {
	case 0:					/* real mode */
		break;
	case 1:					/* protected, no paging */
		cpu->cr0 |= FZ_CR0_PE;
		break;
	case 2:					/* 32-bit paging */
		cpu->cr0 |= FZ_CR0_PE | GWALK_CR0_PG;
		c->pt.paging = UT_PAGING_32;
		break;
	case 3:					/* PAE paging */
		cpu->cr0 |= FZ_CR0_PE | GWALK_CR0_PG;
		cpu->cr4 |= GWALK_CR4_PAE;
		c->pt.paging = UT_PAGING_PAE;
		break;
	case 4:					/* compatibility mode */
		cpu->cr0 |= FZ_CR0_PE | GWALK_CR0_PG;
		cpu->cr4 |= GWALK_CR4_PAE;
		cpu->efer |= GWALK_EFER_LMA | FZ_EFER_LME;
		c->pt.paging = UT_PAGING_4LEVEL;
		break;
	default:				/* 64-bit mode */
		cpu->cr0 |= FZ_CR0_PE | GWALK_CR0_PG;
		cpu->cr4 |= GWALK_CR4_PAE;
		cpu->efer |= GWALK_EFER_LMA | FZ_EFER_LME;
		c->pt.paging = UT_PAGING_4LEVEL;
		cs_l = true;
		break;
	}
	c->in.view.is_64 = (cpu->efer & GWALK_EFER_LMA) && cs_l;
	if ((m & 0xe0U) == 0xe0U) {
		/* A bit flipped that no VM entry would accept: the decision must still hold. */
		uint64_t bit = 1ULL << (fz_get(c, 1) % 48U);

		switch (fz_get(c, 1) % 4U) {
		case 0: cpu->cr0 ^= bit & 0x80010001ULL; break;
		case 1: cpu->cr4 ^= bit & 0x1030ULL; break;
		case 2: cpu->efer ^= bit & 0xd00ULL; break;
		default: c->in.view.is_64 = !c->in.view.is_64; break;
		}
	}
	/* CR3: a frame, mostly in RAM; PAE's PDPT is 32-byte aligned anywhere in it. */
	cpu->cr3 = (fl & 0x07U) == 0x07U ? fz_frame(c) : (fz_get(c, 1) % c->npages) * FZ_PAGE;
	if (c->pt.paging == UT_PAGING_PAE)
		cpu->cr3 = (cpu->cr3 & 0xffffffffULL) | (fz_get(c, 1) & 0x7fU) << 5;
	c->pt.cr3 = cpu->cr3;
}

/* A linear page: in 64-bit paging anywhere canonical, else 32 bits; without paging in RAM or the APIC page. */
static uint64_t fz_linear_page(struct fz_case *c)
{
	uint64_t v = fz_get(c, 8);

	if (c->pt.paging == UT_PAGING_NONE || (v & 3U) == 0)
		return (v & 0x1cU) == 0x1cU ? FZ_APIC_GPA : ((v >> 5) % (c->npages + 1U)) * FZ_PAGE;
	if (c->pt.paging == UT_PAGING_4LEVEL)
		return (uint64_t)((int64_t)(v << 16) >> 16) & ~0xfffULL;
	return v & 0xfffff000ULL;
}

/*
 * Map the hot pages, the two code pages last so that the others' tables
 * do not often undo them; those two mostly go, with their tables, to RAM
 * frames, present, so that the fetch gets somewhere.
 */
static void fz_map(struct fz_case *c)
{
	unsigned int k;

	for (k = 0; k < FZ_HOT; k++) {
		unsigned int i = (k + 2U) % FZ_HOT;
		uint64_t tables[3] = { fz_frame(c), fz_frame(c), fz_frame(c) };
		uint8_t how = (uint8_t)fz_get(c, 1);
		uint64_t pa = fz_frame(c), leaf = fz_flags(c, true), table = UT_PG_TABLE;
		bool replace = (how & 0x0cU) == 0x0cU;
		unsigned int level = (how & 0xc0U) == 0xc0U ? (how & 3U) : 0;

		if ((how & 0x30U) == 0x30U)
			table = fz_flags(c, false);
		if (i < 2U && (how & 0x03U) != 0x03U) {
			pa %= c->npages * FZ_PAGE;
			leaf = UT_PG_P | UT_PG_RW | UT_PG_US | UT_PG_A | UT_PG_D;
			table = UT_PG_TABLE;
			/* Distinct frames where RAM has them: a table that is its own parent breaks the walk. */
			tables[0] = (c->pt.cr3 / FZ_PAGE + 1U + (how >> 4 & 1U)) % c->npages * FZ_PAGE;
			tables[1] = (tables[0] / FZ_PAGE + 1U) % c->npages * FZ_PAGE;
			tables[2] = (tables[1] / FZ_PAGE + 1U) % c->npages * FZ_PAGE;
			replace = false;
			level = 0;
		}
		(void)ut_pt_map(&c->pt, c->hot[i], pa, level, leaf, table, tables, 3, replace);
	}
}

static uint64_t fz_seg_base(const struct mmio_decide_in *in, unsigned int seg)
{
	/* SDM Vol. 1, "Segment Registers in 64-Bit Mode": only FS and GS keep a base. */
	if (in->view.is_64 && seg != INSN_SEG_FS && seg != INSN_SEG_GS)
		return 0;
	return in->seg_base[seg];
}

/* A linear address of the byte i of an access at lin: 32 bits wide outside 64-bit mode. */
static uint64_t fz_lin(const struct mmio_decide_in *in, uint64_t lin, unsigned int i)
{
	return in->view.is_64 ? lin + i : (lin + i) & 0xffffffffULL;
}

/* The instruction bytes at CS:RIP, byte by byte: how many the guest could fetch. */
static int fz_fetch(const struct mmio_decide_in *in, uint8_t *bytes)
{
	const struct mmio_view *v = &in->view;
	unsigned int i;

	for (i = 0; i < INSN_MAX_LENGTH; i++) {
		uint64_t gpa;
		struct gwalk_fault fault;

		if (gwalk_translate(&v->cpu, v->ram, v->ram_bytes, v->maxphyaddr, v->cpl,
				    fz_lin(in, fz_seg_base(in, INSN_SEG_CS) + in->rip, i), GWALK_FETCH,
				    &gpa, &fault) || gpa >= v->ram_bytes)
			break;
		bytes[i] = v->ram[gpa];
	}
	return (int)i;
}

static enum insn_mode fz_insn_mode(const struct mmio_decide_in *in)
{
	if (!(in->view.cpu.cr0 & FZ_CR0_PE))
		return INSN_MODE_16;
	return in->view.is_64 ? INSN_MODE_64 : in->cs_d ? INSN_MODE_32 : INSN_MODE_16;
}

/* Instruction bytes: built from a prefix, opcode and ModRM menu, or raw. */
static void fz_insn_bytes(struct fz_case *c, uint8_t *b)
{
	static const uint8_t prefixes[] = { 0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65,
					    0xf3, 0xf2, 0xf0, 0x48, 0x41, 0x4c, 0x40, 0x66 };
	static const uint8_t opcodes[] = { 0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7, 0x0f, 0x0f,
					   0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xaa, 0xab,
					   0x6c, 0x6d, 0x6e, 0x6f, 0xac, 0x8d, 0x80, 0xc5 };
	uint8_t sel = (uint8_t)fz_get(c, 1);
	unsigned int i, k = 0, np = (sel >> 4) & 3U;

	for (i = 0; i < INSN_MAX_LENGTH; i++)
		b[i] = (uint8_t)fz_get(c, 1);
	if ((sel & 0x0fU) == 0)
		return;			/* raw bytes */
	for (i = 0; i < np; i++, k++)
		b[k] = prefixes[b[k] % sizeof(prefixes)];
	b[k] = opcodes[b[k] % sizeof(opcodes)];
	if (b[k] == 0x0f)
		b[++k] = (sel & 0x40U) ? 0xb7 : 0xb6;
	k++;
	/* A memory ModRM most of the time: mod 3 has no access. */
	if ((b[k] & 0xc0U) == 0xc0U && !(sel & 0x80U))
		b[k] &= 0x7fU;
}

/* Write the instruction at CS:RIP byte by byte where the guest's paging puts it in RAM. */
static void fz_place_insn(struct fz_case *c, const uint8_t *b)
{
	const struct mmio_view *v = &c->in.view;
	unsigned int i;

	for (i = 0; i < INSN_MAX_LENGTH; i++) {
		uint64_t gpa;
		struct gwalk_fault fault;

		if (gwalk_translate(&v->cpu, v->ram, v->ram_bytes, v->maxphyaddr, v->cpl,
				    fz_lin(&c->in, fz_seg_base(&c->in, INSN_SEG_CS) + c->in.rip, i),
				    GWALK_READ, &gpa, &fault) == 0 && gpa < v->ram_bytes)
			c->pt.ram[gpa] = b[i];
	}
}

/* The operands of the harness's own decode: a MOV's one, MOVS's two, STOS's one. */
static unsigned int fz_operands(const struct mmio_decide_in *in, const struct insn *i,
				struct fz_operand op[2])
{
	uint64_t amask = i->addr_size == 8U ? ~0ULL : i->addr_size == 4U ? 0xffffffffULL : 0xffffULL;
	uint64_t ea = (uint64_t)i->disp;

	switch (i->kind) {
	case INSN_KIND_MOVS:
		op[0] = (struct fz_operand){ fz_seg_base(in, i->seg) + (in->gpr[6] & amask),
					     i->width, false, i->seg, in->gpr[6] & amask };
		op[1] = (struct fz_operand){ fz_seg_base(in, INSN_SEG_ES) + (in->gpr[7] & amask),
					     i->width, true, INSN_SEG_ES, in->gpr[7] & amask };
		return 2;
	case INSN_KIND_STOS:
		op[0] = (struct fz_operand){ fz_seg_base(in, INSN_SEG_ES) + (in->gpr[7] & amask),
					     i->width, true, INSN_SEG_ES, in->gpr[7] & amask };
		return 1;
	case INSN_KIND_LOAD:
	case INSN_KIND_LOAD_ZX:
	case INSN_KIND_STORE_REG:
	case INSN_KIND_STORE_IMM:
		/* SDM Vol. 1, "Specifying an Offset"; RIP-relative from the next instruction. */
		if (i->base == INSN_REG_RIP)
			ea += in->rip + i->length;
		else if (i->base < 16U)
			ea += in->gpr[i->base];
		if (i->index < 16U)
			ea += in->gpr[i->index] * i->scale;
		op[0] = (struct fz_operand){ fz_seg_base(in, i->seg) + (ea & amask), i->width,
					     i->kind == INSN_KIND_STORE_REG ||
					     i->kind == INSN_KIND_STORE_IMM, i->seg, ea & amask };
		return 1;
	default:
		return 0;
	}
}

/* Point the operands into hot pages by their base register (or rSI, rDI). */
static void fz_steer(struct fz_case *c)
{
	struct mmio_decide_in *in = &c->in;
	const struct insn *i = &c->insn;
	uint8_t how = (uint8_t)fz_get(c, 1);
	uint64_t t0 = c->hot[how % FZ_HOT] + fz_offset(c);
	uint64_t t1 = c->hot[(how >> 3) % FZ_HOT] + fz_offset(c);

	if (c->st != INSN_OK || (how & 0xc0U) == 0xc0U)
		return;
	if (i->kind == INSN_KIND_MOVS || i->kind == INSN_KIND_STOS) {
		in->gpr[6] = t0 - fz_seg_base(in, i->seg);
		in->gpr[7] = (i->kind == INSN_KIND_MOVS ? t1 : t0) - fz_seg_base(in, INSN_SEG_ES);
		return;
	}
	if (i->base < 16U && i->base != i->index)
		in->gpr[i->base] = t0 - fz_seg_base(in, i->seg) - (uint64_t)i->disp -
				   (i->index < 16U ? in->gpr[i->index] * i->scale : 0);
}

/* -1: not a data access of the instruction; 0 a data read; 1 a data write; from the raw bits. */
static int fz_exit_dir(const struct mmio_exit *x)
{
	uint64_t q = x->qualification;

	/* SDM Vol. 3C, "Information for VM Exits During Event Delivery". */
	if (x->is_event_delivery)
		return -1;
	if (x->kind == MMIO_EXIT_APIC_ACCESS) {
		/* "Exit Qualification for APIC-Access VM Exits": type 0 read, 1 write. */
		unsigned int type = (unsigned int)(q >> 12) & 0xfU;

		return type == 0 ? 0 : type == 1 ? 1 : -1;
	}
	if ((q & FZ_EPT_ASYNC) || !(q & FZ_EPT_LINEAR) || !(q & FZ_EPT_FINAL) || (q & FZ_EPT_FETCH))
		return -1;
	return (q & FZ_EPT_WRITE) ? 1 : (q & FZ_EPT_READ) ? 0 : -1;
}

/* The exit: kind, address, qualification and event delivery. */
static void fz_exit(struct fz_case *c, const struct fz_operand *op, unsigned int nop)
{
	static const int8_t off[8] = { -8, -4, -2, -1, 1, 2, 4, 8 };
	struct mmio_exit *x = &c->in.exit;
	uint8_t a = (uint8_t)fz_get(c, 1), q = (uint8_t)fz_get(c, 1);
	const struct fz_operand *o = nop ? &op[(a >> 4) % nop] : NULL;
	const struct mmio_view *v = &c->in.view;
	struct gwalk_fault fault = { 0 };
	bool is_write = o ? o->is_write : (q & 1U);
	uint64_t gpa = fz_get(c, 8);

	x->kind = (a & 1U) ? MMIO_EXIT_EPT_VIOLATION : MMIO_EXIT_APIC_ACCESS;
	switch ((a >> 1) & 7U) {
	case 0: case 1: case 2: case 3:		/* the operand's own byte, as the guest maps it */
		if (o && gwalk_translate(&v->cpu, v->ram, v->ram_bytes, v->maxphyaddr, v->cpl,
					 fz_lin(&c->in, o->lin, (a >> 6) % o->width),
					 is_write ? GWALK_WRITE : GWALK_READ, &gpa, &fault) == GWALK_ERANGE)
			gpa = fault.entry_gpa + ((a >> 6) & 7U);
		break;
	case 4:					/* a few bytes off it */
		if (o && gwalk_translate(&v->cpu, v->ram, v->ram_bytes, v->maxphyaddr, v->cpl,
					 fz_lin(&c->in, o->lin, 0), GWALK_READ, &gpa, &fault) == 0)
			gpa += (uint64_t)(int64_t)off[fz_get(c, 1) & 7U];
		break;
	case 5:					/* the APIC page */
		gpa = FZ_APIC_GPA + (gpa & 0xfffU);
		break;
	default:				/* anywhere */
		break;
	}
	x->addr = gpa;
	x->is_event_delivery = (q & 0xe0U) == 0xe0U;
	if ((q & 0x18U) == 0x18U)
		is_write = !is_write;
	if (x->kind == MMIO_EXIT_APIC_ACCESS) {
		uint64_t type = (q & 0x06U) == 0x06U ? fz_get(c, 1) & 0xfU : is_write;

		x->qualification = (type << 12) | (gpa & 0xfffU);
	} else {
		x->qualification = (q & 0x06U) == 0x06U ? fz_get(c, 3) & 0x1ffffULL :
				   FZ_EPT_LINEAR | FZ_EPT_FINAL | (is_write ? FZ_EPT_WRITE : FZ_EPT_READ);
	}
}

/*
 * Whether the operand bytes all translate, whether one is the exit's
 * access, and whether the walk of one needs a paging-structure entry
 * outside RAM whose 8 bytes hold the exit's address.
 */
static void fz_cover(const struct fz_case *c, int dir, bool *all_translate, bool *covered,
		     bool *walk_entry)
{
	const struct mmio_decide_in *in = &c->in;
	const struct mmio_view *v = &in->view;
	struct fz_operand op[2];
	unsigned int nop = fz_operands(in, &c->insn, op), k, b;

	*all_translate = nop > 0;
	*covered = false;
	*walk_entry = false;
	for (k = 0; k < nop; k++) {
		for (b = 0; b < op[k].width; b++) {
			struct gwalk_fault fault;
			uint64_t gpa;

			int rc = gwalk_translate(&v->cpu, v->ram, v->ram_bytes, v->maxphyaddr, v->cpl,
						 fz_lin(in, op[k].lin, b),
						 op[k].is_write ? GWALK_WRITE : GWALK_READ, &gpa, &fault);

			if (rc == GWALK_ERANGE && in->exit.addr - fault.entry_gpa < 8U)
				*walk_entry = true;
			if (rc)
				*all_translate = false;
			else if (gpa == in->exit.addr && op[k].is_write == (dir == 1))
				*covered = true;
		}
	}
}

/*
 * The limit oracle (SDM Vol. 3A, "Limit Checking"), written from the SDM
 * apart from mmio_decide.c: every byte's offset in its segment, one at a
 * time.  True when nothing is checked (64-bit mode, no check_limits).
 */
static bool fz_byte_in(const struct mmio_decide_in *in, unsigned int seg, uint64_t off)
{
	const struct mmio_seg_limit *s = &in->seg_limit[seg];
	bool down = (s->ar & 0x1cU) == 0x14U;	/* S, data, expand-down */

	if (s->ar & (1U << 16))
		return false;
	if (down)
		return off > s->limit && off <= ((s->ar & (1U << 14)) ? 0xffffffffULL : 0xffffULL);
	return off <= s->limit;
}

static bool fz_in_limits(const struct fz_case *c)
{
	const struct mmio_decide_in *in = &c->in;
	struct fz_operand op[2];
	unsigned int nop, k, b;

	if (!in->check_limits || in->view.is_64)
		return true;
	for (b = 0; b < c->insn.length; b++)
		if (!fz_byte_in(in, INSN_SEG_CS, in->rip + b))
			return false;
	nop = fz_operands(in, &c->insn, op);
	for (k = 0; k < nop; k++)
		for (b = 0; b < op[k].width; b++)
			if (op[k].seg >= 6U || !fz_byte_in(in, op[k].seg, op[k].off + b))
				return false;
	return true;
}

static bool fz_same_fetch(const struct fz_case *c, const struct mmio_decide_out *o)
{
	if (c->n == 0)
		return o->fetched <= 0;
	return o->fetched == c->n && memcmp(o->bytes, c->bytes, (size_t)c->n) == 0;
}

/* The checks of the file comment. */
static void fz_check(const struct fz_case *c, const struct mmio_decide_out *o,
		     const struct mmio_decide_out *io)
{
	int dir = fz_exit_dir(&c->in.exit);
	bool all_translate, covered, walk_entry, in_limits;

	if (!fz_same_fetch(c, io))
		fz_fail(c, io, "the string-I/O fetch differs from the bytes at CS.base + RIP");
	if (dir < 0) {
		if (o->verdict != MMIO_VERDICT_NOT_DATA)
			fz_fail(c, o, "an access that is no data access went past the classification");
		return;
	}
	if (o->verdict == MMIO_VERDICT_NOT_DATA && o->access != MMIO_ACCESS_PAGE_WALK)
		fz_fail(c, o, "a data access was classified as none");
	if (o->verdict != MMIO_VERDICT_NOT_DATA &&
	    o->access != (dir ? MMIO_ACCESS_WRITE : MMIO_ACCESS_READ))
		fz_fail(c, o, "the access is classified in the wrong direction");
	if (!fz_same_fetch(c, o))
		fz_fail(c, o, "the fetched bytes are not those at CS.base + RIP");
	if (o->verdict == MMIO_VERDICT_NO_FETCH)
		return;
	if ((o->verdict == MMIO_VERDICT_NO_DECODE) != (c->st != INSN_OK) ||
	    (o->verdict == MMIO_VERDICT_NO_DECODE && o->decode_status != c->st))
		fz_fail(c, o, "the decode differs from insn_decode() of the bytes at CS:RIP");
	if (o->verdict == MMIO_VERDICT_NO_DECODE)
		return;
	if (o->insn.kind != c->insn.kind || o->insn.length != c->insn.length ||
	    o->insn.width != c->insn.width || o->insn.disp != c->insn.disp ||
	    o->insn.base != c->insn.base || o->insn.index != c->insn.index ||
	    o->insn.seg != c->insn.seg || o->insn.addr_size != c->insn.addr_size)
		fz_fail(c, o, "the decoded instruction differs from the one at CS:RIP");
	in_limits = fz_in_limits(c);
	if ((o->verdict == MMIO_VERDICT_MISMATCH && o->match == MMIO_MISMATCH_LIMIT) == in_limits)
		fz_fail(c, o, in_limits ? "refused for a segment limit the access is inside"
					: "an access outside a segment limit went past the limit check");
	if (!in_limits)
		return;
	fz_cover(c, dir, &all_translate, &covered, &walk_entry);
	if (o->verdict == MMIO_VERDICT_EMULATE && !covered)
		fz_fail(c, o, "emulated, but no byte of the operand is the exit's access");
	if (o->verdict == MMIO_VERDICT_NOT_DATA && !walk_entry)
		fz_fail(c, o, "a page walk named, but the operand's walk needs no entry at the exit");
	if (o->verdict != MMIO_VERDICT_EMULATE && all_translate && covered)
		fz_fail(c, o, "refused, but the operand is the exit's access");
}

/* Everything but the exit, from the input. */
static bool fz_build(struct fz_case *c)
{
	uint8_t r = (uint8_t)fz_get(c, 1);
	uint64_t seed, v, cs_off;
	uint8_t insn[INSN_MAX_LENGTH];
	unsigned int i;

	c->npages = 1U + r % FZ_MAX_PAGES;
	c->pt.ram_bytes = c->npages * FZ_PAGE - ((r & 0xc0U) == 0xc0U ? 1U + (r >> 4 & 3U) * 5U : 0);
	c->pt.ram = malloc(c->pt.ram_bytes);
	if (!c->pt.ram)
		return false;
	seed = fz_get(c, 8);
	for (v = 0; v < c->pt.ram_bytes; v += 8) {
		uint64_t x = ut_splitmix64(&seed);

		memcpy(c->pt.ram + v, &x, TV_MIN(8U, c->pt.ram_bytes - v));
	}
	fz_mode(c);
	c->in.view.ram = c->pt.ram;
	c->in.view.ram_bytes = c->pt.ram_bytes;
	for (i = 0; i < FZ_HOT; i++)
		c->hot[i] = fz_linear_page(c);
	c->hot[1] = fz_lin(&c->in, c->hot[0], 0x1000U);
	fz_map(c);
	/* Segment bases: 0, real-mode style, any 32 bits; FS and GS any 64. */
	for (i = 0; i < 6U; i++) {
		uint8_t s = (uint8_t)fz_get(c, 1);

		c->in.seg_base[i] = (s & 3U) == 0 ? 0 : (s & 3U) == 1 ? (fz_get(c, 2) << 4) :
				    (i >= INSN_SEG_FS && (s & 4U)) ? fz_get(c, 8) : fz_get(c, 4);
	}
	for (i = 0; i < 16U; i++) {
		uint8_t s = (uint8_t)fz_get(c, 1);

		c->in.gpr[i] = (s & 3U) == 0 ? fz_get(c, 8) : (s & 3U) == 1 ? fz_get(c, 4) : fz_get(c, 2);
	}
	/* Segment limits (issue 12 item 2), half the time: flat, 64 KiB or any; expand-down, unusable. */
	if (fz_get(c, 1) & 1U) {
		c->in.check_limits = true;
		for (i = 0; i < 6U; i++) {
			uint8_t s = (uint8_t)fz_get(c, 1);

			c->in.seg_limit[i].limit = (s & 3U) == 0 ? 0xffffffffU :
						   (s & 3U) == 1 ? 0xffffU : (uint32_t)fz_get(c, 4);
			c->in.seg_limit[i].ar = (s & 0x10U) ? 1U << 16 :
						0x93U | ((s & 4U) ? 4U : 0) | ((s & 8U) ? 0x4000U : 0);
		}
	}
	/* RIP: the code page plus an offset, often at its end; 32 bits outside 64-bit mode. */
	cs_off = fz_offset(c);
	c->in.rip = c->hot[0] + cs_off - fz_seg_base(&c->in, INSN_SEG_CS);
	if (!c->in.view.is_64)
		c->in.rip &= 0xffffffffULL;
	fz_insn_bytes(c, insn);
	fz_place_insn(c, insn);
	c->n = fz_fetch(&c->in, c->bytes);
	c->st = c->n > 0 ? insn_decode(c->bytes, (size_t)c->n, fz_insn_mode(&c->in), &c->insn)
			 : INSN_ERR_TRUNCATED;
	fz_steer(c);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The product's way to the segment bases (asked for, one at a time), from the same array. */
static uint64_t fz_read_seg_base(const void *ctx, enum insn_seg seg)
{
	const struct mmio_decide_in *in = ctx;

	return in->seg_base[seg];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_case c = { .f = { .data = data, .size = size, .pos = 0 },
			     .tail = fz_hash(data, size) };
	struct mmio_decide_out o, io = { 0 };
	struct fz_operand op[2];
	unsigned int nop = 0;

	if (!fz_build(&c))
		return 0;
	if (c.tail & 1U) {		/* half the cases: the bases through the callback */
		c.in.read_seg_base = fz_read_seg_base;
		c.in.seg_ctx = &c.in;
	}
	if (c.st == INSN_OK)
		nop = fz_operands(&c.in, &c.insn, op);
	fz_exit(&c, op, nop);
	mmio_decide(&c.in, &o);
	(void)mmio_fetch_decode(&c.in, insn_decode_string_io, &io);
	if (fz_trace)
		fprintf(stderr, "fuzz_mmio: ram %llu mode is_64 %d cr0 %#llx cr4 %#llx efer %#llx "
			"cs %#llx rip %#llx fetched %d st %d kind %d exit %d q %#llx addr %#llx -> verdict %d "
			"access %d walk_err %d match %d fetch_rc %d cr3 %#llx\n", (unsigned long long)c.pt.ram_bytes,
			c.in.view.is_64, (unsigned long long)c.in.view.cpu.cr0,
			(unsigned long long)c.in.view.cpu.cr4, (unsigned long long)c.in.view.cpu.efer,
			(unsigned long long)c.in.seg_base[INSN_SEG_CS], (unsigned long long)c.in.rip,
			c.n, (int)c.st, (int)c.insn.kind,
			(int)c.in.exit.kind, (unsigned long long)c.in.exit.qualification,
			(unsigned long long)c.in.exit.addr, (int)o.verdict, (int)o.access, o.walk_err,
			(int)o.match, io.fetched, (unsigned long long)c.in.view.cpu.cr3);
	fz_check(&c, &o, &io);
	free(c.pt.ram);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_trace = getenv("FUZZ_MMIO_TRACE") != NULL;
	return 0;
}
