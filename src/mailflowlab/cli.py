"""`mailflowlab course [DIR]`: the chapters in a folder of your own, opened in JupyterLab.

    $ pip install "mailflowlab[course]"
    $ mailflowlab course                  # copies them into ./mailflowlab-course, opens 00-welcome
    $ mailflowlab course --no-browser DIR # only copies them

A chapter you changed is never overwritten (see `course_folder`). `mailflowlab --version`
prints the version.

`mailflowlab serve [SCENARIO]`: start a lab and leave it running for real clients.

    $ mailflowlab serve exchange2013demo --edge 2013
    $ telnet 127.0.0.1 <port printed beside "Default internal receive connector EDGE2013">

It prints every listener with its Exchange name and port beside the loopback address to
use, and a line "Learners: telnet HOST PORT" for the Front End's port 25. Mail that telnet,
swaks or curl hand over moves on by itself; each delivery, and each refusal an outside client
hears (550 5.7.1 relay, 530, 535, 451), is printed as it happens. With `--protocol-log` each
line an outside client sends, and each reply, is printed too: a teacher can show the class
what every learner typed and what Exchange answered.

The teacher types commands while it serves (`help` lists them; see `classroom.Prompt`).
`--base-port N` gives every listener a fixed port in a documented order (`classroom`), and
`--listen ADDRESS` opens the learners' listeners (port 25 and 587 of the Front End and the
MX) to other machines; everything else stays on 127.0.0.1. `quit`, Ctrl-C or SIGTERM closes
the lab: no listener is left.

    $ mailflowlab incidents                                  # the catalogue: ids, chapters, titles
    $ mailflowlab serve --incident mfp-relay-scope --seed 7  # the lab starts broken

With `--incident ID` the lab starts with that incident's fault in place and some mail already
affected; the ticket (the user's report) is printed, learners diagnose with telnet or swaks,
and the teacher's prompt adds `incident` (the report again), `hint`, `verify` (fresh mail along
every path, graded) and `reveal` (the answer key). Every learner given the same `--seed` meets
the same people, servers and names.
"""
from __future__ import annotations

import argparse
import importlib.util
import inspect
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from . import __version__, arguments, browser, classroom, course_folder, incidents, port_plan, scenarios
from .errors import LabError
from .lab import Lab
from .smtp.network import Peer, PortInUse
from .topology import LAB_PASSWORD, Organization

#: Exit code for a usage error (bad scenario, port in use), as argparse uses.
USAGE_ERROR = 2
#: How often the feed looks for new events, in seconds.
FEED_INTERVAL = 0.2


