/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Differential test of the MMIO instruction decoder (vmm/insn.c) against
 * Zydis: `make insn-diff [INSN_DIFF_N=1000000]`.
 *
 * Each sequence is decoded by both, in one of the three modes.  When Zydis
 * decodes one of the supported MOV forms (MOV 88/89/8A/8B/C6/C7/A0-A3 or
 * MOVZX 0F B6/B7 with a memory operand) we must accept it, unless it carries
 * an F2/F3 prefix (rejected by design, see vmm/insn.h), and agree on length,
 * kind, access width, register, register width, immediate, segment,
 * address size, base, index, scale and displacement.  The string forms MOVS
 * (A4/A5) and STOS (AA/AB) must be accepted unless an F2 byte is among the
 * prefixes, with REP exactly when an F3 byte is, agreeing on length, kind,
 * access width, address size and the segment of the source (MOVS) or of the
 * destination (STOS: ES).  Whenever Zydis fails or decodes anything else we
 * must reject.
 *
 * Sequences: uniformly random bytes; random prefixes before a random
 * opcode; and generated encodings of the supported forms with random
 * prefixes (now and then LOCK/F2/F3 or so many that the 15-byte limit is
 * crossed), ModR/M, SIB, displacement and immediate, sometimes cut short.
 * The generator is seeded (INSN_DIFF_SEED), so a failure is repeatable.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "../../vmm/insn.h"
#include "ut_rng.h"

#define MAX_REPORTS	10U
/* Buffers are longer than an instruction may be, to exercise the limit. */
#define BUF_LEN		20U

struct mode_info {
	enum insn_mode mode;
	ZydisMachineMode zmode;
	ZydisStackWidth zstack;
	const char *name;
};

static const struct mode_info modes[] = {
	{ INSN_MODE_64, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64, "64" },
	{ INSN_MODE_32, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32, "32" },
	{ INSN_MODE_16, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16, "16" },
};

struct diff_stats {
	uint64_t sequences;
	uint64_t compared;		/* supported forms, both accepted, fields compared */
	uint64_t rep_rejected;		/* supported forms with F2/F3, rejected as designed */
	uint64_t other_rejected;	/* Zydis: something else or invalid; we rejected */
	uint64_t mismatches;
	uint64_t string_rep;		/* of the MOVS/STOS compared, with REP */
	uint64_t by_kind[INSN_KIND_OUTS + 1];
};

static uint64_t rng_next(uint64_t *state)
{
	return ut_splitmix64(state);
}

/* ---- Generators -------------------------------------------------------- */

