/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* String-instruction iterations; vstring.h has the rules and the SDM sections. */
#include <tv/string.h>

#include "vstring.h"

/* The linear address of offset register reg in segment base: 32 bits outside 64-bit mode. */
static uint64_t vstring_linear(const struct vstring_req *req, uint64_t base, uint64_t reg)
{
	uint64_t lin = base + (reg & insn_addr_mask(req->in));

	return req->is_64 ? lin : (lin & 0xffffffffULL);
}

static void vstring_fault(struct vstring_result *out, bool is_write, uint64_t lin)
{
	out->is_fault = true;
	out->is_fault_write = is_write;
	out->fault_lin = lin;
}

/*
 * One iteration's accesses, in the order the instruction makes them.
 * @return 0, or -1 with the fault recorded and nothing of the iteration done.
 */
static int vstring_iterate(const struct vstring_req *req, const struct vstring_regs *r,
			   const struct vstring_ops *ops, void *ctx, struct vstring_result *out)
{
	const struct insn *in = req->in;
	bool has_src = in->kind == INSN_KIND_MOVS || in->kind == INSN_KIND_OUTS;
	bool has_dst = in->kind != INSN_KIND_OUTS;
	uint64_t src = has_src ? vstring_linear(req, req->src_base, r->rsi) : 0;
	uint64_t dst = has_dst ? vstring_linear(req, req->dst_base, r->rdi) : 0;
	uint8_t buf[8];
	uint32_t val = 0;

	tv_memset(buf, 0, sizeof(buf));
	if (has_src && ops->read(ctx, src, in->width, buf)) {
		vstring_fault(out, false, src);
		return -1;
	}
	if (in->kind == INSN_KIND_STOS)
		tv_memcpy(buf, &r->rax, in->width);
	if (in->kind == INSN_KIND_INS) {
		/* The destination first: a byte read from a device must not be dropped. */
		if (ops->probe_write(ctx, dst, in->width)) {
			vstring_fault(out, true, dst);
			return -1;
		}
		out->is_port_stop |= ops->port(ctx, req->port, in->width, false, &val);
		tv_memcpy(buf, &val, in->width);
	}
	if (in->kind == INSN_KIND_OUTS) {
		tv_memcpy(&val, buf, in->width);
		out->is_port_stop |= ops->port(ctx, req->port, in->width, true, &val);
	} else if (ops->write(ctx, dst, in->width, buf)) {
		/* Only after a successful probe_write for INS: the port value is lost then. */
		vstring_fault(out, true, dst);
		return -1;
	}
	if (ops->mem_traps) {
		if (has_src)
			out->traps |= ops->mem_traps(ctx, src, in->width, false);
		if (has_dst)
			out->traps |= ops->mem_traps(ctx, dst, in->width, true);
	}
	out->traps |= req->io_traps;
	return 0;
}

void vstring_run(const struct vstring_req *req, struct vstring_regs *r,
		 const struct vstring_ops *ops, void *ctx, struct vstring_result *out)
{
	const struct insn *in = req->in;
	bool has_src = in->kind == INSN_KIND_MOVS || in->kind == INSN_KIND_OUTS;
	bool has_dst = in->kind != INSN_KIND_OUTS;
	int64_t step = insn_string_step(in, req->df);
	uint64_t left = insn_string_count(in, r->rcx), max = req->max ? req->max : 1U;

	tv_memset(out, 0, sizeof(*out));
	while (out->done < left && out->done < max) {
		if (vstring_iterate(req, r, ops, ctx, out))
			break;
		if (has_src)
			r->rsi = insn_addr_reg_add(in, r->rsi, step);
		if (has_dst)
			r->rdi = insn_addr_reg_add(in, r->rdi, step);
		if (in->is_rep)
			r->rcx = insn_addr_reg_add(in, r->rcx, -1);
		out->done++;
		if (out->traps || out->is_port_stop)
			break;
		if (out->done < left && out->done < max && ops->is_due && ops->is_due(ctx)) {
			out->is_due = true;
			break;
		}
	}
	out->is_complete = out->done == left;
}
