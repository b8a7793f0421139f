#!/usr/bin/env python3
"""Drives Chimera's QMP monitor with QEMU's own client, qemu.qmp.

Two ways to run it (see Documentation/Monitor.md):

  # start `chimera run BOARD --qmp unix:PATH --preconfig` and talk to it
  python3 Tests/Python/test_qmp.py --chimera .build/debug/chimera --board hetero

  # talk to a monitor that already listens in preconfig mode
  python3 Tests/Python/test_qmp.py --connect /tmp/chimera.qmp --expect-exit-code 7

The scenario: negotiate, list types, read and set a property, start the
run paused, continue, stop and continue again while it runs, and wait for
SHUTDOWN. With --chimera, SHUTDOWN's exit-code must equal the process's
exit status; with --expect-exit-code, it must equal that number.
Exits 0 on success, 1 with a message on failure, 77 if qemu.qmp is missing.
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time

try:
    from qemu.qmp import QMPClient, ExecuteError
except ImportError:  # pragma: no cover - reported to the caller
    print("qemu.qmp is not installed: python3 -m pip install qemu.qmp", file=sys.stderr)
    sys.exit(77)


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


async def wait_for_socket(path, process, timeout):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if process is not None and process.poll() is not None:
            raise Failure(f"chimera exited with {process.returncode} before creating {path}")
        if time.monotonic() > deadline:
            raise Failure(f"{path} did not appear within {timeout} s")
        await asyncio.sleep(0.05)


async def scenario(path, timeout):
    qmp = QMPClient("chimera-test")
    await qmp.connect(path)
    try:
        check(qmp.greeting is not None, "no greeting")
        check(qmp.greeting.QMP.version["package"] == "chimera", f"unexpected greeting {qmp.greeting}")

        status = await qmp.execute("query-status")
        check(status["status"] == "prelaunch", f"expected prelaunch, got {status}")

        # Types: the core ones are always there; every listed type has a name.
        types = await qmp.execute("qom-list-types", {"abstract": True})
        names = [t["name"] for t in types]
        for required in ("machine", "cluster", "cpu", "device"):
            check(required in names, f"qom-list-types lacks {required}: {names}")
        cpus = await qmp.execute("qom-list-types", {"implements": "cpu"})
        check(len(cpus) > 0, "no concrete cpu types")

        # The schema describes commands and the properties of every type.
        schema = await qmp.execute("query-qmp-schema")
        qom = {e["name"]: e for e in schema if e["meta-type"] == "qom-type"}
        check(set(names) <= set(qom), "query-qmp-schema lacks some types")
        check(any(p["name"] == "quantum" for p in qom["machine"]["properties"]), "machine has no quantum property")

        # Read and set a property (a runtime one, so this works before and after launch).
        quantum = await qmp.execute("qom-get", {"path": "/machine", "property": "quantum"})
        check(isinstance(quantum, int) and quantum > 0, f"bad quantum {quantum!r}")
        await qmp.execute("qom-set", {"path": "/machine", "property": "quantum", "value": "5us"})
        check(await qmp.execute("qom-get", {"path": "/machine", "property": "quantum"}) == 5_000_000,
              "qom-set did not change the quantum")

        # Errors come back as ExecuteError with QEMU's classes.
        try:
            await qmp.execute("qom-get", {"path": "/machine/no-such-object", "property": "x"})
            raise Failure("qom-get of a missing object succeeded")
        except ExecuteError as err:
            check(err.error.error.class_ == "DeviceNotFound", f"wrong error class {err.error.error.class_}")

        shutdown = asyncio.get_running_loop().create_future()
        stops, resumes = [], []

        async def watch():
            async for event in qmp.events:
                if event["event"] == "STOP":
                    stops.append(event)
                elif event["event"] == "RESUME":
                    resumes.append(event)
                elif event["event"] == "SHUTDOWN" and not shutdown.done():
                    shutdown.set_result(event)

        watcher = asyncio.create_task(watch())

        # Start paused: stop before x-exit-preconfig, then the run is realized but waits.
        await qmp.execute("stop")
        await qmp.execute("x-exit-preconfig")
        status = await qmp.execute("query-status")
        check(status == {"running": False, "status": "paused"}, f"expected paused after launch, got {status}")
        cpu_list = await qmp.execute("query-cpus-fast")
        check(len(cpu_list) > 0 and all("cluster" in c and "target" in c for c in cpu_list), f"bad cpus {cpu_list}")
        await qmp.execute("cont")

        # Stop and continue the running board; it may already have ended if it is very short.
        try:
            await qmp.execute("stop")
            status = await qmp.execute("query-status")
            if status["status"] == "paused":
                pc = await qmp.execute("qom-get", {"path": cpu_list[0]["qom-path"], "property": "pc"})
                check(isinstance(pc, int), "pc is not an integer")
                await qmp.execute("cont")
            else:
                check(status["status"] in ("shutdown", "guest-panicked"), f"unexpected status {status}")
        except ExecuteError as err:
            check("ended" in err.error.error.desc, f"stop failed: {err.error.error.desc}")

        event = await asyncio.wait_for(shutdown, timeout)
        data = event["data"]
        check("virtual-time-ns" in data, f"SHUTDOWN lacks virtual time: {event}")
        check(data.get("reason") == "guest-shutdown", f"unexpected SHUTDOWN {event}")
        check(isinstance(data.get("exit-code"), int), f"SHUTDOWN lacks exit-code: {event}")
        check(len(stops) >= 1 and len(resumes) >= 1, f"expected STOP and RESUME events, got {stops} {resumes}")
        status = await qmp.execute("query-status")
        check(status["status"] == "shutdown", f"expected shutdown, got {status}")
        watcher.cancel()
        return data["exit-code"]
    finally:
        await qmp.disconnect()


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chimera", help="path of the chimera executable to start")
    parser.add_argument("--board", default="hetero", help="board to run (with --chimera)")
    parser.add_argument("--connect", help="Unix socket of a monitor that is already listening")
    parser.add_argument("--expect-exit-code", type=int, help="exit code the guest must report (with --connect)")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--run-arg", action="append", default=[],
                        help="extra argument for `chimera run` (repeatable), e.g. --run-arg=--kernel --run-arg=arm=a.elf")
    args = parser.parse_args()
    if bool(args.chimera) == bool(args.connect):
        parser.error("give exactly one of --chimera and --connect")

    process = None
    with tempfile.TemporaryDirectory(prefix="chimera-qmp-") as tmp:
        path = args.connect or os.path.join(tmp, "qmp.sock")
        if args.chimera:
            process = subprocess.Popen([args.chimera, "run", args.board, *args.run_arg, "--qmp", f"unix:{path}", "--preconfig"],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            await wait_for_socket(path, process, 30)
            code = await scenario(path, args.timeout)
            if process is not None:
                out, err = process.communicate(timeout=args.timeout)
                check(process.returncode == code,
                      f"chimera exited with {process.returncode} but SHUTDOWN said {code}\n{err.decode(errors='replace')}")
            if args.expect_exit_code is not None:
                check(code == args.expect_exit_code, f"SHUTDOWN exit-code {code}, expected {args.expect_exit_code}")
        finally:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
    print(f"ok: qemu.qmp drove the monitor; guest exit code {code}")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Failure as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        sys.exit(1)
