/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/* vmm/config: tickvisor.cfg and EFI load options, one rule per case. */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tv/errno.h>

#include "../../vmm/config.h"
#include "../../vmm/vcpuid.h"

static struct tv_config cfg;
static struct config_error err;
static char errline[256];

/* Parse file text (NUL-terminated here) over fresh defaults; keep the formatted error. */
static int parse_file(const char *text)
{
	int rc;

	config_init_defaults(&cfg);
	rc = config_parse_file(&cfg, text, strlen(text), &err);
	errline[0] = '\0';
	if (rc)
		config_format_error(&err, errline, sizeof(errline));
	return rc;
}

/* Load options on top of whatever cfg holds. */
static int parse_options(const char *text)
{
	int rc = config_parse_load_options(&cfg, text, &err);

	errline[0] = '\0';
	if (rc)
		config_format_error(&err, errline, sizeof(errline));
	return rc;
}

static void config_defaults_match_issue(void)
{
	config_init_defaults(&cfg);
	UT_EQ(cfg.log, TV_LOG_INFO);
	UT_EQ(cfg.mode, TV_MODE_VMX);
	UT_EQ(cfg.vmx, TV_VMX_AUTO);
	UT_EQ(cfg.halt, false);
	UT_EQ(cfg.timer, TV_TIMER_AUTO);
	UT_EQ(cfg.apic, APIC_PATH_AUTO);
	UT_EQ(cfg.timer_min_period_us, 200);
	UT_EQ(cfg.timer_policy, TV_TIMER_POLICY_COALESCE);
	UT_EQ(cfg.nr_guests, 0);
	UT_EQ(cfg.guest_defaults.mem_bytes, 64ULL << 20);
	UT_STREQ(cfg.guest_defaults.args, "");
	UT_EQ(cfg.guest_defaults.timeout_s, 0);
}

static void config_file_syntax_comments_blanks_crlf(void)
{
	UT_EQ(parse_file("# tickvisor test config\r\n"
			 "\r\n"
			 "   \t\r\n"
			 "log = debug   # trailing comment\r\n"
			 "  mode\t=\tnative\r\n"
			 "\t# indented comment\n"
			 "timer=hpet"), 0);
	UT_EQ(cfg.log, TV_LOG_DBG);
	UT_EQ(cfg.mode, TV_MODE_NATIVE);
	UT_EQ(cfg.timer, TV_TIMER_HPET);
}

static void config_hash_inside_value_is_not_comment(void)
{
	UT_EQ(parse_file("guest=a#b.elf\nargs=x#y # real comment\n"), 0);
	UT_STREQ(cfg.guests[0].path, "a#b.elf");
	UT_STREQ(cfg.guests[0].args, "x#y");
}

static void config_nul_byte_ends_text(void)
{
	static const char text[] = "log=warn\n\0log=bogus\n";

	config_init_defaults(&cfg);
	UT_EQ(config_parse_file(&cfg, text, sizeof(text), &err), 0);
	UT_EQ(cfg.log, TV_LOG_WARN);
}

static void config_every_enum_value_parses(void)
{
	static const struct { const char *line; size_t off; unsigned int v; } t[] = {
		{ "log=error", offsetof(struct tv_config, log), TV_LOG_ERR },
		{ "log=warn", offsetof(struct tv_config, log), TV_LOG_WARN },
		{ "log=info", offsetof(struct tv_config, log), TV_LOG_INFO },
		{ "log=debug", offsetof(struct tv_config, log), TV_LOG_DBG },
		{ "mode=vmx", offsetof(struct tv_config, mode), TV_MODE_VMX },
		{ "mode=native", offsetof(struct tv_config, mode), TV_MODE_NATIVE },
		{ "vmx=auto", offsetof(struct tv_config, vmx), TV_VMX_AUTO },
		{ "vmx=off", offsetof(struct tv_config, vmx), TV_VMX_OFF },
		{ "timer=auto", offsetof(struct tv_config, timer), TV_TIMER_AUTO },
		{ "timer=preempt", offsetof(struct tv_config, timer), TV_TIMER_PREEMPT },
		{ "timer=hpet", offsetof(struct tv_config, timer), TV_TIMER_HPET },
		{ "timer=tsc-deadline", offsetof(struct tv_config, timer), TV_TIMER_TSC_DEADLINE },
		{ "timer=poll", offsetof(struct tv_config, timer), TV_TIMER_POLL },
		{ "apic=auto", offsetof(struct tv_config, apic), APIC_PATH_AUTO },
		{ "apic=apicv", offsetof(struct tv_config, apic), APIC_PATH_APICV },
		{ "apic=access", offsetof(struct tv_config, apic), APIC_PATH_ACCESS },
		{ "apic=ept", offsetof(struct tv_config, apic), APIC_PATH_EPT },
		{ "timer_policy=coalesce", offsetof(struct tv_config, timer_policy), TV_TIMER_POLICY_COALESCE },
		{ "timer_policy=delay", offsetof(struct tv_config, timer_policy), TV_TIMER_POLICY_DELAY },
		{ "timer_policy=one-missed", offsetof(struct tv_config, timer_policy), TV_TIMER_POLICY_ONE_MISSED },
		{ "timer_policy=drop", offsetof(struct tv_config, timer_policy), TV_TIMER_POLICY_DROP },
	};

	for (size_t i = 0; i < TV_ARRAY_SIZE(t); i++) {
		unsigned int v;

		UT_EQ(parse_file(t[i].line), 0);
		/* Each field is an enum: an unsigned int sized object at that offset. */
		memcpy(&v, (const char *)&cfg + t[i].off, sizeof(v));
		UT_CHECK_MSG(v == t[i].v, "%s gave %u", t[i].line, v);
	}
}

