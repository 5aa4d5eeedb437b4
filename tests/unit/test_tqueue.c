/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * Host timer queue (timer/tqueue.c): one case per behaviour of the contract
 * in tqueue.h, a randomized differential test against a sorted-array
 * reference, and a 1,000,000-entry case.
 */
#include <stdlib.h>
#include <string.h>

#include <tv/errno.h>

#include "harness.h"
#include "../../timer/tqueue.h"
#include "ut_rng.h"

#define SMALL_CAP	16U

struct small_queue {
	struct tqueue q;
	struct tqueue_node heap[SMALL_CAP];
	struct tqueue_timer timers[SMALL_CAP];
};

static void small_init(struct small_queue *s)
{
	UT_EQ(tqueue_init(&s->q, s->heap, s->timers, SMALL_CAP), 0);
}

/* Deterministic generator (splitmix64) so every run makes the same ops. */
static uint64_t rng_next(uint64_t *state)
{
	return ut_splitmix64(state);
}

/* Heap order and back-indices, checked from the outside. */
static bool queue_is_consistent(const struct tqueue *q)
{
	uint32_t queued = 0;

	for (uint32_t i = 0; i < q->count; i++) {
		const struct tqueue_node *n = &q->heap[i];

		if (n->id >= q->capacity || q->timers[n->id].slot != i)
			return false;
		if (i > 0) {
			const struct tqueue_node *p = &q->heap[(i - 1U) / TQUEUE_ARITY];

			if (p->deadline > n->deadline ||
			    (p->deadline == n->deadline && p->seq >= n->seq))
				return false;
		}
	}
	for (uint32_t id = 0; id < q->capacity; id++)
		if (q->timers[id].slot != TQUEUE_SLOT_NONE)
			queued++;
	return queued == q->count;
}

static void init_rejects_bad_arguments(void)
{
	struct small_queue s;

	UT_EQ(tqueue_init(&s.q, NULL, s.timers, SMALL_CAP), -TV_EINVAL);
	UT_EQ(tqueue_init(&s.q, s.heap, NULL, SMALL_CAP), -TV_EINVAL);
	UT_EQ(tqueue_init(&s.q, s.heap, s.timers, 0), -TV_EINVAL);
	UT_EQ(tqueue_init(&s.q, s.heap, s.timers, TQUEUE_MAX_CAPACITY + 1U), -TV_EINVAL);
	UT_EQ(tqueue_init(NULL, s.heap, s.timers, SMALL_CAP), -TV_EINVAL);
}

static void empty_queue_has_no_earliest(void)
{
	struct small_queue s;
	struct tqueue_expired out[2];

	small_init(&s);
	UT_EQ(tqueue_count(&s.q), 0);
	UT_EQ(tqueue_earliest(&s.q), TQUEUE_NONE);
	UT_EQ(tqueue_pop_expired(&s.q, UINT64_MAX, out, 2), 0);
	for (uint32_t id = 0; id < SMALL_CAP; id++)
		UT_CHECK(!tqueue_is_queued(&s.q, id));
}

static void earliest_is_the_minimum_deadline(void)
{
	struct small_queue s;

	small_init(&s);
	UT_EQ(tqueue_insert(&s.q, 3, 500, NULL), 0);
	UT_EQ(tqueue_earliest(&s.q), 500);
	UT_EQ(tqueue_insert(&s.q, 7, 200, NULL), 0);
	UT_EQ(tqueue_earliest(&s.q), 200);
	UT_EQ(tqueue_insert(&s.q, 1, 900, NULL), 0);
	UT_EQ(tqueue_earliest(&s.q), 200);
	UT_EQ(tqueue_count(&s.q), 3);
	UT_EQ(tqueue_deadline_of(&s.q, 1), 900);
	UT_EQ(tqueue_deadline_of(&s.q, 2), TQUEUE_NONE);
	UT_CHECK(queue_is_consistent(&s.q));
}

static void insert_rejects_id_out_of_range(void)
{
	struct small_queue s;

	small_init(&s);
	UT_EQ(tqueue_insert(&s.q, SMALL_CAP, 10, NULL), -TV_EINVAL);
	UT_EQ(tqueue_insert(&s.q, UINT32_MAX, 10, NULL), -TV_EINVAL);
	UT_EQ(tqueue_count(&s.q), 0);
	UT_CHECK(!tqueue_is_queued(&s.q, SMALL_CAP));
}

