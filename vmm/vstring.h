/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The iterations of a string instruction tickvisor completes in the guest's
 * place: MOVS and STOS whose operand is the empty bus (vmm/guest_string.c),
 * INS and OUTS on any port (issue 16 item 3).  Pure C: the memory and the
 * ports are reached through struct vstring_ops, which vmm/ fills with the
 * guest's page walk and its port devices and tests/unit/test_vstring.c with
 * fakes.
 *
 * One iteration, SDM Vol. 2, "MOVS", "STOS", "INS", "OUTS":
 *   MOVS  read [src_base + rSI], write [dst_base + rDI]
 *   STOS  write rAX's low width bytes to [dst_base + rDI]
 *   OUTS  read [src_base + rSI], write it to the port
 *   INS   read the port, write it to [dst_base + rDI]
 * then rSI (MOVS, OUTS) and rDI (MOVS, STOS, INS) step by the width, down
 * with RFLAGS.DF = 1, and with REP rCX counts down, all three in the
 * address size (vmm/insn.h insn_addr_reg_add(): 16-bit forms keep the
 * register's upper bits, 32-bit ones clear bits 63:32).  Without REP there
 * is one iteration; with REP, rCX of them, none when rCX is 0 (SDM Vol. 2B,
 * "REP/REPE/REPZ/REPNE/REPNZ").  The offset plus the segment base is the
 * linear address, 32 bits wide outside 64-bit mode.
 *
 * vstring_run() stops early, with the registers exactly as after its last
 * complete iteration, so that re-executing the instruction resumes the
 * count as after an interrupted REP ("... the instruction will resume at
 * the point where the interrupt occurred"):
 *  - after max iterations (the caller's batch: a pending interrupt is then
 *    taken between iterations; 1 when single-stepping, whose trap follows
 *    each iteration: "Single-Step Exception Condition");
 *  - after an iteration whose memory or I/O access matched a breakpoint
 *    (SDM Vol. 3B, "Data Memory and I/O Breakpoint Exception Conditions":
 *    for repeated string instructions the trap follows the iteration that
 *    made the access);
 *  - after an iteration whose port access wants the caller's attention
 *    (the device asked for the VM's end, say);
 *  - after an iteration when ops->is_due says an interrupt is due: the
 *    guest takes it between iterations instead of after the batch;
 *  - before an iteration whose memory operand cannot be accessed (the
 *    guest's paging faults it, or it is a device the caller does not
 *    emulate here): nothing of that iteration happened, INS included: the
 *    destination is probed before the port is read, so no byte read from a
 *    device is ever lost.
 */
#ifndef TV_VMM_VSTRING_H
#define TV_VMM_VSTRING_H

#include <tv/types.h>

#include "insn.h"

struct vstring_ops {
	/* Read width bytes at linear lin: 0, or -1 with nothing read. */
	int (*read)(void *ctx, uint64_t lin, unsigned int width, uint8_t *buf);
	/* Whether width bytes at lin can be written now: 0 or -1. */
	int (*probe_write)(void *ctx, uint64_t lin, unsigned int width);
	/* Write width bytes at lin: 0, or -1 with nothing written. */
	int (*write)(void *ctx, uint64_t lin, unsigned int width, const uint8_t *buf);
	/* INS and OUTS: the port access.  @return true to stop after this iteration. */
	bool (*port)(void *ctx, uint16_t port, unsigned int size, bool is_write, uint32_t *val);
	/* The breakpoint bits a memory access matches (vmm/vdebug.h); NULL: none ever. */
	uint64_t (*mem_traps)(void *ctx, uint64_t lin, unsigned int width, bool is_write);
	/* After an iteration with more left: true to stop here (an interrupt is due); NULL: never. */
	bool (*is_due)(void *ctx);
};

struct vstring_req {
	const struct insn *in;	/* kind MOVS, STOS, INS or OUTS; width, addr_size, is_rep */
	uint64_t src_base;	/* MOVS, OUTS: the base of the source segment */
	uint64_t dst_base;	/* MOVS, STOS, INS: ES's base */
	bool is_64;		/* 64-bit mode: linear addresses are 64 bits, else 32 */
	bool df;		/* RFLAGS.DF */
	uint16_t port;		/* INS, OUTS: DX */
	uint64_t io_traps;	/* INS, OUTS: the I/O-breakpoint bits the port matches */
	uint64_t max;		/* iterations at most in this call; 0 counts as 1 */
};

/* The registers a string instruction reads and moves. */
struct vstring_regs {
	uint64_t rax, rcx, rsi, rdi;
};

struct vstring_result {
	uint64_t done;		/* iterations completed */
	bool is_complete;	/* no iteration is left: the instruction is over */
	bool is_fault;		/* stopped before iteration done + 1: its memory operand failed */
	bool is_fault_write;	/* ... and it was the destination (else the source) */
	uint64_t fault_lin;	/* ... at this linear address */
	bool is_port_stop;	/* ops->port asked to stop */
	bool is_due;		/* ops->is_due asked to stop */
	uint64_t traps;		/* breakpoint bits matched by the iterations done */
};

/*
 * @brief Run iterations of the string instruction from the state in *r.
 * @param r updated as each iteration completes.
 * @param out what was done and why it stopped.
 */
void vstring_run(const struct vstring_req *req, struct vstring_regs *r,
		 const struct vstring_ops *ops, void *ctx, struct vstring_result *out);

#endif /* TV_VMM_VSTRING_H */
