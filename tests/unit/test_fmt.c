/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * vmm/fmt: named C99 rules, then a differential test against the host libc
 * snprintf over a generated grid and a seeded random set of formats.
 */
#include "harness.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <tv/errno.h>

#include <tv/fmt.h>
#include <tv/string.h>
#include "ut_rng.h"

#define FMT_BUF	512

static unsigned int fmt_compared;
static unsigned int fmt_mismatches;

/* Compare buffers and return values of both implementations for one call. */
static void fmt_compare(const char *fmt, size_t size, int n_libc, const char *b_libc,
			int n_hv, const char *b_hv)
{
	size_t used;

	fmt_compared++;
	used = size ? TV_MIN((size_t)(n_libc < 0 ? 0 : n_libc), size - 1) + 1 : 0;
	if (n_libc == n_hv && (size == 0 || memcmp(b_libc, b_hv, used) == 0))
		return;
	fmt_mismatches++;
	UT_CHECK_MSG(false, "format \"%s\" size %zu: libc %d \"%.*s\", hv %d \"%.*s\"",
		     fmt, size, n_libc, (int)TV_MIN(used, (size_t)80), b_libc, n_hv,
		     (int)TV_MIN(used, (size_t)80), b_hv);
}

/* Both implementations, same arguments. */
#define FMT_BOTH(fmt, size, ...) do { \
	char b1_[FMT_BUF], b2_[FMT_BUF]; \
	int n1_, n2_; \
	memset(b1_, 0x5a, sizeof(b1_)); \
	memset(b2_, 0x5a, sizeof(b2_)); \
	n1_ = snprintf(b1_, (size), (fmt), __VA_ARGS__); \
	n2_ = tv_snprintf(b2_, (size), (fmt), __VA_ARGS__); \
	fmt_compare((fmt), (size), n1_, b1_, n2_, b2_); \
} while (0)

enum fmt_argkind { ARG_INT, ARG_UINT, ARG_LL, ARG_ULL, ARG_STR, ARG_PTR };

/* Call with the value cast to the type the conversion consumes, and with any `*` arguments. */
static void fmt_diff_one(const char *fmt, size_t size, enum fmt_argkind kind,
			 uint64_t v, const char *s, int star_w, int star_p,
			 bool has_star_w, bool has_star_p)
{
#define FMT_DIFF_ARGS(...) do { \
	if (has_star_w && has_star_p) \
		FMT_BOTH(fmt, size, star_w, star_p, __VA_ARGS__); \
	else if (has_star_w) \
		FMT_BOTH(fmt, size, star_w, __VA_ARGS__); \
	else if (has_star_p) \
		FMT_BOTH(fmt, size, star_p, __VA_ARGS__); \
	else \
		FMT_BOTH(fmt, size, __VA_ARGS__); \
} while (0)
	switch (kind) {
	case ARG_INT:	FMT_DIFF_ARGS((int)v); break;
	case ARG_UINT:	FMT_DIFF_ARGS((unsigned int)v); break;
	case ARG_LL:	FMT_DIFF_ARGS((long long)v); break;
	case ARG_ULL:	FMT_DIFF_ARGS((unsigned long long)v); break;
	case ARG_STR:	FMT_DIFF_ARGS(s); break;
	case ARG_PTR:	FMT_DIFF_ARGS((void *)(uintptr_t)v); break;
	}
#undef FMT_DIFF_ARGS
}

static uint64_t fmt_rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t fmt_rand(void)
{
	return ut_xorshift64s(&fmt_rng_state);
}

static const uint64_t fmt_values[] = {
	0, 1, 7, 8, 9, 10, 15, 16, 255, 256, 0x7f, 0x80, 0x7fff, 0x8000, 0xffff,
	12345, 0x7fffffffULL, 0x80000000ULL, 0xffffffffULL, 0x100000000ULL,
	0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xffffffffffffffffULL,
	(uint64_t)-1 - 41, 0xdeadbeefcafef00dULL, 1000000, 999999999,
};

static const char *const fmt_strings[] = {
	"", "a", "hello", "tickvisor", "with spaces and % signs",
	"a rather longer string that exceeds most widths used here",
};

static const char *const fmt_lengths[] = { "", "hh", "h", "l", "ll", "z", "t", "j" };
static const char fmt_convs[] = "diuxXocsp";

static enum fmt_argkind fmt_kind(char conv, const char *len)
{
	bool wide = len[0] == 'l' || len[0] == 'z' || len[0] == 't' || len[0] == 'j';

	switch (conv) {
	case 'd': case 'i':	return wide ? ARG_LL : ARG_INT;
	case 'c':		return ARG_INT;
	case 's':		return ARG_STR;
	case 'p':		return ARG_PTR;
	default:		return wide ? ARG_ULL : ARG_UINT;
	}
}

