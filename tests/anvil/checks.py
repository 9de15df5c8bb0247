# SPDX-License-Identifier: MIT
"""Assertions and a runner shared by the anvil tests (standard library)."""

import sys
import time
import traceback


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def eq(got, want, what):
    if got != want:
        raise Fail("%s: got %r, want %r" % (what, got, want))


def run_tests(tests, *args):
    """Run every test (a failure does not stop the others); print one line
    each and the closing 'N passed, N failed'; return the exit status."""
    failed = 0
    for t in tests:
        t0 = time.monotonic()
        try:
            t(*args)
            print("ok   %s (%.1f s)" % (t.__name__, time.monotonic() - t0))
        except Exception as e:  # noqa: BLE001 - report and go on
            failed += 1
            print("FAIL %s: %s" % (t.__name__, e))
            if not isinstance(e, Fail):
                traceback.print_exc()
    print("%d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if failed else 0


def main_on_anvil(argv, doc, tests, take_tool):
    """`script TOOL`: take_tool(TOOL), then every test on one fresh anvil
    (tools/chain/tkchain.py, which the caller has put on sys.path)."""
    import tkchain
    if len(argv) != 2:
        print(doc, file=sys.stderr)
        return 2
    take_tool(argv[1])
    with tkchain.Anvil() as node:
        return run_tests(tests, node)
