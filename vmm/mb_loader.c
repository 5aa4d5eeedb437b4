/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Multiboot v1 loader: see mb_loader.h for the rules and the layout.
 *
 * Two phases.  mb_plan_*() read the image and the request and check every
 * offset, size and address; only then mb_write_*() copy into ram, using
 * ranges that were proved to lie inside it.  A refused image therefore never
 * leaves a half-loaded guest behind, and a malformed one cannot make the
 * loader read outside the image or write outside ram.
 */
#include "mb_loader.h"

#include <tv/errno.h>
#include <x86/multiboot.h>

#include <tv/fmt.h>
#include <tv/string.h>

/* ELF constants (System V ABI, "ELF Header" and "Program Header"). */
#define MB_ELF_MAGIC		0x464c457fU	/* "\x7fELF" read little-endian */
#define MB_ELF_CLASS32		1U
#define MB_ELF_CLASS64		2U
#define MB_ELF_DATA_LSB		1U
#define MB_ELF_VERSION		1U
#define MB_ELF_ET_EXEC		2U
#define MB_ELF_EM_386		3U
#define MB_ELF_EM_X86_64	62U
#define MB_ELF_PT_LOAD		1U
#define MB_ELF32_EHDR_BYTES	52U
#define MB_ELF64_EHDR_BYTES	64U
#define MB_ELF32_PHDR_BYTES	32U
#define MB_ELF64_PHDR_BYTES	56U

#define MB_PAGE_SIZE		0x1000ULL
#define MB_4G			0x100000000ULL
#define MB_STRINGS_BYTES	(MB_LOAD_AREA_END - MB_LOAD_STRINGS_GPA)

TV_STATIC_ASSERT(MB_LOAD_INFO_GPA + sizeof(struct mb_info) <= MB_LOAD_MMAP_GPA,
		 "info block fits its slot");
TV_STATIC_ASSERT(MB_LOAD_MMAP_GPA + MB_LOAD_MMAP_ENTRIES * sizeof(struct mb_mmap_entry) <=
		 MB_LOAD_MODS_GPA, "memory map fits its slot");
TV_STATIC_ASSERT(MB_LOAD_MODS_GPA + MB_LOAD_MAX_MODULES * sizeof(struct mb_module) <=
		 MB_LOAD_STRINGS_GPA, "module list fits its slot");

/* One loadable range of the image: file bytes, then zeroes up to memsz. */
struct mb_seg {
	uint32_t type;
	uint64_t file_off;
	uint64_t filesz;
	uint64_t gpa;
	uint64_t memsz;
};

struct mb_ctx {
	const struct mb_load_request *req;
	uint64_t ram_bytes;
	char *why;
	size_t why_len;

	uint32_t hdr_off;
	uint32_t flags;
	enum mb_image_kind kind;
	struct mb_seg aout;		/* MB_IMAGE_AOUT_KLUDGE */
	uint64_t phoff;			/* ELF program header table */
	uint32_t phentsize;
	uint32_t phnum;
	uint64_t load_start;
	uint64_t load_end;
	uint64_t entry;
	uint64_t mod_gpa[MB_LOAD_MAX_MODULES];
	uint64_t modules_end;
	const char *loader_name;
	const char *cmdline;
};

static uint16_t mb_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t mb_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static uint64_t mb_rd64(const uint8_t *p)
{
	return (uint64_t)mb_rd32(p) | ((uint64_t)mb_rd32(p + 4) << 32);
}

