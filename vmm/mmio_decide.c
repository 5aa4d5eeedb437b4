/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* The decision on a trapped MMIO access, whole (see mmio_decide.h). */
#include "mmio_decide.h"

/* SDM Vol. 3A, "Control Registers": CR0.PE, protection enable (x86/cpu.h is not pure). */
#define MMIO_CR0_PE	0x1ULL

bool mmio_seg_has_base(bool is_64, enum insn_seg seg)
{
	return !is_64 || seg == INSN_SEG_FS || seg == INSN_SEG_GS;
}

/* The base of segment seg as the current mode uses it. */
static uint64_t mmio_seg_base(const struct mmio_decide_in *in, enum insn_seg seg)
{
	if ((unsigned int)seg >= 6U || !mmio_seg_has_base(in->view.is_64, seg))
		return 0;
	return in->read_seg_base ? in->read_seg_base(in->seg_ctx, seg) : in->seg_base[seg];
}

/* VMCS access rights (SDM Vol. 3C, "Guest Register State"): S, D/B, unusable. */
#define MMIO_AR_S		(1U << 4)
#define MMIO_AR_TYPE_CODE	(1U << 3)
#define MMIO_AR_TYPE_EXPDOWN	(1U << 2)
#define MMIO_AR_DB		(1U << 14)
#define MMIO_AR_UNUSABLE	(1U << 16)

/*
 * Whether the width bytes at offset off lie inside segment seg (SDM Vol.
 * 3A, "Limit Checking"): an expand-up segment holds offsets 0..limit; an
 * expand-down data segment holds limit + 1 up to 0xffffffff with D/B set,
 * else 0xffff; an unusable segment holds none.  The offset is already cut
 * to the address size.  Called only outside 64-bit mode, where the CPU
 * checks limits, and with check_limits (mmio_insn_in_limits()).
 * Type checks (an execute-only code segment read as data) are not made:
 * docs/security.md lists that deviation.
 */
static bool mmio_seg_holds(const struct mmio_decide_in *in, enum insn_seg seg, uint64_t off,
			   unsigned int width)
{
	struct mmio_seg_limit s;
	uint64_t last = off + width - 1U;

	if ((unsigned int)seg >= 6U)
		return false;
	if (in->read_seg_limit)
		in->read_seg_limit(in->seg_ctx, seg, &s);
	else
		s = in->seg_limit[seg];
	if (s.ar & MMIO_AR_UNUSABLE)
		return false;
	if ((s.ar & (MMIO_AR_S | MMIO_AR_TYPE_CODE | MMIO_AR_TYPE_EXPDOWN)) ==
	    (MMIO_AR_S | MMIO_AR_TYPE_EXPDOWN))
		return off > s.limit && last <= ((s.ar & MMIO_AR_DB) ? 0xffffffffULL : 0xffffULL);
	return last <= s.limit;
}

/*
 * Step 3 of mmio_decide(): the instruction's bytes in CS, and its memory
 * operands (the one of a MOV/MOVZX; [seg:rSI] of a MOVS and [ES:rDI] of a
 * MOVS or STOS) in their segments.
 */
static bool mmio_insn_in_limits(const struct mmio_decide_in *in, const struct insn *i)
{
	uint64_t mask = insn_addr_mask(i);

	if (!in->check_limits || in->view.is_64)
		return true;
	if (!mmio_seg_holds(in, INSN_SEG_CS, in->rip, i->length))
		return false;
	if (i->kind == INSN_KIND_MOVS || i->kind == INSN_KIND_STOS)
		return (i->kind == INSN_KIND_STOS ||
			mmio_seg_holds(in, i->seg, in->gpr[6] & mask, i->width)) &&
		       mmio_seg_holds(in, INSN_SEG_ES, in->gpr[7] & mask, i->width);
	return mmio_seg_holds(in, i->seg, insn_operand_offset(i, in->gpr, in->rip), i->width);
}

/* The decoder's default sizes: CR0.PE, then CS.L in IA-32e mode, then CS.D. */
static enum insn_mode mmio_insn_mode(const struct mmio_decide_in *in)
{
	if (!(in->view.cpu.cr0 & MMIO_CR0_PE))
		return INSN_MODE_16;
	if (in->view.is_64)
		return INSN_MODE_64;
	return in->cs_d ? INSN_MODE_32 : INSN_MODE_16;
}

/*
 * The instruction bytes at linear address lin.  Outside 64-bit mode linear
 * addresses are 32 bits wide, in compatibility mode too (SDM Vol. 1,
 * "Modes of Operation vs. Memory Model": there "the effect of segmentation
 * is the same as it is in 32-bit protected mode"), so CS.base + EIP wraps
 * at 4 GiB.  gwalk_fetch() applies that width only without IA-32e mode
 * (EFER.LMA is all it knows), so here the address is cut and a fetch that
 * runs past 0xffffffff goes on at 0.  @return as gwalk_fetch().
 */
