/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * vmm/mb_loader: Multiboot v1 loading (Multiboot Specification 0.6.96) into
 * a fake guest RAM.  The images are built here, byte by byte: ELF32, ELF64
 * and the a.out kludge.  Every refusal is checked to leave RAM untouched;
 * a seeded mutation run checks that malformed images never make the loader
 * read or write out of bounds (ASan watches the exact-size buffers).  When
 * build/guests/ holds the real guest images, they are loaded too.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tv/errno.h>
#include <x86/multiboot.h>

#include "../../vmm/mb_loader.h"

#define T_MIB		(1024ULL * 1024ULL)
#define T_RAM		(8 * T_MIB)
#define T_IMG_CAP	0x20000U
#define T_MB_OFF	0x200U		/* where the builders put the Multiboot header */
#define T_DATA_OFF	0x1000U		/* first segment's file data */
#define T_POISON	0x5a

/* ---- little-endian writers ---- */

static void t_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void t_put32(uint8_t *p, uint32_t v)
{
	t_put16(p, (uint16_t)v);
	t_put16(p + 2, (uint16_t)(v >> 16));
}

static void t_put64(uint8_t *p, uint64_t v)
{
	t_put32(p, (uint32_t)v);
	t_put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t t_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static uint64_t t_get64(const uint8_t *p)
{
	return (uint64_t)t_get32(p) | ((uint64_t)t_get32(p + 4) << 32);
}

/* Basic header (magic, flags, checksum) at off; a.out fields when aout != NULL. */
static void t_put_mb(uint8_t *img, uint32_t off, uint32_t flags, const uint32_t *aout)
{
	t_put32(img + off, MB_HEADER_MAGIC);
	t_put32(img + off + 4, flags);
	t_put32(img + off + 8, 0U - (MB_HEADER_MAGIC + flags));
	if (aout) {
		unsigned int i;

		for (i = 0; i < 5; i++)
			t_put32(img + off + 12 + 4 * i, aout[i]);
	}
}

/* Content of byte k of segment i's file data. */
static uint8_t t_pattern(unsigned int i, uint64_t k)
{
	return (uint8_t)(0x31 + i * 29 + k * 7 + (k >> 8));
}

/* ---- ELF builder ---- */

struct t_seg {
	uint32_t type;		/* 0 means PT_LOAD */
	uint64_t paddr;
	uint64_t filesz;
	uint64_t memsz;
};

struct t_elf {
	bool is64;
	uint64_t entry;
	const struct t_seg *segs;
	unsigned int nr_segs;
	uint32_t mb_flags;
};

static uint64_t t_seg_off[8];	/* file offset of each segment's data, from the last build */

/* An ET_EXEC ELF with the given segments, Multiboot header at T_MB_OFF; returns its size. */
static uint64_t t_build_elf(uint8_t *img, const struct t_elf *e)
{
	uint32_t ehsize = e->is64 ? 64 : 52, phsize = e->is64 ? 56 : 32;
	uint64_t off = T_DATA_OFF;
	unsigned int i;
	uint64_t k;

	memset(img, 0, T_IMG_CAP);
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = e->is64 ? 2 : 1;
	img[5] = 1;
	img[6] = 1;
	t_put16(img + 16, 2);
	t_put16(img + 18, e->is64 ? 62 : 3);
	t_put32(img + 20, 1);
	if (e->is64) {
		t_put64(img + 24, e->entry);
		t_put64(img + 32, ehsize);
		t_put16(img + 52, (uint16_t)ehsize);
		t_put16(img + 54, (uint16_t)phsize);
		t_put16(img + 56, (uint16_t)e->nr_segs);
	} else {
		t_put32(img + 24, (uint32_t)e->entry);
		t_put32(img + 28, ehsize);
		t_put16(img + 40, (uint16_t)ehsize);
		t_put16(img + 42, (uint16_t)phsize);
		t_put16(img + 44, (uint16_t)e->nr_segs);
	}
	for (i = 0; i < e->nr_segs; i++) {
		const struct t_seg *s = &e->segs[i];
		uint8_t *ph = img + ehsize + i * phsize;
		uint32_t type = s->type ? s->type : 1;

		t_seg_off[i] = off;
		t_put32(ph, type);
		if (e->is64) {
			t_put32(ph + 4, 7);
			t_put64(ph + 8, off);
			t_put64(ph + 16, s->paddr);
			t_put64(ph + 24, s->paddr);
			t_put64(ph + 32, s->filesz);
			t_put64(ph + 40, s->memsz);
			t_put64(ph + 48, 0x1000);
		} else {
			t_put32(ph + 4, (uint32_t)off);
			t_put32(ph + 8, (uint32_t)s->paddr);
			t_put32(ph + 12, (uint32_t)s->paddr);
			t_put32(ph + 16, (uint32_t)s->filesz);
			t_put32(ph + 20, (uint32_t)s->memsz);
			t_put32(ph + 24, 7);
			t_put32(ph + 28, 0x1000);
		}
		for (k = 0; k < s->filesz && off + k < T_IMG_CAP; k++)
			img[off + k] = t_pattern(i, k);
		off = (off + s->filesz + 15) & ~15ULL;
	}
	t_put_mb(img, T_MB_OFF, e->mb_flags, NULL);
	return off;
}

/* The usual guest: text+data at 1 MiB, bss after it, a second segment at 1 MiB + 64 KiB. */
static const struct t_seg t_two_segs[] = {
	{ 0, 0x100000, 0x1800, 0x3000 },
	{ 0, 0x110000, 0x0900, 0x0900 },
};

static uint64_t t_build_default(uint8_t *img, bool is64)
{
	struct t_elf e = { is64, 0x100040, t_two_segs, 2, MB_HEADER_PAGE_ALIGN | MB_HEADER_MEMORY_INFO };

	return t_build_elf(img, &e);
}

/* ---- a.out kludge builder ---- */

/*
 * A flat file loaded at load_addr: the header at file offset 0x40, file bytes
 * t_pattern(0, k), bss up to bss_end.  load_end 0 means "to the end of the file".
 */
static uint64_t t_build_aout(uint8_t *img, uint32_t load_addr, uint32_t file_len,
			     uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	uint32_t aout[5] = { load_addr + 0x40, load_addr, load_end, bss_end, entry };
	uint32_t k;

	memset(img, 0, T_IMG_CAP);
	for (k = 0; k < file_len; k++)
		img[k] = t_pattern(0, k);
	t_put_mb(img, 0x40, MB_HEADER_PAGE_ALIGN | MB_HEADER_MEMORY_INFO | MB_HEADER_AOUT_KLUDGE,
		 aout);
	return file_len;
}

/* ---- RAM and load helpers ---- */

static uint8_t t_img[T_IMG_CAP];
static char t_why[256];

static uint8_t *t_ram_new(uint64_t bytes, int fill)
{
	uint8_t *ram = malloc(bytes);

	if (ram)
		memset(ram, fill, bytes);
	return ram;
}

static bool t_ram_all(const uint8_t *ram, uint64_t from, uint64_t to, uint8_t v)
{
	uint64_t i;

	for (i = from; i < to; i++)
		if (ram[i] != v)
			return false;
	return true;
}

static struct mb_load_request t_req(const uint8_t *img, uint64_t size)
{
	struct mb_load_request r;

	memset(&r, 0, sizeof(r));
	r.image = img;
	r.image_size = size;
	r.boot_loader_name = "tickvisor";
	return r;
}

/*
 * Load expecting refusal with err and a reason containing `want`; RAM,
 * poisoned beforehand, and the result must stay untouched.
 */
static void t_expect_refusal(uint64_t ram_bytes, const struct mb_load_request *req, int err,
			     const char *want)
{
	uint8_t *ram = t_ram_new(ram_bytes, T_POISON);
	struct mb_load_result res;
	int ret;

	if (!UT_CHECK(ram))
		return;
	memset(&res, 0xa5, sizeof(res));
	memset(t_why, 0, sizeof(t_why));
	ret = mb_load(ram, ram_bytes, req, &res, t_why, sizeof(t_why));
	UT_CHECK_MSG(ret == err, "mb_load returned %d (%s), want %d; why \"%s\"", ret,
		     tv_strerror(ret), err, t_why);
	UT_CHECK_MSG(strstr(t_why, want) != NULL, "reason \"%s\" lacks \"%s\"", t_why, want);
	UT_CHECK_MSG(t_ram_all(ram, 0, ram_bytes, T_POISON), "a refused load wrote to RAM");
	UT_CHECK(t_ram_all((const uint8_t *)&res, 0, sizeof(res), 0xa5));
	free(ram);
}

/* Load expecting success into zeroed RAM of ram_bytes; the caller frees *ramp. */
static bool t_expect_load(uint64_t ram_bytes, const struct mb_load_request *req,
			  struct mb_load_result *res, uint8_t **ramp)
{
	uint8_t *ram = t_ram_new(ram_bytes, 0);
	int ret;

	*ramp = ram;
	if (!UT_CHECK(ram))
		return false;
	ret = mb_load(ram, ram_bytes, req, res, t_why, sizeof(t_why));
	return UT_CHECK_MSG(ret == 0, "mb_load returned %d (%s): %s", ret, tv_strerror(ret), t_why);
}

static struct mb_info t_info(const uint8_t *ram, const struct mb_load_result *res)
{
	struct mb_info info;

	memcpy(&info, ram + res->info_gpa, sizeof(info));
	return info;
}

static bool t_segment_loaded(const uint8_t *ram, unsigned int i, const struct t_seg *s)
{
	uint64_t k;

	for (k = 0; k < s->filesz; k++)
		if (ram[s->paddr + k] != t_pattern(i, k))
			return false;
	return t_ram_all(ram, s->paddr + s->filesz, s->paddr + s->memsz, 0);
}

/* ---- placement ---- */

static void elf32_segments_load_at_paddr(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram;

	if (t_expect_load(T_RAM, &req, &res, &ram)) {
		UT_CHECK(t_segment_loaded(ram, 0, &t_two_segs[0]));
		UT_CHECK(t_segment_loaded(ram, 1, &t_two_segs[1]));
		UT_EQ(res.kind, MB_IMAGE_ELF32);
		UT_EQ(res.header_offset, T_MB_OFF);
		/* Nothing of the file between or around the segments. */
		UT_CHECK(t_ram_all(ram, 0x103000, 0x110000, 0));
		UT_CHECK(t_ram_all(ram, 0x110900, 0x111000, 0));
	}
	free(ram);
}

static void elf_bss_tail_is_zeroed_over_stale_ram(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram = t_ram_new(T_RAM, 0xcc);
	int ret;

	if (!UT_CHECK(ram))
		return;
	ret = mb_load(ram, T_RAM, &req, &res, t_why, sizeof(t_why));
	UT_EQ(ret, 0);
	/* p_memsz - p_filesz: "the remaining bytes are zeroed" even when RAM held garbage. */
	UT_CHECK(t_ram_all(ram, 0x101800, 0x103000, 0));
	UT_EQ(ram[0x100000 + 0x17ff], t_pattern(0, 0x17ff));
	/* The whole loader area is zeroed before the info block goes in. */
	UT_CHECK(t_ram_all(ram, MB_LOAD_AREA_START + sizeof(struct mb_info), MB_LOAD_MMAP_GPA, 0));
	free(ram);
}

static void elf32_result_entry_and_range(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram;

	if (t_expect_load(T_RAM, &req, &res, &ram)) {
		UT_EQ(res.entry, 0x100040);
		UT_EQ(res.info_gpa, MB_LOAD_INFO_GPA);
		UT_EQ(res.load_start, 0x100000);
		UT_EQ(res.load_end, 0x110900);
		UT_EQ(res.modules_end, 0x110900);
		UT_EQ(res.header_flags, MB_HEADER_PAGE_ALIGN | MB_HEADER_MEMORY_INFO);
		UT_STREQ(t_why, "");
	}
	free(ram);
}

static void elf64_loads_with_32bit_entry(void)
{
	uint64_t size = t_build_default(t_img, true);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram;

	if (t_expect_load(T_RAM, &req, &res, &ram)) {
		UT_EQ(res.kind, MB_IMAGE_ELF64);
		UT_EQ(res.entry, 0x100040);
		UT_CHECK(t_segment_loaded(ram, 0, &t_two_segs[0]));
		UT_CHECK(t_segment_loaded(ram, 1, &t_two_segs[1]));
		UT_STREQ(mb_image_kind_name(res.kind), "ELF64");
	}
	free(ram);
}

static void elf64_entry_beyond_4g_refused(void)
{
	struct t_elf e = { true, 0x100000100040ULL, t_two_segs, 2, 0 };
	uint64_t size = t_build_elf(t_img, &e);
	struct mb_load_request req = t_req(t_img, size);

	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "beyond 4 GiB");
}