/* Record the reason for a refusal and return err (negative). */
static int TV_PRINTF(3, 4) mb_fail(struct mb_ctx *c, int err, const char *fmt, ...)
{
	va_list ap;

	if (c->why && c->why_len) {
		va_start(ap, fmt);
		tv_vsnprintf(c->why, c->why_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* "64 MiB", or "2052 KiB" when not a whole number of MiB. */
static void mb_fmt_ram(const struct mb_ctx *c, char *buf, size_t size)
{
	if (c->ram_bytes % (1024ULL * 1024ULL) == 0)
		tv_snprintf(buf, size, "%llu MiB", (unsigned long long)(c->ram_bytes >> 20));
	else
		tv_snprintf(buf, size, "%llu KiB", (unsigned long long)(c->ram_bytes >> 10));
}

static bool mb_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * A range the image wants: inside RAM (hence below 4 GiB), and clear of the
 * first page, the loader area and the legacy hole below 1 MiB.
 */
static int mb_check_range(struct mb_ctx *c, const char *what, uint64_t gpa, uint64_t len)
{
	char ram[24];

	if (len > c->ram_bytes || gpa > c->ram_bytes - len) {
		mb_fmt_ram(c, ram, sizeof(ram));
		return mb_fail(c, -TV_E2BIG, "%s at 0x%llx+0x%llx is beyond the %s of guest RAM",
			       what, (unsigned long long)gpa, (unsigned long long)len, ram);
	}
	if (gpa < MB_LOAD_LOW_LIMIT)
		return mb_fail(c, -TV_ENOEXEC, "%s at 0x%llx+0x%llx is in the first page, below 0x%x",
			       what, (unsigned long long)gpa, (unsigned long long)len,
			       MB_LOAD_LOW_LIMIT);
	if (mb_ranges_overlap(gpa, len, MB_LOAD_AREA_START, MB_LOAD_AREA_END - MB_LOAD_AREA_START))
		return mb_fail(c, -TV_ENOEXEC,
			       "%s at 0x%llx+0x%llx overlaps the info area at 0x%x-0x%x",
			       what, (unsigned long long)gpa, (unsigned long long)len,
			       MB_LOAD_AREA_START, MB_LOAD_AREA_END - 1U);
	if (mb_ranges_overlap(gpa, len, MB_LOAD_EBDA_START, MB_LOAD_HIGH_START - MB_LOAD_EBDA_START))
		return mb_fail(c, -TV_ENOEXEC,
			       "%s at 0x%llx+0x%llx overlaps the reserved area at 0x%x-0x%x",
			       what, (unsigned long long)gpa, (unsigned long long)len,
			       MB_LOAD_EBDA_START, MB_LOAD_HIGH_START - 1U);
	return 0;
}

/*
 * "The Multiboot header must be contained completely within the first 8192
 * bytes of the OS image, and must be longword (32-bit) aligned."  The first
 * magic whose checksum holds wins; a magic with a bad checksum is only
 * reported when no good one follows.
 */
static int mb_find_header(struct mb_ctx *c)
{
	const uint8_t *img = c->req->image;
	uint64_t limit = TV_MIN(c->req->image_size, (uint64_t)MB_HEADER_SEARCH_BYTES);
	uint64_t bad_at = ~0ULL;
	uint64_t off;

	for (off = 0; off + MB_HEADER_BASIC_BYTES <= limit; off += MB_HEADER_ALIGN) {
		uint32_t magic = mb_rd32(img + off);
		uint32_t flags = mb_rd32(img + off + 4);
		uint32_t sum = mb_rd32(img + off + 8);

		if (magic != MB_HEADER_MAGIC)
			continue;
		if ((uint32_t)(magic + flags + sum) != 0U) {
			if (bad_at == ~0ULL)
				bad_at = off;
			continue;
		}
		c->hdr_off = (uint32_t)off;
		c->flags = flags;
		return 0;
	}
	if (bad_at != ~0ULL)
		return mb_fail(c, -TV_ENOEXEC,
			       "Multiboot header at offset 0x%llx: header checksum wrong",
			       (unsigned long long)bad_at);
	return mb_fail(c, -TV_ENOEXEC, "no Multiboot header in the first %u bytes",
		       MB_HEADER_SEARCH_BYTES);
}

static int mb_check_flags(struct mb_ctx *c)
{
	uint32_t known = MB_HEADER_PAGE_ALIGN | MB_HEADER_MEMORY_INFO | MB_HEADER_VIDEO_MODE;
	uint32_t unknown = c->flags & MB_HEADER_REQUIRED_MASK & ~known;

	/* "If the boot loader does not understand all the bits set in [0-15] ... it must fail." */
	if (unknown)
		return mb_fail(c, -TV_ENOEXEC,
			       "Multiboot header requires features we lack (flags 0x%x, unknown 0x%x)",
			       c->flags, unknown);
	return 0;
}

/* The a.out kludge: the header's address fields place one contiguous image. */
static int mb_plan_aout(struct mb_ctx *c)
{
	const uint8_t *h = c->req->image + c->hdr_off;
	uint64_t size = c->req->image_size;
	uint32_t header_addr, load_addr, load_end, bss_end, entry;
	uint64_t back, text_off, load_size, memsz;
	int ret;

	if (c->hdr_off + MB_HEADER_AOUT_BYTES > size)
		return mb_fail(c, -TV_ENOEXEC,
			       "a.out kludge fields of the header at 0x%x run past the end of the file",
			       c->hdr_off);
	if (c->hdr_off + MB_HEADER_AOUT_BYTES > MB_HEADER_SEARCH_BYTES)
		return mb_fail(c, -TV_ENOEXEC,
			       "a.out kludge fields of the header at 0x%x run past the first %u bytes",
			       c->hdr_off, MB_HEADER_SEARCH_BYTES);
	header_addr = mb_rd32(h + 12);
	load_addr = mb_rd32(h + 16);
	load_end = mb_rd32(h + 20);
	bss_end = mb_rd32(h + 24);
	entry = mb_rd32(h + 28);

	if (header_addr < load_addr)
		return mb_fail(c, -TV_ENOEXEC, "a.out kludge: header_addr 0x%x is below load_addr 0x%x",
			       header_addr, load_addr);
	/* "The offset in the OS image file at which to start loading is ... header_addr - load_addr" before the header. */
	back = header_addr - load_addr;
	if (back > c->hdr_off)
		return mb_fail(c, -TV_ENOEXEC,
			       "a.out kludge: load_addr 0x%x would start 0x%llx bytes before the file",
			       load_addr, (unsigned long long)(back - c->hdr_off));
	text_off = c->hdr_off - back;
	if (load_end) {
		if (load_end < load_addr)
			return mb_fail(c, -TV_ENOEXEC,
				       "a.out kludge: load_end_addr 0x%x is below load_addr 0x%x",
				       load_end, load_addr);
		load_size = load_end - load_addr;
		if (load_size > size - text_off)
			return mb_fail(c, -TV_ENOEXEC,
				       "a.out kludge truncated: 0x%llx bytes from file offset 0x%llx, the file has 0x%llx",
				       (unsigned long long)load_size, (unsigned long long)text_off,
				       (unsigned long long)size);
	} else {
		load_size = size - text_off;
	}
	if (bss_end) {
		if (bss_end < load_addr + load_size)
			return mb_fail(c, -TV_ENOEXEC,
				       "a.out kludge: bss_end_addr 0x%x is below the end of the loaded data 0x%llx",
				       bss_end, (unsigned long long)(load_addr + load_size));
		memsz = bss_end - load_addr;
	} else {
		memsz = load_size;
	}
	if (memsz == 0)
		return mb_fail(c, -TV_ENOEXEC, "a.out kludge image loads nothing");

	ret = mb_check_range(c, "a.out kludge image", load_addr, memsz);
	if (ret)
		return ret;
	if (entry < load_addr || entry - load_addr >= memsz)
		return mb_fail(c, -TV_ENOEXEC,
			       "entry 0x%x is outside the image at 0x%x+0x%llx",
			       entry, load_addr, (unsigned long long)memsz);

	c->kind = MB_IMAGE_AOUT_KLUDGE;
	c->aout.type = MB_ELF_PT_LOAD;
	c->aout.file_off = text_off;
	c->aout.filesz = load_size;
	c->aout.gpa = load_addr;
	c->aout.memsz = memsz;
	c->load_start = load_addr;
	c->load_end = load_addr + memsz;
	c->entry = entry;
	return 0;
}

/* Program header i; the table was checked to lie within the file. */
static void mb_read_phdr(const struct mb_ctx *c, uint32_t i, struct mb_seg *s)
{
	const uint8_t *p = c->req->image + c->phoff + (uint64_t)i * c->phentsize;

	s->type = mb_rd32(p);
	if (c->kind == MB_IMAGE_ELF64) {
		s->file_off = mb_rd64(p + 8);
		s->gpa = mb_rd64(p + 24);
		s->filesz = mb_rd64(p + 32);
		s->memsz = mb_rd64(p + 40);
	} else {
		s->file_off = mb_rd32(p + 4);
		s->gpa = mb_rd32(p + 12);
		s->filesz = mb_rd32(p + 16);
		s->memsz = mb_rd32(p + 20);
	}
}

static bool mb_seg_is_loaded(const struct mb_seg *s)
{
	return s->type == MB_ELF_PT_LOAD && s->memsz != 0;
}

/* ELF header fields and the program header table. */
static int mb_plan_elf_header(struct mb_ctx *c)
{
	const uint8_t *img = c->req->image;
	uint64_t size = c->req->image_size;
	uint32_t ehdr_bytes, phdr_bytes, machine, type;
	uint64_t fit;

	if (size < 4 || mb_rd32(img) != MB_ELF_MAGIC)
		return mb_fail(c, -TV_ENOEXEC,
			       "not an ELF file, and the Multiboot header has no a.out kludge (flag 16)");
	if (size < 5 || (img[4] != MB_ELF_CLASS32 && img[4] != MB_ELF_CLASS64))
		return mb_fail(c, -TV_ENOEXEC, "ELF class %u is neither ELF32 nor ELF64",
			       size < 5 ? 0U : img[4]);
	if (img[4] == MB_ELF_CLASS64) {
		c->kind = MB_IMAGE_ELF64;
		ehdr_bytes = MB_ELF64_EHDR_BYTES;
		phdr_bytes = MB_ELF64_PHDR_BYTES;
	} else {
		c->kind = MB_IMAGE_ELF32;
		ehdr_bytes = MB_ELF32_EHDR_BYTES;
		phdr_bytes = MB_ELF32_PHDR_BYTES;
	}
	if (size < ehdr_bytes)
		return mb_fail(c, -TV_ENOEXEC, "ELF truncated: the header needs %u bytes, the file has %llu",
			       ehdr_bytes, (unsigned long long)size);
	if (img[5] != MB_ELF_DATA_LSB)
		return mb_fail(c, -TV_ENOEXEC, "ELF data encoding %u is not little-endian", img[5]);
	if (img[6] != MB_ELF_VERSION || mb_rd32(img + 20) != MB_ELF_VERSION)
		return mb_fail(c, -TV_ENOEXEC, "ELF version %u is not 1", img[6]);
	type = mb_rd16(img + 16);
	if (type != MB_ELF_ET_EXEC)
		return mb_fail(c, -TV_ENOEXEC, "ELF type %u is not an executable (ET_EXEC)", type);
	machine = mb_rd16(img + 18);
	if (c->kind == MB_IMAGE_ELF32 && machine != MB_ELF_EM_386)
		return mb_fail(c, -TV_ENOEXEC, "ELF32 machine %u is not i386", machine);
	if (c->kind == MB_IMAGE_ELF64 && machine != MB_ELF_EM_X86_64)
		return mb_fail(c, -TV_ENOEXEC, "ELF64 machine %u is not x86-64", machine);

	if (c->kind == MB_IMAGE_ELF64) {
		c->entry = mb_rd64(img + 24);
		c->phoff = mb_rd64(img + 32);
		c->phentsize = mb_rd16(img + 54);
		c->phnum = mb_rd16(img + 56);
	} else {
		c->entry = mb_rd32(img + 24);
		c->phoff = mb_rd32(img + 28);
		c->phentsize = mb_rd16(img + 42);
		c->phnum = mb_rd16(img + 44);
	}
	if (c->phnum == 0)
		return mb_fail(c, -TV_ENOEXEC, "ELF has no program headers");
	if (c->phnum > MB_LOAD_MAX_PHDRS)
		return mb_fail(c, -TV_ENOEXEC, "ELF has %u program headers, at most %u are accepted",
			       c->phnum, MB_LOAD_MAX_PHDRS);
	if (c->phentsize < phdr_bytes)
		return mb_fail(c, -TV_ENOEXEC, "ELF program header size %u is below %u",
			       c->phentsize, phdr_bytes);
	/* Whole entries that fit between e_phoff and the end of the file. */
	fit = c->phoff >= size ? 0 : (size - c->phoff) / c->phentsize;
	if (fit < c->phnum)
		return mb_fail(c, -TV_ENOEXEC,
			       "ELF truncated: program header %llu past end of file",
			       (unsigned long long)fit);
	return 0;
}

/* Every PT_LOAD segment: inside the file, inside RAM, clear of the others. */
static int mb_plan_elf_segments(struct mb_ctx *c)
{
	uint64_t size = c->req->image_size;
	bool entry_in_seg = false;
	bool any = false;
	struct mb_seg s, t;
	char what[32];
	uint32_t i, j;
	int ret;

	for (i = 0; i < c->phnum; i++) {
		mb_read_phdr(c, i, &s);
		if (!mb_seg_is_loaded(&s))
			continue;
		if (s.filesz > s.memsz)
			return mb_fail(c, -TV_ENOEXEC,
				       "ELF segment %u: p_filesz 0x%llx exceeds p_memsz 0x%llx", i,
				       (unsigned long long)s.filesz, (unsigned long long)s.memsz);
		if (s.file_off > size || s.filesz > size - s.file_off)
			return mb_fail(c, -TV_ENOEXEC,
				       "ELF truncated: segment %u needs file bytes 0x%llx+0x%llx, the file has 0x%llx",
				       i, (unsigned long long)s.file_off, (unsigned long long)s.filesz,
				       (unsigned long long)size);
		tv_snprintf(what, sizeof(what), "segment %u", i);
		ret = mb_check_range(c, what, s.gpa, s.memsz);
		if (ret)
			return ret;
		for (j = 0; j < i; j++) {
			mb_read_phdr(c, j, &t);
			if (mb_seg_is_loaded(&t) && mb_ranges_overlap(s.gpa, s.memsz, t.gpa, t.memsz))
				return mb_fail(c, -TV_ENOEXEC,
					       "segments %u and %u overlap (0x%llx+0x%llx and 0x%llx+0x%llx)",
					       j, i, (unsigned long long)t.gpa,
					       (unsigned long long)t.memsz, (unsigned long long)s.gpa,
					       (unsigned long long)s.memsz);
		}
		if (!any || s.gpa < c->load_start)
			c->load_start = s.gpa;
		if (!any || s.gpa + s.memsz > c->load_end)
			c->load_end = s.gpa + s.memsz;
		any = true;
		if (c->entry >= s.gpa && c->entry - s.gpa < s.memsz)
			entry_in_seg = true;
	}
	if (!any)
		return mb_fail(c, -TV_ENOEXEC, "ELF has no loadable (PT_LOAD) segment");
	/* Entered with paging off: e_entry is taken as a physical address. */
	if (c->entry >= MB_4G)
		return mb_fail(c, -TV_ENOEXEC, "entry 0x%llx is beyond 4 GiB",
			       (unsigned long long)c->entry);
	if (!entry_in_seg)
		return mb_fail(c, -TV_ENOEXEC, "entry 0x%llx is outside every loaded segment",
			       (unsigned long long)c->entry);
	return 0;
}

/* Modules go page by page above the kernel and above 1 MiB. */
static int mb_plan_modules(struct mb_ctx *c)
{
	const struct mb_load_request *req = c->req;
	uint64_t next = TV_ALIGN_UP(TV_MAX(c->load_end, (uint64_t)MB_LOAD_HIGH_START), MB_PAGE_SIZE);
	char ram[24];
	unsigned int i;

	c->modules_end = c->load_end;
	if (req->nr_modules > MB_LOAD_MAX_MODULES)
		return mb_fail(c, -TV_E2BIG, "%u modules, at most %u are accepted",
			       req->nr_modules, MB_LOAD_MAX_MODULES);
	if (req->nr_modules && !req->modules)
		return mb_fail(c, -TV_EINVAL, "%u modules but no module list", req->nr_modules);
	for (i = 0; i < req->nr_modules; i++) {
		const struct mb_module_src *m = &req->modules[i];

		if (m->size && !m->data)
			return mb_fail(c, -TV_EINVAL, "module %u has 0x%llx bytes but no data", i,
				       (unsigned long long)m->size);
		if (next > c->ram_bytes || m->size > c->ram_bytes - next) {
			mb_fmt_ram(c, ram, sizeof(ram));
			return mb_fail(c, -TV_E2BIG,
				       "module %u (%s, %llu bytes) at 0x%llx does not fit in the %s of guest RAM",
				       i, m->cmdline ? m->cmdline : "", (unsigned long long)m->size,
				       (unsigned long long)next, ram);
		}
		c->mod_gpa[i] = next;
		c->modules_end = next + m->size;
		next = TV_ALIGN_UP(c->modules_end, MB_PAGE_SIZE);
	}
	return 0;
}

static const char *mb_str_or_empty(const char *s)
{
	return s ? s : "";
}

/* Everything in the string area, terminators included. */
static int mb_plan_strings(struct mb_ctx *c)
{
	const struct mb_load_request *req = c->req;
	uint64_t need;
	unsigned int i;

	c->loader_name = req->boot_loader_name ? req->boot_loader_name : "tickvisor";
	c->cmdline = mb_str_or_empty(req->cmdline);
	need = tv_strlen(c->loader_name) + 1 + tv_strlen(c->cmdline) + 1;
	if (req->image_name)
		need += tv_strlen(req->image_name) + 1;
	for (i = 0; i < req->nr_modules; i++)
		need += tv_strlen(mb_str_or_empty(req->modules[i].cmdline)) + 1;
	if (need > MB_STRINGS_BYTES)
		return mb_fail(c, -TV_E2BIG,
			       "cmdline and module strings need %llu bytes, the loader area holds %u",
			       (unsigned long long)need, MB_STRINGS_BYTES);
	return 0;
}

static void mb_write_seg(uint8_t *ram, const struct mb_ctx *c, const struct mb_seg *s)
{
	tv_memcpy(ram + s->gpa, c->req->image + s->file_off, s->filesz);
	tv_memset(ram + s->gpa + s->filesz, 0, s->memsz - s->filesz);
}

static void mb_write_image(uint8_t *ram, const struct mb_ctx *c)
{
	struct mb_seg s;
	uint32_t i;

	if (c->kind == MB_IMAGE_AOUT_KLUDGE) {
		mb_write_seg(ram, c, &c->aout);
		return;
	}
	for (i = 0; i < c->phnum; i++) {
		mb_read_phdr(c, i, &s);
		if (mb_seg_is_loaded(&s))
			mb_write_seg(ram, c, &s);
	}
}

static void mb_write_modules(uint8_t *ram, const struct mb_ctx *c)
{
	const struct mb_load_request *req = c->req;
	unsigned int i;

	for (i = 0; i < req->nr_modules; i++) {
		const struct mb_module_src *m = &req->modules[i];
		uint64_t end = c->mod_gpa[i] + m->size;

		if (m->size)
			tv_memcpy(ram + c->mod_gpa[i], m->data, m->size);
		/* ram_bytes is a multiple of the page size, so the padded page is in RAM. */
		tv_memset(ram + end, 0, TV_ALIGN_UP(end, MB_PAGE_SIZE) - end);
	}
}

/* Append s (and, if s2 != NULL, " " s2) to the string area; return its address. */
static uint32_t mb_put_string(uint8_t *ram, uint32_t *at, const char *s, const char *s2)
{
	uint32_t start = *at;
	size_t n = tv_strlen(s);

	tv_memcpy(ram + *at, s, n);
	*at += (uint32_t)n;
	if (s2) {
		n = tv_strlen(s2);
		ram[(*at)++] = ' ';
		tv_memcpy(ram + *at, s2, n);
		*at += (uint32_t)n;
	}
	ram[(*at)++] = '\0';
	return start;
}

static void mb_put_mmap(struct mb_mmap_entry *e, uint64_t base, uint64_t length, uint32_t type)
{
	e->size = MB_MMAP_ENTRY_SIZE;
	e->base_addr = base;
	e->length = length;
	e->type = type;
}

static void mb_write_info(uint8_t *ram, const struct mb_ctx *c)
{
	const struct mb_load_request *req = c->req;
	struct mb_mmap_entry map[MB_LOAD_MMAP_ENTRIES];
	uint32_t at = MB_LOAD_STRINGS_GPA;
	struct mb_module mod;
	struct mb_info info;
	unsigned int i;

	tv_memset(ram + MB_LOAD_AREA_START, 0, MB_LOAD_AREA_END - MB_LOAD_AREA_START);
	tv_memset(&info, 0, sizeof(info));

	info.boot_loader_name = mb_put_string(ram, &at, c->loader_name, NULL);
	if (req->image_name)
		info.cmdline = mb_put_string(ram, &at, req->image_name, c->cmdline);
	else
		info.cmdline = mb_put_string(ram, &at, c->cmdline, NULL);

	for (i = 0; i < req->nr_modules; i++) {
		tv_memset(&mod, 0, sizeof(mod));
		mod.mod_start = (uint32_t)c->mod_gpa[i];
		mod.mod_end = (uint32_t)(c->mod_gpa[i] + req->modules[i].size);
		mod.string = mb_put_string(ram, &at, mb_str_or_empty(req->modules[i].cmdline), NULL);
		tv_memcpy(ram + MB_LOAD_MODS_GPA + i * sizeof(mod), &mod, sizeof(mod));
	}

	mb_put_mmap(&map[0], 0, MB_LOAD_EBDA_START, MB_MEMORY_AVAILABLE);
	mb_put_mmap(&map[1], MB_LOAD_EBDA_START, 0xa0000ULL - MB_LOAD_EBDA_START,
		    MB_MEMORY_RESERVED);
	mb_put_mmap(&map[2], MB_LOAD_BIOS_START, MB_LOAD_HIGH_START - MB_LOAD_BIOS_START,
		    MB_MEMORY_RESERVED);
	mb_put_mmap(&map[3], MB_LOAD_HIGH_START, c->ram_bytes - MB_LOAD_HIGH_START,
		    MB_MEMORY_AVAILABLE);
	tv_memcpy(ram + MB_LOAD_MMAP_GPA, map, sizeof(map));

	info.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MEM_MAP |
		     MB_INFO_BOOT_LOADER_NAME;
	/* 640 KiB less the 1 KiB at 0x9fc00 the map reserves (see mb_loader.h). */
	info.mem_lower = MB_LOAD_EBDA_START / 1024U;
	info.mem_upper = (uint32_t)((c->ram_bytes - MB_LOAD_HIGH_START) / 1024U);
	info.mods_count = req->nr_modules;
	info.mods_addr = MB_LOAD_MODS_GPA;
	info.mmap_length = sizeof(map);
	info.mmap_addr = MB_LOAD_MMAP_GPA;
	tv_memcpy(ram + MB_LOAD_INFO_GPA, &info, sizeof(info));
}

static int mb_check_args(struct mb_ctx *c, const uint8_t *ram, const struct mb_load_request *req,
			 const struct mb_load_result *res)
{
	if (!ram || !req || !res)
		return mb_fail(c, -TV_EINVAL, "no guest RAM, request or result");
	if (!req->image)
		return mb_fail(c, -TV_EINVAL, "no image");
	if (c->ram_bytes < MB_LOAD_MIN_RAM || c->ram_bytes > MB_LOAD_MAX_RAM ||
	    c->ram_bytes % MB_PAGE_SIZE)
		return mb_fail(c, -TV_EINVAL,
			       "guest RAM of 0x%llx bytes: need a multiple of 4 KiB from 2 MiB to 0x%llx",
			       (unsigned long long)c->ram_bytes, MB_LOAD_MAX_RAM);
	return 0;
}

int mb_load(uint8_t *ram, uint64_t ram_bytes, const struct mb_load_request *req,
	    struct mb_load_result *res, char *why, size_t why_len)
{
	struct mb_ctx c;
	int ret;

	tv_memset(&c, 0, sizeof(c));
	c.req = req;
	c.ram_bytes = ram_bytes;
	c.why = why;
	c.why_len = why_len;
	if (why && why_len)
		why[0] = '\0';

	ret = mb_check_args(&c, ram, req, res);
	if (!ret)
		ret = mb_find_header(&c);
	if (!ret)
		ret = mb_check_flags(&c);
	if (!ret && (c.flags & MB_HEADER_AOUT_KLUDGE))
		ret = mb_plan_aout(&c);
	else if (!ret) {
		ret = mb_plan_elf_header(&c);
		if (!ret)
			ret = mb_plan_elf_segments(&c);
	}
	if (!ret)
		ret = mb_plan_modules(&c);
	if (!ret)
		ret = mb_plan_strings(&c);
	if (ret)
		return ret;

	mb_write_image(ram, &c);
	mb_write_modules(ram, &c);
	mb_write_info(ram, &c);

	tv_memset(res, 0, sizeof(*res));
	res->entry = (uint32_t)c.entry;
	res->info_gpa = MB_LOAD_INFO_GPA;
	res->load_start = (uint32_t)c.load_start;
	res->load_end = (uint32_t)c.load_end;
	res->modules_end = (uint32_t)c.modules_end;
	res->header_offset = c.hdr_off;
	res->header_flags = c.flags;
	res->kind = c.kind;
	return 0;
}

const char *mb_image_kind_name(enum mb_image_kind kind)
{
	switch (kind) {
	case MB_IMAGE_ELF32:		return "ELF32";
	case MB_IMAGE_ELF64:		return "ELF64";
	case MB_IMAGE_AOUT_KLUDGE:	return "a.out kludge";
	}
	return "?";
}
