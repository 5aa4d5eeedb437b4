/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* VM-exit dispatch and the exit handlers: each turns one exit into effects. */
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
#include "pool.h"
#include "result.h"
#include <tv/string.h>
#include "vcpuid.h"
#include "vcpuid_vm.h"
#include "vcr.h"
#include "vdebug.h"
#include "vmsr.h"
#include "xstate.h"

void guest_print(const struct vm *vm, const char *text, size_t len)
{
	char line[VIO_LINE_MAX + 1];

	len = TV_MIN(len, (size_t)VIO_LINE_MAX);
	tv_memcpy(line, text, len);
	line[len] = '\0';
	/* Verdict lines (PASS:, SUMMARY:, BENCH: ...) are never dropped by the console ring. */
	tv_log(TV_LOG_INFO | TV_LOG_GUEST | (logring_is_verdict_text(line, len) ? TV_LOG_KEEP : 0U),
	       TV_LOG_SITE, vm->prefix, "%s\n", line);
}

/* TV_HC_PRINT text may hold several lines: each goes out with the VM's prefix. */
void guest_print_text(const struct vm *vm, const char *text, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || text[i] == '\n') {
			if (i > start || (i < len))
				guest_print(vm, text + start, i - start);
			start = i + 1;
		}
	}
}

void guest_stop(struct vm *vm, enum vm_end end, struct vmx_exit_action *act, const char *fmt, ...)
{
	va_list ap;

	vm->end = end;
	va_start(ap, fmt);
	tv_vsnprintf(vm->end_why, sizeof(vm->end_why), fmt, ap);
	va_end(ap);
	act->stop = true;
}

static void guest_host_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	cpu_cpuid(leaf, subleaf, out);
}

void guest_inject_gp(struct vmx_exit_action *act)
{
	act->inject = true;
	act->inject_vector = 13;
	act->inject_has_error = true;
	act->inject_error = 0;
}

void guest_inject_ud(struct vmx_exit_action *act)
{
	act->inject = true;
	act->inject_vector = 6;
	act->inject_has_error = false;
}

static void guest_handle_cpuid(struct vm *vm, const struct vmx_exit_info *e,
			       struct vmx_exit_action *act)
{
	struct vcpuid_config cfg = {
		.tsc_khz = vm->pcpu->tsc_khz,
		.apic_timer_khz = vm->pcpu->tsc_khz,
		.apic_id = 0,
		.has_x2apic = true,
		.is_apic_enabled = vlapic_get_mode(&vm->apic.lapic) != VLAPIC_MODE_DISABLED,
		.has_tsc_deadline = true,
		.has_rdtscp = vm->pcpu->vmx.proc2 & PROC2_RDTSCP,
		.has_invpcid = vm->pcpu->vmx.proc2 & PROC2_INVPCID,
		.guest_cr4 = e->cr4,
		.is_cpuid_limited = vmsr_is_cpuid_limited(&vm->msrs),
		.is_xd_disabled = vmsr_is_xd_disabled(&vm->msrs),
		.hide = vm->cpuid_hide,
	};
	struct cpuid_regs r;
	struct vm_guest_regs *g = &vm->vcpu.regs;

	vcpuid_emulate(&cfg, (uint32_t)g->rax, (uint32_t)g->rcx, guest_host_cpuid, &r);
	g->rax = r.eax;
	g->rbx = r.ebx;
	g->rcx = r.ecx;
	g->rdx = r.edx;
	act->advance_rip = true;
}

static void guest_handle_msr(struct vm *vm, const struct vmx_exit_info *e, bool is_write,
			     struct vmx_exit_action *act)
{
	struct vm_guest_regs *g = &vm->vcpu.regs;
	uint32_t msr = (uint32_t)g->rcx;
	uint64_t val = 0;

