/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* The guest's xAPIC page in EPT, and the MMIO accesses tickvisor decodes and emulates. */
#define pr_prefix "vmm: "

#include "guest_priv.h"

#include <tv/errno.h>
#include <tv/hypercall_abi.h>
#include <tv/log.h>
#include <x86/cpu.h>
#include <x86/msr.h>
#include <x86/vmcs_fields.h>

#include "../boot/boot.h"
#include "../hw/hpet.h"
#include "../timer/plan.h"
#include "../vmx/caps.h"
#include "../vmx/ept.h"
#include "../vmx/guest_seg.h"
#include "config.h"
#include <tv/fmt.h>
#include "../hw/hostrtc.h"
#include "gwalk.h"
#include "hypercall.h"
#include "insn.h"
#include "log.h"
#include <tv/logring.h>
#include "mb_loader.h"
#include "mmio_check.h"
#include "mmio_decide.h"
#include "pool.h"
#include "result.h"
#include <tv/string.h>
#include "vcpuid.h"
#include "vmsr.h"


/*
 * With an APIC-access page, EPT must map the guest's APIC base onto it: the
 * CPU recognises APIC accesses by the translated address (SDM Vol. 3C,
 * "APIC-Access Page").  In x2APIC mode or with the APIC disabled the page
 * is unmapped, so xAPIC MMIO no longer reaches the model.
 */
void guest_map_apic_page(struct vm *vm)
{
	uint64_t want = 0;

	if (vm->pcpu->vmx.apic_path == APIC_PATH_EPT)
		return;
	if (vlapic_get_mode(&vm->apic.lapic) == VLAPIC_MODE_XAPIC)
		want = vlapic_get_base_address(&vm->apic.lapic);
	if (want >= vm->ram_bytes || want == 0) {
		if (want == vm->apic_mapped_gpa)
			return;
	} else {
		pr_warn_ratelimited("%sAPIC base %#llx inside guest RAM: its MMIO is not trapped\n",
				    vm->prefix, (unsigned long long)want);
		want = 0;
	}
	if (vm->apic_mapped_gpa) {
		(void)ept_map_4k(vm->eptp, vm->apic_mapped_gpa, 0, 0);
		vmx_flush_ept();
	}
	vm->apic_mapped_gpa = want;
	/*
	 * Readable and writable, never executable: an instruction fetch from the
	 * APIC page then ends in an EPT violation that stops this VM with a report
	 * (guest_exit.c), instead of reaching the APIC-access machinery, which
	 * under Bochs 2.7 panics the whole emulator (issue 12, item 5).  Each
	 * new 2-MiB region the guest moves its APIC base to may take an EPT
	 * table from the pool: thousands of relocations can use it up, so the
	 * failure line is rate-limited.
	 */
	if (want && ept_map_4k(vm->eptp, want, vm->pcpu->vmx.apic_access_pa,
			       EPT_READ | EPT_WRITE | EPT_MT_WB))
		pr_err_ratelimited("%sno memory to map the APIC-access page at %#llx\n",
				   vm->prefix, (unsigned long long)want);
}

/* The guest's memory as the exit left it, for the pure decision (vmm/mmio_decide.h). */
static struct mmio_view guest_view_of(const struct vm *vm, const struct guest_walk_ctx *ctx)
{
	struct mmio_view v = {
		.ram = vm->ram, .ram_bytes = vm->ram_bytes, .maxphyaddr = vm->maxphyaddr,
		.cpu = ctx->cpu, .cpl = ctx->cpl, .is_64 = ctx->is_64,
	};

	return v;
}

/* What mmio_fetch_decode() reads: the paging, CS.D, the CS base and RIP. */
static void guest_fetch_in_of(const struct vm *vm, const struct vmx_exit_info *e,
			      struct mmio_decide_in *in)
{
	struct guest_walk_ctx ctx = guest_walk_ctx_of(e);

	*in = (struct mmio_decide_in){ 0 };
	in->view = guest_view_of(vm, &ctx);
	in->cs_d = (e->cs_ar & (1U << 14)) != 0;
	in->seg_base[INSN_SEG_CS] = e->cs_base;
	in->rip = e->rip;
}

/*
 * The stop report of an instruction that cannot be fetched or decoded
 * (out->verdict MMIO_VERDICT_NO_FETCH or MMIO_VERDICT_NO_DECODE).
 */
