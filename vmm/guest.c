/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* Running the configured guests, one after another, each in its own VM: lifecycle, run loop, reports. */
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
#include "vcpuid_vm.h"
#include "vmsr.h"
#include "xstate.h"

#define GUEST_RAM_ALIGN		(2ULL << 20)
#define GUEST_MAX_MODULES	TV_CONFIG_MAX_MODULES

static const struct boot_file *guest_find_file(const struct boot_info *bi, const char *path)
{
	for (unsigned int i = 0; i < bi->nr_files; i++)
		if (!tv_strcmp(bi->files[i].path, path))
			return &bi->files[i];
	return NULL;
}

const char *guest_end_name(enum vm_end end)
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

	for (unsigned int i = 0; i < TV_ARRAY_SIZE(msrs); i++)
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
		tv_snprintf(vm->end_why, sizeof(vm->end_why), "%s was not loaded from the ESP",
			    gc->path);
		return -TV_ENOENT;
	}
	tv_memset(&req, 0, sizeof(req));
	for (unsigned int m = 0; m < gc->nr_modules; m++) {
		const struct boot_file *f = guest_find_file(bi, gc->modules[m]);

		if (!f) {
			tv_snprintf(vm->end_why, sizeof(vm->end_why),
				    "module %s was not loaded from the ESP", gc->modules[m]);
			return -TV_ENOENT;
		}
		mods[m].data = f->data;
		mods[m].size = f->size;
		mods[m].cmdline = gc->modules[m];
	}
	ram = pool_alloc(gc->mem_bytes, GUEST_RAM_ALIGN);
	if (!ram) {
		tv_snprintf(vm->end_why, sizeof(vm->end_why), "no %llu MiB of RAM left for it",
			    (unsigned long long)(gc->mem_bytes >> 20));
		return -TV_ENOMEM;
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
		tv_snprintf(vm->end_why, sizeof(vm->end_why), "no memory for its EPT");
		return -TV_ENOMEM;
	}
	if (vm->pcpu->vmx.proc & PROC_TPR_SHADOW) {
		vm->vapic_page = (uint32_t *)(uintptr_t)pool_alloc(4096, 4096);
		if (!vm->vapic_page) {
			tv_snprintf(vm->end_why, sizeof(vm->end_why), "no memory for its virtual-APIC page");
			return -TV_ENOMEM;
		}
	}
	return 0;
}

void guest_dump_trace(const struct vm *vm, unsigned int max)
{
	const struct vapic *a = &vm->apic;
	unsigned int n = (unsigned int)TV_MIN((uint64_t)VAPIC_TRACE_SIZE, a->trace_total);

	n = TV_MIN(n, max);
	pr_info("guest %u timer trace, last %u of %llu (guest TSC: arm, deadline, fire +, "
		"inject +, path):\n", vm->index, n, (unsigned long long)a->trace_total);
	for (unsigned int i = 0; i < n; i++) {
		const struct vapic_trace_entry *t =
			&a->trace[(a->trace_next + VAPIC_TRACE_SIZE - n + i) % VAPIC_TRACE_SIZE];

		pr_info("  %llu %llu +%lld +%lld %s vector %#x\n", (unsigned long long)t->arm,
			(unsigned long long)t->deadline, (long long)(t->fire - t->deadline),
			(long long)(t->inject - t->deadline), vapic_notice_name(t->path), t->vector);
	}
}

