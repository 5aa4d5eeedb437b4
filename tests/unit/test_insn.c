/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * MMIO instruction decoder (vmm/insn.c): one case per supported form,
 * prefix rule and rejection.  `make insn-diff` compares the same decoder
 * against Zydis on a million sequences; these cases pin the rules by name.
 */
#include <tv/types.h>

#include "harness.h"
#include "../../vmm/insn.h"

/* Decode the listed bytes (exactly those available) in `mode`. */
#define DECODE(mode, in, ...) \
	insn_decode((const uint8_t[]){ __VA_ARGS__ }, \
		    sizeof((const uint8_t[]){ __VA_ARGS__ }), (mode), (in))

static void mov_88_stores_a_byte_register(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x88, 0x08), INSN_OK);	/* mov [rax], cl */
	UT_EQ(in.kind, INSN_KIND_STORE_REG);
	UT_EQ(in.length, 2);
	UT_EQ(in.width, 1);
	UT_EQ(in.reg, 1);
	UT_CHECK(!in.is_high8);
	UT_EQ(in.base, 0);
	UT_EQ(insn_store_value(&in, 0x1234567890abcdefULL), 0xef);
}

static void mov_89_stores_32_16_64_by_prefix(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x89, 0x03), INSN_OK);	/* mov [rbx], eax */
	UT_EQ(in.width, 4);
	UT_EQ(in.base, 3);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x66, 0x89, 0x03), INSN_OK);
	UT_EQ(in.width, 2);
	UT_EQ(in.length, 3);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x48, 0x89, 0x03), INSN_OK);
	UT_EQ(in.width, 8);
	/* REX.W wins over 66 ("Operand-Size and Address-Size Attributes"). */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x66, 0x48, 0x89, 0x03), INSN_OK);
	UT_EQ(in.width, 8);
	UT_EQ(insn_store_value(&in, 0x1122334455667788ULL), 0x1122334455667788ULL);
}

static void mov_8a_loads_a_byte_and_keeps_upper_bits(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x8a, 0x0e), INSN_OK);	/* mov cl, [rsi] */
	UT_EQ(in.kind, INSN_KIND_LOAD);
	UT_EQ(in.width, 1);
	UT_EQ(in.reg, 1);
	UT_EQ(in.reg_width, 1);
	UT_CHECK(!in.is_zero_upper);
	UT_EQ(insn_load_result(&in, 0xffffffffffffff00ULL, 0x5a), 0xffffffffffffff5aULL);
}

static void mov_8b_32bit_load_zeroes_upper_half_in_64bit_mode(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x8b, 0x07), INSN_OK);	/* mov eax, [rdi] */
	UT_EQ(in.kind, INSN_KIND_LOAD);
	UT_EQ(in.width, 4);
	UT_CHECK(in.is_zero_upper);
	UT_EQ(insn_load_result(&in, 0xdeadbeef00000000ULL, 0xfee00030ULL), 0xfee00030ULL);
	/* Outside 64-bit mode the upper half is left alone. */
	UT_EQ(DECODE(INSN_MODE_32, &in, 0x8b, 0x07), INSN_OK);
	UT_CHECK(!in.is_zero_upper);
	UT_EQ(insn_load_result(&in, 0xdeadbeef00000000ULL, 0x30), 0xdeadbeef00000030ULL);
}

static void mov_8b_16bit_load_merges(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x66, 0x8b, 0x07), INSN_OK);
	UT_EQ(in.width, 2);
	UT_EQ(insn_load_result(&in, 0x1111111111111111ULL, 0xabcd), 0x111111111111abcdULL);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x48, 0x8b, 0x07), INSN_OK);
	UT_EQ(insn_load_result(&in, 0x1111111111111111ULL, 0x8000000000000001ULL),
	      0x8000000000000001ULL);
}

static void byte_regs_4_to_7_are_ah_ch_dh_bh_without_rex(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x8a, 0x20), INSN_OK);	/* mov ah, [rax] */
	UT_CHECK(in.is_high8);
	UT_EQ(in.reg, 0);
	UT_EQ(insn_load_result(&in, 0x11223344ULL, 0x99), 0x11229944ULL);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0x88, 0x3b), INSN_OK);	/* mov [ebx], bh */
	UT_CHECK(in.is_high8);
	UT_EQ(in.reg, 3);
	UT_EQ(insn_store_value(&in, 0xa5c3), 0xa5);
}

static void byte_regs_4_to_7_are_spl_bpl_sil_dil_with_rex(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x40, 0x8a, 0x20), INSN_OK);	/* mov spl, [rax] */
	UT_CHECK(!in.is_high8);
	UT_EQ(in.reg, 4);
	UT_EQ(in.rex, 0x40);
	/* 16/32-bit registers 4-7 are never high bytes. */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x8b, 0x20), INSN_OK);	/* mov esp, [rax] */
	UT_CHECK(!in.is_high8);
	UT_EQ(in.reg, 4);
}

