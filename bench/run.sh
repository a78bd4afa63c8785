#!/usr/bin/env bash
# Benchmark: bouncewhy against Debian's Perl sisimai and a parse-only floor,
# all measured in one run on the same machine (ratios are the figures that
# count on a noisy machine).
#
# Builds release binaries, replicates the sisimai corpus COPIES times into a
# directory and into one mbox, then measures whole-process wall time and peak
# RSS (median of RUNS runs; the main table runs in interleaved rounds, so that a
# noisy spell of the machine hits every command alike) for:
#   - bouncewhy decode --format jsonl, one thread and all cores, dir and mbox;
#   - Perl sisimai (Sisimai->dump) on the same directory;
#   - the parse-only floor (MIME-parsing every message with mail-parser);
#   - a generated mbox of about BIG_MB megabytes (peak RSS);
#   - `bouncewhy explain "<one line>"` (hyperfine median);
#   - the library's one-line explanations per second on one core.
#
# Usage: bench/run.sh   (environment: RUNS=9 COPIES=20 BIG_MB=1024 BIG_RUNS=3)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RUNS=${RUNS:-9}
COPIES=${COPIES:-20}
BIG_MB=${BIG_MB:-1024}
BIG_RUNS=${BIG_RUNS:-3}
CORPUS=${CORPUS:-$ROOT/../shared/corpus/sisimai/emails}
SEEDS=${SEEDS:-$ROOT/../shared/acceptance/seed-cases.jsonl}
EXPLAIN_LINE=${EXPLAIN_LINE:-"550 5.1.1 <jane@example.org>: Recipient address rejected: User unknown in virtual mailbox table"}

if [ ! -d "$CORPUS" ]; then
  echo "bench: corpus not found at $CORPUS (set CORPUS=...)" >&2
  exit 1
fi

echo "== tools"
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
perl -MSisimai -e 1 2>/dev/null || missing+=(libsisimai-perl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y "${missing[@]}" >/dev/null
fi
echo "sisimai $(perl -MSisimai -e 'print Sisimai->version') (Perl), $(hyperfine --version), $(nproc) cores"

echo "== build (release)"
cargo build --release --quiet -p bouncewhy-cli
cargo build --release --quiet -p bouncewhy --example parse_floor --example explain_rate
BOUNCEWHY=$ROOT/target/release/bouncewhy
FLOOR=$ROOT/target/release/examples/parse_floor
RATE=$ROOT/target/release/examples/explain_rate

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bouncewhy-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "== corpus: $COPIES copies of $CORPUS"
perl "$ROOT/bench/replicate.pl" "$CORPUS" "$COPIES" "$WORK/dir" "$WORK/all.mbox"
DIR_BYTES=$(du -sb --apparent-size "$WORK/dir" | cut -f1)
MBOX_BYTES=$(stat -c %s "$WORK/all.mbox")
"$BOUNCEWHY" decode --format jsonl "$WORK/dir" 2>"$WORK/count" >/dev/null || true
MESSAGES=$(grep -o '[0-9]* messages' "$WORK/count" | cut -d' ' -f1)
"$BOUNCEWHY" decode --format jsonl "$WORK/all.mbox" 2>"$WORK/count" >/dev/null || true
MBOX_MESSAGES=$(grep -o '[0-9]* messages' "$WORK/count" | cut -d' ' -f1)
echo "dir: $MESSAGES messages, $((DIR_BYTES / 1000000)) MB; mbox: $MBOX_MESSAGES messages, $((MBOX_BYTES / 1000000)) MB"

# run_once NAME COMMAND...: runs COMMAND once (stdout discarded) and appends
# its wall time (microseconds) and peak RSS (KB) to $WORK/runs.NAME.
run_once() {
  local name=$1 start end
  shift
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$WORK/rss" "$@" >/dev/null 2>"$WORK/stderr" || true
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000 )) $(tail -n 1 "$WORK/rss")" >>"$WORK/runs.$name"
}

