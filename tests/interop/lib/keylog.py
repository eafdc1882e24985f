"""Turns charon's level-4 key logging into Wireshark decryption files.

Debian's strongSwan 5.9.8 has no save-keys plugin, but with `ike = 4` and `chd = 4` (and
`ike_name = yes`, which prefixes every line with the IKE SA's name and unique id) charon dumps
every derived key. This module reads such a log and writes the two files Wireshark reads from
its personal configuration folder: `ikev2_decryption_table` and `esp_sa`.

What the log gives and how it is used:
- `IKE_SA name[m] state change: CREATED => CONNECTING` in the context of SA n: SA m exists
  (n == m for a new SA, n is the old SA when m is created by an IKE rekey we initiate).
- `Sk_ei secret` / `Sk_er secret` dumps: SK_e of the SA being derived: the context SA itself if it
  has no keys yet (a new SA, or the rekeyed SA on the responder), else the first SA created in
  that context without keys (the rekeyed SA on the initiator).
- `natd_chunk` dumps (SPIi | SPIr | address | port) carry the SPIs of a new SA after IKE_SA_INIT;
  SAs made by an IKE rekey get their SPIs from vici (`spis` argument: unique id -> SPIs).
- `establishing CHILD_SA name{N}`: we initiated the exchange that creates Child SA N.
- `encryption initiator/responder key` dumps and `adding inbound/outbound ESP SA` with the next
  `SPI 0x..., src A dst B` line give the ESP SAs; the inbound SA uses the responder's key when we
  initiated the exchange and the initiator's key otherwise (RFC 7296 2.17).
Only AES-GCM with 16-octet ICV is converted (the suites of the interop tests); anything else is
reported, not guessed.
"""

import re

LINE = re.compile(r"^(?:.*? )?(\d+)\[(\w+)\] (?:<([^>]*)> )?(.*)$")
DUMP_HEADER = re.compile(r"^(.*) => (\d+) bytes @ (?:0x)?[0-9a-fA-F]+$")
DUMP_LINE = re.compile(r"^\s*(\d+): ((?:[0-9A-F]{2} ){1,16})")
CREATED = re.compile(r"IKE_SA \S*\[(\d+)\] state change: CREATED => CONNECTING")
ESTABLISHING = re.compile(r"establishing CHILD_SA \S*\{(\d+)\}")
CHILD_INSTALLING = re.compile(r"CHILD_SA \S*\{(\d+)\} state change: CREATED => INSTALLING")
ESP_SA = re.compile(r"(adding|registering) (inbound|outbound) ESP SA")
ESP_SPI = re.compile(r"^\s*SPI 0x([0-9a-fA-F]+), src (\S+) dst (\S+)")

IKE_GCM = {20: "AES-GCM-128 with 16 octet ICV [RFC5282]",
           28: "AES-GCM-192 with 16 octet ICV [RFC5282]",
           36: "AES-GCM-256 with 16 octet ICV [RFC5282]"}
ESP_GCM = "AES-GCM with 16 octet ICV [RFC4106]"


class KeyLogError(Exception):
    pass


def _context_id(ctx):
    """'<peer|3>' -> 3, '<3>' -> 3, missing -> None."""
    if not ctx:
        return None
    tail = ctx.rsplit("|", 1)[-1]
    return int(tail) if tail.isdigit() else None