static void rex_r_x_b_extend_reg_index_base(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x44, 0x8b, 0x00), INSN_OK);	/* mov r8d, [rax] */
	UT_EQ(in.reg, 8);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x41, 0x8b, 0x00), INSN_OK);	/* mov eax, [r8] */
	UT_EQ(in.base, 8);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x4f, 0x8b, 0x3c, 0xa0), INSN_OK); /* mov r15,[r8+r12*4] */
	UT_EQ(in.reg, 15);
	UT_EQ(in.base, 8);
	UT_EQ(in.index, 12);
	UT_EQ(in.scale, 4);
	UT_EQ(in.width, 8);
}

static void sib_index_100_means_no_index(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x8b, 0x04, 0x24), INSN_OK);	/* mov eax, [rsp] */
	UT_EQ(in.length, 3);
	UT_EQ(in.base, 4);
	UT_EQ(in.index, INSN_REG_NONE);
	/* Table "Default Segment Selection Rules": rSP base -> SS. */
	UT_EQ(in.seg, INSN_SEG_SS);
	UT_CHECK(!in.has_seg_override);
}

static void sib_base_101_with_mod_00_is_disp32_even_with_rex_b(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x8b, 0x04, 0x25, 0x00, 0x03, 0xe0, 0xfe), INSN_OK);
	UT_EQ(in.length, 7);
	UT_EQ(in.base, INSN_REG_NONE);
	UT_EQ(in.index, INSN_REG_NONE);
	UT_EQ(in.disp, (int64_t)0xfffffffffee00300LL);
	UT_CHECK(!in.is_reg_relative);
	/* "Special Cases of REX Encodings": REX.B is not decoded here. */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x41, 0x8b, 0x04, 0x25, 0x10, 0, 0, 0), INSN_OK);
	UT_EQ(in.base, INSN_REG_NONE);
	UT_EQ(in.disp, 0x10);
	/* R13 as a base needs mod 01 and a disp8. */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x41, 0x8b, 0x45, 0x00), INSN_OK);
	UT_EQ(in.base, 13);
	UT_EQ(in.length, 4);
	UT_EQ(in.seg, INSN_SEG_DS);
}

static void mod_00_rm_101_is_rip_relative_in_64bit_mode(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x8b, 0x05, 0xf8, 0xff, 0xff, 0xff), INSN_OK);
	UT_EQ(in.length, 6);
	UT_EQ(in.base, INSN_REG_RIP);
	UT_EQ(in.disp, -8);
	UT_CHECK(in.is_reg_relative);
	/* REX.B does not turn it into [r13] ("Special Cases of REX Encodings"). */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x41, 0x8b, 0x05, 0, 0, 0, 0), INSN_OK);
	UT_EQ(in.base, INSN_REG_RIP);
}

static void mod_00_rm_101_is_absolute_disp32_in_32bit_mode(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_32, &in, 0x8b, 0x05, 0x30, 0x03, 0xe0, 0xfe), INSN_OK);
	UT_EQ(in.length, 6);
	UT_EQ(in.base, INSN_REG_NONE);
	UT_EQ((uint32_t)in.disp, 0xfee00330U);
	UT_CHECK(!in.is_reg_relative);
}

static void disp8_and_disp32_lengths(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x89, 0x43, 0x80), INSN_OK);	/* mov [rbx-0x80], eax */
	UT_EQ(in.length, 3);
	UT_EQ(in.disp, -128);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x89, 0x83, 0x80, 0x03, 0, 0), INSN_OK);
	UT_EQ(in.length, 6);
	UT_EQ(in.disp, 0x380);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x89, 0x44, 0x24, 0x10), INSN_OK); /* [rsp+0x10] */
	UT_EQ(in.length, 4);
	UT_EQ(in.seg, INSN_SEG_SS);
}

static void mov_c6_stores_imm8(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0xc6, 0x00, 0x5a), INSN_OK);	/* mov byte [rax], 0x5a */
	UT_EQ(in.kind, INSN_KIND_STORE_IMM);
	UT_EQ(in.width, 1);
	UT_EQ(in.imm, 0x5a);
	UT_EQ(in.imm_size, 1);
	UT_EQ(in.length, 3);
	UT_EQ(insn_store_value(&in, 0xffff), 0x5a);
}

static void mov_c7_stores_imm16_imm32(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x66, 0xc7, 0x00, 0x34, 0x12), INSN_OK);
	UT_EQ(in.width, 2);
	UT_EQ(in.imm, 0x1234);
	UT_EQ(in.length, 5);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0xc7, 0x05, 0x80, 0x03, 0xe0, 0xfe,
		     0x00, 0x00, 0x01, 0x00), INSN_OK);	/* mov [0xfee00380], 0x10000 */
	UT_EQ(in.width, 4);
	UT_EQ(in.imm, 0x10000);
	UT_EQ(in.imm_size, 4);
	UT_EQ(in.length, 10);
	/* 16-bit mode: imm16 by default, imm32 with 66. */
	UT_EQ(DECODE(INSN_MODE_16, &in, 0xc7, 0x07, 0xcd, 0xab), INSN_OK);
	UT_EQ(in.width, 2);
	UT_EQ(in.imm, 0xabcd);
	UT_EQ(DECODE(INSN_MODE_16, &in, 0x66, 0xc7, 0x07, 1, 2, 3, 4), INSN_OK);
	UT_EQ(in.width, 4);
	UT_EQ(in.imm, 0x04030201);
}

