/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "vmm: "

#include "guest.h"

#include <hv/errno.h>
#include <hv/hypercall_abi.h>
#include <hv/log.h>
#include <x86/cpu.h>
#include <x86/msr.h>
#include <x86/vmcs_fields.h>

#include "../boot/boot.h"
#include "../timer/hw_hpet.h"
#include "../timer/plan.h"
#include "../vmx/caps.h"
#include "../vmx/vcpu.h"
#include "../vmx/ept.h"
#include "config.h"
#include "fmt.h"
#include "gwalk.h"
#include "hosttimer.h"
#include "hostrtc.h"
#include "insn.h"
#include "hypercall.h"
#include "log.h"
#include "logring.h"
#include "mb_loader.h"
#include "pool.h"
#include "result.h"
#include "string.h"
#include "vcpuid.h"
#include "vm.h"
#include "vmsr.h"

#define GUEST_RAM_ALIGN		(2ULL << 20)
#define GUEST_MAX_MODULES	TV_CONFIG_MAX_MODULES
#define GUEST_PREFIX_MAX	8U

static struct vmx_setup guest_vmx;
static struct hosttimer_choice guest_timers;
static struct vm guest_vm;
static struct vmsr_state guest_msrs;
static uint64_t guest_tsc_khz;
static char guest_prefix[GUEST_PREFIX_MAX];

static void guest_print(const char *text, size_t len)
{
	char line[VIO_LINE_MAX + 1];

	len = HV_MIN(len, (size_t)VIO_LINE_MAX);
	hv_memcpy(line, text, len);
	line[len] = '\0';
	/* Verdict lines (PASS:, SUMMARY:, BENCH: ...) are never dropped by the console ring. */
	hv_log(HV_LOG_INFO | HV_LOG_GUEST | (logring_is_verdict_text(line, len) ? HV_LOG_KEEP : 0U),
	       HV_LOG_SITE, guest_prefix, "%s\n", line);
}

/* TV_HC_PRINT text may hold several lines: each goes out with the VM's prefix. */
static void guest_print_text(const char *text, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || text[i] == '\n') {
			if (i > start || (i < len))
				guest_print(text + start, i - start);
			start = i + 1;
		}
	}
}

static void guest_stop(struct vm *vm, enum vm_end end, struct vmx_exit_action *act,
		       const char *fmt, ...) HV_PRINTF(4, 5);
static void guest_dump_trace(const struct vm *vm, unsigned int max);
static void guest_map_apic_page(struct vm *vm);

/* Close the running stage of the exit path at host TSC now and start the next one. */
static inline void guest_stage(struct vm *vm, enum vcpu_stage stage)
{
	uint64_t now = cpu_rdtsc();

	vm->vcpu.stage_sum[stage] += now - vm->vcpu.stage_mark;
	vm->vcpu.stage_mark = now;
}

static void guest_stop(struct vm *vm, enum vm_end end, struct vmx_exit_action *act,
		       const char *fmt, ...)
{
	va_list ap;

	vm->end = end;
	va_start(ap, fmt);
	hv_vsnprintf(vm->end_why, sizeof(vm->end_why), fmt, ap);
	va_end(ap);
	act->stop = true;
}

static void guest_host_cpuid(uint32_t leaf, uint32_t subleaf, struct cpuid_regs *out)
{
	cpu_cpuid(leaf, subleaf, out);
}

static void guest_inject_gp(struct vmx_exit_action *act)
{
	act->inject = true;
	act->inject_vector = 13;
	act->inject_has_error = true;
	act->inject_error = 0;
}

static void guest_inject_ud(struct vmx_exit_action *act)
{
	act->inject = true;
	act->inject_vector = 6;
	act->inject_has_error = false;
}

static void guest_handle_cpuid(struct vm *vm, const struct vmx_exit_info *e,
			       struct vmx_exit_action *act)
{
	struct vcpuid_config cfg = {
		.tsc_khz = guest_tsc_khz,
		.apic_timer_khz = guest_tsc_khz,
		.apic_id = 0,
		.has_x2apic = true,
		.is_apic_enabled = vlapic_get_mode(&vm->apic.lapic) != VLAPIC_MODE_DISABLED,
		.has_tsc_deadline = true,
		.has_rdtscp = guest_vmx.proc2 & PROC2_RDTSCP,
		.has_invpcid = guest_vmx.proc2 & PROC2_INVPCID,
		.guest_cr4 = e->cr4,
		.is_cpuid_limited = vmsr_is_cpuid_limited(&guest_msrs),
		.is_xd_disabled = vmsr_is_xd_disabled(&guest_msrs),
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

static uint64_t guest_tsc_now(const struct vm *vm, const struct vmx_exit_info *e)
{
	return e->tsc + (uint64_t)vm->vcpu.tsc_offset;
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
		if (vmsr_read(&guest_msrs, msr, guest_tsc_now(vm, e), &val)) {
			guest_inject_gp(act);
			return;
		}
		g->rax = (uint32_t)val;
		g->rdx = val >> 32;
	} else {
		struct vmsr_effect eff;

		if (vmsr_write(&guest_msrs, msr, val, guest_tsc_now(vm, e), &eff)) {
			guest_inject_gp(act);
			return;
		}
		if (eff.set_tsc || eff.adjust_tsc) {
			/*
			 * The one-shot and periodic timer count real time, not the
			 * TSC value: carry the remaining count across the jump by
			 * saving the LAPIC at the old TSC and restoring it at the
			 * new one.  An IA32_TSC_DEADLINE stays absolute, so a jump
			 * forward past it fires it at once (SDM "TSC-Deadline Mode":
			 * the comparison is with the TSC value).
			 */
			static struct vlapic_state st;
			uint64_t old_now = guest_tsc_now(vm, e);

			vlapic_save(&vm->apic.lapic, old_now, &st);
			if (eff.set_tsc)
				vm->vcpu.tsc_offset = (int64_t)(eff.tsc_value - e->tsc);
			else
				vm->vcpu.tsc_offset += eff.tsc_delta;
			if (vlapic_restore(&vm->apic.lapic, &st, guest_tsc_now(vm, e)))
				pr_warn_ratelimited("%sLAPIC state could not be carried across a TSC write\n",
						    guest_prefix);
			vm->apic.last_deadline = VTIMER_NONE;
			/* A timer tick pending across the jump has no meaningful lateness. */
			vapic_note_blocked(&vm->apic);
			act->set_tsc_offset = true;
		}
		act->tsc_offset = vm->vcpu.tsc_offset;
	}
	act->advance_rip = true;
}

static void guest_apply_vio(struct vm *vm, const struct vio_effect *eff,
			    struct vmx_exit_action *act)
{
	if (eff->out_line)
		guest_print(eff->out_line, eff->out_len);
	if (eff->unhandled)
		pr_info_ratelimited("%sport %#x: %u-byte %s: no device there (%s)\n",
				    guest_prefix, eff->port, eff->size,
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
		guest_stop(vm, VM_END_STOPPED, act, "string I/O (INS/OUTS) on port %#x at RIP %#llx "
			   "is not supported", port, (unsigned long long)e->rip);
		return;
	}
	if (size != 1 && size != 2 && size != 4) {
		guest_stop(vm, VM_END_STOPPED, act, "I/O of bad size %u", size);
		return;
	}
	val = is_in ? 0 : (uint32_t)g->rax;
	hv_memset(&eff, 0, sizeof(eff));
	/* The RTC runs on the host TSC: guest time, unmoved by the guest's own TSC writes. */
	(void)vio_access_port(&vm->io, port, size, !is_in, &val, e->tsc, &eff);
	if (is_in) {
		uint64_t mask = size == 4 ? 0xffffffffULL : (1ULL << (size * 8)) - 1;

		/* A 32-bit IN zero-extends into RAX; 8/16-bit INs keep the upper bytes. */
		g->rax = size == 4 ? val : (g->rax & ~mask) | (val & mask);
	}
	guest_apply_vio(vm, &eff, act);
	act->advance_rip = true;
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

