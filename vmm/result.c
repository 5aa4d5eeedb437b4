/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * JSON text of the result lines (see result.h).  RFC 8259 section 7: a
 * string may hold any character except '"', '\\' and the control characters
 * U+0000-U+001F, which must be escaped; we also escape 0x7F and every byte
 * 0x80-0xFF (as \u00XX, i.e. read as Latin-1) so that the line is plain
 * printable ASCII whatever a guest put into a name or reason.
 */
#include "result.h"

#include <tv/fmt.h>
#include <tv/string.h>

#define RESULT_NSTR	4U	/* string fields of a guest object */
#define RESULT_CUT	"..."

static const char result_hex[] = "0123456789abcdef";

/* Bytes the escaped form of c takes. */
static size_t result_esc_len(unsigned char c)
{
	if (c == '"' || c == '\\')
		return 2;
	if (c < 0x20U || c >= 0x7fU)
		return 6;
	return 1;
}

static size_t result_put_esc(char *out, unsigned char c)
{
	if (c == '"' || c == '\\') {
		out[0] = '\\';
		out[1] = (char)c;
		return 2;
	}
	if (c < 0x20U || c >= 0x7fU) {
		out[0] = '\\';
		out[1] = 'u';
		out[2] = '0';
		out[3] = '0';
		out[4] = result_hex[c >> 4];
		out[5] = result_hex[c & 0xfU];
		return 6;
	}
	out[0] = (char)c;
	return 1;
}

static size_t result_escaped_len(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
		n += result_esc_len(*p);
	return n;
}

size_t result_json_string(char *buf, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t pos = 0, room, need = result_escaped_len(s);
	bool cut = 2 + need > (size ? size - 1 : 0);

	if (size < 3) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	if (cut && size < 2 + sizeof(RESULT_CUT)) {
		tv_strlcpy(buf, "\"\"", size);
		return 2;
	}
	/* Inner room: the quotes and the NUL always, and "..." when cut. */
	room = size - 3 - (cut ? sizeof(RESULT_CUT) - 1 : 0);
	buf[pos++] = '"';
	for (; *p && pos - 1 + result_esc_len(*p) <= room; p++)
		pos += result_put_esc(buf + pos, *p);
	if (cut) {
		tv_memcpy(buf + pos, RESULT_CUT, sizeof(RESULT_CUT) - 1);
		pos += sizeof(RESULT_CUT) - 1;
	}
	buf[pos++] = '"';
	buf[pos] = '\0';
	return pos;
}

/* An append-only writer: pos never passes size - 1, and buf stays NUL-terminated. */
struct result_writer {
	char *buf;
	size_t size, pos;
	bool cut;	/* some text did not fit */
};

static void result_put(struct result_writer *w, const char *fmt, ...) TV_PRINTF(2, 3);
static void result_put(struct result_writer *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->pos + 1 >= w->size) {
		w->cut = true;
		return;
	}
	va_start(ap, fmt);
	n = tv_vsnprintf(w->buf + w->pos, w->size - w->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->size - w->pos)
		w->cut = true;
	if (n > 0)
		w->pos = TV_MIN(w->pos + (size_t)n, w->size - 1);
}

/* A string field of at most cap escaped bytes (plus quotes). */
static void result_put_str(struct result_writer *w, const char *s, size_t cap)
{
	if (w->pos + 1 >= w->size)
		return;
	w->pos += result_json_string(w->buf + w->pos, TV_MIN(cap + 3, w->size - w->pos), s);
}

static void result_put_opt(struct result_writer *w, const char *key, bool has, uint64_t v)
{
	if (has)
		result_put(w, ",\"%s\":%llu", key, (unsigned long long)v);
	else
		result_put(w, ",\"%s\":null", key);
}

