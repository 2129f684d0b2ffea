#!/usr/bin/env bash
# Times the catalogue against one served target whose notifications arrive
# 300 ms late: serial, -p 4 in one process, and --shard k/4 as four processes at
# once, each with 8 accounts and 2 queues of its own, then merged. Usage:
#   bash bench/split.sh            (from the repository root; takes about 4 minutes)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill ${servers:-} 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/gwsconform" "$root/cmd/gwsconform"
bin=$work/gwsconform
cd "$work"

# One server whose 32 agents are in every queue (serial, -p 4), one whose
# agents 8k-7..8k are in queues qk-1, qk-2 only (part k of four).
: >all.yaml
: >parts.yaml
queues=""
for i in $(seq 1 32); do
	part=$(((i - 1) / 8 + 1))
	echo "- {username: agent$i, password: password, userId: u$i, firstName: Agent, lastName: N$i}" >>all.yaml
	echo "- {username: agent$i, password: password, userId: u$i, firstName: Agent, lastName: N$i, queues: [q$part-1, q$part-2]}" >>parts.yaml
done
for k in 1 2 3 4; do queues="$queues${queues:+,}q$k-1,q$k-2"; done
servers=""
serve() { # log name, users file, more flags...
	local log=$1.log
	shift
	"$bin" serve --addr 127.0.0.1:0 --tolerate delayed-notifications --connect-timeout 1s --users "$@" >"$log" 2>&1 &
	servers="$servers $!"
}
url() {
	for _ in $(seq 100); do grep -q "listening on" "$1.log" && break; sleep 0.1; done
	grep -o 'http://127.0.0.1:[0-9]*' "$1.log" | head -1
}
serve one all.yaml
serve split parts.yaml --queues "$queues"
one=$(url one)
split=$(url split)
accounts() { local a=""; for i in $(seq "$1" "$2"); do a="$a${a:+,}agent$i:password"; done; echo "$a"; }
for p in ${PROCESSES:-1 4}; do  # PROCESSES=4 skips the 2.5-minute serial run
	s=$(date +%s.%N)
	"$bin" run -q --target "$one" --accounts "$(accounts 1 32)" -p $p >p$p.log 2>&1 || true
	e=$(date +%s.%N)
	echo "-p $p: $(echo "$e - $s" | bc)s  $(grep 'gwsconform:' p$p.log | tail -1)"
done
s=$(date +%s.%N)
for k in 1 2 3 4; do
	"$bin" run -q --target "$split" --accounts "$(accounts $((8 * k - 7)) $((8 * k)))" --queues "q$k-1,q$k-2" --shard "$k/4" -p 1 --report-dir part$k >part$k.log 2>&1 &
done
for pid in $(jobs -p); do case " $servers " in *" $pid "*) ;; *) wait "$pid" || true ;; esac; done
e=$(date +%s.%N)
echo "--shard k/4, four processes at once: $(echo "$e - $s" | bc)s"
for k in 1 2 3 4; do echo "  part $k: $(grep 'gwsconform:' part$k.log | tail -1)"; done
"$bin" merge merged part1 part2 part3 part4 | grep 'gwsconform:' | tail -1