	hv_memset(&eff, 0, sizeof(eff));
	hc_handle_vmcall(&r, vm->ram, vm->ram_bytes, &eff);
	g->rax = r.rax;
	if (eff.print && eff.print_len)
		guest_print_text(eff.print, eff.print_len);
	if (eff.trace_dump)
		guest_dump_trace(vm, VAPIC_TRACE_SIZE);
	if (eff.unknown)
		pr_info_ratelimited("%sunknown hypercall %#llx: -ENOSYS\n", guest_prefix,
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
 * With an APIC-access page, EPT must map the guest's APIC base onto it: the
 * CPU recognises APIC accesses by the translated address (SDM Vol. 3C,
 * "APIC-Access Page").  In x2APIC mode or with the APIC disabled the page
 * is unmapped, so xAPIC MMIO no longer reaches the model.
 */
static void guest_map_apic_page(struct vm *vm)
{
	uint64_t want = 0;

	if (guest_vmx.apic_path == VMX_APIC_EPT)
		return;
	if (vlapic_get_mode(&vm->apic.lapic) == VLAPIC_MODE_XAPIC)
		want = vlapic_get_base_address(&vm->apic.lapic);
	if (want >= vm->ram_bytes || want == 0) {
		if (want == vm->apic_mapped_gpa)
			return;
	} else {
		pr_warn_ratelimited("%sAPIC base %#llx inside guest RAM: its MMIO is not trapped\n",
				    guest_prefix, (unsigned long long)want);
		want = 0;
	}
	if (vm->apic_mapped_gpa) {
		(void)ept_map_4k(vm->eptp, vm->apic_mapped_gpa, 0, 0);
		vmx_flush_ept();
	}
	vm->apic_mapped_gpa = want;
	if (want && ept_map_4k(vm->eptp, want, guest_vmx.apic_access_pa, EPT_RWX | EPT_MT_WB))
		pr_err("%sno memory to map the APIC-access page\n", guest_prefix);
}

static uint64_t *guest_gpr(struct vcpu *v, unsigned int n)
{
	uint64_t *map[16] = {
		&v->regs.rax, &v->regs.rcx, &v->regs.rdx, &v->regs.rbx, NULL, &v->regs.rbp,
		&v->regs.rsi, &v->regs.rdi, &v->regs.r8, &v->regs.r9, &v->regs.r10,
		&v->regs.r11, &v->regs.r12, &v->regs.r13, &v->regs.r14, &v->regs.r15,
	};

	return map[n & 15U];
}

/*
 * An access to the xAPIC page that the CPU could not complete on its own
 * (EPT violation, or a fault-like APIC-access exit): fetch the instruction
 * through the guest's page tables, decode it (MOV/MOVZX forms only, see
 * vmm/insn.h) and perform it against the model.  Anything else stops the VM
 * with the reason: emulating it wrongly would be worse.
 */
static void guest_emulate_apic_mmio(struct vm *vm, const struct vmx_exit_info *e, uint64_t gpa,
				    struct vmx_exit_action *act)
{
	struct vcpu *v = &vm->vcpu;
	struct gwalk_cpu cpu = { .cr0 = e->cr0, .cr3 = e->cr3, .cr4 = e->cr4, .efer = e->efer };
	struct gwalk_fault fault;
	uint8_t bytes[INSN_MAX_LENGTH];
	enum insn_mode mode;
	struct insn in;
	enum insn_status ist;
	enum vlapic_status st;
	uint64_t val = 0, *reg = NULL;
	int n;

	if (!(e->cr0 & CR0_PE))
		mode = INSN_MODE_16;
	else if ((e->efer & (1ULL << 10)) && (e->cs_ar & (1U << 13)))
		mode = INSN_MODE_64;
	else
		mode = (e->cs_ar & (1U << 14)) ? INSN_MODE_32 : INSN_MODE_16;
	n = gwalk_fetch(&cpu, vm->ram, vm->ram_bytes, 39, (e->ss_ar >> 5) & 3U,
			e->cs_base + e->rip, bytes, sizeof(bytes), &fault);
	if (n <= 0) {
		guest_stop(vm, VM_END_STOPPED, act, "APIC access at RIP %#llx: the instruction "
			   "cannot be fetched (%s)", (unsigned long long)e->rip, gwalk_strerror(n));
		return;
	}
	ist = insn_decode(bytes, (size_t)n, mode, &in);
	if (ist != INSN_OK) {
		guest_stop(vm, VM_END_STOPPED, act, "APIC access at RIP %#llx by an instruction that "
			   "is not emulated (%s; bytes %02x %02x %02x %02x)",
			   (unsigned long long)e->rip, insn_strerror(ist), bytes[0], bytes[1],
			   bytes[2], bytes[3]);
		return;
	}
	if (in.kind != INSN_KIND_STORE_IMM) {
		reg = guest_gpr(v, in.reg);
		if (!reg) {
			guest_stop(vm, VM_END_STOPPED, act, "APIC access through RSP at RIP %#llx is "
				   "not emulated", (unsigned long long)e->rip);
			return;
		}
	}
	if (in.kind == INSN_KIND_LOAD || in.kind == INSN_KIND_LOAD_ZX) {
		st = vapic_mmio(&vm->apic, gpa, in.width, false, &val, guest_tsc_now(vm, e));
		if (st == VLAPIC_OK)
			*reg = insn_load_result(&in, *reg, val);
	} else {
		val = insn_store_value(&in, reg ? *reg : 0);
		st = vapic_mmio(&vm->apic, gpa, in.width, true, &val, guest_tsc_now(vm, e));
	}
	if (st != VLAPIC_OK) {
		guest_stop(vm, VM_END_STOPPED, act, "xAPIC %s of %u bytes at offset %#llx: %s",
			   in.kind == INSN_KIND_LOAD || in.kind == INSN_KIND_LOAD_ZX ? "read" : "write",
			   in.width, (unsigned long long)(gpa & 0xfffU),
			   st == VLAPIC_BAD_ACCESS ? "an access the SDM leaves undefined" :
			   "not an APIC register access");
		return;
	}
	act->advance_rip = true;
	act->advance_len = in.length;
}

/* A MOV to or from guest-physical memory where nothing answers: reads all ones. */
static void guest_emulate_no_device(struct vm *vm, const struct vmx_exit_info *e,
				    struct vmx_exit_action *act)
{
	struct gwalk_cpu cpu = { .cr0 = e->cr0, .cr3 = e->cr3, .cr4 = e->cr4, .efer = e->efer };
	struct gwalk_fault fault;
	uint8_t bytes[INSN_MAX_LENGTH];
	enum insn_mode mode = (e->efer & (1ULL << 10)) && (e->cs_ar & (1U << 13)) ? INSN_MODE_64 :
			      (e->cs_ar & (1U << 14)) ? INSN_MODE_32 : INSN_MODE_16;
	struct insn in;
	int n = gwalk_fetch(&cpu, vm->ram, vm->ram_bytes, 39, (e->ss_ar >> 5) & 3U,
			    e->cs_base + e->rip, bytes, sizeof(bytes), &fault);

	if (n <= 0 || insn_decode(bytes, (size_t)n, mode, &in) != INSN_OK) {
		guest_stop(vm, VM_END_STOPPED, act, "access to %#llx by an instruction that is not "
			   "emulated, at RIP %#llx", (unsigned long long)e->guest_phys,
			   (unsigned long long)e->rip);
		return;
	}
	if (in.kind == INSN_KIND_LOAD || in.kind == INSN_KIND_LOAD_ZX) {
		uint64_t *reg = guest_gpr(&vm->vcpu, in.reg);

		if (reg)
			*reg = insn_load_result(&in, *reg, ~0ULL);
	}
	act->advance_rip = true;
	act->advance_len = in.length;
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
	uint64_t *reg = act->cr8_reg == 4 ? NULL : guest_gpr(&vm->vcpu, act->cr8_reg);

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

/* XSETBV always exits: accept x87|SSE(|AVX) as the host supports, else #GP. */
static void guest_handle_xsetbv(struct vm *vm, struct vmx_exit_action *act)
{
	struct vm_guest_regs *g = &vm->vcpu.regs;
	uint64_t val = ((g->rdx & 0xffffffffULL) << 32) | (g->rax & 0xffffffffULL);
	struct cpuid_regs r;
	uint64_t host_ok;

	cpu_cpuid(0xd, 0, &r);
	host_ok = ((uint64_t)r.edx << 32 | r.eax) & 0x7ULL;
	if ((uint32_t)g->rcx != 0 || !(val & 1) || (val & ~host_ok) ||
	    ((val & 4) && !(val & 2))) {
		guest_inject_gp(act);
		return;
	}
	if (!(cpu_read_cr4() & (1ULL << 18)))
		cpu_write_cr4(cpu_read_cr4() | (1ULL << 18));
	__asm__ volatile("xsetbv" : : "c"(0), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
	act->advance_rip = true;
}

static void guest_handle_exit(struct vm *vm, const struct vmx_exit_info *e,
			      struct vmx_exit_action *act)
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
	case EXIT_REASON_CPUID:
		guest_handle_cpuid(vm, e, act);
		break;
	case EXIT_REASON_IO:
		guest_handle_io(vm, e, act);
		break;
	case EXIT_REASON_RDMSR:
		guest_handle_msr(vm, e, false, act);
		break;
	case EXIT_REASON_WRMSR:
		guest_handle_msr(vm, e, true, act);
		break;
	case EXIT_REASON_VMCALL:
		guest_handle_vmcall(vm, e, act);
		break;
	case EXIT_REASON_CR_ACCESS:
		vmx_handle_cr_access(v, &guest_vmx, e, act);
		if (act->cr8_access)
			guest_handle_cr8(vm, e, act);
		break;
	case EXIT_REASON_APIC_ACCESS: {
		/* SDM "Exit Qualification for APIC-Access VM Exits": offset 11:0, type 15:12. */
		uint32_t type = (uint32_t)(e->qualification >> 12) & 0xfU;
		uint64_t gpa = vlapic_get_base_address(&vm->apic.lapic) + (e->qualification & 0xfffU);

		if (type > 1) {
			vmx_dump_guest(v, e);
			guest_stop(vm, VM_END_STOPPED, act, "APIC access of type %u (%s) at offset "
				   "%#llx is not emulated", type, type == 2 ? "instruction fetch" :
				   "during event delivery or a guest-physical access",
				   (unsigned long long)(e->qualification & 0xfffU));
			break;
		}
		guest_emulate_apic_mmio(vm, e, gpa, act);
		break;
	}
	case EXIT_REASON_APIC_WRITE:
		/* Trap-like: the write is in the virtual-APIC page and RIP is already past it. */
		if (vapic_apic_write(&vm->apic, vm->vapic_page, (uint32_t)(e->qualification & 0xff0U),
				     guest_tsc_now(vm, e)) != VLAPIC_OK)
			pr_dbg_ratelimited("%sAPIC write at %#llx refused by the model\n", guest_prefix,
					   (unsigned long long)(e->qualification & 0xfffU));
		break;
	case EXIT_REASON_TPR_BELOW:
		break;
	case EXIT_REASON_XSETBV:
		guest_handle_xsetbv(vm, act);
		break;
	case EXIT_REASON_PREEMPTION_TIMER:
		if (vm->deadline_tsc && e->tsc >= vm->deadline_tsc)
			guest_stop(vm, VM_END_TIMEOUT, act, "timeout: still running at RIP %#llx",
				   (unsigned long long)e->rip);
		break;
	case EXIT_REASON_EXTERNAL_INTR:
		/* Acknowledge-on-exit: the vector is in the exit info and the handler did not run. */
		if (!hosttimer_handle_vector((uint8_t)(e->intr_info & 0xffU)))
			pr_warn_ratelimited("host interrupt %#x while the guest ran: ignored\n",
					    e->intr_info & 0xffU);
		break;
	case EXIT_REASON_EXCEPTION_NMI:
		if ((e->intr_info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
			pr_warn_ratelimited("host NMI while the guest ran: ignored\n");
			break;
		}
		vmx_dump_guest(v, e);
		guest_stop(vm, VM_END_STOPPED, act, "unexpected exception exit %#x", e->intr_info);
		break;
	case EXIT_REASON_INIT:
	case EXIT_REASON_SIPI:
		pr_info_ratelimited("%s%s recorded (single vCPU: no other CPU to start)\n",
				    guest_prefix, vmx_exit_reason_name(e->reason));
		break;
	case EXIT_REASON_HLT:
		/* SDM Vol. 2A, HLT: only an interrupt (with IF = 1), NMI, SMI or INIT resumes. */
		if (!(e->rflags & RFLAGS_IF) && !vlapic_has_nmi(&vm->apic.lapic)) {
			guest_stop(vm, VM_END_STOPPED, act, "HLT at RIP %#llx with RFLAGS.IF=0 and "
				   "no NMI pending: the vCPU can never wake", (unsigned long long)e->rip);
			break;
		}
		vm->halted = true;
		act->advance_rip = true;
		break;
	case EXIT_REASON_INTR_WINDOW:
	case EXIT_REASON_NMI_WINDOW:
		break;
	case EXIT_REASON_TRIPLE_FAULT:
		vmx_dump_guest(v, e);
		guest_stop(vm, VM_END_STOPPED, act, "triple fault at RIP %#llx",
			   (unsigned long long)e->rip);
		break;
	case EXIT_REASON_EPT_VIOLATION:
		if (vapic_is_mmio(&vm->apic, e->guest_phys)) {
			guest_emulate_apic_mmio(vm, e, e->guest_phys, act);
			break;
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
					    guest_prefix, (unsigned long long)e->guest_phys,
					    vlapic_get_mode(&vm->apic.lapic) == VLAPIC_MODE_X2APIC ?
					    "x2APIC" : "disabled");
			guest_emulate_no_device(vm, e, act);
			break;
		}
		vmx_dump_guest(v, e);
		guest_stop(vm, VM_END_STOPPED, act, "EPT violation: %s%s%s of guest-physical %#llx "
			   "outside the VM's %llu MiB of RAM, at RIP %#llx",
			   e->qualification & 1 ? "read" : "", e->qualification & 2 ? "write" : "",
			   e->qualification & 4 ? "instruction fetch" : "",
			   (unsigned long long)e->guest_phys,
			   (unsigned long long)(vm->ram_bytes >> 20), (unsigned long long)e->rip);
		break;
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
	default:
		vmx_dump_guest(v, e);
		guest_stop(vm, VM_END_STOPPED, act, "unhandled VM exit %u (%s)", e->reason,
			   vmx_exit_reason_name(e->reason));
		break;
	}
}

#define GUEST_SPIN_SLACK	64U	/* ticks an early-armed exit may still be short by */
#define GUEST_CAL_RAM		(2ULL << 20)
#define GUEST_CAL_ENTRY		0x2000U
#define GUEST_CAL_VECTOR	0x40U
#define GUEST_CAL_FIRES		16U
#define GUEST_CAL_PERIOD	20000U	/* ticks between calibration deadlines */

/*
 * load_timers=N: N-1 synthetic vCPU timers due on this pCPU besides the
 * guest's own, each a vLAPIC in TSC-deadline mode re-armed at a staggered
 * interval and handled exactly as a vCPU's timer would be (expire,
 * acknowledge, EOI, re-arm) whenever the host queue says it is due: the
 * benchmark's way to show how lateness grows with load before several VMs
 * share a pCPU.
 */
#define GUEST_LOAD_BASE_TICKS	7919U
static struct vlapic guest_load[TV_CONFIG_LOAD_TIMERS_MAX];
static uint32_t guest_nr_load;
static uint64_t guest_load_served;

static void guest_load_arm(uint32_t i, uint64_t host_now)
{
	uint64_t next = host_now + GUEST_LOAD_BASE_TICKS * (i + 3U) + 613U * i;

	(void)vlapic_msr_write(&guest_load[i], MSR_IA32_TSC_DEADLINE, next, host_now);
	hosttimer_set(HOSTTIMER_ID_LOAD + i, next);
}

static void guest_load_start(uint32_t n, uint64_t tsc_khz)
{
	uint64_t now = cpu_rdtsc();

	guest_nr_load = n > 1 ? n - 1 : 0;
	for (uint32_t i = 0; i < guest_nr_load; i++) {
		struct vlapic_config cfg;

		vlapic_config_default(&cfg, i + 1U, false, tsc_khz);
		(void)vlapic_init(&guest_load[i], &cfg);
		(void)vlapic_mmio_write(&guest_load[i], 0xf0U, 4, 0x1ffU, now);
		(void)vlapic_mmio_write(&guest_load[i], 0x320U, 4, 0x41U | (2U << 17), now);
		guest_load_arm(i, now);
	}
}

static void guest_load_stop(void)
{
	for (uint32_t i = 0; i < guest_nr_load; i++)
		hosttimer_set(HOSTTIMER_ID_LOAD + i, HOSTTIMER_NONE);
	guest_nr_load = 0;
}

/* Serve every synthetic timer the host queue says is due. */
static void guest_load_serve(void)
{
	uint32_t ids[TV_CONFIG_LOAD_TIMERS_MAX + 2U];
	uint64_t now = cpu_rdtsc();
	size_t n;

	if (!guest_nr_load)
		return;
	n = hosttimer_pop_expired(now, ids, HV_ARRAY_SIZE(ids));
	for (size_t k = 0; k < n; k++) {
		uint32_t i = ids[k] - HOSTTIMER_ID_LOAD;
		int vec;

		if (ids[k] < HOSTTIMER_ID_LOAD || i >= guest_nr_load)
			continue;	/* the guest's own ids are set again before every entry */
		(void)vlapic_expire(&guest_load[i], now);
		vec = vlapic_pending_vector(&guest_load[i]);
		if (vec != VLAPIC_NO_VECTOR) {
			(void)vlapic_ack_vector(&guest_load[i], (uint32_t)vec);
			(void)vlapic_eoi(&guest_load[i]);
		}
		guest_load_served++;
		guest_load_arm(i, now);
	}
}

/* What the boot calibration measured: every guest starts with these margins. */
static uint64_t guest_boot_margin[VAPIC_PATH_COUNT];

static enum vapic_path guest_path_of(const struct vmx_exit_info *e)
{
	if (e->reason == EXIT_REASON_PREEMPTION_TIMER)
		return e->activity == ACTIVITY_HLT ? VAPIC_PATH_HALT_PREEMPT : VAPIC_PATH_PREEMPT;
	if (e->reason == EXIT_REASON_EXTERNAL_INTR)
		return VAPIC_PATH_HOST_IRQ;
	return VAPIC_PATH_OTHER_EXIT;
}

static uint64_t guest_tsc_host_now(const struct vm *vm)
{
	return cpu_rdtsc() + (uint64_t)vm->vcpu.tsc_offset;
}

static uint64_t guest_to_host(const struct vm *vm, uint64_t guest_tsc)
{
	return guest_tsc - (uint64_t)vm->vcpu.tsc_offset;
}

/* timer/plan.h orders its paths as enum vapic_path: a path is passed across as it is. */
HV_STATIC_ASSERT(PLAN_PATH_PREEMPT == (int)VAPIC_PATH_PREEMPT &&
		 PLAN_PATH_HOST_IRQ == (int)VAPIC_PATH_HOST_IRQ &&
		 PLAN_PATH_HALT_WAKE == (int)VAPIC_PATH_HALT_WAKE &&
		 PLAN_PATH_HALT_PREEMPT == (int)VAPIC_PATH_HALT_PREEMPT &&
		 PLAN_PATH_OTHER_EXIT == (int)VAPIC_PATH_OTHER_EXIT &&
		 PLAN_PATH_COUNT == (int)VAPIC_PATH_COUNT, "plan paths differ from vapic paths");

static enum plan_backend guest_plan_backend(enum hosttimer_backend b)
{
	return b == HOSTTIMER_PREEMPT ? PLAN_BACKEND_PREEMPT :
	       b == HOSTTIMER_POLL ? PLAN_BACKEND_POLL : PLAN_BACKEND_HOST_IRQ;
}

/* What the delivery planner needs to know of this vCPU's calibration and backends. */
static struct plan_timing guest_plan_timing(const struct vm *vm)
{
	struct plan_timing t = {
		.margin = vm->apic.margin,
		.spin_slack = GUEST_SPIN_SLACK,
		.running = guest_plan_backend(guest_timers.running),
		.halted = guest_plan_backend(guest_timers.halted),
		.preempt_safety_net = guest_timers.preempt_safety_net,
	};

	return t;
}

/* The vCPU's state at host TSC host_now; the caller fills in the deadline and the rest. */
static struct plan_input guest_plan_input(const struct vm *vm, uint64_t host_now,
					  enum vapic_path path)
{
	struct plan_input in = {
		.now_host = host_now,
		.tsc_offset = (uint64_t)vm->vcpu.tsc_offset,
		.deadline_guest = PLAN_NONE,
		.path = (enum plan_path)path,
		.halted = vm->halted,
		.guest_if = vm->last_rflags & RFLAGS_IF,
		.event_pending = false,
		.timeout_host = vm->deadline_tsc ? vm->deadline_tsc : PLAN_NONE,
		.queue_host = PLAN_NONE,
	};

	return in;
}

/* The host queue's earliest deadline besides this vCPU's own (the load generator's). */
static uint64_t guest_queue_others(void)
{
	if (!guest_nr_load)
		return PLAN_NONE;
	hosttimer_set(HOSTTIMER_ID_VTIMER, HOSTTIMER_NONE);
	return hosttimer_earliest();
}

/*
 * A halted vCPU waits in VMX root for its earliest deadline (or, with the
 * preemption-timer backend, in the HLT activity state), as plan_halt()
 * says; after the wait, plan_wake() handles the deadline as of itself and
 * the entry spins to it (*spin_until, host TSC), like the running paths.
 * *woke_at is the guest TSC of the last wake-up.
 * @return false when the VM must stop (it can never wake, or its timeout passed).
 */
static bool guest_wait_halted(struct vm *vm, const struct plan_timing *t, struct plan_input *in,
			      uint64_t *spin_until, uint64_t *woke_at)
{
	struct vapic *a = &vm->apic;
	struct vmx_exit_action act;

	while (vm->halted) {
		struct plan_halt h;
		struct plan_wake w;

		in->now_host = cpu_rdtsc();
		in->event_pending = vapic_has_deliverable(a) || vlapic_has_nmi(&a->lapic);
		if (!in->event_pending) {
			/* Only then: the getter also stamps when a new deadline was armed. */
			in->deadline_guest = vapic_next_deadline(a, in->now_host + in->tsc_offset);
			in->queue_host = guest_queue_others();
		}
		h = plan_halt(t, in);
		switch (h.action) {
		case PLAN_HALT_RUN:
			vm->halted = false;
			return true;
		case PLAN_HALT_STOP:
			guest_stop(vm, VM_END_STOPPED, &act, "halted with IF=1 but no timer armed and "
				   "no interrupt pending: the vCPU can never wake");
			return false;
		case PLAN_HALT_IN_GUEST:
			/* The console, while idle, up to the preemption timer's early exit. */
			log_drain_until(HV_MIN(hosttimer_earliest(), in->deadline_guest == PLAN_NONE ?
					       HOSTTIMER_NONE : guest_to_host(vm, in->deadline_guest)),
					a->margin[VAPIC_PATH_HALT_PREEMPT]);
			vmx_vcpu_set_halted(true);
			return true;
		case PLAN_HALT_SERVE_QUEUE:
			(void)hosttimer_wait(guest_timers.halted, h.wait_until_host, 0);
			guest_load_serve();
			continue;
		case PLAN_HALT_WAIT:
			break;
		}
		/* the console, while idle, never past the wake-up */
		log_drain_until(h.wait_until_host, 0);
		(void)hosttimer_wait(guest_timers.halted, h.wait_until_host, 0);
		guest_load_serve();
		in->now_host = cpu_rdtsc();
		w = plan_wake(t, in);
		if (w.stop == PLAN_STOP_TIMEOUT) {
			guest_stop(vm, VM_END_TIMEOUT, &act, "timeout while halted");
			return false;
		}
		*woke_at = in->now_host + in->tsc_offset;
		vapic_expire(a, w.expiry.expire_at_guest, VAPIC_PATH_HALT_WAKE, *woke_at);
		if (w.expiry.spin_until_host)
			*spin_until = w.expiry.spin_until_host;
	}
	return true;
}

/*
 * Arm the timer hardware for the next run as plan_arm() says: the vCPU's
 * host-queue entry, the host interrupt backend, and the returned
 * preemption-timer distance (0: none).  in holds the vCPU's state as of
 * this entry; the clock, the deadline and the host queue are read here.
 */
static uint64_t guest_arm_planned(struct vm *vm, const struct plan_timing *t, struct plan_input *in)
{
	struct plan_arm p;

	in->now_host = cpu_rdtsc();
	in->halted = vm->halted;
	in->deadline_guest = vapic_next_deadline(&vm->apic, in->now_host + in->tsc_offset);
	in->queue_host = guest_queue_others();
	p = plan_arm(t, in);
	hosttimer_set(HOSTTIMER_ID_VTIMER, p.host_deadline);
	hosttimer_arm_for_run(guest_timers.running, p.host_early);
	return p.preempt_ticks;
}

/* @return the preemption-timer distance for the next run (0: none). */
static uint64_t guest_arm_timers(struct vm *vm)
{
	struct plan_timing t = guest_plan_timing(vm);
	struct plan_input in = guest_plan_input(vm, 0, VAPIC_PATH_OTHER_EXIT);

	return guest_arm_planned(vm, &t, &in);
}

/* Inject what plan_inject() says may go in at this entry (one event per entry). */
static void guest_inject_events(struct vm *vm)
{
	struct vapic *a = &vm->apic;
	struct plan_events ev;
	struct plan_inject p;

	ev.nmi_pending = vlapic_has_nmi(&a->lapic);
	ev.nmi_open = ev.nmi_pending && vmx_vcpu_can_inject_nmi();
	ev.intr_pending = vapic_has_deliverable(a);
	ev.intr_open = ev.intr_pending && vmx_vcpu_can_inject_intr();
	ev.timer_fire_pending = a->fire_pending;
	p = plan_inject(&ev);
	if (p.inject_nmi) {
		(void)vlapic_take_nmi(&a->lapic);
		vmx_vcpu_inject_nmi();
	}
	if (p.nmi_window != PLAN_WINDOW_KEEP)
		vmx_vcpu_set_nmi_window(&guest_vmx, p.nmi_window == PLAN_WINDOW_SET);
	if (p.take_intr) {
		int vec = vapic_take_vector(a, guest_tsc_host_now(vm));

		if (vec != VLAPIC_NO_VECTOR)
			vmx_vcpu_inject_intr((uint8_t)vec);
	}
	if (p.note_blocked)
		vapic_note_blocked(a);
	vmx_vcpu_set_intr_window(&guest_vmx, p.intr_window);
}

/*
 * Everything between two exits that concerns the LAPIC, each step planned
 * by timer/plan.h and executed here: expire the timer (at the deadline
 * itself, with a spin to it, when the exit was armed early: never early),
 * wait while halted, inject what may be delivered, and arm the timer
 * hardware for the next run.
 * @return false when the VM must stop.
 */
static bool guest_before_entry(struct vm *vm, enum vapic_path path, uint64_t *preempt_ticks)
{
	struct vapic *a = &vm->apic;
	struct plan_timing t;
	struct plan_input in;
	struct plan_expiry e;
	uint64_t spin_until, ready_from = vm->last_exit_tsc, woke = 0;

	/* The console ring gets what the UART takes now (one FIFO, never a wait). */
	log_pump();
	guest_load_serve();
	t = guest_plan_timing(vm);
	in = guest_plan_input(vm, cpu_rdtsc(), path);
	in.deadline_guest = vapic_next_deadline(a, in.now_host + in.tsc_offset);
	e = plan_expire(&t, &in);
	spin_until = e.spin_until_host;
	vapic_expire(a, e.expire_at_guest, path, vm->last_exit_tsc);
	if (vm->halted) {
		if (!guest_wait_halted(vm, &t, &in, &spin_until, &woke))
			return false;
		if (woke) {
			path = VAPIC_PATH_HALT_WAKE;
			ready_from = woke;
		}
		vm->vcpu.stage_mark = cpu_rdtsc();	/* the wait is no cost of the exit path */
	}
	guest_stage(vm, VCPU_STAGE_EXPIRE);
	guest_inject_events(vm);
	guest_stage(vm, VCPU_STAGE_INJECT);
	if (vm->vapic_page) {
		vapic_sync_to_page(a, vm->vapic_page);
		vmx_vcpu_set_tpr_threshold(vapic_tpr_threshold(a));
	}
	guest_stage(vm, VCPU_STAGE_PAGE);
	*preempt_ticks = guest_arm_planned(vm, &t, &in);
	guest_stage(vm, VCPU_STAGE_ARM);
	vm->adapt_path = plan_adapt_path((enum plan_path)path, a->inject_pending);
	vm->adapt_from = guest_to_host(vm, ready_from);
	/* The spin itself happens in vmx_vcpu_enter(), right before VMRESUME. */
	vm->spin_until_host = spin_until;
	return true;
}

static const struct boot_file *guest_find_file(const struct boot_info *bi, const char *path)
{
	for (unsigned int i = 0; i < bi->nr_files; i++)
		if (!hv_strcmp(bi->files[i].path, path))
			return &bi->files[i];
	return NULL;
}

static const char *guest_end_name(enum vm_end end)
{
	switch (end) {
	case VM_END_DEBUG_EXIT: return "exited (isa-debug-exit)";
	case VM_END_HYPERCALL_EXIT: return "exited (hypercall)";
	case VM_END_SHUTDOWN: return "shut down";
	case VM_END_RESET: return "RESET";
	case VM_END_STOPPED: return "STOPPED";
	case VM_END_TIMEOUT: return "TIMEOUT";
	case VM_END_REFUSED: return "REFUSED";
	case VM_END_NONE: break;
	}
	return "ended";
}

/* The SYSCALL MSRs pass through to the guest: give each guest its power-up values. */
static void guest_reset_passthrough_msrs(void)
{
	static const uint32_t msrs[] = {
		MSR_IA32_STAR, MSR_IA32_LSTAR, MSR_IA32_CSTAR, MSR_IA32_FMASK,
		MSR_IA32_KERNEL_GS_BASE,
	};

	for (unsigned int i = 0; i < HV_ARRAY_SIZE(msrs); i++)
		(void)cpu_wrmsr_safe(msrs[i], 0);
}

static int guest_prepare(struct vm *vm, const struct boot_info *bi,
			 const struct tv_guest_config *gc, struct mb_load_result *res)
{
	struct mb_module_src mods[GUEST_MAX_MODULES];
	struct mb_load_request req;
	const struct boot_file *img;
	uint64_t ram;
	int rc;

	img = guest_find_file(bi, gc->path);
	if (!img) {
		hv_snprintf(vm->end_why, sizeof(vm->end_why), "%s was not loaded from the ESP",
			    gc->path);
		return -HV_ENOENT;
	}
	hv_memset(&req, 0, sizeof(req));
	for (unsigned int m = 0; m < gc->nr_modules; m++) {
		const struct boot_file *f = guest_find_file(bi, gc->modules[m]);

		if (!f) {
			hv_snprintf(vm->end_why, sizeof(vm->end_why),
				    "module %s was not loaded from the ESP", gc->modules[m]);
			return -HV_ENOENT;
		}
		mods[m].data = f->data;
		mods[m].size = f->size;
		mods[m].cmdline = gc->modules[m];
	}
	ram = pool_alloc(gc->mem_bytes, GUEST_RAM_ALIGN);
	if (!ram) {
		hv_snprintf(vm->end_why, sizeof(vm->end_why), "no %llu MiB of RAM left for it",
			    (unsigned long long)(gc->mem_bytes >> 20));
		return -HV_ENOMEM;
	}
	vm->ram = (uint8_t *)(uintptr_t)ram;
	vm->ram_bytes = gc->mem_bytes;
	req.image = img->data;
	req.image_size = img->size;
	req.image_name = gc->path;
	req.cmdline = gc->args;
	req.modules = mods;
	req.nr_modules = gc->nr_modules;
	req.boot_loader_name = "tickvisor";
	rc = mb_load(vm->ram, vm->ram_bytes, &req, res, vm->end_why, sizeof(vm->end_why));
	if (rc)
		return rc;
	vm->eptp = ept_build(ram, vm->ram_bytes);
	if (!vm->eptp) {
		hv_snprintf(vm->end_why, sizeof(vm->end_why), "no memory for its EPT");
		return -HV_ENOMEM;
	}
	if (guest_vmx.proc & PROC_TPR_SHADOW) {
		vm->vapic_page = (uint32_t *)(uintptr_t)pool_alloc(4096, 4096);
		if (!vm->vapic_page) {
			hv_snprintf(vm->end_why, sizeof(vm->end_why), "no memory for its virtual-APIC page");
			return -HV_ENOMEM;
		}
	}
	return 0;
}

static uint64_t guest_early_total, guest_timer_total;

static void guest_dump_trace(const struct vm *vm, unsigned int max)
{
	const struct vapic *a = &vm->apic;
	unsigned int n = (unsigned int)HV_MIN((uint64_t)VAPIC_TRACE_SIZE, a->trace_total);

	n = HV_MIN(n, max);
	pr_info("guest %u timer trace, last %u of %llu (guest TSC: arm, deadline, fire +, "
		"inject +, path):\n", vm->index, n, (unsigned long long)a->trace_total);
	for (unsigned int i = 0; i < n; i++) {
		const struct vapic_trace_entry *t =
			&a->trace[(a->trace_next + VAPIC_TRACE_SIZE - n + i) % VAPIC_TRACE_SIZE];

		pr_info("  %llu %llu +%lld +%lld %s vector %#x\n", (unsigned long long)t->arm,
			(unsigned long long)t->deadline, (long long)(t->fire - t->deadline),
			(long long)(t->inject - t->deadline), vapic_path_name(t->path), t->vector);
	}
}

static void guest_report_timer(const struct vm *vm)
{
	const struct vapic_stats *st = &vm->apic.stats;

	guest_early_total += st->early;
	guest_timer_total += st->injected;
	if (!st->injected && !st->fires[VAPIC_PATH_PREEMPT] && !st->fires[VAPIC_PATH_OTHER_EXIT])
		return;
	pr_info("guest %u timer: %llu delivered, %llu EARLY; fires: preemption-timer %llu, "
		"host-interrupt %llu, halt-wake %llu, halt-preemption-timer %llu, other-exit %llu; "
		"%llu held off by the guest, %llu due at once when written\n",
		vm->index, (unsigned long long)st->injected, (unsigned long long)st->early,
		(unsigned long long)st->fires[VAPIC_PATH_PREEMPT],
		(unsigned long long)st->fires[VAPIC_PATH_HOST_IRQ],
		(unsigned long long)st->fires[VAPIC_PATH_HALT_WAKE],
		(unsigned long long)st->fires[VAPIC_PATH_HALT_PREEMPT],
		(unsigned long long)st->fires[VAPIC_PATH_OTHER_EXIT],
		(unsigned long long)st->blocked, (unsigned long long)st->immediate);
	if (st->injected > st->blocked + st->immediate)
		/* p50/p99 are measured samples (vmm/vapic.h, VAPIC_HIST_*): exact below
		 * 4096 ticks, else the sub-bucket's sample at most 1/64 above the exact one. */
		pr_info("guest %u timer lateness (deadline -> injection, guest TSC ticks): min %llu "
			"p50 %llu p99 %llu max %llu (samples; exact < 4096, else <= 1/64 above)\n",
			vm->index,
			(unsigned long long)st->late_min,
			(unsigned long long)vapic_lateness_percentile(st, 50),
			(unsigned long long)vapic_lateness_percentile(st, 99),
			(unsigned long long)st->late_max);
	pr_info("guest %u timer margins (armed early, then spun): preemption-timer %llu, "
		"host-interrupt %llu, halt-wake %llu ticks\n", vm->index,
		(unsigned long long)vm->apic.margin[VAPIC_PATH_PREEMPT],
		(unsigned long long)vm->apic.margin[VAPIC_PATH_HOST_IRQ],
		(unsigned long long)vm->apic.margin[VAPIC_PATH_HALT_WAKE]);
	guest_dump_trace(vm, 8);
}

/*
 * The machine-readable line of this guest (vmm/result.h): the runner judges
 * the guest from it, never from the guest's own text.  Kept by the console
 * ring (HV_LOG_KEEP) like the guests' verdict lines.
 */
static void guest_result(const struct vm *vm)
{
	static const enum result_end ends[] = {
		[VM_END_DEBUG_EXIT] = RESULT_END_EXITED, [VM_END_HYPERCALL_EXIT] = RESULT_END_EXITED,
		[VM_END_SHUTDOWN] = RESULT_END_SHUTDOWN, [VM_END_STOPPED] = RESULT_END_STOPPED,
		[VM_END_TIMEOUT] = RESULT_END_TIMEOUT, [VM_END_REFUSED] = RESULT_END_REFUSED,
		[VM_END_RESET] = RESULT_END_STOPPED,
		[VM_END_NONE] = RESULT_END_STOPPED,
	};
	const struct vapic_stats *st = &vm->apic.stats;
	bool exited = vm->end == VM_END_DEBUG_EXIT || vm->end == VM_END_HYPERCALL_EXIT;
	struct result_timer t = {
		.delivered = st->injected, .early = st->early,
		.has_lateness = st->injected > st->blocked + st->immediate,
	};
	struct result_guest g = {
		.index = vm->index, .name = vm->name,
		.verdict = result_verdict_name((unsigned int)vm->end < HV_ARRAY_SIZE(ends) ?
					       ends[vm->end] : RESULT_END_STOPPED, vm->exit_value),
		.exit_value = exited ? vm->exit_value : 0, .exit_status = exited ? vm->exit_status : 0,
		.end = guest_end_name(vm->end), .why = exited ? "" : vm->end_why,
		.exits = vm->vcpu.exits, .timer = vm->end == VM_END_REFUSED ? NULL : &t,
	};
	char json[RESULT_JSON_MAX];

	if (t.has_lateness) {
		t.late_min = st->late_min;
		t.late_p50 = vapic_lateness_percentile(st, 50);
		t.late_p99 = vapic_lateness_percentile(st, 99);
		t.late_max = st->late_max;
	}
	result_format_guest(json, sizeof(json), &g);
	hv_log(HV_LOG_INFO | HV_LOG_KEEP, HV_LOG_SITE, pr_prefix, "TVRESULT %s %s\n", vmm_token(),
	       json);
}

static void guest_report(const struct vm *vm)
{
	const struct vcpu *v = &vm->vcpu;

	if (vm->end == VM_END_DEBUG_EXIT || vm->end == VM_END_HYPERCALL_EXIT)
		pr_info("guest %u %s: %s, exit code %u (status %u), %llu exits\n", vm->index,
			vm->name, guest_end_name(vm->end), vm->exit_value, vm->exit_status,
			(unsigned long long)v->exits);
	else
		pr_warn("guest %u %s: %s: %s (%llu exits)\n", vm->index, vm->name,
			guest_end_name(vm->end), vm->end_why, (unsigned long long)v->exits);
	{
		char line[256];
		int n = hv_snprintf(line, sizeof(line), "guest %u exits by reason:", vm->index);

		for (unsigned int r = 0; r < HV_ARRAY_SIZE(v->exits_by_reason) && n > 0 &&
		     (size_t)n < sizeof(line); r++)
			if (v->exits_by_reason[r])
				n += hv_snprintf(line + n, sizeof(line) - (size_t)n, " %u:%llu", r,
						 (unsigned long long)v->exits_by_reason[r]);
		pr_info("%s\n", line);
	}
	guest_report_timer(vm);
	guest_result(vm);
}

/*
 * Run the vCPU until the VM ends.  cal_fires > 0 is the boot calibration:
 * every delivered timer interrupt is EOI'd on the guest's behalf and the
 * deadline re-armed, until that many were delivered.
 */
static void guest_loop(struct vm *vm, uint64_t cal_fires)
{
	enum vapic_path path = VAPIC_PATH_OTHER_EXIT;
	uint64_t delivered = 0;

	vm->vcpu.stage_mark = cpu_rdtsc();
	while (vm->end == VM_END_NONE) {
		struct vmx_exit_info exit;
		struct vmx_exit_action act;
		uint64_t ticks = 0;

		if (!guest_before_entry(vm, path, &ticks))
			break;
		if (cal_fires && vm->apic.inject_pending) {
			uint64_t now = guest_tsc_host_now(vm);

			/* Calibration: EOI for the guest and arm the next deadline right away. */
			delivered++;
			(void)vlapic_eoi(&vm->apic.lapic);
			if (delivered >= cal_fires) {
				vm->end = VM_END_HYPERCALL_EXIT;
				break;
			}
			(void)vlapic_msr_write(&vm->apic.lapic, MSR_IA32_TSC_DEADLINE,
					       now + GUEST_CAL_PERIOD + (delivered * 7919U) % 1000U, now);
			ticks = guest_arm_timers(vm);
		}
		if (vmx_vcpu_enter(&vm->vcpu, &guest_vmx, ticks, vm->spin_until_host, &exit)) {
			vm->end = VM_END_STOPPED;
			hv_strlcpy(vm->end_why, "VM entry failed", sizeof(vm->end_why));
			break;
		}
		vm->vcpu.stage_sum[VCPU_STAGE_ENTER] += exit.entry_tsc - exit.spin_ticks -
						       HV_MIN(vm->vcpu.stage_mark,
							      exit.entry_tsc - exit.spin_ticks);
		vm->vcpu.stage_mark = exit.tsc;
		guest_stage(vm, VCPU_STAGE_SNAPSHOT);
		vapic_note_entry(&vm->apic, exit.entry_tsc + (uint64_t)vm->vcpu.tsc_offset);
		/*
		 * The margin to learn is the whole cost from the timer exit (or
		 * wake-up) to VMRESUME, less any time spent spinning for the deadline.
		 */
		if (vm->adapt_path >= 0 && exit.entry_tsc - exit.spin_ticks >= vm->adapt_from)
			vapic_adapt_margin(&vm->apic, (enum vapic_path)vm->adapt_path,
					   exit.entry_tsc - exit.spin_ticks - vm->adapt_from);
		vm->last_rflags = exit.rflags;
		vm->last_exit_tsc = exit.tsc + (uint64_t)vm->vcpu.tsc_offset;
		if (vm->vapic_page)
			vapic_sync_from_page(&vm->apic, vm->vapic_page, guest_tsc_now(vm, &exit));
		hv_memset(&act, 0, sizeof(act));
		guest_stage(vm, VCPU_STAGE_BOOKKEEP);
		{
			/* The handler's own cost, per reason: make bench publishes the bound. */
			uint64_t t0 = vm->vcpu.stage_mark, dt;
			unsigned int r = exit.reason & 63U;

			guest_handle_exit(vm, &exit, &act);
			guest_stage(vm, VCPU_STAGE_HANDLER);
			dt = vm->vcpu.stage_mark - t0;
			vm->vcpu.exit_cost_sum[r] += dt;
			vm->vcpu.exit_cost_max[r] = HV_MAX(vm->vcpu.exit_cost_max[r], dt);
		}
		if (act.stop)
			break;
		vmx_vcpu_apply(&vm->vcpu, &exit, &act);
		guest_stage(vm, VCPU_STAGE_APPLY);
		path = guest_path_of(&exit);
	}
	hosttimer_set(HOSTTIMER_ID_VTIMER, HOSTTIMER_NONE);
	hosttimer_arm_for_run(guest_timers.running, 0);
}

/*
 * One line: for each exit reason seen, count/average/maximum host TSC ticks
 * spent in its handler.  make bench collects the maxima: the published bound
 * of how long tickvisor's own work may hold a due interrupt at an exit.
 */
static const char *const guest_stage_names[VCPU_STAGE_COUNT] = {
	[VCPU_STAGE_SNAPSHOT] = "snapshot", [VCPU_STAGE_BOOKKEEP] = "bookkeeping",
	[VCPU_STAGE_HANDLER] = "handler", [VCPU_STAGE_APPLY] = "apply",
	[VCPU_STAGE_EXPIRE] = "expire", [VCPU_STAGE_INJECT] = "inject",
	[VCPU_STAGE_PAGE] = "apic-page", [VCPU_STAGE_ARM] = "arm", [VCPU_STAGE_ENTER] = "enter",
};

static void guest_report_exit_costs(const struct vm *vm)
{
	const struct vcpu *v = &vm->vcpu;
	char line[512];
	int n = hv_snprintf(line, sizeof(line), "guest %u exit handler cost by reason "
			    "(reason:count/avg/max host TSC ticks):", vm->index);

	for (unsigned int r = 0; r < HV_ARRAY_SIZE(v->exits_by_reason) && n > 0 &&
	     (size_t)n < sizeof(line); r++)
		if (v->exits_by_reason[r])
			n += hv_snprintf(line + n, sizeof(line) - (size_t)n, " %u:%llu/%llu/%llu", r,
					 (unsigned long long)v->exits_by_reason[r],
					 (unsigned long long)(v->exit_cost_sum[r] /
							      v->exits_by_reason[r]),
					 (unsigned long long)v->exit_cost_max[r]);
	pr_info("%s\n", line);
	if (!v->exits)
		return;
	n = hv_snprintf(line, sizeof(line), "guest %u exit path by stage (host TSC ticks per exit, "
			"average over %llu):", vm->index, (unsigned long long)v->exits);
	for (unsigned int st = 0; st < VCPU_STAGE_COUNT && n > 0 && (size_t)n < sizeof(line); st++)
		n += hv_snprintf(line + n, sizeof(line) - (size_t)n, " %s %llu",
				 guest_stage_names[st],
				 (unsigned long long)(v->stage_sum[st] / v->exits));
	pr_info("%s\n", line);
}

static bool guest_run_one(unsigned int index, const struct boot_info *bi,
			  const struct tv_guest_config *gc)
{
	struct vm *vm = &guest_vm;
	struct mb_load_result res;
	uint64_t mark = pool_mark();
	uint64_t vmcs = vm->vcpu.vmcs_pa;
	bool ok;

	hv_memset(vm, 0, sizeof(*vm));
	vm->vcpu.vmcs_pa = vmcs;
	vm->vcpu.vm = vm;
	vm->index = index;
	vm->name = gc->path;
	hv_snprintf(guest_prefix, sizeof(guest_prefix), "G%u: ", index);
	pr_info("guest %u: %s, %llu MiB, args \"%s\"%s\n", index, gc->path,
		(unsigned long long)(gc->mem_bytes >> 20), gc->args,
		gc->timeout_s ? "" : ", no timeout");

	if (guest_prepare(vm, bi, gc, &res)) {
		vm->end = VM_END_REFUSED;
		pr_err("guest %u %s: refused: %s\n", index, gc->path, vm->end_why);
		pool_release_to(mark);
		return false;
	}
	pr_info("guest %u: %s image, entry %#x, info block %#x, loaded %#x-%#x\n", index,
		mb_image_kind_name(res.kind), res.entry, res.info_gpa, res.load_start,
		res.load_end);
	vio_init(&vm->io, vm->ram_bytes, 1);
	{
		uint64_t rtc_tsc, rtc_s = hostrtc_read_unix(&rtc_tsc);

		vio_start_rtc(&vm->io, rtc_s, rtc_tsc, guest_tsc_khz * 1000ULL);
	}
	if (vapic_init(&vm->apic, guest_tsc_khz, bi->config->timer_min_period_us,
		       (enum vtimer_policy)bi->config->timer_policy)) {
		vm->end = VM_END_STOPPED;
		hv_strlcpy(vm->end_why, "its LAPIC configuration is invalid", sizeof(vm->end_why));
	}
	hv_memcpy(vm->apic.margin, guest_boot_margin, sizeof(guest_boot_margin));
	vmsr_init(&guest_msrs);
	guest_reset_passthrough_msrs();
	guest_map_apic_page(vm);
	if (vm->vapic_page)
		vapic_sync_to_page(&vm->apic, vm->vapic_page);
	if (vmx_vcpu_init(&vm->vcpu, &guest_vmx, vm->eptp, (uint16_t)(index + 1), res.entry,
			  res.info_gpa, (uint64_t)(uintptr_t)vm->vapic_page)) {
		vm->end = VM_END_STOPPED;
		hv_strlcpy(vm->end_why, "its VMCS could not be set up", sizeof(vm->end_why));
	}
	if (gc->timeout_s && guest_tsc_khz)
		vm->deadline_tsc = cpu_rdtsc() + (uint64_t)gc->timeout_s * guest_tsc_khz * 1000ULL;

	guest_load_start(bi->config->load_timers, guest_tsc_khz);
	guest_loop(vm, 0);
	guest_load_stop();
	{
		struct vio_effect eff;

		hv_memset(&eff, 0, sizeof(eff));
		vio_flush_uart(&vm->io, &eff);
		if (eff.out_line)
			guest_print(eff.out_line, eff.out_len);
	}
	vmx_vcpu_destroy(&vm->vcpu);
	guest_report(vm);
	guest_report_exit_costs(vm);
	/* Between guests nothing is due: let this guest's backlog out before the next one runs. */
	log_flush();
	ok = (vm->end == VM_END_DEBUG_EXIT || vm->end == VM_END_HYPERCALL_EXIT) &&
	     vm->exit_value == 0;
	pool_release_to(mark);
	return ok;
}

/*
 * "Measure at boot, per path, the ticks from expiry to guest delivery": a
 * two-instruction guest (STI; JMP $, then STI; HLT) takes TSC-deadline
 * interrupts through the same code as real guests, once running and once
 * halted, and the margins it learns become every guest's starting point.
 */
static void guest_calibrate(uint64_t tsc_khz)
{
	static const uint8_t code_run[] = { 0xfb, 0xeb, 0xfe };		/* sti; jmp $ */
	static const uint8_t code_halt[] = { 0xfb, 0xf4, 0xeb, 0xfd };	/* sti; 1: hlt; jmp 1b */
	struct vm *vm = &guest_vm;
	uint64_t vmcs = vm->vcpu.vmcs_pa;

	for (int phase = 0; phase < 2; phase++) {
		uint64_t mark = pool_mark(), ram = pool_alloc(GUEST_CAL_RAM, 2ULL << 20), now;
		uint64_t *gdt = (uint64_t *)(uintptr_t)ram;
		uint8_t *gate = (uint8_t *)(uintptr_t)(ram + GUEST_CAL_VECTOR * 8U);

		hv_memset(vm, 0, sizeof(*vm));
		vm->vcpu.vmcs_pa = vmcs;
		vm->vcpu.vm = vm;
		vm->name = "calibration";
		if (!ram)
			return;
		vm->ram = (uint8_t *)(uintptr_t)ram;
		vm->ram_bytes = GUEST_CAL_RAM;
		/* GDTR and IDTR start at 0 (limit 0xFFFF): flat code 0x08, data 0x10, gate -> IRET at 0x3000. */
		gdt[1] = 0x00cf9b000000ffffULL;
		gdt[2] = 0x00cf93000000ffffULL;
		gate[0] = 0x00;
		gate[1] = 0x30;
		gate[2] = 0x08;
		gate[5] = 0x8e;
		vm->ram[0x3000] = 0xcf;
		if (phase == 0)
			hv_memcpy(vm->ram + GUEST_CAL_ENTRY, code_run, sizeof(code_run));
		else
			hv_memcpy(vm->ram + GUEST_CAL_ENTRY, code_halt, sizeof(code_halt));
		vm->eptp = ept_build(ram, GUEST_CAL_RAM);
		if (guest_vmx.proc & PROC_TPR_SHADOW)
			vm->vapic_page = (uint32_t *)(uintptr_t)pool_alloc(4096, 4096);
		hv_snprintf(guest_prefix, sizeof(guest_prefix), "cal: ");
		vio_init(&vm->io, vm->ram_bytes, 1);
		if (!vm->eptp || ((guest_vmx.proc & PROC_TPR_SHADOW) && !vm->vapic_page) ||
		    vapic_init(&vm->apic, tsc_khz, 200, VTIMER_POLICY_COALESCE)) {
			pool_release_to(mark);
			return;
		}
		hv_memcpy(vm->apic.margin, guest_boot_margin, sizeof(guest_boot_margin));
		now = cpu_rdtsc();
		/* Software-enable the APIC (SVR bit 8): at power-up every LVT is masked. */
		(void)vlapic_mmio_write(&vm->apic.lapic, 0xf0U, 4, 0x1ffU, now);
		(void)vlapic_mmio_write(&vm->apic.lapic, 0x320U, 4, GUEST_CAL_VECTOR | (2U << 17), now);
		(void)vlapic_msr_write(&vm->apic.lapic, MSR_IA32_TSC_DEADLINE, now + GUEST_CAL_PERIOD, now);
		guest_map_apic_page(vm);
		if (vm->vapic_page)
			vapic_sync_to_page(&vm->apic, vm->vapic_page);
		if (vmx_vcpu_init(&vm->vcpu, &guest_vmx, vm->eptp, 63, GUEST_CAL_ENTRY, 0,
				  (uint64_t)(uintptr_t)vm->vapic_page) == 0) {
			vmx_vcpu_set_rsp(0x8000);
			vm->deadline_tsc = cpu_rdtsc() + 200ULL * GUEST_CAL_PERIOD * GUEST_CAL_FIRES;
			guest_loop(vm, GUEST_CAL_FIRES);
		}
		if (vm->end != VM_END_HYPERCALL_EXIT)
			pr_warn("timer calibration (%s) did not complete: %s (%llu delivered, %llu "
				"exits)\n", phase ? "halted" : "running", vm->end_why,
				(unsigned long long)vm->apic.stats.injected,
				(unsigned long long)vm->vcpu.exits);
		for (unsigned int p = 0; p < VAPIC_PATH_COUNT; p++)
			if (vm->apic.margin[p])
				guest_boot_margin[p] = vm->apic.margin[p];
		vmx_vcpu_destroy(&vm->vcpu);
		pool_release_to(mark);
	}
	pr_info("timer calibration at boot (exit to ready, TSC ticks): preemption-timer %llu, "
		"host-interrupt %llu, halt-wake %llu, halt-preemption-timer %llu\n",
		(unsigned long long)guest_boot_margin[VAPIC_PATH_PREEMPT],
		(unsigned long long)guest_boot_margin[VAPIC_PATH_HOST_IRQ],
		(unsigned long long)guest_boot_margin[VAPIC_PATH_HALT_WAKE],
		(unsigned long long)guest_boot_margin[VAPIC_PATH_HALT_PREEMPT]);
}

enum tv_status guest_run_all(const struct boot_info *bi, const struct cpu_caps *caps,
			     uint64_t tsc_khz, const struct hpet_info *hpet, uint64_t ioapic_base)
{
	const struct tv_config *cfg = bi->config;
	unsigned int failed = 0, refused = 0;

	if (vmx_setup_init(caps, (unsigned int)cfg->apic, &guest_vmx)) {
		pr_err("VT-x lacks what guests need (see the capability report): no guest runs\n");
		return TV_STATUS_VMX_FAIL;
	}
	guest_tsc_khz = tsc_khz;
	if (hosttimer_init(cfg->timer, guest_vmx.has_preemption_timer,
			   caps->vmx.is_preemption_timer_broken, caps->has_tsc_deadline,
			   hpet && hpet->present, hpet ? hpet->freq_hz : 0, ioapic_base, tsc_khz,
			   &guest_timers)) {
		pr_err("timer=%s cannot be honoured on this machine: no guest runs\n",
		       config_timer_name(cfg->timer));
		return TV_STATUS_CONFIG;
	}
	guest_vm.vcpu.vmcs_pa = pool_alloc(4096, 4096);
	if (!guest_vm.vcpu.vmcs_pa)
		return TV_STATUS_BOOT;
	guest_calibrate(tsc_khz);
	if (cfg->nr_guests == 0) {
		pr_info("no guest= in the configuration: nothing to run\n");
		return TV_STATUS_OK;
	}
	for (unsigned int i = 0; i < cfg->nr_guests; i++)
		if (!guest_run_one(i, bi, &cfg->guests[i])) {
			if (guest_vm.end == VM_END_REFUSED) {
				refused++;
				guest_result(&guest_vm);	/* guest_run_one() reports only guests that ran */
			} else {
				failed++;
			}
		}
	/* A refused guest never ran: count it apart, so "ran" means ran. */
	pr_info("%u guest(s) ran, %u refused (not loaded); %u ended with a non-zero code or were "
		"stopped\n", cfg->nr_guests - refused, refused, failed);
	pr_info("timer: %llu interrupts delivered across all guests, %llu early fires\n",
		(unsigned long long)guest_timer_total, (unsigned long long)guest_early_total);
	if (cfg->load_timers > 1)
		pr_info("load_timers=%u: %llu synthetic timer expiries served besides the guests'\n",
			cfg->load_timers, (unsigned long long)guest_load_served);
	{
		struct result_run run = {
			.mode = "vmx", .guests = cfg->nr_guests, .ran = cfg->nr_guests - refused,
			.refused = refused, .failed = failed,
			.status = failed || refused ? TV_STATUS_GUEST_FAIL : TV_STATUS_OK,
			.early_total = guest_early_total, .timer_total = guest_timer_total,
		};
		char json[RESULT_JSON_MAX];

		result_format_run(json, sizeof(json), &run);
		hv_log(HV_LOG_INFO | HV_LOG_KEEP, HV_LOG_SITE, pr_prefix, "TVRUN %s %s\n", vmm_token(),
		       json);
		return (enum tv_status)run.status;
	}
}