static void insert_rejects_the_none_deadline(void)
{
	struct small_queue s;

	small_init(&s);
	UT_EQ(tqueue_insert(&s.q, 0, TQUEUE_NONE, NULL), -TV_EINVAL);
	UT_EQ(tqueue_count(&s.q), 0);
	/* The largest real deadline and deadline 0 are both fine. */
	UT_EQ(tqueue_insert(&s.q, 0, TQUEUE_NONE - 1U, NULL), 0);
	UT_EQ(tqueue_insert(&s.q, 1, 0, NULL), 0);
	UT_EQ(tqueue_earliest(&s.q), 0);
}

static void insert_of_a_queued_id_is_eexist(void)
{
	struct small_queue s;

	small_init(&s);
	UT_EQ(tqueue_insert(&s.q, 4, 100, NULL), 0);
	UT_EQ(tqueue_insert(&s.q, 4, 50, NULL), -TV_EEXIST);
	UT_EQ(tqueue_deadline_of(&s.q, 4), 100);
	UT_EQ(tqueue_count(&s.q), 1);
}

static void cancel_removes_only_that_timer(void)
{
	struct small_queue s;
	struct tqueue_expired out[4];

	small_init(&s);
	UT_EQ(tqueue_insert(&s.q, 0, 10, NULL), 0);
	UT_EQ(tqueue_insert(&s.q, 1, 20, NULL), 0);
	UT_EQ(tqueue_insert(&s.q, 2, 30, NULL), 0);
	UT_EQ(tqueue_cancel(&s.q, 1), 0);
	UT_CHECK(!tqueue_is_queued(&s.q, 1));
	UT_CHECK(queue_is_consistent(&s.q));
	UT_EQ(tqueue_pop_expired(&s.q, 100, out, 4), 2);
	UT_EQ(out[0].id, 0);
	UT_EQ(out[1].id, 2);
}

static void cancel_of_the_earliest_exposes_the_next(void)
{
	struct small_queue s;

	small_init(&s);
	UT_EQ(tqueue_insert(&s.q, 0, 10, NULL), 0);
	UT_EQ(tqueue_insert(&s.q, 1, 20, NULL), 0);
	UT_EQ(tqueue_cancel(&s.q, 0), 0);
	UT_EQ(tqueue_earliest(&s.q), 20);
	UT_EQ(tqueue_cancel(&s.q, 1), 0);
	UT_EQ(tqueue_earliest(&s.q), TQUEUE_NONE);
}

static void cancel_of_an_unqueued_id_is_enoent(void)
{
	struct small_queue s;

	small_init(&s);
	UT_EQ(tqueue_cancel(&s.q, 5), -TV_ENOENT);
	UT_EQ(tqueue_cancel(&s.q, SMALL_CAP), -TV_EINVAL);
	UT_EQ(tqueue_insert(&s.q, 5, 10, NULL), 0);
	UT_EQ(tqueue_cancel(&s.q, 5), 0);
	UT_EQ(tqueue_cancel(&s.q, 5), -TV_ENOENT);
}

static void update_later_and_earlier_reorders(void)
{
	struct small_queue s;

	small_init(&s);
	UT_EQ(tqueue_insert(&s.q, 0, 10, NULL), 0);
	UT_EQ(tqueue_insert(&s.q, 1, 20, NULL), 0);
	UT_EQ(tqueue_insert(&s.q, 2, 30, NULL), 0);
	UT_EQ(tqueue_update(&s.q, 0, 40), 0);
	UT_EQ(tqueue_earliest(&s.q), 20);
	UT_EQ(tqueue_deadline_of(&s.q, 0), 40);
	UT_EQ(tqueue_update(&s.q, 2, 5), 0);
	UT_EQ(tqueue_earliest(&s.q), 5);
	UT_CHECK(queue_is_consistent(&s.q));
}

static void update_keeps_the_owner(void)
{
	struct small_queue s;
	struct tqueue_expired out[1];
	int owner;

	small_init(&s);
	UT_EQ(tqueue_insert(&s.q, 9, 10, &owner), 0);
	UT_EQ(tqueue_update(&s.q, 9, 70), 0);
	UT_EQ(tqueue_pop_expired(&s.q, 70, out, 1), 1);
	UT_CHECK(out[0].owner == &owner);
	UT_EQ(out[0].deadline, 70);
	UT_EQ(out[0].id, 9);
}

