package io.hakit.micrometer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict parser of Prometheus' text exposition format 0.0.4, for tests of {@code /metrics}: every line is a HELP,
 * a TYPE, another comment or a sample; a family has at most one HELP and one TYPE, its TYPE before its samples and
 * its samples together; a sample's name is its family's name or one of the suffixes its type allows ({@code _total}
 * and {@code _created} for a counter; {@code _count}, {@code _sum}, {@code _created} for a summary; {@code _bucket}
 * with {@code le}, {@code _count}, {@code _sum}, {@code _created} for a histogram); label names are valid and not
 * repeated, label values use only the escapes {@code \\}, {@code \"} and {@code \n}; values are floats, {@code NaN}
 * or {@code ±Inf}; no series appears twice; the text ends with a newline. A violation is an
 * {@link IllegalArgumentException} naming the line.
 */
public final class PrometheusText {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");
    private static final Pattern FLOAT = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    /** One sample: its name, labels (sorted by name) and value. */
    public record Sample(String name, Map<String, String> labels, double value) {
        /** The sample as {@code name{a="x",b="y"}} with the labels sorted by name. */
        public String series() {
            StringBuilder b = new StringBuilder(name);
            if (!labels.isEmpty()) {
                b.append('{');
                labels.forEach((k, v) -> b.append(k).append("=\"").append(v).append("\","));
                b.setLength(b.length() - 1);
                b.append('}');
            }
            return b.toString();
        }
    }

    /** A metric family: its name, type ({@code untyped} without a TYPE line) and help. */
    public record Family(String name, String type, String help, List<Sample> samples) {
    }

    private final Map<String, Family> families;
    private final List<Sample> samples;

    private PrometheusText(Map<String, Family> families, List<Sample> samples) {
        this.families = families;
        this.samples = samples;
    }

    /** The families by name, in the order they appeared. */
    public Map<String, Family> families() {
        return families;
    }

    /** Every sample, in order. */
    public List<Sample> samples() {
        return samples;
    }

    /** The sample names (with their suffixes). */
    public Set<String> sampleNames() {
        Set<String> names = new HashSet<>();
        samples.forEach(s -> names.add(s.name()));
        return names;
    }

    /** Samples by {@link Sample#series()}. */
    public Map<String, Double> bySeries() {
        Map<String, Double> m = new TreeMap<>();
        samples.forEach(s -> m.put(s.series(), s.value()));
        return m;
    }

    /**
     * The value of the one sample named {@code name} whose labels include {@code labels} (name, value, ...).
     *
     * @throws AssertionError unless exactly one sample matches
     */
    public double value(String name, String... labels) {
        List<Sample> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples " + name + " with " + List.of(labels) + ": " + found);
        }
        return found.get(0).value();
    }

    /** The samples named {@code name} whose labels include {@code labels} (name, value, ...). */
    public List<Sample> find(String name, String... labels) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) {
            if (!s.name().equals(name)) {
                continue;
            }
            boolean all = true;
            for (int i = 0; i + 1 < labels.length; i += 2) {
                all &= labels[i + 1].equals(s.labels().get(labels[i]));
            }
            if (all) {
                out.add(s);
            }
        }
        return out;
    }

    /**
     * Parses {@code text} strictly.
     *
     * @throws IllegalArgumentException naming the first line that breaks the format
     */
    public static PrometheusText parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new IllegalArgumentException("the text does not end with a newline");
        }
        Map<String, String> types = new LinkedHashMap<>();
        Map<String, String> helps = new LinkedHashMap<>();
        Map<String, List<Sample>> byFamily = new LinkedHashMap<>();
        Set<String> closed = new HashSet<>(); // families whose samples are over (another family's began)
        Set<String> series = new HashSet<>();
        List<Sample> all = new ArrayList<>();
        String current = null;
        String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length - 1; n++) {
            String line = lines[n];
            String where = "line " + (n + 1) + " '" + line + "': ";
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String[] p = line.split(" ", 4);
                if (p.length >= 3 && (p[1].equals("HELP") || p[1].equals("TYPE"))) {
                    String family = p[2];
                    check(NAME.matcher(family).matches(), where + "bad metric name");
                    Map<String, String> seen = p[1].equals("HELP") ? helps : types;
                    check(!seen.containsKey(family), where + "a second " + p[1] + " of " + family);
                    check(!closed.contains(family) && !byFamily.containsKey(family),
                            where + p[1] + " after the family's samples");
                    if (p[1].equals("TYPE")) {
                        check(p.length == 4 && TYPES.contains(p[3]), where + "unknown type");
                    } else {
                        check(p.length == 4 ? validHelp(p[3]) : true, where + "bad escape in HELP");
                    }
                    seen.put(family, p.length == 4 ? p[3] : "");
                    if (current != null && !current.equals(family)) {
                        closed.add(current);
                    }
                    current = family;
                }
                continue;
            }
            Sample s = sample(line, where);
            String family = familyOf(s.name(), types);
            check(!closed.contains(family), where + "samples of " + family + " are not together");
            if (current != null && !current.equals(family)) {
                closed.add(current);
            }
            current = family;
            String type = types.getOrDefault(family, "untyped");
            String suffix = s.name().substring(family.length());
            check(allowed(type).contains(suffix), where + "a " + type + " has no sample " + s.name());
            check(!suffix.equals("_bucket") || s.labels().containsKey("le"), where + "a bucket without le");
            check(!type.equals("summary") || !suffix.isEmpty() || s.labels().containsKey("quantile"),
                    where + "a summary sample without quantile");
            check(series.add(s.series()), where + "series " + s.series() + " twice");
            byFamily.computeIfAbsent(family, k -> new ArrayList<>()).add(s);
            all.add(s);
        }
        Map<String, Family> families = new LinkedHashMap<>();
        Set<String> names = new java.util.LinkedHashSet<>(types.keySet());
        names.addAll(byFamily.keySet());
        for (String f : names) {
            families.put(f, new Family(f, types.getOrDefault(f, "untyped"), helps.getOrDefault(f, ""),
                    List.copyOf(byFamily.getOrDefault(f, List.of()))));
        }
        return new PrometheusText(Collections.unmodifiableMap(families), List.copyOf(all));
    }

    /** The TYPE'd family a sample belongs to: its own name, or its name less a suffix its family's type allows. */
    private static String familyOf(String name, Map<String, String> types) {
        if (types.containsKey(name)) {
            return name;
        }
        for (String suffix : List.of("_total", "_created", "_count", "_sum", "_bucket")) {
            if (name.endsWith(suffix)) {
                String f = name.substring(0, name.length() - suffix.length());
                if (types.containsKey(f)) {
                    return f;
                }
            }
        }
        return name;
    }

    private static Set<String> allowed(String type) {
        return switch (type) {
            case "counter" -> Set.of("", "_total", "_created");
            case "summary" -> Set.of("", "_count", "_sum", "_created");
            case "histogram" -> Set.of("_bucket", "_count", "_sum", "_created");
            default -> Set.of("");
        };
    }

    private static Sample sample(String line, String where) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        check(NAME.matcher(name).matches(), where + "bad metric name");
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (true) {
                check(i < line.length(), where + "labels not closed");
                if (line.charAt(i) == '}') {
                    i++;
                    break;
                }
                int eq = line.indexOf('=', i);
                check(eq > i, where + "a label without =");
                String label = line.substring(i, eq);
                check(LABEL.matcher(label).matches(), where + "bad label name '" + label + "'");
                check(eq + 1 < line.length() && line.charAt(eq + 1) == '"', where + "label value not quoted");
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                while (true) {
                    check(j < line.length(), where + "label value not closed");
                    char c = line.charAt(j);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        check(j + 1 < line.length(), where + "a backslash at the end");
                        char e = line.charAt(j + 1);
                        check(e == '\\' || e == '"' || e == 'n', where + "bad escape \\" + e);
                        v.append(e == 'n' ? '\n' : e);
                        j += 2;
                    } else {
                        v.append(c);
                        j++;
                    }
                }
                check(labels.put(label, v.toString()) == null, where + "label " + label + " twice");
                i = j + 1;
                if (i < line.length() && line.charAt(i) == ',') {
                    i++;
                }
            }
        }
        check(i < line.length() && line.charAt(i) == ' ', where + "no space before the value");
        String[] rest = line.substring(i + 1).split(" ", -1);
        check(rest.length == 1 || rest.length == 2 && rest[1].matches("-?\\d+"), where + "bad value or timestamp");
        return new Sample(name, Collections.unmodifiableMap(labels), value(rest[0], where));
    }

    private static double value(String v, String where) {
        switch (v) {
            case "NaN":
                return Double.NaN;
            case "+Inf":
            case "Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            default:
                check(FLOAT.matcher(v).matches(), where + "bad value '" + v + "'");
                return Double.parseDouble(v);
        }
    }

    private static boolean validHelp(String help) {
        for (int i = 0; i < help.length(); i++) {
            if (help.charAt(i) == '\\') {
                if (i + 1 >= help.length() || help.charAt(i + 1) != '\\' && help.charAt(i + 1) != 'n') {
                    return false;
                }
                i++;
            }
        }
        return true;
    }

    private static void check(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalArgumentException(problem);
        }
    }
}
