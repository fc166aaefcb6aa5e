"""The per-container shim: one small process that owns a container for its whole life.

    python -m pyk8s.kubelet.runtime.shim --root R --bundle B --id ID --log FILE --exit-file F

Like containerd-shim and conmon, it exists so that the kubelet can restart without touching
running containers. It

1. detaches from the runtime, and becomes a *child subreaper*, so the container's init process (which `runc create` leaves
   behind) is re-parented to it and it can collect the real exit status;
2. runs `runc create` with pipes for stdout and stderr, then prints `created <pid>` (or
   `error <message>`) on its own stdout, which the runtime waits for;
3. copies the container's output into the CRI log file until the container exits;
4. writes the exit file (exit code, finish time, whether the memory cgroup OOM-killed
   anything) atomically, after the last log line, so "exited" always means "logs complete".

The container stays in runc's "stopped" state until the runtime removes it. The shim imports
only the standard library and the log writer, so it starts in a few milliseconds.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import selectors
import signal
import subprocess
import sys
import time

from pyk8s.kubelet.logs import CRILogWriter

PR_SET_CHILD_SUBREAPER = 36
DRAIN_AFTER_EXIT_SECONDS = 2.0


def _become_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _oom_killed(memory_cgroup: str | None) -> bool:
    if not memory_cgroup:
        return False
    try:
        with open(os.path.join(memory_cgroup, "memory.oom_control")) as file:
            for line in file:
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
    except OSError:
        pass
    return False


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _create(args: argparse.Namespace, stdout_w: int, stderr_w: int) -> int:
    pid_file = os.path.join(args.bundle, "init.pid")
    done = subprocess.run(
        [args.runc, "--root", args.root, "create", "--bundle", args.bundle, "--pid-file", pid_file, args.id],
        stdin=subprocess.DEVNULL, stdout=stdout_w, stderr=stderr_w,
    )  # fmt: skip
    if done.returncode != 0:
        return -1
    with open(pid_file) as file:
        return int(file.read().strip())


def _read_error(fd: int) -> str:
    os.set_blocking(fd, False)
    try:
        return os.read(fd, 65536).decode(errors="replace").strip()
    except BlockingIOError:
        return ""


def _write_exit_file(path: str, exit_code: int, oom: bool) -> None:
    record = {"exitCode": exit_code, "finishedAt": time.time(), "oomKilled": oom}
    with open(path + ".tmp", "w") as file:
        json.dump(record, file)
    os.replace(path + ".tmp", path)


def _copy_output_until_exit(pid: int, readers: dict[int, str], log: CRILogWriter) -> int:
    wakeup_r, wakeup_w = os.pipe()
    os.set_blocking(wakeup_w, False)
    signal.set_wakeup_fd(wakeup_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector = selectors.DefaultSelector()
    for fd in readers:
        selector.register(fd, selectors.EVENT_READ)
    selector.register(wakeup_r, selectors.EVENT_READ)
    status: int | None = None
    deadline = None
    while readers and (deadline is None or time.monotonic() < deadline):
        for key, _ in selector.select(timeout=0.5 if deadline is None else 0.1):
            fd = key.fd
            if fd == wakeup_r:
                os.read(wakeup_r, 512)
                continue
            data = os.read(fd, 65536)
            if data:
                log.write(readers[fd], data)
            else:
                selector.unregister(fd)
                del readers[fd]
        while status is None:  # reap every exited child; ours tells us the exit status
            try:
                reaped, child_status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if reaped == 0:
                break
            if reaped == pid:
                status = child_status
                deadline = time.monotonic() + DRAIN_AFTER_EXIT_SECONDS
    while status is None:
        reaped, child_status = os.waitpid(-1, 0)
        if reaped == pid:
            status = child_status
    return _exit_code(status)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pyk8s-shim")
    for flag in ("--root", "--bundle", "--id", "--log", "--exit-file"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--runc", default="runc")
    parser.add_argument("--memory-cgroup", default=None)
    args = parser.parse_args(argv)
    # Detach: the process the runtime started exits at once (so the runtime keeps no child
    # to reap); the fork carries on, in the new session, as the container's owner.
    if os.fork() > 0:
        os._exit(0)
    _become_subreaper()
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    pid = _create(args, stdout_w, stderr_w)
    os.close(stdout_w)
    os.close(stderr_w)
    if pid < 0:
        print("error", _read_error(stderr_r) or "runc create failed", flush=True)
        return 1
    print("created", pid, flush=True)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, sys.stdout.fileno())  # the runtime stops listening after the first line
    log = CRILogWriter(args.log)
    exit_code = _copy_output_until_exit(pid, {stdout_r: "stdout", stderr_r: "stderr"}, log)
    log.close()
    _write_exit_file(args.exit_file, exit_code, _oom_killed(args.memory_cgroup))
    return 0


if __name__ == "__main__":
    sys.exit(main())
