"""Streaming protocols kubectl speaks for exec, attach and port-forward.

- wsstream.py: the channel.k8s.io v5/v4 framing over WebSockets (exec, attach).
- spdy.py + spdy_session.py: SPDY/3.1 frames and a stream multiplexer (the SPDY fallback of
  exec/attach, and port-forward, also inside its WebSocket tunnel).
- spdy_exec.py, remotecommand.py: exec/attach sessions over either transport.
- portforward.py: the portforward.k8s.io stream pairs.
- channels.py, upgrade.py: byte channels and accepting upgrades on aiohttp.
"""
