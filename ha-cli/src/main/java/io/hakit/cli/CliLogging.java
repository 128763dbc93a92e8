package io.hakit.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The hakit command's logging (Logback; the libraries log through slf4j-api only). By default warnings go to
 * standard error (logback.xml). {@link #agent} sets up what an operator needs of a long-running agent: every line with
 * a timestamp in a file that rolls over by size ({@code agent.log.*} keys), warnings also on standard error (the
 * journal, under systemd), and the same message repeated within a minute folded into one line with a count.
 */
final class CliLogging {

    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{30} - %msg%n";
    /** A message repeated within this interval is counted, not written again. */
    static final long FOLD_NANOS = TimeUnit.MINUTES.toNanos(1);

    private CliLogging() {
    }

    /** Console logging at {@code level} (stdout or stderr); ZooKeeper and Curator are quieted unless at INFO. */
    static void console(Level level, boolean stdout) {
        LoggerContext ctx = context();
        ctx.reset();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        root.addAppender(consoleAppender(ctx, stdout, level));
        if (level.isGreaterOrEqual(Level.WARN)) {
            for (String noisy : List.of("org.apache.zookeeper", "org.apache.curator")) {
                ctx.getLogger(noisy).setLevel(Level.OFF);
            }
        }
    }

    /**
     * The agent's logging from its configuration ({@link AgentConfig}): {@code agent.log.file} (default
     * {@code <state-dir>/agent.log}; {@code -}: everything on standard error), {@code agent.log.level},
     * {@code agent.log.max-size}, {@code agent.log.max-files}.
     */
    static void agent(AgentConfig config, Path stateDir) {
        Level level = Level.toLevel(config.logLevel().toUpperCase(Locale.ROOT));
        LoggerContext ctx = context();
        ctx.reset();
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        Folding folding = new Folding(ctx);
        if (config.logToStandardError()) {
            folding.add(consoleAppender(ctx, false, level));
        } else {
            folding.add(rolling(ctx, config.logFile(stateDir).toString(), config.logMaxSize(), config.logMaxFiles()));
            folding.add(consoleAppender(ctx, false, Level.WARN));
        }
        folding.start();
        root.addAppender(folding);
        for (String noisy : List.of("org.apache.zookeeper", "org.apache.curator")) {
            ctx.getLogger(noisy).setLevel(level.isGreaterOrEqual(Level.WARN) ? level : Level.WARN);
        }
    }

    private static LoggerContext context() {
        return (LoggerContext) LoggerFactory.getILoggerFactory();
    }

    private static PatternLayoutEncoder encoder(LoggerContext ctx) {
        PatternLayoutEncoder e = new PatternLayoutEncoder();
        e.setContext(ctx);
        e.setPattern(PATTERN);
        e.start();
        return e;
    }

    private static Appender<ILoggingEvent> consoleAppender(LoggerContext ctx, boolean stdout, Level threshold) {
        ConsoleAppender<ILoggingEvent> a = new ConsoleAppender<>();
        a.setContext(ctx);
        a.setName(stdout ? "stdout" : "stderr");
        a.setTarget(stdout ? "System.out" : "System.err");
        a.setEncoder(encoder(ctx));
        a.addFilter(new ch.qos.logback.core.filter.Filter<>() {
            @Override
            public ch.qos.logback.core.spi.FilterReply decide(ILoggingEvent e) {
                return e.getLevel().isGreaterOrEqual(threshold) ? ch.qos.logback.core.spi.FilterReply.NEUTRAL
                        : ch.qos.logback.core.spi.FilterReply.DENY;
            }
        });
        a.start();
        return a;
    }

    private static OutputStreamAppender<ILoggingEvent> rolling(LoggerContext ctx, String file, long maxSize,
                                                              int maxFiles) {
        RollingFileAppender<ILoggingEvent> a = new RollingFileAppender<>();
        a.setContext(ctx);
        a.setName("file");
        a.setFile(file);
        FixedWindowRollingPolicy policy = new FixedWindowRollingPolicy();
        policy.setContext(ctx);
        policy.setParent(a);
        policy.setFileNamePattern(file + ".%i");
        policy.setMinIndex(1);
        policy.setMaxIndex(maxFiles);
        policy.start();
        SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(ctx);
        trigger.setMaxFileSize(new FileSize(maxSize));
        trigger.start();
        a.setRollingPolicy(policy);
        a.setTriggeringPolicy(trigger);
        a.setEncoder(encoder(ctx));
        a.start();
        return a;
    }

    /**
     * Passes each event to its appenders, except one whose message (same logger, level and text) was written less
     * than {@link #FOLD_NANOS} ago: that is counted, and the count is written with the next occurrence after the
     * interval ("... (repeated 57 times in the last 60 s)"), so a cause that repeats many times a second costs a line
     * a minute, never a silent drop.
     */
    static final class Folding extends AppenderBase<ILoggingEvent> {
        private final List<Appender<ILoggingEvent>> targets = new java.util.ArrayList<>();
        private final Map<String, long[]> seen = new HashMap<>(); // key -> {last written nanos, suppressed count}

        Folding(LoggerContext ctx) {
            setContext(ctx);
            setName("folding");
        }

        void add(Appender<ILoggingEvent> a) {
            targets.add(a);
        }

        @Override
        protected void append(ILoggingEvent e) {
            String key = e.getLoggerName() + '\0' + e.getLevel() + '\0' + e.getFormattedMessage();
            long now = System.nanoTime();
            ILoggingEvent out = e;
            synchronized (seen) {
                long[] s = seen.get(key);
                if (s != null && now - s[0] < FOLD_NANOS) {
                    s[1]++;
                    return;
                }
                if (s != null && s[1] > 0) {
                    LoggingEvent folded = new LoggingEvent(Logger.FQCN, context().getLogger(e.getLoggerName()),
                            e.getLevel(), e.getFormattedMessage() + " (repeated " + s[1] + " more times in the last "
                            + TimeUnit.NANOSECONDS.toSeconds(now - s[0]) + " s)", null, null);
                    folded.setThreadName(e.getThreadName());
                    folded.setTimeStamp(e.getTimeStamp());
                    out = folded;
                }
                seen.put(key, new long[] {now, 0});
                if (seen.size() > 10_000) {
                    seen.values().removeIf(v -> now - v[0] >= FOLD_NANOS);
                }
            }
            for (Appender<ILoggingEvent> a : targets) {
                a.doAppend(out);
            }
        }

        @Override
        public void stop() {
            targets.forEach(Appender::stop);
            super.stop();
        }
    }
}
