"""TCP: sans-I/O protocol logic (no SimPy, no node, no tracer).

``connection.TcpConnection`` is one connection (RFC 9293 §3.10); ``config.TcpConfig``
its knobs and the ``rfc``/``linux`` profiles; ``rtt`` the RFC 6298 estimator;
``buffers`` the send/receive buffers; ``seq`` the sequence arithmetic. docs/tcp.md
describes the model.
"""