static void entry_outside_segments_refused(void)
{
	struct t_elf e = { false, 0x105000, t_two_segs, 2, 0 };
	uint64_t size = t_build_elf(t_img, &e);
	struct mb_load_request req = t_req(t_img, size);

	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "outside every loaded segment");
}

static void non_load_and_empty_segments_ignored(void)
{
	/* PT_NOTE (4) pointing at page 0 and a PT_LOAD with p_memsz 0 load nothing. */
	static const struct t_seg segs[] = {
		{ 4, 0x0, 0x10, 0x10 },
		{ 0, 0x200000, 0, 0 },
		{ 0, 0x100000, 0x100, 0x200 },
	};
	struct t_elf e = { false, 0x100000, segs, 3, 0 };
	uint64_t size = t_build_elf(t_img, &e);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram;

	if (t_expect_load(T_RAM, &req, &res, &ram)) {
		UT_EQ(res.load_start, 0x100000);
		UT_EQ(res.load_end, 0x100200);
		UT_CHECK(t_segment_loaded(ram, 2, &segs[2]));
		UT_CHECK(t_ram_all(ram, 0, 0x1000, 0));
	}
	free(ram);
}

static void aout_kludge_loads_file_and_bss(void)
{
	uint64_t size = t_build_aout(t_img, 0x200000, 0x3000, 0x202800, 0x205000, 0x200100);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram = t_ram_new(T_RAM, 0xcc);
	int ret;
	uint32_t k;
	bool same = true;

	if (!UT_CHECK(ram))
		return;
	ret = mb_load(ram, T_RAM, &req, &res, t_why, sizeof(t_why));
	UT_CHECK_MSG(ret == 0, "%d %s", ret, t_why);
	/* load_end_addr 0x202800: only 0x2800 of the 0x3000 file bytes are loaded. */
	for (k = 0; k < 0x2800; k++)
		same &= ram[0x200000 + k] == t_img[k];
	UT_CHECK(same);
	UT_CHECK(t_ram_all(ram, 0x202800, 0x205000, 0));
	UT_EQ(ram[0x205000], 0xcc);
	UT_EQ(res.kind, MB_IMAGE_AOUT_KLUDGE);
	UT_EQ(res.entry, 0x200100);
	UT_EQ(res.load_start, 0x200000);
	UT_EQ(res.load_end, 0x205000);
	UT_EQ(res.header_offset, 0x40);
	free(ram);
}

