/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Instruction decoder for MMIO emulation; see insn.h for what it accepts.
 * Encodings follow Intel SDM Vol. 2, chapter "Instruction Format" (legacy
 * prefixes, REX, ModR/M and SIB, displacement, immediate) and the tables
 * "16-Bit Addressing Forms with the ModR/M Byte", "32-Bit Addressing Forms
 * with the ModR/M Byte" and "32-Bit Addressing Forms with the SIB Byte".
 */
#include <tv/types.h>

#include "insn.h"

#define REX_W	0x8U
#define REX_R	0x4U
#define REX_X	0x2U
#define REX_B	0x1U

#define REG_SP	4U
#define REG_BP	5U

/* Decoding cursor over the caller's bytes. */
struct cursor {
	const uint8_t *bytes;
	size_t avail;
	size_t pos;
};

/* Make sure n more bytes may be read: the 15-byte limit first. */
static enum insn_status need(const struct cursor *c, size_t n)
{
	if (c->pos + n > INSN_MAX_LENGTH)
		return INSN_ERR_TOO_LONG;
	if (c->pos + n > c->avail)
		return INSN_ERR_TRUNCATED;
	return INSN_OK;
}

/* Read n (1, 2, 4, 8) little-endian bytes; the caller checked need(). */
static uint64_t take(struct cursor *c, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)c->bytes[c->pos + i] << (8U * i);
	c->pos += n;
	return v;
}

static int64_t sign_extend(uint64_t v, size_t bytes)
{
	unsigned int shift = 64U - 8U * (unsigned int)bytes;

	return (int64_t)(v << shift) >> shift;
}

static uint64_t width_mask(unsigned int bytes)
{
	return bytes >= 8U ? ~0ULL : (1ULL << (8U * bytes)) - 1ULL;
}

/* Read a displacement of n bytes, sign-extended. */
static enum insn_status take_disp(struct cursor *c, size_t n, struct insn *in)
{
	enum insn_status st = need(c, n);

	if (st != INSN_OK)
		return st;
	in->disp = n ? sign_extend(take(c, n), n) : 0;
	return INSN_OK;
}

/* "16-Bit Addressing Forms with the ModR/M Byte". */
static enum insn_status decode_modrm16(struct cursor *c, uint8_t modrm, struct insn *in)
{
	/* Base and index of r/m 0-7: [BX+SI] [BX+DI] [BP+SI] [BP+DI] [SI] [DI] [BP] [BX]. */
	static const uint8_t base16[8] = { 3U, 3U, 5U, 5U, 6U, 7U, 5U, 3U };
	static const uint8_t index16[8] = { 6U, 7U, 6U, 7U, INSN_REG_NONE, INSN_REG_NONE,
					    INSN_REG_NONE, INSN_REG_NONE };
	unsigned int mod = modrm >> 6, rm = modrm & 7U;

	if (mod == 0U && rm == 6U) {
		in->base = INSN_REG_NONE;
		in->index = INSN_REG_NONE;
		return take_disp(c, 2, in);
	}
	in->base = base16[rm];
	in->index = index16[rm];
	if (in->base == REG_BP)
		in->seg = INSN_SEG_SS;
	return take_disp(c, mod == 1U ? 1U : mod == 2U ? 2U : 0U, in);
}

/*
 * "32-Bit Addressing Forms with the ModR/M Byte" and "... with the SIB
 * Byte", extended by REX.X/REX.B in 64-bit mode ("REX Prefixes"), where
 * mod = 00, r/m = 101 is RIP-relative ("RIP-Relative Addressing").
 */