static void guest_report_timer(const struct vm *vm)
{
	const struct vapic_stats *st = &vm->apic.stats;

	vm->pcpu->early_total += st->early;
	vm->pcpu->timer_total += st->injected;
	if (!st->injected && !st->fires[VAPIC_NOTICE_PREEMPT] && !st->fires[VAPIC_NOTICE_OTHER_EXIT])
		return;
	pr_info("guest %u timer: %llu delivered, %llu EARLY; fires: preemption-timer %llu, "
		"host-interrupt %llu, halt-wake %llu, halt-preemption-timer %llu, other-exit %llu; "
		"%llu held off by the guest, %llu due at once when written\n",
		vm->index, (unsigned long long)st->injected, (unsigned long long)st->early,
		(unsigned long long)st->fires[VAPIC_NOTICE_PREEMPT],
		(unsigned long long)st->fires[VAPIC_NOTICE_HOST_IRQ],
		(unsigned long long)st->fires[VAPIC_NOTICE_HALT_WAKE],
		(unsigned long long)st->fires[VAPIC_NOTICE_HALT_PREEMPT],
		(unsigned long long)st->fires[VAPIC_NOTICE_OTHER_EXIT],
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
		(unsigned long long)vm->apic.margin[VAPIC_NOTICE_PREEMPT],
		(unsigned long long)vm->apic.margin[VAPIC_NOTICE_HOST_IRQ],
		(unsigned long long)vm->apic.margin[VAPIC_NOTICE_HALT_WAKE]);
	guest_dump_trace(vm, 8);
}

/*
 * The machine-readable line of this guest (vmm/result.h): the runner judges
 * the guest from it, never from the guest's own text.  Kept by the console
 * ring (TV_LOG_KEEP) like the guests' verdict lines.
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
		.verdict = result_verdict_name((unsigned int)vm->end < TV_ARRAY_SIZE(ends) ?
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
	tv_log(TV_LOG_INFO | TV_LOG_KEEP, TV_LOG_SITE, pr_prefix, "TVRESULT %s %s\n", vmm_token(),
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
		int n = tv_snprintf(line, sizeof(line), "guest %u exits by reason:", vm->index);

		for (unsigned int r = 0; r < TV_ARRAY_SIZE(v->exits_by_reason) && n > 0 &&
		     (size_t)n < sizeof(line); r++)
			if (v->exits_by_reason[r])
				n += tv_snprintf(line + n, sizeof(line) - (size_t)n, " %u:%llu", r,
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
void guest_loop(struct vm *vm, uint64_t cal_fires)
{
	enum vapic_notice path = VAPIC_NOTICE_OTHER_EXIT;
	uint64_t delivered = 0;
	struct vmx_exit_info exit;
	struct vmx_exit_action act;

	/* Before the first entry: no exit to act on, nothing decided. */
	tv_memset(&exit, 0, sizeof(exit));
	tv_memset(&act, 0, sizeof(act));
	vm->vcpu.stage_mark = cpu_rdtsc();
	while (vm->end == VM_END_NONE) {
		if (!guest_before_entry(vm, path, &exit, &act))
			break;
		if (cal_fires && vm->apic.inject_pending) {
			uint64_t now = guest_tsc_host_now(vm), next;
			bool gp;

			/* Calibration: EOI for the guest and arm the next deadline right away. */
			delivered++;
			(void)vlapic_eoi(&vm->apic.lapic);
			if (delivered >= cal_fires) {
				vm->end = VM_END_HYPERCALL_EXIT;
				break;
			}
			next = now + GUEST_CAL_PERIOD + (delivered * 7919U) % 1000U;
			(void)vapic_msr(&vm->apic, MSR_IA32_TSC_DEADLINE, true, &next, now, &gp);
			act.preempt_at = guest_arm_timers(vm);
		}
		vm->preempt_at = act.preempt_at;
		if (vmx_vcpu_enter(&vm->vcpu, &vm->pcpu->vmx, &act, &exit)) {
			vm->end = VM_END_STOPPED;
			tv_strlcpy(vm->end_why, "VM entry failed", sizeof(vm->end_why));
			break;
		}
#ifdef TV_BENCH
		vm->vcpu.stage_sum[VCPU_STAGE_ENTER] += exit.entry_tsc - exit.spin_ticks -
						       TV_MIN(vm->vcpu.stage_mark,
							      exit.entry_tsc - exit.spin_ticks);
		vm->vcpu.stage_mark = exit.tsc;
#endif
		guest_stage(vm, VCPU_STAGE_SNAPSHOT);
		vapic_note_entry(&vm->apic, exit.entry_tsc + (uint64_t)vm->vcpu.tsc_offset);
		/*
		 * The margin to learn is the whole cost from the timer exit (or
		 * wake-up) to VMRESUME, less any time spent spinning for the deadline.
		 */
		if (vm->adapt_path >= 0 && exit.entry_tsc - exit.spin_ticks >= vm->adapt_from)
			vapic_adapt_margin(&vm->apic, (enum vapic_notice)vm->adapt_path,
					   exit.entry_tsc - exit.spin_ticks - vm->adapt_from);
		vm->last_rflags = exit.rflags;
		vm->last_exit_tsc = exit.tsc + (uint64_t)vm->vcpu.tsc_offset;
		if (vm->vapic_page)
			vapic_sync_from_page(&vm->apic, vm->vapic_page, guest_tsc_now(vm, &exit));
		/* A zero initialiser, not tv_memset(): that byte loop costs ~4 ticks a byte in Bochs. */
		act = (struct vmx_exit_action){ 0 };
		guest_stage(vm, VCPU_STAGE_BOOKKEEP);
#ifdef TV_BENCH
		{
			/* The handler's own cost, per reason: make bench publishes the bound. */
			uint64_t t0 = vm->vcpu.stage_mark, dt;
			unsigned int r = exit.reason & 63U;

			guest_handle_exit(vm, &exit, &act);
			guest_stage(vm, VCPU_STAGE_HANDLER);
			dt = vm->vcpu.stage_mark - t0;
			vm->vcpu.exit_cost_sum[r] += dt;
			vm->vcpu.exit_cost_max[r] = TV_MAX(vm->vcpu.exit_cost_max[r], dt);
		}
#else
		guest_handle_exit(vm, &exit, &act);
#endif
		if (act.stop)
			break;
		path = guest_path_of(&exit);
	}
	hosttimer_set(&vm->pcpu->ht, HOSTTIMER_ID_VTIMER, HOSTTIMER_NONE);
	hosttimer_arm_for_run(&vm->pcpu->ht, vm->pcpu->timers.running, 0);
}