static void mov_c7_with_rex_w_sign_extends_imm32(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80), INSN_OK);
	UT_EQ(in.width, 8);
	UT_EQ(in.imm_size, 4);
	UT_EQ(in.imm, 0xffffffff80000000ULL);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0x7f), INSN_OK);
	UT_EQ(in.imm, 0x7fffffffULL);
}

static void mov_c7_with_sib_and_disp32_length(void)
{
	struct insn in;

	/* mov dword [rsp+disp32], imm32: C7 84 24 disp32 imm32. */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0xc7, 0x84, 0x24, 1, 2, 3, 4, 5, 6, 7, 8), INSN_OK);
	UT_EQ(in.length, 11);
	UT_EQ(in.disp, 0x04030201);
	UT_EQ(in.imm, 0x08070605);
}

static void movzx_0f_b6_zero_extends_a_byte(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x0f, 0xb6, 0x01), INSN_OK);	/* movzx eax, byte [rcx] */
	UT_EQ(in.kind, INSN_KIND_LOAD_ZX);
	UT_EQ(in.width, 1);
	UT_EQ(in.reg_width, 4);
	UT_EQ(in.opcode_map, 1);
	UT_EQ(in.length, 3);
	UT_EQ(insn_load_result(&in, ~0ULL, 0xfff0), 0xf0);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x48, 0x0f, 0xb6, 0x01), INSN_OK);
	UT_EQ(in.reg_width, 8);
	UT_EQ(insn_load_result(&in, ~0ULL, 0x80), 0x80);
	/* MOVZX r16 merges into the low word. */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x66, 0x0f, 0xb6, 0x01), INSN_OK);
	UT_EQ(in.reg_width, 2);
	UT_EQ(insn_load_result(&in, ~0ULL, 0x80), 0xffffffffffff0080ULL);
}

static void movzx_0f_b7_zero_extends_a_word(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_32, &in, 0x0f, 0xb7, 0x50, 0x04), INSN_OK); /* movzx edx, word [eax+4] */
	UT_EQ(in.width, 2);
	UT_EQ(in.reg, 2);
	UT_EQ(in.reg_width, 4);
	UT_EQ(in.length, 4);
	UT_EQ(insn_load_result(&in, 0xffffffffULL, 0x12345678), 0x5678);
}

static void moffs_a0_a1_load_the_accumulator(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0xa0, 0x20, 0x03, 0xe0, 0xfe, 0, 0, 0, 0), INSN_OK);
	UT_EQ(in.kind, INSN_KIND_LOAD);
	UT_EQ(in.length, 9);
	UT_EQ(in.width, 1);
	UT_EQ(in.reg, 0);
	UT_EQ((uint64_t)in.disp, 0xfee00320ULL);
	UT_CHECK(!in.is_reg_relative);
	/* 67 makes the offset 4 bytes in 64-bit mode. */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x67, 0xa1, 0x20, 0x03, 0xe0, 0xfe), INSN_OK);
	UT_EQ(in.length, 6);
	UT_EQ(in.width, 4);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8), INSN_OK);
	UT_EQ(in.width, 8);
	UT_EQ((uint64_t)in.disp, 0x0807060504030201ULL);
}

static void moffs_a2_a3_store_the_accumulator(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_32, &in, 0xa3, 0xb0, 0x00, 0xe0, 0xfe), INSN_OK); /* mov [EOI], eax */
	UT_EQ(in.kind, INSN_KIND_STORE_REG);
	UT_EQ(in.length, 5);
	UT_EQ(in.width, 4);
	UT_EQ((uint64_t)in.disp, 0xfee000b0ULL);
	UT_EQ(DECODE(INSN_MODE_16, &in, 0xa2, 0x34, 0x12), INSN_OK);
	UT_EQ(in.length, 3);
	UT_EQ(in.width, 1);
	UT_EQ(DECODE(INSN_MODE_16, &in, 0x67, 0xa3, 1, 2, 3, 4), INSN_OK);
	UT_EQ(in.length, 6);
	UT_EQ(in.width, 2);
}

static void modrm16_forms_and_bp_default_ss(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_16, &in, 0x8b, 0x00), INSN_OK);	/* mov ax, [bx+si] */
	UT_EQ(in.width, 2);
	UT_EQ(in.addr_size, 2);
	UT_EQ(in.base, 3);
	UT_EQ(in.index, 6);
	UT_EQ(in.seg, INSN_SEG_DS);
	UT_EQ(DECODE(INSN_MODE_16, &in, 0x8b, 0x46, 0x08), INSN_OK);	/* mov ax, [bp+8] */
	UT_EQ(in.base, 5);
	UT_EQ(in.seg, INSN_SEG_SS);
	UT_EQ(in.length, 3);
	UT_EQ(DECODE(INSN_MODE_16, &in, 0x8b, 0x06, 0x34, 0x12), INSN_OK); /* mov ax, [0x1234] */
	UT_EQ(in.base, INSN_REG_NONE);
	UT_EQ(in.length, 4);
	UT_EQ(DECODE(INSN_MODE_16, &in, 0x8b, 0x87, 0x00, 0x80), INSN_OK); /* [bx-0x8000] */
	UT_EQ(in.length, 4);
	UT_EQ(in.disp, -0x8000);
}