static enum insn_status decode_modrm32(struct cursor *c, uint8_t modrm, uint8_t rex,
				       bool is_64bit, struct insn *in)
{
	unsigned int mod = modrm >> 6, rm = modrm & 7U;
	size_t disp_size = mod == 1U ? 1U : mod == 2U ? 4U : 0U;
	enum insn_status st;

	in->index = INSN_REG_NONE;
	if (rm == 4U) {
		uint8_t sib;
		unsigned int index, base;

		st = need(c, 1);
		if (st != INSN_OK)
			return st;
		sib = (uint8_t)take(c, 1);
		in->scale = (uint8_t)(1U << (sib >> 6));
		index = ((sib >> 3) & 7U) | ((rex & REX_X) ? 8U : 0U);
		base = (sib & 7U) | ((rex & REX_B) ? 8U : 0U);
		/* Index 100b without REX.X means "none"; R12 is a real index. */
		if (index != REG_SP)
			in->index = (uint8_t)index;
		if (mod == 0U && (base & 7U) == REG_BP) {
			in->base = INSN_REG_NONE;
			disp_size = 4U;
		} else {
			in->base = (uint8_t)base;
		}
	} else if (mod == 0U && rm == 5U) {
		in->base = is_64bit ? INSN_REG_RIP : INSN_REG_NONE;
		disp_size = 4U;
	} else {
		in->base = (uint8_t)(rm | ((rex & REX_B) ? 8U : 0U));
	}
	/* Table "Default Segment Selection Rules": ESP or EBP as base -> SS. */
	if (in->base == REG_SP || in->base == REG_BP)
		in->seg = INSN_SEG_SS;
	return take_disp(c, disp_size, in);
}

/* Classify an opcode we do not emulate. */
static enum insn_status reject_opcode(const struct cursor *c, uint8_t op, enum insn_mode mode)
{
	switch (op) {
	case 0x6cU: case 0x6dU: case 0x6eU: case 0x6fU:	/* INS, OUTS */
	case 0xa6U: case 0xa7U:				/* CMPS */
	case 0xacU: case 0xadU:				/* LODS */
	case 0xaeU: case 0xafU:				/* SCAS */
		return INSN_ERR_STRING;
	case 0xc4U: case 0xc5U: case 0x62U:
		/*
		 * VEX (C4, C5) and EVEX (62) always in 64-bit mode.  Outside it
		 * these are LES, LDS and BOUND, which need a memory operand, so
		 * a next byte that would be a register-form ModR/M (bits 7:6 =
		 * 11) marks the prefix ("VEX Byte 1, bit [7] - 'R'").  Either
		 * way we reject; this only picks the reason.
		 */
		if (mode == INSN_MODE_64 ||
		    (c->pos + 1U < c->avail && (c->bytes[c->pos + 1U] & 0xc0U) == 0xc0U))
			return INSN_ERR_VEX;
		return INSN_ERR_OPCODE;
	case 0x8fU:
		/* XOP (AMD) when the map select field is 8 or more, else POP r/m. */
		if (c->pos + 1U < c->avail && (c->bytes[c->pos + 1U] & 0x1fU) >= 8U)
			return INSN_ERR_VEX;
		return INSN_ERR_OPCODE;
	default:
		return INSN_ERR_OPCODE;
	}
}

static bool is_supported_opcode(uint8_t map, uint8_t op)
{
	if (map == 1U)
		return op == 0xb6U || op == 0xb7U;
	return (op >= 0x88U && op <= 0x8bU) || op == 0xc6U || op == 0xc7U ||
	       (op >= 0xa0U && op <= 0xa5U) || op == 0xaaU || op == 0xabU;
}

/* MOVS (A4, A5) and STOS (AA, AB): "MOVS/MOVSB/MOVSW/MOVSD/MOVSQ", "STOS/...". */
static bool is_string_opcode(uint8_t map, uint8_t op)
{
	return map == 0U && (op == 0xa4U || op == 0xa5U || op == 0xaaU || op == 0xabU);
}

/* The legacy and REX prefixes in front of the opcode. */
struct prefixes {
	bool has_opsize, has_addrsize, has_lock, has_rep;
	bool has_repne;		/* F2 seen (has_rep is F2 or F3) */
	int seg;		/* enum insn_seg of the last effective override, or -1 */
	uint8_t rex;		/* the REX byte right before the opcode, or 0 */
};