static void aout_load_end_zero_loads_whole_file(void)
{
	uint64_t size = t_build_aout(t_img, 0x180000, 0x2345, 0, 0, 0x180000);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram;

	if (t_expect_load(T_RAM, &req, &res, &ram)) {
		UT_CHECK(memcmp(ram + 0x180000, t_img, 0x2345) == 0);
		UT_EQ(res.load_end, 0x182345);
		UT_EQ(ram[0x182345], 0);
	}
	free(ram);
}

static void aout_kludge_takes_precedence_over_elf(void)
{
	/* An ELF whose header also carries address fields: those win (spec flag 16, QEMU). */
	uint64_t size = t_build_default(t_img, false);
	uint32_t aout[5] = { 0x300000 + T_MB_OFF, 0x300000, 0, 0x310000, 0x300000 + T_DATA_OFF };
	struct mb_load_request req;
	struct mb_load_result res;
	uint8_t *ram;

	t_put_mb(t_img, T_MB_OFF, MB_HEADER_AOUT_KLUDGE, aout);
	req = t_req(t_img, size);
	if (t_expect_load(T_RAM, &req, &res, &ram)) {
		UT_EQ(res.kind, MB_IMAGE_AOUT_KLUDGE);
		UT_CHECK(memcmp(ram + 0x300000, "\x7f" "ELF", 4) == 0);
		UT_CHECK(memcmp(ram + 0x300000, t_img, size) == 0);
		UT_CHECK(t_ram_all(ram, 0x100000, 0x120000, 0));
		UT_EQ(res.entry, 0x301000);
	}
	free(ram);
}

static void aout_header_addr_below_load_addr_refused(void)
{
	uint64_t size = t_build_aout(t_img, 0x200000, 0x2000, 0, 0, 0x200000);
	uint32_t aout[5] = { 0x1ff000, 0x200000, 0, 0, 0x200000 };
	struct mb_load_request req;

	t_put_mb(t_img, 0x40, MB_HEADER_AOUT_KLUDGE, aout);
	req = t_req(t_img, size);
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "header_addr 0x1ff000 is below load_addr");
	/* header_addr - load_addr larger than the header's file offset: load would start before the file. */
	aout[0] = 0x200100;
	t_put_mb(t_img, 0x40, MB_HEADER_AOUT_KLUDGE, aout);
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "before the file");
}

static void aout_truncated_refused(void)
{
	uint64_t size = t_build_aout(t_img, 0x200000, 0x2000, 0x203000, 0, 0x200000);
	struct mb_load_request req = t_req(t_img, size);

	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "a.out kludge truncated");
	/* Address fields cut off by the end of the file. */
	req.image_size = 0x40 + 20;
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "run past the end of the file");
}

static void aout_bss_below_load_end_refused(void)
{
	uint64_t size = t_build_aout(t_img, 0x200000, 0x2000, 0x202000, 0x201000, 0x200000);
	struct mb_load_request req = t_req(t_img, size);

	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "bss_end_addr 0x201000 is below");
}

/* ---- boot information ---- */

static void info_flags_and_memory_fields(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	struct mb_info info;
	uint8_t *ram;

	if (t_expect_load(T_RAM, &req, &res, &ram)) {
		info = t_info(ram, &res);
		UT_EQ(info.flags, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS |
			  MB_INFO_MEM_MAP | MB_INFO_BOOT_LOADER_NAME);
		UT_EQ(info.mem_lower, 639);
		UT_EQ(info.mem_upper, (T_RAM - T_MIB) / 1024);
		UT_EQ(info.boot_device, 0);
		UT_EQ(info.syms[0] | info.syms[1] | info.syms[2] | info.syms[3], 0);
		UT_EQ(info.framebuffer_addr, 0);
	}
	free(ram);
}

static void mem_upper_follows_ram_size(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram;

	if (t_expect_load(64 * T_MIB, &req, &res, &ram))
		UT_EQ(t_info(ram, &res).mem_upper, 63 * 1024);
	free(ram);
	if (t_expect_load(2 * T_MIB + 0x3000, &req, &res, &ram))
		UT_EQ(t_info(ram, &res).mem_upper, 1024 + 12);
	free(ram);
}

