/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * vmm/mmio_decide: the whole decision on a trapped MMIO access, one case
 * per rule of mmio_decide.h, on a fake guest RAM with its own page tables
 * (tests/unit/ut_paging.h).  tests/unit/fuzz_mmio.c fuzzes the same
 * function; these cases keep each rule in view deterministically.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ut_paging.h"

#include "../../vmm/mmio_decide.h"

#define RAM_BYTES	0x10000ULL
#define APIC_GPA	0xfee00000ULL
#define CODE_GPA	0x1000ULL
#define CR0_PE		0x1ULL

/* APIC-access types and EPT qualification bits (SDM Vol. 3C, the exit qualification tables). */
#define APIC_READ	0U
#define APIC_WRITE	1U
#define APIC_FETCH	2U
#define EPT_DATA_READ	0x181ULL	/* read, linear address valid, final translation */
#define EPT_DATA_WRITE	0x182ULL
#define EPT_WALK_READ	0x081ULL	/* linear address valid, a paging-structure access */

static uint8_t ram[RAM_BYTES];

/* 32-bit protected mode without paging, RIP at CODE_GPA, every register 0. */
static struct mmio_decide_in in_32(void)
{
	struct mmio_decide_in in = {
		.view = { .ram = ram, .ram_bytes = RAM_BYTES, .maxphyaddr = 39,
			  .cpu = { .cr0 = CR0_PE } },
		.cs_d = true,
		.rip = CODE_GPA,
	};

	memset(ram, 0, sizeof(ram));
	return in;
}

static void put_code(uint64_t gpa, const uint8_t *bytes, size_t n)
{
	memcpy(ram + gpa, bytes, n);
}

static struct mmio_exit apic_exit(unsigned int type, uint64_t gpa)
{
	struct mmio_exit x = {
		.kind = MMIO_EXIT_APIC_ACCESS,
		.qualification = ((uint64_t)type << 12) | (gpa & 0xfffU), .addr = gpa,
	};

	return x;
}

static struct mmio_exit ept_exit(uint64_t q, uint64_t gpa)
{
	struct mmio_exit x = { .kind = MMIO_EXIT_EPT_VIOLATION, .qualification = q, .addr = gpa };

	return x;
}

/* mov eax, [ebx] with EBX at the APIC's TPR. */
static struct mmio_decide_in load_tpr(void)
{
	static const uint8_t mov_load[] = { 0x8b, 0x03 };
	struct mmio_decide_in in = in_32();

	put_code(CODE_GPA, mov_load, sizeof(mov_load));
	in.gpr[3] = APIC_GPA + 0x80;
	in.exit = apic_exit(APIC_READ, APIC_GPA + 0x80);
	return in;
}

static void data_read_by_the_instruction_is_emulated(void)
{
	struct mmio_decide_in in = load_tpr();
	struct mmio_decide_out o;

	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	UT_EQ(o.access, MMIO_ACCESS_READ);
	UT_EQ(o.insn.kind, INSN_KIND_LOAD);
	UT_EQ(o.insn.length, 2);
	UT_EQ(o.n_pieces, 1);
	UT_EQ(o.pieces[0].gpa, APIC_GPA + 0x80);
	UT_EQ(o.pieces[0].len, 4);
	UT_CHECK(!o.pieces[0].is_write);
}

static void the_same_read_over_ept_is_emulated(void)
{
	struct mmio_decide_in in = load_tpr();
	struct mmio_decide_out o;

	in.exit = ept_exit(EPT_DATA_READ, APIC_GPA + 0x82);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
}

static void event_delivery_is_never_emulated_nor_fetched(void)
{
	struct mmio_decide_in in = load_tpr();
	struct mmio_decide_out o;

	in.exit.is_event_delivery = true;
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_NOT_DATA);
	UT_EQ(o.access, MMIO_ACCESS_EVENT);
	UT_EQ(o.fetched, 0);
}

