/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The configuration keys: the one key table (config_keys[]), the defaults,
 * the dump and the key table of the docs, all read from it.  The text
 * parser that fills a struct tv_config from it is config_parse.c.
 */
#include "config.h"

#include <tv/errno.h>
#include <tv/fmt.h>
#include <tv/string.h>

#include "config_priv.h"
#include "vcpuid.h"

static const char *const config_log_names[] = { "error", "warn", "info", "debug" };
static const char *const config_mode_names[] = { "vmx", "native" };
static const char *const config_vmx_names[] = { "auto", "off" };
static const char *const config_timer_names[] = { "auto", "preempt", "hpet", "tsc-deadline", "poll" };
static const char *const config_apic_names[] = { "auto", "apicv", "access", "ept" };
static const char *const config_policy_names[] = { "coalesce", "delay", "one-missed", "drop" };
static const char *const config_fault_names[] = { "none", "ud", "gp", "pf", "de" };
static const char *const config_unmapped_names[] = { "bus", "stop" };
/* cpuid_hide=: name i is bit i of VCPUID_HIDE_* (vmm/vcpuid.h). */
static const char *const config_cpuid_hide_names[] = {
	"x2apic", "tsc-deadline", "xsave", "avx", "avx512", "pku", "pcid", "invpcid", "rdtscp",
};
TV_STATIC_ASSERT(TV_ARRAY_SIZE(config_cpuid_hide_names) == VCPUID_HIDE_COUNT,
		 "one name per VCPUID_HIDE_* bit");

#define CONFIG_ENUM(names)	{ names, TV_ARRAY_SIZE(names) }
static const struct config_enum config_log_enum = CONFIG_ENUM(config_log_names);
static const struct config_enum config_mode_enum = CONFIG_ENUM(config_mode_names);
static const struct config_enum config_vmx_enum = CONFIG_ENUM(config_vmx_names);
static const struct config_enum config_timer_enum = CONFIG_ENUM(config_timer_names);
static const struct config_enum config_apic_enum = CONFIG_ENUM(config_apic_names);
static const struct config_enum config_policy_enum = CONFIG_ENUM(config_policy_names);
static const struct config_enum config_fault_enum = CONFIG_ENUM(config_fault_names);
static const struct config_enum config_unmapped_enum = CONFIG_ENUM(config_unmapped_names);
static const struct config_enum config_cpuid_hide_enum = CONFIG_ENUM(config_cpuid_hide_names);
#undef CONFIG_ENUM

static const char *const config_type_names[] = {
	"enum", "uint", "size", "bool", "string", "path", "list", "flags",
};

#define CONFIG_GLOBAL(f)	.scope = CONFIG_SCOPE_GLOBAL, \
	.offset = offsetof(struct tv_config, f), .size = sizeof(((struct tv_config *)0)->f)
#define CONFIG_GUEST(f)		.scope = CONFIG_SCOPE_GUEST, \
	.offset = offsetof(struct tv_guest_config, f), \
	.size = sizeof(((struct tv_guest_config *)0)->f)

