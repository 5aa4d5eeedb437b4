/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * vmm/vstring: the iterations of MOVS, STOS, INS and OUTS that tickvisor
 * completes for the guest (issue 16 items 3 and 5), against a fake memory
 * of one linear range and a fake port that records every access.  One case
 * per rule of vmm/vstring.h: REP counts in rCX, none when rCX is 0, DF steps
 * down, the address size wraps and masks the offset registers, the segment
 * bases, the 32-bit linear address outside 64-bit mode, the batch limit,
 * breakpoints and port stops end the batch after their iteration, and a
 * memory operand that fails stops before its iteration with nothing lost.
 */
#include "harness.h"

#include <string.h>

#include "../../vmm/insn.h"
#include "../../vmm/vstring.h"

#define MEM_BASE	0x10000ULL
#define MEM_SIZE	0x12000U	/* room for a 16-bit offset's whole 64 KiB */
#define LOG_MAX		64U

/* The fake machine: memory at [MEM_BASE, MEM_BASE + MEM_SIZE), one port. */
struct fake {
	uint8_t mem[MEM_SIZE];
	uint64_t bad_lin;		/* accesses touching this linear byte fail (0: none) */
	uint64_t trap_lin;		/* accesses touching this byte match breakpoint 0 */
	unsigned int port_reads, port_writes;
	uint32_t in_value;		/* what the port reads give, incremented per read */
	uint32_t out_log[LOG_MAX];
	uint16_t out_port[LOG_MAX];
	unsigned int out_size[LOG_MAX];
	unsigned int stop_after_writes;	/* port asks to stop after this many writes (0: never) */
	unsigned int probes, bad_probes;
	unsigned int due_after;		/* is_due says yes from this many calls on (0: never) */
	unsigned int due_calls;
};

static bool fake_touches(uint64_t lin, unsigned int width, uint64_t byte)
{
	return byte && byte >= lin && byte < lin + width;
}

static int fake_check(struct fake *f, uint64_t lin, unsigned int width)
{
	if (fake_touches(lin, width, f->bad_lin))
		return -1;
	if (lin < MEM_BASE || lin + width > MEM_BASE + MEM_SIZE)
		return -1;
	return 0;
}

static int fake_read(void *ctx, uint64_t lin, unsigned int width, uint8_t *buf)
{
	struct fake *f = ctx;

	if (fake_check(f, lin, width))
		return -1;
	memcpy(buf, f->mem + (lin - MEM_BASE), width);
	return 0;
}

static int fake_probe_write(void *ctx, uint64_t lin, unsigned int width)
{
	struct fake *f = ctx;

	f->probes++;
	if (fake_check(f, lin, width)) {
		f->bad_probes++;
		return -1;
	}
	return 0;
}

static int fake_write(void *ctx, uint64_t lin, unsigned int width, const uint8_t *buf)
{
	struct fake *f = ctx;

	if (fake_check(f, lin, width))
		return -1;
	memcpy(f->mem + (lin - MEM_BASE), buf, width);
	return 0;
}

static bool fake_port(void *ctx, uint16_t port, unsigned int size, bool is_write, uint32_t *val)
{
	struct fake *f = ctx;

	if (!is_write) {
		*val = f->in_value++;
		f->port_reads++;
		return false;
	}
	if (f->port_writes < LOG_MAX) {
		f->out_log[f->port_writes] = *val;
		f->out_port[f->port_writes] = port;
		f->out_size[f->port_writes] = size;
	}
	f->port_writes++;
	return f->stop_after_writes && f->port_writes == f->stop_after_writes;
}

static uint64_t fake_mem_traps(void *ctx, uint64_t lin, unsigned int width, bool is_write)
{
	struct fake *f = ctx;

	(void)is_write;
	return fake_touches(lin, width, f->trap_lin) ? 1U : 0U;
}

static bool fake_is_due(void *ctx)
{
	struct fake *f = ctx;

	return f->due_after && ++f->due_calls >= f->due_after;
}

static const struct vstring_ops ops = {
	.read = fake_read, .probe_write = fake_probe_write, .write = fake_write,
	.port = fake_port, .mem_traps = fake_mem_traps, .is_due = fake_is_due,
};

/* A decoded instruction: kind, element width, address size in bytes, REP. */
static struct insn mk(enum insn_kind kind, unsigned int width, unsigned int addr_size, bool rep)
{
	struct insn in = { .kind = kind, .width = (uint8_t)width, .addr_size = (uint8_t)addr_size,
			   .is_rep = rep, .length = 2 };

	in.seg = kind == INSN_KIND_INS || kind == INSN_KIND_STOS ? INSN_SEG_ES : INSN_SEG_DS;
	return in;
}

