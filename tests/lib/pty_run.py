#!/usr/bin/env python3
"""Run a command under a pseudo-terminal and answer its prompts.

The command gets a new session whose controlling terminal is the pty, so a
program that opens /dev/tty (age reading a passphrase) talks to us. By default
stdin and stdout are the pty too; stderr goes to a separate file so error
messages are not mixed with prompts and terminal output.

    pty_run.py [options] -- COMMAND [ARG...]

    -a, --answer REGEX LINE   when the terminal output shows REGEX, type LINE
                              and Enter. Rules fire in the order given, each
                              once, each looking only at output after the
                              previous match (repeat a rule for a repeated
                              prompt).
    --tty-out FILE            every byte the command wrote to the terminal
                              (stdout when it is the pty, prompts, echoes)
    --stderr FILE             the command's stderr (default: inherited)
    --stdin FILE              stdin from FILE instead of the pty
    --stdout FILE             stdout to FILE instead of the pty
    --timeout SECONDS         kill the command after this long (default 60);
                              exit status 124 then
    --eof                     after the last answer, send end-of-file (^D)

Exit status: the command's, 128+N if signal N killed it, 124 on timeout,
125 if the command could not be started.
"""

import argparse
import errno
import os
import pty
import re
import select
import signal
import sys
import termios
import time


def parse_args(argv):
    p = argparse.ArgumentParser(add_help=True)
    p.add_argument("-a", "--answer", nargs=2, action="append", default=[],
                   metavar=("REGEX", "LINE"))
    p.add_argument("--tty-out")
    p.add_argument("--stderr")
    p.add_argument("--stdin")
    p.add_argument("--stdout")
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--eof", action="store_true")
    p.add_argument("command", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    if args.command and args.command[0] == "--":
        args.command = args.command[1:]
    if not args.command:
        p.error("no command given")
    return args


def redirect(path, fd, flags):
    """Point fd at path in the child (before exec)."""
    target = os.open(path, flags, 0o644)
    os.dup2(target, fd)
    os.close(target)


def child(args):
    try:
        if args.stderr:
            redirect(args.stderr, 2, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        if args.stdin:
            redirect(args.stdin, 0, os.O_RDONLY)
        if args.stdout:
            redirect(args.stdout, 1, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.execvp(args.command[0], args.command)
    except OSError as e:
        os.write(2, ("pty_run: %s: %s\n" % (args.command[0], e)).encode())
    os._exit(125)


class Dialogue:
    """Feeds answers to the terminal as their prompts appear."""

    def __init__(self, fd, rules, eof):
        self.fd = fd
        self.rules = [(re.compile(r.encode()), (l + "\n").encode())
                      for r, l in rules]
        self.eof = eof
        self.pending = b""
        self.sent_eof = False

    def feed(self, data):
        self.pending += data
        while self.rules:
            regex, line = self.rules[0]
            m = regex.search(self.pending)
            if not m:
                break
            self.pending = self.pending[m.end():]
            self.rules.pop(0)
            self.wait_for_no_echo()
            self.write(line)
        self.maybe_eof()

    def wait_for_no_echo(self, limit=1.0):
        """Type only once the program has switched echo off (a secret
        prompt), or after `limit` seconds for prompts that keep echo on.
        Typing earlier could be discarded by a program that flushes pending
        input (TCSAFLUSH) when it changes the terminal mode. The master side
        of a Linux pty reports the slave's termios."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                if not termios.tcgetattr(self.fd)[3] & termios.ECHO:
                    break
            except termios.error:
                break
            time.sleep(0.01)
        time.sleep(0.01)

    def maybe_eof(self):
        if self.eof and not self.rules and not self.sent_eof:
            self.sent_eof = True
            self.write(b"\x04")

    def write(self, data):
        try:
            os.write(self.fd, data)
        except OSError:
            pass


def pump(pid, fd, dialogue, deadline):
    """Relay the terminal until the child exits.

    Returns (status, output); status is None on timeout. EIO on the master
    only means no process holds the slave open right now (all standard
    streams may be redirected and /dev/tty not yet opened), so it ends the
    loop only once the child has exited.
    """
    out = bytearray()
    dialogue.maybe_eof()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, out
        ready, _, _ = select.select([fd], [], [], min(left, 0.1))
        data = b""
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
        if data:
            out += data
            dialogue.feed(data)
            continue
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            out += drain(fd)
            return st, out
        if ready:  # EIO or EOF with the child alive: do not spin
            time.sleep(0.02)


def drain(fd):
    rest = bytearray()
    while select.select([fd], [], [], 0)[0]:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        rest += data
    return rest


def status_of(pid, st):
    if st is None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        return 124
    if os.WIFSIGNALED(st):
        return 128 + os.WTERMSIG(st)
    return os.WEXITSTATUS(st)


def main(argv):
    args = parse_args(argv)
    pid, fd = pty.fork()
    if pid == 0:
        child(args)
    dialogue = Dialogue(fd, args.answer, args.eof)
    st, out = pump(pid, fd, dialogue, time.monotonic() + args.timeout)
    rc = status_of(pid, st)
    os.close(fd)
    if args.tty_out:
        with open(args.tty_out, "wb") as f:
            f.write(bytes(out))
    if rc == 124:
        sys.stderr.write("pty_run: timed out after %gs: %s\n"
                         % (args.timeout, " ".join(args.command)))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
