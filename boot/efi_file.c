/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#define pr_prefix "boot: "

#include "efi_file.h"

#include <efilib.h>

#include <tv/errno.h>
#include <tv/log.h>

#include "../vmm/config.h"
#include "boot.h"
#include <tv/string.h>

#define EFI_FILE_PATH_MAX	256U
/* A guest image or module larger than this is refused before reading. */
#define EFI_FILE_MAX_BYTES	(256ULL << 20)

static int efi_file_open(EFI_HANDLE image, EFI_LOADED_IMAGE *li, const char *path,
			 EFI_FILE_HANDLE *out)
{
	EFI_FILE_IO_INTERFACE *fs = NULL;
	EFI_FILE_HANDLE root = NULL;
	CHAR16 wpath[EFI_FILE_PATH_MAX];
	EFI_STATUS st;
	size_t i;

	(void)image;
	for (i = 0; path[i] && i + 1 < EFI_FILE_PATH_MAX; i++)
		wpath[i] = path[i] == '/' ? L'\\' : (CHAR16)path[i];
	if (path[i])
		return -TV_E2BIG;
	wpath[i] = 0;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, li->DeviceHandle,
			       &FileSystemProtocol, (void **)&fs);
	if (EFI_ERROR(st) || !fs) {
		pr_err("no file system on the boot device: EFI status %lx\n", (unsigned long)st);
		return -TV_EIO;
	}
	st = uefi_call_wrapper(fs->OpenVolume, 2, fs, &root);
	if (EFI_ERROR(st)) {
		pr_err("cannot open the boot volume: EFI status %lx\n", (unsigned long)st);
		return -TV_EIO;
	}
	st = uefi_call_wrapper(root->Open, 5, root, out, wpath, EFI_FILE_MODE_READ, 0);
	(void)uefi_call_wrapper(root->Close, 1, root);
	if (st == EFI_NOT_FOUND)
		return -TV_ENOENT;
	if (EFI_ERROR(st)) {
		pr_err("cannot open %s: EFI status %lx\n", path, (unsigned long)st);
		return -TV_EIO;
	}
	return 0;
}

static int efi_file_size(EFI_FILE_HANDLE f, uint64_t *size)
{
	EFI_FILE_INFO *info = LibFileInfo(f);

	if (!info)
		return -TV_EIO;
	if (info->Attribute & EFI_FILE_DIRECTORY) {
		FreePool(info);
		return -TV_EINVAL;
	}
	*size = info->FileSize;
	FreePool(info);
	return 0;
}

static int efi_file_read_all(EFI_FILE_HANDLE f, void *buf, uint64_t size)
{
	uint8_t *p = buf;
	uint64_t done = 0;

	while (done < size) {
		UINTN chunk = (UINTN)(size - done);
		EFI_STATUS st = uefi_call_wrapper(f->Read, 3, f, &chunk, p + done);

		if (EFI_ERROR(st) || chunk == 0)
			return -TV_EIO;
		done += chunk;
	}
	return 0;
}

int efi_file_read_into(EFI_HANDLE image, EFI_LOADED_IMAGE *li, const char *path,
		       void *buf, uint64_t cap, uint64_t *len)
{
	EFI_FILE_HANDLE f;
	uint64_t size = 0;
	int rc;

	rc = efi_file_open(image, li, path, &f);
	if (rc)
		return rc;
	rc = efi_file_size(f, &size);
	if (!rc && size > cap)
		rc = -TV_E2BIG;
	if (!rc)
		rc = efi_file_read_all(f, buf, size);
	(void)uefi_call_wrapper(f->Close, 1, f);
	if (!rc)
		*len = size;
	return rc;
}

static int efi_file_load_one(EFI_HANDLE image, EFI_LOADED_IMAGE *li, const char *path,
			     struct boot_info *bi)
{
	struct boot_file *bf;
	EFI_PHYSICAL_ADDRESS addr = 0;
	EFI_FILE_HANDLE f;
	uint64_t size = 0;
	EFI_STATUS st;
	int rc;

	for (unsigned int i = 0; i < bi->nr_files; i++)
		if (!tv_strcmp(bi->files[i].path, path))
			return 0;
	if (bi->nr_files >= BOOT_MAX_FILES) {
		pr_err("%s: more than %u files to load\n", path, BOOT_MAX_FILES);
		return -TV_E2BIG;
	}
	rc = efi_file_open(image, li, path, &f);
	if (rc) {
		pr_err("%s: %s\n", path, rc == -TV_ENOENT ? "no such file on the ESP" :
		       tv_strerror(rc));
		return rc;
	}
	rc = efi_file_size(f, &size);
	if (!rc && size > EFI_FILE_MAX_BYTES) {
		pr_err("%s: %llu bytes is larger than the %llu MiB limit\n", path,
		       (unsigned long long)size, (unsigned long long)(EFI_FILE_MAX_BYTES >> 20));
		rc = -TV_E2BIG;
	}
	if (!rc) {
		st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
				       (size + 4095) / 4096 + 1, &addr);
		if (EFI_ERROR(st))
			rc = -TV_ENOMEM;
	}
	if (!rc)
		rc = efi_file_read_all(f, (void *)(uintptr_t)addr, size);
	(void)uefi_call_wrapper(f->Close, 1, f);
	if (rc) {
		pr_err("%s: cannot read: %s\n", path, tv_strerror(rc));
		return rc;
	}
	bf = &bi->files[bi->nr_files++];
	tv_strlcpy(bf->path, path, sizeof(bf->path));
	bf->data = (uint8_t *)(uintptr_t)addr;
	bf->size = size;
	pr_info("loaded %s (%llu bytes) at %#llx\n", path, (unsigned long long)size,
		(unsigned long long)addr);
	return 0;
}

int efi_file_preload_guests(EFI_HANDLE image, EFI_LOADED_IMAGE *li,
			    const struct tv_config *cfg, struct boot_info *bi)
{
	int first = 0;

	for (unsigned int g = 0; g < cfg->nr_guests; g++) {
		const struct tv_guest_config *gc = &cfg->guests[g];
		int rc = efi_file_load_one(image, li, gc->path, bi);

		if (rc && !first)
			first = rc;
		for (unsigned int m = 0; m < gc->nr_modules; m++) {
			rc = efi_file_load_one(image, li, gc->modules[m], bi);
			if (rc && !first)
				first = rc;
		}
	}
	return first;
}
