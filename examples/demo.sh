#!/usr/bin/env bash
# Runs the README's first pipeline on sample data. It starts etl-broker on
# a free loopback port, loads the wikiticker edits into topic wikiticker
# keyed by channel, copies them through etl-set into wikiticker-enriched,
# then prints three records and the counts in and out. The broker keeps
# everything in memory and is stopped on exit.
#
# `make demo` builds the binaries and runs this script with bin/ first on
# PATH. Run by hand: PATH="$PWD/bin:$PATH" bash examples/demo.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data=$here/wikiticker/wikiticker-2015-09-12-sampled.json.gz

for tool in etl-broker etl-kread etl-kwrite etl-set; do
    if ! command -v "$tool" >/dev/null; then
        echo "demo: $tool not found on PATH: run 'make demo', or 'make build' and put bin/ first on PATH" >&2
        exit 1
    fi
done

work=$(mktemp -d)
broker_pid=""
cleanup() {
    if [[ -n $broker_pid ]]; then
        kill "$broker_pid" 2>/dev/null || true
        wait "$broker_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Start the broker on a free port. It writes its address and a newline to
# the ready file once it accepts connections.
etl-broker --listen 127.0.0.1:0 --ready-file "$work/broker.addr" 2>"$work/broker.log" &
broker_pid=$!
for _ in $(seq 100); do
    if [[ -s $work/broker.addr && -z $(tail -c 1 "$work/broker.addr") ]]; then
        break
    fi
    if ! kill -0 "$broker_pid" 2>/dev/null; then
        echo "demo: etl-broker exited before it was ready; its log follows" >&2
        cat "$work/broker.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [[ ! -s $work/broker.addr ]]; then
    echo "demo: etl-broker wrote no address to $work/broker.addr within 10 seconds" >&2
    exit 1
fi
ETL_BROKERS=$(head -n 1 "$work/broker.addr")
export ETL_BROKERS
echo "demo: etl-broker listens on $ETL_BROKERS (ETL_BROKERS is set for the commands below)"

# Load the sample: each line is a record value, keyed by its channel.
records_in=$(gunzip -c "$data" | wc -l)
echo "demo: gunzip -c $(basename "$data") | etl-kwrite --key channel wikiticker"
gunzip -c "$data" | etl-kwrite --key channel wikiticker

# The pipeline of the README, reading the topic up to its end (-e).
echo "demo: etl-kread -e wikiticker | etl-set status=seen | etl-kwrite wikiticker-enriched"
etl-kread -e wikiticker | etl-set status=seen | etl-kwrite wikiticker-enriched

echo "demo: etl-kread -e -n 3 wikiticker-enriched"
etl-kread -e -n 3 wikiticker-enriched

records_out=$(etl-kread -e wikiticker-enriched | wc -l)
echo "demo: records in: $records_in, records out: $records_out"
if [[ $records_in -ne $records_out ]]; then
    echo "demo: the counts differ: some records were lost or duplicated" >&2
    exit 1
fi
