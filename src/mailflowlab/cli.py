"""`mailflowlab serve [SCENARIO]`: start a lab and leave it running for real clients.

    $ mailflowlab serve exchange2013demo --edge 2013
    $ telnet 127.0.0.1 <port printed beside "Default internal receive connector EDGE2013">

It prints every listener with its Exchange name and port beside the loopback address to
use, then waits. Mail that telnet, swaks or curl hand over moves on by itself, and each
delivery is printed as it happens. With `--protocol-log` every receive connector logs Verbose
and each line an outside client sends, and each reply, is printed too: a teacher can show the
class what every learner typed and what Exchange answered. Ctrl-C or SIGTERM closes the lab:
no listener is left.
"""
from __future__ import annotations

import argparse
import inspect
import signal
import sys
import threading

from . import scenarios
from .lab import Lab
from .smtp.network import Endpoint, Peer
from .topology import LAB_PASSWORD

#: Exit code for a usage error (bad scenario, port in use), as argparse uses.
USAGE_ERROR = 2


def scenario_names() -> list[str]:
    """The scenarios a lab can be started with: every public function of `scenarios`."""
    return sorted(n for n, f in vars(scenarios).items()
                  if inspect.isfunction(f) and not n.startswith("_") and f.__module__ == scenarios.__name__)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mailflowlab", description="Mail Flow Lab: Exchange 2013 mail flow on 127.0.0.1")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start a lab and print its listeners for telnet, swaks or curl")
    serve.add_argument("scenario", nargs="?", default="exchange2013demo",
                       help=f"one of: {', '.join(scenario_names())} (default exchange2013demo)")
    serve.add_argument("--edge", choices=["2010", "2013"], help="exchange2013demo only: add an Edge server")
    serve.add_argument("--port", type=int, help="loopback port for the MX's port-25 listener (default: any free one)")
    serve.add_argument("--client-ip", default=None,
                       help="simulated IP that outside clients appear from (default 203.0.113.50)")
    serve.add_argument("--protocol-log", action="store_true",
                       help="log every receive connector (Verbose) and print what outside clients say and hear")
    return p


def _fail(message: str) -> int:
    print(f"mailflowlab: error: {message}", file=sys.stderr)
    return USAGE_ERROR


def serve(args: argparse.Namespace) -> int:
    if args.scenario not in scenario_names():
        return _fail(f"unknown scenario '{args.scenario}'; choose one of: {', '.join(scenario_names())}")
    build = getattr(scenarios, args.scenario)
    if args.edge and args.scenario != "exchange2013demo":
        return _fail(f"--edge applies to exchange2013demo only, not to '{args.scenario}'")
    org = build(edge=args.edge) if args.edge else build()
    mx = Endpoint(org.server(org.mx).ip, 25) if org.mx else None
    if args.port is not None and mx is None:
        return _fail("this scenario has no MX listener on port 25 to put on --port")

    def port_for(endpoint: Endpoint) -> int:
        """--port puts the MX's port 25 on a fixed port; every other listener gets the OS's."""
        return args.port if endpoint == mx and args.port is not None else 0
    lab = Lab(org, transport="sockets", port_for=port_for)
    if args.client_ip:
        lab.network.outside_client = Peer("unknown", args.client_ip)
    if args.protocol_log:
        for c in org.receive_connectors:
            c.protocol_logging = "Verbose"
    try:
        lab.start()
    except OSError:
        return _fail(f"port {args.port} on 127.0.0.1 is in use; pick another or leave --port out")
    try:
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        print(f"{org.name}: {org.domain}, MX -> {org.mx or 'none (no way in from the Internet)'}")
        print(lab.endpoints().select("Server", "Service", "Connector", "ExchangeAddress", "LabAddress"))
        user = org.mailboxes[0].address
        print(f"Mailbox users log on (STARTTLS, then AUTH LOGIN) as {user}, or {org.netbios_name}\\"
              f"{user.partition('@')[0]}; every password is {LAB_PASSWORD}.")
        print("Outside clients appear from", lab.network.outside_client.ip, "- press Ctrl-C to stop.", flush=True)
        seen = logged = 0
        outside = f"{lab.network.outside_client.ip}:"
        while not stop.wait(0.2):
            events = lab.tracking.events
            for e in events[seen:]:
                if e.EventId in ("DELIVER", "FAIL"):
                    print(f"{e.Timestamp:%H:%M:%S} {e.EventId} {e.Recipients} <- {e.Sender or '<>'} "
                          f"'{e.MessageSubject}' on {e.ServerHostname} {e.RecipientStatus}", flush=True)
            seen = len(events)
            if args.protocol_log:
                log = lab.protocol_log()
                for row in log[logged:]:
                    if str(row["remote-endpoint"]).startswith(outside) and row["event"] in ("<", ">"):
                        print(f"{row['connector-id']} {row['session-id']} {row['event']} {row['data']}", flush=True)
                logged = len(log)
        print("Stopping the lab.", flush=True)
        return 0
    finally:
        lab.close()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return serve(args)
    except BrokenPipeError:          # e.g. `mailflowlab serve | head`: the reader went away
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
