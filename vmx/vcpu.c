/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "vmx: "

#include "vcpu.h"

#include <tv/errno.h>
#include <tv/log.h>
#include <x86/cpu.h>
#include <x86/msr.h>
#include <x86/vmcs_fields.h>

#include "../hw/cpu.h"
#include "../vmm/pool.h"
#include <tv/string.h>
#include "../vmm/vdebug.h"
#include "../vmm/vm.h"
#include "caps.h"
#include "vmx_insn.h"

#define MULTIBOOT_BOOTLOADER_MAGIC	0x2badb002U
#define GUEST_PAT_DEFAULT		0x0007040600070406ULL	/* the power-up PAT */
#define AR_CODE32			0xc09bU	/* G D P S, type 11: execute/read, accessed */
#define AR_DATA32			0xc093U	/* G D P S, type 3: read/write, accessed */
#define AR_TSS32_BUSY			0x008bU	/* P, type 11: busy 32-bit TSS */
#define AR_UNUSABLE			0x10000U
#define PREEMPT_MAX			0xffffffffULL

int vmx_enter_guest(struct vm_guest_regs *regs, uint64_t launched);

void vmx_exit_point(void);

/*
 * A failing VMREAD or VMWRITE means our own VMCS handling is wrong: report it
 * by name, and let the caller's next entry fail and stop the VM.
 */
static uint64_t vmcs_read(uint32_t field)
{
	uint64_t v = 0, err = 0;

	if (vmx_vmread(field, &v) != VMX_OK) {
		(void)vmx_vmread(VMCS_VM_INSTR_ERROR, &err);
		pr_err_ratelimited("VMREAD %#x failed: %s\n", field,
				   vmx_instr_error_name((uint32_t)err));
	}
	return v;
}

static void vmcs_write(uint32_t field, uint64_t val)
{
	uint64_t err = 0;

	if (vmx_vmwrite(field, val) != VMX_OK) {
		(void)vmx_vmread(VMCS_VM_INSTR_ERROR, &err);
		pr_err_ratelimited("VMWRITE %#x = %#llx failed: %s\n", field,
				   (unsigned long long)val, vmx_instr_error_name((uint32_t)err));
	}
}

static int vmx_pick(const char *what, uint64_t cap, uint32_t need, uint32_t want,
		    uint32_t *out)
{
	uint32_t missing = vmx_caps_adjust_controls(cap, need | want, out);

	if (missing & need) {
		pr_err("%s controls %#x are required but not supported (capability %#llx): "
		       "guests cannot run\n", what, missing & need, (unsigned long long)cap);
		return -TV_ENODEV;
	}
	if (missing)
		pr_info("%s controls %#x not available: running without them\n", what, missing);
	return 0;
}

const char *vmx_apic_path_name(enum apic_path p)
{
	switch (p) {
	case APIC_PATH_EPT: return "ept (EPT violations, decoded)";
	case APIC_PATH_ACCESS: return "access (APIC-access page, fault-like exits, decoded)";
	case APIC_PATH_APICV: return "apicv (APIC-register virtualization, APIC-write exits)";
	case APIC_PATH_AUTO: break;
	}
	return "?";
}

/*
 * The VMCS controls for s->apic_path from the capabilities: the required
 * ones or -TV_ENODEV, the wanted ones where the CPU has them.
 */
static int vmx_setup_controls(const struct vmx_caps *vc, struct vmx_setup *s)
{
	uint32_t pin_want = PIN_NMI_EXITING | PIN_EXT_INTR_EXITING;
	uint32_t proc_want = PROC_TSC_OFFSETTING | PROC_MWAIT_EXITING | PROC_MONITOR_EXITING |
			     PROC_INTR_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING;
	uint32_t proc2_want = PROC2_VPID | PROC2_RDTSCP | PROC2_INVPCID;
	int rc = 0;

	if (s->apic_path == APIC_PATH_APICV) {
		proc_want |= PROC_TPR_SHADOW;
		proc2_want |= PROC2_VIRT_APIC_ACCESSES | PROC2_APIC_REGISTER_VIRT;
	} else {
		/* Without a TPR shadow, MOV CR8 would reach the host's own TPR: trap it. */
		proc_want |= PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING;
		if (s->apic_path == APIC_PATH_ACCESS)
			proc2_want |= PROC2_VIRT_APIC_ACCESSES;
	}
	s->has_preemption_timer = vc->has_preemption_timer && !vc->is_preemption_timer_broken;
	s->preemption_timer_rate = vc->preemption_timer_rate;
	if (s->has_preemption_timer)
		pin_want |= PIN_PREEMPTION_TIMER;
	if (vc->has_virtual_nmis)
		pin_want |= PIN_VIRTUAL_NMIS;
	rc |= vmx_pick("pin-based", vc->pinbased, 0, pin_want, &s->pin);
	rc |= vmx_pick("processor-based", vc->procbased,
		       PROC_HLT_EXITING | PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS |
		       PROC_SECONDARY_CONTROLS, proc_want, &s->proc);
	rc |= vmx_pick("secondary processor-based", vc->procbased2,
		       PROC2_EPT | PROC2_UNRESTRICTED_GUEST, proc2_want, &s->proc2);
	rc |= vmx_pick("VM-exit", vc->exit,
		       EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_EFER | EXIT_LOAD_EFER,
		       EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
		       EXIT_SAVE_DEBUG_CONTROLS, &s->exit);
	rc |= vmx_pick("VM-entry", vc->entry, ENTRY_LOAD_EFER,
		       ENTRY_LOAD_PAT | ENTRY_LOAD_DEBUG_CONTROLS, &s->entry);
	if (rc)
		return -TV_ENODEV;
	/* Window exiting is asked for only while an event waits (act->intr_window, act->nmi_window). */
	s->has_intr_window = s->proc & PROC_INTR_WINDOW_EXITING;
	s->has_nmi_window = (s->proc & PROC_NMI_WINDOW_EXITING) && (s->pin & PIN_VIRTUAL_NMIS);
	s->proc &= ~(PROC_INTR_WINDOW_EXITING | PROC_NMI_WINDOW_EXITING);
	/* The CR3-exiting controls are default1 without TRUE controls; with EPT we never want them. */
	if (s->proc & (PROC_CR3_LOAD_EXITING | PROC_CR3_STORE_EXITING))
		pr_info("CR3-load/store exiting cannot be cleared: CR3 accesses will exit\n");
	/* INVVPID raises #UD where VPIDs are not supported: VPIDs only with INVVPID (all contexts). */
	s->has_vpid = (s->proc2 & PROC2_VPID) && vc->has_invvpid_all;
	if (!s->has_vpid)
		s->proc2 &= ~PROC2_VPID;
	return 0;
}

