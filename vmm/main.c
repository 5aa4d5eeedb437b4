/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The VMM after ExitBootServices: own stack and CPU tables, ACPI, the
 * capability report, host timers, VMX root, then the guests, then the end.
 */
#define pr_prefix "vmm: "

#include <tv/errno.h>
#include <tv/log.h>
#include <tv/status.h>
#include <x86/cpu.h>

#include "../boot/boot.h"
#include "../hw/acpi.h"
#include "../hw/cpu.h"
#include "../hw/hpet.h"
#include "../hw/power.h"
#include "../hw/tsc.h"
#include "../vmx/caps_read.h"
#include "../vmx/vmx.h"
#include "config.h"
#include "guest.h"
#include "log.h"
#include "native.h"
#include "pcpu.h"
#include "pool.h"
#include "result.h"

#define VMM_STACK_BYTES	(64U * 1024U)

static struct acpi_info vmm_acpi;
static struct hpet_info vmm_hpet;
static struct tsc_info vmm_tsc;
/* Boot-time constant: written once by vmm_pick_token() before any guest runs. */
static char vmm_token_text[RESULT_TOKEN_LEN + 1];

const char *vmm_token(void)
{
	return vmm_token_text;
}

/* RDRAND (CF = 1: a random value was returned); Intel SDM Vol. 1, 7.3.17.1: retry up to 10 times. */
static bool vmm_rdrand(uint64_t *v)
{
	/* The SDM's advice: retry a few times before giving up on the DRNG. */
	for (int i = 0; i < 10; i++)
		if (cpu_rdrand(v))
			return true;
	return false;
}

/*
 * The per-boot token of the result lines (vmm/result.h): RDRAND when
 * CPUID.01H:ECX.RDRAND[bit 30] says it exists, mixed with the TSC and where
 * the firmware put things.  Under Bochs the TSC counts instructions and
 * RDRAND is the host's rand(), so the token may repeat from boot to boot:
 * it is not a secret from someone who read an earlier log, only a mark no
 * guest text can carry by accident or by copying tickvisor's lines; guest
 * lines are told apart by their "Gn: " prefix in any case.
 */
static void vmm_pick_token(const struct boot_info *bi)
{
	struct cpuid_regs r;
	uint64_t t = result_token_mix(0, cpu_rdtsc()), v;
	bool hw = false;

	cpu_cpuid(1, 0, &r);
	if ((r.ecx & (1U << 30)) && vmm_rdrand(&v)) {
		t = result_token_mix(t, v);
		hw = true;
	}
	t = result_token_mix(t, bi->image_base ^ (bi->pool_base << 7) ^ bi->memmap.max_phys_addr);
	t = result_token_mix(t, bi->memmap.conventional_bytes ^ ((uint64_t)bi->exit_boot_services_tries << 48));
	t = result_token_mix(t, cpu_rdtsc());
	result_token_text(t, vmm_token_text);
	pr_info("TVTOKEN %s: this boot's result lines (TVRESULT, TVRUN, end) carry it (%s)\n",
		vmm_token_text, hw ? "RDRAND and TSC" : "TSC and boot addresses; no RDRAND");
}

/* The config's console-ring bounds are vmm/log.h's. */
TV_STATIC_ASSERT(TV_CONFIG_LOG_RING_MIN == LOG_RING_MIN_BYTES &&
		 TV_CONFIG_LOG_RING_MAX == LOG_RING_MAX_BYTES &&
		 TV_CONFIG_LOG_RING_DEFAULT == LOG_RING_DEFAULT_BYTES, "log ring bounds differ");

static const char vmm_vtx_remedy[] =
	"remedy: on an Intel host, load kvm_intel with nested=1 (e.g. "
	"`echo 'options kvm_intel nested=1' | sudo tee /etc/modprobe.d/kvm-nested.conf` and reload it) "
	"and run QEMU with -enable-kvm -cpu host,+vmx (`make run PLATFORM=qemu`); on bare "
	"metal, enable Intel VT-x (Virtualization Technology) in the firmware setup; "
	"anywhere, `make run PLATFORM=bochs` emulates VT-x in software";

static TV_NORETURN void vmm_no_vtx(const char *why)
{
	pr_err("VT-x not available: %s\n", why);
	pr_err("%s\n", vmm_vtx_remedy);
	vmm_end(TV_STATUS_NO_VTX, "VT-x not available");
}

/* power_set_cleanup()'s hook: leave VMX root operation before power-off or reset. */
static void vmm_leave_vmx(void)
{
	vmx_off(&pcpu_this()->root);
}