#ifdef TV_BENCH
/*
 * One line: for each exit reason seen, count/average/maximum host TSC ticks
 * spent in its handler.  make bench collects the maxima: the published bound
 * of how long tickvisor's own work may hold a due interrupt at an exit.
 */
static const char *const guest_stage_names[VCPU_STAGE_COUNT] = {
	[VCPU_STAGE_SNAPSHOT] = "snapshot", [VCPU_STAGE_BOOKKEEP] = "bookkeeping",
	[VCPU_STAGE_HANDLER] = "handler",
	[VCPU_STAGE_EXPIRE] = "expire", [VCPU_STAGE_INJECT] = "inject",
	[VCPU_STAGE_PAGE] = "apic-page", [VCPU_STAGE_ARM] = "arm", [VCPU_STAGE_ENTER] = "enter",
};
#endif

static void guest_report_exit_costs(const struct vm *vm)
{
#ifdef TV_BENCH
	const struct vcpu *v = &vm->vcpu;
	char line[512];
	int n = tv_snprintf(line, sizeof(line), "guest %u exit handler cost by reason "
			    "(reason:count/avg/max host TSC ticks):", vm->index);

	for (unsigned int r = 0; r < TV_ARRAY_SIZE(v->exits_by_reason) && n > 0 &&
	     (size_t)n < sizeof(line); r++)
		if (v->exits_by_reason[r])
			n += tv_snprintf(line + n, sizeof(line) - (size_t)n, " %u:%llu/%llu/%llu", r,
					 (unsigned long long)v->exits_by_reason[r],
					 (unsigned long long)(v->exit_cost_sum[r] /
							      v->exits_by_reason[r]),
					 (unsigned long long)v->exit_cost_max[r]);
	pr_info("%s\n", line);
	if (!v->exits)
		return;
	n = tv_snprintf(line, sizeof(line), "guest %u exit path by stage (host TSC ticks per exit, "
			"average over %llu):", vm->index, (unsigned long long)v->exits);
	for (unsigned int st = 0; st < VCPU_STAGE_COUNT && n > 0 && (size_t)n < sizeof(line); st++)
		n += tv_snprintf(line + n, sizeof(line) - (size_t)n, " %s %llu",
				 guest_stage_names[st],
				 (unsigned long long)(v->stage_sum[st] / v->exits));
	pr_info("%s\n", line);
#else
	/* The costs are measured in the bench build only (guest_stage()). */
	(void)vm;
#endif
}

