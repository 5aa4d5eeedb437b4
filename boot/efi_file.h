/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* Reading files from the ESP we were loaded from (boot services only). */
#ifndef TV_BOOT_EFI_FILE_H
#define TV_BOOT_EFI_FILE_H

#include <efi.h>

#include <tv/types.h>

struct boot_info;
struct tv_config;

/*
 * @brief Read a whole file, given as an ASCII path with '\' or '/' separators,
 *        from the volume the image was loaded from into buf.
 * @retval 0 read, *len set; -TV_ENOENT no such file; -TV_E2BIG larger than cap;
 *         -TV_EIO a firmware error (logged).
 */
int efi_file_read_into(EFI_HANDLE image, EFI_LOADED_IMAGE *li, const char *path,
		       void *buf, uint64_t cap, uint64_t *len);

/*
 * @brief Read every guest image and module the configuration names into
 *        loader-data pages that survive ExitBootServices, recording them in bi->files.
 * @return 0, or the first error (each failure is logged with the path; the
 *         run goes on and the guest is refused later with that reason).
 */
int efi_file_preload_guests(EFI_HANDLE image, EFI_LOADED_IMAGE *li,
			    const struct tv_config *cfg, struct boot_info *bi);

#endif /* TV_BOOT_EFI_FILE_H */
