"""A ladder diagram (message sequence chart) of one recovery, drawn from events.csv rows.

One vertical lane per node, time downwards. Events named *-sent (and retransmit) become arrows
to the peer's lane, ending at the matching *-received event of the same notify when the peer
logged one, otherwise drawn dashed a short way (delivery not logged: lost, or the peer logs no
receive event). Other events are labelled dots. Long idle gaps are compressed and marked, so
that a 165 s retransmission schedule and a 50 ms QCD exchange both stay readable; the tick
labels keep the true simulated times.
"""

import textwrap

from analysis import csvio
from analysis.figures_common import plt

GAP_LIMIT = 6.0      # a gap longer than this many y units is drawn as a break ...
GAP_CAP = 2.5        # ... of this height
ARROW_DROP = 0.35    # y units an unmatched arrow descends
MATCH_WINDOW_S = 5.0


# IKEv2 notify types (RFC 7296, RFC 6290; CHECK_SPI from the SIR draft, private use).
NOTIFY_NAMES = {"1": "UNSUPPORTED_CRITICAL_PAYLOAD", "4": "INVALID_IKE_SPI",
                "5": "INVALID_MAJOR_VERSION", "7": "INVALID_SYNTAX", "9": "INVALID_MESSAGE_ID",
                "11": "INVALID_SPI", "14": "NO_PROPOSAL_CHOSEN", "17": "INVALID_KE_PAYLOAD",
                "24": "AUTHENTICATION_FAILED", "38": "TS_UNACCEPTABLE",
                "43": "TEMPORARY_FAILURE", "44": "CHILD_SA_NOT_FOUND",
                "16384": "INITIAL_CONTACT", "16388": "NAT_DETECTION_SOURCE_IP",
                "16389": "NAT_DETECTION_DESTINATION_IP", "16390": "COOKIE",
                "16393": "REKEY_SA", "16419": "QCD_TOKEN", "32770": "CHECK_SPI"}


def _notify(row):
    """The notify of an events.csv row as a name; "" when none (the scenarios write 0)."""
    value = (row.get("notify") or "").strip()
    if value in ("", "0"):
        return ""
    return NOTIFY_NAMES.get(value, value if not value.isdigit() else "N(%s)" % value)


def _join(labels, limit=60):
    """One line from the labels of events drawn at the same place, repeats removed."""
    text = "; ".join(dict.fromkeys(labels))
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _is_send(event):
    return event.endswith("-sent") or event == "retransmit"


def _is_receive(event):
    return event.endswith("-received")


def _label(row):
    event, notify, detail = row["event"], _notify(row), row.get("detail", "")
    if event == "retransmit":
        text = "retransmit %s" % detail if detail else "retransmit"
    elif notify and event in ("notify-sent", "notify-received"):
        text = notify
        if row.get("protected") in ("0", "false"):
            text += " (unprotected)"
    elif notify:
        text = "%s %s" % (event, notify)
    elif detail and event == "request-sent":
        text = detail
    else:
        text = event + (" " + detail if detail else "")
    return text[:40]