static void fetch_and_page_walk_exits_are_not_data(void)
{
	struct mmio_decide_in in = load_tpr();
	struct mmio_decide_out o;

	in.exit = apic_exit(APIC_FETCH, APIC_GPA + 0x80);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_NOT_DATA);
	UT_EQ(o.access, MMIO_ACCESS_FETCH);
	in.exit = ept_exit(EPT_WALK_READ, APIC_GPA + 0x80);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_NOT_DATA);
	UT_EQ(o.access, MMIO_ACCESS_PAGE_WALK);
}

static void operand_at_another_address_is_a_mismatch(void)
{
	struct mmio_decide_in in = load_tpr();
	struct mmio_decide_out o;

	in.exit = apic_exit(APIC_READ, APIC_GPA + 0x300);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_MISMATCH);
	UT_EQ(o.match, MMIO_MISMATCH_ADDR);
	UT_EQ(o.walk_err, 0);
}

static void a_write_exit_on_a_load_is_a_mismatch(void)
{
	struct mmio_decide_in in = load_tpr();
	struct mmio_decide_out o;

	in.exit = apic_exit(APIC_WRITE, APIC_GPA + 0x80);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_MISMATCH);
	UT_EQ(o.match, MMIO_MISMATCH_DIR);
}

static void code_outside_ram_cannot_be_fetched(void)
{
	struct mmio_decide_in in = load_tpr();
	struct mmio_decide_out o;

	in.rip = RAM_BYTES;
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_NO_FETCH);
	UT_EQ(o.fetched, GWALK_ERANGE);
}

static void instructions_we_do_not_emulate_are_refused(void)
{
	static const uint8_t locked[] = { 0xf0, 0x89, 0x03 }, add[] = { 0x01, 0x03 };
	struct mmio_decide_in in = load_tpr();
	struct mmio_decide_out o;

	in.exit = apic_exit(APIC_WRITE, APIC_GPA + 0x80);
	put_code(CODE_GPA, locked, sizeof(locked));
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_NO_DECODE);
	UT_EQ(o.decode_status, INSN_ERR_LOCK);
	put_code(CODE_GPA, add, sizeof(add));
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_NO_DECODE);
	UT_EQ(o.decode_status, INSN_ERR_OPCODE);
}

/* SDM Vol. 1, "Segment Registers in 64-Bit Mode": DS's base is not used, FS's is. */
static void only_fs_and_gs_have_a_base_in_64_bit_mode(void)
{
	static const uint8_t ds_load[] = { 0x8b, 0x03 }, fs_load[] = { 0x64, 0x8b, 0x03 };
	struct mmio_decide_in in = load_tpr();
	struct mmio_decide_out o;

	in.view.is_64 = true;
	in.view.cpu.efer = GWALK_EFER_LMA;
	in.view.cpu.cr0 = CR0_PE;
	/* IA-32e mode needs paging: identity-map the low 2 MiB and the APIC's 2 MiB. */
	in.view.cpu.cr0 |= GWALK_CR0_PG;
	in.view.cpu.cr4 = GWALK_CR4_PAE;
	in.view.cpu.cr3 = 0x8000;
	{
		struct ut_pt pt = { ram, RAM_BYTES, UT_PAGING_4LEVEL, 0x8000, (1ULL << 39) - 1U };
		const uint64_t tables[] = { 0x9000, 0xa000, 0xb000, 0xc000, 0xd000, 0xe000 };

		UT_CHECK(ut_pt_map(&pt, 0, 0, 1, UT_PG_P | UT_PG_RW, UT_PG_TABLE, tables, 2, false));
		UT_CHECK(ut_pt_map(&pt, APIC_GPA, APIC_GPA, 1, UT_PG_P | UT_PG_RW, UT_PG_TABLE,
				   tables + 2, 2, false));
	}
	put_code(CODE_GPA, ds_load, sizeof(ds_load));
	in.seg_base[INSN_SEG_DS] = 0x1000;
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	put_code(CODE_GPA, fs_load, sizeof(fs_load));
	in.seg_base[INSN_SEG_FS] = 0x100;
	in.gpr[3] = APIC_GPA + 0x80 - 0x100;
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	UT_EQ(o.pieces[0].gpa, APIC_GPA + 0x80);
}