/* In dump order: global keys, then the keys of one guest block. */
static const struct config_key config_keys[] = {
	{ .name = "log", CONFIG_GLOBAL(log), .type = CONFIG_TYPE_ENUM,
	  .values = &config_log_enum, .def = TV_LOG_INFO,
	  .doc = "the least severe serial log level printed" },
	{ .name = "log_ring", CONFIG_GLOBAL(log_ring), .type = CONFIG_TYPE_SIZE,
	  .min = TV_CONFIG_LOG_RING_MIN, .max = TV_CONFIG_LOG_RING_MAX,
	  .def = TV_CONFIG_LOG_RING_DEFAULT,
	  .doc = "the console ring while guests run: log lines wait there for the UART instead of "
		 "holding a VM exit; a quarter is kept for verdict lines" },
	{ .name = "log_block", CONFIG_GLOBAL(log_block), .type = CONFIG_TYPE_BOOL, .def = 0,
	  .doc = "when the console ring is full, wait for the UART (1) instead of dropping "
		 "ordinary lines with a counted, reported loss (0)" },
	{ .name = "mode", CONFIG_GLOBAL(mode), .type = CONFIG_TYPE_ENUM,
	  .values = &config_mode_enum, .def = TV_MODE_VMX,
	  .doc = "vmx runs the guests under VT-x; native jumps to the first guest without VMX "
		 "(the benchmarks' reference)" },
	{ .name = "vmx", CONFIG_GLOBAL(vmx), .type = CONFIG_TYPE_ENUM,
	  .values = &config_vmx_enum, .def = TV_VMX_AUTO,
	  .doc = "off only reports the VMX capabilities and skips VMXON" },
	{ .name = "halt", CONFIG_GLOBAL(halt), .type = CONFIG_TYPE_BOOL, .def = 0,
	  .doc = "halt the CPU at the end instead of powering off (keeps the last screen on bare metal)" },
	{ .name = "load_timers", CONFIG_GLOBAL(load_timers), .type = CONFIG_TYPE_UINT,
	  .flags = CONFIG_KEY_DUMP_IF_SET, .min = 1, .max = TV_CONFIG_LOAD_TIMERS_MAX, .def = 1,
	  .unit = "a count",
	  .doc = "timers due on this pCPU: the guest's own plus N-1 synthetic ones from the host "
		 "fallback queue (the scale benchmark)" },
	{ .name = "fault", CONFIG_GLOBAL(fault), .type = CONFIG_TYPE_ENUM,
	  .flags = CONFIG_KEY_DUMP_IF_SET, .values = &config_fault_enum, .def = TV_FAULT_NONE,
	  .doc = "test only: the VMM takes this exception after the capability report "
		 "(exception report, status 3)" },
	{ .name = "timer", CONFIG_GLOBAL(timer), .type = CONFIG_TYPE_ENUM,
	  .values = &config_timer_enum, .def = TV_TIMER_AUTO,
	  .doc = "the host timer behind the guests' APIC timers; auto picks the best available" },
	{ .name = "apic", CONFIG_GLOBAL(apic), .type = CONFIG_TYPE_ENUM,
	  .values = &config_apic_enum, .def = APIC_PATH_AUTO,
	  .doc = "how the guest's xAPIC page is virtualized: APIC-register virtualization, "
		 "APIC-access page, or left out of EPT" },
	{ .name = "timer_min_period_us", CONFIG_GLOBAL(timer_min_period_us),
	  .type = CONFIG_TYPE_UINT, .min = 1, .max = TV_CONFIG_MIN_PERIOD_US_MAX,
	  .def = TV_CONFIG_MIN_PERIOD_US_DEFAULT, .unit = "microseconds",
	  .doc = "the shortest periodic APIC-timer period honoured; shorter periods are stretched" },
	{ .name = "timer_policy", CONFIG_GLOBAL(timer_policy), .type = CONFIG_TYPE_ENUM,
	  .values = &config_policy_enum, .def = TV_TIMER_POLICY_COALESCE,
	  .doc = "periodic ticks the guest missed: one stays pending (coalesce), all delivered "
		 "late (delay), Xen's one-missed, or none (drop)" },
	{ .name = "guest", CONFIG_GUEST(path), .type = CONFIG_TYPE_PATH,
	  .doc = "a Multiboot ELF on the ESP; starts a guest block" },
	{ .name = "args", CONFIG_GUEST(args), .type = CONFIG_TYPE_STRING,
	  .doc = "the guest's command line" },
	{ .name = "mem", CONFIG_GUEST(mem_bytes), .type = CONFIG_TYPE_SIZE,
	  .min = TV_CONFIG_MEM_MIN, .max = TV_CONFIG_MEM_MAX, .def = TV_CONFIG_MEM_DEFAULT,
	  .doc = "the guest's memory" },
	{ .name = "module", CONFIG_GUEST(modules), .type = CONFIG_TYPE_LIST,
	  .doc = "a Multiboot module from the ESP, repeatable" },
	{ .name = "timeout", CONFIG_GUEST(timeout_s), .type = CONFIG_TYPE_UINT,
	  .min = 0, .max = TV_CONFIG_TIMEOUT_MAX, .def = 0, .unit = "seconds",
	  .doc = "stop the guest after this many seconds; 0: never" },
	{ .name = "unmapped", CONFIG_GUEST(unmapped), .type = CONFIG_TYPE_ENUM,
	  .flags = CONFIG_KEY_DUMP_IF_SET, .values = &config_unmapped_enum, .def = TV_UNMAPPED_BUS,
	  .doc = "a guest access to memory outside RAM and every device: reads all-ones and "
		 "writes dropped as on an empty bus (bus), or the VM stopped (stop)" },
	{ .name = "cpuid_hide", CONFIG_GUEST(cpuid_hide), .type = CONFIG_TYPE_FLAGS,
	  .flags = CONFIG_KEY_DUMP_IF_SET, .values = &config_cpuid_hide_enum, .def = 0,
	  .doc = "a comma list of CPU features the guest's CPUID does not show, with what needs "
		 "them (xsave takes avx, avx512, pku and leaf 0DH; avx takes avx512); the LAPIC "
		 "and XSETBV follow (docs/configuration.md, \"CPUID shaping\")" },
};

