/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * String instructions tickvisor completes in the guest's place: MOVS and
 * STOS with an operand on the empty bus (issue 16 item 5), and INS and OUTS
 * on every port (issue 16 item 3).  The iterations are vmm/vstring.c's
 * (pure, host-tested); this file gives them the guest's memory through its
 * own paging (vmm/gwalk.c), the port devices (vmm/vio.c) and the debug
 * registers, and turns the outcome into the exit's action.
 */
#define pr_prefix "vmm: "

#include "guest_priv.h"

#include <tv/log.h>
#include <tv/string.h>
#include <x86/cpu.h>

#include "vapic.h"
#include "vdebug.h"
#include "vio.h"
#include "vstring.h"

/*
 * Iterations emulated per exit.  When more are left RIP stays on the
 * instruction with rCX/rSI/rDI updated, so the guest re-enters it, takes
 * any pending interrupt first, and the CPU resumes the count as after an
 * interrupted REP (SDM Vol. 2B, "REP/REPE/REPZ/REPNE/REPNZ": "... the
 * instruction will resume at the point where the interrupt occurred").  The
 * batch bounds how long a due interrupt waits behind a long REP: an
 * iteration costs a few hundred instructions (a translation per page, a
 * copy, a port model call), so 256 of them stay well inside one exit's cost
 * of the timer path's margins.
 */
#define GUEST_STRING_BATCH	256U

/* EFLAGS.DF, bit 10 (SDM Vol. 1, "EFLAGS Register"): string operations count down. */
#define GUEST_RFLAGS_DF		0x400ULL

/* The guest, the exit and what the iterations met, for the vstring callbacks. */
struct guest_string_ctx {
	struct vm *vm;
	const struct vmx_exit_info *e;
	struct vmx_exit_action *act;
	struct guest_walk_ctx walk;
	const char *why;		/* why the last memory access could not be done */
	bool has_fault;			/* ... because the guest's paging faults it: */
	struct gwalk_fault fault;	/* the guest's exception */
	struct vdebug_regs dr;		/* the debug registers, when DR7 enables any */
	bool has_dr;
	/*
	 * The last page translated, for reads [0] and writes [1]: the elements
	 * of one batch mostly share a page, and a walk per element would make
	 * the batch as costly as that many exits.  One instruction's
	 * iterations may use one translation, as the CPU's TLB does.
	 */
	bool tlb_valid[2];
	uint64_t tlb_page[2], tlb_gpa[2];
	uint64_t due;			/* the timer's deadline, guest TSC (VTIMER_NONE: none) */
};

/* The guest-physical address of the width bytes at lin, from the one-entry cache when it holds them. */
static bool guest_string_cached(const struct guest_string_ctx *c, uint64_t lin, unsigned int width,
				bool is_write, uint64_t *gpa)
{
	unsigned int w = is_write;

	if (!c->tlb_valid[w] || (lin & ~0xfffULL) != c->tlb_page[w] ||
	    (lin & 0xfffULL) + width > 0x1000U)
		return false;
	*gpa = c->tlb_gpa[w] | (lin & 0xfffULL);
	return true;
}

/*
 * One element at a linear address: copied from or to guest RAM, or, where
 * the guest-physical address is outside RAM and not the APIC page, read as
 * all-ones or dropped.  An element that crosses a page boundary is
 * translated page by page.  With probe only the translation is done.
 * @return 0, or -1 with c->why set (and c->has_fault when the guest's
 * paging faults it), when the translation fails or the element reaches the
 * APIC page.  An element across the end of RAM is emulated like the CPU
 * does it: RAM ends on a page boundary (whole MiB), so its pieces are split
 * there, the one below in RAM and the one above on the empty bus
 * (hostile_io.ins_cross_end, .outs_cross_end); a piece that straddled the
 * end would need RAM of no whole page, and is refused like the APIC page.
 */
