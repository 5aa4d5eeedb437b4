/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * vmm/result: the JSON of tickvisor's TVRESULT/TVRUN lines.  A small JSON
 * reader below checks every output is valid JSON, plain printable ASCII,
 * and gives back the exact bytes that went in (or a prefix ending "...").
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "../../vmm/result.h"

/* --- a minimal JSON reader: objects, strings, unsigned numbers, null --- */
struct jr {
	const char *p;
	/* the value of the last string read, decoded (\u00XX -> one byte) */
	unsigned char str[1024];
	size_t len;
};

static bool jr_string(struct jr *r)
{
	if (*r->p != '"')
		return false;
	r->p++;
	r->len = 0;
	while (*r->p != '"') {
		unsigned char c = (unsigned char)*r->p;
		unsigned int v;

		if (c < 0x20U || c >= 0x7fU || r->len >= sizeof(r->str))
			return false;
		if (c != '\\') {
			r->str[r->len++] = c;
			r->p++;
			continue;
		}
		r->p++;
		if (*r->p == '"' || *r->p == '\\') {
			r->str[r->len++] = (unsigned char)*r->p++;
		} else if (*r->p == 'u' && sscanf(r->p + 1, "%4x", &v) == 1 && v <= 0xffU &&
			   strspn(r->p + 1, "0123456789abcdef") >= 4) {
			r->str[r->len++] = (unsigned char)v;
			r->p += 5;
		} else {
			return false;
		}
	}
	r->p++;
	return true;
}

static bool jr_value(struct jr *r, int depth);

static bool jr_object(struct jr *r, int depth)
{
	if (*r->p++ != '{' || depth > 4)
		return false;
	if (*r->p == '}') {
		r->p++;
		return true;
	}
	for (;;) {
		if (!jr_string(r) || *r->p++ != ':' || !jr_value(r, depth + 1))
			return false;
		if (*r->p == '}') {
			r->p++;
			return true;
		}
		if (*r->p++ != ',')
			return false;
	}
}

static bool jr_value(struct jr *r, int depth)
{
	if (*r->p == '{')
		return jr_object(r, depth);
	if (*r->p == '"')
		return jr_string(r);
	if (!strncmp(r->p, "null", 4)) {
		r->p += 4;
		return true;
	}
	if (*r->p == '-')
		r->p++;
	if (*r->p < '0' || *r->p > '9')
		return false;
	while (*r->p >= '0' && *r->p <= '9')
		r->p++;
	return true;
}

static bool jr_valid(const char *text)
{
	struct jr r = { .p = text };

	return jr_value(&r, 0) && *r.p == '\0';
}

/* The decoded value of "key" in a flat-or-nested object text, into out. */
static bool jr_find_string(const char *text, const char *key, unsigned char *out, size_t *len)
{
	char pat[64];
	const char *at;
	struct jr r;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	at = strstr(text, pat);
	if (!at)
		return false;
	r.p = at + strlen(pat);
	if (!jr_string(&r))
		return false;
	memcpy(out, r.str, r.len);
	*len = r.len;
	return true;
}

static struct result_guest result_sample(const char *name, const char *why,
					 const struct result_timer *t)
{
	struct result_guest g = {
		.index = 3, .name = name, .verdict = result_verdict_name(RESULT_END_EXITED, 0),
		.exit_value = 0, .exit_status = 1, .end = "exited (hypercall)", .why = why,
		.exits = 123, .timer = t,
	};
	return g;
}

static void result_guest_fields_in_order(void)
{
	struct result_timer t = {
		.delivered = 10, .early = 0, .has_lateness = true,
		.late_min = 1, .late_p50 = 2, .late_p99 = 3, .late_max = 4,
	};
	struct result_guest g = result_sample("guests/hello.elf", "", &t);
	char b[RESULT_JSON_MAX];
	size_t n = result_format_guest(b, sizeof(b), &g);

	UT_STREQ(b, "{\"guest\":3,\"name\":\"guests/hello.elf\",\"verdict\":\"pass\",\"exit\":0,"
		 "\"status\":1,\"end\":\"exited (hypercall)\",\"why\":\"\",\"exits\":123,"
		 "\"timer\":{\"delivered\":10,\"early\":0,\"late_min\":1,\"late_p50\":2,"
		 "\"late_p99\":3,\"late_max\":4}}");
	UT_EQ(n, strlen(b));
	UT_CHECK(jr_valid(b));
}

