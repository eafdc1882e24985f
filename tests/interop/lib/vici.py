"""A minimal client for strongSwan's VICI protocol (src/libcharon/plugins/vici/README.md).

Only what the interop tests need: send a command, register for events and read them. Standard
library only. Messages are decoded into dicts (sections), lists and str values.
"""

import socket
import struct

# Packet types.
CMD_REQUEST = 0
CMD_RESPONSE = 1
CMD_UNKNOWN = 2
EVENT_REGISTER = 3
EVENT_UNREGISTER = 4
EVENT_CONFIRM = 5
EVENT_UNKNOWN = 6
EVENT = 7

# Message element types.
SECTION_START = 1
SECTION_END = 2
KEY_VALUE = 3
LIST_START = 4
LIST_ITEM = 5
LIST_END = 6


class ViciError(Exception):
    pass


def encode(message):
    """Encodes a dict of str/bytes values, lists and nested dicts."""
    out = bytearray()

    def name(n):
        raw = n.encode()
        out.extend(struct.pack("!B", len(raw)) + raw)

    def value(v):
        raw = v if isinstance(v, bytes) else str(v).encode()
        out.extend(struct.pack("!H", len(raw)) + raw)

    def section(d):
        for key, val in d.items():
            if isinstance(val, dict):
                out.append(SECTION_START)
                name(key)
                section(val)
                out.append(SECTION_END)
            elif isinstance(val, list):
                out.append(LIST_START)
                name(key)
                for item in val:
                    out.append(LIST_ITEM)
                    value(item)
                out.append(LIST_END)
            else:
                out.append(KEY_VALUE)
                name(key)
                value(val)

    section(message)
    return bytes(out)


def decode(data):
    """Decodes a message body; raises ViciError on malformed input."""
    pos = 0
    root = {}
    stack = [root]
    current_list = None

    def take(n):
        nonlocal pos
        if pos + n > len(data):
            raise ViciError("truncated message")
        chunk = data[pos:pos + n]
        pos += n
        return chunk

    def name():
        return take(take(1)[0]).decode(errors="replace")

    def value():
        (length,) = struct.unpack("!H", take(2))
        return take(length).decode(errors="replace")

    while pos < len(data):
        kind = take(1)[0]
        if kind == SECTION_START:
            child = {}
            stack[-1][name()] = child
            stack.append(child)
        elif kind == SECTION_END:
            if len(stack) == 1:
                raise ViciError("unbalanced section end")
            stack.pop()
        elif kind == KEY_VALUE:
            key = name()
            stack[-1][key] = value()
        elif kind == LIST_START:
            current_list = []
            stack[-1][name()] = current_list
        elif kind == LIST_ITEM:
            if current_list is None:
                raise ViciError("list item outside a list")
            current_list.append(value())
        elif kind == LIST_END:
            current_list = None
        else:
            raise ViciError("unknown element type %d" % kind)
    return root


class Session:
    """One connection to a charon's vici socket (path of the unix socket)."""

    def __init__(self, path, timeout=10.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)

    def close(self):
        self.sock.close()

    def _send(self, ptype, pname=None, body=b""):
        payload = bytes([ptype])
        if pname is not None:
            raw = pname.encode()
            payload += bytes([len(raw)]) + raw
        payload += body
        self.sock.sendall(struct.pack("!I", len(payload)) + payload)

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ViciError("vici socket closed")
            buf += chunk
        return buf

    def _recv(self):
        (length,) = struct.unpack("!I", self._recv_exact(4))
        payload = self._recv_exact(length)
        if not payload:
            raise ViciError("empty packet")
        return payload[0], payload[1:]

    def recv_packet(self):
        """Returns (type, name or None, decoded body)."""
        ptype, rest = self._recv()
        pname = None
        if ptype in (EVENT,):
            n = rest[0]
            pname = rest[1:1 + n].decode()
            rest = rest[1 + n:]
        return ptype, pname, decode(rest) if rest else {}

    def request(self, command, message=None, on_event=None):
        """Sends a command; events that arrive before the response go to on_event(name, msg)."""
        self._send(CMD_REQUEST, command, encode(message or {}))
        while True:
            ptype, pname, body = self.recv_packet()
            if ptype == CMD_RESPONSE:
                return body
            if ptype == CMD_UNKNOWN:
                raise ViciError("unknown command %s" % command)
            if ptype == EVENT and on_event is not None:
                on_event(pname, body)

    def register(self, event):
        self._send(EVENT_REGISTER, event)
        while True:
            ptype, _, _ = self.recv_packet()
            if ptype == EVENT_CONFIRM:
                return
            if ptype == EVENT_UNKNOWN:
                raise ViciError("unknown event %s" % event)
