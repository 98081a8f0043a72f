"""The teacher's console of `mailflowlab serve`: the feed and the prompt (the ports for the
board are `port_plan`'s).

The feed prints what happens as it happens: each delivery and failure from the message
tracking log, and each refusal an outside client hears (`550 5.7.1 Unable to relay`,
`530 5.7.1 Client was not authenticated`, `535 5.7.3 Authentication unsuccessful`, a 451 from
a Front End with no Transport behind it). The lab writes no tracking event for a refusal in
the SMTP session, so the feed reads them in the receive connectors' protocol logs. (Exchange
writes these refusals there too; a real 2016 log also shows a FAIL event for an agent's
rejection in the session, so whether Exchange ever tracks such refusals is UNCERTAIN.)

The prompt is the teacher's console while the class works: stop and start services, put a
server in maintenance mode and back (`drain MB1`, `redirect MB1 MB2`, `resume MB1`), look at
queues and the tracking log, move the clock, send, read a mailbox's last message hop by hop,
and run the article's experiment for the whole class.
"""
from __future__ import annotations

import cmd
import shlex
import threading
import unicodedata
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from . import arguments
from .errors import LabError
from .headers import HeaderParseError, hops_table, parse_hops
from .port_plan import LOOPBACK, Listener, front_door
from .smtp.network import PortInUse
from .topology import TRANSPORT

if TYPE_CHECKING:
    from .incidents import Incident
    from .lab import Lab


# --- the feed ------------------------------------------------------------------------------------

