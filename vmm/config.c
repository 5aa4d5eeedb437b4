/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include "config.h"

#include <hv/errno.h>

#include "fmt.h"
#include "string.h"

#define CONFIG_VALUE_MAX	TV_CONFIG_ARGS_MAX	/* the longest value any key takes */
#define CONFIG_SHOW_MAX		40			/* value bytes quoted in a message */

/* One enumerated key: value names in the order of the enum. */
struct config_enum {
	const char *const *names;
	unsigned int count;
	const char *expected;	/* "error|warn|info|debug", for messages */
};

static const char *const config_log_names[] = { "error", "warn", "info", "debug" };
static const char *const config_mode_names[] = { "vmx", "native" };
static const char *const config_vmx_names[] = { "auto", "off" };
static const char *const config_timer_names[] = { "auto", "preempt", "hpet", "tsc-deadline", "poll" };
static const char *const config_apic_names[] = { "auto", "apicv", "access", "ept" };
static const char *const config_policy_names[] = { "coalesce", "delay", "one-missed", "drop" };
static const char *const config_fault_names[] = { "none", "ud", "gp", "pf", "de" };

static const struct config_enum config_log_enum = {
	config_log_names, HV_ARRAY_SIZE(config_log_names), "error|warn|info|debug" };
static const struct config_enum config_mode_enum = {
	config_mode_names, HV_ARRAY_SIZE(config_mode_names), "vmx|native" };
static const struct config_enum config_vmx_enum = {
	config_vmx_names, HV_ARRAY_SIZE(config_vmx_names), "auto|off" };
static const struct config_enum config_timer_enum = {
	config_timer_names, HV_ARRAY_SIZE(config_timer_names),
	"auto|preempt|hpet|tsc-deadline|poll" };
static const struct config_enum config_apic_enum = {
	config_apic_names, HV_ARRAY_SIZE(config_apic_names), "auto|apicv|access|ept" };
static const struct config_enum config_policy_enum = {
	config_policy_names, HV_ARRAY_SIZE(config_policy_names),
	"coalesce|delay|one-missed|drop" };

static const struct config_enum config_fault_enum = {
	config_fault_names, HV_ARRAY_SIZE(config_fault_names), "none|ud|gp|pf|de" };

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

static void config_init_guest(struct tv_guest_config *g)
{
	hv_memset(g, 0, sizeof(*g));
	g->mem_bytes = TV_CONFIG_MEM_DEFAULT;
}

void config_init_defaults(struct tv_config *cfg)
{
	hv_memset(cfg, 0, sizeof(*cfg));
	cfg->log = HV_LOG_INFO;
	cfg->mode = TV_MODE_VMX;
	cfg->vmx = TV_VMX_AUTO;
	cfg->halt = false;
	cfg->fault = TV_FAULT_NONE;
	cfg->load_timers = 1;
	cfg->timer = TV_TIMER_AUTO;
	cfg->apic = TV_APIC_AUTO;
	cfg->timer_min_period_us = TV_CONFIG_MIN_PERIOD_US_DEFAULT;
	cfg->timer_policy = TV_TIMER_POLICY_COALESCE;
	config_init_guest(&cfg->guest_defaults);
	cfg->nr_guests = 0;
}