static struct vstring_result run(struct fake *f, const struct insn *in, struct vstring_regs *r,
				 uint64_t max, bool df)
{
	struct vstring_req req = { .in = in, .is_64 = true, .df = df, .port = 0x3ff, .max = max };
	struct vstring_result res;

	vstring_run(&req, r, &ops, f, &res);
	return res;
}

static void test_outs_without_rep_is_one_element(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_OUTS, 2, 8, false);
	struct vstring_regs r = { .rcx = 7, .rsi = MEM_BASE + 0x10 };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	f.mem[0x10] = 0x34;
	f.mem[0x11] = 0x12;
	res = run(&f, &in, &r, 100, false);
	UT_CHECK(res.is_complete);
	UT_EQ(res.done, 1);
	UT_EQ(f.port_writes, 1);
	UT_EQ(f.out_log[0], 0x1234);
	UT_EQ(f.out_size[0], 2);
	UT_EQ(f.out_port[0], 0x3ff);
	UT_EQ(r.rsi, MEM_BASE + 0x12);
	UT_EQ(r.rcx, 7);		/* RCX untouched without REP */
}

static void test_rep_ins_counts_rcx_down(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_INS, 1, 8, true);
	struct vstring_regs r = { .rcx = 5, .rdi = MEM_BASE + 0x100, .rsi = 0x77 };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	f.in_value = 0xa0;
	res = run(&f, &in, &r, 100, false);
	UT_CHECK(res.is_complete);
	UT_EQ(res.done, 5);
	UT_EQ(r.rcx, 0);
	UT_EQ(r.rdi, MEM_BASE + 0x105);
	UT_EQ(r.rsi, 0x77);		/* INS does not move rSI */
	UT_EQ(f.mem[0x100], 0xa0);
	UT_EQ(f.mem[0x104], 0xa4);
	UT_EQ(f.mem[0x105], 0);
}

static void test_rep_with_rcx_zero_does_nothing(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_OUTS, 1, 8, true);
	struct vstring_regs r = { .rcx = 0, .rsi = MEM_BASE };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	res = run(&f, &in, &r, 100, false);
	UT_CHECK(res.is_complete);
	UT_EQ(res.done, 0);
	UT_EQ(f.port_writes, 0);
	UT_EQ(r.rsi, MEM_BASE);
}

static void test_df_steps_down(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_OUTS, 1, 8, true);
	struct vstring_regs r = { .rcx = 4, .rsi = MEM_BASE + 3 };

	memset(&f, 0, sizeof(f));
	memcpy(f.mem, "ABCD", 4);
	(void)run(&f, &in, &r, 100, true);
	UT_EQ(f.port_writes, 4);
	UT_EQ(f.out_log[0], 'D');
	UT_EQ(f.out_log[3], 'A');
	UT_EQ(r.rsi, MEM_BASE - 1);
}

static void test_ins_dword_fills_downward_with_df(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_INS, 4, 8, true);
	struct vstring_regs r = { .rcx = 2, .rdi = MEM_BASE + 0x20 };

	memset(&f, 0, sizeof(f));
	f.in_value = 0x11223344;
	(void)run(&f, &in, &r, 100, true);
	UT_EQ(r.rdi, MEM_BASE + 0x18);
	UT_EQ(f.mem[0x20], 0x44);
	UT_EQ(f.mem[0x1c], 0x45);
}

static void test_address_size_32_uses_ecx_and_clears_upper(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_INS, 1, 4, true);
	struct vstring_regs r = { .rcx = 0x100000003ULL, .rdi = 0xabcd000000000000ULL | MEM_BASE };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	res = run(&f, &in, &r, 100, false);
	UT_EQ(res.done, 3);			/* ECX, not RCX */
	UT_EQ(r.rcx, 0);			/* a 32-bit result clears bits 63:32 */
	UT_EQ(r.rdi, MEM_BASE + 3);		/* EDI: the upper bits neither address nor stay */
	UT_EQ(f.port_reads, 3);
}

static void test_address_size_16_wraps_and_keeps_upper(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_STOS, 1, 2, true);
	struct vstring_regs r = { .rax = 0x5a, .rcx = 0xdead0000ULL | 3, .rdi = 0x1fffeULL };
	struct vstring_req req = { .in = &in, .dst_base = MEM_BASE, .is_64 = false, .max = 100 };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	vstring_run(&req, &r, &ops, &f, &res);
	UT_EQ(res.done, 3);
	UT_EQ(r.rcx, 0xdead0000ULL);		/* CX counted, the upper bits kept */
	UT_EQ(r.rdi, 0x10001ULL);		/* DI wrapped 0xfffe, 0xffff, 0x0000 -> 0x0001 */
	UT_EQ(f.mem[0xfffe], 0x5a);
	UT_EQ(f.mem[0xffff], 0x5a);
	UT_EQ(f.mem[0], 0x5a);			/* the third element at base + 0 */
	UT_EQ(f.mem[1], 0);
}

