/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * tickvisor's own error codes.  Functions return 0 or -TV_Exxx; boot/ turns
 * them into EFI_STATUS once, at the boundary (see boot/efi_main.c).
 */
#ifndef TV_TV_ERRNO_H
#define TV_TV_ERRNO_H

#define TV_EPERM	1	/* not allowed (firmware locked a feature off) */
#define TV_ENOENT	2	/* no such file, table or key */
#define TV_EIO		5	/* device or firmware I/O failed */
#define TV_E2BIG	7	/* too large */
#define TV_ENOEXEC	8	/* not a loadable image */
#define TV_ENOMEM	12	/* out of memory */
#define TV_EFAULT	14	/* bad address */
#define TV_EBUSY	16	/* resource in use */
#define TV_EEXIST	17	/* already present */
#define TV_EINVAL	22	/* invalid argument or value */
#define TV_ERANGE	34	/* value out of range */
#define TV_ENOSYS	38	/* not implemented */
#define TV_ENODEV	19	/* hardware feature absent */
#define TV_ETIMEDOUT	110	/* hardware did not answer in time */

/* Short name of an error code, for log lines ("EINVAL"); never NULL. */
const char *tv_strerror(int err);

#endif /* TV_TV_ERRNO_H */
