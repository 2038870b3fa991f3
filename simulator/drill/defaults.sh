# The sysctls of a Linux packetdrill test box, read (never run) by `netsim drill`
# before every script. Scripts that source ../common/defaults.sh get the same
# values when that file is absent. Only the sysctls netsim models change TcpConfig.

# Buffers: min, default, max. The maximum receive buffer sets the window-scale
# shift (15 MiB -> wscale 8), the default ones the socket buffers.
sysctl -q net.ipv4.tcp_rmem="4096 540000 15728640"
sysctl -q net.ipv4.tcp_wmem="4096 262144 4194304"

# Options offered on SYNs.
sysctl -q net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 net.ipv4.tcp_dsack=1
sysctl -q net.ipv4.tcp_window_scaling=1

# Retry limits, reordering threshold, congestion control, idle restart.
sysctl -q net.ipv4.tcp_syn_retries=5 net.ipv4.tcp_synack_retries=5
sysctl -q net.ipv4.tcp_reordering=3
sysctl -q net.ipv4.tcp_congestion_control=cubic
sysctl -q net.ipv4.tcp_slow_start_after_idle=0

# TCP Fast Open: client and server, every listener (queue = backlog), and the key
# whose cookie for 192.0.2.1 -> 192.168.0.1 is the suite's TFO_COOKIE.
sysctl -q net.ipv4.tcp_fastopen=0x70403
sysctl -q net.ipv4.tcp_fastopen_key=a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4

# Set on the test box, not modelled (or already what netsim does).
sysctl -q net.ipv4.tcp_fack=0 net.ipv4.tcp_ecn=0
sysctl -q net.ipv4.tcp_frto=2 net.ipv4.tcp_early_retrans=4 net.ipv4.tcp_recovery=1
sysctl -q net.ipv4.tcp_tso_win_divisor=3 net.ipv4.tcp_syncookies=1