static int guest_string_access(struct guest_string_ctx *c, uint64_t lin, unsigned int width,
			       bool is_write, bool probe, uint8_t *buf)
{
	struct vm *vm = c->vm;
	struct mmio_piece p[2];		/* an element of at most 8 bytes spans two pages at most */
	unsigned int n = 0, done = 0, i;

	if (guest_string_cached(c, lin, width, is_write, &p[0].gpa)) {
		p[0].len = width;
		n = 1;
	} else {
		int rc = guest_operand_pieces(vm, &c->walk, lin, width, is_write, p, &n, &c->fault);

		if (rc) {
			c->has_fault = rc == GWALK_EFAULT;
			c->why = rc == GWALK_EFAULT ? "the guest's paging faults it" : gwalk_strerror(rc);
			return -1;
		}
		if (n == 1) {
			c->tlb_valid[is_write] = true;
			c->tlb_page[is_write] = lin & ~0xfffULL;
			c->tlb_gpa[is_write] = p[0].gpa & ~0xfffULL;
		}
	}
	for (i = 0; i < n; done += p[i].len, i++) {
		uint64_t gpa = p[i].gpa;
		unsigned int chunk = p[i].len;

		if (gpa < vm->ram_bytes && chunk <= vm->ram_bytes - gpa) {
			if (probe)
				continue;
			if (is_write)
				tv_memcpy(vm->ram + gpa, buf + done, chunk);
			else
				tv_memcpy(buf + done, vm->ram + gpa, chunk);
		} else if (gpa >= vm->ram_bytes && !vapic_is_mmio(&vm->apic, gpa) &&
			   (gpa & ~0xfffULL) != vm->apic_mapped_gpa) {
			if (!is_write && !probe)
				tv_memset(buf + done, 0xff, chunk);
		} else {
			c->why = "an operand reaches the APIC page or straddles the end of RAM";
			return -1;
		}
	}
	return 0;
}

static int guest_string_read(void *ctx, uint64_t lin, unsigned int width, uint8_t *buf)
{
	return guest_string_access(ctx, lin, width, false, false, buf);
}

static int guest_string_probe_write(void *ctx, uint64_t lin, unsigned int width)
{
	return guest_string_access(ctx, lin, width, true, true, NULL);
}

static int guest_string_write(void *ctx, uint64_t lin, unsigned int width, const uint8_t *buf)
{
	return guest_string_access(ctx, lin, width, true, false, (uint8_t *)buf);
}

/* One port access of INS/OUTS, its effects applied at once (a line printed, the VM ended). */
static bool guest_string_port(void *ctx, uint16_t port, unsigned int size, bool is_write,
			      uint32_t *val)
{
	struct guest_string_ctx *c = ctx;
	struct vio_effect eff;		/* vio_access_port() clears it */

	/* The RTC runs on the host TSC: guest time, unmoved by the guest's own TSC writes. */
	(void)vio_access_port(&c->vm->io, port, size, is_write, val, c->e->tsc, &eff);
	guest_apply_vio(c->vm, &eff, c->act);
	return c->act->stop;
}

/* Data breakpoints (SDM Vol. 3B, "Data Memory and I/O Breakpoint Exception Conditions"). */
static uint64_t guest_string_mem_traps(void *ctx, uint64_t lin, unsigned int width, bool is_write)
{
	struct guest_string_ctx *c = ctx;

	if (!c->has_dr)
		return 0;
	return vdebug_match(&c->dr, is_write ? VDEBUG_DATA_WRITE : VDEBUG_DATA_READ, lin, width);
}

/*
 * Whether the guest's timer has come due since the exit: the batch then
 * ends, so that the entry delivers the interrupt between iterations instead
 * of after the whole batch (the VMM's own work must not hold a due
 * interrupt).  One RDTSC per iteration.
 */
static bool guest_string_is_due(void *ctx)
{
	struct guest_string_ctx *c = ctx;

	return c->due != VTIMER_NONE && guest_tsc_host_now(c->vm) >= c->due;
}

