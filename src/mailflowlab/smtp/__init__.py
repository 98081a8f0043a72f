"""The one seam between services: SMTP over loopback sockets or in memory.

`network` is the seam itself (listen, connect; sockets or memory; the caller travels with the
connection); `memory` the in-memory transports; `listener` serves aiosmtpd with Exchange's
words; `client` is the sending side every service uses; `certificates` the servers'
self-signed certificates for real STARTTLS. The replies' texts live below, in
`mailflowlab.replies`, shared with the model. No Exchange policy lives here: that is the
services layer's.
"""