	if (is_write)
		val = ((g->rdx & 0xffffffffULL) << 32) | (g->rax & 0xffffffffULL);
	{
		bool gp = false;

		if (vapic_msr(&vm->apic, msr, is_write, &val, guest_tsc_now(vm, e), &gp)) {
			if (gp) {
				guest_inject_gp(act);
				return;
			}
			if (is_write && msr == MSR_IA32_APIC_BASE)
				guest_map_apic_page(vm);
			if (!is_write) {
				g->rax = (uint32_t)val;
				g->rdx = val >> 32;
			}
			act->advance_rip = true;
			return;
		}
	}
	if (!is_write) {
		if (vmsr_read(&vm->msrs, msr, guest_tsc_now(vm, e), &val)) {
			guest_inject_gp(act);
			return;
		}
		g->rax = (uint32_t)val;
		g->rdx = val >> 32;
	} else {
		struct vmsr_effect eff;

		if (vmsr_write(&vm->msrs, msr, val, guest_tsc_now(vm, e), &eff)) {
			guest_inject_gp(act);
			return;
		}
		if (eff.set_tsc || eff.adjust_tsc) {
			/*
			 * The one-shot and periodic timer count real time, not the
			 * TSC value: vapic_rebase_tsc() carries the remaining count
			 * across the jump from the old TSC to the new one.  An
			 * IA32_TSC_DEADLINE stays absolute, so a jump forward past
			 * it fires it at once (SDM "TSC-Deadline Mode": the
			 * comparison is with the TSC value).
			 */
			uint64_t old_now = guest_tsc_now(vm, e);

			if (eff.set_tsc)
				vm->vcpu.tsc_offset = (int64_t)(eff.tsc_value - e->tsc);
			else
				vm->vcpu.tsc_offset += eff.tsc_delta;
			if (vapic_rebase_tsc(&vm->apic, old_now, guest_tsc_now(vm, e)))
				pr_warn_ratelimited("%sLAPIC state could not be carried across a TSC write\n",
						    vm->prefix);
			act->set_tsc_offset = true;
		}
		act->tsc_offset = vm->vcpu.tsc_offset;
	}
	act->advance_rip = true;
}

void guest_apply_vio(struct vm *vm, const struct vio_effect *eff, struct vmx_exit_action *act)
{
	if (eff->out_line) {
		guest_print(vm, eff->out_line, eff->out_len);
		vm->console_line = true;
	}
	if (eff->unhandled)
		pr_info_ratelimited("%sport %#x: %u-byte %s: no device there (%s)\n",
				    vm->prefix, eff->port, eff->size,
				    eff->is_write ? "write" : "read",
				    eff->is_write ? "dropped" : "reads all-ones");
	if (eff->exit_requested) {
		vm->exit_value = eff->exit_value;
		vm->exit_status = eff->exit_status;
		guest_stop(vm, VM_END_DEBUG_EXIT, act, "isa-debug-exit: value %u, status %u",
			   eff->exit_value, eff->exit_status);
	} else if (eff->reset_requested) {
		/*
		 * System Control Port A bit 0 resets the machine.  Re-running the
		 * guest from its entry would need its image reloaded: tickvisor ends
		 * the VM instead, with the reason, as for a triple fault.
		 */
		guest_stop(vm, VM_END_RESET, act, "the guest reset itself through port 0x92 "
			   "(fast reset): a VM is not restarted");
	} else if (eff->shutdown_requested) {
		guest_stop(vm, VM_END_SHUTDOWN, act, "the guest asked for a shutdown (port %#x)",
			   eff->port);
	}
}

/*
 * I/O breakpoints of an emulated IN or OUT (SDM Vol. 3B, "Data Memory and
 * I/O Breakpoint Exception Conditions": a trap after the instruction).
 * They exist only with CR4.DE = 1 ("Debug Control Register (DR7)", R/W =
 * 10B), so other guests pay nothing; with it, DR7 costs one VMREAD per
 * exit and DR0-DR3 are read only when DR7 enables a breakpoint.
 */
