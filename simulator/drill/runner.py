"""Running a script: one host under test, the scripted peer, packetdrill's clock.

The host (192.168.0.1) reaches every remote address through one 100 Gbps,
zero-delay link to the peer (static ARP, so no ARP is seen); the peer's
segments enter the host's interface at their instant. Events run at
their script times as packetdrill's run.c runs them: a relative time counts
from when the previous event finished (consecutive ``<`` lines from the
previous one's script time); ``>`` lines take the host's next segments and
check them and their time; a syscall with ``...t`` blocks in the background
and must return at t; backtick lines change the sysctls for sockets made
afterwards; ``%{ }%`` blocks assert over the last socket's tcp_info.
"""

from dataclasses import dataclass, field
from pathlib import Path

import simpy

from simulator.drill import match, sysctl
from simulator.drill.code import CodeError, run_code
from simulator.drill.model import (ABSOLUTE_RANGE, ANY, RELATIVE, RELATIVE_RANGE, Code,
                                   Command, PacketSpec, Script, ScriptError, Syscall)
from simulator.drill.peer import ScriptedPeer
from simulator.drill.segments import Connections, build_inbound
from simulator.drill.syscalls import Process, SyscallFailure, Unsupported
from simulator.engine.sim import Simulation
from simulator.nodes.host import Host
from simulator.phy.link import Link
from simulator.stack.arp import ArpConfig
from simulator.stack.tcp.config import TcpConfig
from simulator.wire.addr import IPv4Address, IPv4Interface

US = 1_000
SNIFF_TIMEOUT_US = 2_000_000     # packetdrill: give up 2 s after the expected time
IDLE_WAIT_US = 1_000_000         # packetdrill: wait at most 1 s for a blocking call
ANY_TIME_LIMIT_US = 3_600_000_000  # `*` waits this long at most (packetdrill: forever)
LINK_RATE = 100_000_000_000


@dataclass
class DrillResult:
    path: str
    passed: bool
    error: str | None = None      # the first mismatch, packetdrill style
    unsupported: bool = False     # the script uses something netsim does not model
    warnings: list = field(default_factory=list)
    output: list = field(default_factory=list)   # print() output of code blocks
    log: list = field(default_factory=list)      # with Options.verbose: every segment


class Mismatch(Exception):
    """The host did not do what the script says (exit 1)."""


class _Unsupported(Exception):
    """The script needs a construct the harness or netsim lacks."""


@dataclass
class Options:
    profile: str = "linux"
    tolerance_usecs: int | None = None      # None: the script's --tolerance_usecs or 4000
    tolerance_percent: float | None = None  # None: the script's or packetdrill's 12.5
    verbose: bool = False                   # log every segment exchanged