static void result_no_timer_or_no_samples_print_null(void)
{
	struct result_timer t = { .delivered = 5, .early = 1, .has_lateness = false };
	struct result_guest g = result_sample("x", "y", NULL);
	char b[RESULT_JSON_MAX];

	result_format_guest(b, sizeof(b), &g);
	UT_CHECK(strstr(b, ",\"exits\":123,\"timer\":null}") != NULL);
	UT_CHECK(jr_valid(b));
	g.timer = &t;
	result_format_guest(b, sizeof(b), &g);
	UT_CHECK(strstr(b, "\"timer\":{\"delivered\":5,\"early\":1,\"late_min\":null,"
			"\"late_p50\":null,\"late_p99\":null,\"late_max\":null}}") != NULL);
	UT_CHECK(jr_valid(b));
}

static void result_every_byte_is_escaped_and_round_trips(void)
{
	char name[128], why[160];
	unsigned char got[1024];
	size_t len;
	struct result_guest g;
	char b[RESULT_JSON_MAX * 4];

	/* Bytes 1..255 in two strings (NUL ends a C string). */
	for (unsigned int i = 0; i < 127; i++)
		name[i] = (char)(i + 1);
	name[127] = '\0';
	for (unsigned int i = 0; i < 128; i++)
		why[i] = (char)(128 + i);
	why[128] = '\0';
	g = result_sample(name, why, NULL);
	result_format_guest(b, sizeof(b), &g);
	UT_CHECK(jr_valid(b));
	for (const unsigned char *p = (const unsigned char *)b; *p; p++)
		if (!UT_CHECK_MSG(*p >= 0x20U && *p < 0x7fU, "byte %#x in the JSON", *p))
			break;
	UT_CHECK(jr_find_string(b, "name", got, &len));
	UT_EQ(len, 127);
	UT_CHECK(memcmp(got, name, 127) == 0);
	UT_CHECK(jr_find_string(b, "why", got, &len));
	UT_EQ(len, 128);
	UT_CHECK(memcmp(got, why, 128) == 0);
}

static void result_string_escapes(void)
{
	char b[64];

	UT_EQ(result_json_string(b, sizeof(b), "a\"b\\c\n\x1b\x7f\xff"), 33);
	UT_STREQ(b, "\"a\\\"b\\\\c\\u000a\\u001b\\u007f\\u00ff\"");
	UT_EQ(result_json_string(b, sizeof(b), NULL), 2);
	UT_STREQ(b, "\"\"");
	/* Cut: never inside an escape, always "..." and the closing quote. */
	UT_EQ(result_json_string(b, 12, "\x01\x02\x03"), 11);
	UT_STREQ(b, "\"\\u0001...\"");
	UT_EQ(result_json_string(b, 11, "\x01\x02\x03"), 5);
	UT_STREQ(b, "\"...\"");
	UT_EQ(result_json_string(b, 5, "abcdef"), 2);
	UT_STREQ(b, "\"\"");
	UT_EQ(result_json_string(b, 2, "a"), 0);
	UT_STREQ(b, "");
}

