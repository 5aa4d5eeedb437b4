/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * vmm/mmio_check: a trapped MMIO access is emulated only when it is the
 * current instruction's own data access and the decoded operand holds the
 * exit's address with the same direction (issue 12 item 1).  One case per
 * rule of the SDM's qualification tables ("Exit Qualification for APIC-
 * Access VM Exits ...", "Exit Qualification for EPT Violations"), then the
 * cross-check, then a sweep over every qualification.
 */
#include "harness.h"

#include "../../vmm/mmio_check.h"

#define APIC_GPA	0xfee00000ULL

/* An APIC-access exit of type `type` at page offset `off`. */
static struct mmio_exit apic_exit(unsigned int type, unsigned int off, bool is_event)
{
	struct mmio_exit x = {
		.kind = MMIO_EXIT_APIC_ACCESS,
		.qualification = ((uint64_t)type << 12) | off,
		.is_event_delivery = is_event,
		.addr = APIC_GPA + off,
	};

	return x;
}

/* An EPT violation with qualification q at gpa. */
static struct mmio_exit ept_exit(uint64_t q, uint64_t gpa, bool is_event)
{
	struct mmio_exit x = {
		.kind = MMIO_EXIT_EPT_VIOLATION, .qualification = q,
		.is_event_delivery = is_event, .addr = gpa,
	};

	return x;
}

/* EPT qualification bits (SDM Vol. 3C, "Exit Qualification for EPT Violations"). */
#define Q_READ		0x1ULL
#define Q_WRITE		0x2ULL
#define Q_FETCH		0x4ULL
#define Q_LINEAR	0x80ULL
#define Q_FINAL		0x100ULL
#define Q_ASYNC		0x10000ULL

static enum mmio_access apic_class(unsigned int type, bool is_event)
{
	struct mmio_exit x = apic_exit(type, 0x380, is_event);

	return mmio_classify_exit(&x);
}

static enum mmio_access ept_class(uint64_t q, bool is_event)
{
	struct mmio_exit x = ept_exit(q, APIC_GPA + 0x380, is_event);

	return mmio_classify_exit(&x);
}

static void apic_linear_read_and_write_are_data(void)
{
	UT_EQ(apic_class(0, false), MMIO_ACCESS_READ);
	UT_EQ(apic_class(1, false), MMIO_ACCESS_WRITE);
	UT_CHECK(mmio_access_is_data(apic_class(0, false)));
	UT_CHECK(mmio_access_is_data(apic_class(1, false)));
}

static void apic_fetch_and_event_delivery_are_not_data(void)
{
	UT_EQ(apic_class(2, false), MMIO_ACCESS_FETCH);
	UT_EQ(apic_class(3, true), MMIO_ACCESS_EVENT);
	UT_EQ(apic_class(10, true), MMIO_ACCESS_EVENT_PHYS);
	UT_EQ(apic_class(15, false), MMIO_ACCESS_PHYS);
	UT_CHECK(!mmio_access_is_data(apic_class(2, false)));
	UT_CHECK(!mmio_access_is_data(apic_class(3, true)));
	UT_CHECK(!mmio_access_is_data(apic_class(10, true)));
	UT_CHECK(!mmio_access_is_data(apic_class(15, false)));
}

static void apic_undefined_types_are_not_data(void)
{
	static const unsigned int undefined[] = { 4, 5, 6, 7, 8, 9, 11, 12, 13, 14 };

	for (size_t i = 0; i < sizeof(undefined) / sizeof(undefined[0]); i++)
		UT_CHECK_MSG(apic_class(undefined[i], false) == MMIO_ACCESS_UNKNOWN,
			     "APIC-access type %u is not defined", undefined[i]);
}

/* IDT-vectoring valid: the access belongs to the event, whatever the type says. */
static void idt_vectoring_valid_means_event_delivery(void)
{
	UT_EQ(apic_class(0, true), MMIO_ACCESS_EVENT);
	UT_EQ(apic_class(1, true), MMIO_ACCESS_EVENT);
	UT_EQ(ept_class(Q_LINEAR | Q_FINAL | Q_READ, true), MMIO_ACCESS_EVENT);
	UT_EQ(ept_class(Q_LINEAR | Q_FINAL | Q_WRITE, true), MMIO_ACCESS_EVENT);
	/* A page walk during delivery is named as the walk. */
	UT_EQ(ept_class(Q_LINEAR | Q_READ, true), MMIO_ACCESS_PAGE_WALK);
}

