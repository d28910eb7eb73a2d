"""The backup benchmarks' data: N keys of session-like JSON, random tokens and text (about
265 bytes of RDB each), as RESP on stdout for `redis-cli --pipe`. Usage: sessions.py N"""
import base64, os, random, sys
from resp import Pipe

random.seed(7)
n = int(sys.argv[1])
pipe = Pipe()
words = [b"alpha", b"bravo", b"charlie", b"delta", b"echo", b"foxtrot", b"golf", b"hotel"]
for i in range(n):
    kind = i % 3
    if kind == 0:  # session-like JSON: compresses well
        v = (b'{"user":%d,"name":"user%d","roles":["reader","writer"],"last_seen":%d,"cart":[%s],"tags":"%s"}'
             % (i, i, 1700000000 + i, b",".join(b"%d" % random.randrange(10**6) for _ in range(12)),
                b" ".join(random.choice(words) for _ in range(10))))
    elif kind == 1:  # tokens: incompressible
        v = base64.b64encode(os.urandom(240))
    else:  # text with numbers
        v = b" ".join(random.choice(words) + b"%d" % random.randrange(1000) for _ in range(30))
    pipe.send(b"SET", b"k:%d:%d" % (kind, i), v)
pipe.flush()