static const struct vstring_ops guest_string_ops = {
	.read = guest_string_read,
	.probe_write = guest_string_probe_write,
	.write = guest_string_write,
	.port = guest_string_port,
	.mem_traps = guest_string_mem_traps,
	.is_due = guest_string_is_due,
};

static void guest_string_ctx_init(struct guest_string_ctx *c, struct vm *vm,
				  const struct vmx_exit_info *e, struct vmx_exit_action *act)
{
	tv_memset(c, 0, sizeof(*c));
	c->vm = vm;
	c->e = e;
	c->act = act;
	c->walk = guest_walk_ctx_of(e);
	c->due = vapic_next_deadline(&vm->apic);
	c->dr.is_de = e->cr4 & CR4_DE;
	c->dr.dr7 = vmx_read_guest_dr7();
	c->has_dr = vdebug_has_enabled(c->dr.dr7);
	if (c->has_dr)
		cpu_read_dr0_3(c->dr.dr);
}

/*
 * Run the iterations and turn the outcome into the exit's action: the
 * instruction complete (RIP advanced past its decoded length), or RIP kept
 * on it for the rest (act->iterated: the traps of the iterations done are
 * owed, vmx/vcpu.c), or, when not even the first could be done, the
 * guest's own #PF or #GP injected, or the VM stopped with the reason.
 */
static void guest_string_finish(struct guest_string_ctx *c, struct vstring_req *req,
				const char *name)
{
	struct vm *vm = c->vm;
	const struct vmx_exit_info *e = c->e;
	struct vmx_exit_action *act = c->act;
	struct vm_guest_regs *g = &vm->vcpu.regs;
	struct vstring_regs r = { .rax = g->rax, .rcx = g->rcx, .rsi = g->rsi, .rdi = g->rdi };
	struct vstring_result res;

	req->src_base = guest_seg_base(&c->walk, req->in->seg);
	req->dst_base = guest_seg_base(&c->walk, INSN_SEG_ES);
	req->is_64 = c->walk.is_64;
	req->df = (e->rflags & GUEST_RFLAGS_DF) != 0;
	/* Single-stepping: a trap after each iteration ("Single-Step Exception Condition"). */
	req->max = vmx_is_single_stepping(e) ? 1U : GUEST_STRING_BATCH;
	vstring_run(req, &r, &guest_string_ops, c, &res);
	g->rcx = r.rcx;
	g->rsi = r.rsi;
	g->rdi = r.rdi;
	if (act->stop)
		return;		/* a port ended the VM (isa-debug-exit, reset, shutdown) */
	if (res.is_complete) {
		act->advance_rip = true;
		act->advance_len = req->in->length;
		act->debug_traps = res.traps;
	} else if (res.done) {
		act->iterated = true;
		act->debug_traps = res.traps;
	} else if (c->has_fault) {
		/*
		 * The exit came before the CPU touched memory (an I/O exit is not
		 * conditioned on the operand; an EPT violation of MOVS/STOS was
		 * for the other operand), so the guest's own fault is raised here,
		 * as the CPU would on this iteration: #PF with CR2, or #GP(0) for a
		 * non-canonical address.
		 */
		act->inject = true;
		act->inject_vector = c->fault.vector;
		act->inject_has_error = true;
		act->inject_error = c->fault.error_code;
		if (c->fault.vector == GWALK_VECTOR_PF)
			g->cr2 = c->fault.cr2;
	} else {
		guest_stop(vm, VM_END_STOPPED, act, "%s%s at RIP %#llx: its %s operand at linear "
			   "%#llx is not emulated (%s)", req->in->is_rep ? "REP " : "", name,
			   (unsigned long long)e->rip, res.is_fault_write ? "destination" : "source",
			   (unsigned long long)res.fault_lin, c->why ? c->why : "?");
	}
}

