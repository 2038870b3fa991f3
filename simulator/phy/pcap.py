"""Classic libpcap capture files with nanosecond timestamps.

Format: the pcap file format (draft-ietf-opsawg-pcap), magic 0xa1b23c4d
(nanosecond resolution), link type 1 (LINKTYPE_ETHERNET). Frames are written
as a NIC hands them to the kernel: padded to 60 bytes, without the FCS unless
``fcs=True`` (then Wireshark needs ``eth.fcs: Always`` to check it).
"""

import struct

MAGIC_NANOSECOND = 0xA1B23C4D
LINKTYPE_ETHERNET = 1
SNAPLEN = 262144


class PcapWriter:
    def __init__(self, path, fcs: bool = False):
        self.path = str(path)
        self.fcs = fcs
        self.frames = 0
        self._file = open(path, "wb")
        self._file.write(struct.pack("<IHHiIII", MAGIC_NANOSECOND, 2, 4, 0, 0, SNAPLEN,
                                     LINKTYPE_ETHERNET))

    def write(self, ns: int, frame) -> None:
        data = frame.pack_with_fcs() if self.fcs else frame.pack()
        sec, nsec = divmod(ns, 1_000_000_000)
        self._file.write(struct.pack("<IIII", sec, nsec, len(data), len(data)))
        self._file.write(data)
        self.frames += 1

    def close(self) -> None:
        self._file.close()
