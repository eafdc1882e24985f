"""Two network namespaces joined by a veth pair, the topology every interop test uses.

    ns "a"  veth a 192.0.2.1/24  <---->  veth b 192.0.2.2/24  ns "b"
    lo: 10.1.0.1/32 (inner)                        lo: 10.2.0.1/32 (inner)

IPv6 is disabled in both namespaces so that no router solicitations or MLD reports end up in
the captures. Names carry the test process's pid (see sandbox.sweep_stale_namespaces).
"""

from sandbox import run


class Side:
    def __init__(self, ns, veth, outer, inner):
        self.ns = ns
        self.veth = veth
        self.outer = outer  # outer (WAN) IPv4 address
        self.inner = inner  # inner (protected) IPv4 address, /32

    def exec_prefix(self):
        return ["ip", "netns", "exec", self.ns]

    def run(self, cmd, **kw):
        return run(self.exec_prefix() + cmd, **kw)


class Topology:
    def __init__(self, sandbox, outer=("192.0.2.1", "192.0.2.2"),
                 inner=("10.1.0.1", "10.2.0.1"), inner_on_lo=(True, True)):
        tag = sandbox.tag
        self.a = Side("%s-a" % tag, "%sa" % tag, outer[0], inner[0])
        self.b = Side("%s-b" % tag, "%sb" % tag, outer[1], inner[1])
        self.sandbox = sandbox
        self.inner_on_lo = inner_on_lo

    def create(self):
        sb = self.sandbox
        for side in (self.a, self.b):
            run(["ip", "netns", "add", side.ns])
            sb.defer(run, ["ip", "netns", "del", side.ns], False)
        run(["ip", "link", "add", self.a.veth, "type", "veth", "peer", "name", self.b.veth])
        for side, on_lo in ((self.a, self.inner_on_lo[0]), (self.b, self.inner_on_lo[1])):
            run(["ip", "link", "set", side.veth, "netns", side.ns])
            side.run(["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                      "net.ipv6.conf.default.disable_ipv6=1"])
            side.run(["ip", "link", "set", "lo", "up"])
            side.run(["ip", "addr", "add", side.outer + "/24", "dev", side.veth])
            side.run(["ip", "link", "set", side.veth, "up"])
            if on_lo:
                side.run(["ip", "addr", "add", side.inner + "/32", "dev", "lo"])
        return self
