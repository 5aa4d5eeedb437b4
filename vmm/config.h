/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * tickvisor's configuration: \EFI\BOOT\tickvisor.cfg and the EFI load
 * options, parsed from text that boot/ has already read (and converted from
 * UCS-2 to ASCII).  Pure: no firmware calls, no allocation.
 *
 * File syntax: one key=value per line, spaces around '=' allowed, '#' starts
 * a comment at the start of a line or after whitespace, blank lines ignored,
 * LF or CRLF.  Load options: whitespace-separated key=value tokens.  In both,
 * a value may be double-quoted to contain spaces ("a b"); there are no escape
 * sequences, so a value cannot contain '"'.
 *
 * The keys are one table in config.c (name, scope, type, default, range,
 * meaning): the parser, config_init_defaults(), config_dump() and the key
 * table of docs/configuration.md (config_format_key_table(), make
 * config-docs) all read it.  A summary, defaults in brackets:
 *   log=error|warn|info|debug [info]      mode=vmx|native [vmx]
 *   vmx=auto|off [auto]                   halt=0|1|yes|no|true|false [0]
 *   timer=auto|preempt|hpet|tsc-deadline|poll [auto]
 *   apic=auto|apicv|access|ept [auto]
 *   timer_min_period_us=1..1000000 [200]
 *   timer_policy=coalesce|delay|one-missed|drop [coalesce]
 *   guest=PATH (repeatable, at most TV_CONFIG_MAX_GUESTS) starts a guest
 *   block; the per-guest keys after it apply to that guest, and before any
 *   guest= they set the defaults of the guests that follow:
 *     args=STRING [""]   mem=SIZE, K/M/G suffix, 1M..4G, 4K multiple [64M]
 *     module=PATH (repeatable, at most TV_CONFIG_MAX_MODULES per guest)
 *     timeout=SECONDS, 0..86400, 0 = none [0]
 *     unmapped=bus|stop [bus]
 *     cpuid_hide=NAME,NAME,... of x2apic, tsc-deadline, xsave, avx, avx512,
 *       pku, pcid, invpcid, rdtscp; "none" or empty hides nothing [none]
 *
 * Load options override the file.  A key in the load options replaces the
 * file's value; a per-guest key given there before any guest= replaces that
 * value in every guest (module= replaces the module lists); guest= in the load
 * options replaces the file's whole guest list.
 */
#ifndef TV_VMM_CONFIG_H
#define TV_VMM_CONFIG_H

#include <tv/log.h>
#include <tv/types.h>

#include "apic_path.h"

#define TV_CONFIG_MAX_GUESTS	256U
#define TV_CONFIG_MAX_MODULES	4U
#define TV_CONFIG_PATH_MAX	128U	/* bytes including the NUL */
#define TV_CONFIG_ARGS_MAX	256U	/* bytes including the NUL */
#define TV_CONFIG_KEY_MAX	32U	/* bytes including the NUL */
#define TV_CONFIG_MEM_MIN	(1ULL << 20)
#define TV_CONFIG_MEM_MAX	(4ULL << 30)
#define TV_CONFIG_MEM_DEFAULT	(64ULL << 20)
#define TV_CONFIG_TIMEOUT_MAX	86400U
#define TV_CONFIG_MIN_PERIOD_US_DEFAULT	200U
#define TV_CONFIG_MIN_PERIOD_US_MAX	1000000U
#define TV_CONFIG_LOAD_TIMERS_MAX	32U

enum tv_mode {
	TV_MODE_VMX,
	TV_MODE_NATIVE,
};

enum tv_vmx {
	TV_VMX_AUTO,
	TV_VMX_OFF,		/* skip VMX bring-up, report capabilities only */
};

/*
 * fault=: make the VMM itself take an exception right after the capability
 * report, to show (and test) the exception report and its power-off.
 */
enum tv_fault {
	TV_FAULT_NONE,
	TV_FAULT_UD,		/* UD2 */
	TV_FAULT_GP,		/* a non-canonical load */
	TV_FAULT_PF,		/* a load from an unmapped address */
	TV_FAULT_DE,		/* a division by zero */
};

enum tv_timer {
	TV_TIMER_AUTO,
	TV_TIMER_PREEMPT,
	TV_TIMER_HPET,
	TV_TIMER_TSC_DEADLINE,
	TV_TIMER_POLL,
};

/* A guest access to guest-physical memory outside RAM and every device. */
enum tv_unmapped {
	TV_UNMAPPED_BUS,	/* as an empty bus: reads all-ones, writes dropped */
	TV_UNMAPPED_STOP,	/* the VM is stopped with the address (isolation tests) */
};

enum tv_timer_policy {
	TV_TIMER_POLICY_COALESCE,
	TV_TIMER_POLICY_DELAY,
	TV_TIMER_POLICY_ONE_MISSED,
	TV_TIMER_POLICY_DROP,
};

