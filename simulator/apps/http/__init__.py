"""HTTP/1.1 (RFC 9110 semantics, RFC 9112 message syntax) over the sockets API, with
the sans-I/O h11 library parsing and formatting the messages: an origin server
(``server.py``), a client connection (``client.py``), the ``http_get`` app
(``get.py``) and the ``browse`` app (``browse.py``). See docs/http.md.
"""