static const uint8_t legal_prefixes[] = { 0x66, 0x67, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
static const uint8_t supported_opcodes[] = {
	0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7, 0xa0, 0xa1, 0xa2, 0xa3,
	0x0f /* B6 */, 0x0f /* B7 */, 0xa4, 0xa5, 0xaa, 0xab,
};

static bool is_string_op(uint8_t op)
{
	return op == 0xa4U || op == 0xa5U || op == 0xaaU || op == 0xabU;
}

static size_t gen_prefixes(uint64_t *rng, uint8_t *buf, enum insn_mode mode, size_t max)
{
	uint64_t r = rng_next(rng);
	/* Mostly 0-3 prefixes, sometimes a long run to reach the length limit. */
	size_t n = (r & 0xf0U) == 0 ? (size_t)((r >> 8) % 15U) : (size_t)((r >> 8) % 4U);
	size_t i;

	n = n < max ? n : max;
	for (i = 0; i < n; i++) {
		uint64_t p = rng_next(rng);

		if (p % 40U == 0U)
			buf[i] = (uint8_t[]){ 0xf0, 0xf2, 0xf3 }[(p >> 8) % 3U];
		else if (mode == INSN_MODE_64 && p % 3U == 0U)
			buf[i] = (uint8_t)(0x40U | ((p >> 8) & 0xfU));
		else
			buf[i] = legal_prefixes[(p >> 8) % sizeof(legal_prefixes)];
	}
	/* A REX right before the opcode, where it counts, half of the time. */
	if (mode == INSN_MODE_64 && i < max && (r & 0x100000U)) {
		buf[i++] = (uint8_t)(0x40U | ((r >> 24) & 0xfU));
	}
	return i;
}

/* A supported opcode and ModR/M, then random bytes for SIB/disp/imm. */
static size_t gen_supported(uint64_t *rng, uint8_t *buf, enum insn_mode mode)
{
	size_t i = gen_prefixes(rng, buf, mode, 13U);
	uint64_t r = rng_next(rng);
	size_t which = (size_t)(r % sizeof(supported_opcodes));
	uint8_t modrm = (uint8_t)(r >> 8);

	if (supported_opcodes[which] == 0x0fU) {
		buf[i++] = 0x0f;
		buf[i++] = which == 10U ? 0xb6 : 0xb7;
	} else if (is_string_op(supported_opcodes[which]) && (r >> 24) % 2U == 0U) {
		/* Half of the string forms with REP (F3), placed before any REX. */
		memmove(buf + 1, buf, i);
		buf[0] = 0xf3;
		i++;
		buf[i++] = supported_opcodes[which];
	} else {
		buf[i++] = supported_opcodes[which];
	}
	/* Mostly memory forms; C6/C7 mostly with /0. */
	if ((r >> 16) % 10U != 0U && (modrm >> 6) == 3U)
		modrm &= 0x7fU;
	if ((buf[i - 1] == 0xc6U || buf[i - 1] == 0xc7U) && (r >> 20) % 8U != 0U)
		modrm &= 0xc7U;
	buf[i++] = modrm;
	return i;
}

/* Fill buf; returns the bytes made available to the decoders. */
static size_t gen_sequence(uint64_t *rng, uint8_t *buf, enum insn_mode mode,
			   unsigned int *gen_kind)
{
	uint64_t r = rng_next(rng);
	size_t head = 0, avail = BUF_LEN;

	for (size_t i = 0; i < BUF_LEN; i += 8) {
		uint64_t v = rng_next(rng);

		memcpy(buf + i, &v, BUF_LEN - i < 8 ? BUF_LEN - i : 8);
	}
	*gen_kind = (unsigned int)(r % 8U);
	switch (*gen_kind) {
	case 0:
		break;		/* all random */
	case 1:
		head = gen_prefixes(rng, buf, mode, 14U);
		break;		/* random opcode after prefixes */
	default:
		head = gen_supported(rng, buf, mode);
		break;
	}
	/* One in eight is cut short somewhere, often inside the instruction. */
	if ((r >> 8) % 8U == 0U)
		avail = (size_t)((r >> 16) % BUF_LEN) + 1U;
	(void)head;
	return avail;
}

/* ---- Comparison -------------------------------------------------------- */

/* Zydis register -> our number (0-15, INSN_REG_RIP, INSN_REG_NONE), high8. */
static uint8_t map_reg(ZydisRegister reg, bool *is_high8)
{
	*is_high8 = false;
	switch (reg) {
	case ZYDIS_REGISTER_NONE: return INSN_REG_NONE;
	case ZYDIS_REGISTER_RIP: case ZYDIS_REGISTER_EIP: case ZYDIS_REGISTER_IP:
		return INSN_REG_RIP;
	case ZYDIS_REGISTER_AH: *is_high8 = true; return 0;
	case ZYDIS_REGISTER_CH: *is_high8 = true; return 1;
	case ZYDIS_REGISTER_DH: *is_high8 = true; return 2;
	case ZYDIS_REGISTER_BH: *is_high8 = true; return 3;
	default: break;
	}
	reg = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, reg);
	if (reg >= ZYDIS_REGISTER_RAX && reg <= ZYDIS_REGISTER_R15)
		return (uint8_t)(reg - ZYDIS_REGISTER_RAX);
	return 0xfeU;	/* not a GPR: can never match */
}

static int map_seg(ZydisRegister reg)
{
	switch (reg) {
	case ZYDIS_REGISTER_ES: return INSN_SEG_ES;
	case ZYDIS_REGISTER_CS: return INSN_SEG_CS;
	case ZYDIS_REGISTER_SS: return INSN_SEG_SS;
	case ZYDIS_REGISTER_DS: return INSN_SEG_DS;
	case ZYDIS_REGISTER_FS: return INSN_SEG_FS;
	case ZYDIS_REGISTER_GS: return INSN_SEG_GS;
	default: return -1;
	}
}

