/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The host timer queue: one per physical CPU, holding absolute host-TSC
 * deadlines of the events that pCPU must wake up for (a halted vCPU's LAPIC
 * timer, a timer whose vCPU runs without a VMX-preemption timer, ...).
 * vmm/ arms the host hardware (HPET comparator, host LAPIC TSC-deadline, or
 * polling) at tqueue_earliest() and, when it fires, pops what has expired.
 *
 * PURE C: no clock reads (time is the `now` argument), no allocation (the
 * caller supplies the storage), no globals, no locking (the queue belongs to
 * one pCPU; whoever shares it serialises the calls).
 *
 * Design: a 4-ary min-heap (TQUEUE_ARITY) of (deadline, sequence, id)
 * nodes with a back-index id -> heap slot, so insert, cancel, update and
 * pop are O(log n) and earliest is O(1).  The heap nodes carry their keys so a
 * sift touches one array; the per-id records carry the owner and the slot.
 *
 * Identity: a timer is named by an id in [0, capacity) chosen by the caller
 * (for example a vCPU's index on this pCPU).  At most one deadline per id is
 * queued at a time.
 *
 * Order: by deadline, and between equal deadlines by the order in which they
 * were queued (insert and update both take the next sequence number), so
 * that a run pops timers in a repeatable order.  An entry expires at `now`
 * when its deadline <= now.
 */
#ifndef TV_TIMER_TQUEUE_H
#define TV_TIMER_TQUEUE_H

#include <tv/types.h>

/* tqueue_earliest() of an empty queue; never a valid deadline. */
#define TQUEUE_NONE		UINT64_MAX
/* The most ids (capacity) a queue may have: ids and slots are 32-bit. */
#define TQUEUE_MAX_CAPACITY	0x7fffffffU

/*
 * Children per heap node.  Four rather than two: a node's children then
 * share one or two cache lines and the heap is half as deep, which halves
 * the cache misses of a pop at 1,000,000 entries (see `make bench-host`).
 */
#define TQUEUE_ARITY		4U

/* One heap node; an array of `capacity` of them is caller-supplied storage. */
struct tqueue_node {
	uint64_t deadline;
	uint64_t seq;
	uint32_t id;
};

/* The record of one id; an array of `capacity` of them is caller storage. */
struct tqueue_timer {
	void *owner;
	uint32_t slot;		/* index into the heap, or TQUEUE_SLOT_NONE */
};

#define TQUEUE_SLOT_NONE	0xffffffffU

struct tqueue {
	struct tqueue_node *heap;
	struct tqueue_timer *timers;
	uint32_t capacity;
	uint32_t count;
	uint64_t next_seq;
};

/* What tqueue_pop_expired() hands back for each expired timer. */
struct tqueue_expired {
	uint64_t deadline;
	void *owner;
	uint32_t id;
};

/*
 * @brief Initialise an empty queue over caller-supplied storage.
 * @param heap   array of `capacity` nodes, owned by the queue until dropped.
 * @param timers array of `capacity` id records, likewise.
 * @retval 0 on success.
 * @retval -TV_EINVAL on a NULL array or capacity 0 or > TQUEUE_MAX_CAPACITY.
 */
int tqueue_init(struct tqueue *q, struct tqueue_node *heap,
		struct tqueue_timer *timers, uint32_t capacity);

/*
 * @brief Queue timer `id` at absolute host-TSC `deadline`, owned by `owner`.
 * @retval 0 on success.
 * @retval -TV_EINVAL id >= capacity, or deadline == TQUEUE_NONE.
 * @retval -TV_EEXIST the id is already queued (use tqueue_update()).
 */
int tqueue_insert(struct tqueue *q, uint32_t id, uint64_t deadline, void *owner);

/*
 * @brief Remove queued timer `id`.
 * @retval 0 on success.
 * @retval -TV_EINVAL id >= capacity.
 * @retval -TV_ENOENT the id is not queued.
 */
int tqueue_cancel(struct tqueue *q, uint32_t id);

/*
 * @brief Move queued timer `id` to a new deadline, keeping its owner.  It
 *        takes a new sequence number: among equal deadlines it now comes
 *        after those already queued, exactly as cancel + insert would.
 * @retval 0 on success.
 * @retval -TV_EINVAL id >= capacity, or deadline == TQUEUE_NONE.
 * @retval -TV_ENOENT the id is not queued.
 */
int tqueue_update(struct tqueue *q, uint32_t id, uint64_t deadline);

/* @return whether timer `id` is queued (false for an id out of range). */
bool tqueue_is_queued(const struct tqueue *q, uint32_t id);

/* @return the deadline of queued timer `id`, or TQUEUE_NONE if not queued. */
uint64_t tqueue_deadline_of(const struct tqueue *q, uint32_t id);

/* @return the number of queued timers. */
uint32_t tqueue_count(const struct tqueue *q);

/* @return the earliest queued deadline, or TQUEUE_NONE when empty. */
uint64_t tqueue_earliest(const struct tqueue *q);

/*
 * @brief Pop expired timers (deadline <= now) in queue order into `out`.
 * @return how many were popped, at most `max`; when it returns `max` more
 *         may remain expired, so the caller calls again.
 */
size_t tqueue_pop_expired(struct tqueue *q, uint64_t now,
			  struct tqueue_expired *out, size_t max);

/*
 * @brief Pop every expired timer (deadline <= now) in queue order, calling
 *        `fn` for each.  `fn` runs after its timer was removed and the queue
 *        is consistent again, so it may insert, update or cancel timers (its
 *        own included).  A timer it (re)queues with a deadline <= now is
 *        popped again in the same call, so a callback re-arms in the future.
 * @return how many timers were popped.
 */
size_t tqueue_expire(struct tqueue *q, uint64_t now,
		     void (*fn)(const struct tqueue_expired *e, void *ctx),
		     void *ctx);

#endif /* TV_TIMER_TQUEUE_H */
