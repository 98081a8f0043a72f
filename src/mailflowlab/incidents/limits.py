"""Incidents about size limits: the organization's and a receive connector's (chapter 8).

The probes carry a body the size of the attachment in the report; Exchange counts the whole
message, so a limit must be above the attachment with some room, as in real life, where
base64 adds a third (fact sheet §5.3)."""
from __future__ import annotations

from random import Random

from .. import scenarios
from ..lab import Lab
from ..topology import MB, Organization
from . import cast
from .model import IncidentSpec, Staged, inbound, internal, step
from .probes import send

DEFAULT_FRONTEND = "Default Frontend CA1"
#: Exchange 2013's defaults: MaxSendSize and MaxReceiveSize 10 MB, Default Frontend 36 MB (§2.1, §5.3).
ORG_DEFAULT = 10 * MB
FRONTEND_DEFAULT = 36 * MB


def _demo(rng: Random) -> Organization:
    return cast.staffed(scenarios.exchange2013demo(), rng)


# --- MaxSendSize set lower than a real attachment ---------------------------------------------------

def _stage_send_size(lab: Lab, rng: Random) -> Staged:
    user, colleague = cast.pair(lab, rng)
    limit = rng.choice((1, 2))
    attachment = limit + 1
    lab.set_transport_config(max_send_size=limit * MB)
    lab.advance(minutes=rng.randint(30, 90))
    facts = cast.named(lab, user=user, colleague=colleague, limit=str(limit), attachment=str(attachment))
    send(lab, internal(user, colleague, size=attachment * MB), "Floor plans")
    return Staged(facts)


ORG_SEND_SIZE = IncidentSpec(
    id="org-send-size",
    title="'Message too large for this organization' for an ordinary attachment",
    chapters=(8,),
    scenario=_demo,
    stage=_stage_send_size,
    report=("{user_name} tried to send {colleague_name} the floor plans ({attachment} MB) and got an "
            "'Undeliverable' back within a minute. Last month the same kind of file went through."),
    hints=("Read the NDR in {user_name}'s Inbox: its enhanced status code says which limit and whose.",
           "Get-MessageTrackingLog -EventId FAIL (lab.tracking_log(event_id='FAIL')), then the "
           "organization's transport settings (Get-TransportConfig).",
           "The object at fault: the organization's MaxSendSize, now {limit} MB."),
    faults=("Set-TransportConfig -MaxSendSize was lowered to {limit} MB: the categorizer NDRs larger "
            "messages with 550 5.2.3 RESOLVER.RST.SendSizeLimit.Org.",),
    paths=lambda f: (internal(f["user"], f["colleague"], size=int(f["attachment"]) * MB),
                     internal(f["colleague"], f["user"])),
    fix=lambda f: (step("Set-TransportConfig -MaxSendSize 10MB", "set_transport_config", max_send_size=ORG_DEFAULT),),
    sources=("exchange2013-facts.md §5.3: organization limits, 5.2.3 SendSizeLimit.Org",),
)


# --- Two limits below a supplier's attachment: the Front End's connector and MaxReceiveSize ------------

def _stage_inbound_size(lab: Lab, rng: Random) -> Staged:
    user, colleague = cast.pair(lab, rng)
    outsider = cast.outsiders(rng, 1)[0]
    connector_limit, org_limit = rng.choice((1, 2)), 2
    attachment = 3
    lab.set_receive_connector("CA1", DEFAULT_FRONTEND, max_message_size=connector_limit * MB)
    lab.set_transport_config(max_receive_size=org_limit * MB)
    lab.advance(minutes=rng.randint(30, 90))
    facts = cast.named(lab, user=user, colleague=colleague, outsider=outsider, connector_limit=str(connector_limit),
                       org_limit=str(org_limit), attachment=str(attachment))
    send(lab, inbound(outsider, user, size=attachment * MB), "Drawings rev C")
    return Staged(facts)


INBOUND_SIZE = IncidentSpec(
    id="inbound-size-limits",
    title="A supplier's drawings bounce, twice over",
    chapters=(8, 9),
    scenario=_demo,
    stage=_stage_inbound_size,
    report=("{outsider} sent {user_name} the drawings ({attachment} MB) and got a bounce saying the message "
            "is too big; small mail from them arrives. The mailbox is nowhere near full."),
    hints=("The bounce came from the organization's front door, during the SMTP dialogue. After that door "
           "there may be a second limit: mail has to pass every one on its way.",
           "Get-ReceiveConnector (MaxMessageSize) on CA1 and Get-TransportConfig; then send a large "
           "message yourself (lab.internet.send with a long body) and read the tracking log.",
           "The objects at fault: the MaxMessageSize of '" + DEFAULT_FRONTEND + "' ({connector_limit} MB) "
           "and the organization's MaxReceiveSize ({org_limit} MB)."),
    faults=("'" + DEFAULT_FRONTEND + "' has MaxMessageSize {connector_limit} MB: 552 5.3.4 Message size "
            "exceeds fixed maximum message size.",
            "The organization's MaxReceiveSize is {org_limit} MB: the categorizer NDRs what the connector "
            "let through (5.2.3 RecipSizeLimit).",),
    paths=lambda f: (inbound(f["outsider"], f["user"], size=int(f["attachment"]) * MB),
                     inbound(f["outsider"], f["colleague"]), internal(f["user"], f["colleague"])),
    fix=lambda f: (step(f"Set-ReceiveConnector 'CA1\\{DEFAULT_FRONTEND}' -MaxMessageSize 36MB",
                        "set_receive_connector", "CA1", DEFAULT_FRONTEND, max_message_size=FRONTEND_DEFAULT),
                   step("Set-TransportConfig -MaxReceiveSize 10MB", "set_transport_config",
                        max_receive_size=ORG_DEFAULT)),
    sources=("exchange2013-facts.md §2.1 and §5.3: connector and organization limits",),
)


INCIDENTS = (ORG_SEND_SIZE, INBOUND_SIZE)
