/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * tickvisor's own error codes.  Functions return 0 or -HV_Exxx; boot/ turns
 * them into EFI_STATUS once, at the boundary (see boot/efi_main.c).
 */
#ifndef HV_HV_ERRNO_H
#define HV_HV_ERRNO_H

#define HV_EPERM	1	/* not allowed (firmware locked a feature off) */
#define HV_ENOENT	2	/* no such file, table or key */
#define HV_EIO		5	/* device or firmware I/O failed */
#define HV_E2BIG	7	/* too large */
#define HV_ENOEXEC	8	/* not a loadable image */
#define HV_ENOMEM	12	/* out of memory */
#define HV_EFAULT	14	/* bad address */
#define HV_EBUSY	16	/* resource in use */
#define HV_EEXIST	17	/* already present */
#define HV_EINVAL	22	/* invalid argument or value */
#define HV_ERANGE	34	/* value out of range */
#define HV_ENOSYS	38	/* not implemented */
#define HV_ENODEV	19	/* hardware feature absent */
#define HV_ETIMEDOUT	110	/* hardware did not answer in time */

/* Short name of an error code, for log lines ("EINVAL"); never NULL. */
const char *hv_strerror(int err);

#endif /* HV_HV_ERRNO_H */
