/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * How a guest's xAPIC page is trapped (config apic=, SDM Vol. 3C "APIC
 * Virtualization"): one enum for the configuration, vmm/ and vmx/.  vmm/
 * decides (apic_path_choose(), at boot, from the CPU's capabilities); vmx/
 * only sets up the controls for the path it is given.
 *
 * Not to be confused with enum vapic_notice (vmm/vapic.h): the way the
 * hypervisor noticed a timer expiry.
 *
 * Pure: no VMCS, no logging; the caller reports the refusal text.
 */
#ifndef TV_VMM_APIC_PATH_H
#define TV_VMM_APIC_PATH_H

#include <tv/types.h>

/* The order is the config key's value list ("auto", "apicv", "access", "ept"). */
enum apic_path {
	APIC_PATH_AUTO = 0,	/* configuration only: the best path this CPU offers */
	APIC_PATH_APICV,	/* APIC-access page + TPR shadow + APIC-register virtualization: APIC-write exits */
	APIC_PATH_ACCESS,	/* APIC-access page: fault-like APIC-access exits, decoded */
	APIC_PATH_EPT,		/* not mapped: EPT violations, instruction decoded */
};

/*
 * @brief The path for want (auto: apicv, else access, else ept) given what
 *        the CPU has.
 * @return NULL with *out set, or the text of why an explicit choice cannot
 *         be honoured (*out untouched).
 */
static inline const char *apic_path_choose(enum apic_path want, bool has_access,
					   bool has_tpr_shadow, bool has_register_virt,
					   enum apic_path *out)
{
	bool apicv = has_access && has_register_virt && has_tpr_shadow;

	switch (want) {
	case APIC_PATH_AUTO:
		*out = apicv ? APIC_PATH_APICV : has_access ? APIC_PATH_ACCESS : APIC_PATH_EPT;
		return NULL;
	case APIC_PATH_APICV:
		if (!apicv)
			return "apic=apicv: needs the APIC-access page, TPR shadow and APIC-register "
			       "virtualization; this CPU lacks one of them";
		break;
	case APIC_PATH_ACCESS:
		if (!has_access)
			return "apic=access: this CPU has no APIC-access page support";
		break;
	case APIC_PATH_EPT:
		break;
	}
	*out = want;
	return NULL;
}

#endif /* TV_VMM_APIC_PATH_H */