uint64_t guest_io_breakpoints(const struct vmx_exit_info *e, uint16_t port, unsigned int size)
{
	struct vdebug_regs r = { .is_de = true };

	if (!(e->cr4 & CR4_DE))
		return 0;
	r.dr7 = vmx_read_guest_dr7();
	if (!vdebug_has_enabled(r.dr7))
		return 0;
	cpu_read_dr0_3(r.dr);
	return vdebug_match(&r, VDEBUG_IO, port, size);
}

/* A register of the memory operand: RSP is not in the saved GPRs but in the snapshot. */
static uint64_t guest_addr_reg(struct vm *vm, const struct vmx_exit_info *e, unsigned int n)
{
	const uint64_t *reg = vcpu_gpr(&vm->vcpu, n);

	return reg ? *reg : e->rsp;
}

uint64_t guest_mmio_breakpoints(struct vm *vm, const struct vmx_exit_info *e,
				const struct insn *in, bool is_write)
{
	bool is_64 = (e->efer & (1ULL << 10)) && (e->cs_ar & (1U << 13));
	struct vdebug_regs r = { .is_de = e->cr4 & CR4_DE };
	uint64_t ea = (uint64_t)in->disp, seg = 0, linear;

	r.dr7 = vmx_read_guest_dr7();
	if (!vdebug_has_enabled(r.dr7))
		return 0;
	/*
	 * SDM Vol. 1, "Specifying an Offset": base + index x scale +
	 * displacement in the address size, RIP-relative from the next
	 * instruction; the linear address adds the segment base, of which
	 * 64-bit mode keeps FS's and GS's only ("Segmentation in IA-32e Mode").
	 */
	if (in->base == INSN_REG_RIP)
		ea += e->rip + in->length;
	else if (in->base != INSN_REG_NONE)
		ea += guest_addr_reg(vm, e, in->base);
	if (in->index != INSN_REG_NONE)
		ea += guest_addr_reg(vm, e, in->index) * in->scale;
	ea &= insn_addr_mask(in);
	if (!is_64 || in->seg == INSN_SEG_FS || in->seg == INSN_SEG_GS)
		seg = vmx_guest_seg_base((unsigned int)in->seg);
	linear = is_64 ? seg + ea : (uint32_t)(seg + ea);
	cpu_read_dr0_3(r.dr);
	return vdebug_match(&r, is_write ? VDEBUG_DATA_WRITE : VDEBUG_DATA_READ, linear, in->width);
}

/* SDM Vol. 3C, "Exit Qualification for I/O Instructions". */
static void guest_handle_io(struct vm *vm, const struct vmx_exit_info *e,
			    struct vmx_exit_action *act)
{
	unsigned int size = (unsigned int)(e->qualification & 7U) + 1U;
	bool is_in = e->qualification & (1U << 3);
	bool is_string = e->qualification & (1U << 4);
	uint16_t port = (uint16_t)(e->qualification >> 16);
	struct vm_guest_regs *g = &vm->vcpu.regs;
	struct vio_effect eff;
	uint32_t val;

	if (is_string) {
		guest_emulate_string_io(vm, e, act);
		return;
	}
	if (size != 1 && size != 2 && size != 4) {
		guest_stop(vm, VM_END_STOPPED, act, "I/O of bad size %u", size);
		return;
	}
	val = is_in ? 0 : (uint32_t)g->rax;
	tv_memset(&eff, 0, sizeof(eff));
	/* The RTC runs on the host TSC: guest time, unmoved by the guest's own TSC writes. */
	(void)vio_access_port(&vm->io, port, size, !is_in, &val, e->tsc, &eff);
	if (is_in) {
		uint64_t mask = size == 4 ? 0xffffffffULL : (1ULL << (size * 8)) - 1;

		/* A 32-bit IN zero-extends into RAX; 8/16-bit INs keep the upper bytes. */
		g->rax = size == 4 ? val : (g->rax & ~mask) | (val & mask);
	}
	guest_apply_vio(vm, &eff, act);
	act->advance_rip = true;
	act->debug_traps = guest_io_breakpoints(e, port, size);
}