/* Real mode: CS.base + IP, and mov ax, [bx] with DS's base added. */
static void real_mode_adds_the_segment_bases(void)
{
	static const uint8_t mov16[] = { 0x8b, 0x07 };
	struct mmio_decide_in in = in_32();
	struct mmio_decide_out o;

	in.view.cpu.cr0 = 0;
	in.seg_base[INSN_SEG_CS] = 0x2000;
	in.rip = 0x10;
	put_code(0x2010, mov16, sizeof(mov16));
	in.seg_base[INSN_SEG_DS] = 0xf0000;
	in.gpr[3] = 0x1234;
	in.exit = ept_exit(EPT_DATA_READ, 0xf1234);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	UT_EQ(o.insn.width, 2);
	UT_EQ(o.pieces[0].gpa, 0xf1234);
}

/* An operand across a page boundary: two pieces, each where paging puts its page. */
static void an_operand_across_pages_matches_in_either_piece(void)
{
	static const uint8_t mov_store[] = { 0x89, 0x03 };
	struct mmio_decide_in in = in_32();
	struct ut_pt pt = { ram, RAM_BYTES, UT_PAGING_32, 0x3000, 0xffffffffULL };
	const uint64_t tables[] = { 0x4000 };
	struct mmio_decide_out o;

	in.view.cpu.cr0 |= GWALK_CR0_PG;
	in.view.cpu.cr3 = 0x3000;
	UT_CHECK(ut_pt_map(&pt, CODE_GPA, CODE_GPA, 0, UT_PG_P, UT_PG_TABLE, tables, 1, false));
	UT_CHECK(ut_pt_map(&pt, 0x7000, 0x9000, 0, UT_PG_P | UT_PG_RW, UT_PG_TABLE, tables, 1, false));
	UT_CHECK(ut_pt_map(&pt, 0x8000, APIC_GPA, 0, UT_PG_P | UT_PG_RW, UT_PG_TABLE, tables, 1,
			   false));
	put_code(CODE_GPA, mov_store, sizeof(mov_store));
	in.gpr[3] = 0x7ffe;
	in.exit = ept_exit(EPT_DATA_WRITE, APIC_GPA + 1);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	UT_EQ(o.n_pieces, 2);
	UT_EQ(o.pieces[0].gpa, 0x9ffe);
	UT_EQ(o.pieces[0].len, 2);
	UT_EQ(o.pieces[1].gpa, APIC_GPA);
	UT_EQ(o.pieces[1].len, 2);
	in.exit = ept_exit(EPT_DATA_WRITE, APIC_GPA + 2);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_MISMATCH);
}

/* MOVS reads [DS:ESI] and writes [ES:EDI]: each matches only its own direction. */
static void movs_reads_its_source_and_writes_its_destination(void)
{
	static const uint8_t movsd[] = { 0xa5 };
	struct mmio_decide_in in = in_32();
	struct mmio_decide_out o;

	put_code(CODE_GPA, movsd, sizeof(movsd));
	in.gpr[6] = APIC_GPA + 0x80;
	in.gpr[7] = 0x5000;
	in.exit = ept_exit(EPT_DATA_READ, APIC_GPA + 0x80);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	UT_EQ(o.n_pieces, 2);
	in.exit = ept_exit(EPT_DATA_WRITE, APIC_GPA + 0x80);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_MISMATCH);
	UT_EQ(o.match, MMIO_MISMATCH_DIR);
	in.gpr[7] = APIC_GPA + 0x300;
	in.exit = ept_exit(EPT_DATA_WRITE, APIC_GPA + 0x300);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
}

/*
 * The operand's page table lies on the APIC page: the walk needs the entry
 * at the exit's address, so the exit was that walk (as Bochs 2.7 reports
 * it: a data read), not the operand.
 */