class Runner:
    def __init__(self, script: Script, options: Options):
        self.script = script
        opts = script.options
        if opts.get("ip_version", "ipv4") != "ipv4":
            raise _Unsupported(f"{script.path}: unsupported: --ip_version={opts['ip_version']}")
        try:
            self.tolerance_us = options.tolerance_usecs if options.tolerance_usecs is not None \
                else int(opts.get("tolerance_usecs", 4000))
            self.tolerance_pct = options.tolerance_percent \
                if options.tolerance_percent is not None \
                else float(opts.get("tolerance_percent", 12.5))
            ts_tick = int(opts.get("tcp_ts_tick_usecs", 0))
            self.local_ip = IPv4Address(opts.get("local_ip", "192.168.0.1"))
            self.remote_ip = IPv4Address(opts.get("remote_ip", "192.0.2.1"))
        except ValueError as error:
            raise ScriptError(script.path, 1, 1, f"bad option value: {error}") from None
        self.ts_check = (ts_tick, self.tolerance_us) if ts_tick else None
        self.host = None
        self.coalesce = "strict_segments" not in opts     # packetdrill's switch for TSO views
        self.warnings: list[str] = []
        self.output: list[str] = []
        self.log: list[str] | None = [] if options.verbose else None
        # the Linux test box's sysctls; the rfc profile is not a Linux box
        self.settings = sysctl.defaults() if options.profile == "linux" else \
            sysctl.SysctlResult()
        if script.init_command is not None:
            self._read_command(script.init_command)
        self.base_config = TcpConfig.profile(options.profile)
        self.sim = Simulation(seed=1)
        self.env = self.sim.env
        self._build_network()
        self.conns = Connections()
        self.process = Process(self)
        self.blocking = None           # the process of a blocking call in the background
        self.background_failure = None  # what that call got wrong, once it returned
        self.last_event_us: int | None = None
        self.last_inbound: int | None = None     # script time of a directly preceding '<'
        self.offset_us = 0                       # what the current relative time counts from
        self._event_us = 0
        self._wakeup: simpy.Event | None = None

    # --- setup
    def _build_network(self) -> None:
        self.host = Host(self.sim, "host")
        subnet = IPv4Interface(f"{self.local_ip}/16")
        gateway = subnet.network.broadcast_address - 1
        self.peer = ScriptedPeer(self.sim)
        iface = self.host.add_ip_interface(
            "eth0", subnet, arp=ArpConfig(static={gateway: self.peer.iface.mac}))
        self.host.set_gateway(gateway)
        self.peer.host_iface = iface
        self.peer.on_capture = self._captured
        # any frame size (GRO-sized injections, as a tun device takes them), no queue limit
        Link(self.sim, iface, self.peer.iface, rate=LINK_RATE, delay=0, mtu=65535,
             queue_packets=None)
        self.host.tcp_config = self.config()

    def config(self) -> TcpConfig:
        return self.settings.apply(self.base_config)

    def _read_command(self, command: Command) -> None:
        before = len(self.settings.warnings)
        flushes = self.settings.metrics_flushes
        base = Path(self.script.path).parent
        sysctl.read_commands(command.text, base, self.settings)
        self.warnings.extend(self.settings.warnings[before:])
        if self.settings.metrics_flushes != flushes and self.host is not None:
            self.host.tcp.tfo_cache.clear()

    # --- time
    def now_us(self) -> int:
        return self.env.now // US

    def _target_us(self, event, inbound: bool) -> tuple[int, int | None]:
        """packetdrill's adjust_relative_event_times(): (start, end) in script usecs."""
        time = event.time
        if time.kind not in (RELATIVE, RELATIVE_RANGE, ANY):
            return time.usecs, time.end_usecs
        if inbound and self.last_inbound is not None:
            offset = self.last_inbound
        else:
            offset = self.now_us()
        self.offset_us = offset
        end = time.end_usecs + offset if time.end_usecs is not None else None
        return time.usecs + offset, end

    def tolerance(self, script_us: int, since_us: int | None) -> int:
        tolerance = self.tolerance_us
        if since_us is not None:
            tolerance = max(tolerance, int(self.tolerance_pct / 100 * (script_us - since_us)))
        return tolerance

    def _wait_until(self, script_us: int):
        delay = script_us * US - self.env.now
        if delay > 0:
            yield self.env.timeout(delay)

    def _check_late(self, event, script_us: int, what: str) -> None:
        """An event that runs later than its time (a syscall blocked before it)."""
        tolerance = self.tolerance(script_us, self.last_event_us)
        if self.now_us() > script_us + tolerance:
            raise Mismatch(f"{self.script.path}:{event.line}: timing error: expected {what} at "
                           f"{script_us / 1e6:.6f} sec but happened at "
                           f"{self.now_us() / 1e6:.6f} sec; tolerance {tolerance / 1e6:.6f} sec")

    # --- the main loop
    def run(self) -> DrillResult:
        result = DrillResult(self.script.path, False, warnings=self.warnings,
                             output=self.output, log=self.log if self.log is not None else [])
        if self.script.events[0].time.usecs != 0 or self.script.events[0].time.kind == ANY:
            event = self.script.events[0]
            result.error = f"{self.script.path}:{event.line}: first event should be at time 0"
            return result
        main = self.env.process(self._main())
        try:
            self.env.run(until=main)
        except Exception as crash:       # a bug in the stack under test is a result too
            result.error = (f"{self.script.path}: netsim crashed at {self.now_us() / 1e6:.6f} "
                            f"sec: {type(crash).__name__}: {crash}")
            return result
        failure = main.value
        if failure is None:
            result.passed = True
        else:
            result.error = str(failure)
            result.unsupported = isinstance(failure, _Unsupported)
        return result

    def _main(self):
        try:
            for event in self.script.events:
                yield from self._event(event)
                self._raise_background_failure()
                self.last_event_us = self._event_us
            yield from self._await_idle(self.script.events[-1], "exiting while a blocking "
                                        "system call is in progress")
        except (Mismatch, _Unsupported) as failure:
            return failure
        return None

    def _event(self, event):
        action = event.action
        inbound = isinstance(action, PacketSpec) and action.direction == "<"
        if isinstance(action, Syscall):
            yield from self._await_idle(event, "blocking system call while another blocking "
                                        "system call is already in progress"
                                        if action.blocking else None)
        start, end = self._target_us(event, inbound)
        self._event_us = start
        self.last_inbound = start if inbound else None
        if isinstance(action, PacketSpec) and action.direction == ">":
            yield from self._outbound(event, action, start, end)
            return
        yield from self._wait_until(start)
        self._check_late(event, start, "event")
        if inbound:
            self._inbound(event, action)
        elif isinstance(action, Syscall):
            yield from self._syscall(event, action, start)
        elif isinstance(action, Command):
            self._read_command(action)
            self.host.tcp_config = self.config()
        elif isinstance(action, Code):
            self._code(event, action)

    # --- packets
    def _inbound(self, event, spec: PacketSpec) -> None:
        try:
            packet = build_inbound(spec, self.conns, self)
        except ValueError as error:
            raise _Unsupported(f"{self.script.path}:{event.line}: unsupported: {error}") \
                from None
        if self.log is not None:
            self.log.append(f"{self.now_us() / 1e6:9.6f} < {match.spec_str(spec)}")
        self.peer.inject(packet)

    def _captured(self) -> None:
        if self._wakeup is not None and not self._wakeup.triggered:
            self._wakeup.succeed()

    def _next_capture(self, deadline_ns: int):
        """The host's next segment, waiting for it until ``deadline_ns``."""
        while not self.peer.captured:
            if self.env.now >= deadline_ns:
                return None
            self._wakeup = self.env.event()
            yield self._wakeup | self.env.timeout(deadline_ns - self.env.now)
            self._wakeup = None
        return self.peer.captured.popleft()

    def _outbound(self, event, spec: PacketSpec, start_us: int, end_us: int | None):
        where = f"{self.script.path}:{event.line}"
        latest = max(start_us, end_us or 0) + SNIFF_TIMEOUT_US
        if event.time.kind == ANY:
            latest = start_us + ANY_TIME_LIMIT_US
        deadline = latest * US
        parts = []
        while True:
            capture = yield from self._next_capture(
                deadline if not parts else self.env.now + match.BURST_GAP_NS)
            if capture is None:
                if parts:
                    break
                raise Mismatch(f"{where}: error handling packet: Timed out waiting for packet\n"
                               f"script packet: {start_us / 1e6:9.6f} {match.spec_str(spec)}")
            if capture.error:
                raise Mismatch(f"{where}: error handling packet: {capture.error}")
            if not self.conns.under_test(capture, spec):
                continue
            try:
                observed = self.conns.observe(capture, spec)
            except ValueError as error:
                raise Mismatch(f"{where}: error handling packet: {error}") from None
            if parts and not match.can_coalesce(parts[0], parts[-1], observed):
                self.peer.captured.appendleft(capture)
                break
            parts.append(observed)
            if sum(p.length for p in parts) >= spec.length or observed.length == 0 \
                    or not self.coalesce:
                break
        actual = self.conns.finish(spec, match.coalesce(parts) if len(parts) > 1 else parts[0])
        if self.log is not None:
            self.log.append(f"{actual.time_ns / 1e9:9.6f} > {actual}")
        problem = match.compare(spec, actual, self.ts_check)
        if problem is None:
            problem = self._packet_time_problem(event, start_us, end_us, actual.time_ns // US)
        if problem is not None:
            raise Mismatch(f"{where}: error handling packet: {problem}\n"
                           f"script packet: {start_us / 1e6:9.6f} {match.spec_str(spec)}\n"
                           f"actual packet: {actual.time_ns / 1e9:9.6f} {actual}")
        self._event_us = actual.time_ns // US

    def _packet_time_problem(self, event, start_us, end_us, actual_us) -> str | None:
        kind = event.time.kind
        if kind == ANY:
            return None
        tolerance = self.tolerance(start_us, self.last_event_us)
        if kind in (ABSOLUTE_RANGE, RELATIVE_RANGE):
            if start_us - tolerance <= actual_us <= end_us + tolerance:
                return None
            return (f"timing error: expected outbound packet in time range "
                    f"{start_us / 1e6:.6f}~{end_us / 1e6:.6f} sec but happened at "
                    f"{actual_us / 1e6:.6f} sec")
        if abs(actual_us - start_us) <= tolerance:
            return None
        return (f"timing error: expected outbound packet at {start_us / 1e6:.6f} sec but "
                f"happened at {actual_us / 1e6:.6f} sec; tolerance {tolerance / 1e6:.6f} sec")

    # --- system calls
    def _syscall(self, event, call: Syscall, start_us: int):
        where = f"{self.script.path}:{event.line}"
        if call.blocking:
            end_us = call.end_usecs + (self.offset_us if event.time.kind == RELATIVE else 0)
            self.blocking = self.env.process(self._background(event, call, start_us, end_us))
            yield self.env.timeout(0)          # let it start before the next event
            return
        proc = self.env.process(self._checked_call(event, call))
        yield proc | self.env.timeout(1)
        if not proc.triggered:
            raise Mismatch(f"{where}: runtime error in {call.name} call: the call blocked at "
                           f"{self.now_us() / 1e6:.6f} sec but the script does not mark it "
                           f"blocking ('...end_time')")
        if proc.value is not None:
            raise proc.value

    def _checked_call(self, event, call: Syscall):
        where = f"{self.script.path}:{event.line}"
        try:
            yield from self.process.call(call)
        except SyscallFailure as failure:
            return Mismatch(f"{where}: runtime error in {call.name} call: {failure}")
        except Unsupported as error:
            return _Unsupported(f"{where}: unsupported: {call.name}: {error}")
        return None

    def _background(self, event, call: Syscall, start_us: int, end_us: int):
        """A blocking call: its result, and that it returned at its end time."""
        failure = yield from self._checked_call(event, call)
        if failure is None:
            actual_us = self.now_us()
            tolerance = self.tolerance(end_us, start_us)
            if abs(actual_us - end_us) > tolerance:
                failure = Mismatch(
                    f"{self.script.path}:{event.line}: timing error: expected system call "
                    f"return at {end_us / 1e6:.6f} sec but happened at {actual_us / 1e6:.6f} "
                    f"sec; tolerance {tolerance / 1e6:.6f} sec")
        self.background_failure = failure

    def _await_idle(self, event, message: str | None):
        """packetdrill's await_idle_thread(): wait at most 1 s for the call in the
        background; still running is an error when ``message`` says so."""
        if self.blocking is not None and not self.blocking.triggered:
            yield self.blocking | self.env.timeout(IDLE_WAIT_US * US)
            if not self.blocking.triggered and message is not None:
                raise Mismatch(f"{self.script.path}:{event.line}: runtime error: {message}")
        self._raise_background_failure()

    def _raise_background_failure(self) -> None:
        if self.background_failure is not None:
            raise self.background_failure

    # --- code
    def _code(self, event, code: Code) -> None:
        where = f"{self.script.path}:{event.line}"
        info = self.process.tcp_info()
        if info is None:
            raise Mismatch(f"{where}: runtime error: no socket for tcp_info")
        try:
            run_code(code.text, info, self.output)
        except CodeError as error:
            if error.unsupported:
                raise _Unsupported(f"{where}: unsupported: {error}") from None
            raise Mismatch(f"{where}: {error}") from None


def run_script(script: Script, options: Options | None = None) -> DrillResult:
    """Run one parsed script (ScriptError: a bad option value)."""
    try:
        runner = Runner(script, options or Options())
    except _Unsupported as error:
        return DrillResult(script.path, False, str(error), unsupported=True)
    return runner.run()