static bool fmt_len_allowed(char conv, const char *len)
{
	/* %c, %s and %p take no length modifier we support (%lc/%ls are wide). */
	return !(conv == 'c' || conv == 's' || conv == 'p') || len[0] == '\0';
}

static void fmt_differential_grid_matches_libc(void)
{
	static const char *const widths[] = { "", "1", "6", "24", "*" };
	static const char *const precs[] = { "", ".", ".0", ".1", ".4", ".30", ".*" };
	static const char flagchars[] = "-0+ #";

	fmt_compared = fmt_mismatches = 0;
	for (const char *c = fmt_convs; *c; c++)
	for (size_t l = 0; l < TV_ARRAY_SIZE(fmt_lengths); l++) {
		if (!fmt_len_allowed(*c, fmt_lengths[l]))
			continue;
		for (unsigned int flags = 0; flags < 32; flags++)
		for (size_t w = 0; w < TV_ARRAY_SIZE(widths); w++)
		for (size_t pr = 0; pr < TV_ARRAY_SIZE(precs); pr++) {
			char fmt[64];
			size_t k = 0;

			fmt[k++] = '<';
			fmt[k++] = '%';
			for (unsigned int b = 0; b < 5; b++)
				if (flags & (1U << b))
					fmt[k++] = flagchars[b];
			k += (size_t)sprintf(fmt + k, "%s%s%s%c>", widths[w], precs[pr],
					     fmt_lengths[l], *c);
			/* A few values per format keeps the grid at tens of thousands of calls. */
			for (unsigned int vi = 0; vi < 4; vi++) {
				uint64_t v = fmt_values[(flags * 7U + w * 3U + pr + vi * 5U) %
							TV_ARRAY_SIZE(fmt_values)];
				const char *s = fmt_strings[(vi + w) % TV_ARRAY_SIZE(fmt_strings)];

				fmt_diff_one(fmt, FMT_BUF, fmt_kind(*c, fmt_lengths[l]), v, s,
					     (int)(vi * 5U) - 7, (int)(vi * 3U) - 2,
					     widths[w][0] == '*', precs[pr][0] && precs[pr][1] == '*');
			}
		}
	}
	UT_CHECK_MSG(fmt_compared > 20000, "compared %u calls", fmt_compared);
	UT_EQ(fmt_mismatches, 0);
	printf("  fmt grid: %u calls compared with libc, %u mismatches\n", fmt_compared,
	       fmt_mismatches);
}

static void fmt_differential_random_matches_libc(void)
{
	static const char flagchars[] = "-0+ #";

	fmt_compared = fmt_mismatches = 0;
	for (unsigned int i = 0; i < 20000 && fmt_mismatches < 5; i++) {
		char fmt[96];
		size_t k = 0;
		uint64_t r = fmt_rand();
		char conv = fmt_convs[r % (sizeof(fmt_convs) - 1)];
		const char *len = fmt_lengths[(r >> 8) % TV_ARRAY_SIZE(fmt_lengths)];
		bool star_w = false, star_p = false;
		uint64_t v;

		if (!fmt_len_allowed(conv, len))
			len = "";
		if (r & 0x10000)
			k += (size_t)sprintf(fmt + k, "x=");
		fmt[k++] = '%';
		for (unsigned int nf = (unsigned int)((r >> 17) % 4); nf; nf--)
			fmt[k++] = flagchars[fmt_rand() % 5];
		switch ((r >> 20) % 4) {
		case 0: break;
		case 1: star_w = true; fmt[k++] = '*'; break;
		default: k += (size_t)sprintf(fmt + k, "%u", (unsigned int)(fmt_rand() % 40)); break;
		}
		switch ((r >> 23) % 4) {
		case 0: break;
		case 1: star_p = true; k += (size_t)sprintf(fmt + k, ".*"); break;
		default: k += (size_t)sprintf(fmt + k, ".%u", (unsigned int)(fmt_rand() % 30)); break;
		}
		k += (size_t)sprintf(fmt + k, "%s%c", len, conv);
		if (r & 0x2000000)
			k += (size_t)sprintf(fmt + k, " tail %%%%");
		fmt[k] = '\0';

		v = fmt_rand();
		/* Small magnitudes are where padding rules interact; favour them. */
		if (r & 0x4000000)
			v %= 1000;
		else if (r & 0x8000000)
			v = fmt_values[v % TV_ARRAY_SIZE(fmt_values)];
		if (conv == 'p' && v == 0)
			v = 1;
		/* Also check truncation: a buffer of random size from 0 to 64. */
		fmt_diff_one(fmt, (r >> 32) % 3 ? FMT_BUF : (size_t)(fmt_rand() % 65),
			     fmt_kind(conv, len), v,
			     fmt_strings[fmt_rand() % TV_ARRAY_SIZE(fmt_strings)],
			     (int)(fmt_rand() % 61) - 30, (int)(fmt_rand() % 41) - 20,
			     star_w, star_p);
	}
	UT_CHECK_MSG(fmt_compared == 20000, "compared %u calls", fmt_compared);
	UT_EQ(fmt_mismatches, 0);
	printf("  fmt random: %u calls compared with libc, %u mismatches\n", fmt_compared,
	       fmt_mismatches);
}

