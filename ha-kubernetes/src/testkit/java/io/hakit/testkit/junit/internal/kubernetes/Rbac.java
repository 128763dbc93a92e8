package io.hakit.testkit.junit.internal.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * The shipped Role and RoleBinding ({@code src/main/k8s/rbac.yaml}) applied to a test namespace, bound to a test user
 * that the processes then impersonate: every request they send is authorized by that Role alone, so a verb used
 * outside it fails the suite.
 */
public final class Rbac {

    /** The user the processes impersonate. */
    public static final String TEST_USER = "hakit-rbac-test";

    private Rbac() {
    }

    /** ha-kubernetes's {@code src/main/k8s/rbac.yaml} found from the working directory, else the class path's copy. */
    static String yaml() throws IOException {
        for (Path p : new Path[] {Paths.get("src/main/k8s/rbac.yaml"), Paths.get("ha-kubernetes/src/main/k8s/rbac.yaml"),
                Paths.get("../ha-kubernetes/src/main/k8s/rbac.yaml")}) {
            if (Files.isRegularFile(p)) {
                return Files.readString(p);
            }
        }
        try (java.io.InputStream in = Rbac.class.getResourceAsStream("rbac.yaml")) {
            if (in == null) {
                throw new IllegalStateException("rbac.yaml not found from " + Paths.get("").toAbsolutePath()
                        + " nor on the class path");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /** Applies the Role to {@code namespace}, binds it to {@link #TEST_USER}, returns a config impersonating it. */
    public static Config bindTestUser(ApiServers server, String namespace) {
        String text;
        try {
            text = yaml().replace("NAMESPACE", namespace);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (KubernetesClient admin = server.adminClient()) {
            List<HasMetadata> objects = admin.load(new java.io.ByteArrayInputStream(text.getBytes())).items();
            for (HasMetadata o : objects) {
                if (o instanceof RoleBinding) {
                    Subject user = new SubjectBuilder().withApiGroup("rbac.authorization.k8s.io").withKind("User")
                            .withName(TEST_USER).build();
                    ((RoleBinding) o).setSubjects(List.of(user));
                }
                admin.resource(o).inNamespace(namespace).create();
            }
        }
        return new ConfigBuilder(server.adminConfig()).withImpersonateUsername(TEST_USER)
                .withImpersonateGroups("system:authenticated").build();
    }
}
