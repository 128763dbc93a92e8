package io.hakit.benchmarks;

import io.hakit.keepalive.internal.FrameFuzzer;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code ka-fuzz}: the keepalive frame decoder ({@code FrameCodec.Decoder} on an {@code EmbeddedChannel}, run by {@code FrameFuzzer} in ha-keepalive's test jar, 64 KiB
 * maximum frame, as a node runs it) fed with 1,000,000 inputs (quick: 100,000) from a fixed seed. A third are valid
 * streams of one to four random messages of every type, cut into one to four chunks (they must decode to exactly
 * those messages); a third are such streams mutated (bit flips, overwritten, inserted or deleted bytes, a truncated
 * end, a length prefix set to 0, 1, the maximum, the maximum + 1, 2^31 or 2^32 - 1); a third are random bytes.
 * Every input gets a fresh channel. An input ends decoded (messages and no exception), refused (a
 * {@code DecoderException}: the node would close the connection) or pending (a frame still incomplete). An
 * <b>escape</b> is anything else: another exception, a decoded object that is not an {@code Envelope} or carries no
 * message, or a valid stream that decodes differently; any escape fails the scenario.
 */
final class KaFuzz implements Runner.Scenario {

    static final String NAME = "ka-fuzz";
    static final long SEED = 20261122L;
    static final int MAX_FRAME = FrameFuzzer.MAX_FRAME;

    @Override
    public String description() {
        return "frame decoder fuzz: 1,000,000 random, mutated and valid inputs; any escape is a failure";
    }

    @Override
    public Map<String, Object> run(boolean quick, PrintStream out) {
        int inputs = quick ? 100_000 : 1_000_000;
        out.println(NAME + ": " + inputs + " inputs, seed " + SEED + ", max frame " + MAX_FRAME + " bytes");
        Map<String, Object> figures = fuzz(inputs, SEED, out);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("inputs", inputs);
        params.put("seed", SEED);
        params.put("max_frame_bytes", MAX_FRAME);
        params.put("quick", quick);
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("hakit", figures);
        Map<String, Object> json = Json.scenario(NAME, params, results);
        if (((Number) figures.get("escapes")).longValue() > 0) {
            throw new Runner.BenchmarkFailure("the decoder let " + figures.get("escapes") + " inputs escape; "
                    + "result: " + Json.write(json));
        }
        return json;
    }

    /** Runs {@code inputs} inputs; returns the figures (counts and throughput). */
    static Map<String, Object> fuzz(int inputs, long seed, PrintStream out) {
        return FrameFuzzer.fuzz(inputs, seed, out);
    }
}
