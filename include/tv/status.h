/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * The run's final status.  Every run ends with one line
 *   [time] cpu0 INFO end: status=N (name), <action>
 * and a power-off.  Under QEMU the isa-debug-exit device turns N into the
 * process exit status (N << 1) | 1; Bochs always exits 1, so the runners in
 * scripts/ read N from that line.
 */
#ifndef TV_TV_STATUS_H
#define TV_TV_STATUS_H

enum tv_status {
	TV_STATUS_OK = 0,		/* everything ran, every guest as expected */
	TV_STATUS_NO_VTX = 1,		/* VT-x absent or locked off: nothing to run on */
	TV_STATUS_CONFIG = 2,		/* bad configuration */
	TV_STATUS_EXCEPTION = 3,	/* the VMM itself took an exception */
	TV_STATUS_VMX_FAIL = 4,		/* VMXON or another VMX step failed */
	TV_STATUS_GUEST_FAIL = 5,	/* a guest failed or was stopped unexpectedly */
	TV_STATUS_BOOT = 6,		/* firmware or boot-time failure */
	TV_STATUS_PANIC = 7,		/* an internal assertion or panic */
};

#endif /* TV_TV_STATUS_H */