static void update_of_an_unqueued_id_is_enoent(void)
{
	struct small_queue s;

	small_init(&s);
	UT_EQ(tqueue_update(&s.q, 2, 10), -TV_ENOENT);
	UT_EQ(tqueue_update(&s.q, SMALL_CAP, 10), -TV_EINVAL);
	UT_EQ(tqueue_insert(&s.q, 2, 10, NULL), 0);
	UT_EQ(tqueue_update(&s.q, 2, TQUEUE_NONE), -TV_EINVAL);
	UT_EQ(tqueue_deadline_of(&s.q, 2), 10);
	UT_EQ(tqueue_count(&s.q), 1);
}

static void equal_deadlines_pop_in_insertion_order(void)
{
	static const uint32_t ids[] = { 6, 2, 11, 0, 9 };
	struct small_queue s;
	struct tqueue_expired out[8];

	small_init(&s);
	for (size_t i = 0; i < TV_ARRAY_SIZE(ids); i++)
		UT_EQ(tqueue_insert(&s.q, ids[i], 1000, NULL), 0);
	UT_EQ(tqueue_pop_expired(&s.q, 1000, out, 8), TV_ARRAY_SIZE(ids));
	for (size_t i = 0; i < TV_ARRAY_SIZE(ids); i++)
		UT_EQ(out[i].id, ids[i]);
}

static void update_requeues_behind_equal_deadlines(void)
{
	struct small_queue s;
	struct tqueue_expired out[4];

	small_init(&s);
	UT_EQ(tqueue_insert(&s.q, 0, 50, NULL), 0);
	UT_EQ(tqueue_insert(&s.q, 1, 50, NULL), 0);
	UT_EQ(tqueue_insert(&s.q, 2, 50, NULL), 0);
	/* Same deadline again: still a re-queue, so 0 now comes last. */
	UT_EQ(tqueue_update(&s.q, 0, 50), 0);
	UT_EQ(tqueue_pop_expired(&s.q, 50, out, 4), 3);
	UT_EQ(out[0].id, 1);
	UT_EQ(out[1].id, 2);
	UT_EQ(out[2].id, 0);
}

static void deadline_equal_to_now_has_expired(void)
{
	struct small_queue s;
	struct tqueue_expired out[2];

	small_init(&s);
	UT_EQ(tqueue_insert(&s.q, 0, 100, NULL), 0);
	UT_EQ(tqueue_pop_expired(&s.q, 99, out, 2), 0);
	UT_CHECK(tqueue_is_queued(&s.q, 0));
	UT_EQ(tqueue_pop_expired(&s.q, 100, out, 2), 1);
	UT_EQ(out[0].id, 0);
	UT_CHECK(!tqueue_is_queued(&s.q, 0));
}

static void pop_expired_leaves_future_timers(void)
{
	struct small_queue s;
	struct tqueue_expired out[8];

	small_init(&s);
	for (uint32_t id = 0; id < 8; id++)
		UT_EQ(tqueue_insert(&s.q, id, 100U * (8U - id), NULL), 0);
	UT_EQ(tqueue_pop_expired(&s.q, 450, out, 8), 4);
	UT_EQ(out[0].deadline, 100);
	UT_EQ(out[3].deadline, 400);
	UT_EQ(tqueue_count(&s.q), 4);
	UT_EQ(tqueue_earliest(&s.q), 500);
	UT_CHECK(queue_is_consistent(&s.q));
}

static void pop_expired_stops_at_max(void)
{
	struct small_queue s;
	struct tqueue_expired out[3];

	small_init(&s);
	for (uint32_t id = 0; id < 5; id++)
		UT_EQ(tqueue_insert(&s.q, id, id, NULL), 0);
	UT_EQ(tqueue_pop_expired(&s.q, 10, out, 3), 3);
	UT_EQ(out[2].id, 2);
	UT_EQ(tqueue_pop_expired(&s.q, 10, out, 0), 0);
	UT_EQ(tqueue_pop_expired(&s.q, 10, out, 3), 2);
	UT_EQ(out[0].id, 3);
	UT_EQ(out[1].id, 4);
	UT_EQ(tqueue_count(&s.q), 0);
}

