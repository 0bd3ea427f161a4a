# Drives qemu-storage-daemon over QMP: full blockdev-backup of SRC into a new sparse TGT, timed from
# the command to BLOCK_JOB_COMPLETED. Usage: python3 qsd_backup.py SRC TGT [threads|native|io_uring]
import json, os, socket, subprocess, sys, time
src, tgt, aio = sys.argv[1], sys.argv[2], (sys.argv[3] if len(sys.argv) > 3 else "threads")
sock = "/tmp/qsd-bench.sock"
if os.path.exists(sock): os.unlink(sock)
size = os.path.getsize(src)
subprocess.run(["qemu-img", "create", "-q", "-f", "raw", tgt, str(size)], check=True)
d = subprocess.Popen(["qemu-storage-daemon",
  "--blockdev", f"driver=file,node-name=sf,filename={src},cache.direct=on,aio={aio}",
  "--blockdev", "driver=raw,node-name=src,file=sf",
  "--blockdev", f"driver=file,node-name=tf,filename={tgt},cache.direct=on,aio={aio}",
  "--blockdev", "driver=raw,node-name=tgt,file=tf",
  "--chardev", f"socket,path={sock},server=on,wait=off,id=m", "--monitor", "chardev=m"])
while not os.path.exists(sock): time.sleep(0.01)
s = socket.socket(socket.AF_UNIX); s.connect(sock); f = s.makefile("rw")
def recv():
    return json.loads(f.readline())
def cmd(c, **a):
    f.write(json.dumps({"execute": c, "arguments": a}) + "\n"); f.flush()
    while True:
        m = recv()
        if "return" in m or "error" in m: return m
recv(); cmd("qmp_capabilities")
t = time.time()
print(cmd("blockdev-backup", **{"job-id": "j", "device": "src", "target": "tgt", "sync": "full"}))
while True:
    m = recv()
    if m.get("event") in ("BLOCK_JOB_COMPLETED", "BLOCK_JOB_CANCELLED"):
        el = time.time() - t; print(m["event"], m["data"].get("error"), "%.3f s %.0f MiB/s" % (el, size / el / 2**20)); break
cmd("quit"); d.wait()
