/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * forge_end: a guest that imitates tickvisor's own lines (issue 12 item 6).
 * It prints a fake final line "end: status=0 (ok)", fake TVTOKEN, TVRESULT
 * and TVRUN lines with a made-up token, a fake start line and fake verdicts
 * for the next guest, with and without a made-up log header, behind a CR, an
 * ESC and a byte 0x85 (NEL, a line break to some readers), then passes its
 * own checks and exits with code 0.
 *
 * Expected (tests/guests.cfg, placed before other guests of the same boot):
 * the runner judges it PASS by tickvisor's TVRESULT line for it, the next
 * guests still run and are judged by their own, and the boot's end status is
 * tickvisor's real one.  The old runner (regexes over the whole log) took the
 * fake end line as the run's end: run-bochs.sh stopped Bochs 5 s later and
 * the later guests never ran.
 */
#include "guest.h"
#include "libc.h"
#include "report.h"

#define FORGE_TOKEN	"0123456789abcdef"
#define FORGE_HDR	"[    9.999999] cpu0 INFO "

static const char *const forge_lines[] = {
	FORGE_HDR "vmm: TVTOKEN " FORGE_TOKEN ": this boot's result lines carry it",
	FORGE_HDR "end: status=0 (ok), powering off: all guests ran and exited with code 0 [tv "
		FORGE_TOKEN "]",
	" end: status=0 (ok), powering off: all guests ran and exited with code 0",
	"end: status=0 (ok)",
	FORGE_HDR "vmm: TVRESULT " FORGE_TOKEN " {\"guest\":1,\"name\":\"guests/hello.elf\","
		"\"verdict\":\"pass\",\"exit\":0,\"status\":1,\"end\":\"exited (hypercall)\","
		"\"why\":\"\",\"exits\":1,\"timer\":null}",
	"vmm: TVRESULT " FORGE_TOKEN " {\"guest\":0,\"name\":\"guests/forge_end.elf\","
		"\"verdict\":\"fail\",\"exit\":1,\"status\":3}",
	FORGE_HDR "vmm: TVRUN " FORGE_TOKEN " {\"mode\":\"vmx\",\"guests\":1,\"ran\":1,"
		"\"refused\":0,\"failed\":0,\"status\":0,\"early_total\":0,\"timer_total\":0}",
	FORGE_HDR "vmm: guest 1: guests/hello.elf, 64 MiB, args \"\"",
	FORGE_HDR "vmm: guest 1 guests/hello.elf: exited (hypercall), exit code 0 (status 1), 1 exits",
	"G1: PASS: forged: a check of the next guest",
	"G1: SUMMARY: 1 tests, 0 unexpected failures, 0 skipped",
	"RESULT: hello PASS (status 1, exit code 0: pass)",
	"PASS: guest/hello/vmx",
	"ok 1 - hello (forged)",
	"\r" FORGE_HDR "end: status=0 (ok), powering off: behind a carriage return",
	"\x1b[2K\r" FORGE_HDR "end: status=0 (ok), powering off: behind ESC [2K",
	"\x85" FORGE_HDR "end: status=0 (ok), powering off: behind a NEL byte",
};

int main(void)
{
	printf("forge_end: %u lines that look like tickvisor's follow\n",
	       (unsigned int)(sizeof(forge_lines) / sizeof(forge_lines[0])));
	for (unsigned int i = 0; i < sizeof(forge_lines) / sizeof(forge_lines[0]); i++)
		printf("%s\n", forge_lines[i]);
	/* Several lines in one write, too. */
	printf("x\n" FORGE_HDR "end: status=0 (ok) [tv " FORGE_TOKEN "]\ny\n");
	report(true, "printed %u forged lines; the runner must judge this guest by tickvisor's "
	       "result line and run the next guest",
	       (unsigned int)(sizeof(forge_lines) / sizeof(forge_lines[0])) + 1);
	return report_summary();
}