static void popped_id_can_be_inserted_again(void)
{
	struct small_queue s;
	struct tqueue_expired out[1];

	small_init(&s);
	UT_EQ(tqueue_insert(&s.q, 3, 10, NULL), 0);
	UT_EQ(tqueue_pop_expired(&s.q, 10, out, 1), 1);
	UT_EQ(tqueue_insert(&s.q, 3, 20, NULL), 0);
	UT_EQ(tqueue_deadline_of(&s.q, 3), 20);
}

static void every_id_fits_at_full_capacity(void)
{
	struct small_queue s;
	struct tqueue_expired out[SMALL_CAP];

	small_init(&s);
	for (uint32_t id = 0; id < SMALL_CAP; id++)
		UT_EQ(tqueue_insert(&s.q, id, (id * 7U) % SMALL_CAP, NULL), 0);
	UT_EQ(tqueue_count(&s.q), SMALL_CAP);
	UT_CHECK(queue_is_consistent(&s.q));
	UT_EQ(tqueue_pop_expired(&s.q, UINT64_MAX - 1U, out, SMALL_CAP), SMALL_CAP);
	for (uint32_t i = 0; i < SMALL_CAP; i++)
		UT_EQ(out[i].deadline, i);
}

struct expire_log {
	struct tqueue *q;
	uint32_t ids[SMALL_CAP];
	void *owners[SMALL_CAP];
	size_t n;
	uint32_t cancel_id;	/* cancelled by the first callback, or SLOT_NONE */
	uint64_t rearm_at;	/* callbacks re-queue their timer here, or 0 */
	int rearm_status;
};

static void log_expired(const struct tqueue_expired *e, void *ctx)
{
	struct expire_log *log = ctx;

	if (log->n < SMALL_CAP) {
		log->ids[log->n] = e->id;
		log->owners[log->n] = e->owner;
	}
	/* The popped timer is no longer queued when its callback runs. */
	if (tqueue_is_queued(log->q, e->id))
		log->rearm_status = -1;
	if (log->n == 0 && log->cancel_id != TQUEUE_SLOT_NONE)
		(void)tqueue_cancel(log->q, log->cancel_id);
	if (log->rearm_at && log->rearm_status == 0)
		log->rearm_status = tqueue_insert(log->q, e->id, log->rearm_at, e->owner);
	log->n++;
}

static void expire_calls_back_in_order_with_owners(void)
{
	struct small_queue s;
	struct expire_log log = { .cancel_id = TQUEUE_SLOT_NONE };
	int a, b, c;

	small_init(&s);
	log.q = &s.q;
	UT_EQ(tqueue_insert(&s.q, 1, 30, &c), 0);
	UT_EQ(tqueue_insert(&s.q, 2, 10, &a), 0);
	UT_EQ(tqueue_insert(&s.q, 3, 20, &b), 0);
	UT_EQ(tqueue_insert(&s.q, 4, 40, NULL), 0);
	UT_EQ(tqueue_expire(&s.q, 35, log_expired, &log), 3);
	UT_EQ(log.n, 3);
	UT_EQ(log.ids[0], 2);
	UT_EQ(log.ids[1], 3);
	UT_EQ(log.ids[2], 1);
	UT_CHECK(log.owners[0] == &a && log.owners[1] == &b && log.owners[2] == &c);
	UT_EQ(log.rearm_status, 0);
	UT_EQ(tqueue_earliest(&s.q), 40);
}

static void expire_callback_may_rearm_in_the_future(void)
{
	struct small_queue s;
	struct expire_log log = { .cancel_id = TQUEUE_SLOT_NONE, .rearm_at = 500 };

	small_init(&s);
	log.q = &s.q;
	UT_EQ(tqueue_insert(&s.q, 0, 10, NULL), 0);
	UT_EQ(tqueue_insert(&s.q, 1, 20, NULL), 0);
	UT_EQ(tqueue_expire(&s.q, 100, log_expired, &log), 2);
	UT_EQ(log.rearm_status, 0);
	UT_EQ(tqueue_count(&s.q), 2);
	UT_EQ(tqueue_deadline_of(&s.q, 0), 500);
	UT_EQ(tqueue_deadline_of(&s.q, 1), 500);
	UT_CHECK(queue_is_consistent(&s.q));
}