static void guest_handle_vmcall(struct vm *vm, const struct vmx_exit_info *e,
				struct vmx_exit_action *act)
{
	struct vm_guest_regs *g = &vm->vcpu.regs;
	struct hc_regs r = {
		.rax = g->rax, .rbx = g->rbx, .rcx = g->rcx, .rdx = g->rdx,
		/* CPL is SS.DPL; 64-bit mode is EFER.LMA with CS.L (SDM Vol. 3A, "IA-32e Mode"). */
		.cpl = (e->ss_ar >> 5) & 3U,
		.is_32bit = !((e->efer & (1ULL << 10)) && (e->cs_ar & (1U << 13))),
	};
	uint64_t nr = g->rax;
	struct hc_effect eff;

	tv_memset(&eff, 0, sizeof(eff));
	hc_handle_vmcall(&r, vm->ram, vm->ram_bytes, &eff);
	g->rax = r.rax;
	if (eff.print && eff.print_len) {
		guest_print_text(vm, eff.print, eff.print_len);
		vm->console_line = true;
	}
	if (eff.trace_dump)
		guest_dump_trace(vm, VAPIC_TRACE_SIZE);
	if (eff.unknown)
		pr_info_ratelimited("%sunknown hypercall %#llx: -ENOSYS\n", vm->prefix,
				    (unsigned long long)nr);
	if (eff.exit_requested) {
		vm->exit_value = eff.exit_code;
		vm->exit_status = eff.exit_status;
		guest_stop(vm, VM_END_HYPERCALL_EXIT, act, "TV_HC_EXIT: code %u, status %u",
			   eff.exit_code, eff.exit_status);
	}
	act->advance_rip = true;
}
/*
 * MOV CR8 without a TPR shadow (apic=access|ept): CR8[3:0] is TPR[7:4] in
 * every APIC mode, xAPIC, x2APIC or disabled (SDM Vol. 3A, "Task Priority in
 * IA-32e Mode"), so it goes to the model's TPR directly, not through a face
 * that exists in one mode only.  With a TPR shadow (apicv) CR8 does not exit:
 * the CPU uses the page's VTPR, which vapic_sync_from_page()/_to_page() keep
 * equal to the model's TPR.
 */
static void guest_handle_cr8(struct vm *vm, const struct vmx_exit_info *e,
			     struct vmx_exit_action *act)
{
	uint64_t *reg = act->cr8_reg == 4 ? NULL : vcpu_gpr(&vm->vcpu, act->cr8_reg);

	(void)e;
	if (!reg) {
		guest_stop(vm, VM_END_STOPPED, act, "MOV CR8 with RSP is not emulated");
		return;
	}
	if (act->cr8_is_write) {
		if (vlapic_write_cr8(&vm->apic.lapic, *reg) != VLAPIC_OK) {
			act->advance_rip = false;
			guest_inject_gp(act);
		}
	} else {
		*reg = vlapic_read_cr8(&vm->apic.lapic);
	}
}

/*
 * The features CR4's bits are qualified by (vmm/vcr.c): CPUID leaves 01H
 * and 07H as vmm/vcpuid.c shapes them for this VM, cpuid_hide= included.
 * IA32_MISC_ENABLE's Limit CPUID Maxval is left out on purpose: it hides
 * leaf 07H from CPUID, not the features from the CPU.
 */
static struct vcpuid_config guest_cpuid_features(const struct vm *vm)
{
	struct vcpuid_config cfg = {
		.tsc_khz = vm->pcpu->tsc_khz,
		.apic_timer_khz = vm->pcpu->tsc_khz,
		.has_x2apic = true,
		.is_apic_enabled = true,
		.has_tsc_deadline = true,
		.has_rdtscp = vm->pcpu->vmx.proc2 & PROC2_RDTSCP,
		.has_invpcid = vm->pcpu->vmx.proc2 & PROC2_INVPCID,
		.hide = vm->cpuid_hide,
	};
	return cfg;
}