static void prefix_67_switches_the_addressing_form(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_16, &in, 0x67, 0x8b, 0x04, 0x24), INSN_OK); /* mov ax, [esp] */
	UT_EQ(in.addr_size, 4);
	UT_EQ(in.base, 4);
	UT_EQ(in.length, 4);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0x67, 0x8b, 0x00), INSN_OK);	/* mov eax, [bx+si] */
	UT_EQ(in.addr_size, 2);
	UT_EQ(in.index, 6);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x67, 0x8b, 0x00), INSN_OK);	/* mov eax, [eax] */
	UT_EQ(in.addr_size, 4);
}

static void segment_override_last_prefix_wins(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_32, &in, 0x26, 0x36, 0x8b, 0x00), INSN_OK);
	UT_EQ(in.seg, INSN_SEG_SS);
	UT_CHECK(in.has_seg_override);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0x2e, 0x8b, 0x04, 0x24), INSN_OK);	/* cs:[esp] */
	UT_EQ(in.seg, INSN_SEG_CS);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x65, 0x48, 0x8b, 0x00), INSN_OK);	/* mov rax, gs:[rax] */
	UT_EQ(in.seg, INSN_SEG_GS);
}

static void cs_ds_es_ss_prefixes_are_null_in_64bit_mode(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x26, 0x8b, 0x00), INSN_OK);
	UT_EQ(in.seg, INSN_SEG_DS);
	UT_CHECK(!in.has_seg_override);
	/* ...and do not cancel an FS or GS prefix before them. */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x64, 0x2e, 0x8b, 0x00), INSN_OK);
	UT_EQ(in.seg, INSN_SEG_FS);
	UT_CHECK(in.has_seg_override);
}

static void rex_counts_only_right_before_the_opcode(void)
{
	struct insn in;

	/* "Other placements are ignored": 48 then 66 is a 16-bit store. */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x48, 0x66, 0x89, 0x00), INSN_OK);
	UT_EQ(in.width, 2);
	UT_EQ(in.rex, 0);
	/* Of two REX bytes the second counts. */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x41, 0x48, 0x8b, 0x00), INSN_OK);
	UT_EQ(in.width, 8);
	UT_EQ(in.base, 0);
	UT_EQ(in.rex, 0x48);
}

static void bytes_40_to_4f_are_not_rex_outside_64bit_mode(void)
{
	struct insn in;

	/* 48 is DEC EAX in 32-bit mode: not an instruction we emulate. */
	UT_EQ(DECODE(INSN_MODE_32, &in, 0x48, 0x8b, 0x00), INSN_ERR_OPCODE);
	UT_EQ(in.opcode, 0x48);
	UT_EQ(DECODE(INSN_MODE_16, &in, 0x41, 0x8b, 0x00), INSN_ERR_OPCODE);
}

static void lock_prefix_is_rejected(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0xf0, 0x89, 0x00), INSN_ERR_LOCK);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0x66, 0xf0, 0xc7, 0x00, 1, 0), INSN_ERR_LOCK);
}

static void f2_f3_prefixes_on_mov_are_rejected(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0xf3, 0x89, 0x00), INSN_ERR_REP);	/* XRELEASE form */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0xf2, 0x8b, 0x00), INSN_ERR_REP);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0xf3, 0x0f, 0xb6, 0x00), INSN_ERR_REP);
}

/* A4/A5: MOVS, the source segment DS unless overridden, width from the operand size. */
static void movs_decodes_width_rep_and_source_segment(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0xa5), INSN_OK);		/* movsd */
	UT_EQ(in.kind, INSN_KIND_MOVS);
	UT_EQ(in.length, 1);
	UT_EQ(in.width, 4);
	UT_EQ(in.addr_size, 8);
	UT_EQ(in.seg, INSN_SEG_DS);
	UT_CHECK(!in.is_rep && !in.has_seg_override);
	UT_EQ(in.base, INSN_REG_NONE);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0xf3, 0x48, 0xa5), INSN_OK);	/* rep movsq */
	UT_EQ(in.width, 8);
	UT_EQ(in.length, 3);
	UT_CHECK(in.is_rep);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x48, 0xa4), INSN_OK);	/* movsb: REX.W changes nothing */
	UT_EQ(in.width, 1);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x65, 0x67, 0xf3, 0x66, 0xa5), INSN_OK);
	UT_EQ(in.width, 2);
	UT_EQ(in.addr_size, 4);
	UT_EQ(in.seg, INSN_SEG_GS);
	UT_CHECK(in.has_seg_override && in.is_rep);
	UT_EQ(in.length, 5);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x26, 0xa4), INSN_OK);	/* ES is a null prefix in 64-bit */
	UT_EQ(in.seg, INSN_SEG_DS);
	UT_CHECK(!in.has_seg_override);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0x2e, 0xa5), INSN_OK);
	UT_EQ(in.seg, INSN_SEG_CS);
	UT_EQ(in.width, 4);
	UT_EQ(in.addr_size, 4);
	UT_EQ(DECODE(INSN_MODE_16, &in, 0xa5), INSN_OK);
	UT_EQ(in.width, 2);
	UT_EQ(in.addr_size, 2);
	UT_EQ(DECODE(INSN_MODE_16, &in, 0x66, 0x67, 0xa5), INSN_OK);
	UT_EQ(in.width, 4);
	UT_EQ(in.addr_size, 4);
}

