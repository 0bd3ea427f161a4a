#!/usr/bin/env bash
# Usage: bench/scripts/compare-full-backup.sh   (in a directory holding src.raw, e.g. 4 GiB of /dev/urandom)
# Full backup of a 4 GiB random raw file: blockcopy io_uring, blockcopy FileChannel, qemu-img convert,
# qemu-storage-daemon blockdev-backup; alternating, in one run.
set -u
BC="$(cd "$(dirname "$0")/../.." && pwd)/blockcopy"
QSD="$(dirname "$0")/qsd_backup.py"
for round in 1 2 3; do
  rm -f bc.raw* ; sync
  s=$(date +%s.%N); $BC backup src.raw bc.raw --backend io_uring --no-manifest --json 2>/dev/null > u.json; e=$(date +%s.%N)
  echo "round $round io_uring      wall $(echo "$e - $s" | bc) job $(python3 -c "import json;print(json.load(open('u.json'))['seconds'])")"
  rm -f bc.raw* ; sync
  s=$(date +%s.%N); $BC backup src.raw bc.raw --backend filechannel --no-manifest --json 2>/dev/null > f.json; e=$(date +%s.%N)
  echo "round $round filechannel   wall $(echo "$e - $s" | bc) job $(python3 -c "import json;print(json.load(open('f.json'))['seconds'])")"
  rm -f qemu.raw ; sync
  s=$(date +%s.%N); qemu-img convert -O raw -t none -T none src.raw qemu.raw; e=$(date +%s.%N)
  echo "round $round qemu-img      wall $(echo "$e - $s" | bc)"
  rm -f qsd.raw; sync
  echo "round $round qsd-backup    $(python3 "$QSD" src.raw qsd.raw native 2>&1 | tail -1)"
done
