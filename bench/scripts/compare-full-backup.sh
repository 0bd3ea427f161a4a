#!/usr/bin/env bash
# Usage: bench/scripts/compare-full-backup.sh [ROUNDS]   (in a directory holding src.raw, e.g. 4 GiB of /dev/urandom)
# Full backup of a raw file, alternating in one run: the disk's copy bound (fio reading src.raw and writing a
# new file at once, 1 MiB blocks, QD 32 and 128 per job, direct), blockcopy io_uring, blockcopy FileChannel, qemu-img convert,
# qemu-storage-daemon blockdev-backup. Prints each round, then the medians and the ratios (higher = blockcopy
# faster). blockcopy's times are its job's, T0 to success with the target flushed; QEMU's backup is timed from
# the command to BLOCK_JOB_COMPLETED (sent before any flush); fio's copy bound does not flush.
set -u
ROUNDS="${1:-3}"
BC="$(cd "$(dirname "$0")/../.." && pwd)/blockcopy"
QSD="$(dirname "$0")/qsd_backup.py"
SIZE=$(stat -c %s src.raw)
now() { date +%s.%N; }
: > rounds.txt
for round in $(seq 1 "$ROUNDS"); do
  for qd in 32 128; do  # 32 per job: 64 MiB in flight, as the backup's 64 workers of 1 MiB; 128: fio's best here
    rm -f cb.raw; sync
    $BC bench src.raw --rw copy --copy-target cb.raw --bs 1M --iodepth $qd --size "$SIZE" --vs-fio --json \
      2>/dev/null > cb.json
    echo "$round copy-bound-qd$qd $(python3 -c "import json;print($SIZE/json.load(open('cb.json'))['fio']['bytes_per_second'])")" | tee -a rounds.txt
  done
  rm -f bc.raw*; sync
  s=$(now); $BC backup src.raw bc.raw --backend io_uring --no-manifest --json 2>/dev/null > u.json; e=$(now)
  echo "$round io_uring $(python3 -c "import json;print(json.load(open('u.json'))['seconds'])") $(echo "$e - $s" | bc)" | tee -a rounds.txt
  rm -f bc.raw*; sync
  s=$(now); $BC backup src.raw bc.raw --backend filechannel --no-manifest --json 2>/dev/null > f.json; e=$(now)
  echo "$round filechannel $(python3 -c "import json;print(json.load(open('f.json'))['seconds'])") $(echo "$e - $s" | bc)" | tee -a rounds.txt
  rm -f qemu.raw; sync
  s=$(now); qemu-img convert -O raw -t none -T none src.raw qemu.raw; e=$(now)
  echo "$round qemu-img $(echo "$e - $s" | bc)" | tee -a rounds.txt
  rm -f qsd.raw; sync
  echo "$round qsd-backup $(python3 "$QSD" src.raw qsd.raw native 2>&1 | tail -1 | awk '{print $3}')" | tee -a rounds.txt
done
cmp -s src.raw bc.raw && cmp -s src.raw qsd.raw && echo "cmp: the last copies are identical to src.raw" \
  || echo "cmp: A COPY DIFFERS"
python3 - "$SIZE" <<'EOF'
import statistics, sys
size = int(sys.argv[1])
seconds, walls = {}, {}
for line in open("rounds.txt"):
    parts = line.split()
    seconds.setdefault(parts[1], []).append(float(parts[2]))
    if len(parts) > 3:
        walls.setdefault(parts[1], []).append(float(parts[3]))
med = {k: statistics.median(v) for k, v in seconds.items()}
for k, v in med.items():
    print(f"median {k:12s} {v:7.3f} s  {size / v / 2**20:7.0f} MiB/s")
print(f"blockcopy io_uring backup / disk copy bound, same 64 MiB in flight: x{med['copy-bound-qd32'] / med['io_uring']:.3f}")
print(f"blockcopy io_uring backup / disk copy bound, fio QD 128 per job:   x{med['copy-bound-qd128'] / med['io_uring']:.3f}")
print(f"blockcopy io_uring backup / QEMU blockdev-backup:   x{med['qsd-backup'] / med['io_uring']:.3f}")
print(f"blockcopy io_uring backup / qemu-img convert (wall, JVM start included): "
      f"x{med['qemu-img'] / statistics.median(walls['io_uring']):.3f}")
EOF
