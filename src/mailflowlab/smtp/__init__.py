"""The one seam between services: SMTP over loopback sockets.

`network` maps simulated addresses (10.0.0.12:475) to real loopback ports and tells a
listener who is calling; `listener` serves aiosmtpd with Exchange's words; `client` is the
sending side every service uses; `replies` is the table of Exchange's SMTP replies.
"""