/*
 * "Instruction Prefixes" and "REX Prefixes": consume every prefix byte and
 * leave the cursor on the opcode.
 */
static enum insn_status decode_prefixes(struct cursor *c, bool is_64bit, struct prefixes *p)
{
	*p = (struct prefixes){ .seg = -1 };
	for (;;) {
		enum insn_status st = need(c, 1);
		uint8_t b;

		if (st != INSN_OK)
			return st;
		b = c->bytes[c->pos];
		if (is_64bit && (b & 0xf0U) == 0x40U) {
			p->rex = b;
			c->pos++;
			continue;
		}
		switch (b) {
		case 0xf0U: p->has_lock = true; break;
		case 0xf2U: p->has_rep = true; p->has_repne = true; break;
		case 0xf3U: p->has_rep = true; break;
		/*
		 * In 64-bit mode the CS, DS, ES and SS prefixes are null
		 * prefixes: they neither select a segment nor cancel an
		 * earlier FS or GS prefix.
		 */
		case 0x26U: if (!is_64bit) p->seg = INSN_SEG_ES; break;
		case 0x2eU: if (!is_64bit) p->seg = INSN_SEG_CS; break;
		case 0x36U: if (!is_64bit) p->seg = INSN_SEG_SS; break;
		case 0x3eU: if (!is_64bit) p->seg = INSN_SEG_DS; break;
		case 0x64U: p->seg = INSN_SEG_FS; break;
		case 0x65U: p->seg = INSN_SEG_GS; break;
		case 0x66U: p->has_opsize = true; break;
		case 0x67U: p->has_addrsize = true; break;
		default: return INSN_OK;
		}
		/* "Other placements are ignored": a REX must precede the opcode. */
		p->rex = 0;
		c->pos++;
	}
}

/*
 * The opcode byte (after 0F for map 1), then the verdict on the prefixes
 * that make a supported MOV unemulatable.  The cursor is on the opcode and
 * decode_prefixes() checked that one byte is there.
 */
static enum insn_status decode_opcode(struct cursor *c, enum insn_mode mode,
				      const struct prefixes *p, struct insn *out)
{
	uint8_t op = (uint8_t)take(c, 1);

	if (op == 0x0fU) {
		enum insn_status st = need(c, 1);

		if (st != INSN_OK)
			return st;
		out->opcode_map = 1;
		op = (uint8_t)take(c, 1);
	}
	out->opcode = op;
	if (!is_supported_opcode(out->opcode_map, op)) {
		if (out->opcode_map == 1U)
			return INSN_ERR_OPCODE;
		c->pos--;
		return reject_opcode(c, op, mode);
	}
	/* "LOCK": #UD unless the destination is memory of a listed instruction. */
	if (p->has_lock)
		return INSN_ERR_LOCK;
	/*
	 * "REP/REPE/REPZ/REPNE/REPNZ": F3 is REP on MOVS and STOS.  F2 on them
	 * is not documented (REPNE is defined for CMPS and SCAS only), so it
	 * is refused as on MOV.
	 */
	if (is_string_opcode(out->opcode_map, op) && !p->has_repne) {
		out->is_rep = p->has_rep;
		return INSN_OK;
	}
	if (p->has_rep)
		return INSN_ERR_REP;
	return INSN_OK;
}

/* "Operand-Size and Address-Size Attributes", and the operand defaults. */
static void set_sizes(enum insn_mode mode, const struct prefixes *p, struct insn *out)
{
	if (mode == INSN_MODE_16)
		out->operand_size = p->has_opsize ? 4U : 2U;
	else
		out->operand_size = p->has_opsize ? 2U : 4U;
	if (p->rex & REX_W)
		out->operand_size = 8U;
	if (mode == INSN_MODE_64)
		out->addr_size = p->has_addrsize ? 4U : 8U;
	else if (mode == INSN_MODE_32)
		out->addr_size = p->has_addrsize ? 2U : 4U;
	else
		out->addr_size = p->has_addrsize ? 4U : 2U;
	out->seg = INSN_SEG_DS;
	out->scale = 1;
	out->base = INSN_REG_NONE;
	out->index = INSN_REG_NONE;
}

