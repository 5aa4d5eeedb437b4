/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "native: "

#include "native.h"

#include <tv/errno.h>
#include <tv/log.h>
#include <tv/status.h>
#include <x86/cpu.h>

#include "../boot/boot.h"
#include "../hw/serial.h"
#include "config.h"
#include "mb_loader.h"
#include "pool.h"
#include "result.h"
#include <tv/string.h>

/* The legacy hole (VGA, option ROMs, BIOS) is never part of a Multiboot load. */
#define NATIVE_HOLE_START	0xa0000ULL
#define NATIVE_HOLE_END		0x100000ULL

TV_NORETURN void native_enter(uint32_t entry, uint32_t info);

static bool native_overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int native_check_free(const struct boot_info *bi, uint64_t ram_bytes)
{
	uint64_t enter = (uint64_t)(uintptr_t)native_enter;

	if (native_overlaps(0, ram_bytes, bi->image_base, bi->image_size)) {
		pr_err("guest RAM [0, %#llx) overlaps tickvisor's image at %#llx: use a smaller mem=\n",
		       (unsigned long long)ram_bytes, (unsigned long long)bi->image_base);
		return -TV_EBUSY;
	}
	if (native_overlaps(0, ram_bytes, bi->pool_base, bi->pool_bytes)) {
		pr_err("guest RAM [0, %#llx) overlaps tickvisor's memory pool at %#llx: use a "
		       "smaller mem=\n", (unsigned long long)ram_bytes,
		       (unsigned long long)bi->pool_base);
		return -TV_EBUSY;
	}
	for (unsigned int i = 0; i < bi->nr_files; i++) {
		if (native_overlaps(0, ram_bytes, (uint64_t)(uintptr_t)bi->files[i].data,
				    bi->files[i].size)) {
			pr_err("guest RAM [0, %#llx) overlaps the loaded file %s: use a smaller mem=\n",
			       (unsigned long long)ram_bytes, bi->files[i].path);
			return -TV_EBUSY;
		}
	}
	if (enter >= (1ULL << 32) || bi->image_base + bi->image_size > (1ULL << 32)) {
		pr_err("tickvisor was loaded above 4 GiB (%#llx): it cannot leave long mode from "
		       "there\n", (unsigned long long)bi->image_base);
		return -TV_ERANGE;
	}
	return 0;
}

/*
 * The result lines of a native run (vmm/result.h): the guest was handed the
 * machine (it ends the run itself, so only its own EXIT line tells how it
 * ended) or never started; then main.c ends the run with status 5.
 */
static void native_result(const struct tv_guest_config *gc, enum result_end end, const char *why)
{
	struct result_guest g = {
		.index = 0, .name = gc->path, .verdict = result_verdict_name(end, 0),
		.end = end == RESULT_END_HANDED ? "handed over (mode=native)" :
		       end == RESULT_END_REFUSED ? "REFUSED" : "not started",
		.why = why,
	};
	struct result_run run = {
		.mode = "native", .guests = 1, .ran = end == RESULT_END_HANDED,
		.refused = end == RESULT_END_REFUSED, .failed = end == RESULT_END_STOPPED,
		.status = end == RESULT_END_HANDED ? -1 : TV_STATUS_GUEST_FAIL,
	};
	char json[RESULT_JSON_MAX];

	result_format_guest(json, sizeof(json), &g);
	tv_log(TV_LOG_INFO | TV_LOG_KEEP, TV_LOG_SITE, pr_prefix, "TVRESULT %s %s\n", vmm_token(),
	       json);
	result_format_run(json, sizeof(json), &run);
	tv_log(TV_LOG_INFO | TV_LOG_KEEP, TV_LOG_SITE, pr_prefix, "TVRUN %s %s\n", vmm_token(), json);
}

int native_run(const struct boot_info *bi)
{
	const struct tv_config *cfg = bi->config;
	const struct tv_guest_config *gc;
	struct mb_module_src mods[TV_CONFIG_MAX_MODULES];
	const struct boot_file *img = NULL;
	struct mb_load_request req;
	struct mb_load_result res;
	char why[160];
	uint64_t staging;
	int rc;

	if (cfg->nr_guests == 0) {
		pr_err("mode=native needs a guest= to run\n");
		return -TV_EINVAL;
	}
	gc = &cfg->guests[0];
	if (cfg->nr_guests > 1)
		pr_warn("mode=native runs only the first guest (%s): the guest owns the machine and "
			"ends the run; %u more ignored\n", gc->path, cfg->nr_guests - 1);
	tv_memset(&req, 0, sizeof(req));
	for (unsigned int i = 0; i < bi->nr_files; i++) {
		if (!tv_strcmp(bi->files[i].path, gc->path))
			img = &bi->files[i];
		for (unsigned int m = 0; m < gc->nr_modules; m++) {
			if (!tv_strcmp(bi->files[i].path, gc->modules[m])) {
				mods[m].data = bi->files[i].data;
				mods[m].size = bi->files[i].size;
				mods[m].cmdline = gc->modules[m];
				req.nr_modules = TV_MAX(req.nr_modules, m + 1);
			}
		}
	}
	if (!img || req.nr_modules != gc->nr_modules) {
		pr_err("%s or one of its modules was not loaded from the ESP\n", gc->path);
		native_result(gc, RESULT_END_STOPPED, "it or one of its modules was not loaded from the ESP");
		return -TV_ENOENT;
	}
	rc = native_check_free(bi, gc->mem_bytes);
	if (rc) {
		native_result(gc, RESULT_END_STOPPED, "its memory overlaps tickvisor's (see above)");
		return rc;
	}
	/* Build the guest's memory in a staging copy first: low memory is still in use until the copy. */
	staging = pool_alloc(gc->mem_bytes, 4096);
	if (!staging) {
		pr_err("no room to stage %llu MiB of guest memory\n",
		       (unsigned long long)(gc->mem_bytes >> 20));
		native_result(gc, RESULT_END_STOPPED, "no room to stage its memory");
		return -TV_ENOMEM;
	}
	req.image = img->data;
	req.image_size = img->size;
	req.image_name = gc->path;
	req.cmdline = gc->args;
	req.modules = mods;
	req.boot_loader_name = "tickvisor (native)";
	rc = mb_load((uint8_t *)(uintptr_t)staging, gc->mem_bytes, &req, &res, why, sizeof(why));
	if (rc) {
		pr_err("%s refused: %s\n", gc->path, why);
		native_result(gc, RESULT_END_REFUSED, why);
		return rc;
	}
	pr_info("handing the machine to %s (%s, entry %#x, info %#x, %llu MiB at physical 0); "
		"its own output follows and it ends the run\n", gc->path,
		mb_image_kind_name(res.kind), res.entry, res.info_gpa,
		(unsigned long long)(gc->mem_bytes >> 20));
	native_result(gc, RESULT_END_HANDED, "");
	serial_drain();
	cpu_cli();
	/*
	 * Copy everything but the legacy hole.  The destination starts at
	 * physical 0, which C may not name as a pointer, so the copy is done by
	 * REP MOVSQ in cpu_copy_phys().
	 */
	cpu_copy_phys(0, staging, NATIVE_HOLE_START);
	cpu_copy_phys(NATIVE_HOLE_END, staging + NATIVE_HOLE_END, gc->mem_bytes - NATIVE_HOLE_END);
	native_enter(res.entry, res.info_gpa);
}
