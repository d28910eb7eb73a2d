"""The cluster benchmark's data: bench/sessions.py's N keys, each routed by its hash slot
(CRC16/XMODEM mod 16384) to the master owning it, as RESP for `redis-cli --pipe`: one file
per master. Usage: cluster_keys.py N OUT_PREFIX START-END…  (writes OUT_PREFIX.0, .1, …)"""
import subprocess, sys

n, prefix, ranges = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
bounds = [tuple(int(x) for x in r.split("-")) for r in ranges]
table = []
for i in range(256):
    c = i << 8
    for _ in range(8):
        c = ((c << 1) ^ 0x1021) if c & 0x8000 else (c << 1)
    table.append(c & 0xFFFF)


def slot(key):
    # The keys have no hash tags, so the whole key is hashed.
    crc = 0
    for b in key:
        crc = ((crc << 8) & 0xFFFF) ^ table[((crc >> 8) ^ b) & 0xFF]
    return crc & 0x3FFF


outs = [open("%s.%d" % (prefix, i), "wb") for i in range(len(bounds))]
gen = subprocess.Popen([sys.executable, __file__.replace("cluster_keys.py", "sessions.py"), str(n)],
                       stdout=subprocess.PIPE)
data = gen.stdout
while True:
    head = data.readline()  # *3
    if not head:
        break
    parts = [head]
    args = []
    for _ in range(int(head[1:])):
        ln = data.readline()
        val = data.readline()
        parts += [ln, val]
        args.append(val[:-2])
    s = slot(args[1])
    i = next(j for j, (a, b) in enumerate(bounds) if a <= s <= b)
    outs[i].write(b"".join(parts))
for o in outs:
    o.close()
gen.wait()