struct tv_guest_config {
	char path[TV_CONFIG_PATH_MAX];
	char args[TV_CONFIG_ARGS_MAX];
	uint64_t mem_bytes;
	char modules[TV_CONFIG_MAX_MODULES][TV_CONFIG_PATH_MAX];
	unsigned int nr_modules;
	uint32_t timeout_s;		/* 0: no timeout */
	enum tv_unmapped unmapped;	/* an access outside RAM and devices: bus or stop */
	uint32_t cpuid_hide;		/* VCPUID_HIDE_* (vmm/vcpuid.h): features not shown */
	/* Where guest= and each module= came from, for messages: 0 = load options. */
	unsigned int path_line;
	unsigned int module_line[TV_CONFIG_MAX_MODULES];
};

/* The console ring (vmm/log.h LOG_RING_*: keep equal, checked there). */
#define TV_CONFIG_LOG_RING_MIN		(4ULL << 10)
#define TV_CONFIG_LOG_RING_MAX		(16ULL << 20)
#define TV_CONFIG_LOG_RING_DEFAULT	(64ULL << 10)

/* About 14 KiB: keep it static or in the boot context, not on a small stack. */
struct tv_config {
	enum tv_log_level log;
	uint64_t log_ring;		/* console ring bytes while guests run (vmm/log.c) */
	bool log_block;			/* a full console ring blocks instead of dropping */
	enum tv_mode mode;
	enum tv_vmx vmx;
	bool halt;			/* halt instead of powering off at the end */
	enum tv_fault fault;		/* test only: fault in the VMM on purpose */
	uint32_t load_timers;		/* timers due on this pCPU: the guest's + N-1 synthetic ones */
	enum tv_timer timer;
	enum apic_path apic;
	uint32_t timer_min_period_us;
	enum tv_timer_policy timer_policy;
	struct tv_guest_config guest_defaults;	/* what a new guest= starts from */
	struct tv_guest_config guests[TV_CONFIG_MAX_GUESTS];
	unsigned int nr_guests;
};

/* Where and why parsing stopped. */
struct config_error {
	unsigned int line;		/* 1-based line of tickvisor.cfg; 0: load options */
	char key[TV_CONFIG_KEY_MAX];	/* the key concerned, "" if none could be read */
	char message[160];		/* one-line cause, e.g. "unknown key 'foo'" */
};

/* Set every key to its default; no guests. */
void config_init_defaults(struct tv_config *cfg);

/*
 * @brief Apply tickvisor.cfg text on top of cfg.
 * @param text the file contents, len bytes, need not be NUL-terminated; a NUL
 *        byte ends it early.
 * @return 0, or -TV_EINVAL with *err filled (cfg then partly updated: discard it).
 */
int config_parse_file(struct tv_config *cfg, const char *text, size_t len,
		      struct config_error *err);

/*
 * @brief Apply EFI load options (program name already stripped) on top of a
 *        cfg that holds the file's settings, with the override rules above.
 * @param text NUL-terminated ASCII.
 * @return 0, or -TV_EINVAL with *err filled (line 0).
 */
int config_parse_load_options(struct tv_config *cfg, const char *text,
			      struct config_error *err);

/*
 * @brief The error as one line: "tickvisor.cfg:3: unknown key 'foo'" or
 *        "load options: bad value 'loud' for 'log' (expected ...)".
 * @return the length tv_snprintf reports.
 */
int config_format_error(const struct config_error *err, char *buf, size_t size);

/* The same with the file's name in place of tickvisor.cfg (the host checker, tvcfg). */
int config_format_error_in(const struct config_error *err, const char *file, char *buf,
			   size_t size);

/*
 * @brief Emit the effective configuration, one "key=value" line per call of
 *        emit, in a fixed order: global keys, then each guest block.  The
 *        output parses back (config_parse_file) to the same settings.
 */
void config_dump(const struct tv_config *cfg,
		 void (*emit)(void *ctx, const char *line), void *ctx);

/* One key of the table, as docs/configuration.md shows it. */
struct config_key_doc {
	const char *name;
	bool per_guest;		/* a guest block's key, else global */
	const char *type;	/* enum, uint, size, bool, string, path or list */
	char def[24];		/* the default as the key reads it ("info", "64M", "\"\""); "" if none */
	char values[128];	/* what it accepts, as the error messages say it */
	const char *text;	/* one-line meaning */
};

/* @return false when index is past the last key; else fills *doc. */
bool config_describe_key(unsigned int index, struct config_key_doc *doc);

/* Emit the Markdown key table of docs/configuration.md, one line per call. */
void config_format_key_table(void (*emit)(void *ctx, const char *line), void *ctx);

/* Names of the enumerated values, as the keys spell them. */
const char *config_mode_name(enum tv_mode mode);
const char *config_timer_name(enum tv_timer timer);
const char *config_apic_name(enum apic_path apic);
const char *config_timer_policy_name(enum tv_timer_policy policy);
const char *config_unmapped_name(enum tv_unmapped unmapped);

#endif /* TV_VMM_CONFIG_H */