static void mmap_describes_low_holes_and_ram(void)
{
	static const uint64_t want[4][3] = {
		{ 0x0, 0x9fc00, MB_MEMORY_AVAILABLE },
		{ 0x9fc00, 0x400, MB_MEMORY_RESERVED },
		{ 0xf0000, 0x10000, MB_MEMORY_RESERVED },
		{ 0x100000, T_RAM - 0x100000, MB_MEMORY_AVAILABLE },
	};
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	struct mb_info info;
	uint8_t *ram;
	uint32_t at, n = 0;

	if (!t_expect_load(T_RAM, &req, &res, &ram)) {
		free(ram);
		return;
	}
	info = t_info(ram, &res);
	UT_EQ(info.mmap_addr, MB_LOAD_MMAP_GPA);
	UT_EQ(info.mmap_length, 4 * 24);
	/* Walk it the way a guest does: the next entry is at &size + 4 + size. */
	for (at = info.mmap_addr; at < info.mmap_addr + info.mmap_length && n < 8;
	     at += 4 + t_get32(ram + at), n++) {
		if (!UT_CHECK(n < 4))
			break;
		UT_EQ(t_get32(ram + at), 20);
		UT_EQ(t_get64(ram + at + 4), want[n][0]);
		UT_EQ(t_get64(ram + at + 12), want[n][1]);
		UT_EQ(t_get32(ram + at + 20), want[n][2]);
	}
	UT_EQ(n, 4);
	free(ram);
}

static void cmdline_null_gives_empty_string(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	struct mb_info info;
	uint8_t *ram;

	if (t_expect_load(T_RAM, &req, &res, &ram)) {
		info = t_info(ram, &res);
		UT_CHECK(info.cmdline >= MB_LOAD_STRINGS_GPA && info.cmdline < MB_LOAD_AREA_END);
		UT_STREQ((const char *)ram + info.cmdline, "");
	}
	free(ram);
}

static void cmdline_is_copied(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram;

	req.cmdline = "console=ttyS0 selftest=timer";
	if (t_expect_load(T_RAM, &req, &res, &ram))
		UT_STREQ((const char *)ram + t_info(ram, &res).cmdline, "console=ttyS0 selftest=timer");
	free(ram);
}

static void cmdline_with_image_name_like_qemu(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram;

	/* QEMU -kernel: "<kernel path> <args>", with the space even when args is empty. */
	req.image_name = "\\guests\\hello.elf";
	req.cmdline = "a=1";
	if (t_expect_load(T_RAM, &req, &res, &ram))
		UT_STREQ((const char *)ram + t_info(ram, &res).cmdline, "\\guests\\hello.elf a=1");
	free(ram);
	req.cmdline = NULL;
	if (t_expect_load(T_RAM, &req, &res, &ram))
		UT_STREQ((const char *)ram + t_info(ram, &res).cmdline, "\\guests\\hello.elf ");
	free(ram);
}

static void boot_loader_name_defaults_to_tickvisor(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram;

	req.boot_loader_name = "tv-test";
	if (t_expect_load(T_RAM, &req, &res, &ram))
		UT_STREQ((const char *)ram + t_info(ram, &res).boot_loader_name, "tv-test");
	free(ram);
	req.boot_loader_name = NULL;
	if (t_expect_load(T_RAM, &req, &res, &ram))
		UT_STREQ((const char *)ram + t_info(ram, &res).boot_loader_name, "tickvisor");
	free(ram);
}

static void modules_page_aligned_after_kernel(void)
{
	static const uint8_t env[] = "KEY=VALUE\nMODE=test\n";
	static uint8_t big[0x2001];
	struct mb_module_src mods[3] = {
		{ env, sizeof(env) - 1, "\\guests\\hello.env" },
		{ big, sizeof(big), NULL },
		{ NULL, 0, "empty" },
	};
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	struct mb_info info;
	struct mb_module m[3];
	uint8_t *ram;

	memset(big, 0xb1, sizeof(big));
	req.modules = mods;
	req.nr_modules = 3;
	if (!t_expect_load(T_RAM, &req, &res, &ram)) {
		free(ram);
		return;
	}
	info = t_info(ram, &res);
	UT_EQ(info.mods_count, 3);
	UT_EQ(info.mods_addr, MB_LOAD_MODS_GPA);
	memcpy(m, ram + info.mods_addr, sizeof(m));
	/* Kernel ends at 0x110900: first page boundary above it. */
	UT_EQ(m[0].mod_start, 0x111000);
	UT_EQ(m[0].mod_end, 0x111000 + sizeof(env) - 1);
	UT_EQ(m[1].mod_start, 0x112000);
	UT_EQ(m[1].mod_end, 0x114001);
	UT_EQ(m[2].mod_start, 0x115000);
	UT_EQ(m[2].mod_end, 0x115000);
	UT_EQ(m[0].reserved | m[1].reserved | m[2].reserved, 0);
	UT_EQ(res.modules_end, 0x115000);
	UT_CHECK(memcmp(ram + m[0].mod_start, env, sizeof(env) - 1) == 0);
	UT_CHECK(t_ram_all(ram, m[1].mod_start, m[1].mod_end, 0xb1));
	UT_CHECK(t_ram_all(ram, m[1].mod_end, 0x115000, 0));
	UT_STREQ((const char *)ram + m[0].string, "\\guests\\hello.env");
	UT_STREQ((const char *)ram + m[1].string, "");
	UT_STREQ((const char *)ram + m[2].string, "empty");
	free(ram);
}

static void modules_start_at_1mib_above_low_kernel(void)
{
	static const struct t_seg low[] = { { 0, 0x20000, 0x100, 0x1000 } };
	static const uint8_t data[] = "x";
	struct mb_module_src mod = { data, 1, "m" };
	struct t_elf e = { false, 0x20000, low, 1, 0 };
	uint64_t size = t_build_elf(t_img, &e);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	struct mb_module m;
	uint8_t *ram;

	req.modules = &mod;
	req.nr_modules = 1;
	if (t_expect_load(T_RAM, &req, &res, &ram)) {
		memcpy(&m, ram + t_info(ram, &res).mods_addr, sizeof(m));
		UT_EQ(m.mod_start, 0x100000);
		UT_EQ(ram[0x100000], 'x');
		UT_EQ(res.load_end, 0x21000);
	}
	free(ram);
}

static void no_modules_gives_valid_empty_list(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	struct mb_info info;
	uint8_t *ram;

	if (t_expect_load(T_RAM, &req, &res, &ram)) {
		info = t_info(ram, &res);
		UT_CHECK(info.flags & MB_INFO_MODS);
		UT_EQ(info.mods_count, 0);
		UT_EQ(info.mods_addr, MB_LOAD_MODS_GPA);
	}
	free(ram);
}

