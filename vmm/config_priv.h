/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Private to vmm/config.c (the key table, defaults, dump and docs) and
 * vmm/config_parse.c (the file and load-option parser): what a key is, and
 * the table helpers the parser uses.
 */
#ifndef TV_VMM_CONFIG_PRIV_H
#define TV_VMM_CONFIG_PRIV_H

#include <tv/types.h>

#include "config.h"

#define CONFIG_VALUE_MAX	TV_CONFIG_ARGS_MAX	/* the longest value any key takes */
#define CONFIG_SHOW_MAX		40			/* value bytes quoted in a message */
#define CONFIG_SIZE_UNIT	4096U			/* sizes are whole 4 KiB pages */

/* One enumerated key: value names in the order of the enum. */
struct config_enum {
	const char *const *names;
	unsigned int count;
};

/* What a key's value is: how it parses, prints in the dump and reads in the docs. */
enum config_type {
	CONFIG_TYPE_ENUM,	/* one of ->values' names, case-sensitive */
	CONFIG_TYPE_UINT,	/* decimal, ->min..->max */
	CONFIG_TYPE_SIZE,	/* bytes, K/M/G suffix, ->min..->max, whole 4 KiB pages */
	CONFIG_TYPE_BOOL,	/* 0|1|yes|no|true|false */
	CONFIG_TYPE_STRING,	/* any text that fits the field */
	CONFIG_TYPE_PATH,	/* guest=: a file on the ESP; starts a guest block */
	CONFIG_TYPE_LIST,	/* module=: a file on the ESP, repeatable */
	CONFIG_TYPE_FLAGS,	/* a comma list of ->values' names, bit i for name i; "none" or "" = 0 */
};

enum config_scope {
	CONFIG_SCOPE_GLOBAL,	/* a field of struct tv_config */
	CONFIG_SCOPE_GUEST,	/* a field of struct tv_guest_config */
};

/* Dumped only when not at the default: test and benchmark keys stay out of a normal dump. */
#define CONFIG_KEY_DUMP_IF_SET	0x1U

/*
 * One key.  The table config_keys[] in config.c is the only list of keys:
 * the parser (config_parse.c) looks keys up in it, config_init_defaults() and config_dump() walk it, and
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
	const struct config_enum *values;	/* CONFIG_TYPE_ENUM, CONFIG_TYPE_FLAGS */
	uint64_t min, max;		/* CONFIG_TYPE_UINT, CONFIG_TYPE_SIZE */
	uint64_t def;			/* default of a numeric, enum or bool key */
	const char *unit;		/* CONFIG_TYPE_UINT: "seconds" in "seconds from 0 to 86400" */
	const char *doc;		/* one line for the docs */
};

/* The key called `name`, or NULL. */
const struct config_key *config_find_key(const char *name);

/* Store numeric, enum or bool value v in k's field of base (a config or guest block). */
void config_store(void *base, const struct config_key *k, uint64_t v);

/* What k accepts, as error messages and the docs say it, into buf. */
void config_format_expected(const struct config_key *k, char *buf, size_t size);

#endif /* TV_VMM_CONFIG_PRIV_H */