#undef CONFIG_GLOBAL
#undef CONFIG_GUEST

static const char *config_enum_name(const struct config_enum *e, unsigned int v)
{
	return v < e->count ? e->names[v] : "?";
}

const char *config_mode_name(enum tv_mode mode)
{
	return config_enum_name(&config_mode_enum, (unsigned int)mode);
}

const char *config_timer_name(enum tv_timer timer)
{
	return config_enum_name(&config_timer_enum, (unsigned int)timer);
}

const char *config_apic_name(enum apic_path apic)
{
	return config_enum_name(&config_apic_enum, (unsigned int)apic);
}

const char *config_timer_policy_name(enum tv_timer_policy policy)
{
	return config_enum_name(&config_policy_enum, (unsigned int)policy);
}

const char *config_unmapped_name(enum tv_unmapped unmapped)
{
	return config_enum_name(&config_unmapped_enum, (unsigned int)unmapped);
}

const struct config_key *config_find_key(const char *name)
{
	for (size_t i = 0; i < TV_ARRAY_SIZE(config_keys); i++)
		if (!tv_strcmp(config_keys[i].name, name))
			return &config_keys[i];
	return NULL;
}

/* The struct a key's field lives in: the config, or one guest block. */
static void *config_key_base(const struct config_key *k, struct tv_config *cfg,
			     struct tv_guest_config *g)
{
	return k->scope == CONFIG_SCOPE_GLOBAL ? (void *)cfg : (void *)g;
}

static bool config_key_is_number(const struct config_key *k)
{
	return k->type == CONFIG_TYPE_ENUM || k->type == CONFIG_TYPE_UINT ||
	       k->type == CONFIG_TYPE_SIZE || k->type == CONFIG_TYPE_BOOL ||
	       k->type == CONFIG_TYPE_FLAGS;
}

/* Numeric fields are bool (1 byte), enums and uint32_t (4), or uint64_t (8). */
void config_store(void *base, const struct config_key *k, uint64_t v)
{
	char *field = (char *)base + k->offset;
	uint8_t v8 = (uint8_t)v;
	uint32_t v32 = (uint32_t)v;

	if (k->size == 1)
		tv_memcpy(field, &v8, 1);
	else if (k->size == 4)
		tv_memcpy(field, &v32, 4);
	else if (k->size == 8)
		tv_memcpy(field, &v, 8);
}

static uint64_t config_load(const void *base, const struct config_key *k)
{
	const char *field = (const char *)base + k->offset;
	uint8_t v8 = 0;
	uint32_t v32 = 0;
	uint64_t v = 0;

	if (k->size == 1)
		tv_memcpy(&v8, field, 1);
	else if (k->size == 4)
		tv_memcpy(&v32, field, 4);
	else if (k->size == 8)
		tv_memcpy(&v, field, 8);
	return k->size == 1 ? v8 : k->size == 4 ? v32 : v;
}

void config_init_defaults(struct tv_config *cfg)
{
	tv_memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < TV_ARRAY_SIZE(config_keys); i++) {
		const struct config_key *k = &config_keys[i];

		if (config_key_is_number(k))
			config_store(config_key_base(k, cfg, &cfg->guest_defaults), k, k->def);
	}
}

/* Sizes print in the largest unit that divides them, as mem= reads them. */
static int config_format_size(char *buf, size_t size, uint64_t bytes)
{
	if (bytes && !(bytes & ((1ULL << 30) - 1)))
		return tv_snprintf(buf, size, "%lluG", (unsigned long long)(bytes >> 30));
	if (bytes && !(bytes & ((1ULL << 20) - 1)))
		return tv_snprintf(buf, size, "%lluM", (unsigned long long)(bytes >> 20));
	return tv_snprintf(buf, size, "%lluK", (unsigned long long)(bytes >> 10));
}