/*
 * At VM start, after cpuid_hide= is applied: what the VM's CPUID fixes for
 * its life, asked once instead of at every exit that needs it: the leaves
 * CR4 writes are judged by (vm->cr_cpuid) and MAXPHYADDR, for the page
 * walks and the LAPIC's IA32_APIC_BASE (vcpuid_vm_maxphyaddr()).
 */
void guest_cpuid_start(struct vm *vm)
{
	struct vcpuid_config cfg = guest_cpuid_features(vm);

	vcpuid_emulate(&cfg, 1, 0, guest_host_cpuid, &vm->cr_cpuid.leaf1);
	vcpuid_emulate(&cfg, 7, 0, guest_host_cpuid, &vm->cr_cpuid.leaf7);
	vcpuid_emulate(&cfg, 7, 1, guest_host_cpuid, &vm->cr_cpuid.leaf7_1);
	vcpuid_vm_maxphyaddr(vm, vcpuid_maxphyaddr(&cfg, guest_host_cpuid));
}

/*
 * Control-register-access exits.  CR8 goes to the LAPIC model.  MOV to
 * CR0/CR4, CLTS and LMSW are judged by vmm/vcr.c against the guest's
 * state and CPUID: a write the CPU would refuse raises #GP(0) with RIP
 * not advanced and the register unchanged (SDM Vol. 2B, MOV CR, "64-Bit
 * Mode Exceptions"); an accepted one is written at the next entry.
 */
static void guest_handle_cr_access(struct vm *vm, const struct vmx_exit_info *e,
				   struct vmx_exit_action *act)
{
	struct vmx_cr_access a;
	struct vcr_state st = {
		.cr0 = e->cr0, .cr3 = e->cr3, .cr4 = e->cr4, .efer = e->efer,
		.is_cs_l = e->cs_ar & (1U << 13),
	};
	struct vcr_verdict r;

	vmx_decode_cr_access(&vm->vcpu, e, &a);
	if (a.cr == 8 && (a.type == VMX_CR_MOV_TO || a.type == VMX_CR_MOV_FROM)) {
		/* CR8 exits only without a TPR shadow. */
		act->cr8_access = true;
		act->cr8_is_write = a.type == VMX_CR_MOV_TO;
		act->cr8_reg = a.reg;
		act->advance_rip = true;
		guest_handle_cr8(vm, e, act);
		return;
	}
	if (a.type == VMX_CR_MOV_FROM || (a.cr != 0 && a.cr != 4)) {
		guest_stop(vm, VM_END_STOPPED, act, "CR%u access type %u is not emulated", a.cr,
			   (unsigned int)a.type);
		return;
	}
	r = vcr_check_write(&st, &vm->cr_cpuid, a.cr, a.value);
	if (r.is_gp) {
		pr_info_ratelimited("%sCR%u write of %#llx at RIP %#llx: #GP(0), %s\n", vm->prefix,
				    a.cr, (unsigned long long)a.value,
				    (unsigned long long)e->rip, r.rule);
		guest_inject_gp(act);
		return;
	}
	vmx_set_cr_write(&vm->pcpu->vmx, a.cr, r.value, act);
	act->advance_rip = true;
}

/* XSETBV always exits: checked against the guest's CPUID and loaded by vmm/xstate.c. */
static void guest_handle_xsetbv(struct vm *vm, const struct vmx_exit_info *e,
				struct vmx_exit_action *act)
{
	struct vm_guest_regs *g = &vm->vcpu.regs;
	uint64_t val = ((g->rdx & 0xffffffffULL) << 32) | (g->rax & 0xffffffffULL);

	/* CPL is SS.DPL (SDM Vol. 3A, "Privilege Levels"). */
	if (xstate_xsetbv(vm, (uint32_t)g->rcx, val, (e->ss_ar >> 5) & 3U)) {
		guest_inject_gp(act);
		return;
	}
	act->advance_rip = true;
}