class _Scale:
    """Maps simulated time to y, compressing gaps longer than GAP_CAP units."""

    def __init__(self, times):
        self.times = sorted(set(times)) or [0.0]
        steps = sorted(b - a for a, b in zip(self.times, self.times[1:]) if b > a)
        # One y unit is the typical gap between events: message exchanges stay legible and
        # anything much longer (boot time, retransmission back-off) becomes a marked break.
        self.unit = max(steps[len(steps) // 2] if steps else 1.0, 1e-6)
        self.ys = [0.0]
        self.breaks = []
        for a, b in zip(self.times, self.times[1:]):
            dy = (b - a) / self.unit
            if dy > GAP_LIMIT:
                self.breaks.append((self.ys[-1] + GAP_CAP / 2, b - a))
                dy = GAP_CAP
            self.ys.append(self.ys[-1] + dy)

    def y(self, t):
        times, ys = self.times, self.ys
        if t <= times[0]:
            return ys[0] - (times[0] - t) / self.unit
        if t >= times[-1]:
            return ys[-1] + min((t - times[-1]) / self.unit, GAP_CAP)
        for i in range(1, len(times)):
            if t <= times[i]:
                a, b = times[i - 1], times[i]
                return ys[i - 1] + (ys[i] - ys[i - 1]) * (t - a) / (b - a)
        return ys[-1]


def ladder(rows, run, title):
    events = [r for r in rows if csvio.number(r.get("time_s")) is not None and r.get("node")]
    # Alice (the survivor) on the left, Bob next, then the nodes in order of appearance.
    seen = list(dict.fromkeys(r["node"] for r in events))
    lanes = sorted(seen, key=lambda n: (n != "alice", n != "bob", seen.index(n)))
    omitted = [r for r in rows if csvio.number(r.get("time_s")) is None]
    marks = [(name, csvio.number(run.get(name))) for name in ("t_fail", "t_up", "t_restored_ab")]
    marks = [(n, t) for n, t in marks if t is not None]
    scale = _Scale([csvio.number(r["time_s"]) for r in events] + [t for _, t in marks])
    height = min(16.0, max(4.0, 0.28 * len(scale.times) + 1.5))
    fig, ax = plt.subplots(figsize=(3.5 + 1.8 * max(2, len(lanes)), height))
    lane_x = {name: i for i, name in enumerate(lanes)}
    top, bottom = scale.ys[0] - 0.5, scale.ys[-1] + 0.8
    for name, x in lane_x.items():
        ax.plot([x, x], [top, bottom], color="black", lw=1)
        ax.text(x, top - 0.15, name, ha="center", va="bottom", fontweight="bold")
    used = set()
    ticks = {}
    arrows = {}   # (x, y, x2, end, matched, unprotected) -> labels: one arrow per message
    markers = {}  # (x, y) -> labels: one dot per node and instant
    for i, row in enumerate(events):
        t = csvio.number(row["time_s"])
        y = scale.y(t)
        x = lane_x[row["node"]]
        ticks[round(y, 6)] = t
        if _is_send(row["event"]):
            target = row.get("peer") if row.get("peer") in lane_x else None
            if target is None and len(lanes) >= 2 and x < 2:
                target = lanes[1 - x]  # the two gateways talk to each other
            if target is not None and target != row["node"]:
                end = None
                for j, other in enumerate(events):
                    t2 = csvio.number(other["time_s"])
                    if (j not in used and other["node"] == target and _is_receive(other["event"])
                            and _notify(other) == _notify(row)
                            and t <= t2 <= t + MATCH_WINDOW_S):
                        used.add(j)
                        end = scale.y(t2)
                        break
                matched = end is not None
                end = end if matched else y + ARROW_DROP
                key = (x, round(y, 6), lane_x[target], round(end, 6), matched,
                       row.get("protected") in ("0", "false"))
                arrows.setdefault(key, []).append(_label(row))
                continue
        if _is_receive(row["event"]) and i in used:
            continue
        markers.setdefault((x, round(y, 6)), []).append(_label(row))
    for (x, y, x2, end, matched, unprotected), labels in arrows.items():
        ax.annotate("", xy=(x2, end), xytext=(x, y),
                    arrowprops=dict(arrowstyle="->", ls="-" if matched else "--", lw=1,
                                    color="tab:red" if unprotected else "tab:blue"))
        ax.text(x + (x2 - x) * 0.08, y + (end - y) * 0.08 - 0.04, _join(labels),
                ha="left" if x2 > x else "right", va="bottom", fontsize=7)
    for (x, y), labels in markers.items():
        ax.plot([x], [y], "o", color="black", ms=3)
        # State labels outside the lanes (left of the first, right of the others), so that
        # they do not collide with the message labels between the lanes.
        side = -1 if x == 0 and len(lanes) > 1 else 1
        ax.text(x + 0.03 * side, y, _join(labels, 45), fontsize=7, va="center",
                ha="left" if side > 0 else "right")
    for (name, t), style in zip(marks, (":", "--", "-.")):
        y = scale.y(t)
        ax.axhline(y, color="tab:gray", ls=style, lw=0.8)
        ax.text(-1.07, y, "%s = %.3f s" % (name, t), fontsize=7, va="top", ha="left",
                color="tab:gray")
    for y, gap in scale.breaks:
        ax.text((len(lanes) - 1) / 2, y, "%.3g s later" % gap, fontsize=7, color="tab:gray",
                va="center", ha="center")
        ax.axhspan(y - 0.1, y + 0.1, color="0.92", lw=0)
    shown = sorted(ticks.items())
    thinned, last = [], None
    for y, t in shown:
        if last is None or y - last >= 0.25:
            thinned.append((y, t))
            last = y
    ax.set_yticks([y for y, _ in thinned])
    ax.set_yticklabels(["%.3f" % t for _, t in thinned], fontsize=7)
    ax.set_ylim(bottom, top - 0.6)
    ax.set_xlim(-1.1, max(1, len(lanes) - 1) + 0.9)
    ax.set_xticks([])
    ax.grid(False)
    ax.set_ylabel("simulated time (s); grey bands are compressed idle gaps")
    ax.set_title(title, fontsize=9)
    if omitted:
        text = "Repeated events not drawn: " + "; ".join(
            "%s %s%s: %s" % (r["node"], r["event"], " " + _notify(r) if _notify(r) else "",
                             r["detail"].replace("omitted ", "")) for r in omitted)
        fig.text(0.01, 0.005, textwrap.fill(text, 150), fontsize=6.5, color="tab:gray",
                 va="bottom")
    return fig