static void ept_final_translation_read_and_write_are_data(void)
{
	UT_EQ(ept_class(Q_LINEAR | Q_FINAL | Q_READ, false), MMIO_ACCESS_READ);
	UT_EQ(ept_class(Q_LINEAR | Q_FINAL | Q_WRITE, false), MMIO_ACCESS_WRITE);
	/* A read-modify-write may set both (SDM: bit 0 implementation-specific). */
	UT_EQ(ept_class(Q_LINEAR | Q_FINAL | Q_READ | Q_WRITE, false), MMIO_ACCESS_WRITE);
	/* The permission bits 5:3 and NMI unblocking (12) do not matter. */
	UT_EQ(ept_class(Q_LINEAR | Q_FINAL | Q_READ | 0x38 | 0x1000, false), MMIO_ACCESS_READ);
}

static void ept_paging_structure_access_is_a_page_walk(void)
{
	/* Bit 8 clear with bit 7 set: a walk or an A/D update, read or write. */
	UT_EQ(ept_class(Q_LINEAR | Q_READ, false), MMIO_ACCESS_PAGE_WALK);
	UT_EQ(ept_class(Q_LINEAR | Q_WRITE, false), MMIO_ACCESS_PAGE_WALK);
	UT_EQ(ept_class(Q_LINEAR | Q_READ | Q_FETCH, false), MMIO_ACCESS_PAGE_WALK);
}

static void ept_without_linear_address_is_not_data(void)
{
	UT_EQ(ept_class(Q_READ, false), MMIO_ACCESS_NO_LINEAR);
	UT_EQ(ept_class(Q_WRITE | Q_FINAL, false), MMIO_ACCESS_NO_LINEAR);
}

static void ept_fetch_and_async_are_not_data(void)
{
	UT_EQ(ept_class(Q_LINEAR | Q_FINAL | Q_FETCH, false), MMIO_ACCESS_FETCH);
	UT_EQ(ept_class(Q_LINEAR | Q_FINAL | Q_READ | Q_ASYNC, false), MMIO_ACCESS_ASYNC);
	UT_EQ(ept_class(Q_LINEAR | Q_FINAL, false), MMIO_ACCESS_UNKNOWN);
}

/* Emulated only if the sweep says so: a data access, neither IDT nor any non-data bit. */
static void only_data_accesses_are_ever_emulated(void)
{
	unsigned int type, ev;
	uint64_t q;

	for (ev = 0; ev < 2; ev++) {
		for (type = 0; type < 16; type++) {
			bool want = !ev && type <= 1;

			UT_CHECK_MSG(mmio_access_is_data(apic_class(type, ev)) == want,
				     "APIC-access type %u, IDT vectoring %u", type, ev);
		}
		/* Every combination of bits 0-2, 7, 8 and 16. */
		for (q = 0; q < 64; q++) {
			uint64_t qual = (q & 7U) | ((q & 8U) ? Q_LINEAR : 0) |
					((q & 16U) ? Q_FINAL : 0) | ((q & 32U) ? Q_ASYNC : 0);
			bool want = !ev && (qual & Q_LINEAR) && (qual & Q_FINAL) &&
				    !(qual & (Q_FETCH | Q_ASYNC)) && (qual & (Q_READ | Q_WRITE));

			UT_CHECK_MSG(mmio_access_is_data(ept_class(qual, ev)) == want,
				     "EPT qualification %#llx, IDT vectoring %u",
				     (unsigned long long)qual, ev);
		}
	}
}

static void operand_at_the_exit_address_matches(void)
{
	struct mmio_exit r = apic_exit(0, 0xa0, false), w = apic_exit(1, 0x80, false);
	struct mmio_piece rp = { APIC_GPA + 0xa0, 4, false }, wp = { APIC_GPA + 0x80, 4, true };

	UT_EQ(mmio_check_operand(&r, &rp, 1), MMIO_MATCH);
	UT_EQ(mmio_check_operand(&w, &wp, 1), MMIO_MATCH);
	/* A byte inside the operand: the exit may name any byte the access touched. */
	rp.gpa = APIC_GPA + 0x9e;
	UT_EQ(mmio_check_operand(&r, &rp, 1), MMIO_MATCH);
}

static void operand_elsewhere_is_a_mismatch(void)
{
	struct mmio_exit x = apic_exit(0, 0x30, false);
	struct mmio_piece p = { APIC_GPA + 0x80, 4, false };

	UT_EQ(mmio_check_operand(&x, &p, 1), MMIO_MISMATCH_ADDR);
	/* One past the end, and one before the start. */
	p.gpa = APIC_GPA + 0x2c;
	UT_EQ(mmio_check_operand(&x, &p, 1), MMIO_MISMATCH_ADDR);
	p.gpa = APIC_GPA + 0x31;
	UT_EQ(mmio_check_operand(&x, &p, 1), MMIO_MISMATCH_ADDR);
	/* The same page offset in another page (a different GPA). */
	p.gpa = 0x1000030ULL;
	UT_EQ(mmio_check_operand(&x, &p, 1), MMIO_MISMATCH_ADDR);
	/* An empty piece holds nothing. */
	p.gpa = APIC_GPA + 0x30;
	p.len = 0;
	UT_EQ(mmio_check_operand(&x, &p, 1), MMIO_MISMATCH_ADDR);
}