/* Worst case inputs, every buffer size: valid JSON or "{}"/"", never beyond size - 1. */
static void result_every_cut_is_valid_json(void)
{
	char name[128], why[160], b[RESULT_JSON_MAX + 8];
	struct result_timer t = {
		.delivered = UINT64_MAX, .early = UINT64_MAX, .has_lateness = true,
		.late_min = UINT64_MAX, .late_p50 = UINT64_MAX, .late_p99 = UINT64_MAX,
		.late_max = UINT64_MAX,
	};
	struct result_guest g;
	unsigned int bad = 0, full = 0;

	memset(name, 0xff, sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(why, '"', sizeof(why) - 1);
	why[sizeof(why) - 1] = '\0';
	g = result_sample(name, why, &t);
	g.index = UINT32_MAX;
	g.exit_value = g.exit_status = UINT32_MAX;
	g.exits = UINT64_MAX;
	for (size_t size = 0; size <= RESULT_JSON_MAX; size++) {
		size_t n;

		memset(b, 'Z', sizeof(b));
		n = result_format_guest(b, size, &g);
		if (size == 0) {
			bad += b[0] != 'Z';
			continue;
		}
		bad += n >= size || strlen(b) != n || b[size] != 'Z';
		if (!strcmp(b, "{}") || !strcmp(b, ""))
			continue;
		bad += !jr_valid(b);
		full++;
	}
	UT_EQ(bad, 0);
	UT_CHECK(full > 0);
	/* At the real size both strings are cut, each ends "...", the timer is whole. */
	result_format_guest(b, RESULT_JSON_MAX, &g);
	UT_CHECK(jr_valid(b));
	UT_CHECK(strstr(b, "...\",\"verdict\":\"pass\"") != NULL);
	UT_CHECK(strstr(b, "...\",\"exits\":") != NULL);
	UT_CHECK(strstr(b, "\"late_max\":18446744073709551615}}") != NULL);
}

/* The name keeps its room whatever the reason's length. */
static void result_long_reason_does_not_push_out_the_name(void)
{
	char why[160];
	char b[RESULT_JSON_MAX];
	struct result_guest g;

	memset(why, 0x01, sizeof(why) - 1);
	why[sizeof(why) - 1] = '\0';
	g = result_sample("guests/forge_end.elf", why, NULL);
	result_format_guest(b, sizeof(b), &g);
	UT_CHECK(strstr(b, "\"name\":\"guests/forge_end.elf\"") != NULL);
	UT_CHECK(jr_valid(b));
}

static void result_run_line(void)
{
	struct result_run r = {
		.mode = "vmx", .guests = 4, .ran = 3, .refused = 1, .failed = 0, .status = 5,
		.early_total = 0, .timer_total = 99,
	};
	char b[RESULT_JSON_MAX];

	result_format_run(b, sizeof(b), &r);
	UT_STREQ(b, "{\"mode\":\"vmx\",\"guests\":4,\"ran\":3,\"refused\":1,\"failed\":0,"
		 "\"status\":5,\"early_total\":0,\"timer_total\":99}");
	r.status = -1;
	r.mode = "native";
	result_format_run(b, sizeof(b), &r);
	UT_CHECK(strstr(b, "\"status\":null,") != NULL);
	UT_CHECK(jr_valid(b));
	UT_EQ(result_format_run(b, 20, &r), 2);
	UT_STREQ(b, "{}");
}

static void result_verdict_names(void)
{
	UT_STREQ(result_verdict_name(RESULT_END_EXITED, 0), "pass");
	UT_STREQ(result_verdict_name(RESULT_END_EXITED, 1), "fail");
	UT_STREQ(result_verdict_name(RESULT_END_STOPPED, 0), "stopped");
	UT_STREQ(result_verdict_name(RESULT_END_REFUSED, 0), "refused");
	UT_STREQ(result_verdict_name(RESULT_END_TIMEOUT, 0), "timeout");
	UT_STREQ(result_verdict_name(RESULT_END_SHUTDOWN, 0), "shutdown");
	UT_STREQ(result_verdict_name(RESULT_END_HANDED, 0), "handed");
}

static void result_token_is_16_hex_digits(void)
{
	char t[RESULT_TOKEN_LEN + 1];

	result_token_text(0x0123456789abcdefULL, t);
	UT_STREQ(t, "0123456789abcdef");
	result_token_text(0, t);
	UT_STREQ(t, "0000000000000000");
	/* Mixing: one bit of input changes the token; zero input is not a zero token. */
	UT_CHECK(result_token_mix(0, 1) != result_token_mix(0, 0));
	UT_CHECK(result_token_mix(0, 0) != 0);
	UT_CHECK(result_token_mix(result_token_mix(0, 7), 8) != result_token_mix(result_token_mix(0, 8), 7));
}

static const struct ut_case cases[] = {
	UT_CASE(result_guest_fields_in_order),
	UT_CASE(result_no_timer_or_no_samples_print_null),
	UT_CASE(result_every_byte_is_escaped_and_round_trips),
	UT_CASE(result_string_escapes),
	UT_CASE(result_every_cut_is_valid_json),
	UT_CASE(result_long_reason_does_not_push_out_the_name),
	UT_CASE(result_run_line),
	UT_CASE(result_verdict_names),
	UT_CASE(result_token_is_16_hex_digits),
};

UT_MAIN("result", cases)