static void test_segment_bases_apply(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_MOVS, 1, 8, true);
	struct vstring_regs r = { .rcx = 2, .rsi = 0x100, .rdi = 0x200 };
	struct vstring_req req = { .in = &in, .src_base = MEM_BASE + 0x1000,
				   .dst_base = MEM_BASE, .is_64 = true, .max = 100 };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	f.mem[0x1100] = 1;
	f.mem[0x1101] = 2;
	vstring_run(&req, &r, &ops, &f, &res);
	UT_CHECK(res.is_complete);
	UT_EQ(f.mem[0x200], 1);
	UT_EQ(f.mem[0x201], 2);
	UT_EQ(r.rsi, 0x102);
	UT_EQ(r.rdi, 0x202);
}

static void test_linear_address_is_32_bits_outside_64_bit_mode(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_OUTS, 1, 4, false);
	struct vstring_regs r = { .rsi = 0x10010ULL };
	struct vstring_req req = { .in = &in, .src_base = 0xffffffff00000000ULL, .is_64 = false,
				   .max = 1 };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	f.mem[0x10] = 0x42;
	vstring_run(&req, &r, &ops, &f, &res);
	UT_CHECK(res.is_complete);
	UT_EQ(f.out_log[0], 0x42);
}

static void test_batch_limit_keeps_progress(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_INS, 2, 8, true);
	struct vstring_regs r = { .rcx = 10, .rdi = MEM_BASE };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	res = run(&f, &in, &r, 4, false);
	UT_CHECK(!res.is_complete && !res.is_fault);
	UT_EQ(res.done, 4);
	UT_EQ(r.rcx, 6);
	UT_EQ(r.rdi, MEM_BASE + 8);
	res = run(&f, &in, &r, 0, false);	/* max 0 counts as 1: single-stepping */
	UT_EQ(res.done, 1);
	UT_EQ(r.rcx, 5);
	res = run(&f, &in, &r, 100, false);
	UT_CHECK(res.is_complete);
	UT_EQ(r.rcx, 0);
	UT_EQ(f.port_reads, 10);
	UT_EQ(r.rdi, MEM_BASE + 20);
}

static void test_ins_probes_before_reading_the_port(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_INS, 1, 8, true);
	struct vstring_regs r = { .rcx = 8, .rdi = MEM_BASE + 0xffc };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	f.bad_lin = MEM_BASE + 0x1000;		/* the next page faults */
	res = run(&f, &in, &r, 100, false);
	UT_CHECK(res.is_fault && res.is_fault_write && !res.is_complete);
	UT_EQ(res.fault_lin, MEM_BASE + 0x1000);
	UT_EQ(res.done, 4);
	UT_EQ(f.port_reads, 4);			/* the fifth port read never happened */
	UT_EQ(r.rcx, 4);
	UT_EQ(r.rdi, MEM_BASE + 0x1000);
}

static void test_outs_source_fault_stops_before_the_port(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_OUTS, 4, 8, true);
	struct vstring_regs r = { .rcx = 3, .rsi = MEM_BASE + 0xff8 };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	f.bad_lin = MEM_BASE + 0xffe;		/* inside the second element */
	res = run(&f, &in, &r, 100, false);
	UT_CHECK(res.is_fault && !res.is_fault_write);
	UT_EQ(res.done, 1);
	UT_EQ(res.fault_lin, MEM_BASE + 0xffc);
	UT_EQ(f.port_writes, 1);
	UT_EQ(r.rsi, MEM_BASE + 0xffc);
	UT_EQ(r.rcx, 2);
}

static void test_first_iteration_fault_does_nothing(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_MOVS, 8, 8, false);
	struct vstring_regs r = { .rsi = MEM_BASE, .rdi = MEM_BASE + MEM_SIZE };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	res = run(&f, &in, &r, 100, false);
	UT_CHECK(res.is_fault && res.is_fault_write);
	UT_EQ(res.done, 0);
	UT_EQ(r.rsi, MEM_BASE);			/* nothing moved */
	UT_EQ(r.rdi, MEM_BASE + MEM_SIZE);
}

static void test_data_breakpoint_ends_the_batch_after_its_iteration(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_OUTS, 1, 8, true);
	struct vstring_regs r = { .rcx = 10, .rsi = MEM_BASE };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	f.trap_lin = MEM_BASE + 2;
	res = run(&f, &in, &r, 100, false);
	UT_CHECK(!res.is_complete);
	UT_EQ(res.done, 3);			/* elements 0, 1 and 2: the trap after the third */
	UT_EQ(res.traps, 1);
	UT_EQ(r.rcx, 7);
	UT_EQ(r.rsi, MEM_BASE + 3);
}