/* A numeric, enum or bool value as the key reads it. */
static void config_format_number(const struct config_key *k, uint64_t v, char *buf, size_t size)
{
	switch (k->type) {
	case CONFIG_TYPE_ENUM:
		tv_snprintf(buf, size, "%s", config_enum_name(k->values, (unsigned int)v));
		break;
	case CONFIG_TYPE_BOOL:
		tv_snprintf(buf, size, "%d", v ? 1 : 0);
		break;
	case CONFIG_TYPE_SIZE:
		config_format_size(buf, size, v);
		break;
	case CONFIG_TYPE_FLAGS: {
		size_t n = 0;

		tv_snprintf(buf, size, "none");
		for (unsigned int i = 0; i < k->values->count && n < size; i++)
			if (v & (1ULL << i))
				n += (size_t)tv_snprintf(buf + n, size - n, "%s%s", n ? "," : "",
							 k->values->names[i]);
		break;
	}
	default:
		tv_snprintf(buf, size, "%llu", (unsigned long long)v);
		break;
	}
}

/* What a key accepts, as error messages and the docs say it: "seconds from 0 to 86400". */
void config_format_expected(const struct config_key *k, char *buf, size_t size)
{
	char lo[24], hi[24], def[24];
	size_t n = 0;

	buf[0] = '\0';
	switch (k->type) {
	case CONFIG_TYPE_ENUM:
		for (unsigned int i = 0; i < k->values->count && n < size; i++)
			n += (size_t)tv_snprintf(buf + n, size - n, "%s%s", i ? "|" : "",
						 k->values->names[i]);
		break;
	case CONFIG_TYPE_FLAGS:
		/* The names a comma list takes; "none" alone (or nothing) is the empty list. */
		n = (size_t)tv_snprintf(buf, size, "none");
		for (unsigned int i = 0; i < k->values->count && n < size; i++)
			n += (size_t)tv_snprintf(buf + n, size - n, "|%s", k->values->names[i]);
		break;
	case CONFIG_TYPE_BOOL:
		tv_snprintf(buf, size, "0|1|yes|no|true|false");
		break;
	case CONFIG_TYPE_UINT:
		tv_snprintf(buf, size, "%s from %llu to %llu", k->unit,
			    (unsigned long long)k->min, (unsigned long long)k->max);
		break;
	case CONFIG_TYPE_SIZE:
		config_format_size(lo, sizeof(lo), k->min);
		config_format_size(hi, sizeof(hi), k->max);
		config_format_size(def, sizeof(def), k->def);
		tv_snprintf(buf, size, "a size from %s to %s in %uK units, e.g. %s", lo, hi,
			    CONFIG_SIZE_UNIT >> 10, def);
		break;
	case CONFIG_TYPE_STRING:
		tv_snprintf(buf, size, "any text up to %zu characters", k->size - 1);
		break;
	case CONFIG_TYPE_PATH:
	case CONFIG_TYPE_LIST:
		tv_snprintf(buf, size, "a file path");
		break;
	}
}

/* Quote a value when it would not read back as one token. */
static bool config_needs_quotes(const char *v)
{
	if (!*v)
		return true;
	for (; *v; v++)
		if (*v == ' ' || *v == '\t' || *v == '#')
			return true;
	return false;
}

/* "key=value" for one key of base (the config or one guest block) into line. */
static void config_dump_key(const struct config_key *k, const void *base,
			    void (*emit)(void *ctx, const char *line), void *ctx)
{
	const struct tv_guest_config *g = base;
	char line[TV_CONFIG_ARGS_MAX + 16];
	char value[96];		/* the longest: every cpuid_hide= name */
	const char *s;

	switch (k->type) {
	case CONFIG_TYPE_STRING:
		/* Always quoted: an empty args= must still read back as a value. */
		tv_snprintf(line, sizeof(line), "%s=\"%s\"", k->name, (const char *)base + k->offset);
		emit(ctx, line);
		return;
	case CONFIG_TYPE_PATH:
		s = (const char *)base + k->offset;
		tv_snprintf(line, sizeof(line), "%s=%s%s%s", k->name, config_needs_quotes(s) ? "\"" : "",
			    s, config_needs_quotes(s) ? "\"" : "");
		emit(ctx, line);
		return;
	case CONFIG_TYPE_LIST:
		for (unsigned int m = 0; m < g->nr_modules; m++) {
			s = g->modules[m];
			tv_snprintf(line, sizeof(line), "%s=%s%s%s", k->name,
				    config_needs_quotes(s) ? "\"" : "", s,
				    config_needs_quotes(s) ? "\"" : "");
			emit(ctx, line);
		}
		return;
	default:
		if ((k->flags & CONFIG_KEY_DUMP_IF_SET) && config_load(base, k) == k->def)
			return;
		config_format_number(k, config_load(base, k), value, sizeof(value));
		tv_snprintf(line, sizeof(line), "%s=%s", k->name, value);
		emit(ctx, line);
		return;
	}
}