/* AA/AB: STOS writes [ES:rDI] from rAX; an override prefix does not move it off ES. */
static void stos_decodes_width_rep_and_es(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0xf3, 0x48, 0xab), INSN_OK);	/* rep stosq */
	UT_EQ(in.kind, INSN_KIND_STOS);
	UT_EQ(in.width, 8);
	UT_EQ(in.reg, 0);
	UT_EQ(in.reg_width, 8);
	UT_EQ(in.seg, INSN_SEG_ES);
	UT_CHECK(in.is_rep);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0x64, 0xaa), INSN_OK);	/* fs stosb */
	UT_EQ(in.seg, INSN_SEG_ES);
	UT_CHECK(!in.has_seg_override);
	UT_EQ(in.width, 1);
	UT_EQ(in.length, 2);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0x66, 0xab), INSN_OK);
	UT_EQ(in.width, 2);
}

/* F2 on MOVS/STOS is not REP (undocumented there) and LOCK is #UD: both refused. */
static void movs_stos_with_f2_or_lock_are_rejected(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0xf2, 0xa4), INSN_ERR_REP);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0xf3, 0xf2, 0xab), INSN_ERR_REP);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0xf2, 0xf3, 0xab), INSN_ERR_REP);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0xf0, 0xa5), INSN_ERR_LOCK);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0xf3), INSN_ERR_TRUNCATED);
}

/* rCX/rSI/rDI updates by address size, DF and REP. */
static void string_register_updates_follow_the_address_size(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0xf3, 0xab), INSN_OK);	/* rep stosd, 64-bit addresses */
	UT_EQ(insn_addr_mask(&in), ~0ULL);
	UT_EQ(insn_string_step(&in, false), 4);
	UT_EQ(insn_string_step(&in, true), -4);
	UT_EQ(insn_string_count(&in, 0x100000000ULL), 0x100000000ULL);
	UT_EQ(insn_addr_reg_add(&in, 0xfffffffffffffffcULL, 4), 0);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x67, 0xf3, 0xab), INSN_OK);	/* 32-bit addresses */
	UT_EQ(insn_addr_mask(&in), 0xffffffffULL);
	UT_EQ(insn_string_count(&in, 0x1234500000003ULL), 3);
	UT_EQ(insn_addr_reg_add(&in, 0xdead0000fffffffeULL, 4), 2);	/* wraps, upper cleared */
	UT_EQ(insn_addr_reg_add(&in, 0x5ULL, -1), 4);
	UT_EQ(DECODE(INSN_MODE_16, &in, 0xf3, 0xa4), INSN_OK);	/* rep movsb, 16-bit */
	UT_EQ(insn_addr_mask(&in), 0xffffULL);
	UT_EQ(insn_string_count(&in, 0xabcd0000ULL), 0);	/* CX = 0: no iteration */
	UT_EQ(insn_addr_reg_add(&in, 0x1234ffffULL, 1), 0x12340000ULL);	/* SI wraps, rest kept */
	UT_EQ(insn_addr_reg_add(&in, 0x12340000ULL, insn_string_step(&in, true)), 0x1234ffffULL);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0xa5), INSN_OK);		/* no REP: one iteration */
	UT_EQ(insn_string_count(&in, 0), 1);
	UT_EQ(insn_string_count(&in, 77), 1);
}

static void string_instructions_are_rejected(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_32, &in, 0xac), INSN_ERR_STRING);	/* lodsb */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0xf3, 0x48, 0xad), INSN_ERR_STRING); /* rep lodsq */
	UT_EQ(DECODE(INSN_MODE_16, &in, 0x6c), INSN_ERR_STRING);	/* insb */
	UT_EQ(DECODE(INSN_MODE_16, &in, 0xa6), INSN_ERR_STRING);	/* cmpsb */
	UT_EQ(DECODE(INSN_MODE_16, &in, 0xaf), INSN_ERR_STRING);	/* scasw */
}

#define DECODE_SIO(mode, in, ...) \
	insn_decode_string_io((const uint8_t[]){ __VA_ARGS__ }, \
			      sizeof((const uint8_t[]){ __VA_ARGS__ }), (mode), (in))

