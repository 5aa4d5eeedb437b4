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

/*
 * The one fetch-and-decode path of every MMIO access tickvisor emulates:
 * the decoder's mode from CR0.PE, EFER.LMA, CS.L and CS.D; the instruction
 * fetched through the guest's page tables at its linear address (SDM Vol.
 * 3A, "Segmentation in IA-32e Mode": in 64-bit mode the CS base is treated
 * as 0), decoded by decode (insn_decode(), or insn_decode_string_io() for
 * string I/O).  @return 0, or -1 with the VM stopped and the reason given.
 */
int guest_fetch_decode(struct vm *vm, const struct vmx_exit_info *e, const char *where,
		       guest_decode_fn decode, struct insn *in, struct vmx_exit_action *act)
{
	struct gwalk_cpu cpu = { .cr0 = e->cr0, .cr3 = e->cr3, .cr4 = e->cr4, .efer = e->efer };
	bool is_64 = (e->efer & (1ULL << 10)) && (e->cs_ar & (1U << 13));
	struct gwalk_fault fault;
	uint8_t bytes[INSN_MAX_LENGTH];
	enum insn_mode mode;
	enum insn_status ist;
	int n;

	if (!(e->cr0 & CR0_PE))
		mode = INSN_MODE_16;
	else if (is_64)
		mode = INSN_MODE_64;
	else
		mode = (e->cs_ar & (1U << 14)) ? INSN_MODE_32 : INSN_MODE_16;
	n = gwalk_fetch(&cpu, vm->ram, vm->ram_bytes, vm->maxphyaddr, (e->ss_ar >> 5) & 3U,
			(is_64 ? 0 : e->cs_base) + e->rip, bytes, sizeof(bytes), &fault);
	if (n <= 0) {
		guest_stop(vm, VM_END_STOPPED, act, "access to %s at RIP %#llx: the instruction "
			   "cannot be fetched (%s)", where, (unsigned long long)e->rip, gwalk_strerror(n));
		return -1;
	}
	ist = decode(bytes, (size_t)n, mode, in);
	if (ist != INSN_OK) {
		guest_stop(vm, VM_END_STOPPED, act, "access to %s at RIP %#llx by an instruction "
			   "that is not emulated (%s; %d bytes fetched: %02x %02x %02x %02x)", where,
			   (unsigned long long)e->rip, insn_strerror(ist), n, bytes[0],
			   n > 1 ? bytes[1] : 0, n > 2 ? bytes[2] : 0, n > 3 ? bytes[3] : 0);
		return -1;
	}
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

/* The base of segment seg: 0 in 64-bit mode for ES, CS, SS and DS (SDM Vol. 1 3.4.2.1). */
uint64_t guest_seg_base(const struct guest_walk_ctx *ctx, enum insn_seg seg)
{
	if (ctx->is_64 && seg != INSN_SEG_FS && seg != INSN_SEG_GS)
		return 0;
	return vmx_guest_seg_base((unsigned int)seg);
}

/*
 * The width bytes of an operand at linear address lin into at most two
 * pieces, split where it crosses a 4-KiB page, each at the guest-physical
 * address the guest's paging gives it now.  Outside 64-bit mode linear
 * addresses are 32 bits wide (SDM Vol. 3A, "Linear-Address Pre-
 * Translation").  @return 0, or the gwalk error of the first piece that
 * does not translate, described in *fault (GWALK_EFAULT: the guest's own
 * exception; GWALK_ERANGE: the paging-structure entry outside RAM).
 */
int guest_operand_pieces(const struct vm *vm, const struct guest_walk_ctx *ctx,
			 uint64_t lin, unsigned int width, bool is_write,
			 struct mmio_piece *out, unsigned int *n, struct gwalk_fault *fault)
{
	unsigned int done = 0;

	while (done < width) {
		uint64_t l = (lin + done) & (ctx->is_64 ? ~0ULL : 0xffffffffULL), gpa;
		unsigned int chunk = (unsigned int)TV_MIN((uint64_t)(width - done),
							 0x1000ULL - (l & 0xfffULL));
		int rc = gwalk_translate(&ctx->cpu, vm->ram, vm->ram_bytes, vm->maxphyaddr,
					 ctx->cpl, l, is_write ? GWALK_WRITE : GWALK_READ, &gpa,
					 fault);

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
 * The decoded instruction's memory operands, as pieces: the one operand of
 * a MOV/MOVZX at its segment base plus effective address, or the first
 * iteration's source [seg:rSI] (MOVS) and destination [ES:rDI] of a string
 * instruction.  @return 0 or a gwalk error.
 */
static int guest_insn_pieces(struct vm *vm, const struct vmx_exit_info *e,
			     const struct guest_walk_ctx *ctx, const struct insn *in,
			     struct mmio_piece out[4], unsigned int *n, struct gwalk_fault *fault)
{
	const struct vm_guest_regs *r = &vm->vcpu.regs;
	uint64_t gpr[16], mask = insn_addr_mask(in);
	unsigned int i;
	int rc;

	*n = 0;
	if (in->kind == INSN_KIND_MOVS || in->kind == INSN_KIND_STOS) {
		if (in->kind == INSN_KIND_MOVS) {
			rc = guest_operand_pieces(vm, ctx, guest_seg_base(ctx, in->seg) +
						  (r->rsi & mask), in->width, false, out, n,
						  fault);
			if (rc)
				return rc;
		}
		return guest_operand_pieces(vm, ctx, guest_seg_base(ctx, INSN_SEG_ES) +
					    (r->rdi & mask), in->width, true, out, n,
					    fault);
	}
	/* Only the operand's base and index are read: this runs on every emulated access. */
	for (i = 0; i < 2U; i++) {
		unsigned int reg = i ? in->index : in->base;
		uint64_t *p;

		if (reg >= 16U)
			continue;
		p = vcpu_gpr(&vm->vcpu, reg);
		gpr[reg] = p ? *p : e->rsp;
	}
	return guest_operand_pieces(vm, ctx, guest_seg_base(ctx, in->seg) +
				    insn_operand_offset(in, gpr, e->rip), in->width,
				    in->kind == INSN_KIND_STORE_REG || in->kind == INSN_KIND_STORE_IMM,
				    out, n, fault);
}

/*
 * The one check before any trapped MMIO access is emulated, on every path
 * (apic=apicv and access: APIC-access exits; apic=ept and the empty bus:
 * EPT violations), issue 12 item 1.  First the exit alone: only a data
 * read or write by the current instruction may be emulated, never a page
 * walk, an access during event delivery, an instruction fetch or any other
 * access the SDM's qualification tables name (vmm/mmio_check.h).  Then the
 * instruction is fetched and decoded, and its memory operand, translated
 * through the guest's paging, must hold the exit's address with the same
 * direction: otherwise the instruction at RIP is not the one that made the
 * access (an implicit access, or translations the CPU cached that the
 * guest's tables no longer give) and emulating it would perform an access
 * the guest never made.  where names the device for the report.
 * @return 0 with *in decoded, or -1 with the VM stopped and the reason given.
 */
static int guest_check_mmio(struct vm *vm, const struct vmx_exit_info *e,
			    enum mmio_exit_kind kind, uint64_t gpa, const char *where,
			    struct insn *in, struct vmx_exit_action *act)
{
	struct mmio_exit x = {
		.kind = kind, .qualification = e->qualification,
		.is_event_delivery = (e->idt_vec_info & INTR_INFO_VALID) != 0, .addr = gpa,
	};
	struct guest_walk_ctx ctx = guest_walk_ctx_of(e);
	enum mmio_access a = mmio_classify_exit(&x);
	struct mmio_piece pieces[4];
	struct gwalk_fault fault = { 0 };
	enum mmio_match m = MMIO_MATCH;
	unsigned int n;
	int rc = 0;

	if (mmio_access_is_data(a)) {
		/* where goes into the report as it is: no formatting on the path of every access. */
		if (guest_fetch_decode(vm, e, where, insn_decode, in, act))
			return -1;
		rc = guest_insn_pieces(vm, e, &ctx, in, pieces, &n, &fault);
		m = rc ? MMIO_MISMATCH_ADDR : mmio_check_operand(&x, pieces, n);
		if (m == MMIO_MATCH)
			return 0;
		/*
		 * Bochs 2.7 reports its page walk through the APIC-access page as
		 * a linear data read (the SDM: a guest-physical access, type 15):
		 * the operand's own walk needing an entry at the exit's address
		 * names it.
		 */
		if (rc == GWALK_ERANGE && mmio_is_walk_entry(&x, fault.entry_gpa))
			a = MMIO_ACCESS_PAGE_WALK;
	}
	vmx_dump_guest(&vm->vcpu, e);
	if (!mmio_access_is_data(a))
		guest_stop(vm, VM_END_STOPPED, act, "%s on %s at guest-physical %#llx, RIP %#llx "
			   "(qualification %#llx): not emulated", mmio_access_name(a), where,
			   (unsigned long long)gpa, (unsigned long long)e->rip,
			   (unsigned long long)e->qualification);
	else
		guest_stop(vm, VM_END_STOPPED, act, "%s on %s at guest-physical %#llx, RIP %#llx: "
			   "operand mismatch (%s%s)", mmio_access_name(a), where,
			   (unsigned long long)gpa, (unsigned long long)e->rip,
			   rc ? "it does not translate: " : m == MMIO_MISMATCH_DIR ?
			   "it goes the other way" : "it is at another address",
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
