"""The helper behind `kubectl exec -t`: a command in a container, on a terminal of its own.

    python -S -m pyk8s.kubelet.runtime.tty_exec --root R --id ID --control-fd N -- CMD...

runc gives a process a new terminal in two ways. In the foreground it relays between the
terminal and its *own* standard streams, which only works when those are a terminal too. So
the kubelet asks for the other way, as containerd's shim does: `runc exec --detach --tty
--console-socket S`. runc then hands the terminal's master over the socket and exits, leaving
the command running. Two things follow, and this helper exists for both:

- someone must collect the command's exit status once runc is gone. The helper makes itself a
  *child subreaper*, so the orphaned command is re-parented to it, and it can wait for it;
- the kubelet needs the master. The helper passes it on over the control socket it inherited
  (fd N), with the line `started <pid>`, or sends `error <message>` if runc failed.

It then waits, writes `exit <code>` on the control socket, and ends. The kubelet relays the
master to kubectl's stream and resizes it (console.py).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import shutil
import socket
import subprocess
import sys
import tempfile

from pyk8s.kubelet.runtime import console

PR_SET_CHILD_SUBREAPER = 36
CONSOLE_TIMEOUT_SECONDS = 10.0


def _become_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _start(args: argparse.Namespace, workdir: str) -> tuple[int, int]:
    """Run `runc exec --detach --tty`; return (the command's pid, the terminal's master)."""
    socket_path, pid_file = os.path.join(workdir, "console.sock"), os.path.join(workdir, "pid")
    with console.listen(socket_path) as listener:
        runc = subprocess.Popen(
            [args.runc, "--root", args.root, "exec", "--detach", "--tty",
             "--console-socket", socket_path, "--pid-file", pid_file, args.id, *args.command],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            master = console.accept_master(
                listener, lambda: runc.poll() is not None, CONSOLE_TIMEOUT_SECONDS
            )
        except console.ConsoleError as err:
            runc.kill()
            _, errors = runc.communicate()
            raise console.ConsoleError(
                errors.decode(errors="replace").strip() or str(err)
            ) from None
        _, errors = runc.communicate()
    if runc.returncode != 0:
        console.close_quietly(master)
        raise console.ConsoleError(errors.decode(errors="replace").strip() or "runc exec failed")
    with open(pid_file) as file:
        return int(file.read().strip()), master


def _wait(pid: int) -> int:
    """The command's exit code; other orphans re-parented to us are reaped along the way."""
    while True:
        try:
            reaped, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 255  # it was never ours: its status is lost
        if reaped == pid:
            return _exit_code(status)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pyk8s-tty-exec")
    parser.add_argument("--runc", default="runc")
    parser.add_argument("--root", required=True)
    parser.add_argument("--id", required=True)
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)
    control = socket.socket(fileno=args.control_fd)
    _become_subreaper()
    workdir = tempfile.mkdtemp(prefix="pyk8s-tty-")
    try:
        pid, master = _start(args, workdir)
    except (OSError, ValueError) as err:
        control.sendall(f"error {err}\n".encode())
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    console.send_fd(control, f"started {pid}\n".encode(), master)
    os.close(master)  # the kubelet holds it now; the terminal lives as long as it does
    code = _wait(pid)
    with contextlib.suppress(OSError):  # the kubelet went away: nobody is left to tell
        control.sendall(f"exit {code}\n".encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