static void expire_callback_may_cancel_another_timer(void)
{
	struct small_queue s;
	struct expire_log log = { .cancel_id = 7 };

	small_init(&s);
	log.q = &s.q;
	UT_EQ(tqueue_insert(&s.q, 5, 10, NULL), 0);
	UT_EQ(tqueue_insert(&s.q, 7, 20, NULL), 0);
	UT_EQ(tqueue_insert(&s.q, 8, 30, NULL), 0);
	UT_EQ(tqueue_expire(&s.q, 100, log_expired, &log), 2);
	UT_EQ(log.ids[0], 5);
	UT_EQ(log.ids[1], 8);
	UT_EQ(tqueue_count(&s.q), 0);
}

/* ---- Differential test against a sorted-array reference ---------------- */

#define REF_IDS		2048U
#define REF_OPS		200000U
#define REF_POP_MAX	8U

struct ref_entry {
	uint64_t deadline;
	uint64_t seq;
	uint32_t id;
	void *owner;
};

struct ref_queue {
	struct ref_entry e[REF_IDS];	/* sorted by (deadline, seq) */
	uint32_t n;
	uint64_t next_seq;
	bool queued[REF_IDS];
};

static bool ref_is_before(const struct ref_entry *a, const struct ref_entry *b)
{
	return a->deadline != b->deadline ? a->deadline < b->deadline : a->seq < b->seq;
}

static void ref_insert(struct ref_queue *r, uint32_t id, uint64_t deadline, void *owner)
{
	struct ref_entry x = { deadline, r->next_seq++, id, owner };
	uint32_t i = r->n;

	while (i > 0 && ref_is_before(&x, &r->e[i - 1U])) {
		r->e[i] = r->e[i - 1U];
		i--;
	}
	r->e[i] = x;
	r->n++;
	r->queued[id] = true;
}

/* Remove id; returns its owner. */
static void *ref_remove(struct ref_queue *r, uint32_t id)
{
	for (uint32_t i = 0; i < r->n; i++) {
		if (r->e[i].id == id) {
			void *owner = r->e[i].owner;

			memmove(&r->e[i], &r->e[i + 1U], (r->n - i - 1U) * sizeof(r->e[0]));
			r->n--;
			r->queued[id] = false;
			return owner;
		}
	}
	return NULL;
}

static uint64_t ref_deadline_of(const struct ref_queue *r, uint32_t id)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (r->e[i].id == id)
			return r->e[i].deadline;
	return TQUEUE_NONE;
}

/* Deadlines from a small range so that ties are frequent, plus extremes. */
static uint64_t random_deadline(uint64_t *rng)
{
	uint64_t r = rng_next(rng);

	switch (r % 64U) {
	case 0:
		return 0;
	case 1:
		return TQUEUE_NONE - 1U;
	default:
		return (r >> 8) % 20000U;
	}
}

struct diff_cb {
	const struct ref_queue *r;
	uint32_t at;
	uint32_t mismatches;
};

static void diff_expired(const struct tqueue_expired *e, void *ctx)
{
	struct diff_cb *d = ctx;
	const struct ref_entry *x = &d->r->e[d->at++];

	if (e->id != x->id || e->deadline != x->deadline || e->owner != x->owner)
		d->mismatches++;
}

