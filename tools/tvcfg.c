/* SPDX-License-Identifier: MIT */
/* Copyright (c) 2026 The tickvisor developers */
/*
 * tvcfg: check a tickvisor.cfg on the host, before an emulator boots it.
 *
 *   tvcfg [--name NAME] [--options 'k=v ...'] [--esp DIR] [--map PREFIX=DIR]... FILE
 *   tvcfg --key-table
 *
 * The file goes through vmm/config.c, the parser the EFI app runs at boot,
 * so both accept and refuse the same text.  The first config error prints
 * as "FILE:LINE: message" (NAME in place of FILE if given: make passes the
 * CONFIG= file's name) and the exit status is 2, the EFI app's config-error
 * status.  With --esp or --map, every guest= and module= path must also
 * name a regular file on the ESP to be: --esp DIR is its root, and --map
 * PREFIX=DIR says that PREFIX/ on the ESP is DIR on the host (make run
 * copies the .elf files of build/guests to guests/ on the ESP: --map
 * guests=build/guests).
 * Each missing file prints "FILE:LINE: ..." with the line of its guest= or
 * module=.  --key-table prints the Markdown key table of
 * docs/configuration.md.  Exit status: 0 fine, 2 config error, 1 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../vmm/config.h"

#define TVCFG_FILE_MAX	(64U * 1024U)	/* boot/efi_main.c's BOOT_CONFIG_MAX */
#define TVCFG_MAPS_MAX	8
#define TVCFG_STATUS_CONFIG	2
#define TVCFG_STATUS_USAGE	1

struct tvcfg_map {
	const char *prefix;	/* on the ESP, e.g. "guests" */
	const char *dir;	/* on the host */
};

struct tvcfg {
	const char *name;	/* the file as messages name it */
	const char *esp;
	struct tvcfg_map maps[TVCFG_MAPS_MAX];
	unsigned int nr_maps;
	unsigned int missing;
};

static struct tv_config tvcfg_config;	/* about 14 KiB */

static void tvcfg_print_line(void *ctx, const char *line)
{
	(void)ctx;
	puts(line);
}

static int tvcfg_usage(void)
{
	fprintf(stderr, "usage: tvcfg [--name NAME] [--options 'k=v ...'] [--esp DIR] "
			"[--map PREFIX=DIR]... FILE\n       tvcfg --key-table\n");
	return TVCFG_STATUS_USAGE;
}

/* Read the whole file as the EFI app would: at most TVCFG_FILE_MAX bytes. */
static char *tvcfg_read(const char *path, const char *name, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *text;

	if (!f) {
		printf("%s: cannot read: %s\n", name, strerror(errno));
		return NULL;
	}
	text = malloc(TVCFG_FILE_MAX + 2);
	if (!text) {
		fclose(f);
		printf("%s: out of memory\n", name);
		return NULL;
	}
	*len = fread(text, 1, TVCFG_FILE_MAX + 1, f);
	fclose(f);
	if (*len > TVCFG_FILE_MAX) {
		printf("%s: larger than the %u bytes the EFI app reads\n", name, TVCFG_FILE_MAX);
		free(text);
		return NULL;
	}
	text[*len] = '\0';
	return text;
}

/*
 * One name inside dir, as FAT finds it: the exact name, else one that differs
 * only in case (the ESP is FAT, whose names are case-insensitive).
 */
static bool tvcfg_find_entry(char *path, size_t size, size_t dir_len, const char *name)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	bool found = false;

	snprintf(path + dir_len, size - dir_len, "/%s", name);
	if (stat(path, &st) == 0)
		return true;
	path[dir_len] = '\0';
	d = opendir(dir_len ? path : "/");
	if (!d)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		if (!strcasecmp(de->d_name, name)) {
			snprintf(path + dir_len, size - dir_len, "/%s", de->d_name);
			found = true;
		}
	}
	closedir(d);
	return found;
}

