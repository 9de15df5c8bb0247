/* SPDX-License-Identifier: MIT */
/* Plain replay driver: runs a fuzz target over files, with any compiler.
 *
 *   replay_<target> [file-or-dir ...]
 *
 * Without arguments it replays the target's committed corpus
 * (TK_FUZZ_CORPUS_DIR, set by CMake). Every input is copied into a buffer
 * of exactly its size, so ASan or valgrind see any read past its end. Fails
 * when an input makes the target abort (FUZZ_CHECK), crash, or when no
 * input was found (an empty corpus must not pass silently). */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static size_t replayed;

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;

    if (f == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    for (;;) {
        size_t n;
        if (len == cap) {
            size_t ncap = cap ? 2 * cap : 4096;
            uint8_t *nb = realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                fprintf(stderr, "replay: out of memory\n");
                return -1;
            }
            buf = nb;
            cap = ncap;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    /* Exactly-sized copy (malloc(0) may return NULL: pass a 1-byte buffer
     * with size 0 then, as libFuzzer does). */
    {
        uint8_t *exact = malloc(len ? len : 1);
        if (exact == NULL) {
            free(buf);
            return -1;
        }
        if (len > 0)
            memcpy(exact, buf, len);
        free(buf);
        (void)LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    replayed++;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0, i;
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ".", "..", hidden files */
        if (n == cap) {
            char **nn = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *nn);
            if (nn == NULL) {
                rc = -1;
                break;
            }
            names = nn;
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (names[n] == NULL) {
            rc = -1;
            break;
        }
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    /* Sorted: the same order on every machine. */
    if (n > 0)
        qsort(names, n, sizeof *names, cmp_names);
    for (i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            rc = replay_file(names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

static int replay_path(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return S_ISDIR(st.st_mode) ? replay_dir(path) : replay_file(path);
}

int main(int argc, char **argv)
{
    int i;

    if (argc < 2) {
#ifdef TK_FUZZ_CORPUS_DIR
        if (replay_path(TK_FUZZ_CORPUS_DIR) != 0)
            return 1;
#else
        fprintf(stderr, "usage: %s file-or-dir...\n", argv[0]);
        return 2;
#endif
    }
    for (i = 1; i < argc; i++) {
        if (replay_path(argv[i]) != 0)
            return 1;
    }
    if (replayed == 0) {
        fprintf(stderr, "replay: no input found\n");
        return 1;
    }
    printf("replayed %zu inputs\n", replayed);
    return 0;
}