/* A0-A3 ("MOV-Move"): moffs, an offset of the address size, no ModR/M. */
static enum insn_status decode_moffs(struct cursor *c, struct insn *out)
{
	enum insn_status st = need(c, out->addr_size);

	if (st != INSN_OK)
		return st;
	out->disp = (int64_t)take(c, out->addr_size);
	out->kind = out->opcode <= 0xa1U ? INSN_KIND_LOAD : INSN_KIND_STORE_REG;
	out->width = (out->opcode & 1U) ? out->operand_size : 1U;
	out->reg = 0;
	out->reg_width = out->width;
	return INSN_OK;
}

/* C6 /0 ib, C7 /0 iw/id: the immediate after the memory operand. */
static enum insn_status decode_imm(struct cursor *c, bool is_byte, struct insn *out)
{
	size_t n = is_byte ? 1U : out->operand_size == 2U ? 2U : 4U;
	enum insn_status st;

	out->kind = INSN_KIND_STORE_IMM;
	st = need(c, n);
	if (st != INSN_OK)
		return st;
	out->imm_size = (uint8_t)n;
	/* With REX.W the imm32 is sign-extended to 64 bits. */
	out->imm = (uint64_t)sign_extend(take(c, n), n) & width_mask(out->width);
	return INSN_OK;
}

/*
 * What a ModR/M-form MOV or MOVZX does once its memory operand is decoded:
 * kind, width and register operand (`reg` is ModR/M.reg extended by REX.R).
 */
static enum insn_status decode_operation(struct cursor *c, unsigned int reg, uint8_t rex,
					 struct insn *out)
{
	uint8_t op = out->opcode;
	bool is_byte = !(op & 1U);

	if (out->opcode_map == 1U) {
		out->kind = INSN_KIND_LOAD_ZX;
		out->width = op == 0xb6U ? 1U : 2U;
		out->reg = (uint8_t)reg;
		out->reg_width = out->operand_size;
		return INSN_OK;
	}
	out->width = is_byte ? 1U : out->operand_size;
	if (op == 0xc6U || op == 0xc7U)
		return decode_imm(c, is_byte, out);
	out->kind = op <= 0x89U ? INSN_KIND_STORE_REG : INSN_KIND_LOAD;
	out->reg = (uint8_t)reg;
	out->reg_width = out->width;
	/* "Byte registers": without REX, 4-7 are AH, CH, DH, BH. */
	if (is_byte && rex == 0U && reg >= 4U) {
		out->is_high8 = true;
		out->reg = (uint8_t)(reg - 4U);
	}
	return INSN_OK;
}

/*
 * MOVS and STOS: no ModR/M; the operands are [seg:rSI] (MOVS source, DS
 * unless overridden) and [ES:rDI] (the destination; "ES ... cannot be
 * overridden").  Byte forms A4/AA, else the operand size.
 */
static void decode_string(const struct prefixes *p, struct insn *out)
{
	bool is_movs = out->opcode == 0xa4U || out->opcode == 0xa5U;

	out->kind = is_movs ? INSN_KIND_MOVS : INSN_KIND_STOS;
	out->width = (out->opcode & 1U) ? out->operand_size : 1U;
	out->reg = is_movs ? INSN_REG_NONE : 0U;	/* STOS stores AL/AX/EAX/RAX */
	out->reg_width = is_movs ? 0U : out->width;
	out->seg = INSN_SEG_DS;
	if (is_movs && p->seg >= 0) {
		out->seg = (enum insn_seg)p->seg;
		out->has_seg_override = true;
	}
	if (!is_movs)
		out->seg = INSN_SEG_ES;
}