static void random_ops_match_sorted_reference(void)
{
	struct tqueue q;
	struct tqueue_node *heap = calloc(REF_IDS, sizeof(*heap));
	struct tqueue_timer *timers = calloc(REF_IDS, sizeof(*timers));
	struct ref_queue *r = calloc(1, sizeof(*r));
	/* Owners are just distinct addresses. */
	static char owners[REF_IDS];
	uint64_t rng = 0x7469636b76697372ULL;
	uint64_t now = 0;
	unsigned int bad = 0, pops = 0, consistency_checks = 0;

	if (!UT_CHECK(heap && timers && r))
		goto out;
	UT_EQ(tqueue_init(&q, heap, timers, REF_IDS), 0);
	for (uint32_t op = 0; op < REF_OPS && bad < 5; op++) {
		uint64_t roll = rng_next(&rng);
		uint32_t id = (uint32_t)((roll >> 16) % REF_IDS);
		/* Bias towards inserts while the queue is small to keep it busy. */
		unsigned int kind = (unsigned int)(roll % 100U);

		if (r->n < 64U && kind >= 60U)
			kind %= 35U;
		if (kind < 35U) {
			uint64_t d = random_deadline(&rng);
			int want = r->queued[id] ? -TV_EEXIST : 0;
			int got = tqueue_insert(&q, id, d, &owners[id]);

			if (got != want)
				bad++, UT_CHECK_MSG(false, "op %u insert id %u: %d want %d", op, id, got, want);
			if (want == 0)
				ref_insert(r, id, d, &owners[id]);
		} else if (kind < 50U) {
			int want = r->queued[id] ? 0 : -TV_ENOENT;
			int got = tqueue_cancel(&q, id);

			if (got != want)
				bad++, UT_CHECK_MSG(false, "op %u cancel id %u: %d want %d", op, id, got, want);
			if (want == 0)
				(void)ref_remove(r, id);
		} else if (kind < 70U) {
			uint64_t d = random_deadline(&rng);
			int want = r->queued[id] ? 0 : -TV_ENOENT;
			int got = tqueue_update(&q, id, d);

			if (got != want)
				bad++, UT_CHECK_MSG(false, "op %u update id %u: %d want %d", op, id, got, want);
			if (want == 0)
				ref_insert(r, id, d, ref_remove(r, id));
		} else if (kind < 85U) {
			struct tqueue_expired out[REF_POP_MAX];
			size_t max = (size_t)(rng_next(&rng) % (REF_POP_MAX + 1U));
			size_t want = 0, got;

			now += rng_next(&rng) % 700U;
			while (want < max && want < r->n && r->e[want].deadline <= now)
				want++;
			got = tqueue_pop_expired(&q, now, out, max);
			if (got != want)
				bad++, UT_CHECK_MSG(false, "op %u pop at %llu: %zu want %zu", op,
						    (unsigned long long)now, got, want);
			for (size_t i = 0; i < got && i < want; i++) {
				if (out[i].id != r->e[i].id || out[i].deadline != r->e[i].deadline ||
				    out[i].owner != r->e[i].owner) {
					bad++;
					UT_CHECK_MSG(false, "op %u pop #%zu: id %u dl %llu want id %u dl %llu",
						     op, i, out[i].id, (unsigned long long)out[i].deadline,
						     r->e[i].id, (unsigned long long)r->e[i].deadline);
					break;
				}
			}
			for (size_t i = 0; i < want; i++)
				(void)ref_remove(r, r->e[0].id);
			pops += (unsigned int)got;
		} else if (kind < 90U) {
			struct diff_cb d = { r, 0, 0 };
			uint32_t want = 0;
			size_t got;

			now += rng_next(&rng) % 300U;
			while (want < r->n && r->e[want].deadline <= now)
				want++;
			got = tqueue_expire(&q, now, diff_expired, &d);
			if (got != want || d.mismatches)
				bad++, UT_CHECK_MSG(false, "op %u expire at %llu: %zu (%u bad) want %u",
						    op, (unsigned long long)now, got, d.mismatches, want);
			for (uint32_t i = 0; i < want; i++)
				(void)ref_remove(r, r->e[0].id);
			pops += (unsigned int)got;
		} else {
			uint64_t want_first = r->n ? r->e[0].deadline : TQUEUE_NONE;

			if (tqueue_earliest(&q) != want_first || tqueue_count(&q) != r->n ||
			    tqueue_is_queued(&q, id) != r->queued[id] ||
			    tqueue_deadline_of(&q, id) != ref_deadline_of(r, id))
				bad++, UT_CHECK_MSG(false, "op %u: earliest/count/state of id %u differ",
						    op, id);
		}
		if (op % 4096U == 0) {
			consistency_checks++;
			if (!queue_is_consistent(&q))
				bad++, UT_CHECK_MSG(false, "op %u: heap inconsistent", op);
		}
	}
	UT_EQ(bad, 0);
	UT_CHECK(queue_is_consistent(&q));
	UT_EQ(tqueue_count(&q), r->n);
	/* The run must actually have exercised pops and a full-ish queue. */
	UT_CHECK_MSG(pops > 10000U, "only %u timers popped", pops);
	UT_CHECK(consistency_checks > 10U);
out:
	free(heap);
	free(timers);
	free(r);
}

/* ---- 1,000,000 entries ------------------------------------------------- */

