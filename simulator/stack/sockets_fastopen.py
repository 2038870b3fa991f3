"""TCP Fast Open's side of the sockets API (RFC 7413 §4.2.1; docs/tcp.md):
sendto(MSG_FASTOPEN), TCP_FASTOPEN_CONNECT's deferred SYN, and waiting for the
handshake. Mixed into :class:`~simulator.stack.sockets.TcpSocket`."""

from simulator.stack.errno import Errno, SocketError
from simulator.stack.tcp import fastopen
from simulator.stack.tcp.connection import State, TcpError

CONNECTED_STATES = (State.ESTABLISHED, State.CLOSE_WAIT, State.FIN_WAIT_1, State.FIN_WAIT_2,
                    State.CLOSING, State.LAST_ACK, State.TIME_WAIT)


def key_text(value) -> str:
    """TCP_FASTOPEN_KEY's value (exactly 16 bytes, Linux: else EINVAL) as the knob's
    ``w-x-y-z`` text."""
    if not isinstance(value, (bytes, bytearray)) or len(value) != 16:
        raise ValueError("TCP_FASTOPEN_KEY: 16 bytes")
    return fastopen.key_text(bytes(value))


class FastOpenSocketMixin:
    def sendto_fastopen(self, data: bytes, address) -> int:
        """sendto(MSG_FASTOPEN) (RFC 7413 §4.2.1, Linux tcp_sendmsg_fastopen): connect
        with as much of ``data`` in the SYN as the cookie cache allows and return how
        much that is (0: the SYN asks for a cookie; the caller sends the rest once
        :meth:`connected`). On a connected socket an ordinary :meth:`send_nowait`."""
        if self.ep is not None and self.ep.conn.state in CONNECTED_STATES:
            return self.send_nowait(data)
        if not self.tcp.config.fastopen & fastopen.CLIENT_ENABLE:    # the host's sysctl
            raise SocketError(Errno.EOPNOTSUPP)
        if self.ep is not None and self.ep.conn.state in (State.SYN_SENT, State.SYN_RECEIVED):
            raise SocketError(Errno.EALREADY)
        if self.fastopen_deferred is not None:
            self.fastopen_deferred = None
            self.tcp.fastopen_open(self.ep, bytes(data))
        else:
            self.connect_nowait(address, bytes(data))
        return self.ep.conn.tfo_syn_data

    def connected(self):
        """An event that succeeds once the connection is established (at once if it
        is) and fails with the connection's error."""
        error = self._take_error()
        if error is not None:
            return self._failed(error)
        if self.ep is None:
            return self._failed(Errno.ENOTCONN)
        if self.ep.conn.state in CONNECTED_STATES:
            return self._done()
        if self._connect is None or self._connect.triggered:
            self._connect = self.env.event()
        return self._connect


    def _deferred_write(self, data: bytes) -> int:
        """The first write after a deferred TCP_FASTOPEN_CONNECT connect(): the SYN
        goes now with as much of ``data`` as fits (Linux tcp_sendmsg_fastopen)."""
        try:
            return self.sendto_fastopen(data, self.fastopen_deferred)
        except TcpError as error:
            raise SocketError(error.errno) from None