/* INS/OUTS for string I/O exits: width, address size, REP, OUTS's segment, length. */
static void string_io_decodes_ins_and_outs(void)
{
	struct insn in;

	UT_EQ(DECODE_SIO(INSN_MODE_64, &in, 0xf3, 0x6c), INSN_OK);	/* rep insb */
	UT_EQ(in.kind, INSN_KIND_INS);
	UT_EQ(in.width, 1);
	UT_EQ(in.addr_size, 8);
	UT_EQ(in.seg, INSN_SEG_ES);
	UT_CHECK(in.is_rep);
	UT_EQ(in.length, 2);
	UT_EQ(DECODE_SIO(INSN_MODE_64, &in, 0x48, 0x6d), INSN_OK);	/* REX.W: still 4 bytes */
	UT_EQ(in.width, 4);
	UT_CHECK(!in.is_rep);
	UT_EQ(DECODE_SIO(INSN_MODE_64, &in, 0x66, 0x6f), INSN_OK);	/* outsw */
	UT_EQ(in.kind, INSN_KIND_OUTS);
	UT_EQ(in.width, 2);
	UT_EQ(in.seg, INSN_SEG_DS);
	UT_EQ(DECODE_SIO(INSN_MODE_64, &in, 0x67, 0x64, 0xf3, 0x6e), INSN_OK);	/* rep outsb fs:(esi) */
	UT_EQ(in.addr_size, 4);
	UT_EQ(in.seg, INSN_SEG_FS);
	UT_CHECK(in.has_seg_override && in.is_rep);
	UT_EQ(in.length, 4);
	UT_EQ(DECODE_SIO(INSN_MODE_64, &in, 0x64, 0x6c), INSN_OK);	/* INS: ES, override or not */
	UT_EQ(in.seg, INSN_SEG_ES);
	UT_CHECK(!in.has_seg_override);
	UT_EQ(DECODE_SIO(INSN_MODE_16, &in, 0x2e, 0x6f), INSN_OK);	/* outsw cs:(si), 16-bit */
	UT_EQ(in.width, 2);
	UT_EQ(in.addr_size, 2);
	UT_EQ(in.seg, INSN_SEG_CS);
	UT_EQ(DECODE_SIO(INSN_MODE_32, &in, 0x66, 0x67, 0x6d), INSN_OK);	/* insw (di) */
	UT_EQ(in.width, 2);
	UT_EQ(in.addr_size, 2);
	UT_EQ(DECODE_SIO(INSN_MODE_32, &in, 0xf2, 0x6e), INSN_OK);		/* F2 too is REP here */
	UT_CHECK(in.is_rep);
	UT_EQ(DECODE_SIO(INSN_MODE_64, &in, 0xf0, 0x6c), INSN_ERR_LOCK);
	UT_EQ(DECODE_SIO(INSN_MODE_64, &in, 0xa4), INSN_ERR_OPCODE);	/* MOVS is not string I/O */
	UT_EQ(DECODE_SIO(INSN_MODE_64, &in, 0xf3), INSN_ERR_TRUNCATED);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x6e), INSN_ERR_STRING);	/* and insn_decode() refuses it */
}

static void vex_evex_xop_are_rejected(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0xc5, 0xf8, 0x28, 0x00), INSN_ERR_VEX);	/* vmovaps */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0xc4, 0xe1, 0x78, 0x28, 0x00), INSN_ERR_VEX);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x62, 0xf1, 0x7c, 0x48, 0x28, 0x00), INSN_ERR_VEX);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0xc5, 0xf8, 0x28, 0x00), INSN_ERR_VEX);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x8f, 0xe9, 0x78, 0x01, 0x00), INSN_ERR_VEX);
	/* Outside 64-bit mode C5 with a memory ModR/M is LDS. */
	UT_EQ(DECODE(INSN_MODE_32, &in, 0xc5, 0x00), INSN_ERR_OPCODE);
	UT_EQ(DECODE(INSN_MODE_32, &in, 0x8f, 0x00), INSN_ERR_OPCODE);	/* pop [eax] */
}

static void other_opcodes_are_rejected_with_the_opcode(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x0f, 0x28, 0x00), INSN_ERR_OPCODE);	/* movaps */
	UT_EQ(in.opcode_map, 1);
	UT_EQ(in.opcode, 0x28);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x0f, 0xbe, 0x00), INSN_ERR_OPCODE);	/* movsx */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x01, 0x00), INSN_ERR_OPCODE);		/* add */
	UT_EQ(in.opcode, 0x01);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x8c, 0x00), INSN_ERR_OPCODE);		/* mov [rax], es */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x87, 0x00), INSN_ERR_OPCODE);		/* xchg */
}

static void register_direct_modrm_is_not_a_memory_access(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x89, 0xc0), INSN_ERR_NOT_MEMORY);	/* mov eax, eax */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0xc6, 0xc0, 0x01), INSN_ERR_NOT_MEMORY); /* mov al, 1 */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x0f, 0xb6, 0xc1), INSN_ERR_NOT_MEMORY);
}

