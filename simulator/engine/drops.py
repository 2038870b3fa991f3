"""Why a frame or packet was discarded: every reason the simulator counts and traces.

A ``StrEnum``: each member *is* its name as a string, so trace JSON
(``"reason": "BAD_FCS"``), ``summary.json`` keys and ``Interface.drops`` lookups
by plain string keep working, while call sites name a member instead of
spelling a literal.
"""

from enum import StrEnum, unique


@unique
class Drop(StrEnum):
    # --- phy: links and NICs ----------------------------------------------------
    QUEUE_FULL = "QUEUE_FULL"                  #: the transmit queue was at its limit (drop-tail)
    LINK_LOSS = "LINK_LOSS"                    #: the link's ``loss`` fault ate the frame
    LINK_DOWN = "LINK_DOWN"                    #: queued or in flight when the link went down
    BAD_FCS = "BAD_FCS"                        #: CRC-32 mismatch on receive (IEEE 802.3 §3.2.9)
    OVERSIZE = "OVERSIZE"                      #: frame larger than the link's MTU allows
    NO_CARRIER = "NO_CARRIER"                  #: sent on an interface with no link
    MALFORMED = "MALFORMED"                    #: received bytes that do not decode (DecodeError)
    # --- L2 receive -------------------------------------------------------------
    L2_FILTERED = "L2_FILTERED"                #: not to this NIC's MAC, broadcast or a joined group
    UNKNOWN_ETHERTYPE = "UNKNOWN_ETHERTYPE"    #: no handler registered for the EtherType
    STP_DISCARDING = "STP_DISCARDING"          #: data frame on a spanning-tree port not forwarding
    # --- ARP --------------------------------------------------------------------
    ARP_QUEUE_FULL = "ARP_QUEUE_FULL"          #: unresolved queue over unres_qlen_bytes
    NO_ARP_REPLY = "NO_ARP_REPLY"              #: resolution failed (neighbour FAILED)
    NEIGH_FLUSHED = "NEIGH_FLUSHED"            #: waiting for a resolution when the cache was flushed
    # --- IPv4 -------------------------------------------------------------------
    BAD_CHECKSUM = "BAD_CHECKSUM"              #: IPv4 header, UDP or ICMP checksum wrong
    NOT_FOR_ME = "NOT_FOR_ME"                  #: a host got a datagram for another address
    NO_PROTOCOL = "NO_PROTOCOL"                #: no handler for the IP protocol number
    NO_ROUTE = "NO_ROUTE"                      #: no route to the destination
    MSG_TOO_LONG = "MSG_TOO_LONG"              #: a local DF datagram above the path MTU (EMSGSIZE)
    TTL_EXPIRED = "TTL_EXPIRED"                #: TTL would reach zero at a router
    FRAG_NEEDED = "FRAG_NEEDED"                #: DF set and larger than the next-hop MTU
    MULTICAST_NOT_ROUTED = "MULTICAST_NOT_ROUTED"  #: a router does not forward multicast
    LINK_BROADCAST = "LINK_BROADCAST"          #: unicast sent as link broadcast: not routed (§5.3.4)
    FRAG_TIMEOUT = "FRAG_TIMEOUT"              #: reassembly incomplete after the timeout
    FRAG_OVERLAP = "FRAG_OVERLAP"              #: a fragment overlapping different data
    FRAG_INVALID = "FRAG_INVALID"              #: fragment beyond 65535 bytes or inconsistent
    BAD_REASSEMBLED = "BAD_REASSEMBLED"        #: the reassembled datagram does not decode
    FRAG_EVICTED = "FRAG_EVICTED"              #: reassembly memory above its high threshold
    # --- ICMP and UDP -----------------------------------------------------------
    PORT_UNREACHABLE = "PORT_UNREACHABLE"      #: no UDP socket on the port
    IGNORED_MULTI = "IGNORED_MULTI"            #: no UDP socket for a broadcast/multicast datagram
    BAD_QUOTE = "BAD_QUOTE"                    #: an ICMP error whose quoted datagram is unusable
    ICMP_RATELIMIT = "ICMP_RATELIMIT"          #: an ICMP error suppressed by the rate limiter
    RCVBUF_FULL = "RCVBUF_FULL"                #: a UDP socket's receive buffer had no room
    # --- TCP ----------------------------------------------------------------------
    NOT_UNICAST = "NOT_UNICAST"                #: a TCP segment to a broadcast or multicast address
    LISTEN_OVERFLOW = "LISTEN_OVERFLOW"        #: a full accept queue dropped a SYN or handshake ACK
    # --- NAT (RFC 4787, RFC 5382, RFC 5508) ---------------------------------------
    NAT_NO_MAPPING = "NAT_NO_MAPPING"          #: unsolicited inbound: no mapping
    NAT_FILTERED = "NAT_FILTERED"              #: a mapping exists; its filtering refuses
    NAT_PORTS_EXHAUSTED = "NAT_PORTS_EXHAUSTED"  #: no free external port for a new mapping
    NAT_UNTRANSLATABLE = "NAT_UNTRANSLATABLE"  #: a fragment or a protocol NAPT cannot map
