package io.hakit.cli;

import io.hakit.keepalive.tls.CertificateChecker;
import io.hakit.keepalive.tls.CertificateGenerator;
import io.hakit.keepalive.tls.PemLayout;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code hakit cert generate} (a CA and the two nodes' certificates, FlinkServer's {@code proceed_ha_ssl_cert.sh})
 * and {@code hakit cert check DIR} (subject, issuer, validity, days left, verdict; exit 1 unless valid).
 */
final class CertCommand {

    static final String USAGE = String.join("\n",
            "usage: hakit cert generate --out DIR [--nodes node-a,node-b] [--days N] [--ca-days N]",
            "                           [--alt NAME_OR_IP ...]",
            "       hakit cert renew --ca DIR --node NAME [--out DIR] [--days N] [--alt NAME_OR_IP ...]",
            "       hakit cert check DIR [--warn-days N]",
            "",
            "generate  writes DIR/ca.crt and DIR/ca.key (keep ca.key offline) and, per node, DIR/<node>/ with",
            "          server.crt, server.key and ca.crt: the layout a keepalive node reads (keepalive.tls.cert-dir).",
            "          EC P-256 keys; each node certificate names the node (CN and DNS name) and the --alt names.",
            "          Defaults: nodes node-a,node-b; 825 days for nodes, 3650 for the CA. Node certificates",
            "          expire 14 days apart (the second node's 14 days before the first's), so that the pair never",
            "          loses both on one day.",
            "renew     issues a new certificate for one node from the existing CA in DIR (ca.crt, ca.key) into",
            "          --out (default DIR/<node>), replacing server.crt and server.key there; default 825 days.",
            "          The agent takes the new files at its daily check (keepalive.cert.check-time) or a restart.",
            "check     judges DIR (server.crt, server.key, ca.crt): key matches, chained to the CA, validity.",
            "          Exit 0 when valid, 1 when expiring (within --warn-days, default 30), expired or invalid.",
            "");

    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    CertCommand(PrintStream out, PrintStream err, Clock clock) {
        this.out = out;
        this.err = err;
        this.clock = clock;
    }

