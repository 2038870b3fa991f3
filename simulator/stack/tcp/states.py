"""The eleven connection states of RFC 9293 §3.3.2; the value is the RFC's name."""

import enum


class State(enum.Enum):
    CLOSED = "CLOSED"
    LISTEN = "LISTEN"
    SYN_SENT = "SYN-SENT"
    SYN_RECEIVED = "SYN-RECEIVED"
    ESTABLISHED = "ESTABLISHED"
    FIN_WAIT_1 = "FIN-WAIT-1"
    FIN_WAIT_2 = "FIN-WAIT-2"
    CLOSE_WAIT = "CLOSE-WAIT"
    CLOSING = "CLOSING"
    LAST_ACK = "LAST-ACK"
    TIME_WAIT = "TIME-WAIT"

    def __str__(self) -> str:
        return self.value


# The members as module constants, for the per-segment code: ``State.X`` goes through
# the hook CPython 3.11 installs for EnumType.__getattr__ (~150 ns a time, 20 for a global).
(CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT,
 CLOSING, LAST_ACK, TIME_WAIT) = State

# States in which the connection is synchronized (RFC 9293 §3.10.7.4). Tuples, not
# sets: ``in`` then compares by identity, where a set would call Enum's Python-level
# __hash__ (these tests run on every segment).
SYNCHRONIZED = (State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2,
                State.CLOSE_WAIT, State.CLOSING, State.LAST_ACK, State.TIME_WAIT)
# States in which data from the peer is accepted (RFC 9293 §3.10.7.4, seventh step).
RECEIVING = (State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2)
# Linux's tcpi_state numbers (include/net/tcp_states.h).
LINUX_NUMBER = {State.ESTABLISHED: 1, State.SYN_SENT: 2, State.SYN_RECEIVED: 3,
                State.FIN_WAIT_1: 4, State.FIN_WAIT_2: 5, State.TIME_WAIT: 6, State.CLOSED: 7,
                State.CLOSE_WAIT: 8, State.LAST_ACK: 9, State.LISTEN: 10, State.CLOSING: 11}
