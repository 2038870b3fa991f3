"""TCP Fast Open on a node (RFC 7413; fastopen.py has the protocol): the client's
cookie cache per destination (Linux keeps it in tcp_metrics), the server's key, and
starting a Fast Open connection. Mixed into :class:`~simulator.stack.tcp.layer.TcpLayer`.
"""

from simulator.wire.addr import IPv4Address

from . import fastopen


class FastOpenHostMixin:
    def _init_fastopen(self) -> None:
        self.tfo_cache: dict[int, fastopen.CacheEntry] = {}   # remote ip → cookie, MSS
        self._tfo_key: bytes | None = None

    def _fastopen_client(self, conn, rip: int, data: bytes) -> None:
        """RFC 7413 §4.2.1 / Linux tcp_send_syn_data: the cookie (or a request) and
        the data our SYN carries."""
        if not self.config.fastopen & fastopen.CLIENT_ENABLE:
            return
        entry = self.tfo_cache.get(rip)
        option = fastopen.client_cookie(self.config.fastopen, conn.config, entry)
        if option is None:
            conn.tfo_option = entry.request() if entry else fastopen.FastOpen()
            conn.tfo_requested = True
            return
        if option is not True:
            conn.tfo_option = option
            conn.tfo_requested = True
        conn.tfo_syn_data = conn.sndbuf.write(
            data[:fastopen.syn_data_space(conn.mss_limit, entry)])

    def fastopen_open(self, ep, data: bytes) -> None:
        """A deferred connection's first write: its SYN, with the data that fits."""
        self._fastopen_client(ep.conn, ep.key[2], data)
        self.call(ep, ep.conn.open_active)

    def fastopen_ready(self, config, remote: IPv4Address) -> bool:
        """May a SYN to ``remote`` carry data now (a cached cookie, or no cookie
        needed)? Linux tcp_fastopen_cookie_check, for TCP_FASTOPEN_CONNECT."""
        entry = self.tfo_cache.get(int(remote))
        return fastopen.client_cookie(self.config.fastopen, config, entry) is not None

    def _fastopen_learn(self, update) -> None:
        """A SYN-ACK answered our Fast Open SYN: cache its cookie (if any) and MSS."""
        self.tfo_cache.setdefault(int(update.remote), fastopen.CacheEntry()).learn(update)

    def fastopen_key(self, config) -> bytes:
        """The server's key: the listener's (TCP_FASTOPEN_KEY), the host's, else one
        drawn once from the node's seeded stream (Linux: random at first use)."""
        for cfg in (config, self.config):
            if cfg.fastopen_key is not None:
                return fastopen.parse_key(cfg.fastopen_key)
        if self._tfo_key is None:
            self._tfo_key = self.sim.rng.stream(f"tcp:tfo:{self.node.name}").randbytes(16)
        return self._tfo_key
