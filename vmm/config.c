/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "config.h"

#include <hv/errno.h>

#include <hv/fmt.h>
#include <hv/string.h>

#define CONFIG_VALUE_MAX	TV_CONFIG_ARGS_MAX	/* the longest value any key takes */
#define CONFIG_SHOW_MAX		40			/* value bytes quoted in a message */
#define CONFIG_SIZE_UNIT	4096U			/* sizes are whole 4 KiB pages */

/* One enumerated key: value names in the order of the enum. */
struct config_enum {
	const char *const *names;
	unsigned int count;
};

static const char *const config_log_names[] = { "error", "warn", "info", "debug" };
static const char *const config_mode_names[] = { "vmx", "native" };
static const char *const config_vmx_names[] = { "auto", "off" };
static const char *const config_timer_names[] = { "auto", "preempt", "hpet", "tsc-deadline", "poll" };
static const char *const config_apic_names[] = { "auto", "apicv", "access", "ept" };
static const char *const config_policy_names[] = { "coalesce", "delay", "one-missed", "drop" };
static const char *const config_fault_names[] = { "none", "ud", "gp", "pf", "de" };

#define CONFIG_ENUM(names)	{ names, HV_ARRAY_SIZE(names) }
static const struct config_enum config_log_enum = CONFIG_ENUM(config_log_names);
static const struct config_enum config_mode_enum = CONFIG_ENUM(config_mode_names);
static const struct config_enum config_vmx_enum = CONFIG_ENUM(config_vmx_names);
static const struct config_enum config_timer_enum = CONFIG_ENUM(config_timer_names);
static const struct config_enum config_apic_enum = CONFIG_ENUM(config_apic_names);
static const struct config_enum config_policy_enum = CONFIG_ENUM(config_policy_names);
static const struct config_enum config_fault_enum = CONFIG_ENUM(config_fault_names);
#undef CONFIG_ENUM

/* What a key's value is: how it parses, prints in the dump and reads in the docs. */
enum config_type {
	CONFIG_TYPE_ENUM,	/* one of ->values' names, case-sensitive */
	CONFIG_TYPE_UINT,	/* decimal, ->min..->max */
	CONFIG_TYPE_SIZE,	/* bytes, K/M/G suffix, ->min..->max, whole 4 KiB pages */
	CONFIG_TYPE_BOOL,	/* 0|1|yes|no|true|false */
	CONFIG_TYPE_STRING,	/* any text that fits the field */
	CONFIG_TYPE_PATH,	/* guest=: a file on the ESP; starts a guest block */
	CONFIG_TYPE_LIST,	/* module=: a file on the ESP, repeatable */
};

static const char *const config_type_names[] = {
	"enum", "uint", "size", "bool", "string", "path", "list",
};

enum config_scope {
	CONFIG_SCOPE_GLOBAL,	/* a field of struct tv_config */
	CONFIG_SCOPE_GUEST,	/* a field of struct tv_guest_config */
};

/* Dumped only when not at the default: test and benchmark keys stay out of a normal dump. */
#define CONFIG_KEY_DUMP_IF_SET	0x1U

/*
 * One key.  The table below is the only list of keys: the parser looks keys
 * up in it, config_init_defaults() and config_dump() walk it, and
 * config_describe_key() turns it into the key table of docs/configuration.md
 * (make config-docs; test_config checks the two agree).
 */
struct config_key {
	const char *name;
	enum config_scope scope;
	enum config_type type;
	unsigned int flags;		/* CONFIG_KEY_* */
	size_t offset;			/* of the field in its struct (see scope) */
	size_t size;			/* of that field */
	const struct config_enum *values;	/* CONFIG_TYPE_ENUM */
	uint64_t min, max;		/* CONFIG_TYPE_UINT, CONFIG_TYPE_SIZE */
	uint64_t def;			/* default of a numeric, enum or bool key */
	const char *unit;		/* CONFIG_TYPE_UINT: "seconds" in "seconds from 0 to 86400" */
	const char *doc;		/* one line for the docs */
};

#define CONFIG_GLOBAL(f)	.scope = CONFIG_SCOPE_GLOBAL, \
	.offset = offsetof(struct tv_config, f), .size = sizeof(((struct tv_config *)0)->f)
#define CONFIG_GUEST(f)		.scope = CONFIG_SCOPE_GUEST, \
	.offset = offsetof(struct tv_guest_config, f), \
	.size = sizeof(((struct tv_guest_config *)0)->f)