class CharonKeyLog:
    def __init__(self):
        self.ike_keys = {}      # SA id -> {"ei": bytes, "er": bytes}
        self.ike_spis = {}      # SA id -> (spi_i hex, spi_r hex), from natd chunks
        self.created = []       # (context, SA id) in order
        self.child_initiated = set()
        self.child_keys = {}    # child id -> {"i": bytes, "r": bytes}
        self.child_sas = {}     # child id -> {spi: (direction, src, dst)}
        self._dump = {}         # thread -> [label, remaining, bytearray, context]
        self._thread_child = {}
        self._thread_esp = {}   # thread -> direction awaiting its SPI line
        self._ike_target = {}   # thread -> SA id receiving the Sk_e dumps

    def feed_file(self, path):
        with open(path, errors="replace") as f:
            for line in f:
                self.feed(line.rstrip("\n"))
        return self

    def feed(self, line):
        m = LINE.match(line)
        if not m:
            return
        thread, _group, ctx, text = m.groups()
        context = _context_id(ctx)
        dump = self._dump.get(thread)
        if dump is not None:
            d = DUMP_LINE.match(text)
            if d:
                raw = bytes.fromhex(d.group(2).replace(" ", ""))
                dump[2].extend(raw[:dump[1]])
                dump[1] -= len(raw[:dump[1]])
                if dump[1] <= 0:
                    del self._dump[thread]
                    self._dump_done(thread, dump[0], bytes(dump[2]), dump[3])
                return
            del self._dump[thread]  # truncated dump: drop it
        h = DUMP_HEADER.match(text)
        if h:
            length = int(h.group(2))
            if length == 0:
                self._dump_done(thread, h.group(1), b"", context)
            else:
                self._dump[thread] = [h.group(1), length, bytearray(), context]
            return
        c = CREATED.search(text)
        if c:
            self.created.append((context, int(c.group(1))))
            return
        c = ESTABLISHING.search(text)
        if c:
            self.child_initiated.add(int(c.group(1)))
            return
        c = CHILD_INSTALLING.search(text)
        if c:
            self._thread_child[thread] = int(c.group(1))
            return
        c = ESP_SA.search(text)
        if c:
            self._thread_esp[thread] = c.group(2)
            return
        c = ESP_SPI.match(text)
        if c and thread in self._thread_esp and thread in self._thread_child:
            child = self._thread_child[thread]
            direction = self._thread_esp.pop(thread)
            spi = c.group(1).lower().zfill(8)
            # A responder's rekeyed outbound SA is "registered" on the installing thread and
            # "added" later on another one, whose last Child SA may be a different one: the
            # first sighting of an SPI is the one that names its Child SA.
            if not any(spi in sas for sas in self.child_sas.values()):
                self.child_sas.setdefault(child, {})[spi] = (direction, c.group(2), c.group(3))

    def _ike_sa_for_keys(self, context):
        created_ids = [sa for _, sa in self.created]
        if context in created_ids and context not in self.ike_keys:
            return context
        for ctx, sa in self.created:
            if ctx == context and sa not in self.ike_keys:
                return sa
        return context

    def _dump_done(self, thread, label, data, context):
        if label == "natd_chunk" and len(data) >= 16 and context is not None:
            spi_i, spi_r = data[:8].hex(), data[8:16].hex()
            if int(spi_r, 16) != 0:
                self.ike_spis[context] = (spi_i, spi_r)
        elif label == "Sk_ei secret":
            sa = self._ike_sa_for_keys(context)
            self._ike_target[thread] = sa
            self.ike_keys[sa] = {"ei": data}
        elif label == "Sk_er secret":
            sa = self._ike_target.pop(thread, None)
            if sa is not None:
                self.ike_keys[sa]["er"] = data
        elif label in ("encryption initiator key", "encryption responder key"):
            child = self._thread_child.get(thread)
            if child is not None:
                role = "i" if "initiator" in label else "r"
                self.child_keys.setdefault(child, {})[role] = data

    def ike_lines(self, spis=None):
        """ikev2_decryption_table lines; spis maps SA unique id -> (spi_i, spi_r) hex."""
        lines = []
        for sa, keys in sorted(self.ike_keys.items()):
            pair = (spis or {}).get(sa) or self.ike_spis.get(sa)
            if pair is None or "er" not in keys:
                continue
            alg = IKE_GCM.get(len(keys["ei"]))
            if alg is None:
                raise KeyLogError("IKE SA %d: only AES-GCM-16 keys are converted" % sa)
            lines.append('%s,%s,%s,%s,"%s",,,"NONE [RFC4306]"' % (
                pair[0], pair[1], keys["ei"].hex(), keys["er"].hex(), alg))
        return lines

    def esp_lines(self):
        lines = []
        for child, sas in sorted(self.child_sas.items()):
            keys = self.child_keys.get(child, {})
            if "i" not in keys or "r" not in keys:
                continue
            initiated = child in self.child_initiated
            for spi, (direction, src, dst) in sas.items():
                if direction == "outbound":
                    key = keys["i"] if initiated else keys["r"]
                else:
                    key = keys["r"] if initiated else keys["i"]
                if len(key) not in (20, 28, 36):
                    raise KeyLogError("Child SA %d: only AES-GCM-16 keys are converted" % child)
                lines.append('"IPv4","%s","%s","0x%s","%s","0x%s","NULL",""' % (
                    src, dst, spi, ESP_GCM, key.hex()))
        return lines

    def ike_sa_ids(self):
        return sorted(self.ike_keys)
