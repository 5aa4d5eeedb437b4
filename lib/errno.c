/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
#include <hv/errno.h>
#include <hv/types.h>

const char *hv_strerror(int err)
{
	/* Callers pass the -HV_Exxx they got back as often as the positive code. */
	unsigned int e = err < 0 ? 0U - (unsigned int)err : (unsigned int)err;

	switch (e) {
	case 0:			return "OK";
	case HV_EPERM:		return "EPERM";
	case HV_ENOENT:		return "ENOENT";
	case HV_EIO:		return "EIO";
	case HV_E2BIG:		return "E2BIG";
	case HV_ENOEXEC:	return "ENOEXEC";
	case HV_ENOMEM:		return "ENOMEM";
	case HV_EFAULT:		return "EFAULT";
	case HV_EBUSY:		return "EBUSY";
	case HV_EEXIST:		return "EEXIST";
	case HV_ENODEV:		return "ENODEV";
	case HV_EINVAL:		return "EINVAL";
	case HV_ERANGE:		return "ERANGE";
	case HV_ENOSYS:		return "ENOSYS";
	case HV_ETIMEDOUT:	return "ETIMEDOUT";
	default:		return "E?";
	}
}