static void guest_stop_fetch(struct vm *vm, const struct vmx_exit_info *e, const char *where,
			     const struct mmio_decide_out *o, struct vmx_exit_action *act)
{
	int n = o->fetched;

	if (o->verdict == MMIO_VERDICT_NO_FETCH) {
		guest_stop(vm, VM_END_STOPPED, act, "access to %s at RIP %#llx: the instruction "
			   "cannot be fetched (%s)", where, (unsigned long long)e->rip, gwalk_strerror(n));
		return;
	}
	guest_stop(vm, VM_END_STOPPED, act, "access to %s at RIP %#llx by an instruction "
		   "that is not emulated (%s; %d bytes fetched: %02x %02x %02x %02x)", where,
		   (unsigned long long)e->rip, insn_strerror(o->decode_status), n, o->bytes[0],
		   n > 1 ? o->bytes[1] : 0, n > 2 ? o->bytes[2] : 0, n > 3 ? o->bytes[3] : 0);
}

/*
 * The fetch-and-decode path of string I/O (guest_string.c), the same as
 * that of every MMIO access (mmio_fetch_decode()): decode is
 * insn_decode_string_io() there.  @return 0, or -1 with the VM stopped and
 * the reason given.
 */
int guest_fetch_decode(struct vm *vm, const struct vmx_exit_info *e, const char *where,
		       guest_decode_fn decode, struct insn *in, struct vmx_exit_action *act)
{
	struct mmio_decide_in d;
	struct mmio_decide_out o = { 0 };

	guest_fetch_in_of(vm, e, &d);
	if (!mmio_fetch_decode(&d, decode, &o)) {
		guest_stop_fetch(vm, e, where, &o, act);
		return -1;
	}
	*in = o.insn;
	return 0;
}

struct guest_walk_ctx guest_walk_ctx_of(const struct vmx_exit_info *e)
{
	struct guest_walk_ctx ctx = {
		.cpu = { .cr0 = e->cr0, .cr3 = e->cr3, .cr4 = e->cr4, .efer = e->efer },
		.cpl = (e->ss_ar >> 5) & 3U,
		.is_64 = (e->efer & (1ULL << 10)) && (e->cs_ar & (1U << 13)),
	};

	return ctx;
}

uint64_t guest_seg_base(const struct guest_walk_ctx *ctx, enum insn_seg seg)
{
	if (!mmio_seg_has_base(ctx->is_64, seg))
		return 0;
	return vmx_guest_seg_base((unsigned int)seg);
}

/* mmio_operand_pieces() on the VM's RAM, for the string instructions of guest_string.c. */
int guest_operand_pieces(const struct vm *vm, const struct guest_walk_ctx *ctx,
			 uint64_t lin, unsigned int width, bool is_write,
			 struct mmio_piece *out, unsigned int *n, struct gwalk_fault *fault)
{
	struct mmio_view v = guest_view_of(vm, ctx);

	return mmio_operand_pieces(&v, lin, width, is_write, out, n, fault);
}

/* A segment base mmio_decide() asks for: CS's from the exit snapshot, the others one VMREAD each. */
static uint64_t guest_read_seg_base(const void *ctx, enum insn_seg seg)
{
	const struct vmx_exit_info *e = ctx;

	return seg == INSN_SEG_CS ? e->cs_base : vmx_guest_seg_base((unsigned int)seg);
}

/* A segment limit mmio_decide() asks for (outside 64-bit mode only): two VMREADs. */
static void guest_read_seg_limit(const void *ctx, enum insn_seg seg, struct mmio_seg_limit *out)
{
	(void)ctx;
	vmx_guest_seg_limit((unsigned int)seg, &out->limit, &out->ar);
}

/*
 * Everything mmio_decide() reads, from the exit snapshot, the VMCS and the
 * vCPU: the segment bases it asks for (guest_read_seg_base(): only those
 * the instruction uses, in 64-bit mode mostly none) and the 16 GPRs, RSP
 * from the snapshot.
 */
static void guest_decide_in_of(struct vm *vm, const struct vmx_exit_info *e,
			       struct mmio_decide_in *in)
{
	const struct vm_guest_regs *r = &vm->vcpu.regs;

	guest_fetch_in_of(vm, e, in);
	in->read_seg_base = guest_read_seg_base;
	in->check_limits = true;
	in->read_seg_limit = guest_read_seg_limit;
	in->seg_ctx = e;
	/* Straight copies in encoding order: this runs on every emulated MMIO access. */
	in->gpr[0] = r->rax;
	in->gpr[1] = r->rcx;
	in->gpr[2] = r->rdx;
	in->gpr[3] = r->rbx;
	in->gpr[4] = e->rsp;
	in->gpr[5] = r->rbp;
	in->gpr[6] = r->rsi;
	in->gpr[7] = r->rdi;
	in->gpr[8] = r->r8;
	in->gpr[9] = r->r9;
	in->gpr[10] = r->r10;
	in->gpr[11] = r->r11;
	in->gpr[12] = r->r12;
	in->gpr[13] = r->r13;
	in->gpr[14] = r->r14;
	in->gpr[15] = r->r15;
}