static void config_bad_enum_value_names_key_and_choices(void)
{
	UT_EQ(parse_file("mode=vmx\n\nlog=loud\n"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:3: bad value 'loud' for 'log' (expected error|warn|info|debug)");
	UT_STREQ(err.key, "log");
	UT_EQ(err.line, 3);
	UT_EQ(parse_file("timer=tsc_deadline"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: bad value 'tsc_deadline' for 'timer' "
			  "(expected auto|preempt|hpet|tsc-deadline|poll)");
	UT_EQ(parse_file("apic="), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: bad value '' for 'apic' (expected auto|apicv|access|ept)");
	/* Values are case-sensitive, as documented. */
	UT_EQ(parse_file("log=INFO"), -TV_EINVAL);
}

static void config_halt_accepts_six_spellings(void)
{
	static const char *const on[] = { "halt=1", "halt=yes", "halt=true" };
	static const char *const off[] = { "halt=0", "halt=no", "halt=false" };

	for (size_t i = 0; i < 3; i++) {
		UT_EQ(parse_file(on[i]), 0);
		UT_EQ(cfg.halt, true);
		cfg.halt = true;
		UT_EQ(config_parse_file(&cfg, off[i], strlen(off[i]), &err), 0);
		UT_EQ(cfg.halt, false);
	}
	UT_EQ(parse_file("halt=on"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: bad value 'on' for 'halt' (expected 0|1|yes|no|true|false)");
}

static void config_unknown_key_is_error(void)
{
	UT_EQ(parse_file("log=info\nmode=vmx\nfoo=1\n"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:3: unknown key 'foo'");
	UT_STREQ(err.key, "foo");
	/* Keys are case-sensitive too. */
	UT_EQ(parse_file("LOG=info"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: unknown key 'LOG'");
	/* serial= is deliberately not a key. */
	UT_EQ(parse_file("serial=com1"), -TV_EINVAL);
}

static void config_overlong_key_is_unknown(void)
{
	UT_EQ(parse_file("a_very_long_key_name_that_is_not_a_key_at_all=1"), -TV_EINVAL);
	UT_CHECK(strstr(errline, "unknown key 'a_very_long_key_name_that") != NULL);
	UT_CHECK(strlen(err.key) < TV_CONFIG_KEY_MAX);
}

static void config_missing_equals_is_error(void)
{
	UT_EQ(parse_file("log info"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: missing '=' after 'log'");
	UT_EQ(parse_file("# c\nguest"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:2: missing '=' after 'guest'");
	UT_EQ(parse_file("=value"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: expected key=value");
}

static void config_quoted_value_keeps_spaces(void)
{
	UT_EQ(parse_file("guest=\"my kernel.elf\"\nargs = \"console=ttyS0 selftest=all\"  # c\n"), 0);
	UT_STREQ(cfg.guests[0].path, "my kernel.elf");
	UT_STREQ(cfg.guests[0].args, "console=ttyS0 selftest=all");
	UT_EQ(parse_file("args=\"\""), 0);
	UT_STREQ(cfg.guest_defaults.args, "");
}

static void config_unquoted_spaces_are_error(void)
{
	UT_EQ(parse_file("args=console=ttyS0 debug"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: unexpected text after value of 'args' "
			  "(quote values that contain spaces)");
	UT_EQ(parse_file("args=\"a\"b"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: unexpected text after value of 'args'");
}

static void config_unterminated_quote_is_error(void)
{
	UT_EQ(parse_file("log=info\nargs=\"abc\n"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:2: unterminated quote in value of 'args'");
	UT_EQ(parse_file("args=ab\"c"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: stray '\"' in value of 'args'");
}

static void config_value_too_long_is_error(void)
{
	char text[600];

	/* args holds 255 characters. */
	snprintf(text, sizeof(text), "args=%0255d", 0);
	UT_EQ(parse_file(text), 0);
	snprintf(text, sizeof(text), "args=%0256d", 0);
	UT_EQ(parse_file(text), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: value too long for 'args' (max 255 characters)");
	/* A path holds 127. */
	snprintf(text, sizeof(text), "guest=%0127d", 0);
	UT_EQ(parse_file(text), 0);
	snprintf(text, sizeof(text), "guest=%0128d", 0);
	UT_EQ(parse_file(text), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: value too long for 'guest' (max 127 characters)");
	snprintf(text, sizeof(text), "module=%0200d", 0);
	UT_EQ(parse_file(text), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: value too long for 'module' (max 127 characters)");
}

static void config_long_bad_value_is_shortened_in_message(void)
{
	char text[300];

	snprintf(text, sizeof(text), "log=%0100d", 7);
	UT_EQ(parse_file(text), -TV_EINVAL);
	UT_CHECK(strstr(errline, "...' for 'log'") != NULL);
	UT_CHECK(strlen(errline) < 120);
}

static void config_mem_sizes_and_limits(void)
{
	static const struct { const char *v; uint64_t bytes; } ok[] = {
		{ "1M", 1ULL << 20 }, { "64M", 64ULL << 20 }, { "64m", 64ULL << 20 },
		{ "4G", 4ULL << 30 }, { "1g", 1ULL << 30 }, { "1024K", 1ULL << 20 },
		{ "2097152", 2ULL << 20 }, { "1028K", 1028ULL << 10 },
	};
	static const char *const bad[] = {
		"0", "64", "1023K", "4097M", "5G", "1026K", "-1M", "M", "64MB", "1.5G", "", "99999999999999999999G",
	};
	char text[64];

	for (size_t i = 0; i < TV_ARRAY_SIZE(ok); i++) {
		snprintf(text, sizeof(text), "mem=%s", ok[i].v);
		UT_EQ(parse_file(text), 0);
		UT_CHECK_MSG(cfg.guest_defaults.mem_bytes == ok[i].bytes, "mem=%s", ok[i].v);
	}
	for (size_t i = 0; i < TV_ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "mem=%s", bad[i]);
		UT_CHECK_MSG(parse_file(text) == -TV_EINVAL, "mem=%s accepted", bad[i]);
	}
	UT_EQ(parse_file("mem=5G"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: bad value '5G' for 'mem' "
			  "(expected a size from 1M to 4G in 4K units, e.g. 64M)");
}

static void config_timeout_and_min_period_limits(void)
{
	UT_EQ(parse_file("timeout=0"), 0);
	UT_EQ(parse_file("timeout=86400"), 0);
	UT_EQ(cfg.guest_defaults.timeout_s, 86400);
	UT_EQ(parse_file("timeout=86401"), -TV_EINVAL);
	UT_EQ(parse_file("timeout=-1"), -TV_EINVAL);
	UT_EQ(parse_file("timer_min_period_us=1"), 0);
	UT_EQ(cfg.timer_min_period_us, 1);
	UT_EQ(parse_file("timer_min_period_us=1000000"), 0);
	UT_EQ(parse_file("timer_min_period_us=0"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: bad value '0' for 'timer_min_period_us' "
			  "(expected microseconds from 1 to 1000000)");
	UT_EQ(parse_file("timer_min_period_us=1000001"), -TV_EINVAL);
	UT_EQ(parse_file("timer_min_period_us=12us"), -TV_EINVAL);
}

static void config_unmapped_per_guest(void)
{
	UT_EQ(parse_file(""), 0);
	UT_EQ(cfg.guest_defaults.unmapped, TV_UNMAPPED_BUS);
	UT_EQ(parse_file("guest=a.elf\nunmapped=stop\nguest=b.elf\n"), 0);
	UT_EQ(cfg.guests[0].unmapped, TV_UNMAPPED_STOP);
	UT_EQ(cfg.guests[1].unmapped, TV_UNMAPPED_BUS);
	UT_EQ(parse_file("unmapped=stop\nguest=a.elf\nguest=b.elf\nunmapped=bus\n"), 0);
	UT_EQ(cfg.guests[0].unmapped, TV_UNMAPPED_STOP);
	UT_EQ(cfg.guests[1].unmapped, TV_UNMAPPED_BUS);
	UT_EQ(parse_file("unmapped=ones"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: bad value 'ones' for 'unmapped' (expected bus|stop)");
	UT_STREQ(config_unmapped_name(TV_UNMAPPED_STOP), "stop");
}

static void config_guest_keys_before_guest_set_defaults(void)
{
	UT_EQ(parse_file("mem=128M\nargs=\"quiet\"\nmodule=env.txt\ntimeout=30\n"
			 "guest=a.elf\n"
			 "guest=b.elf\nmem=32M\nmodule=b.mod\nargs=x\n"
			 "guest=c.elf\n"), 0);
	UT_EQ(cfg.nr_guests, 3);
	UT_STREQ(cfg.guests[0].path, "a.elf");
	UT_EQ(cfg.guests[0].mem_bytes, 128ULL << 20);
	UT_STREQ(cfg.guests[0].args, "quiet");
	UT_EQ(cfg.guests[0].nr_modules, 1);
	UT_STREQ(cfg.guests[0].modules[0], "env.txt");
	UT_EQ(cfg.guests[0].timeout_s, 30);
	/* Keys after a guest= apply to that guest only; modules add to the inherited ones. */
	UT_EQ(cfg.guests[1].mem_bytes, 32ULL << 20);
	UT_STREQ(cfg.guests[1].args, "x");
	UT_EQ(cfg.guests[1].nr_modules, 2);
	UT_STREQ(cfg.guests[1].modules[1], "b.mod");
	UT_EQ(cfg.guests[2].mem_bytes, 128ULL << 20);
	UT_STREQ(cfg.guests[2].args, "quiet");
	UT_EQ(cfg.guests[2].nr_modules, 1);
}

static void config_too_many_guests_is_error(void)
{
	char text[8192] = "";

	for (unsigned int i = 0; i < TV_CONFIG_MAX_GUESTS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "guest=g%u.elf\n", i);
	UT_EQ(parse_file(text), 0);
	UT_EQ(cfg.nr_guests, TV_CONFIG_MAX_GUESTS);
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "guest=one-more.elf\n");
	UT_EQ(parse_file(text), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:257: too many guests (max 256)");
}

static void config_too_many_modules_is_error(void)
{
	UT_EQ(parse_file("guest=k.elf\nmodule=1\nmodule=2\nmodule=3\nmodule=4\n"), 0);
	UT_EQ(cfg.guests[0].nr_modules, 4);
	UT_EQ(parse_file("guest=k.elf\nmodule=1\nmodule=2\nmodule=3\nmodule=4\nmodule=5\n"),
	      -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:6: too many modules for k.elf (max 4)");
	UT_EQ(parse_file("guest=\n"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: bad value '' for 'guest' (expected a file path)");
}

static void config_control_character_in_value_is_error(void)
{
	UT_EQ(parse_file("args=\"a\x01b\""), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:1: control character in value of 'args'");
}

static void config_load_options_override_file_keys(void)
{
	UT_EQ(parse_file("log=warn\nmode=native\ntimer=hpet\n"), 0);
	UT_EQ(parse_options("log=debug timer=poll"), 0);
	UT_EQ(cfg.log, TV_LOG_DBG);
	UT_EQ(cfg.timer, TV_TIMER_POLL);
	/* Keys the options do not name keep the file's value. */
	UT_EQ(cfg.mode, TV_MODE_NATIVE);
}

static void config_load_options_guest_replaces_list(void)
{
	UT_EQ(parse_file("mem=16M\nguest=a.elf\nguest=b.elf\nargs=file\n"), 0);
	UT_EQ(parse_options("guest=x.elf args=\"from options\" guest=y.elf"), 0);
	UT_EQ(cfg.nr_guests, 2);
	UT_STREQ(cfg.guests[0].path, "x.elf");
	UT_STREQ(cfg.guests[0].args, "from options");
	UT_STREQ(cfg.guests[1].path, "y.elf");
	UT_STREQ(cfg.guests[1].args, "");
	/* The file's defaults still apply to the new guests. */
	UT_EQ(cfg.guests[1].mem_bytes, 16ULL << 20);
}

static void config_load_options_guest_key_overrides_every_guest(void)
{
	UT_EQ(parse_file("guest=a.elf\nmem=16M\nmodule=a.mod\nguest=b.elf\nmem=32M\n"), 0);
	UT_EQ(parse_options("mem=256M module=env.txt"), 0);
	UT_EQ(cfg.nr_guests, 2);
	UT_EQ(cfg.guests[0].mem_bytes, 256ULL << 20);
	UT_EQ(cfg.guests[1].mem_bytes, 256ULL << 20);
	/* module= in the options replaces the lists, it does not add to them. */
	UT_EQ(cfg.guests[0].nr_modules, 1);
	UT_STREQ(cfg.guests[0].modules[0], "env.txt");
	UT_EQ(cfg.guests[1].nr_modules, 1);
	UT_EQ(cfg.guest_defaults.mem_bytes, 256ULL << 20);
}

static void config_load_options_errors_say_load_options(void)
{
	config_init_defaults(&cfg);
	UT_EQ(parse_options("mode=vmx log=loud"), -TV_EINVAL);
	UT_STREQ(errline, "load options: bad value 'loud' for 'log' (expected error|warn|info|debug)");
	UT_EQ(err.line, 0);
	UT_EQ(parse_options("verbose"), -TV_EINVAL);
	UT_STREQ(errline, "load options: missing '=' after 'verbose'");
	/* Blanks separate tokens in load options, so "log = info" is not one setting. */
	UT_EQ(parse_options("log = info"), -TV_EINVAL);
	UT_STREQ(errline, "load options: missing '=' after 'log'");
	UT_EQ(parse_options("foo=1"), -TV_EINVAL);
	UT_STREQ(errline, "load options: unknown key 'foo'");
}

static void config_load_options_whitespace_and_quotes(void)
{
	config_init_defaults(&cfg);
	UT_EQ(parse_options("  \tguest=\\EFI\\tests\\hello.elf\r\n  args=\"a b  c\"\t halt=yes \r\n"), 0);
	UT_EQ(cfg.nr_guests, 1);
	UT_STREQ(cfg.guests[0].path, "\\EFI\\tests\\hello.elf");
	UT_STREQ(cfg.guests[0].args, "a b  c");
	UT_EQ(cfg.halt, true);
	UT_EQ(parse_options(""), 0);
	UT_EQ(parse_options("args=\"open"), -TV_EINVAL);
	UT_STREQ(errline, "load options: unterminated quote in value of 'args'");
}

struct dump_buf {
	char text[8192];
	unsigned int lines;
};

static void dump_collect(void *ctx, const char *line)
{
	struct dump_buf *d = ctx;
	size_t n = strlen(d->text);

	snprintf(d->text + n, sizeof(d->text) - n, "%s\n", line);
	d->lines++;
}

/* cpuid_hide=: a comma list, bit i for the i-th name of VCPUID_HIDE_*; none or empty is 0. */
static void config_cpuid_hide_lists(void)
{
	struct dump_buf d = { "", 0 };

	UT_EQ(parse_file(""), 0);
	UT_EQ(cfg.guest_defaults.cpuid_hide, 0);
	UT_EQ(parse_file("guest=a.elf\ncpuid_hide=x2apic,tsc-deadline\nguest=b.elf\n"), 0);
	UT_EQ(cfg.guests[0].cpuid_hide, VCPUID_HIDE_X2APIC | VCPUID_HIDE_TSC_DEADLINE);
	UT_EQ(cfg.guests[1].cpuid_hide, 0);
	UT_EQ(parse_file("cpuid_hide=xsave,avx,avx512,pku,pcid,invpcid,rdtscp,xsave\n"
			 "guest=a.elf\nguest=b.elf\ncpuid_hide=none\nguest=c.elf\ncpuid_hide=\n"),
	      0);
	UT_EQ(cfg.guests[0].cpuid_hide, VCPUID_HIDE_XSAVE | VCPUID_HIDE_AVX | VCPUID_HIDE_AVX512 |
					VCPUID_HIDE_PKU | VCPUID_HIDE_PCID | VCPUID_HIDE_INVPCID |
					VCPUID_HIDE_RDTSCP);
	UT_EQ(cfg.guests[1].cpuid_hide, 0);
	UT_EQ(cfg.guests[2].cpuid_hide, 0);
	/* Unknown, empty or differently spelled names are errors at FILE:LINE. */
	UT_EQ(parse_file("guest=a.elf\n\ncpuid_hide=x2apic,sse\n"), -TV_EINVAL);
	UT_STREQ(errline, "tickvisor.cfg:3: unknown name 'sse' in 'cpuid_hide' (expected a comma "
		 "list of none|x2apic|tsc-deadline|xsave|avx|avx512|pku|pcid|invpcid|rdtscp)");
	UT_EQ(parse_file("cpuid_hide=x2apic,,avx\n"), -TV_EINVAL);
	UT_CHECK(strstr(errline, "unknown name '' in 'cpuid_hide'") != NULL);
	UT_EQ(parse_file("cpuid_hide=X2APIC\n"), -TV_EINVAL);
	UT_EQ(parse_file("cpuid_hide=x2apic,\n"), -TV_EINVAL);
	UT_EQ(parse_file("cpuid_hide=none,x2apic\n"), -TV_EINVAL);
	/* The dump shows it only where set, and reads back to the same set. */
	UT_EQ(parse_file("guest=a.elf\ncpuid_hide=tsc-deadline,x2apic\nguest=b.elf\n"), 0);
	config_dump(&cfg, dump_collect, &d);
	UT_CHECK(strstr(d.text, "cpuid_hide=x2apic,tsc-deadline\nguest=b.elf\n") != NULL);
	UT_CHECK(strstr(strstr(d.text, "guest=b.elf"), "cpuid_hide") == NULL);
	UT_EQ(parse_file(d.text), 0);
	UT_EQ(cfg.guests[0].cpuid_hide, VCPUID_HIDE_X2APIC | VCPUID_HIDE_TSC_DEADLINE);
	UT_EQ(cfg.guests[1].cpuid_hide, 0);
}

static void config_dump_is_stable_key_value_lines(void)
{
	struct dump_buf d = { "", 0 };

	UT_EQ(parse_file("halt=1\nlog=debug\nguest=\"a b.elf\"\nargs=\"x y\"\nmem=1G\nmodule=m1\n"
			 "timeout=5\nguest=c.elf\nmem=1028K\n"), 0);
	config_dump(&cfg, dump_collect, &d);
	UT_STREQ(d.text,
		 "log=debug\nlog_ring=64K\nlog_block=0\nmode=vmx\nvmx=auto\nhalt=1\ntimer=auto\napic=auto\n"
		 "timer_min_period_us=200\ntimer_policy=coalesce\n"
		 "guest=\"a b.elf\"\nargs=\"x y\"\nmem=1G\nmodule=m1\ntimeout=5\n"
		 "guest=c.elf\nargs=\"\"\nmem=1028K\ntimeout=0\n");
	UT_EQ(d.lines, 19);
}

/* The dump shows unmapped= only where it is not the default, and it parses back. */
static void config_unmapped_dumps_when_set(void)
{
	static struct tv_config again;
	struct dump_buf d = { "", 0 };
	struct config_error e;

	UT_EQ(parse_file("guest=a.elf\nunmapped=stop\nguest=b.elf\n"), 0);
	config_dump(&cfg, dump_collect, &d);
	UT_CHECK(strstr(d.text, "guest=a.elf\nargs=\"\"\nmem=64M\ntimeout=0\nunmapped=stop\n") != NULL);
	UT_CHECK(strstr(d.text, "guest=b.elf\nargs=\"\"\nmem=64M\ntimeout=0\n") != NULL);
	UT_CHECK(strstr(strstr(d.text, "guest=b.elf"), "unmapped") == NULL);
	config_init_defaults(&again);
	UT_EQ(config_parse_file(&again, d.text, strlen(d.text), &e), 0);
	UT_EQ(again.guests[0].unmapped, TV_UNMAPPED_STOP);
	UT_EQ(again.guests[1].unmapped, TV_UNMAPPED_BUS);
}

static bool guest_equal(const struct tv_guest_config *a, const struct tv_guest_config *b)
{
	if (strcmp(a->path, b->path) || strcmp(a->args, b->args) || a->mem_bytes != b->mem_bytes ||
	    a->nr_modules != b->nr_modules || a->timeout_s != b->timeout_s ||
	    a->unmapped != b->unmapped)
		return false;
	for (unsigned int m = 0; m < a->nr_modules; m++)
		if (strcmp(a->modules[m], b->modules[m]))
			return false;
	return true;
}

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void config_dump_parses_back_to_same_config(void)
{
	static struct tv_config again;
	static const char *const words[] = { "a", "b c", "x#y", "k=v", "\\EFI\\g.elf", "" };
	unsigned int mismatches = 0;

	for (int iter = 0; iter < 300; iter++) {
		struct dump_buf d = { "", 0 };
		char text[4096] = "";
		size_t n = 0;
		unsigned int guests = (unsigned int)(next_rand() % 5);

		n += (size_t)snprintf(text + n, sizeof(text) - n, "log=%s\ntimer_min_period_us=%u\n",
				      (const char *[]){ "error", "warn", "info", "debug" }[next_rand() % 4],
				      (unsigned int)(next_rand() % 1000000) + 1);
		for (unsigned int g = 0; g < guests; g++) {
			const char *w = words[next_rand() % 5];

			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "guest=\"g%u %s\"\nargs=\"%s\"\nmem=%uK\ntimeout=%u\n",
					      g, w, words[next_rand() % 6],
					      (unsigned int)(1024 + 4 * (next_rand() % 100000)),
					      (unsigned int)(next_rand() % 86401));
			for (unsigned int m = (unsigned int)(next_rand() % 5); m; m--)
				n += (size_t)snprintf(text + n, sizeof(text) - n, "module=\"%s%u\"\n",
						      words[next_rand() % 5], m);
		}
		if (parse_file(text) != 0) {
			mismatches++;
			continue;
		}
		config_dump(&cfg, dump_collect, &d);
		config_init_defaults(&again);
		if (config_parse_file(&again, d.text, strlen(d.text), &err) != 0 ||
		    again.log != cfg.log || again.timer_min_period_us != cfg.timer_min_period_us ||
		    again.nr_guests != cfg.nr_guests) {
			mismatches++;
			continue;
		}
		for (unsigned int g = 0; g < cfg.nr_guests; g++)
			if (!guest_equal(&cfg.guests[g], &again.guests[g]))
				mismatches++;
	}
	UT_EQ(mismatches, 0);
}

static void config_random_input_never_crashes(void)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz_=\"# \t\r\n0123456789KMG-\\.\x01\xff";
	static const char *const seeds[] = {
		"log=debug\nguest=a.elf\nargs=\"x y\"\nmem=64M\nmodule=m\ntimeout=3\n",
		"timer=tsc-deadline apic=apicv guest=\"a b\" mem=1G halt=yes",
	};
	unsigned int ok = 0, rejected = 0, bad_errors = 0;
	char text[512];

	for (int iter = 0; iter < 20000; iter++) {
		size_t len;
		int rc;

		if (iter & 1) {
			len = next_rand() % sizeof(text);
			for (size_t i = 0; i < len; i++)
				text[i] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
		} else {
			/* Mutate a valid input: flip, insert or delete a few bytes. */
			const char *s = seeds[(iter >> 1) & 1];

			len = strlen(s);
			memcpy(text, s, len);
			for (int k = (int)(next_rand() % 4); k >= 0; k--) {
				size_t at = next_rand() % (len + 1);

				if (next_rand() & 1 && len + 1 < sizeof(text)) {
					memmove(text + at + 1, text + at, len - at);
					text[at] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
					len++;
				} else if (at < len) {
					text[at] = alphabet[next_rand() % (sizeof(alphabet) - 1)];
				}
			}
		}
		text[len] = '\0';
		config_init_defaults(&cfg);
		rc = (iter % 3) ? config_parse_file(&cfg, text, len, &err)
				: config_parse_load_options(&cfg, text, &err);
		if (rc == 0) {
			ok++;
			if (cfg.nr_guests > TV_CONFIG_MAX_GUESTS)
				bad_errors++;
		} else {
			rejected++;
			/* Every rejection has a one-line cause. */
			if (rc != -TV_EINVAL || err.message[0] == '\0' || strchr(err.message, '\n'))
				bad_errors++;
		}
	}
	UT_EQ(bad_errors, 0);
	UT_CHECK_MSG(ok > 100 && rejected > 100, "ok %u rejected %u", ok, rejected);
}

static void config_fault_key_selects_vmm_fault(void)
{
	UT_EQ(parse_file("log=info\n"), 0);
	UT_EQ(cfg.fault, TV_FAULT_NONE);
	UT_EQ(parse_file("fault=pf\n"), 0);
	UT_EQ(cfg.fault, TV_FAULT_PF);
	UT_EQ(parse_file("fault=ud\n"), 0);
	UT_EQ(cfg.fault, TV_FAULT_UD);
	UT_CHECK(parse_file("fault=segv\n") != 0);
	UT_CHECK(strstr(errline, "fault") && strstr(errline, "none|ud|gp|pf|de"));
}

static void config_load_timers_range(void)
{
	UT_EQ(parse_file("log=info\n"), 0);
	UT_EQ(cfg.load_timers, 1);
	UT_EQ(parse_file("load_timers=16\n"), 0);
	UT_EQ(cfg.load_timers, 16);
	UT_CHECK(parse_file("load_timers=0\n") != 0);
	UT_CHECK(strstr(errline, "load_timers") != NULL);
	UT_CHECK(parse_file("load_timers=33\n") != 0);
}

static void config_dump_shows_non_default_test_keys(void)
{
	struct dump_buf d = { "", 0 };

	UT_EQ(parse_file("fault=de\nload_timers=4\n"), 0);
	config_dump(&cfg, dump_collect, &d);
	UT_CHECK(strstr(d.text, "\nfault=de\n") != NULL);
	UT_CHECK(strstr(d.text, "\nload_timers=4\n") != NULL);
}


/* Every key of the table, set to the default the docs print, leaves the defaults as they are. */
static void config_every_key_parses_its_default(void)
{
	static struct tv_config fresh;
	struct config_key_doc d;
	unsigned int keys = 0;
	char text[128];

	config_init_defaults(&fresh);
	for (unsigned int i = 0; config_describe_key(i, &d); i++) {
		keys++;
		if (!d.def[0])
			continue;	/* guest= and module= have none */
		snprintf(text, sizeof(text), "%s=%s\n", d.name, d.def);
		UT_CHECK_MSG(parse_file(text) == 0, "%s: %s", text, errline);
		UT_CHECK_MSG(memcmp(&cfg, &fresh, sizeof(cfg)) == 0, "%s changed the defaults", text);
	}
	/*
	 * 12 global keys and 7 per guest, load_timers and log_ring among them
	 * (issues 9, 11), unmapped and cpuid_hide (issue 16).
	 */
	UT_EQ(keys, 19);
}

/* Every name in the table is a key; a near miss is an unknown key. */
static void config_table_names_are_keys_and_near_misses_are_not(void)
{
	struct config_key_doc d, e;
	char text[128];

	for (unsigned int i = 0; config_describe_key(i, &d); i++) {
		for (unsigned int j = i + 1; config_describe_key(j, &e); j++)
			UT_CHECK_MSG(strcmp(d.name, e.name) != 0, "%s twice in the table", d.name);
		snprintf(text, sizeof(text), "%sx=1\n", d.name);
		UT_EQ(parse_file(text), -TV_EINVAL);
		snprintf(text, sizeof(text), "tickvisor.cfg:1: unknown key '%sx'", d.name);
		UT_STREQ(errline, text);
		/*
		 * An empty value is bad for all but strings and flag lists (the
		 * empty list); the message says what the docs say.
		 */
		if (strcmp(d.type, "string") != 0 && strcmp(d.type, "flags") != 0) {
			char want[128];
			const char *expected;
			size_t n;

			snprintf(text, sizeof(text), "%s=\"\"\n", d.name);
			UT_CHECK_MSG(parse_file(text) == -TV_EINVAL, "%s accepted", text);
			snprintf(want, sizeof(want), "tickvisor.cfg:1: bad value '' for '%s' (expected ",
				 d.name);
			UT_CHECK_MSG(strncmp(errline, want, strlen(want)) == 0, "%s", errline);
			/* "(expected a file path)" where the docs say "a file path on the ESP, ...". */
			expected = errline + strlen(want);
			n = strlen(expected);
			UT_CHECK_MSG(n > 1 && expected[n - 1] == ')' &&
				     strncmp(expected, d.values, n - 1) == 0,
				     "%s: message %s, docs %s", d.name, expected, d.values);
		}
	}
}

/* Every global key away from its default: the dump shows it and reads back to the same. */
static void config_dump_with_every_key_set_parses_back(void)
{
	static const char text[] =
		"log=error\nmode=native\nvmx=off\nhalt=yes\nload_timers=32\nfault=de\n"
		"timer=poll\napic=ept\ntimer_min_period_us=1000000\ntimer_policy=drop\n"
		"mem=2M\nmodule=d.mod\nguest=\"a b.elf\"\nargs=\"x # y\"\nmem=4G\nmodule=m1\n"
		"module=\"m 2\"\ntimeout=86400\nunmapped=stop\ncpuid_hide=avx,x2apic\n"
		"guest=c.elf\n";
	static struct tv_config first;
	struct dump_buf d1 = { "", 0 }, d2 = { "", 0 };
	struct config_key_doc k;

	UT_EQ(parse_file(text), 0);
	first = cfg;
	config_dump(&cfg, dump_collect, &d1);
	for (unsigned int i = 0; config_describe_key(i, &k); i++) {
		char want[64];

		snprintf(want, sizeof(want), "\n%s=", k.name);
		UT_CHECK_MSG(strstr(d1.text, want) || !strncmp(d1.text, want + 1, strlen(want + 1)),
			     "the dump lacks %s", k.name);
	}
	UT_EQ(parse_file(d1.text), 0);
	config_dump(&cfg, dump_collect, &d2);
	UT_STREQ(d2.text, d1.text);
	UT_EQ(cfg.load_timers, first.load_timers);
	UT_EQ(cfg.fault, first.fault);
	UT_EQ(cfg.halt, true);
	UT_EQ(cfg.nr_guests, 2);
	for (unsigned int g = 0; g < cfg.nr_guests; g++)
		UT_CHECK_MSG(guest_equal(&cfg.guests[g], &first.guests[g]), "guest %u", g);
}

/* guest= and module= remember their line, for the host checker's FILE:LINE. */
static void config_guest_and_module_lines_are_recorded(void)
{
	char line[256];

	UT_EQ(parse_file("module=all.mod\n# c\nguest=a.elf\nmodule=a.mod\n\nguest=b.elf\n"), 0);
	UT_EQ(cfg.guests[0].path_line, 3);
	UT_EQ(cfg.guests[0].module_line[0], 1);
	UT_EQ(cfg.guests[0].module_line[1], 4);
	UT_EQ(cfg.guests[1].path_line, 6);
	/* From the load options: line 0; the module inherited from the file keeps its line. */
	UT_EQ(parse_options("guest=x.elf module=x.mod"), 0);
	UT_EQ(cfg.guests[0].path_line, 0);
	UT_STREQ(cfg.guests[0].modules[0], "all.mod");
	UT_EQ(cfg.guests[0].module_line[0], 1);
	UT_STREQ(cfg.guests[0].modules[1], "x.mod");
	UT_EQ(cfg.guests[0].module_line[1], 0);
	UT_EQ(parse_file("log=info\nlog=loud\n"), -TV_EINVAL);
	config_format_error_in(&err, "my.cfg", line, sizeof(line));
	UT_STREQ(line, "my.cfg:2: bad value 'loud' for 'log' (expected error|warn|info|debug)");
}

struct doc_buf {
	char text[16384];
};

static void doc_collect(void *ctx, const char *line)
{
	struct doc_buf *d = ctx;
	size_t n = strlen(d->text);

	snprintf(d->text + n, sizeof(d->text) - n, "%s\n", line);
}

/*
 * docs/configuration.md's key table is the one vmm/config.c generates
 * (make config-docs rewrites it).  make unit runs from the top directory.
 */
static void config_docs_key_table_matches_source(void)
{
	static struct doc_buf gen, doc;
	static const char begin[] = "<!-- config-keys: begin", end[] = "<!-- config-keys: end";
	FILE *f = fopen("docs/configuration.md", "r");
	char line[1024];
	int state = 0;

	config_format_key_table(doc_collect, &gen);
	UT_CHECK_MSG(f != NULL, "docs/configuration.md: cannot open (run from the top directory)");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (state == 1 && !strncmp(line, end, strlen(end)))
			state = 2;
		if (state == 1)
			snprintf(doc.text + strlen(doc.text), sizeof(doc.text) - strlen(doc.text),
				 "%s", line);
		if (state == 0 && !strncmp(line, begin, strlen(begin)))
			state = 1;
	}
	fclose(f);
	UT_CHECK_MSG(state == 2, "docs/configuration.md: no config-keys begin/end marker lines");
	UT_CHECK_MSG(strcmp(doc.text, gen.text) == 0,
		     "docs/configuration.md's key table differs from vmm/config.c's: run make config-docs");
}

static const struct ut_case cases[] = {
	UT_CASE(config_fault_key_selects_vmm_fault),
	UT_CASE(config_load_timers_range),
	UT_CASE(config_dump_shows_non_default_test_keys),
	UT_CASE(config_defaults_match_issue),
	UT_CASE(config_file_syntax_comments_blanks_crlf),
	UT_CASE(config_hash_inside_value_is_not_comment),
	UT_CASE(config_nul_byte_ends_text),
	UT_CASE(config_every_enum_value_parses),
	UT_CASE(config_bad_enum_value_names_key_and_choices),
	UT_CASE(config_halt_accepts_six_spellings),
	UT_CASE(config_unknown_key_is_error),
	UT_CASE(config_overlong_key_is_unknown),
	UT_CASE(config_missing_equals_is_error),
	UT_CASE(config_quoted_value_keeps_spaces),
	UT_CASE(config_unquoted_spaces_are_error),
	UT_CASE(config_unterminated_quote_is_error),
	UT_CASE(config_value_too_long_is_error),
	UT_CASE(config_long_bad_value_is_shortened_in_message),
	UT_CASE(config_mem_sizes_and_limits),
	UT_CASE(config_timeout_and_min_period_limits),
	UT_CASE(config_unmapped_per_guest),
	UT_CASE(config_unmapped_dumps_when_set),
	UT_CASE(config_cpuid_hide_lists),
	UT_CASE(config_guest_keys_before_guest_set_defaults),
	UT_CASE(config_too_many_guests_is_error),
	UT_CASE(config_too_many_modules_is_error),
	UT_CASE(config_control_character_in_value_is_error),
	UT_CASE(config_load_options_override_file_keys),
	UT_CASE(config_load_options_guest_replaces_list),
	UT_CASE(config_load_options_guest_key_overrides_every_guest),
	UT_CASE(config_load_options_errors_say_load_options),
	UT_CASE(config_load_options_whitespace_and_quotes),
	UT_CASE(config_dump_is_stable_key_value_lines),
	UT_CASE(config_dump_parses_back_to_same_config),
	UT_CASE(config_random_input_never_crashes),
	UT_CASE(config_every_key_parses_its_default),
	UT_CASE(config_table_names_are_keys_and_near_misses_are_not),
	UT_CASE(config_dump_with_every_key_set_parses_back),
	UT_CASE(config_guest_and_module_lines_are_recorded),
	UT_CASE(config_docs_key_table_matches_source),
};

UT_MAIN("config", cases)
