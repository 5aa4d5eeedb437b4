/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include <tv/errno.h>
#include <tv/types.h>

const char *tv_strerror(int err)
{
	/* Callers pass the -TV_Exxx they got back as often as the positive code. */
	unsigned int e = err < 0 ? 0U - (unsigned int)err : (unsigned int)err;

	switch (e) {
	case 0:			return "OK";
	case TV_EPERM:		return "EPERM";
	case TV_ENOENT:		return "ENOENT";
	case TV_EIO:		return "EIO";
	case TV_E2BIG:		return "E2BIG";
	case TV_ENOEXEC:	return "ENOEXEC";
	case TV_ENOMEM:		return "ENOMEM";
	case TV_EFAULT:		return "EFAULT";
	case TV_EBUSY:		return "EBUSY";
	case TV_EEXIST:		return "EEXIST";
	case TV_ENODEV:		return "ENODEV";
	case TV_EINVAL:		return "EINVAL";
	case TV_ERANGE:		return "ERANGE";
	case TV_ENOSYS:		return "ENOSYS";
	case TV_ETIMEDOUT:	return "ETIMEDOUT";
	default:		return "E?";
	}
}
