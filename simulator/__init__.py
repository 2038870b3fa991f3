"""netsim: a discrete-event TCP/IP network simulator."""