struct config_parser {
	struct tv_config *cfg;
	struct config_error *err;
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

static int config_bad_value(struct config_parser *p, const char *key, const char *value,
			    const char *expected)
{
	char shown[CONFIG_SHOW_MAX + 4];	/* with "..." and NUL */

	config_show_value(shown, sizeof(shown), value);
	return config_fail(p, key, "bad value '%s' for '%s' (expected %s)", shown, key, expected);
}

static int config_set_enum(struct config_parser *p, const char *key, const char *value,
			   const struct config_enum *e, unsigned int *out)
{
	for (unsigned int i = 0; i < e->count; i++) {
		if (hv_strcmp(value, e->names[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return config_bad_value(p, key, value, e->expected);
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

/* "64M", "1G", "4096K", "1048576": a byte count. */
static bool config_parse_size(const char *s, uint64_t *out)
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
	if (!config_parse_uint(digits, TV_CONFIG_MEM_MAX, &v))
		return false;
	*out = v << shift;
	return true;
}

static int config_copy_string(struct config_parser *p, const char *key, const char *value,
			      char *dst, size_t size)
{
	if (hv_strlcpy(dst, value, size) >= size)
		return config_fail(p, key, "value too long for '%s' (max %zu characters)",
				   key, size - 1);
	return 0;
}

enum config_guest_key {
	CONFIG_GUEST_ARGS,
	CONFIG_GUEST_MEM,
	CONFIG_GUEST_MODULE,
	CONFIG_GUEST_TIMEOUT,
};

/* Apply one already validated per-guest setting to one guest block. */
static int config_apply_guest_key(struct config_parser *p, struct tv_guest_config *g,
				  enum config_guest_key k, const char *key, const char *value,
				  uint64_t num)
{
	switch (k) {
	case CONFIG_GUEST_ARGS:
		return config_copy_string(p, key, value, g->args, sizeof(g->args));
	case CONFIG_GUEST_MEM:
		g->mem_bytes = num;
		return 0;
	case CONFIG_GUEST_TIMEOUT:
		g->timeout_s = (uint32_t)num;
		return 0;
	case CONFIG_GUEST_MODULE:
		if (g->nr_modules >= TV_CONFIG_MAX_MODULES)
			return config_fail(p, key, "too many modules for %s (max %u)",
					   g->path[0] ? g->path : "the guest defaults",
					   TV_CONFIG_MAX_MODULES);
		if (config_copy_string(p, key, value, g->modules[g->nr_modules],
				       sizeof(g->modules[0])))
			return -HV_EINVAL;
		g->nr_modules++;
		return 0;
	}
	return -HV_EINVAL;
}

static int config_set_guest_key(struct config_parser *p, enum config_guest_key k,
				const char *key, const char *value)
{
	struct tv_config *cfg = p->cfg;
	uint64_t num = 0;
	int rc;

	switch (k) {
	case CONFIG_GUEST_MEM:
		if (!config_parse_size(value, &num) || num < TV_CONFIG_MEM_MIN ||
		    num > TV_CONFIG_MEM_MAX || (num & 0xfffU))
			return config_bad_value(p, key, value,
						"a size from 1M to 4G in 4K units, e.g. 64M");
		break;
	case CONFIG_GUEST_TIMEOUT:
		if (!config_parse_uint(value, TV_CONFIG_TIMEOUT_MAX, &num))
			return config_bad_value(p, key, value, "seconds from 0 to 86400");
		break;
	case CONFIG_GUEST_MODULE:
		if (!value[0])
			return config_bad_value(p, key, value, "a file path");
		break;
	case CONFIG_GUEST_ARGS:
		break;
	}

	if (p->in_guest)
		return config_apply_guest_key(p, &cfg->guests[cfg->nr_guests - 1], k, key,
					      value, num);

	/* Before any guest= of this source: the defaults of the guests that follow. */
	if (p->is_options && k == CONFIG_GUEST_MODULE && !p->modules_reset) {
		cfg->guest_defaults.nr_modules = 0;
		for (unsigned int i = 0; i < cfg->nr_guests; i++)
			cfg->guests[i].nr_modules = 0;
		p->modules_reset = true;
	}
	rc = config_apply_guest_key(p, &cfg->guest_defaults, k, key, value, num);
	/* A load option also replaces the value in the guests the file gave. */
	for (unsigned int i = 0; !rc && p->is_options && i < cfg->nr_guests; i++)
		rc = config_apply_guest_key(p, &cfg->guests[i], k, key, value, num);
	return rc;
}

static int config_add_guest(struct config_parser *p, const char *key, const char *value)
{
	struct tv_config *cfg = p->cfg;
	struct tv_guest_config *g;

	if (!value[0])
		return config_bad_value(p, key, value, "a file path");
	/* The first guest= of the load options replaces the file's list. */
	if (p->is_options && !p->in_guest)
		cfg->nr_guests = 0;
	if (cfg->nr_guests >= TV_CONFIG_MAX_GUESTS)
		return config_fail(p, key, "too many guests (max %u)", TV_CONFIG_MAX_GUESTS);
	g = &cfg->guests[cfg->nr_guests];
	*g = cfg->guest_defaults;
	if (config_copy_string(p, key, value, g->path, sizeof(g->path)))
		return -HV_EINVAL;
	cfg->nr_guests++;
	p->in_guest = true;
	return 0;
}

static int config_set_bool(struct config_parser *p, const char *key, const char *value,
			   bool *out)
{
	if (!hv_strcmp(value, "1") || !hv_strcmp(value, "yes") || !hv_strcmp(value, "true")) {
		*out = true;
		return 0;
	}
	if (!hv_strcmp(value, "0") || !hv_strcmp(value, "no") || !hv_strcmp(value, "false")) {
		*out = false;
		return 0;
	}
	return config_bad_value(p, key, value, "0|1|yes|no|true|false");
}

static int config_set(struct config_parser *p, const char *key, const char *value)
{
	struct tv_config *cfg = p->cfg;
	unsigned int e = 0;
	uint64_t num;
	int rc;

	if (!hv_strcmp(key, "guest"))
		return config_add_guest(p, key, value);
	if (!hv_strcmp(key, "args"))
		return config_set_guest_key(p, CONFIG_GUEST_ARGS, key, value);
	if (!hv_strcmp(key, "mem"))
		return config_set_guest_key(p, CONFIG_GUEST_MEM, key, value);
	if (!hv_strcmp(key, "module"))
		return config_set_guest_key(p, CONFIG_GUEST_MODULE, key, value);
	if (!hv_strcmp(key, "timeout"))
		return config_set_guest_key(p, CONFIG_GUEST_TIMEOUT, key, value);
	if (!hv_strcmp(key, "halt"))
		return config_set_bool(p, key, value, &cfg->halt);
	if (!hv_strcmp(key, "load_timers")) {
		if (!config_parse_uint(value, TV_CONFIG_LOAD_TIMERS_MAX, &num) || num == 0)
			return config_bad_value(p, key, value, "a count from 1 to 32");
		cfg->load_timers = (uint32_t)num;
		return 0;
	}
	if (!hv_strcmp(key, "timer_min_period_us")) {
		if (!config_parse_uint(value, TV_CONFIG_MIN_PERIOD_US_MAX, &num) || num == 0)
			return config_bad_value(p, key, value, "microseconds from 1 to 1000000");
		cfg->timer_min_period_us = (uint32_t)num;
		return 0;
	}

#define CONFIG_ENUM_KEY(name, table, field, type) \
	if (!hv_strcmp(key, name)) { \
		rc = config_set_enum(p, key, value, &table, &e); \
		if (!rc) \
			cfg->field = (type)e; \
		return rc; \
	}
	CONFIG_ENUM_KEY("log", config_log_enum, log, enum hv_log_level)
	CONFIG_ENUM_KEY("mode", config_mode_enum, mode, enum tv_mode)
	CONFIG_ENUM_KEY("vmx", config_vmx_enum, vmx, enum tv_vmx)
	CONFIG_ENUM_KEY("timer", config_timer_enum, timer, enum tv_timer)
	CONFIG_ENUM_KEY("apic", config_apic_enum, apic, enum tv_apic)
	CONFIG_ENUM_KEY("timer_policy", config_policy_enum, timer_policy, enum tv_timer_policy)
	CONFIG_ENUM_KEY("fault", config_fault_enum, fault, enum tv_fault)
#undef CONFIG_ENUM_KEY

	return config_fail(p, key, "unknown key '%s'", key);
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

int config_format_error(const struct config_error *err, char *buf, size_t size)
{
	if (err->line)
		return hv_snprintf(buf, size, "tickvisor.cfg:%u: %s", err->line, err->message);
	return hv_snprintf(buf, size, "load options: %s", err->message);
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

void config_dump(const struct tv_config *cfg,
		 void (*emit)(void *ctx, const char *line), void *ctx)
{
	char line[TV_CONFIG_ARGS_MAX + 16];
	char size[24];

	hv_snprintf(line, sizeof(line), "log=%s",
		    config_enum_name(&config_log_enum, (unsigned int)cfg->log));
	emit(ctx, line);
	hv_snprintf(line, sizeof(line), "mode=%s", config_mode_name(cfg->mode));
	emit(ctx, line);
	hv_snprintf(line, sizeof(line), "vmx=%s",
		    config_enum_name(&config_vmx_enum, (unsigned int)cfg->vmx));
	emit(ctx, line);
	hv_snprintf(line, sizeof(line), "halt=%d", cfg->halt ? 1 : 0);
	emit(ctx, line);
	if (cfg->load_timers != 1) {
		hv_snprintf(line, sizeof(line), "load_timers=%u", cfg->load_timers);
		emit(ctx, line);
	}
	if (cfg->fault != TV_FAULT_NONE) {
		hv_snprintf(line, sizeof(line), "fault=%s",
			    config_enum_name(&config_fault_enum, (unsigned int)cfg->fault));
		emit(ctx, line);
	}
	hv_snprintf(line, sizeof(line), "timer=%s", config_timer_name(cfg->timer));
	emit(ctx, line);
	hv_snprintf(line, sizeof(line), "apic=%s", config_apic_name(cfg->apic));
	emit(ctx, line);
	hv_snprintf(line, sizeof(line), "timer_min_period_us=%u", cfg->timer_min_period_us);
	emit(ctx, line);
	hv_snprintf(line, sizeof(line), "timer_policy=%s",
		    config_timer_policy_name(cfg->timer_policy));
	emit(ctx, line);

	for (unsigned int i = 0; i < cfg->nr_guests; i++) {
		const struct tv_guest_config *g = &cfg->guests[i];
		bool q;

		q = config_needs_quotes(g->path);
		hv_snprintf(line, sizeof(line), "guest=%s%s%s", q ? "\"" : "", g->path, q ? "\"" : "");
		emit(ctx, line);
		hv_snprintf(line, sizeof(line), "args=\"%s\"", g->args);
		emit(ctx, line);
		config_format_size(size, sizeof(size), g->mem_bytes);
		hv_snprintf(line, sizeof(line), "mem=%s", size);
		emit(ctx, line);
		for (unsigned int m = 0; m < g->nr_modules; m++) {
			q = config_needs_quotes(g->modules[m]);
			hv_snprintf(line, sizeof(line), "module=%s%s%s", q ? "\"" : "",
				    g->modules[m], q ? "\"" : "");
			emit(ctx, line);
		}
		hv_snprintf(line, sizeof(line), "timeout=%u", g->timeout_s);
		emit(ctx, line);
	}
}
