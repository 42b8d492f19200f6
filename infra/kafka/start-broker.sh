#!/usr/bin/env bash
# Starts a single-node Apache Kafka 4.x broker (KRaft: broker + controller in one JVM) on loopback,
# for the Kafka adapter's contract suite and the relay's integration test.
#
#   eval "$(infra/kafka/start-broker.sh)"     # exports KEYSTREAM_TEST_KAFKA_BROKERS and friends
#   ... run tests ...
#   infra/kafka/stop-broker.sh "$KEYSTREAM_TEST_KAFKA_DIR"
#
# stdout carries only `export NAME=value` lines (so `eval` works); progress goes to stderr.
# The jars come from Maven Central through pom.xml and are cached in infra/kafka/.cache/lib
# (gitignored), so only the first run downloads anything. Requires java (17+) and mvn.
#
# Environment:
#   KEYSTREAM_KAFKA_STATE_DIR  where config, data, log and pid file go (default: a new temp dir)
#   KEYSTREAM_KAFKA_WAIT_S     how long to wait for the broker to come up (default 120)
#   KEYSTREAM_KAFKA_HEAP       JVM heap (default 512m)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
lib="$here/.cache/lib"
wait_s="${KEYSTREAM_KAFKA_WAIT_S:-120}"
heap="${KEYSTREAM_KAFKA_HEAP:-512m}"
log() { printf '[kafka] %s\n' "$*" >&2; }
started_at=$(date +%s)

command -v java >/dev/null || { log "java not found (need Java 17+)"; exit 2; }

# The pom's hash names the cache marker, so a version bump in pom.xml fetches again.
pom_hash=$(sha256sum "$here/pom.xml" | cut -c1-16)
if [ ! -f "$lib/.complete-$pom_hash" ]; then
  command -v mvn >/dev/null || { log "mvn not found and no cached jars in $lib"; exit 2; }
  log "fetching broker jars with mvn into $lib"
  rm -rf "$lib"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$lib" -DincludeScope=runtime >&2
  touch "$lib/.complete-$pom_hash"
else
  log "using cached jars in $lib"
fi

# Two free loopback ports: ask the kernel for ephemeral ones. There is a small window between
# closing the probe socket and Kafka binding it; the readiness wait below reports a clash.
free_port() {
  if command -v node >/dev/null; then
    node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
  else
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
  fi
}
broker_port=$(free_port)
controller_port=$(free_port)
while [ "$controller_port" = "$broker_port" ]; do controller_port=$(free_port); done

dir="${KEYSTREAM_KAFKA_STATE_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/keystream-kafka.XXXXXX")}"
mkdir -p "$dir/data"
cat >"$dir/server.properties" <<PROPS
# Single-node KRaft test broker written by infra/kafka/start-broker.sh. Every listener is loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$broker_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$broker_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=9223372036854775807
PROPS
cat >"$dir/log4j2.properties" <<PROPS
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/broker.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
PROPS

java_opts=(-Xms128m "-Xmx$heap" -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$dir/log4j2.properties")

cluster_id=$(java -cp "$lib/*" "${java_opts[@]}" kafka.tools.StorageTool random-uuid 2>>"$dir/broker.log")
log "formatting storage (cluster $cluster_id) in $dir/data"
java -cp "$lib/*" "${java_opts[@]}" kafka.tools.StorageTool format \
  -t "$cluster_id" -c "$dir/server.properties" >>"$dir/broker.log" 2>&1 || {
  log "storage format failed; see $dir/broker.log"; tail -20 "$dir/broker.log" >&2; exit 1; }

log "starting broker on 127.0.0.1:$broker_port (controller 127.0.0.1:$controller_port)"
nohup java -cp "$lib/*" "${java_opts[@]}" kafka.Kafka "$dir/server.properties" \
  >>"$dir/broker.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$dir/broker.pid"

# Ready = the server logged its start and the broker port accepts a connection.
deadline=$(( $(date +%s) + wait_s ))
until grep -q "Kafka Server started" "$dir/broker.log" 2>/dev/null \
    && (exec 3<>"/dev/tcp/127.0.0.1/$broker_port") 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    log "broker exited during start-up; last lines of $dir/broker.log:"; tail -30 "$dir/broker.log" >&2; exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    log "broker not ready after ${wait_s}s; stopping it. Last lines of $dir/broker.log:"
    tail -30 "$dir/broker.log" >&2; kill "$pid" 2>/dev/null || true; exit 1
  fi
  sleep 0.2
done

log "ready in $(( $(date +%s) - started_at ))s (pid $pid, log $dir/broker.log); stop with: $here/stop-broker.sh $dir"
echo "export KEYSTREAM_TEST_KAFKA_BROKERS=127.0.0.1:$broker_port"
echo "export KEYSTREAM_TEST_KAFKA_DIR=$dir"
echo "export KEYSTREAM_TEST_KAFKA_PID=$pid"
