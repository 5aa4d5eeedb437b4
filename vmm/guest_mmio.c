/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* The guest's xAPIC page in EPT, and the MMIO accesses tickvisor decodes and emulates. */
#define pr_prefix "vmm: "

#include "guest_priv.h"

#include <hv/errno.h>
#include <hv/hypercall_abi.h>
#include <hv/log.h>
#include <x86/cpu.h>
#include <x86/msr.h>
#include <x86/vmcs_fields.h>

#include "../boot/boot.h"
#include "../hw/hpet.h"
#include "../timer/plan.h"
#include "../vmx/caps.h"
#include "../vmx/ept.h"
#include "config.h"
#include <hv/fmt.h>
#include "../hw/hostrtc.h"
#include "gwalk.h"
#include "hypercall.h"
#include "insn.h"
#include "log.h"
#include <hv/logring.h>
#include "mb_loader.h"
#include "pool.h"
#include "result.h"
#include <hv/string.h>
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
	 * under Bochs 2.7 panics the whole emulator (issue 12, item 5).
	 */
	if (want && ept_map_4k(vm->eptp, want, vm->pcpu->vmx.apic_access_pa,
			       EPT_READ | EPT_WRITE | EPT_MT_WB))
		pr_err("%sno memory to map the APIC-access page\n", vm->prefix);
}

/*
 * An access to the xAPIC page that the CPU could not complete on its own
 * (EPT violation, or a fault-like APIC-access exit): fetch the instruction
 * through the guest's page tables, decode it (MOV/MOVZX forms only, see
 * vmm/insn.h) and perform it against the model.  Anything else stops the VM
 * with the reason: emulating it wrongly would be worse.
 */
/*
 * The one fetch-and-decode path of every MMIO access tickvisor emulates:
 * the decoder's mode from CR0.PE, EFER.LMA, CS.L and CS.D; the instruction
 * fetched through the guest's page tables at its linear address (SDM Vol.
 * 3A, "Segmentation in IA-32e Mode": in 64-bit mode the CS base is treated
 * as 0).  @return 0, or -1 with the VM stopped and the reason given.
 */
static int guest_fetch_decode(struct vm *vm, const struct vmx_exit_info *e, const char *what,
			      struct insn *in, struct vmx_exit_action *act)
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
	n = gwalk_fetch(&cpu, vm->ram, vm->ram_bytes, 39, (e->ss_ar >> 5) & 3U,
			(is_64 ? 0 : e->cs_base) + e->rip, bytes, sizeof(bytes), &fault);
	if (n <= 0) {
		guest_stop(vm, VM_END_STOPPED, act, "%s at RIP %#llx: the instruction cannot be "
			   "fetched (%s)", what, (unsigned long long)e->rip, gwalk_strerror(n));
		return -1;
	}
	ist = insn_decode(bytes, (size_t)n, mode, in);
	if (ist != INSN_OK) {
		guest_stop(vm, VM_END_STOPPED, act, "%s at RIP %#llx by an instruction that is not "
			   "emulated (%s; %d bytes fetched: %02x %02x %02x %02x)", what,
			   (unsigned long long)e->rip, insn_strerror(ist), n, bytes[0],
			   n > 1 ? bytes[1] : 0, n > 2 ? bytes[2] : 0, n > 3 ? bytes[3] : 0);
		return -1;
	}
	return 0;
}

void guest_emulate_apic_mmio(struct vm *vm, const struct vmx_exit_info *e, uint64_t gpa,
			     struct vmx_exit_action *act)
{
	struct insn in;
	enum vlapic_status st;
	uint64_t val = 0, *reg = NULL;
	bool is_load;

	if (guest_fetch_decode(vm, e, "APIC access", &in, act))
		return;
	is_load = in.kind == INSN_KIND_LOAD || in.kind == INSN_KIND_LOAD_ZX;
	if (in.kind != INSN_KIND_STORE_IMM) {
		reg = vcpu_gpr(&vm->vcpu, in.reg);
		if (!reg) {
			guest_stop(vm, VM_END_STOPPED, act, "APIC access through RSP at RIP %#llx is "
				   "not emulated", (unsigned long long)e->rip);
			return;
		}
	}
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

/* A MOV to or from guest-physical memory where nothing answers: reads all ones. */
void guest_emulate_no_device(struct vm *vm, const struct vmx_exit_info *e,
			     struct vmx_exit_action *act)
{
	struct insn in;

	if (guest_fetch_decode(vm, e, "access to a guest-physical address with no device", &in,
			       act))
		return;
	if (in.kind == INSN_KIND_LOAD || in.kind == INSN_KIND_LOAD_ZX) {
		uint64_t *reg = vcpu_gpr(&vm->vcpu, in.reg);

		if (reg)
			*reg = insn_load_result(&in, *reg, ~0ULL);
	}
	act->advance_rip = true;
	act->advance_len = in.length;
}