static void c6_c7_with_reg_field_not_0_is_not_mov(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0xc6, 0x08, 0x01), INSN_ERR_INVALID);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0xc7, 0x38, 0, 0, 0, 0), INSN_ERR_INVALID);
	UT_EQ(DECODE(INSN_MODE_64, &in, 0xc7, 0xf8, 0, 0, 0, 0), INSN_ERR_OPCODE); /* xbegin */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0xc6, 0xf8, 0), INSN_ERR_OPCODE);	   /* xabort */
}

static void fifteen_bytes_is_the_limit(void)
{
	struct insn in;

	/* 12 prefixes + 8B 04 24 = 15 bytes: legal. */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		     0x66, 0x66, 0x66, 0x8b, 0x04, 0x24), INSN_OK);
	UT_EQ(in.length, 15);
	/* 13 prefixes + 8B 04 24 = 16 bytes: #GP, whatever follows. */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		     0x66, 0x66, 0x66, 0x66, 0x8b, 0x04, 0x24), INSN_ERR_TOO_LONG);
	/* 15 prefixes and no opcode at all. */
	UT_EQ(DECODE(INSN_MODE_32, &in, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e,
		     0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x2e), INSN_ERR_TOO_LONG);
}

static void every_cut_of_an_instruction_is_truncated(void)
{
	/* mov dword gs:[r12+r13*8+disp32], imm32 with 67: 14 bytes. */
	static const uint8_t full[] = { 0x65, 0x67, 0x43, 0xc7, 0x84, 0xec, 1, 2, 3, 4,
					5, 6, 7, 8 };
	struct insn in;

	for (size_t n = 0; n < sizeof(full); n++)
		UT_EQ(insn_decode(full, n, INSN_MODE_64, &in), INSN_ERR_TRUNCATED);
	UT_EQ(insn_decode(full, sizeof(full), INSN_MODE_64, &in), INSN_OK);
	UT_EQ(in.length, sizeof(full));
	UT_EQ(in.seg, INSN_SEG_GS);
	UT_EQ(in.base, 12);
	UT_EQ(in.index, 13);
	UT_EQ(in.scale, 8);
	UT_EQ(in.addr_size, 4);
}

static void extra_bytes_after_the_instruction_are_ignored(void)
{
	struct insn in;

	UT_EQ(DECODE(INSN_MODE_64, &in, 0x89, 0x08, 0xcc, 0xcc, 0xcc), INSN_OK);
	UT_EQ(in.length, 2);
}

static void bad_arguments_are_rejected(void)
{
	static const uint8_t b[] = { 0x89, 0x00 };
	struct insn in;

	UT_EQ(insn_decode(NULL, 2, INSN_MODE_64, &in), INSN_ERR_BAD_ARG);
	UT_EQ(insn_decode(b, 2, INSN_MODE_64, NULL), INSN_ERR_BAD_ARG);
	UT_EQ(insn_decode(b, 2, (enum insn_mode)8, &in), INSN_ERR_BAD_ARG);
}

static void every_status_has_a_distinct_description(void)
{
	for (int a = INSN_OK; a <= INSN_ERR_BAD_ARG; a++) {
		UT_CHECK(insn_strerror((enum insn_status)a) != NULL);
		for (int b = a + 1; b <= INSN_ERR_BAD_ARG; b++)
			UT_CHECK(!ut_streq(insn_strerror((enum insn_status)a),
					   insn_strerror((enum insn_status)b)));
	}
	UT_STREQ(insn_strerror((enum insn_status)99), "unknown status");
}

/* The operand's offset: what the cross-check with the exit's address uses. */
static void operand_offset_in_each_addressing_form(void)
{
	uint64_t gpr[16] = { 0 };
	struct insn in;

	gpr[3] = 0xfee00000ULL;		/* RBX */
	gpr[1] = 0x20;			/* RCX */
	gpr[4] = 0x7000;		/* RSP */
	/* mov eax, [rbx + 0xa0] */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x8b, 0x83, 0xa0, 0, 0, 0), INSN_OK);
	UT_EQ(insn_operand_offset(&in, gpr, 0x1000), 0xfee000a0ULL);
	/* mov [rbx + rcx * 4], eax */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x89, 0x04, 0x8b), INSN_OK);
	UT_EQ(insn_operand_offset(&in, gpr, 0x1000), 0xfee00080ULL);
	/* mov eax, [rsp + 8] */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x8b, 0x44, 0x24, 0x08), INSN_OK);
	UT_EQ(insn_operand_offset(&in, gpr, 0x1000), 0x7008ULL);
	/* mov eax, [rip - 8]: from the next instruction (6 bytes on). */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x8b, 0x05, 0xf8, 0xff, 0xff, 0xff), INSN_OK);
	UT_EQ(insn_operand_offset(&in, gpr, 0x1000), 0x0ffeULL);
	/* movabs eax, [0xfee000a0] (A1 moffs64) */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0xa1, 0xa0, 0, 0xe0, 0xfe, 0, 0, 0, 0), INSN_OK);
	UT_EQ(insn_operand_offset(&in, gpr, 0x1000), 0xfee000a0ULL);
}