/*
 * SDM "Exit Qualification for APIC-Access VM Exits": offset 11:0 (for linear
 * accesses), type 15:12.  Which types may be emulated is the one check in
 * guest_emulate_apic_mmio() (vmm/mmio_check.h): every other type stops the VM.
 */
static void guest_handle_apic_access(struct vm *vm, const struct vmx_exit_info *e,
				     struct vmx_exit_action *act)
{
	uint64_t gpa = vlapic_get_base_address(&vm->apic.lapic) + (e->qualification & 0xfffU);

	guest_emulate_apic_mmio(vm, e, MMIO_EXIT_APIC_ACCESS, gpa, act);
}

/* Trap-like: the write is in the virtual-APIC page and RIP is already past it. */
static void guest_handle_apic_write(struct vm *vm, const struct vmx_exit_info *e)
{
	if (vapic_apic_write(&vm->apic, vm->vapic_page, (uint32_t)(e->qualification & 0xff0U),
			     guest_tsc_now(vm, e)) != VLAPIC_OK)
		pr_dbg_ratelimited("%sAPIC write at %#llx refused by the model\n", vm->prefix,
				   (unsigned long long)(e->qualification & 0xfffU));
}

/*
 * SDM Vol. 2A, HLT: "An enabled interrupt (including NMI and SMI), a debug
 * exception, the BINIT# signal, the INIT# signal, or the RESET# signal will
 * resume execution."  A single-stepped HLT raises its own debug exception,
 * a trap after it: the vCPU is not halted at all, and the #DB arrives at
 * once with RIP past the HLT (vmx_apply_exit() hands it over), whatever IF
 * is, as under KVM (kvm-unit-tests' debug test expects it there without an
 * interrupt).  Deviation of Bochs 2.7 run natively, written down in
 * docs/guests.md: it holds the trap until an interrupt ends the halt.
 * Otherwise only an interrupt (with IF = 1), NMI, SMI or INIT resumes.
 */
static void guest_handle_hlt(struct vm *vm, const struct vmx_exit_info *e,
			     struct vmx_exit_action *act)
{
	if (vmx_is_single_stepping(e)) {
		act->advance_rip = true;
		return;
	}
	if (!(e->rflags & RFLAGS_IF) && !vlapic_has_nmi(&vm->apic.lapic)) {
		guest_stop(vm, VM_END_STOPPED, act, "HLT at RIP %#llx with RFLAGS.IF=0 and no NMI "
			   "pending: the vCPU can never wake", (unsigned long long)e->rip);
		return;
	}
	vm->halted = true;
	act->advance_rip = true;
}

static void guest_handle_ept_violation(struct vm *vm, const struct vmx_exit_info *e,
				       struct vmx_exit_action *act)
{
	/*
	 * The APIC page: on apic=ept it is not in EPT at all; on the other
	 * paths it is mapped without execute, so an instruction fetch from it
	 * lands here too.  guest_emulate_apic_mmio() emulates only the current
	 * instruction's own data access and stops the VM on anything else, an
	 * instruction fetch (SDM Vol. 3C, "Exit Qualification for EPT
	 * Violations", bit 2) among them: nothing outside RAM is code.
	 */
	if (vapic_is_mmio(&vm->apic, e->guest_phys) ||
	    ((e->qualification & 4U) &&
	     (e->guest_phys & ~0xfffULL) == vlapic_get_base_address(&vm->apic.lapic))) {
		guest_emulate_apic_mmio(vm, e, MMIO_EXIT_EPT_VIOLATION, e->guest_phys, act);
		return;
	}
	if (vlapic_get_mode(&vm->apic.lapic) != VLAPIC_MODE_XAPIC &&
	    (e->guest_phys & ~0xfffULL) == vlapic_get_base_address(&vm->apic.lapic)) {
		/*
		 * SDM Vol. 3A, "x2APIC Register Address Space": in x2APIC mode
		 * (or with the APIC disabled) the xAPIC page no longer decodes.
		 * Deliberate choice, as for a hole in the address space: reads
		 * return all ones and writes are dropped, with a log line.
		 */
		pr_info_ratelimited("%sxAPIC MMIO at %#llx with the APIC in %s mode: no device\n",
				    vm->prefix, (unsigned long long)e->guest_phys,
				    vlapic_get_mode(&vm->apic.lapic) == VLAPIC_MODE_X2APIC ?
				    "x2APIC" : "disabled");
		guest_emulate_no_device(vm, e, act);
		return;
	}
	guest_emulate_unmapped(vm, e, act);	/* unmapped=bus|stop: vmm/guest_mmio.c */
}