/* rel ('/'-separated, no leading '/') under dir: true when it is a regular file. */
static bool tvcfg_find_file(const char *dir, const char *rel, char *path, size_t size)
{
	char comp[TV_CONFIG_PATH_MAX];
	struct stat st;
	size_t n;

	snprintf(path, size, "%s", dir);
	n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
	while (*rel) {
		size_t c = strcspn(rel, "/");

		snprintf(comp, sizeof(comp), "%.*s", (int)c, rel);
		rel += c + (rel[c] == '/');
		if (!comp[0] || !strcmp(comp, "."))
			continue;
		if (!tvcfg_find_entry(path, size, n, comp)) {
			snprintf(path + n, size - n, "/%s%s%s", comp, *rel ? "/" : "", rel);
			return false;
		}
		n = strlen(path);
	}
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Check one guest= or module= path; line 0: it came from the load options. */
static void tvcfg_check_path(struct tvcfg *t, const char *key, const char *esp_path,
			     unsigned int line)
{
	char rel[TV_CONFIG_PATH_MAX], host[4096], where[64];
	const char *dir = t->esp, *sub;
	size_t i, n = 0;

	/* As boot/efi_file.c opens it: '/' and '\' alike, from the volume's root. */
	for (i = 0; esp_path[i] == '/' || esp_path[i] == '\\'; i++)
		;
	for (; esp_path[i] && n + 1 < sizeof(rel); i++)
		rel[n++] = esp_path[i] == '\\' ? '/' : esp_path[i];
	rel[n] = '\0';
	sub = rel;
	for (unsigned int m = 0; m < t->nr_maps; m++) {
		size_t pl = strlen(t->maps[m].prefix);

		if (!strncasecmp(rel, t->maps[m].prefix, pl) && rel[pl] == '/') {
			dir = t->maps[m].dir;
			sub = rel + pl + 1;
			break;
		}
	}
	if (line)
		snprintf(where, sizeof(where), "%s:%u", t->name, line);
	else
		snprintf(where, sizeof(where), "load options");
	if (!dir) {
		printf("%s: %s=%s: not on the ESP make builds (it holds EFI/BOOT/ and", where, key,
		       esp_path);
		for (unsigned int m = 0; m < t->nr_maps; m++)
			printf(" %s/ from %s", t->maps[m].prefix, t->maps[m].dir);
		printf(")\n");
		t->missing++;
		return;
	}
	if (!tvcfg_find_file(dir, sub, host, sizeof(host))) {
		printf("%s: %s=%s: no such file on the ESP (looked for %s)\n", where, key, esp_path,
		       host);
		t->missing++;
	}
}

int main(int argc, char **argv)
{
	struct config_error err;
	struct tvcfg t = { 0 };
	const char *file = NULL, *options = NULL;
	char line[320];
	unsigned int modules = 0;
	size_t len;
	char *text;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--key-table") && argc == 2) {
			config_format_key_table(tvcfg_print_line, NULL);
			return 0;
		} else if (!strcmp(a, "--name") && i + 1 < argc) {
			t.name = argv[++i];
		} else if (!strcmp(a, "--options") && i + 1 < argc) {
			options = argv[++i];
		} else if (!strcmp(a, "--esp") && i + 1 < argc) {
			t.esp = argv[++i];
		} else if (!strcmp(a, "--map") && i + 1 < argc && t.nr_maps < TVCFG_MAPS_MAX) {
			char *eq = strchr(argv[++i], '=');

			if (!eq || eq == argv[i] || !eq[1])
				return tvcfg_usage();
			*eq = '\0';
			t.maps[t.nr_maps].prefix = argv[i];
			t.maps[t.nr_maps++].dir = eq + 1;
		} else if (a[0] != '-' && !file) {
			file = a;
		} else {
			return tvcfg_usage();
		}
	}
	if (!file)
		return tvcfg_usage();
	if (!t.name)
		t.name = file;

	text = tvcfg_read(file, t.name, &len);
	if (!text)
		return TVCFG_STATUS_CONFIG;
	config_init_defaults(&tvcfg_config);
	rc = config_parse_file(&tvcfg_config, text, len, &err);
	free(text);
	if (!rc && options)
		rc = config_parse_load_options(&tvcfg_config, options, &err);
	if (rc) {
		config_format_error_in(&err, t.name, line, sizeof(line));
		printf("%s\n", line);
		return TVCFG_STATUS_CONFIG;
	}
	if (t.esp || t.nr_maps) {
		for (unsigned int g = 0; g < tvcfg_config.nr_guests; g++) {
			const struct tv_guest_config *gc = &tvcfg_config.guests[g];

			tvcfg_check_path(&t, "guest", gc->path, gc->path_line);
			for (unsigned int m = 0; m < gc->nr_modules; m++, modules++)
				tvcfg_check_path(&t, "module", gc->modules[m], gc->module_line[m]);
		}
	}
	if (t.missing)
		return TVCFG_STATUS_CONFIG;
	printf("tvcfg: %s: ok, %u guest(s)", t.name, tvcfg_config.nr_guests);
	if ((t.esp || t.nr_maps) && tvcfg_config.nr_guests)
		printf(", every guest and module file (%u) found", tvcfg_config.nr_guests + modules);
	printf("\n");
	return 0;
}