/* The ModR/M forms: ModR/M, SIB, displacement, then the operation. */
static enum insn_status decode_modrm_form(struct cursor *c, uint8_t rex, bool is_64bit,
					  struct insn *out)
{
	uint8_t modrm, op = out->opcode;
	unsigned int reg;
	enum insn_status st = need(c, 1);

	if (st != INSN_OK)
		return st;
	modrm = (uint8_t)take(c, 1);
	reg = ((modrm >> 3) & 7U) | ((rex & REX_R) ? 8U : 0U);
	if (out->opcode_map == 0U && (op == 0xc6U || op == 0xc7U) && (modrm & 0x38U)) {
		/* C6 F8 / C7 F8 are XABORT / XBEGIN; other /1-/7 are #UD. */
		return modrm == 0xf8U ? INSN_ERR_OPCODE : INSN_ERR_INVALID;
	}
	if ((modrm >> 6) == 3U)
		return INSN_ERR_NOT_MEMORY;
	if (out->addr_size == 2U)
		st = decode_modrm16(c, modrm, out);
	else
		st = decode_modrm32(c, modrm, rex, is_64bit, out);
	if (st != INSN_OK)
		return st;
	return decode_operation(c, reg, rex, out);
}

enum insn_status insn_decode(const uint8_t *bytes, size_t avail,
			     enum insn_mode mode, struct insn *out)
{
	struct cursor c = { bytes, avail, 0 };
	struct prefixes p;
	enum insn_status st;
	bool is_64bit = mode == INSN_MODE_64;

	if (!out)
		return INSN_ERR_BAD_ARG;
	*out = (struct insn){ 0 };
	if (!bytes || (mode != INSN_MODE_16 && mode != INSN_MODE_32 && mode != INSN_MODE_64))
		return INSN_ERR_BAD_ARG;

	st = decode_prefixes(&c, is_64bit, &p);
	if (st != INSN_OK)
		return st;
	out->rex = p.rex;
	st = decode_opcode(&c, mode, &p, out);
	if (st != INSN_OK)
		return st;
	set_sizes(mode, &p, out);
	if (is_string_opcode(out->opcode_map, out->opcode)) {
		decode_string(&p, out);
		out->length = (uint8_t)c.pos;
		return INSN_OK;
	}
	if (out->opcode_map == 0U && out->opcode >= 0xa0U && out->opcode <= 0xa3U)
		st = decode_moffs(&c, out);
	else
		st = decode_modrm_form(&c, p.rex, is_64bit, out);
	if (st != INSN_OK)
		return st;

	if (p.seg >= 0) {
		out->seg = (enum insn_seg)p.seg;
		out->has_seg_override = true;
	}
	out->is_reg_relative = out->base != INSN_REG_NONE || out->index != INSN_REG_NONE;
	/*
	 * "General-Purpose Registers in 64-Bit Mode": 32-bit results are
	 * zero-extended to 64 bits, 8- and 16-bit results leave the rest.
	 */
	out->is_zero_upper = is_64bit && out->reg_width == 4U &&
			     (out->kind == INSN_KIND_LOAD || out->kind == INSN_KIND_LOAD_ZX);
	out->length = (uint8_t)c.pos;
	return INSN_OK;
}

enum insn_status insn_decode_string_io(const uint8_t *bytes, size_t avail,
				       enum insn_mode mode, struct insn *out)
{
	struct cursor c = { bytes, avail, 0 };
	struct prefixes p;
	enum insn_status st;
	uint8_t op;