static void operand_the_other_way_is_a_mismatch(void)
{
	struct mmio_exit r = apic_exit(0, 0x80, false);
	struct mmio_exit w = ept_exit(Q_LINEAR | Q_FINAL | Q_WRITE, APIC_GPA + 0x80, false);
	struct mmio_piece load = { APIC_GPA + 0x80, 4, false }, store = { APIC_GPA + 0x80, 4, true };

	UT_EQ(mmio_check_operand(&r, &store, 1), MMIO_MISMATCH_DIR);
	UT_EQ(mmio_check_operand(&w, &load, 1), MMIO_MISMATCH_DIR);
	UT_EQ(mmio_check_operand(&w, &store, 1), MMIO_MATCH);
}

/* An operand split at a page boundary, and a MOVS's source and destination. */
static void any_piece_of_the_operands_may_match(void)
{
	struct mmio_exit x = ept_exit(Q_LINEAR | Q_FINAL | Q_READ, 0x5000000ULL, false);
	struct mmio_piece split[2] = { { 0x3fffffeULL, 2, false }, { 0x5000000ULL, 6, false } };
	struct mmio_piece movs[2] = { { 0x5000000ULL, 8, false }, { 0x200000ULL, 8, true } };
	struct mmio_exit wx = ept_exit(Q_LINEAR | Q_FINAL | Q_WRITE, 0x200004ULL, false);

	UT_EQ(mmio_check_operand(&x, split, 2), MMIO_MATCH);
	UT_EQ(mmio_check_operand(&x, movs, 2), MMIO_MATCH);
	UT_EQ(mmio_check_operand(&wx, movs, 2), MMIO_MATCH);
	/* The write exit at the source: the direction does not match. */
	wx.addr = 0x5000000ULL;
	UT_EQ(mmio_check_operand(&wx, movs, 2), MMIO_MISMATCH_DIR);
}

/* A piece that ends at 2^64 must not wrap into a match. */
static void pieces_near_the_top_do_not_wrap(void)
{
	struct mmio_exit x = ept_exit(Q_LINEAR | Q_FINAL | Q_READ, 0x10ULL, false);
	struct mmio_piece p = { ~0ULL - 3U, 4, false };

	UT_EQ(mmio_check_operand(&x, &p, 1), MMIO_MISMATCH_ADDR);
	x.addr = ~0ULL;
	UT_EQ(mmio_check_operand(&x, &p, 1), MMIO_MATCH);
}

/* Bochs 2.7 reports its page walk through the APIC-access page as a data read. */
static void walk_entry_at_the_exit_address_is_a_walk(void)
{
	struct mmio_exit x = apic_exit(0, 0x30, false);

	UT_CHECK(mmio_is_walk_entry(&x, APIC_GPA + 0x30));
	UT_CHECK(mmio_is_walk_entry(&x, APIC_GPA + 0x2c));
	UT_CHECK(!mmio_is_walk_entry(&x, APIC_GPA + 0x38));
	UT_CHECK(!mmio_is_walk_entry(&x, APIC_GPA + 0x28));
	UT_CHECK(!mmio_is_walk_entry(&x, 0x30));
}

static void every_access_has_a_name(void)
{
	enum mmio_access a;

	for (a = MMIO_ACCESS_READ; a <= MMIO_ACCESS_UNKNOWN; a++)
		UT_CHECK(mmio_access_name(a) && mmio_access_name(a)[0]);
	UT_STREQ(mmio_access_name(MMIO_ACCESS_PAGE_WALK), "page walk (paging-structure entry)");
	UT_CHECK(mmio_access_name((enum mmio_access)99) != NULL);
}

static const struct ut_case cases[] = {
	UT_CASE(apic_linear_read_and_write_are_data),
	UT_CASE(apic_fetch_and_event_delivery_are_not_data),
	UT_CASE(apic_undefined_types_are_not_data),
	UT_CASE(idt_vectoring_valid_means_event_delivery),
	UT_CASE(ept_final_translation_read_and_write_are_data),
	UT_CASE(ept_paging_structure_access_is_a_page_walk),
	UT_CASE(ept_without_linear_address_is_not_data),
	UT_CASE(ept_fetch_and_async_are_not_data),
	UT_CASE(only_data_accesses_are_ever_emulated),
	UT_CASE(operand_at_the_exit_address_matches),
	UT_CASE(operand_elsewhere_is_a_mismatch),
	UT_CASE(operand_the_other_way_is_a_mismatch),
	UT_CASE(any_piece_of_the_operands_may_match),
	UT_CASE(pieces_near_the_top_do_not_wrap),
	UT_CASE(walk_entry_at_the_exit_address_is_a_walk),
	UT_CASE(every_access_has_a_name),
};

UT_MAIN("mmio_check", cases)
