/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Instruction decoder for MMIO emulation: the forms compilers emit for
 * memory-mapped device registers, and nothing else.
 *
 * Used on the APIC-access and EPT-violation exits where the CPU tells us the
 * guest-physical address but not what the instruction does with it.  We
 * decode ModRM, SIB and displacement fully, because the length must be exact
 * to advance RIP, and insn_operand_offset() computes the effective address
 * from them, with which vmm/guest_mmio.c cross-checks the exit's address
 * (an access that is not the operand's is never emulated).
 *
 * Supported (Intel SDM Vol. 2, "MOV-Move" and "MOVZX-Move with Zero-Extend"):
 *   88 /r     MOV r/m8, r8             store from register, 1 byte
 *   89 /r     MOV r/m16/32/64, r       store from register, 2/4/8 bytes
 *   8A /r     MOV r8, r/m8             load, 1 byte
 *   8B /r     MOV r, r/m16/32/64       load, 2/4/8 bytes
 *   C6 /0 ib  MOV r/m8, imm8           store immediate, 1 byte
 *   C7 /0 iw/id MOV r/m, imm16/32      store immediate, 2/4/8 bytes (with
 *                                      REX.W the imm32 is sign-extended)
 *   0F B6 /r  MOVZX r16/32/64, r/m8    zero-extending load, 1 byte
 *   0F B7 /r  MOVZX r16/32/64, r/m16   zero-extending load, 2 bytes
 *   A0-A3     MOV AL/eAX <-> moffs     load/store of the accumulator
 *   A4, A5    MOVS m8/m16/32/64        [ES:rDI] <- [seg:rSI], optional F3 (REP)
 *   AA, AB    STOS m8/m16/32/64        [ES:rDI] <- AL/AX/EAX/RAX, optional F3
 * (string forms: "MOVS/MOVSB/MOVSW/MOVSD/MOVSQ", "STOS/STOSB/STOSW/STOSD/
 * STOSQ"; the decoder reports width, address size, REP and the source
 * segment; the iteration over rCX/rSI/rDI with RFLAGS.DF is the caller's,
 * see vmm/guest_mmio.c),
 * with any of the legacy prefixes 66 (operand size), 67 (address size),
 * 26/2E/36/3E/64/65 (segment), and REX in 64-bit mode, in any order and
 * number up to the 15-byte limit.
 *
 * Rejected, each with its own status and insn_strerror() text: LOCK (#UD
 * on MOV), F2/F3 (on MOV "reserved" by the SDM: "Use of repeat prefixes
 * and/or undefined opcodes with other Intel 64 or IA-32 instructions is
 * reserved", so we do not guess what the hardware did; F2 on MOVS/STOS
 * likewise), the other string instructions (LODS, SCAS, CMPS, INS, OUTS:
 * INSN_ERR_STRING), VEX/EVEX/XOP (AVX and friends), every other opcode, the
 * register-direct ModRM forms (no memory access), invalid encodings, more
 * than 15 bytes, and a buffer that ends inside the instruction.
 *
 * Deliberate choices:
 *  - A REX prefix counts only when it immediately precedes the opcode; one
 *    followed by a legacy prefix is ignored (SDM "REX Prefixes": "Other
 *    placements are ignored").
 *  - With several segment prefixes the last one wins.  In 64-bit mode only
 *    FS and GS select anything (SDM Vol. 1 "Segment Registers in 64-Bit
 *    Mode": CS, DS, ES and SS are treated as if each segment base is 0), so
 *    a CS, DS, ES or SS prefix there is a null prefix: it neither sets
 *    has_seg_override nor cancels an FS or GS prefix before it (as Zydis
 *    decodes it; the differential test relies on that).
 *  - `seg` without an override is the SDM's default ("Default Segment
 *    Selection Rules"): SS with rSP or rBP as base (BP in 16-bit forms),
 *    DS otherwise; R12/R13 as base are DS.
 *  - Outside 64-bit mode a load leaves the register bits above its width
 *    as they were (the SDM makes the upper halves undefined there).
 */
#ifndef TV_VMM_INSN_H
#define TV_VMM_INSN_H

#include <tv/types.h>

/* The longest legal instruction ("Instruction Format": 15 bytes). */
#define INSN_MAX_LENGTH		15U

/* Register numbers in struct insn besides 0-15 (RAX..R15). */
#define INSN_REG_NONE		0xffU
#define INSN_REG_RIP		0x10U	/* RIP- (or EIP-) relative */

/* Default operand and address size of the code being decoded. */
enum insn_mode {
	INSN_MODE_16 = 16,	/* real, virtual-8086, 16-bit protected or compat */
	INSN_MODE_32 = 32,	/* 32-bit protected or compatibility (CS.D = 1) */
	INSN_MODE_64 = 64,	/* 64-bit (IA-32e with CS.L = 1) */
};

enum insn_kind {
	INSN_KIND_NONE = 0,
	INSN_KIND_LOAD,		/* 8A, 8B, A0, A1: register <- memory */
	INSN_KIND_STORE_REG,	/* 88, 89, A2, A3: memory <- register */
	INSN_KIND_STORE_IMM,	/* C6, C7: memory <- immediate */
	INSN_KIND_LOAD_ZX,	/* 0F B6, 0F B7: register <- zero-extended memory */
	INSN_KIND_MOVS,		/* A4, A5: [ES:rDI] <- [seg:rSI] */
	INSN_KIND_STOS,		/* AA, AB: [ES:rDI] <- rAX (reg 0) */
	INSN_KIND_INS,		/* 6C, 6D: [ES:rDI] <- port DX (insn_decode_string_io() only) */
	INSN_KIND_OUTS,		/* 6E, 6F: port DX <- [seg:rSI] (insn_decode_string_io() only) */
};

/* Segment registers, numbered as in the SDM's Sreg encoding. */
enum insn_seg {
	INSN_SEG_ES = 0,
	INSN_SEG_CS = 1,
	INSN_SEG_SS = 2,
	INSN_SEG_DS = 3,
	INSN_SEG_FS = 4,
	INSN_SEG_GS = 5,
};

enum insn_status {
	INSN_OK = 0,
	INSN_ERR_TRUNCATED,	/* the bytes end inside the instruction */
	INSN_ERR_TOO_LONG,	/* more than 15 bytes (#GP) */
	INSN_ERR_LOCK,		/* LOCK prefix (#UD on MOV) */
	INSN_ERR_REP,		/* F2/F3 prefix: reserved on MOV; F2 on MOVS/STOS */
	INSN_ERR_STRING,	/* LODS, SCAS, CMPS, INS, OUTS */
	INSN_ERR_VEX,		/* VEX, EVEX or XOP encoded */
	INSN_ERR_OPCODE,	/* any other instruction */
	INSN_ERR_INVALID,	/* C6/C7 with ModRM.reg != 0: #UD */
	INSN_ERR_NOT_MEMORY,	/* ModRM.mod = 3: register operand, no access */
	INSN_ERR_BAD_ARG,	/* NULL pointer or unknown mode */
};

/* A decoded instruction.  On failure only the encoding fields are valid. */
struct insn {
	enum insn_kind kind;
	uint8_t length;		/* bytes, prefixes included */
	uint8_t width;		/* bytes accessed in memory: 1, 2, 4 or 8 */
	/* The register operand (loads: destination; STORE_REG: source). */
	uint8_t reg;		/* 0-15; for AH/CH/DH/BH the 0-3 it lives in */
	bool is_high8;		/* reg's bits 15:8 (AH, CH, DH, BH: no REX) */
	uint8_t reg_width;	/* bytes of the register operand: 1, 2, 4, 8 */
	bool is_zero_upper;	/* a load clears register bits 63:8*reg_width */
	/* STORE_IMM: the value stored, already extended to `width` bytes. */
	uint64_t imm;
	uint8_t imm_size;	/* bytes of immediate in the encoding */
	/* MOVS/STOS: an F3 prefix (repeat rCX times); base/index stay NONE. */
	bool is_rep;
	/* The memory operand. */
	enum insn_seg seg;	/* segment in effect (MOVS: of the source; STOS: ES) */
	bool has_seg_override;
	bool is_reg_relative;	/* a base or index register is used (RIP too) */
	uint8_t addr_size;	/* 2, 4 or 8 */
	uint8_t base;		/* 0-15, INSN_REG_RIP or INSN_REG_NONE */
	uint8_t index;		/* 0-15 or INSN_REG_NONE */
	uint8_t scale;		/* 1, 2, 4 or 8 */
	int64_t disp;		/* sign-extended; moffs forms: the offset */
	/* Encoding, filled as far as decoding got (for error reports). */
	uint8_t operand_size;	/* 2, 4 or 8 */
	uint8_t rex;		/* the effective REX byte, or 0 */
	uint8_t opcode;		/* the opcode byte (after 0F for map 1) */
	uint8_t opcode_map;	/* 0: one-byte map; 1: 0F map */
};

/*
 * @brief Decode one instruction from `bytes`.
 * @param avail bytes available (may exceed the instruction; at most 15
 *        are looked at).
 * @param[out] out the decoded instruction; zeroed first.
 * @return INSN_OK, or the reason the instruction is not emulated.
 */
enum insn_status insn_decode(const uint8_t *bytes, size_t avail,
			     enum insn_mode mode, struct insn *out);

/*
 * @brief Decode the string I/O instruction of an I/O-instruction exit: INS
 *        (6C, 6D) or OUTS (6E, 6F), SDM Vol. 2, "INS/INSB/INSW/INSD" and
 *        "OUTS/OUTSB/OUTSW/OUTSD", with the same prefixes as insn_decode().
 *        The decoder gives what the exit qualification does not: the
 *        address size (67), the source segment of OUTS (an override; INS
 *        always writes [ES:rDI]) and the length.  width is 1 for 6C/6E,
 *        else 2 or 4 from the operand size (REX.W does not make 8: "the
 *        operand size is fixed at 8, 16 or 32 bits").  is_rep is an F3 or
 *        F2 prefix; the caller compares it with the exit's own REP bit.
 * @return INSN_OK; INSN_ERR_OPCODE for any other opcode; INSN_ERR_LOCK;
 *         the truncation and length errors of insn_decode().
 */
enum insn_status insn_decode_string_io(const uint8_t *bytes, size_t avail,
				       enum insn_mode mode, struct insn *out);

/* @return a short description of a status, for reports; never NULL. */
const char *insn_strerror(enum insn_status status);

/*
 * @brief The register operand's new value after a load.
 * @param old the register's 64-bit value before the instruction.
 * @param mem the value read from memory (bits above `width` ignored).
 * @pre kind is INSN_KIND_LOAD or INSN_KIND_LOAD_ZX.
 */
uint64_t insn_load_result(const struct insn *in, uint64_t old, uint64_t mem);

/*
 * @brief The value a store writes to memory (`width` bytes, zero-extended).
 * @param reg_value the 64-bit value of register `reg` (unused for imm).
 * @pre kind is INSN_KIND_STORE_REG or INSN_KIND_STORE_IMM.
 */
uint64_t insn_store_value(const struct insn *in, uint64_t reg_value);

/*
 * String instructions (MOVS, STOS), SDM Vol. 2, "MOVS/MOVSB/...": each
 * iteration moves `width` bytes and steps rSI/rDI by +width, or by -width
 * with RFLAGS.DF = 1; with REP the count is rCX.  The address size picks
 * which part of rCX/rSI/rDI counts: CX/SI/DI (bits 63:16 kept), ECX/ESI/
 * EDI (written as 32-bit registers: bits 63:32 cleared, "General-Purpose
 * Registers in 64-Bit Mode"; outside 64-bit mode the SDM leaves them
 * undefined, and clearing is one of the allowed outcomes) or RCX/RSI/RDI.
 */

/*
 * @brief The offset of the memory operand in its segment (the effective
 *	  address): base + index * scale + displacement, or for the RIP-
 *	  relative form the next instruction's RIP + displacement, kept to
 *	  the address size (SDM Vol. 1, "Specifying an Offset"; Vol. 2,
 *	  "RIP-Relative Addressing").  The segment base is the caller's: it
 *	  depends on the mode (vmm/guest_mmio.c).  This is what lets the
 *	  caller cross-check the decoded operand with the exit's address.
 * @param gpr the 16 general registers, RAX..R15 in encoding order (RSP too)
 * @param rip the RIP of the instruction itself
 * @pre kind is LOAD, LOAD_ZX, STORE_REG or STORE_IMM (MOVS and STOS
 *	address through rSI and rDI, insn_addr_mask()).
 */
uint64_t insn_operand_offset(const struct insn *in, const uint64_t gpr[16], uint64_t rip);

/* @return 0xffff, 0xffffffff or ~0 for address size 2, 4, 8. */
uint64_t insn_addr_mask(const struct insn *in);

/* @return the offset register (rCX, rSI, rDI) after adding delta in the address size. */
uint64_t insn_addr_reg_add(const struct insn *in, uint64_t reg, int64_t delta);

/* @return the iterations left: 1 without REP, else rCX in the address size (0: none). */
uint64_t insn_string_count(const struct insn *in, uint64_t rcx);

/* @return the step of rSI/rDI per iteration: width, negated when df. */
int64_t insn_string_step(const struct insn *in, bool df);

#endif /* TV_VMM_INSN_H */