/*
 * The shared pages: the APIC-access page (every path but ept), the I/O
 * bitmaps (every port exits) and the MSR bitmap.
 */
static int vmx_setup_bitmaps(struct vmx_setup *s)
{
	uint8_t *msr_bitmap;

	if (s->apic_path != APIC_PATH_EPT) {
		s->apic_access_pa = pool_alloc(4096, 4096);
		if (!s->apic_access_pa)
			return -TV_ENOMEM;
	}
	/* Every port exits: both I/O bitmaps all ones. */
	s->io_bitmap_a_pa = pool_alloc(4096, 4096);
	s->io_bitmap_b_pa = pool_alloc(4096, 4096);
	s->msr_bitmap_pa = pool_alloc(4096, 4096);
	if (!s->io_bitmap_a_pa || !s->io_bitmap_b_pa || !s->msr_bitmap_pa)
		return -TV_ENOMEM;
	tv_memset((void *)(uintptr_t)s->io_bitmap_a_pa, 0xff, 4096);
	tv_memset((void *)(uintptr_t)s->io_bitmap_b_pa, 0xff, 4096);
	/*
	 * MSR bitmap (SDM Vol. 3C, "VM-Execution Control Fields", MSR-Bitmap
	 * Address): read-low at 0, read-high at 1024, write-low at 2048,
	 * write-high at 3072.  Intercept everything, then let through the MSRs
	 * whose guest values the VMCS switches (EFER, PAT, FS/GS base, SYSENTER,
	 * DEBUGCTL) and the SYSCALL MSRs the VMM never uses (vm.c clears them
	 * for every new guest).  TSC reads pass through; writes exit.
	 */
	msr_bitmap = (uint8_t *)(uintptr_t)s->msr_bitmap_pa;
	tv_memset(msr_bitmap, 0xff, 4096);
	{
		static const uint32_t pass_rw[] = {
			MSR_IA32_EFER, MSR_IA32_FS_BASE, MSR_IA32_GS_BASE,
			MSR_IA32_KERNEL_GS_BASE, MSR_IA32_STAR, MSR_IA32_LSTAR,
			MSR_IA32_CSTAR, MSR_IA32_FMASK, MSR_IA32_SYSENTER_CS,
			MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_IA32_PAT,
			MSR_IA32_DEBUGCTL, MSR_IA32_TSC_AUX,
		};

		for (unsigned int i = 0; i < TV_ARRAY_SIZE(pass_rw); i++) {
			uint32_t m = pass_rw[i];
			unsigned int base = m >= 0xc0000000U ? 1024U : 0U;
			uint32_t bit = m & 0x1fffU;

			msr_bitmap[base + bit / 8] &= (uint8_t)~(1U << (bit % 8));
			msr_bitmap[2048 + base + bit / 8] &= (uint8_t)~(1U << (bit % 8));
		}
		msr_bitmap[MSR_IA32_TSC / 8] &= (uint8_t)~(1U << (MSR_IA32_TSC % 8));
	}
	return 0;
}

