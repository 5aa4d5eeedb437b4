/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The guest runner's own declarations, shared by its files only:
 *   guest.c        VM lifecycle: prepare, run loop, reports, result lines
 *   guest_exit.c   VM-exit dispatch and the exit handlers
 *   guest_mmio.c   the APIC page in EPT; decoded MMIO accesses
 *   guest_string.c string instructions: MOVS/STOS on the empty bus, INS/OUTS
 *   guest_entry.c  before each entry: execute the delivery plan (timer/plan.h)
 *   guest_cal.c    the boot calibration of the timer paths
 *   loadgen.c      load_timers' synthetic timers (bench build only, TV_BENCH)
 * Per-CPU state is in struct pcpu, per-VM state in struct vm: none of
 * these files keeps state of its own.
 */
#ifndef TV_VMM_GUEST_PRIV_H
#define TV_VMM_GUEST_PRIV_H

#include <tv/types.h>
#include <x86/cpu.h>

#include "../vmx/vcpu.h"
#include "guest.h"
#include "gwalk.h"
#include "insn.h"
#include "mmio_check.h"
#include "pcpu.h"
#include "vm.h"

#define GUEST_SPIN_SLACK	64U	/* ticks an early-armed exit may still be short by */
#define GUEST_CAL_PERIOD	20000U	/* ticks between calibration deadlines */
/* The longest an entry waits for the console ring (guest_serve_console()). */
#define GUEST_CONSOLE_MAX_MS	20U

/*
 * Close the running stage of the exit path at host TSC now and start the
 * next one.  Bench build only (make bench, -DTV_BENCH): an RDTSC and two
 * stores per stage cost the product image ~74 ticks per exit in Bochs.
 */
static inline void guest_stage(struct vm *vm, enum vcpu_stage stage)
{
#ifdef TV_BENCH
	uint64_t now = cpu_rdtsc();

	vm->vcpu.stage_sum[stage] += now - vm->vcpu.stage_mark;
	vm->vcpu.stage_mark = now;
#else
	(void)vm;
	(void)stage;
#endif
}

/* Guest time: the host TSC at the exit plus the VM's TSC offset. */
static inline uint64_t guest_tsc_now(const struct vm *vm, const struct vmx_exit_info *e)
{
	return e->tsc + (uint64_t)vm->vcpu.tsc_offset;
}

static inline uint64_t guest_tsc_host_now(const struct vm *vm)
{
	return cpu_rdtsc() + (uint64_t)vm->vcpu.tsc_offset;
}

/* guest_exit.c */
void guest_print(const struct vm *vm, const char *text, size_t len);
void guest_print_text(const struct vm *vm, const char *text, size_t len);
void guest_cpuid_start(struct vm *vm);
void guest_stop(struct vm *vm, enum vm_end end, struct vmx_exit_action *act, const char *fmt, ...)
	TV_PRINTF(4, 5);
void guest_inject_gp(struct vmx_exit_action *act);
void guest_inject_ud(struct vmx_exit_action *act);
void guest_handle_exit(struct vm *vm, const struct vmx_exit_info *e, struct vmx_exit_action *act);
struct insn;
/*
 * @brief The data breakpoints (DR7 R/W = 01B or 11B) that a decoded MOV's
 *        memory operand meets, as pending-debug-exception bits for
 *        act->debug_traps (vmm/vdebug.h); 0 when DR7 enables none.
 */
uint64_t guest_mmio_breakpoints(struct vm *vm, const struct vmx_exit_info *e,
				const struct insn *in, bool is_write);

/* guest_exit.c, for the string I/O of guest_string.c */
struct vio_effect;
void guest_apply_vio(struct vm *vm, const struct vio_effect *eff, struct vmx_exit_action *act);
uint64_t guest_io_breakpoints(const struct vmx_exit_info *e, uint16_t port, unsigned int size);

/* guest_mmio.c */
/* The guest's paging as the exit left it, for the walks of its memory operands. */
struct guest_walk_ctx {
	struct gwalk_cpu cpu;
	unsigned int cpl;	/* SS.DPL (SDM Vol. 3A, "Privilege Levels") */
	bool is_64;		/* IA-32e mode with CS.L: 64-bit mode */
};
struct guest_walk_ctx guest_walk_ctx_of(const struct vmx_exit_info *e);
/* The base of segment seg: 0 in 64-bit mode for ES, CS, SS and DS (SDM Vol. 1 3.4.2.1). */
uint64_t guest_seg_base(const struct guest_walk_ctx *ctx, enum insn_seg seg);
int guest_operand_pieces(const struct vm *vm, const struct guest_walk_ctx *ctx,
			 uint64_t lin, unsigned int width, bool is_write,
			 struct mmio_piece *out, unsigned int *n, struct gwalk_fault *fault);
typedef enum insn_status (*guest_decode_fn)(const uint8_t *bytes, size_t avail,
					    enum insn_mode mode, struct insn *out);
int guest_fetch_decode(struct vm *vm, const struct vmx_exit_info *e, const char *where,
		       guest_decode_fn decode, struct insn *in, struct vmx_exit_action *act);
void guest_map_apic_page(struct vm *vm);
void guest_emulate_apic_mmio(struct vm *vm, const struct vmx_exit_info *e,
			     enum mmio_exit_kind kind, uint64_t gpa, struct vmx_exit_action *act);
void guest_emulate_no_device(struct vm *vm, const struct vmx_exit_info *e,
			     struct vmx_exit_action *act);
/* Outside RAM and every device: unmapped=bus or stop (vmm/guest_mmio.c). */
void guest_emulate_unmapped(struct vm *vm, const struct vmx_exit_info *e,
			    struct vmx_exit_action *act);

/* guest_string.c */
void guest_emulate_string(struct vm *vm, const struct vmx_exit_info *e,
			  const struct insn *in, struct vmx_exit_action *act);
void guest_emulate_string_io(struct vm *vm, const struct vmx_exit_info *e,
			     struct vmx_exit_action *act);

/* guest_entry.c */
enum vapic_notice guest_path_of(const struct vmx_exit_info *e);
bool guest_before_entry(struct vm *vm, enum vapic_notice path, const struct vmx_exit_info *exit,
			struct vmx_exit_action *act);
uint64_t guest_arm_timers(struct vm *vm);

/* guest.c */
const char *guest_end_name(enum vm_end end);
void guest_dump_trace(const struct vm *vm, unsigned int max);
void guest_loop(struct vm *vm, uint64_t cal_fires);

/* guest_cal.c */
void guest_calibrate(struct pcpu *p);

#endif /* TV_VMM_GUEST_PRIV_H */
