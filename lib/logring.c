/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include <tv/logring.h>

void logring_init(struct logring *r, char *buf, uint32_t size, uint32_t reserve, bool block)
{
	*r = (struct logring){ 0 };
	r->buf = buf;
	r->size = size;
	r->reserve = reserve < size ? reserve : 0;
	r->block = block;
}

uint32_t logring_used(const struct logring *r)
{
	return (uint32_t)(r->head - r->tail);
}

bool logring_is_empty(const struct logring *r)
{
	return r->head == r->tail;
}

/* The most bytes a class may have in the ring at once. */
static uint32_t logring_limit(const struct logring *r, enum logring_class c)
{
	return c == LOGRING_KEEP ? r->size : r->size - r->reserve;
}

bool logring_has_room(const struct logring *r, uint32_t len, enum logring_class c)
{
	uint32_t limit = logring_limit(r, c);

	return len <= limit && logring_used(r) <= limit - len;
}

enum logring_put_result logring_put(struct logring *r, const char *s, uint32_t len,
				    enum logring_class c)
{
	uint32_t limit = logring_limit(r, c);
	uint32_t at;

	if (len > limit)
		len = limit;
	if (!logring_has_room(r, len, c)) {
		if (c == LOGRING_KEEP || r->block) {
			r->waits++;
			return LOGRING_PUT_WAIT;
		}
		r->dropped_bytes += len;
		r->dropped_lines++;
		r->unreported += len;
		return LOGRING_PUT_DROPPED;
	}
	at = (uint32_t)(r->head % r->size);
	for (uint32_t i = 0; i < len; i++) {
		r->buf[at] = s[i];
		if (++at == r->size)
			at = 0;
	}
	r->head += len;
	if (logring_used(r) > r->high_water)
		r->high_water = logring_used(r);
	return LOGRING_PUT_OK;
}

uint32_t logring_peek(const struct logring *r, const char **p)
{
	uint32_t at = (uint32_t)(r->tail % r->size);
	uint32_t used = logring_used(r);
	uint32_t run = r->size - at;

	*p = r->buf + at;
	return used < run ? used : run;
}

void logring_consume(struct logring *r, uint32_t n)
{
	uint32_t used = logring_used(r);

	r->tail += n < used ? n : used;
}

uint32_t logring_take(struct logring *r, char *out, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && !logring_is_empty(r)) {
		const char *p;
		uint32_t run = logring_peek(r, &p);

		if (run > max - n)
			run = max - n;
		for (uint32_t i = 0; i < run; i++)
			out[n + i] = p[i];
		logring_consume(r, run);
		n += run;
	}
	return n;
}

uint64_t logring_take_unreported(struct logring *r)
{
	uint64_t n = r->unreported;

	r->unreported = 0;
	return n;
}

static bool logring_starts_with(const char *text, size_t len, const char *word)
{
	size_t i;

	for (i = 0; word[i]; i++)
		if (i >= len || text[i] != word[i])
			return false;
	return true;
}

bool logring_is_verdict_text(const char *text, size_t len)
{
	static const char *const words[] = {
		"PASS:", "FAIL:", "SKIP:", "SUMMARY:", "EXIT:", "START:",
		"BENCH:", "HIST:", "DRIFT:", "ok ", "not ok ",
	};

	for (size_t i = 0; i < TV_ARRAY_SIZE(words); i++)
		if (logring_starts_with(text, len, words[i]))
			return true;
	return false;
}
