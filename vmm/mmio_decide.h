/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The decision on a trapped MMIO access, whole (issue 12 items 1 and 7):
 * classify the exit (vmm/mmio_check.h), fetch the instruction at CS:RIP
 * through the guest's paging (vmm/gwalk.h), decode it (vmm/insn.h), place
 * its memory operand in guest-physical memory page by page, and compare it
 * with the exit.  vmm/guest_mmio.c only copies the exit snapshot, the VMCS
 * segment bases and the vCPU's registers into struct mmio_decide_in, calls
 * mmio_decide() and turns the answer into an emulation or a stop report;
 * so the code the product runs is the code tests/unit/fuzz_mmio.c fuzzes.
 *
 * Pure C: no VMCS, no clock, no state; guest RAM is a read-only pointer
 * and every read of it goes through gwalk, which keeps to ram_bytes.
 */
#ifndef TV_VMM_MMIO_DECIDE_H
#define TV_VMM_MMIO_DECIDE_H

#include <tv/types.h>

#include "gwalk.h"
#include "insn.h"
#include "mmio_check.h"

/* The guest's memory as its own paging shows it at the exit. */
struct mmio_view {
	const uint8_t *ram;		/* host pointer to guest-physical 0 */
	uint64_t ram_bytes;
	unsigned int maxphyaddr;	/* the guest's CPUID.80000008H:EAX[7:0] */
	struct gwalk_cpu cpu;		/* CR0 (PE, PG, WP), CR3, CR4, IA32_EFER */
	unsigned int cpl;		/* SS.DPL (SDM Vol. 3A, "Privilege Levels") */
	bool is_64;			/* IA-32e mode and CS.L: 64-bit mode */
};

/* A segment's limit, in bytes, and access rights, as the VMCS holds them. */
struct mmio_seg_limit {
	uint32_t limit;
	uint32_t ar;			/* type 3:0, S 4, D/B 14, unusable 16 */
};

/* Everything the decision looks at. */
struct mmio_decide_in {
	struct mmio_view view;
	bool cs_d;			/* CS.D: 32-bit default sizes outside 64-bit mode */
	uint64_t seg_base[6];		/* ES, CS, SS, DS, FS, GS, indexed by enum insn_seg */
	/*
	 * When set, the bases of the segments the decision uses are asked for
	 * here instead of read from seg_base[]: the product reads each with a
	 * VMREAD, and most accesses need none or one of them.
	 */
	uint64_t (*read_seg_base)(const void *ctx, enum insn_seg seg);
	/*
	 * Segment limits outside 64-bit mode (issue 12 item 2), when
	 * check_limits: the instruction's bytes and each memory operand must
	 * lie inside their segment (from read_seg_limit when set, else
	 * seg_limit[]).  An access outside would have raised #GP or #SS on the
	 * CPU instead of an exit, so the instruction at RIP is not the one that
	 * made it: MISMATCH, MMIO_MISMATCH_LIMIT.
	 */
	bool check_limits;
	struct mmio_seg_limit seg_limit[6];
	void (*read_seg_limit)(const void *ctx, enum insn_seg seg, struct mmio_seg_limit *out);
	const void *seg_ctx;
	uint64_t rip;
	uint64_t gpr[16];		/* RAX..R15 in encoding order, RSP included */
	struct mmio_exit exit;
};

enum mmio_verdict {
	MMIO_VERDICT_EMULATE = 0,	/* the instruction's own data access: emulate out->insn */
	MMIO_VERDICT_NOT_DATA,		/* no data access of the instruction (out->access) */
	MMIO_VERDICT_NO_FETCH,		/* the instruction cannot be fetched (out->fetched) */
	MMIO_VERDICT_NO_DECODE,		/* not an instruction we emulate (out->decode_status) */
	MMIO_VERDICT_MISMATCH,		/* the operand is not the access (walk_err or match) */
};

