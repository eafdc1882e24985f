"""Inner test traffic, run inside a namespace: `python3 traffic.py ping SRC DST COUNT`.

There is no ping binary on these machines; an ICMP echo over a raw socket does the same job.
The kernel of the other namespace (or our peer, for its own inner address) answers. Prints one
JSON line: {"sent": n, "received": m, "rtt_ms": [...]}.
"""

import json
import os
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def ping(src, dst, count, wait=1.0, interval=0.05):
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    sock.bind((src, 0))
    ident = os.getpid() & 0xFFFF
    rtts = []
    for seq in range(count):
        body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"ikev2-interop-echo"
        body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
        start = time.monotonic()
        sock.sendto(body, (dst, 0))
        deadline = start + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                data, addr = sock.recvfrom(4096)
            except socket.timeout:
                break
            ihl = (data[0] & 0x0F) * 4
            if len(data) < ihl + 8 or addr[0] != dst:
                continue
            kind, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if kind == 0 and rid == ident and rseq == seq:
                rtts.append(round((time.monotonic() - start) * 1000, 3))
                break
        time.sleep(interval)
    return {"sent": count, "received": len(rtts), "rtt_ms": rtts}


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "ping":
        print(json.dumps(ping(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        print("usage: traffic.py ping SRC DST COUNT", file=sys.stderr)
        sys.exit(2)