/*
 * A VMX instruction in the guest.  In VMX non-root operation VMXON, VMCLEAR,
 * VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH, VMRESUME, VMXOFF, INVEPT and
 * INVVPID exit unconditionally (SDM Vol. 3C, "Instructions That Cause VM
 * Exits Unconditionally"; VMREAD/VMWRITE without VMCS shadowing), and VMFUNC
 * exits only with "enable VM functions", which tickvisor leaves clear.  The
 * guest sees no VMX (CPUID.1:ECX.VMX clear, vmm/vcpuid.c), so on its CPU
 * each of them would raise #UD (SDM Vol. 3C, "VMX Instruction Reference":
 * #UD "If CR4.VMXE = 0" / not in VMX operation): inject it, RIP not advanced.
 */
static void guest_handle_vmx_insn(struct vm *vm, const struct vmx_exit_info *e,
				  struct vmx_exit_action *act)
{
	pr_info_ratelimited("%s%s at RIP %#llx: the guest has no VMX, #UD\n", vm->prefix,
			    vmx_exit_reason_name(e->reason), (unsigned long long)e->rip);
	guest_inject_ud(act);
}

/*
 * After any exit whose ICR write (MMIO, MSR or APIC-write exit) sent INIT to
 * this vCPU's own APIC: the SDM puts it in wait-for-SIPI (Vol. 3A, "INIT
 * Reset"), which only another processor's SIPI ends.  Deviation until SMP
 * (issue 12 item 7): with one vCPU per VM nothing could ever send it, so the
 * VM is stopped with the reason instead of waiting forever.
 */
static void guest_check_init_self(struct vm *vm, const struct vmx_exit_info *e,
				  struct vmx_exit_action *act)
{
	if (vapic_take_init_self(&vm->apic) && !act->stop)
		guest_stop(vm, VM_END_STOPPED, act, "INIT to its own APIC at RIP %#llx: "
			   "wait-for-SIPI is not modelled until SMP", (unsigned long long)e->rip);
}