/* MOVS or STOS (A4/A5/AA/AB), byte to qword. */
static bool is_string_form(const ZydisDecodedInstruction *zi)
{
	if (zi->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY ||
	    zi->opcode_map != ZYDIS_OPCODE_MAP_DEFAULT || !is_string_op(zi->opcode))
		return false;
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_MOVSB: case ZYDIS_MNEMONIC_MOVSW: case ZYDIS_MNEMONIC_MOVSD:
	case ZYDIS_MNEMONIC_MOVSQ: case ZYDIS_MNEMONIC_STOSB: case ZYDIS_MNEMONIC_STOSW:
	case ZYDIS_MNEMONIC_STOSD: case ZYDIS_MNEMONIC_STOSQ:
		return true;
	default:
		return false;
	}
}

static bool is_supported_form(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops)
{
	bool has_mem = false;

	if (zi->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return false;
	if (zi->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT) {
		if (!((zi->opcode >= 0x88 && zi->opcode <= 0x8b) || zi->opcode == 0xc6 ||
		      zi->opcode == 0xc7 || (zi->opcode >= 0xa0 && zi->opcode <= 0xa3)))
			return false;
		if (zi->mnemonic != ZYDIS_MNEMONIC_MOV)
			return false;
	} else if (zi->opcode_map == ZYDIS_OPCODE_MAP_0F) {
		if (zi->opcode != 0xb6 && zi->opcode != 0xb7)
			return false;
		if (zi->mnemonic != ZYDIS_MNEMONIC_MOVZX)
			return false;
	} else {
		return false;
	}
	for (unsigned int i = 0; i < zi->operand_count_visible; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    ops[i].mem.type == ZYDIS_MEMOP_TYPE_MEM)
			has_mem = true;
	return has_mem;
}

static bool has_prefix_byte(const ZydisDecodedInstruction *zi, uint8_t value)
{
	for (unsigned int i = 0; i < zi->raw.prefix_count; i++)
		if (zi->raw.prefixes[i].value == value)
			return true;
	return false;
}

static void print_bytes(const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s%02x", i ? " " : "", buf[i]);
}

static void report(struct diff_stats *st, const struct mode_info *m, const uint8_t *buf,
		   size_t avail, const char *what, const struct insn *in, enum insn_status s,
		   const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
		   ZyanStatus zs)
{
	int mem_seg = -1;

	st->mismatches++;
	if (st->mismatches > MAX_REPORTS)
		return;
	for (unsigned int i = 0; ZYAN_SUCCESS(zs) && i < zi->operand_count_visible; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
			mem_seg = map_seg(ops[i].mem.segment);
	printf("FAIL: insn-diff mode %s bytes [", m->name);
	print_bytes(buf, avail);
	printf("]: %s; ours: %s len %u width %u reg %u%s rw %u imm 0x%" PRIx64
	       " seg %d base %u index %u scale %u disp 0x%" PRIx64 " as %u; zydis: %s len %u"
	       " mnemonic %s seg %d\n",
	       what, insn_strerror(s), in->length, in->width, in->reg, in->is_high8 ? "h" : "",
	       in->reg_width, in->imm, (int)in->seg, in->base, in->index, in->scale,
	       (uint64_t)in->disp, in->addr_size, ZYAN_SUCCESS(zs) ? "ok" : "fail",
	       ZYAN_SUCCESS(zs) ? zi->length : 0,
	       ZYAN_SUCCESS(zs) ? ZydisMnemonicGetString(zi->mnemonic) : "-", mem_seg);
}

static uint64_t zydis_quirks;

/* 32-bit addressing in 64-bit mode, SIB base 101, mod 00, REX.B set. */
static bool is_zydis_r13d_quirk(const ZydisDecodedInstruction *zi)
{
	return zi->machine_mode == ZYDIS_MACHINE_MODE_LONG_64 && zi->address_width == 32 &&
	       (zi->attributes & ZYDIS_ATTRIB_HAS_SIB) && zi->raw.modrm.mod == 0 &&
	       zi->raw.sib.base == 5 && zi->raw.rex.B;
}

/*
 * Compare an accepted MOVS/STOS: the memory operand Zydis addresses through
 * rSI (MOVS source) or the one through rDI (STOS destination) gives the
 * segment and access width.
 */
static const char *compare_string(const struct insn *in, const ZydisDecodedInstruction *zi,
				  const ZydisDecodedOperand *ops, bool want_rep)
{
	bool is_movs = zi->opcode == 0xa4U || zi->opcode == 0xa5U, is_high8;
	const ZydisDecodedOperand *mem = NULL;

	for (unsigned int i = 0; i < zi->operand_count; i++) {
		uint8_t base;

		if (ops[i].type != ZYDIS_OPERAND_TYPE_MEMORY)
			continue;
		base = map_reg(ops[i].mem.base, &is_high8);
		if (base == (is_movs ? 6U : 7U))
			mem = &ops[i];
	}
	if (!mem)
		return "no rSI/rDI memory operand";
	if (in->kind != (is_movs ? INSN_KIND_MOVS : INSN_KIND_STOS))
		return "kind (string)";
	if (in->length != zi->length)
		return "length";
	if (in->width * 8U != mem->size)
		return "access width";
	if (in->addr_size * 8U != zi->address_width)
		return "address size";
	if ((int)in->seg != map_seg(mem->mem.segment))
		return "segment";
	if (in->is_rep != want_rep)
		return "REP";
	return NULL;
}

/* Compare an accepted supported form field by field; returns the first difference. */
static const char *compare(const struct insn *in, const ZydisDecodedInstruction *zi,
			   const ZydisDecodedOperand *ops)
{
	const ZydisDecodedOperand *mem = NULL, *reg = NULL, *imm = NULL;
	uint64_t addr_mask;
	bool is_high8;

	for (unsigned int i = 0; i < zi->operand_count_visible; i++) {
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY)
			mem = &ops[i];
		else if (ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER)
			reg = &ops[i];
		else if (ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
			imm = &ops[i];
	}
	if (!mem)
		return "no memory operand";
	if (in->length != zi->length)
		return "length";
	if (in->width * 8U != mem->size)
		return "access width";
	if (in->addr_size * 8U != zi->address_width)
		return "address size";
	if (imm) {
		uint64_t mask = in->width == 8U ? ~0ULL : (1ULL << (8U * in->width)) - 1ULL;

		if (in->kind != INSN_KIND_STORE_IMM)
			return "kind (immediate store)";
		if (in->imm != (imm->imm.value.u & mask))
			return "immediate";
		if (in->imm_size * 8U != zi->raw.imm[0].size)
			return "immediate size";
	} else {
		enum insn_kind want;

		if (!reg)
			return "no register operand";
		if (zi->opcode_map == ZYDIS_OPCODE_MAP_0F)
			want = INSN_KIND_LOAD_ZX;
		else
			want = &ops[0] == mem ? INSN_KIND_STORE_REG : INSN_KIND_LOAD;
		if (in->kind != want)
			return "kind";
		if (in->reg != map_reg(reg->reg.value, &is_high8) || in->is_high8 != is_high8)
			return "register";
		if (in->reg_width * 8U != reg->size)
			return "register width";
	}
	if ((int)in->seg != map_seg(mem->mem.segment))
		return "segment";
	if (is_zydis_r13d_quirk(zi)) {
		/*
		 * Zydis 4.0 reports base R13D (and drops the disp32 it consumed)
		 * for 67 + REX.B + SIB base 101 with mod 00 in 64-bit mode.  The
		 * SDM table "Special Cases of REX Encodings" says REX.B is not
		 * decoded there: no base, disp32.  Check against that instead.
		 */
		zydis_quirks++;
		if (in->base != INSN_REG_NONE)
			return "base (R13D case)";
		if ((uint32_t)in->disp != (uint32_t)zi->raw.disp.value)
			return "displacement (R13D case)";
		if (in->index != map_reg(mem->mem.index, &is_high8))
			return "index";
		return NULL;
	}
	if (in->base != map_reg(mem->mem.base, &is_high8))
		return "base";
	if (in->index != map_reg(mem->mem.index, &is_high8))
		return "index";
	if (in->index != INSN_REG_NONE && in->scale != mem->mem.scale)
		return "scale";
	addr_mask = in->addr_size == 8U ? ~0ULL : (1ULL << (8U * in->addr_size)) - 1ULL;
	if (((uint64_t)in->disp & addr_mask) != ((uint64_t)mem->mem.disp.value & addr_mask))
		return "displacement";
	if (in->is_reg_relative != (in->base != INSN_REG_NONE || in->index != INSN_REG_NONE))
		return "register-relative flag";
	return NULL;
}

int main(int argc, char **argv)
{
	uint64_t n = 1000000ULL, seed = 0x696e73645f646966ULL;
	ZydisDecoder dec[TV_ARRAY_SIZE(modes)];
	struct diff_stats st = { 0 };
	uint64_t rng;

	if (argc > 1)
		n = strtoull(argv[1], NULL, 0);
	if (argc > 2)
		seed = strtoull(argv[2], NULL, 0);
	rng = seed;
	for (size_t i = 0; i < TV_ARRAY_SIZE(modes); i++) {
		if (!ZYAN_SUCCESS(ZydisDecoderInit(&dec[i], modes[i].zmode, modes[i].zstack))) {
			printf("FAIL: insn-diff: Zydis decoder init\n");
			return 1;
		}
	}
	for (uint64_t k = 0; k < n; k++) {
		const struct mode_info *m = &modes[rng_next(&rng) % TV_ARRAY_SIZE(modes)];
		ZydisDecodedInstruction zi;
		ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
		uint8_t buf[BUF_LEN];
		unsigned int gen_kind;
		size_t avail = gen_sequence(&rng, buf, m->mode, &gen_kind);
		struct insn in;
		enum insn_status s = insn_decode(buf, avail, m->mode, &in);
		ZyanStatus zs = ZydisDecoderDecodeFull(&dec[m - modes], buf, avail, &zi, ops);
		bool zyd_supported = ZYAN_SUCCESS(zs) && is_supported_form(&zi, ops);
		bool zyd_string = ZYAN_SUCCESS(zs) && is_string_form(&zi);

		st.sequences++;
		if (zyd_string && has_prefix_byte(&zi, 0xf2)) {
			if (s == INSN_ERR_REP)
				st.rep_rejected++;
			else
				report(&st, m, buf, avail, "F2 on MOVS/STOS not rejected as REP", &in, s, &zi, ops, zs);
		} else if (zyd_string) {
			const char *diff = s == INSN_OK ?
				compare_string(&in, &zi, ops, has_prefix_byte(&zi, 0xf3)) : "rejected";

			if (diff)
				report(&st, m, buf, avail, diff, &in, s, &zi, ops, zs);
			else
				st.compared++, st.by_kind[in.kind]++, st.string_rep += in.is_rep;
		} else if (zyd_supported && (has_prefix_byte(&zi, 0xf2) || has_prefix_byte(&zi, 0xf3))) {
			if (s == INSN_ERR_REP)
				st.rep_rejected++;
			else
				report(&st, m, buf, avail, "F2/F3 form not rejected as REP", &in, s, &zi, ops, zs);
		} else if (zyd_supported) {
			const char *diff = s == INSN_OK ? compare(&in, &zi, ops) : "rejected";

			if (diff)
				report(&st, m, buf, avail, diff, &in, s, &zi, ops, zs);
			else
				st.compared++, st.by_kind[in.kind]++;
		} else if (s == INSN_OK) {
			report(&st, m, buf, avail, "accepted what Zydis does not call a supported form",
			       &in, s, &zi, ops, zs);
		} else {
			st.other_rejected++;
		}
	}
	printf("insn-diff: seed 0x%" PRIx64 ": %" PRIu64 " sequences; %" PRIu64
	       " supported forms compared (load %" PRIu64 ", store-reg %" PRIu64
	       ", store-imm %" PRIu64 ", movzx %" PRIu64 ", movs %" PRIu64 ", stos %" PRIu64
	       ", %" PRIu64 " of those with REP); %" PRIu64
	       " F2/F3 forms rejected by design; %" PRIu64 " others rejected by both; %" PRIu64
	       " checked against the SDM where Zydis reports base R13D\n",
	       seed, st.sequences, st.compared, st.by_kind[INSN_KIND_LOAD],
	       st.by_kind[INSN_KIND_STORE_REG], st.by_kind[INSN_KIND_STORE_IMM],
	       st.by_kind[INSN_KIND_LOAD_ZX], st.by_kind[INSN_KIND_MOVS], st.by_kind[INSN_KIND_STOS],
	       st.string_rep, st.rep_rejected, st.other_rejected, zydis_quirks);
	/* A run that compares almost nothing proves nothing. */
	if (n >= 1000U && st.compared < n / 10U) {
		printf("FAIL: insn-diff (only %" PRIu64 " of %" PRIu64 " sequences were supported forms)\n",
		       st.compared, st.sequences);
		return 1;
	}
	if (st.mismatches) {
		printf("FAIL: insn-diff (%" PRIu64 " of %" PRIu64 " sequences differ)\n",
		       st.mismatches, st.sequences);
		return 1;
	}
	printf("PASS: insn-diff (%" PRIu64 " sequences, %" PRIu64 " supported forms compared)\n",
	       st.sequences, st.compared);
	return 0;
}
