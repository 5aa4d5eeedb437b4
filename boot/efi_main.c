/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The firmware stage: everything that needs UEFI boot services happens here,
 * in this order, and nowhere else:
 *   serial + banner, configuration (file, then load options), RSDP, the VMM's
 *   memory pool, files the guests need, the memory map, ExitBootServices.
 * Then vmm_main() takes over on its own GDT/IDT/page tables and stack.
 */
#define pr_prefix "boot: "

#include <efi.h>
#include <efilib.h>

#include <tv/errno.h>
#include <tv/log.h>
#include <tv/status.h>

#include "../hw/power.h"
#include "../hw/serial.h"
#include "../vmm/config.h"
#include "../vmm/log.h"
#include "boot.h"
#include "efi_file.h"
#include <tv/string.h>

#ifndef TV_VERSION
#define TV_VERSION "unknown"
#endif
#ifndef TV_GIT_REV
#define TV_GIT_REV "unknown"
#endif

#define BOOT_CONFIG_PATH	"\\EFI\\BOOT\\tickvisor.cfg"
#define BOOT_CONFIG_MAX		(64U * 1024U)
#define BOOT_OPTIONS_MAX	4096U
/* Memory for the VMM itself: page tables, stacks, VMCS pages, bitmaps. */
#define BOOT_POOL_VMM_BYTES	(32ULL << 20)
#define BOOT_MMAP_BYTES		(64U * 1024U)
#define BOOT_EBS_TRIES		8U

static struct tv_config boot_config;
static struct boot_info boot_info;
static uint8_t boot_mmap_buf[BOOT_MMAP_BYTES] __attribute__((aligned(16)));

void boot_efi_shutdown(int status)
{
	uefi_call_wrapper(RT->ResetSystem, 4, EfiResetShutdown,
			  status ? EFI_ABORTED : EFI_SUCCESS, 0, NULL);
}

/*
 * Load options are UCS-2 text when we are started from the shell or a boot
 * entry with text arguments, but a boot manager may pass binary optional
 * data: accept only printable ASCII, and drop the first word when it is the
 * program's own name (it holds no '=').
 */
static size_t boot_load_options(EFI_LOADED_IMAGE *li, char *out, size_t cap)
{
	const CHAR16 *w = li->LoadOptions;
	size_t n = li->LoadOptionsSize / sizeof(CHAR16), len = 0, i = 0;

	if (!w || n == 0 || (li->LoadOptionsSize & 1U))
		return 0;
	for (size_t k = 0; k < n && w[k]; k++) {
		if (w[k] != '\t' && (w[k] < 0x20 || w[k] > 0x7e)) {
			pr_dbg("load options are not text (%u bytes): ignored\n",
			       (unsigned int)li->LoadOptionsSize);
			return 0;
		}
	}
	/* Skip the program name if the first word has no '='. */
	while (i < n && w[i] == ' ')
		i++;
	{
		size_t j = i;
		bool has_eq = false;

		while (j < n && w[j] && w[j] != ' ') {
			if (w[j] == '=')
				has_eq = true;
			j++;
		}
		if (!has_eq)
			i = j;
	}
	for (; i < n && w[i] && len + 1 < cap; i++)
		out[len++] = (char)w[i];
	out[len] = '\0';
	return len;
}

static void boot_echo_config_line(void *ctx, const char *line)
{
	(void)ctx;
	pr_info("config: %s\n", line);
}

static void boot_report_config_error(const struct config_error *err)
{
	char line[256];

	(void)config_format_error(err, line, sizeof(line));
	pr_err("config error: %s\n", line);
}

