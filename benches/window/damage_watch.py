#!/usr/bin/python3
"""Prints the time (Unix seconds) of every frame a window puts on screen, one per line, as the
X server reports it: the DAMAGE extension tells when the window's pixels change. This counts
what a user sees, for any app (Sockscope or Packet Sender), without trusting the app.

Usage: damage_watch.py PID OUT   (DISPLAY from the environment; runs until killed)
Needs python3-xlib (Debian package). A separate process, so a busy benchmark cannot delay it.
"""
import sys
import time

from Xlib import X, display
from Xlib.ext import damage


def windows_of(disp, pid):
    """The mapped windows whose _NET_WM_PID is `pid`, under a window manager's frames too."""
    atom = disp.intern_atom("_NET_WM_PID")
    found = []
    pending = [(disp.screen().root, 0)]
    while pending:
        parent, depth = pending.pop()
        try:
            children = parent.query_tree().children
        except Exception:  # the window went away meanwhile
            continue
        for window in children:
            try:
                prop = window.get_full_property(atom, X.AnyPropertyType)
                attrs = window.get_attributes()
            except Exception:
                continue
            if prop and prop.value and prop.value[0] == pid:
                if attrs.map_state == X.IsViewable:
                    found.append(window)
            elif depth < 2:
                pending.append((window, depth + 1))
    return found


def main():
    pid, out_path = int(sys.argv[1]), sys.argv[2]
    disp = display.Display()
    if not disp.has_extension("DAMAGE"):
        sys.exit("damage_watch: the X server has no DAMAGE extension")
    disp.damage_query_version()
    deadline = time.time() + 30
    while not (windows := windows_of(disp, pid)):
        if time.time() > deadline:
            sys.exit(f"damage_watch: no window of pid {pid}")
        time.sleep(0.2)
    for window in windows:
        window.damage_create(damage.DamageReportNonEmpty)
    with open(out_path, "w", buffering=1) as out:
        while True:
            event = disp.next_event()
            if event.__class__.__name__ == "DamageNotify":
                out.write(f"{time.time():.6f}\n")
                # Empty the damage, so the next change reports again.
                disp.damage_subtract(event.damage)
                disp.flush()


if __name__ == "__main__":
    main()