static void a_walk_through_the_apic_page_is_a_page_walk(void)
{
	static const uint8_t mov_load[] = { 0x8b, 0x03 };
	struct mmio_decide_in in = in_32();
	struct ut_pt pt = { ram, RAM_BYTES, UT_PAGING_4LEVEL, 0x3000, (1ULL << 39) - 1U };
	const uint64_t code_tables[] = { 0x4000, 0x5000, 0x6000 }, apic_table[] = { APIC_GPA };
	struct mmio_decide_out o;

	in.view.cpu = (struct gwalk_cpu){ .cr0 = CR0_PE | GWALK_CR0_PG, .cr3 = 0x3000,
					  .cr4 = GWALK_CR4_PAE, .efer = GWALK_EFER_LMA };
	in.view.is_64 = true;
	UT_CHECK(ut_pt_map(&pt, CODE_GPA, CODE_GPA, 0, UT_PG_P, UT_PG_TABLE, code_tables, 3,
			   false));
	/* 0x403000: PML4 0, PDPT 0, PD 2 -> a page table at the APIC page, entry 3. */
	UT_CHECK(!ut_pt_map(&pt, 0x403000, 0x7000, 0, UT_PG_P, UT_PG_TABLE, apic_table, 1, false));
	put_code(CODE_GPA, mov_load, sizeof(mov_load));
	in.gpr[3] = 0x403000;
	in.exit = apic_exit(APIC_READ, APIC_GPA + 3 * 8);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_NOT_DATA);
	UT_EQ(o.access, MMIO_ACCESS_PAGE_WALK);
	UT_EQ(o.walk_err, GWALK_ERANGE);
	UT_EQ(o.fault.entry_gpa, APIC_GPA + 3 * 8);
	in.exit = apic_exit(APIC_READ, APIC_GPA + 0x80);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_MISMATCH);
	UT_EQ(o.walk_err, GWALK_ERANGE);
}

static void the_string_io_fetch_uses_its_own_decoder(void)
{
	static const uint8_t rep_outsb[] = { 0xf3, 0x6e };
	struct mmio_decide_in in = in_32();
	struct mmio_decide_out o = { 0 };

	put_code(CODE_GPA, rep_outsb, sizeof(rep_outsb));
	UT_CHECK(mmio_fetch_decode(&in, insn_decode_string_io, &o));
	UT_EQ(o.insn.kind, INSN_KIND_OUTS);
	UT_CHECK(o.insn.is_rep);
	UT_CHECK(!mmio_fetch_decode(&in, insn_decode, &o));
	UT_EQ(o.verdict, MMIO_VERDICT_NO_DECODE);
}

/*
 * Compatibility mode: segmentation as in 32-bit protected mode (SDM Vol. 1,
 * "Modes of Operation vs. Memory Model"), so CS.base + EIP is 32 bits
 * wide and wraps at 4 GiB, and so does a fetch that runs past 0xffffffff.
 */
static void compat_mode_fetch_wraps_at_4_gib(void)
{
	static const uint8_t mov_load[] = { 0x8b, 0x03 };
	struct mmio_decide_in in = load_tpr();
	struct ut_pt pt = { ram, RAM_BYTES, UT_PAGING_4LEVEL, 0x8000, (1ULL << 39) - 1U };
	const uint64_t low[] = { 0x9000, 0xa000, 0xb000 }, high[] = { 0xc000, 0xd000 },
		       apic[] = { 0xe000 };
	struct mmio_decide_out o;

	in.view.cpu = (struct gwalk_cpu){ .cr0 = CR0_PE | GWALK_CR0_PG, .cr3 = 0x8000,
					  .cr4 = GWALK_CR4_PAE, .efer = GWALK_EFER_LMA };
	in.view.is_64 = false;
	UT_CHECK(ut_pt_map(&pt, 0, 0x5000, 0, UT_PG_P, UT_PG_TABLE, low, 3, false));
	UT_CHECK(ut_pt_map(&pt, 0xfffff000, 0x6000, 0, UT_PG_P, UT_PG_TABLE, high, 2, false));
	UT_CHECK(ut_pt_map(&pt, APIC_GPA, APIC_GPA, 0, UT_PG_P | UT_PG_RW, UT_PG_TABLE, apic, 1,
			   false));
	put_code(0x5ffe, mov_load, sizeof(mov_load));
	in.seg_base[INSN_SEG_CS] = 0xfffff000;
	in.rip = 0x1ffe;
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	UT_EQ(o.fetched, 2);
	/* The same instruction split by the 4-GiB wrap: 8B at 0xffffffff, 03 at 0. */
	ram[0x6fff] = 0x8b;
	ram[0x5000] = 0x03;
	in.seg_base[INSN_SEG_CS] = 0;
	in.rip = 0xffffffff;
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	UT_EQ(o.insn.length, 2);
	UT_EQ(o.fetched, INSN_MAX_LENGTH);
}