static void vmm_bring_up_vmx(const struct cpu_caps *caps)
{
	int rc;

	if (!caps->has_vmx)
		vmm_no_vtx(!caps->is_intel ? "this is not an Intel CPU (CPUID.1:ECX.VMX[5] = 0); "
			   "tickvisor needs Intel VT-x" :
			   "CPUID.1:ECX.VMX[bit 5] = 0: the CPU, or the hypervisor below us, "
			   "offers no VMX");
	rc = vmx_setup_feature_control();
	if (rc == -TV_EPERM)
		vmm_no_vtx("IA32_FEATURE_CONTROL is locked with VMX disabled by the firmware");
	if (rc)
		vmm_no_vtx("IA32_FEATURE_CONTROL cannot be set up");
	power_set_cleanup(vmm_leave_vmx);
	if (vmx_on(&pcpu_this()->root))
		vmm_end(TV_STATUS_VMX_FAIL, "VMXON failed");
}

/* fault=: take an exception on purpose, to show the VMM's exception report. */
static void vmm_fault_on_purpose(enum tv_fault fault)
{
	uint64_t v = 0;

	if (fault == TV_FAULT_NONE)
		return;
	pr_warn("fault=%s: the VMM now faults on purpose\n",
		fault == TV_FAULT_UD ? "ud" : fault == TV_FAULT_GP ? "gp" :
		fault == TV_FAULT_PF ? "pf" : "de");
	switch (fault) {
	case TV_FAULT_UD:
		__asm__ volatile("ud2");
		break;
	case TV_FAULT_GP:	/* non-canonical address */
		__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(0x8000000000000000ULL) : "memory");
		break;
	case TV_FAULT_PF:	/* beyond the identity map (PML4 entry 1 is absent) */
		__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(0x0000008000000000ULL) : "memory");
		break;
	case TV_FAULT_DE:
		__asm__ volatile("xorl %%edx, %%edx; divl %%ecx" : "+a"(v) : "c"(0) : "rdx");
		break;
	case TV_FAULT_NONE:
		break;
	}
	pr_err("fault=: the exception did not happen (value %#llx)\n", (unsigned long long)v);
}

static TV_NORETURN void vmm_main_on_stack(void *arg)
{
	struct boot_info *bi = arg;
	const struct tv_config *cfg = bi->config;
	struct pcpu *p = pcpu_this();
	struct cpu_caps *caps = &p->caps;
	enum tv_status status;

	vmm_pick_token(bi);
	cpu_set_image(bi->image_base, bi->image_size);
	if (cpu_tables_init(bi->memmap.max_phys_addr))
		vmm_end(TV_STATUS_BOOT, "cannot build the VMM's CPU tables");
	acpi_discover(bi->rsdp, &vmm_acpi);
	power_set_acpi(&vmm_acpi);
	power_set_halt(cfg->halt);

	caps_collect_and_report(caps);
	vmm_fault_on_purpose(cfg->fault);

	if (hpet_init(vmm_acpi.has_hpet ? vmm_acpi.hpet_base : 0, &vmm_hpet))
		pr_warn("no usable HPET: the host fallback queue cannot use HPET comparators, "
			"and TSC calibration falls back to the PIT\n");
	if (tsc_calibrate(caps->tsc_khz, caps->tsc_source == CAPS_TSC_CPUID_15 ? TSC_SRC_CPUID_15H :
			  TSC_SRC_CPUID_16H, &vmm_hpet, &vmm_tsc) == 0)
		log_set_tsc_khz(vmm_tsc.khz);

	if (cfg->mode == TV_MODE_NATIVE) {
		(void)native_run(bi);
		vmm_end(TV_STATUS_GUEST_FAIL, "mode=native could not start the guest");
	}
	if (cfg->vmx == TV_VMX_OFF) {
		pr_info("vmx=off: capability report only, VMX not entered\n");
		vmm_end(TV_STATUS_OK, "report only (vmx=off)");
	}
	vmm_bring_up_vmx(caps);
	/*
	 * Guests may print while their timers run: from here the console is
	 * asynchronous (issue 11), so no VM exit waits for the UART.
	 */
	if (log_ring_configure((uint32_t)cfg->log_ring, cfg->log_block))
		pr_warn("no console ring of %llu bytes: the console stays synchronous\n",
			(unsigned long long)cfg->log_ring);
	status = guest_run_all(bi, caps, vmm_tsc.khz, &vmm_hpet, vmm_acpi.ioapic_addr);
	log_go_sync();
	vmx_off(&p->root);
	vmm_end(status, status == TV_STATUS_OK ? "all guests ran and exited with code 0" :
		status == TV_STATUS_GUEST_FAIL ? "a guest failed or was stopped (see above)" :
		"guests could not run");
}

TV_NORETURN void vmm_main(struct boot_info *bi)
{
	uint64_t stack;

	pool_init(bi->pool_base, bi->pool_bytes);
	stack = pool_alloc(VMM_STACK_BYTES, 4096);
	if (!stack)
		vmm_end(TV_STATUS_BOOT, "no memory for the VMM stack");
	pcpu_this()->stack_bottom = stack;
	pcpu_this()->stack_top = stack + VMM_STACK_BYTES;
	cpu_set_stack(stack, stack + VMM_STACK_BYTES);
	vmm_call_on_stack(stack + VMM_STACK_BYTES, vmm_main_on_stack, bi);
}