#define BIG_N		1000000U
#define BIG_BATCH	4096U

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void million_entries_pop_in_deadline_order(void)
{
	struct tqueue q;
	struct tqueue_node *heap = malloc(BIG_N * sizeof(*heap));
	struct tqueue_timer *timers = malloc(BIG_N * sizeof(*timers));
	uint64_t *want = malloc(BIG_N * sizeof(*want));
	struct tqueue_expired *out = malloc(BIG_BATCH * sizeof(*out));
	uint64_t rng = 1000000ULL, min = TQUEUE_NONE;
	uint32_t n_want = 0, popped = 0, order_errors = 0, cancelled = 0;
	size_t got;

	if (!UT_CHECK(heap && timers && want && out))
		goto out;
	UT_EQ(tqueue_init(&q, heap, timers, BIG_N), 0);
	for (uint32_t id = 0; id < BIG_N; id++) {
		uint64_t d = rng_next(&rng) >> 24;

		if (tqueue_insert(&q, id, d, NULL) != 0)
			order_errors++;
		min = TV_MIN(min, d);
	}
	UT_EQ(order_errors, 0);
	UT_EQ(tqueue_count(&q), BIG_N);
	UT_EQ(tqueue_earliest(&q), min);
	UT_CHECK(queue_is_consistent(&q));
	/* Re-key a tenth and cancel a tenth, at random. */
	for (uint32_t i = 0; i < BIG_N / 10U; i++) {
		uint32_t id = (uint32_t)(rng_next(&rng) % BIG_N);

		/* An id cancelled earlier in this loop is not queued: ENOENT. */
		int want_update = tqueue_is_queued(&q, id) ? 0 : -TV_ENOENT;

		if (tqueue_update(&q, id, rng_next(&rng) >> 24) != want_update)
			order_errors++;
		id = (uint32_t)(rng_next(&rng) % BIG_N);
		if (tqueue_is_queued(&q, id)) {
			if (tqueue_cancel(&q, id) != 0)
				order_errors++;
			cancelled++;
		}
	}
	UT_EQ(order_errors, 0);
	UT_EQ(tqueue_count(&q), BIG_N - cancelled);
	UT_CHECK(queue_is_consistent(&q));
	for (uint32_t id = 0; id < BIG_N; id++)
		if (tqueue_is_queued(&q, id))
			want[n_want++] = tqueue_deadline_of(&q, id);
	UT_EQ(n_want, BIG_N - cancelled);
	qsort(want, n_want, sizeof(*want), cmp_u64);
	while ((got = tqueue_pop_expired(&q, TQUEUE_NONE - 1U, out, BIG_BATCH)) > 0) {
		for (size_t i = 0; i < got; i++, popped++)
			if (popped >= n_want || out[i].deadline != want[popped])
				order_errors++;
	}
	UT_EQ(popped, n_want);
	UT_EQ(order_errors, 0);
	UT_EQ(tqueue_count(&q), 0);
	UT_EQ(tqueue_earliest(&q), TQUEUE_NONE);
out:
	free(heap);
	free(timers);
	free(want);
	free(out);
}

static const struct ut_case cases[] = {
	UT_CASE(init_rejects_bad_arguments),
	UT_CASE(empty_queue_has_no_earliest),
	UT_CASE(earliest_is_the_minimum_deadline),
	UT_CASE(insert_rejects_id_out_of_range),
	UT_CASE(insert_rejects_the_none_deadline),
	UT_CASE(insert_of_a_queued_id_is_eexist),
	UT_CASE(cancel_removes_only_that_timer),
	UT_CASE(cancel_of_the_earliest_exposes_the_next),
	UT_CASE(cancel_of_an_unqueued_id_is_enoent),
	UT_CASE(update_later_and_earlier_reorders),
	UT_CASE(update_keeps_the_owner),
	UT_CASE(update_of_an_unqueued_id_is_enoent),
	UT_CASE(equal_deadlines_pop_in_insertion_order),
	UT_CASE(update_requeues_behind_equal_deadlines),
	UT_CASE(deadline_equal_to_now_has_expired),
	UT_CASE(pop_expired_leaves_future_timers),
	UT_CASE(pop_expired_stops_at_max),
	UT_CASE(popped_id_can_be_inserted_again),
	UT_CASE(every_id_fits_at_full_capacity),
	UT_CASE(expire_calls_back_in_order_with_owners),
	UT_CASE(expire_callback_may_rearm_in_the_future),
	UT_CASE(expire_callback_may_cancel_another_timer),
	UT_CASE(random_ops_match_sorted_reference),
	UT_CASE(million_entries_pop_in_deadline_order),
};

UT_MAIN("tqueue", cases)