/* Flat 4-GiB segments, as a 32-bit guest has them: limit 0xffffffff, read/write data, D/B. */
static void limits_flat(struct mmio_decide_in *in)
{
	in->check_limits = true;
	for (unsigned int s = 0; s < 6; s++)
		in->seg_limit[s] = (struct mmio_seg_limit){ .limit = 0xffffffffU,
							    .ar = 0x4093U };
	in->seg_limit[INSN_SEG_CS].ar = 0x409bU;	/* execute/read code */
}

/* SDM Vol. 3A, "Limit Checking": an operand past DS's limit would have been #GP, not an exit. */
static void an_operand_past_its_segment_limit_is_a_mismatch(void)
{
	struct mmio_decide_in in = load_tpr();
	struct mmio_decide_out o;

	limits_flat(&in);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	/* The last byte at the limit passes; one byte further does not. */
	in.seg_limit[INSN_SEG_DS].limit = (uint32_t)(APIC_GPA + 0x83);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	in.seg_limit[INSN_SEG_DS].limit = (uint32_t)(APIC_GPA + 0x82);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_MISMATCH);
	UT_EQ(o.match, MMIO_MISMATCH_LIMIT);
	UT_EQ(o.n_pieces, 0);
	/* An unusable DS holds nothing. */
	in.seg_limit[INSN_SEG_DS] = (struct mmio_seg_limit){ .limit = 0xffffffffU, .ar = 1U << 16 };
	mmio_decide(&in, &o);
	UT_EQ(o.match, MMIO_MISMATCH_LIMIT);
	/* 64-bit mode checks no limits (the same tables as only_fs_and_gs_...: none needed here). */
	in.view.is_64 = true;
	in.seg_limit[INSN_SEG_DS].limit = 0;
	in.view.cpu.efer = GWALK_EFER_LMA;
	mmio_decide(&in, &o);
	UT_CHECK(o.match != MMIO_MISMATCH_LIMIT);
}

/* An expand-down data segment holds limit + 1 .. 0xffffffff (D/B set) or .. 0xffff. */
static void expand_down_segments_hold_the_offsets_above_the_limit(void)
{
	struct mmio_decide_in in = load_tpr();
	struct mmio_decide_out o;

	limits_flat(&in);
	in.seg_limit[INSN_SEG_DS] = (struct mmio_seg_limit){ .limit = 0xfff, .ar = 0x4097U };
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	in.seg_limit[INSN_SEG_DS].limit = (uint32_t)(APIC_GPA + 0x80);
	mmio_decide(&in, &o);
	UT_EQ(o.match, MMIO_MISMATCH_LIMIT);
	/* Without D/B the top is 0xffff: 0xfee00080 is beyond it. */
	in.seg_limit[INSN_SEG_DS] = (struct mmio_seg_limit){ .limit = 0xfff, .ar = 0x0097U };
	mmio_decide(&in, &o);
	UT_EQ(o.match, MMIO_MISMATCH_LIMIT);
}