# report NAME MESSAGES BYTES: prints one table row (median wall time and
# median peak RSS of the runs of NAME) and keeps the median messages/s in
# $WORK/rate.NAME.
report() {
  local name=$1 messages=$2 bytes=$3 wall_us rss_kb
  wall_us=$(cut -d' ' -f1 "$WORK/runs.$name" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  rss_kb=$(cut -d' ' -f2 "$WORK/runs.$name" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  awk -v name="$name" -v m="$messages" -v b="$bytes" -v us="$wall_us" -v kb="$rss_kb" -v out="$WORK/rate.$name" 'BEGIN {
    s = us / 1e6; rate = m / s
    printf "%-34s %8.3f %10.0f %8.1f %9.1f\n", name, s, rate, b / 1e6 / s, kb / 1024
    printf "%.3f\n", rate > out
  }'
}

# measure NAME MESSAGES BYTES RUNS COMMAND...: RUNS runs of COMMAND in a row, then its row.
measure() {
  local name=$1 messages=$2 bytes=$3 runs=$4
  shift 4
  for _ in $(seq "$runs"); do
    run_once "$name" "$@"
  done
  report "$name" "$messages" "$bytes"
}
rate() { cat "$WORK/rate.$1"; }

echo "== whole process, median of $RUNS runs (bouncewhy and the floor interleaved: each round runs each once)"
printf "%-34s %8s %10s %8s %9s\n" "" "wall s" "msg/s" "MB/s" "RSS MB"
for _ in $(seq "$RUNS"); do
  run_once decode-dir-1-thread "$BOUNCEWHY" decode --format jsonl --threads 1 "$WORK/dir"
  run_once decode-dir-all-cores "$BOUNCEWHY" decode --format jsonl "$WORK/dir"
  run_once decode-mbox-1-thread "$BOUNCEWHY" decode --format jsonl --threads 1 "$WORK/all.mbox"
  run_once decode-mbox-all-cores "$BOUNCEWHY" decode --format jsonl "$WORK/all.mbox"
  run_once parse-only-floor-dir-1-thread "$FLOOR" "$WORK/dir"
  run_once parse-only-floor-mbox-1-thread "$FLOOR" "$WORK/all.mbox"
done
# Perl sisimai runs after the rounds: on this machine the first command after
# a Perl run was measured about 20% slower, however long the pause.
for _ in $(seq "$RUNS"); do
  run_once sisimai-perl-dir perl "$ROOT/bench/sisimai.pl" "$WORK/dir"
done
report decode-dir-1-thread "$MESSAGES" "$DIR_BYTES"
report decode-dir-all-cores "$MESSAGES" "$DIR_BYTES"
report decode-mbox-1-thread "$MBOX_MESSAGES" "$MBOX_BYTES"
report decode-mbox-all-cores "$MBOX_MESSAGES" "$MBOX_BYTES"
report parse-only-floor-dir-1-thread "$MESSAGES" "$DIR_BYTES"
report parse-only-floor-mbox-1-thread "$MBOX_MESSAGES" "$MBOX_BYTES"
report sisimai-perl-dir "$MESSAGES" "$DIR_BYTES"

echo "== big mbox (about $BIG_MB MB), median of $BIG_RUNS runs"
BIG=$WORK/big.mbox
while [ "$(stat -c %s "$BIG" 2>/dev/null || echo 0)" -lt $((BIG_MB * 1000000)) ]; do
  cat "$WORK/all.mbox" >>"$BIG"
done
BIG_BYTES=$(stat -c %s "$BIG")
BIG_MESSAGES=$(( MBOX_MESSAGES * (BIG_BYTES / MBOX_BYTES) ))
printf "%-34s %8s %10s %8s %9s\n" "" "wall s" "msg/s" "MB/s" "RSS MB"
measure decode-big-mbox-all-cores "$BIG_MESSAGES" "$BIG_BYTES" "$BIG_RUNS" "$BOUNCEWHY" decode --format jsonl "$BIG"
measure decode-big-mbox-1-thread "$BIG_MESSAGES" "$BIG_BYTES" 1 "$BOUNCEWHY" decode --format jsonl --threads 1 "$BIG"
rm -f "$BIG"

echo "== explain one line, whole process (hyperfine)"
hyperfine -N --style none --warmup 3 --runs 30 --export-json "$WORK/explain.json" \
  "$BOUNCEWHY explain '$EXPLAIN_LINE'" >/dev/null
EXPLAIN_MS=$(perl -MJSON::PP -0777 -ne 'printf "%.1f", decode_json($_)->{results}[0]{median} * 1000' "$WORK/explain.json")
echo "bouncewhy explain median: $EXPLAIN_MS ms"

echo "== library"
if [ -f "$SEEDS" ]; then
  "$RATE" "$SEEDS" 2
else
  echo "skipped: $SEEDS not found"
fi

echo "== ratios (same run)"
awk -v one="$(rate decode-dir-1-thread)" -v all="$(rate decode-dir-all-cores)" \
    -v mone="$(rate decode-mbox-1-thread)" -v mall="$(rate decode-mbox-all-cores)" \
    -v floor="$(rate parse-only-floor-dir-1-thread)" -v mfloor="$(rate parse-only-floor-mbox-1-thread)" \
    -v perl="$(rate sisimai-perl-dir)" 'BEGIN {
  printf "single thread vs Perl sisimai:     %6.1fx\n", one / perl
  printf "all cores vs single thread (dir):  %6.2fx\n", all / one
  printf "all cores vs single thread (mbox): %6.2fx\n", mall / mone
  printf "decode vs parse-only floor, 1 core (dir):  %5.1f%%\n", 100 * one / floor
  printf "decode vs parse-only floor, 1 core (mbox): %5.1f%%\n", 100 * mone / mfloor
}'