static void load_is_deterministic(void)
{
	static const uint8_t data[] = "A=B\n";
	struct mb_module_src mod = { data, 4, "env" };
	uint64_t size = t_build_default(t_img, true);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result r1, r2;
	uint8_t *a, *b;

	req.modules = &mod;
	req.nr_modules = 1;
	req.cmdline = "x=y";
	if (t_expect_load(T_RAM, &req, &r1, &a) && t_expect_load(T_RAM, &req, &r2, &b)) {
		UT_CHECK(memcmp(a, b, T_RAM) == 0);
		UT_CHECK(memcmp(&r1, &r2, sizeof(r1)) == 0);
	}
	free(a);
	free(b);
}

/* ---- header search and flags ---- */

static void header_found_at_last_aligned_slot(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req;
	struct mb_load_result res;
	uint8_t *ram;

	/* Move the header so it ends exactly at byte 8192. */
	memset(t_img + T_MB_OFF, 0, 12);
	if (size < 0x2000)
		size = 0x2000;
	t_put_mb(t_img, 0x2000 - 12, 0, NULL);
	req = t_req(t_img, size);
	if (t_expect_load(T_RAM, &req, &res, &ram))
		UT_EQ(res.header_offset, 0x2000 - 12);
	free(ram);
}

static void header_beyond_8k_or_unaligned_not_found(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req;

	memset(t_img + T_MB_OFF, 0, 12);
	if (size < 0x2100)
		size = 0x2100;
	/* Straddling byte 8192: not "completely within the first 8192 bytes". */
	t_put_mb(t_img, 0x2000 - 8, 0, NULL);
	req = t_req(t_img, size);
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "no Multiboot header in the first 8192 bytes");
	/* Not longword aligned. */
	memset(t_img + 0x2000 - 8, 0, 12);
	t_put_mb(t_img, 0x302, 0, NULL);
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "no Multiboot header");
}

static void no_header_refused(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req;

	memset(t_img + T_MB_OFF, 0, 12);
	req = t_req(t_img, size);
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "no Multiboot header in the first 8192 bytes");
}

static void bad_checksum_refused(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req;

	t_img[T_MB_OFF + 8] ^= 1;
	req = t_req(t_img, size);
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "header checksum wrong");
}

static void unknown_required_flag_refused(void)
{
	struct t_elf e = { false, 0x100040, t_two_segs, 2, MB_HEADER_PAGE_ALIGN | 0x8U };
	uint64_t size = t_build_elf(t_img, &e);
	struct mb_load_request req = t_req(t_img, size);

	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "unknown 0x8");
}

static void video_flag_and_optional_bits_accepted(void)
{
	/* Bit 2 accepted and ignored; bits 17-31 are optional, so ignored too. */
	struct t_elf e = { false, 0x100040, t_two_segs, 2, MB_HEADER_VIDEO_MODE | 0x80000000U };
	uint64_t size = t_build_elf(t_img, &e);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram;

	if (t_expect_load(T_RAM, &req, &res, &ram)) {
		UT_EQ(t_info(ram, &res).flags & (MB_INFO_VBE_INFO | MB_INFO_FRAMEBUFFER_INFO), 0);
		UT_EQ(res.kind, MB_IMAGE_ELF32);
	}
	free(ram);
}

/* ---- ELF refusals ---- */

static void not_elf_and_no_aout_kludge_refused(void)
{
	struct mb_load_request req;

	memset(t_img, 0x90, 0x1000);
	t_put_mb(t_img, 0x10, 0, NULL);
	req = t_req(t_img, 0x1000);
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "not an ELF file");
}

static void truncated_elf_header_refused(void)
{
	struct mb_load_request req;

	t_build_default(t_img, true);
	/* A 40-byte file whose Multiboot header sits at 0x1c: the ELF64 header needs 64. */
	t_put_mb(t_img, 0x1c, 0, NULL);
	req = t_req(t_img, 40);
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "ELF truncated: the header needs 64 bytes");
}

static void truncated_program_header_refused(void)
{
	static struct t_seg segs[5];
	struct t_elf e = { false, 0x100000, segs, 5, 0 };
	struct mb_load_request req;
	unsigned int i;

	for (i = 0; i < 5; i++)
		segs[i] = (struct t_seg){ 0, 0x100000 + i * 0x1000, 0x10, 0x10 };
	t_build_elf(t_img, &e);
	/* Program headers moved to 0x100, the Multiboot header to 0x40, file cut inside header 3. */
	memmove(t_img + 0x100, t_img + 52, 5 * 32);
	memset(t_img + 52, 0, 0x100 - 52);
	t_put32(t_img + 28, 0x100);
	t_put_mb(t_img, 0x40, 0, NULL);
	req = t_req(t_img, 0x100 + 3 * 32 + 10);
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "program header 3 past end of file");
}

static void truncated_segment_refused(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size - 1);

	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "ELF truncated: segment 1");
}

static void filesz_above_memsz_refused(void)
{
	static const struct t_seg segs[] = { { 0, 0x100000, 0x200, 0x100 } };
	struct t_elf e = { false, 0x100000, segs, 1, 0 };
	uint64_t size = t_build_elf(t_img, &e);
	struct mb_load_request req = t_req(t_img, size);

	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "p_filesz 0x200 exceeds p_memsz 0x100");
}

static void segment_beyond_ram_refused(void)
{
	static const struct t_seg segs[] = {
		{ 0, 0x100000, 0x100, 0x100 },
		{ 0, 0x7ff000, 0x100, 0x1001 },
	};
	struct t_elf e = { false, 0x100000, segs, 2, 0 };
	uint64_t size = t_build_elf(t_img, &e);
	struct mb_load_request req = t_req(t_img, size);

	t_expect_refusal(T_RAM, &req, -TV_E2BIG,
			 "segment 1 at 0x7ff000+0x1001 is beyond the 8 MiB of guest RAM");
}

static void segment_wrapping_64bit_refused(void)
{
	static const struct t_seg segs[] = { { 0, 0xfffffffffffff000ULL, 0x10, 0x2000 } };
	struct t_elf e = { true, 0x100000, segs, 1, 0 };
	uint64_t size = t_build_elf(t_img, &e);
	struct mb_load_request req = t_req(t_img, size);

	t_expect_refusal(T_RAM, &req, -TV_E2BIG, "beyond the 8 MiB of guest RAM");
}

