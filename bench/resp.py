"""RESP for the bench data generators: commands written to stdout for `redis-cli --pipe`."""
import sys


class Pipe:
    """Buffers encoded commands and writes them in batches of 10,000."""

    def __init__(self):
        self.out = sys.stdout.buffer
        self.buf = []

    def send(self, *args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            parts.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.buf.append(b"".join(parts))
        if len(self.buf) == 10000:
            self.flush()

    def flush(self):
        self.out.write(b"".join(self.buf))
        self.buf = []