/* The offset wraps in the address size: 67h in 64-bit mode, and 16-bit forms. */
static void operand_offset_wraps_in_the_address_size(void)
{
	uint64_t gpr[16] = { 0 };
	struct insn in;

	gpr[3] = 0x5a5a5a5afee00000ULL;	/* RBX: junk above bit 31 */
	/* mov eax, [ebx + 0xa0] (67 8b 83 disp32) */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x67, 0x8b, 0x83, 0xa0, 0, 0, 0), INSN_OK);
	UT_EQ(insn_operand_offset(&in, gpr, 0x1000), 0xfee000a0ULL);
	/* 32-bit: [ebx - 1] with EBX = 0 wraps to 0xffffffff. */
	gpr[3] = 0;
	UT_EQ(DECODE(INSN_MODE_32, &in, 0x8b, 0x43, 0xff), INSN_OK);
	UT_EQ(insn_operand_offset(&in, gpr, 0x1000), 0xffffffffULL);
	/* 16-bit [bx + si + 0x10] with BX + SI past 0xffff wraps to 16 bits. */
	gpr[3] = 0x1234fff0ULL;		/* BX = 0xfff0 */
	gpr[6] = 0x20;			/* SI */
	UT_EQ(DECODE(INSN_MODE_16, &in, 0x8b, 0x40, 0x10), INSN_OK);
	UT_EQ(insn_operand_offset(&in, gpr, 0x1000), 0x0020ULL);
	/* EIP-relative (67h with RIP-relative in 64-bit mode) keeps 32 bits. */
	UT_EQ(DECODE(INSN_MODE_64, &in, 0x67, 0x8b, 0x05, 0x10, 0, 0, 0), INSN_OK);
	UT_EQ(insn_operand_offset(&in, gpr, 0x1fffffff0ULL), 0x7ULL);	/* 0x2_0000_0007 */
}

static const struct ut_case cases[] = {
	UT_CASE(mov_88_stores_a_byte_register),
	UT_CASE(mov_89_stores_32_16_64_by_prefix),
	UT_CASE(mov_8a_loads_a_byte_and_keeps_upper_bits),
	UT_CASE(mov_8b_32bit_load_zeroes_upper_half_in_64bit_mode),
	UT_CASE(mov_8b_16bit_load_merges),
	UT_CASE(byte_regs_4_to_7_are_ah_ch_dh_bh_without_rex),
	UT_CASE(byte_regs_4_to_7_are_spl_bpl_sil_dil_with_rex),
	UT_CASE(rex_r_x_b_extend_reg_index_base),
	UT_CASE(sib_index_100_means_no_index),
	UT_CASE(sib_base_101_with_mod_00_is_disp32_even_with_rex_b),
	UT_CASE(mod_00_rm_101_is_rip_relative_in_64bit_mode),
	UT_CASE(mod_00_rm_101_is_absolute_disp32_in_32bit_mode),
	UT_CASE(disp8_and_disp32_lengths),
	UT_CASE(mov_c6_stores_imm8),
	UT_CASE(mov_c7_stores_imm16_imm32),
	UT_CASE(mov_c7_with_rex_w_sign_extends_imm32),
	UT_CASE(mov_c7_with_sib_and_disp32_length),
	UT_CASE(movzx_0f_b6_zero_extends_a_byte),
	UT_CASE(movzx_0f_b7_zero_extends_a_word),
	UT_CASE(moffs_a0_a1_load_the_accumulator),
	UT_CASE(operand_offset_in_each_addressing_form),
	UT_CASE(operand_offset_wraps_in_the_address_size),
	UT_CASE(moffs_a2_a3_store_the_accumulator),
	UT_CASE(modrm16_forms_and_bp_default_ss),
	UT_CASE(prefix_67_switches_the_addressing_form),
	UT_CASE(segment_override_last_prefix_wins),
	UT_CASE(cs_ds_es_ss_prefixes_are_null_in_64bit_mode),
	UT_CASE(rex_counts_only_right_before_the_opcode),
	UT_CASE(bytes_40_to_4f_are_not_rex_outside_64bit_mode),
	UT_CASE(lock_prefix_is_rejected),
	UT_CASE(f2_f3_prefixes_on_mov_are_rejected),
	UT_CASE(movs_decodes_width_rep_and_source_segment),
	UT_CASE(stos_decodes_width_rep_and_es),
	UT_CASE(movs_stos_with_f2_or_lock_are_rejected),
	UT_CASE(string_register_updates_follow_the_address_size),
	UT_CASE(string_instructions_are_rejected),
	UT_CASE(string_io_decodes_ins_and_outs),
	UT_CASE(vex_evex_xop_are_rejected),
	UT_CASE(other_opcodes_are_rejected_with_the_opcode),
	UT_CASE(register_direct_modrm_is_not_a_memory_access),
	UT_CASE(c6_c7_with_reg_field_not_0_is_not_mov),
	UT_CASE(fifteen_bytes_is_the_limit),
	UT_CASE(every_cut_of_an_instruction_is_truncated),
	UT_CASE(extra_bytes_after_the_instruction_are_ignored),
	UT_CASE(bad_arguments_are_rejected),
	UT_CASE(every_status_has_a_distinct_description),
};

UT_MAIN("insn", cases)