/*
 * tv_snprintf without the format attribute, for formats whose redundant
 * flags gcc warns about: those flag interactions are what the cases test.
 */
static int fmt_unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = tv_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void fmt_returns_would_be_length_when_truncated(void)
{
	char b[8];

	UT_EQ(tv_snprintf(b, sizeof(b), "%s-%d", "abcdef", 12345), 12);
	UT_STREQ(b, "abcdef-");
}

static void fmt_size_one_writes_only_nul(void)
{
	char b[4] = "xyz";

	UT_EQ(tv_snprintf(b, 1, "%d", 42), 2);
	UT_EQ(b[0], '\0');
	UT_EQ(b[1], 'y');
}

static void fmt_size_zero_writes_nothing(void)
{
	UT_EQ(tv_snprintf(NULL, 0, "%08x|%s", 0xabcU, "tail"), 13);
}

static void fmt_precision_zero_value_zero_prints_no_digits(void)
{
	char b[32];

	UT_EQ(tv_snprintf(b, sizeof(b), "[%.0d][%.0x][%5.0u]", 0, 0U, 0U), 11);
	UT_STREQ(b, "[][][     ]");
}

static void fmt_octal_alt_forces_leading_zero(void)
{
	char b[32];

	tv_snprintf(b, sizeof(b), "%#o %#o %#.0o %#.3o", 8U, 0U, 0U, 8U);
	UT_STREQ(b, "010 0 0 010");
}

static void fmt_hex_alt_prefixes_only_nonzero(void)
{
	char b[32];

	tv_snprintf(b, sizeof(b), "%#x %#X %#x %#06x", 0x1fU, 0xabU, 0U, 0x1fU);
	UT_STREQ(b, "0x1f 0XAB 0 0x001f");
}

static void fmt_negative_star_width_is_left_justify(void)
{
	char b[32];

	tv_snprintf(b, sizeof(b), "[%*d]", -5, 42);
	UT_STREQ(b, "[42   ]");
}

static void fmt_negative_star_precision_is_omitted(void)
{
	char b[32];

	fmt_unchecked(b, sizeof(b), "[%.*s][%0.*d]", -1, "abc", -3, 7);
	UT_STREQ(b, "[abc][7]");
}

static void fmt_zero_flag_ignored_with_precision(void)
{
	char b[32];

	fmt_unchecked(b, sizeof(b), "[%08.3d]", -5);
	UT_STREQ(b, "[    -005]");
}

static void fmt_minus_flag_overrides_zero(void)
{
	char b[32];

	fmt_unchecked(b, sizeof(b), "[%-05d]", 3);
	UT_STREQ(b, "[3    ]");
}

static void fmt_plus_flag_overrides_space(void)
{
	char b[32];

	fmt_unchecked(b, sizeof(b), "[%+ d][% d][% +d]", 3, 3, -3);
	UT_STREQ(b, "[+3][ 3][-3]");
}

static void fmt_length_modifiers_narrow_and_widen(void)
{
	char b[96];

	tv_snprintf(b, sizeof(b), "%hhd %hhu %hd %hu %ld %llx %zu %td %jd", 0x1ff, 0x1ffU,
		    0x18000, 0x18000U, -1L, 0xfedcba9876543210ULL, (size_t)77, (ptrdiff_t)-9,
		    (intmax_t)-123);
	UT_STREQ(b, "-1 255 -32768 32768 -1 fedcba9876543210 77 -9 -123");
}

static void fmt_most_negative_values(void)
{
	char b[64];

	tv_snprintf(b, sizeof(b), "%d %lld", INT_MIN, LLONG_MIN);
	UT_STREQ(b, "-2147483648 -9223372036854775808");
}

static void fmt_null_string_and_pointer(void)
{
	/* volatile hides the NULL from gcc's -Wformat-overflow, which is the point here. */
	const char *volatile null_str = NULL;
	char b[64];

	tv_snprintf(b, sizeof(b), "[%s][%.3s][%p][%7p]", null_str, null_str, NULL, NULL);
	UT_STREQ(b, "[(null)][][(nil)][  (nil)]");
}

static void fmt_pointer_is_alt_hex(void)
{
	char b[64];

	tv_snprintf(b, sizeof(b), "%p", (void *)(uintptr_t)0xfee00000ULL);
	UT_STREQ(b, "0xfee00000");
}