static void overlapping_segments_refused(void)
{
	static const struct t_seg segs[] = {
		{ 0, 0x100000, 0x100, 0x100 },
		{ 0, 0x200000, 0x100, 0x100 },
		{ 0, 0x1ff000, 0x100, 0x1001 },
	};
	struct t_elf e = { false, 0x100000, segs, 3, 0 };
	uint64_t size = t_build_elf(t_img, &e);
	struct mb_load_request req = t_req(t_img, size);

	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "segments 1 and 2 overlap");
}

static void segment_over_info_area_refused(void)
{
	static const struct t_seg segs[] = { { 0, 0x8000, 0x100, 0x1800 } };
	struct t_elf e = { false, 0x8000, segs, 1, 0 };
	uint64_t size = t_build_elf(t_img, &e);
	struct mb_load_request req = t_req(t_img, size);

	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "overlaps the info area at 0x9000-0xffff");
}

static void segment_in_first_page_or_legacy_hole_refused(void)
{
	static const struct t_seg page0[] = { { 0, 0x800, 0x100, 0x100 } };
	static const struct t_seg hole[] = { { 0, 0xb8000, 0x100, 0x100 } };
	struct t_elf e = { false, 0x800, page0, 1, 0 };
	uint64_t size = t_build_elf(t_img, &e);
	struct mb_load_request req = t_req(t_img, size);

	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "in the first page");
	e = (struct t_elf){ false, 0xb8000, hole, 1, 0 };
	req.image_size = t_build_elf(t_img, &e);
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "overlaps the reserved area at 0x9fc00-0xfffff");
}

static void wrong_machine_or_type_refused(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);

	t_put16(t_img + 18, 62);	/* ELF32 claiming x86-64 */
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "ELF32 machine 62 is not i386");
	t_put16(t_img + 18, 3);
	t_put16(t_img + 16, 3);		/* ET_DYN */
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "ELF type 3 is not an executable");
	t_put16(t_img + 16, 2);
	t_img[5] = 2;			/* big-endian */
	t_expect_refusal(T_RAM, &req, -TV_ENOEXEC, "not little-endian");
}

/* ---- request refusals ---- */

static void module_that_does_not_fit_refused(void)
{
	uint64_t big_size = T_RAM - 0x111000 + 1;
	uint8_t *big = calloc(1, big_size);
	struct mb_module_src mod = { big, big_size, "huge.bin" };
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);

	if (!UT_CHECK(big))
		return;
	req.modules = &mod;
	req.nr_modules = 1;
	t_expect_refusal(T_RAM, &req, -TV_E2BIG,
			 "module 0 (huge.bin, 7270401 bytes) at 0x111000 does not fit in the 8 MiB");
	/* One byte less fits exactly up to the end of RAM. */
	mod.size--;
	{
		struct mb_load_result res;
		uint8_t *ram;

		if (t_expect_load(T_RAM, &req, &res, &ram))
			UT_EQ(res.modules_end, T_RAM);
		free(ram);
	}
	free(big);
}

static void too_many_modules_refused(void)
{
	static struct mb_module_src mods[MB_LOAD_MAX_MODULES + 1];
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram;

	req.modules = mods;
	req.nr_modules = MB_LOAD_MAX_MODULES + 1;
	t_expect_refusal(T_RAM, &req, -TV_E2BIG, "65 modules, at most 64");
	req.nr_modules = MB_LOAD_MAX_MODULES;
	if (t_expect_load(T_RAM, &req, &res, &ram))
		UT_EQ(t_info(ram, &res).mods_count, MB_LOAD_MAX_MODULES);
	free(ram);
}

static void strings_that_overflow_the_area_refused(void)
{
	static char longline[MB_LOAD_AREA_END - MB_LOAD_STRINGS_GPA];
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_load_result res;
	uint8_t *ram;

	/* Name "tickvisor\0" + cmdline + NUL: 10 + len + 1 must fit in 0x6a00 bytes. */
	memset(longline, 'k', sizeof(longline) - 1);
	longline[sizeof(longline) - 1 - 10] = '\0';
	req.cmdline = longline;
	if (t_expect_load(T_RAM, &req, &res, &ram))
		UT_EQ(strlen((const char *)ram + t_info(ram, &res).cmdline), sizeof(longline) - 11);
	free(ram);
	longline[sizeof(longline) - 1 - 10] = 'k';
	longline[sizeof(longline) - 1 - 9] = '\0';
	t_expect_refusal(T_RAM, &req, -TV_E2BIG, "the loader area holds 27136");
}

static void bad_arguments_refused(void)
{
	uint64_t size = t_build_default(t_img, false);
	struct mb_load_request req = t_req(t_img, size);
	struct mb_module_src mod = { NULL, 5, "nodata" };

	t_expect_refusal(T_MIB, &req, -TV_EINVAL, "need a multiple of 4 KiB from 2 MiB");
	t_expect_refusal(T_RAM + 0x800, &req, -TV_EINVAL, "need a multiple of 4 KiB");
	req.modules = &mod;
	req.nr_modules = 1;
	t_expect_refusal(T_RAM, &req, -TV_EINVAL, "module 0 has 0x5 bytes but no data");
	req = t_req(NULL, 100);
	t_expect_refusal(T_RAM, &req, -TV_EINVAL, "no image");
	UT_EQ(mb_load(NULL, T_RAM, &req, NULL, NULL, 0), -TV_EINVAL);
}

/* ---- robustness ---- */

static uint64_t t_rng = 0x9e3779b97f4a7c15ULL;

static uint64_t t_rand(void)
{
	t_rng ^= t_rng << 13;
	t_rng ^= t_rng >> 7;
	t_rng ^= t_rng << 17;
	return t_rng;
}

/* Words of RAM that are not zero: a refused load must leave zeroed RAM zeroed. */
static bool t_ram_is_zero(const uint8_t *ram, uint64_t bytes)
{
	const uint64_t *w = (const uint64_t *)ram;
	uint64_t i;

	for (i = 0; i < bytes / 8; i++)
		if (w[i])
			return false;
	return true;
}

