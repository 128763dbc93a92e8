package io.hakit.flink;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stateful job for the failover tests: a rate-limited generator into a counting map whose operator state holds
 * (checkpoint id, records seen). What every attempt saw is kept in static fields (the MiniCluster shares the JVM),
 * per run key so tests stay apart.
 */
final class StatefulJob {

    /** What one run observed. */
    static final class Run {
        /** Records seen at each checkpoint, by checkpoint id (written when the snapshot is taken). */
        final Map<Long, Long> snapshots = new ConcurrentHashMap<>();
        /** (checkpoint id, count) restored by each attempt that restored state. */
        final List<long[]> restores = new CopyOnWriteArrayList<>();
        /** Operator instances running now, and the most that ever ran at once. */
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();
        /** Attempts that started. */
        final AtomicInteger starts = new AtomicInteger();
        /** While true every attempt fails as it opens (a restart loop). */
        volatile boolean failOnOpen;
    }

    static final Map<String, Run> RUNS = new ConcurrentHashMap<>();

    private StatefulJob() {
    }

    /** The job graph of a run; checkpoints every {@code intervalMs}. */
    static JobGraph create(String runKey, long intervalMs) {
        RUNS.put(runKey, new Run());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        env.enableCheckpointing(intervalMs);
        env.fromSource(new DataGeneratorSource<>(i -> i, Long.MAX_VALUE, RateLimiterStrategy.perSecond(200),
                        Types.LONG), WatermarkStrategy.noWatermarks(), "numbers")
                .map(new CountingMap(runKey)).name("counting")
                .sinkTo(new DiscardingSink<>());
        return env.getStreamGraph().getJobGraph();
    }

    static Run run(String runKey) {
        return RUNS.get(runKey);
    }

    /** Counts records; its operator state is (checkpoint id, count). */
    static final class CountingMap extends RichMapFunction<Long, Long>
            implements CheckpointedFunction, CheckpointListener {
        private static final long serialVersionUID = 1L;
        private final String runKey;
        private transient ListState<Long> state;
        private transient long count;
        private transient boolean opened;

        CountingMap(String runKey) {
            this.runKey = runKey;
        }

        @Override
        public void initializeState(FunctionInitializationContext context) throws Exception {
            state = context.getOperatorStateStore().getListState(new ListStateDescriptor<>("seen", Types.LONG));
            if (context.isRestored()) {
                List<Long> values = new java.util.ArrayList<>();
                state.get().forEach(values::add);
                if (values.size() == 2) {
                    count = values.get(1);
                    run(runKey).restores.add(new long[] {values.get(0), values.get(1)});
                }
            }
        }

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
            Run r = run(runKey);
            r.starts.incrementAndGet();
            if (r.failOnOpen) {
                throw new IllegalStateException("failing on every start (restart loop test)");
            }
            opened = true;
            int now = r.running.incrementAndGet();
            r.maxRunning.accumulateAndGet(now, Math::max);
        }

        @Override
        public void close() {
            if (opened) {
                opened = false;
                run(runKey).running.decrementAndGet();
            }
        }

        @Override
        public Long map(Long value) {
            count++;
            return value;
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws Exception {
            state.update(List.of(context.getCheckpointId(), count));
            run(runKey).snapshots.put(context.getCheckpointId(), count);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
        }
    }
}