static void result_emit_guest(struct result_writer *w, const struct result_guest *g,
			      const size_t cap[RESULT_NSTR])
{
	const struct result_timer *t = g->timer;

	result_put(w, "{\"guest\":%u,\"name\":", g->index);
	result_put_str(w, g->name, cap[0]);
	result_put(w, ",\"verdict\":");
	result_put_str(w, g->verdict, cap[1]);
	result_put(w, ",\"exit\":%u,\"status\":%u,\"end\":", g->exit_value, g->exit_status);
	result_put_str(w, g->end, cap[2]);
	result_put(w, ",\"why\":");
	result_put_str(w, g->why, cap[3]);
	result_put(w, ",\"exits\":%llu,\"timer\":", (unsigned long long)g->exits);
	if (!t) {
		result_put(w, "null}");
		return;
	}
	result_put(w, "{\"delivered\":%llu,\"early\":%llu", (unsigned long long)t->delivered,
		   (unsigned long long)t->early);
	result_put_opt(w, "late_min", t->has_lateness, t->late_min);
	result_put_opt(w, "late_p50", t->has_lateness, t->late_p50);
	result_put_opt(w, "late_p99", t->has_lateness, t->late_p99);
	result_put_opt(w, "late_max", t->has_lateness, t->late_max);
	result_put(w, "}}");
}

/*
 * Share `room` escaped bytes among the strings: the shortest get all they
 * need, the rest split what is left evenly (water-filling), so a long
 * reason never pushes out the guest's name.
 */
static void result_share(const size_t need[RESULT_NSTR], size_t room, size_t cap[RESULT_NSTR])
{
	bool done[RESULT_NSTR] = { false };

	for (unsigned int left = RESULT_NSTR; left; left--) {
		unsigned int k = RESULT_NSTR;

		for (unsigned int i = 0; i < RESULT_NSTR; i++)
			if (!done[i] && (k == RESULT_NSTR || need[i] < need[k]))
				k = i;
		cap[k] = TV_MIN(need[k], room / left);
		room -= cap[k];
		done[k] = true;
	}
}

size_t result_format_guest(char *buf, size_t size, const struct result_guest *g)
{
	char scratch[RESULT_JSON_MAX];
	struct result_writer w = { scratch, sizeof(scratch), 0, false };
	size_t zero[RESULT_NSTR] = { 0 }, need[RESULT_NSTR], cap[RESULT_NSTR];

	if (!size)
		return 0;
	/* The skeleton: every string empty.  What is left of size is the strings' room. */
	result_emit_guest(&w, g, zero);
	if (w.cut || w.pos + 1 > size) {
		tv_strlcpy(buf, size >= 3 ? "{}" : "", size);
		return tv_strlen(buf);
	}
	need[0] = result_escaped_len(g->name);
	need[1] = result_escaped_len(g->verdict);
	need[2] = result_escaped_len(g->end);
	need[3] = result_escaped_len(g->why);
	result_share(need, size - 1 - w.pos, cap);
	w.buf = buf;
	w.size = size;
	w.pos = 0;
	buf[0] = '\0';
	result_emit_guest(&w, g, cap);
	return w.pos;
}

size_t result_format_run(char *buf, size_t size, const struct result_run *r)
{
	struct result_writer w = { buf, size, 0, false };

	if (!size)
		return 0;
	buf[0] = '\0';
	result_put(&w, "{\"mode\":");
	result_put_str(&w, r->mode, 16);
	result_put(&w, ",\"guests\":%u,\"ran\":%u,\"refused\":%u,\"failed\":%u", r->guests, r->ran,
		   r->refused, r->failed);
	if (r->status >= 0)
		result_put(&w, ",\"status\":%d", r->status);
	else
		result_put(&w, ",\"status\":null");
	result_put(&w, ",\"early_total\":%llu,\"timer_total\":%llu}",
		   (unsigned long long)r->early_total, (unsigned long long)r->timer_total);
	/* Only a buffer too small for the fixed fields can cut it: then say nothing. */
	if (w.cut)
		tv_strlcpy(buf, size >= 3 ? "{}" : "", size);
	return tv_strlen(buf);
}

const char *result_verdict_name(enum result_end end, uint32_t exit_value)
{
	switch (end) {
	case RESULT_END_EXITED: return exit_value ? "fail" : "pass";
	case RESULT_END_STOPPED: return "stopped";
	case RESULT_END_REFUSED: return "refused";
	case RESULT_END_TIMEOUT: return "timeout";
	case RESULT_END_SHUTDOWN: return "shutdown";
	case RESULT_END_HANDED: return "handed";
	}
	return "stopped";
}

void result_token_text(uint64_t token, char *out)
{
	for (unsigned int i = 0; i < RESULT_TOKEN_LEN; i++)
		out[i] = result_hex[(token >> (60U - 4U * i)) & 0xfU];
	out[RESULT_TOKEN_LEN] = '\0';
}

uint64_t result_token_mix(uint64_t acc, uint64_t word)
{
	uint64_t z = acc ^ word;

	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