static void test_breakpoint_on_the_last_iteration_completes(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_INS, 1, 8, true);
	struct vstring_regs r = { .rcx = 3, .rdi = MEM_BASE };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	f.trap_lin = MEM_BASE + 2;
	res = run(&f, &in, &r, 100, false);
	UT_CHECK(res.is_complete);
	UT_EQ(res.traps, 1);
}

static void test_io_breakpoint_matches_every_iteration(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_OUTS, 1, 8, true);
	struct vstring_regs r = { .rcx = 5, .rsi = MEM_BASE };
	struct vstring_req req = { .in = &in, .is_64 = true, .port = 0x80, .io_traps = 4,
				   .max = 100 };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	vstring_run(&req, &r, &ops, &f, &res);
	UT_EQ(res.done, 1);
	UT_EQ(res.traps, 4);
	UT_EQ(r.rcx, 4);
	UT_EQ(f.out_port[0], 0x80);
}

static void test_port_stop_ends_the_batch(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_OUTS, 1, 8, true);
	struct vstring_regs r = { .rcx = 10, .rsi = MEM_BASE };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	f.stop_after_writes = 2;
	res = run(&f, &in, &r, 100, false);
	UT_CHECK(res.is_port_stop && !res.is_complete);
	UT_EQ(res.done, 2);
	UT_EQ(r.rcx, 8);
}

/* A due interrupt ends the batch after the current iteration, never before the first. */
static void test_due_interrupt_ends_the_batch(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_INS, 1, 8, true);
	struct vstring_regs r = { .rcx = 10, .rdi = MEM_BASE };
	struct vstring_result res;

	memset(&f, 0, sizeof(f));
	f.due_after = 3;
	res = run(&f, &in, &r, 100, false);
	UT_CHECK(res.is_due && !res.is_complete);
	UT_EQ(res.done, 3);
	UT_EQ(r.rcx, 7);
	res = run(&f, &in, &r, 100, false);	/* still due: one iteration per call, progress */
	UT_EQ(res.done, 1);
	UT_EQ(r.rcx, 6);
	r.rcx = 1;
	res = run(&f, &in, &r, 100, false);	/* not asked after the last iteration */
	UT_CHECK(res.is_complete && !res.is_due);
}

static void test_stos_stores_rax_width(void)
{
	static struct fake f;
	struct insn in = mk(INSN_KIND_STOS, 4, 8, true);
	struct vstring_regs r = { .rax = 0x1122334455667788ULL, .rcx = 2, .rdi = MEM_BASE };

	memset(&f, 0, sizeof(f));
	(void)run(&f, &in, &r, 100, false);
	UT_EQ(f.mem[0], 0x88);
	UT_EQ(f.mem[3], 0x55);
	UT_EQ(f.mem[4], 0x88);
	UT_EQ(f.mem[8], 0);
	UT_EQ(f.probes, 0);			/* only INS probes */
}

static void test_left_counts(void)
{
	struct insn rep = mk(INSN_KIND_INS, 1, 2, true), one = mk(INSN_KIND_INS, 1, 2, false);

	UT_EQ(insn_string_count(&rep, 0x12340005ULL), 5);
	UT_EQ(insn_string_count(&rep, 0x10000ULL), 0);
	UT_EQ(insn_string_count(&one, 0), 1);
}

static const struct ut_case cases[] = {
	UT_CASE(test_outs_without_rep_is_one_element),
	UT_CASE(test_rep_ins_counts_rcx_down),
	UT_CASE(test_rep_with_rcx_zero_does_nothing),
	UT_CASE(test_df_steps_down),
	UT_CASE(test_ins_dword_fills_downward_with_df),
	UT_CASE(test_address_size_32_uses_ecx_and_clears_upper),
	UT_CASE(test_address_size_16_wraps_and_keeps_upper),
	UT_CASE(test_segment_bases_apply),
	UT_CASE(test_linear_address_is_32_bits_outside_64_bit_mode),
	UT_CASE(test_batch_limit_keeps_progress),
	UT_CASE(test_ins_probes_before_reading_the_port),
	UT_CASE(test_outs_source_fault_stops_before_the_port),
	UT_CASE(test_first_iteration_fault_does_nothing),
	UT_CASE(test_data_breakpoint_ends_the_batch_after_its_iteration),
	UT_CASE(test_breakpoint_on_the_last_iteration_completes),
	UT_CASE(test_io_breakpoint_matches_every_iteration),
	UT_CASE(test_port_stop_ends_the_batch),
	UT_CASE(test_due_interrupt_ends_the_batch),
	UT_CASE(test_stos_stores_rax_width),
	UT_CASE(test_left_counts),
};

UT_MAIN("vstring", cases)
