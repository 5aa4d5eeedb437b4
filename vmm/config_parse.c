/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The parser of tickvisor.cfg and of the EFI load options (syntax and
 * override rules in config.h): text in, struct tv_config and a located
 * error out.  What each key is and accepts comes from the key table in
 * config.c (config_priv.h); split from there so each file has one job
 * (issue 10).
 */
#include "config.h"

#include <tv/errno.h>
#include <tv/fmt.h>
#include <tv/string.h>

#include "config_priv.h"

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
				tv_memcpy(out + n, "...", 3);
				n += 3;
			}
			break;
		}
		out[n++] = ((unsigned char)*v < 0x20U || (unsigned char)*v >= 0x7fU) ? '?' : *v;
	}
	out[n] = '\0';
}

static int config_fail(struct config_parser *p, const char *key, const char *fmt, ...)
	TV_PRINTF(3, 4);

static int config_fail(struct config_parser *p, const char *key, const char *fmt, ...)
{
	va_list ap;

	config_show_value(p->err->key, sizeof(p->err->key), key ? key : "");
	va_start(ap, fmt);
	tv_vsnprintf(p->err->message, sizeof(p->err->message), fmt, ap);
	va_end(ap);
	return -TV_EINVAL;
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
	size_t len = tv_strlen(s);
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
	tv_memcpy(digits, s, len);
	digits[len] = '\0';
	/* Bounded so that the shift cannot overflow. */
	if (!config_parse_uint(digits, max, &v))
		return false;
	*out = v << shift;
	return true;
}

/*
 * A comma list of k's value names ("x2apic,tsc-deadline"), bit i for name
 * i; "none" or an empty value is the empty set.  A name given twice is
 * harmless; an unknown or empty name is an error that names it.
 */
static int config_parse_flags(struct config_parser *p, const struct config_key *k,
			      const char *value, uint64_t *num)
{
	char expected[96];
	const char *s = value;

	*num = 0;
	if (!*s || !tv_strcmp(s, "none"))
		return 0;
	for (;;) {
		size_t len = 0;
		unsigned int i;

		while (s[len] && s[len] != ',')
			len++;
		for (i = 0; i < k->values->count; i++)
			if (tv_strlen(k->values->names[i]) == len &&
			    !tv_memcmp(s, k->values->names[i], len))
				break;
		if (i == k->values->count) {
			config_format_expected(k, expected, sizeof(expected));
			return config_fail(p, k->name, "unknown name '%.*s' in '%s' (expected a "
					   "comma list of %s)", (int)TV_MIN(len, CONFIG_SHOW_MAX), s,
					   k->name, expected);
		}
		*num |= 1ULL << i;
		if (!s[len])
			return 0;
		s += len + 1;
	}
}

/* Check value against k's type; numeric, enum and bool values come back in *num. */
static int config_parse_value(struct config_parser *p, const struct config_key *k,
			      const char *value, uint64_t *num)
{
	*num = 0;
	switch (k->type) {
	case CONFIG_TYPE_ENUM:
		for (unsigned int i = 0; i < k->values->count; i++) {
			if (!tv_strcmp(value, k->values->names[i])) {
				*num = i;
				return 0;
			}
		}
		break;
	case CONFIG_TYPE_BOOL:
		if (!tv_strcmp(value, "1") || !tv_strcmp(value, "yes") || !tv_strcmp(value, "true")) {
			*num = 1;
			return 0;
		}
		if (!tv_strcmp(value, "0") || !tv_strcmp(value, "no") || !tv_strcmp(value, "false"))
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
	case CONFIG_TYPE_FLAGS:
		return config_parse_flags(p, k, value, num);
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
	if (tv_strlcpy(dst, value, size) >= size)
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
			return -TV_EINVAL;
		g->module_line[g->nr_modules++] = p->line;
		return 0;
	case CONFIG_TYPE_PATH:
		return -TV_EINVAL;	/* guest= is config_add_guest's */
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
		return -TV_EINVAL;
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

	tv_memset(err, 0, sizeof(*err));
	len = tv_strnlen(text, len);
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
	size_t len = tv_strlen(text), i = 0;

	tv_memset(err, 0, sizeof(*err));
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
		return tv_snprintf(buf, size, "%s:%u: %s", file, err->line, err->message);
	return tv_snprintf(buf, size, "load options: %s", err->message);
}

int config_format_error(const struct config_error *err, char *buf, size_t size)
{
	return config_format_error_in(err, "tickvisor.cfg", buf, size);
}