int vmx_setup_init(const struct cpu_caps *caps, enum apic_path apic_path, struct vmx_setup *s)
{
	const struct vmx_caps *vc = &caps->vmx;
	int rc;

	tv_memset(s, 0, sizeof(*s));
	if (apic_path == APIC_PATH_AUTO)
		return -TV_EINVAL;	/* vmm/ decides: apic_path_choose() */
	s->apic_path = apic_path;
	rc = vmx_setup_controls(vc, s);
	if (rc)
		return rc;
	s->cr0_fixed0 = vc->cr0_fixed0;
	s->cr0_fixed1 = vc->cr0_fixed1;
	s->cr4_fixed0 = vc->cr4_fixed0;
	s->cr4_fixed1 = vc->cr4_fixed1;
	s->vmcs_revision = vc->vmcs_revision;
	rc = vmx_setup_bitmaps(s);
	if (rc)
		return rc;
	pr_info("VMCS controls: pin %#x proc %#x proc2 %#x exit %#x entry %#x; "
		"preemption timer %s\n", s->pin, s->proc, s->proc2, s->exit, s->entry,
		s->has_preemption_timer ? "in use" : "not used");
	pr_info("xAPIC MMIO path: %s\n", vmx_apic_path_name(s->apic_path));
	return 0;
}

/*
 * CR bits the guest may not own: fixed to 1 or to 0 in VMX operation (PE/PG
 * free with unrestricted guest), and CD and NW.  SDM Vol. 3C, "Loading
 * Guest Control Registers, Debug Registers, and MSRs" and "Loading Host
 * Control Registers, Debug Registers, MSRs": VM entry and VM exit never
 * modify CR0.CD and CR0.NW.  A guest's own MOV that set CD would survive
 * the exit into the host and into the next guest; owned, a change of
 * either exits, vmm/vcr.c judges it and only the read shadow takes it.
 * Deviation, written down: the guest's CD = 1 does not disable caching
 * (the EPT memory types stay in force), as under KVM without
 * non-coherent DMA.
 */
static uint64_t vmx_cr0_owned(const struct vmx_setup *s)
{
	return ((s->cr0_fixed0 | ~s->cr0_fixed1) & ~(CR0_PE | CR0_PG) & 0xffffffffULL) |
	       CR0_CD | CR0_NW;
}

/*
 * CR4: every bit is owned except PGE, TSD and PCE, so that a write of any
 * other bit (reserved bits 15, 26, 29-63 and every feature bit, whose
 * legality depends on the CPUID this guest sees, cpuid_hide= included)
 * exits and vmm/vcr.c judges it.  Those three are left to the guest:
 * OSes flip PGE to flush global TLB entries and TSD/PCE per process, and
 * the CPU's own check of them (the feature exists) is the guest's too:
 * tickvisor hides none of PGE, TSC or RDPMC.  The fixed bits are owned
 * whatever: the real register must keep them.
 */
static uint64_t vmx_cr4_owned(const struct vmx_setup *s)
{
	return s->cr4_fixed0 | ~s->cr4_fixed1 | ~(CR4_PGE | CR4_TSD | CR4_PCE);
}

static uint64_t vmx_cr0_real(const struct vmx_setup *s, uint64_t guest)
{
	/* Unrestricted guest: PE and PG are the guest's, whatever FIXED0 says. */
	return ((guest | (s->cr0_fixed0 & ~(CR0_PE | CR0_PG))) & s->cr0_fixed1) |
	       (guest & (CR0_PE | CR0_PG));
}

static uint64_t vmx_cr4_real(const struct vmx_setup *s, uint64_t guest)
{
	return (guest | s->cr4_fixed0) & s->cr4_fixed1;
}