/* The answer, and with it what a stop report needs. */
struct mmio_decide_out {
	enum mmio_verdict verdict;
	enum mmio_access access;	/* the exit's class; PAGE_WALK when the operand's walk shows it */
	int fetched;			/* bytes fetched (> 0), or the first byte's GWALK_E* error */
	uint8_t bytes[INSN_MAX_LENGTH];
	enum insn_status decode_status;
	struct insn insn;		/* valid from MMIO_VERDICT_MISMATCH on, and for EMULATE */
	struct mmio_piece pieces[4];	/* a MOVS: source and destination, two pages each */
	unsigned int n_pieces;
	int walk_err;			/* 0, or the gwalk error of the first piece that failed */
	struct gwalk_fault fault;	/* with walk_err: its fault, or the entry outside RAM */
	enum mmio_match match;		/* without walk_err: mmio_check_operand()'s answer */
};

typedef enum insn_status (*mmio_decode_fn)(const uint8_t *bytes, size_t avail,
					   enum insn_mode mode, struct insn *out);

/*
 * @brief Whether segment seg has a base in the current mode: in 64-bit
 *	  mode only FS and GS do (SDM Vol. 1, "Segment Registers in 64-Bit
 *	  Mode": the others are treated as if each base is 0).
 */
bool mmio_seg_has_base(bool is_64, enum insn_seg seg);

/*
 * @brief Fetch and decode the instruction at CS:RIP: the decoder's mode
 *	  from CR0.PE, is_64 and CS.D; the bytes through the guest's paging
 *	  at the CS base (none in 64-bit mode) plus RIP, 32 bits wide and
 *	  wrapping at 4 GiB outside 64-bit mode, compatibility mode included.
 * @param decode insn_decode(), or insn_decode_string_io() on I/O exits
 * @return true with out->insn decoded; false with out->verdict
 *	   MMIO_VERDICT_NO_FETCH or MMIO_VERDICT_NO_DECODE.  Reads only
 *	   in->view, cs_d, seg_base[INSN_SEG_CS] and rip.
 */
bool mmio_fetch_decode(const struct mmio_decide_in *in, mmio_decode_fn decode,
		       struct mmio_decide_out *out);

/*
 * @brief The width bytes at linear address lin as at most two pieces,
 *	  split where they cross a 4-KiB page, each at the guest-physical
 *	  address the guest's paging gives it (not checked against RAM).
 *	  Outside 64-bit mode each byte's linear address is 32 bits wide
 *	  (SDM Vol. 3A, "Linear-Address Pre-Translation").
 * @pre width <= 4096; out has room for two more pieces after *n.
 * @return 0, or the gwalk error of the first piece that does not
 *	   translate, described in *fault (GWALK_EFAULT: the guest's own
 *	   exception; GWALK_ERANGE: a paging-structure entry outside RAM).
 */
int mmio_operand_pieces(const struct mmio_view *v, uint64_t lin, unsigned int width,
			bool is_write, struct mmio_piece *out, unsigned int *n,
			struct gwalk_fault *fault);

/*
 * @brief The decision: emulate the trapped access only when it is the
 *	  current instruction's own data access.
 *
 * In order, the first that fails gives the verdict:
 *  1. the exit alone is a data read or write (mmio_classify_exit()); no
 *     page walk, event delivery, fetch or undefined type (NOT_DATA);
 *  2. the instruction is fetched (NO_FETCH) and decoded by insn_decode()
 *     (NO_DECODE);
 *  3. outside 64-bit mode with check_limits, the instruction's bytes and its
 *     memory operands lie inside their segments' limits (MISMATCH with
 *     match MMIO_MISMATCH_LIMIT);
 *  4. its memory operands, MOV/MOVZX at segment base + effective address,
 *     MOVS at [seg:rSI] (read) and [ES:rDI] (write), STOS at [ES:rDI]
 *     (write), translate (MISMATCH with walk_err; but when the walk needs
 *     an entry outside RAM at the exit's address, the exit was that walk:
 *     NOT_DATA with access MMIO_ACCESS_PAGE_WALK, as Bochs 2.7 reports it);
 *  5. one piece holds the exit's address with the exit's direction
 *     (mmio_check_operand(); MISMATCH otherwise).
 * @post verdict EMULATE implies access is MMIO_ACCESS_READ or WRITE and
 *	 insn.kind is LOAD, LOAD_ZX, STORE_REG, STORE_IMM, MOVS or STOS.
 */
void mmio_decide(const struct mmio_decide_in *in, struct mmio_decide_out *out);

#endif /* TV_VMM_MMIO_DECIDE_H */