static int boot_read_config(EFI_HANDLE image, EFI_LOADED_IMAGE *li)
{
	static char text[BOOT_CONFIG_MAX + 1];
	static char opts[BOOT_OPTIONS_MAX];
	struct config_error err;
	uint64_t len = 0;
	size_t olen;
	int rc;

	config_init_defaults(&boot_config);
	rc = efi_file_read_into(image, li, BOOT_CONFIG_PATH, text, BOOT_CONFIG_MAX, &len);
	if (rc == -TV_ENOENT) {
		pr_info("no %s: using the defaults\n", BOOT_CONFIG_PATH);
	} else if (rc) {
		pr_err("cannot read %s: %s\n", BOOT_CONFIG_PATH, tv_strerror(rc));
		return rc;
	} else {
		text[len] = '\0';
		pr_info("read %s (%u bytes)\n", BOOT_CONFIG_PATH, (unsigned int)len);
		rc = config_parse_file(&boot_config, text, (size_t)len, &err);
		if (rc) {
			boot_report_config_error(&err);
			return rc;
		}
	}
	olen = boot_load_options(li, opts, sizeof(opts));
	if (olen) {
		pr_info("load options: %s\n", opts);
		rc = config_parse_load_options(&boot_config, opts, &err);
		if (rc) {
			boot_report_config_error(&err);
			return rc;
		}
	}
	log_set_level(boot_config.log);
	pr_info("effective configuration:\n");
	config_dump(&boot_config, boot_echo_config_line, NULL);
	return 0;
}

static uint64_t boot_find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	uint64_t rsdp1 = 0;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &acpi20))
			return (uint64_t)(uintptr_t)t->VendorTable;
		if (!CompareGuid(&t->VendorGuid, &acpi10))
			rsdp1 = (uint64_t)(uintptr_t)t->VendorTable;
	}
	return rsdp1;
}

static const char *boot_memtype_name(UINT32 type)
{
	static const char *const names[] = {
		"reserved", "loader-code", "loader-data", "bs-code", "bs-data",
		"rt-code", "rt-data", "conventional", "unusable", "acpi-reclaim",
		"acpi-nvs", "mmio", "mmio-port", "pal-code", "persistent",
	};

	return type < TV_ARRAY_SIZE(names) ? names[type] : "other";
}

/* Usable once boot services are gone: memory the firmware handed back. */
static bool boot_memtype_is_free(UINT32 type)
{
	return type == EfiConventionalMemory || type == EfiBootServicesCode ||
	       type == EfiBootServicesData || type == EfiLoaderCode;
}

static void boot_summarize_memmap(UINTN size, UINTN desc_size, bool log_each)
{
	struct boot_memmap_summary *s = &boot_info.memmap;

	tv_memset(s, 0, sizeof(*s));
	for (UINTN off = 0; off + desc_size <= size; off += desc_size) {
		EFI_MEMORY_DESCRIPTOR *d = (EFI_MEMORY_DESCRIPTOR *)(boot_mmap_buf + off);
		uint64_t bytes = d->NumberOfPages << 12;
		uint64_t end = d->PhysicalStart + bytes;

		s->descriptors++;
		if (end > s->max_phys_addr && d->Type != EfiMemoryMappedIO &&
		    d->Type != EfiMemoryMappedIOPortSpace)
			s->max_phys_addr = end;
		if (boot_memtype_is_free(d->Type)) {
			s->conventional_bytes += bytes;
			if (bytes > s->largest_free_bytes) {
				s->largest_free_bytes = bytes;
				s->largest_free_base = d->PhysicalStart;
			}
		}
		if (log_each)
			pr_dbg("memmap: %016llx-%016llx %-12s attr %llx\n",
			       (unsigned long long)d->PhysicalStart,
			       (unsigned long long)end - 1, boot_memtype_name(d->Type),
			       (unsigned long long)d->Attribute);
	}
}

static int boot_alloc_pool(void)
{
	EFI_PHYSICAL_ADDRESS addr = 0;
	uint64_t guest_ram = 0, bytes;
	EFI_STATUS st;

	/* Guests run one after another: the largest one's RAM is reused by each. */
	for (unsigned int g = 0; g < boot_config.nr_guests; g++)
		guest_ram = TV_MAX(guest_ram, boot_config.guests[g].mem_bytes);
	bytes = BOOT_POOL_VMM_BYTES + guest_ram;
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData,
			       bytes >> 12, &addr);
	if (EFI_ERROR(st)) {
		pr_err("cannot reserve %llu MiB for the VMM: EFI status %lx\n",
		       (unsigned long long)(bytes >> 20), (unsigned long)st);
		return -TV_ENOMEM;
	}
	boot_info.pool_base = addr;
	boot_info.pool_bytes = bytes;
	pr_info("reserved %llu MiB for the VMM at %#llx\n",
		(unsigned long long)(bytes >> 20), (unsigned long long)addr);
	return 0;
}

