/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * What boot/ hands to vmm/ after ExitBootServices, and the few firmware
 * services that stay usable afterwards.  This header is free of <efi.h>: it
 * is the seam between the firmware world and the VMM.
 */
#ifndef TV_BOOT_BOOT_H
#define TV_BOOT_BOOT_H

#include <tv/types.h>

struct tv_config;

/* Memory-map summary (the full map is logged at debug level before exit). */
struct boot_memmap_summary {
	uint32_t descriptors;
	uint64_t conventional_bytes;	/* usable RAM after ExitBootServices */
	uint64_t largest_free_base;
	uint64_t largest_free_bytes;
	uint64_t max_phys_addr;		/* end of the highest described range */
};

/* A file read from the ESP before ExitBootServices, kept in pool memory. */
struct boot_file {
	char path[128];
	uint8_t *data;
	uint64_t size;
};

#define BOOT_MAX_FILES	40

struct boot_info {
	uint64_t image_base;
	uint64_t image_size;
	uint64_t rsdp;			/* physical address, 0 if the firmware gave none */
	uint64_t pool_base;		/* memory reserved for the VMM (identity mapped) */
	uint64_t pool_bytes;
	uint32_t exit_boot_services_tries;
	struct boot_memmap_summary memmap;
	struct tv_config *config;
	unsigned int nr_files;
	struct boot_file files[BOOT_MAX_FILES];
};

/*
 * @brief Ask the firmware's runtime services to power the machine off.
 * Usable before and after ExitBootServices; returns only if it failed.
 */
void boot_efi_shutdown(int status);

/* @brief Entered from efi_main() after ExitBootServices; never returns. */
TV_NORETURN void vmm_main(struct boot_info *bi);

#endif /* TV_BOOT_BOOT_H */
