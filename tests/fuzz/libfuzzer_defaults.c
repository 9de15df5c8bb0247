/* SPDX-License-Identifier: MIT */
/* Linked into the libFuzzer executables only: when a fuzz_<target> is
 * started without a corpus directory (flags such as -max_total_time are
 * fine), it fuzzes from its own corpus. New inputs go to a work directory
 * in the build tree (TK_FUZZ_WORK_DIR, listed first, the one libFuzzer
 * writes to); the committed corpus (TK_FUZZ_CORPUS_DIR) is only read. */
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static char work[] = TK_FUZZ_WORK_DIR;
    static char corpus[] = TK_FUZZ_CORPUS_DIR;
    char **nargv;
    int i;

    for (i = 1; i < *argc; i++) {
        if ((*argv)[i][0] != '-')
            return 0; /* the caller named inputs or directories */
    }
    /* Never freed: libFuzzer keeps pointing into argv. */
    nargv = calloc((size_t)*argc + 3, sizeof *nargv);
    if (nargv == NULL)
        return 0;
    memcpy(nargv, *argv, (size_t)*argc * sizeof *nargv);
    nargv[*argc] = work;
    nargv[*argc + 1] = corpus;
    *argc += 2;
    *argv = nargv;
    return 0;
}