    int run(List<String> args) {
        if (args.isEmpty()) {
            err.print(USAGE);
            return 2;
        }
        if (args.contains("--help") || args.contains("-h")) {
            out.print(USAGE);
            return 0;
        }
        try {
            switch (args.get(0)) {
                case "generate":
                    return generate(args.subList(1, args.size()));
                case "renew":
                    return renew(args.subList(1, args.size()));
                case "check":
                    return check(args.subList(1, args.size()));
                default:
                    throw new IllegalArgumentException("unknown cert command '" + args.get(0) + "'");
            }
        } catch (IllegalArgumentException e) {
            err.println("hakit cert: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
    }

    private int generate(List<String> args) {
        Path outDir = null;
        List<String> nodes = List.of("node-a", "node-b");
        List<String> alt = new ArrayList<>();
        int days = 825;
        int caDays = 3650;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--out": outDir = Paths.get(value(args, ++i, a)); break;
                case "--nodes": nodes = List.of(value(args, ++i, a).split(",")); break;
                case "--alt": alt.add(value(args, ++i, a)); break;
                case "--days": days = positive(value(args, ++i, a), a); break;
                case "--ca-days": caDays = positive(value(args, ++i, a), a); break;
                default: throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (outDir == null) {
            throw new IllegalArgumentException("--out DIR is required");
        }
        if (Files.exists(outDir.resolve("ca.key"))) {
            err.println("hakit cert generate: " + outDir.resolve("ca.key") + " exists; refusing to overwrite a CA "
                    + "(choose another --out)");
            return 1;
        }
        Instant now = clock.instant();
        Instant from = now.minus(Duration.ofMinutes(5));
        CertificateGenerator.Issued ca = CertificateGenerator.certificateAuthority("HAKit HA CA", from,
                now.plus(Duration.ofDays(caDays)));
        CertificateGenerator.writeCa(outDir, ca);
        Table t = new Table("node", "directory", "valid until");
        int index = 0;
        for (String node : nodes) {
            String name = node.trim();
            // staggered: 14 days apart, so that a forgotten renewal never takes both nodes down on one day
            long valid = Math.max(1, Math.min(days, caDays) - 14L * index++);
            CertificateGenerator.Issued issued = CertificateGenerator.node(ca, name, alt, from,
                    now.plus(Duration.ofDays(valid)));
            Path dir = outDir.resolve(name);
            CertificateGenerator.writeNode(dir, issued, ca);
            t.row(name, dir, issued.certificate().getNotAfter().toInstant());
        }
        out.println("CA: " + outDir.resolve("ca.crt") + " (key " + outDir.resolve("ca.key") + ", keep it offline)");
        t.print(out);
        return 0;
    }

    private int renew(List<String> args) {
        Path caDir = null;
        Path outDir = null;
        String node = null;
        List<String> alt = new ArrayList<>();
        int days = 825;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--ca": caDir = Paths.get(value(args, ++i, a)); break;
                case "--node": node = value(args, ++i, a).trim(); break;
                case "--out": outDir = Paths.get(value(args, ++i, a)); break;
                case "--alt": alt.add(value(args, ++i, a)); break;
                case "--days": days = positive(value(args, ++i, a), a); break;
                default: throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        }
        if (caDir == null || node == null) {
            throw new IllegalArgumentException("--ca DIR and --node NAME are required");
        }
        CertificateGenerator.Issued ca;
        try {
            ca = CertificateGenerator.readCa(caDir);
        } catch (io.hakit.keepalive.tls.PemLayout.CertificateProblem e) {
            err.println("hakit cert renew: " + e.getMessage());
            return 1;
        }
        Instant now = clock.instant();
        Instant caEnd = ca.certificate().getNotAfter().toInstant();
        Instant end = now.plus(Duration.ofDays(days));
        if (end.isAfter(caEnd)) {
            end = caEnd;
            out.println("note: the CA expires at " + caEnd + "; the certificate cannot outlive it");
        }
        Path dir = outDir != null ? outDir : caDir.resolve(node);
        CertificateGenerator.Issued issued = CertificateGenerator.node(ca, node, alt, now.minus(Duration.ofMinutes(5)),
                end);
        CertificateGenerator.writeNode(dir, issued, ca);
        new Table("node", "directory", "valid until").row(node, dir, issued.certificate().getNotAfter().toInstant())
                .print(out);
        out.println("copy " + dir + " to " + node + "'s keepalive.tls.cert-dir; its agent takes it at the daily "
                + "check or a restart");
        return 0;
    }

    private int check(List<String> args) {
        Path dir = null;
        int warnDays = 30;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--warn-days")) {
                warnDays = positive(value(args, ++i, a), a);
            } else if (a.startsWith("-")) {
                throw new IllegalArgumentException("unknown option '" + a + "'");
            } else if (dir == null) {
                dir = Paths.get(a);
            } else {
                throw new IllegalArgumentException("one directory at a time");
            }
        }
        if (dir == null) {
            throw new IllegalArgumentException("check needs a directory");
        }
        CertificateChecker.Verdict v = new CertificateChecker(Duration.ofDays(warnDays), clock)
                .check(new PemLayout(dir));
        new Table("field", "value")
                .row("directory", dir.toAbsolutePath())
                .row("subject", v.subject().isEmpty() ? "-" : v.subject())
                .row("issuer", v.issuer().isEmpty() ? "-" : v.issuer())
                .row("not before", v.notBefore() == null ? "-" : v.notBefore())
                .row("not after", v.notAfter() == null ? "-" : v.notAfter())
                .row("days left", v.notAfter() == null ? "-" : v.daysLeft())
                .row("verdict", v.status())
                .print(out);
        out.println(v.detail());
        return v.status() == CertificateChecker.Status.VALID ? 0 : 1;
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(i);
    }

    private static int positive(String v, String option) {
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a positive number, was '" + v + "'");
        }
    }
}