/*
 * The one check before any trapped MMIO access is emulated, on every path
 * (apic=apicv and access: APIC-access exits; apic=ept and the empty bus:
 * EPT violations), issue 12 item 1: mmio_decide() (vmm/mmio_decide.h).
 * Only a data read or write by the current instruction is emulated, never
 * a page walk, an access during event delivery, an instruction fetch or any
 * other access the SDM's qualification tables name; and only when the
 * decoded instruction's memory operand, translated through the guest's
 * paging, holds the exit's address with the same direction: otherwise the
 * instruction at RIP is not the one that made the access (an implicit
 * access, or translations the CPU cached that the guest's tables no longer
 * give) and emulating it would perform an access the guest never made.
 * where names the device for the report, as it is: no formatting on the
 * path of every access.
 * @return 0 with *in decoded, or -1 with the VM stopped and the reason given.
 */
static int guest_check_mmio(struct vm *vm, const struct vmx_exit_info *e,
			    enum mmio_exit_kind kind, uint64_t gpa, const char *where,
			    struct insn *in, struct vmx_exit_action *act)
{
	struct mmio_decide_in d;
	struct mmio_decide_out o;
	int rc;

	guest_decide_in_of(vm, e, &d);
	d.exit = (struct mmio_exit){
		.kind = kind, .qualification = e->qualification,
		.is_event_delivery = (e->idt_vec_info & INTR_INFO_VALID) != 0, .addr = gpa,
	};
	mmio_decide(&d, &o);
	if (o.verdict == MMIO_VERDICT_EMULATE) {
		*in = o.insn;
		return 0;
	}
	if (o.verdict == MMIO_VERDICT_NO_FETCH || o.verdict == MMIO_VERDICT_NO_DECODE) {
		guest_stop_fetch(vm, e, where, &o, act);
		return -1;
	}
	vmx_dump_guest(&vm->vcpu, e);
	rc = o.walk_err;
	if (o.verdict == MMIO_VERDICT_NOT_DATA)
		guest_stop(vm, VM_END_STOPPED, act, "%s on %s at guest-physical %#llx, RIP %#llx "
			   "(qualification %#llx): not emulated", mmio_access_name(o.access), where,
			   (unsigned long long)gpa, (unsigned long long)e->rip,
			   (unsigned long long)e->qualification);
	else
		guest_stop(vm, VM_END_STOPPED, act, "%s on %s at guest-physical %#llx, RIP %#llx: "
			   "operand mismatch (%s%s)", mmio_access_name(o.access), where,
			   (unsigned long long)gpa, (unsigned long long)e->rip,
			   rc ? "it does not translate: " : o.match == MMIO_MISMATCH_DIR ?
			   "it goes the other way" : o.match == MMIO_MISMATCH_LIMIT ?
			   "outside its segment's limit" : "it is at another address",
			   rc ? gwalk_strerror(rc) : "");
	return -1;
}

/*
 * An access to the xAPIC page that the CPU could not complete on its own
 * (EPT violation, or a fault-like APIC-access exit): check that it is the
 * current instruction's own data access (guest_check_mmio()), decode the
 * instruction (MOV/MOVZX forms only here; MOVS/STOS are decoded but
 * emulated on the empty bus only, see vmm/insn.h) and perform it against
 * the model.  Anything else stops the VM with the reason: emulating it
 * wrongly would be worse.
 */
void guest_emulate_apic_mmio(struct vm *vm, const struct vmx_exit_info *e,
			     enum mmio_exit_kind kind, uint64_t gpa, struct vmx_exit_action *act)
{
	struct insn in;
	enum vlapic_status st;
	uint64_t val = 0, *reg = NULL;
	bool is_load;

	if (guest_check_mmio(vm, e, kind, gpa, "the APIC page", &in, act))
		return;
	if (in.kind == INSN_KIND_MOVS || in.kind == INSN_KIND_STOS) {
		guest_stop(vm, VM_END_STOPPED, act, "APIC access by %s at RIP %#llx: string "
			   "instructions are emulated on the empty bus only, not on the APIC page",
			   in.kind == INSN_KIND_MOVS ? "MOVS" : "STOS", (unsigned long long)e->rip);
		return;
	}
	is_load = in.kind == INSN_KIND_LOAD || in.kind == INSN_KIND_LOAD_ZX;
	if (in.kind != INSN_KIND_STORE_IMM) {
		reg = vcpu_gpr(&vm->vcpu, in.reg);
		if (!reg) {
			guest_stop(vm, VM_END_STOPPED, act, "APIC access through RSP at RIP %#llx is "
				   "not emulated", (unsigned long long)e->rip);
			return;
		}
	}
	/* Before the load: the operand's base or index may be its destination. */
	act->debug_traps = guest_mmio_breakpoints(vm, e, &in, !is_load);
	if (is_load) {
		st = vapic_mmio(&vm->apic, gpa, in.width, false, &val, guest_tsc_now(vm, e));
		if (st == VLAPIC_OK)
			*reg = insn_load_result(&in, *reg, val);
	} else {
		val = insn_store_value(&in, reg ? *reg : 0);
		st = vapic_mmio(&vm->apic, gpa, in.width, true, &val, guest_tsc_now(vm, e));
	}
	if (st != VLAPIC_OK) {
		guest_stop(vm, VM_END_STOPPED, act, "xAPIC %s of %u bytes at offset %#llx: %s",
			   is_load ? "read" : "write", in.width, (unsigned long long)(gpa & 0xfffU),
			   st == VLAPIC_BAD_ACCESS ? "an access the SDM leaves undefined" :
			   "not an APIC register access");
		return;
	}
	act->advance_rip = true;
	act->advance_len = in.length;
}