/* In dump order: global keys, then the keys of one guest block. */
static const struct config_key config_keys[] = {
	{ .name = "log", CONFIG_GLOBAL(log), .type = CONFIG_TYPE_ENUM,
	  .values = &config_log_enum, .def = HV_LOG_INFO,
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
	  .values = &config_apic_enum, .def = TV_APIC_AUTO,
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

const char *config_apic_name(enum tv_apic apic)
{
	return config_enum_name(&config_apic_enum, (unsigned int)apic);
}

const char *config_timer_policy_name(enum tv_timer_policy policy)
{
	return config_enum_name(&config_policy_enum, (unsigned int)policy);
}

static const struct config_key *config_find_key(const char *name)
{
	for (size_t i = 0; i < HV_ARRAY_SIZE(config_keys); i++)
		if (!hv_strcmp(config_keys[i].name, name))
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
	       k->type == CONFIG_TYPE_SIZE || k->type == CONFIG_TYPE_BOOL;
}

/* Numeric fields are bool (1 byte), enums and uint32_t (4), or uint64_t (8). */
static void config_store(void *base, const struct config_key *k, uint64_t v)
{
	char *field = (char *)base + k->offset;
	uint8_t v8 = (uint8_t)v;
	uint32_t v32 = (uint32_t)v;

	if (k->size == 1)
		hv_memcpy(field, &v8, 1);
	else if (k->size == 4)
		hv_memcpy(field, &v32, 4);
	else if (k->size == 8)
		hv_memcpy(field, &v, 8);
}

static uint64_t config_load(const void *base, const struct config_key *k)
{
	const char *field = (const char *)base + k->offset;
	uint8_t v8 = 0;
	uint32_t v32 = 0;
	uint64_t v = 0;

	if (k->size == 1)
		hv_memcpy(&v8, field, 1);
	else if (k->size == 4)
		hv_memcpy(&v32, field, 4);
	else if (k->size == 8)
		hv_memcpy(&v, field, 8);
	return k->size == 1 ? v8 : k->size == 4 ? v32 : v;
}

void config_init_defaults(struct tv_config *cfg)
{
	hv_memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < HV_ARRAY_SIZE(config_keys); i++) {
		const struct config_key *k = &config_keys[i];

		if (config_key_is_number(k))
			config_store(config_key_base(k, cfg, &cfg->guest_defaults), k, k->def);
	}
}

/* Sizes print in the largest unit that divides them, as mem= reads them. */
static int config_format_size(char *buf, size_t size, uint64_t bytes)
{
	if (bytes && !(bytes & ((1ULL << 30) - 1)))
		return hv_snprintf(buf, size, "%lluG", (unsigned long long)(bytes >> 30));
	if (bytes && !(bytes & ((1ULL << 20) - 1)))
		return hv_snprintf(buf, size, "%lluM", (unsigned long long)(bytes >> 20));
	return hv_snprintf(buf, size, "%lluK", (unsigned long long)(bytes >> 10));
}

/* A numeric, enum or bool value as the key reads it. */
static void config_format_number(const struct config_key *k, uint64_t v, char *buf, size_t size)
{
	switch (k->type) {
	case CONFIG_TYPE_ENUM:
		hv_snprintf(buf, size, "%s", config_enum_name(k->values, (unsigned int)v));
		break;
	case CONFIG_TYPE_BOOL:
		hv_snprintf(buf, size, "%d", v ? 1 : 0);
		break;
	case CONFIG_TYPE_SIZE:
		config_format_size(buf, size, v);
		break;
	default:
		hv_snprintf(buf, size, "%llu", (unsigned long long)v);
		break;
	}
}

/* What a key accepts, as error messages and the docs say it: "seconds from 0 to 86400". */
static void config_format_expected(const struct config_key *k, char *buf, size_t size)
{
	char lo[24], hi[24], def[24];
	size_t n = 0;

	buf[0] = '\0';
	switch (k->type) {
	case CONFIG_TYPE_ENUM:
		for (unsigned int i = 0; i < k->values->count && n < size; i++)
			n += (size_t)hv_snprintf(buf + n, size - n, "%s%s", i ? "|" : "",
						 k->values->names[i]);
		break;
	case CONFIG_TYPE_BOOL:
		hv_snprintf(buf, size, "0|1|yes|no|true|false");
		break;
	case CONFIG_TYPE_UINT:
		hv_snprintf(buf, size, "%s from %llu to %llu", k->unit,
			    (unsigned long long)k->min, (unsigned long long)k->max);
		break;
	case CONFIG_TYPE_SIZE:
		config_format_size(lo, sizeof(lo), k->min);
		config_format_size(hi, sizeof(hi), k->max);
		config_format_size(def, sizeof(def), k->def);
		hv_snprintf(buf, size, "a size from %s to %s in %uK units, e.g. %s", lo, hi,
			    CONFIG_SIZE_UNIT >> 10, def);
		break;
	case CONFIG_TYPE_STRING:
		hv_snprintf(buf, size, "any text up to %zu characters", k->size - 1);
		break;
	case CONFIG_TYPE_PATH:
	case CONFIG_TYPE_LIST:
		hv_snprintf(buf, size, "a file path");
		break;
	}
}

struct config_parser {
	struct tv_config *cfg;
	struct config_error *err;
	unsigned int line;	/* of the file; 0 for the load options */
	bool is_options;	/* load options: override rules apply */
	bool in_guest;		/* a guest= of this source was seen */
	bool modules_reset;	/* load options: module lists already replaced */
};

/* A value as it may appear inside a message: shortened, control bytes shown as '?'. */
static void config_show_value(char *out, size_t size, const char *v)
{
	size_t n = 0;

	for (; *v && n + 1 < size; v++) {
		if (n == CONFIG_SHOW_MAX) {
			if (n + 3 < size) {
				hv_memcpy(out + n, "...", 3);
				n += 3;
			}
			break;
		}
		out[n++] = ((unsigned char)*v < 0x20U || (unsigned char)*v >= 0x7fU) ? '?' : *v;
	}
	out[n] = '\0';
}

static int config_fail(struct config_parser *p, const char *key, const char *fmt, ...)
	HV_PRINTF(3, 4);

static int config_fail(struct config_parser *p, const char *key, const char *fmt, ...)
{
	va_list ap;

	config_show_value(p->err->key, sizeof(p->err->key), key ? key : "");
	va_start(ap, fmt);
	hv_vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
	return -HV_EINVAL;
}

static int config_bad_value(struct config_parser *p, const struct config_key *k,
			    const char *value)
{
	char shown[CONFIG_SHOW_MAX + 4];	/* with "..." and NUL */
	char expected[96];

	config_show_value(shown, sizeof(shown), value);
	config_format_expected(k, expected, sizeof(expected));
	return config_fail(p, k->name, "bad value '%s' for '%s' (expected %s)", shown, k->name,
			   expected);
}

/* A decimal number without sign, at most max; false on anything else. */
static bool config_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10U + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/* "64M", "1G", "4096K", "1048576": a byte count, at most max before the suffix. */
static bool config_parse_size(const char *s, uint64_t max, uint64_t *out)
{
	char digits[24];
	size_t len = hv_strlen(s);
	unsigned int shift = 0;
	uint64_t v;

	if (len == 0 || len >= sizeof(digits))
		return false;
	switch (s[len - 1]) {
	case 'k': case 'K': shift = 10; len--; break;
	case 'm': case 'M': shift = 20; len--; break;
	case 'g': case 'G': shift = 30; len--; break;
	default: break;
	}
	hv_memcpy(digits, s, len);
	digits[len] = '\0';
	/* Bounded so that the shift cannot overflow. */
	if (!config_parse_uint(digits, max, &v))
		return false;
	*out = v << shift;
	return true;
}

/* Check value against k's type; numeric, enum and bool values come back in *num. */
static int config_parse_value(struct config_parser *p, const struct config_key *k,
			      const char *value, uint64_t *num)
{
	*num = 0;
	switch (k->type) {
	case CONFIG_TYPE_ENUM:
		for (unsigned int i = 0; i < k->values->count; i++) {
			if (!hv_strcmp(value, k->values->names[i])) {
				*num = i;
				return 0;
			}
		}
		break;
	case CONFIG_TYPE_BOOL:
		if (!hv_strcmp(value, "1") || !hv_strcmp(value, "yes") || !hv_strcmp(value, "true")) {
			*num = 1;
			return 0;
		}
		if (!hv_strcmp(value, "0") || !hv_strcmp(value, "no") || !hv_strcmp(value, "false"))
			return 0;
		break;
	case CONFIG_TYPE_UINT:
		if (config_parse_uint(value, k->max, num) && *num >= k->min)
			return 0;
		break;
	case CONFIG_TYPE_SIZE:
		if (config_parse_size(value, k->max, num) && *num >= k->min && *num <= k->max &&
		    !(*num & (CONFIG_SIZE_UNIT - 1)))
			return 0;
		break;
	case CONFIG_TYPE_STRING:
		return 0;	/* the length is checked where it is copied */
	case CONFIG_TYPE_PATH:
	case CONFIG_TYPE_LIST:
		if (value[0])
			return 0;
		break;
	}
	return config_bad_value(p, k, value);
}

static int config_copy_string(struct config_parser *p, const char *key, const char *value,
			      char *dst, size_t size)
{
	if (hv_strlcpy(dst, value, size) >= size)
		return config_fail(p, key, "value too long for '%s' (max %zu characters)",
				   key, size - 1);
	return 0;
}

/* Apply one already validated per-guest setting to one guest block. */
static int config_apply_guest_key(struct config_parser *p, struct tv_guest_config *g,
				  const struct config_key *k, const char *value, uint64_t num)
{
	switch (k->type) {
	case CONFIG_TYPE_STRING:
		return config_copy_string(p, k->name, value, (char *)g + k->offset, k->size);
	case CONFIG_TYPE_LIST:
		if (g->nr_modules >= TV_CONFIG_MAX_MODULES)
			return config_fail(p, k->name, "too many modules for %s (max %u)",
					   g->path[0] ? g->path : "the guest defaults",
					   TV_CONFIG_MAX_MODULES);
		if (config_copy_string(p, k->name, value, g->modules[g->nr_modules],
				       sizeof(g->modules[0])))
			return -HV_EINVAL;
		g->module_line[g->nr_modules++] = p->line;
		return 0;
	case CONFIG_TYPE_PATH:
		return -HV_EINVAL;	/* guest= is config_add_guest's */
	default:
		config_store(g, k, num);
		return 0;
	}
}

static int config_set_guest_key(struct config_parser *p, const struct config_key *k,
				const char *value, uint64_t num)
{
	struct tv_config *cfg = p->cfg;
	int rc;

	if (p->in_guest)
		return config_apply_guest_key(p, &cfg->guests[cfg->nr_guests - 1], k, value, num);

	/* Before any guest= of this source: the defaults of the guests that follow. */
	if (p->is_options && k->type == CONFIG_TYPE_LIST && !p->modules_reset) {
		cfg->guest_defaults.nr_modules = 0;
		for (unsigned int i = 0; i < cfg->nr_guests; i++)
			cfg->guests[i].nr_modules = 0;
		p->modules_reset = true;
	}
	rc = config_apply_guest_key(p, &cfg->guest_defaults, k, value, num);
	/* A load option also replaces the value in the guests the file gave. */
	for (unsigned int i = 0; !rc && p->is_options && i < cfg->nr_guests; i++)
		rc = config_apply_guest_key(p, &cfg->guests[i], k, value, num);
	return rc;
}

static int config_add_guest(struct config_parser *p, const struct config_key *k,
			    const char *value)
{
	struct tv_config *cfg = p->cfg;
	struct tv_guest_config *g;

	/* The first guest= of the load options replaces the file's list. */
	if (p->is_options && !p->in_guest)
		cfg->nr_guests = 0;
	if (cfg->nr_guests >= TV_CONFIG_MAX_GUESTS)
		return config_fail(p, k->name, "too many guests (max %u)", TV_CONFIG_MAX_GUESTS);
	g = &cfg->guests[cfg->nr_guests];
	*g = cfg->guest_defaults;
	if (config_copy_string(p, k->name, value, g->path, sizeof(g->path)))
		return -HV_EINVAL;
	g->path_line = p->line;
	cfg->nr_guests++;
	p->in_guest = true;
	return 0;
}

static int config_set(struct config_parser *p, const char *key, const char *value)
{
	const struct config_key *k = config_find_key(key);
	uint64_t num;
	int rc;

	if (!k)
		return config_fail(p, key, "unknown key '%s'", key);
	rc = config_parse_value(p, k, value, &num);
	if (rc)
		return rc;
	if (k->type == CONFIG_TYPE_PATH)
		return config_add_guest(p, k, value);
	if (k->scope == CONFIG_SCOPE_GUEST)
		return config_set_guest_key(p, k, value, num);
	config_store(p->cfg, k, num);
	return 0;
}

static bool config_is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool config_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Load options may carry line ends and NULs from the UCS-2 conversion. */
static bool config_is_option_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Read "key = value" from s[0..len).  File lines allow blanks around '=';
 * load-option tokens do not (blanks separate tokens there).  On success
 * *used is the number of bytes consumed, which ends at the value (the caller
 * checks what follows).
 */
static int config_read_pair(struct config_parser *p, const char *s, size_t len,
			    char *key, char *value, size_t *used)
{
	size_t i = 0, k = 0, v = 0;

	while (i < len && config_is_key_char(s[i])) {
		if (k + 1 < TV_CONFIG_KEY_MAX)
			key[k++] = s[i];
		i++;
	}
	key[k] = '\0';
	if (k == 0)
		return config_fail(p, "", "expected key=value");
	if (i >= TV_CONFIG_KEY_MAX) {
		/* Longer than any key we know: show it cut, as unknown. */
		key[TV_CONFIG_KEY_MAX - 4] = '\0';
		return config_fail(p, key, "unknown key '%s...'", key);
	}
	if (!p->is_options)
		while (i < len && config_is_blank(s[i]))
			i++;
	if (i >= len || s[i] != '=')
		return config_fail(p, key, "missing '=' after '%s'", key);
	i++;
	if (!p->is_options)
		while (i < len && config_is_blank(s[i]))
			i++;

	if (i < len && s[i] == '"') {
		i++;
		while (i < len && s[i] != '"') {
			if (v + 1 >= CONFIG_VALUE_MAX)
				return config_fail(p, key, "value too long for '%s' (max %u characters)",
						   key, CONFIG_VALUE_MAX - 1);
			value[v++] = s[i++];
		}
		if (i >= len)
			return config_fail(p, key, "unterminated quote in value of '%s'", key);
		i++;
	} else {
		while (i < len && !config_is_option_space(s[i])) {
			if (s[i] == '"')
				return config_fail(p, key, "stray '\"' in value of '%s'", key);
			if (v + 1 >= CONFIG_VALUE_MAX)
				return config_fail(p, key, "value too long for '%s' (max %u characters)",
						   key, CONFIG_VALUE_MAX - 1);
			value[v++] = s[i++];
		}
	}
	value[v] = '\0';
	for (size_t j = 0; j < v; j++)
		if ((unsigned char)value[j] < 0x20U && value[j] != '\t')
			return config_fail(p, key, "control character in value of '%s'", key);
	*used = i;
	return 0;
}

/* One line of the file (without its line end). */
static int config_parse_line(struct config_parser *p, const char *s, size_t len)
{
	char key[TV_CONFIG_KEY_MAX];
	char value[CONFIG_VALUE_MAX];
	size_t i = 0, used;
	int rc;

	while (i < len && config_is_blank(s[i]))
		i++;
	if (i == len || s[i] == '#')
		return 0;
	rc = config_read_pair(p, s + i, len - i, key, value, &used);
	if (rc)
		return rc;
	i += used;
	if (i < len && !config_is_blank(s[i]))
		return config_fail(p, key, "unexpected text after value of '%s'", key);
	while (i < len && config_is_blank(s[i]))
		i++;
	if (i < len && s[i] != '#')
		return config_fail(p, key,
				   "unexpected text after value of '%s' (quote values that contain spaces)",
				   key);
	return config_set(p, key, value);
}

int config_parse_file(struct tv_config *cfg, const char *text, size_t len,
		      struct config_error *err)
{
	struct config_parser p = { .cfg = cfg, .err = err, .is_options = false };
	size_t start = 0;
	unsigned int line = 0;

	hv_memset(err, 0, sizeof(*err));
	len = hv_strnlen(text, len);
	while (start < len) {
		size_t end = start, next;
		int rc;

		while (end < len && text[end] != '\n')
			end++;
		next = end < len ? end + 1 : end;
		if (end > start && text[end - 1] == '\r')
			end--;
		line++;
		p.line = line;
		rc = config_parse_line(&p, text + start, end - start);
		if (rc) {
			err->line = line;
			return rc;
		}
		start = next;
	}
	return 0;
}

int config_parse_load_options(struct tv_config *cfg, const char *text,
			      struct config_error *err)
{
	struct config_parser p = { .cfg = cfg, .err = err, .is_options = true };
	size_t len = hv_strlen(text), i = 0;

	hv_memset(err, 0, sizeof(*err));
	while (i < len) {
		char key[TV_CONFIG_KEY_MAX];
		char value[CONFIG_VALUE_MAX];
		size_t used;
		int rc;

		if (config_is_option_space(text[i])) {
			i++;
			continue;
		}
		rc = config_read_pair(&p, text + i, len - i, key, value, &used);
		if (!rc && i + used < len && !config_is_option_space(text[i + used]))
			rc = config_fail(&p, key, "unexpected text after value of '%s'", key);
		if (!rc)
			rc = config_set(&p, key, value);
		if (rc)
			return rc;
		i += used;
	}
	return 0;
}

int config_format_error_in(const struct config_error *err, const char *file, char *buf,
			   size_t size)
{
	if (err->line)
		return hv_snprintf(buf, size, "%s:%u: %s", file, err->line, err->message);
	return hv_snprintf(buf, size, "load options: %s", err->message);
}

int config_format_error(const struct config_error *err, char *buf, size_t size)
{
	return config_format_error_in(err, "tickvisor.cfg", buf, size);
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
	char value[24];
	const char *s;

	switch (k->type) {
	case CONFIG_TYPE_STRING:
		/* Always quoted: an empty args= must still read back as a value. */
		hv_snprintf(line, sizeof(line), "%s=\"%s\"", k->name, (const char *)base + k->offset);
		emit(ctx, line);
		return;
	case CONFIG_TYPE_PATH:
		s = (const char *)base + k->offset;
		hv_snprintf(line, sizeof(line), "%s=%s%s%s", k->name, config_needs_quotes(s) ? "\"" : "",
			    s, config_needs_quotes(s) ? "\"" : "");
		emit(ctx, line);
		return;
	case CONFIG_TYPE_LIST:
		for (unsigned int m = 0; m < g->nr_modules; m++) {
			s = g->modules[m];
			hv_snprintf(line, sizeof(line), "%s=%s%s%s", k->name,
				    config_needs_quotes(s) ? "\"" : "", s,
				    config_needs_quotes(s) ? "\"" : "");
			emit(ctx, line);
		}
		return;
	default:
		if ((k->flags & CONFIG_KEY_DUMP_IF_SET) && config_load(base, k) == k->def)
			return;
		config_format_number(k, config_load(base, k), value, sizeof(value));
		hv_snprintf(line, sizeof(line), "%s=%s", k->name, value);
		emit(ctx, line);
		return;
	}
}

void config_dump(const struct tv_config *cfg,
		 void (*emit)(void *ctx, const char *line), void *ctx)
{
	for (size_t i = 0; i < HV_ARRAY_SIZE(config_keys); i++)
		if (config_keys[i].scope == CONFIG_SCOPE_GLOBAL)
			config_dump_key(&config_keys[i], cfg, emit, ctx);
	for (unsigned int g = 0; g < cfg->nr_guests; g++)
		for (size_t i = 0; i < HV_ARRAY_SIZE(config_keys); i++)
			if (config_keys[i].scope == CONFIG_SCOPE_GUEST)
				config_dump_key(&config_keys[i], &cfg->guests[g], emit, ctx);
}

bool config_describe_key(unsigned int index, struct config_key_doc *doc)
{
	const struct config_key *k;

	if (index >= HV_ARRAY_SIZE(config_keys))
		return false;
	k = &config_keys[index];
	doc->name = k->name;
	doc->per_guest = k->scope == CONFIG_SCOPE_GUEST;
	doc->type = config_type_names[k->type];
	doc->text = k->doc;
	if (config_key_is_number(k))
		config_format_number(k, k->def, doc->def, sizeof(doc->def));
	else
		hv_snprintf(doc->def, sizeof(doc->def), "%s", k->type == CONFIG_TYPE_STRING ? "\"\"" : "");
	config_format_expected(k, doc->values, sizeof(doc->values));
	if (k->type == CONFIG_TYPE_PATH || k->type == CONFIG_TYPE_LIST)
		hv_snprintf(doc->values + hv_strlen(doc->values),
			    sizeof(doc->values) - hv_strlen(doc->values),
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
		n += (size_t)hv_snprintf(buf + n, size - n, "%s`%.*s`", n ? ", " : "", (int)c, s);
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
		hv_snprintf(def, sizeof(def), d.def[0] ? "`%s`" : "none", d.def);
		if (!hv_strcmp(d.type, "enum") || !hv_strcmp(d.type, "bool"))
			config_md_choices(values, sizeof(values), d.values);
		else
			hv_snprintf(values, sizeof(values), "%s", d.values);
		hv_snprintf(line, sizeof(line), "| `%s` | %s | %s | %s | %s | %s |", d.name,
			    d.per_guest ? "per guest" : "global", d.type, def, values, d.text);
		emit(ctx, line);
	}
}