static bool guest_run_one(unsigned int index, const struct boot_info *bi,
			  const struct tv_guest_config *gc)
{
	struct pcpu *p = pcpu_this();
	struct vm *vm = &p->vm;
	struct mb_load_result res;
	uint64_t mark = pool_mark();
	uint64_t vmcs = vm->vcpu.vmcs_pa;
	bool ok;

	tv_memset(vm, 0, sizeof(*vm));
	vm->pcpu = p;
	vm->vcpu.vmcs_pa = vmcs;
	vm->vcpu.vm = vm;
	vm->index = index;
	vm->name = gc->path;
	vm->unmapped_stop = gc->unmapped == TV_UNMAPPED_STOP;
	tv_snprintf(vm->prefix, sizeof(vm->prefix), "G%u: ", index);
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

		vio_start_rtc(&vm->io, rtc_s, rtc_tsc, vm->pcpu->tsc_khz * 1000ULL);
	}
	if (vapic_init(&vm->apic, vm->pcpu->tsc_khz, bi->config->timer_min_period_us,
		       (enum vtimer_policy)bi->config->timer_policy)) {
		vm->end = VM_END_STOPPED;
		tv_strlcpy(vm->end_why, "its LAPIC configuration is invalid", sizeof(vm->end_why));
	}
	tv_memcpy(vm->apic.margin, vm->pcpu->boot_margin, sizeof(vm->pcpu->boot_margin));
	vmsr_init(&vm->msrs);
	guest_reset_passthrough_msrs();
	xstate_start_guest(vm);	/* XSAVE state, XCR0, DR0-3/DR6, TSC_AUX: vmm/xstate.h */
	vcpuid_vm_start(vm, gc->cpuid_hide);	/* cpuid_hide=: CPUID, LAPIC, XCR0 */
	guest_cpuid_start(vm);	/* CR4 qualification, MAXPHYADDR: page walks, IA32_APIC_BASE */
	guest_map_apic_page(vm);
	if (vm->vapic_page)
		vapic_sync_to_page(&vm->apic, vm->vapic_page);
	if (vmx_vcpu_init(&vm->vcpu, &vm->pcpu->vmx, vm->eptp, (uint16_t)(index + 1), res.entry,
			  res.info_gpa, (uint64_t)(uintptr_t)vm->vapic_page)) {
		vm->end = VM_END_STOPPED;
		tv_strlcpy(vm->end_why, "its VMCS could not be set up", sizeof(vm->end_why));
	}
	if (gc->timeout_s && vm->pcpu->tsc_khz)
		vm->deadline_tsc = cpu_rdtsc() + (uint64_t)gc->timeout_s * vm->pcpu->tsc_khz * 1000ULL;

	loadgen_start(&vm->pcpu->load, &vm->pcpu->ht, bi->config->load_timers, vm->pcpu->tsc_khz);
	guest_loop(vm, 0);
	xstate_end_guest(vm);
	loadgen_stop(&vm->pcpu->load);
	{
		struct vio_effect eff;

		tv_memset(&eff, 0, sizeof(eff));
		vio_flush_uart(&vm->io, &eff);
		if (eff.out_line)
			guest_print(vm, eff.out_line, eff.out_len);
	}
	vmx_vcpu_destroy(&vm->vcpu, &vm->pcpu->vmx);
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
 * Run the pCPU's queue to its end, one guest after another; a refused guest
 * (not loaded) is reported here, a guest that ran by guest_run_one().
 */