/* The instruction's own bytes must lie inside CS, and a segment override names the segment checked. */
static void code_past_cs_limit_and_overrides_are_checked(void)
{
	static const uint8_t es_load[] = { 0x26, 0x8b, 0x03 };
	struct mmio_decide_in in = load_tpr();
	struct mmio_decide_out o;

	limits_flat(&in);
	in.seg_limit[INSN_SEG_CS].limit = (uint32_t)CODE_GPA + 1U;	/* both bytes of 8B 03 */
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	in.seg_limit[INSN_SEG_CS].limit = (uint32_t)CODE_GPA;
	mmio_decide(&in, &o);
	UT_EQ(o.match, MMIO_MISMATCH_LIMIT);
	limits_flat(&in);
	put_code(CODE_GPA, es_load, sizeof(es_load));
	in.seg_limit[INSN_SEG_DS].limit = 0;	/* DS is not used: ES is */
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	in.seg_limit[INSN_SEG_ES].limit = 0;
	mmio_decide(&in, &o);
	UT_EQ(o.match, MMIO_MISMATCH_LIMIT);
}

/* Real mode: the 64-KiB limits the segments have there are checked too. */
static void real_mode_offsets_past_0xffff_are_refused(void)
{
	static const uint8_t mov32[] = { 0x67, 0x66, 0x8b, 0x03 };	/* mov eax, [ebx] */
	struct mmio_decide_in in = in_32();
	struct mmio_decide_out o;

	in.view.cpu.cr0 = 0;
	limits_flat(&in);
	for (unsigned int s = 0; s < 6; s++)
		in.seg_limit[s] = (struct mmio_seg_limit){ .limit = 0xffff, .ar = 0x93U };
	in.seg_base[INSN_SEG_CS] = 0;
	in.rip = CODE_GPA;
	put_code(CODE_GPA, mov32, sizeof(mov32));
	in.seg_base[INSN_SEG_DS] = 0xf0000;
	in.gpr[3] = 0xfffc;
	in.exit = ept_exit(EPT_DATA_READ, 0xffffc);
	mmio_decide(&in, &o);
	UT_EQ(o.verdict, MMIO_VERDICT_EMULATE);
	in.gpr[3] = 0xfffe;	/* bytes 0xfffe..0x10001: past the limit */
	in.exit = ept_exit(EPT_DATA_READ, 0xffffe);
	mmio_decide(&in, &o);
	UT_EQ(o.match, MMIO_MISMATCH_LIMIT);
}

static const struct ut_case cases[] = {
	UT_CASE(data_read_by_the_instruction_is_emulated),
	UT_CASE(the_same_read_over_ept_is_emulated),
	UT_CASE(event_delivery_is_never_emulated_nor_fetched),
	UT_CASE(fetch_and_page_walk_exits_are_not_data),
	UT_CASE(operand_at_another_address_is_a_mismatch),
	UT_CASE(a_write_exit_on_a_load_is_a_mismatch),
	UT_CASE(code_outside_ram_cannot_be_fetched),
	UT_CASE(instructions_we_do_not_emulate_are_refused),
	UT_CASE(only_fs_and_gs_have_a_base_in_64_bit_mode),
	UT_CASE(real_mode_adds_the_segment_bases),
	UT_CASE(an_operand_across_pages_matches_in_either_piece),
	UT_CASE(movs_reads_its_source_and_writes_its_destination),
	UT_CASE(a_walk_through_the_apic_page_is_a_page_walk),
	UT_CASE(the_string_io_fetch_uses_its_own_decoder),
	UT_CASE(compat_mode_fetch_wraps_at_4_gib),
	UT_CASE(an_operand_past_its_segment_limit_is_a_mismatch),
	UT_CASE(expand_down_segments_hold_the_offsets_above_the_limit),
	UT_CASE(code_past_cs_limit_and_overrides_are_checked),
	UT_CASE(real_mode_offsets_past_0xffff_are_refused),
};

UT_MAIN("mmio_decide", cases)
