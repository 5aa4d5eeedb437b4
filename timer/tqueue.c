/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Host timer queue: a 4-ary min-heap with back-indices.  See tqueue.h for
 * the contract.  Sifts move a "hole" rather than swapping, so each level
 * costs one node copy and one back-index store.
 */
#include <tv/assert.h>
#include <tv/errno.h>
#include <tv/types.h>

#include "tqueue.h"

/* Strict heap order: earlier deadline first, then earlier sequence. */
static inline bool node_is_before(const struct tqueue_node *a,
				  const struct tqueue_node *b)
{
	if (a->deadline != b->deadline)
		return a->deadline < b->deadline;
	return a->seq < b->seq;
}

static inline void place_node(struct tqueue *q, uint32_t slot,
			      const struct tqueue_node *n)
{
	q->heap[slot] = *n;
	q->timers[n->id].slot = slot;
}

/* Move `n` up from the hole at `slot` to where it belongs, and place it. */
static void sift_up(struct tqueue *q, uint32_t slot, const struct tqueue_node *n)
{
	while (slot > 0) {
		uint32_t parent = (slot - 1U) / TQUEUE_ARITY;

		if (!node_is_before(n, &q->heap[parent]))
			break;
		place_node(q, slot, &q->heap[parent]);
		slot = parent;
	}
	place_node(q, slot, n);
}

/* Move `n` down from the hole at `slot` to where it belongs, and place it. */
static void sift_down(struct tqueue *q, uint32_t slot, const struct tqueue_node *n)
{
	uint32_t count = q->count;

	for (;;) {
		/* 64-bit so that the child index cannot wrap near the capacity limit. */
		uint64_t first = (uint64_t)TQUEUE_ARITY * slot + 1ULL;
		uint64_t end = TV_MIN(first + TQUEUE_ARITY, (uint64_t)count);
		uint64_t child = first;

		if (first >= count)
			break;
		for (uint64_t c = first + 1U; c < end; c++)
			if (node_is_before(&q->heap[c], &q->heap[child]))
				child = c;
		if (!node_is_before(&q->heap[child], n))
			break;
		place_node(q, slot, &q->heap[child]);
		slot = (uint32_t)child;
	}
	place_node(q, slot, n);
}

/* Put `n` into the hole at `slot`, restoring heap order in either direction. */
static void fill_hole(struct tqueue *q, uint32_t slot, const struct tqueue_node *n)
{
	if (slot > 0 && node_is_before(n, &q->heap[(slot - 1U) / TQUEUE_ARITY]))
		sift_up(q, slot, n);
	else
		sift_down(q, slot, n);
}

/* Take the node at `slot` out of the heap; the id becomes unqueued. */
static void remove_slot(struct tqueue *q, uint32_t slot)
{
	uint32_t id = q->heap[slot].id;
	uint32_t last = q->count - 1U;

	q->count = last;
	q->timers[id].slot = TQUEUE_SLOT_NONE;
	if (slot != last) {
		struct tqueue_node moved = q->heap[last];

		fill_hole(q, slot, &moved);
	}
}

int tqueue_init(struct tqueue *q, struct tqueue_node *heap,
		struct tqueue_timer *timers, uint32_t capacity)
{
	if (!q || !heap || !timers || capacity == 0 || capacity > TQUEUE_MAX_CAPACITY)
		return -TV_EINVAL;
	q->heap = heap;
	q->timers = timers;
	q->capacity = capacity;
	q->count = 0;
	q->next_seq = 0;
	for (uint32_t i = 0; i < capacity; i++) {
		timers[i].owner = NULL;
		timers[i].slot = TQUEUE_SLOT_NONE;
	}
	return 0;
}

int tqueue_insert(struct tqueue *q, uint32_t id, uint64_t deadline, void *owner)
{
	struct tqueue_node n;

	if (id >= q->capacity || deadline == TQUEUE_NONE)
		return -TV_EINVAL;
	if (q->timers[id].slot != TQUEUE_SLOT_NONE)
		return -TV_EEXIST;
	/* One slot per id, so a full heap would mean an unqueued id is in it. */
	TV_ASSERT(q->count < q->capacity);
	n.deadline = deadline;
	n.seq = q->next_seq++;
	n.id = id;
	q->timers[id].owner = owner;
	q->count++;
	sift_up(q, q->count - 1U, &n);
	return 0;
}

int tqueue_cancel(struct tqueue *q, uint32_t id)
{
	if (id >= q->capacity)
		return -TV_EINVAL;
	if (q->timers[id].slot == TQUEUE_SLOT_NONE)
		return -TV_ENOENT;
	remove_slot(q, q->timers[id].slot);
	return 0;
}

int tqueue_update(struct tqueue *q, uint32_t id, uint64_t deadline)
{
	struct tqueue_node n;

	if (id >= q->capacity || deadline == TQUEUE_NONE)
		return -TV_EINVAL;
	if (q->timers[id].slot == TQUEUE_SLOT_NONE)
		return -TV_ENOENT;
	n.deadline = deadline;
	n.seq = q->next_seq++;
	n.id = id;
	fill_hole(q, q->timers[id].slot, &n);
	return 0;
}

bool tqueue_is_queued(const struct tqueue *q, uint32_t id)
{
	return id < q->capacity && q->timers[id].slot != TQUEUE_SLOT_NONE;
}

uint64_t tqueue_deadline_of(const struct tqueue *q, uint32_t id)
{
	if (!tqueue_is_queued(q, id))
		return TQUEUE_NONE;
	return q->heap[q->timers[id].slot].deadline;
}

uint32_t tqueue_count(const struct tqueue *q)
{
	return q->count;
}

uint64_t tqueue_earliest(const struct tqueue *q)
{
	return q->count ? q->heap[0].deadline : TQUEUE_NONE;
}

/* Pop the root into *e if it has expired at `now`. */
static bool pop_one_expired(struct tqueue *q, uint64_t now, struct tqueue_expired *e)
{
	const struct tqueue_node *root = &q->heap[0];

	if (q->count == 0 || root->deadline > now)
		return false;
	e->deadline = root->deadline;
	e->id = root->id;
	e->owner = q->timers[root->id].owner;
	remove_slot(q, 0);
	return true;
}

size_t tqueue_pop_expired(struct tqueue *q, uint64_t now,
			  struct tqueue_expired *out, size_t max)
{
	size_t n = 0;

	while (n < max && pop_one_expired(q, now, &out[n]))
		n++;
	return n;
}

size_t tqueue_expire(struct tqueue *q, uint64_t now,
		     void (*fn)(const struct tqueue_expired *e, void *ctx),
		     void *ctx)
{
	struct tqueue_expired e;
	size_t n = 0;

	while (pop_one_expired(q, now, &e)) {
		n++;
		fn(&e, ctx);
	}
	return n;
}
