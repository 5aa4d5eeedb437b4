/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* The boot calibration of the timer paths' exit-to-entry cost. */
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
#include "vmsr.h"

#define GUEST_CAL_RAM		(2ULL << 20)
#define GUEST_CAL_ENTRY		0x2000U
#define GUEST_CAL_VECTOR	0x40U
#define GUEST_CAL_FIRES		16U

/*
 * The calibration guest's timer, set up as a guest would through the vapic
 * faces (which keep the model's deadline): software-enable the APIC (SVR
 * bit 8; at power-up every LVT is masked), LVTT in TSC-deadline mode, and
 * the first deadline GUEST_CAL_PERIOD ahead.
 */
static void guest_cal_arm(struct vm *vm, uint64_t now)
{
	uint64_t base = vlapic_get_base_address(&vm->apic.lapic);
	uint64_t svr = 0x1ffU, lvtt = GUEST_CAL_VECTOR | (2U << 17);
	uint64_t deadline = now + GUEST_CAL_PERIOD;
	bool gp;

	(void)vapic_mmio(&vm->apic, base + 0xf0U, 4, true, &svr, now);
	(void)vapic_mmio(&vm->apic, base + 0x320U, 4, true, &lvtt, now);
	(void)vapic_msr(&vm->apic, MSR_IA32_TSC_DEADLINE, true, &deadline, now, &gp);
}

/*
 * "Measure at boot, per path, the ticks from expiry to guest delivery": a
 * two-instruction guest (STI; JMP $, then STI; HLT) takes TSC-deadline
 * interrupts through the same code as real guests, once running and once
 * halted, and the margins it learns become every guest's starting point.
 */
void guest_calibrate(struct pcpu *pc)
{
	static const uint8_t code_run[] = { 0xfb, 0xeb, 0xfe };		/* sti; jmp $ */
	static const uint8_t code_halt[] = { 0xfb, 0xf4, 0xeb, 0xfd };	/* sti; 1: hlt; jmp 1b */
	struct vm *vm = &pc->vm;
	uint64_t vmcs = vm->vcpu.vmcs_pa, tsc_khz = pc->tsc_khz;

	for (int phase = 0; phase < 2; phase++) {
		uint64_t mark = pool_mark(), ram = pool_alloc(GUEST_CAL_RAM, 2ULL << 20), now;
		uint64_t *gdt = (uint64_t *)(uintptr_t)ram;
		uint8_t *gate = (uint8_t *)(uintptr_t)(ram + GUEST_CAL_VECTOR * 8U);

		tv_memset(vm, 0, sizeof(*vm));
		vm->pcpu = pc;
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
			tv_memcpy(vm->ram + GUEST_CAL_ENTRY, code_run, sizeof(code_run));
		else
			tv_memcpy(vm->ram + GUEST_CAL_ENTRY, code_halt, sizeof(code_halt));
		vm->eptp = ept_build(ram, GUEST_CAL_RAM);
		if (pc->vmx.proc & PROC_TPR_SHADOW)
			vm->vapic_page = (uint32_t *)(uintptr_t)pool_alloc(4096, 4096);
		tv_snprintf(vm->prefix, sizeof(vm->prefix), "cal: ");
		vio_init(&vm->io, vm->ram_bytes, 1);
		if (!vm->eptp || ((pc->vmx.proc & PROC_TPR_SHADOW) && !vm->vapic_page) ||
		    vapic_init(&vm->apic, tsc_khz, 200, VTIMER_POLICY_COALESCE)) {
			pool_release_to(mark);
			return;
		}
		tv_memcpy(vm->apic.margin, pc->boot_margin, sizeof(pc->boot_margin));
		now = cpu_rdtsc();
		guest_cal_arm(vm, now);
		guest_map_apic_page(vm);
		if (vm->vapic_page)
			vapic_sync_to_page(&vm->apic, vm->vapic_page);
		if (vmx_vcpu_init(&vm->vcpu, &pc->vmx, vm->eptp, 63, GUEST_CAL_ENTRY, 0,
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
		for (unsigned int p = 0; p < VAPIC_NOTICE_COUNT; p++)
			if (vm->apic.margin[p])
				pc->boot_margin[p] = vm->apic.margin[p];
		vmx_vcpu_destroy(&vm->vcpu, &pc->vmx);
		pool_release_to(mark);
	}
	pr_info("timer calibration at boot (exit to ready, TSC ticks): preemption-timer %llu, "
		"host-interrupt %llu, halt-wake %llu, halt-preemption-timer %llu\n",
		(unsigned long long)pc->boot_margin[VAPIC_NOTICE_PREEMPT],
		(unsigned long long)pc->boot_margin[VAPIC_NOTICE_HOST_IRQ],
		(unsigned long long)pc->boot_margin[VAPIC_NOTICE_HALT_WAKE],
		(unsigned long long)pc->boot_margin[VAPIC_NOTICE_HALT_PREEMPT]);
}