static void random_mutations_never_escape(void)
{
	static const uint8_t env[] = "K=V\n";
	static const uint8_t interesting[] = { 0x00, 0xff, 0x7f, 0x80, 0x01, 0x10, 0x20 };
	const uint64_t ram_bytes = 2 * T_MIB;
	struct mb_module_src mod = { env, 4, "env" };
	uint8_t base[3][0x4000];
	uint64_t base_size[3];
	unsigned int accepted = 0, refused = 0, bad_reason = 0, dirty = 0, inconsistent = 0;
	uint8_t *ram = t_ram_new(ram_bytes, 0);
	unsigned int kind, iter;

	if (!UT_CHECK(ram))
		return;
	t_rng = 0x9e3779b97f4a7c15ULL;
	base_size[0] = t_build_default(t_img, false);
	memcpy(base[0], t_img, sizeof(base[0]));
	base_size[1] = t_build_default(t_img, true);
	memcpy(base[1], t_img, sizeof(base[1]));
	base_size[2] = t_build_aout(t_img, 0x100000, 0x3000, 0, 0x104000, 0x100100);
	memcpy(base[2], t_img, sizeof(base[2]));

	for (kind = 0; kind < 3; kind++) {
		for (iter = 0; iter < 3000; iter++) {
			uint64_t size = base_size[kind];
			unsigned int flips = 1 + (unsigned int)(t_rand() % 6), f;
			struct mb_load_request req;
			struct mb_load_result res;
			uint8_t *img;
			int ret;

			if (t_rand() % 10 == 0)
				size = t_rand() % size;
			/* Exact-size copy so that ASan catches any read past image_size. */
			img = malloc(size ? size : 1);
			if (!UT_CHECK(img))
				break;
			memcpy(img, base[kind], size);
			for (f = 0; f < flips && size; f++) {
				/* Mostly the headers: ELF header, program headers, Multiboot header. */
				uint64_t pos = t_rand() % 4 ? t_rand() % TV_MIN(size, (uint64_t)0x240)
							    : t_rand() % size;

				img[pos] = t_rand() % 2 ? (uint8_t)t_rand()
							: interesting[t_rand() % sizeof(interesting)];
			}
			req = t_req(img, size);
			req.modules = &mod;
			req.nr_modules = 1;
			req.cmdline = "fuzz";
			t_why[0] = 'x';
			ret = mb_load(ram, ram_bytes, &req, &res, t_why, sizeof(t_why));
			if (ret == 0) {
				accepted++;
				if (res.entry < res.load_start || res.entry >= res.load_end ||
				    res.load_end > res.modules_end || res.modules_end > ram_bytes ||
				    res.load_start < MB_LOAD_LOW_LIMIT ||
				    t_get32(ram + MB_LOAD_INFO_GPA + 20) != 1)
					inconsistent++;
				/* Zero exactly what a load may write, then all of RAM must be zero again. */
				memset(ram + res.load_start, 0,
				       TV_ALIGN_UP((uint64_t)res.modules_end, 0x1000ULL) - res.load_start);
				memset(ram + MB_LOAD_AREA_START, 0, MB_LOAD_AREA_END - MB_LOAD_AREA_START);
			} else {
				refused++;
				if (ret != -TV_ENOEXEC && ret != -TV_E2BIG)
					bad_reason++;
				if (t_why[0] == '\0' || t_why[0] == 'x' || !memchr(t_why, '\0', sizeof(t_why)))
					bad_reason++;
			}
			if (!t_ram_is_zero(ram, ram_bytes)) {
				dirty++;
				memset(ram, 0, ram_bytes);
			}
			free(img);
		}
	}
	UT_CHECK_MSG(accepted > 100 && refused > 1000, "accepted %u, refused %u", accepted, refused);
	UT_EQ(inconsistent, 0);
	UT_EQ(bad_reason, 0);
	UT_CHECK_MSG(dirty == 0, "%u loads wrote outside the ranges they reported", dirty);
	printf("  mutations: %u accepted, %u refused\n", accepted, refused);
	free(ram);
}

/* ---- the real guest images, when another part of the build made them ---- */

static uint8_t *t_read_file(const char *path, uint64_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*size = (uint64_t)n;
	}
	fclose(f);
	return buf;
}

/* One image tests/guests.cfg names, and whether the loader must refuse it. */
struct t_cfg_image {
	char file[256];
	bool refused;
};

/*
 * The images tests/guests.cfg names (guest=, default <section>.elf), each
 * once, with expect=refused noted: the real guests must load, the bad
 * images must be refused.  $TV_GUESTS_CFG overrides the config's path.
 */
static unsigned int t_cfg_images(struct t_cfg_image *out, unsigned int max)
{
	const char *path = getenv("TV_GUESTS_CFG") ? getenv("TV_GUESTS_CFG") : "tests/guests.cfg";
	FILE *f = fopen(path, "r");
	char line[200], section[200] = "";
	unsigned int n = 0, cur = max;

	if (!UT_CHECK_MSG(f, "cannot open %s", path))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *e = line + strcspn(line, "\r\n");

		*e = '\0';
		if (line[0] == '[' && strchr(line, ']')) {
			*strchr(line, ']') = '\0';
			snprintf(section, sizeof(section), "%.190s", line + 1);
			if (!UT_CHECK_MSG(n < max, "%s: more than %u guests", path, max))
				break;
			cur = n++;
			snprintf(out[cur].file, sizeof(out[cur].file), "%.200s.elf", section);
			out[cur].refused = false;
		} else if (cur < max && !strncmp(line, "guest=", 6)) {
			snprintf(out[cur].file, sizeof(out[cur].file), "%.200s", line + 6);
		} else if (cur < max && !strcmp(line, "expect=refused")) {
			out[cur].refused = true;
		}
	}
	fclose(f);
	/* Several sections may run one image with other arguments: test it once. */
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = i + 1; j < n; j++)
			if (!strcmp(out[i].file, out[j].file) && out[i].refused == out[j].refused) {
				out[j--] = out[--n];
			}
	return n;
}

