"""Measures a server's downtime during a restore: PINGs 127.0.0.1:PORT every 10 ms until it
gets SIGTERM, then prints the longest stretch (seconds) in which it did not get +PONG (refused,
closed, or -LOADING while the dataset loads). The same probe watches redisops and the manual
procedure, so their downtimes compare."""
import signal
import socket
import sys
import time

port = int(sys.argv[1])
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)


def pong(sock):
    sock.sendall(b"PING\r\n")
    return sock.recv(64).startswith(b"+PONG")


sock = None
down_since = None
longest = 0.0
while not stop:
    now = time.monotonic()
    try:
        if sock is None:
            sock = socket.create_connection(("127.0.0.1", port), timeout=1)
        up = pong(sock)
    except OSError:
        if sock is not None:
            sock.close()
        sock, up = None, False
    if up:
        if down_since is not None:
            longest = max(longest, now - down_since)
            down_since = None
    elif down_since is None:
        down_since = now
    time.sleep(0.01)
if down_since is not None:
    longest = max(longest, time.monotonic() - down_since)
print("%.2f" % longest)