	if (!out)
		return INSN_ERR_BAD_ARG;
	*out = (struct insn){ 0 };
	if (!bytes || (mode != INSN_MODE_16 && mode != INSN_MODE_32 && mode != INSN_MODE_64))
		return INSN_ERR_BAD_ARG;
	st = decode_prefixes(&c, mode == INSN_MODE_64, &p);
	if (st != INSN_OK)
		return st;
	out->rex = p.rex;
	op = (uint8_t)take(&c, 1);
	out->opcode = op;
	if (op < 0x6cU || op > 0x6fU)
		return INSN_ERR_OPCODE;
	/* "LOCK": #UD on every instruction without a memory destination it lists. */
	if (p.has_lock)
		return INSN_ERR_LOCK;
	set_sizes(mode, &p, out);
	out->kind = op <= 0x6dU ? INSN_KIND_INS : INSN_KIND_OUTS;
	out->width = (op & 1U) ? (out->operand_size == 2U ? 2U : 4U) : 1U;
	out->is_rep = p.has_rep;
	out->reg = INSN_REG_NONE;
	/* INS: "ES ... cannot be overridden"; OUTS: DS:rSI unless a prefix overrides it. */
	if (out->kind == INSN_KIND_INS) {
		out->seg = INSN_SEG_ES;
	} else if (p.seg >= 0) {
		out->seg = (enum insn_seg)p.seg;
		out->has_seg_override = true;
	}
	out->length = (uint8_t)c.pos;
	return INSN_OK;
}

const char *insn_strerror(enum insn_status status)
{
	switch (status) {
	case INSN_OK: return "ok";
	case INSN_ERR_TRUNCATED: return "instruction bytes end early";
	case INSN_ERR_TOO_LONG: return "longer than 15 bytes";
	case INSN_ERR_LOCK: return "LOCK prefix";
	case INSN_ERR_REP: return "F2/F3 prefix on MOV, or F2 on MOVS/STOS (reserved)";
	case INSN_ERR_STRING: return "string instruction other than MOVS/STOS (LODS/SCAS/CMPS/INS/OUTS)";
	case INSN_ERR_VEX: return "VEX/EVEX/XOP-encoded instruction (AVX)";
	case INSN_ERR_OPCODE: return "instruction other than MOV/MOVZX";
	case INSN_ERR_INVALID: return "invalid encoding (#UD)";
	case INSN_ERR_NOT_MEMORY: return "register operand, no memory access";
	case INSN_ERR_BAD_ARG: return "bad argument";
	}
	return "unknown status";
}

uint64_t insn_load_result(const struct insn *in, uint64_t old, uint64_t mem)
{
	uint64_t v = mem & width_mask(in->width);

	if (in->is_high8)
		return (old & ~0xff00ULL) | (v << 8);
	if (in->reg_width == 8U || in->is_zero_upper)
		return v;
	return (old & ~width_mask(in->reg_width)) | v;
}

uint64_t insn_store_value(const struct insn *in, uint64_t reg_value)
{
	if (in->kind == INSN_KIND_STORE_IMM)
		return in->imm;
	if (in->is_high8)
		return (reg_value >> 8) & 0xffU;
	return reg_value & width_mask(in->width);
}

uint64_t insn_addr_mask(const struct insn *in)
{
	return in->addr_size == 8U ? ~0ULL : in->addr_size == 4U ? 0xffffffffULL : 0xffffULL;
}

uint64_t insn_operand_offset(const struct insn *in, const uint64_t gpr[16], uint64_t rip)
{
	uint64_t ea = (uint64_t)in->disp;

	/* Sums wrap modulo 2^64; the mask then keeps what the address size keeps. */
	if (in->base == INSN_REG_RIP)
		ea += rip + in->length;
	else if (in->base < 16U)
		ea += gpr[in->base];
	if (in->index < 16U)
		ea += gpr[in->index] * in->scale;
	return ea & insn_addr_mask(in);
}

uint64_t insn_addr_reg_add(const struct insn *in, uint64_t reg, int64_t delta)
{
	uint64_t sum = reg + (uint64_t)delta;

	if (in->addr_size == 8U)
		return sum;
	if (in->addr_size == 4U)
		return sum & 0xffffffffULL;
	return (reg & ~0xffffULL) | (sum & 0xffffULL);
}

uint64_t insn_string_count(const struct insn *in, uint64_t rcx)
{
	return in->is_rep ? rcx & insn_addr_mask(in) : 1U;
}

int64_t insn_string_step(const struct insn *in, bool df)
{
	return df ? -(int64_t)in->width : (int64_t)in->width;
}