def printable(text: object, keep_newlines: bool = False) -> str:
    """`text` as the teacher's terminal may show it: every control or format character (ESC,
    BEL, a bare CR, C1 controls, bidi overrides; LF too unless `keep_newlines`) written as
    Python writes it in a string literal, so a learner's bytes can neither repaint the screen,
    retitle the window nor start a line of their own (issue 20, D3)."""
    out = []
    for ch in str(text):
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif unicodedata.category(ch)[0] == "C":
            out.append(repr(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)


class Screen:
    """The teacher's terminal, shared by the feed and the prompt: whole lines, never mixed,
    and nothing after the last word (`close`)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._lock = threading.Lock()
        self._closed = False

    def say(self, text: str) -> None:
        """One line or several; any control character in them is shown escaped (`printable`)."""
        text = printable(text, keep_newlines=True)
        self.write(text if text.endswith("\n") else text + "\n")
        self.flush()

    def write(self, text: str) -> None:           # what cmd.Cmd calls
        with self._lock:
            if not self._closed:
                self.out.write(text)

    def close(self, last_words: str) -> None:
        """Say the last line; the prompt's thread, still reading, says nothing more."""
        self.say(last_words)
        with self._lock:
            self._closed = True

    def flush(self) -> None:
        with self._lock:
            if not self._closed:
                self.out.flush()


class Feed:
    """New tracking events and protocol log rows since the last call, as lines for the teacher.

    It counts the items it took, not the length of the list afterwards: the lab's thread keeps
    appending while lines are printed, and those must be printed next time (issue 13, D4).
    What a learner sent is shown escaped (`printable`). A refusal names the command it answers,
    also when a client pipelines several (each reply answers the oldest command still waiting).
    A burst of one refusal to one client (a script in a loop) shows its first REPEATS lines;
    the rest are counted in one line once a call finds no more of them (issue 20, D7)."""

    #: The same refusal to the same client shown this many times in a burst, then counted.
    REPEATS = 2

    def __init__(self, lab: Lab, every_line: bool = False) -> None:
        self.lab = lab
        self.every_line = every_line
        self._events = 0
        self._rows = 0
        #: Per session: commands heard and not yet answered, and the last one answered.
        self._waiting: dict[str, deque[str]] = {}
        self._answered: dict[str, str] = {}
        #: Per (connector, client, refusal): how many in the current burst, and how many of
        #: them have not been shown.
        self._burst: Counter[tuple[str, str, str]] = Counter()
        self._untold: Counter[tuple[str, str, str]] = Counter()

    def lines(self) -> list[str]:
        shown: list[str] = []
        events = self.lab.tracking_events(self._events)
        self._events += len(events)
        for e in events:
            if e.EventId in ("DELIVER", "FAIL"):
                shown.append(printable(f"{e.Timestamp:%H:%M:%S} {e.EventId} {';'.join(e.Recipients)} <- "
                                       f"{e.Sender or '<>'} '{e.MessageSubject}' on {e.ServerHostname} "
                                       f"{e.RecipientStatus}"))
        rows = self.lab.protocol_log_rows(self._rows)
        self._rows += len(rows)
        outside = f"{self.lab.network.outside_client.ip}:"
        seen: set[tuple[str, str, str]] = set()
        for row in rows:
            when, connector, session, remote = row.date_time, row.connector_id, str(row.session_id), row.remote_endpoint
            event, data = row.event, str(row.data)
            if event == "-":                                  # the session is over
                self._waiting.pop(session, None)
                self._answered.pop(session, None)
            if not str(remote).startswith(outside) or event not in "<>":
                continue
            if self.every_line:
                shown.append(printable(f"{connector} {session} {event} {data}"))
            if event == "<":
                self._waiting.setdefault(session, deque()).append(data)
                continue
            said = self._answer(session, data)
            if data[:1] not in "45":
                continue
            client = str(remote).rpartition(":")[0]
            key = (str(connector), client, data)
            seen.add(key)
            self._burst[key] += 1
            if self._burst[key] <= self.REPEATS:
                local = datetime.fromisoformat(str(when).replace("Z", "+00:00")).astimezone(self.lab.org.tz)
                shown.append(printable(f"{local:%H:%M:%S} REFUSED {connector} {client}: {said} -> {data}"))
            else:
                self._untold[key] += 1
        for key in [k for k in self._burst if k not in seen]:     # bursts that are over
            connector, client, data = key
            if self._untold[key]:
                shown.append(printable(f"... and {self._untold[key]} more REFUSED {connector} {client}: -> {data}"))
            del self._burst[key], self._untold[key]
        return shown

    def _answer(self, session: str, reply: str) -> str:
        """The command a reply answers: the oldest one waiting (a line of a multi-line reply,
        `250-...`, answers nothing yet); with none waiting (the banner, the reply after the
        message or an AUTH answer), the last one answered."""
        waiting = self._waiting.get(session)
        if reply[3:4] != "-" and waiting:
            self._answered[session] = waiting.popleft()
        elif reply[3:4] == "-" and waiting:
            return waiting[0]
        return self._answered.get(session, "(connecting)")


def watch_connectors(lab: Lab) -> None:
    """Turn on Verbose protocol logging on every receive connector: where refusals are written."""
    for c in lab.org.receive_connectors:
        c.protocol_logging = "Verbose"


# --- the prompt ------------------------------------------------------------------------------------

TRACKING_COLUMNS = ["Timestamp", "ServerHostname", "EventId", "Sender", "Recipients", "MessageSubject"]
UNITS = {"s": "seconds", "sec": "seconds", "second": "seconds", "seconds": "seconds",
         "m": "minutes", "min": "minutes", "minute": "minutes", "minutes": "minutes",
         "h": "hours", "hour": "hours", "hours": "hours", "d": "days", "day": "days", "days": "days"}


class Prompt(cmd.Cmd):
    """The teacher's prompt while the lab serves. Type `help` for the commands.

    Built on the standard library's `cmd` module: it already parses a line into a command and
    its argument, lists the commands and their docstrings for `help`, and reads from any stream,
    so a test feeds it lines and a pipe drives `mailflowlab serve` with no terminal at all.
    Every command calls the Lab's public API; a mistake gets one sentence, never a traceback."""

    def __init__(self, lab: Lab, screen: Screen, stdin: TextIO, *, interactive: bool,
                 on_quit: Callable[[], None] = lambda: None, learner_host: str = LOOPBACK,
                 incident: Incident | None = None) -> None:
        super().__init__(stdin=stdin, stdout=screen)  # type: ignore[arg-type]
        self.lab = lab
        self.incident = incident                  # the ticket the class works on (serve --incident)
        self.screen = screen
        self.learner_host = learner_host          # the address learners telnet to
        self.use_rawinput = False
        self.prompt = "mailflowlab> " if interactive else ""
        self.on_quit = on_quit

    # --- plumbing ---------------------------------------------------------------------------
    def onecmd(self, line: str) -> bool:
        try:
            return super().onecmd(line)
        except (LabError, HeaderParseError) as exc:
            self.screen.say(str(exc))
        except PortInUse as exc:                       # a fixed port another program took meanwhile
            self.screen.say(f"Port {exc.port} on this machine is taken by another program, so the service "
                            "can't listen on it again (as Exchange, it won't move to another port); free "
                            "the port and type the command again.")
        except Exception as exc:                       # the lab's own trouble, said in one line
            self.screen.say(f"The lab could not do that: {type(exc).__name__}: {exc}".splitlines()[0])
        return False

    def emptyline(self) -> bool:
        return False                                   # (cmd would repeat the last command)

    # cmd's onecmd() returns what default() returns, and True stops the loop: typeshed says None.
    def default(self, line: str) -> bool:  # type: ignore[override]
        if line == "EOF":
            self.screen.say("The prompt is closed (end of input); the lab keeps serving until Ctrl-C.")
            return True
        self.screen.say(f"500 5.3.3 Unrecognized command '{line.split()[0]}'. Type help for the commands.")
        return False

    def _words(self, arg: str, usage: str, least: int) -> list[str]:
        try:
            words = shlex.split(arg)
        except ValueError:
            words = []
        if len(words) < least:
            raise LabError(f"Usage: {usage}")
        return words

    def _table(self, frame: Any, empty: str) -> None:
        self.screen.say(str(frame) if len(frame) else empty)

    # --- services ------------------------------------------------------------------------------
    def do_services(self, arg: str) -> None:
        """services: every transport service and whether it runs (Get-Service)."""
        self._table(self.lab.services_table(), "This organization runs no transport service.")

    def do_stop(self, arg: str) -> None:
        """stop SERVER SERVICE: Stop-Service, e.g. stop MB1 Transport. Its listeners close."""
        server, *service = self._words(arg, "stop SERVER SERVICE, e.g. stop MB1 Transport", 2)
        self.lab.stop_service(server, " ".join(service))
        self.screen.say(f"{' '.join(service)} on {server} stopped.")

    def do_start(self, arg: str) -> None:
        """start SERVER SERVICE: Start-Service, e.g. start MB1 Transport. Waiting mail moves on."""
        server, *service = self._words(arg, "start SERVER SERVICE, e.g. start MB1 Transport", 2)
        self.lab.start_service(server, " ".join(service))
        self.screen.say(f"{' '.join(service)} on {server} started.")

    # --- maintenance mode ---------------------------------------------------------------------
    def do_drain(self, arg: str) -> None:
        """drain SERVER: maintenance mode begins, Set-ServerComponentState SERVER -Component
        HubTransport -State Draining -Requester Maintenance. New mail goes to the other servers."""
        [server] = self._words(arg, "drain SERVER, e.g. drain MB1", 1)[:1]
        self.lab.set_server_component_state(server, "HubTransport", "Draining", "Maintenance")
        self.screen.say(f"HubTransport on {server} is Draining: it takes no new message "
                        "(421 4.3.2 Service not available) and delivers what it holds.")

    def do_redirect(self, arg: str) -> None:
        """redirect SERVER TARGET: Redirect-Message -Server SERVER -Target TARGET (its FQDN):
        the messages waiting in SERVER's delivery queues move to TARGET."""
        server, target = self._words(arg, "redirect SERVER TARGET, e.g. redirect MB1 MB2", 2)[:2]
        moved = self.lab.redirect_message(server, target)
        self.screen.say(f"{moved} message(s) moved from {server}'s delivery queues to {target}.")

    def do_resume(self, arg: str) -> None:
        """resume SERVER: maintenance mode ends, Set-ServerComponentState SERVER -Component
        HubTransport -State Active -Requester Maintenance."""
        [server] = self._words(arg, "resume SERVER, e.g. resume MB1", 1)[:1]
        self.lab.set_server_component_state(server, "HubTransport", "Active", "Maintenance")
        state = self.lab.server_component_state(server).where(Component="HubTransport")["State"][0]
        self.screen.say(f"HubTransport on {server} is {state}.")

    def do_endpoints(self, arg: str) -> None:
        """endpoints: every listener, its Exchange address and its port here."""
        self._table(self.lab.endpoints(), "No listener.")

    # --- mail -----------------------------------------------------------------------------------
    def do_queues(self, arg: str) -> None:
        """queues: Get-Queue on every server."""
        self._table(self.lab.queues(), "No queue holds mail.")

    def do_tracking(self, arg: str) -> None:
        """tracking [N]: the last N (10) events of Get-MessageTrackingLog."""
        words = self._words(arg, "tracking [N]", 0)
        if words and not words[0].isdigit():
            raise LabError(f"Usage: tracking [N], where N is a number of events, not '{words[0]}'.")
        log = self.lab.tracking_log()
        count = int(words[0]) if words else 10
        self._table(log.select(*TRACKING_COLUMNS)[-count:] if count else log[:0], "No message has been tracked yet.")

    def do_advance(self, arg: str) -> None:
        """advance N [seconds|minutes|hours|days]: move virtual time (minutes unless told); due retries run."""
        words = self._words(arg, "advance N [seconds|minutes|hours|days], e.g. advance 10 minutes", 1)
        unit = UNITS.get(words[1].lower() if len(words) > 1 else "minutes")
        if unit is None or len(words) > 2:
            raise LabError(f"Usage: advance N [seconds|minutes|hours|days]; '{' '.join(words[1:])}' is not a unit.")
        try:
            amount = float(words[0])
        except ValueError:
            raise LabError(f"advance takes a number, like advance 10 minutes, not '{words[0]}'.") from None
        now = self.lab.advance(**{unit: amount})
        self.screen.say(f"The clock is now {now:%a %d %b %Y %H:%M:%S %z}.")

    def do_send(self, arg: str) -> None:
        """send FROM TO[,TO...] [SUBJECT]: send as Outlook does, e.g. send alice bob Hello."""
        sender, to, *subject = self._words(arg, "send FROM TO [SUBJECT], e.g. send alice bob Hello", 2)
        recipients = arguments.recipients([self._address(a) for a in to.split(",") if a])
        sent = self.lab.send(arguments.address(self._address(sender), "sender"), recipients, subject=" ".join(subject))
        self.screen.say(f"Sent {sent.message_id} from {sent.sender} to {', '.join(sent.recipients)}.")

    def do_mailboxes(self, arg: str) -> None:
        """mailboxes: every mailbox in the organization and how many messages its Inbox holds."""
        for address in self.lab.mailboxes():
            self.screen.say(f"{address}  {len(self.lab.mailbox(address).messages)} message(s)")

    def do_last(self, arg: str) -> None:
        """last MAILBOX: the last message in a mailbox and its hops, oldest first."""
        address = self._address(self._words(arg, "last MAILBOX, e.g. last bob", 1)[0])
        messages = self.lab.mailbox(address).messages
        if not messages:
            self.screen.say(f"{address} has no messages yet.")
            return
        msg = messages[-1]
        self.screen.say("\n".join(f"{name}: {printable(msg[name])}" for name in ("From", "Subject", "Message-ID")))
        self.screen.say(str(hops_table(parse_hops(msg))))

    def _address(self, name: str) -> str:
        """`bob` -> `bob@<the organization's domain>`: less to type at the prompt."""
        return name if "@" in name else f"{name}@{self.lab.org.domain}"

    # --- the article's experiment -----------------------------------------------------------------
    def do_experiment(self, arg: str) -> None:
        """experiment [end]: stop Transport on every Mailbox server, so a learner who telnets to
        the Front End hears 451 after the message's final '.'; `experiment end` starts it again."""
        servers = [s.name for s in self.lab.org.servers if TRANSPORT in s.services]
        if not servers:
            raise LabError("This organization has no 2013 Transport service to stop; use exchange2013demo.")
        if arg.strip() == "end":
            for server in servers:
                self.lab.start_service(server, TRANSPORT)
            self.screen.say(f"Transport runs again on {', '.join(servers)}; mail that waited moves on.")
            return
        if arg.strip():
            raise LabError("Usage: experiment, or experiment end.")
        for server in servers:
            self.lab.stop_service(server, TRANSPORT)
        door = front_door(self.lab)
        where = (f"{self.learner_host} {self.lab.endpoint(door[0], self._connector(door))[1]}" if door
                 else "(no Front End)")
        self.screen.say(
            f"Transport is stopped on {', '.join(servers)}. Learners: telnet {where}, then type\n"
            f"  EHLO learner\n  MAIL FROM:<you@fabrikam.com>\n  RCPT TO:<{self.lab.mailboxes()[0]}>\n"
            "  DATA\n  Subject: test\n  (an empty line, a line of text)\n  .\n"
            "Front End Transport accepts everything up to the final '.', then finds no Transport to proxy to:\n"
            "  451 4.7.0 Temporary server error. Please try again later. PRX5\n"
            "The message stays with the sender, who must retry. Type 'experiment end' to start Transport again.")

    def _connector(self, listener: Listener) -> str:
        server, port = listener
        return next(c.name for c in self.lab.org.connectors_of(server) if c.port == port)

    # --- an incident for the class (serve --incident ID) ----------------------------------------------
    def _ticket(self) -> Incident:
        if self.incident is None:
            raise LabError("No incident is running: start it with mailflowlab serve --incident ID [--seed N].")
        return self.incident

    def do_incident(self, arg: str) -> None:
        """incident: the user's report the class works on (read it out; it never names the cause)."""
        ticket = self._ticket()
        self.screen.say(f"Ticket {ticket.id} (seed {ticket.seed}): {ticket.report}")

    def do_hint(self, arg: str) -> None:
        """hint: the next hint for the class: a symptom, then a tool, then the object at fault."""
        self.screen.say(self._ticket().hint())

    def do_verify(self, arg: str) -> None:
        """verify: send fresh mail along every path of the incident and say whether it is fixed."""
        self.screen.say(str(self._ticket().verify()))

    def do_reveal(self, arg: str) -> None:
        """reveal: the answer key: what is broken and the known fix (PowerShell, and the lab's call)."""
        self.screen.say(self._ticket().reveal())

    # --- leaving ------------------------------------------------------------------------------------
    def do_quit(self, arg: str) -> bool:
        """quit: stop the lab (as Ctrl-C does) and close every listener."""
        self.on_quit()
        return True

    do_exit = do_quit