/* Exits that concern the host (its interrupts and NMIs), not the guest. */
static void guest_handle_host_event(struct vm *vm, const struct vmx_exit_info *e,
				    struct vmx_exit_action *act)
{
	if (e->reason == EXIT_REASON_EXTERNAL_INTR) {
		/* Acknowledge-on-exit: the vector is in the exit info and the handler did not run. */
		if (!hosttimer_handle_vector(&vm->pcpu->ht, (uint8_t)(e->intr_info & 0xffU)))
			pr_warn_ratelimited("host interrupt %#x while the guest ran: ignored\n",
					    e->intr_info & 0xffU);
		return;
	}
	if ((e->intr_info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
		pr_warn_ratelimited("host NMI while the guest ran: ignored\n");
		return;
	}
	vmx_dump_guest(&vm->vcpu, e);
	guest_stop(vm, VM_END_STOPPED, act, "unexpected exception exit %#x", e->intr_info);
}

/* Exits that end the VM: a triple fault, or one tickvisor does not handle (dump and stop). */
static void guest_handle_fatal(struct vm *vm, const struct vmx_exit_info *e,
			       struct vmx_exit_action *act)
{
	vmx_dump_guest(&vm->vcpu, e);
	if (e->reason == EXIT_REASON_TRIPLE_FAULT)
		guest_stop(vm, VM_END_STOPPED, act, "triple fault at RIP %#llx",
			   (unsigned long long)e->rip);
	else
		guest_stop(vm, VM_END_STOPPED, act, "unhandled VM exit %u (%s)", e->reason,
			   vmx_exit_reason_name(e->reason));
}

void guest_handle_exit(struct vm *vm, const struct vmx_exit_info *e, struct vmx_exit_action *act)
{
	struct vcpu *v = &vm->vcpu;

	v->exits++;
	v->exits_by_reason[e->reason & 63U]++;
	if (e->entry_failed) {
		vmx_dump_guest(v, e);
		guest_stop(vm, VM_END_STOPPED, act, "VM entry failed: %s",
			   vmx_exit_reason_name(e->reason));
		return;
	}
	switch (e->reason) {
	case EXIT_REASON_CPUID: guest_handle_cpuid(vm, e, act); break;
	case EXIT_REASON_IO: guest_handle_io(vm, e, act); break;
	case EXIT_REASON_RDMSR: guest_handle_msr(vm, e, false, act); break;
	case EXIT_REASON_WRMSR: guest_handle_msr(vm, e, true, act); break;
	case EXIT_REASON_VMCALL: guest_handle_vmcall(vm, e, act); break;
	case EXIT_REASON_CR_ACCESS: guest_handle_cr_access(vm, e, act); break;
	case EXIT_REASON_APIC_ACCESS: guest_handle_apic_access(vm, e, act); break;
	case EXIT_REASON_APIC_WRITE: guest_handle_apic_write(vm, e); break;
	case EXIT_REASON_XSETBV: guest_handle_xsetbv(vm, e, act); break;
	case EXIT_REASON_HLT: guest_handle_hlt(vm, e, act); break;
	case EXIT_REASON_EPT_VIOLATION: guest_handle_ept_violation(vm, e, act); break;
	case EXIT_REASON_EXTERNAL_INTR:
	case EXIT_REASON_EXCEPTION_NMI:
		guest_handle_host_event(vm, e, act);
		break;
	case EXIT_REASON_PREEMPTION_TIMER:
		if (vm->deadline_tsc && e->tsc >= vm->deadline_tsc)
			guest_stop(vm, VM_END_TIMEOUT, act, "timeout: still running at RIP %#llx",
				   (unsigned long long)e->rip);
		break;
	case EXIT_REASON_INIT:
	case EXIT_REASON_SIPI:
		pr_info_ratelimited("%s%s recorded (single vCPU: no other CPU to start)\n",
				    vm->prefix, vmx_exit_reason_name(e->reason));
		break;
	case EXIT_REASON_TPR_BELOW:
	case EXIT_REASON_INTR_WINDOW:
	case EXIT_REASON_NMI_WINDOW:
		break;	/* the entry that follows re-evaluates what can be delivered */
	case EXIT_REASON_MWAIT:
	case EXIT_REASON_MONITOR:
	case EXIT_REASON_GETSEC:
		/* Not offered in CPUID: #UD, as on a CPU without them. */
		guest_inject_ud(act);
		break;
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
		act->advance_rip = true;
		break;
	case EXIT_REASON_VMCLEAR:
	case EXIT_REASON_VMLAUNCH:
	case EXIT_REASON_VMPTRLD:
	case EXIT_REASON_VMPTRST:
	case EXIT_REASON_VMREAD:
	case EXIT_REASON_VMRESUME:
	case EXIT_REASON_VMWRITE:
	case EXIT_REASON_VMXOFF:
	case EXIT_REASON_VMXON:
	case EXIT_REASON_INVEPT:
	case EXIT_REASON_INVVPID:
	case EXIT_REASON_VMFUNC:
		guest_handle_vmx_insn(vm, e, act);
		break;
	default:
		guest_handle_fatal(vm, e, act);
		break;
	}
	guest_check_init_self(vm, e, act);
}