static void guest_run_queue(struct pcpu *p, const struct boot_info *bi, unsigned int *failed,
			    unsigned int *refused)
{
	while (p->runq.next < p->runq.nr) {
		unsigned int i = p->runq.guest[p->runq.next++];

		if (guest_run_one(i, bi, &bi->config->guests[i]))
			continue;
		if (p->vm.end == VM_END_REFUSED) {
			(*refused)++;
			guest_result(&p->vm);
		} else {
			(*failed)++;
		}
	}
}

enum tv_status guest_run_all(const struct boot_info *bi, const struct cpu_caps *caps,
			     uint64_t tsc_khz, const struct hpet_info *hpet, uint64_t ioapic_base)
{
	const struct tv_config *cfg = bi->config;
	struct pcpu *p = pcpu_this();
	unsigned int failed = 0, refused = 0;
	enum apic_path path;

	p->id = 0;
	p->vm.pcpu = p;

	{
		const struct vmx_caps *vc = &caps->vmx;
		const char *why = apic_path_choose(cfg->apic, vc->has_apic_access, vc->has_tpr_shadow,
						   vc->has_apic_register_virt, &path);

		if (why) {
			pr_err("%s\n", why);
			pr_err("VT-x lacks what guests need (see the capability report): no guest runs\n");
			return TV_STATUS_VMX_FAIL;
		}
	}
	if (vmx_setup_init(caps, path, &p->vmx)) {
		pr_err("VT-x lacks what guests need (see the capability report): no guest runs\n");
		return TV_STATUS_VMX_FAIL;
	}
	p->tsc_khz = tsc_khz;
	if (hosttimer_init(&p->ht, cfg->timer, p->vmx.has_preemption_timer,
			   caps->vmx.is_preemption_timer_broken, caps->has_tsc_deadline,
			   hpet && hpet->present, hpet ? hpet->freq_hz : 0, ioapic_base, tsc_khz,
			   &p->timers)) {
		pr_err("timer=%s cannot be honoured on this machine: no guest runs\n",
		       config_timer_name(cfg->timer));
		return TV_STATUS_CONFIG;
	}
	p->vm.vcpu.vmcs_pa = pool_alloc(4096, 4096);
	if (!p->vm.vcpu.vmcs_pa)
		return TV_STATUS_BOOT;
	guest_calibrate(p);
	if (cfg->nr_guests == 0) {
		pr_info("no guest= in the configuration: nothing to run\n");
		return TV_STATUS_OK;
	}
	pcpu_runq_fill(p, cfg->nr_guests);
	guest_run_queue(p, bi, &failed, &refused);
	/* A refused guest never ran: count it apart, so "ran" means ran. */
	pr_info("%u guest(s) ran, %u refused (not loaded); %u ended with a non-zero code or were "
		"stopped\n", cfg->nr_guests - refused, refused, failed);
	pr_info("timer: %llu interrupts delivered across all guests, %llu early fires\n",
		(unsigned long long)p->timer_total, (unsigned long long)p->early_total);
#ifdef TV_LOADGEN
	if (cfg->load_timers > 1)
		pr_info("load_timers=%u: %llu synthetic timer expiries served besides the guests'\n",
			cfg->load_timers, (unsigned long long)p->load.served);
#else
	if (cfg->load_timers > 1)
		pr_warn("load_timers=%u ignored: the load generator is in the bench image only "
			"(make bench)\n", cfg->load_timers);
#endif
	{
		struct result_run run = {
			.mode = "vmx", .guests = cfg->nr_guests, .ran = cfg->nr_guests - refused,
			.refused = refused, .failed = failed,
			.status = failed || refused ? TV_STATUS_GUEST_FAIL : TV_STATUS_OK,
			.early_total = p->early_total, .timer_total = p->timer_total,
		};
		char json[RESULT_JSON_MAX];

		result_format_run(json, sizeof(json), &run);
		tv_log(TV_LOG_INFO | TV_LOG_KEEP, TV_LOG_SITE, pr_prefix, "TVRUN %s %s\n", vmm_token(),
		       json);
		return (enum tv_status)run.status;
	}
}