static void fmt_percent_and_char(void)
{
	char b[16];

	UT_EQ(tv_snprintf(b, sizeof(b), "%%%c%-3c|", 'a', 'b'), 6);
	UT_STREQ(b, "%ab  |");
}

static void fmt_unknown_conversion_is_copied(void)
{
	/* Through a variable: the compiler rightly rejects this format as a literal. */
	const char *fmt = "a%-5ya%";
	char b[32];

	UT_EQ(tv_snprintf(b, sizeof(b), fmt, 1), 7);
	UT_STREQ(b, "a%-5ya%");
}

/* The helpers fmt and the other foundation files use instead of libc. */
static void string_helpers_match_libc(void)
{
	static const char *const strs[] = { "", "a", "ab", "abc", "abd", "b", "\xff", "tickvisor" };
	char buf[16], big[64];
	unsigned int bad = 0;

	for (size_t i = 0; i < TV_ARRAY_SIZE(strs); i++) {
		if (tv_strlen(strs[i]) != strlen(strs[i]))
			bad++;
		for (size_t j = 0; j < TV_ARRAY_SIZE(strs); j++) {
			int a = tv_strcmp(strs[i], strs[j]), b = strcmp(strs[i], strs[j]);

			if ((a > 0) != (b > 0) || (a < 0) != (b < 0))
				bad++;
			for (size_t n = 0; n < 5; n++) {
				a = tv_strncmp(strs[i], strs[j], n);
				b = strncmp(strs[i], strs[j], n);
				if ((a > 0) != (b > 0) || (a < 0) != (b < 0))
					bad++;
			}
		}
	}
	UT_EQ(bad, 0);
	UT_EQ(tv_strlcpy(buf, "0123456789abcdefXYZ", sizeof(buf)), 19);
	UT_STREQ(buf, "0123456789abcde");
	UT_EQ(tv_strnlen("abc", 2), 2);
	UT_CHECK(tv_strchr("a=b", '=') != NULL && *tv_strchr("a=b", '=') == '=');
	UT_CHECK(tv_strchr("abc", 'z') == NULL);
	/* Overlapping moves in both directions. */
	memcpy(big, "0123456789", 11);
	tv_memmove(big + 2, big, 8);
	UT_CHECK(memcmp(big, "0101234567", 10) == 0);
	tv_memmove(big, big + 2, 8);
	UT_CHECK(memcmp(big, "0123456767", 10) == 0);
	tv_memset(big, 'x', 3);
	UT_CHECK(tv_memcmp(big, "xxx3", 4) == 0);
	UT_CHECK(tv_memcmp("a\x01", "a\xff", 2) < 0);
}

static void strerror_names_codes_of_either_sign(void)
{
	UT_STREQ(tv_strerror(-TV_EINVAL), "EINVAL");
	UT_STREQ(tv_strerror(TV_EINVAL), "EINVAL");
	UT_STREQ(tv_strerror(-TV_ENODEV), "ENODEV");
	UT_STREQ(tv_strerror(-TV_ETIMEDOUT), "ETIMEDOUT");
	UT_STREQ(tv_strerror(0), "OK");
	UT_STREQ(tv_strerror(-9999), "E?");
	UT_STREQ(tv_strerror(-2147483647 - 1), "E?");
}

static const struct ut_case cases[] = {
	UT_CASE(string_helpers_match_libc),
	UT_CASE(strerror_names_codes_of_either_sign),
	UT_CASE(fmt_returns_would_be_length_when_truncated),
	UT_CASE(fmt_size_one_writes_only_nul),
	UT_CASE(fmt_size_zero_writes_nothing),
	UT_CASE(fmt_precision_zero_value_zero_prints_no_digits),
	UT_CASE(fmt_octal_alt_forces_leading_zero),
	UT_CASE(fmt_hex_alt_prefixes_only_nonzero),
	UT_CASE(fmt_negative_star_width_is_left_justify),
	UT_CASE(fmt_negative_star_precision_is_omitted),
	UT_CASE(fmt_zero_flag_ignored_with_precision),
	UT_CASE(fmt_minus_flag_overrides_zero),
	UT_CASE(fmt_plus_flag_overrides_space),
	UT_CASE(fmt_length_modifiers_narrow_and_widen),
	UT_CASE(fmt_most_negative_values),
	UT_CASE(fmt_null_string_and_pointer),
	UT_CASE(fmt_pointer_is_alt_hex),
	UT_CASE(fmt_percent_and_char),
	UT_CASE(fmt_unknown_conversion_is_copied),
	UT_CASE(fmt_differential_grid_matches_libc),
	UT_CASE(fmt_differential_random_matches_libc),
};

UT_MAIN("fmt", cases)
