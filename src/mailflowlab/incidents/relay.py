"""Incidents with a device that relays through Exchange: a multifunction printer that e-mails
scans to customers through a relay connector on the Front End (chapter 3).

The relay connector is what Microsoft's "Allow anonymous relay on a receive connector" page
builds: Front End Transport, port 25, RemoteIPRanges the device's address only, and
ms-Exch-SMTP-Accept-Any-Recipient for ANONYMOUS LOGON. The fix must keep it that narrow:
verify() fails a connector opened to the Internet or to a whole network.
"""
from __future__ import annotations

from random import Random

from .. import scenarios
from ..lab import Lab
from ..topology import Organization, SendConnector
from . import cast
from .model import Facts, IncidentSpec, Path, Staged, device, internal, step
from .probes import send

RELAY_NAMES = ("Relay MFP-3F", "Scanners Level 2", "Anonymous Relay - Copiers", "MFP Relay", "Relay Printers East")
DEVICE_SENDERS = ("scanner", "mfp", "copier", "scan-to-mail")


def _with_relay_org(rng: Random) -> Organization:
    org = cast.staffed(scenarios.exchange2013demo(), rng)
    org.send_connectors.append(SendConnector("Internet Mail", ("*",), cast.MAILBOX_SERVERS))
    return org


def _device_facts(lab: Lab, rng: Random) -> dict[str, str]:
    """Who the printer mails, its name, the relay connector's name and the printer's old and new IP."""
    user, colleague = cast.pair(lab, rng)
    subnet = f"10.0.{rng.randint(3, 9)}"
    old, new = rng.sample(range(20, 240), 2)
    customer = cast.outsiders(rng, 1)[0]
    return cast.named(lab, user=user, colleague=colleague, customer=customer, connector=rng.choice(RELAY_NAMES),
                      device_sender=f"{rng.choice(DEVICE_SENDERS)}@{lab.org.domain}",
                      old_ip=f"{subnet}.{old}", device_ip=f"{subnet}.{new}")


def _device_paths(f: Facts) -> tuple[Path, ...]:
    return (device(f["device_ip"], "CA1", f["device_sender"], f["customer"]),
            device(f["device_ip"], "CA1", f["device_sender"], f["user"]),
            internal(f["user"], f["colleague"]))


# --- The printer got a new address; the relay connector still lists the old one --------------------

def _stage_scope(lab: Lab, rng: Random) -> Staged:
    f = _device_facts(lab, rng)
    lab.new_receive_connector("CA1", f["connector"], remote_ip_ranges=[f["old_ip"]], anonymous_relay=True)
    send(lab, device(f["old_ip"], "CA1", f["device_sender"], f["customer"]), "Scanned contract")
    lab.advance(hours=rng.randint(12, 20))
    send(lab, device(f["device_ip"], "CA1", f["device_sender"], f["customer"]), "Scanned contract")
    lab.advance(minutes=rng.randint(5, 30))
    return Staged(f)


RELAY_SCOPE = IncidentSpec(
    id="mfp-relay-scope",
    title="The scanner can no longer e-mail scans to customers",
    chapters=(3,),
    scenario=_with_relay_org,
    stage=_stage_scope,
    report=("{user_name} says the multifunction printer on level 3 (its display says {device_ip}, sender "
            "{device_sender}) shows 'Send error' for every scan to a customer since the office moved its "
            "printers to the new network; scans to {user_name}'s own mailbox still arrive."),
    hints=("Scans to colleagues arrive and scans to customers do not: what does Exchange need before it "
           "sends mail for an anonymous caller to a domain it does not own? Look at the reply the printer got.",
           "Send as the printer does (lab.smtp_session with as_ip, from the printer's address) and "
           "compare with what the receive connectors list (Get-ReceiveConnector: RemoteIPRanges).",
           "The object at fault: the RemoteIPRanges of the relay connector '{connector}' on CA1."),
    faults=("The relay connector '{connector}' lists the printer's old address {old_ip}; the printer now "
            "comes from {device_ip}, so the Default Frontend answers 550 5.7.1 Unable to relay.",),
    paths=_device_paths,
    fix=lambda f: (step(f"Set-ReceiveConnector 'CA1\\{f['connector']}' -RemoteIPRanges {f['device_ip']}",
                        "set_receive_connector", "CA1", f["connector"], remote_ip_ranges=[f["device_ip"]]),),
    sources=("exchange2013-facts.md §2.1; Microsoft: Allow anonymous relay on Exchange servers",),
)


# --- Two faults after a change window: the relay connector disabled, the send connector narrowed ---

def _stage_two(lab: Lab, rng: Random) -> Staged:
    f = _device_facts(lab, rng)
    partner = rng.choice(cast.PARTNER_DOMAINS)
    customer = rng.choice([a for a in cast.OUTSIDERS if not a.endswith("@" + partner)])
    f = {**f, "customer": customer, "partner": partner, "send_connector": "Internet Mail"}
    lab.new_receive_connector("CA1", f["connector"], remote_ip_ranges=[f["device_ip"]], anonymous_relay=True)
    send(lab, device(f["device_ip"], "CA1", f["device_sender"], customer), "Signed delivery note")
    lab.advance(hours=rng.randint(10, 14))
    lab.set_receive_connector("CA1", f["connector"], enabled=False)
    lab.set_send_connector("Internet Mail", address_spaces=[partner])
    lab.advance(minutes=rng.randint(30, 90))
    send(lab, device(f["device_ip"], "CA1", f["device_sender"], customer), "Signed delivery note")
    return Staged(f)


RELAY_TWO_FAULTS = IncidentSpec(
    id="mfp-after-change-window",
    title="Scans to customers fail after last night's change window",
    chapters=(3, 2),
    scenario=_with_relay_org,
    stage=_stage_two,
    report=("After last night's change window the scanner ({device_ip}, sender {device_sender}) fails "
            "('SMTP error') on every scan to a customer, {user_name} says; {customer} is still waiting for "
            "the signed delivery note."),
    hints=("Start with what the printer hears when it sends to a customer; fix that, then follow the "
           "message: there may be a second thing in its way.",
           "Get-ReceiveConnector on CA1 (Enabled, RemoteIPRanges), then Get-Queue and Get-SendConnector "
           "for mail that was accepted but does not leave.",
           "The objects at fault: the relay connector '{connector}' on CA1, and the AddressSpaces of the "
           "send connector '{send_connector}'."),
    faults=("The relay connector '{connector}' was disabled: the printer now meets the Default Frontend, "
            "which answers 550 5.7.1 Unable to relay.",
            "The send connector '{send_connector}' was narrowed to {partner}: mail to other domains waits "
            "in the Unreachable queue."),
    paths=lambda f: (device(f["device_ip"], "CA1", f["device_sender"], f["customer"]),
                     device(f["device_ip"], "CA1", f["device_sender"], f"sales@{f['partner']}"),
                     internal(f["user"], f["colleague"])),
    fix=lambda f: (step(f"Set-ReceiveConnector 'CA1\\{f['connector']}' -Enabled $true",
                        "set_receive_connector", "CA1", f["connector"], enabled=True),
                   step(f"Set-SendConnector '{f['send_connector']}' -AddressSpaces *",
                        "set_send_connector", f["send_connector"], address_spaces=["*"])),
    sources=("exchange2013-facts.md §2.1 and §2.2",),
)


INCIDENTS = (RELAY_SCOPE, RELAY_TWO_FAULTS)