/*
 * UEFI spec, "ExitBootServices()": if the map key is stale the call fails
 * with EFI_INVALID_PARAMETER and the caller must get the map again and retry;
 * between the two calls only GetMemoryMap may be used, so nothing is logged
 * here (our serial driver is ours, but keep the window small anyway).
 */
static int boot_exit_boot_services(EFI_HANDLE image)
{
	UINTN size, key, desc_size;
	UINT32 desc_ver;
	EFI_STATUS st = EFI_SUCCESS;

	for (unsigned int tries = 1; tries <= BOOT_EBS_TRIES; tries++) {
		size = sizeof(boot_mmap_buf);
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size,
				       (EFI_MEMORY_DESCRIPTOR *)boot_mmap_buf, &key,
				       &desc_size, &desc_ver);
		if (EFI_ERROR(st))
			break;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (!EFI_ERROR(st)) {
			boot_info.exit_boot_services_tries = tries;
			boot_summarize_memmap(size, desc_size, false);
			return 0;
		}
	}
	pr_err("ExitBootServices failed: EFI status %lx\n", (unsigned long)st);
	return -TV_EIO;
}

static void boot_log_memmap(void)
{
	UINTN size = sizeof(boot_mmap_buf), key, desc_size;
	UINT32 desc_ver;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size,
			       (EFI_MEMORY_DESCRIPTOR *)boot_mmap_buf, &key, &desc_size,
			       &desc_ver);
	if (EFI_ERROR(st)) {
		pr_warn("GetMemoryMap failed: EFI status %lx\n", (unsigned long)st);
		return;
	}
	boot_summarize_memmap(size, desc_size, true);
	pr_info("memory map: %u descriptors, %llu MiB usable after boot services, "
		"highest address %#llx\n", boot_info.memmap.descriptors,
		(unsigned long long)(boot_info.memmap.conventional_bytes >> 20),
		(unsigned long long)boot_info.memmap.max_phys_addr);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_STATUS st;
	int rc;

	InitializeLib(image, systab);
	serial_init(SERIAL_COM1);
	log_init();
	pr_info("tickvisor %s (git %s), a LAPIC-timer hypervisor for Intel VT-x\n",
		TV_VERSION, TV_GIT_REV);

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
			       (void **)&li);
	if (EFI_ERROR(st) || !li) {
		pr_err("no loaded-image protocol: EFI status %lx\n", (unsigned long)st);
		vmm_end(TV_STATUS_BOOT, "firmware gave no loaded-image protocol");
	}
	boot_info.image_base = (uint64_t)(uintptr_t)li->ImageBase;
	boot_info.image_size = li->ImageSize;
	pr_info("ImageBase %#llx size %#llx (gdb: add-symbol-file build/tickvisor.debug -o %#llx)\n",
		(unsigned long long)boot_info.image_base,
		(unsigned long long)boot_info.image_size,
		(unsigned long long)boot_info.image_base);
	log_set_image_base(boot_info.image_base);

	/* Without this the firmware resets the machine after five minutes. */
	(void)uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);

	rc = boot_read_config(image, li);
	if (rc)
		vmm_end(TV_STATUS_CONFIG, "configuration error");
	boot_info.config = &boot_config;

	boot_info.rsdp = boot_find_rsdp();
	if (boot_info.rsdp)
		pr_info("ACPI RSDP at %#llx\n", (unsigned long long)boot_info.rsdp);
	else
		pr_info("no ACPI RSDP in the EFI configuration table\n");

	if (boot_alloc_pool())
		vmm_end(TV_STATUS_BOOT, "cannot reserve memory for the VMM");
	rc = efi_file_preload_guests(image, li, &boot_config, &boot_info);
	if (rc)
		pr_warn("some guest files could not be read: %s\n", tv_strerror(rc));

	boot_log_memmap();
	pr_info("exiting boot services\n");
	if (boot_exit_boot_services(image))
		vmm_end(TV_STATUS_BOOT, "ExitBootServices failed");
	pr_info("boot services exited after %u attempt(s)\n", boot_info.exit_boot_services_tries);
	vmm_main(&boot_info);
}