def scenario_names() -> list[str]:
    """The scenarios a lab can be started with: every public function of `scenarios`."""
    return sorted(n for n, f in vars(scenarios).items()
                  if inspect.isfunction(f) and not n.startswith("_") and f.__module__ == scenarios.__name__)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mailflowlab", description="Mail Flow Lab: Exchange 2013 mail flow on 127.0.0.1")
    p.add_argument("--version", action="version", version=f"mailflowlab {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    course = sub.add_parser("course", help="copy the chapters into a folder of your own and open them in JupyterLab")
    course.add_argument("folder", nargs="?", default=course_folder.DEFAULT_FOLDER,
                        help=f"where the chapters go (default: ./{course_folder.DEFAULT_FOLDER}); "
                             "a chapter you changed there is kept")
    course.add_argument("--no-browser", action="store_true",
                        help="only copy the chapters; do not start JupyterLab")
    serve = sub.add_parser("serve", help="start a lab and print its listeners for telnet, swaks or curl")
    serve.add_argument("scenario", nargs="?", default=None,
                       help=f"one of: {', '.join(scenario_names())} (default exchange2013demo)")
    serve.add_argument("--incident", metavar="ID",
                       help="start the lab broken, with this incident's fault in place (see: mailflowlab incidents)")
    serve.add_argument("--seed", default="0", help="with --incident: who and what it affects (default 0)")
    serve.add_argument("--edge", choices=["2010", "2013"], help="exchange2013demo only: add an Edge server")
    serve.add_argument("--port", help="loopback port for the MX's port-25 listener (default: any free one)")
    serve.add_argument("--base-port", help="fixed ports for every listener: this one and up, in a documented order")
    serve.add_argument("--listen", metavar="ADDRESS", default=port_plan.LOOPBACK,
                       help="also open the learners' listeners (port 25 and 587) on this address, "
                            "e.g. 0.0.0.0 for every interface (default: 127.0.0.1 only); needs --base-port")
    serve.add_argument("--client-ip", default=None,
                       help="simulated IP that outside clients appear from (default 203.0.113.50)")
    serve.add_argument("--protocol-log", action="store_true",
                       help="print every line outside clients say and hear (refusals are always printed)")
    sub.add_parser("incidents", help="list the incidents a teacher can start with serve --incident")
    return p


def list_incidents() -> int:
    """`mailflowlab incidents`: every incident's id, chapters and title."""
    print(incidents.catalogue())
    print("Start one for the class: mailflowlab serve --incident ID [--seed N]")
    return 0


def _fail(message: str) -> int:
    print(f"mailflowlab: error: {message}", file=sys.stderr)
    return USAGE_ERROR


def _port_option(value: str | None, option: str) -> int | None:
    """A port option as typed: None when absent, else a port from 1 to 65535 (or LabError)."""
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise LabError(f"{option} must be a TCP port from 1 to 65535, not '{value}'.") from None
    return arguments.port(number, option)


def _wanted_ports(org: Organization, args: argparse.Namespace) -> dict[port_plan.Listener, int]:
    """The fixed ports asked for: --base-port for every listener, --port for the MX's port 25."""
    wanted: dict[port_plan.Listener, int] = {}
    base = _port_option(args.base_port, "--base-port")
    if base is not None:
        wanted = port_plan.fixed_ports(org, base)
    port = _port_option(args.port, "--port")
    if port is not None:
        if not org.mx:
            raise LabError("this scenario has no MX listener on port 25 to put on --port")
        wanted[(org.mx, 25)] = port
    return wanted


def _listen_address(args: argparse.Namespace) -> str:
    address = arguments.ip_address(args.listen, "--listen")
    if address != port_plan.LOOPBACK and args.base_port is None:
        raise LabError("--listen needs --base-port: learners on other machines need ports you can write on the board")
    return address


def course(args: argparse.Namespace) -> int:
    """Copy the chapters into the learner's folder, then open the first one in JupyterLab."""
    folder = Path(args.folder).expanduser().resolve()
    try:
        report = course_folder.copy_chapters(folder)
    except OSError as exc:
        return _fail(f"cannot copy the chapters into {folder}: {exc.strerror or exc}")
    print(report.summary(folder))
    if args.no_browser:
        print(f"Open them with: jupyter lab {course_folder.FIRST_CHAPTER}  (in {folder})")
        return 0
    if importlib.util.find_spec("jupyterlab") is None:
        return _fail('JupyterLab is not installed in this Python; install it with: pip install "mailflowlab[course]"')
    # Jupyter refuses to run as root unless told to (containers often are root); Windows has no root.
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    lab = subprocess.Popen([sys.executable, "-m", "jupyterlab", *as_root, course_folder.FIRST_CHAPTER], cwd=folder)
    while True:
        try:
            return lab.wait()
        except KeyboardInterrupt:       # JupyterLab answers Ctrl-C itself (it asks to confirm)
            continue


def _incident(args: argparse.Namespace) -> tuple[incidents.IncidentSpec, int] | None:
    """The incident and seed asked for, checked (or None without --incident)."""
    if args.incident is None:
        return None
    if args.scenario is not None or args.edge:
        raise LabError("--incident starts its own organization: leave out the scenario and --edge")
    try:
        seed = int(args.seed)
    except ValueError:
        raise LabError(f"--seed must be a whole number, like 7, not '{args.seed}'") from None
    return incidents.get(args.incident), seed


def serve(args: argparse.Namespace) -> int:
    try:
        ticket = _incident(args)
    except LabError as exc:
        return _fail(str(exc).rstrip("."))
    if ticket is not None:
        org = incidents.organization(*ticket)
    else:
        args.scenario = args.scenario or "exchange2013demo"
        if args.scenario not in scenario_names():
            return _fail(f"unknown scenario '{args.scenario}'; choose one of: {', '.join(scenario_names())}")
        build = getattr(scenarios, args.scenario)
        if args.edge and args.scenario != "exchange2013demo":
            return _fail(f"--edge applies to exchange2013demo only, not to '{args.scenario}'")
        org = build(edge=args.edge) if args.edge else build()
    try:
        client_ip = (arguments.ip_address(args.client_ip, "--client-ip")
                     if args.client_ip is not None else None)
        wanted = _wanted_ports(org, args)
        address = _listen_address(args)
    except LabError as exc:
        return _fail(str(exc).rstrip("."))
    port_for, hosts_for = port_plan.socket_settings(org, wanted, address, port_plan.learner_listeners(org))
    incident: incidents.Incident | None = None
    try:
        if ticket is not None:
            incident = incidents.start(ticket[0].id, ticket[1], "sockets", port_for=port_for, hosts_for=hosts_for)
            lab = incident.lab
        else:
            lab = Lab(org, transport="sockets", port_for=port_for, hosts_for=hosts_for).start()
    except PortInUse as exc:
        flag = "--port" if args.base_port is None else "--base-port"
        return _fail(f"port {exc.port} on 127.0.0.1 is in use; pick another or leave {flag} out")
    if client_ip is not None:
        lab.network.outside_client = Peer("unknown", client_ip)
    classroom.watch_connectors(lab)
    try:
        return _run(lab, args, address, incident, wanted)
    finally:
        lab.close()


def _run(lab: Lab, args: argparse.Namespace, address: str, incident: incidents.Incident | None,
         wanted: dict[port_plan.Listener, int]) -> int:
    """Print the listeners, then the feed, while the prompt reads the teacher's commands."""
    org = lab.org
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    screen = classroom.Screen(sys.stdout)
    mx = (f"{org.tenant.mx_host} (Exchange Online Protection)" if org.tenant is not None and org.tenant.mx_at_eop
          else org.mx or "none (no way in from the Internet)")
    print(f"{org.name}: {org.domain}, MX -> {mx}")
    print(lab.endpoints().select("Server", "Service", "Connector", "ExchangeAddress", "LabAddress"))
    if address != port_plan.LOOPBACK:
        print(f"WARNING: port 25 and 587 of the Front End and the MX are open on {address}, beyond this "
              "machine; relay stays closed, but anyone who reaches this address can send mail into the lab.")
    # Learners on this machine use loopback; on others, the address asked for (or, for every
    # interface, this machine's name).
    host = {port_plan.LOOPBACK: port_plan.LOOPBACK, "0.0.0.0": socket.gethostname()}.get(address, address)
    door = port_plan.front_door(lab)
    port = port_plan.bound_ports(lab).get(door) if door is not None else None
    if door is not None and port is None:          # an incident moved it: its planned port, refused
        port = wanted.get(door)
    if door is not None:
        print(f"Learners: telnet {host} {port}" if port else
              f"Learners: nothing listens on {door[0]}'s port {door[1]} now, so it has no port here; "
              "with --base-port it keeps a fixed one")
    user = org.mailboxes[0].address
    print(f"Mailbox users log on (STARTTLS, then AUTH LOGIN) as {user}, or {org.netbios_name}\\"
          f"{user.partition('@')[0]}; every password is {LAB_PASSWORD}.")
    interactive = sys.stdin is not None and sys.stdin.isatty()
    prompt = classroom.Prompt(lab, screen, sys.stdin, interactive=interactive, on_quit=stop.set, learner_host=host,
                              incident=incident)
    if incident is not None:
        print(f"Ticket {incident.id} (seed {incident.seed}): {incident.report}")
        print("Teacher: incident (the report), hint, verify, reveal (the answer key).")
    print("Outside clients appear from", lab.network.outside_client.ip,
          "- type help for commands; quit or Ctrl-C stops.", flush=True)
    threading.Thread(target=prompt.cmdloop, name="mailflowlab prompt", daemon=True).start()
    feed = classroom.Feed(lab, every_line=args.protocol_log)
    while not stop.wait(FEED_INTERVAL):
        for line in feed.lines():
            screen.say(line)
    for line in feed.lines():
        screen.say(line)
    screen.close("Stopping the lab.")
    return 0


def main(argv: list[str] | None = None) -> int:
    if browser.IN_BROWSER:
        return _fail(browser.unavailable("serve"))
    args = _parser().parse_args(argv)
    if args.command == "course":
        return course(args)
    if args.command == "incidents":
        return list_incidents()
    try:
        return serve(args)
    except BrokenPipeError:          # e.g. `mailflowlab serve | head`: the reader went away
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