static int mmio_fetch(const struct mmio_view *v, uint64_t lin, uint8_t buf[INSN_MAX_LENGTH])
{
	unsigned int first = INSN_MAX_LENGTH;
	struct gwalk_fault fault;
	int n, m;

	if (!v->is_64) {
		lin &= 0xffffffffULL;
		first = (unsigned int)TV_MIN((uint64_t)first, 0x100000000ULL - lin);
	}
	n = gwalk_fetch(&v->cpu, v->ram, v->ram_bytes, v->maxphyaddr, v->cpl, lin, buf, first,
			&fault);
	if (n < (int)first || first == INSN_MAX_LENGTH)
		return n;
	m = gwalk_fetch(&v->cpu, v->ram, v->ram_bytes, v->maxphyaddr, v->cpl, 0, buf + first,
			INSN_MAX_LENGTH - first, &fault);
	return m > 0 ? n + m : n;
}

bool mmio_fetch_decode(const struct mmio_decide_in *in, mmio_decode_fn decode,
		       struct mmio_decide_out *out)
{
	out->fetched = mmio_fetch(&in->view, mmio_seg_base(in, INSN_SEG_CS) + in->rip, out->bytes);
	if (out->fetched <= 0) {
		out->verdict = MMIO_VERDICT_NO_FETCH;
		return false;
	}
	out->decode_status = decode(out->bytes, (size_t)out->fetched, mmio_insn_mode(in),
				    &out->insn);
	if (out->decode_status != INSN_OK) {
		out->verdict = MMIO_VERDICT_NO_DECODE;
		return false;
	}
	return true;
}

int mmio_operand_pieces(const struct mmio_view *v, uint64_t lin, unsigned int width,
			bool is_write, struct mmio_piece *out, unsigned int *n,
			struct gwalk_fault *fault)
{
	unsigned int done = 0;

	while (done < width) {
		uint64_t l = (lin + done) & (v->is_64 ? ~0ULL : 0xffffffffULL), gpa;
		unsigned int chunk = (unsigned int)TV_MIN((uint64_t)(width - done),
							 0x1000ULL - (l & 0xfffULL));
		int rc = gwalk_translate(&v->cpu, v->ram, v->ram_bytes, v->maxphyaddr, v->cpl, l,
					 is_write ? GWALK_WRITE : GWALK_READ, &gpa, fault);

		if (rc)
			return rc;
		out[*n].gpa = gpa;
		out[*n].len = chunk;
		out[*n].is_write = is_write;
		(*n)++;
		done += chunk;
	}
	return 0;
}

/*
 * The decoded instruction's memory operands as pieces: the one operand of
 * a MOV/MOVZX, or the first iteration's source [seg:rSI] (MOVS) and
 * destination [ES:rDI] of a string instruction.  @return 0 or a gwalk error.
 */
static int mmio_insn_pieces(const struct mmio_decide_in *in, struct mmio_decide_out *out)
{
	const struct insn *i = &out->insn;
	uint64_t mask = insn_addr_mask(i), lin;
	bool is_write;
	int rc;

	out->n_pieces = 0;
	if (i->kind == INSN_KIND_MOVS || i->kind == INSN_KIND_STOS) {
		if (i->kind == INSN_KIND_MOVS) {
			rc = mmio_operand_pieces(&in->view, mmio_seg_base(in, i->seg) +
						 (in->gpr[6] & mask), i->width, false,
						 out->pieces, &out->n_pieces, &out->fault);
			if (rc)
				return rc;
		}
		return mmio_operand_pieces(&in->view, mmio_seg_base(in, INSN_SEG_ES) +
					   (in->gpr[7] & mask), i->width, true, out->pieces,
					   &out->n_pieces, &out->fault);
	}
	lin = mmio_seg_base(in, i->seg) + insn_operand_offset(i, in->gpr, in->rip);
	is_write = i->kind == INSN_KIND_STORE_REG || i->kind == INSN_KIND_STORE_IMM;
	return mmio_operand_pieces(&in->view, lin, i->width, is_write, out->pieces,
				   &out->n_pieces, &out->fault);
}

void mmio_decide(const struct mmio_decide_in *in, struct mmio_decide_out *out)
{
	*out = (struct mmio_decide_out){ 0 };
	out->access = mmio_classify_exit(&in->exit);
	if (!mmio_access_is_data(out->access)) {
		out->verdict = MMIO_VERDICT_NOT_DATA;
		return;
	}
	if (!mmio_fetch_decode(in, insn_decode, out))
		return;
	if (!mmio_insn_in_limits(in, &out->insn)) {
		out->match = MMIO_MISMATCH_LIMIT;
		out->verdict = MMIO_VERDICT_MISMATCH;
		return;
	}
	out->walk_err = mmio_insn_pieces(in, out);
	out->match = out->walk_err ? MMIO_MISMATCH_ADDR
				   : mmio_check_operand(&in->exit, out->pieces, out->n_pieces);
	if (out->match == MMIO_MATCH) {
		out->verdict = MMIO_VERDICT_EMULATE;
		return;
	}
	/*
	 * Bochs 2.7 reports its page walk through the APIC-access page as a
	 * linear data read (the SDM: a guest-physical access, type 15): the
	 * operand's own walk needing an entry at the exit's address names it.
	 */
	if (out->walk_err == GWALK_ERANGE && mmio_is_walk_entry(&in->exit, out->fault.entry_gpa)) {
		out->access = MMIO_ACCESS_PAGE_WALK;
		out->verdict = MMIO_VERDICT_NOT_DATA;
		return;
	}
	out->verdict = MMIO_VERDICT_MISMATCH;
}
