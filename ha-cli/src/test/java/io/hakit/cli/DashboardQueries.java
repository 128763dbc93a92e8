package io.hakit.cli;

import io.hakit.micrometer.PrometheusText;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads docs/grafana-dashboard.json (a strict small JSON parser: the file must be valid JSON as Grafana loads it) and
 * checks its PromQL against what real agents serve: every metric a query names is a sample name in the scrapes,
 * every label a selector matches on is a label of that metric (with the value, for an {@code =} matcher on a
 * literal), every function is a PromQL function, every label a query groups by or a legend shows is a label of a
 * metric of that query. {@link #problems} lists what does not hold.
 */
final class DashboardQueries {

    /** PromQL's functions and aggregation operators that the dashboard may use. */
    private static final Set<String> FUNCTIONS = Set.of("rate", "irate", "increase", "delta", "idelta", "deriv",
            "sum", "min", "max", "avg", "count", "stddev", "topk", "bottomk", "quantile", "histogram_quantile",
            "abs", "clamp_min", "clamp_max", "changes", "resets", "max_over_time", "min_over_time",
            "avg_over_time", "last_over_time", "label_replace", "vector", "scalar", "time", "round");
    /** Keywords followed by a list of label names. */
    private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right");
    private static final Set<String> KEYWORDS = Set.of("bool", "and", "or", "unless", "offset");
    private static final Pattern LEGEND = Pattern.compile("\\{\\{\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*}}");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*,"
            + "\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)");

    /** One query of the dashboard: where it is, its PromQL, its legend. */
    record Query(String where, String expr, String legend) {
    }

    private DashboardQueries() {
    }

    /** Every panel target's and template variable's query, after checking the dashboard's frame. */
    @SuppressWarnings("unchecked")
    static List<Query> queries(String json) {
        Map<String, Object> d = (Map<String, Object>) Json.parse(json);
        List<Query> out = new ArrayList<>();
        require(d.get("title") instanceof String && d.get("schemaVersion") instanceof Double, "a title and a schema");
        for (Object o : (List<Object>) d.get("panels")) {
            Map<String, Object> p = (Map<String, Object>) o;
            require(p.get("title") instanceof String && p.get("type") instanceof String
                    && p.get("gridPos") instanceof Map, "a panel has a title, a type and a place: " + p.get("title"));
            List<Object> targets = (List<Object>) p.get("targets");
            require(targets != null && !targets.isEmpty(), "panel " + p.get("title") + " has queries");
            for (Object t : targets) {
                Map<String, Object> target = (Map<String, Object>) t;
                out.add(new Query("panel '" + p.get("title") + "' " + target.get("refId"), (String) target.get("expr"),
                        (String) target.getOrDefault("legendFormat", "")));
            }
        }
        for (Object o : (List<Object>) ((Map<String, Object>) d.get("templating")).get("list")) {
            Map<String, Object> v = (Map<String, Object>) o;
            if (v.get("query") instanceof Map<?, ?> q) {
                out.add(new Query("variable " + v.get("name"), (String) q.get("query"), ""));
            }
        }
        return out;
    }

    /** What in {@code queries} the scrapes do not back; empty when everything does. */
    static List<String> problems(List<Query> queries, List<PrometheusText> scrapes) {
        Map<String, Map<String, Set<String>>> labels = new LinkedHashMap<>(); // metric -> label -> values
        for (PrometheusText s : scrapes) {
            for (PrometheusText.Sample sample : s.samples()) {
                Map<String, Set<String>> m = labels.computeIfAbsent(sample.name(), k -> new LinkedHashMap<>());
                sample.labels().forEach((k, v) -> m.computeIfAbsent(k, x -> new HashSet<>()).add(v));
            }
        }
        List<String> problems = new ArrayList<>();
        for (Query q : queries) {
            try {
                check(q, labels, problems);
            } catch (RuntimeException e) {
                problems.add(q.where() + ": cannot read '" + q.expr() + "': " + e.getMessage());
            }
        }
        return problems;
    }

    private static void check(Query q, Map<String, Map<String, Set<String>>> known, List<String> problems) {
        Matcher lv = LABEL_VALUES.matcher(q.expr());
        if (lv.matches()) {
            metric(q, lv.group(1), known, problems).ifPresent(l -> {
                if (!l.containsKey(lv.group(2))) {
                    problems.add(q.where() + ": " + lv.group(1) + " has no label " + lv.group(2));
                }
            });
            return;
        }
        String e = q.expr().replace("$__rate_interval", "1m").replace("$__interval", "1m");
        Set<String> labelsOfQuery = new HashSet<>();
        List<String> grouped = new ArrayList<>();
        int metrics = 0;
        int i = 0;
        while (i < e.length()) {
            char c = e.charAt(i);
            if (Character.isWhitespace(c) || "+-*/%^=!<>,()".indexOf(c) >= 0) {
                i++;
            } else if (c == '[') {
                int end = e.indexOf(']', i);
                require(end > 0 && e.substring(i + 1, end).matches("\\d+[smhdwy]"), "a range like [1m]");
                i = end + 1;
            } else if (Character.isDigit(c) || c == '.') {
                while (i < e.length() && (Character.isDigit(e.charAt(i)) || e.charAt(i) == '.')) {
                    i++;
                }
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int start = i;
                while (i < e.length() && (Character.isLetterOrDigit(e.charAt(i)) || e.charAt(i) == '_'
                        || e.charAt(i) == ':')) {
                    i++;
                }
                String word = e.substring(start, i);
                int next = skipSpace(e, i);
                if (GROUPING.contains(word)) {
                    require(next < e.length() && e.charAt(next) == '(', word + " (labels)");
                    int end = e.indexOf(')', next);
                    for (String l : e.substring(next + 1, end).split(",")) {
                        if (!l.isBlank()) {
                            grouped.add(l.trim());
                        }
                    }
                    i = end + 1;
                } else if (KEYWORDS.contains(word)) {
                    continue;
                } else if (FUNCTIONS.contains(word)) {
                    continue; // a function, or an aggregation (its 'by' comes next, or after its argument)
                } else if (next < e.length() && e.charAt(next) == '(') {
                    problems.add(q.where() + ": " + word + " is not a PromQL function");
                } else {
                    metrics++;
                    Map<String, Set<String>> l = metric(q, word, known, problems).orElse(Map.of());
                    labelsOfQuery.addAll(l.keySet());
                    if (next < e.length() && e.charAt(next) == '{') {
                        i = matchers(q, word, e, next, l, problems);
                    }
                }
            } else if (c == '{') {
                throw new IllegalArgumentException("a selector without a metric name at " + i);
            } else {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + i);
            }
        }
        if (metrics == 0) {
            problems.add(q.where() + ": names no metric");
        }
        for (String g : grouped) {
            if (!labelsOfQuery.contains(g)) {
                problems.add(q.where() + ": groups by " + g + ", a label of none of its metrics");
            }
        }
        Matcher m = LEGEND.matcher(q.legend());
        while (m.find()) {
            if (!labelsOfQuery.contains(m.group(1)) || !grouped.isEmpty() && !grouped.contains(m.group(1))) {
                problems.add(q.where() + ": the legend shows " + m.group(1) + ", which its result does not have");
            }
        }
    }

    private static java.util.Optional<Map<String, Set<String>>> metric(Query q, String name,
            Map<String, Map<String, Set<String>>> known, List<String> problems) {
        Map<String, Set<String>> l = known.get(name);
        if (l == null) {
            problems.add(q.where() + ": no metric " + name + " in the agents' /metrics");
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(l);
    }

    /** Checks the matchers of {@code metric} in the braces at {@code open}; returns the index after them. */
    private static int matchers(Query q, String metric, String e, int open, Map<String, Set<String>> labels,
            List<String> problems) {
        int close = e.indexOf('}', open);
        Matcher m = Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?")
                .matcher(e.substring(open + 1, close));
        int at = 0;
        while (m.lookingAt()) {
            String label = m.group(1);
            String value = m.group(3);
            if (!labels.isEmpty() && !labels.containsKey(label)) {
                problems.add(q.where() + ": " + metric + " has no label " + label);
            } else if (m.group(2).equals("=") && !value.contains("$") && !labels.isEmpty()
                    && !labels.get(label).contains(value)) {
                problems.add(q.where() + ": no " + metric + "{" + label + "=\"" + value + "\"} (values: "
                        + labels.get(label) + ")");
            }
            at = m.end();
            m.region(at, m.regionEnd());
        }
        require(e.substring(open + 1 + at, close).isBlank(), "matchers like label=\"value\"");
        return close + 1;
    }

    private static int skipSpace(String e, int i) {
        while (i < e.length() && Character.isWhitespace(e.charAt(i))) {
            i++;
        }
        return i;
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("expected " + what);
        }
    }

    /** A strict JSON parser: objects (LinkedHashMap), arrays, strings, numbers (Double), true, false, null. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json p = new Json(text);
            Object v = p.value();
            p.space();
            require(p.i == text.length(), "the end of the JSON text at " + p.i);
            return v;
        }

        private Object value() {
            space();
            require(i < s.length(), "a value at " + i);
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                space();
                if (peek('}')) {
                    return m;
                }
                do {
                    space();
                    String k = string();
                    space();
                    expect(':');
                    require(m.put(k, value()) == null, "key " + k + " once");
                    space();
                } while (peek(','));
                expect('}');
                return m;
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                space();
                if (peek(']')) {
                    return l;
                }
                do {
                    l.add(value());
                    space();
                } while (peek(','));
                expect(']');
                return l;
            }
            if (c == '"') {
                return string();
            }
            for (String lit : List.of("true", "false", "null")) {
                if (s.startsWith(lit, i)) {
                    i += lit.length();
                    return lit.equals("null") ? null : Boolean.valueOf(lit);
                }
            }
            Matcher m = Pattern.compile("-?(0|[1-9]\\d*)(\\.\\d+)?([eE][+-]?\\d+)?").matcher(s).region(i, s.length());
            require(m.lookingAt(), "a value at " + i);
            i = m.end();
            return Double.parseDouble(m.group());
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                require(i < s.length(), "a closing quote");
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                require(c >= 0x20, "no control character in a string at " + i);
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> throw new IllegalArgumentException("bad escape \\" + e + " at " + i);
                }
            }
        }

        private void space() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
        }

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) {
            require(peek(c), "'" + c + "' at " + i);
        }
    }
}
