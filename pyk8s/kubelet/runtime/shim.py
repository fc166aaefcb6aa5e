"""The per-container shim: one small process that owns a container for its whole life.

    python -m pyk8s.kubelet.runtime.shim --root R --bundle B --id ID --log FILE --exit-file F

Like containerd-shim and conmon, it exists so that the kubelet can restart without touching
running containers. It

1. detaches from the runtime, and becomes a *child subreaper*, so the container's init process (which `runc create` leaves
   behind) is re-parented to it and it can collect the real exit status;
2. runs `runc create` with pipes for stdout and stderr (or, for `tty: true`, a terminal whose
   master runc passes over a console socket), and for `stdin: true` keeps the container's
   stdin open; then prints `created <pid>` (or `error <message>`) on its own stdout, which
   the runtime waits for;
3. copies the container's output into the CRI log file until the container exits, and hands
   the container's input to whoever connects to `attach.sock` (AttachPoint);
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
from pyk8s.kubelet.runtime import console

PR_SET_CHILD_SUBREAPER = 36
DRAIN_AFTER_EXIT_SECONDS = 2.0
# Relative to the bundle, the shim's working directory: a Unix socket's path must be short.
CONSOLE_SOCKET = "console.sock"
ATTACH_SOCKET = "attach.sock"


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


def _create(args: argparse.Namespace, stdin: int, stdout_w: int, stderr_w: int) -> tuple[int, int]:
    """`runc create`; return the init's pid (-1 on failure) and, with a terminal, its master."""
    pid_file = os.path.join(args.bundle, "init.pid")
    command = [args.runc, "--root", args.root, "create", "--bundle", args.bundle,
               "--pid-file", pid_file, args.id]  # fmt: skip
    master = -1
    if args.tty:
        # runc create always detaches, so a terminal's master comes over a console socket
        # (console.py). The shim's cwd is the bundle: a relative path stays short enough.
        with console.listen(CONSOLE_SOCKET) as listener:
            with_console = [*command[:4], "--console-socket", CONSOLE_SOCKET, *command[4:]]
            runc = subprocess.Popen(
                with_console, stdin=subprocess.DEVNULL, stdout=stdout_w, stderr=stderr_w
            )
            try:
                master = console.accept_master(listener, lambda: runc.poll() is not None, 30.0)
            except console.ConsoleError:
                runc.kill()
            runc.wait()
            os.unlink(CONSOLE_SOCKET)
        returncode = runc.returncode
    else:
        returncode = subprocess.run(
            command, stdin=stdin, stdout=stdout_w, stderr=stderr_w
        ).returncode
    if returncode != 0:
        return -1, master
    with open(pid_file) as file:
        return int(file.read().strip()), master


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


def _copy_output_until_exit(
    pid: int, readers: dict[int, str], log: CRILogWriter, attach: AttachPoint | None
) -> int:
    wakeup_r, wakeup_w = os.pipe()
    os.set_blocking(wakeup_w, False)
    signal.set_wakeup_fd(wakeup_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector = selectors.DefaultSelector()
    for fd in readers:
        selector.register(fd, selectors.EVENT_READ)
    selector.register(wakeup_r, selectors.EVENT_READ)
    if attach is not None:
        selector.register(attach.listener, selectors.EVENT_READ)
    status: int | None = None
    deadline = None
    while readers and (deadline is None or time.monotonic() < deadline):
        for key, _ in selector.select(timeout=0.5 if deadline is None else 0.1):
            fd = key.fd
            if fd == wakeup_r:
                os.read(wakeup_r, 512)
                continue
            if attach is not None and key.fileobj is attach.listener:
                if not attach.hand_over():
                    selector.unregister(attach.listener)
                continue
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: a terminal whose last user has gone
                data = b""
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


class AttachPoint:
    """`attach.sock` in the bundle: each client that connects gets the container's input.

    For a terminal that is its master; otherwise the write end of the pipe that is the
    container's stdin. Handing the descriptor itself over, rather than relaying bytes,
    keeps the shim out of the data path and lets the kubelet resize the terminal. With
    stdinOnce the shim lets go of its own copy after the first hand-over, so the container
    sees end-of-file when that first client closes its stdin, as Kubernetes specifies.
    """

    def __init__(self, fd: int, kind: str, once: bool) -> None:
        self.fd, self.kind, self.once = fd, kind, once
        self.listener = console.listen(ATTACH_SOCKET)

    def hand_over(self) -> bool:
        """Serve one client; False once no client can be served any more."""
        connection, _ = self.listener.accept()
        with connection:
            try:
                console.send_fd(connection, f"{self.kind}\n".encode(), self.fd)
            except OSError:
                return True
        if self.once and self.kind == "stdin":
            os.close(self.fd)
            self.listener.close()
            os.unlink(ATTACH_SOCKET)
            return False
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pyk8s-shim")
    for flag in ("--root", "--bundle", "--id", "--log", "--exit-file"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--runc", default="runc")
    parser.add_argument("--memory-cgroup", default=None)
    parser.add_argument("--stdin", action="store_true", help="keep the container's stdin open")
    parser.add_argument("--stdin-once", action="store_true")
    parser.add_argument("--tty", action="store_true", help="give the container a terminal")
    args = parser.parse_args(argv)
    # Detach: the process the runtime started exits at once (so the runtime keeps no child
    # to reap); the fork carries on, in the new session, as the container's owner.
    if os.fork() > 0:
        os._exit(0)
    _become_subreaper()
    os.chdir(args.bundle)
    stdin_r, stdin_w = (
        os.pipe() if args.stdin and not args.tty else (os.open(os.devnull, os.O_RDONLY), -1)
    )
    stdout_r, stdout_w = os.pipe()
    stderr_r, stderr_w = os.pipe()
    pid, master = _create(args, stdin_r, stdout_w, stderr_w)
    for fd in (stdin_r, stdout_w, stderr_w):
        os.close(fd)
    if pid < 0:
        print("error", _read_error(stderr_r) or "runc create failed", flush=True)
        return 1
    readers = {stdout_r: "stdout", stderr_r: "stderr"}
    attach = None
    if master >= 0:
        readers[master] = "stdout"
        attach = AttachPoint(master, "tty", once=False)
    elif stdin_w >= 0:
        attach = AttachPoint(stdin_w, "stdin", once=args.stdin_once)
    print("created", pid, flush=True)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, sys.stdout.fileno())  # the runtime stops listening after the first line
    log = CRILogWriter(args.log)
    exit_code = _copy_output_until_exit(pid, readers, log, attach)
    log.close()
    _write_exit_file(args.exit_file, exit_code, _oom_killed(args.memory_cgroup))
    return 0


if __name__ == "__main__":
    sys.exit(main())