/*
 * MOVS or STOS (with or without REP) where one operand is the empty bus:
 * per iteration the source [seg:rSI] is read (MOVS) or rAX taken (STOS),
 * then the destination [ES:rDI] written (vmm/vstring.h).  The other operand
 * may be guest RAM, reached through the guest's page tables, page by page.
 *
 * Deviations, written down: segment limits and access rights are not
 * checked (the CPU checked them for the access that exited, not for the
 * iterations after it); a protection-key, SMAP or alignment-check fault
 * the CPU would raise on a RAM operand is not (gwalk does not check them).
 * An iteration that reaches the APIC page is left to the CPU: RIP stays and the guest re-executes from that
 * iteration; if that is the very first iteration nothing would progress,
 * so the VM is stopped with the reason instead.
 */
void guest_emulate_string(struct vm *vm, const struct vmx_exit_info *e,
			  const struct insn *in, struct vmx_exit_action *act)
{
	struct guest_string_ctx c;
	struct vstring_req req = { .in = in };

	guest_string_ctx_init(&c, vm, e, act);
	guest_string_finish(&c, &req, in->kind == INSN_KIND_MOVS ? "MOVS" : "STOS");
}

/*
 * INS or OUTS, with or without REP (SDM Vol. 2, "INS/INSB/INSW/INSD",
 * "OUTS/OUTSB/OUTSW/OUTSD"): the exit qualification gives the port, the
 * size, the direction and REP ("Exit Qualification for I/O
 * Instructions"); the instruction, fetched and decoded, gives the address
 * size and the segment of OUTS's source, and must agree with the
 * qualification, or it is not the instruction that exited and is not
 * emulated.  The CPU checked the I/O privilege (IOPL, the TSS bitmap)
 * before the exit; the memory operand it did not touch: its #PF is raised
 * here (guest_string_finish()).  Each port access goes to the VM's port
 * devices as an IN or OUT of the element's size would; I/O breakpoints
 * match the port at every iteration, data breakpoints the memory element.
 *
 * Deviations, written down: segment limits and access rights of the memory
 * operand are not checked (no #GP or #SS for a limit violation outside
 * 64-bit mode), and a non-canonical address gets #GP(0) even with an SS
 * override, where the CPU raises #SS(0); protection keys, SMAP and
 * alignment checks are not applied to the memory operand.
 */
void guest_emulate_string_io(struct vm *vm, const struct vmx_exit_info *e,
			     struct vmx_exit_action *act)
{
	unsigned int size = (unsigned int)(e->qualification & 7U) + 1U;
	bool is_in = e->qualification & (1U << 3);
	bool is_rep = e->qualification & (1U << 5);
	uint16_t port = (uint16_t)(e->qualification >> 16);
	struct guest_string_ctx c;
	struct vstring_req req = { .port = port };
	struct insn in;

	if (guest_fetch_decode(vm, e, "a port", insn_decode_string_io, &in, act))
		return;
	if ((in.kind == INSN_KIND_INS) != is_in || in.width != size || in.is_rep != is_rep ||
	    in.length != e->instr_len) {
		vmx_dump_guest(&vm->vcpu, e);
		guest_stop(vm, VM_END_STOPPED, act, "string I/O exit on port %#x at RIP %#llx "
			   "(qualification %#llx, length %u) but the instruction there decodes as "
			   "%s%s of %u bytes, length %u: not emulated", port,
			   (unsigned long long)e->rip, (unsigned long long)e->qualification,
			   e->instr_len, in.is_rep ? "REP " : "",
			   in.kind == INSN_KIND_INS ? "INS" : "OUTS", in.width, in.length);
		return;
	}
	req.in = &in;
	req.io_traps = guest_io_breakpoints(e, port, size);
	guest_string_ctx_init(&c, vm, e, act);
	guest_string_finish(&c, &req, is_in ? "INS" : "OUTS");
}
