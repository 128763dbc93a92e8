package io.hakit.keepalive.tls;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CertificateProblemTest {

    @Test
    void survivesSerializationWithItsFileAndMessage() throws Exception {
        PemLayout.CertificateProblem p = new PemLayout.CertificateProblem(Path.of("/etc/hakit/tls/server.key"),
                "is missing");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(p);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            PemLayout.CertificateProblem back = (PemLayout.CertificateProblem) in.readObject();
            assertThat(back.file()).isEqualTo(Path.of("/etc/hakit/tls/server.key"));
            assertThat(back).hasMessage("/etc/hakit/tls/server.key is missing");
        }
    }
}