void config_dump(const struct tv_config *cfg,
		 void (*emit)(void *ctx, const char *line), void *ctx)
{
	for (size_t i = 0; i < TV_ARRAY_SIZE(config_keys); i++)
		if (config_keys[i].scope == CONFIG_SCOPE_GLOBAL)
			config_dump_key(&config_keys[i], cfg, emit, ctx);
	for (unsigned int g = 0; g < cfg->nr_guests; g++)
		for (size_t i = 0; i < TV_ARRAY_SIZE(config_keys); i++)
			if (config_keys[i].scope == CONFIG_SCOPE_GUEST)
				config_dump_key(&config_keys[i], &cfg->guests[g], emit, ctx);
}

bool config_describe_key(unsigned int index, struct config_key_doc *doc)
{
	const struct config_key *k;

	if (index >= TV_ARRAY_SIZE(config_keys))
		return false;
	k = &config_keys[index];
	doc->name = k->name;
	doc->per_guest = k->scope == CONFIG_SCOPE_GUEST;
	doc->type = config_type_names[k->type];
	doc->text = k->doc;
	if (config_key_is_number(k))
		config_format_number(k, k->def, doc->def, sizeof(doc->def));
	else
		tv_snprintf(doc->def, sizeof(doc->def), "%s", k->type == CONFIG_TYPE_STRING ? "\"\"" : "");
	config_format_expected(k, doc->values, sizeof(doc->values));
	if (k->type == CONFIG_TYPE_PATH || k->type == CONFIG_TYPE_LIST)
		tv_snprintf(doc->values + tv_strlen(doc->values),
			    sizeof(doc->values) - tv_strlen(doc->values),
			    " on the ESP, up to %u characters; at most %u %s", TV_CONFIG_PATH_MAX - 1,
			    k->type == CONFIG_TYPE_PATH ? TV_CONFIG_MAX_GUESTS : TV_CONFIG_MAX_MODULES,
			    k->type == CONFIG_TYPE_PATH ? "guests" : "per guest");
	return true;
}

/* An enum's or bool's "a|b|c" as "`a`, `b`, `c`" (a bare '|' would end a Markdown table cell). */
static void config_md_choices(char *buf, size_t size, const char *s)
{
	size_t n = 0;

	if (size)
		buf[0] = '\0';
	while (*s && n < size) {
		size_t c = 0;

		while (s[c] && s[c] != '|')
			c++;
		n += (size_t)tv_snprintf(buf + n, size - n, "%s`%.*s`", n ? ", " : "", (int)c, s);
		s += c + (s[c] == '|');
	}
}

void config_format_key_table(void (*emit)(void *ctx, const char *line), void *ctx)
{
	struct config_key_doc d;
	char line[512], def[48], values[192];

	emit(ctx, "| key | scope | type | default | accepts | meaning |");
	emit(ctx, "|---|---|---|---|---|---|");
	for (unsigned int i = 0; config_describe_key(i, &d); i++) {
		tv_snprintf(def, sizeof(def), d.def[0] ? "`%s`" : "none", d.def);
		if (!tv_strcmp(d.type, "enum") || !tv_strcmp(d.type, "bool") ||
		    !tv_strcmp(d.type, "flags"))
			config_md_choices(values, sizeof(values), d.values);
		else
			tv_snprintf(values, sizeof(values), "%s", d.values);
		tv_snprintf(line, sizeof(line), "| `%s` | %s | %s | %s | %s | %s |", d.name,
			    d.per_guest ? "per guest" : "global", d.type, def, values, d.text);
		emit(ctx, line);
	}
}