/* A real guest image loads: entry, info block, module, cmdline and segment bytes as the file says. */
static bool t_check_real_image(const char *path)
{
	static const uint8_t env[] = "GUEST_ENV=1\n";
	struct mb_module_src mod = { env, sizeof(env) - 1, "hello.env" };
	struct mb_load_request req;
	struct mb_load_result res;
	struct mb_module m;
	struct mb_info info;
	uint64_t size = 0, entry, phoff, off, filesz, paddr;
	uint8_t *img = t_read_file(path, &size);
	uint8_t *ram = NULL;
	bool is64, ok = false;

	if (!UT_CHECK_MSG(img && size > 64, "cannot read %s (make guests builds it)", path)) {
		free(img);
		return false;
	}
	is64 = img[4] == 2;
	entry = is64 ? t_get64(img + 24) : t_get32(img + 24);
	req = t_req(img, size);
	req.image_name = path;
	req.cmdline = "selftest=1";
	req.modules = &mod;
	req.nr_modules = 1;
	if (t_expect_load(64 * T_MIB, &req, &res, &ram)) {
		UT_EQ(res.kind, is64 ? MB_IMAGE_ELF64 : MB_IMAGE_ELF32);
		UT_EQ(res.entry, entry);
		info = t_info(ram, &res);
		UT_EQ(info.mem_upper, 63 * 1024);
		UT_EQ(info.mods_count, 1);
		memcpy(&m, ram + info.mods_addr, sizeof(m));
		UT_CHECK(memcmp(ram + m.mod_start, env, sizeof(env) - 1) == 0);
		UT_CHECK(m.mod_start >= res.load_end && m.mod_start % 4096 == 0);
		UT_CHECK(strstr((const char *)ram + info.cmdline, "selftest=1") != NULL);
		/* First program header: its file bytes are at its p_paddr. */
		phoff = is64 ? t_get64(img + 32) : t_get32(img + 28);
		off = is64 ? t_get64(img + phoff + 8) : t_get32(img + phoff + 4);
		paddr = is64 ? t_get64(img + phoff + 24) : t_get32(img + phoff + 12);
		filesz = is64 ? t_get64(img + phoff + 32) : t_get32(img + phoff + 16);
		if (t_get32(img + phoff) == 1 && off + filesz <= size)
			UT_CHECK_MSG(memcmp(ram + paddr, img + off, filesz) == 0,
				     "%s: segment 0 bytes at 0x%llx", path, (unsigned long long)paddr);
		printf("  %s: %s entry 0x%x, image 0x%x-0x%x\n", path, mb_image_kind_name(res.kind),
		       res.entry, res.load_start, res.load_end);
		ok = true;
	}
	free(ram);
	free(img);
	return ok;
}

/*
 * Every image tests/guests.cfg runs, as built (build/guests, or
 * $TV_GUEST_DIR): the guests load (ELF32 and their ELF64 link alike), the
 * images marked expect=refused are refused.  The images must exist: make
 * unit builds them first, so this check always runs for real.
 */
static void real_guest_images_load(void)
{
	const char *dir = getenv("TV_GUEST_DIR") ? getenv("TV_GUEST_DIR") : "build/guests";
	struct t_cfg_image imgs[64];
	unsigned int n = t_cfg_images(imgs, 64), loaded = 0, refused = 0;
	char path[600];

	UT_CHECK_MSG(n > 0, "tests/guests.cfg names no guest image");
	for (unsigned int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, imgs[i].file);
		if (imgs[i].refused) {
			uint64_t size = 0;
			uint8_t *img = t_read_file(path, &size);
			struct mb_load_request req;
			struct mb_load_result res;
			uint8_t *ram = t_ram_new(64 * T_MIB, 0);
			int ret;

			if (!UT_CHECK_MSG(img && ram, "cannot read %s (make guests builds it)", path)) {
				free(img);
				free(ram);
				continue;
			}
			req = t_req(img, size);
			req.image_name = path;
			ret = mb_load(ram, 64 * T_MIB, &req, &res, t_why, sizeof(t_why));
			if (UT_CHECK_MSG(ret != 0, "%s is marked expect=refused but loads", path)) {
				printf("  %s: refused as expected: %s\n", path, t_why);
				refused++;
			}
			free(ram);
			free(img);
			continue;
		}
		loaded += t_check_real_image(path);
		if (strlen(path) > 4 && !strcmp(path + strlen(path) - 4, ".elf")) {
			strcat(path, "64");
			if (access(path, R_OK) == 0)
				loaded += t_check_real_image(path);
		}
	}
	printf("  %u guest images loaded, %u bad images refused\n", loaded, refused);
}

static const struct ut_case cases[] = {
	UT_CASE(elf32_segments_load_at_paddr),
	UT_CASE(elf_bss_tail_is_zeroed_over_stale_ram),
	UT_CASE(elf32_result_entry_and_range),
	UT_CASE(elf64_loads_with_32bit_entry),
	UT_CASE(elf64_entry_beyond_4g_refused),
	UT_CASE(entry_outside_segments_refused),
	UT_CASE(non_load_and_empty_segments_ignored),
	UT_CASE(aout_kludge_loads_file_and_bss),
	UT_CASE(aout_load_end_zero_loads_whole_file),
	UT_CASE(aout_kludge_takes_precedence_over_elf),
	UT_CASE(aout_header_addr_below_load_addr_refused),
	UT_CASE(aout_truncated_refused),
	UT_CASE(aout_bss_below_load_end_refused),
	UT_CASE(info_flags_and_memory_fields),
	UT_CASE(mem_upper_follows_ram_size),
	UT_CASE(mmap_describes_low_holes_and_ram),
	UT_CASE(cmdline_null_gives_empty_string),
	UT_CASE(cmdline_is_copied),
	UT_CASE(cmdline_with_image_name_like_qemu),
	UT_CASE(boot_loader_name_defaults_to_tickvisor),
	UT_CASE(modules_page_aligned_after_kernel),
	UT_CASE(modules_start_at_1mib_above_low_kernel),
	UT_CASE(no_modules_gives_valid_empty_list),
	UT_CASE(load_is_deterministic),
	UT_CASE(header_found_at_last_aligned_slot),
	UT_CASE(header_beyond_8k_or_unaligned_not_found),
	UT_CASE(no_header_refused),
	UT_CASE(bad_checksum_refused),
	UT_CASE(unknown_required_flag_refused),
	UT_CASE(video_flag_and_optional_bits_accepted),
	UT_CASE(not_elf_and_no_aout_kludge_refused),
	UT_CASE(truncated_elf_header_refused),
	UT_CASE(truncated_program_header_refused),
	UT_CASE(truncated_segment_refused),
	UT_CASE(filesz_above_memsz_refused),
	UT_CASE(segment_beyond_ram_refused),
	UT_CASE(segment_wrapping_64bit_refused),
	UT_CASE(overlapping_segments_refused),
	UT_CASE(segment_over_info_area_refused),
	UT_CASE(segment_in_first_page_or_legacy_hole_refused),
	UT_CASE(wrong_machine_or_type_refused),
	UT_CASE(module_that_does_not_fit_refused),
	UT_CASE(too_many_modules_refused),
	UT_CASE(strings_that_overflow_the_area_refused),
	UT_CASE(bad_arguments_refused),
	UT_CASE(random_mutations_never_escape),
	UT_CASE(real_guest_images_load),
};

UT_MAIN("mb_loader", cases)