static void vmx_write_host_state(void)
{
	vmcs_write(VMCS_HOST_CR0, cpu_read_cr0());
	vmcs_write(VMCS_HOST_CR3, cpu_read_cr3());
	vmcs_write(VMCS_HOST_CR4, cpu_read_cr4());
	vmcs_write(VMCS_HOST_CS_SEL, CPU_SEL_CODE);
	vmcs_write(VMCS_HOST_SS_SEL, CPU_SEL_DATA);
	vmcs_write(VMCS_HOST_DS_SEL, CPU_SEL_DATA);
	vmcs_write(VMCS_HOST_ES_SEL, CPU_SEL_DATA);
	vmcs_write(VMCS_HOST_FS_SEL, 0);
	vmcs_write(VMCS_HOST_GS_SEL, 0);
	vmcs_write(VMCS_HOST_TR_SEL, CPU_SEL_TSS);
	vmcs_write(VMCS_HOST_FS_BASE, 0);
	vmcs_write(VMCS_HOST_GS_BASE, 0);
	vmcs_write(VMCS_HOST_TR_BASE, cpu_tss_base());
	vmcs_write(VMCS_HOST_GDTR_BASE, cpu_gdt_base());
	vmcs_write(VMCS_HOST_IDTR_BASE, cpu_idt_base());
	vmcs_write(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_write(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_HOST_EFER, cpu_rdmsr(MSR_IA32_EFER));
	vmcs_write(VMCS_HOST_PAT, cpu_rdmsr(MSR_IA32_PAT));
	vmcs_write(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_point);
}

static void vmx_write_segment(uint32_t sel_field, uint16_t sel, uint32_t ar)
{
	/* Selector, limit, access rights and base fields are at fixed distances. */
	uint32_t idx = (sel_field - VMCS_GUEST_ES_SEL) / 2U;

	vmcs_write(sel_field, sel);
	vmcs_write(VMCS_GUEST_ES_LIMIT + idx * 2U, ar == AR_UNUSABLE ? 0 :
		   ar == AR_TSS32_BUSY ? 0xffU : 0xffffffffU);
	vmcs_write(VMCS_GUEST_ES_AR + idx * 2U, ar);
	vmcs_write(VMCS_GUEST_ES_BASE + idx * 2U, 0);
}

/*
 * Multiboot 0.6.96, "Machine state": EAX magic, EBX info, CS a 32-bit
 * read/execute segment with offset 0 and limit 0xFFFFFFFF, the data segments
 * the same read/write, A20 on, CR0.PG = 0, CR0.PE = 1, EFLAGS.VM = IF = 0.
 */
static void vmx_write_guest_state(const struct vmx_setup *s, uint32_t entry)
{
	uint64_t cr0 = CR0_PE | CR0_ET;

	vmcs_write(VMCS_CR0_MASK, vmx_cr0_owned(s));
	vmcs_write(VMCS_CR4_MASK, vmx_cr4_owned(s));
	vmcs_write(VMCS_CR0_SHADOW, cr0);
	vmcs_write(VMCS_CR4_SHADOW, 0);
	vmcs_write(VMCS_GUEST_CR0, vmx_cr0_real(s, cr0));
	vmcs_write(VMCS_GUEST_CR3, 0);
	vmcs_write(VMCS_GUEST_CR4, vmx_cr4_real(s, 0));
	vmx_write_segment(VMCS_GUEST_CS_SEL, 0x08, AR_CODE32);
	vmx_write_segment(VMCS_GUEST_DS_SEL, 0x10, AR_DATA32);
	vmx_write_segment(VMCS_GUEST_ES_SEL, 0x10, AR_DATA32);
	vmx_write_segment(VMCS_GUEST_SS_SEL, 0x10, AR_DATA32);
	vmx_write_segment(VMCS_GUEST_FS_SEL, 0x10, AR_DATA32);
	vmx_write_segment(VMCS_GUEST_GS_SEL, 0x10, AR_DATA32);
	vmx_write_segment(VMCS_GUEST_TR_SEL, 0, AR_TSS32_BUSY);
	vmx_write_segment(VMCS_GUEST_LDTR_SEL, 0, AR_UNUSABLE);
	vmcs_write(VMCS_GUEST_GDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write(VMCS_GUEST_IDTR_LIMIT, 0xffff);
	vmcs_write(VMCS_GUEST_DR7, 0x400);
	vmcs_write(VMCS_GUEST_RSP, 0);
	vmcs_write(VMCS_GUEST_RIP, entry);
	vmcs_write(VMCS_GUEST_RFLAGS, 0x2);
	vmcs_write(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_write(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write(VMCS_GUEST_DEBUGCTL, 0);
	vmcs_write(VMCS_GUEST_PAT, GUEST_PAT_DEFAULT);
	vmcs_write(VMCS_GUEST_EFER, 0);
	vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(VMCS_GUEST_ACTIVITY_STATE, ACTIVITY_ACTIVE);
	vmcs_write(VMCS_LINK_POINTER, ~0ULL);
}

int vmx_vcpu_init(struct vcpu *v, const struct vmx_setup *s, uint64_t eptp,
		  uint16_t vpid, uint32_t entry, uint32_t info, uint64_t virtual_apic_pa)
{
	if (!v->vmcs_pa) {
		v->vmcs_pa = pool_alloc(4096, 4096);
		if (!v->vmcs_pa)
			return -TV_ENOMEM;
	}
	*(volatile uint32_t *)(uintptr_t)v->vmcs_pa = s->vmcs_revision;
	if (vmx_vmclear(v->vmcs_pa) != VMX_OK || vmx_vmptrld(v->vmcs_pa) != VMX_OK) {
		pr_err("VMCLEAR/VMPTRLD of the VMCS at %#llx failed\n",
		       (unsigned long long)v->vmcs_pa);
		return -TV_EIO;
	}
	v->launched = false;
	tv_memset(&v->regs, 0, sizeof(v->regs));
	v->regs.rax = MULTIBOOT_BOOTLOADER_MAGIC;
	v->regs.rbx = info;

	vmcs_write(VMCS_PIN_CONTROLS, s->pin);
	vmcs_write(VMCS_PROC_CONTROLS, s->proc);
	v->proc_controls = s->proc;
	v->tpr_threshold = 0;
	vmcs_write(VMCS_PROC_CONTROLS2, s->proc2);
	vmcs_write(VMCS_EXIT_CONTROLS, s->exit);
	vmcs_write(VMCS_ENTRY_CONTROLS, s->entry);
	vmcs_write(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write(VMCS_PF_ERROR_MASK, 0);
	vmcs_write(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write(VMCS_IO_BITMAP_A, s->io_bitmap_a_pa);
	vmcs_write(VMCS_IO_BITMAP_B, s->io_bitmap_b_pa);
	vmcs_write(VMCS_MSR_BITMAP, s->msr_bitmap_pa);
	vmcs_write(VMCS_EPT_POINTER, eptp);
	if (s->proc & PROC_TSC_OFFSETTING)
		vmcs_write(VMCS_TSC_OFFSET, 0);
	if (s->proc & PROC_TPR_SHADOW) {
		vmcs_write(VMCS_VIRTUAL_APIC_ADDR, virtual_apic_pa);
		vmcs_write(VMCS_TPR_THRESHOLD, 0);
	}
	if (s->proc2 & PROC2_VIRT_APIC_ACCESSES)
		vmcs_write(VMCS_APIC_ACCESS_ADDR, s->apic_access_pa);
	if (s->has_vpid)
		vmcs_write(VMCS_VPID, vpid);
	if (s->pin & PIN_PREEMPTION_TIMER)
		vmcs_write(VMCS_PREEMPTION_TIMER, PREEMPT_MAX);
	vmx_write_host_state();
	vmx_write_guest_state(s, entry);
	return 0;
}

void vmx_vcpu_destroy(struct vcpu *v, const struct vmx_setup *s)
{
	if (v->vmcs_pa && vmx_vmclear(v->vmcs_pa) != VMX_OK)
		pr_err("VMCLEAR of the VMCS at %#llx failed\n", (unsigned long long)v->vmcs_pa);
	v->launched = false;
	if (vmx_invept_all() != VMX_OK)
		pr_err("INVEPT (all contexts) failed\n");
	if (s->has_vpid && vmx_invvpid_all() != VMX_OK)
		pr_err("INVVPID (all contexts) failed\n");
}

static void vmx_read_exit(struct vmx_exit_info *e)
{
	uint32_t reason = (uint32_t)vmcs_read(VMCS_EXIT_REASON);

	e->tsc = cpu_rdtsc();
	e->reason = reason & 0xffffU;
	e->entry_failed = reason & EXIT_REASON_FAILED_ENTRY;
	e->qualification = vmcs_read(VMCS_EXIT_QUALIFICATION);
	e->guest_phys = vmcs_read(VMCS_GUEST_PHYSICAL_ADDR);
	e->guest_linear = vmcs_read(VMCS_GUEST_LINEAR_ADDR);
	e->instr_len = (uint32_t)vmcs_read(VMCS_EXIT_INSTR_LEN);
	e->intr_info = (uint32_t)vmcs_read(VMCS_EXIT_INTR_INFO);
	e->intr_error = (uint32_t)vmcs_read(VMCS_EXIT_INTR_ERROR);
	e->idt_vec_info = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_INFO);
	e->idt_vec_error = (uint32_t)vmcs_read(VMCS_IDT_VECTORING_ERROR);
	e->rip = vmcs_read(VMCS_GUEST_RIP);
	e->rsp = vmcs_read(VMCS_GUEST_RSP);
	e->rflags = vmcs_read(VMCS_GUEST_RFLAGS);
	/* Only single-stepping asks for BTF: no VMREAD on the exits of a guest not traced. */
	e->debugctl = (e->rflags & RFLAGS_TF) ? vmcs_read(VMCS_GUEST_DEBUGCTL) : 0;
	/*
	 * What the guest reads: owned bits (set in the guest/host mask) from the
	 * read shadow, the others from the real register (SDM Vol. 3C,
	 * "Guest/Host Masks and Read Shadows for CR0 and CR4").
	 */
	{
		uint64_t m0 = vmcs_read(VMCS_CR0_MASK), m4 = vmcs_read(VMCS_CR4_MASK);

		e->cr0 = (vmcs_read(VMCS_GUEST_CR0) & ~m0) | (vmcs_read(VMCS_CR0_SHADOW) & m0);
		e->cr4 = (vmcs_read(VMCS_GUEST_CR4) & ~m4) | (vmcs_read(VMCS_CR4_SHADOW) & m4);
	}
	e->cr3 = vmcs_read(VMCS_GUEST_CR3);
	e->efer = vmcs_read(VMCS_GUEST_EFER);
	e->interruptibility = (uint32_t)vmcs_read(VMCS_GUEST_INTERRUPTIBILITY);
	e->cs_ar = (uint32_t)vmcs_read(VMCS_GUEST_CS_AR);
	e->ss_ar = (uint32_t)vmcs_read(VMCS_GUEST_SS_AR);
	e->cs_base = vmcs_read(VMCS_GUEST_CS_BASE);
	e->activity = (uint32_t)vmcs_read(VMCS_GUEST_ACTIVITY_STATE);
}

static void vmx_set_proc_bit(struct vcpu *v, uint32_t bit, enum vmx_window w)
{
	uint32_t want = w == VMX_WINDOW_SET ? (v->proc_controls | bit) : (v->proc_controls & ~bit);

	/* The CPU never changes the controls: the copy saves a VMREAD per entry. */
	if (w != VMX_WINDOW_KEEP && want != v->proc_controls) {
		vmcs_write(VMCS_PROC_CONTROLS, want);
		v->proc_controls = want;
	}
}

bool vmx_is_single_stepping(const struct vmx_exit_info *e)
{
	return vdebug_is_single_step(e->rflags, e->debugctl);
}

uint64_t vmx_read_guest_dr7(void)
{
	return vmcs_read(VMCS_GUEST_DR7);
}

uint64_t vmx_debug_traps_owed(const struct vmx_exit_info *e, const struct vmx_exit_action *act)
{
	if (!act->advance_rip && !act->iterated)
		return 0;
	return (act->debug_traps & (PENDING_DBG_B0_3 | PENDING_DBG_ENABLED_BP)) |
	       (vmx_is_single_stepping(e) ? PENDING_DBG_BS : 0);
}

bool vmx_event_slot_open(const struct vmx_exit_info *e, const struct vmx_exit_action *act,
			 enum vmx_event ev)
{
	uint32_t intr = e->interruptibility;
	/*
	 * A debug trap owed for the emulated instruction goes in through the
	 * pending-debug-exceptions field, and SDM Vol. 3C, "Delivery of Pending
	 * Debug Exceptions after VM Entry", has none after an entry that injects
	 * an external interrupt, an NMI or a hardware exception: the injection
	 * would swallow it.  Natively the trap goes first anyway (a trap on the
	 * previous instruction outranks NMIs and interrupts, SDM Vol. 3A,
	 * "Priority Among Concurrent Events"); after the entry the CPU delivers
	 * it before any interrupt- or NMI-window exit, so the event waits for
	 * its window.
	 */
	bool queued = act->inject || (e->idt_vec_info & INTR_INFO_VALID) ||
		      vmx_debug_traps_owed(e, act);

	if (act->advance_rip || act->iterated)
		intr &= ~(uint32_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
	if (ev == VMX_EVENT_NMI)
		return !(intr & (INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_MOV_SS)) && !queued;
	return (e->rflags & RFLAGS_IF) &&
	       !(intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) && !queued;
}

/*
 * The debug traps of an instruction tickvisor completed in the guest's
 * place, which the CPU would have raised had it run the instruction: the
 * single-step trap (SDM Vol. 3B, "Single-Step Exception Condition": a trap
 * after the instruction, DR6.BS set) and the data or I/O breakpoints the
 * emulated access matched ("Data Memory and I/O Breakpoint Exception
 * Conditions": traps too).  They go into the pending-debug-exceptions
 * field, ORed with what the CPU saved there (debug exceptions held by a
 * MOV-SS shadow that the skip just ended), and the CPU delivers #DB after
 * the entry with DR6 updated from the field (SDM Vol. 3C, "Delivery of
 * Pending Debug Exceptions after VM Entry"), the RIP past the instruction.
 * The field is never left set across an exit: the CPU saves it anew at
 * every one.  The VM-entry check that BS equals RFLAGS.TF AND NOT
 * IA32_DEBUGCTL.BTF under STI or MOV-SS blocking or in the HLT activity
 * state ("Checks on Guest Non-Register State") has nothing to judge here:
 * the skip clears both blockings, and a single-stepped HLT does not halt
 * (vmm/guest_exit.c), so no entry in the HLT activity state has TF set with
 * BTF clear.
 */
static void vmx_apply_debug_traps(const struct vmx_exit_info *exit,
				  const struct vmx_exit_action *act)
{
	uint64_t traps = vmx_debug_traps_owed(exit, act);

	if (traps)
		vmcs_write(VMCS_GUEST_PENDING_DBG, vmcs_read(VMCS_GUEST_PENDING_DBG) | traps);
}

/* The exit handler's part of act: RIP, CR0/CR4, TSC offset, an exception or a re-injection. */
static void vmx_apply_exit(const struct vmx_exit_info *exit, const struct vmx_exit_action *act)
{
	if (act->advance_rip || act->iterated) {
		/*
		 * RFLAGS.RF (SDM Vol. 3B, "Instruction-Breakpoint Exception
		 * Condition"): the processor clears it when an instruction
		 * completes, and "for any trap-class exception generated by any
		 * iteration of a repeated string instruction but the last
		 * iteration, the value pushed for RF is 1".  So RF = 1 while RIP
		 * stays on a REP string instruction with iterations left (KVM's
		 * emulator does the same), and 0 once the instruction is done:
		 * re-executing the REP hits no instruction breakpoint on it again,
		 * and the next instruction's breakpoint is not suppressed.
		 */
		if (act->advance_rip) {
			vmcs_write(VMCS_GUEST_RIP, exit->rip +
				   (act->advance_len ? act->advance_len : exit->instr_len));
			if (exit->rflags & RFLAGS_RF)
				vmcs_write(VMCS_GUEST_RFLAGS, exit->rflags & ~RFLAGS_RF);
		} else if (!(exit->rflags & RFLAGS_RF)) {
			vmcs_write(VMCS_GUEST_RFLAGS, exit->rflags | RFLAGS_RF);
		}
		/* The instruction (or an iteration of it) completed: STI/MOV-SS blocking ends. */
		if (exit->interruptibility & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
			vmcs_write(VMCS_GUEST_INTERRUPTIBILITY, exit->interruptibility &
				   ~(uint32_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
		vmx_apply_debug_traps(exit, act);
	}
	if (act->write_cr) {
		vmcs_write(act->cr_index == 4 ? VMCS_CR4_SHADOW : VMCS_CR0_SHADOW, act->cr_shadow);
		vmcs_write(act->cr_index == 4 ? VMCS_GUEST_CR4 : VMCS_GUEST_CR0, act->cr_real);
	}
	if (act->set_tsc_offset)
		vmcs_write(VMCS_TSC_OFFSET, (uint64_t)act->tsc_offset);
	if (act->inject) {
		vmcs_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION |
			   (act->inject_has_error ? INTR_INFO_DELIVER_ERROR : 0) | act->inject_vector);
		if (act->inject_has_error)
			vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, act->inject_error);
	} else if (exit->idt_vec_info & INTR_INFO_VALID) {
		/*
		 * SDM Vol. 3C, "Information for VM Exits During Event Delivery": the
		 * event was not delivered; inject it again so the guest sees it.
		 */
		vmcs_write(VMCS_ENTRY_INTR_INFO, exit->idt_vec_info & ~(1U << 12));
		if (exit->idt_vec_info & INTR_INFO_DELIVER_ERROR)
			vmcs_write(VMCS_ENTRY_EXCEPTION_ERROR, exit->idt_vec_error);
		vmcs_write(VMCS_ENTRY_INSTR_LEN, exit->instr_len);
	}
}

/* The entry's part of act: the event, the windows, the activity state, the TPR threshold. */
static void vmx_apply_entry(struct vcpu *v, const struct vmx_setup *s,
			    const struct vmx_exit_action *act)
{
	if (act->event == VMX_EVENT_NMI)
		vmcs_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | 2U);
	else if (act->event == VMX_EVENT_EXT_INTR)
		vmcs_write(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXT_INTR |
			   act->event_vector);
	/* Injection wakes a vCPU left in the HLT activity state. */
	if (act->event != VMX_EVENT_NONE || act->halt)
		vmcs_write(VMCS_GUEST_ACTIVITY_STATE, act->event == VMX_EVENT_NONE ? ACTIVITY_HLT :
			   ACTIVITY_ACTIVE);
	/*
	 * Without the window-exiting controls a held-off event waits for the
	 * next exit of any kind: late, never early.
	 */
	if (s->has_nmi_window)
		vmx_set_proc_bit(v, PROC_NMI_WINDOW_EXITING, act->nmi_window);
	if (s->has_intr_window)
		vmx_set_proc_bit(v, PROC_INTR_WINDOW_EXITING, act->intr_window);
	if (act->set_tpr_threshold && (act->tpr_threshold & 0xfU) != v->tpr_threshold) {
		v->tpr_threshold = act->tpr_threshold & 0xfU;
		vmcs_write(VMCS_TPR_THRESHOLD, v->tpr_threshold);
	}
}

int vmx_vcpu_enter(struct vcpu *v, const struct vmx_setup *s, const struct vmx_exit_action *act,
		   struct vmx_exit_info *exit)
{
	uint64_t entry_tsc, spin_from;
	int rc;

	vmx_apply_exit(exit, act);
	vmx_apply_entry(v, s, act);
	/*
	 * The preemption timer counts down only in non-root operation, once per
	 * 2^rate TSC ticks (IA32_VMX_MISC[4:0]): convert the host-TSC target on
	 * every entry, never carry a value across exits.  The distance is taken
	 * from the entry itself (now, or the end of the spin), not from when the
	 * target was planned: the work in between (this function's VMWRITEs, the
	 * spin) would otherwise push the exit that much past its target, a delay
	 * no margin learns (it falls before the next exit is even taken).
	 */
	if (s->pin & PIN_PREEMPTION_TIMER) {
		uint64_t count = PREEMPT_MAX;

		if (act->preempt_at) {
			uint64_t from = TV_MAX(cpu_rdtsc(), act->spin_until);

			count = act->preempt_at > from ?
				(act->preempt_at - from) >> s->preemption_timer_rate : 0;
		}
		vmcs_write(VMCS_PREEMPTION_TIMER, count > PREEMPT_MAX ? PREEMPT_MAX : count);
	}
	spin_from = entry_tsc = cpu_rdtsc();
	while (entry_tsc < act->spin_until)
		entry_tsc = cpu_rdtsc();
	rc = vmx_enter_guest(&v->regs, v->launched);
	if (rc) {
		uint64_t err = 0;

		if (rc == 2)
			(void)vmx_vmread(VMCS_VM_INSTR_ERROR, &err);
		pr_err("%s failed: %s%s\n", v->launched ? "VMRESUME" : "VMLAUNCH",
		       rc == 1 ? "VMfailInvalid (no current VMCS)" : "",
		       rc == 2 ? vmx_instr_error_name((uint32_t)err) : "");
		return -TV_EIO;
	}
	v->launched = true;
	vmx_read_exit(exit);
	exit->entry_tsc = entry_tsc;
	exit->spin_ticks = entry_tsc - spin_from;
	return 0;
}

/*
 * SDM Vol. 3C, "Exit Qualification for Control-Register Accesses": which
 * CR (bits 3:0), the access type (5:4: MOV to, MOV from, CLTS, LMSW), the
 * GPR (11:8) and LMSW's source (31:16).  Decoding only: whether the value
 * is legal is vmm/'s decision (vmm/vcr.c).
 */
void vmx_decode_cr_access(struct vcpu *v, const struct vmx_exit_info *exit,
			  struct vmx_cr_access *a)
{
	unsigned int type = (unsigned int)(exit->qualification >> 4) & 3U;

	a->cr = (unsigned int)(exit->qualification & 15U);
	a->reg = (unsigned int)(exit->qualification >> 8) & 15U;
	a->type = (enum vmx_cr_access_type)type;
	a->value = 0;
	if (type == VMX_CR_LMSW) {
		/*
		 * LMSW loads CR0 bits 3:0 but cannot clear PE (SDM Vol. 2A,
		 * LMSW): bit 0 of the source is ORed into the old PE.
		 */
		a->value = (exit->cr0 & ~0xeULL) | ((exit->qualification >> 16) & 0xfULL);
		a->cr = 0;
	} else if (type == VMX_CR_CLTS) {
		a->value = exit->cr0 & ~CR0_TS;
		a->cr = 0;
	} else if (type == VMX_CR_MOV_TO) {
		a->value = a->reg == 4 ? exit->rsp : *vcpu_gpr(v, a->reg);
	}
}

/*
 * SDM Vol. 3C, "Guest/Host Masks and Read Shadows for CR0 and CR4": the
 * guest's value (already judged by vmm/) goes to the read shadow, what it
 * reads back, and the real register gets it with the VMX fixed bits applied.
 */
void vmx_set_cr_write(const struct vmx_setup *s, unsigned int cr, uint64_t val,
		      struct vmx_exit_action *act)
{
	act->write_cr = true;
	act->cr_index = cr;
	act->cr_shadow = val;
	act->cr_real = cr == 4 ? vmx_cr4_real(s, val) : vmx_cr0_real(s, val);
}

void vmx_dump_guest(const struct vcpu *v, const struct vmx_exit_info *e)
{
	pr_err("guest state: exit %u (%s)%s, qualification %#llx\n", e->reason,
	       vmx_exit_reason_name(e->reason), e->entry_failed ? " [VM-entry failure]" : "",
	       (unsigned long long)e->qualification);
	pr_err("  RIP %#llx RSP %#llx RFLAGS %#llx CR0 %#llx CR3 %#llx CR4 %#llx EFER %#llx\n",
	       (unsigned long long)e->rip, (unsigned long long)e->rsp,
	       (unsigned long long)e->rflags, (unsigned long long)e->cr0,
	       (unsigned long long)e->cr3, (unsigned long long)e->cr4,
	       (unsigned long long)e->efer);
	pr_err("  CS %#llx base %#llx AR %#llx, GPA %#llx, linear %#llx\n",
	       (unsigned long long)vmcs_read(VMCS_GUEST_CS_SEL),
	       (unsigned long long)vmcs_read(VMCS_GUEST_CS_BASE),
	       (unsigned long long)vmcs_read(VMCS_GUEST_CS_AR),
	       (unsigned long long)e->guest_phys, (unsigned long long)e->guest_linear);
	pr_err("  RAX %#llx RBX %#llx RCX %#llx RDX %#llx RSI %#llx RDI %#llx RBP %#llx\n",
	       (unsigned long long)v->regs.rax, (unsigned long long)v->regs.rbx,
	       (unsigned long long)v->regs.rcx, (unsigned long long)v->regs.rdx,
	       (unsigned long long)v->regs.rsi, (unsigned long long)v->regs.rdi,
	       (unsigned long long)v->regs.rbp);
	pr_err("  exit interruption %#x/%#x, IDT vectoring %#x/%#x, interruptibility %#x, "
	       "instruction length %u\n", e->intr_info, e->intr_error, e->idt_vec_info,
	       e->idt_vec_error, e->interruptibility, e->instr_len);
}

void vmx_msr_intercept(const struct vmx_setup *s, uint32_t msr, bool intercept)
{
	uint8_t *bm = (uint8_t *)(uintptr_t)s->msr_bitmap_pa;
	unsigned int base = msr >= 0xc0000000U ? 1024U : 0U;
	uint32_t bit = msr & 0x1fffU;
	uint8_t mask = (uint8_t)(1U << (bit % 8));

	if (intercept) {
		bm[base + bit / 8] |= mask;
		bm[2048 + base + bit / 8] |= mask;
	} else {
		bm[base + bit / 8] &= (uint8_t)~mask;
		bm[2048 + base + bit / 8] &= (uint8_t)~mask;
	}
}

void vmx_vcpu_set_rsp(uint64_t rsp)
{
	vmcs_write(VMCS_GUEST_RSP, rsp);
}

void vmx_flush_ept(void)
{
	if (vmx_invept_all() != VMX_OK)
		pr_err("INVEPT (all contexts) failed\n");
}
