"""The Lab's cmdlets, one module per kind, each a mixin over `LabBase`.

`Lab` (lab.py) is composed of them and keeps only its life cycle and wiring. Each module is
named from Exchange's vocabulary: `services` (Stop/Start-Service, health), `listeners` (the
lab's receive addresses and telnet-like sessions), `connectors`, `transport_config`,
`domains`, `sites`, `queues`, `tracking`, `probes` (Test-Mailflow), `mail` (sending and
reading mailboxes) and `hybrid` (the Exchange Online tenant of a hybrid organization).
"""