/*
 * A MOV, MOVS or STOS to or from guest-physical memory where nothing
 * answers: reads all ones, writes dropped.
 */
void guest_emulate_no_device(struct vm *vm, const struct vmx_exit_info *e,
			     struct vmx_exit_action *act)
{
	struct insn in;

	if (guest_check_mmio(vm, e, MMIO_EXIT_EPT_VIOLATION, e->guest_phys,
			     "an address with no device", &in, act))
		return;
	if (in.kind == INSN_KIND_MOVS || in.kind == INSN_KIND_STOS) {
		guest_emulate_string(vm, e, &in, act);
		return;
	}
	act->debug_traps = guest_mmio_breakpoints(vm, e, &in, in.kind != INSN_KIND_LOAD &&
						  in.kind != INSN_KIND_LOAD_ZX);
	if (in.kind == INSN_KIND_LOAD || in.kind == INSN_KIND_LOAD_ZX) {
		uint64_t *reg = vcpu_gpr(&vm->vcpu, in.reg);

		if (!reg) {
			guest_stop(vm, VM_END_STOPPED, act, "load into RSP from the empty bus at RIP "
				   "%#llx is not emulated", (unsigned long long)e->rip);
			return;
		}
		*reg = insn_load_result(&in, *reg, ~0ULL);
	}
	act->advance_rip = true;
	act->advance_len = in.length;
}

/*
 * An EPT violation on a guest-physical address outside RAM and outside every
 * device tickvisor emulates.  unmapped=bus (the default) behaves as an empty
 * bus on real hardware, where guests probe for devices that way: the access
 * completes, a read returns all-ones and a write is dropped.  unmapped=stop
 * ends the VM with the address (the isolation tests expect that).  An
 * instruction fetch always stops the VM: nothing outside RAM is code, and
 * executing the all-ones bytes of an empty bus would only loop on faults.
 * Each emulated access is logged rate-limited (it is guest-triggerable).
 *
 * Deviation, written down: a MOV whose bytes straddle the end of RAM and
 * the empty bus is treated whole as the bus (its RAM bytes read as all-ones
 * and are not written); the CPU would split it.  What is still refused, and
 * stops the VM with the decoder's reason (vmm/insn.h insn_strerror()):
 * LODS, SCAS, CMPS, INS/OUTS on memory, F2 on MOVS/STOS, LOCK, AVX and
 * every other instruction than MOV, MOVZX, MOVS and STOS; a load into RSP;
 * a MOVS/STOS whose first iteration's other operand faults in the guest's
 * paging or is the APIC page.
 */
void guest_emulate_unmapped(struct vm *vm, const struct vmx_exit_info *e,
			    struct vmx_exit_action *act)
{
	const char *access = e->qualification & 4U ? "instruction fetch" :
			     e->qualification & 2U ? "write" : "read";

	if (vm->unmapped_stop || (e->qualification & 4U)) {
		vmx_dump_guest(&vm->vcpu, e);
		guest_stop(vm, VM_END_STOPPED, act, "EPT violation: %s of guest-physical %#llx "
			   "outside the VM's %llu MiB of RAM, at RIP %#llx%s", access,
			   (unsigned long long)e->guest_phys,
			   (unsigned long long)(vm->ram_bytes >> 20), (unsigned long long)e->rip,
			   vm->unmapped_stop ? " (unmapped=stop)" : "");
		return;
	}
	pr_info_ratelimited("%s%s of guest-physical %#llx at RIP %#llx: no device there (%s)\n",
			    vm->prefix, access, (unsigned long long)e->guest_phys,
			    (unsigned long long)e->rip,
			    e->qualification & 2U ? "dropped" : "reads all-ones");
	guest_emulate_no_device(vm, e, act);
}
